#include "api/secret_view.h"

#include "base/base64.h"
#include "api/src/view_reader.h"

namespace edgeway::api {
namespace {

using detail::ViewField;

std::string decoded(const ViewField& f) {
  std::string text = f.string();
  auto bytes = base64::decode(text);
  if (!bytes) f.fail("must be base64-encoded bytes");
  return std::move(*bytes);
}

void fill(const ViewField& root, SecretView& s) {
  detail::readObjectName(root, &s.ns, s.name);
  s.type = root["type"].string();
  if (s.type.empty()) s.type = "Opaque";
  ViewField data = root["data"];
  s.tlsCert = decoded(data["tls.crt"]);
  s.tlsKey = decoded(data["tls.key"]);
}

}  // namespace

Result<SecretView> SecretView::parse(std::string_view json) {
  return detail::parseViewText<SecretView>("Secret", json, fill);
}

Result<SecretView> SecretView::fromJson(const nlohmann::json& object) {
  return detail::parseView<SecretView>("Secret", object, fill);
}

}  // namespace edgeway::api
