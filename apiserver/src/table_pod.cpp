// Pod rows: NAME READY STATUS RESTARTS AGE [IP NODE NOMINATED-NODE READINESS-GATES].
// STATUS is not the phase: like kubectl on a real cluster it names what the containers are
// doing (ContainerCreating, CrashLoopBackOff, Init:0/1, Completed, Terminating, ...).

#include <map>
#include <nlohmann/json.hpp>

#include "apiserver/src/json_fields.h"
#include "apiserver/src/tables.h"
#include "base/clock.h"

namespace edgeway::apiserver::tables {
namespace {

using nlohmann::json;

// Sidecars: init containers with restartPolicy Always keep running beside the main ones and
// count toward READY.
bool isSidecar(const json* container) {
  return container && fields::str(*container, {"restartPolicy"}) == "Always";
}

bool conditionTrue(const json& pod, const char* type) {
  for (const auto& c : fields::array(pod, {"status", "conditions"})) {
    if (fields::str(c, {"type"}) == type) return fields::str(c, {"status"}) == "True";
  }
  return false;
}

// What a terminated container's state reads as when it carries no reason.
std::string terminatedReason(const json& terminated, const char* prefix) {
  std::string reason = fields::str(terminated, {"reason"});
  if (!reason.empty()) return prefix + reason;
  long long signal = fields::integer(terminated, {"signal"});
  if (signal != 0) return std::string(prefix) + "Signal:" + std::to_string(signal);
  return std::string(prefix) + "ExitCode:" + std::to_string(fields::integer(terminated, {"exitCode"}));
}

// Tracks the latest lastState.terminated.finishedAt among a set of containers.
struct LastRestart {
  std::optional<std::time_t> at;
  void see(const json& status) {
    const json* finished = fields::find(status, {"lastState", "terminated", "finishedAt"});
    if (!finished || !finished->is_string()) return;
    auto t = clock::parseRfc3339(finished->get_ref<const std::string&>());
    if (t && (!at || *t > *at)) at = t;
  }
};

struct PodSummary {
  int ready = 0;
  int total = 0;
  std::string status;
  long long restarts = 0;
  LastRestart lastRestart;
};

PodSummary summarize(const json& pod) {
  PodSummary s;
  const json& status = fields::object(pod, {"status"});
  std::string phase = fields::str(status, {"phase"});
  s.status = fields::str(status, {"reason"}).empty() ? phase : fields::str(status, {"reason"});
  for (const auto& c : fields::array(status, {"conditions"})) {
    if (fields::str(c, {"type"}) == "PodScheduled" && fields::str(c, {"reason"}) == "SchedulingGated") {
      s.status = "SchedulingGated";
    }
  }

  std::map<std::string, const json*> initSpecs;
  const json& initContainers = fields::array(pod, {"spec", "initContainers"});
  for (const auto& c : initContainers) {
    initSpecs[fields::str(c, {"name"})] = &c;
    if (isSidecar(&c)) ++s.total;
  }
  s.total += static_cast<int>(fields::array(pod, {"spec", "containers"}).size());

  long long sidecarRestarts = 0;
  LastRestart sidecarLastRestart;
  bool initializing = false;
  const json& initStatuses = fields::array(status, {"initContainerStatuses"});
  for (size_t i = 0; i < initStatuses.size(); ++i) {
    const json& cs = initStatuses[i];
    auto spec = initSpecs.find(fields::str(cs, {"name"}));
    bool sidecar = spec != initSpecs.end() && isSidecar(spec->second);
    s.restarts += fields::integer(cs, {"restartCount"});
    s.lastRestart.see(cs);
    if (sidecar) {
      sidecarRestarts += fields::integer(cs, {"restartCount"});
      sidecarLastRestart.see(cs);
    }
    const json* terminated = fields::find(cs, {"state", "terminated"});
    std::string waitingReason = fields::str(cs, {"state", "waiting", "reason"});
    if (terminated && fields::integer(*terminated, {"exitCode"}) == 0) continue;
    if (sidecar && fields::boolean(cs, {"started"})) {
      if (fields::boolean(cs, {"ready"})) ++s.ready;
      continue;
    }
    if (terminated) {
      s.status = terminatedReason(*terminated, "Init:");
    } else if (!waitingReason.empty() && waitingReason != "PodInitializing") {
      s.status = "Init:" + waitingReason;
    } else {
      s.status = "Init:" + std::to_string(i) + "/" + std::to_string(initContainers.size());
    }
    initializing = true;
    break;
  }

  if (!initializing || conditionTrue(pod, "Initialized")) {
    s.restarts = sidecarRestarts;
    s.lastRestart = sidecarLastRestart;
    bool hasRunning = false;
    const json& statuses = fields::array(status, {"containerStatuses"});
    // Walk backwards so the first container's state wins, as kubectl shows it.
    for (auto it = statuses.rbegin(); it != statuses.rend(); ++it) {
      const json& cs = *it;
      s.restarts += fields::integer(cs, {"restartCount"});
      s.lastRestart.see(cs);
      std::string waitingReason = fields::str(cs, {"state", "waiting", "reason"});
      const json* terminated = fields::find(cs, {"state", "terminated"});
      if (!waitingReason.empty()) {
        s.status = waitingReason;
      } else if (terminated && terminated->is_object()) {
        s.status = terminatedReason(*terminated, "");
      } else if (fields::boolean(cs, {"ready"}) && fields::has(cs, {"state", "running"})) {
        hasRunning = true;
        ++s.ready;
      }
    }
    // Some containers finished but one still runs: the pod is still up.
    if (s.status == "Completed" && hasRunning) {
      s.status = conditionTrue(pod, "Ready") ? "Running" : "NotReady";
    }
  }

  if (fields::has(pod, {"metadata", "deletionTimestamp"})) {
    if (fields::str(status, {"reason"}) == "NodeLost") {
      s.status = "Unknown";
    } else if (phase != "Succeeded" && phase != "Failed") {
      s.status = "Terminating";
    }
  }
  return s;
}

std::string orNone(std::string s) { return s.empty() ? "<none>" : s; }

json cells(const json& pod, std::time_t now) {
  PodSummary s = summarize(pod);
  std::string restarts = std::to_string(s.restarts);
  if (s.restarts != 0 && s.lastRestart.at) {
    restarts += " (" + humanDuration(static_cast<long long>(now - *s.lastRestart.at)) + " ago)";
  }

  // podIPs is authoritative; podIP is its first element in older clients' objects.
  std::string podIp;
  const json& podIps = fields::array(pod, {"status", "podIPs"});
  podIp = podIps.empty() ? fields::str(pod, {"status", "podIP"}) : fields::str(podIps[0], {"ip"});

  std::string gates = "<none>";
  const json& readinessGates = fields::array(pod, {"spec", "readinessGates"});
  if (!readinessGates.empty()) {
    int trueCount = 0;
    for (const auto& g : readinessGates) {
      if (conditionTrue(pod, fields::str(g, {"conditionType"}).c_str())) ++trueCount;
    }
    gates = std::to_string(trueCount) + "/" + std::to_string(readinessGates.size());
  }

  return json::array({fields::str(pod, {"metadata", "name"}),
                      std::to_string(s.ready) + "/" + std::to_string(s.total), s.status, restarts,
                      age(pod, now), orNone(podIp), orNone(fields::str(pod, {"spec", "nodeName"})),
                      orNone(fields::str(pod, {"status", "nominatedNodeName"})), gates});
}

}  // namespace

TableConvertor podTable() {
  return TableConvertor{
      {nameColumn(), column("Ready", "Ready containers out of all containers of the pod."),
       column("Status", "What the pod's containers are doing."),
       column("Restarts", "Container restarts, and how long ago the last one was."), ageColumn(),
       column("IP", "The pod's primary IP address.", 1), column("Node", "The node the pod is bound to.", 1),
       column("Nominated Node", "The node the scheduler nominated for the pod after preemption.", 1),
       column("Readiness Gates", "Readiness gates whose condition is true, out of all of them.", 1)},
      cells};
}

}  // namespace edgeway::apiserver::tables
