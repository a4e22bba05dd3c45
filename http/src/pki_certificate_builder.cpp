#include "http/src/pki_certificate_builder.h"

#include <mbedtls/asn1write.h>
#include <mbedtls/bignum.h>
#include <mbedtls/oid.h>

#include <array>
#include <string_view>
#include <vector>

namespace edgeway::http::pki {
namespace {

struct RawAttribute {
  std::string oid;
  int tag;
  std::string value;
};

std::vector<RawAttribute> toRaw(const std::vector<NameAttribute>& attributes) {
  std::vector<RawAttribute> raw;
  for (const auto& a : attributes) {
    std::string oid =
        a.type == NameAttribute::Type::kCommonName
            ? std::string(MBEDTLS_OID_AT_CN, MBEDTLS_OID_SIZE(MBEDTLS_OID_AT_CN))
            : std::string(MBEDTLS_OID_AT_ORGANIZATION, MBEDTLS_OID_SIZE(MBEDTLS_OID_AT_ORGANIZATION));
    raw.push_back({std::move(oid), MBEDTLS_ASN1_UTF8_STRING, a.value});
  }
  return raw;
}

// Replaces a writer's name list. mbedTLS writes the list back to front, so prepending each
// attribute in certificate order yields that order in the DER. Each node is allocated by
// mbedTLS itself so that mbedtls_x509write_crt_free releases it.
Status replaceNameList(mbedtls_asn1_named_data** list, const std::vector<RawAttribute>& attributes) {
  mbedtls_asn1_free_named_data_list(list);
  for (const auto& a : attributes) {
    if (a.value.empty()) return invalidArgument("certificate name attributes must not be empty");
    mbedtls_asn1_named_data* node = nullptr;
    if (mbedtls_asn1_store_named_data(&node, a.oid.data(), a.oid.size(),
                                      reinterpret_cast<const unsigned char*>(a.value.data()),
                                      a.value.size()) == nullptr) {
      return internalError("out of memory encoding a certificate name");
    }
    node->val.tag = a.tag;
    node->next = *list;
    *list = node;
  }
  return Status::ok();
}

std::string validityTime(std::time_t t) {
  std::tm tm{};
  gmtime_r(&t, &tm);
  char text[32];
  std::strftime(text, sizeof text, "%Y%m%d%H%M%S", &tm);
  return text;
}

// GeneralNames ::= SEQUENCE OF GeneralName, dNSName [2] IA5String, iPAddress [7] OCTET
// STRING (4 or 16 bytes). DER is written backwards, so the lists are walked in reverse.
int writeGeneralNames(unsigned char** p, unsigned char* start, const SubjectAltNames& sans) {
  int ret = 0;
  size_t len = 0;
  for (auto ip = sans.ipAddresses.rbegin(); ip != sans.ipAddresses.rend(); ++ip) {
    const unsigned char* bytes = ip->bytes().data() + (ip->isV4() ? 12 : 0);
    size_t n = ip->isV4() ? 4 : 16;
    size_t entry = 0;
    MBEDTLS_ASN1_CHK_ADD(entry, mbedtls_asn1_write_raw_buffer(p, start, bytes, n));
    MBEDTLS_ASN1_CHK_ADD(entry, mbedtls_asn1_write_len(p, start, entry));
    MBEDTLS_ASN1_CHK_ADD(entry, mbedtls_asn1_write_tag(p, start, MBEDTLS_ASN1_CONTEXT_SPECIFIC | 7));
    len += entry;
  }
  for (auto name = sans.dnsNames.rbegin(); name != sans.dnsNames.rend(); ++name) {
    size_t entry = 0;
    MBEDTLS_ASN1_CHK_ADD(
        entry, mbedtls_asn1_write_raw_buffer(p, start, reinterpret_cast<const unsigned char*>(name->data()),
                                             name->size()));
    MBEDTLS_ASN1_CHK_ADD(entry, mbedtls_asn1_write_len(p, start, entry));
    MBEDTLS_ASN1_CHK_ADD(entry, mbedtls_asn1_write_tag(p, start, MBEDTLS_ASN1_CONTEXT_SPECIFIC | 2));
    len += entry;
  }
  MBEDTLS_ASN1_CHK_ADD(len, mbedtls_asn1_write_len(p, start, len));
  MBEDTLS_ASN1_CHK_ADD(len,
                       mbedtls_asn1_write_tag(p, start, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE));
  return static_cast<int>(len);
}

// ExtKeyUsageSyntax ::= SEQUENCE SIZE (1..MAX) OF KeyPurposeId
int writeKeyPurposes(unsigned char** p, unsigned char* start, const char* oid, size_t oidLength) {
  int ret = 0;
  size_t len = 0;
  MBEDTLS_ASN1_CHK_ADD(len, mbedtls_asn1_write_oid(p, start, oid, oidLength));
  MBEDTLS_ASN1_CHK_ADD(len, mbedtls_asn1_write_len(p, start, len));
  MBEDTLS_ASN1_CHK_ADD(len,
                       mbedtls_asn1_write_tag(p, start, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE));
  return static_cast<int>(len);
}

}  // namespace

CertificateBuilder::CertificateBuilder() {
  mbedtls_x509write_crt_init(&writer_);
  mbedtls_x509write_crt_set_version(&writer_, MBEDTLS_X509_CRT_VERSION_3);
  mbedtls_x509write_crt_set_md_alg(&writer_, MBEDTLS_MD_SHA256);
}

CertificateBuilder::~CertificateBuilder() { mbedtls_x509write_crt_free(&writer_); }

Status CertificateBuilder::setSubject(const std::vector<NameAttribute>& attributes) {
  return replaceNameList(&writer_.subject, toRaw(attributes));
}

Status CertificateBuilder::setIssuer(const std::vector<NameAttribute>& attributes) {
  return replaceNameList(&writer_.issuer, toRaw(attributes));
}

Status CertificateBuilder::setIssuerFromSubjectOf(const mbedtls_x509_crt& ca) {
  std::vector<RawAttribute> attributes;
  for (const mbedtls_x509_name* n = &ca.subject; n != nullptr && n->oid.p != nullptr; n = n->next) {
    // Multi-valued RDNs would be re-encoded as separate RDNs, changing the bytes.
    if (n->next_merged) return invalidArgument("the CA's subject has a multi-valued RDN; not supported");
    attributes.push_back({std::string(reinterpret_cast<const char*>(n->oid.p), n->oid.len), n->val.tag,
                          std::string(reinterpret_cast<const char*>(n->val.p), n->val.len)});
  }
  if (attributes.empty()) return invalidArgument("the CA certificate has an empty subject");
  return replaceNameList(&writer_.issuer, attributes);
}

void CertificateBuilder::setKeys(PrivateKey& subject, PrivateKey& issuer) {
  mbedtls_x509write_crt_set_subject_key(&writer_, subject.get());
  mbedtls_x509write_crt_set_issuer_key(&writer_, issuer.get());
}

Status CertificateBuilder::setValidity(std::time_t notBefore, std::time_t notAfter) {
  int rc = mbedtls_x509write_crt_set_validity(&writer_, validityTime(notBefore).c_str(),
                                              validityTime(notAfter).c_str());
  if (rc != 0) return invalidArgument(mbedtlsErrorText("certificate validity", rc));
  return Status::ok();
}

Status CertificateBuilder::setRandomSerial(Random& random) {
  // 128 random bits read as a non-negative number; the DER writer adds the 0x00 that keeps
  // a value with the top bit set positive (Go rejects negative serial numbers).
  std::array<unsigned char, 16> bytes{};
  if (Status s = random.fill(bytes.data(), bytes.size()); !s.isOk()) return s;
  mbedtls_mpi serial;
  mbedtls_mpi_init(&serial);
  int rc = mbedtls_mpi_read_binary(&serial, bytes.data(), bytes.size());
  if (rc == 0) rc = mbedtls_x509write_crt_set_serial(&writer_, &serial);
  mbedtls_mpi_free(&serial);
  if (rc != 0) return internalError(mbedtlsErrorText("certificate serial number", rc));
  return Status::ok();
}

Status CertificateBuilder::setBasicExtensions(bool isCa) {
  int rc = mbedtls_x509write_crt_set_basic_constraints(&writer_, isCa ? 1 : 0, -1);
  if (rc == 0) {
    unsigned int usage =
        isCa ? (MBEDTLS_X509_KU_KEY_CERT_SIGN | MBEDTLS_X509_KU_CRL_SIGN) : MBEDTLS_X509_KU_DIGITAL_SIGNATURE;
    rc = mbedtls_x509write_crt_set_key_usage(&writer_, usage);
  }
  if (rc == 0) rc = mbedtls_x509write_crt_set_subject_key_identifier(&writer_);
  if (rc == 0) rc = mbedtls_x509write_crt_set_authority_key_identifier(&writer_);
  if (rc != 0) return internalError(mbedtlsErrorText("certificate extensions", rc));
  return Status::ok();
}

Status CertificateBuilder::setExtendedKeyUsage(ExtendedKeyUsage usage) {
  std::string_view oid =
      usage == ExtendedKeyUsage::kServerAuth
          ? std::string_view(MBEDTLS_OID_SERVER_AUTH, MBEDTLS_OID_SIZE(MBEDTLS_OID_SERVER_AUTH))
          : std::string_view(MBEDTLS_OID_CLIENT_AUTH, MBEDTLS_OID_SIZE(MBEDTLS_OID_CLIENT_AUTH));
  std::array<unsigned char, 32> buf{};
  unsigned char* p = buf.data() + buf.size();
  int len = writeKeyPurposes(&p, buf.data(), oid.data(), oid.size());
  if (len < 0) return internalError(mbedtlsErrorText("extendedKeyUsage", len));
  int rc = mbedtls_x509write_crt_set_extension(&writer_, MBEDTLS_OID_EXTENDED_KEY_USAGE,
                                               MBEDTLS_OID_SIZE(MBEDTLS_OID_EXTENDED_KEY_USAGE), 0, p,
                                               static_cast<size_t>(len));
  if (rc != 0) return internalError(mbedtlsErrorText("extendedKeyUsage", rc));
  return Status::ok();
}

Status CertificateBuilder::setSubjectAltNames(const SubjectAltNames& sans) {
  size_t estimate = 16 + sans.ipAddresses.size() * 20;
  for (const auto& name : sans.dnsNames) estimate += name.size() + 8;
  std::vector<unsigned char> buf(estimate);
  unsigned char* p = buf.data() + buf.size();
  int len = writeGeneralNames(&p, buf.data(), sans);
  if (len < 0) return internalError(mbedtlsErrorText("subjectAltName", len));
  // Not critical: the subject is not empty (RFC 5280 4.2.1.6).
  int rc = mbedtls_x509write_crt_set_extension(&writer_, MBEDTLS_OID_SUBJECT_ALT_NAME,
                                               MBEDTLS_OID_SIZE(MBEDTLS_OID_SUBJECT_ALT_NAME), 0, p,
                                               static_cast<size_t>(len));
  if (rc != 0) return internalError(mbedtlsErrorText("subjectAltName", rc));
  return Status::ok();
}

Result<std::string> CertificateBuilder::signToPem(Random& random) {
  // Names and SANs are the only variable parts; 1 KiB covers the fixed ones with margin.
  size_t size = 1024;
  for (const auto* list : {writer_.subject, writer_.issuer, writer_.extensions}) {
    for (const mbedtls_asn1_named_data* n = list; n != nullptr; n = n->next)
      size += n->oid.len + n->val.len + 16;
  }
  std::vector<unsigned char> buf(size);
  int len = mbedtls_x509write_crt_der(&writer_, buf.data(), buf.size(), &Random::generate, &random);
  if (len < 0) return internalError(mbedtlsErrorText("cannot sign a certificate", len));
  std::string der(reinterpret_cast<const char*>(buf.data() + buf.size() - len), static_cast<size_t>(len));
  return encodePem({"CERTIFICATE", der});
}

}  // namespace edgeway::http::pki
