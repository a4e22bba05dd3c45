#include "netstack/packet_tracer.h"

#include <algorithm>
#include <cassert>
#include <optional>

#include "netstack/nft_text.h"

namespace edgeway::netstack {

struct PacketTracer::State {
  IpFamily family = IpFamily::kIPv4;
  IpAddress src, dst, origDst;
  int dport = 0, origDport = 0;
  api::Protocol protocol = api::Protocol::kTCP;
  bool fibLocal = false;
  uint32_t mark = 0;
  bool dnatDone = false;
  bool masqueraded = false;
  size_t forcedChoice = 0;
  // Filled by the walk.
  std::vector<TraceLanding> candidates;
  bool affinityHit = false;
  bool affinityRecorded = false;
  std::vector<std::pair<std::string, Element>> updates;  // dynamic map writes
  std::vector<std::string> path;
};

namespace {

// The value of one key expression for the packet; nullopt for the random slot (a
// wildcard: every slot is possible).
std::optional<Value> exprValue(Expr e, const IpAddress& src, const IpAddress& dst, const IpAddress& origDst,
                               int dport, int origDport, api::Protocol proto) {
  switch (e) {
    case Expr::kSrcAddr:
      return Value::address(src);
    case Expr::kDstAddr:
      return Value::address(dst);
    case Expr::kCtOrigDstAddr:
      return Value::address(origDst);
    case Expr::kL4Proto:
      return Value::protocol(proto);
    case Expr::kDstPort:
      return Value::port(dport);
    case Expr::kCtOrigDstPort:
      return Value::port(origDport);
    case Expr::kRandomSlot:
      return std::nullopt;
  }
  return std::nullopt;
}

bool fieldMatches(const Value& element, const std::optional<Value>& packet) {
  if (!packet) return element.kind == Value::Kind::kSlotRange;  // wildcard slot
  switch (element.kind) {
    case Value::Kind::kAddr:
      return packet->kind == Value::Kind::kAddr && packet->addr == element.addr;
    case Value::Kind::kCidr:
      return packet->kind == Value::Kind::kAddr && packet->addr.family() == element.cidr.family() &&
             element.cidr.contains(packet->addr);
    case Value::Kind::kProto:
      return packet->kind == Value::Kind::kProto && packet->proto == element.proto;
    case Value::Kind::kPort:
      return packet->kind == Value::Kind::kPort && packet->low == element.low;
    case Value::Kind::kSlotRange:
      return false;  // slots only come from numgen
  }
  return false;
}

std::string landingString(const TraceLanding& l) {
  std::string ip = l.ip.isV6() ? "[" + l.ip.toString() + "]" : l.ip.toString();
  return ip + ":" + std::to_string(l.port);
}

}  // namespace

std::vector<std::string> TraceResult::endpointStrings() const {
  std::vector<std::string> out;
  for (const auto& e : endpoints) out.push_back(landingString(e));
  std::sort(out.begin(), out.end());
  return out;
}

bool TraceResult::allMasqueraded() const {
  if (outcome != Outcome::kDnat) return masqueraded;
  return std::all_of(endpoints.begin(), endpoints.end(), [](const TraceLanding& l) { return l.masqueraded; });
}
bool TraceResult::noneMasqueraded() const {
  if (outcome != Outcome::kDnat) return !masqueraded;
  return std::none_of(endpoints.begin(), endpoints.end(),
                      [](const TraceLanding& l) { return l.masqueraded; });
}

std::string TraceResult::describe() const {
  static const char* names[] = {"accepted", "dnat", "rejected", "dropped"};
  std::string out = names[static_cast<int>(outcome)];
  for (const auto& e : endpointStrings()) out += " " + e;
  out += "\n";
  for (const auto& p : path) out += "  " + p + "\n";
  return out;
}

std::vector<const Element*> PacketTracer::lookup(const Table& table, const std::string& name, const Key& key,
                                                 const State& st) const {
  const std::vector<Element>* elements = nullptr;
  if (const NamedSet* s = table.findSet(name); s && !s->dynamic) {
    elements = &s->elements;
  } else {
    auto it = dynamic_.find({table.family, name});
    if (it != dynamic_.end()) elements = &it->second;
  }
  std::vector<const Element*> out;
  if (!elements) return out;
  std::vector<std::optional<Value>> values;
  for (Expr e : key)
    values.push_back(exprValue(e, st.src, st.dst, st.origDst, st.dport, st.origDport, st.protocol));
  for (const Element& el : *elements) {
    if (el.key.size() != values.size()) continue;
    bool ok = true;
    for (size_t i = 0; ok && i < values.size(); ++i) ok = fieldMatches(el.key[i], values[i]);
    if (ok) out.push_back(&el);
  }
  return out;
}

bool PacketTracer::matches(const Table& table, const Match& m, const State& st) const {
  if (auto* x = std::get_if<MatchLookup>(&m)) return lookup(table, x->set, x->key, st).empty() == x->negate;
  if (auto* x = std::get_if<MatchL4Proto>(&m)) return st.protocol == x->proto;
  if (std::holds_alternative<MatchCtStateNew>(m)) return true;  // we trace first packets
  if (std::holds_alternative<MatchCtStatusDnat>(m)) return st.dnatDone;
  if (auto* x = std::get_if<MatchFibSaddrLocal>(&m)) return st.fibLocal != x->negate;
  if (auto* x = std::get_if<MatchMarkClear>(&m)) return (st.mark & x->mask) == 0;
  return false;
}

PacketTracer::Verdict PacketTracer::runChain(const Table& table, const Chain& chain, State& st, int depth) {
  assert(depth < 16 && "chain loop in the model");
  for (const Rule& rule : chain.rules) {
    bool ok = true;
    for (const Match& m : rule.matches) {
      if (!matches(table, m, st)) {
        ok = false;
        break;
      }
    }
    if (!ok) continue;
    for (const Statement& s : rule.statements) {
      if (auto* v = std::get_if<StmtVerdict>(&s)) {
        st.path.push_back(chain.name + ": " + renderRule(rule, table.family));
        switch (v->kind) {
          case StmtVerdict::Kind::kAccept:
            return Verdict::kAccept;
          case StmtVerdict::Kind::kDrop:
            return Verdict::kDrop;
          case StmtVerdict::Kind::kReturn:
            return Verdict::kContinue;
          case StmtVerdict::Kind::kJump:
          case StmtVerdict::Kind::kGoto: {
            const Chain* target = table.findChain(v->chain);
            assert(target && "jump to a chain the model does not declare");
            Verdict r = runChain(table, *target, st, depth + 1);
            if (v->kind == StmtVerdict::Kind::kGoto || r != Verdict::kContinue) return r;
            continue;
          }
        }
      } else if (auto* r = std::get_if<StmtReject>(&s)) {
        st.path.push_back(chain.name + ": " + renderRule(rule, table.family));
        return r->tcpReset ? Verdict::kRejectReset : Verdict::kReject;
      } else if (auto* d = std::get_if<StmtDnatMap>(&s)) {
        auto found = lookup(table, d->map, d->key, st);
        if (d->slots) {  // numgen random mod N offset slotOffset(N): only those slots exist
          const uint32_t first = slotOffset(d->slots), last = first + d->slots - 1;
          found.erase(std::remove_if(found.begin(), found.end(),
                                     [&](const Element* e) {
                                       const Value& v = e->key.back();
                                       return v.kind != Value::Kind::kSlotRange || v.high < first || v.low > last;
                                     }),
                      found.end());
        }
        if (found.empty()) break;  // map miss: the rule does not match
        st.path.push_back(chain.name + ": " + renderRule(rule, table.family));
        const NamedSet* set = table.findSet(d->map);
        st.affinityHit = set && set->dynamic;
        st.candidates.clear();
        for (const Element* e : found) {
          TraceLanding l;
          l.ip = e->data[0].addr;
          l.port = static_cast<int>(e->data[1].low);
          const Value& last = e->key.back();
          l.slots = last.kind == Value::Kind::kSlotRange ? last.high - last.low + 1 : 0;
          l.slotCount = l.slots ? d->slots : 0;
          // An endpoint owning several slots is one candidate with their sum.
          auto same = std::find_if(st.candidates.begin(), st.candidates.end(), [&](const TraceLanding& c) {
            return c.ip == l.ip && c.port == l.port;
          });
          if (same != st.candidates.end())
            same->slots += l.slots;
          else
            st.candidates.push_back(l);
        }
        const TraceLanding& chosen = st.candidates[st.forcedChoice % st.candidates.size()];
        st.dst = chosen.ip;
        st.dport = chosen.port;
        st.dnatDone = true;
        return Verdict::kAccept;
      } else if (auto* m = std::get_if<StmtMarkOr>(&s)) {
        st.mark |= m->bits;
      } else if (auto* m = std::get_if<StmtMarkXor>(&s)) {
        st.mark ^= m->bits;
      } else if (std::holds_alternative<StmtMasquerade>(s)) {
        st.path.push_back(chain.name + ": " + renderRule(rule, table.family));
        st.masqueraded = true;
        return Verdict::kAccept;
      } else if (auto* u = std::get_if<StmtMapUpdate>(&s)) {
        st.path.push_back(chain.name + ": " + renderRule(rule, table.family));
        Element e;
        for (Expr x : u->key)
          e.key.push_back(*exprValue(x, st.src, st.dst, st.origDst, st.dport, st.origDport, st.protocol));
        for (Expr x : u->data)
          e.data.push_back(*exprValue(x, st.src, st.dst, st.origDst, st.dport, st.origDport, st.protocol));
        st.updates.emplace_back(u->map, std::move(e));
        st.affinityRecorded = true;
      }
    }
  }
  return Verdict::kContinue;
}

TraceResult PacketTracer::walk(const TracePacket& p, size_t forcedChoice, bool commit) {
  TraceResult result;
  const Table* table = model_.table(p.dst.family());
  if (!table) return result;

  State st;
  st.family = p.dst.family();
  st.src = p.src;
  st.dst = st.origDst = p.dst;
  st.dport = st.origDport = p.dport;
  st.protocol = p.protocol;
  st.forcedChoice = forcedChoice;
  auto isLocal = [&](const IpAddress& a) {
    return a.isLoopback() || std::find(model_.localAddresses.begin(), model_.localAddresses.end(), a) !=
                                 model_.localAddresses.end();
  };
  st.fibLocal = p.origin == TracePacket::Origin::kLocalProcess || isLocal(p.src);

  // Runs every base chain of `point` in priority order; nat chains only until a DNAT
  // (or, in postrouting, a masquerade) has bound the connection.
  auto runHook = [&](Hook::Point point) -> Verdict {
    std::vector<const Chain*> chains;
    for (const auto& c : table->chains)
      if (c.isBase && c.hook.point == point) chains.push_back(&c);
    std::stable_sort(chains.begin(), chains.end(),
                     [](const Chain* a, const Chain* b) { return a->hook.priority < b->hook.priority; });
    for (const Chain* c : chains) {
      if (c->hook.type == Hook::Type::kNat && point != Hook::Point::kPostrouting && st.dnatDone) continue;
      Verdict v = runChain(*table, *c, st, 0);
      if (v == Verdict::kDrop || v == Verdict::kReject || v == Verdict::kRejectReset) return v;
    }
    return Verdict::kAccept;
  };

  std::vector<Hook::Point> hooks;
  if (p.origin == TracePacket::Origin::kLocalProcess) {
    hooks = {Hook::Point::kOutput, Hook::Point::kPostrouting};
  } else {
    hooks = {Hook::Point::kPrerouting};  // routing decides the rest below
  }
  Verdict v = Verdict::kAccept;
  for (size_t i = 0; i < hooks.size() && v == Verdict::kAccept; ++i) {
    v = runHook(hooks[i]);
    if (i == 0 && p.origin != TracePacket::Origin::kLocalProcess && v == Verdict::kAccept) {
      if (isLocal(st.dst)) {
        hooks.push_back(Hook::Point::kInput);
      } else {
        hooks.push_back(Hook::Point::kForward);
        hooks.push_back(Hook::Point::kPostrouting);
      }
    }
  }

  result.path = st.path;
  result.affinityHit = st.affinityHit;
  result.affinityRecorded = st.affinityRecorded;
  if (v == Verdict::kDrop) {
    result.outcome = TraceResult::Outcome::kDropped;
  } else if (v == Verdict::kReject || v == Verdict::kRejectReset) {
    result.outcome = TraceResult::Outcome::kRejected;
    result.tcpReset = v == Verdict::kRejectReset;
  } else if (st.dnatDone) {
    result.outcome = TraceResult::Outcome::kDnat;
    result.endpoints = st.candidates;
    for (auto& l : result.endpoints) l.masqueraded = false;
    result.endpoints[forcedChoice % result.endpoints.size()].masqueraded = st.masqueraded;
  } else {
    result.outcome = TraceResult::Outcome::kAccepted;
    result.masqueraded = st.masqueraded;
  }

  if (commit) {
    for (auto& [name, element] : st.updates) {
      auto& elements = dynamic_[{table->family, name}];
      auto same = std::find_if(elements.begin(), elements.end(),
                               [&](const Element& e) { return e.key == element.key; });
      if (same == elements.end()) elements.push_back(element);  // an update never rewrites the data
    }
  }
  return result;
}

TraceResult PacketTracer::trace(const TracePacket& packet) {
  TraceResult first = walk(packet, 0, false);
  if (first.outcome != TraceResult::Outcome::kDnat) {
    return walk(packet, 0, true);
  }
  // One walk per candidate: masquerading (hairpin) and what affinity records depend on
  // which endpoint the random choice picks.
  const size_t n = first.endpoints.size();
  const size_t chosen = packet.choice % n;
  TraceResult result = first;
  for (size_t i = 0; i < n; ++i) {
    TraceResult r = walk(packet, i, false);
    if (r.endpoints.size() == n) result.endpoints[i].masqueraded = r.endpoints[i].masqueraded;
  }
  // Commit last: once an affinity entry exists, later walks would see a single candidate.
  TraceResult committed = walk(packet, chosen, true);
  result.affinityRecorded = committed.affinityRecorded;
  result.path = committed.path;
  std::sort(result.endpoints.begin(), result.endpoints.end(),
            [](const TraceLanding& a, const TraceLanding& b) {
              return a.ip != b.ip ? a.ip < b.ip : a.port < b.port;
            });
  return result;
}

}  // namespace edgeway::netstack
