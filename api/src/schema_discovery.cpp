// discovery.k8s.io/v1 EndpointSlice: field numbers from k8s.io/api discovery/v1 generated.proto.
#include "api/src/schema_build.h"

namespace edgeway::api::schema {
namespace {

const std::string kDiscovery = "io.k8s.api.discovery.v1.";

const TypeDef& endpointConditions() {
  static const TypeDef t =
      type(kDiscovery + "EndpointConditions", "Readiness state of an endpoint.",
           {
               boolean("ready", 1, "Ready for traffic; unset means unknown (treated as ready).").keep(),
               boolean("serving", 2, "Able to serve, even while terminating.").keep(),
               boolean("terminating", 3, "Being shut down.").keep(),
           });
  return t;
}

const TypeDef& forZone() {
  static const TypeDef t = type(kDiscovery + "ForZone", "A zone that should use an endpoint.",
                                {
                                    str("name", 1, "Zone name.").required(),
                                });
  return t;
}

const TypeDef& endpointHints() {
  static const TypeDef t =
      type(kDiscovery + "EndpointHints", "Topology hints for consumers of an endpoint.",
           {
               objects("forZones", 1, forZone(), "Zones this endpoint should serve.").atomic(),
           });
  return t;
}

const TypeDef& endpoint() {
  static const TypeDef t = type(
      kDiscovery + "Endpoint", "One backend of a Service.",
      {
          strings("addresses", 1, "Addresses of the backend; consumers use the first.").required().set(),
          object("conditions", 2, endpointConditions(), "Readiness state of the backend."),
          str("hostname", 3, "DNS label of the backend (headless Services).").keep(),
          object("targetRef", 4, objectReference(), "Object backing the endpoint, usually a Pod.").keep(),
          strMap("deprecatedTopology", 5, "Deprecated topology labels."),
          str("nodeName", 6, "Node hosting the backend.").keep(),
          str("zone", 7, "Zone of the backend.").keep(),
          object("hints", 8, endpointHints(), "Topology hints.").keep(),
      });
  return t;
}

const TypeDef& endpointPort() {
  static const TypeDef t =
      type(kDiscovery + "EndpointPort", "A port served by every endpoint of a slice.",
           {
               str("name", 1, "Name matching the Service port name.").keep(),
               str("protocol", 2, "TCP, UDP or SCTP.").oneOf({"SCTP", "TCP", "UDP"}).keep(),
               i32("port", 3, "Port number; unset means all ports.").keep(),
               str("appProtocol", 4, "Application protocol of the port.").keep(),
           });
  return t;
}

}  // namespace

const TypeDef& endpointSlice() {
  static const TypeDef t =
      kind("discovery.k8s.io", "v1", "EndpointSlice", kDiscovery + "EndpointSlice",
           "A subset of the backends of a Service, with their ports.",
           {
               object("metadata", 1, objectMeta(), "Standard object metadata."),
               str("addressType", 4, "Kind of addresses in this slice.")
                   .required()
                   .oneOf({"FQDN", "IPv4", "IPv6"}),
               objects("endpoints", 2, endpoint(), "The backends.").required().atomic(),
               objects("ports", 3, endpointPort(), "Ports served by every backend.").atomic(),
           });
  return t;
}

}  // namespace edgeway::api::schema
