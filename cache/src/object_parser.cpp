#include "cache/src/object_parser.h"

#include <memory>

namespace edgeway::cache::detail {
namespace {

template <typename View>
Result<AnyObject> parseAs(std::string_view json) {
  auto view = View::parse(json);
  if (!view) return view.status();
  return AnyObject(std::make_shared<const View>(std::move(*view)));
}

}  // namespace

Result<AnyObject> parseObject(Kind kind, std::string_view json) {
  switch (kind) {
    case Kind::kService:
      return parseAs<api::ServiceView>(json);
    case Kind::kEndpointSlice:
      return parseAs<api::EndpointSliceView>(json);
    case Kind::kPod:
      return parseAs<api::PodView>(json);
    case Kind::kNode:
      return parseAs<api::NodeView>(json);
    case Kind::kIngress:
      return parseAs<api::IngressView>(json);
    case Kind::kIngressClass:
      return parseAs<api::IngressClassView>(json);
    case Kind::kSecret:
      return parseAs<api::SecretView>(json);
  }
  return internalError("unknown kind");
}

NamespacedName nameOf(const AnyObject& object) {
  return std::visit(
      [](const auto& p) {
        NameKey key = nameKey(*p);
        return NamespacedName{std::string(std::get<0>(key)), std::string(std::get<1>(key))};
      },
      object);
}

}  // namespace edgeway::cache::detail
