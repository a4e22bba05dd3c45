#pragma once
// The cluster's certificate machinery: ECDSA P-256 keys, a self-signed cluster CA, and the
// serving and client certificates it issues, all exchanged as PEM text. Also the few facts
// the server reads back from a certificate (names, validity, issuer). mbedTLS stays behind
// this door, in http/src.
//
// Every certificate is signed with ECDSA-SHA256 and carries a random 128-bit serial, a
// subject key identifier and (for issued ones) an authority key identifier, so Go clients
// such as kubectl build the chain without surprises.

#include <ctime>
#include <string>
#include <string_view>
#include <vector>

#include "base/ip.h"
#include "base/status.h"

namespace edgeway::http {

constexpr std::time_t kSecondsPerDay = 24 * 60 * 60;
constexpr std::time_t kCaLifetime = 3650 * kSecondsPerDay;
constexpr std::time_t kServingLifetime = 365 * kSecondsPerDay;

// A certificate and its private key, both PEM. `certPem` holds exactly one certificate.
struct CertifiedKey {
  std::string certPem;
  std::string keyPem;  // "EC PRIVATE KEY" (SEC 1)
};

// The subject alternative names of a serving certificate. DNS names are lower-cased;
// neither list holds duplicates.
struct SubjectAltNames {
  std::vector<std::string> dnsNames;
  std::vector<IpAddress> ipAddresses;

  // Adds an IP literal as an address and anything else as a DNS name (a leading "*." is
  // allowed). Garbage — spaces, control characters, empty labels — is InvalidArgument.
  Status add(std::string_view nameOrIp);
  void add(const IpAddress& ip);
  // True when every name and address of `required` is present here.
  bool covers(const SubjectAltNames& required) const;
  // "localhost, 127.0.0.1, …": for log lines and error messages.
  std::string toString() const;
};

// What a certificate says about itself.
struct CertificateInfo {
  std::string commonName;
  std::vector<std::string> organizations;  // in certificate order
  std::string issuerCommonName;
  SubjectAltNames sans;
  std::time_t notBefore = 0;
  std::time_t notAfter = 0;
  bool isCa = false;
  bool serverAuth = false;  // extendedKeyUsage
  bool clientAuth = false;
  std::string serialHex;  // upper-case hex, as mbedTLS and openssl print it
};

// --- issuing -------------------------------------------------------------------------------

// A self-signed CA, CN "edgeway-ca@<now>", CA:TRUE, keyUsage keyCertSign|cRLSign.
// Certificates are back-dated an hour so a client whose clock lags a little still accepts them.
Result<CertifiedKey> createCertificateAuthority(std::time_t now, std::time_t lifetime = kCaLifetime);

// CN "edgeway-apiserver", extendedKeyUsage serverAuth, the given SANs (at least one).
// Its validity never outlasts the CA's.
Result<CertifiedKey> issueServingCertificate(const CertifiedKey& ca, const SubjectAltNames& sans,
                                             std::time_t now, std::time_t lifetime = kServingLifetime);

// CN `user`, one O per group (how Kubernetes reads groups from a client certificate),
// extendedKeyUsage clientAuth. Its validity never outlasts the CA's.
Result<CertifiedKey> issueClientCertificate(const CertifiedKey& ca, const std::string& user,
                                            const std::vector<std::string>& groups, std::time_t now,
                                            std::time_t lifetime);

// --- reading back --------------------------------------------------------------------------

// Facts of the first certificate in `pem`.
Result<CertificateInfo> inspectCertificate(const std::string& pem);

// Ok when the first certificate in `certPem` was signed by the CA in `caPem` (names, key
// identifiers, signature, CA constraints). The validity window is not checked here: callers
// compare notAfter against their own clock and renewal margin.
Status verifyIssuedBy(const std::string& certPem, const std::string& caPem);

// Ok when `keyPem` is the private key of the first certificate in `certPem`.
Status checkKeyMatchesCertificate(const std::string& certPem, const std::string& keyPem);

// --- PEM ------------------------------------------------------------------------------------

struct PemBlock {
  std::string label;  // "CERTIFICATE", "EC PRIVATE KEY", …
  std::string der;
};

// "-----BEGIN <label>-----", base64 in 64-column lines, "-----END <label>-----", newline.
std::string encodePem(const PemBlock& block);
// Every block in `text`, in order; text between blocks is ignored. Blocks with headers
// (encrypted keys) and broken base64 are InvalidArgument; so is text without any block.
Result<std::vector<PemBlock>> decodePem(std::string_view text);

// Standard base64 with padding, no line breaks (kubeconfig's *-data fields).
std::string base64Encode(std::string_view bytes);

}  // namespace edgeway::http
