#include "http/tls_context.h"

#include <gtest/gtest.h>

#include "http/tls_test_certs.h"

namespace edgeway::http {
namespace {

using testing::testPki;

TlsServerConfig serverConfig() {
  TlsServerConfig config;
  config.certChainPem = testPki().server.certPem;
  config.keyPem = testPki().server.keyPem;
  return config;
}

// Expects an InvalidArgument whose message contains `fragment`.
template <class R>
void expectRefused(const R& result, const std::string& fragment) {
  ASSERT_FALSE(result) << "unexpectedly accepted";
  EXPECT_EQ(result.status().code(), StatusCode::kInvalidArgument) << result.status().toString();
  EXPECT_NE(result.status().message().find(fragment), std::string::npos) << result.status().message();
}

TEST(TlsContextTest, BuildsServerAndClientContexts) {
  auto server = TlsContext::server(serverConfig());
  ASSERT_TRUE(server) << server.status().toString();
  EXPECT_TRUE((*server)->isServer());

  TlsServerConfig withClientCa = serverConfig();
  withClientCa.clientCaPem = testPki().ca.certPem();
  auto mtls = TlsContext::server(withClientCa);
  ASSERT_TRUE(mtls) << mtls.status().toString();

  TlsClientConfig client;
  client.caPem = testPki().ca.certPem();
  client.certPem = testPki().alice.certPem;
  client.keyPem = testPki().alice.keyPem;
  auto c = TlsContext::client(client);
  ASSERT_TRUE(c) << c.status().toString();
  EXPECT_FALSE((*c)->isServer());
}

TEST(TlsContextTest, AcceptsAChainAndSeveralCas) {
  TlsServerConfig config = serverConfig();
  config.certChainPem += testPki().ca.certPem();  // leaf first, then its issuer
  config.clientCaPem = testPki().ca.certPem() + testPki().otherCa.certPem();
  auto server = TlsContext::server(config);
  EXPECT_TRUE(server) << server.status().toString();
}

TEST(TlsContextTest, RefusesUnparsableCertificates) {
  TlsServerConfig config = serverConfig();
  config.certChainPem = "not a certificate";
  expectRefused(TlsContext::server(config), "TLS serving certificate: no PEM certificate");

  config = serverConfig();
  config.certChainPem = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
  expectRefused(TlsContext::server(config), "TLS serving certificate: invalid certificate");

  config = serverConfig();
  config.clientCaPem = "garbage";
  expectRefused(TlsContext::server(config), "TLS client CA");
}

TEST(TlsContextTest, RefusesUnparsableAndEncryptedKeys) {
  TlsServerConfig config = serverConfig();
  config.keyPem = "";
  expectRefused(TlsContext::server(config), "TLS serving key: missing");

  config.keyPem = "-----BEGIN EC PRIVATE KEY-----\nAAAA\n-----END EC PRIVATE KEY-----\n";
  expectRefused(TlsContext::server(config), "not a valid PEM private key");

  // A legacy-encrypted PEM key: the headers alone make mbedTLS ask for a password.
  std::string key = testPki().server.keyPem;
  key.insert(key.find('\n') + 1,
             "Proc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00112233445566778899AABBCCDDEEFF\n\n");
  config.keyPem = key;
  expectRefused(TlsContext::server(config), "is encrypted");
}

TEST(TlsContextTest, RefusesAKeyThatDoesNotMatchTheCertificate) {
  TlsServerConfig config = serverConfig();
  config.keyPem = testPki().alice.keyPem;
  expectRefused(TlsContext::server(config), "does not belong to the certificate CN=edgeway-test-server");

  TlsClientConfig client;
  client.caPem = testPki().ca.certPem();
  client.certPem = testPki().alice.certPem;
  client.keyPem = testPki().server.keyPem;
  expectRefused(TlsContext::client(client), "TLS client key: the private key does not belong");
}

TEST(TlsContextTest, ClientNeedsACaUnlessVerificationIsSkipped) {
  TlsClientConfig client;
  expectRefused(TlsContext::client(client), "no CA certificate");
  client.insecureSkipVerify = true;
  auto insecure = TlsContext::client(client);
  EXPECT_TRUE(insecure) << insecure.status().toString();
}

TEST(TlsContextTest, ClientCertificateAndKeyComeTogether) {
  TlsClientConfig client;
  client.caPem = testPki().ca.certPem();
  client.certPem = testPki().alice.certPem;
  expectRefused(TlsContext::client(client), "certificate and its key together");
  client.certPem.clear();
  client.keyPem = testPki().alice.keyPem;
  expectRefused(TlsContext::client(client), "certificate and its key together");
}

}  // namespace
}  // namespace edgeway::http
