#pragma once
// Test helper: DNS records written as zone-file text, one per line,
//   "web.default.svc.cluster.local. 5 IN A 10.43.0.10"
// parsed into dns::Record, and record lists compared order-insensitively. Both sides are
// printed with dns::recordText, so spacing in the expectations does not matter and a
// failure shows the two lists as a zone file would.
//
// Supports the types the cluster zone serves: A, AAAA, CNAME, PTR, NS, SOA, SRV, TXT.

#include <gtest/gtest.h>

#include <algorithm>
#include <initializer_list>
#include <sstream>
#include <string>
#include <vector>

#include "dns/message.h"

namespace edgeway::dns::testing {

inline std::string absoluteToCanonical(std::string name) {
  if (!name.empty() && name.back() == '.') name.pop_back();
  return name;
}

// Parses one zone-file line; a failed assertion (and an empty record) on anything else.
inline Record parseRecordText(const std::string& line) {
  std::istringstream in(line);
  std::string name, typeText, cls;
  uint32_t ttl = 0;
  Record r;
  if (!(in >> name >> ttl >> cls >> typeText) || cls != "IN") {
    ADD_FAILURE() << "not a zone-file record: " << line;
    return r;
  }
  r.name = absoluteToCanonical(name);
  r.ttl = ttl;
  auto fail = [&]() {
    ADD_FAILURE() << "bad rdata: " << line;
    return Record{};
  };
  if (typeText == "A" || typeText == "AAAA") {
    std::string text;
    in >> text;
    auto ip = IpAddress::parse(text);
    if (!ip.isOk()) return fail();
    r.type = typeText == "A" ? Type::kA : Type::kAAAA;
    r.data = *ip;
  } else if (typeText == "CNAME" || typeText == "PTR" || typeText == "NS") {
    std::string target;
    if (!(in >> target)) return fail();
    r.type = typeText == "CNAME" ? Type::kCNAME : typeText == "PTR" ? Type::kPTR : Type::kNS;
    r.data = NameData{absoluteToCanonical(target)};
  } else if (typeText == "SOA") {
    SoaData soa;
    if (!(in >> soa.mname >> soa.rname >> soa.serial >> soa.refresh >> soa.retry >> soa.expire >>
          soa.minimum))
      return fail();
    soa.mname = absoluteToCanonical(soa.mname);
    soa.rname = absoluteToCanonical(soa.rname);
    r.type = Type::kSOA;
    r.data = soa;
  } else if (typeText == "SRV") {
    SrvData srv;
    std::string target;
    if (!(in >> srv.priority >> srv.weight >> srv.port >> target)) return fail();
    srv.target = absoluteToCanonical(target);
    r.type = Type::kSRV;
    r.data = srv;
  } else if (typeText == "TXT") {
    TxtData txt;
    std::string rest;
    std::getline(in, rest);
    for (size_t i = 0; (i = rest.find('"', i)) != std::string::npos;) {
      size_t end = rest.find('"', i + 1);
      if (end == std::string::npos) return fail();
      txt.strings.push_back(rest.substr(i + 1, end - i - 1));
      i = end + 1;
    }
    r.type = Type::kTXT;
    r.data = txt;
  } else {
    return fail();
  }
  return r;
}

inline std::vector<std::string> sortedTexts(const std::vector<Record>& records) {
  std::vector<std::string> out;
  for (const auto& r : records) out.push_back(recordText(r));
  std::sort(out.begin(), out.end());
  return out;
}

inline std::vector<Record> parseRecords(const std::vector<std::string>& lines) {
  std::vector<Record> out;
  for (const auto& line : lines) out.push_back(parseRecordText(line));
  return out;
}

inline std::string joinLines(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) out += "  " + l + "\n";
  return out.empty() ? "  (none)\n" : out;
}

// Order-insensitive comparison of a section with its expected zone-file lines.
inline ::testing::AssertionResult sameRecords(const std::vector<Record>& actual,
                                              const std::vector<std::string>& expected) {
  auto a = sortedTexts(actual);
  auto e = sortedTexts(parseRecords(expected));
  if (a == e) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "\nexpected:\n" << joinLines(e) << "actual:\n" << joinLines(a);
}

}  // namespace edgeway::dns::testing
