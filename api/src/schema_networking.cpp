// networking.k8s.io/v1 Ingress and IngressClass: field numbers from k8s.io/api
// networking/v1 generated.proto.
#include "api/src/schema_build.h"

namespace edgeway::api::schema {
namespace {

const std::string kNet = "io.k8s.api.networking.v1.";

const TypeDef& serviceBackendPort() {
  static const TypeDef t = type(kNet + "ServiceBackendPort", "A Service port, by name or number.",
                                {
                                    str("name", 1, "Port name; excludes number."),
                                    i32("number", 2, "Port number; excludes name."),
                                });
  return t;
}

const TypeDef& ingressServiceBackend() {
  static const TypeDef t = type(kNet + "IngressServiceBackend", "A Service that receives the traffic.",
                                {
                                    str("name", 1, "Service name, in the Ingress's namespace.").required(),
                                    object("port", 2, serviceBackendPort(), "Port of the Service."),
                                });
  return t;
}

const TypeDef& ingressBackend() {
  static const TypeDef t =
      type(kNet + "IngressBackend", "Where matching traffic goes: a Service or a resource.",
           {
               object("service", 4, ingressServiceBackend(), "Service backend; excludes resource.").keep(),
               object("resource", 3, typedLocalObjectReference(), "Other backend object; excludes service.")
                   .keep(),
           });
  return t;
}

const TypeDef& httpIngressPath() {
  static const TypeDef t = type(
      kNet + "HTTPIngressPath", "A path routed to a backend.",
      {
          str("path", 1, "Path matched against the request path; must start with /."),
          str("pathType", 3, "How path matches: Exact, Prefix (by / elements) or ImplementationSpecific.")
              .required()
              .oneOf({"Exact", "ImplementationSpecific", "Prefix"}),
          object("backend", 2, ingressBackend(), "Where matching requests go.").required(),
      });
  return t;
}

const TypeDef& httpIngressRuleValue() {
  static const TypeDef t =
      type(kNet + "HTTPIngressRuleValue", "HTTP routes of a rule.",
           {
               objects("paths", 1, httpIngressPath(), "Paths and their backends.").required().atomic(),
           });
  return t;
}

const TypeDef& ingressRule() {
  // Go embeds IngressRuleValue inline, so JSON has rule.http while protobuf has
  // rule.ingressRuleValue(2).http(1).
  static const TypeDef t =
      type(kNet + "IngressRule", "Routes for one host (or every host).",
           {
               str("host", 1, "Host name, possibly with a leading *. wildcard; empty matches every host."),
               object("http", 2, httpIngressRuleValue(), "HTTP routes for the host.").inner(1).keep(),
           });
  return t;
}

const TypeDef& ingressTls() {
  static const TypeDef t =
      type(kNet + "IngressTLS", "A TLS certificate and the hosts it serves.",
           {
               strings("hosts", 1, "Hosts covered by the certificate.").atomic(),
               str("secretName", 2, "kubernetes.io/tls Secret holding the certificate and key."),
           });
  return t;
}

const TypeDef& ingressSpec() {
  static const TypeDef t =
      type(kNet + "IngressSpec", "Desired routing of an Ingress.",
           {
               str("ingressClassName", 4, "IngressClass that implements this Ingress.").keep(),
               object("defaultBackend", 1, ingressBackend(), "Backend for requests no rule matches.").keep(),
               objects("tls", 2, ingressTls(), "TLS settings.").atomic(),
               objects("rules", 3, ingressRule(), "Host and path rules.").atomic(),
           });
  return t;
}

const TypeDef& ingressPortStatus() {
  static const TypeDef t =
      type(kNet + "IngressPortStatus", "Error state of one port.",
           {
               i32("port", 1, "Port number.").required(),
               str("protocol", 2, "TCP, UDP or SCTP.").required().oneOf({"SCTP", "TCP", "UDP"}),
               str("error", 3, "Problem with this port, as a CamelCase reason.").keep(),
           });
  return t;
}

const TypeDef& ingressLoadBalancerIngress() {
  static const TypeDef t =
      type(kNet + "IngressLoadBalancerIngress", "One address of the Ingress's load balancer.",
           {
               str("ip", 1, "IP address."),
               str("hostname", 2, "DNS name."),
               objects("ports", 4, ingressPortStatus(), "Status of each port.").atomic(),
           });
  return t;
}

const TypeDef& ingressLoadBalancerStatus() {
  static const TypeDef t = type(
      kNet + "IngressLoadBalancerStatus", "State of the Ingress's load balancer.",
      {
          objects("ingress", 1, ingressLoadBalancerIngress(), "Addresses of the load balancer.").atomic(),
      });
  return t;
}

const TypeDef& ingressStatus() {
  static const TypeDef t =
      type(kNet + "IngressStatus", "Observed state of an Ingress.",
           {
               object("loadBalancer", 1, ingressLoadBalancerStatus(), "Where the Ingress is reachable."),
           });
  return t;
}

const TypeDef& ingressClassParametersReference() {
  static const TypeDef t =
      type(kNet + "IngressClassParametersReference",
           "Object holding controller-specific settings of an IngressClass.",
           {
               str("apiGroup", 1, "API group of the object.").keep(),
               str("kind", 2, "Kind of the object.").required(),
               str("name", 3, "Name of the object.").required(),
               str("scope", 4, "Cluster or Namespace.").keep(),
               str("namespace", 5, "Namespace of the object when scope is Namespace.").keep(),
           });
  return t;
}

const TypeDef& ingressClassSpec() {
  static const TypeDef t = type(
      kNet + "IngressClassSpec", "Desired behaviour of an IngressClass.",
      {
          str("controller", 1, "Name of the controller implementing the class, e.g. example.com/ingress."),
          object("parameters", 2, ingressClassParametersReference(), "Controller-specific settings.").keep(),
      });
  return t;
}

}  // namespace

const TypeDef& ingress() {
  static const TypeDef t = kind("networking.k8s.io", "v1", "Ingress", kNet + "Ingress",
                                "HTTP(S) routing from host names and paths to Services.",
                                {
                                    object("metadata", 1, objectMeta(), "Standard object metadata."),
                                    object("spec", 2, ingressSpec(), "Desired routing."),
                                    object("status", 3, ingressStatus(), "Observed state."),
                                });
  return t;
}

const TypeDef& ingressClass() {
  static const TypeDef t = kind("networking.k8s.io", "v1", "IngressClass", kNet + "IngressClass",
                                "A kind of Ingress implementation; Ingresses choose one by name.",
                                {
                                    object("metadata", 1, objectMeta(), "Standard object metadata."),
                                    object("spec", 2, ingressClassSpec(), "Desired behaviour of the class."),
                                });
  return t;
}

}  // namespace edgeway::api::schema
