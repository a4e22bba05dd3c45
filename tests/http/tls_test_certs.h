#pragma once
// Certificates for the TLS tests, made with mbedTLS while the tests run, so no private key is
// ever committed. Deliberately independent of http/pki.h: these tests exercise the TLS
// stream, and need certificates pki would never issue (expired ones, RSA keys, chosen SANs).

#include <string>
#include <vector>

namespace edgeway::http::testing {

struct TestCertificate {
  std::string certPem;
  std::string keyPem;
};

enum class TestKeyType { kEcdsaP256, kRsa2048 };

struct TestCertificateSpec {
  std::string commonName = "test";
  std::vector<std::string> organizations;    // one O attribute each, in this order
  std::vector<std::string> dnsNames;         // subjectAltName entries
  std::vector<std::string> ipAddresses;      // IPv4 or IPv6 literals
  std::string notBefore = "20240101000000";  // UTC, YYYYMMDDhhmmss
  std::string notAfter = "20991231235959";
  TestKeyType keyType = TestKeyType::kEcdsaP256;
};

// A self-signed CA that issues leaf certificates. Failures throw (and so fail the test).
class TestCa {
 public:
  explicit TestCa(std::string commonName);

  const std::string& certPem() const { return self_.certPem; }
  TestCertificate issue(const TestCertificateSpec& spec) const;

 private:
  std::string commonName_;
  TestCertificate self_;
};

// The certificates most tests share, made once per test binary.
struct TestPki {
  TestCa ca{"edgeway-test-ca"};
  TestCa otherCa{"some-other-ca"};
  TestCertificate server;       // by ca: CN edgeway-test-server, SANs localhost and 127.0.0.1
  TestCertificate alice;        // by ca: CN alice, O system:masters, O developers
  TestCertificate expired;      // by ca: CN old-timer, expired in 2021
  TestCertificate stranger;     // by otherCa: CN mallory
  TestCertificate otherServer;  // by otherCa: same SANs as `server`
};
const TestPki& testPki();

}  // namespace edgeway::http::testing
