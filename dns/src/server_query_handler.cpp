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

Message refused(const Message& query) { return replyTo(query, Rcode::kRefused); }

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

bool endsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// The target of the CNAME `answer` ends with when it points outside the zone and the
// question asks for something else than the CNAME itself; null otherwise.
const std::string* outOfZoneTarget(const Message& answer, const ClusterZone& zone) {
  if (answer.header.rcode != Rcode::kNoError || answer.answers.empty() || answer.questions.size() != 1)
    return nullptr;
  const Type type = answer.questions.front().type;
  if (type == Type::kCNAME || type == Type::kANY) return nullptr;
  const Record& last = answer.answers.back();
  if (last.type != Type::kCNAME) return nullptr;
  const auto* data = std::get_if<NameData>(&last.data);
  if (data == nullptr) return nullptr;
  const std::string target = lowerName(data->name);
  const std::string& domain = zone.domain();
  if (target == domain || (endsWith(target, domain) && target[target.size() - domain.size() - 1] == '.'))
    return nullptr;  // in the zone: resolve() followed it as far as it goes
  return &data->name;
}

}  // namespace

bool QueryHandler::allowed(const IpAddress& client) const {
  return std::any_of(allowedSources_.begin(), allowedSources_.end(), [&](const Cidr& cidr) {
    return cidr.family() == client.family() && cidr.contains(client);
  });
}

Message QueryHandler::withoutForwarder(const ForwardRequest& request) {
  if (request.partial) return *request.partial;
  Message m = refused(request.query);
  m.header.rcode = Rcode::kServFail;
  m.header.ra = true;
  return m;
}

Message QueryHandler::withUpstreamAnswer(std::optional<Message> partial, Message upstream) {
  if (!partial) return upstream;
  if (upstream.header.rcode == Rcode::kNoError) {
    for (Record& r : upstream.answers) partial->answers.push_back(std::move(r));
  }
  return std::move(*partial);
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
  if (answer) {
    const std::string* target = outOfZoneTarget(*answer, zone);
    if (target == nullptr) {
      reply = finish(std::move(*answer), shape, counters);
      return Action::kZoneReply;
    }
    if (allowed(client)) {
      metrics_detail::bump(counters.forwarded);
      Message chase;
      chase.header.id = query.header.id;
      chase.header.rd = true;
      chase.header.cd = query.header.cd;
      chase.questions.push_back(
          Question{*target, query.questions.front().type, query.questions.front().qclass});
      chase.edns = query.edns;
      forward.query = std::move(chase);
      forward.shape = shape;
      forward.partial = std::move(answer);
      return Action::kForward;
    }
  } else {
    // resolve() answers bad opcodes and question counts itself, so there is one question.
    const Type type = query.questions.front().type;
    if (!allowed(client) || type == Type::kAXFR || type == Type::kIXFR) {
      metrics_detail::bump(counters.refused);
      answer = refused(query);
    } else {
      metrics_detail::bump(counters.forwarded);
      forward.query = std::move(query);
      forward.shape = shape;
      forward.partial.reset();
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
