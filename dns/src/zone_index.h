#pragma once
// The lookup structure behind a ClusterZone: every owner name of the zone, lower-cased and
// without the trailing dot, mapped to the records it holds, precomputed by
// ClusterZone::build() and ClusterZone::update() so that resolve() only copies them into a
// Message. Private to the dns module.
//
// Each name also remembers who put it there -- the records each Service or Pod gives it,
// and how many objects need it to exist -- so that update() can redo one object's names
// without looking at the others. The tables are shared between zone versions (see
// name_table.h).

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "dns/message.h"
#include "dns/src/name_table.h"

namespace edgeway::dns::zone_detail {

// The records of one type at one name (an RRset), without owner name, class or TTL, which
// are the same for the whole zone.
struct RecordSet {
  Type type = Type::kA;
  std::vector<Rdata> data;
};

// A name of the zone. A node with no sets is an empty non-terminal (`svc.<zone>`,
// `<ns>.svc.<zone>`, `_tcp.<svc>.<ns>.svc.<zone>`): it exists, so it is answered NODATA,
// not NXDOMAIN.
struct Node {
  std::vector<RecordSet> sets;
  // Answered in the additional section with this node's SRV set: the A/AAAA records of
  // its targets, complete with owner names.
  std::vector<Record> additional;

  const RecordSet* find(Type type) const {
    for (const auto& set : sets)
      if (set.type == type) return &set;
    return nullptr;
  }
  RecordSet& get(Type type) {
    for (auto& set : sets)
      if (set.type == type) return set;
    sets.push_back(RecordSet{type, {}});
    return sets.back();
  }
};

// The object a name's records or a PTR target came from: "s/<ns>/<name>" for a Service,
// "p/<ns>/<name>" for a Pod, and so on. Shared by everything the object gives.
using Owner = std::shared_ptr<const std::string>;

// One object's records at a name. `node` is null while the object is the name's only
// source of records: they are then the entry's own `node`, kept once, next to the name.
struct Part {
  Owner owner;
  std::shared_ptr<const Node> node;
};

struct NameEntry {
  std::string name;
  std::vector<Part> parts;  // by owner; usually one (Pods sharing an address: several)
  // Objects that need the name to exist without giving it records: a namespace's objects
  // for `<ns>.svc.<zone>`, an SRV name's owner for its `_tcp` parent.
  uint32_t holders = 0;
  // What is answered: the parts' records merged; no sets for an empty non-terminal.
  Node node;
};

struct PtrTarget {
  Owner owner;
  std::string target;
  bool fromPod = false;
};

struct ReverseEntry {
  std::string name;                // "10.0.43.10.in-addr.arpa", "<32 nibbles>.ip6.arpa"
  std::vector<PtrTarget> targets;  // by owner, then target
  // What is answered: the Services' and endpoints' targets, or the Pods' when there are none.
  std::vector<Rdata> ptr;
};

struct Index {
  std::string domain;     // lower-case, no trailing dot
  std::string dotDomain;  // "." + domain: the suffix of every name below the apex
  uint32_t ttl = 5;
  bool podRecords = false;
  bool synced = false;
  int64_t revision = 0;
  size_t recordCount = 0;

  Record soa;  // the apex SOA, sent in the authority section of negative answers
  Node apex;   // SOA and NS; the SOA serial changes with every version

  NameTable<NameEntry> names;  // every other name of the zone
  // PTR targets by reverse name. Kept apart from `names`: the reverse zones are not ours,
  // only these names are.
  NameTable<ReverseEntry> reverse;

  // The node of a lower-cased name in the zone, or null when the name does not exist.
  const Node* find(std::string_view lowered) const {
    if (lowered == domain) return &apex;
    const NameEntry* entry = names.find(lowered);
    return entry ? &entry->node : nullptr;
  }
  // The PTR data of a lower-cased reverse name, or null.
  const std::vector<Rdata>* findReverse(std::string_view lowered) const {
    const ReverseEntry* entry = reverse.find(lowered);
    return entry ? &entry->ptr : nullptr;
  }
};

}  // namespace edgeway::dns::zone_detail
