// The control-plane half of issue 6's "from the API write to the rule being live": what a
// one-Service change costs between the store and the service proxy, at 100 / 1,000 /
// 10,000 Services (x 3 ready Pods, one EndpointSlice each). docs/benchmarks.md has figures.
//
// Part 1, single-threaded, no store: the cost per change of what the cache thread does
// (SnapshotBuilder: one Service, one EndpointSlice, one Pod put + build); the DNS zone: a
// build from the whole Snapshot (ClusterZone::build), freeing one, an update for one
// changed or added Service (ClusterZone::update), and resolve() of A queries in a random
// order.
//
// Part 2, the real pipeline in one process, as `edgeway server` wires it: SqliteStore (WAL,
// synchronous=FULL) in a temporary directory, the API server's Registry, ClusterState fed
// from the store, the LoadBalancer IPAM and EndpointSlice controllers and DnsService,
// subscribed in main's order, with probe subscribers between them:
//     P0, lb-ipam, P1, endpointslice, P2, dns, P3  [the proxy would be called here]
// so each component's callback time on the cache thread is the gap between two probes, and
// P3 marks when the service proxy would be handed the snapshot. Then, R times each:
//   - pod flip: one Pod's Ready condition is patched through /status; timed until the
//     snapshot whose EndpointSlice shows it reaches P3 (store commit, cache, controller
//     reaction, the slice's own store write and second snapshot);
//   - service add: a Service selecting 3 existing ready Pods is created; timed until its
//     Service reaches P3 (ClusterIP rule), until its slice with 3 ready endpoints does
//     (endpoints rule), and until DNS answers its name (polled every 100 us).
// Writes go one at a time with a pause between them, so each latency is one change alone.
// The proxy itself (netstack/) is not in it: bench/proxy/sync_bench.cpp measures that.
//
// Usage: edgeway_pipeline_bench [--namespaces K] [--runs R] [--micro-only] [N ...]
//   N: Service counts (default 100 1000 10000); K: namespaces they are spread over
//   (default 1, the worst case for anything per namespace); R: changes of each kind per
//   size (default 50).

#include <malloc.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

#include "apiserver/api_server.h"
#include "apiserver/controllers/endpoint_slice_controller.h"
#include "apiserver/controllers/load_balancer_ipam_controller.h"
#include "apiserver/registry.h"
#include "base/log.h"
#include "cache/cluster_state.h"
#include "cache/local_store_source.h"
#include "cache/snapshot_builder.h"
#include "dns/cluster_zone.h"
#include "dns/dns_service.h"
#include "dns/resolver.h"
#include "http/io_context.h"
#include "store/sqlite_store.h"

namespace {

using namespace edgeway;
using Clock = std::chrono::steady_clock;
using json = nlohmann::json;

double ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

// glibc's bytes in use, mmapped blocks included.
size_t heapInUse() {
  struct mallinfo2 m = mallinfo2();
  return m.uordblks + m.hblkhd;
}

struct Summary {
  double p50 = 0, p90 = 0, max = 0;
  size_t n = 0;
};

Summary summarize(std::vector<double> v) {
  Summary s;
  s.n = v.size();
  if (v.empty()) return s;
  std::sort(v.begin(), v.end());
  s.p50 = v[v.size() / 2];
  s.p90 = v[std::min(v.size() - 1, v.size() * 9 / 10)];
  s.max = v.back();
  return s;
}

void printRow(const char* what, const std::vector<double>& samples) {
  Summary s = summarize(samples);
  std::printf("  %-52s p50 %8.3f  p90 %8.3f  max %8.3f ms  (n=%zu)\n", what, s.p50, s.p90, s.max, s.n);
}

IpAddress podIp(uint32_t index) { return IpAddress::v4((10u << 24) | (42u << 16) | (index + 1)); }

// ---- Part 1 ------------------------------------------------------------------------------

cache::ServicePtr makeService(const std::string& ns, const std::string& name, uint32_t clusterIp) {
  api::ServiceView s;
  s.ns = ns;
  s.name = name;
  s.clusterIps.push_back(IpAddress::v4((10u << 24) | (43u << 16) | clusterIp));
  s.selector.emplace("app", name);
  api::ServicePort p;
  p.name = "http";
  p.port = 80;
  s.ports.push_back(p);
  return std::make_shared<const api::ServiceView>(std::move(s));
}

cache::EndpointSlicePtr makeSlice(const std::string& ns, const std::string& service, uint32_t firstPod,
                                  bool firstReady) {
  api::EndpointSliceView slice;
  slice.ns = ns;
  slice.name = service + "-abcde";
  slice.serviceName = service;
  for (uint32_t e = 0; e < 3; ++e) {
    api::Endpoint endpoint;
    endpoint.addresses.push_back(podIp(firstPod + e));
    endpoint.ready = e != 0 || firstReady;
    slice.endpoints.push_back(endpoint);
  }
  api::EndpointPort p;
  p.name = "http";
  p.port = 8080;
  slice.ports.push_back(p);
  return std::make_shared<const api::EndpointSliceView>(std::move(slice));
}

cache::PodPtr makePod(const std::string& ns, const std::string& service, uint32_t index, bool ready) {
  api::PodView pod;
  pod.ns = ns;
  pod.name = service + "-" + std::to_string(index);
  pod.labels.emplace("app", service);
  pod.podIps.push_back(podIp(index));
  pod.phase = "Running";
  pod.ready = ready;
  return std::make_shared<const api::PodView>(std::move(pod));
}

std::string nsOf(int i, int namespaces) { return "bench-" + std::to_string(i % namespaces); }

// Times f(run) for each run; when f returns a duration, that is the time taken instead
// (what it did before starting its clock is setup).
template <typename F>
std::vector<double> timeRuns(int runs, F&& f) {
  std::vector<double> out;
  for (int r = 0; r < runs; ++r) {
    auto start = Clock::now();
    if constexpr (std::is_same_v<decltype(f(r)), Clock::duration>) {
      out.push_back(ms(f(r)));
    } else {
      f(r);
      out.push_back(ms(Clock::now() - start));
    }
  }
  return out;
}

void micro(int services, int namespaces, int runs) {
  cache::SnapshotBuilder b{cache::Snapshot()};
  for (int i = 0; i < services; ++i) {
    const std::string ns = nsOf(i, namespaces), name = "svc-" + std::to_string(i);
    b.put(makeService(ns, name, static_cast<uint32_t>(i + 1)));
    b.put(makeSlice(ns, name, static_cast<uint32_t>(3 * i), true));
    for (uint32_t e = 0; e < 3; ++e) b.put(makePod(ns, name, static_cast<uint32_t>(3 * i) + e, true));
  }
  std::shared_ptr<const cache::Snapshot> base = b.build(1, true);

  std::printf("part 1: %d Services x 3 endpoints in %d namespace(s), %d runs\n", services, namespaces, runs);
  // What ClusterState::publish does per change, without the JSON parse: a builder from the
  // current snapshot, one put, build. Each run changes another object.
  auto pick = [&](int r) { return (r * 7919) % services; };
  printRow(
      "snapshot: one Service changed", timeRuns(runs, [&](int r) {
        const int i = pick(r);
        cache::SnapshotBuilder next(*base);
        next.put(makeService(nsOf(i, namespaces), "svc-" + std::to_string(i), static_cast<uint32_t>(i + 1)));
        next.build(2, true);
      }));
  printRow("snapshot: one EndpointSlice changed", timeRuns(runs, [&](int r) {
             const int i = pick(r);
             cache::SnapshotBuilder next(*base);
             next.put(makeSlice(nsOf(i, namespaces), "svc-" + std::to_string(i), static_cast<uint32_t>(3 * i),
                                r % 2 == 0));
             next.build(2, true);
           }));
  printRow("snapshot: one Pod changed", timeRuns(runs, [&](int r) {
             const int i = pick(r);
             cache::SnapshotBuilder next(*base);
             next.put(makePod(nsOf(i, namespaces), "svc-" + std::to_string(i), static_cast<uint32_t>(3 * i),
                              r % 2 == 0));
             next.build(2, true);
           }));
  // The DNS zone: a build from the whole snapshot (the old zone freed outside the timing),
  // freeing a whole zone, and an update for one change.
  std::vector<double> builds, frees;
  for (int r = 0; r < std::max(3, runs / 5); ++r) {
    auto start = Clock::now();
    auto built = dns::ClusterZone::build(*base, {});
    auto middle = Clock::now();
    built.reset();
    builds.push_back(ms(middle - start));
    frees.push_back(ms(Clock::now() - middle));
  }
  printRow("dns: ClusterZone::build (whole zone)", builds);
  printRow("dns: freeing a whole zone", frees);
  {
    malloc_trim(0);
    const size_t before = heapInUse();
    auto zone = dns::ClusterZone::build(*base, {});
    malloc_trim(0);
    std::printf("  %-52s %.1f MB (%zu records)\n", "dns: heap held by one zone",
                (heapInUse() - before) / 1048576.0, zone->recordCount());
  }
  {
    // resolve() of A queries for the Services' names in a random order (what a cache miss
    // of the server costs), in ns per query. The queries are made before the zone so that
    // the zone's garbage does not scatter them.
    std::vector<dns::Message> queries;
    for (int i = 0; i < services; ++i) {
      dns::Message q;
      q.questions.push_back(
          dns::Question{"svc-" + std::to_string(i) + "." + nsOf(i, namespaces) + ".svc.cluster.local",
                        dns::Type::kA, dns::kClassIn});
      queries.push_back(std::move(q));
    }
    std::shuffle(queries.begin(), queries.end(), std::mt19937(42));
    auto zone = dns::ClusterZone::build(*base, {});
    std::vector<double> perQuery;
    size_t answers = 0;
    for (int r = 0; r < 5; ++r) {
      const size_t n = 500000;
      auto start = Clock::now();
      for (size_t i = 0; i < n; ++i)
        answers += dns::resolve(queries[i % queries.size()], *zone)->answers.size();
      perQuery.push_back(ms(Clock::now() - start) * 1e6 / n);
    }
    if (answers == 0) std::printf("  (no answers?)\n");
    Summary s = summarize(perQuery);
    std::printf("  %-52s p50 %8.0f ns per query, random order\n", "dns: resolve() A", s.p50);
  }
  auto zone = dns::ClusterZone::build(*base, {});
  auto changed = [](cache::Kind kind, const std::string& ns, const std::string& name) {
    cache::Changes c;
    c.byKind[cache::kindIndex(kind)].push_back(cache::NamespacedName{ns, name});
    return c;
  };
  std::vector<std::shared_ptr<const dns::ClusterZone>> kept;  // freed outside the timing
  printRow("dns: ClusterZone::update, one Service changed", timeRuns(runs, [&](int r) {
             const int i = pick(r);
             const std::string ns = nsOf(i, namespaces), name = "svc-" + std::to_string(i);
             cache::SnapshotBuilder next(*base);
             next.put(makeService(ns, name, static_cast<uint32_t>(services + r + 1)));
             auto after = next.build(2, true);
             auto start = Clock::now();
             kept.push_back(
                 dns::ClusterZone::update(zone, *base, *after, changed(cache::Kind::kService, ns, name)));
             return Clock::now() - start;
           }));
  printRow("dns: ClusterZone::update, one Service added", timeRuns(runs, [&](int r) {
             const std::string ns = nsOf(r, namespaces), name = "new-" + std::to_string(r);
             cache::SnapshotBuilder next(*base);
             next.put(makeService(ns, name, static_cast<uint32_t>(services + r + 1)));
             auto after = next.build(2, true);
             auto start = Clock::now();
             kept.push_back(
                 dns::ClusterZone::update(zone, *base, *after, changed(cache::Kind::kService, ns, name)));
             return Clock::now() - start;
           }));
  kept.clear();
}

// ---- Part 2 ------------------------------------------------------------------------------

// Bounds the writes in flight while populating.
class Window {
 public:
  explicit Window(int max) : max_(max) {}
  void acquire() {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return n_ < max_; });
    ++n_;
  }
  void release(const apiserver::Outcome& out) {
    std::lock_guard<std::mutex> lock(mu_);
    if (!out.ok() && errors_++ == 0) std::fprintf(stderr, "write failed: %s\n", out.error->message.c_str());
    --n_;
    cv_.notify_all();
  }
  int drain() {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return n_ == 0; });
    return errors_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  int n_ = 0, max_;
  int errors_ = 0;
};

json serviceJson(const std::string& ns, const std::string& name) {
  return {{"apiVersion", "v1"},
          {"kind", "Service"},
          {"metadata", {{"name", name}, {"namespace", ns}}},
          {"spec",
           {{"selector", {{"app", name}}}, {"ports", json::array({{{"port", 80}, {"targetPort", 8080}}})}}}};
}

json podJson(const std::string& ns, const std::string& name, const std::string& app) {
  return {{"apiVersion", "v1"},
          {"kind", "Pod"},
          {"metadata", {{"name", name}, {"namespace", ns}, {"labels", {{"app", app}}}}},
          {"spec", {{"containers", json::array({{{"name", "c"}, {"image", "x"}}})}}}};
}

json podStatus(const IpAddress& ip, bool ready) {
  return {{"status",
           {{"phase", "Running"},
            {"podIP", ip.toString()},
            {"podIPs", json::array({{{"ip", ip.toString()}}})},
            {"conditions", json::array({{{"type", "Ready"}, {"status", ready ? "True" : "False"}}})}}}};
}

// What the probes record about one snapshot, all on the cache thread.
struct Pass {
  Clock::time_point p0, p1, p2, p3;
  bool services = false, slices = false, pods = false;
};

// The condition the bench waits for, checked by P3 on every snapshot.
struct Target {
  std::function<bool(const cache::Snapshot&)> done;
  std::function<bool(const cache::Snapshot&, const cache::Changes&)> seen;  // first visible (P0)
  Clock::time_point seenAt, doneAt;
  bool isSeen = false, isDone = false;
};

class Pipeline {
 public:
  Pipeline(int services, int namespaces, int runs)
      : services_(services), namespaces_(namespaces), runs_(runs) {}

  int run() {
    char tmpl[] = "/tmp/edgeway-pipeline-XXXXXX";
    if (!mkdtemp(tmpl)) return 1;
    dir_ = tmpl;
    int rc = runIn();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
    return rc;
  }

 private:
  int runIn() {
    auto opened = store::SqliteStore::open(dir_ + "/state.db");
    if (!opened.isOk()) {
      std::fprintf(stderr, "store: %s\n", opened.status().message().c_str());
      return 1;
    }
    store_ = std::move(opened).value();
    io_ = std::make_unique<http::IoContext>(2);
    io_->start();
    apiserver::ApiServerOptions apiOptions;
    apiOptions.listen = "127.0.0.1:0";
    auto api = apiserver::ApiServer::create(*io_, *store_, apiOptions);
    if (!api.isOk()) {
      std::fprintf(stderr, "api: %s\n", api.status().message().c_str());
      return 1;
    }
    api_ = std::move(api).value();
    auto& catalog = api_->catalog();
    servicesInfo_ = catalog.find("", "v1", "services");
    podsInfo_ = catalog.find("", "v1", "pods");
    const apiserver::ResourceInfo* nsInfo = catalog.find("", "v1", "namespaces");

    source_ = std::make_unique<cache::LocalStoreSource>(*store_);
    state_ = std::make_unique<cache::ClusterState>(*source_);
    state_->start();

    const auto populateStart = Clock::now();
    Window window(256);
    auto write = [&](auto&& start) {
      window.acquire();
      start([&window](apiserver::Outcome out) { window.release(out); });
    };
    for (int k = 0; k < namespaces_; ++k) {
      json ns = {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", nsOf(k, namespaces_)}}}};
      write([&](apiserver::Done done) { api_->registry().create(*nsInfo, "", ns, {}, std::move(done)); });
    }
    if (window.drain() != 0) return 1;
    // Services 0..N-1 with 3 Pods each; then R groups of 3 Pods for the Services added later.
    const int groups = services_ + runs_;
    auto groupName = [&](int g) {
      return g < services_ ? "svc-" + std::to_string(g) : "extra-" + std::to_string(g - services_);
    };
    auto groupNs = [&](int g) { return g < services_ ? nsOf(g, namespaces_) : nsOf(0, namespaces_); };
    for (int g = 0; g < services_; ++g) {
      write([&](apiserver::Done done) {
        api_->registry().create(*servicesInfo_, groupNs(g), serviceJson(groupNs(g), groupName(g)), {},
                                std::move(done));
      });
    }
    for (int g = 0; g < groups; ++g) {
      for (int e = 0; e < 3; ++e) {
        const std::string name = groupName(g) + "-" + std::to_string(e);
        write([&](apiserver::Done done) {
          api_->registry().create(*podsInfo_, groupNs(g), podJson(groupNs(g), name, groupName(g)), {},
                                  std::move(done));
        });
      }
    }
    if (window.drain() != 0) return 1;
    for (int g = 0; g < groups; ++g) {
      for (int e = 0; e < 3; ++e) {
        const std::string name = groupName(g) + "-" + std::to_string(e);
        const IpAddress ip = podIp(static_cast<uint32_t>(3 * g + e));
        write([&](apiserver::Done done) { patchStatus(groupNs(g), name, ip, true, std::move(done)); });
      }
    }
    if (window.drain() != 0) return 1;
    std::printf("part 2: %d Services in %d namespace(s): populated in %.1f s; ", services_, namespaces_,
                ms(Clock::now() - populateStart) / 1000);
    std::fflush(stdout);

    // The consumers, subscribed in main's order with the probes between them.
    const auto startConsumers = Clock::now();
    subscribeProbe([this](const Snapshot& s, const cache::Changes& c) { probe0(s, c); });
    apiserver::controllers::LoadBalancerIpamOptions lbOptions;
    lbOptions.nodeName = "bench";
    auto lb =
        apiserver::controllers::LoadBalancerIpamController::create(api_->registry(), *state_, lbOptions);
    if (!lb.isOk()) return 1;
    auto loadBalancers = std::move(lb).value();
    loadBalancers->start();
    subscribeProbe([this](const Snapshot&, const cache::Changes&) { pass_.p1 = Clock::now(); });
    auto slices = apiserver::controllers::EndpointSliceController::create(*state_, api_->registry(), catalog);
    slices->start();
    controller_ = slices.get();
    subscribeProbe([this](const Snapshot&, const cache::Changes&) { pass_.p2 = Clock::now(); });
    dns::DnsServiceOptions dnsOptions;
    dnsOptions.listen = {"127.0.0.1:0"};
    dnsOptions.upstreams = {"127.0.0.1:9"};
    dnsOptions.udpThreads = 1;
    auto dnsService = dns::DnsService::create(io_->asio(), *state_, dnsOptions);
    if (!dnsService.isOk() || !(*dnsService)->start().isOk()) return 1;
    auto dns = std::move(dnsService).value();
    subscribeProbe([this](const Snapshot& s, const cache::Changes& c) { probe3(s, c); });

    // Converged: every Service's slice has its 3 ready endpoints, and nothing more happens
    // for a while (the controller's Endpoints writes come after the slices).
    auto converged = [&] {
      auto snapshot = state_->current();
      for (int g = 0; g < services_; ++g) {
        if (readyEndpoints(*snapshot, groupNs(g), groupName(g)) != 3) return false;
      }
      return true;
    };
    while (!converged()) std::this_thread::sleep_for(std::chrono::milliseconds(200));
    const double convergeSeconds = ms(Clock::now() - startConsumers) / 1000;
    quiesce();
    std::printf("controller converged in %.1f s\n", convergeSeconds);

    {
      std::lock_guard<std::mutex> lock(mu_);
      passes_.clear();
      recording_ = true;
    }
    std::vector<double> flipCommit, flipPodSeen, flipLive;
    for (int r = 0; r < runs_; ++r) {
      const int g = (r * 7919) % services_;
      const std::string ns = groupNs(g), svc = groupName(g), pod = svc + "-0";
      const IpAddress ip = podIp(static_cast<uint32_t>(3 * g));
      const bool ready = (r / services_) % 2 == 1;  // a Pod flipped a second time turns ready again
      Target t;
      t.seen = [pod, ns](const Snapshot&, const cache::Changes& c) {
        const auto& names = c.of(cache::Kind::kPod);
        return std::binary_search(names.begin(), names.end(), cache::NamespacedName{ns, pod});
      };
      t.done = [ns, svc, ip, ready](const Snapshot& s) { return endpointReady(s, ns, svc, ip) == ready; };
      Clock::time_point committed;
      const auto t0 = arm(std::move(t));
      patchStatus(ns, pod, ip, ready, [&](apiserver::Outcome out) {
        if (!out.ok()) std::fprintf(stderr, "pod patch: %s\n", out.error->message.c_str());
        std::lock_guard<std::mutex> lock(mu_);
        committed = Clock::now();
        cv_.notify_all();
      });
      Target done = await([&] { return committed != Clock::time_point(); });
      flipCommit.push_back(ms(committed - t0));
      flipPodSeen.push_back(ms(done.seenAt - t0));
      flipLive.push_back(ms(done.doneAt - t0));
      quiesce();
    }

    std::vector<double> addCommit, addServiceLive, addSliceLive, addDns;
    for (int r = 0; r < runs_; ++r) {
      const int g = services_ + r;
      const std::string ns = groupNs(g), svc = groupName(g);
      Target t;
      t.seen = [ns, svc](const Snapshot& s, const cache::Changes&) { return s.service(ns, svc) != nullptr; };
      t.done = [ns, svc](const Snapshot& s) { return readyEndpoints(s, ns, svc) == 3; };
      Clock::time_point committed;
      const auto t0 = arm(std::move(t));
      api_->registry().create(*servicesInfo_, ns, serviceJson(ns, svc), {}, [&](apiserver::Outcome out) {
        if (!out.ok()) std::fprintf(stderr, "service create: %s\n", out.error->message.c_str());
        std::lock_guard<std::mutex> lock(mu_);
        committed = Clock::now();
        cv_.notify_all();
      });
      // DNS, polled from here while the rest goes on.
      dns::Message query;
      query.questions.push_back(
          dns::Question{svc + "." + ns + ".svc.cluster.local", dns::Type::kA, dns::kClassIn});
      const auto pollUntil = Clock::now() + std::chrono::seconds(30);
      while (Clock::now() < pollUntil) {
        auto answer = dns::resolve(query, *dns->zone());
        if (answer && !answer->answers.empty()) break;
        std::this_thread::sleep_for(std::chrono::microseconds(100));
      }
      addDns.push_back(ms(Clock::now() - t0));
      Target done = await([&] { return committed != Clock::time_point(); });
      addCommit.push_back(ms(committed - t0));
      addServiceLive.push_back(ms(done.seenAt - t0));
      addSliceLive.push_back(ms(done.doneAt - t0));
      quiesce();
    }

    std::vector<Pass> passes;
    {
      std::lock_guard<std::mutex> lock(mu_);
      recording_ = false;
      passes.swap(passes_);
    }
    // The same, counted from the write's commit: without the first fsync, whose time is
    // the disk's (and another process's load on it).
    auto sinceCommit = [](const std::vector<double>& at, const std::vector<double>& commit) {
      std::vector<double> out;
      for (size_t i = 0; i < at.size(); ++i) out.push_back(at[i] - commit[i]);
      return out;
    };
    std::printf("  one at a time, %d of each (from the write; [c]: from its commit):\n", runs_);
    printRow("pod flip: store commit acknowledged", flipCommit);
    printRow("pod flip: Pod in a published snapshot (P0)", flipPodSeen);
    printRow("pod flip: its slice handed to the proxy (P3)", flipLive);
    printRow("pod flip: its slice handed to the proxy (P3) [c]", sinceCommit(flipLive, flipCommit));
    printRow("service add: store commit acknowledged", addCommit);
    printRow("service add: Service handed to the proxy (P3)", addServiceLive);
    printRow("service add: its slice (3 ready) handed to the proxy (P3)", addSliceLive);
    printRow("service add: slice to the proxy (P3) [c]", sinceCommit(addSliceLive, addCommit));
    printRow("service add: DNS answers the name", addDns);
    std::vector<double> lbCb, esCb, dnsRelevant, dnsOther, total;
    for (const Pass& p : passes) {
      lbCb.push_back(ms(p.p1 - p.p0));
      esCb.push_back(ms(p.p2 - p.p1));
      (p.services || p.slices ? dnsRelevant : dnsOther).push_back(ms(p.p3 - p.p2));
      total.push_back(ms(p.p3 - p.p0));
    }
    std::printf("  cache-thread callbacks, per published snapshot (%zu snapshots):\n", passes.size());
    printRow("lb-ipam callback", lbCb);
    printRow("endpointslice callback", esCb);
    printRow("dns callback, snapshots changing Services/slices", dnsRelevant);
    printRow("dns callback, other snapshots", dnsOther);
    printRow("all three (P0 -> P3)", total);

    dns->stop();
    controller_ = nullptr;
    slices->stop();
    loadBalancers->stop();
    state_->stop();
    api_.reset();
    io_.reset();
    store_.reset();
    return 0;
  }

  using Snapshot = cache::Snapshot;

  void subscribeProbe(std::function<void(const Snapshot&, const cache::Changes&)> f) {
    state_->subscribe(
        [f = std::move(f)](const std::shared_ptr<const Snapshot>& s, const cache::Changes& c) { f(*s, c); });
  }

  void probe0(const Snapshot& s, const cache::Changes& c) {
    pass_ = Pass{};
    pass_.p0 = Clock::now();
    pass_.services = !c.of(cache::Kind::kService).empty();
    pass_.slices = !c.of(cache::Kind::kEndpointSlice).empty();
    pass_.pods = !c.of(cache::Kind::kPod).empty();
    std::lock_guard<std::mutex> lock(mu_);
    if (target_.seen && !target_.isSeen && target_.seen(s, c)) {
      target_.isSeen = true;
      target_.seenAt = pass_.p0;
    }
  }

  void probe3(const Snapshot& s, const cache::Changes&) {
    pass_.p3 = Clock::now();
    std::lock_guard<std::mutex> lock(mu_);
    if (recording_) passes_.push_back(pass_);
    if (target_.done && !target_.isDone && target_.done(s)) {
      target_.isDone = true;
      target_.doneAt = pass_.p3;
      cv_.notify_all();
    }
  }

  Clock::time_point arm(Target t) {
    std::lock_guard<std::mutex> lock(mu_);
    target_ = std::move(t);
    return Clock::now();
  }

  // Waits for the target and `also`; returns the target (and disarms it).
  Target await(const std::function<bool()>& also) {
    std::unique_lock<std::mutex> lock(mu_);
    if (!cv_.wait_for(lock, std::chrono::seconds(60),
                      [&] { return target_.isDone && target_.isSeen && also(); })) {
      std::fprintf(stderr, "timed out waiting for a change to go through\n");
      std::exit(1);
    }
    Target out = std::move(target_);
    target_ = Target{};
    return out;
  }

  // Until for 100 ms no snapshot was published and the controller synced nothing: the
  // controller's Endpoints write (and the sync its watch event causes) and the DNS rebuild
  // of one change are over before the next one starts.
  void quiesce() {
    auto progress = [&] {
      return std::make_pair(state_->stats().snapshotsPublished, controller_ ? controller_->stats().syncs : 0);
    };
    auto last = progress();
    for (;;) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      auto now = progress();
      if (now == last) return;
      last = now;
    }
  }

  void patchStatus(const std::string& ns, const std::string& pod, const IpAddress& ip, bool ready,
                   apiserver::Done done) {
    apiserver::WriteOptions options;
    options.status = true;
    options.fieldManager = "bench";
    api_->registry().patch(*podsInfo_, ns, pod, apiserver::PatchType::kMergePatch, podStatus(ip, ready),
                           options, std::move(done));
  }

  static int readyEndpoints(const Snapshot& s, const std::string& ns, const std::string& svc) {
    int n = 0;
    for (const auto& slice : s.endpointSlicesOf(ns, svc)) {
      for (const auto& e : slice->endpoints) n += e.ready ? 1 : 0;
    }
    return n;
  }

  // -1: no endpoint with that address; else its readiness.
  static int endpointReady(const Snapshot& s, const std::string& ns, const std::string& svc,
                           const IpAddress& ip) {
    for (const auto& slice : s.endpointSlicesOf(ns, svc)) {
      for (const auto& e : slice->endpoints) {
        if (std::find(e.addresses.begin(), e.addresses.end(), ip) != e.addresses.end())
          return e.ready ? 1 : 0;
      }
    }
    return -1;
  }

  const int services_, namespaces_, runs_;
  std::string dir_;
  std::unique_ptr<store::SqliteStore> store_;
  std::unique_ptr<http::IoContext> io_;
  std::unique_ptr<apiserver::ApiServer> api_;
  const apiserver::ResourceInfo* servicesInfo_ = nullptr;
  const apiserver::ResourceInfo* podsInfo_ = nullptr;
  std::unique_ptr<cache::LocalStoreSource> source_;
  std::unique_ptr<cache::ClusterState> state_;
  apiserver::controllers::EndpointSliceController* controller_ = nullptr;

  Pass pass_;  // cache thread only

  std::mutex mu_;
  std::condition_variable cv_;
  Target target_;
  bool recording_ = false;
  std::vector<Pass> passes_;
};

}  // namespace

int main(int argc, char** argv) {
  int namespaces = 1, runs = 50;
  bool microOnly = false;
  std::vector<int> sizes;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--namespaces") && i + 1 < argc) {
      namespaces = std::max(1, std::atoi(argv[++i]));
    } else if (!std::strcmp(argv[i], "--runs") && i + 1 < argc) {
      runs = std::max(1, std::atoi(argv[++i]));
    } else if (!std::strcmp(argv[i], "--micro-only")) {
      microOnly = true;
    } else if (std::atoi(argv[i]) > 0) {
      sizes.push_back(std::atoi(argv[i]));
    } else {
      std::fprintf(stderr, "usage: %s [--namespaces K] [--runs R] [--micro-only] [N ...]\n", argv[0]);
      return 2;
    }
  }
  if (sizes.empty()) sizes = {100, 1000, 10000};
  edgeway::log::setLevel(edgeway::log::Level::kWarn);
  for (int n : sizes) {
    std::printf("== %d Services\n", n);
    micro(n, namespaces, std::max(runs, 20));
    if (!microOnly && Pipeline(n, namespaces, runs).run() != 0) return 1;
    std::fflush(stdout);
  }
  return 0;
}
