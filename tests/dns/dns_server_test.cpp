#include "dns/dns_server.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <cstring>
#include <set>
#include <thread>

#include "cache/snapshot_builder.h"
#include "dns/src/server_query_handler.h"
#include "dns/src/server_socket.h"
#include "tests/dns/dns_test_util.h"

namespace edgeway::dns {
namespace {

using server_detail::fromSockaddr;
using server_detail::toSockaddr;

// ---- The cluster: one ClusterIP Service and a headless one too big for 512 bytes. ----

constexpr int kBigEndpoints = 60;

// Also two ExternalName Services: `ext` (out of the zone) and `alias` (to `web`).
std::shared_ptr<const cache::Snapshot> snapshot(bool synced, const char* webIp = "10.43.0.10") {
  cache::SnapshotBuilder b{cache::Snapshot()};
  for (const auto& [name, target] :
       {std::pair{"ext", "DB.example.com"}, {"alias", "web.default.svc.cluster.local"}}) {
    api::ServiceView external;
    external.ns = "default";
    external.name = name;
    external.type = api::ServiceType::kExternalName;
    external.externalName = target;
    b.put(std::make_shared<const api::ServiceView>(external));
  }
  api::ServiceView web;
  web.ns = "default";
  web.name = "web";
  web.clusterIps = {*IpAddress::parse(webIp)};
  web.ipFamilies = {IpFamily::kIPv4};
  api::ServicePort port;
  port.name = "http";
  port.port = 80;
  port.targetPort.number = 80;
  web.ports = {port};
  b.put(std::make_shared<const api::ServiceView>(web));

  api::ServiceView big;
  big.ns = "default";
  big.name = "big";
  big.headless = true;
  big.ports = {port};
  b.put(std::make_shared<const api::ServiceView>(big));
  api::EndpointSliceView slice;
  slice.ns = "default";
  slice.name = "big-1";
  slice.serviceName = "big";
  slice.addressType = IpFamily::kIPv4;
  for (int i = 1; i <= kBigEndpoints; ++i) {
    api::Endpoint e;
    e.addresses = {IpAddress::v4(0x0a2a0000 + i)};  // 10.42.0.i
    e.ready = true;
    e.serving = true;
    slice.endpoints.push_back(e);
  }
  b.put(std::make_shared<const api::EndpointSliceView>(slice));
  return b.build(/*revision=*/7, synced);
}

std::shared_ptr<const ClusterZone> zone(bool synced = true, const char* webIp = "10.43.0.10") {
  return ClusterZone::build(*snapshot(synced, webIp), {});
}

using testing::query;
using testing::withEdns;

// ---- Clients ----

// A UDP socket talking to one server address; reads wait up to 10 s.
class UdpClient {
 public:
  explicit UdpClient(const SocketAddress& server) {
    fd_ = ::socket(server.ip.isV4() ? AF_INET : AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_storage sa;
    const socklen_t len = toSockaddr(server, sa);
    EXPECT_EQ(::connect(fd_, reinterpret_cast<sockaddr*>(&sa), len), 0);
    timeval tv{10, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }
  ~UdpClient() { ::close(fd_); }

  void send(std::string_view wire) {
    EXPECT_EQ(::send(fd_, wire.data(), wire.size(), 0), static_cast<ssize_t>(wire.size()));
  }
  std::optional<std::string> receive() {
    char buf[65536];
    const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n < 0) return std::nullopt;
    return std::string(buf, static_cast<size_t>(n));
  }
  std::string exchange(std::string_view wire) {
    send(wire);
    auto reply = receive();
    EXPECT_TRUE(reply.has_value()) << "no UDP answer";
    return reply.value_or("");
  }

 private:
  int fd_ = -1;
};

// Sends every query on one TCP connection (in one write: pipelined) and reads `expect` answers.
std::vector<std::string> tcpExchange(const SocketAddress& server, const std::vector<std::string>& queries,
                                     size_t expect) {
  const int fd = ::socket(server.ip.isV4() ? AF_INET : AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_storage sa;
  const socklen_t len = toSockaddr(server, sa);
  EXPECT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&sa), len), 0);
  timeval tv{10, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  std::string out;
  for (const auto& q : queries) {
    out.push_back(static_cast<char>(q.size() >> 8));
    out.push_back(static_cast<char>(q.size() & 0xff));
    out += q;
  }
  EXPECT_EQ(::write(fd, out.data(), out.size()), static_cast<ssize_t>(out.size()));
  auto readAll = [fd](char* p, size_t n) { return testing::readFully(fd, p, n); };
  std::vector<std::string> replies;
  uint8_t length[2];
  while (replies.size() < expect && readAll(reinterpret_cast<char*>(length), 2)) {
    std::string body((size_t{length[0]} << 8) | length[1], '\0');
    if (!readAll(body.data(), body.size())) break;
    replies.push_back(std::move(body));
  }
  ::close(fd);
  return replies;
}

Message parsed(const std::string& wire) {
  auto m = parse(wire);
  EXPECT_TRUE(m.isOk()) << m.status().toString();
  return m.isOk() ? *m : Message{};
}

// A one-address UDP upstream answering every A query with 192.0.2.53 (for the forwarding
// path through the server).
class TinyUpstream {
 public:
  TinyUpstream() {
    fd_ = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof sa;
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&sa), sizeof sa), 0);
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&sa), &len);
    port_ = ntohs(sa.sin_port);
    thread_ = std::thread([this] {
      char buf[4096];
      while (true) {
        sockaddr_storage from;
        socklen_t fromLen = sizeof from;
        const ssize_t n = ::recvfrom(fd_, buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&from), &fromLen);
        if (n <= 0) return;
        auto q = parse(std::string_view(buf, static_cast<size_t>(n)));
        if (!q.isOk()) {
          if (n == 1) return;  // the stop signal
          continue;
        }
        Message m = *q;
        m.header.qr = true;
        m.header.ra = true;
        m.edns.reset();
        m.answers.push_back(
            Record{m.questions[0].name, Type::kA, kClassIn, 60, *IpAddress::parse("192.0.2.53")});
        const std::string wire = encode(m);
        ::sendto(fd_, wire.data(), wire.size(), 0, reinterpret_cast<sockaddr*>(&from), fromLen);
      }
    });
  }
  ~TinyUpstream() {
    UdpClient(address()).send("x");
    thread_.join();
    ::close(fd_);
  }
  SocketAddress address() const { return SocketAddress{IpAddress::v4(0x7f000001), port_}; }

 private:
  int fd_ = -1;
  uint16_t port_ = 0;
  std::thread thread_;
};

// ---- The fixture ----

class DnsServerTest : public ::testing::Test {
 protected:
  DnsServerTest() : work_(boost::asio::make_work_guard(io_)), thread_([this] { io_.run(); }) {}
  ~DnsServerTest() override {
    if (server_) server_->stop();
    server_.reset();
    forwarder_.reset();
    work_.reset();
    io_.stop();
    thread_.join();
  }

  // A server on 127.0.0.1:0 that allows `allowed` to use the forwarder (upstreams as given).
  void startServer(std::vector<Cidr> allowed, std::shared_ptr<const ClusterZone> initial = zone(),
                   std::vector<SocketAddress> upstreams = {}, size_t udpThreads = 1,
                   std::vector<SocketAddress> listen = {SocketAddress{IpAddress::v4(0x7f000001), 0}},
                   size_t answerCacheEntries = DnsServerOptions().udpAnswerCacheEntries) {
    ForwarderOptions forwarderOptions;
    forwarderOptions.upstreams = std::move(upstreams);
    forwarder_ = std::move(Forwarder::create(io_, forwarderOptions)).value();
    DnsServerOptions options;
    options.listen = std::move(listen);
    options.allowedSources = std::move(allowed);
    options.udpThreads = udpThreads;
    options.udpAnswerCacheEntries = answerCacheEntries;
    server_ = std::make_unique<DnsServer>(io_, forwarder_.get(), options, std::move(initial));
    const Status s = server_->start();
    ASSERT_TRUE(s.isOk()) << s.toString();
    udp_ = server_->udpAddresses().at(0);
    tcp_ = server_->tcpAddresses().at(0);
  }

  static std::vector<Cidr> loopback() { return {*Cidr::parse("127.0.0.0/8"), *Cidr::parse("::1/128")}; }

  // Polls the server's metrics until `done` holds (generous bound, no timing assertion).
  template <typename Pred>
  bool eventually(Pred done) {
    for (int i = 0; i < 1000; ++i) {
      if (done(server_->metrics())) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
  }

  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
  std::thread thread_;
  std::unique_ptr<Forwarder> forwarder_;
  std::unique_ptr<DnsServer> server_;
  SocketAddress udp_;
  SocketAddress tcp_;
};

TEST_F(DnsServerTest, AnswersClusterNamesOverUdpAndTcp) {
  startServer(loopback());
  EXPECT_NE(udp_.port, 0);
  EXPECT_EQ(udp_.port, tcp_.port);  // port 0: TCP retries find the same port

  UdpClient client(udp_);
  const Message viaUdp =
      parsed(client.exchange(encode(query("Web.Default.svc.cluster.local", Type::kA, 0x0101))));
  EXPECT_EQ(viaUdp.header.id, 0x0101);
  EXPECT_TRUE(viaUdp.header.qr);
  EXPECT_TRUE(viaUdp.header.aa);
  EXPECT_EQ(viaUdp.header.rcode, Rcode::kNoError);
  EXPECT_EQ(viaUdp.questions.at(0).name, "Web.Default.svc.cluster.local");
  ASSERT_EQ(viaUdp.answers.size(), 1u);
  EXPECT_EQ(std::get<IpAddress>(viaUdp.answers[0].data).toString(), "10.43.0.10");

  const auto replies =
      tcpExchange(tcp_, {encode(query("web.default.svc.cluster.local", Type::kA, 0x0202))}, 1);
  ASSERT_EQ(replies.size(), 1u);
  const Message viaTcp = parsed(replies[0]);
  EXPECT_EQ(viaTcp.header.id, 0x0202);
  EXPECT_EQ(viaTcp.answers.size(), 1u);

  EXPECT_TRUE(eventually([](const DnsMetricsSnapshot& m) {
    return m.udpQueries == 1 && m.tcpQueries == 1 && m.responsesByRcode[0] == 2 &&
           m.queriesByType[static_cast<size_t>(TypeSlot::kA)] == 2;
  }));
}

TEST_F(DnsServerTest, SeveralQueriesOnOneTcpConnection) {
  startServer(loopback());
  std::vector<std::string> queries;
  for (uint16_t id = 1; id <= 5; ++id)
    queries.push_back(encode(query("web.default.svc.cluster.local", Type::kA, id)));
  queries.push_back(encode(query("nothing.default.svc.cluster.local", Type::kA, 6)));
  const auto replies = tcpExchange(tcp_, queries, queries.size());
  ASSERT_EQ(replies.size(), queries.size());
  std::set<uint16_t> ids;
  for (const auto& r : replies) {
    const Message m = parsed(r);
    ids.insert(m.header.id);
    EXPECT_EQ(m.header.rcode, m.header.id == 6 ? Rcode::kNxDomain : Rcode::kNoError);
  }
  EXPECT_EQ(ids.size(), queries.size());
}

TEST_F(DnsServerTest, FormErrWithTheIdForUnparsableQueries) {
  startServer(loopback());
  UdpClient client(udp_);
  // A header announcing one question, and no question.
  std::string garbage = {'\xbe', '\xef', '\x01', '\x00', '\x00', '\x01',
                         '\x00', '\x00', '\x00', '\x00', '\x00', '\x00'};
  const std::string reply = client.exchange(garbage);
  ASSERT_EQ(reply.size(), 12u);
  const Message m = parsed(reply);
  EXPECT_EQ(m.header.id, 0xbeef);
  EXPECT_TRUE(m.header.qr);
  EXPECT_TRUE(m.header.rd);
  EXPECT_EQ(m.header.rcode, Rcode::kFormErr);
  EXPECT_TRUE(m.questions.empty());

  // Over TCP too, and the connection goes on.
  const auto replies = tcpExchange(tcp_, {garbage, encode(query("web.default.svc.cluster.local"))}, 2);
  ASSERT_EQ(replies.size(), 2u);
  EXPECT_EQ(parsed(replies[0]).header.rcode, Rcode::kFormErr);
  EXPECT_EQ(parsed(replies[1]).header.rcode, Rcode::kNoError);
  EXPECT_TRUE(eventually([](const DnsMetricsSnapshot& m) { return m.formErr == 2; }));
}

TEST_F(DnsServerTest, ShortMessagesAndResponsesAreDropped) {
  startServer(loopback());
  UdpClient client(udp_);
  client.send(std::string("\x12\x34\x01", 3));  // no whole header: nothing to answer
  Message response = query("web.default.svc.cluster.local", Type::kA, 0x5555);
  response.header.qr = true;  // a response (e.g. reflected): answering could loop
  client.send(encode(response));
  // The next datagram back is the answer to this query: the two before got none.
  const Message m = parsed(client.exchange(encode(query("web.default.svc.cluster.local", Type::kA, 0x7777))));
  EXPECT_EQ(m.header.id, 0x7777);
  EXPECT_TRUE(eventually([](const DnsMetricsSnapshot& m) { return m.dropped == 2 && m.udpQueries == 3; }));
}

TEST_F(DnsServerTest, EdnsIsEchoedWithOurSizeAndTheDoBit) {
  startServer(loopback());
  UdpClient client(udp_);
  const Message with =
      parsed(client.exchange(encode(withEdns(query("web.default.svc.cluster.local"), 4096, true))));
  ASSERT_TRUE(with.edns.has_value());
  EXPECT_EQ(with.edns->udpPayloadSize, kDefaultEdnsUdpSize);
  EXPECT_TRUE(with.edns->dnssecOk);
  const Message without = parsed(client.exchange(encode(query("web.default.svc.cluster.local"))));
  EXPECT_FALSE(without.edns.has_value());
}

TEST_F(DnsServerTest, TruncatesToTheClientsSizeAndTcpHasTheWholeAnswer) {
  startServer(loopback());
  UdpClient client(udp_);
  const std::string name = "big.default.svc.cluster.local";

  // Without EDNS: 512 bytes, and 60 A records do not fit.
  const std::string small = client.exchange(encode(query(name)));
  EXPECT_LE(small.size(), kClassicUdpSize);
  const Message truncated = parsed(small);
  EXPECT_TRUE(truncated.header.tc);
  EXPECT_TRUE(truncated.answers.empty());
  EXPECT_EQ(truncated.questions.at(0).name, name);

  // A client size below ours but above 512 still truncates; with EDNS the OPT survives.
  const Message truncatedEdns = parsed(client.exchange(encode(withEdns(query(name), 600))));
  EXPECT_TRUE(truncatedEdns.header.tc);
  EXPECT_TRUE(truncatedEdns.edns.has_value());

  // Our 1232 bytes hold them all.
  const std::string whole = client.exchange(encode(withEdns(query(name), 4096)));
  EXPECT_LE(whole.size(), kDefaultEdnsUdpSize);
  EXPECT_FALSE(parsed(whole).header.tc);
  EXPECT_EQ(parsed(whole).answers.size(), static_cast<size_t>(kBigEndpoints));

  // The client retries over TCP and gets everything.
  const auto replies = tcpExchange(tcp_, {encode(query(name))}, 1);
  ASSERT_EQ(replies.size(), 1u);
  const Message viaTcp = parsed(replies[0]);
  EXPECT_FALSE(viaTcp.header.tc);
  EXPECT_EQ(viaTcp.answers.size(), static_cast<size_t>(kBigEndpoints));

  EXPECT_TRUE(eventually([](const DnsMetricsSnapshot& m) { return m.truncated == 2; }));
}

TEST_F(DnsServerTest, RefusesForwardingOutsideTheAllowedSources) {
  // 127.0.0.1 is not allowed here: a stand-in for a client on another network.
  TinyUpstream upstream;
  startServer({*Cidr::parse("10.0.0.0/8")}, zone(), {upstream.address()});
  UdpClient client(udp_);
  const Message refused = parsed(client.exchange(encode(query("example.com", Type::kA, 0x0303))));
  EXPECT_EQ(refused.header.id, 0x0303);
  EXPECT_EQ(refused.header.rcode, Rcode::kRefused);
  EXPECT_TRUE(refused.answers.empty());
  EXPECT_EQ(refused.questions.at(0).name, "example.com");

  const auto replies = tcpExchange(tcp_, {encode(query("example.com"))}, 1);
  ASSERT_EQ(replies.size(), 1u);
  EXPECT_EQ(parsed(replies[0]).header.rcode, Rcode::kRefused);

  // Cluster names are answered for everyone.
  EXPECT_EQ(parsed(client.exchange(encode(query("web.default.svc.cluster.local")))).answers.size(), 1u);
  EXPECT_TRUE(eventually([](const DnsMetricsSnapshot& m) { return m.refused == 2 && m.forwarded == 0; }));
}

TEST_F(DnsServerTest, ForwardsOtherNamesForAllowedSources) {
  TinyUpstream upstream;
  startServer(loopback(), zone(), {upstream.address()});
  UdpClient client(udp_);
  const Message viaUdp =
      parsed(client.exchange(encode(withEdns(query("Example.com", Type::kA, 0x0404), 1232))));
  EXPECT_EQ(viaUdp.header.id, 0x0404);
  EXPECT_EQ(viaUdp.header.rcode, Rcode::kNoError);
  EXPECT_EQ(viaUdp.questions.at(0).name, "Example.com");
  ASSERT_EQ(viaUdp.answers.size(), 1u);
  EXPECT_EQ(std::get<IpAddress>(viaUdp.answers[0].data).toString(), "192.0.2.53");
  EXPECT_TRUE(viaUdp.edns.has_value());

  const auto replies = tcpExchange(tcp_, {encode(query("example.org", Type::kA, 0x0505))}, 1);
  ASSERT_EQ(replies.size(), 1u);
  EXPECT_EQ(parsed(replies[0]).header.id, 0x0505);
  EXPECT_EQ(parsed(replies[0]).answers.size(), 1u);

  // Zone transfers are never forwarded.
  EXPECT_EQ(parsed(client.exchange(encode(query("example.com", Type::kAXFR)))).header.rcode, Rcode::kRefused);
  EXPECT_TRUE(eventually([](const DnsMetricsSnapshot& m) { return m.forwarded == 2; }));
}

TEST_F(DnsServerTest, ServFailBeforeSyncThenAnswersAfterTheZoneSwap) {
  startServer(loopback(), zone(/*synced=*/false));
  UdpClient client(udp_);
  EXPECT_EQ(parsed(client.exchange(encode(query("web.default.svc.cluster.local")))).header.rcode,
            Rcode::kServFail);

  server_->setZone(zone(/*synced=*/true));
  const Message answered = parsed(client.exchange(encode(query("web.default.svc.cluster.local"))));
  EXPECT_EQ(answered.header.rcode, Rcode::kNoError);
  EXPECT_EQ(answered.answers.size(), 1u);
  const auto replies = tcpExchange(tcp_, {encode(query("web.default.svc.cluster.local"))}, 1);
  ASSERT_EQ(replies.size(), 1u);
  EXPECT_EQ(parsed(replies[0]).answers.size(), 1u);
}

TEST_F(DnsServerTest, SeveralUdpWorkersAndIpv6) {
  const SocketAddress v6{*IpAddress::parse("::1"), 0};
  const int probe = ::socket(AF_INET6, SOCK_DGRAM, 0);
  sockaddr_storage sa;
  const socklen_t len = toSockaddr(v6, sa);
  const bool haveV6 = probe >= 0 && ::bind(probe, reinterpret_cast<sockaddr*>(&sa), len) == 0;
  if (probe >= 0) ::close(probe);
  std::vector<SocketAddress> listen = {SocketAddress{IpAddress::v4(0x7f000001), 0}};
  if (haveV6) listen.push_back(v6);
  startServer(loopback(), zone(), {}, /*udpThreads=*/3, listen);
  ASSERT_EQ(server_->udpAddresses().size(), listen.size());
  for (const SocketAddress& address : server_->udpAddresses()) {
    // Several clients (source ports), spread by the kernel over the workers' sockets.
    for (int i = 0; i < 8; ++i) {
      UdpClient client(address);
      EXPECT_EQ(parsed(client.exchange(encode(query("web.default.svc.cluster.local")))).answers.size(), 1u)
          << address.toString();
    }
  }
  if (!haveV6) GTEST_SKIP() << "no IPv6 loopback here; IPv4 part passed";
}

TEST_F(DnsServerTest, BindErrorNamesTheAddress) {
  startServer(loopback());
  DnsServerOptions options;
  options.listen = {tcp_};  // taken by the first server
  DnsServer second(io_, nullptr, options, zone());
  const Status s = second.start();
  ASSERT_FALSE(s.isOk());
  EXPECT_NE(s.message().find("dns: listen " + tcp_.toString() + ": "), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("in use"), std::string::npos) << s.message();
  second.stop();
}

TEST_F(DnsServerTest, StopIsIdempotent) {
  startServer(loopback());
  server_->stop();
  server_->stop();
}

}  // namespace
}  // namespace edgeway::dns

namespace edgeway::dns {
namespace {

// ---- The UDP answer cache ----

std::string withId(std::string wire, uint16_t id) {
  wire[0] = static_cast<char>(id >> 8);
  wire[1] = static_cast<char>(id & 0xff);
  return wire;
}

// What the slow path (parse, resolve, encode) answers to `wire` over UDP from loopback.
std::string slowPathAnswer(const std::string& wire, const ClusterZone& zone) {
  server_detail::QueryHandler handler({*Cidr::parse("127.0.0.0/8")}, kDefaultEdnsUdpSize);
  ServerCounters counters;
  std::string reply;
  server_detail::ForwardRequest forward;
  EXPECT_EQ(handler.handle(wire, IpAddress::v4(0x7f000001), server_detail::Transport::kUdp, zone, counters,
                           reply, forward),
            server_detail::QueryHandler::Action::kZoneReply);
  return reply;
}

TEST_F(DnsServerTest, CachedAnswersAreTheSlowPathsBytesButTheId) {
  startServer(loopback());
  UdpClient client(udp_);
  Message noRd = query("web.default.svc.cluster.local");
  noRd.header.rd = false;
  Message cd = query("web.default.svc.cluster.local");
  cd.header.cd = true;
  const std::vector<Message> queries = {
      query("web.default.svc.cluster.local"),
      query("WEB.default.svc.cluster.local"),               // a case variant: its own entry, its own spelling
      query("web.default.svc.cluster.local", Type::kAAAA),  // NODATA
      query("nothing.default.svc.cluster.local"),           // NXDOMAIN
      query("10.0.43.10.in-addr.arpa", Type::kPTR),
      query("_http._tcp.web.default.svc.cluster.local", Type::kSRV),
      query("alias.default.svc.cluster.local"),  // a CNAME inside the zone, followed
      noRd,
      cd,
      withEdns(query("web.default.svc.cluster.local"), 4096),
      withEdns(query("web.default.svc.cluster.local"), 4096, /*dnssecOk=*/true),
      query("big.default.svc.cluster.local"),                  // truncated at 512
      withEdns(query("big.default.svc.cluster.local"), 600),   // truncated at 600
      withEdns(query("big.default.svc.cluster.local"), 4096),  // whole in 1232
  };
  const auto current = server_->zone();
  uint16_t id = 0x1000;
  for (const Message& q : queries) {
    const std::string wire = encode(q);
    const std::string expected = slowPathAnswer(wire, *current);
    for (int round = 0; round < 3; ++round, ++id) {
      EXPECT_EQ(client.exchange(withId(wire, id)), withId(expected, id))
          << q.questions[0].name << " round " << round;
    }
  }
  // The first of each three filled the cache, the other two were copied from it.
  const uint64_t hits = 2 * queries.size();
  EXPECT_TRUE(eventually([&](const DnsMetricsSnapshot& m) {
    return m.answerCacheHits == hits && m.udpQueries == 3 * queries.size() && m.truncated == 6 &&
           m.responsesByRcode[static_cast<size_t>(Rcode::kNxDomain)] == 3;
  })) << server_->metrics().answerCacheHits;
}

TEST_F(DnsServerTest, AnswerCacheKeysOnEdnsAndItsSize) {
  startServer(loopback());
  UdpClient client(udp_);
  const std::string name = "big.default.svc.cluster.local";
  // Alternating shapes of one question never get each other's answer.
  for (int round = 0; round < 2; ++round) {
    const Message plain = parsed(client.exchange(encode(query(name))));
    EXPECT_FALSE(plain.edns.has_value());
    EXPECT_TRUE(plain.header.tc);
    const Message edns = parsed(client.exchange(encode(withEdns(query(name), 1232))));
    ASSERT_TRUE(edns.edns.has_value());
    EXPECT_FALSE(edns.header.tc);
    EXPECT_EQ(edns.answers.size(), static_cast<size_t>(kBigEndpoints));
    const Message small = parsed(client.exchange(encode(withEdns(query(name), 512))));
    EXPECT_TRUE(small.header.tc);
    EXPECT_TRUE(small.edns.has_value());
  }
  EXPECT_TRUE(eventually([](const DnsMetricsSnapshot& m) { return m.answerCacheHits == 3; }));
}

TEST_F(DnsServerTest, ZoneSwapInvalidatesCachedAnswers) {
  startServer(loopback());
  UdpClient client(udp_);
  const std::string wire = encode(query("web.default.svc.cluster.local"));
  for (int i = 0; i < 2; ++i) {
    const Message m = parsed(client.exchange(wire));
    ASSERT_EQ(m.answers.size(), 1u);
    EXPECT_EQ(std::get<IpAddress>(m.answers[0].data).toString(), "10.43.0.10");
  }
  server_->setZone(zone(/*synced=*/true, "10.43.0.99"));
  for (int i = 0; i < 2; ++i) {
    const Message m = parsed(client.exchange(wire));
    ASSERT_EQ(m.answers.size(), 1u);
    EXPECT_EQ(std::get<IpAddress>(m.answers[0].data).toString(), "10.43.0.99");
  }
  EXPECT_TRUE(eventually([](const DnsMetricsSnapshot& m) { return m.answerCacheHits == 2; }));
}

TEST_F(DnsServerTest, UnsyncedServFailIsNotKeptAfterTheSync) {
  startServer(loopback(), zone(/*synced=*/false));
  UdpClient client(udp_);
  const std::string wire = encode(query("web.default.svc.cluster.local"));
  EXPECT_EQ(parsed(client.exchange(wire)).header.rcode, Rcode::kServFail);
  EXPECT_EQ(parsed(client.exchange(wire)).header.rcode, Rcode::kServFail);
  server_->setZone(zone());
  EXPECT_EQ(parsed(client.exchange(wire)).header.rcode, Rcode::kNoError);
}

TEST_F(DnsServerTest, WithoutTheAnswerCacheEveryQueryTakesTheSlowPath) {
  startServer(loopback(), zone(), {}, 1, {SocketAddress{IpAddress::v4(0x7f000001), 0}},
              /*answerCacheEntries=*/0);
  UdpClient client(udp_);
  const std::string wire = encode(query("web.default.svc.cluster.local"));
  for (int i = 0; i < 3; ++i) EXPECT_EQ(parsed(client.exchange(wire)).answers.size(), 1u);
  EXPECT_TRUE(eventually([](const DnsMetricsSnapshot& m) { return m.udpQueries == 3; }));
  EXPECT_EQ(server_->metrics().answerCacheHits, 0u);
}

// ---- ExternalName CNAMEs out of the zone ----

TEST_F(DnsServerTest, ChasesExternalNameTargetsThroughTheForwarder) {
  TinyUpstream upstream;
  startServer(loopback(), zone(), {upstream.address()});
  UdpClient client(udp_);
  for (int round = 0; round < 2; ++round) {
    const Message m = parsed(
        client.exchange(encode(withEdns(query("Ext.default.svc.cluster.local", Type::kA, 0x0606), 1232))));
    EXPECT_EQ(m.header.id, 0x0606);
    EXPECT_EQ(m.header.rcode, Rcode::kNoError);
    EXPECT_EQ(m.questions.at(0).name, "Ext.default.svc.cluster.local");
    ASSERT_EQ(m.answers.size(), 2u);
    EXPECT_EQ(recordText(m.answers[0]), "Ext.default.svc.cluster.local. 5 IN CNAME DB.example.com.");
    EXPECT_EQ(m.answers[1].name, "DB.example.com");
    EXPECT_EQ(std::get<IpAddress>(m.answers[1].data).toString(), "192.0.2.53");
    EXPECT_TRUE(m.edns.has_value());
  }
  const auto replies =
      tcpExchange(tcp_, {encode(query("ext.default.svc.cluster.local", Type::kA, 0x0707))}, 1);
  ASSERT_EQ(replies.size(), 1u);
  const Message viaTcp = parsed(replies[0]);
  EXPECT_EQ(viaTcp.header.id, 0x0707);
  ASSERT_EQ(viaTcp.answers.size(), 2u);
  EXPECT_EQ(viaTcp.answers[0].type, Type::kCNAME);
  EXPECT_EQ(viaTcp.answers[1].type, Type::kA);

  // Asked for the CNAME itself: ours alone, nothing forwarded.
  const Message cname = parsed(client.exchange(encode(query("ext.default.svc.cluster.local", Type::kCNAME))));
  ASSERT_EQ(cname.answers.size(), 1u);
  EXPECT_EQ(cname.answers[0].type, Type::kCNAME);
  // Chased answers depend on the upstream: never kept in the answer cache.
  EXPECT_TRUE(eventually([](const DnsMetricsSnapshot& m) { return m.forwarded == 3 && m.udpQueries == 3; }));
  EXPECT_EQ(server_->metrics().answerCacheHits, 0u);
}

TEST_F(DnsServerTest, ExternalNameIsTheCnameAloneWhenForwardingIsNotAllowed) {
  TinyUpstream upstream;
  startServer({*Cidr::parse("10.0.0.0/8")}, zone(), {upstream.address()});
  UdpClient client(udp_);
  const Message m = parsed(client.exchange(encode(query("ext.default.svc.cluster.local"))));
  EXPECT_EQ(m.header.rcode, Rcode::kNoError);
  ASSERT_EQ(m.answers.size(), 1u);
  EXPECT_EQ(recordText(m.answers[0]), "ext.default.svc.cluster.local. 5 IN CNAME DB.example.com.");
  EXPECT_EQ(server_->metrics().forwarded, 0u);
}

TEST_F(DnsServerTest, ExternalNameIsTheCnameAloneWhenTheUpstreamFails) {
  startServer(loopback(), zone(), {});  // a forwarder without upstreams: SERVFAIL
  UdpClient client(udp_);
  const Message m = parsed(client.exchange(encode(query("ext.default.svc.cluster.local"))));
  EXPECT_EQ(m.header.rcode, Rcode::kNoError);
  ASSERT_EQ(m.answers.size(), 1u);
  EXPECT_EQ(m.answers[0].type, Type::kCNAME);
  const auto replies = tcpExchange(tcp_, {encode(query("ext.default.svc.cluster.local"))}, 1);
  ASSERT_EQ(replies.size(), 1u);
  EXPECT_EQ(parsed(replies[0]).answers.size(), 1u);
  EXPECT_EQ(parsed(replies[0]).header.rcode, Rcode::kNoError);
}

}  // namespace
}  // namespace edgeway::dns
