#include "dns/forwarder.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <condition_variable>
#include <cstring>
#include <future>
#include <mutex>
#include <thread>

#include "dns/src/forwarder_cache.h"
#include "tests/dns/dns_test_util.h"

namespace edgeway::dns {
namespace {

// ---- A fake upstream resolver on 127.0.0.1: UDP and TCP on one port, one thread. ----

class FakeUpstream {
 public:
  // Returns the answer to send, or nullopt to stay silent. `tcp` says which transport.
  using Handler = std::function<std::optional<Message>(const Message& query, bool tcp)>;

  explicit FakeUpstream(Handler handler) : handler_(std::move(handler)) {
    for (int attempt = 0; attempt < 20 && port_ == 0; ++attempt) bindBoth();
    EXPECT_NE(port_, 0) << "could not bind a fake upstream";
    wake_ = ::eventfd(0, EFD_CLOEXEC);
    thread_ = std::thread([this] { run(); });
  }

  ~FakeUpstream() {
    const uint64_t one = 1;
    (void)!::write(wake_, &one, sizeof one);
    thread_.join();
    ::close(udp_);
    ::close(tcp_);
    ::close(wake_);
  }

  SocketAddress address() const { return SocketAddress{IpAddress::v4(0x7f000001), port_}; }
  int udpQueries() const { return udpQueries_.load(); }
  int tcpQueries() const { return tcpQueries_.load(); }
  // The last query as received.
  Message lastQuery() {
    std::lock_guard lock(mu_);
    return last_;
  }

 private:
  void bindBoth() {
    udp_ = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    tcp_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof sa;
    if (::bind(udp_, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0 &&
        ::getsockname(udp_, reinterpret_cast<sockaddr*>(&sa), &len) == 0 &&
        ::bind(tcp_, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0 && ::listen(tcp_, 16) == 0) {
      port_ = ntohs(sa.sin_port);
      return;
    }
    ::close(udp_);
    ::close(tcp_);
  }

  std::optional<std::string> answer(std::string_view wire, bool tcp) {
    auto query = parse(wire);
    if (!query.isOk()) return std::nullopt;
    {
      std::lock_guard lock(mu_);
      last_ = *query;
    }
    (tcp ? tcpQueries_ : udpQueries_)++;
    auto reply = handler_(*query, tcp);
    if (!reply) return std::nullopt;
    reply->header.id = query->header.id;
    reply->header.qr = true;
    if (reply->questions.empty()) reply->questions = query->questions;
    return encode(*reply);
  }

  void serveTcp(int fd) {
    timeval tv{5, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    auto readAll = [fd](char* p, size_t n) { return testing::readFully(fd, p, n); };
    uint8_t len[2];
    while (readAll(reinterpret_cast<char*>(len), 2)) {
      std::string body((size_t{len[0]} << 8) | len[1], '\0');
      if (!readAll(body.data(), body.size())) break;
      auto reply = answer(body, true);
      if (!reply) continue;
      std::string frame{static_cast<char>(reply->size() >> 8), static_cast<char>(reply->size() & 0xff)};
      frame += *reply;
      if (::write(fd, frame.data(), frame.size()) != static_cast<ssize_t>(frame.size())) break;
    }
    ::close(fd);
  }

  void run() {
    pollfd fds[3] = {{udp_, POLLIN, 0}, {tcp_, POLLIN, 0}, {wake_, POLLIN, 0}};
    while (::poll(fds, 3, -1) >= 0) {
      if (fds[2].revents) return;
      if (fds[0].revents) {
        char buf[65536];
        sockaddr_storage from;
        socklen_t fromLen = sizeof from;
        const ssize_t n = ::recvfrom(udp_, buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&from), &fromLen);
        if (n > 0) {
          if (auto reply = answer(std::string_view(buf, static_cast<size_t>(n)), false)) {
            ::sendto(udp_, reply->data(), reply->size(), 0, reinterpret_cast<sockaddr*>(&from), fromLen);
          }
        }
      }
      if (fds[1].revents) {
        const int fd = ::accept(tcp_, nullptr, nullptr);
        if (fd >= 0) serveTcp(fd);
      }
    }
  }

  Handler handler_;
  int udp_ = -1;
  int tcp_ = -1;
  int wake_ = -1;
  uint16_t port_ = 0;
  std::atomic<int> udpQueries_{0};
  std::atomic<int> tcpQueries_{0};
  std::mutex mu_;
  Message last_;
  std::thread thread_;
};

// ---- Messages ----

Message query(const std::string& name, Type type = Type::kA, uint16_t id = 0x1234) {
  Message m;
  m.header.id = id;
  m.header.rd = true;
  m.questions.push_back(Question{name, type, kClassIn});
  return m;
}

Record a(const std::string& name, const std::string& ip, uint32_t ttl) {
  return Record{name, Type::kA, kClassIn, ttl, *IpAddress::parse(ip)};
}

Record soa(const std::string& zone, uint32_t ttl, uint32_t minimum) {
  return Record{zone, Type::kSOA, kClassIn, ttl,
                SoaData{"ns." + zone, "hostmaster." + zone, 1, 7200, 900, 86400, minimum}};
}

Message answerWith(std::vector<Record> answers, Rcode rcode = Rcode::kNoError) {
  Message m;
  m.header.ra = true;
  m.header.rcode = rcode;
  m.answers = std::move(answers);
  return m;
}

std::string addressOf(const Record& r) { return std::get<IpAddress>(r.data).toString(); }

// ---- The fixture: an io_context on its own thread, a fake clock for the cache. ----

class ForwarderTest : public ::testing::Test {
 protected:
  ForwarderTest() : work_(boost::asio::make_work_guard(io_)), thread_([this] { io_.run(); }) {}
  ~ForwarderTest() override {
    forwarder_.reset();
    work_.reset();
    io_.stop();
    thread_.join();
  }

  void makeForwarder(std::vector<SocketAddress> upstreams,
                     std::chrono::milliseconds upstreamTimeout = std::chrono::seconds(1),
                     std::chrono::milliseconds queryTimeout = std::chrono::seconds(5)) {
    ForwarderOptions options;
    options.upstreams = std::move(upstreams);
    options.upstreamTimeout = upstreamTimeout;
    options.queryTimeout = queryTimeout;
    options.now = [this] { return start_ + std::chrono::seconds(elapsedSeconds_.load()); };
    auto created = Forwarder::create(io_, std::move(options));
    ASSERT_TRUE(created.isOk()) << created.status().toString();
    forwarder_ = std::move(created).value();
  }

  // Forwards and waits (generously) for the answer.
  Message ask(const Message& q) {
    auto promise = std::make_shared<std::promise<Message>>();
    auto future = promise->get_future();
    forwarder_->forward(q, [promise](Message m) { promise->set_value(std::move(m)); });
    if (future.wait_for(std::chrono::seconds(30)) != std::future_status::ready) {
      ADD_FAILURE() << "no answer from the forwarder";
      return Message{};
    }
    return future.get();
  }

  void advance(int seconds) { elapsedSeconds_ += seconds; }

  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
  std::thread thread_;
  std::unique_ptr<Forwarder> forwarder_;
  const std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  std::atomic<int> elapsedSeconds_{0};
};

TEST_F(ForwarderTest, ForwardsWithTheClientsIdAndQuestion) {
  FakeUpstream upstream(
      [](const Message& q, bool) { return answerWith({a(q.questions[0].name, "192.0.2.1", 300)}); });
  makeForwarder({upstream.address()});

  const Message reply = ask(query("WWW.Example.com", Type::kA, 0xBEEF));
  EXPECT_EQ(reply.header.id, 0xBEEF);
  EXPECT_TRUE(reply.header.qr);
  EXPECT_TRUE(reply.header.ra);
  EXPECT_EQ(reply.header.rcode, Rcode::kNoError);
  ASSERT_EQ(reply.questions.size(), 1u);
  EXPECT_EQ(reply.questions[0].name, "WWW.Example.com");
  ASSERT_EQ(reply.answers.size(), 1u);
  EXPECT_EQ(addressOf(reply.answers[0]), "192.0.2.1");
  EXPECT_EQ(reply.answers[0].ttl, 300u);
  EXPECT_FALSE(reply.edns.has_value());  // the server adds its own

  // Upstream saw a recursive query with EDNS, under an ID of the forwarder's choosing.
  const Message seen = upstream.lastQuery();
  EXPECT_TRUE(seen.header.rd);
  ASSERT_TRUE(seen.edns.has_value());
  EXPECT_EQ(seen.edns->udpPayloadSize, kDefaultEdnsUdpSize);
  EXPECT_FALSE(seen.edns->dnssecOk);
  EXPECT_EQ(upstream.udpQueries(), 1);

  const auto m = forwarder_->metrics();
  EXPECT_EQ(m.cacheMisses, 1u);
  EXPECT_EQ(m.upstreamQueries, 1u);
  EXPECT_EQ(m.upstreamLatencyCount, 1u);
}

TEST_F(ForwarderTest, CacheHitCountsTtlDown) {
  FakeUpstream upstream(
      [](const Message& q, bool) { return answerWith({a(q.questions[0].name, "192.0.2.1", 300)}); });
  makeForwarder({upstream.address()});

  EXPECT_EQ(ask(query("example.com")).answers.at(0).ttl, 300u);
  advance(100);
  // Another ID and another case: the same cache entry, answered with this query's ID/case.
  const Message hit = ask(query("EXAMPLE.com", Type::kA, 0x4242));
  EXPECT_EQ(upstream.udpQueries(), 1);
  EXPECT_EQ(hit.header.id, 0x4242);
  EXPECT_EQ(hit.questions.at(0).name, "EXAMPLE.com");
  ASSERT_EQ(hit.answers.size(), 1u);
  EXPECT_EQ(hit.answers[0].ttl, 200u);
  EXPECT_EQ(forwarder_->metrics().cacheHits, 1u);

  // Another type, or the DO bit, is another entry.
  ask(query("example.com", Type::kAAAA));
  Message withDo = query("example.com");
  withDo.edns = Edns{};
  withDo.edns->dnssecOk = true;
  ask(withDo);
  EXPECT_EQ(upstream.udpQueries(), 3);
  EXPECT_TRUE(upstream.lastQuery().edns->dnssecOk);

  advance(201);  // past the TTL
  EXPECT_EQ(ask(query("example.com")).answers.at(0).ttl, 300u);
  EXPECT_EQ(upstream.udpQueries(), 4);
}

TEST_F(ForwarderTest, NegativeAnswersCachedForTheSoaMinimum) {
  FakeUpstream upstream([](const Message& q, bool) {
    Message m = answerWith({}, q.questions[0].type == Type::kA ? Rcode::kNxDomain : Rcode::kNoError);
    m.authority.push_back(soa("example.com", 3600, 60));
    return m;
  });
  makeForwarder({upstream.address()});

  EXPECT_EQ(ask(query("gone.example.com")).header.rcode, Rcode::kNxDomain);
  advance(30);
  const Message cached = ask(query("gone.example.com"));
  EXPECT_EQ(cached.header.rcode, Rcode::kNxDomain);
  ASSERT_EQ(cached.authority.size(), 1u);
  EXPECT_EQ(cached.authority[0].ttl, 30u);  // min(SOA TTL, MINIMUM) = 60, 30 seconds ago
  EXPECT_EQ(upstream.udpQueries(), 1);

  // NODATA likewise.
  EXPECT_EQ(ask(query("gone.example.com", Type::kTXT)).answers.size(), 0u);
  ask(query("gone.example.com", Type::kTXT));
  EXPECT_EQ(upstream.udpQueries(), 2);

  advance(31);  // the NXDOMAIN's 60 seconds are over
  ask(query("gone.example.com"));
  EXPECT_EQ(upstream.udpQueries(), 3);
}

TEST_F(ForwarderTest, ServFailIsNotCached) {
  FakeUpstream upstream([](const Message&, bool) { return answerWith({}, Rcode::kServFail); });
  makeForwarder({upstream.address()});

  const Message first = ask(query("broken.example.com", Type::kA, 7));
  EXPECT_EQ(first.header.rcode, Rcode::kServFail);
  EXPECT_EQ(first.header.id, 7);
  const int asked = upstream.udpQueries();
  EXPECT_GE(asked, 1);
  EXPECT_EQ(ask(query("broken.example.com")).header.rcode, Rcode::kServFail);
  EXPECT_GT(upstream.udpQueries(), asked);
  EXPECT_EQ(forwarder_->cacheSize(), 0u);
}

TEST_F(ForwarderTest, TruncatedAnswerRetriedOverTcp) {
  FakeUpstream upstream([](const Message& q, bool tcp) {
    if (!tcp) {
      Message m = answerWith({});
      m.header.tc = true;
      return m;
    }
    std::vector<Record> many;
    for (int i = 1; i <= 100; ++i) many.push_back(a(q.questions[0].name, "192.0.2." + std::to_string(i), 60));
    return answerWith(std::move(many));
  });
  makeForwarder({upstream.address()});

  const Message reply = ask(query("big.example.com"));
  EXPECT_FALSE(reply.header.tc);
  EXPECT_EQ(reply.answers.size(), 100u);
  EXPECT_EQ(upstream.udpQueries(), 1);
  EXPECT_EQ(upstream.tcpQueries(), 1);
  EXPECT_EQ(forwarder_->metrics().upstreamTcpRetries, 1u);
}

TEST_F(ForwarderTest, TimeoutFailsOverToTheNextUpstream) {
  FakeUpstream silent([](const Message&, bool) { return std::nullopt; });
  FakeUpstream working(
      [](const Message& q, bool) { return answerWith({a(q.questions[0].name, "192.0.2.9", 60)}); });
  makeForwarder({silent.address(), working.address()}, std::chrono::milliseconds(200),
                std::chrono::seconds(20));

  const Message reply = ask(query("failover.example.com", Type::kA, 99));
  EXPECT_EQ(reply.header.id, 99);
  ASSERT_EQ(reply.answers.size(), 1u);
  EXPECT_EQ(addressOf(reply.answers[0]), "192.0.2.9");
  EXPECT_EQ(silent.udpQueries(), 1);
  EXPECT_EQ(working.udpQueries(), 1);
  EXPECT_GE(forwarder_->metrics().upstreamTimeouts, 1u);

  // The upstream that answered is asked first from now on.
  ask(query("second.example.com"));
  EXPECT_EQ(silent.udpQueries(), 1);
  EXPECT_EQ(working.udpQueries(), 2);
}

TEST_F(ForwarderTest, ServFailWhenNoUpstreamAnswersInTime) {
  FakeUpstream silent([](const Message&, bool) { return std::nullopt; });
  makeForwarder({silent.address()}, std::chrono::milliseconds(50), std::chrono::milliseconds(300));

  const Message reply = ask(query("void.example.com", Type::kA, 5));
  EXPECT_EQ(reply.header.id, 5);
  EXPECT_EQ(reply.header.rcode, Rcode::kServFail);
  EXPECT_EQ(reply.questions.at(0).name, "void.example.com");
  const auto m = forwarder_->metrics();
  EXPECT_GE(m.upstreamTimeouts, 1u);
  EXPECT_EQ(m.forwardFailures, 1u);
}

TEST_F(ForwarderTest, NoUpstreamsMeansServFail) {
  makeForwarder({});
  EXPECT_EQ(ask(query("example.com")).header.rcode, Rcode::kServFail);
}

TEST_F(ForwarderTest, IdenticalQueriesInFlightAreCoalesced) {
  std::mutex mu;
  std::condition_variable cv;
  bool release = false;
  FakeUpstream upstream([&](const Message& q, bool) {
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return release; });
    return answerWith({a(q.questions[0].name, "192.0.2.7", 60)});
  });
  makeForwarder({upstream.address()}, std::chrono::seconds(20), std::chrono::seconds(20));

  auto p1 = std::make_shared<std::promise<Message>>();
  auto p2 = std::make_shared<std::promise<Message>>();
  forwarder_->forward(query("same.example.com", Type::kA, 1),
                      [p1](Message m) { p1->set_value(std::move(m)); });
  forwarder_->forward(query("Same.Example.com", Type::kA, 2),
                      [p2](Message m) { p2->set_value(std::move(m)); });
  {
    std::lock_guard lock(mu);
    release = true;
  }
  cv.notify_all();
  auto f1 = p1->get_future();
  auto f2 = p2->get_future();
  ASSERT_EQ(f1.wait_for(std::chrono::seconds(30)), std::future_status::ready);
  ASSERT_EQ(f2.wait_for(std::chrono::seconds(30)), std::future_status::ready);
  const Message r1 = f1.get();
  const Message r2 = f2.get();
  EXPECT_EQ(r1.header.id, 1);
  EXPECT_EQ(r2.header.id, 2);
  EXPECT_EQ(r2.questions.at(0).name, "Same.Example.com");
  EXPECT_EQ(r1.answers.size(), 1u);
  EXPECT_EQ(r2.answers.size(), 1u);
  EXPECT_EQ(upstream.udpQueries(), 1);
  EXPECT_EQ(forwarder_->metrics().coalesced, 1u);
}

TEST_F(ForwarderTest, StopAbandonsAndRefusesWork) {
  FakeUpstream silent([](const Message&, bool) { return std::nullopt; });
  makeForwarder({silent.address()}, std::chrono::seconds(20), std::chrono::seconds(20));
  std::atomic<bool> called{false};
  forwarder_->forward(query("pending.example.com"), [&](Message) { called = true; });
  forwarder_->stop();
  forwarder_->stop();  // idempotent
  EXPECT_EQ(ask(query("after.example.com")).header.rcode, Rcode::kServFail);
  forwarder_.reset();
  EXPECT_FALSE(called.load());
}

TEST(ForwarderCreateTest, RejectsBadOptions) {
  boost::asio::io_context io;
  ForwarderOptions options;
  options.upstreams = {SocketAddress{IpAddress::v4(0x7f000001), 0}};
  EXPECT_FALSE(Forwarder::create(io, options).isOk());
  options.upstreams.clear();
  options.queryTimeout = std::chrono::milliseconds(0);
  EXPECT_FALSE(Forwarder::create(io, options).isOk());
}

// ---- The answer cache on its own ----

using forwarder_detail::AnswerCache;
using forwarder_detail::AnswerCacheLimits;

TEST(AnswerCacheTest, EvictsLeastRecentlyUsed) {
  AnswerCacheLimits limits;
  limits.maxEntries = 2;
  AnswerCache cache(limits);
  const auto now = std::chrono::steady_clock::now();
  auto key = [](const std::string& name) {
    return AnswerCache::key(Question{name, Type::kA, kClassIn}, false);
  };
  auto answer = [](const std::string& name) {
    Message m = answerWith({a(name, "192.0.2.1", 60)});
    m.questions.push_back(Question{name, Type::kA, kClassIn});
    return m;
  };
  cache.insert(key("a"), answer("a"), now);
  cache.insert(key("b"), answer("b"), now);
  EXPECT_TRUE(cache.lookup(key("a"), now).has_value());  // a is now the most recent
  cache.insert(key("c"), answer("c"), now);
  EXPECT_EQ(cache.size(), 2u);
  EXPECT_TRUE(cache.lookup(key("a"), now).has_value());
  EXPECT_FALSE(cache.lookup(key("b"), now).has_value());
  EXPECT_TRUE(cache.lookup(key("c"), now).has_value());
}

TEST(AnswerCacheTest, WhatIsCacheableAndForHowLong) {
  AnswerCacheLimits limits;
  limits.maxTtl = 100;
  limits.maxNegativeTtl = 50;
  AnswerCache cache(limits);
  auto withQuestion = [](Message m) {
    m.questions.push_back(Question{"x.example", Type::kA, kClassIn});
    return m;
  };
  EXPECT_EQ(cache.cacheableTtl(withQuestion(answerWith({a("x", "192.0.2.1", 30), a("x", "192.0.2.2", 20)}))),
            20u);
  EXPECT_EQ(cache.cacheableTtl(withQuestion(answerWith({a("x", "192.0.2.1", 86400)}))), 100u);  // capped
  EXPECT_EQ(cache.cacheableTtl(withQuestion(answerWith({a("x", "192.0.2.1", 0)}))), 0u);
  Message nx = withQuestion(answerWith({}, Rcode::kNxDomain));
  EXPECT_EQ(cache.cacheableTtl(nx), 0u);  // no SOA: not cached (RFC 2308 section 5)
  nx.authority.push_back(soa("example", 3600, 7200));
  EXPECT_EQ(cache.cacheableTtl(nx), 50u);  // capped
  nx.authority[0] = soa("example", 10, 7200);
  EXPECT_EQ(cache.cacheableTtl(nx), 10u);  // the SOA's own TTL when smaller
  EXPECT_EQ(cache.cacheableTtl(withQuestion(answerWith({}, Rcode::kServFail))), 0u);
  EXPECT_EQ(cache.cacheableTtl(withQuestion(answerWith({}, Rcode::kRefused))), 0u);
  Message truncated = withQuestion(answerWith({a("x", "192.0.2.1", 30)}));
  truncated.header.tc = true;
  EXPECT_EQ(cache.cacheableTtl(truncated), 0u);
}

}  // namespace
}  // namespace edgeway::dns
