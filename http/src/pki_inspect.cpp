// Reading facts back from certificates and checking how certificates and keys relate.

#include <mbedtls/oid.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstring>  // memcmp, for MBEDTLS_OID_CMP
#include <string>

#include "http/pki.h"
#include "http/src/pki_mbedtls.h"

namespace edgeway::http {
namespace {

std::string bufString(const mbedtls_x509_buf& buf) {
  return std::string(reinterpret_cast<const char*>(buf.p), buf.len);
}

// The first value of attribute `oid` in a name, or "".
std::string firstAttribute(const mbedtls_x509_name* name, const char* oid, size_t oidLength) {
  for (const mbedtls_x509_name* n = name; n != nullptr; n = n->next) {
    if (n->oid.p != nullptr && n->oid.len == oidLength && std::equal(oid, oid + oidLength, n->oid.p)) {
      return bufString(n->val);
    }
  }
  return "";
}

SubjectAltNames readSubjectAltNames(const mbedtls_x509_crt& crt) {
  SubjectAltNames sans;
  for (const mbedtls_x509_sequence* s = &crt.subject_alt_names; s != nullptr; s = s->next) {
    if (s->buf.p == nullptr) continue;
    const mbedtls_x509_buf& b = s->buf;
    if (b.tag == (MBEDTLS_ASN1_CONTEXT_SPECIFIC | MBEDTLS_X509_SAN_DNS_NAME)) {
      std::string name = bufString(b);
      std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
      if (std::find(sans.dnsNames.begin(), sans.dnsNames.end(), name) == sans.dnsNames.end()) {
        sans.dnsNames.push_back(std::move(name));
      }
    } else if (b.tag == (MBEDTLS_ASN1_CONTEXT_SPECIFIC | MBEDTLS_X509_SAN_IP_ADDRESS)) {
      if (b.len == 4) {
        sans.add(
            IpAddress::v4(uint32_t{b.p[0]} << 24 | uint32_t{b.p[1]} << 16 | uint32_t{b.p[2]} << 8 | b.p[3]));
      } else if (b.len == 16) {
        std::array<uint8_t, 16> bytes{};
        std::copy(b.p, b.p + 16, bytes.begin());
        sans.add(IpAddress::v6(bytes));
      }
    }
  }
  return sans;
}

std::string serialHex(const mbedtls_x509_buf& serial) {
  static const char kDigits[] = "0123456789ABCDEF";
  std::string out;
  size_t i = 0;
  while (i + 1 < serial.len && serial.p[i] == 0) ++i;  // DER's sign padding
  for (; i < serial.len; ++i) {
    out += kDigits[serial.p[i] >> 4];
    out += kDigits[serial.p[i] & 0xf];
  }
  return out;
}

}  // namespace

Result<CertificateInfo> inspectCertificate(const std::string& pem) {
  pki::Certificate cert;
  if (Status s = cert.parsePem(pem); !s.isOk()) return s;
  const mbedtls_x509_crt& c = *cert.get();
  CertificateInfo info;
  info.commonName = firstAttribute(&c.subject, MBEDTLS_OID_AT_CN, MBEDTLS_OID_SIZE(MBEDTLS_OID_AT_CN));
  info.issuerCommonName = firstAttribute(&c.issuer, MBEDTLS_OID_AT_CN, MBEDTLS_OID_SIZE(MBEDTLS_OID_AT_CN));
  for (const mbedtls_x509_name* n = &c.subject; n != nullptr; n = n->next) {
    if (n->oid.p != nullptr && MBEDTLS_OID_CMP(MBEDTLS_OID_AT_ORGANIZATION, &n->oid) == 0) {
      info.organizations.push_back(bufString(n->val));
    }
  }
  info.sans = readSubjectAltNames(c);
  info.notBefore = pki::toUnixTime(c.valid_from);
  info.notAfter = pki::toUnixTime(c.valid_to);
  info.isCa = c.ca_istrue != 0;
  for (const mbedtls_x509_sequence* s = &c.ext_key_usage; s != nullptr; s = s->next) {
    if (s->buf.p == nullptr) continue;
    if (MBEDTLS_OID_CMP(MBEDTLS_OID_SERVER_AUTH, &s->buf) == 0) info.serverAuth = true;
    if (MBEDTLS_OID_CMP(MBEDTLS_OID_CLIENT_AUTH, &s->buf) == 0) info.clientAuth = true;
  }
  info.serialHex = serialHex(c.serial);
  return info;
}

Status verifyIssuedBy(const std::string& certPem, const std::string& caPem) {
  pki::Certificate cert;
  pki::Certificate ca;
  if (Status s = cert.parsePem(certPem); !s.isOk()) return s;
  if (Status s = ca.parsePem(caPem); !s.isOk()) return invalidArgument("CA " + s.message());
  uint32_t flags = 0;
  mbedtls_x509_crt_verify(cert.get(), ca.get(), nullptr, nullptr, &flags, nullptr, nullptr);
  flags &= ~static_cast<uint32_t>(MBEDTLS_X509_BADCERT_EXPIRED | MBEDTLS_X509_BADCERT_FUTURE);
  if (flags == 0) return Status::ok();
  char reason[512];
  int n = mbedtls_x509_crt_verify_info(reason, sizeof reason, "", flags);
  std::string text = n > 0 ? std::string(reason, static_cast<size_t>(n)) : "unknown reason";
  std::replace(text.begin(), text.end(), '\n', ';');
  while (!text.empty() && text.back() == ';') text.pop_back();
  return invalidArgument("certificate not issued by the CA: " + text);
}

Status checkKeyMatchesCertificate(const std::string& certPem, const std::string& keyPem) {
  pki::Certificate cert;
  pki::PrivateKey key;
  if (Status s = cert.parsePem(certPem); !s.isOk()) return s;
  if (Status s = key.parse(keyPem); !s.isOk()) return s;
  if (mbedtls_pk_check_pair(&cert.get()->pk, key.get()) != 0) {
    return invalidArgument("the private key does not belong to the certificate");
  }
  return Status::ok();
}

}  // namespace edgeway::http
