#pragma once
// A set of field paths, held as the trie that managedFields' FieldsV1 encodes:
//   {"f:spec":{"f:ports":{".":{},"k:{\"port\":80,\"protocol\":\"TCP\"}":{".":{},"f:port":{}}}}}
// Path elements are kept in their encoded form: "f:<field>", "k:<key object as JSON>" for an
// item of an associative list, "v:<value as JSON>" for an item of a set, "i:<index>" for an
// item of a list without keys. A node is a member of the set (the path itself is owned) and/or
// the parent of longer paths; "." marks a member that also has children.

#include <functional>
#include <map>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "base/status.h"

namespace edgeway::api::detail {

using FieldPath = std::vector<std::string>;  // encoded path elements, outermost first

class FieldSet {
 public:
  bool empty() const { return !member_ && children_.empty(); }
  bool isMember() const { return member_; }
  const std::map<std::string, FieldSet>& children() const { return children_; }
  const FieldSet* find(const std::string& element) const;

  void insert(const FieldPath& path);
  void markMember() { member_ = true; }
  FieldSet& child(const std::string& element) { return children_[element]; }

  void unite(const FieldSet& other);                // this ∪= other
  void subtract(const FieldSet& other);             // drop members of other; prune empty nodes
  FieldSet intersect(const FieldSet& other) const;  // members in both
  // Every member path, in element order.
  void forEachMember(const std::function<void(const FieldPath&)>& visit) const;

  // FieldsV1 form (the root's own membership is not representable and is ignored).
  nlohmann::json toFieldsV1() const;
  static Result<FieldSet> fromFieldsV1(const nlohmann::json& fields);

 private:
  void forEachMember(FieldPath& prefix, const std::function<void(const FieldPath&)>& visit) const;

  bool member_ = false;
  std::map<std::string, FieldSet> children_;
};

std::string fieldElement(const std::string& name);        // "f:name"
std::string keyElement(const nlohmann::json& keyObject);  // "k:{...}"
std::string valueElement(const nlohmann::json& value);    // "v:..."

// A path as kube prints it in conflicts: .spec.ports[port=80,protocol="TCP"].targetPort
std::string pathString(const FieldPath& path);

}  // namespace edgeway::api::detail
