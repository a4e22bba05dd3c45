#include "netstack/nft_encoder.h"

#include <libmnl/libmnl.h>
#include <libnftnl/chain.h>
#include <libnftnl/common.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <libnftnl/table.h>
#include <libnftnl/udata.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>

#include <array>
#include <cstring>
#include <functional>

namespace edgeway::netstack {

// ---------------------------------------------------------------------------------------
// NftOp / NftBatch

namespace {
const char* familyWord(IpFamily f) { return f == IpFamily::kIPv4 ? "ip" : "ip6"; }
}  // namespace

std::string NftOp::describe() const {
  std::string where = std::string(familyWord(family)) + " " + table;
  switch (kind) {
    case Kind::kAddTable:
      return "add table " + where;
    case Kind::kDeleteTable:
      return "delete table " + where;
    case Kind::kAddSet:
      return "add set " + where + " " + set->name;
    case Kind::kDeleteSet:
      return "delete set " + where + " " + set->name;
    case Kind::kAddElements:
      return "add elements " + where + " " + set->name + " (" + std::to_string(elements.size()) + ")";
    case Kind::kDeleteElements:
      return "delete elements " + where + " " + set->name + " (" + std::to_string(elements.size()) + ")";
    case Kind::kDestroyElements:
      return "destroy elements " + where + " " + set->name + " (" + std::to_string(elements.size()) + ")";
    case Kind::kAddChain:
      return "add chain " + where + " " + chain->name;
    case Kind::kFlushChain:
      return "flush chain " + where + " " + chain->name;
    case Kind::kDeleteChain:
      return "delete chain " + where + " " + chain->name;
    case Kind::kAddRule:
      return "add rule " + where + " " + chain->name;
  }
  return "?";
}

size_t NftBatch::elementOps() const {
  size_t n = 0;
  for (const auto& op : ops)
    if (op.kind == NftOp::Kind::kAddElements || op.kind == NftOp::Kind::kDeleteElements ||
        op.kind == NftOp::Kind::kDestroyElements)
      n += op.elements.size();
  return n;
}

namespace {
NftOp baseOp(NftOp::Kind k, IpFamily f, const std::string& table) {
  NftOp op;
  op.kind = k;
  op.family = f;
  op.table = table;
  return op;
}
std::shared_ptr<const NamedSet> declarationOf(const NamedSet& s) {
  auto copy = std::make_shared<NamedSet>();
  copy->name = s.name;
  copy->key = s.key;
  copy->data = s.data;
  copy->interval = s.interval;
  copy->dynamic = s.dynamic;
  copy->timeoutSeconds = s.timeoutSeconds;
  copy->size = s.size;
  copy->comment = s.comment;
  return copy;
}
std::shared_ptr<const Chain> declarationOf(const Chain& c) {
  auto copy = std::make_shared<Chain>();
  copy->name = c.name;
  copy->isBase = c.isBase;
  copy->hook = c.hook;
  copy->comment = c.comment;
  return copy;
}
}  // namespace

void NftBatch::addTable(IpFamily f, const std::string& table) { ops.push_back(baseOp(NftOp::Kind::kAddTable, f, table)); }
void NftBatch::deleteTable(IpFamily f, const std::string& table) {
  ops.push_back(baseOp(NftOp::Kind::kDeleteTable, f, table));
}
void NftBatch::addSet(IpFamily f, const std::string& table, const NamedSet& set) {
  NftOp op = baseOp(NftOp::Kind::kAddSet, f, table);
  op.set = declarationOf(set);
  ops.push_back(std::move(op));
}
void NftBatch::deleteSet(IpFamily f, const std::string& table, const NamedSet& set) {
  NftOp op = baseOp(NftOp::Kind::kDeleteSet, f, table);
  op.set = declarationOf(set);
  ops.push_back(std::move(op));
}
void NftBatch::addElements(IpFamily f, const std::string& table, const NamedSet& set, std::vector<Element> elements) {
  if (elements.empty()) return;
  NftOp op = baseOp(NftOp::Kind::kAddElements, f, table);
  op.set = declarationOf(set);
  op.elements = std::move(elements);
  ops.push_back(std::move(op));
}
void NftBatch::deleteElements(IpFamily f, const std::string& table, const NamedSet& set,
                              std::vector<Element> elements) {
  if (elements.empty()) return;
  NftOp op = baseOp(NftOp::Kind::kDeleteElements, f, table);
  op.set = declarationOf(set);
  op.elements = std::move(elements);
  ops.push_back(std::move(op));
}
void NftBatch::destroyElements(IpFamily f, const std::string& table, const NamedSet& set,
                               std::vector<Element> elements) {
  if (elements.empty()) return;
  NftOp op = baseOp(NftOp::Kind::kDestroyElements, f, table);
  op.set = declarationOf(set);
  op.elements = std::move(elements);
  ops.push_back(std::move(op));
}
void NftBatch::addChain(IpFamily f, const std::string& table, const Chain& chain) {
  NftOp op = baseOp(NftOp::Kind::kAddChain, f, table);
  op.chain = declarationOf(chain);
  ops.push_back(std::move(op));
}
void NftBatch::flushChain(IpFamily f, const std::string& table, const Chain& chain) {
  NftOp op = baseOp(NftOp::Kind::kFlushChain, f, table);
  op.chain = declarationOf(chain);
  ops.push_back(std::move(op));
}
void NftBatch::deleteChain(IpFamily f, const std::string& table, const Chain& chain) {
  NftOp op = baseOp(NftOp::Kind::kDeleteChain, f, table);
  op.chain = declarationOf(chain);
  ops.push_back(std::move(op));
}
void NftBatch::addRule(IpFamily f, const std::string& table, const Chain& chain, const Rule& rule,
                       std::shared_ptr<const Table> context) {
  NftOp op = baseOp(NftOp::Kind::kAddRule, f, table);
  op.chain = declarationOf(chain);
  op.rule = rule;
  op.context = std::move(context);
  ops.push_back(std::move(op));
}

void NftBatch::replaceTable(const Table& table) {
  // The rules' context: the declarations, without the (possibly many) elements.
  auto skeleton = std::make_shared<Table>();
  skeleton->family = table.family;
  skeleton->name = table.name;
  for (const auto& s : table.sets) skeleton->sets.push_back(*declarationOf(s));
  std::shared_ptr<const Table> context = std::move(skeleton);
  addTable(table.family, table.name);
  deleteTable(table.family, table.name);
  addTable(table.family, table.name);
  for (const auto& s : table.sets) {
    addSet(table.family, table.name, s);
    addElements(table.family, table.name, s, s.elements);
  }
  for (const auto& c : table.chains) addChain(table.family, table.name, c);
  for (const auto& c : table.chains)
    for (const auto& r : c.rules) addRule(table.family, table.name, c, r, context);
}

std::string EncodedBatch::describe(uint32_t seq) const {
  if (seq < firstSeq || seq - firstSeq >= descriptions.size()) return "batch";
  return descriptions[seq - firstSeq];
}

// ---------------------------------------------------------------------------------------
// Values <-> bytes

namespace {

// nft's datatype ids (src/datatype.h): the kernel stores them opaquely for nft to read back.
constexpr uint32_t kTypeInteger = 4, kTypeIpv4 = 7, kTypeIpv6 = 8, kTypeInetProto = 12, kTypeInetService = 13;
constexpr uint32_t kTypeBits = 6;
// nft's udata values (src/mnl.c, src/expression.c): byte orders and expression types.
constexpr uint32_t kByteorderInvalid = 0, kByteorderHost = 1, kByteorderBig = 2;
constexpr uint32_t kExprPayload = 7, kExprMeta = 9, kExprConcat = 13, kExprNumgen = 23;
constexpr uint32_t kProtoDescTh = 11, kProtoDescIp = 12, kProtoDescIp6 = 13;
constexpr uint32_t kIpHdrSaddr = 11, kIpHdrDaddr = 12, kIp6HdrSaddr = 8, kIp6HdrDaddr = 9, kThDport = 2;

uint32_t fieldLen(FieldType t, IpFamily f) {
  switch (t) {
    case FieldType::kAddr:
      return f == IpFamily::kIPv4 ? 4 : 16;
    case FieldType::kProto:
      return 1;
    case FieldType::kPort:
      return 2;
    case FieldType::kSlot:
      return 4;
  }
  return 4;
}
uint32_t padded(uint32_t len) { return (len + 3) & ~3u; }
uint32_t regsOf(FieldType t, IpFamily f) { return padded(fieldLen(t, f)) / 4; }

uint32_t typeId(FieldType t, IpFamily f) {
  switch (t) {
    case FieldType::kAddr:
      return f == IpFamily::kIPv4 ? kTypeIpv4 : kTypeIpv6;
    case FieldType::kProto:
      return kTypeInetProto;
    case FieldType::kPort:
      return kTypeInetService;
    case FieldType::kSlot:
      return kTypeInteger;
  }
  return kTypeInteger;
}

uint32_t keyType(const Key& key, IpFamily f) {
  uint32_t t = 0;
  for (Expr e : key) t = (t << kTypeBits) | typeId(fieldTypeOf(e), f);
  return t;
}
uint32_t keyLen(const Key& key, IpFamily f) {
  uint32_t n = 0;
  for (Expr e : key) n += padded(fieldLen(fieldTypeOf(e), f));
  return n;
}

uint8_t protoNumber(api::Protocol p) {
  switch (p) {
    case api::Protocol::kTCP:
      return 6;
    case api::Protocol::kUDP:
      return 17;
    case api::Protocol::kSCTP:
      return 132;
  }
  return 6;
}

std::array<uint8_t, 16> lastAddress(const Cidr& c) {
  std::array<uint8_t, 16> b = c.network().bytes();
  const int bits = c.network().bitLength();
  const int offset = c.network().isV4() ? 12 : 0;
  for (int i = c.prefixLength(); i < bits; ++i) b[offset + i / 8] |= static_cast<uint8_t>(0x80 >> (i % 8));
  return b;
}

void putAddr(std::vector<uint8_t>& out, const std::array<uint8_t, 16>& bytes, IpFamily f) {
  if (f == IpFamily::kIPv4)
    out.insert(out.end(), bytes.begin() + 12, bytes.end());
  else
    out.insert(out.end(), bytes.begin(), bytes.end());
}

// One field of a key or data, padded to 4 bytes. `high`: the upper end of a range/prefix.
void putField(std::vector<uint8_t>& out, FieldType t, const Value& v, IpFamily f, bool high) {
  const size_t start = out.size();
  switch (t) {
    case FieldType::kAddr:
      if (v.kind == Value::Kind::kCidr)
        putAddr(out, high ? lastAddress(v.cidr) : v.cidr.network().bytes(), f);
      else
        putAddr(out, v.addr.bytes(), f);
      break;
    case FieldType::kProto:
      out.push_back(protoNumber(v.proto));
      break;
    case FieldType::kPort:
      out.push_back(static_cast<uint8_t>(v.low >> 8));
      out.push_back(static_cast<uint8_t>(v.low));
      break;
    case FieldType::kSlot: {  // host order, as numgen loads it (the endpoint maps are not interval maps)
      uint32_t x = high ? v.high : v.low;
      const uint8_t* b = reinterpret_cast<const uint8_t*>(&x);
      out.insert(out.end(), b, b + 4);
      break;
    }
  }
  while ((out.size() - start) % 4) out.push_back(0);
}

std::vector<uint8_t> encodeValues(const Key& key, const std::vector<Value>& values, IpFamily f, bool high) {
  std::vector<uint8_t> out;
  for (size_t i = 0; i < key.size() && i < values.size(); ++i) putField(out, fieldTypeOf(key[i]), values[i], f, high);
  return out;
}

bool singleFieldInterval(const NamedSet& s) { return s.interval && s.key.size() == 1; }
bool concatInterval(const NamedSet& s) { return s.interval && s.key.size() > 1; }

}  // namespace

Result<Element> decodeElement(IpFamily family, const NamedSet& set, const std::vector<uint8_t>& key,
                              const std::vector<uint8_t>& data) {
  auto decode = [&](const Key& fields, const std::vector<uint8_t>& bytes,
                    std::vector<Value>& out) -> bool {
    size_t pos = 0;
    for (Expr e : fields) {
      FieldType t = fieldTypeOf(e);
      uint32_t len = fieldLen(t, family);
      if (pos + len > bytes.size()) return false;
      const uint8_t* p = bytes.data() + pos;
      switch (t) {
        case FieldType::kAddr:
          if (family == IpFamily::kIPv4) {
            out.push_back(Value::address(IpAddress::v4((uint32_t(p[0]) << 24) | (uint32_t(p[1]) << 16) |
                                                       (uint32_t(p[2]) << 8) | p[3])));
          } else {
            std::array<uint8_t, 16> b{};
            std::memcpy(b.data(), p, 16);
            out.push_back(Value::address(IpAddress::v6(b)));
          }
          break;
        case FieldType::kProto:
          out.push_back(Value::protocol(p[0] == 17    ? api::Protocol::kUDP
                                        : p[0] == 132 ? api::Protocol::kSCTP
                                                      : api::Protocol::kTCP));
          break;
        case FieldType::kPort:
          out.push_back(Value::port((p[0] << 8) | p[1]));
          break;
        case FieldType::kSlot: {
          uint32_t x;
          std::memcpy(&x, p, 4);
          out.push_back(Value::slots(x, x));
          break;
        }
      }
      pos += padded(len);
    }
    return pos == bytes.size();
  };
  Element e;
  if (!decode(set.key, key, e.key) || (set.isMap() && !decode(set.data, data, e.data)))
    return invalidArgument("element of " + set.name + ": unexpected key or data length");
  return e;
}

// ---------------------------------------------------------------------------------------
// libnftnl objects

namespace {

template <typename T, void (*Free)(const T*)>
struct Deleter {
  void operator()(T* p) const { Free(p); }
};
using TablePtr = std::unique_ptr<nftnl_table, Deleter<nftnl_table, nftnl_table_free>>;
using ChainPtr = std::unique_ptr<nftnl_chain, Deleter<nftnl_chain, nftnl_chain_free>>;
using SetPtr = std::unique_ptr<nftnl_set, Deleter<nftnl_set, nftnl_set_free>>;
using RulePtr = std::unique_ptr<nftnl_rule, Deleter<nftnl_rule, nftnl_rule_free>>;
using UdataPtr = std::unique_ptr<nftnl_udata_buf, Deleter<nftnl_udata_buf, nftnl_udata_buf_free>>;

uint16_t nfproto(IpFamily f) { return f == IpFamily::kIPv4 ? NFPROTO_IPV4 : NFPROTO_IPV6; }

UdataPtr udata() { return UdataPtr(nftnl_udata_buf_alloc(NFT_USERDATA_MAXLEN)); }

std::string clip(const std::string& comment) {
  // nft refuses comments longer than 128 bytes; the kernel caps userdata at 256.
  return comment.size() > 127 ? comment.substr(0, 127) : comment;
}

// --- set userdata (what nft stores so it can print `type`/`typeof` and comments) ---

bool usesTypeof(const Key& key) {
  for (Expr e : key)
    if (fieldTypeOf(e) == FieldType::kSlot) return true;
  return false;
}

uint32_t byteorderOf(const Key& key) {
  if (key.size() != 1) return kByteorderInvalid;
  FieldType t = fieldTypeOf(key[0]);
  return t == FieldType::kAddr || t == FieldType::kPort ? kByteorderBig : kByteorderHost;
}

// The typeof description of one expression; false when nft has none for it here.
bool putTypeofExpr(nftnl_udata_buf* b, Expr e, IpFamily f) {
  auto payload = [&](uint32_t desc, uint32_t field) {
    nftnl_udata_put_u32(b, 0, kExprPayload);
    nftnl_udata* n = nftnl_udata_nest_start(b, 1);
    nftnl_udata_put_u32(b, 0, desc);
    nftnl_udata_put_u32(b, 1, field);
    nftnl_udata_nest_end(b, n);
  };
  const bool v4 = f == IpFamily::kIPv4;
  switch (e) {
    case Expr::kSrcAddr:
      payload(v4 ? kProtoDescIp : kProtoDescIp6, v4 ? kIpHdrSaddr : kIp6HdrSaddr);
      return true;
    case Expr::kDstAddr:
      payload(v4 ? kProtoDescIp : kProtoDescIp6, v4 ? kIpHdrDaddr : kIp6HdrDaddr);
      return true;
    case Expr::kDstPort:
      payload(kProtoDescTh, kThDport);
      return true;
    case Expr::kL4Proto: {
      nftnl_udata_put_u32(b, 0, kExprMeta);
      nftnl_udata* n = nftnl_udata_nest_start(b, 1);
      nftnl_udata_put_u32(b, 0, NFT_META_L4PROTO);
      nftnl_udata_nest_end(b, n);
      return true;
    }
    case Expr::kRandomSlot: {
      nftnl_udata_put_u32(b, 0, kExprNumgen);
      nftnl_udata* n = nftnl_udata_nest_start(b, 1);
      nftnl_udata_put_u32(b, 0, NFT_NG_RANDOM);
      nftnl_udata_put_u32(b, 1, kMaxEndpoints);
      nftnl_udata_put_u32(b, 2, 0);
      nftnl_udata_nest_end(b, n);
      return true;
    }
    case Expr::kCtOrigDstAddr:
    case Expr::kCtOrigDstPort:
      return false;
  }
  return false;
}

// NFTNL_UDATA_SET_{KEY,DATA}_TYPEOF: for a `typeof` set the expressions; for a `type` set
// with a concatenated key, an empty concatenation (what nft writes).
void putTypeof(nftnl_udata_buf* b, uint8_t attr, const Key& key, IpFamily f, bool full) {
  if (!full && key.size() < 2) return;
  nftnl_udata* outer = nftnl_udata_nest_start(b, attr);
  nftnl_udata_put_u32(b, NFTNL_UDATA_SET_TYPEOF_EXPR, key.size() > 1 ? kExprConcat : 0);
  nftnl_udata* data = nftnl_udata_nest_start(b, NFTNL_UDATA_SET_TYPEOF_DATA);
  if (full) {
    for (size_t i = 0; i < key.size(); ++i) {
      nftnl_udata* item = nftnl_udata_nest_start(b, static_cast<uint8_t>(i));
      putTypeofExpr(b, key[i], f);
      nftnl_udata_nest_end(b, item);
    }
  }
  nftnl_udata_nest_end(b, data);
  nftnl_udata_nest_end(b, outer);
}

SetPtr makeSet(IpFamily f, const std::string& table, const NamedSet& s) {
  SetPtr set(nftnl_set_alloc());
  nftnl_set_set_str(set.get(), NFTNL_SET_TABLE, table.c_str());
  nftnl_set_set_str(set.get(), NFTNL_SET_NAME, s.name.c_str());
  nftnl_set_set_u32(set.get(), NFTNL_SET_FAMILY, nfproto(f));
  return set;
}

SetPtr setDeclaration(IpFamily f, const std::string& table, const NamedSet& s, uint32_t id) {
  SetPtr set = makeSet(f, table, s);
  uint32_t flags = 0;
  if (s.interval) flags |= NFT_SET_INTERVAL;
  if (s.isMap()) flags |= NFT_SET_MAP;
  if (s.timeoutSeconds) flags |= NFT_SET_TIMEOUT;
  if (s.dynamic) flags |= NFT_SET_EVAL;
  if (concatInterval(s)) flags |= NFT_SET_CONCAT;  // the kernel insists when DESC_CONCAT has > 1 field
  nftnl_set_set_u32(set.get(), NFTNL_SET_FLAGS, flags);
  nftnl_set_set_u32(set.get(), NFTNL_SET_KEY_TYPE, keyType(s.key, f));
  nftnl_set_set_u32(set.get(), NFTNL_SET_KEY_LEN, keyLen(s.key, f));
  nftnl_set_set_u32(set.get(), NFTNL_SET_ID, id);
  if (s.isMap()) {
    nftnl_set_set_u32(set.get(), NFTNL_SET_DATA_TYPE, keyType(s.data, f));
    nftnl_set_set_u32(set.get(), NFTNL_SET_DATA_LEN, keyLen(s.data, f));
  }
  if (s.timeoutSeconds) nftnl_set_set_u64(set.get(), NFTNL_SET_TIMEOUT, uint64_t(s.timeoutSeconds) * 1000);
  if (s.size) nftnl_set_set_u32(set.get(), NFTNL_SET_DESC_SIZE, s.size);
  if (concatInterval(s)) {
    uint8_t lens[NFT_REG32_COUNT] = {};
    for (size_t i = 0; i < s.key.size() && i < NFT_REG32_COUNT; ++i)
      lens[i] = static_cast<uint8_t>(fieldLen(fieldTypeOf(s.key[i]), f));
    nftnl_set_set_data(set.get(), NFTNL_SET_DESC_CONCAT, lens, static_cast<uint32_t>(s.key.size()));
  }
  UdataPtr ud = udata();
  const bool full = usesTypeof(s.key) || usesTypeof(s.data);
  nftnl_udata_put_u32(ud.get(), NFTNL_UDATA_SET_KEYBYTEORDER, byteorderOf(s.key));
  if (s.isMap()) nftnl_udata_put_u32(ud.get(), NFTNL_UDATA_SET_DATABYTEORDER, byteorderOf(s.data));
  putTypeof(ud.get(), NFTNL_UDATA_SET_KEY_TYPEOF, s.key, f, full);
  if (s.isMap()) putTypeof(ud.get(), NFTNL_UDATA_SET_DATA_TYPEOF, s.data, f, full);
  if (!s.comment.empty()) nftnl_udata_put_strz(ud.get(), NFTNL_UDATA_SET_COMMENT, clip(s.comment).c_str());
  nftnl_set_set_data(set.get(), NFTNL_SET_USERDATA, nftnl_udata_buf_data(ud.get()), nftnl_udata_buf_len(ud.get()));
  return set;
}

// Adds the kernel elements of one model element to `set`; returns their encoded size.
size_t addKernelElements(nftnl_set* set, IpFamily f, const NamedSet& s, const Element& e, bool forDelete) {
  size_t bytes = 0;
  auto add = [&](const std::vector<uint8_t>& key, const std::vector<uint8_t>* keyEnd, uint32_t flags, bool withData) {
    nftnl_set_elem* el = nftnl_set_elem_alloc();
    nftnl_set_elem_set(el, NFTNL_SET_ELEM_KEY, key.data(), static_cast<uint32_t>(key.size()));
    bytes += 48 + key.size();
    if (keyEnd) {
      nftnl_set_elem_set(el, NFTNL_SET_ELEM_KEY_END, keyEnd->data(), static_cast<uint32_t>(keyEnd->size()));
      bytes += 8 + keyEnd->size();
    }
    if (flags) nftnl_set_elem_set_u32(el, NFTNL_SET_ELEM_FLAGS, flags);
    if (withData && !forDelete) {
      if (s.isMap()) {
        std::vector<uint8_t> data = encodeValues(s.data, e.data, f, false);
        nftnl_set_elem_set(el, NFTNL_SET_ELEM_DATA, data.data(), static_cast<uint32_t>(data.size()));
        bytes += 16 + data.size();
      }
      if (!e.comment.empty()) {
        UdataPtr ud = udata();
        nftnl_udata_put_strz(ud.get(), NFTNL_UDATA_SET_ELEM_COMMENT, clip(e.comment).c_str());
        nftnl_set_elem_set(el, NFTNL_SET_ELEM_USERDATA, nftnl_udata_buf_data(ud.get()), nftnl_udata_buf_len(ud.get()));
        bytes += 8 + nftnl_udata_buf_len(ud.get());
      }
    }
    nftnl_set_elem_add(set, el);
  };
  if (concatInterval(s)) {
    std::vector<uint8_t> low = encodeValues(s.key, e.key, f, false);
    std::vector<uint8_t> high = encodeValues(s.key, e.key, f, true);
    add(low, &high, 0, true);
  } else if (singleFieldInterval(s)) {
    // rbtree: a start element and an end element one past the range (none when the range
    // reaches the top of the address space).
    std::vector<uint8_t> low = encodeValues(s.key, e.key, f, false);
    std::vector<uint8_t> end = encodeValues(s.key, e.key, f, true);
    bool carry = true;
    for (size_t i = end.size(); i-- > 0 && carry;) carry = ++end[i] == 0;
    add(low, nullptr, 0, true);
    if (!carry) add(end, nullptr, NFT_SET_ELEM_INTERVAL_END, false);
  } else {
    add(encodeValues(s.key, e.key, f, false), nullptr, 0, true);
  }
  return bytes;
}

// --- rule expressions -------------------------------------------------------------------

// nft's register numbering: a 32-bit register index i is written as one of the legacy
// 128-bit registers when it starts one (NFT_REG_1 + i/4), else as NFT_REG32_00 + i.
uint32_t reg(uint32_t i) { return i % 4 == 0 ? NFT_REG_1 + i / 4 : NFT_REG32_00 + i; }

class RuleEncoder {
 public:
  RuleEncoder(nftnl_rule* rule, IpFamily family, const Table* context)
      : rule_(rule), family_(family), context_(context) {}

  Status encode(const Rule& r) {
    for (const auto& m : r.matches) {
      Status s = std::visit([&](const auto& x) { return match(x); }, m);
      if (!s.isOk()) return s;
    }
    for (const auto& st : r.statements) {
      Status s = std::visit([&](const auto& x) { return statement(x); }, st);
      if (!s.isOk()) return s;
    }
    return Status::ok();
  }

 private:
  nftnl_expr* add(const char* name) {
    nftnl_expr* e = nftnl_expr_alloc(name);
    nftnl_rule_add_expr(rule_, e);
    return e;
  }
  void payload(uint32_t base, uint32_t offset, uint32_t len, uint32_t dreg) {
    nftnl_expr* e = add("payload");
    nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_DREG, dreg);
    nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_BASE, base);
    nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET, offset);
    nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_LEN, len);
  }
  void metaLoad(uint32_t key, uint32_t dreg) {
    nftnl_expr* e = add("meta");
    nftnl_expr_set_u32(e, NFTNL_EXPR_META_KEY, key);
    nftnl_expr_set_u32(e, NFTNL_EXPR_META_DREG, dreg);
  }
  void ctLoad(uint32_t key, uint32_t dreg, bool original) {
    nftnl_expr* e = add("ct");
    nftnl_expr_set_u32(e, NFTNL_EXPR_CT_KEY, key);
    nftnl_expr_set_u32(e, NFTNL_EXPR_CT_DREG, dreg);
    if (original) nftnl_expr_set_u8(e, NFTNL_EXPR_CT_DIR, IP_CT_DIR_ORIGINAL_);
  }
  void byteorder(uint32_t r, uint32_t size, uint32_t len) {
    nftnl_expr* e = add("byteorder");
    nftnl_expr_set_u32(e, NFTNL_EXPR_BYTEORDER_SREG, r);
    nftnl_expr_set_u32(e, NFTNL_EXPR_BYTEORDER_DREG, r);
    nftnl_expr_set_u32(e, NFTNL_EXPR_BYTEORDER_OP, NFT_BYTEORDER_HTON);
    nftnl_expr_set_u32(e, NFTNL_EXPR_BYTEORDER_LEN, len);
    nftnl_expr_set_u32(e, NFTNL_EXPR_BYTEORDER_SIZE, size);
  }
  void bitwise(uint32_t r, uint32_t mask, uint32_t x) {
    nftnl_expr* e = add("bitwise");
    nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_SREG, r);
    nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_DREG, r);
    nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_LEN, 4);
    nftnl_expr_set(e, NFTNL_EXPR_BITWISE_MASK, &mask, 4);
    nftnl_expr_set(e, NFTNL_EXPR_BITWISE_XOR, &x, 4);
  }
  void cmp(uint32_t r, uint32_t op, const void* data, uint32_t len) {
    nftnl_expr* e = add("cmp");
    nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_SREG, r);
    nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_OP, op);
    nftnl_expr_set(e, NFTNL_EXPR_CMP_DATA, data, len);
  }
  void cmp32(uint32_t r, uint32_t op, uint32_t value) { cmp(r, op, &value, 4); }

  // Loads one key field into 32-bit register index `i` (as nft does).
  // `slots`: the modulus of kRandomSlot (offset slotOffset(slots)); see StmtDnatMap.
  void load(Expr e, uint32_t i, bool interval, uint32_t slots = 0) {
    const bool v4 = family_ == IpFamily::kIPv4;
    switch (e) {
      case Expr::kSrcAddr:
        payload(NFT_PAYLOAD_NETWORK_HEADER, v4 ? 12 : 8, v4 ? 4 : 16, reg(i));
        break;
      case Expr::kDstAddr:
        payload(NFT_PAYLOAD_NETWORK_HEADER, v4 ? 16 : 24, v4 ? 4 : 16, reg(i));
        break;
      case Expr::kL4Proto:
        metaLoad(NFT_META_L4PROTO, reg(i));
        if (interval) byteorder(reg(i), 2, 1);
        break;
      case Expr::kDstPort:
        payload(NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2, reg(i));
        break;
      case Expr::kRandomSlot: {
        nftnl_expr* x = add("numgen");
        nftnl_expr_set_u32(x, NFTNL_EXPR_NG_DREG, reg(i));
        nftnl_expr_set_u32(x, NFTNL_EXPR_NG_MODULUS, slots ? slots : kMaxEndpoints);
        nftnl_expr_set_u32(x, NFTNL_EXPR_NG_TYPE, NFT_NG_RANDOM);
        nftnl_expr_set_u32(x, NFTNL_EXPR_NG_OFFSET, slotOffset(slots));
        if (interval) byteorder(reg(i), 4, 4);
        break;
      }
      case Expr::kCtOrigDstAddr:
        ctLoad(v4 ? NFT_CT_DST_IP : NFT_CT_DST_IP6, reg(i), true);
        break;
      case Expr::kCtOrigDstPort:
        ctLoad(NFT_CT_PROTO_DST, reg(i), true);
        break;
    }
  }
  // Loads a whole key from register index `first`; returns the next free index.
  uint32_t loadKey(const Key& key, uint32_t first, bool interval, uint32_t slots = 0) {
    uint32_t i = first;
    for (Expr e : key) {
      load(e, i, interval, slots);
      i += regsOf(fieldTypeOf(e), family_);
    }
    return i;
  }

  Result<const NamedSet*> findSet(const std::string& name) {
    const NamedSet* s = context_ ? context_->findSet(name) : nullptr;
    if (!s) return invalidArgument("rule uses set " + name + ", which its table does not declare");
    return s;
  }

  Status match(const MatchLookup& m) {
    auto set = findSet(m.set);
    if (!set.isOk()) return set.status();
    loadKey(m.key, 0, (*set)->interval);
    nftnl_expr* e = add("lookup");
    nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SREG, reg(0));
    nftnl_expr_set_str(e, NFTNL_EXPR_LOOKUP_SET, m.set.c_str());
    if (m.negate) nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_FLAGS, NFT_LOOKUP_F_INV);
    return Status::ok();
  }
  Status match(const MatchL4Proto& m) {
    metaLoad(NFT_META_L4PROTO, reg(0));
    uint8_t p = protoNumber(m.proto);
    cmp(reg(0), NFT_CMP_EQ, &p, 1);
    return Status::ok();
  }
  Status match(const MatchCtStateNew&) {
    ctLoad(NFT_CT_STATE, reg(0), false);
    bitwise(reg(0), 0x8 /* NF_CT_STATE_BIT(IP_CT_NEW) */, 0);
    cmp32(reg(0), NFT_CMP_NEQ, 0);
    return Status::ok();
  }
  Status match(const MatchCtStatusDnat&) {
    ctLoad(NFT_CT_STATUS, reg(0), false);
    bitwise(reg(0), 0x20 /* IPS_DST_NAT */, 0);
    cmp32(reg(0), NFT_CMP_NEQ, 0);
    return Status::ok();
  }
  Status match(const MatchFibSaddrLocal& m) {
    nftnl_expr* e = add("fib");
    nftnl_expr_set_u32(e, NFTNL_EXPR_FIB_DREG, reg(0));
    nftnl_expr_set_u32(e, NFTNL_EXPR_FIB_RESULT, NFT_FIB_RESULT_ADDRTYPE);
    nftnl_expr_set_u32(e, NFTNL_EXPR_FIB_FLAGS, NFTA_FIB_F_SADDR);
    cmp32(reg(0), m.negate ? NFT_CMP_NEQ : NFT_CMP_EQ, 2 /* RTN_LOCAL */);
    return Status::ok();
  }
  Status match(const MatchMarkClear& m) {
    metaLoad(NFT_META_MARK, reg(0));
    bitwise(reg(0), m.mask, 0);
    cmp32(reg(0), NFT_CMP_EQ, 0);
    return Status::ok();
  }

  void verdict(int code, const std::string& chain = {}) {
    nftnl_expr* e = add("immediate");
    nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, NFT_REG_VERDICT);
    nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_VERDICT, static_cast<uint32_t>(code));
    if (!chain.empty()) nftnl_expr_set_str(e, NFTNL_EXPR_IMM_CHAIN, chain.c_str());
  }
  Status statement(const StmtVerdict& s) {
    switch (s.kind) {
      case StmtVerdict::Kind::kAccept:
        verdict(NF_ACCEPT);
        break;
      case StmtVerdict::Kind::kDrop:
        verdict(NF_DROP);
        break;
      case StmtVerdict::Kind::kReturn:
        verdict(NFT_RETURN);
        break;
      case StmtVerdict::Kind::kJump:
        verdict(NFT_JUMP, s.chain);
        break;
      case StmtVerdict::Kind::kGoto:
        verdict(NFT_GOTO, s.chain);
        break;
    }
    return Status::ok();
  }
  Status statement(const StmtReject& s) {
    nftnl_expr* e = add("reject");
    if (s.tcpReset) {
      nftnl_expr_set_u32(e, NFTNL_EXPR_REJECT_TYPE, NFT_REJECT_TCP_RST);
      nftnl_expr_set_u8(e, NFTNL_EXPR_REJECT_CODE, 0);
    } else {
      nftnl_expr_set_u32(e, NFTNL_EXPR_REJECT_TYPE, NFT_REJECT_ICMP_UNREACH);
      // ICMP port unreachable (3) / ICMPv6 port unreachable (4)
      nftnl_expr_set_u8(e, NFTNL_EXPR_REJECT_CODE, family_ == IpFamily::kIPv4 ? 3 : 4);
    }
    return Status::ok();
  }
  Status statement(const StmtDnatMap& s) {
    auto set = findSet(s.map);
    if (!set.isOk()) return set.status();
    const NamedSet& map = **set;
    if (map.data.size() != 2) return invalidArgument("dnat map " + s.map + " must map to address . port");
    loadKey(s.key, 0, map.interval, s.slots);
    nftnl_expr* l = add("lookup");
    nftnl_expr_set_u32(l, NFTNL_EXPR_LOOKUP_SREG, reg(0));
    nftnl_expr_set_u32(l, NFTNL_EXPR_LOOKUP_DREG, reg(0));
    nftnl_expr_set_str(l, NFTNL_EXPR_LOOKUP_SET, s.map.c_str());
    nftnl_expr* n = add("nat");
    nftnl_expr_set_u32(n, NFTNL_EXPR_NAT_TYPE, NFT_NAT_DNAT);
    nftnl_expr_set_u32(n, NFTNL_EXPR_NAT_FAMILY, nfproto(family_));
    nftnl_expr_set_u32(n, NFTNL_EXPR_NAT_REG_ADDR_MIN, reg(0));
    nftnl_expr_set_u32(n, NFTNL_EXPR_NAT_REG_PROTO_MIN, reg(regsOf(FieldType::kAddr, family_)));
    return Status::ok();
  }
  Status statement(const StmtMarkOr& s) {
    metaLoad(NFT_META_MARK, reg(0));
    bitwise(reg(0), ~s.bits, s.bits);
    metaSet(NFT_META_MARK, reg(0));
    return Status::ok();
  }
  Status statement(const StmtMarkXor& s) {
    metaLoad(NFT_META_MARK, reg(0));
    bitwise(reg(0), 0xffffffffu, s.bits);
    metaSet(NFT_META_MARK, reg(0));
    return Status::ok();
  }
  void metaSet(uint32_t key, uint32_t sreg) {
    nftnl_expr* e = add("meta");
    nftnl_expr_set_u32(e, NFTNL_EXPR_META_KEY, key);
    nftnl_expr_set_u32(e, NFTNL_EXPR_META_SREG, sreg);
  }
  Status statement(const StmtMasquerade& s) {
    nftnl_expr* e = add("masq");
    if (s.fullyRandom) nftnl_expr_set_u32(e, NFTNL_EXPR_MASQ_FLAGS, 0x10 /* NF_NAT_RANGE_PROTO_RANDOM_FULLY */);
    return Status::ok();
  }
  Status statement(const StmtMapUpdate& s) {
    auto set = findSet(s.map);
    if (!set.isOk()) return set.status();
    uint32_t next = loadKey(s.key, 0, false);
    loadKey(s.data, next, false);
    nftnl_expr* e = add("dynset");
    nftnl_expr_set_u32(e, NFTNL_EXPR_DYNSET_SREG_KEY, reg(0));
    nftnl_expr_set_u32(e, NFTNL_EXPR_DYNSET_SREG_DATA, reg(next));
    nftnl_expr_set_u32(e, NFTNL_EXPR_DYNSET_OP, NFT_DYNSET_OP_UPDATE);
    nftnl_expr_set_str(e, NFTNL_EXPR_DYNSET_SET_NAME, s.map.c_str());
    if (s.timeoutSeconds) nftnl_expr_set_u64(e, NFTNL_EXPR_DYNSET_TIMEOUT, uint64_t(s.timeoutSeconds) * 1000);
    return Status::ok();
  }

  static constexpr uint8_t IP_CT_DIR_ORIGINAL_ = 0;
  nftnl_rule* rule_;
  IpFamily family_;
  const Table* context_;
};

// --- the message stream -----------------------------------------------------------------

class Writer {
 public:
  explicit Writer(uint32_t firstSeq) : scratch_(1 << 17) { out_.firstSeq = firstSeq; }

  nlmsghdr* header(uint16_t type, IpFamily f, uint16_t flags) {
    return nftnl_nlmsg_build_hdr(scratch_.data(), type, nfproto(f), flags, nextSeq());
  }
  void commit(nlmsghdr* h, std::string description) {
    append(h);
    out_.descriptions.push_back(std::move(description));
  }
  void begin() {
    append(nftnl_batch_begin(scratch_.data(), nextSeq()));
    out_.descriptions.push_back("batch begin");
  }
  EncodedBatch end() {
    // The last data message asks for an ACK, so the reader knows when the kernel is done
    // (errors are reported for every failing message regardless).
    if (lastData_ != SIZE_MAX) reinterpret_cast<nlmsghdr*>(out_.bytes.data() + lastData_)->nlmsg_flags |= NLM_F_ACK;
    append(nftnl_batch_end(scratch_.data(), nextSeq()));
    out_.descriptions.push_back("batch end");
    out_.lastSeq = seq_;
    return std::move(out_);
  }
  size_t lastData_ = SIZE_MAX;

 private:
  uint32_t nextSeq() {
    seq_ = out_.firstSeq + static_cast<uint32_t>(out_.descriptions.size());
    return seq_;
  }
  void append(const nlmsghdr* h) {
    if (h->nlmsg_type != NFNL_MSG_BATCH_BEGIN && h->nlmsg_type != NFNL_MSG_BATCH_END) lastData_ = out_.bytes.size();
    const auto* p = reinterpret_cast<const uint8_t*>(h);
    out_.bytes.insert(out_.bytes.end(), p, p + NLMSG_ALIGN(h->nlmsg_len));
  }

  std::vector<char> scratch_;
  EncodedBatch out_;
  uint32_t seq_ = 0;
};

uint16_t msg(int type) { return static_cast<uint16_t>(type); }
// NFT_MSG_DESTROYSETELEM (Linux 6.3); Debian 12's uapi headers predate it.
constexpr int kMsgDestroySetElem = 30;

}  // namespace

Result<EncodedBatch> encodeBatch(const NftBatch& batch, uint32_t firstSeq) {
  Writer w(firstSeq);
  w.begin();
  uint32_t setId = 1;
  for (const NftOp& op : batch.ops) {
    const IpFamily f = op.family;
    switch (op.kind) {
      case NftOp::Kind::kAddTable:
      case NftOp::Kind::kDeleteTable: {
        TablePtr t(nftnl_table_alloc());
        nftnl_table_set_str(t.get(), NFTNL_TABLE_NAME, op.table.c_str());
        nftnl_table_set_u32(t.get(), NFTNL_TABLE_FAMILY, nfproto(f));
        bool add = op.kind == NftOp::Kind::kAddTable;
        if (add) nftnl_table_set_u32(t.get(), NFTNL_TABLE_FLAGS, 0);
        nlmsghdr* h = w.header(msg(add ? NFT_MSG_NEWTABLE : NFT_MSG_DELTABLE), f, add ? NLM_F_CREATE : 0);
        nftnl_table_nlmsg_build_payload(h, t.get());
        w.commit(h, op.describe());
        break;
      }
      case NftOp::Kind::kAddSet: {
        SetPtr s = setDeclaration(f, op.table, *op.set, setId++);
        nlmsghdr* h = w.header(msg(NFT_MSG_NEWSET), f, NLM_F_CREATE);
        nftnl_set_nlmsg_build_payload(h, s.get());
        w.commit(h, op.describe());
        break;
      }
      case NftOp::Kind::kDeleteSet: {
        SetPtr s = makeSet(f, op.table, *op.set);
        nlmsghdr* h = w.header(msg(NFT_MSG_DELSET), f, 0);
        nftnl_set_nlmsg_build_payload(h, s.get());
        w.commit(h, op.describe());
        break;
      }
      case NftOp::Kind::kAddElements:
      case NftOp::Kind::kDeleteElements:
      case NftOp::Kind::kDestroyElements: {
        // Several messages when large: one element list attribute is at most 64 KiB.
        const bool destroy = op.kind == NftOp::Kind::kDestroyElements;
        const bool del = op.kind == NftOp::Kind::kDeleteElements || destroy;
        constexpr size_t kMaxBytes = 32 * 1024;
        size_t i = 0;
        while (i < op.elements.size()) {
          SetPtr s = makeSet(f, op.table, *op.set);
          size_t bytes = 0, first = i;
          while (i < op.elements.size() && bytes < kMaxBytes)
            bytes += addKernelElements(s.get(), f, *op.set, op.elements[i++], del);
          const int type = destroy ? kMsgDestroySetElem : del ? NFT_MSG_DELSETELEM : NFT_MSG_NEWSETELEM;
          nlmsghdr* h = w.header(msg(type), f, del ? 0 : NLM_F_CREATE);
          nftnl_set_elems_nlmsg_build_payload(h, s.get());
          std::string d = std::string(destroy ? "destroy" : del ? "delete" : "add") + " elements " + familyWord(f) + " " + op.table +
                          " " + op.set->name + " [" + std::to_string(first) + ".." + std::to_string(i) + ")";
          w.commit(h, std::move(d));
        }
        break;
      }
      case NftOp::Kind::kAddChain:
      case NftOp::Kind::kDeleteChain: {
        ChainPtr c(nftnl_chain_alloc());
        nftnl_chain_set_str(c.get(), NFTNL_CHAIN_TABLE, op.table.c_str());
        nftnl_chain_set_str(c.get(), NFTNL_CHAIN_NAME, op.chain->name.c_str());
        nftnl_chain_set_u32(c.get(), NFTNL_CHAIN_FAMILY, nfproto(f));
        const bool add = op.kind == NftOp::Kind::kAddChain;
        if (add && op.chain->isBase) {
          static const uint32_t kHooks[] = {NF_INET_PRE_ROUTING, NF_INET_LOCAL_IN, NF_INET_FORWARD,
                                            NF_INET_LOCAL_OUT, NF_INET_POST_ROUTING};
          nftnl_chain_set_u32(c.get(), NFTNL_CHAIN_HOOKNUM, kHooks[static_cast<int>(op.chain->hook.point)]);
          nftnl_chain_set_s32(c.get(), NFTNL_CHAIN_PRIO, op.chain->hook.priority);
          nftnl_chain_set_str(c.get(), NFTNL_CHAIN_TYPE, op.chain->hook.type == Hook::Type::kNat ? "nat" : "filter");
          nftnl_chain_set_u32(c.get(), NFTNL_CHAIN_POLICY, NF_ACCEPT);
        }
        if (add && !op.chain->comment.empty()) {
          UdataPtr ud = udata();
          nftnl_udata_put_strz(ud.get(), NFTNL_UDATA_CHAIN_COMMENT, clip(op.chain->comment).c_str());
          nftnl_chain_set_data(c.get(), NFTNL_CHAIN_USERDATA, nftnl_udata_buf_data(ud.get()),
                               nftnl_udata_buf_len(ud.get()));
        }
        nlmsghdr* h = w.header(msg(add ? NFT_MSG_NEWCHAIN : NFT_MSG_DELCHAIN), f, add ? NLM_F_CREATE : 0);
        nftnl_chain_nlmsg_build_payload(h, c.get());
        w.commit(h, op.describe());
        break;
      }
      case NftOp::Kind::kFlushChain:
      case NftOp::Kind::kAddRule: {
        RulePtr r(nftnl_rule_alloc());
        nftnl_rule_set_str(r.get(), NFTNL_RULE_TABLE, op.table.c_str());
        nftnl_rule_set_str(r.get(), NFTNL_RULE_CHAIN, op.chain->name.c_str());
        nftnl_rule_set_u32(r.get(), NFTNL_RULE_FAMILY, nfproto(f));
        const bool add = op.kind == NftOp::Kind::kAddRule;
        if (add) {
          RuleEncoder enc(r.get(), f, op.context.get());
          Status s = enc.encode(op.rule);
          if (!s.isOk()) return Status(s.code(), op.describe() + ": " + s.message());
          if (!op.rule.comment.empty()) {
            UdataPtr ud = udata();
            nftnl_udata_put_strz(ud.get(), NFTNL_UDATA_RULE_COMMENT, clip(op.rule.comment).c_str());
            nftnl_rule_set_data(r.get(), NFTNL_RULE_USERDATA, nftnl_udata_buf_data(ud.get()),
                                nftnl_udata_buf_len(ud.get()));
          }
        }
        nlmsghdr* h = w.header(msg(add ? NFT_MSG_NEWRULE : NFT_MSG_DELRULE), f,
                               add ? NLM_F_CREATE | NLM_F_APPEND : 0);
        nftnl_rule_nlmsg_build_payload(h, r.get());
        w.commit(h, op.describe());
        break;
      }
    }
  }
  return w.end();
}

}  // namespace edgeway::netstack
