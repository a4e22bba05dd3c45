// Load generator for the API server (bench/api/run.sh and bench/endpoints/run.sh drive
// it): Service creates, gets, lists, watch delivery, Pods and the delay from a Pod update
// to its EndpointSlice, over real HTTP connections, one blocking client per thread.
// Prints one result line per phase: "phase clients requests seconds rate p50 p99 max".

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <map>
#include <nlohmann/json.hpp>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "http/client.h"
#include "http/tls_context.h"

namespace {

using Clock = std::chrono::steady_clock;
using edgeway::http::Client;
using edgeway::http::Request;

struct Options {
  uint16_t port = 6443;
  std::string phase;
  std::string ns = "bench";
  int clients = 1;
  int requests = 1000;
  int offset = 0;  // first object index, so phases can add to what earlier ones made
  int podsPerService = 10;  // pods phases: Pod i is selected by Service i / podsPerService
  int pods = 10000;         // pod-to-slice: how many Pods the pods phase made
  std::string tlsDir;  // DATA_DIR/tls: HTTPS as the admin; empty: plain HTTP
  std::shared_ptr<const edgeway::http::TlsContext> tls;
};

std::string readFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

[[noreturn]] void die(const std::string& why) {
  std::fprintf(stderr, "api_bench: %s\n", why.c_str());
  std::exit(1);
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i], v = argv[i + 1];
    if (k == "--port") o.port = static_cast<uint16_t>(std::stoi(v));
    else if (k == "--phase") o.phase = v;
    else if (k == "--namespace") o.ns = v;
    else if (k == "--clients") o.clients = std::stoi(v);
    else if (k == "--requests") o.requests = std::stoi(v);
    else if (k == "--offset") o.offset = std::stoi(v);
    else if (k == "--pods-per-service") o.podsPerService = std::stoi(v);
    else if (k == "--pods") o.pods = std::stoi(v);
    else if (k == "--tls-dir") o.tlsDir = v;
    else die("unknown flag " + k);
  }
  if (o.phase.empty()) die("--phase create|get|list|list-table|watch|pods|pod-to-slice is required");
  if (!o.tlsDir.empty()) {
    auto tls = edgeway::http::TlsContext::client({readFile(o.tlsDir + "/ca.crt"), readFile(o.tlsDir + "/admin.crt"),
                                                   readFile(o.tlsDir + "/admin.key"), "localhost"});
    if (!tls.isOk()) die(tls.status().toString());
    o.tls = *tls;
  }
  return o;
}

Client connectOrDie(const Options& o) {
  edgeway::http::ClientOptions options;
  options.tls = o.tls;
  auto c = Client::connect("127.0.0.1", o.port, options);
  if (!c.isOk()) die(c.status().toString());
  return std::move(c.value());
}

std::string serviceName(int i) { return "svc-" + std::to_string(i); }

std::string serviceBody(const std::string& name) {
  return R"({"apiVersion":"v1","kind":"Service","metadata":{"name":")" + name +
         R"(","labels":{"app":")" + name + R"(","tier":"bench"}},"spec":{"selector":{"app":")" + name +
         R"("},"ports":[{"name":"http","port":80,"targetPort":8080}]}})";
}

Request makeRequest(std::string method, std::string target, std::string body = {}) {
  Request r;
  r.method = std::move(method);
  r.target = std::move(target);
  r.headers.push_back({"Accept", "application/json"});
  if (!body.empty()) r.headers.push_back({"Content-Type", "application/json"});
  r.body = std::move(body);
  return r;
}

double millis(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

void report(const char* phase, int clients, std::vector<double>& latencies, double seconds) {
  std::sort(latencies.begin(), latencies.end());
  auto pct = [&](double p) {
    if (latencies.empty()) return 0.0;
    size_t i = std::min(latencies.size() - 1, static_cast<size_t>(p * latencies.size()));
    return latencies[i];
  };
  std::printf("%s clients=%d requests=%zu seconds=%.3f rate=%.0f/s p50=%.3fms p99=%.3fms max=%.3fms\n", phase,
              clients, latencies.size(), seconds, latencies.size() / seconds, pct(0.50), pct(0.99),
              latencies.empty() ? 0.0 : latencies.back());
  std::fflush(stdout);
}

// Runs `perClient(client, index)` for requests spread over `clients` threads and reports
// the latency of each call.
template <typename Fn>
void runLoad(const Options& o, const char* phase, Fn perRequest) {
  std::vector<std::vector<double>> lat(o.clients);
  std::atomic<int> next{0};
  auto start = Clock::now();
  std::vector<std::thread> threads;
  for (int t = 0; t < o.clients; ++t) {
    threads.emplace_back([&, t] {
      Client client = connectOrDie(o);
      for (int i = next++; i < o.requests; i = next++) {
        auto t0 = Clock::now();
        perRequest(client, o.offset + i);
        lat[t].push_back(millis(Clock::now() - t0));
      }
    });
  }
  for (auto& th : threads) th.join();
  double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  std::vector<double> all;
  for (auto& l : lat) all.insert(all.end(), l.begin(), l.end());
  report(phase, o.clients, all, seconds);
}

void expectStatus(const edgeway::Result<edgeway::http::Response>& r, int want, const std::string& what) {
  if (!r.isOk()) die(what + ": " + r.status().toString());
  if (r->status != want) die(what + ": HTTP " + std::to_string(r->status) + " " + r->body.substr(0, 300));
}

void phaseCreate(const Options& o) {
  std::string path = "/api/v1/namespaces/" + o.ns + "/services";
  runLoad(o, "create", [&](Client& c, int i) {
    expectStatus(c.request(makeRequest("POST", path, serviceBody(serviceName(i)))), 201, "create");
  });
}

void phaseGet(const Options& o) {
  std::string path = "/api/v1/namespaces/" + o.ns + "/services/";
  runLoad(o, "get", [&](Client& c, int i) {
    expectStatus(c.request(makeRequest("GET", path + serviceName(i % 10000))), 200, "get");
  });
}

void phaseList(const Options& o, bool table) {
  std::string path = "/api/v1/namespaces/" + o.ns + "/services";
  size_t bytes = 0;
  runLoad(o, table ? "list-table" : "list", [&](Client& c, int) {
    Request r = makeRequest("GET", path);
    if (table) r.headers[0].value = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json";
    auto res = c.request(r);
    expectStatus(res, 200, "list");
    bytes = res->body.size();
  });
  std::printf("  (response %zu bytes)\n", bytes);
}

// A watcher follows the namespace while one client creates objects; reports the delay from
// sending each create to receiving its ADDED event (create latency included), and the rate.
void phaseWatch(const Options& o) {
  Client lister = connectOrDie(o);
  auto list = lister.request(makeRequest("GET", "/api/v1/namespaces/" + o.ns + "/services?limit=1"));
  expectStatus(list, 200, "list");
  auto rvPos = list->body.find("\"resourceVersion\":\"");
  if (rvPos == std::string::npos) die("list has no resourceVersion");
  std::string rv = list->body.substr(rvPos + 19, list->body.find('"', rvPos + 19) - rvPos - 19);

  std::mutex mu;
  std::map<std::string, Clock::time_point> created, seen;
  std::atomic<int> events{0};
  std::thread watcher([&] {
    Client w = connectOrDie(o);
    auto res = w.stream(makeRequest("GET", "/api/v1/namespaces/" + o.ns + "/services?watch=true&resourceVersion=" + rv),
                        [&](std::string_view line) {
                          auto p = line.find("\"name\":\"");
                          if (p != std::string_view::npos && line.find("\"ADDED\"") != std::string_view::npos) {
                            std::string name(line.substr(p + 8, line.find('"', p + 8) - p - 8));
                            std::lock_guard<std::mutex> lock(mu);
                            seen[name] = Clock::now();
                          }
                          return ++events < o.requests;
                        });
    if (!res.isOk()) die("watch: " + res.status().toString());
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  Client c = connectOrDie(o);
  auto start = Clock::now();
  for (int i = 0; i < o.requests; ++i) {
    std::string name = serviceName(o.offset + i);
    {
      std::lock_guard<std::mutex> lock(mu);
      created[name] = Clock::now();
    }
    auto res = c.request(makeRequest("POST", "/api/v1/namespaces/" + o.ns + "/services", serviceBody(name)));
    expectStatus(res, 201, "create");
  }
  watcher.join();
  double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  std::vector<double> delays;
  for (auto& [name, at] : seen) {
    auto it = created.find(name);
    if (it != created.end()) delays.push_back(millis(at - it->second));
  }
  if (static_cast<int>(delays.size()) != o.requests) die("watch saw " + std::to_string(delays.size()) + " of " + std::to_string(o.requests) + " creates");
  report("watch-delivery", 1, delays, seconds);
}

std::string podName(int i) { return "pod-" + std::to_string(i); }

std::string podIp(int i) { return "10.42." + std::to_string(i / 250) + "." + std::to_string(i % 250 + 1); }

std::string podStatus(int i, bool ready) {
  return R"({"status":{"phase":"Running","podIP":")" + podIp(i) + R"(","podIPs":[{"ip":")" + podIp(i) +
         R"("}],"conditions":[{"type":"Ready","status":")" + (ready ? "True" : "False") + R"("}]}})";
}

Request mergePatch(const std::string& target, std::string body) {
  Request r = makeRequest("PATCH", target, std::move(body));
  r.headers[1].value = "application/merge-patch+json";
  return r;
}

// Pods selected by the bench Services (Pod i by Service i / podsPerService), each created
// and then given an IP and Ready=True through /status, as a runtime hook would.
void phasePods(const Options& o) {
  std::string path = "/api/v1/namespaces/" + o.ns + "/pods";
  runLoad(o, "pod-create+status", [&](Client& c, int i) {
    std::string name = podName(i);
    std::string body = R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":")" + name + R"(","labels":{"app":")" +
                       serviceName(i / o.podsPerService) +
                       R"("}},"spec":{"containers":[{"name":"app","image":"nginx","ports":[{"name":"http","containerPort":8080}]}]}})";
    expectStatus(c.request(makeRequest("POST", path, body)), 201, "create pod");
    expectStatus(c.request(mergePatch(path + "/" + name + "/status", podStatus(i, true))), 200, "pod status");
  });
}

// One client flips the readiness of Pods spread over the namespace, one at a time; a
// watcher on the namespace's EndpointSlices reports when a slice shows the new state.
// The delay runs from sending the Pod's status patch to receiving that slice event.
void phasePodToSlice(const Options& o) {
  const int podCount = o.pods;
  Client lister = connectOrDie(o);
  auto list = lister.request(makeRequest("GET", "/apis/discovery.k8s.io/v1/namespaces/" + o.ns + "/endpointslices?limit=1"));
  expectStatus(list, 200, "list slices");
  std::string rv = nlohmann::json::parse(list->body)["metadata"]["resourceVersion"];

  std::mutex mu;
  std::condition_variable cv;
  std::string wantPod;
  bool wantReady = false, seen = false, done = false;
  std::thread watcher([&] {
    Client w = connectOrDie(o);
    auto res = w.stream(
        makeRequest("GET", "/apis/discovery.k8s.io/v1/namespaces/" + o.ns + "/endpointslices?watch=true&resourceVersion=" + rv),
        [&](std::string_view line) {
          auto event = nlohmann::json::parse(line, nullptr, false);
          std::lock_guard<std::mutex> lock(mu);
          if (done) return false;
          if (event.is_discarded() || wantPod.empty() || seen) return true;
          for (const auto& ep : event["object"].value("endpoints", nlohmann::json::array())) {
            if (ep.contains("targetRef") && ep["targetRef"].value("name", "") == wantPod &&
                ep["conditions"].value("ready", false) == wantReady) {
              seen = true;
              cv.notify_all();
            }
          }
          return true;
        });
    if (!res.isOk() && !done) die("watch: " + res.status().toString());
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(200));

  Client c = connectOrDie(o);
  std::string path = "/api/v1/namespaces/" + o.ns + "/pods/";
  std::vector<bool> ready(podCount, true);
  std::vector<double> delays;
  auto start = Clock::now();
  for (int k = 0; k < o.requests; ++k) {
    int i = static_cast<int>((static_cast<long long>(k) * 7919) % podCount);  // spread over Services
    ready[i] = !ready[i];
    {
      std::lock_guard<std::mutex> lock(mu);
      wantPod = podName(i);
      wantReady = ready[i];
      seen = false;
    }
    auto t0 = Clock::now();
    expectStatus(c.request(mergePatch(path + podName(i) + "/status", podStatus(i, ready[i]))), 200, "pod status");
    std::unique_lock<std::mutex> lock(mu);
    if (!cv.wait_for(lock, std::chrono::seconds(30), [&] { return seen; })) die("no slice update for " + wantPod);
    delays.push_back(millis(Clock::now() - t0));
  }
  double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  {
    std::lock_guard<std::mutex> lock(mu);
    done = true;
  }
  // The watcher returns on its next event; a no-op create of one more slice is not
  // possible, so end it by flipping one Pod once more.
  expectStatus(c.request(mergePatch(path + podName(0) + "/status", podStatus(0, !ready[0]))), 200, "pod status");
  watcher.join();
  report("pod-to-slice", 1, delays, seconds);
}

}  // namespace

int main(int argc, char** argv) {
  Options o = parse(argc, argv);
  if (o.phase == "create") phaseCreate(o);
  else if (o.phase == "get") phaseGet(o);
  else if (o.phase == "list") phaseList(o, false);
  else if (o.phase == "list-table") phaseList(o, true);
  else if (o.phase == "watch") phaseWatch(o);
  else if (o.phase == "pods") phasePods(o);
  else if (o.phase == "pod-to-slice") phasePodToSlice(o);
  else die("unknown phase " + o.phase);
  return 0;
}
