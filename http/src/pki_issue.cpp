// Creating the cluster CA and issuing leaf certificates from it.

#include <algorithm>
#include <string>

#include "http/pki.h"
#include "http/src/pki_certificate_builder.h"
#include "http/src/pki_mbedtls.h"

namespace edgeway::http {
namespace {

using pki::CertificateBuilder;
using pki::NameAttribute;

// Clients whose clock runs a little behind the server's must still accept a certificate
// issued a moment ago.
constexpr std::time_t kBackdate = 60 * 60;

Status checkNameValue(const std::string& what, const std::string& value) {
  if (value.empty()) return invalidArgument(what + " must not be empty");
  for (unsigned char c : value) {
    if (c < 0x20 || c == 0x7f)
      return invalidArgument(what + " \"" + value + "\" contains a control character");
  }
  return Status::ok();
}

// The CA as a signer: its certificate and key parsed, checked to belong together and to be
// a CA, so a leaf is never signed by something that cannot vouch for it.
struct Signer {
  pki::Certificate cert;
  pki::PrivateKey key;
  std::time_t notAfter = 0;
};

Status loadSigner(const CertifiedKey& ca, Signer& signer) {
  if (Status s = signer.cert.parsePem(ca.certPem); !s.isOk()) return invalidArgument("CA " + s.message());
  if (Status s = signer.key.parse(ca.keyPem); !s.isOk()) return invalidArgument("CA key: " + s.message());
  mbedtls_x509_crt* crt = signer.cert.get();
  if (!crt->ca_istrue) return invalidArgument("the CA certificate is not a CA (basicConstraints CA:FALSE)");
  if (mbedtls_pk_check_pair(&crt->pk, signer.key.get()) != 0) {
    return invalidArgument("the CA key does not belong to the CA certificate");
  }
  signer.notAfter = pki::toUnixTime(crt->valid_to);
  return Status::ok();
}

// Signs a leaf certificate for a fresh key. `fill` sets what differs between leaf kinds.
template <typename Fill>
Result<CertifiedKey> issueLeaf(const CertifiedKey& ca, std::time_t now, std::time_t lifetime, Fill fill) {
  Signer signer;
  if (Status s = loadSigner(ca, signer); !s.isOk()) return s;
  std::time_t notAfter = std::min(now + lifetime, signer.notAfter);
  if (notAfter <= now)
    return invalidArgument("the cluster CA has expired; it can no longer issue certificates");

  pki::Random random;
  pki::PrivateKey key;
  CertificateBuilder builder;
  Status s = random.init();
  if (s.isOk()) s = key.generate(random);
  if (s.isOk()) s = fill(builder);
  if (s.isOk()) s = builder.setIssuerFromSubjectOf(*signer.cert.get());
  if (s.isOk()) {
    builder.setKeys(key, signer.key);
    s = builder.setValidity(now - kBackdate, notAfter);
  }
  if (s.isOk()) s = builder.setRandomSerial(random);
  if (s.isOk()) s = builder.setBasicExtensions(false);
  if (!s.isOk()) return s;
  auto cert = builder.signToPem(random);
  if (!cert) return cert.status();
  auto keyPem = key.toPem();
  if (!keyPem) return keyPem.status();
  return CertifiedKey{std::move(*cert), std::move(*keyPem)};
}

}  // namespace

Result<CertifiedKey> createCertificateAuthority(std::time_t now, std::time_t lifetime) {
  // The creation time in the name keeps CAs of successive installs apart, as k3s does.
  std::vector<NameAttribute> name{{NameAttribute::Type::kCommonName, "edgeway-ca@" + std::to_string(now)}};
  pki::Random random;
  pki::PrivateKey key;
  CertificateBuilder builder;
  Status s = random.init();
  if (s.isOk()) s = key.generate(random);
  if (s.isOk()) s = builder.setSubject(name);
  if (s.isOk()) s = builder.setIssuer(name);
  if (s.isOk()) {
    builder.setKeys(key, key);
    s = builder.setValidity(now - kBackdate, now + lifetime);
  }
  if (s.isOk()) s = builder.setRandomSerial(random);
  if (s.isOk()) s = builder.setBasicExtensions(true);
  if (!s.isOk()) return s;
  auto cert = builder.signToPem(random);
  if (!cert) return cert.status();
  auto keyPem = key.toPem();
  if (!keyPem) return keyPem.status();
  return CertifiedKey{std::move(*cert), std::move(*keyPem)};
}

Result<CertifiedKey> issueServingCertificate(const CertifiedKey& ca, const SubjectAltNames& sans,
                                             std::time_t now, std::time_t lifetime) {
  if (sans.dnsNames.empty() && sans.ipAddresses.empty()) {
    return invalidArgument("a serving certificate needs at least one DNS name or IP address");
  }
  return issueLeaf(ca, now, lifetime, [&sans](CertificateBuilder& b) {
    Status s = b.setSubject({{NameAttribute::Type::kCommonName, "edgeway-apiserver"}});
    if (s.isOk()) s = b.setExtendedKeyUsage(pki::ExtendedKeyUsage::kServerAuth);
    if (s.isOk()) s = b.setSubjectAltNames(sans);
    return s;
  });
}

Result<CertifiedKey> issueClientCertificate(const CertifiedKey& ca, const std::string& user,
                                            const std::vector<std::string>& groups, std::time_t now,
                                            std::time_t lifetime) {
  if (Status s = checkNameValue("user name", user); !s.isOk()) return s;
  // Organizations first, then the common name: the order Go's crypto/x509 writes them in.
  std::vector<NameAttribute> subject;
  for (const auto& group : groups) {
    if (Status s = checkNameValue("group name", group); !s.isOk()) return s;
    subject.push_back({NameAttribute::Type::kOrganization, group});
  }
  subject.push_back({NameAttribute::Type::kCommonName, user});
  return issueLeaf(ca, now, lifetime, [&subject](CertificateBuilder& b) {
    Status s = b.setSubject(subject);
    if (s.isOk()) s = b.setExtendedKeyUsage(pki::ExtendedKeyUsage::kClientAuth);
    return s;
  });
}

}  // namespace edgeway::http
