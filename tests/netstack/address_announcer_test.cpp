// LoadBalancerAnnouncer against the real kernel, in two network namespaces the test
// creates (node and peer, joined by a veth); never touches the host's interfaces. Skips
// without root or network namespaces, unless EDGEWAY_REQUIRE_PRIVILEGED=1 (then fails).

#include "netstack/address_announcer.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>
#include <thread>

#include "tests/netstack/privileged_test_util.h"

namespace edgeway::netstack {
namespace {

constexpr int kIpv6Freebind = 78;  // IPV6_FREEBIND (linux/in6.h, not in glibc's netinet/in.h)

IpAddress ip(const char* text) { return *IpAddress::parse(text); }

using testing::requirePrivileged;
using testing::sh;

// Named network namespaces (`ip netns add`), deleted when the guard goes away.
class Netns {
 public:
  explicit Netns(const std::string& role) : name_("edgeway-" + role + "-" + std::to_string(getpid())) {
    sh("ip netns del " + name_);
    ok_ = sh("ip netns add " + name_) == 0;
  }
  ~Netns() {
    if (ok_) sh("ip netns del " + name_);
  }
  bool ok() const { return ok_; }
  const std::string& name() const { return name_; }
  // `ip -n NAME ARGS`
  int ip(const std::string& args, std::string* out = nullptr) const {
    return sh("ip -n " + name_ + " " + args, out);
  }
  int exec(const std::string& cmd, std::string* out = nullptr) const {
    return sh("ip netns exec " + name_ + " " + cmd, out);
  }
  // Runs f on a thread that has entered this namespace; sockets it opens stay there.
  void run(const std::function<void()>& f) const { testing::inNetns(name_, f); }

 private:
  std::string name_;
  bool ok_ = false;
};

using testing::sockaddrOf;

// A listening TCP socket on addr:port (IP_FREEBIND: the address may come and go).
int listenOn(const IpAddress& addr, uint16_t port) {
  int fd = socket(addr.isV4() ? AF_INET : AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (addr.isV4()) {
    setsockopt(fd, SOL_IP, IP_FREEBIND, &one, sizeof one);
  } else {
    setsockopt(fd, SOL_IPV6, kIpv6Freebind, &one, sizeof one);
  }
  socklen_t len;
  auto ss = sockaddrOf(addr, port, &len);
  if (bind(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0 || listen(fd, 16) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

// 0 when a TCP connection to addr:port completes within timeoutMs, else the errno (or
// ETIMEDOUT).
int tryConnect(const IpAddress& addr, uint16_t port, int timeoutMs) {
  int fd = socket(addr.isV4() ? AF_INET : AF_INET6, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  socklen_t len;
  auto ss = sockaddrOf(addr, port, &len);
  int result = 0;
  if (connect(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0) {
    if (errno != EINPROGRESS) {
      result = errno;
    } else {
      pollfd p{fd, POLLOUT, 0};
      if (poll(&p, 1, timeoutMs) != 1) {
        result = ETIMEDOUT;
      } else {
        socklen_t l = sizeof result;
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &result, &l);
      }
    }
  }
  close(fd);
  return result;
}

class AnnouncerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string why;
    if (geteuid() != 0) why = "needs root";
    if (why.empty()) {
      node_ = std::make_unique<Netns>("ann-node");
      peer_ = std::make_unique<Netns>("ann-peer");
      if (!node_->ok() || !peer_->ok()) why = "cannot create network namespaces (ip netns add)";
    }
    if (!why.empty()) {
      if (requirePrivileged()) FAIL() << why << " (EDGEWAY_REQUIRE_PRIVILEGED=1)";
      GTEST_SKIP() << why;
    }
    const std::string& p = peer_->name();
    ASSERT_EQ(node_->ip("link add up0 type veth peer name down0 netns " + p), 0);
    ASSERT_EQ(node_->ip("addr add 192.168.77.1/24 dev up0"), 0);
    ASSERT_EQ(node_->ip("addr add fd77::1/64 dev up0 nodad"), 0);
    ASSERT_EQ(peer_->ip("addr add 192.168.77.2/24 dev down0"), 0);
    ASSERT_EQ(peer_->ip("addr add fd77::2/64 dev down0 nodad"), 0);
    for (const Netns* ns : {node_.get(), peer_.get()}) ASSERT_EQ(ns->ip("link set lo up"), 0);
    ASSERT_EQ(node_->ip("link set up0 up"), 0);
    ASSERT_EQ(peer_->ip("link set down0 up"), 0);
  }

  // Whether the peer reaches addr:port, starting from an empty neighbour cache.
  bool peerReaches(const IpAddress& addr, uint16_t port) {
    peer_->ip("neigh flush all");
    int result = -1;
    peer_->run([&] { result = tryConnect(addr, port, 4000); });
    return result == 0;
  }

  std::unique_ptr<Netns> node_, peer_;
};

TEST_F(AnnouncerTest, AnnouncesAndWithdrawsBothFamilies) {
  const IpAddress v4 = ip("192.168.77.200"), v6 = ip("fd77::200");
  int l4 = -1, l6 = -1;
  node_->run([&] {
    l4 = listenOn(v4, 8080);
    l6 = listenOn(v6, 8080);
  });
  ASSERT_GE(l4, 0);
  ASSERT_GE(l6, 0);
  EXPECT_FALSE(peerReaches(v4, 8080)) << "reachable before it was announced";

  node_->run([&] {
    auto announcer = LoadBalancerAnnouncer::create();
    ASSERT_TRUE(announcer) << announcer.status().toString();
    Status st = (*announcer)->sync({v4, v6, ip("127.0.0.1")});
    ASSERT_TRUE(st) << st.toString();
    EXPECT_TRUE((*announcer)->interfaceKind() == "dummy" || (*announcer)->interfaceKind() == "ifb");
    // Loopback refused; forwarding is off on up0, so IPv6 proxy NDP cannot work yet.
    std::string all;
    for (const auto& w : (*announcer)->warnings()) all += w + "\n";
    EXPECT_NE(all.find("127.0.0.1"), std::string::npos) << all;
    EXPECT_NE(all.find("net.ipv6.conf.up0.forwarding is 0"), std::string::npos) << all;
  });
  std::string out;
  ASSERT_EQ(node_->ip("addr show dev edgeway-lb", &out), 0);
  EXPECT_NE(out.find("inet 192.168.77.200/32"), std::string::npos) << out;
  EXPECT_NE(out.find("inet6 fd77::200/128"), std::string::npos) << out;
  ASSERT_EQ(node_->ip("-6 neigh show proxy", &out), 0);
  EXPECT_NE(out.find("fd77::200 dev up0"), std::string::npos) << out;
  ASSERT_EQ(node_->exec("cat /proc/sys/net/ipv6/conf/up0/proxy_ndp", &out), 0);
  EXPECT_EQ(out, "1\n");

  EXPECT_TRUE(peerReaches(v4, 8080)) << "IPv4 LoadBalancer address not reachable (ARP)";
  EXPECT_FALSE(peerReaches(v6, 8080)) << "proxy NDP answered without forwarding; update the docs";

  // With forwarding on (as the proxy needs for IPv6 endpoints), NDP works too.
  node_->run([&] {
    AnnouncerOptions options;
    options.enableIpv6Forwarding = true;
    auto announcer = LoadBalancerAnnouncer::create(options);
    ASSERT_TRUE(announcer);
    Status st = (*announcer)->sync({v4, v6});
    ASSERT_TRUE(st) << st.toString();
    EXPECT_TRUE((*announcer)->warnings().empty()) << (*announcer)->warnings().front();
  });
  EXPECT_TRUE(peerReaches(v6, 8080)) << "IPv6 LoadBalancer address not reachable (proxy NDP)";
  EXPECT_TRUE(peerReaches(v4, 8080));

  // A new instance (a restart) withdraws what the previous one left: the v6 address and
  // its proxy entry; the node's own addresses are untouched.
  node_->run([&] {
    auto announcer = LoadBalancerAnnouncer::create();
    ASSERT_TRUE(announcer);
    Status st = (*announcer)->sync({v4});
    ASSERT_TRUE(st) << st.toString();
  });
  ASSERT_EQ(node_->ip("-6 neigh show proxy", &out), 0);
  EXPECT_EQ(out.find("fd77::200"), std::string::npos) << out;
  EXPECT_FALSE(peerReaches(v6, 8080)) << "withdrawn IPv6 address still reachable";
  EXPECT_TRUE(peerReaches(v4, 8080));
  ASSERT_EQ(node_->ip("addr show dev up0", &out), 0);
  EXPECT_NE(out.find("192.168.77.1/24"), std::string::npos);
  EXPECT_NE(out.find("fd77::1/64"), std::string::npos);

  // Withdraw everything, then remove the interface.
  node_->run([&] {
    auto announcer = LoadBalancerAnnouncer::create();
    ASSERT_TRUE(announcer);
    Status st = (*announcer)->sync({});
    ASSERT_TRUE(st) << st.toString();
    EXPECT_FALSE(peerReaches(v4, 8080)) << "withdrawn IPv4 address still reachable";
    st = (*announcer)->removeAll();
    ASSERT_TRUE(st) << st.toString();
  });
  EXPECT_NE(node_->ip("link show edgeway-lb"), 0) << "interface left behind";
  close(l4);
  close(l6);
}

TEST_F(AnnouncerTest, RefusesForeignInterfaceOfTheSameName) {
  ASSERT_EQ(node_->ip("link add edgeway-lb type veth peer name other0"), 0);
  node_->run([&] {
    auto announcer = LoadBalancerAnnouncer::create();
    ASSERT_TRUE(announcer);
    Status st = (*announcer)->sync({ip("192.168.77.200")});
    EXPECT_EQ(st.code(), StatusCode::kAlreadyExists) << st.toString();
    EXPECT_TRUE((*announcer)->removeAll());  // leaves the foreign device alone
  });
  EXPECT_EQ(node_->ip("link show edgeway-lb"), 0);
}

}  // namespace
}  // namespace edgeway::netstack
