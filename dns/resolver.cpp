#include "dns/resolver.h"

#include <string>
#include <string_view>

#include "dns/src/zone_index.h"
#include "dns/src/zone_names.h"

namespace edgeway::dns {
namespace {

using zone_detail::Index;
using zone_detail::Node;
using zone_detail::RecordSet;

constexpr uint16_t kClassAny = 255;
// CNAMEs followed inside the zone before giving up (ExternalName Services pointing at
// each other); a loop ends here too.
constexpr int kMaxCnameChain = 8;

bool endsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

bool inZone(std::string_view lowered, const Index& x) {
  return lowered == x.domain || endsWith(lowered, x.dotDomain);
}

bool isReverse(std::string_view lowered) {
  return endsWith(lowered, ".in-addr.arpa") || endsWith(lowered, ".ip6.arpa");
}

void appendSet(std::vector<Record>& out, const std::string& owner, const RecordSet& set, uint32_t ttl) {
  for (const auto& data : set.data) out.push_back(Record{owner, set.type, kClassIn, ttl, data});
}

// The pod name in a spelling other than the canonical one build() indexed
// ("fd00-0-0-0-0-0-0-5" for fd00::5): re-spelled and looked up again.
const Node* findPodAlias(const std::string& lowered, const Index& x) {
  if (!x.podRecords) return nullptr;
  const std::string podSuffix = ".pod" + x.dotDomain;
  if (!endsWith(lowered, podSuffix)) return nullptr;
  std::string_view rest(lowered.data(), lowered.size() - podSuffix.size());  // "<label>.<ns>"
  auto dot = rest.find('.');
  if (dot == std::string_view::npos || rest.find('.', dot + 1) != std::string_view::npos) return nullptr;
  auto ip = zone_detail::parseDashedLabel(rest.substr(0, dot));
  if (!ip) return nullptr;
  std::string canonical = zone_detail::dashedLabel(*ip);
  if (canonical == rest.substr(0, dot)) return nullptr;  // already looked up
  canonical.append(rest.substr(dot)).append(podSuffix);
  return x.find(canonical);
}

Message answerZone(const Message& query, const Question& q, const std::string& lowered, const Index& x) {
  if (q.qclass != kClassIn && q.qclass != kClassAny) return replyTo(query, Rcode::kRefused);
  // Before the first full list, an absence means nothing: make clients retry.
  if (!x.synced) return replyTo(query, Rcode::kServFail);
  if (q.type == Type::kAXFR || q.type == Type::kIXFR) return replyTo(query, Rcode::kRefused);

  Message r = replyTo(query, Rcode::kNoError);
  r.header.aa = true;

  const Node* node = x.find(lowered);
  if (!node) node = findPodAlias(lowered, x);
  // The owner of the records being answered: the question's own spelling first, then
  // each CNAME target as the Service spells it.
  const std::string* owner = &q.name;
  for (int hop = 0;; ++hop) {
    const size_t answered = r.answers.size();
    if (!node) {
      r.header.rcode = Rcode::kNxDomain;
      r.authority.push_back(x.soa);
      return r;
    }
    if (q.type == Type::kANY) {
      for (const auto& set : node->sets) appendSet(r.answers, *owner, set, x.ttl);
    } else if (const RecordSet* set = node->find(q.type)) {
      appendSet(r.answers, *owner, *set, x.ttl);
      if (q.type == Type::kSRV) r.additional = node->additional;
    } else if (const RecordSet* cname = node->find(Type::kCNAME)) {
      // An ExternalName Service: the CNAME answers every type (RFC 1034 3.6.2). Targets in
      // the zone are followed here; others are left to the client's resolver.
      appendSet(r.answers, *owner, *cname, x.ttl);
      const std::string& target = std::get<NameData>(cname->data.front()).name;
      std::string targetKey;
      zone_detail::lowerInto(target, targetKey);
      if (!inZone(targetKey, x) || hop + 1 >= kMaxCnameChain) return r;
      node = x.find(targetKey);
      owner = &target;
      continue;
    }
    // NODATA (RFC 2308 2.2), also at the end of a CNAME chain.
    if (r.answers.size() == answered) r.authority.push_back(x.soa);
    return r;
  }
}

std::optional<Message> answerReverse(const Message& query, const Question& q, const std::string& lowered,
                                     const Index& x) {
  // Only the PTR records of addresses we know are ours; anything else about the reverse
  // zones (other types, unknown addresses, any name before the sync) goes upstream.
  if (q.type != Type::kPTR || (q.qclass != kClassIn && q.qclass != kClassAny) || !x.synced)
    return std::nullopt;
  const std::vector<Rdata>* ptr = x.findReverse(lowered);
  if (!ptr) return std::nullopt;
  Message r = replyTo(query, Rcode::kNoError);
  r.header.aa = true;
  for (const auto& data : *ptr) r.answers.push_back(Record{q.name, Type::kPTR, kClassIn, x.ttl, data});
  return r;
}

}  // namespace

std::optional<Message> resolve(const Message& query, const ClusterZone& zone) {
  if (query.header.opcode != static_cast<uint8_t>(Opcode::kQuery)) return replyTo(query, Rcode::kNotImp);
  if (query.questions.size() != 1) return replyTo(query, Rcode::kFormErr);
  const Question& q = query.questions.front();
  const Index& x = zone.index();

  // One lower-casing per query, into a buffer each thread keeps.
  thread_local std::string lowered;
  zone_detail::lowerInto(q.name, lowered);

  if (inZone(lowered, x)) return answerZone(query, q, lowered, x);
  if (isReverse(lowered)) return answerReverse(query, q, lowered, x);
  return std::nullopt;
}

}  // namespace edgeway::dns
