// HTTPS end to end: Server with a TlsContext, driven by Client over TLS and by raw sockets
// that misbehave.

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <thread>
#include <vector>

#include "http/client.h"
#include "http/server.h"
#include "http/test_server.h"
#include "http/tls_context.h"
#include "http/tls_test_certs.h"

namespace edgeway::http {
namespace {

using testing::get;
using testing::TestCertificate;
using testing::testPki;
using testing::TestServer;
using testing::text;

std::shared_ptr<const TlsContext> serverTls(const TestCertificate& cert, const std::string& clientCaPem) {
  TlsServerConfig config;
  config.certChainPem = cert.certPem;
  config.keyPem = cert.keyPem;
  config.clientCaPem = clientCaPem;
  auto context = TlsContext::server(config);
  EXPECT_TRUE(context) << context.status().toString();
  return context ? *context : nullptr;
}

// Serves testPki().server and accepts client certificates from testPki().ca.
std::shared_ptr<const TlsContext> serverTls() { return serverTls(testPki().server, testPki().ca.certPem()); }

std::shared_ptr<const TlsContext> clientTls(const std::string& caPem, const TestCertificate* cert = nullptr,
                                            const std::string& serverName = "") {
  TlsClientConfig config;
  config.caPem = caPem;
  config.serverName = serverName;
  if (cert != nullptr) {
    config.certPem = cert->certPem;
    config.keyPem = cert->keyPem;
  }
  auto context = TlsContext::client(config);
  EXPECT_TRUE(context) << context.status().toString();
  return context ? *context : nullptr;
}

Result<Client> connectTls(uint16_t port, std::shared_ptr<const TlsContext> tls,
                          const std::string& host = "127.0.0.1") {
  ClientOptions options;
  options.tls = std::move(tls);
  options.streamIdleTimeoutSeconds = 30;  // hang guard only
  return Client::connect(host, port, options);
}

ServerOptions tlsOptions(std::shared_ptr<const TlsContext> tls = serverTls()) {
  ServerOptions options;
  options.tls = std::move(tls);
  return options;
}

// Says what the server knows about the connection a request came on.
void whoami(Request&& request, std::shared_ptr<Exchange> exchange) {
  std::string who = request.tls ? "tls" : "plain";
  if (request.peer) {
    who += " cn=" + request.peer->commonName + " o=";
    for (size_t i = 0; i < request.peer->organizations.size(); ++i) {
      who += (i ? "," : "") + request.peer->organizations[i];
    }
  } else {
    who += " anonymous";
  }
  Response r = text(200, who + " " + request.method + " " + request.target + " " + request.body);
  r.setHeader("X-Remote", request.remoteAddress);
  exchange->respond(std::move(r));
}

std::string bodyOf(Client& client, const std::string& target) {
  auto r = client.request(get(target));
  if (!r) return "error: " + r.status().toString();
  return r->body;
}

// A TCP connection that says what the tests tell it to, TLS or not.
class RawTcp {
 public:
  explicit RawTcp(uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    timeval guard{30, 0};  // a server that never closes fails the test instead of hanging it
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &guard, sizeof guard);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
  }
  ~RawTcp() { ::close(fd_); }

  bool connected() const { return connected_; }
  bool send(const std::string& bytes) {
    return ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(bytes.size());
  }
  void shutdownSend() { ::shutdown(fd_, SHUT_WR); }

  // Reads until the server closes the connection (true) or the guard expires (false).
  bool readUntilClosed(std::string* received = nullptr) {
    char buf[4096];
    for (;;) {
      ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n > 0) {
        if (received) received->append(buf, static_cast<size_t>(n));
        continue;
      }
      return n == 0 || errno == ECONNRESET;
    }
  }

 private:
  int fd_ = -1;
  bool connected_ = false;
};

TEST(TlsServerTest, HttpsRoundTrip) {
  TestServer server(whoami, tlsOptions());
  auto client = connectTls(server.port(), clientTls(testPki().ca.certPem()));
  ASSERT_TRUE(client) << client.status().toString();

  EXPECT_EQ(bodyOf(*client, "/hello?x=1"), "tls anonymous GET /hello?x=1 ");

  // A body of several TLS records each way.
  Request post;
  post.method = "POST";
  post.target = "/items";
  post.body = std::string(100000, 'b');
  auto r = client->request(post);
  ASSERT_TRUE(r) << r.status().toString();
  EXPECT_EQ(r->body, "tls anonymous POST /items " + post.body);
}

// Megabytes each way: both sides fill their socket buffers and have to wait for the other
// (mbedTLS's WANT_WRITE and WANT_READ), which small messages never do.
TEST(TlsServerTest, LargeBodiesBothWays) {
  ServerOptions options = tlsOptions();
  options.maxBodyBytes = 32 * 1024 * 1024;
  TestServer server(
      [](Request&& request, std::shared_ptr<Exchange> exchange) {
        exchange->respond(text(200, request.body + request.body));
      },
      options);
  auto client = connectTls(server.port(), clientTls(testPki().ca.certPem()));
  ASSERT_TRUE(client) << client.status().toString();
  Request post;
  post.method = "POST";
  post.target = "/double";
  for (int i = 0; post.body.size() < 8 * 1024 * 1024; ++i) post.body += std::to_string(i) + ",";
  auto r = client->request(post);
  ASSERT_TRUE(r) << r.status().toString();
  ASSERT_EQ(r->body.size(), 2 * post.body.size());
  EXPECT_TRUE(r->body == post.body + post.body);
}

TEST(TlsServerTest, KeepAliveServesManyRequestsOnOneTlsConnection) {
  TestServer server(whoami, tlsOptions());
  auto client = connectTls(server.port(), clientTls(testPki().ca.certPem()));
  ASSERT_TRUE(client) << client.status().toString();
  std::string remote;
  for (int i = 0; i < 5; ++i) {
    auto r = client->request(get("/n/" + std::to_string(i)));
    ASSERT_TRUE(r) << r.status().toString();
    EXPECT_EQ(r->body, "tls anonymous GET /n/" + std::to_string(i) + " ");
    if (i == 0) remote = std::string(r->header("x-remote"));
    EXPECT_EQ(r->header("x-remote"), remote);  // the same connection each time
  }
}

TEST(TlsServerTest, ChunkedStreamOverTls) {
  const std::string big(50000, 'x');
  TestServer server(
      [&big](Request&&, std::shared_ptr<Exchange> exchange) {
        auto stream = exchange->startStream(200, {{"Content-Type", "text/plain"}});
        stream->write("one\n");
        stream->write("two\n" + big + "\n");
        stream->write("three");
        stream->close();
      },
      tlsOptions());
  auto client = connectTls(server.port(), clientTls(testPki().ca.certPem()));
  ASSERT_TRUE(client) << client.status().toString();
  std::vector<std::string> lines;
  auto r = client->stream(get("/watch"), [&](std::string_view line) {
    lines.emplace_back(line);
    return true;
  });
  ASSERT_TRUE(r) << r.status().toString();
  EXPECT_EQ(r->header("transfer-encoding"), "chunked");
  EXPECT_EQ(lines, (std::vector<std::string>{"one", "two", big, "three"}));
  // The connection stays usable after the stream.
  EXPECT_EQ(r->status, 200);
}

TEST(TlsServerTest, ClientCertificateIdentityReachesTheHandler) {
  TestServer server(whoami, tlsOptions());
  auto alice = connectTls(server.port(), clientTls(testPki().ca.certPem(), &testPki().alice));
  ASSERT_TRUE(alice) << alice.status().toString();
  EXPECT_EQ(bodyOf(*alice, "/me"), "tls cn=alice o=system:masters,developers GET /me ");
  EXPECT_EQ(bodyOf(*alice, "/again"), "tls cn=alice o=system:masters,developers GET /again ");

  // A bearer-token client sends no certificate and is still served, anonymously.
  auto anonymous = connectTls(server.port(), clientTls(testPki().ca.certPem()));
  ASSERT_TRUE(anonymous) << anonymous.status().toString();
  EXPECT_EQ(bodyOf(*anonymous, "/me"), "tls anonymous GET /me ");
}

TEST(TlsServerTest, NoClientCertificateIsRequestedWithoutAClientCa) {
  TestServer server(whoami, tlsOptions(serverTls(testPki().server, "")));
  auto alice = connectTls(server.port(), clientTls(testPki().ca.certPem(), &testPki().alice));
  ASSERT_TRUE(alice) << alice.status().toString();
  EXPECT_EQ(bodyOf(*alice, "/me"), "tls anonymous GET /me ");
}

TEST(TlsServerTest, ForeignAndExpiredClientCertificatesAreRefused) {
  TestServer server(whoami, tlsOptions());
  // The alert tells the client what is wrong with its certificate.
  const std::pair<const TestCertificate*, std::string> cases[] = {
      {&testPki().stranger, "TLS alert unknown_ca (48)"},
      {&testPki().expired, "TLS alert certificate_expired (45)"},
  };
  for (const auto& [bad, alert] : cases) {
    auto refused = connectTls(server.port(), clientTls(testPki().ca.certPem(), bad));
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.status().code(), StatusCode::kUnavailable);
    EXPECT_NE(refused.status().message().find(alert), std::string::npos) << refused.status().message();
  }
  // Everyone else is still served.
  auto alice = connectTls(server.port(), clientTls(testPki().ca.certPem(), &testPki().alice));
  ASSERT_TRUE(alice) << alice.status().toString();
  EXPECT_EQ(bodyOf(*alice, "/me"), "tls cn=alice o=system:masters,developers GET /me ");
}

TEST(TlsServerTest, PlainHttpOnTheTlsPortIsAnsweredAndClosed) {
  TestServer server(whoami, tlsOptions());
  RawTcp raw(server.port());
  ASSERT_TRUE(raw.connected());
  ASSERT_TRUE(raw.send("GET /api HTTP/1.1\r\nHost: localhost\r\n\r\n"));
  std::string answer;
  EXPECT_TRUE(raw.readUntilClosed(&answer));
  EXPECT_EQ(answer.rfind("HTTP/1.0 400 Bad Request\r\n", 0), 0u) << answer;
  EXPECT_NE(answer.find("https://"), std::string::npos) << answer;

  auto client = connectTls(server.port(), clientTls(testPki().ca.certPem()));
  ASSERT_TRUE(client) << client.status().toString();
  EXPECT_EQ(bodyOf(*client, "/after"), "tls anonymous GET /after ");
}

TEST(TlsServerTest, GarbageAndTruncatedHandshakesAreClosed) {
  TestServer server(whoami, tlsOptions());
  {
    RawTcp raw(server.port());
    ASSERT_TRUE(raw.send(std::string("\x00\x01\x02\x03\x04\x05\x06\x07", 8)));
    EXPECT_TRUE(raw.readUntilClosed());
  }
  {
    // A handshake record header announcing 512 bytes, then the start of a ClientHello and
    // the end of the connection.
    RawTcp raw(server.port());
    ASSERT_TRUE(raw.send(std::string("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 11)));
    raw.shutdownSend();
    EXPECT_TRUE(raw.readUntilClosed());
  }
  {
    RawTcp raw(server.port());  // connects and leaves: a port probe
  }
  auto client = connectTls(server.port(), clientTls(testPki().ca.certPem()));
  ASSERT_TRUE(client) << client.status().toString();
  EXPECT_EQ(bodyOf(*client, "/after"), "tls anonymous GET /after ");
}

TEST(TlsServerTest, AStalledHandshakeIsCutAtItsDeadline) {
  ServerOptions options = tlsOptions();
  options.handshakeTimeoutSeconds = 1;  // readTimeoutSeconds stays 60, beyond RawTcp's guard
  TestServer server(whoami, options);
  RawTcp silent(server.port());
  ASSERT_TRUE(silent.connected());
  EXPECT_TRUE(silent.readUntilClosed());  // closed by the server, not by the guard

  // Half a handshake and then silence: cut as well.
  RawTcp stalled(server.port());
  ASSERT_TRUE(stalled.send(std::string("\x16\x03\x01\x02\x00\x01", 6)));
  EXPECT_TRUE(stalled.readUntilClosed());

  auto client = connectTls(server.port(), clientTls(testPki().ca.certPem()));
  ASSERT_TRUE(client) << client.status().toString();
  EXPECT_EQ(bodyOf(*client, "/after"), "tls anonymous GET /after ");
}

TEST(TlsServerTest, SetTlsSwapsTheCertificateForNewConnections) {
  TestServer server(whoami, tlsOptions());
  auto trustsFirst = clientTls(testPki().ca.certPem());
  auto trustsOther = clientTls(testPki().otherCa.certPem());

  auto before = connectTls(server.port(), trustsFirst);
  ASSERT_TRUE(before) << before.status().toString();
  EXPECT_FALSE(connectTls(server.port(), trustsOther));

  ASSERT_TRUE(server.server().setTls(serverTls(testPki().otherServer, "")));

  auto after = connectTls(server.port(), trustsOther);
  ASSERT_TRUE(after) << after.status().toString();
  EXPECT_EQ(bodyOf(*after, "/new"), "tls anonymous GET /new ");
  auto stale = connectTls(server.port(), trustsFirst);
  ASSERT_FALSE(stale);
  EXPECT_NE(stale.status().message().find("not signed by a trusted CA"), std::string::npos)
      << stale.status().message();
  // The open connection keeps the context it started with.
  EXPECT_EQ(bodyOf(*before, "/old"), "tls anonymous GET /old ");
}

TEST(TlsServerTest, SetTlsRefusesWhatItCannotServe) {
  TestServer tlsServer(whoami, tlsOptions());
  EXPECT_FALSE(tlsServer.server().setTls(nullptr));
  EXPECT_FALSE(tlsServer.server().setTls(clientTls(testPki().ca.certPem())));

  TestServer plainServer(whoami);
  Status s = plainServer.server().setTls(serverTls());
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("plain HTTP"), std::string::npos) << s.message();

  IoContext io(1);
  ServerOptions wrong;
  wrong.listen = "127.0.0.1:0";
  wrong.tls = clientTls(testPki().ca.certPem());
  auto created = Server::create(io, wrong, whoami);
  EXPECT_FALSE(created);
}

TEST(TlsServerTest, RsaServingCertificate) {
  testing::TestCertificateSpec spec;
  spec.commonName = "rsa-server";
  spec.dnsNames = {"localhost"};
  spec.ipAddresses = {"127.0.0.1"};
  spec.keyType = testing::TestKeyType::kRsa2048;
  TestServer server(whoami, tlsOptions(serverTls(testPki().ca.issue(spec), testPki().ca.certPem())));
  auto client = connectTls(server.port(), clientTls(testPki().ca.certPem(), &testPki().alice));
  ASSERT_TRUE(client) << client.status().toString();
  EXPECT_EQ(bodyOf(*client, "/rsa"), "tls cn=alice o=system:masters,developers GET /rsa ");
}

TEST(TlsServerTest, ConcurrentHandshakesShareOneContext) {
  TestServer server(whoami, tlsOptions());
  auto tls = clientTls(testPki().ca.certPem(), &testPki().alice);
  std::atomic<int> served{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 5; ++i) {
        auto client = connectTls(server.port(), tls);
        if (client && bodyOf(*client, "/c") == "tls cn=alice o=system:masters,developers GET /c ") ++served;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(served.load(), 20);
}

}  // namespace
}  // namespace edgeway::http
