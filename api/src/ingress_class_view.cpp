#include "api/ingress_class_view.h"

#include "api/src/view_reader.h"

namespace edgeway::api {
namespace {

using detail::ViewField;

constexpr const char* kDefaultClassAnnotation = "ingressclass.kubernetes.io/is-default-class";

void fill(const ViewField& root, IngressClassView& c) {
  detail::readObjectName(root, nullptr, c.name);
  c.controller = root["spec"]["controller"].string();
  // Kubernetes compares the annotation's value with "true" exactly.
  c.isDefault = root["metadata"]["annotations"][kDefaultClassAnnotation].string() == "true";
}

}  // namespace

Result<IngressClassView> IngressClassView::parse(std::string_view json) {
  return detail::parseViewText<IngressClassView>("IngressClass", json, fill);
}

Result<IngressClassView> IngressClassView::fromJson(const nlohmann::json& object) {
  return detail::parseView<IngressClassView>("IngressClass", object, fill);
}

}  // namespace edgeway::api
