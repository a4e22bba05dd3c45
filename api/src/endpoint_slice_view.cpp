#include "api/endpoint_slice_view.h"

#include "api/src/view_reader.h"

namespace edgeway::api {
namespace {

using detail::ViewField;

constexpr const char* kServiceNameLabel = "kubernetes.io/service-name";

IpFamily readAddressType(const ViewField& f) {
  std::string t = f.string();
  if (t == "IPv4") return IpFamily::kIPv4;
  if (t == "IPv6") return IpFamily::kIPv6;
  if (t.empty()) f.fail("required");
  f.fail("unsupported address type \"" + t + "\"");
}

Endpoint readEndpoint(const ViewField& f, IpFamily family) {
  Endpoint e;
  f["addresses"].forEach([&](const ViewField& a) {
    IpAddress ip = a.ip();
    if (ip.family() != family) a.fail("address does not match the slice's addressType");
    e.addresses.push_back(ip);
  });
  if (e.addresses.empty()) f["addresses"].fail("required");
  ViewField conditions = f["conditions"];
  e.ready = conditions["ready"].optionalBoolean().value_or(true);
  e.serving = conditions["serving"].optionalBoolean().value_or(true);
  e.terminating = conditions["terminating"].boolean();
  e.hostname = f["hostname"].string();
  e.nodeName = f["nodeName"].string();
  e.zone = f["zone"].string();
  ViewField ref = f["targetRef"];
  if (!ref.absent())
    e.targetRef = ObjectReference{ref["kind"].string(), ref["namespace"].string(), ref["name"].string()};
  f["hints"]["forZones"].forEach([&](const ViewField& z) { e.hintZones.push_back(z["name"].string()); });
  return e;
}

void fill(const ViewField& root, EndpointSliceView& s) {
  detail::readObjectName(root, &s.ns, s.name);
  ViewField labels = root["metadata"]["labels"];
  s.serviceName = labels[kServiceNameLabel].string();
  s.addressType = readAddressType(root["addressType"]);
  root["endpoints"].forEach(
      [&](const ViewField& f) { s.endpoints.push_back(readEndpoint(f, s.addressType)); });
  root["ports"].forEach([&](const ViewField& f) {
    EndpointPort p;
    p.name = f["name"].string();
    p.protocol = f["protocol"].protocol();
    p.port = f["port"].integerIn(1, 65535);
    p.appProtocol = f["appProtocol"].string();
    s.ports.push_back(std::move(p));
  });
}

}  // namespace

Result<EndpointSliceView> EndpointSliceView::parse(std::string_view json) {
  return detail::parseViewText<EndpointSliceView>("EndpointSlice", json, fill);
}

Result<EndpointSliceView> EndpointSliceView::fromJson(const nlohmann::json& object) {
  return detail::parseView<EndpointSliceView>("EndpointSlice", object, fill);
}

}  // namespace edgeway::api
