#pragma once
// Handler-level harness for the API server: a real ApiServer over a FakeStore (or any
// Store), driven through handler() with exchanges that capture the answer or the stream.
// No requests go through sockets.

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <future>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "apiserver/api_server.h"
#include "http/io_context.h"
#include "http/message.h"
#include "tests/apiserver/fake_store.h"

namespace edgeway::apiserver::testing {

using json = nlohmann::json;

// A stream that records chunks. Like the real one, it runs onClosed on the io context.
class TestStream : public http::Stream {
 public:
  explicit TestStream(http::IoContext& io) : io_(io) {}

  bool write(std::string chunk) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (closed_ || refuse_) return false;
    data_ += chunk;
    cv_.notify_all();
    return true;
  }
  void close() override { finish(); }
  void onClosed(std::function<void()> fn) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (finished_) {
      io_.post(std::move(fn));
    } else {
      onClosed_ = std::move(fn);
    }
  }

  // The client goes away.
  void disconnect() { finish(); }
  // Later writes fail, as with a client that stopped reading.
  void refuseWrites() {
    std::lock_guard<std::mutex> lock(mu_);
    refuse_ = true;
  }
  bool closed() const {
    std::lock_guard<std::mutex> lock(mu_);
    return closed_;
  }
  // Waits until the stream holds at least `n` complete events (or is closed).
  std::vector<json> events(size_t n, int timeoutMs = 5000) {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait_for(lock, std::chrono::milliseconds(timeoutMs), [&] { return parse().size() >= n || closed_; });
    return parse();
  }
  // Waits for the stream to close.
  bool waitClosed(int timeoutMs = 5000) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, std::chrono::milliseconds(timeoutMs), [&] { return closed_; });
  }

 private:
  std::vector<json> parse() const {
    std::vector<json> out;
    size_t start = 0;
    while (true) {
      size_t nl = data_.find('\n', start);
      if (nl == std::string::npos) break;
      out.push_back(json::parse(data_.substr(start, nl - start)));
      start = nl + 1;
    }
    return out;
  }
  void finish() {
    std::function<void()> fn;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (finished_) return;
      finished_ = closed_ = true;
      fn = std::move(onClosed_);
      cv_.notify_all();
    }
    if (fn) io_.post(std::move(fn));
  }

  http::IoContext& io_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::string data_;
  bool closed_ = false, finished_ = false, refuse_ = false;
  std::function<void()> onClosed_;
};

struct Reply {
  int status = 0;
  std::vector<http::Header> headers;
  std::string body;
  std::shared_ptr<TestStream> stream;  // for streamed answers

  std::string header(std::string_view name) const {
    for (const auto& h : headers) {
      if (h.name == name) return h.value;
    }
    return {};
  }
  std::vector<std::string> all(std::string_view name) const {
    std::vector<std::string> out;
    for (const auto& h : headers) {
      if (h.name == name) out.push_back(h.value);
    }
    return out;
  }
  json obj() const { return json::parse(body); }
};

class TestExchange : public http::Exchange {
 public:
  explicit TestExchange(http::IoContext& io) : io_(io) {}
  void respond(http::Response response) override {
    answer({response.status, std::move(response.headers), std::move(response.body), nullptr});
  }
  std::shared_ptr<http::Stream> startStream(int status, std::vector<http::Header> headers) override {
    auto stream = std::make_shared<TestStream>(io_);
    answer({status, std::move(headers), "", stream});
    return stream;
  }
  std::future<Reply> future() { return promise_.get_future(); }
  int answers() const { return answers_; }

 private:
  void answer(Reply r) {
    // Answering twice is a bug in the server: make it visible.
    if (answers_++ == 0) {
      promise_.set_value(std::move(r));
    } else {
      ADD_FAILURE() << "exchange answered twice";
    }
  }
  http::IoContext& io_;
  std::promise<Reply> promise_;
  std::atomic<int> answers_{0};
};

class ApiHarness {
 public:
  explicit ApiHarness(store::Store* store = nullptr, ApiServerOptions options = defaultOptions())
      : store_(store ? store : &fake_) {
    io_.start();
    auto created = ApiServer::create(io_, *store_, std::move(options));
    EXPECT_TRUE(created.isOk()) << created.status().message();
    if (created.isOk()) server_ = std::move(created).value();
    handler_ = server_->handler();
  }
  ~ApiHarness() { server_.reset(); }

  static ApiServerOptions defaultOptions() {
    ApiServerOptions o;
    o.listen = "127.0.0.1:0";
    return o;
  }

  // A verified client certificate identity, as the TLS layer hands it to the handler.
  static std::shared_ptr<const http::PeerCertificate> certificate(std::string user,
                                                                  std::vector<std::string> groups = {}) {
    auto cert = std::make_shared<http::PeerCertificate>();
    cert->commonName = std::move(user);
    cert->organizations = std::move(groups);
    return cert;
  }
  // The identity call() presents: by default the admin certificate of the generated
  // kubeconfig (CN admin, O system:masters), so every test goes through the real
  // authentication and authorization path. Null: no certificate.
  void setPeer(std::shared_ptr<const http::PeerCertificate> peer) { peer_ = std::move(peer); }

  Reply call(const std::string& method, const std::string& target, const std::string& body = "",
             std::vector<http::Header> headers = {}) {
    http::Request req;
    req.method = method;
    req.target = target;
    req.body = body;
    bool hasContentType = false, hasAccept = false;
    for (const auto& h : headers) {
      hasContentType |= h.name == "Content-Type";
      hasAccept |= h.name == "Accept";
    }
    if (!body.empty() && !hasContentType) headers.push_back({"Content-Type", "application/json"});
    if (!hasAccept) headers.push_back({"Accept", "application/json"});
    req.headers = std::move(headers);
    req.tls = true;
    req.peer = peer_;
    req.remoteAddress = "127.0.0.1:40000";
    return send(std::move(req));
  }
  // Sends a request exactly as given (no identity or headers added).
  Reply send(http::Request req) {
    std::string what = req.method + " " + req.target;
    auto exchange = std::make_shared<TestExchange>(io_);
    auto future = exchange->future();
    handler_(std::move(req), exchange);
    if (future.wait_for(std::chrono::seconds(10)) != std::future_status::ready) {
      ADD_FAILURE() << what << ": no answer";
      return {};
    }
    return future.get();
  }
  Reply get(const std::string& target, std::vector<http::Header> headers = {}) {
    return call("GET", target, "", std::move(headers));
  }
  Reply post(const std::string& target, const json& body, std::vector<http::Header> headers = {}) {
    return call("POST", target, body.dump(), std::move(headers));
  }
  Reply put(const std::string& target, const json& body) { return call("PUT", target, body.dump()); }
  Reply patch(const std::string& target, const std::string& contentType, const json& body) {
    return call("PATCH", target, body.dump(), {{"Content-Type", contentType}});
  }
  Reply del(const std::string& target, const json& body = nullptr) {
    return call("DELETE", target, body.is_null() ? "" : body.dump());
  }

  ApiServer& server() { return *server_; }
  FakeStore& fake() { return fake_; }
  store::Store& store() { return *store_; }
  http::IoContext& io() { return io_; }

 private:
  http::IoContext io_{2};
  FakeStore fake_;
  store::Store* store_;
  std::unique_ptr<ApiServer> server_;
  http::Handler handler_;
  std::shared_ptr<const http::PeerCertificate> peer_ = certificate("admin", {"system:masters"});
};

// A minimal ClusterIP Service.
inline json service(const std::string& name, json labels = json::object()) {
  json svc = {{"apiVersion", "v1"},
              {"kind", "Service"},
              {"metadata", {{"name", name}}},
              {"spec", {{"selector", {{"app", name}}}, {"ports", json::array({{{"port", 80}, {"targetPort", 8080}}})}}}};
  if (!labels.empty()) svc["metadata"]["labels"] = labels;
  return svc;
}

inline const char* kServices = "/api/v1/namespaces/default/services";

}  // namespace edgeway::apiserver::testing
