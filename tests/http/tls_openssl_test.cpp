// The HTTPS server as stock OpenSSL sees it: protocol version, cipher, certificate names,
// and what it refuses. Skipped, with the reason, where the openssl command is not installed.

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "http/server.h"
#include "http/test_server.h"
#include "http/tls_context.h"
#include "http/tls_test_certs.h"

namespace edgeway::http {
namespace {

using testing::testPki;
using testing::TestServer;
using testing::text;

struct CommandResult {
  int exitCode = -1;
  std::string output;  // stdout and stderr
};

CommandResult run(const std::string& command) {
  CommandResult result;
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return result;
  char buf[4096];
  for (size_t n; (n = std::fread(buf, 1, sizeof buf, pipe)) > 0;) result.output.append(buf, n);
  int status = ::pclose(pipe);
  result.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

bool haveOpenssl() { return run("openssl version").exitCode == 0; }

// A private directory for the PEM files the openssl command reads; removed afterwards.
class TempDir {
 public:
  TempDir() {
    char pattern[] = "/tmp/edgeway-tls-test-XXXXXX";
    if (::mkdtemp(pattern) != nullptr) path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    if (!path_.empty()) std::filesystem::remove_all(path_, ignored);
  }
  std::string write(const std::string& name, const std::string& content) {
    std::string file = path_ + "/" + name;
    std::ofstream(file) << content;
    return file;
  }

 private:
  std::string path_;
};

ServerOptions serving() {
  TlsServerConfig config;
  config.certChainPem = testPki().server.certPem;
  config.keyPem = testPki().server.keyPem;
  config.clientCaPem = testPki().ca.certPem();
  auto context = TlsContext::server(config);
  EXPECT_TRUE(context) << context.status().toString();
  ServerOptions options;
  if (context) options.tls = *context;
  return options;
}

void whoami(Request&& request, std::shared_ptr<Exchange> exchange) {
  exchange->respond(text(200, request.peer ? "user " + request.peer->commonName + "\n" : "anonymous\n"));
}

class TlsOpensslTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!haveOpenssl()) GTEST_SKIP() << "the openssl command is not installed (apt-get install openssl)";
    caFile_ = dir_.write("ca.pem", testPki().ca.certPem());
  }

  // An s_client command line against the server, which trusts the test CA.
  std::string sClient(uint16_t port, const std::string& options) {
    return "openssl s_client -connect 127.0.0.1:" + std::to_string(port) + " -servername localhost -CAfile " +
           caFile_ + " " + options;
  }

  TempDir dir_;
  std::string caFile_;
};

TEST_F(TlsOpensslTest, NegotiatesTls12WithAModernCipherAndShowsTheSans) {
  TestServer server(whoami, serving());
  CommandResult r = run(sClient(server.port(), "-verify_return_error < /dev/null"));
  EXPECT_EQ(r.exitCode, 0) << r.output;
  EXPECT_NE(r.output.find("Protocol  : TLSv1.2"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("Verify return code: 0 (ok)"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("Cipher is ECDHE-ECDSA-"), std::string::npos) << r.output;
  const bool aead =
      r.output.find("-GCM-SHA") != std::string::npos || r.output.find("CHACHA20") != std::string::npos;
  EXPECT_TRUE(aead) << r.output;
  EXPECT_NE(r.output.find("Secure Renegotiation IS supported"), std::string::npos) << r.output;

  CommandResult sans =
      run(sClient(server.port(), "< /dev/null 2>/dev/null | openssl x509 -noout -ext subjectAltName"));
  EXPECT_EQ(sans.exitCode, 0) << sans.output;
  EXPECT_NE(sans.output.find("DNS:localhost, IP Address:127.0.0.1"), std::string::npos) << sans.output;
}

TEST_F(TlsOpensslTest, RefusesTls11) {
  TestServer server(whoami, serving());
  // OPENSSL_CONF=/dev/null drops Debian's MinProtocol = TLSv1.2 and SECLEVEL=0 re-allows the
  // old protocol, so that the client really offers TLS 1.1 and the refusal is the server's.
  CommandResult r = run("OPENSSL_CONF=/dev/null " +
                        sClient(server.port(), "-tls1_1 -cipher 'DEFAULT:@SECLEVEL=0' < /dev/null"));
  EXPECT_NE(r.exitCode, 0) << r.output;
  EXPECT_NE(r.output.find("alert protocol version"), std::string::npos) << r.output;
}

TEST_F(TlsOpensslTest, RefusesRenegotiation) {
  TestServer server(whoami, serving());
  // "R" on s_client's input asks for a renegotiation once the handshake is done.
  CommandResult r = run("printf 'R\\n' | " + sClient(server.port(), ""));
  EXPECT_NE(r.output.find("RENEGOTIATING"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("no renegotiation"), std::string::npos) << r.output;
}

TEST_F(TlsOpensslTest, RefusesCbcAndStaticRsaCipherSuites) {
  TestServer server(whoami, serving());
  for (const char* cipher : {"ECDHE-ECDSA-AES128-SHA", "ECDHE-ECDSA-AES256-SHA384", "AES128-GCM-SHA256"}) {
    CommandResult r = run(sClient(server.port(), std::string("-tls1_2 -cipher ") + cipher + " < /dev/null"));
    EXPECT_NE(r.exitCode, 0) << cipher << ": " << r.output;
    EXPECT_NE(r.output.find("alert handshake failure"), std::string::npos) << cipher << ": " << r.output;
  }
}

TEST_F(TlsOpensslTest, ClientCertificatesFromOpenssl) {
  TestServer server(whoami, serving());
  const std::string request = "printf 'GET / HTTP/1.1\\r\\nHost: x\\r\\nConnection: close\\r\\n\\r\\n' | ";
  std::string alice = "-cert " + dir_.write("alice.pem", testPki().alice.certPem) + " -key " +
                      dir_.write("alice.key", testPki().alice.keyPem);
  CommandResult r = run(request + sClient(server.port(), "-quiet " + alice));
  EXPECT_NE(r.output.find("user alice"), std::string::npos) << r.output;

  CommandResult anonymous = run(request + sClient(server.port(), "-quiet"));
  EXPECT_NE(anonymous.output.find("anonymous"), std::string::npos) << anonymous.output;

  std::string mallory = "-cert " + dir_.write("mallory.pem", testPki().stranger.certPem) + " -key " +
                        dir_.write("mallory.key", testPki().stranger.keyPem);
  CommandResult refused = run(request + sClient(server.port(), "-quiet " + mallory));
  EXPECT_EQ(refused.output.find("user mallory"), std::string::npos) << refused.output;
  EXPECT_NE(refused.output.find("alert unknown ca"), std::string::npos) << refused.output;

  std::string expired = "-cert " + dir_.write("old.pem", testPki().expired.certPem) + " -key " +
                        dir_.write("old.key", testPki().expired.keyPem);
  refused = run(request + sClient(server.port(), "-quiet " + expired));
  EXPECT_NE(refused.output.find("alert certificate expired"), std::string::npos) << refused.output;
}

}  // namespace
}  // namespace edgeway::http
