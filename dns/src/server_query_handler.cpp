#include "dns/src/server_query_handler.h"

#include <algorithm>

#include "dns/resolver.h"

namespace edgeway::dns::server_detail {

namespace {

constexpr size_t kHeaderSize = 12;

// FORMERR for a query we could not parse: its header only, with every count zero. Built
// from the raw bytes because there is no Message to build it from.
std::string formErr(std::string_view wire) {
  std::string out(kHeaderSize, '\0');
  out[0] = wire[0];
  out[1] = wire[1];
  // QR=1, the query's opcode (bits 3-6) and RD (bit 0); rcode 1.
  out[2] = static_cast<char>(0x80 | (wire[2] & 0x79));
  out[3] = static_cast<char>(static_cast<uint8_t>(Rcode::kFormErr));
  return out;
}

Message refused(const Message& query) {
  Message m;
  m.header.id = query.header.id;
  m.header.qr = true;
  m.header.opcode = query.header.opcode;
  m.header.rd = query.header.rd;
  m.header.cd = query.header.cd;
  m.header.rcode = Rcode::kRefused;
  m.questions = query.questions;
  return m;
}

ReplyShape shapeFor(const Message& query, Transport transport, uint16_t maxUdpPayload) {
  ReplyShape shape;
  shape.transport = transport;
  if (query.edns) {
    Edns edns;
    edns.udpPayloadSize = maxUdpPayload;
    edns.dnssecOk = query.edns->dnssecOk;  // RFC 3225 section 3: DO is copied into the response
    shape.edns = edns;
  }
  if (transport == Transport::kTcp) {
    shape.maxSize = 65535;
  } else if (query.edns) {
    shape.maxSize = std::clamp<size_t>(query.edns->udpPayloadSize, kClassicUdpSize,
                                       std::max<size_t>(maxUdpPayload, kClassicUdpSize));
  } else {
    shape.maxSize = kClassicUdpSize;
  }
  return shape;
}

}  // namespace

bool QueryHandler::allowed(const IpAddress& client) const {
  return std::any_of(allowedSources_.begin(), allowedSources_.end(), [&](const Cidr& cidr) {
    return cidr.family() == client.family() && cidr.contains(client);
  });
}

Message QueryHandler::servFail(const Message& query) {
  Message m = refused(query);
  m.header.rcode = Rcode::kServFail;
  m.header.ra = true;
  return m;
}

QueryHandler::Action QueryHandler::handle(std::string_view wire, const IpAddress& client, Transport transport,
                                          const ClusterZone& zone, ServerCounters& counters,
                                          std::string& reply, ForwardRequest& forward) const {
  metrics_detail::bump(transport == Transport::kUdp ? counters.udpQueries : counters.tcpQueries);
  if (!peekId(wire) || (static_cast<uint8_t>(wire[2]) & 0x80) != 0) {
    metrics_detail::bump(counters.dropped);
    return Action::kDrop;
  }
  auto parsed = parse(wire);
  if (!parsed) {
    metrics_detail::bump(counters.formErr);
    counters.countResponse(Rcode::kFormErr);
    reply = formErr(wire);
    return Action::kReply;
  }
  Message& query = *parsed;
  if (!query.questions.empty()) counters.countQuery(query.questions.front().type);
  const ReplyShape shape = shapeFor(query, transport, maxUdpPayload_);

  std::optional<Message> answer = resolve(query, zone);
  if (!answer) {
    // resolve() answers bad opcodes and question counts itself, so there is one question.
    const Type type = query.questions.front().type;
    if (!allowed(client) || type == Type::kAXFR || type == Type::kIXFR) {
      metrics_detail::bump(counters.refused);
      answer = refused(query);
    } else {
      metrics_detail::bump(counters.forwarded);
      forward.query = std::move(query);
      forward.shape = shape;
      return Action::kForward;
    }
  }
  reply = finish(std::move(*answer), shape, counters);
  return Action::kReply;
}

std::string QueryHandler::finish(Message response, const ReplyShape& shape, ServerCounters& counters) const {
  response.edns = shape.edns;
  std::string out = encode(response, shape.maxSize);
  if (shape.transport == Transport::kUdp && out.size() > 2 && (static_cast<uint8_t>(out[2]) & 0x02) != 0) {
    metrics_detail::bump(counters.truncated);
  }
  counters.countResponse(response.header.rcode);
  return out;
}

}  // namespace edgeway::dns::server_detail
