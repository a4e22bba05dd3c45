// Cost of ClusterZone::build() (run on every Snapshot change) and of resolve() (the per
// query work the server adds to framing), on a cluster of 1,000 Services and 10,000
// endpoints: 800 ClusterIP Services (a quarter of them dual-stack) and 200 headless ones,
// 10 endpoints per Service, a Pod per endpoint, two named ports each.
//
//   edgeway_dns_zone_bench [services] [endpoints-per-service] [runs]
//
// Prints "build ms (median/min of runs), records, names" and "resolve queries/s" lines.

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "cache/snapshot_builder.h"
#include "dns/cluster_zone.h"
#include "dns/resolver.h"

namespace {

using namespace edgeway;
using Clock = std::chrono::steady_clock;

IpAddress v4(uint32_t value) { return IpAddress::v4(value); }
IpAddress v6(uint32_t value) {
  std::array<uint8_t, 16> b{0xfd, 0x00};
  b[12] = static_cast<uint8_t>(value >> 24);
  b[13] = static_cast<uint8_t>(value >> 16);
  b[14] = static_cast<uint8_t>(value >> 8);
  b[15] = static_cast<uint8_t>(value);
  return IpAddress::v6(b);
}

std::shared_ptr<const cache::Snapshot> cluster(int services, int perService) {
  cache::SnapshotBuilder b{cache::Snapshot()};
  uint32_t podIp = (10u << 24) | (42u << 16);
  for (int i = 0; i < services; ++i) {
    const std::string ns = "ns" + std::to_string(i % 50);
    const std::string name = "svc-" + std::to_string(i);
    api::ServiceView s;
    s.ns = ns;
    s.name = name;
    const bool headless = i % 5 == 4;
    if (headless) {
      s.headless = true;
    } else {
      s.clusterIps.push_back(v4((10u << 24) | (43u << 16) | static_cast<uint32_t>(i + 1)));
      if (i % 4 == 0) s.clusterIps.push_back(v6(static_cast<uint32_t>(i + 1)));
    }
    for (const char* portName : {"http", "metrics"}) {
      api::ServicePort p;
      p.name = portName;
      p.port = p.name == "http" ? 80 : 9090;
      s.ports.push_back(p);
    }
    b.put(std::make_shared<const api::ServiceView>(std::move(s)));

    api::EndpointSliceView slice;
    slice.ns = ns;
    slice.name = name + "-abcde";
    slice.serviceName = name;
    for (int e = 0; e < perService; ++e) {
      const IpAddress address = v4(++podIp);
      api::Endpoint endpoint;
      endpoint.addresses.push_back(address);
      endpoint.ready = e % 10 != 9;
      if (headless) endpoint.hostname = name + "-" + std::to_string(e);
      slice.endpoints.push_back(endpoint);

      api::PodView pod;
      pod.ns = ns;
      pod.name = name + "-pod-" + std::to_string(e);
      pod.podIps.push_back(address);
      pod.phase = "Running";
      b.put(std::make_shared<const api::PodView>(std::move(pod)));
    }
    for (const char* portName : {"http", "metrics"}) {
      api::EndpointPort p;
      p.name = portName;
      p.port = p.name == "http" ? 8080 : 9090;
      slice.ports.push_back(p);
    }
    b.put(std::make_shared<const api::EndpointSliceView>(std::move(slice)));
  }
  return b.build(1, true);
}

double millis(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

}  // namespace

int main(int argc, char** argv) {
  const int services = argc > 1 ? std::atoi(argv[1]) : 1000;
  const int perService = argc > 2 ? std::atoi(argv[2]) : 10;
  const int runs = argc > 3 ? std::atoi(argv[3]) : 21;
  auto snapshot = cluster(services, perService);

  for (bool pods : {false, true}) {
    dns::ClusterZoneOptions options;
    options.podRecords = pods;
    std::vector<double> times;
    std::shared_ptr<const dns::ClusterZone> zone;
    for (int i = 0; i < runs; ++i) {
      auto start = Clock::now();
      auto next = dns::ClusterZone::build(*snapshot, options);
      times.push_back(millis(Clock::now() - start));
      zone = std::move(next);  // the old zone is freed outside the timing, as by the last reader
    }
    std::sort(times.begin(), times.end());
    std::printf("build podRecords=%d services=%d endpoints=%d: median %.2f ms, min %.2f ms, %zu records\n",
                pods, services, services * perService, times[times.size() / 2], times.front(),
                zone->recordCount());
  }

  // resolve() alone, one thread: A queries for ClusterIP names (the common case), an
  // NXDOMAIN (a search-path miss), and a headless SRV.
  auto zone = dns::ClusterZone::build(*snapshot, {});
  struct Mix {
    const char* label;
    std::vector<dns::Message> queries;
  };
  auto makeQuery = [](std::string name, dns::Type type) {
    dns::Message m;
    m.header.id = 1;
    m.header.rd = true;
    m.questions.push_back(dns::Question{std::move(name), type, dns::kClassIn});
    return m;
  };
  std::vector<Mix> mixes(3);
  mixes[0].label = "A ClusterIP";
  mixes[1].label = "A NXDOMAIN (search path)";
  mixes[2].label = "SRV headless";
  for (int i = 0; i < services; ++i) {
    const std::string base =
        "svc-" + std::to_string(i) + ".ns" + std::to_string(i % 50) + ".svc.cluster.local";
    if (i % 5 == 4) {
      mixes[2].queries.push_back(makeQuery("_http._tcp." + base, dns::Type::kSRV));
    } else {
      mixes[0].queries.push_back(makeQuery(base, dns::Type::kA));
      mixes[1].queries.push_back(makeQuery(base + ".ns1.svc.cluster.local", dns::Type::kA));
    }
  }
  for (const auto& mix : mixes) {
    const size_t n = 2'000'000 / (mix.label[0] == 'S' ? 10 : 1);
    size_t answers = 0;
    auto start = Clock::now();
    for (size_t i = 0; i < n; ++i) {
      auto r = dns::resolve(mix.queries[i % mix.queries.size()], *zone);
      answers += r->answers.size();
    }
    const double seconds = millis(Clock::now() - start) / 1000;
    std::printf("resolve %s: %.0f queries/s (%.0f ns each, %zu answers)\n", mix.label, n / seconds,
                seconds * 1e9 / n, answers);
  }
  return 0;
}
