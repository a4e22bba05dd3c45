#pragma once
// A real server on 127.0.0.1:<any port> with its own event loop, for tests that drive it
// with Client or RawConnection.

#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <memory>
#include <string>

#include "http/client.h"
#include "http/io_context.h"
#include "http/server.h"

namespace edgeway::http::testing {

// Guards a wait in a test: generous, so that it only ever trips on a real hang.
template <class T>
bool ready(std::future<T>& f) {
  return f.wait_for(std::chrono::seconds(30)) == std::future_status::ready;
}

class TestServer {
 public:
  explicit TestServer(Handler handler, ServerOptions options = {}) : io_(2) {
    options.listen = "127.0.0.1:0";
    auto server = Server::create(io_, options, std::move(handler));
    if (!server) {
      ADD_FAILURE() << server.status().toString();
      return;
    }
    server_ = std::move(server).value();
    server_->start();
    io_.start();
    std::string local = server_->localAddress();
    port_ = static_cast<uint16_t>(std::stoi(local.substr(local.rfind(':') + 1)));
  }

  ~TestServer() {
    if (server_) server_->stop();
  }

  uint16_t port() const { return port_; }
  Server& server() { return *server_; }

  Client client() {
    ClientOptions options;
    options.streamIdleTimeoutSeconds = 30;  // hang guard only
    auto client = Client::connect("127.0.0.1", port_, options);
    EXPECT_TRUE(client) << client.status().toString();
    return std::move(client).value();
  }

 private:
  IoContext io_;  // declared first: destroyed last, after the server
  std::unique_ptr<Server> server_;
  uint16_t port_ = 0;
};

inline Request get(std::string target) {
  Request r;
  r.method = "GET";
  r.target = std::move(target);
  return r;
}

inline Response text(int status, std::string body) {
  Response r;
  r.status = status;
  r.setHeader("Content-Type", "text/plain");
  r.body = std::move(body);
  return r;
}

}  // namespace edgeway::http::testing
