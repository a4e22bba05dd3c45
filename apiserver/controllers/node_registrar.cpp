#include "apiserver/controllers/node_registrar.h"

#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <future>
#include <nlohmann/json.hpp>

#include "apiserver/registry.h"
#include "base/clock.h"
#include "base/log.h"

namespace edgeway::apiserver::controllers {

using nlohmann::json;

namespace {

constexpr const char* kManager = "edgeway-node";

std::string firstLine(const char* path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  return line;
}

// PRETTY_NAME from os-release, unquoted; "Linux" when there is none.
std::string osImage() {
  for (const char* path : {"/etc/os-release", "/usr/lib/os-release"}) {
    std::ifstream in(path);
    std::string line;
    while (std::getline(in, line)) {
      if (line.rfind("PRETTY_NAME=", 0) != 0) continue;
      std::string value = line.substr(12);
      if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') &&
          value.back() == value.front()) {
        value = value.substr(1, value.size() - 2);
      }
      return value;
    }
  }
  return "Linux";
}

// Go's GOARCH names, which is what Kubernetes reports.
std::string goArch(const std::string& machine) {
  if (machine == "x86_64") return "amd64";
  if (machine == "aarch64" || machine == "arm64") return "arm64";
  if (machine.rfind("armv", 0) == 0) return "arm";
  if (machine == "i686" || machine == "i386") return "386";
  return machine;
}

std::string hostName() {
  char buf[256] = {};
  if (gethostname(buf, sizeof(buf) - 1) != 0) return "localhost";
  std::string name(buf);
  std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
  return name.empty() ? "localhost" : name;
}

// Runs a registry verb from this thread and waits for its outcome (never a store thread,
// so waiting is safe).
template <typename Call>
Outcome await(Call&& call) {
  auto promise = std::make_shared<std::promise<Outcome>>();
  auto future = promise->get_future();
  call([promise](Outcome out) { promise->set_value(std::move(out)); });
  return future.get();
}

}  // namespace

std::vector<IpAddress> NodeRegistrar::hostAddresses() {
  std::vector<IpAddress> out;
  ifaddrs* list = nullptr;
  if (getifaddrs(&list) != 0) return out;
  for (ifaddrs* a = list; a; a = a->ifa_next) {
    if (!a->ifa_addr || !(a->ifa_flags & IFF_UP) || (a->ifa_flags & IFF_LOOPBACK)) continue;
    std::optional<IpAddress> ip;
    if (a->ifa_addr->sa_family == AF_INET) {
      const auto* sin = reinterpret_cast<const sockaddr_in*>(a->ifa_addr);
      ip = IpAddress::v4(ntohl(sin->sin_addr.s_addr));
    } else if (a->ifa_addr->sa_family == AF_INET6) {
      const auto* sin6 = reinterpret_cast<const sockaddr_in6*>(a->ifa_addr);
      std::array<uint8_t, 16> bytes{};
      std::copy(sin6->sin6_addr.s6_addr, sin6->sin6_addr.s6_addr + 16, bytes.begin());
      ip = IpAddress::v6(bytes);
    }
    // Link-local addresses are per link and need a zone: useless as a node address.
    if (!ip || ip->isLoopback() || ip->isLinkLocalUnicast() || ip->isUnspecified()) continue;
    if (std::find(out.begin(), out.end(), *ip) == out.end()) out.push_back(*ip);
  }
  freeifaddrs(list);
  std::stable_sort(out.begin(), out.end(),
                   [](const IpAddress& a, const IpAddress& b) { return a.isV4() && b.isV6(); });
  return out;
}

Result<std::unique_ptr<NodeRegistrar>> NodeRegistrar::create(Registry& registry,
                                                             NodeRegistrarOptions options) {
  std::vector<IpAddress> ips;
  for (const std::string& text : options.nodeIps) {
    auto ip = IpAddress::parse(text);
    if (!ip) return invalidArgument("invalid --node-ip \"" + text + "\": " + ip.status().message());
    for (const IpAddress& have : ips) {
      if (have.family() == ip->family())
        return invalidArgument("--node-ip takes at most one address per family");
    }
    ips.push_back(*ip);
  }
  std::vector<std::string> cidrs;
  for (const std::string& text : options.clusterCidrs) {
    auto cidr = Cidr::parse(text);
    if (!cidr) return invalidArgument("invalid --cluster-cidr \"" + text + "\": " + cidr.status().message());
    cidrs.push_back(cidr->toString());
  }
  std::string hostname = hostName();
  std::string name = options.nodeName.empty() ? hostname : options.nodeName;
  if (!options.interfaceAddresses) options.interfaceAddresses = &NodeRegistrar::hostAddresses;
  return std::unique_ptr<NodeRegistrar>(new NodeRegistrar(
      registry, std::move(options), std::move(name), std::move(hostname), std::move(ips), std::move(cidrs)));
}

NodeRegistrar::NodeRegistrar(Registry& registry, NodeRegistrarOptions options, std::string name,
                             std::string hostname, std::vector<IpAddress> fixedIps,
                             std::vector<std::string> podCidrs)
    : registry_(registry),
      options_(std::move(options)),
      name_(std::move(name)),
      hostname_(std::move(hostname)),
      fixedIps_(std::move(fixedIps)),
      podCidrs_(std::move(podCidrs)),
      nodes_(registry.catalog().find("", "v1", "nodes")) {}

NodeRegistrar::~NodeRegistrar() { stop(); }

void NodeRegistrar::start() {
  if (started_) return;
  started_ = true;
  executor_.start();
  executor_.post([this] { beat(); });
}

void NodeRegistrar::stop() {
  if (!started_) return;
  started_ = false;
  executor_.stop();
}

std::vector<IpAddress> NodeRegistrar::addresses() const {
  return fixedIps_.empty() ? options_.interfaceAddresses() : fixedIps_;
}

void NodeRegistrar::beat() {
  Status s = sync();
  if (!s.isOk()) log::warn("node ", name_, ": ", s.message());
  executor_.postAfter(options_.heartbeat, [this] { beat(); });
}

Status NodeRegistrar::sync() {
  std::time_t now = clock::nowSeconds();
  if (readySince_ == 0) readySince_ = now;

  json nodeAddresses = json::array();
  for (const IpAddress& ip : addresses())
    nodeAddresses.push_back({{"type", "InternalIP"}, {"address", ip.toString()}});
  nodeAddresses.push_back({{"type", "Hostname"}, {"address", hostname_}});

  utsname uts{};
  uname(&uts);
  json status = {{"addresses", nodeAddresses},
                 {"conditions", json::array({{{"type", "Ready"},
                                              {"status", "True"},
                                              {"reason", "KubeletReady"},
                                              {"message", "edgeway is posting ready status"},
                                              {"lastHeartbeatTime", clock::formatRfc3339(now)},
                                              {"lastTransitionTime", clock::formatRfc3339(readySince_)}}})},
                 {"nodeInfo",
                  {{"machineID", firstLine("/etc/machine-id")},
                   {"systemUUID", ""},
                   {"bootID", firstLine("/proc/sys/kernel/random/boot_id")},
                   {"kernelVersion", uts.release},
                   {"osImage", osImage()},
                   {"containerRuntimeVersion", ""},
                   {"kubeletVersion", "v1.32.0-edgeway"},
                   {"kubeProxyVersion", "v1.32.0-edgeway"},
                   {"operatingSystem", "linux"},
                   {"architecture", goArch(uts.machine)}}}};
  json labels = {{"node-role.kubernetes.io/control-plane", ""},
                 {"kubernetes.io/hostname", hostname_},
                 {"kubernetes.io/os", "linux"},
                 {"kubernetes.io/arch", goArch(uts.machine)}};

  Outcome current = registry_.get(*nodes_, "", name_);
  if (!current.ok() && current.error->code != 404)
    return internalError("reading the Node: " + current.error->message);
  WriteOptions opts;
  opts.fieldManager = kManager;
  if (!current.ok()) {
    json node = {{"apiVersion", "v1"},
                 {"kind", "Node"},
                 {"metadata", {{"name", name_}, {"labels", labels}}},
                 {"spec", json::object()},
                 {"status", status}};
    if (!podCidrs_.empty()) node["spec"]["podCIDRs"] = podCidrs_;
    Outcome created =
        await([&](Done done) { registry_.create(*nodes_, "", std::move(node), opts, std::move(done)); });
    if (created.ok()) {
      log::info("node ", name_, " registered");
      return Status::ok();
    }
    if (created.error->code != 409) return internalError("registering the Node: " + created.error->message);
    // Created meanwhile by someone else: fall through to update it.
    current = registry_.get(*nodes_, "", name_);
    if (!current.ok()) return internalError("reading the Node: " + current.error->message);
  }

  // Labels and pod CIDRs are added, never taken away: a user may have changed the rest, and
  // pod CIDRs cannot change once set.
  json stored = json::parse(current.object, nullptr, false);
  json specPatch = json::object();
  json labelPatch = json::object();
  const json& have = stored.is_object()
                         ? stored.value("metadata", json::object()).value("labels", json::object())
                         : json::object();
  for (auto& [k, v] : labels.items()) {
    if (!have.contains(k)) labelPatch[k] = v;
  }
  bool hasCidrs = stored.is_object() && stored.contains("spec") && stored["spec"].is_object() &&
                  stored["spec"].contains("podCIDRs") && !stored["spec"]["podCIDRs"].empty();
  if (!hasCidrs && !podCidrs_.empty()) specPatch["podCIDRs"] = podCidrs_;
  if (!labelPatch.empty() || !specPatch.empty()) {
    json patch = json::object();
    if (!labelPatch.empty()) patch["metadata"]["labels"] = labelPatch;
    if (!specPatch.empty()) patch["spec"] = specPatch;
    Outcome patched = await([&](Done done) {
      registry_.patch(*nodes_, "", name_, PatchType::kMergePatch, std::move(patch), opts, std::move(done));
    });
    if (!patched.ok()) return internalError("updating the Node: " + patched.error->message);
  }

  WriteOptions statusOpts = opts;
  statusOpts.status = true;
  json statusPatch = {{"status", status}};
  Outcome written = await([&](Done done) {
    registry_.patch(*nodes_, "", name_, PatchType::kMergePatch, std::move(statusPatch), statusOpts,
                    std::move(done));
  });
  if (!written.ok()) return internalError("updating the Node status: " + written.error->message);
  return Status::ok();
}

}  // namespace edgeway::apiserver::controllers
