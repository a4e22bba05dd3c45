// Pods. edgeway runs no kubelet: Pods are records whose IPs (written through /status by an
// agent or a test) feed EndpointSlices. They still get kube's defaults and checks, start out
// Pending, and keep their spec fixed after creation except for the fields kube lets change.

#include <algorithm>
#include <set>

#include "apiserver/src/json_fields.h"
#include "apiserver/src/strategies.h"
#include "apiserver/src/strategy_support.h"

namespace edgeway::apiserver {
namespace {

using nlohmann::json;

// Image pull policy kube defaults to: Always for ":latest" or untagged images, unless pinned
// by digest.
std::string defaultPullPolicy(const std::string& image) {
  if (image.find('@') != std::string::npos) return "IfNotPresent";
  size_t slash = image.rfind('/');
  size_t colon = image.find(':', slash == std::string::npos ? 0 : slash);
  std::string tag = colon == std::string::npos ? "latest" : image.substr(colon + 1);
  return tag == "latest" ? "Always" : "IfNotPresent";
}

void setIfMissing(json& obj, const char* key, json value) {
  if (!obj.contains(key) || obj[key].is_null()) obj[key] = std::move(value);
}

void defaultContainer(json& c) {
  if (!c.is_object()) return;
  setIfMissing(c, "terminationMessagePath", "/dev/termination-log");
  setIfMissing(c, "terminationMessagePolicy", "File");
  setIfMissing(c, "imagePullPolicy", defaultPullPolicy(fields::str(c, {"image"})));
  setIfMissing(c, "resources", json::object());
  json& resources = c["resources"];
  // Requests default to the limits, which is what makes a pod with only limits Guaranteed.
  if (resources.is_object() && resources.contains("limits") && resources["limits"].is_object()) {
    for (const auto& [name, quantity] : resources["limits"].items()) {
      if (!fields::has(resources, {"requests", name.c_str()})) resources["requests"][name] = quantity;
    }
  }
  if (c.contains("ports") && c["ports"].is_array()) {
    for (auto& p : c["ports"]) {
      if (p.is_object()) setIfMissing(p, "protocol", "TCP");
    }
  }
}

void applyDefaults(json& pod) {
  if (!pod.is_object()) return;
  json& spec = pod["spec"];
  if (!spec.is_object()) return;
  setIfMissing(spec, "restartPolicy", "Always");
  setIfMissing(spec, "dnsPolicy", "ClusterFirst");
  setIfMissing(spec, "terminationGracePeriodSeconds", 30);
  setIfMissing(spec, "securityContext", json::object());
  setIfMissing(spec, "schedulerName", "default-scheduler");
  setIfMissing(spec, "enableServiceLinks", true);
  for (const char* list : {"containers", "initContainers"}) {
    if (spec.contains(list) && spec[list].is_array()) {
      for (auto& c : spec[list]) defaultContainer(c);
    }
  }
}

// Best-effort pods request nothing; guaranteed pods have equal CPU and memory requests and
// limits in every container; the rest are burstable.
std::string qosClass(const json& pod) {
  bool any = false, guaranteed = true;
  for (const char* list : {"initContainers", "containers"}) {
    for (const auto& c : fields::array(pod, {"spec", list})) {
      const json& limits = fields::object(c, {"resources", "limits"});
      const json& requests = fields::object(c, {"resources", "requests"});
      for (const char* r : {"cpu", "memory"}) {
        auto nonZero = [&](const json& m) { return m.contains(r) && m[r] != "0" && m[r] != 0; };
        if (nonZero(limits) || nonZero(requests)) any = true;
        if (!limits.contains(r) || (requests.contains(r) && requests[r] != limits[r])) guaranteed = false;
      }
    }
  }
  if (!any) return "BestEffort";
  return guaranteed ? "Guaranteed" : "Burstable";
}

// status.podIPs is authoritative; status.podIP mirrors its first entry for older readers.
void syncPodIps(json& pod) {
  if (!pod.is_object() || !pod.contains("status") || !pod["status"].is_object()) return;
  json& status = pod["status"];
  std::string podIp = fields::str(status, {"podIP"});
  const json& podIps = fields::array(status, {"podIPs"});
  if (!podIps.empty()) {
    std::string first = fields::str(podIps[0], {"ip"});
    if (!first.empty()) status["podIP"] = first;
  } else if (!podIp.empty()) {
    status["podIPs"] = json::array({{{"ip", podIp}}});
  }
}

api::FieldErrors validatePorts(const json& container, const api::FieldPath& path) {
  api::FieldErrors errs;
  std::set<std::string> names;
  const json& ports = fields::array(container, {"ports"});
  for (size_t i = 0; i < ports.size(); ++i) {
    const json& p = ports[i];
    api::FieldPath portPath = path.index(i);
    std::string name = fields::str(p, {"name"});
    if (!name.empty()) {
      auto nameErrors = api::isValidPortName(name);
      if (!nameErrors.empty()) {
        support::appendInvalid(errs, portPath.child("name"), name, nameErrors);
      } else if (!names.insert(name).second) {
        errs.push_back(api::duplicate(portPath.child("name"), name));
      }
    }
    long long containerPort = fields::integer(p, {"containerPort"});
    if (containerPort == 0) {
      errs.push_back(api::required(portPath.child("containerPort")));
    } else {
      support::appendInvalid(errs, portPath.child("containerPort"), containerPort,
                             api::isValidPortNum(containerPort));
    }
    if (long long hostPort = fields::integer(p, {"hostPort"}); hostPort != 0) {
      support::appendInvalid(errs, portPath.child("hostPort"), hostPort, api::isValidPortNum(hostPort));
    }
    support::append(errs, support::validateProtocol(p, portPath.child("protocol")));
  }
  return errs;
}

api::FieldErrors validateContainer(const json& c, std::set<std::string>& names, const api::FieldPath& path) {
  api::FieldErrors errs;
  std::string name = fields::str(c, {"name"});
  if (name.empty()) {
    errs.push_back(api::required(path.child("name")));
  } else {
    support::appendInvalid(errs, path.child("name"), name, api::isDns1123Label(name));
    if (!names.insert(name).second) errs.push_back(api::duplicate(path.child("name"), name));
  }
  std::string image = fields::str(c, {"image"});
  if (image.empty()) {
    errs.push_back(api::required(path.child("image")));
  } else if (image.find_first_of(" \t\n\r") == 0 || image.find_last_of(" \t\n\r") == image.size() - 1) {
    errs.push_back(api::invalid(path.child("image"), image, "must not have leading or trailing whitespace"));
  }
  std::string pull = fields::str(c, {"imagePullPolicy"});
  if (pull.empty()) {
    errs.push_back(api::required(path.child("imagePullPolicy")));
  } else if (pull != "Always" && pull != "IfNotPresent" && pull != "Never") {
    errs.push_back(
        api::notSupported(path.child("imagePullPolicy"), pull, {"Always", "IfNotPresent", "Never"}));
  }
  support::append(errs, validatePorts(c, path.child("ports")));
  return errs;
}

api::FieldErrors validateSpec(const json& pod) {
  api::FieldErrors errs;
  const api::FieldPath spec("spec");
  std::set<std::string> names;
  const json& containers = fields::array(pod, {"spec", "containers"});
  if (containers.empty()) errs.push_back(api::required(spec.child("containers")));
  for (size_t i = 0; i < containers.size(); ++i) {
    support::append(errs, validateContainer(containers[i], names, spec.child("containers").index(i)));
  }
  const json& inits = fields::array(pod, {"spec", "initContainers"});
  for (size_t i = 0; i < inits.size(); ++i) {
    support::append(errs, validateContainer(inits[i], names, spec.child("initContainers").index(i)));
  }

  std::string restart = fields::str(pod, {"spec", "restartPolicy"});
  if (restart.empty()) {
    errs.push_back(api::required(spec.child("restartPolicy")));
  } else if (restart != "Always" && restart != "OnFailure" && restart != "Never") {
    errs.push_back(api::notSupported(spec.child("restartPolicy"), restart, {"Always", "OnFailure", "Never"}));
  }
  std::string dns = fields::str(pod, {"spec", "dnsPolicy"});
  if (dns.empty()) {
    errs.push_back(api::required(spec.child("dnsPolicy")));
  } else if (dns != "ClusterFirst" && dns != "ClusterFirstWithHostNet" && dns != "Default" && dns != "None") {
    errs.push_back(api::notSupported(spec.child("dnsPolicy"), dns,
                                     {"ClusterFirst", "ClusterFirstWithHostNet", "Default", "None"}));
  }
  if (std::string node = fields::str(pod, {"spec", "nodeName"}); !node.empty()) {
    support::appendInvalid(errs, spec.child("nodeName"), node, api::isDns1123Subdomain(node));
  }
  return errs;
}

// The spec with the fields an update may change replaced by the old values, so what remains
// must be equal.
json mungeUpdatable(json spec, const json& old) {
  for (const char* list : {"containers", "initContainers"}) {
    const json& oldList = fields::array(old, {list});
    if (!spec.contains(list) || !spec[list].is_array() || spec[list].size() != oldList.size()) continue;
    for (size_t i = 0; i < oldList.size(); ++i) {
      if (!spec[list][i].is_object()) continue;
      if (const json* image = fields::find(oldList[i], {"image"})) {
        spec[list][i]["image"] = *image;
      } else {
        spec[list][i].erase("image");
      }
    }
  }
  if (const json* deadline = fields::find(old, {"activeDeadlineSeconds"})) {
    spec["activeDeadlineSeconds"] = *deadline;
  } else {
    spec.erase("activeDeadlineSeconds");
  }
  // Tolerations may only be added to.
  const json& oldTolerations = fields::array(old, {"tolerations"});
  const json& newTolerations = fields::array(spec, {"tolerations"});
  bool onlyAdded = std::all_of(oldTolerations.begin(), oldTolerations.end(), [&](const json& t) {
    return std::find(newTolerations.begin(), newTolerations.end(), t) != newTolerations.end();
  });
  if (onlyAdded) {
    if (old.contains("tolerations")) {
      spec["tolerations"] = old["tolerations"];
    } else {
      spec.erase("tolerations");
    }
  }
  return spec;
}

class PodStrategy : public Strategy {
 public:
  void prepareForCreate(json& pod) const override {
    applyDefaults(pod);
    if (pod.is_object()) pod["status"] = {{"phase", "Pending"}, {"qosClass", qosClass(pod)}};
  }

  api::FieldErrors validate(const json& pod) const override {
    api::FieldErrors errs =
        api::validateObjectMeta(support::metadataOf(pod), true, api::NameRule::kDns1123Subdomain);
    support::append(errs, validateSpec(pod));
    return errs;
  }

  void prepareForUpdate(json& pod, const json& old) const override {
    Strategy::prepareForUpdate(pod, old);  // keeps status
    applyDefaults(pod);
  }

  api::FieldErrors validateUpdate(const json& pod, const json& old) const override {
    api::FieldErrors errs = api::validateObjectMetaUpdate(support::metadataOf(pod), support::metadataOf(old));
    support::append(errs, validateSpec(pod));
    const json& spec = fields::object(pod, {"spec"});
    const json& oldSpec = fields::object(old, {"spec"});
    json munged = mungeUpdatable(spec, oldSpec);
    if (munged != oldSpec) {
      std::string changed;
      for (const auto& [key, value] : munged.items()) {
        if (!oldSpec.contains(key) || oldSpec[key] != value) changed += (changed.empty() ? "" : ", ") + key;
      }
      for (const auto& [key, value] : oldSpec.items()) {
        if (!munged.contains(key)) changed += (changed.empty() ? "" : ", ") + key;
      }
      errs.push_back(api::forbidden(
          api::FieldPath("spec"),
          "pod updates may not change fields other than `spec.containers[*].image`,"
          "`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,"
          "`spec.tolerations` (only additions to existing tolerations),"
          "`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)\n"
          "changed: " +
              changed));
    }
    return errs;
  }

  void canonicalize(json& pod) const override { syncPodIps(pod); }

  void prepareForStatusUpdate(json& pod, const json& old) const override {
    Strategy::prepareForStatusUpdate(pod, old);
    syncPodIps(pod);
  }

  api::FieldErrors validateStatusUpdate(const json& pod, const json& old) const override {
    api::FieldErrors errs = api::validateObjectMetaUpdate(support::metadataOf(pod), support::metadataOf(old));
    const json& podIps = fields::array(pod, {"status", "podIPs"});
    for (size_t i = 0; i < podIps.size(); ++i) {
      std::string ip = fields::str(podIps[i], {"ip"});
      support::appendInvalid(errs, api::FieldPath("status.podIPs").index(i), ip, api::isValidIp(ip));
    }
    return errs;
  }
};

}  // namespace

std::unique_ptr<Strategy> makePodStrategy() { return std::make_unique<PodStrategy>(); }

}  // namespace edgeway::apiserver
