#include "apiserver/src/object_meta.h"

#include <random>

#include "apiserver/src/json_fields.h"
#include "base/uuid.h"

namespace edgeway::apiserver {

nlohmann::json& metadataOf(nlohmann::json& obj) {
  nlohmann::json& meta = obj["metadata"];
  if (!meta.is_object()) meta = nlohmann::json::object();
  return meta;
}

void prepareCreateMeta(nlohmann::json& obj, const std::string& now) {
  nlohmann::json& meta = metadataOf(obj);
  meta.erase("deletionTimestamp");
  meta.erase("deletionGracePeriodSeconds");
  meta.erase("selfLink");
  meta["uid"] = newUuid();
  meta["creationTimestamp"] = now;
  meta["generation"] = 1;
  auto name = meta.find("name");
  bool unnamed = name == meta.end() || !name->is_string() || name->get_ref<const std::string&>().empty();
  auto gen = meta.find("generateName");
  if (unnamed && gen != meta.end() && gen->is_string() && !gen->get_ref<const std::string&>().empty()) {
    meta["name"] = generateName(gen->get<std::string>());
  }
}

void prepareUpdateMeta(nlohmann::json& obj, const nlohmann::json& old) {
  nlohmann::json& meta = metadataOf(obj);
  const nlohmann::json empty = nlohmann::json::object();
  auto oldMetaIt = old.find("metadata");
  const nlohmann::json& oldMeta = oldMetaIt != old.end() && oldMetaIt->is_object() ? *oldMetaIt : empty;
  auto copy = [&](const char* key) {
    if (auto it = oldMeta.find(key); it != oldMeta.end()) {
      meta[key] = *it;
    } else {
      meta.erase(key);
    }
  };
  copy("generation");
  copy("creationTimestamp");
  meta.erase("selfLink");
  if (fields::str(obj, {"metadata", "uid"}).empty()) copy("uid");
  // An update can neither clear nor move a deletion timestamp or grace period.
  if (oldMeta.contains("deletionTimestamp")) {
    copy("deletionTimestamp");
  } else {
    meta.erase("deletionTimestamp");
  }
  if (oldMeta.contains("deletionGracePeriodSeconds")) {
    copy("deletionGracePeriodSeconds");
  } else {
    meta.erase("deletionGracePeriodSeconds");
  }
}

std::string generateName(const std::string& base) {
  // apiserver's names.SimpleNameGenerator: at most 58 characters of base, then 5 random
  // characters from an alphabet without vowels (no accidental words) or 0/1/3 (look-alikes).
  static const char kAlphabet[] = "bcdfghjklmnpqrstvwxz2456789";
  thread_local std::mt19937 rng{std::random_device{}()};
  std::uniform_int_distribution<size_t> pick(0, sizeof(kAlphabet) - 2);
  std::string name = base.size() > 58 ? base.substr(0, 58) : base;
  for (int i = 0; i < 5; ++i) name += kAlphabet[pick(rng)];
  return name;
}

bool hasFinalizers(const nlohmann::json& obj) { return !fields::array(obj, {"metadata", "finalizers"}).empty(); }

bool hasDeletionTimestamp(const nlohmann::json& obj) {
  return fields::has(obj, {"metadata", "deletionTimestamp"});
}

}  // namespace edgeway::apiserver
