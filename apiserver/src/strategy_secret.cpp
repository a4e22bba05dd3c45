// Secrets: type defaults to Opaque and never changes; stringData is folded into data (base64)
// before anything is stored, as kube's conversion does; typed secrets must carry their keys.

#include <optional>

#include "apiserver/src/json_fields.h"
#include "apiserver/src/strategies.h"
#include "apiserver/src/strategy_support.h"
#include "base/base64.h"

namespace edgeway::apiserver {
namespace {

using nlohmann::json;

constexpr size_t kMaxSecretSize = 1 * 1024 * 1024;
// Decoded length of a data value, or nullopt when it is not padded standard base64.
std::optional<size_t> decodedSize(const std::string& value) {
  auto bytes = base64::decode(value);
  if (!bytes) return std::nullopt;
  return bytes->size();
}

void applyDefaults(json& secret) {
  if (!secret.is_object()) return;
  if (fields::str(secret, {"type"}).empty()) secret["type"] = "Opaque";
  auto stringData = secret.find("stringData");
  if (stringData == secret.end()) return;
  if (stringData->is_object()) {
    for (const auto& [key, value] : stringData->items()) {
      if (value.is_string()) secret["data"][key] = base64::encode(value.get<std::string>());
    }
  }
  secret.erase("stringData");
}

api::FieldErrors validateBody(const json& secret) {
  api::FieldErrors errs;
  const api::FieldPath data("data");
  const json& items = fields::object(secret, {"data"});
  size_t total = 0;
  for (const auto& [key, value] : items.items()) {
    support::appendInvalid(errs, data.key(key), key, support::isConfigMapKey(key));
    // null decodes to no bytes, as kube's decoder reads it.
    auto size = value.is_null()     ? std::optional<size_t>(0)
                : value.is_string() ? decodedSize(value.get<std::string>())
                                    : std::nullopt;
    if (!size) {
      errs.push_back(
          api::invalid(data.key(key), "<secret contents redacted>", "must be base64-encoded bytes"));
    } else {
      total += *size;
    }
  }
  if (total > kMaxSecretSize) errs.push_back(api::tooLong(data, kMaxSecretSize));

  auto requireKey = [&](const char* key) {
    if (!items.contains(key)) errs.push_back(api::required(data.key(key)));
  };
  std::string type = fields::str(secret, {"type"});
  if (type == "kubernetes.io/tls") {
    requireKey("tls.crt");
    requireKey("tls.key");
  } else if (type == "kubernetes.io/basic-auth") {
    if (!items.contains("username") && !items.contains("password")) {
      requireKey("username");
      requireKey("password");
    }
  } else if (type == "kubernetes.io/ssh-auth") {
    requireKey("ssh-privatekey");
  } else if (type == "kubernetes.io/dockercfg") {
    requireKey(".dockercfg");
  } else if (type == "kubernetes.io/dockerconfigjson") {
    requireKey(".dockerconfigjson");
  } else if (type == "kubernetes.io/service-account-token") {
    if (fields::str(secret, {"metadata", "annotations", "kubernetes.io/service-account.name"}).empty()) {
      errs.push_back(
          api::required(api::FieldPath("metadata.annotations").key("kubernetes.io/service-account.name")));
    }
  }
  return errs;
}

class SecretStrategy : public support::StatuslessStrategy {
 public:
  void prepareForCreate(json& secret) const override { applyDefaults(secret); }
  void prepareForUpdate(json& secret, const json&) const override { applyDefaults(secret); }

  api::FieldErrors validate(const json& secret) const override {
    api::FieldErrors errs =
        api::validateObjectMeta(support::metadataOf(secret), true, api::NameRule::kDns1123Subdomain);
    support::append(errs, validateBody(secret));
    return errs;
  }

  api::FieldErrors validateUpdate(const json& secret, const json& old) const override {
    api::FieldErrors errs =
        api::validateObjectMetaUpdate(support::metadataOf(secret), support::metadataOf(old));
    support::checkImmutable(errs, api::FieldPath("type"), fields::str(secret, {"type"}),
                            fields::str(old, {"type"}));
    if (fields::boolean(old, {"immutable"})) {
      const char* why = "field is immutable when `immutable` is set";
      if (!fields::boolean(secret, {"immutable"})) {
        errs.push_back(api::forbidden(api::FieldPath("immutable"), why));
      }
      if (fields::object(secret, {"data"}) != fields::object(old, {"data"})) {
        errs.push_back(api::forbidden(api::FieldPath("data"), why));
      }
    }
    support::append(errs, validateBody(secret));
    return errs;
  }
};

}  // namespace

std::unique_ptr<Strategy> makeSecretStrategy() { return std::make_unique<SecretStrategy>(); }

}  // namespace edgeway::apiserver
