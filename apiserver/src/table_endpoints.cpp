// Endpoints rows (NAME ENDPOINTS AGE) and EndpointSlice rows (NAME ADDRESSTYPE PORTS ENDPOINTS
// AGE). Both list at most three entries, then " + N more...".

#include <nlohmann/json.hpp>

#include "apiserver/src/json_fields.h"
#include "apiserver/src/tables.h"

namespace edgeway::apiserver::tables {
namespace {

using nlohmann::json;

constexpr size_t kMaxShown = 3;

// Collects the first kMaxShown entries and counts the rest.
class ShortList {
 public:
  void add(const std::string& item) {
    if (shown_.size() < kMaxShown) shown_.push_back(item);
    ++count_;
  }
  size_t count() const { return count_; }
  // `empty` is what an empty list prints as.
  std::string str(const char* empty) const {
    if (count_ == 0) return empty;
    std::string out = join(shown_, ",");
    if (count_ > kMaxShown) out += " + " + std::to_string(count_ - kMaxShown) + " more...";
    return out;
  }

 private:
  std::vector<std::string> shown_;
  size_t count_ = 0;
};

std::string hostPort(const std::string& ip, long long port) {
  std::string host = ip.find(':') != std::string::npos ? "[" + ip + "]" : ip;
  return host + ":" + std::to_string(port);
}

json endpointsCells(const json& ep, std::time_t now) {
  ShortList list;
  for (const auto& subset : fields::array(ep, {"subsets"})) {
    const json& addresses = fields::array(subset, {"addresses"});
    const json& ports = fields::array(subset, {"ports"});
    if (ports.empty()) {  // headless Services may have no ports
      for (const auto& a : addresses) list.add(fields::str(a, {"ip"}));
      continue;
    }
    for (const auto& p : ports) {
      for (const auto& a : addresses) {
        list.add(hostPort(fields::str(a, {"ip"}), fields::integer(p, {"port"})));
      }
    }
  }
  // An Endpoints with subsets that hold only not-ready addresses prints as empty, like kube.
  std::string endpoints = fields::array(ep, {"subsets"}).empty() ? "<none>" : list.str("");
  return json::array({fields::str(ep, {"metadata", "name"}), endpoints, age(ep, now)});
}

json endpointSliceCells(const json& slice, std::time_t now) {
  ShortList ports;
  for (const auto& p : fields::array(slice, {"ports"})) {
    if (fields::has(p, {"port"})) {
      ports.add(std::to_string(fields::integer(p, {"port"})));
    } else if (fields::has(p, {"name"})) {
      ports.add(fields::str(p, {"name"}));
    } else {
      ports.add("*");
    }
  }
  ShortList addresses;
  for (const auto& e : fields::array(slice, {"endpoints"})) {
    for (const auto& a : fields::array(e, {"addresses"})) {
      addresses.add(a.is_string() ? a.get<std::string>() : "");
    }
  }
  return json::array({fields::str(slice, {"metadata", "name"}), fields::str(slice, {"addressType"}),
                      ports.str("<unset>"), addresses.str("<unset>"), age(slice, now)});
}

}  // namespace

TableConvertor endpointsTable() {
  return TableConvertor{
      {nameColumn(), column("Endpoints", "Ready addresses and ports backing the Service."), ageColumn()},
      endpointsCells};
}

TableConvertor endpointSliceTable() {
  return TableConvertor{{nameColumn(), column("AddressType", "The type of addresses: IPv4, IPv6 or FQDN."),
                         column("Ports", "Ports exposed by the endpoints of this slice."),
                         column("Endpoints", "Addresses of the endpoints in this slice."), ageColumn()},
                        endpointSliceCells};
}

}  // namespace edgeway::apiserver::tables
