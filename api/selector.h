#pragma once
// Label and field selectors as the Kubernetes API parses them (labelSelector= and
// fieldSelector= query parameters), with apimachinery's parse-error wording so that clients
// print the messages users know.
//
//   labels: "app=web,tier!=db", "env in (prod, staging)", "!canary", "release", "x notin (a)"
//   fields: "metadata.name=web,spec.type!=ClusterIP" (only =, == and != exist for fields)

#include <functional>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace edgeway::api {

class LabelSelector {
 public:
  enum class Op { kIn, kNotIn, kEquals, kNotEquals, kExists, kDoesNotExist, kGreaterThan, kLessThan };
  struct Requirement {
    std::string key;
    Op op = Op::kExists;
    std::vector<std::string> values;  // sorted, unique
  };

  // Empty text selects everything. Errors are kInvalidArgument with kube's message, e.g.
  // "unable to parse requirement: found '', expected: identifier".
  static Result<LabelSelector> parse(std::string_view text);

  bool empty() const { return requirements_.empty(); }
  const std::vector<Requirement>& requirements() const { return requirements_; }
  // `labels` is the metadata.labels object (null or absent labels select as empty).
  bool matches(const nlohmann::json& labels) const;
  // A cheap pre-check on an object's compact JSON text (as the store holds it): false
  // when the text cannot hold labels that match, because a required `"key":"value"` (or
  // `"key":`) does not occur in it. True says nothing; matches() decides. Lists use it to
  // skip parsing most objects.
  bool mayMatchText(std::string_view json) const;

 private:
  std::vector<Requirement> requirements_;
};

class FieldSelector {
 public:
  struct Term {
    std::string field;  // dotted path, e.g. "metadata.name"
    std::string value;  // unescaped
    bool negated = false;
  };

  // Empty text selects everything. Errors: "invalid selector: 'x'; can't understand 'x'".
  static Result<FieldSelector> parse(std::string_view text);

  bool empty() const { return terms_.empty(); }
  const std::vector<Term>& terms() const { return terms_; }
  // True when every term is on metadata.name or metadata.namespace, so that matching needs
  // only the object's key and no parsing.
  bool onlyNameAndNamespace() const;

  // Matches with `value(field)` giving a field's value as a string ("" when absent).
  bool matches(const std::function<std::string(std::string_view field)>& value) const;
  // Matches against an object, reading each field by its dotted JSON path (bools print as
  // "true"/"false", numbers in decimal, missing fields as "").
  bool matches(const nlohmann::json& object) const;

 private:
  std::vector<Term> terms_;
};

// The value of a dotted JSON path as a field selector sees it.
std::string fieldValue(const nlohmann::json& object, std::string_view path);

}  // namespace edgeway::api
