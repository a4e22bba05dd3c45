#include "dns/dns_service.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <cstdio>
#include <fstream>
#include <functional>
#include <set>
#include <thread>

#include "cache/cache_test_util.h"
#include "cache/fake_source.h"
#include "dns/resolver.h"
#include "dns/zone_dump.h"

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

// Polls until `done` holds. The bound only turns a hang into a failure; no test depends on
// anything happening within a time.
bool within(const std::function<bool()>& done) {
  const auto deadline = std::chrono::steady_clock::now() + cache::testing::kHangGuard;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return true;
}

std::string clusterIp(int i) {
  return "10.43." + std::to_string(i / 250) + "." + std::to_string(1 + i % 250);
}

// True when `zone` answers an A query for `name`.
bool answers(const ClusterZone& zone, const std::string& name) {
  Message q;
  q.questions.push_back(Question{name, Type::kA, kClassIn});
  auto r = resolve(q, zone);
  return r && r->header.rcode == Rcode::kNoError && !r->answers.empty();
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

  // The cache with default/web (10.43.0.10) in it, and a started DnsService answering it.
  void startWithWeb() {
    source_.set(Kind::kService, NamespacedName{"default", "web"},
                cache::testing::serviceJson("default", "web", {"10.43.0.10"}));
    state_.start();
    auto created = DnsService::create(io_, state_, options());
    ASSERT_TRUE(created.isOk());
    service_ = std::move(created).value();
    ASSERT_TRUE(service_->start().isOk());
    ASSERT_TRUE(within([&] { return answers(*service_->zone(), "web.default.svc.cluster.local"); }));
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


// The cache publishes as fast as it can while DnsService starts: snapshots handed over by
// callbacks race start()'s read of the current one. The zone served never goes back to an
// older snapshot, and it ends answering exactly as a zone built from the last one.
TEST_F(DnsServiceTest, ZoneFollowsTheNewestSnapshotAndNeverGoesBack) {
  for (int i = 0; i < 300; ++i) {
    source_.set(Kind::kService, NamespacedName{"default", "svc-" + std::to_string(i)},
                cache::testing::serviceJson("default", "svc-" + std::to_string(i), {clusterIp(i)}));
  }
  state_.start();
  std::atomic<bool> writing{true};
  std::thread writer([&] {
    std::set<NamespacedName> present;
    for (int i = 0; i < 300; ++i) present.insert(NamespacedName{"default", "svc-" + std::to_string(i)});
    for (int i = 0; writing; ++i) {
      const int n = i % 400;  // some new, some changed, some removed
      const NamespacedName name{n % 2 ? "default" : "other", "svc-" + std::to_string(n)};
      if (i % 7 == 0) {
        const std::string pod = "pod-" + std::to_string(n);
        source_.set(Kind::kPod, NamespacedName{name.ns, pod},
                    cache::testing::podJson(name.ns, pod, "10.42.0." + std::to_string(1 + n % 200)));
      } else if (i % 5 == 0 && present.count(name)) {
        source_.erase(Kind::kService, name);
        present.erase(name);
      } else {
        source_.set(Kind::kService, name,
                    cache::testing::serviceJson(name.ns, name.name, {clusterIp(i % 1000)}));
        present.insert(name);
      }
    }
  });
  auto created = DnsService::create(io_, state_, options());
  ASSERT_TRUE(created.isOk());
  service_ = std::move(created).value();
  std::atomic<bool> polling{true};
  std::atomic<int> backwards{0};
  std::thread poller([&] {
    std::pair<bool, int64_t> last{false, -1};
    while (polling) {
      auto zone = service_->zone();
      const std::pair<bool, int64_t> version{zone->synced(), zone->revision()};
      if (version < last) ++backwards;
      last = version;
    }
  });
  ASSERT_TRUE(service_->start().isOk());
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  writing = false;
  writer.join();
  // One last Service: once the zone answers it, it has caught up with every write.
  const int64_t last = source_.set(Kind::kService, NamespacedName{"default", "last"},
                                   cache::testing::serviceJson("default", "last", {"10.43.200.1"}));
  EXPECT_TRUE(within([&] { return state_.current()->revision() >= last; }));
  EXPECT_TRUE(within([&] { return answers(*service_->zone(), "last.default.svc.cluster.local"); }));
  polling = false;
  poller.join();
  EXPECT_EQ(backwards.load(), 0);
  auto zone = service_->zone();
  EXPECT_EQ(zone->revision(), last);
  EXPECT_EQ(testing::zoneDump(*zone), testing::zoneDump(*ClusterZone::build(*state_.current(), {})));
}

// stop() with zones pending (or the first being built) joins the zone thread: nothing is
// served after it returns, whatever the cache publishes next.
TEST_F(DnsServiceTest, StopWithZonesPendingServesNothingAfter) {
  for (int i = 0; i < 2000; ++i) {
    source_.set(Kind::kService, NamespacedName{"default", "svc-" + std::to_string(i)},
                cache::testing::serviceJson("default", "svc-" + std::to_string(i), {clusterIp(i)}));
  }
  state_.start();
  {
    // Stopped at once: its first zone (2,000 Services) is most likely still being built.
    auto first = DnsService::create(io_, state_, options());
    ASSERT_TRUE(first.isOk());
    ASSERT_TRUE((*first)->start().isOk());
    (*first)->stop();
    const auto served = (*first)->zone();
    const int64_t written = source_.set(Kind::kService, NamespacedName{"default", "early"},
                                        cache::testing::serviceJson("default", "early", {"10.43.200.3"}));
    EXPECT_TRUE(within([&] { return state_.current()->revision() >= written; }));
    EXPECT_EQ((*first)->zone(), served);
  }
  auto created = DnsService::create(io_, state_, options());
  ASSERT_TRUE(created.isOk());
  service_ = std::move(created).value();
  ASSERT_TRUE(service_->start().isOk());
  ASSERT_TRUE(within([&] { return service_->zone()->synced(); }));
  for (int i = 0; i < 100; ++i) {
    source_.set(Kind::kService, NamespacedName{"default", "new-" + std::to_string(i)},
                cache::testing::serviceJson("default", "new-" + std::to_string(i), {clusterIp(2000 + i)}));
  }
  service_->stop();
  const auto served = service_->zone();
  const int64_t later = source_.set(Kind::kService, NamespacedName{"default", "later"},
                                    cache::testing::serviceJson("default", "later", {"10.43.200.2"}));
  EXPECT_TRUE(within([&] { return state_.current()->revision() >= later; }));
  EXPECT_EQ(service_->zone(), served);
  EXPECT_FALSE(answers(*served, "later.default.svc.cluster.local"));
  service_->stop();  // idempotent
}

// Snapshots that change nothing DNS shows (a Node's heartbeat) do not replace the zone.
TEST_F(DnsServiceTest, SnapshotsChangingNoAnswerKeepTheZone) {
  ASSERT_NO_FATAL_FAILURE(startWithWeb());
  const auto served = service_->zone();
  const int64_t heartbeat =
      source_.set(Kind::kNode, NamespacedName{"", "node-1"}, cache::testing::nodeJson("node-1", "192.0.2.7"));
  EXPECT_TRUE(within([&] { return state_.current()->revision() >= heartbeat; }));
  EXPECT_EQ(service_->zone(), served);
  const int64_t api = source_.set(Kind::kService, NamespacedName{"default", "api"},
                                  cache::testing::serviceJson("default", "api", {"10.43.0.11"}));
  EXPECT_TRUE(within([&] { return answers(*service_->zone(), "api.default.svc.cluster.local"); }));
  EXPECT_NE(service_->zone(), served);
  EXPECT_EQ(service_->zone()->revision(), api);
  EXPECT_TRUE(answers(*service_->zone(), "web.default.svc.cluster.local"));
}

// Without pod records a Pod only makes its namespace's name exist. Its changes do not wake
// the zone thread; the next zone has them.
TEST_F(DnsServiceTest, PodChangesGoIntoTheNextZone) {
  ASSERT_NO_FATAL_FAILURE(startWithWeb());
  auto rcode = [&](const std::string& name) {
    Message q;
    q.questions.push_back(Question{name, Type::kA, kClassIn});
    return resolve(q, *service_->zone())->header.rcode;
  };
  EXPECT_EQ(rcode("solo.svc.cluster.local"), Rcode::kNxDomain);
  const auto served = service_->zone();
  const int64_t pod =
      source_.set(Kind::kPod, NamespacedName{"solo", "p"}, cache::testing::podJson("solo", "p", "10.42.0.9"));
  EXPECT_TRUE(within([&] { return state_.current()->revision() >= pod; }));
  EXPECT_EQ(service_->zone(), served);
  source_.set(Kind::kService, NamespacedName{"default", "api"},
              cache::testing::serviceJson("default", "api", {"10.43.0.11"}));
  EXPECT_TRUE(within([&] { return answers(*service_->zone(), "api.default.svc.cluster.local"); }));
  EXPECT_EQ(rcode("solo.svc.cluster.local"), Rcode::kNoError) << "the namespace exists: NODATA";
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
