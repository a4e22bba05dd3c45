#pragma once
// The L4 protocol of a Service, EndpointSlice or container port (core/v1 Protocol).

namespace edgeway::api {

enum class Protocol { kTCP, kUDP, kSCTP };

// "TCP", "UDP", "SCTP": the spelling of the API.
const char* protocolName(Protocol protocol);

}  // namespace edgeway::api
