#include "api/node_view.h"

#include "api/src/view_reader.h"

namespace edgeway::api {
namespace {

using detail::ViewField;

bool endsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

void fill(const ViewField& root, NodeView& n) {
  detail::readObjectName(root, nullptr, n.name);
  n.labels = root["metadata"]["labels"].stringMap();
  ViewField spec = root["spec"];
  n.unschedulable = spec["unschedulable"].boolean();
  spec["podCIDRs"].forEach([&](const ViewField& f) { n.podCidrs.push_back(f.cidr()); });
  if (n.podCidrs.empty() && !spec["podCIDR"].string().empty()) n.podCidrs.push_back(spec["podCIDR"].cidr());
  ViewField status = root["status"];
  status["addresses"].forEach([&](const ViewField& f) {
    NodeAddress a;
    a.type = f["type"].string();
    a.address = f["address"].string();
    if (endsWith(a.type, "IP")) a.ip = f["address"].ip();
    n.addresses.push_back(std::move(a));
  });
  status["conditions"].forEach([&](const ViewField& c) {
    if (c["type"].string() == "Ready") n.ready = c["status"].string() == "True";
  });
}

}  // namespace

std::vector<IpAddress> NodeView::ipsOfType(std::string_view type) const {
  std::vector<IpAddress> out;
  for (const NodeAddress& a : addresses) {
    if (a.type == type && a.ip) out.push_back(*a.ip);
  }
  return out;
}

Result<NodeView> NodeView::parse(std::string_view json) {
  return detail::parseViewText<NodeView>("Node", json, fill);
}

Result<NodeView> NodeView::fromJson(const nlohmann::json& object) {
  return detail::parseView<NodeView>("Node", object, fill);
}

}  // namespace edgeway::api
