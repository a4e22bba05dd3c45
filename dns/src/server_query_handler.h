#pragma once
// QueryHandler: what the DNS server does with one received message, knowing nothing of
// sockets (Beast's "request handler"): drop it, answer it (bytes ready to send) or hand it
// to the forwarder. Shared by the UDP workers and the TCP sessions.
//
// Rules (RFC 1035, 6891, 7766, and "never an open resolver"):
// - fewer than 12 bytes, or QR=1 (a response sent to us, maybe reflected): dropped;
// - unparsable with a header: FORMERR with the query's ID, opcode and RD, no question;
// - cluster names (resolve() answers): answered for every client;
// - other names: forwarded for clients in the allowed source ranges, REFUSED otherwise
//   (zone transfers are refused to everyone: there is nothing to transfer upstream);
// - the answer carries an OPT when the query did (our size, the client's DO bit), and is
//   limited to the client's UDP payload size (at least 512, at most maxUdpPayload; 512
//   without EDNS) or 65535 over TCP, truncated with TC above that.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/ip.h"
#include "dns/cluster_zone.h"
#include "dns/dns_metrics.h"
#include "dns/message.h"

namespace edgeway::dns::server_detail {

enum class Transport { kUdp, kTcp };

// How the answer to one query must be framed: the size limit and the OPT record to add.
struct ReplyShape {
  size_t maxSize = kClassicUdpSize;
  std::optional<Edns> edns;
  Transport transport = Transport::kUdp;
};

// A query to forward, with the shape its eventual answer must take.
struct ForwardRequest {
  Message query;
  ReplyShape shape;
};

class QueryHandler {
 public:
  enum class Action { kDrop, kReply, kForward };

  QueryHandler(std::vector<Cidr> allowedSources, uint16_t maxUdpPayload)
      : allowedSources_(std::move(allowedSources)), maxUdpPayload_(maxUdpPayload) {}

  // Decides about `wire` from `client`. kReply fills `reply`; kForward fills `forward`.
  Action handle(std::string_view wire, const IpAddress& client, Transport transport, const ClusterZone& zone,
                ServerCounters& counters, std::string& reply, ForwardRequest& forward) const;

  // The bytes for an answer (resolved, forwarded or made up here) in `shape`.
  std::string finish(Message response, const ReplyShape& shape, ServerCounters& counters) const;

  // The answer to a forwarded query when there is no forwarder.
  static Message servFail(const Message& query);

  bool allowed(const IpAddress& client) const;

 private:
  std::vector<Cidr> allowedSources_;
  uint16_t maxUdpPayload_;
};

}  // namespace edgeway::dns::server_detail
