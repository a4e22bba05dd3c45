// core/v1 Service: field numbers from k8s.io/api core/v1 generated.proto (1.32).
#include "api/src/schema_build.h"

namespace edgeway::api::schema {
namespace {

const std::string kCore = "io.k8s.api.core.v1.";

const TypeDef& servicePort() {
  static const TypeDef t =
      type(kCore + "ServicePort", "One port a Service exposes.",
           {
               str("name", 1, "Port name; required and unique when the Service has several ports."),
               str("protocol", 2, "IP protocol: TCP (default), UDP or SCTP.").oneOf({"SCTP", "TCP", "UDP"}),
               str("appProtocol", 6, "Application protocol, e.g. http or kubernetes.io/h2c.").keep(),
               i32("port", 3, "Port the Service listens on.").required(),
               intOrString("targetPort", 4,
                           "Port number or named container port the traffic goes to; "
                           "defaults to port."),
               i32("nodePort", 5, "Port opened on every node for NodePort and LoadBalancer Services."),
           });
  return t;
}

const TypeDef& clientIpConfig() {
  static const TypeDef t =
      type(kCore + "ClientIPConfig", "Settings of ClientIP session affinity.",
           {
               i32("timeoutSeconds", 1, "How long a client sticks to one endpoint (1..86400, default 10800).")
                   .keep(),
           });
  return t;
}

const TypeDef& sessionAffinityConfig() {
  static const TypeDef t =
      type(kCore + "SessionAffinityConfig", "Settings of session affinity.",
           {
               object("clientIP", 1, clientIpConfig(), "Settings of ClientIP affinity.").keep(),
           });
  return t;
}

const TypeDef& serviceSpec() {
  static const TypeDef t = type(
      kCore + "ServiceSpec", "Desired behaviour of a Service.",
      {
          objects("ports", 1, servicePort(), "Ports the Service exposes.")
              .merge("port")
              .listMap({"port", "protocol"}),
          strMap("selector", 2,
                 "Pods with these labels receive the traffic; empty means endpoints "
                 "are managed by someone else.")
              .atomicMap(),
          str("clusterIP", 3, "Virtual IP of the Service; \"None\" makes it headless. Allocated when empty."),
          strings("clusterIPs", 18,
                  "Virtual IPs of the Service, one per IP family; the first equals "
                  "clusterIP.")
              .atomic(),
          str("type", 4, "How the Service is exposed.")
              .oneOf({"ClusterIP", "ExternalName", "LoadBalancer", "NodePort"}),
          strings("externalIPs", 5, "Extra IPs on which nodes accept traffic for this Service.").atomic(),
          str("sessionAffinity", 7, "ClientIP keeps a client on one endpoint; None (default) does not.")
              .oneOf({"ClientIP", "None"}),
          str("loadBalancerIP", 8, "Deprecated: requested load-balancer IP."),
          strings("loadBalancerSourceRanges", 9, "Client CIDRs allowed through the load balancer.").atomic(),
          str("externalName", 10, "DNS name returned as a CNAME for ExternalName Services."),
          str("externalTrafficPolicy", 11,
              "Local keeps external traffic on the receiving node; "
              "Cluster (default) spreads it.")
              .oneOf({"Cluster", "Local"}),
          i32("healthCheckNodePort", 12,
              "Node port answering health checks when externalTrafficPolicy is Local."),
          boolean("publishNotReadyAddresses", 13, "Publish endpoints even when they are not ready."),
          object("sessionAffinityConfig", 14, sessionAffinityConfig(), "Settings of session affinity.")
              .keep(),
          strings("ipFamilies", 19, "IP families of the Service (IPv4, IPv6), in order.").atomic(),
          str("ipFamilyPolicy", 17, "SingleStack, PreferDualStack or RequireDualStack.")
              .oneOf({"PreferDualStack", "RequireDualStack", "SingleStack"})
              .keep(),
          boolean("allocateLoadBalancerNodePorts", 20,
                  "Whether LoadBalancer Services get node ports "
                  "(default true).")
              .keep(),
          str("loadBalancerClass", 21, "Load-balancer implementation this Service belongs to.").keep(),
          str("internalTrafficPolicy", 22,
              "Local keeps in-cluster traffic on the sending node; "
              "Cluster (default) spreads it.")
              .oneOf({"Cluster", "Local"})
              .keep(),
          str("trafficDistribution", 23, "Routing preference, e.g. PreferClose for nearby endpoints.").keep(),
      });
  return t;
}

const TypeDef& portStatus() {
  static const TypeDef t =
      type(kCore + "PortStatus", "Error state of one service port.",
           {
               i32("port", 1, "Port number.").required(),
               str("protocol", 2, "TCP, UDP or SCTP.").required().oneOf({"SCTP", "TCP", "UDP"}),
               str("error", 3, "Problem with this port, as a CamelCase reason.").keep(),
           });
  return t;
}

const TypeDef& loadBalancerIngress() {
  static const TypeDef t =
      type(kCore + "LoadBalancerIngress", "One address of a load balancer.",
           {
               str("ip", 1, "IP address of the load balancer."),
               str("hostname", 2, "DNS name of the load balancer."),
               str("ipMode", 3,
                   "VIP: traffic arrives with the load-balancer IP as destination; Proxy: "
                   "it arrives at the node or pod.")
                   .oneOf({"Proxy", "VIP"})
                   .keep(),
               objects("ports", 4, portStatus(), "Status of each service port.").atomic(),
           });
  return t;
}

const TypeDef& loadBalancerStatus() {
  static const TypeDef t =
      type(kCore + "LoadBalancerStatus", "State of a load balancer.",
           {
               objects("ingress", 1, loadBalancerIngress(), "Addresses of the load balancer.").atomic(),
           });
  return t;
}

const TypeDef& serviceStatus() {
  static const TypeDef t =
      type(kCore + "ServiceStatus", "Observed state of a Service.",
           {
               object("loadBalancer", 1, loadBalancerStatus(), "State of the load balancer, if any."),
               objects("conditions", 2, condition(), "Latest observations of the Service.")
                   .merge("type")
                   .listMap({"type"}),
           });
  return t;
}

}  // namespace

const TypeDef& service() {
  static const TypeDef t = kind("", "v1", "Service", kCore + "Service",
                                "A stable name and virtual IP for a set of pods, with the ports it forwards.",
                                {
                                    object("metadata", 1, objectMeta(), "Standard object metadata."),
                                    object("spec", 2, serviceSpec(), "Desired behaviour of the Service."),
                                    object("status", 3, serviceStatus(), "Observed state of the Service."),
                                });
  return t;
}

}  // namespace edgeway::api::schema
