#include "netstack/nft_text.h"

#include <cstdio>
#include <sstream>

namespace edgeway::netstack {
namespace {

const char* familyKeyword(IpFamily f) { return f == IpFamily::kIPv4 ? "ip" : "ip6"; }

std::string protoKeyword(api::Protocol p) {
  switch (p) {
    case api::Protocol::kTCP:
      return "tcp";
    case api::Protocol::kUDP:
      return "udp";
    case api::Protocol::kSCTP:
      return "sctp";
  }
  return "tcp";
}

// `slots`: the modulus of a kRandomSlot (its offset is slotOffset(slots)); 0 in a set's
// typeof, which names the largest modulus.
std::string exprText(Expr e, IpFamily f, uint32_t slots = 0) {
  std::string fam = familyKeyword(f);
  switch (e) {
    case Expr::kSrcAddr:
      return fam + " saddr";
    case Expr::kDstAddr:
      return fam + " daddr";
    case Expr::kL4Proto:
      return "meta l4proto";
    case Expr::kDstPort:
      return "th dport";
    case Expr::kRandomSlot:
      if (slots == 0) return "numgen random mod " + std::to_string(kMaxEndpoints);
      return "numgen random mod " + std::to_string(slots) +
             (slotOffset(slots) ? " offset " + std::to_string(slotOffset(slots)) : "");
    case Expr::kCtOrigDstAddr:
      return "ct original " + fam + " daddr";
    case Expr::kCtOrigDstPort:
      return "ct original proto-dst";
  }
  return "";
}

std::string keyText(const Key& key, IpFamily f, uint32_t slots = 0) {
  std::string out;
  for (size_t i = 0; i < key.size(); ++i) {
    if (i) out += " . ";
    out += exprText(key[i], f, slots);
  }
  return out;
}

// `type` names, or "" when the field has none (a plain integer: use typeof).
std::string typeName(Expr e, IpFamily f) {
  switch (fieldTypeOf(e)) {
    case FieldType::kAddr:
      return f == IpFamily::kIPv4 ? "ipv4_addr" : "ipv6_addr";
    case FieldType::kProto:
      return "inet_proto";
    case FieldType::kPort:
      return "inet_service";
    case FieldType::kSlot:
      return "";
  }
  return "";
}

bool typeNames(const Key& key, IpFamily f, std::string& out) {
  out.clear();
  for (size_t i = 0; i < key.size(); ++i) {
    std::string t = typeName(key[i], f);
    if (t.empty()) return false;
    if (i) out += " . ";
    out += t;
  }
  return true;
}

std::string hex(uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08x", v);
  return buf;
}

std::string valueText(const Value& v) {
  switch (v.kind) {
    case Value::Kind::kAddr:
      return v.addr.toString();
    case Value::Kind::kCidr:
      return v.cidr.toString();
    case Value::Kind::kProto:
      return protoKeyword(v.proto);
    case Value::Kind::kPort:
      return std::to_string(v.low);
    case Value::Kind::kSlotRange:
      return v.low == v.high ? std::to_string(v.low) : std::to_string(v.low) + "-" + std::to_string(v.high);
  }
  return "";
}

std::string valuesText(const std::vector<Value>& values) {
  std::string out;
  for (size_t i = 0; i < values.size(); ++i) {
    if (i) out += " . ";
    out += valueText(values[i]);
  }
  return out;
}

std::string quoted(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') continue;  // never in our names; keep nft's lexer happy
    out += c;
  }
  return out + "\"";
}

std::string matchText(const Match& m, IpFamily f) {
  struct V {
    IpFamily f;
    std::string operator()(const MatchLookup& x) const {
      return keyText(x.key, f) + (x.negate ? " != @" : " @") + x.set;
    }
    std::string operator()(const MatchL4Proto& x) const { return "meta l4proto " + protoKeyword(x.proto); }
    std::string operator()(const MatchCtStateNew&) const { return "ct state new"; }
    std::string operator()(const MatchCtStatusDnat&) const { return "ct status dnat"; }
    std::string operator()(const MatchFibSaddrLocal& x) const {
      return x.negate ? "fib saddr type != local" : "fib saddr type local";
    }
    std::string operator()(const MatchMarkClear& x) const {
      return "meta mark & " + hex(x.mask) + " == " + hex(0);
    }
  };
  return std::visit(V{f}, m);
}

std::string statementText(const Statement& s, IpFamily f) {
  struct V {
    IpFamily f;
    std::string operator()(const StmtVerdict& x) const {
      switch (x.kind) {
        case StmtVerdict::Kind::kAccept:
          return "accept";
        case StmtVerdict::Kind::kDrop:
          return "drop";
        case StmtVerdict::Kind::kReturn:
          return "return";
        case StmtVerdict::Kind::kJump:
          return "jump " + x.chain;
        case StmtVerdict::Kind::kGoto:
          return "goto " + x.chain;
      }
      return "";
    }
    std::string operator()(const StmtReject& x) const {
      return x.tcpReset ? "reject with tcp reset" : "reject";
    }
    std::string operator()(const StmtDnatMap& x) const {
      return "dnat to " + keyText(x.key, f, x.slots) + " map @" + x.map;
    }
    std::string operator()(const StmtMarkOr& x) const { return "meta mark set meta mark | " + hex(x.bits); }
    std::string operator()(const StmtMarkXor& x) const { return "meta mark set meta mark ^ " + hex(x.bits); }
    std::string operator()(const StmtMasquerade& x) const {
      return x.fullyRandom ? "masquerade fully-random" : "masquerade";
    }
    std::string operator()(const StmtMapUpdate& x) const {
      std::string t = x.timeoutSeconds ? " timeout " + std::to_string(x.timeoutSeconds) + "s" : "";
      return "update @" + x.map + " { " + keyText(x.key, f) + t + " : " + keyText(x.data, f) + " }";
    }
  };
  return std::visit(V{f}, s);
}

const char* hookName(Hook::Point p) {
  switch (p) {
    case Hook::Point::kPrerouting:
      return "prerouting";
    case Hook::Point::kInput:
      return "input";
    case Hook::Point::kForward:
      return "forward";
    case Hook::Point::kOutput:
      return "output";
    case Hook::Point::kPostrouting:
      return "postrouting";
  }
  return "";
}

void renderSet(std::ostringstream& out, const NamedSet& s, IpFamily f) {
  out << "\t" << (s.isMap() ? "map " : "set ") << s.name << " {\n";
  std::string keyTypes, dataTypes;
  bool typed = typeNames(s.key, f, keyTypes) && (!s.isMap() || typeNames(s.data, f, dataTypes));
  if (typed) {
    out << "\t\ttype " << keyTypes;
    if (s.isMap()) out << " : " << dataTypes;
  } else {
    out << "\t\ttypeof " << keyText(s.key, f);
    if (s.isMap()) out << " : " << keyText(s.data, f);
  }
  out << "\n";
  if (s.size) out << "\t\tsize " << s.size << "\n";
  std::string flags;
  if (s.interval) flags += "interval";
  if (s.dynamic) flags += std::string(flags.empty() ? "" : ",") + "dynamic";
  if (s.timeoutSeconds) flags += std::string(flags.empty() ? "" : ",") + "timeout";
  if (!flags.empty()) out << "\t\tflags " << flags << "\n";
  if (s.timeoutSeconds) out << "\t\ttimeout " << s.timeoutSeconds << "s\n";
  if (!s.comment.empty()) out << "\t\tcomment " << quoted(s.comment) << "\n";
  if (!s.elements.empty()) {
    out << "\t\telements = {\n";
    for (size_t i = 0; i < s.elements.size(); ++i) {
      const Element& e = s.elements[i];
      out << "\t\t\t" << valuesText(e.key);
      if (!e.comment.empty()) out << " comment " << quoted(e.comment);
      if (s.isMap()) out << " : " << valuesText(e.data);
      out << (i + 1 < s.elements.size() ? ",\n" : "\n");
    }
    out << "\t\t}\n";
  }
  out << "\t}\n";
}

}  // namespace

std::string renderRule(const Rule& rule, IpFamily family) {
  std::string out;
  for (const auto& m : rule.matches) {
    if (!out.empty()) out += " ";
    out += matchText(m, family);
  }
  for (const auto& s : rule.statements) {
    if (!out.empty()) out += " ";
    out += statementText(s, family);
  }
  if (!rule.comment.empty()) out += " comment " + quoted(rule.comment);
  return out;
}

std::string renderTable(const Table& t) {
  std::ostringstream out;
  out << "table " << familyKeyword(t.family) << " " << t.name << " {\n";
  bool first = true;
  for (const auto& s : t.sets) {
    if (!first) out << "\n";
    first = false;
    renderSet(out, s, t.family);
  }
  for (const auto& c : t.chains) {
    if (!first) out << "\n";
    first = false;
    out << "\tchain " << c.name << " {\n";
    if (c.isBase) {
      out << "\t\ttype " << (c.hook.type == Hook::Type::kNat ? "nat" : "filter") << " hook "
          << hookName(c.hook.point) << " priority " << c.hook.priority << "; policy accept;\n";
    }
    if (!c.comment.empty()) out << "\t\tcomment " << quoted(c.comment) << "\n";
    for (const auto& r : c.rules) out << "\t\t" << renderRule(r, t.family) << "\n";
    out << "\t}\n";
  }
  out << "}\n";
  return out.str();
}

std::string renderNft(const RuleModel& model) {
  std::ostringstream out;
  out << "# edgeway service proxy: generated, do not edit\n";
  for (const auto& t : model.tables) {
    out << "add table " << familyKeyword(t.family) << " " << t.name << "\n";
    out << "delete table " << familyKeyword(t.family) << " " << t.name << "\n";
  }
  for (const auto& t : model.tables) out << renderTable(t);
  return out.str();
}

}  // namespace edgeway::netstack
