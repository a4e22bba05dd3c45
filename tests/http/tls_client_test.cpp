// The client's side of TLS: which server certificates it accepts, for which names.

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <mutex>
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
using testing::TestCertificateSpec;
using testing::testPki;
using testing::TestServer;
using testing::text;

void hello(Request&& request, std::shared_ptr<Exchange> exchange) {
  exchange->respond(text(200, std::string(request.tls ? "tls " : "plain ") + request.target));
}

ServerOptions serving(const TestCertificate& cert) {
  TlsServerConfig config;
  config.certChainPem = cert.certPem;
  config.keyPem = cert.keyPem;
  auto context = TlsContext::server(config);
  EXPECT_TRUE(context) << context.status().toString();
  ServerOptions options;
  if (context) options.tls = *context;
  return options;
}

Result<Client> connect(uint16_t port, const std::string& host, TlsClientConfig config) {
  auto context = TlsContext::client(config);
  if (!context) return context.status();
  ClientOptions options;
  options.tls = *context;
  return Client::connect(host, port, options);
}

TlsClientConfig trusting(const std::string& caPem) {
  TlsClientConfig config;
  config.caPem = caPem;
  return config;
}

void expectRefusedWith(const Result<Client>& client, const std::string& reason) {
  ASSERT_FALSE(client) << "connected although it should not have";
  EXPECT_EQ(client.status().code(), StatusCode::kUnavailable) << client.status().toString();
  EXPECT_NE(client.status().message().find("TLS handshake with"), std::string::npos)
      << client.status().message();
  EXPECT_NE(client.status().message().find(reason), std::string::npos) << client.status().message();
}

TEST(TlsClientTest, VerifiesDnsAndIpSubjectAltNames) {
  TestServer server(hello, serving(testPki().server));
  for (const char* host : {"localhost", "127.0.0.1"}) {
    auto client = connect(server.port(), host, trusting(testPki().ca.certPem()));
    ASSERT_TRUE(client) << host << ": " << client.status().toString();
    auto r = client->request(get("/x"));
    ASSERT_TRUE(r) << r.status().toString();
    EXPECT_EQ(r->body, "tls /x");
  }
}

TEST(TlsClientTest, RefusesACertificateForAnotherName) {
  TestServer server(hello, serving(testPki().server));
  TlsClientConfig config = trusting(testPki().ca.certPem());
  config.serverName = "api.example.com";
  expectRefusedWith(connect(server.port(), "127.0.0.1", config), "not valid for the name");

  config.serverName = "10.0.0.1";  // an address the certificate does not list
  expectRefusedWith(connect(server.port(), "127.0.0.1", config), "not valid for the name");

  // A certificate naming only "localhost" is no good for an address, even that one's.
  TestCertificateSpec dnsOnly;
  dnsOnly.commonName = "127.0.0.1";  // the CN is not a name to match once SANs exist
  dnsOnly.dnsNames = {"localhost"};
  TestServer dnsOnlyServer(hello, serving(testPki().ca.issue(dnsOnly)));
  expectRefusedWith(connect(dnsOnlyServer.port(), "127.0.0.1", trusting(testPki().ca.certPem())),
                    "not valid for the name");
  EXPECT_TRUE(connect(dnsOnlyServer.port(), "localhost", trusting(testPki().ca.certPem())));
}

TEST(TlsClientTest, ServerNameOverridesTheHostConnectedTo) {
  TestServer server(hello, serving(testPki().server));
  TlsClientConfig config = trusting(testPki().ca.certPem());
  config.serverName = "localhost";
  auto client = connect(server.port(), "127.0.0.1", config);
  EXPECT_TRUE(client) << client.status().toString();
}

TEST(TlsClientTest, RefusesAServerCertificateFromAnUntrustedCa) {
  TestServer server(hello, serving(testPki().otherServer));
  expectRefusedWith(connect(server.port(), "localhost", trusting(testPki().ca.certPem())),
                    "not signed by a trusted CA");
}

TEST(TlsClientTest, RefusesAnExpiredServerCertificate) {
  TestCertificateSpec old;
  old.commonName = "old-server";
  old.dnsNames = {"localhost"};
  old.notBefore = "20200101000000";
  old.notAfter = "20210101000000";
  TestServer server(hello, serving(testPki().ca.issue(old)));
  expectRefusedWith(connect(server.port(), "localhost", trusting(testPki().ca.certPem())), "expired");
}

TEST(TlsClientTest, InsecureSkipVerifyAcceptsAnyCertificate) {
  TestServer server(hello, serving(testPki().otherServer));
  TlsClientConfig config;
  config.insecureSkipVerify = true;
  auto client = connect(server.port(), "127.0.0.1", config);
  ASSERT_TRUE(client) << client.status().toString();
  auto r = client->request(get("/y"));
  ASSERT_TRUE(r) << r.status().toString();
  EXPECT_EQ(r->body, "tls /y");
}

TEST(TlsClientTest, HttpsClientAgainstAPlainServerFailsCleanly) {
  TestServer plain(hello);
  auto client = connect(plain.port(), "127.0.0.1", trusting(testPki().ca.certPem()));
  ASSERT_FALSE(client);
  EXPECT_EQ(client.status().code(), StatusCode::kUnavailable) << client.status().toString();
}

TEST(TlsClientTest, ServerContextIsRefused) {
  TlsServerConfig config;
  config.certChainPem = testPki().server.certPem;
  config.keyPem = testPki().server.keyPem;
  auto context = TlsContext::server(config);
  ASSERT_TRUE(context);
  ClientOptions options;
  options.tls = *context;
  auto client = Client::connect("127.0.0.1", 1, options);
  ASSERT_FALSE(client);
  EXPECT_EQ(client.status().code(), StatusCode::kInvalidArgument);
}

TEST(TlsClientTest, ReconnectsAfterTheServerClosesAKeepAliveConnection) {
  TestServer server(
      [](Request&& request, std::shared_ptr<Exchange> exchange) {
        Response r = text(200, request.target);
        if (request.target == "/last") r.setHeader("Connection", "close");
        exchange->respond(std::move(r));
      },
      serving(testPki().server));
  auto client = connect(server.port(), "localhost", trusting(testPki().ca.certPem()));
  ASSERT_TRUE(client) << client.status().toString();
  for (const char* target : {"/first", "/last", "/reopened"}) {
    auto r = client->request(get(target));
    ASSERT_TRUE(r) << r.status().toString();
    EXPECT_EQ(r->body, target);
  }
}

TEST(TlsClientTest, AServerThatNeverAnswersTheHandshakeTimesOut) {
  // A listening socket nobody accepts on: the kernel completes the TCP handshake, and then
  // there is silence.
  int listener = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  ASSERT_EQ(::listen(listener, 4), 0);
  socklen_t length = sizeof address;
  ::getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length);

  auto context = TlsContext::client(trusting(testPki().ca.certPem()));
  ASSERT_TRUE(context);
  ClientOptions options;
  options.tls = *context;
  options.timeoutSeconds = 1;
  auto client = Client::connect("127.0.0.1", ntohs(address.sin_port), options);
  ::close(listener);
  ASSERT_FALSE(client);
  EXPECT_NE(client.status().message().find("TLS handshake with 127.0.0.1"), std::string::npos)
      << client.status().message();
  EXPECT_NE(client.status().message().find("timed out"), std::string::npos) << client.status().message();
}

TEST(TlsClientTest, ARequestWithoutAnAnswerTimesOut) {
  std::mutex mu;
  std::vector<std::shared_ptr<Exchange>> unanswered;  // held, never answered
  TestServer server(
      [&](Request&&, std::shared_ptr<Exchange> exchange) {
        std::lock_guard<std::mutex> lock(mu);
        unanswered.push_back(std::move(exchange));
      },
      serving(testPki().server));
  // Exchanges must go while the server's event loop still exists: this runs before ~TestServer.
  struct Release {
    std::mutex& mu;
    std::vector<std::shared_ptr<Exchange>>& held;
    ~Release() {
      std::lock_guard<std::mutex> lock(mu);
      held.clear();
    }
  } release{mu, unanswered};

  auto context = TlsContext::client(trusting(testPki().ca.certPem()));
  ASSERT_TRUE(context);
  ClientOptions options;
  options.tls = *context;
  options.timeoutSeconds = 1;
  auto client = Client::connect("localhost", server.port(), options);
  ASSERT_TRUE(client) << client.status().toString();
  auto r = client->request(get("/never"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(r.status().message().find("timed out"), std::string::npos) << r.status().message();
}

}  // namespace
}  // namespace edgeway::http
