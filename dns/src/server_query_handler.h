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
// - a cluster answer ending in a CNAME to a name outside the zone (an ExternalName
//   Service), for a type other than CNAME and ANY: the target is asked of the forwarder, as
//   CoreDNS does, and its answer records appended after ours -- for allowed clients only;
//   for others, without a forwarder, or when the upstream does not answer NOERROR, the
//   CNAME alone is the answer;
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
  // Set when `query` chases a CNAME target: the cluster answer (ending in the CNAME) that
  // the upstream's answer records are appended to.
  std::optional<Message> partial;
};

class QueryHandler {
 public:
  // kZoneReply is a kReply that depends only on the query's bytes (but the ID) and the zone:
  // a resolve() answer, which a UDP worker may cache (dns/src/server_answer_cache.h).
  enum class Action { kDrop, kReply, kZoneReply, kForward };

  QueryHandler(std::vector<Cidr> allowedSources, uint16_t maxUdpPayload)
      : allowedSources_(std::move(allowedSources)), maxUdpPayload_(maxUdpPayload) {}

  // Decides about `wire` from `client`. kReply fills `reply`; kForward fills `forward`.
  Action handle(std::string_view wire, const IpAddress& client, Transport transport, const ClusterZone& zone,
                ServerCounters& counters, std::string& reply, ForwardRequest& forward) const;

  // The bytes for an answer (resolved, forwarded or made up here) in `shape`.
  std::string finish(Message response, const ReplyShape& shape, ServerCounters& counters) const;

  // The answer to `request` when there is no forwarder: SERVFAIL, or the CNAME alone.
  static Message withoutForwarder(const ForwardRequest& request);
  // The answer to a forwarded query once the forwarder answered `upstream`: that answer,
  // or `partial` with the upstream's answer records appended (see above).
  static Message withUpstreamAnswer(std::optional<Message> partial, Message upstream);

  bool allowed(const IpAddress& client) const;
  uint16_t maxUdpPayload() const { return maxUdpPayload_; }

 private:
  std::vector<Cidr> allowedSources_;
  uint16_t maxUdpPayload_;
};

}  // namespace edgeway::dns::server_detail
