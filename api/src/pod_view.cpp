#include "api/pod_view.h"

#include "api/src/view_reader.h"

namespace edgeway::api {
namespace {

using detail::ViewField;

void readPorts(const ViewField& container, PodView& p) {
  container["ports"].forEach([&](const ViewField& f) {
    ContainerPort port;
    port.name = f["name"].string();
    port.containerPort = f["containerPort"].integerIn(1, 65535);
    port.protocol = f["protocol"].protocol();
    p.containerPorts.push_back(std::move(port));
  });
}

// True when conditions hold {type: <type>, status: "True"}.
bool conditionTrue(const ViewField& conditions, const char* type) {
  bool found = false;
  conditions.forEach([&](const ViewField& c) {
    if (c["type"].string() == type) found = c["status"].string() == "True";
  });
  return found;
}

void fill(const ViewField& root, PodView& p) {
  detail::readObjectName(root, &p.ns, p.name);
  ViewField meta = root["metadata"];
  p.uid = meta["uid"].string();
  p.labels = meta["labels"].stringMap();
  p.deleting = !meta["deletionTimestamp"].absent();
  ViewField spec = root["spec"];
  p.nodeName = spec["nodeName"].string();
  p.hostname = spec["hostname"].string();
  p.subdomain = spec["subdomain"].string();
  spec["containers"].forEach([&](const ViewField& c) { readPorts(c, p); });
  spec["initContainers"].forEach([&](const ViewField& c) {
    if (c["restartPolicy"].string() == "Always") readPorts(c, p);
  });
  ViewField status = root["status"];
  p.phase = status["phase"].string();
  p.ready = conditionTrue(status["conditions"], "Ready");
  status["podIPs"].forEach([&](const ViewField& f) { p.podIps.push_back(f["ip"].ip()); });
  if (p.podIps.empty() && !status["podIP"].string().empty()) p.podIps.push_back(status["podIP"].ip());
}

}  // namespace

Result<PodView> PodView::parse(std::string_view json) {
  return detail::parseViewText<PodView>("Pod", json, fill);
}

Result<PodView> PodView::fromJson(const nlohmann::json& object) {
  return detail::parseView<PodView>("Pod", object, fill);
}

}  // namespace edgeway::api
