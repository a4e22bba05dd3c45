#include "cache/kind.h"

namespace edgeway::cache {

const char* kindName(Kind kind) {
  switch (kind) {
    case Kind::kService:
      return "Service";
    case Kind::kEndpointSlice:
      return "EndpointSlice";
    case Kind::kPod:
      return "Pod";
    case Kind::kNode:
      return "Node";
    case Kind::kIngress:
      return "Ingress";
    case Kind::kIngressClass:
      return "IngressClass";
    case Kind::kSecret:
      return "Secret";
  }
  return "?";
}

bool isNamespaced(Kind kind) { return kind != Kind::kNode && kind != Kind::kIngressClass; }

}  // namespace edgeway::cache
