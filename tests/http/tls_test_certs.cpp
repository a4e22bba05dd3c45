#include "http/tls_test_certs.h"

#include <arpa/inet.h>
#include <mbedtls/asn1.h>
#include <mbedtls/ctr_drbg.h>
#include <mbedtls/ecp.h>
#include <mbedtls/entropy.h>
#include <mbedtls/oid.h>
#include <mbedtls/pk.h>
#include <mbedtls/platform.h>
#include <mbedtls/rsa.h>
#include <mbedtls/x509_crt.h>

#include <cstring>
#include <stdexcept>

namespace edgeway::http::testing {
namespace {

void check(int rc, const char* what) {
  if (rc != 0)
    throw std::runtime_error(std::string("test certificates: ") + what + " failed: " + std::to_string(rc));
}

// The entropy, random generator and key of one certificate being made.
struct KeyMaker {
  KeyMaker() {
    mbedtls_entropy_init(&entropy);
    mbedtls_ctr_drbg_init(&drbg);
    mbedtls_pk_init(&key);
    check(mbedtls_ctr_drbg_seed(&drbg, mbedtls_entropy_func, &entropy, nullptr, 0), "seed");
  }
  ~KeyMaker() {
    mbedtls_pk_free(&key);
    mbedtls_ctr_drbg_free(&drbg);
    mbedtls_entropy_free(&entropy);
  }

  void generate(TestKeyType type) {
    if (type == TestKeyType::kRsa2048) {
      check(mbedtls_pk_setup(&key, mbedtls_pk_info_from_type(MBEDTLS_PK_RSA)), "pk_setup");
      check(mbedtls_rsa_gen_key(mbedtls_pk_rsa(key), mbedtls_ctr_drbg_random, &drbg, 2048, 65537),
            "rsa_gen_key");
    } else {
      check(mbedtls_pk_setup(&key, mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY)), "pk_setup");
      check(mbedtls_ecp_gen_key(MBEDTLS_ECP_DP_SECP256R1, mbedtls_pk_ec(key), mbedtls_ctr_drbg_random, &drbg),
            "ecp_gen_key");
    }
  }

  void parse(const std::string& pem) {
    check(mbedtls_pk_parse_key(&key, reinterpret_cast<const unsigned char*>(pem.c_str()), pem.size() + 1,
                               nullptr, 0),
          "parse key");
  }

  std::string pem() {
    unsigned char buf[16 * 1024];
    check(mbedtls_pk_write_key_pem(&key, buf, sizeof buf), "write key");
    return reinterpret_cast<const char*>(buf);
  }

  mbedtls_entropy_context entropy;
  mbedtls_ctr_drbg_context drbg;
  mbedtls_pk_context key;
};

std::string derLength(size_t n) {
  if (n < 0x80) return std::string(1, static_cast<char>(n));
  if (n < 0x100) return std::string{'\x81', static_cast<char>(n)};
  return std::string{'\x82', static_cast<char>(n >> 8), static_cast<char>(n & 0xff)};
}

std::string der(unsigned char tag, const std::string& value) {
  return static_cast<char>(tag) + derLength(value.size()) + value;
}

// GeneralNames: dNSName is [2] IA5String, iPAddress is [7] OCTET STRING (RFC 5280 4.2.1.6).
std::string subjectAltNames(const TestCertificateSpec& spec) {
  std::string names;
  for (const std::string& dns : spec.dnsNames) names += der(0x82, dns);
  for (const std::string& ip : spec.ipAddresses) {
    unsigned char bytes[16];
    size_t length = 0;
    if (inet_pton(AF_INET, ip.c_str(), bytes) == 1) {
      length = 4;
    } else if (inet_pton(AF_INET6, ip.c_str(), bytes) == 1) {
      length = 16;
    } else {
      throw std::runtime_error("test certificates: bad IP " + ip);
    }
    names += der(0x87, std::string(reinterpret_cast<const char*>(bytes), length));
  }
  return der(0x30, names);
}

// mbedTLS's subject-name parser keeps one value per attribute type, but Kubernetes reads
// groups from repeated O attributes; so they are added to the name list by hand. The list is
// written in reverse, hence prepending keeps them after the CN and in the given order.
void addOrganizations(mbedtls_x509write_cert& crt, const std::vector<std::string>& organizations) {
  for (const std::string& o : organizations) {
    auto* node = static_cast<mbedtls_asn1_named_data*>(mbedtls_calloc(1, sizeof(mbedtls_asn1_named_data)));
    const size_t oidLength = MBEDTLS_OID_SIZE(MBEDTLS_OID_AT_ORGANIZATION);
    node->oid.tag = MBEDTLS_ASN1_OID;
    node->oid.len = oidLength;
    node->oid.p = static_cast<unsigned char*>(mbedtls_calloc(1, oidLength));
    std::memcpy(node->oid.p, MBEDTLS_OID_AT_ORGANIZATION, oidLength);
    node->val.tag = MBEDTLS_ASN1_UTF8_STRING;
    node->val.len = o.size();
    node->val.p = static_cast<unsigned char*>(mbedtls_calloc(1, o.size() + 1));
    std::memcpy(node->val.p, o.data(), o.size());
    node->next = crt.subject;
    crt.subject = node;
  }
}

// Signs `subject` (whose key is subjectKey) with issuerKey; self-signed when they are one.
std::string makeCertificate(const TestCertificateSpec& spec, bool isCa, KeyMaker& subjectKey,
                            const std::string& issuerName, KeyMaker& issuerKey) {
  static int serialNumber = 1;
  mbedtls_x509write_cert crt;
  mbedtls_mpi serial;
  mbedtls_x509write_crt_init(&crt);
  mbedtls_mpi_init(&serial);
  std::string pem;
  try {
    check(mbedtls_mpi_lset(&serial, serialNumber++), "serial");
    mbedtls_x509write_crt_set_version(&crt, MBEDTLS_X509_CRT_VERSION_3);
    mbedtls_x509write_crt_set_md_alg(&crt, MBEDTLS_MD_SHA256);
    mbedtls_x509write_crt_set_subject_key(&crt, &subjectKey.key);
    mbedtls_x509write_crt_set_issuer_key(&crt, &issuerKey.key);
    check(mbedtls_x509write_crt_set_serial(&crt, &serial), "set serial");
    check(mbedtls_x509write_crt_set_validity(&crt, spec.notBefore.c_str(), spec.notAfter.c_str()),
          "validity");
    check(mbedtls_x509write_crt_set_subject_name(&crt, ("CN=" + spec.commonName).c_str()), "subject");
    addOrganizations(crt, spec.organizations);
    check(mbedtls_x509write_crt_set_issuer_name(&crt, ("CN=" + issuerName).c_str()), "issuer");
    check(mbedtls_x509write_crt_set_basic_constraints(&crt, isCa ? 1 : 0, -1), "basic constraints");
    check(mbedtls_x509write_crt_set_key_usage(
              &crt, isCa ? (MBEDTLS_X509_KU_KEY_CERT_SIGN | MBEDTLS_X509_KU_CRL_SIGN)
                         : (MBEDTLS_X509_KU_DIGITAL_SIGNATURE | MBEDTLS_X509_KU_KEY_ENCIPHERMENT)),
          "key usage");
    if (!spec.dnsNames.empty() || !spec.ipAddresses.empty()) {
      const std::string sans = subjectAltNames(spec);
      check(mbedtls_x509write_crt_set_extension(
                &crt, MBEDTLS_OID_SUBJECT_ALT_NAME, MBEDTLS_OID_SIZE(MBEDTLS_OID_SUBJECT_ALT_NAME), 0,
                reinterpret_cast<const unsigned char*>(sans.data()), sans.size()),
            "subjectAltName");
    }
    unsigned char buf[8 * 1024];
    check(mbedtls_x509write_crt_pem(&crt, buf, sizeof buf, mbedtls_ctr_drbg_random, &issuerKey.drbg),
          "write cert");
    pem = reinterpret_cast<const char*>(buf);
  } catch (...) {
    mbedtls_mpi_free(&serial);
    mbedtls_x509write_crt_free(&crt);
    throw;
  }
  mbedtls_mpi_free(&serial);
  mbedtls_x509write_crt_free(&crt);
  return pem;
}

}  // namespace

TestCa::TestCa(std::string commonName) : commonName_(std::move(commonName)) {
  KeyMaker key;
  key.generate(TestKeyType::kEcdsaP256);
  TestCertificateSpec spec;
  spec.commonName = commonName_;
  self_.certPem = makeCertificate(spec, true, key, commonName_, key);
  self_.keyPem = key.pem();
}

TestCertificate TestCa::issue(const TestCertificateSpec& spec) const {
  KeyMaker issuer;
  issuer.parse(self_.keyPem);
  KeyMaker subject;
  subject.generate(spec.keyType);
  TestCertificate out;
  out.certPem = makeCertificate(spec, false, subject, commonName_, issuer);
  out.keyPem = subject.pem();
  return out;
}

namespace {

TestPki makeTestPki() {
  TestPki p;
  TestCertificateSpec server;
  server.commonName = "edgeway-test-server";
  server.dnsNames = {"localhost"};
  server.ipAddresses = {"127.0.0.1"};
  p.server = p.ca.issue(server);
  p.otherServer = p.otherCa.issue(server);

  TestCertificateSpec alice;
  alice.commonName = "alice";
  alice.organizations = {"system:masters", "developers"};
  p.alice = p.ca.issue(alice);

  TestCertificateSpec expired;
  expired.commonName = "old-timer";
  expired.notBefore = "20200101000000";
  expired.notAfter = "20210101000000";
  p.expired = p.ca.issue(expired);

  TestCertificateSpec stranger;
  stranger.commonName = "mallory";
  stranger.organizations = {"system:masters"};
  p.stranger = p.otherCa.issue(stranger);
  return p;
}

}  // namespace

const TestPki& testPki() {
  static const TestPki pki = makeTestPki();
  return pki;
}

}  // namespace edgeway::http::testing
