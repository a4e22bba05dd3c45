#include "dns/dns_service.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <cstdio>
#include <fstream>
#include <thread>

#include "cache/cache_test_util.h"
#include "cache/fake_source.h"

namespace edgeway::dns {
namespace {

using cache::Kind;
using cache::NamespacedName;

// One UDP query to 127.0.0.1:port; nullopt when nothing came back within 10 s.
std::optional<Message> ask(uint16_t port, const std::string& name) {
  const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  sa.sin_port = htons(port);
  timeval tv{10, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  Message q;
  q.header.id = 0x2222;
  q.header.rd = true;
  q.questions.push_back(Question{name, Type::kA, kClassIn});
  const std::string wire = encode(q);
  ::sendto(fd, wire.data(), wire.size(), 0, reinterpret_cast<sockaddr*>(&sa), sizeof sa);
  char buf[4096];
  const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
  ::close(fd);
  if (n <= 0) return std::nullopt;
  auto m = parse(std::string_view(buf, static_cast<size_t>(n)));
  if (!m.isOk()) return std::nullopt;
  return *m;
}

class DnsServiceTest : public ::testing::Test {
 protected:
  DnsServiceTest() : work_(boost::asio::make_work_guard(io_)), thread_([this] { io_.run(); }) {}
  ~DnsServiceTest() override {
    service_.reset();
    state_.stop();
    work_.reset();
    io_.stop();
    thread_.join();
  }

  DnsServiceOptions options() {
    DnsServiceOptions o;
    o.listen = {"127.0.0.1:0"};
    o.upstreams = {"127.0.0.1:9"};  // nothing answers there; no test here forwards
    o.allowedSources = DnsServiceOptions::loopbackSources();
    o.udpThreads = 2;
    return o;
  }

  // Asks until `done` holds for the answer (generous bound; no timing assertion).
  template <typename Pred>
  bool eventually(uint16_t port, const std::string& name, Pred done) {
    for (int i = 0; i < 500; ++i) {
      auto m = ask(port, name);
      if (m && done(*m)) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
  }

  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
  std::thread thread_;
  cache::testing::FakeSource source_;
  cache::ClusterState state_{source_};
  std::unique_ptr<DnsService> service_;
};

TEST_F(DnsServiceTest, FollowsTheCacheFromServFailToAnswers) {
  auto created = DnsService::create(io_, state_, options());
  ASSERT_TRUE(created.isOk()) << created.status().toString();
  service_ = std::move(created).value();
  ASSERT_TRUE(service_->start().isOk());
  ASSERT_EQ(service_->localUdpPorts().size(), 1u);
  const uint16_t port = service_->localUdpPorts()[0];
  EXPECT_EQ(service_->localTcpPorts().at(0), port);

  // The cache has not synced: cluster names get SERVFAIL, never a false NXDOMAIN.
  auto before = ask(port, "web.default.svc.cluster.local");
  ASSERT_TRUE(before.has_value());
  EXPECT_EQ(before->header.rcode, Rcode::kServFail);

  source_.set(Kind::kService, NamespacedName{"default", "web"},
              cache::testing::serviceJson("default", "web", {"10.43.0.10"}));
  state_.start();
  EXPECT_TRUE(eventually(port, "web.default.svc.cluster.local", [](const Message& m) {
    return m.header.rcode == Rcode::kNoError && m.answers.size() == 1 &&
           std::get<IpAddress>(m.answers[0].data).toString() == "10.43.0.10";
  }));

  // A change in the cluster shows up in DNS.
  source_.set(Kind::kService, NamespacedName{"default", "api"},
              cache::testing::serviceJson("default", "api", {"10.43.0.11"}));
  EXPECT_TRUE(eventually(port, "api.default.svc.cluster.local", [](const Message& m) {
    return m.header.rcode == Rcode::kNoError && m.answers.size() == 1;
  }));
  source_.erase(Kind::kService, NamespacedName{"default", "web"});
  EXPECT_TRUE(eventually(port, "web.default.svc.cluster.local",
                         [](const Message& m) { return m.header.rcode == Rcode::kNxDomain; }));

  const DnsMetricsSnapshot m = service_->metrics();
  EXPECT_GE(m.udpQueries, 4u);
  EXPECT_GE(m.responsesByRcode[static_cast<size_t>(Rcode::kServFail)], 1u);
  EXPECT_TRUE(service_->zone()->synced());

  service_->stop();
  service_->stop();  // idempotent
}

TEST_F(DnsServiceTest, DefaultUpstreamsComeFromResolvConfWithoutItself) {
  const std::string path = ::testing::TempDir() + "/edgeway-dns-resolv.conf";
  {
    std::ofstream out(path);
    out << "nameserver 127.0.0.1\nnameserver 192.0.2.1\nnameserver 127.0.0.53\n";
  }
  DnsServiceOptions o = options();
  o.listen = {"127.0.0.1:53"};  // never bound: start() is not called
  o.upstreams.clear();
  o.resolvConfPath = path;
  auto created = DnsService::create(io_, state_, o);
  ASSERT_TRUE(created.isOk()) << created.status().toString();
  const auto& upstreams = (*created)->upstreams();
  ASSERT_EQ(upstreams.size(), 2u);
  EXPECT_EQ(upstreams[0].toString(), "192.0.2.1:53");
  EXPECT_EQ(upstreams[1].toString(), "127.0.0.53:53");
  std::remove(path.c_str());

  // No resolv.conf: created all the same, forwarding answers SERVFAIL.
  o.resolvConfPath = "/nonexistent/resolv.conf";
  auto without = DnsService::create(io_, state_, o);
  ASSERT_TRUE(without.isOk());
  EXPECT_TRUE((*without)->upstreams().empty());
}

TEST_F(DnsServiceTest, BadAddressesAreInvalidArguments) {
  DnsServiceOptions o = options();
  o.listen = {"localhost:53"};
  auto bad = DnsService::create(io_, state_, o);
  ASSERT_FALSE(bad.isOk());
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("--dns-listen"), std::string::npos) << bad.status().message();

  o = options();
  o.upstreams = {"8.8.8.8:99999"};
  bad = DnsService::create(io_, state_, o);
  ASSERT_FALSE(bad.isOk());
  EXPECT_NE(bad.status().message().find("--dns-upstream"), std::string::npos) << bad.status().message();
}

TEST_F(DnsServiceTest, StartReportsAddressInUse) {
  auto first = DnsService::create(io_, state_, options());
  ASSERT_TRUE(first.isOk());
  service_ = std::move(first).value();
  ASSERT_TRUE(service_->start().isOk());
  DnsServiceOptions o = options();
  o.listen = {"127.0.0.1:" + std::to_string(service_->localTcpPorts().at(0))};
  auto second = DnsService::create(io_, state_, o);
  ASSERT_TRUE(second.isOk());
  const Status s = (*second)->start();
  ASSERT_FALSE(s.isOk());
  EXPECT_EQ(s.message(), "dns: listen " + o.listen[0] + ": Address already in use");
}

}  // namespace
}  // namespace edgeway::dns
