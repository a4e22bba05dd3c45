// edgeway_proxy_sync_bench: programs service-proxy models into the kernel through the real
// netlink backend, inside a network namespace it creates (`ip netns add
// edgeway-bench-<pid>`, deleted at exit), and prints how long syncs take.
//
//   sudo build/edgeway_proxy_sync_bench [changes=200]
//   sudo build/edgeway_proxy_sync_bench [--changes N] [--sizes 100,1000,10000] [--cluster-ip-only]
//                                      [--netns NAME] [--load N] [--tsv]
//
// Flags (for bench/proxy/run.sh): --sizes picks the Service counts; --cluster-ip-only makes
// every Service ClusterIP (no NodePorts), as bench/proxy/gen_rules.py writes its rulesets;
// --netns enters an existing namespace instead of creating one (it is left in place);
// --load N programs N Services with one full sync, leaves the tables in the namespace and
// exits (connect-latency runs); --tsv prints tab-separated rows
// (operation, services, median ms, p99-or-max ms) instead of the table.
//
// Rows: full sync (one atomic replacement of an empty table) of 100 / 1,000 / 10,000
// ClusterIP+NodePort Services x 3 endpoints, and the whole-snapshot model build; then, with
// 100 and 10,000 Services present, one Service added and one endpoint changed, `changes`
// times each, as the proxy does it: RuleTracker::update with the Snapshot's changes, then
// NftSyncer::sync(tracker) (diff + encode + kernel commit). Median and p99 of the two
// together, of the tracker update alone and of the kernel commit alone.

#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "api/endpoint_slice_view.h"
#include "api/service_view.h"
#include "cache/snapshot.h"
#include "cache/snapshot_builder.h"
#include "netstack/nft_backend.h"
#include "netstack/nft_syncer.h"
#include "netstack/rule_model.h"
#include "netstack/rule_tracker.h"
#include "cache/changes.h"

using namespace edgeway;
using namespace edgeway::netstack;
using Clock = std::chrono::steady_clock;

namespace {

double ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

std::string ipv4(uint32_t v) {
  return std::to_string(v >> 24) + "." + std::to_string((v >> 16) & 255) + "." + std::to_string((v >> 8) & 255) + "." +
         std::to_string(v & 255);
}

bool clusterIpOnly = false;

cache::ServicePtr service(int i) {
  nlohmann::json j = {{"kind", "Service"},
                      {"apiVersion", "v1"},
                      {"metadata", {{"name", "svc-" + std::to_string(i)}, {"namespace", "scale"}}},
                      {"spec",
                       {{"type", "NodePort"},
                        {"clusterIP", ipv4(0x0a2b0000 + 1 + i)},
                        {"clusterIPs", {ipv4(0x0a2b0000 + 1 + i)}},
                        {"ports", {{{"name", "http"}, {"port", 80}, {"protocol", "TCP"}, {"targetPort", 8080},
                                    {"nodePort", 30000 + i % 2768}}}}}}};
  // NodePorts beyond the range would collide: only the first 2,768 Services get one.
  if (i >= 2768 || clusterIpOnly) j["spec"]["type"] = "ClusterIP", j["spec"]["ports"][0].erase("nodePort");
  auto v = api::ServiceView::parse(j.dump());
  if (!v.isOk()) std::abort();
  return std::make_shared<const api::ServiceView>(std::move(*v));
}

// A later `generation` moves the first endpoint to another address: one endpoint changed.
cache::EndpointSlicePtr endpoints(int i, int generation = 0) {
  nlohmann::json eps = nlohmann::json::array();
  for (int k = 0; k < 3; ++k) {
    uint32_t addr = 0x0a2a0000 + 3 * static_cast<uint32_t>(i) + k + 1 +
                    (k == 0 ? static_cast<uint32_t>(generation) * 0x100000 : 0);
    eps.push_back({{"addresses", {ipv4(addr)}},
                   {"nodeName", k == 0 ? "node-a" : "node-b"},
                   {"conditions", {{"ready", true}, {"serving", true}, {"terminating", false}}}});
  }
  nlohmann::json j = {{"kind", "EndpointSlice"},
                      {"apiVersion", "discovery.k8s.io/v1"},
                      {"metadata",
                       {{"name", "svc-" + std::to_string(i) + "-1"},
                        {"namespace", "scale"},
                        {"labels", {{"kubernetes.io/service-name", "svc-" + std::to_string(i)}}}}},
                      {"addressType", "IPv4"},
                      {"endpoints", eps},
                      {"ports", {{{"name", "http"}, {"port", 8080}, {"protocol", "TCP"}}}}};
  auto v = api::EndpointSliceView::parse(j.dump());
  if (!v.isOk()) std::abort();
  return std::make_shared<const api::EndpointSliceView>(std::move(*v));
}

NodeInfo node() {
  NodeInfo n;
  n.name = "node-a";
  n.addresses = {*IpAddress::parse("192.168.77.1")};
  n.clusterCidrs = {*Cidr::parse("10.42.0.0/16")};
  return n;
}

std::shared_ptr<const cache::Snapshot> snapshotOf(int services) {
  cache::SnapshotBuilder b{cache::Snapshot()};
  for (int i = 0; i < services; ++i) {
    b.put(service(i));
    b.put(endpoints(i));
  }
  return b.build(1, true);
}

// Times the kernel commit alone.
class TimedBackend : public NftBackend {
 public:
  explicit TimedBackend(NftBackend& inner) : inner_(inner) {}
  Status commit(const NftBatch& batch) override {
    auto t0 = Clock::now();
    Status s = inner_.commit(batch);
    last = Clock::now() - t0;
    return s;
  }
  Result<std::vector<Element>> listElements(IpFamily f, const std::string& t, const NamedSet& s) override {
    return inner_.listElements(f, t, s);
  }
  Clock::duration last{};

 private:
  NftBackend& inner_;
};

struct Stats {
  double median, p99;
};
Stats stats(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  if (v.empty()) return {0, 0};
  return {v[v.size() / 2], v[std::min(v.size() - 1, static_cast<size_t>(v.size() * 0.99))]};
}

std::string ns;
void cleanup() {
  if (!ns.empty()) std::system(("ip netns del " + ns + " 2>/dev/null").c_str());
}

}  // namespace

int main(int argc, char** argv) {
  int changes = 200;
  std::vector<int> sizes = {100, 1000, 10000};
  std::string useNs;
  int load = -1;
  bool tsv = false;
  for (int a = 1; a < argc; ++a) {
    std::string f = argv[a];
    auto next = [&]() -> std::string {
      if (a + 1 >= argc) {
        std::fprintf(stderr, "%s needs a value\n", f.c_str());
        std::exit(2);
      }
      return argv[++a];
    };
    if (f == "--changes") {
      changes = std::atoi(next().c_str());
    } else if (f == "--sizes") {
      sizes.clear();
      std::string v = next();
      for (size_t p = 0; p <= v.size();) {
        size_t c = v.find(',', p);
        if (c == std::string::npos) c = v.size();
        if (c > p) sizes.push_back(std::atoi(v.substr(p, c - p).c_str()));
        p = c + 1;
      }
    } else if (f == "--cluster-ip-only") {
      clusterIpOnly = true;
    } else if (f == "--netns") {
      useNs = next();
    } else if (f == "--load") {
      load = std::atoi(next().c_str());
    } else if (f == "--tsv") {
      tsv = true;
    } else if (!f.empty() && f[0] != '-') {
      changes = std::atoi(f.c_str());  // the old positional form
    } else {
      std::fprintf(stderr, "unknown flag %s\n", f.c_str());
      return 2;
    }
  }
  if (geteuid() != 0) {
    std::fprintf(stderr, "needs root (creates a network namespace)\n");
    return 77;
  }
  std::string target;
  if (useNs.empty()) {
    ns = "edgeway-bench-" + std::to_string(getpid());
    if (std::system(("ip netns add " + ns).c_str()) != 0) return 1;
    std::atexit(cleanup);
    target = ns;
  } else {
    target = useNs;
  }
  int fd = open(("/run/netns/" + target).c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0 || setns(fd, CLONE_NEWNET) != 0) {
    std::perror("setns");
    return 1;
  }
  close(fd);
  auto real = openNetlinkBackend();
  if (!real.isOk()) {
    std::fprintf(stderr, "%s\n", real.status().message().c_str());
    return 1;
  }
  TimedBackend backend(**real);

  if (load >= 0) {
    // One full sync of `load` Services, left in place.
    RuleModel model = buildRuleModel(*snapshotOf(load), node());
    NftSyncer syncer(backend);
    auto s0 = Clock::now();
    auto r = syncer.sync(model);
    if (!r.isOk()) {
      std::fprintf(stderr, "full sync: %s\n", r.status().message().c_str());
      return 1;
    }
    double t = ms(Clock::now() - s0);
    if (tsv)
      std::printf("load\t%d\t%.2f\t%.2f\n", load, t, t);
    else
      std::printf("full sync of %d Services: %.1f ms\n", load, t);
    return 0;
  }

  if (!tsv) std::printf("%-44s %10s %10s %10s\n", "operation", "services", "median ms", "p99 ms");
  for (int n : sizes) {
    auto t0 = Clock::now();
    auto snap = snapshotOf(n);
    auto t1 = Clock::now();
    RuleModel model = buildRuleModel(*snap, node());
    auto t2 = Clock::now();
    std::vector<double> full, commit;
    for (int rep = 0; rep < 3; ++rep) {
      NftSyncer fresh(backend);  // first sync: add + delete + create, one transaction
      auto s0 = Clock::now();
      auto r = fresh.sync(model);
      if (!r.isOk()) {
        std::fprintf(stderr, "full sync: %s\n", r.status().message().c_str());
        return 1;
      }
      full.push_back(ms(Clock::now() - s0));
      commit.push_back(ms(backend.last));
    }
    if (tsv) {
      std::printf("full sync\t%d\t%.2f\t%.2f\n", n, stats(full).median, *std::max_element(full.begin(), full.end()));
      std::printf("full model build\t%d\t%.2f\t%.2f\n", n, ms(t2 - t1), ms(t2 - t1));
    } else {
      std::printf("%-44s %10d %10.1f %10s   (%zu elements; snapshot %.0f ms, model %.0f ms)\n",
                  "full sync (3 runs: median, max)", n, stats(full).median,
                  std::to_string(*std::max_element(full.begin(), full.end())).substr(0, 7).c_str(),
                  model.tables[0].elementCount() + model.tables[1].elementCount(), ms(t1 - t0), ms(t2 - t1));
    }
    if (n == 1000 || changes <= 0) continue;

    // Changes go the proxy's way: RuleTracker::update with what the Snapshot changed, then
    // NftSyncer::sync(tracker) -- the whole userspace path of one change.
    RuleTracker tracker;
    tracker.updateAll(*snap, node());
    NftSyncer syncer(backend);
    if (!syncer.sync(tracker).isOk()) return 1;
    cache::SnapshotBuilder b{*snap};
    std::vector<double> addTracker, addTotal, addCommit, epTracker, epTotal, epCommit;
    auto apply = [&](std::shared_ptr<const cache::Snapshot> next, const cache::Changes& c, const char* what,
                     std::vector<double>& trackerMs, std::vector<double>& totalMs, std::vector<double>& commitMs) {
      auto s0 = Clock::now();
      tracker.update(*next, node(), c);
      auto s1 = Clock::now();
      auto r = syncer.sync(tracker);
      if (!r.isOk() || r->full) {
        std::fprintf(stderr, "%s: %s\n", what, r.isOk() ? "unexpected full sync" : r.status().message().c_str());
        std::exit(1);
      }
      trackerMs.push_back(ms(s1 - s0));
      totalMs.push_back(ms(Clock::now() - s0));
      commitMs.push_back(ms(backend.last));
    };
    for (int k = 0; k < changes; ++k) {
      // One Service added, with its slice.
      b.put(service(n + k));
      b.put(endpoints(n + k));
      cache::Changes added;
      added.byKind[cache::kindIndex(cache::Kind::kService)] = {{"scale", "svc-" + std::to_string(n + k)}};
      added.byKind[cache::kindIndex(cache::Kind::kEndpointSlice)] = {{"scale", "svc-" + std::to_string(n + k) + "-1"}};
      apply(b.build(2 + 2 * k, true), added, "add", addTracker, addTotal, addCommit);
      // One endpoint of an existing Service replaced.
      b.put(endpoints(k % n, k + 1));
      cache::Changes changed;
      changed.byKind[cache::kindIndex(cache::Kind::kEndpointSlice)] = {{"scale", "svc-" + std::to_string(k % n) + "-1"}};
      apply(b.build(3 + 2 * k, true), changed, "endpoint", epTracker, epTotal, epCommit);
    }
    auto row = [&](const char* what, const std::vector<double>& v) {
      Stats s = stats(v);
      std::printf(tsv ? "%s\t%d\t%.3f\t%.3f\n" : "%-44s %10d %10.3f %10.3f\n", what, n, s.median, s.p99);
    };
    row("+1 Service: tracker + syncer", addTotal);
    row("+1 Service: tracker update", addTracker);
    row("+1 Service: kernel commit", addCommit);
    row("endpoint changed: tracker + syncer", epTotal);
    row("endpoint changed: tracker update", epTracker);
    row("endpoint changed: kernel commit", epCommit);
  }
  return 0;
}
