#pragma once
// PacketTracer: walks a RuleModel the way the kernel's netfilter hooks would for the
// first packet of a connection, and says where it lands. The main test oracle for the
// rule model: it reads the model (chains, rules, set elements), never the rendered text.
//
// What it stands in for: hook order and priorities (filter/nat base chains sorted by
// priority per hook), routing (a destination among the node's local addresses goes to
// input, anything else is forwarded; a local process's packet takes the output path),
// `fib saddr type local`, conntrack state (every traced packet is `ct state new`), and
// the dynamic affinity maps, which it keeps between traces like the kernel would.
// The random choice is reported as the set of candidates with their slot shares.

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "netstack/rule_model.h"

namespace edgeway::netstack {

struct TracePacket {
  enum class Origin {
    kExternal,      // arrives on an uplink from outside the cluster
    kPod,           // arrives from a pod interface (source normally in a cluster CIDR)
    kLocalProcess,  // sent by a process on the node (output path)
  };
  IpAddress src;
  IpAddress dst;
  int dport = 0;
  api::Protocol protocol = api::Protocol::kTCP;
  Origin origin = Origin::kExternal;
  // Which candidate the "random" choice commits to (index into the candidates, modulo
  // their number); decides what an affinity map records.
  size_t choice = 0;
};

struct TraceLanding {
  IpAddress ip;
  int port = 0;
  uint32_t slots = 0;        // the endpoint's share: `slots` of `slotCount` random slots
  uint32_t slotCount = 0;    // (both 0 when chosen by an affinity entry)
  bool masqueraded = false;  // source rewritten in nat-postrouting
};

struct TraceResult {
  enum class Outcome { kAccepted, kDnat, kRejected, kDropped };
  Outcome outcome = Outcome::kAccepted;
  bool tcpReset = false;                // kRejected: "reject with tcp reset" (else ICMP)
  bool masqueraded = false;             // kAccepted: source rewritten anyway
  std::vector<TraceLanding> endpoints;  // kDnat: every possible endpoint, by address
  bool affinityHit = false;             // kDnat came from an affinity entry
  bool affinityRecorded = false;        // an affinity entry was written or refreshed
  std::vector<std::string> path;        // "chain: rule" lines, for failure messages

  // "ip:port" of each candidate (IPv6 in brackets), sorted.
  std::vector<std::string> endpointStrings() const;
  bool allMasqueraded() const;
  bool noneMasqueraded() const;
  std::string describe() const;  // outcome + path, for test failure messages
};

class PacketTracer {
 public:
  // `model` must outlive the tracer.
  explicit PacketTracer(const RuleModel& model) : model_(model) {}

  TraceResult trace(const TracePacket& packet);

  // Forget every affinity entry (as if they all timed out).
  void expireAffinity() { dynamic_.clear(); }

 private:
  struct State;
  enum class Verdict { kContinue, kAccept, kDrop, kReject, kRejectReset };

  TraceResult walk(const TracePacket& packet, size_t forcedChoice, bool commit);
  Verdict runChain(const Table& table, const Chain& chain, State& st, int depth);
  bool matches(const Table& table, const Match& m, const State& st) const;
  std::vector<const Element*> lookup(const Table& table, const std::string& set, const Key& key,
                                     const State& st) const;

  const RuleModel& model_;
  std::map<std::pair<IpFamily, std::string>, std::vector<Element>> dynamic_;
};

}  // namespace edgeway::netstack
