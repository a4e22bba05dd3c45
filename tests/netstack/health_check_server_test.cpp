// The service health server: the response as a pure function (kube-proxy's exact bytes),
// then real listeners on 127.0.0.1 ports. Unprivileged.

#include "netstack/health_check_server.h"

#include <gtest/gtest.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <cerrno>
#include <chrono>
#include <string>
#include <thread>

#include "netstack/src/health_response.h"
#include "loopback_http.h"

namespace edgeway::netstack {
namespace {

using detail::HealthReport;
using detail::healthResponse;
using testing::connectTo;
using testing::fetch;
using testing::freePort;
using testing::readAll;

constexpr const char* kDate = "Sun, 06 Nov 1994 08:49:37 GMT";

TEST(HealthResponseTest, HealthyServiceGets200AndKubeProxysBody) {
  std::string r = healthResponse("GET / HTTP/1.1\r\nHost: x\r\n\r\n", {"shop", "web", 2, true}, kDate);
  const std::string body =
      "{\n"
      "\t\"service\": {\n"
      "\t\t\"namespace\": \"shop\",\n"
      "\t\t\"name\": \"web\"\n"
      "\t},\n"
      "\t\"localEndpoints\": 2,\n"
      "\t\"serviceProxyHealthy\": true\n"
      "}";
  EXPECT_EQ(r,
            "HTTP/1.1 200 OK\r\n"
            "Content-Type: application/json\r\n"
            "X-Content-Type-Options: nosniff\r\n"
            "Date: Sun, 06 Nov 1994 08:49:37 GMT\r\n"
            "Content-Length: " +
                std::to_string(body.size()) +
                "\r\n"
                "Connection: close\r\n"
                "\r\n" +
                body);
}

TEST(HealthResponseTest, NoLocalEndpointsOrUnhealthyProxyGets503) {
  std::string r = healthResponse("GET /healthz HTTP/1.0\r\n\r\n", {"shop", "web", 0, true}, kDate);
  EXPECT_EQ(r.rfind("HTTP/1.1 503 Service Unavailable\r\n", 0), 0u) << r;
  EXPECT_NE(r.find("\"localEndpoints\": 0,"), std::string::npos);
  r = healthResponse("GET / HTTP/1.1\r\n\r\n", {"shop", "web", 3, false}, kDate);
  EXPECT_EQ(r.rfind("HTTP/1.1 503 ", 0), 0u) << r;
  EXPECT_NE(r.find("\"serviceProxyHealthy\": false\n}"), std::string::npos) << r;
}

TEST(HealthResponseTest, HeadHasNoBodyAndGarbageGets400) {
  std::string r = healthResponse("HEAD / HTTP/1.1\r\n\r\n", {"a", "b", 1, true}, kDate);
  EXPECT_EQ(r.rfind("HTTP/1.1 200 OK\r\n", 0), 0u);
  EXPECT_EQ(r.substr(r.size() - 4), "\r\n\r\n");
  EXPECT_EQ(healthResponse("hello\r\n\r\n", {"a", "b", 1, true}, kDate).rfind("HTTP/1.1 400 ", 0), 0u);
  EXPECT_EQ(healthResponse("GET / SPDY/3\r\n\r\n", {"a", "b", 1, true}, kDate).rfind("HTTP/1.1 400 ", 0), 0u);
}

// ---------------------------------------------------------------------------------------

std::string bodyOf(const std::string& response) {
  size_t p = response.find("\r\n\r\n");
  return p == std::string::npos ? "" : response.substr(p + 4);
}

class HealthCheckServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    HealthCheckServerOptions options;
    options.bindAddresses = {*IpAddress::parse("127.0.0.1")};
    options.readTimeout = std::chrono::milliseconds(300);
    options.maxRequestHead = 1024;
    server_ = std::make_unique<HealthCheckServer>(io_, options);
    thread_ = std::thread([this] { io_.run(); });
  }
  void TearDown() override {
    server_.reset();
    work_.reset();
    thread_.join();
  }

  // Waits (bounded) until nothing listens on port any more: closing is asynchronous.
  bool becomesClosed(uint16_t port) {
    for (int i = 0; i < 200; ++i) {
      int fd = connectTo(port);
      if (fd < 0) return true;
      close(fd);
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
  }

  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_ =
      boost::asio::make_work_guard(io_);
  std::unique_ptr<HealthCheckServer> server_;
  std::thread thread_;
};

TEST_F(HealthCheckServerTest, ServesCountsAndFollowsSync) {
  const uint16_t a = freePort(), b = freePort();
  ASSERT_NE(a, b);
  Status st = server_->sync({{a, {"shop", "web", 2}}, {b, {"shop", "db", 0}}});
  ASSERT_TRUE(st) << st.toString();
  EXPECT_EQ(server_->ports().size(), 2u);

  std::string r = fetch(a);
  EXPECT_EQ(r.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << r;
  EXPECT_NE(r.find("Content-Type: application/json\r\n"), std::string::npos);
  EXPECT_NE(r.find("X-Content-Type-Options: nosniff\r\n"), std::string::npos);
  EXPECT_EQ(bodyOf(r), detail::healthBody({"shop", "web", 2, true}));
  r = fetch(b);
  EXPECT_EQ(r.rfind("HTTP/1.1 503 Service Unavailable\r\n", 0), 0u) << r;
  EXPECT_EQ(bodyOf(r), detail::healthBody({"shop", "db", 0, true}));

  // Counts change in place; a port that goes away is closed.
  st = server_->sync({{b, {"shop", "db", 1}}});
  ASSERT_TRUE(st) << st.toString();
  EXPECT_TRUE(becomesClosed(a));
  r = fetch(b);
  EXPECT_EQ(r.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << r;
  EXPECT_NE(r.find("\"localEndpoints\": 1,"), std::string::npos);

  server_->setProxyHealthy(false);
  r = fetch(b);
  EXPECT_EQ(r.rfind("HTTP/1.1 503 ", 0), 0u) << r;
  EXPECT_NE(r.find("\"serviceProxyHealthy\": false"), std::string::npos);
  server_->setProxyHealthy(true);

  // The port comes back.
  st = server_->sync({{a, {"shop", "web", 5}}, {b, {"shop", "db", 1}}});
  ASSERT_TRUE(st) << st.toString();
  EXPECT_NE(fetch(a).find("\"localEndpoints\": 5,"), std::string::npos);

  st = server_->sync({});
  ASSERT_TRUE(st);
  EXPECT_TRUE(server_->ports().empty());
  EXPECT_TRUE(becomesClosed(a));
  EXPECT_TRUE(becomesClosed(b));
}

TEST_F(HealthCheckServerTest, PortInUseIsReportedAndRetried) {
  const uint16_t busy = freePort(), fine = freePort();
  int holder = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in sin{};
  sin.sin_family = AF_INET;
  sin.sin_port = htons(busy);
  sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(holder, reinterpret_cast<sockaddr*>(&sin), sizeof sin), 0);
  ASSERT_EQ(listen(holder, 1), 0);

  Status st = server_->sync({{busy, {"shop", "web", 1}}, {fine, {"shop", "db", 1}}});
  EXPECT_FALSE(st);
  EXPECT_NE(st.message().find("shop/web"), std::string::npos) << st.toString();
  EXPECT_EQ(server_->ports(), std::vector<uint16_t>{fine});
  EXPECT_EQ(fetch(fine).rfind("HTTP/1.1 200 ", 0), 0u);

  close(holder);
  st = server_->sync({{busy, {"shop", "web", 1}}, {fine, {"shop", "db", 1}}});
  EXPECT_TRUE(st) << st.toString();
  EXPECT_EQ(fetch(busy).rfind("HTTP/1.1 200 ", 0), 0u);
}

TEST_F(HealthCheckServerTest, OversizedOrSlowRequestsAreDropped) {
  const uint16_t port = freePort();
  ASSERT_TRUE(server_->sync({{port, {"shop", "web", 1}}}));
  // A head over the 1 KiB limit: closed without an answer.
  EXPECT_EQ(fetch(port, "GET / HTTP/1.1\r\nX-Big: " + std::string(4096, 'a') + "\r\n\r\n"), "");
  // A client that never finishes its head: closed at the deadline.
  int fd = connectTo(port);
  ASSERT_GE(fd, 0);
  send(fd, "GET / HTTP/1.1\r\n", 16, MSG_NOSIGNAL);
  EXPECT_EQ(readAll(fd), "");
  close(fd);
  // The listener still serves.
  EXPECT_EQ(fetch(port).rfind("HTTP/1.1 200 ", 0), 0u);
}

}  // namespace
}  // namespace edgeway::netstack
