#pragma once
// The kernel-facing form of a RuleModel change.
//
// NftBatch is what the syncer decides to send: an ordered list of operations on tables,
// sets, set elements, chains and rules, all applied by the kernel as ONE transaction.
// It is plain data, so tests (and a fake backend) can read what a sync would do without a
// kernel. encodeBatch() turns it into the netlink bytes libnftnl builds: a
// BATCH_BEGIN ... BATCH_END sequence of NFT_MSG_* messages, ready for one sendmsg() on a
// NETLINK_NETFILTER socket.
//
// The encoding follows what nft 1.0.6 generates for the same text (renderNft), expression
// for expression and register for register, with the same set userdata (key byte order,
// typeof, comments), so `nft list table ip edgeway` shows a table programmed by edgeway
// exactly as it shows the same text loaded by `nft -f`. docs/nftables.md lists the
// encodings.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/status.h"
#include "netstack/rule_model.h"

namespace edgeway::netstack {

struct NftOp {
  enum class Kind {
    kAddTable,        // NEWTABLE (no EXCL: a no-op when it exists; lets the delete that follows succeed)
    kDeleteTable,     // DELTABLE: the table and everything in it
    kAddSet,          // NEWSET, declaration only (no elements)
    kDeleteSet,       // DELSET
    kAddElements,     // NEWSETELEM, `elements` (split into several messages when large)
    kDeleteElements,  // DELSETELEM, `elements` (each must exist, or the batch fails)
    kDestroyElements, // DESTROYSETELEM (kernel >= 6.3): delete when present -- for entries the
                      // packet path adds and expires on its own (affinity)
    kAddChain,        // NEWCHAIN, declaration only (hook for base chains)
    kFlushChain,      // DELRULE with only the chain: removes every rule of it
    kDeleteChain,     // DELCHAIN (must be empty and unreferenced)
    kAddRule,         // NEWRULE appended to `chain`
  };
  Kind kind = Kind::kAddTable;
  IpFamily family = IpFamily::kIPv4;
  std::string table;
  // kAddSet / kDeleteSet / k*Elements: the set (its definition; `set.elements` unused).
  std::shared_ptr<const NamedSet> set;
  std::vector<Element> elements;
  // kAddChain / kFlushChain / kDeleteChain / kAddRule: the chain (for kAddRule, the name).
  std::shared_ptr<const Chain> chain;
  // kAddRule: the rule and the table it lives in (to read the types of the sets it uses).
  Rule rule;
  std::shared_ptr<const Table> context;

  std::string describe() const;  // "add elements ip edgeway service-endpoints (3)"
};

struct NftBatch {
  std::vector<NftOp> ops;

  bool empty() const { return ops.empty(); }
  size_t elementOps() const;  // elements added plus removed

  // Builders (each appends one op).
  void addTable(IpFamily f, const std::string& table);
  void deleteTable(IpFamily f, const std::string& table);
  void addSet(IpFamily f, const std::string& table, const NamedSet& set);
  void deleteSet(IpFamily f, const std::string& table, const NamedSet& set);
  void addElements(IpFamily f, const std::string& table, const NamedSet& set, std::vector<Element> elements);
  void deleteElements(IpFamily f, const std::string& table, const NamedSet& set, std::vector<Element> elements);
  void destroyElements(IpFamily f, const std::string& table, const NamedSet& set, std::vector<Element> elements);
  void addChain(IpFamily f, const std::string& table, const Chain& chain);
  void flushChain(IpFamily f, const std::string& table, const Chain& chain);
  void deleteChain(IpFamily f, const std::string& table, const Chain& chain);
  void addRule(IpFamily f, const std::string& table, const Chain& chain, const Rule& rule,
               std::shared_ptr<const Table> context);

  // Replace `table` wholesale: add (so the delete cannot fail), delete, then create it with
  // every set, element, chain and rule.
  void replaceTable(const Table& table);
};

// The netlink bytes of a batch. `descriptions[i]` says what message i is (seq = firstSeq + i),
// so an error the kernel reports for one message can name the object.
struct EncodedBatch {
  std::vector<uint8_t> bytes;
  uint32_t firstSeq = 0;
  uint32_t lastSeq = 0;  // BATCH_END's seq; the last data message is lastSeq - 1 (carries NLM_F_ACK)
  std::vector<std::string> descriptions;  // index: seq - firstSeq

  std::string describe(uint32_t seq) const;
};

// Encodes `batch`, numbering messages from `firstSeq`. Fails (kInvalidArgument) only on a
// model the encoder cannot express (e.g. a rule naming a set its table does not have).
Result<EncodedBatch> encodeBatch(const NftBatch& batch, uint32_t firstSeq);

// Decodes the raw key/data bytes of a kernel set element back into values of `set`'s
// field types (used to read the packet-filled affinity maps). Fails on a length mismatch.
Result<Element> decodeElement(IpFamily family, const NamedSet& set, const std::vector<uint8_t>& key,
                              const std::vector<uint8_t>& data);

}  // namespace edgeway::netstack
