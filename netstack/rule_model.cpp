#include "netstack/rule_model.h"

#include <algorithm>

namespace edgeway::netstack {

FieldType fieldTypeOf(Expr e) {
  switch (e) {
    case Expr::kSrcAddr:
    case Expr::kDstAddr:
    case Expr::kCtOrigDstAddr:
      return FieldType::kAddr;
    case Expr::kL4Proto:
      return FieldType::kProto;
    case Expr::kDstPort:
    case Expr::kCtOrigDstPort:
      return FieldType::kPort;
    case Expr::kRandomSlot:
      return FieldType::kSlot;
  }
  return FieldType::kAddr;
}

Value Value::address(const IpAddress& a) {
  Value v;
  v.kind = Kind::kAddr;
  v.addr = a;
  return v;
}
Value Value::prefix(const Cidr& c) {
  Value v;
  v.kind = Kind::kCidr;
  v.cidr = c;
  return v;
}
Value Value::protocol(api::Protocol p) {
  Value v;
  v.kind = Kind::kProto;
  v.proto = p;
  return v;
}
Value Value::port(int p) {
  Value v;
  v.kind = Kind::kPort;
  v.low = v.high = static_cast<uint32_t>(p);
  return v;
}
Value Value::slots(uint32_t first, uint32_t last) {
  Value v;
  v.kind = Kind::kSlotRange;
  v.low = first;
  v.high = last;
  return v;
}

// Order: kind, address (a prefix's network), prefix length, protocol, low, high. Written
// out field by field: the model's sorts and the syncer's diff compare ~10^5 elements.
bool operator==(const Value& a, const Value& b) {
  if (a.kind != b.kind || a.proto != b.proto || a.low != b.low || a.high != b.high) return false;
  if (a.kind == Value::Kind::kCidr)
    return a.cidr.prefixLength() == b.cidr.prefixLength() && a.cidr.network() == b.cidr.network();
  return a.addr == b.addr;
}
bool operator<(const Value& a, const Value& b) {
  if (a.kind != b.kind) return a.kind < b.kind;
  const bool cidr = a.kind == Value::Kind::kCidr;
  const IpAddress& x = cidr ? a.cidr.network() : a.addr;
  const IpAddress& y = cidr ? b.cidr.network() : b.addr;
  if (x != y) return x < y;
  if (cidr && a.cidr.prefixLength() != b.cidr.prefixLength()) return a.cidr.prefixLength() < b.cidr.prefixLength();
  if (a.proto != b.proto) return a.proto < b.proto;
  if (a.low != b.low) return a.low < b.low;
  return a.high < b.high;
}

const NamedSet* Table::findSet(const std::string& n) const {
  for (const auto& s : sets)
    if (s.name == n) return &s;
  return nullptr;
}
const Chain* Table::findChain(const std::string& n) const {
  for (const auto& c : chains)
    if (c.name == n) return &c;
  return nullptr;
}
size_t Table::ruleCount() const {
  size_t n = 0;
  for (const auto& c : chains) n += c.rules.size();
  return n;
}
size_t Table::elementCount() const {
  size_t n = 0;
  for (const auto& s : sets) n += s.elements.size();
  return n;
}
const Table* RuleModel::table(IpFamily family) const {
  for (const auto& t : tables)
    if (t.family == family) return &t;
  return nullptr;
}

}  // namespace edgeway::netstack
