#pragma once
// Shared by the cache tests: stored-object JSON for each kind, and a subscriber that records
// what ClusterState publishes and can hold the cache thread inside its callback.

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <nlohmann/json.hpp>
#include <ostream>
#include <string>
#include <thread>
#include <vector>

#include "cache/cluster_state.h"

namespace edgeway::cache {

// Readable names in GoogleTest failure messages.
inline void PrintTo(const NamespacedName& n, std::ostream* out) { *out << n.toString(); }

}  // namespace edgeway::cache

namespace edgeway::cache::testing {

// How long a test waits for the cache before calling it a hang. Guards against deadlocks
// only; no test depends on anything happening within a time.
inline constexpr auto kHangGuard = std::chrono::seconds(60);

inline std::string serviceJson(const std::string& ns, const std::string& name,
                               const std::vector<std::string>& clusterIps, int port = 80) {
  nlohmann::json s = {{"kind", "Service"},
                      {"apiVersion", "v1"},
                      {"metadata", {{"name", name}, {"namespace", ns}}},
                      {"spec", {{"clusterIPs", clusterIps}, {"ports", {{{"port", port}}}}}}};
  if (!clusterIps.empty()) s["spec"]["clusterIP"] = clusterIps[0];
  return s.dump();
}

inline std::string sliceJson(const std::string& ns, const std::string& name, const std::string& service,
                             const std::vector<std::string>& addresses) {
  nlohmann::json endpoints = nlohmann::json::array();
  for (const auto& a : addresses)
    endpoints.push_back({{"addresses", {a}}, {"conditions", {{"ready", true}}}});
  return nlohmann::json{
      {"kind", "EndpointSlice"},
      {"apiVersion", "discovery.k8s.io/v1"},
      {"metadata",
       {{"name", name}, {"namespace", ns}, {"labels", {{"kubernetes.io/service-name", service}}}}},
      {"addressType", "IPv4"},
      {"endpoints", endpoints},
      {"ports", {{{"name", "http"}, {"port", 8080}, {"protocol", "TCP"}}}}}
      .dump();
}

inline std::string podJson(const std::string& ns, const std::string& name, const std::string& ip,
                           bool ready = true) {
  return nlohmann::json{{"kind", "Pod"},
                        {"apiVersion", "v1"},
                        {"metadata", {{"name", name}, {"namespace", ns}, {"labels", {{"app", "web"}}}}},
                        {"spec", {{"containers", {{{"name", "app"}}}}}},
                        {"status",
                         {{"podIP", ip},
                          {"podIPs", {{{"ip", ip}}}},
                          {"conditions", {{{"type", "Ready"}, {"status", ready ? "True" : "False"}}}}}}}
      .dump();
}

inline std::string nodeJson(const std::string& name, const std::string& ip) {
  return nlohmann::json{{"kind", "Node"},
                        {"apiVersion", "v1"},
                        {"metadata", {{"name", name}}},
                        {"status", {{"addresses", {{{"type", "InternalIP"}, {"address", ip}}}}}}}
      .dump();
}

inline std::string ingressJson(const std::string& ns, const std::string& name, const std::string& host) {
  return nlohmann::json{
      {"kind", "Ingress"},
      {"apiVersion", "networking.k8s.io/v1"},
      {"metadata", {{"name", name}, {"namespace", ns}}},
      {"spec",
       {{"ingressClassName", "edgeway"},
        {"rules",
         {{{"host", host},
           {"http",
            {{"paths",
              {{{"path", "/"},
                {"pathType", "Prefix"},
                {"backend", {{"service", {{"name", "web"}, {"port", {{"number", 80}}}}}}}}}}}}}}}}}}
      .dump();
}

inline std::string ingressClassJson(const std::string& name, bool isDefault = false) {
  nlohmann::json c = {{"kind", "IngressClass"},
                      {"apiVersion", "networking.k8s.io/v1"},
                      {"metadata", {{"name", name}}},
                      {"spec", {{"controller", "edgeway.io/ingress"}}}};
  if (isDefault) c["metadata"]["annotations"] = {{"ingressclass.kubernetes.io/is-default-class", "true"}};
  return c.dump();
}

inline std::string secretJson(const std::string& ns, const std::string& name, const std::string& certBase64) {
  return nlohmann::json{{"kind", "Secret"},
                        {"apiVersion", "v1"},
                        {"metadata", {{"name", name}, {"namespace", ns}}},
                        {"type", "kubernetes.io/tls"},
                        {"data", {{"tls.crt", certBase64}, {"tls.key", "a2V5"}}}}
      .dump();
}

inline IpAddress ip(const char* text) { return *IpAddress::parse(text); }

inline std::vector<NamespacedName> names(std::initializer_list<NamespacedName> list) { return list; }

// Records every (snapshot, changes) published to it. hold() makes the next callback block
// the cache thread until release(), so a test can queue work at a known point.
class Recorder {
 public:
  struct Published {
    std::shared_ptr<const Snapshot> snapshot;
    Changes changes;
  };

  ClusterState::Callback callback() {
    return [this](const std::shared_ptr<const Snapshot>& snapshot, const Changes& changes) {
      std::unique_lock lock(mu_);
      published_.push_back({snapshot, changes});
      cv_.notify_all();
      if (holdNext_) {
        holdNext_ = false;
        held_ = true;
        cv_.notify_all();
        if (!cv_.wait_for(lock, kHangGuard, [&] { return !held_; })) ADD_FAILURE() << "never released";
      }
    };
  }

  void hold() {
    std::lock_guard lock(mu_);
    holdNext_ = true;
  }
  // Waits until the cache thread is blocked in the callback.
  void waitHeld() {
    std::unique_lock lock(mu_);
    if (!cv_.wait_for(lock, kHangGuard, [&] { return held_; })) ADD_FAILURE() << "cache thread never held";
  }
  void release() {
    std::lock_guard lock(mu_);
    held_ = false;
    cv_.notify_all();
  }

  // Waits for a published snapshot satisfying `pred`; returns its position (or -1).
  int waitFor(const std::function<bool(const Published&)>& pred) {
    std::unique_lock lock(mu_);
    int found = -1;
    cv_.wait_for(lock, kHangGuard, [&] {
      for (size_t i = 0; i < published_.size(); ++i) {
        if (pred(published_[i])) {
          found = static_cast<int>(i);
          return true;
        }
      }
      return false;
    });
    if (found < 0) ADD_FAILURE() << "no published snapshot matched";
    return found;
  }
  int waitForSynced() {
    return waitFor([](const Published& p) { return p.snapshot->synced(); });
  }

  std::vector<Published> published() const {
    std::lock_guard lock(mu_);
    return published_;
  }
  size_t count() const {
    std::lock_guard lock(mu_);
    return published_.size();
  }
  Published at(size_t i) const {
    std::lock_guard lock(mu_);
    return published_.at(i);
  }

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Published> published_;
  bool holdNext_ = false;
  bool held_ = false;
};

// Polls `pred` until true (or the hang guard): for counters that have no notification.
inline bool eventually(const std::function<bool()>& pred) {
  auto deadline = std::chrono::steady_clock::now() + kHangGuard;
  while (!pred()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

}  // namespace edgeway::cache::testing
