#pragma once
// RuleModel: the complete nftables state edgeway wants in the kernel, as data. A pure
// function of the Snapshot and the node (buildRuleModel); rendered to `nft` text
// (nft_text.h) for tests and debug output, walked by the packet tracer
// (packet_tracer.h), and -- later -- encoded to libnftnl objects by the syncer.
//
// Shape (see docs/nftables.md): one table per family ("ip edgeway", "ip6 edgeway"),
// a FIXED set of chains and rules, and named sets/maps whose elements carry every
// per-Service and per-endpoint fact. Adding a Service adds elements, never a chain, a
// rule or an anonymous set: the kernel re-validates the whole table on every commit that
// adds a NAT rule, and anonymous sets make set creation quadratic
// (/work/shared/research/nftables-dataplane.md §5).
//
// Everything here is plain values with a deterministic order, so two models built from
// equal inputs compare equal and render to identical text.

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "api/protocol.h"
#include "base/ip.h"

namespace edgeway::cache {
class Snapshot;
}

namespace edgeway::netstack {

// The packet mark bit that asks nat-postrouting to masquerade (kube-proxy's 0x4000).
inline constexpr uint32_t kMasqueradeMark = 0x4000;
// Endpoint choice (docs/nftables.md, "Endpoint choice without per-service rules"): an entry
// with N endpoints (1 <= N <= kMaxEndpoints) has exactly N elements in a plain hash map,
// keyed `entry . slotOffset(N) + i` for its i-th endpoint (in address order), and the DNAT
// rule for N-endpoint entries loads `numgen random mod N offset slotOffset(N)`. The slot
// ranges of different N are disjoint, so an entry only matches the rule of its own N: exact
// 1/N shares, one element per endpoint, and no interval (pipapo) map, whose element removal
// cost grows with the map. A service with more endpoints than kMaxEndpoints uses the first
// kMaxEndpoints (in address order).
inline constexpr uint32_t kMaxEndpoints = 4096;
inline constexpr uint32_t slotOffset(uint32_t n) { return n * (n - 1) / 2; }

// ---------------------------------------------------------------------------------------
// Node facts the model needs and the Snapshot does not hold.

struct NodeInfo {
  std::string name;                  // endpoints with this nodeName are "local"
  std::vector<IpAddress> addresses;  // the node's addresses; loopback/unspecified never serve NodePorts
  std::vector<Cidr> nodePortCidrs;   // NodePorts only on addresses in these (--nodeport-addresses); empty: all
  std::vector<Cidr> clusterCidrs;    // pod addresses (--cluster-cidr)
  std::vector<Cidr> serviceCidrs;    // ClusterIP ranges (--service-cidr): unallocated addresses are dropped
  bool masqueradeAll = false;        // masquerade every ClusterIP connection
};

// ---------------------------------------------------------------------------------------
// Expressions: the packet/conntrack values that keys are built from. Each maps to one
// nft expression (and one libnftnl expression chain); the family picks ip/ip6.

enum class Expr {
  kSrcAddr,        // ip saddr / ip6 saddr
  kDstAddr,        // ip daddr / ip6 daddr
  kL4Proto,        // meta l4proto
  kDstPort,        // th dport (the rule carries an l4proto dependency where nft needs one)
  kRandomSlot,     // numgen random mod N offset slotOffset(N) (N: the rule's StmtDnatMap::slots)
  kCtOrigDstAddr,  // ct original ip daddr (the service address, after DNAT)
  kCtOrigDstPort,  // ct original proto-dst (the service port, after DNAT)
};

// The element-side type of a key field: what a value in a set element is.
enum class FieldType { kAddr, kProto, kPort, kSlot };
FieldType fieldTypeOf(Expr e);

// A concatenated key, e.g. daddr . l4proto . dport.
using Key = std::vector<Expr>;

// ---------------------------------------------------------------------------------------
// Set and map elements: typed values.

struct Value {
  enum class Kind { kAddr, kCidr, kProto, kPort, kSlotRange };
  Kind kind = Kind::kAddr;
  IpAddress addr;                             // kAddr
  Cidr cidr;                                  // kCidr (only in interval sets)
  api::Protocol proto = api::Protocol::kTCP;  // kProto
  uint32_t low = 0, high = 0;                 // kPort: low; kSlotRange: [low, high]

  static Value address(const IpAddress& a);
  static Value prefix(const Cidr& c);
  static Value protocol(api::Protocol p);
  static Value port(int p);
  static Value slots(uint32_t first, uint32_t last);

  friend bool operator==(const Value& a, const Value& b);
  friend bool operator<(const Value& a, const Value& b);
};

struct Element {
  std::vector<Value> key;
  std::vector<Value> data;  // empty for a set
  std::string comment;      // e.g. "shop/web:http"; not part of identity

  friend bool operator==(const Element& a, const Element& b) { return a.key == b.key && a.data == b.data; }
  friend bool operator<(const Element& a, const Element& b) {
    return a.key != b.key ? a.key < b.key : a.data < b.data;
  }
};

struct NamedSet {
  std::string name;
  Key key;                      // the expressions whose types make the key
  Key data;                     // empty: a set; else a data map (never a verdict map)
  bool interval = false;        // some key field holds ranges or prefixes
  bool dynamic = false;         // filled by the packet path (update @set)
  uint32_t timeoutSeconds = 0;  // default element timeout (dynamic sets)
  uint32_t size = 0;            // 0: kernel default
  std::string comment;
  std::vector<Element> elements;  // sorted, unique keys

  bool isMap() const { return !data.empty(); }
};

// ---------------------------------------------------------------------------------------
// Rules: a list of matches (all must hold) then statements, in order.

struct MatchLookup {  // <key> @set / <key> != @set
  Key key;
  std::string set;
  bool negate = false;
};
struct MatchL4Proto {  // meta l4proto tcp
  api::Protocol proto = api::Protocol::kTCP;
};
struct MatchCtStateNew {};    // ct state new
struct MatchCtStatusDnat {};  // ct status dnat
struct MatchFibSaddrLocal {   // fib saddr type local
  bool negate = false;
};
struct MatchMarkClear {  // meta mark & mask == 0
  uint32_t mask = 0;
};
using Match = std::variant<MatchLookup, MatchL4Proto, MatchCtStateNew, MatchCtStatusDnat, MatchFibSaddrLocal,
                           MatchMarkClear>;

struct StmtVerdict {
  enum class Kind { kAccept, kDrop, kReturn, kJump, kGoto };
  Kind kind = Kind::kAccept;
  std::string chain;  // jump/goto
};
struct StmtReject {  // reject with tcp reset (tcpReset) / reject (ICMP port unreachable)
  bool tcpReset = false;
};
struct StmtDnatMap {  // dnat to <key> map @map   (map data: addr . port)
  Key key;
  std::string map;
  uint32_t slots = 0;  // a kRandomSlot in `key` is `numgen random mod slots offset slotOffset(slots)`
};
struct StmtMarkOr {  // meta mark set meta mark | bits
  uint32_t bits = 0;
};
struct StmtMarkXor {  // meta mark set meta mark ^ bits
  uint32_t bits = 0;
};
struct StmtMasquerade {
  bool fullyRandom = true;
};
struct StmtMapUpdate {  // update @map { <key> timeout T : <data> }
  std::string map;
  Key key;
  Key data;
  uint32_t timeoutSeconds = 0;
};
using Statement = std::variant<StmtVerdict, StmtReject, StmtDnatMap, StmtMarkOr, StmtMarkXor, StmtMasquerade,
                               StmtMapUpdate>;

struct Rule {
  std::vector<Match> matches;
  std::vector<Statement> statements;
  std::string comment;
};

struct Hook {
  enum class Type { kFilter, kNat };
  enum class Point { kPrerouting, kInput, kForward, kOutput, kPostrouting };
  Type type = Type::kFilter;
  Point point = Point::kPrerouting;
  int priority = 0;
};

struct Chain {
  std::string name;
  bool isBase = false;
  Hook hook;  // when isBase; policy is always accept
  std::vector<Rule> rules;
  std::string comment;
};

struct Table {
  IpFamily family = IpFamily::kIPv4;  // "ip" or "ip6"
  std::string name;                   // "edgeway"
  std::vector<NamedSet> sets;         // declaration order = render order
  std::vector<Chain> chains;

  const NamedSet* findSet(const std::string& name) const;
  const Chain* findChain(const std::string& name) const;
  size_t ruleCount() const;
  size_t elementCount() const;
};

// What the model could not program, for logs (e.g. two Services claiming one
// externalIP:port; the first by namespace/name wins).
struct ModelWarning {
  std::string service;  // namespace/name
  std::string message;
};

struct RuleModel {
  std::vector<Table> tables;  // ip first, then ip6; a family with nothing to do still has its table
  // Not programmed: what the tracer needs to stand in for the kernel's routing and fib.
  std::vector<IpAddress> localAddresses;
  std::vector<ModelWarning> warnings;

  const Table* table(IpFamily family) const;
};

// The desired state for `snapshot` on `node`. Pure; deterministic. (A RuleTracker fed the
// whole snapshot: rule_tracker.h.)
RuleModel buildRuleModel(const cache::Snapshot& snapshot, const NodeInfo& node);

}  // namespace edgeway::netstack
