// core/v1 references, Namespace, Secret and Endpoints: field numbers from k8s.io/api
// core/v1 generated.proto.
#include "api/src/schema_build.h"

namespace edgeway::api::schema {
namespace {
const std::string kCore = "io.k8s.api.core.v1.";
}  // namespace

const TypeDef& objectReference() {
  static const TypeDef t =
      type(kCore + "ObjectReference", "Points at another object, possibly at one field of it.",
           {
               str("kind", 1, "Kind of the referent."),
               str("namespace", 2, "Namespace of the referent."),
               str("name", 3, "Name of the referent."),
               str("uid", 4, "UID of the referent."),
               str("apiVersion", 5, "API version of the referent."),
               str("resourceVersion", 6, "Version of the referent this reference was made against."),
               str("fieldPath", 7, "Part of the referent meant, e.g. spec.containers{web}."),
           });
  return t;
}

const TypeDef& localObjectReference() {
  static const TypeDef t = type(kCore + "LocalObjectReference", "Names an object in the same namespace.",
                                {
                                    str("name", 1, "Name of the referent."),
                                });
  return t;
}

const TypeDef& typedLocalObjectReference() {
  static const TypeDef t =
      type(kCore + "TypedLocalObjectReference", "Names an object of a given kind in the same namespace.",
           {
               str("apiGroup", 1, "API group of the referent; empty for the core group.").keep(),
               str("kind", 2, "Kind of the referent.").required(),
               str("name", 3, "Name of the referent.").required(),
           });
  return t;
}

namespace {

const TypeDef& namespaceCondition() {
  static const TypeDef t =
      type(kCore + "NamespaceCondition", "One aspect of a namespace's state.",
           {
               str("type", 1, "Condition type, e.g. NamespaceDeletionContentFailure.").required(),
               str("status", 2, "True, False or Unknown.").required(),
               time("lastTransitionTime", 4, "When status last changed."),
               str("reason", 5, "CamelCase cause of the last transition."),
               str("message", 6, "Human-readable detail."),
           });
  return t;
}

const TypeDef& namespaceSpec() {
  static const TypeDef t =
      type(kCore + "NamespaceSpec", "Desired behaviour of a namespace.",
           {
               strings("finalizers", 1, "Must be emptied before the namespace is removed.").atomic(),
           });
  return t;
}

const TypeDef& namespaceStatus() {
  static const TypeDef t =
      type(kCore + "NamespaceStatus", "Observed state of a namespace.",
           {
               str("phase", 1, "Active, or Terminating while its content is deleted.")
                   .oneOf({"Active", "Terminating"}),
               objects("conditions", 2, namespaceCondition(), "Latest observations of the namespace.")
                   .merge("type")
                   .listMap({"type"}),
           });
  return t;
}

}  // namespace

const TypeDef& namespaceKind() {
  static const TypeDef t =
      kind("", "v1", "Namespace", kCore + "Namespace",
           "A scope for names; most objects live in exactly one namespace.",
           {
               object("metadata", 1, objectMeta(), "Standard object metadata."),
               object("spec", 2, namespaceSpec(), "Desired behaviour of the namespace."),
               object("status", 3, namespaceStatus(), "Observed state of the namespace."),
           });
  return t;
}

const TypeDef& secret() {
  static const TypeDef t = kind(
      "", "v1", "Secret", kCore + "Secret", "Holds sensitive data such as passwords, tokens or TLS keys.",
      {
          object("metadata", 1, objectMeta(), "Standard object metadata."),
          boolean("immutable", 5, "When true, data cannot change after creation.").keep(),
          bytesMap("data", 2, "Secret values by key, base64-encoded in JSON."),
          strMap("stringData", 4, "Write-only plain-text values, merged into data on write."),
          str("type", 3, "How the data is used, e.g. Opaque or kubernetes.io/tls."),
      });
  return t;
}

namespace {

const TypeDef& endpointAddress() {
  static const TypeDef t = type(
      kCore + "EndpointAddress", "One address of an endpoint.",
      {
          str("ip", 1, "IP address of the endpoint.").required(),
          str("hostname", 3, "Hostname of the endpoint."),
          str("nodeName", 4, "Node hosting the endpoint.").keep(),
          object("targetRef", 2, objectReference(), "Object backing the endpoint, usually a Pod.").keep(),
      });
  return t;
}

const TypeDef& endpointPort() {
  static const TypeDef t = type(kCore + "EndpointPort", "One port of an endpoint.",
                                {
                                    str("name", 1, "Name matching the Service port name."),
                                    i32("port", 2, "Port number.").required(),
                                    str("protocol", 3, "TCP, UDP or SCTP.").oneOf({"SCTP", "TCP", "UDP"}),
                                    str("appProtocol", 4, "Application protocol of the port.").keep(),
                                });
  return t;
}

const TypeDef& endpointSubset() {
  static const TypeDef t =
      type(kCore + "EndpointSubset", "Addresses that share a set of ports.",
           {
               objects("addresses", 1, endpointAddress(), "Addresses ready for traffic.").atomic(),
               objects("notReadyAddresses", 2, endpointAddress(), "Addresses not ready yet.").atomic(),
               objects("ports", 3, endpointPort(), "Ports served on every address.").atomic(),
           });
  return t;
}

}  // namespace

const TypeDef& endpoints() {
  static const TypeDef t =
      kind("", "v1", "Endpoints", kCore + "Endpoints",
           "The addresses backing a Service (legacy form of EndpointSlice).",
           {
               object("metadata", 1, objectMeta(), "Standard object metadata."),
               objects("subsets", 2, endpointSubset(), "Groups of addresses with their ports.").atomic(),
           });
  return t;
}

}  // namespace edgeway::api::schema
