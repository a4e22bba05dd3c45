#pragma once
// Assembles and signs one X.509 v3 certificate with mbedTLS's writer. mbedTLS 2.28 cannot
// write subjectAltName or extendedKeyUsage and merges repeated name attributes (several O),
// so this fills those gaps with hand-encoded DER. Private to http/src.

#include <mbedtls/x509_crt.h>

#include <ctime>
#include <string>
#include <vector>

#include "base/status.h"
#include "http/pki.h"
#include "http/src/pki_mbedtls.h"

namespace edgeway::http::pki {

struct NameAttribute {
  enum class Type { kCommonName, kOrganization };
  Type type;
  std::string value;
};

enum class ExtendedKeyUsage { kServerAuth, kClientAuth };

class CertificateBuilder {
 public:
  CertificateBuilder();
  ~CertificateBuilder();
  CertificateBuilder(const CertificateBuilder&) = delete;
  CertificateBuilder& operator=(const CertificateBuilder&) = delete;

  // Attributes in the order they appear in the certificate.
  Status setSubject(const std::vector<NameAttribute>& attributes);
  Status setIssuer(const std::vector<NameAttribute>& attributes);
  // The issuer name copied from the CA's subject with its original string types, so the two
  // are byte-identical: Go (kubectl) matches issuer to subject by their raw bytes.
  Status setIssuerFromSubjectOf(const mbedtls_x509_crt& ca);
  // The key certified and the key that signs (the same one for a self-signed CA).
  void setKeys(PrivateKey& subject, PrivateKey& issuer);
  Status setValidity(std::time_t notBefore, std::time_t notAfter);
  Status setRandomSerial(Random& random);
  // basicConstraints, keyUsage and key identifiers. A CA gets keyCertSign|cRLSign; a leaf
  // digitalSignature, the only use of an ECDSA key in TLS. Call after setKeys.
  Status setBasicExtensions(bool isCa);
  Status setExtendedKeyUsage(ExtendedKeyUsage usage);
  Status setSubjectAltNames(const SubjectAltNames& sans);

  // Signs with ECDSA-SHA256 and returns the PEM certificate.
  Result<std::string> signToPem(Random& random);

 private:
  mbedtls_x509write_cert writer_;
};

}  // namespace edgeway::http::pki
