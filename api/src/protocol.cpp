#include "api/protocol.h"

namespace edgeway::api {

const char* protocolName(Protocol protocol) {
  switch (protocol) {
    case Protocol::kTCP:
      return "TCP";
    case Protocol::kUDP:
      return "UDP";
    case Protocol::kSCTP:
      return "SCTP";
  }
  return "TCP";
}

}  // namespace edgeway::api
