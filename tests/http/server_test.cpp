#include "http/server.h"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <future>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

#include "http/client.h"
#include "http/io_context.h"
#include "http/raw_connection.h"
#include "http/test_server.h"

namespace edgeway::http {
namespace {

using testing::get;
using testing::RawConnection;
using testing::ready;
using testing::TestServer;
using testing::text;

// Answers with what it received, so tests can check what crossed the wire.
void echo(Request&& request, std::shared_ptr<Exchange> exchange) {
  Response r = text(200, request.method + " " + request.target + " " + request.body);
  r.setHeader("X-Seen-Test", std::string(request.header("x-test")));
  r.setHeader("X-Remote", request.remoteAddress);
  exchange->respond(std::move(r));
}

TEST(ServerTest, GetAndPostRoundTrip) {
  TestServer server(echo);
  Client client = server.client();

  Request g = get("/hello?x=1");
  g.headers.push_back({"X-Test", "yes"});
  auto r = client.request(g);
  ASSERT_TRUE(r) << r.status().toString();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "GET /hello?x=1 ");
  EXPECT_EQ(r->header("x-seen-test"), "yes");
  EXPECT_EQ(r->header("content-length"), "15");

  Request p;
  p.method = "POST";
  p.target = "/items";
  p.body = std::string(100000, 'b');
  r = client.request(p);
  ASSERT_TRUE(r) << r.status().toString();
  EXPECT_EQ(r->body, "POST /items " + p.body);
}

TEST(ServerTest, KeepAliveServesManyRequestsOnOneConnection) {
  TestServer server(echo);
  Client client = server.client();
  std::string remote;
  for (int i = 0; i < 5; ++i) {
    auto r = client.request(get("/n/" + std::to_string(i)));
    ASSERT_TRUE(r) << r.status().toString();
    EXPECT_EQ(r->body, "GET /n/" + std::to_string(i) + " ");
    // The client's address and port identify the connection.
    if (i == 0) remote = std::string(r->header("x-remote"));
    EXPECT_EQ(r->header("x-remote"), remote);
  }
  EXPECT_FALSE(remote.empty());
}

// Exchanges handed from the server's threads to a worker thread of the test.
class ExchangeQueue {
 public:
  void push(Request&& request, std::shared_ptr<Exchange> exchange) {
    std::lock_guard<std::mutex> lock(mu_);
    items_.emplace_back(std::move(request), std::move(exchange));
    cv_.notify_all();
  }
  std::pair<Request, std::shared_ptr<Exchange>> pop() {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return !items_.empty(); });
    auto item = std::move(items_.front());
    items_.pop_front();
    return item;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::pair<Request, std::shared_ptr<Exchange>>> items_;
};

TEST(ServerTest, RespondsLaterFromAnotherThread) {
  ExchangeQueue queue;
  TestServer server(
      [&](Request&& r, std::shared_ptr<Exchange> e) { queue.push(std::move(r), std::move(e)); });
  std::thread worker([&] {
    for (int i = 0; i < 3; ++i) {
      auto [request, exchange] = queue.pop();
      exchange->respond(text(202, "later " + request.target));
    }
  });
  Client client = server.client();
  for (int i = 0; i < 3; ++i) {
    auto r = client.request(get("/job/" + std::to_string(i)));
    ASSERT_TRUE(r) << r.status().toString();
    EXPECT_EQ(r->status, 202);
    EXPECT_EQ(r->body, "later /job/" + std::to_string(i));
  }
  worker.join();
}

TEST(ServerTest, PipelinedRequestsAreAnsweredInOrder) {
  ExchangeQueue queue;
  TestServer server(
      [&](Request&& r, std::shared_ptr<Exchange> e) { queue.push(std::move(r), std::move(e)); });
  RawConnection raw(server.port());
  ASSERT_TRUE(raw.connected());
  ASSERT_TRUE(
      raw.send("GET /first HTTP/1.1\r\nHost: t\r\n\r\n"
               "GET /second HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"));
  for (int i = 0; i < 2; ++i) {
    auto [request, exchange] = queue.pop();
    exchange->respond(text(200, request.target));
  }
  std::string all = raw.readAll();
  size_t first = all.find("\r\n\r\n/first");
  size_t second = all.find("\r\n\r\n/second");
  ASSERT_NE(first, std::string::npos) << all;
  ASSERT_NE(second, std::string::npos) << all;
  EXPECT_LT(first, second);
}

TEST(ServerTest, UnansweredExchangeGets500) {
  TestServer server([](Request&&, std::shared_ptr<Exchange>) {});
  Client client = server.client();
  auto r = client.request(get("/"));
  ASSERT_TRUE(r) << r.status().toString();
  EXPECT_EQ(r->status, 500);
  // The connection is still usable.
  r = client.request(get("/"));
  ASSERT_TRUE(r) << r.status().toString();
  EXPECT_EQ(r->status, 500);
}

TEST(ServerTest, ThrowingHandlerGets500) {
  TestServer server([](Request&&, std::shared_ptr<Exchange>) { throw std::runtime_error("handler bug"); });
  Client client = server.client();
  auto r = client.request(get("/"));
  ASSERT_TRUE(r) << r.status().toString();
  EXPECT_EQ(r->status, 500);
}

TEST(ServerTest, BodyOverLimitGets413) {
  ServerOptions options;
  options.maxBodyBytes = 1024;
  TestServer server(echo, options);

  Request p;
  p.method = "POST";
  p.target = "/big";
  p.body = std::string(1025, 'x');
  Client client = server.client();
  auto r = client.request(p);
  ASSERT_TRUE(r) << r.status().toString();
  EXPECT_EQ(r->status, 413);
  EXPECT_FALSE(r->body.empty());
  EXPECT_EQ(r->header("connection"), "close");

  // Far over the limit: the server must read (and discard) what the client still sends, or
  // the client would see a reset instead of the 413.
  p.body = std::string(4 * 1024 * 1024, 'x');
  r = client.request(p);
  ASSERT_TRUE(r) << r.status().toString();
  EXPECT_EQ(r->status, 413);

  p.body = std::string(1024, 'x');
  r = client.request(p);
  ASSERT_TRUE(r) << r.status().toString();
  EXPECT_EQ(r->status, 200);
}

TEST(ServerTest, HeaderOverLimitGets431) {
  ServerOptions options;
  options.maxHeaderBytes = 4096;
  TestServer server(echo, options);
  RawConnection raw(server.port());
  ASSERT_TRUE(raw.connected());
  raw.send("GET / HTTP/1.1\r\nHost: t\r\nX-Big: " + std::string(8192, 'h') + "\r\n\r\n");
  EXPECT_EQ(raw.readAll().rfind("HTTP/1.1 431 ", 0), 0u);
}

TEST(ServerTest, MalformedRequestGets400AndServerKeepsServing) {
  TestServer server(echo);
  {
    RawConnection raw(server.port());
    ASSERT_TRUE(raw.connected());
    raw.send("this is not http\r\n\r\n");
    std::string reply = raw.readAll();  // ends when the server closes the connection
    EXPECT_EQ(reply.rfind("HTTP/1.1 400 ", 0), 0u) << reply;
  }
  {
    RawConnection raw(server.port());
    raw.send("GET / HTTP/1.1\r\nHost: t\r\nContent-Length: nope\r\n\r\n");
    EXPECT_EQ(raw.readAll().rfind("HTTP/1.1 400 ", 0), 0u);
  }
  Client client = server.client();
  auto r = client.request(get("/still-here"));
  ASSERT_TRUE(r) << r.status().toString();
  EXPECT_EQ(r->status, 200);
}

TEST(ServerTest, HeadResponseCarriesLengthButNoBody) {
  TestServer server([](Request&&, std::shared_ptr<Exchange> e) { e->respond(text(200, "hello")); });
  Client client = server.client();
  Request head = get("/");
  head.method = "HEAD";
  auto r = client.request(head);
  ASSERT_TRUE(r) << r.status().toString();
  EXPECT_EQ(r->header("content-length"), "5");
  EXPECT_EQ(r->body, "");
  // Stray body bytes would corrupt the next response on this connection.
  r = client.request(get("/"));
  ASSERT_TRUE(r) << r.status().toString();
  EXPECT_EQ(r->body, "hello");
}

TEST(ServerTest, AnswersExpectContinueBeforeTheBody) {
  TestServer server(echo);
  RawConnection raw(server.port());
  ASSERT_TRUE(raw.connected());
  raw.send("POST /up HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n");
  std::string interim = raw.readUntil("\r\n\r\n");
  EXPECT_EQ(interim, "HTTP/1.1 100 Continue\r\n\r\n");
  raw.send("hello");
  std::string reply = raw.readUntil("POST /up hello");
  EXPECT_NE(reply.find("HTTP/1.1 200 OK\r\n"), std::string::npos) << reply;
}

TEST(ServerTest, Http10RequestGetsALengthAndAClose) {
  TestServer server(echo);
  RawConnection raw(server.port());
  ASSERT_TRUE(raw.connected());
  raw.send("GET /old HTTP/1.0\r\n\r\n");
  std::string reply = raw.readAll();  // the server closes: 1.0 without keep-alive
  EXPECT_NE(reply.find("Content-Length: 9\r\n"), std::string::npos) << reply;
  EXPECT_NE(reply.find("Connection: close\r\n"), std::string::npos) << reply;
  EXPECT_EQ(reply.substr(reply.size() - 9), "GET /old ");
}

TEST(ServerTest, DropsInvalidAndFramingHeadersFromHandlers) {
  TestServer server([](Request&&, std::shared_ptr<Exchange> e) {
    Response r = text(200, "ok");
    r.headers.push_back({"X-Injected", "a\r\nSet-Cookie: evil=1"});
    r.headers.push_back({"Content-Length", "999"});
    r.headers.push_back({"X-Fine", "yes"});
    e->respond(std::move(r));
  });
  Client client = server.client();
  auto r = client.request(get("/"));
  ASSERT_TRUE(r) << r.status().toString();
  EXPECT_EQ(r->body, "ok");
  EXPECT_EQ(r->header("x-fine"), "yes");
  EXPECT_EQ(r->header("x-injected"), "");
  EXPECT_EQ(r->header("set-cookie"), "");
}

TEST(ServerTest, ManyConcurrentConnectionsAreAllAnswered) {
  TestServer server(echo);
  constexpr int kClients = 64;
  constexpr int kRequests = 20;
  std::atomic<int> answered{0};
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&, c] {
      auto client = Client::connect("127.0.0.1", server.port());
      if (!client) return;
      for (int i = 0; i < kRequests; ++i) {
        std::string target = "/c/" + std::to_string(c) + "/" + std::to_string(i);
        auto r = client->request(get(target));
        if (r && r->status == 200 && r->body == "GET " + target + " ") ++answered;
      }
    });
  }
  for (std::thread& t : clients) t.join();
  EXPECT_EQ(answered.load(), kClients * kRequests);
}

TEST(ServerTest, ConnectionsBeyondTheLimitAreClosed) {
  ServerOptions options;
  options.maxConnections = 1;
  TestServer server(echo, options);
  Client first = server.client();
  ASSERT_TRUE(first.request(get("/")));                       // now certainly registered
  auto second = Client::connect("127.0.0.1", server.port());  // TCP completes in the backlog
  ASSERT_TRUE(second) << second.status().toString();
  EXPECT_FALSE(second->request(get("/")));
  EXPECT_TRUE(first.request(get("/")));
}

TEST(ServerTest, ReportsAddressInUse) {
  IoContext io(1);
  ServerOptions options;
  options.listen = "127.0.0.1:0";
  auto first = Server::create(io, options, echo);
  ASSERT_TRUE(first) << first.status().toString();
  options.listen = (*first)->localAddress();
  auto second = Server::create(io, options, echo);
  ASSERT_FALSE(second);
  EXPECT_EQ(second.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(second.status().message().find("in use"), std::string::npos) << second.status().toString();
  EXPECT_NE(second.status().message().find(options.listen), std::string::npos);
}

TEST(ServerTest, RejectsMalformedListenAddresses) {
  IoContext io(1);
  for (const char* listen :
       {"localhost:80", "127.0.0.1", "::1:80", "127.0.0.1:99999", "127.0.0.1:x", "[::1]"}) {
    ServerOptions options;
    options.listen = listen;
    auto s = Server::create(io, options, echo);
    ASSERT_FALSE(s) << listen;
    EXPECT_EQ(s.status().code(), StatusCode::kInvalidArgument) << listen;
  }
}

TEST(ServerTest, ListensOnIpv6) {
  IoContext io(1);
  ServerOptions options;
  options.listen = "[::1]:0";
  auto server = Server::create(io, options, echo);
  if (!server) GTEST_SKIP() << "no IPv6 loopback here: " << server.status().toString();
  (*server)->start();
  io.start();
  std::string local = (*server)->localAddress();
  ASSERT_EQ(local.rfind("[::1]:", 0), 0u) << local;
  auto port = static_cast<uint16_t>(std::stoi(local.substr(6)));
  auto client = Client::connect("::1", port);
  ASSERT_TRUE(client) << client.status().toString();
  auto r = client->request(get("/v6"));
  ASSERT_TRUE(r) << r.status().toString();
  EXPECT_EQ(r->body, "GET /v6 ");
  EXPECT_EQ(r->header("x-remote").rfind("[::1]:", 0), 0u);
}

}  // namespace
}  // namespace edgeway::http
