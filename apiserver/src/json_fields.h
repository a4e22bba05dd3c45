#pragma once
// Tolerant readers over decoded objects. Tables and strategies see whatever a client stored,
// so a missing or mistyped field reads as empty instead of throwing.

#include <initializer_list>
#include <nlohmann/json.hpp>
#include <string>

namespace edgeway::apiserver::fields {

// The value at a path of object keys, or nullptr when any step is missing or not an object.
inline const nlohmann::json* find(const nlohmann::json& obj, std::initializer_list<const char*> path) {
  const nlohmann::json* cur = &obj;
  for (const char* key : path) {
    if (!cur->is_object()) return nullptr;
    auto it = cur->find(key);
    if (it == cur->end()) return nullptr;
    cur = &*it;
  }
  return cur;
}

inline std::string str(const nlohmann::json& obj, std::initializer_list<const char*> path) {
  const nlohmann::json* v = find(obj, path);
  return v && v->is_string() ? v->get<std::string>() : std::string();
}

inline long long integer(const nlohmann::json& obj, std::initializer_list<const char*> path) {
  const nlohmann::json* v = find(obj, path);
  return v && v->is_number_integer() ? v->get<long long>() : 0;
}

inline bool boolean(const nlohmann::json& obj, std::initializer_list<const char*> path) {
  const nlohmann::json* v = find(obj, path);
  return v && v->is_boolean() && v->get<bool>();
}

// The array at `path`, or an empty array.
inline const nlohmann::json& array(const nlohmann::json& obj, std::initializer_list<const char*> path) {
  static const nlohmann::json kEmpty = nlohmann::json::array();
  const nlohmann::json* v = find(obj, path);
  return v && v->is_array() ? *v : kEmpty;
}

// The object at `path`, or an empty object.
inline const nlohmann::json& object(const nlohmann::json& obj, std::initializer_list<const char*> path) {
  static const nlohmann::json kEmpty = nlohmann::json::object();
  const nlohmann::json* v = find(obj, path);
  return v && v->is_object() ? *v : kEmpty;
}

// Present and not null: how Go's pointer fields tell "unset" from "set to the zero value".
inline bool has(const nlohmann::json& obj, std::initializer_list<const char*> path) {
  const nlohmann::json* v = find(obj, path);
  return v && !v->is_null();
}

}  // namespace edgeway::apiserver::fields
