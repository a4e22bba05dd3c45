#include "http/src/pki_mbedtls.h"

#include <mbedtls/ecp.h>
#include <mbedtls/error.h>

#include <cstdio>
#include <vector>

#include "http/pki.h"

namespace edgeway::http::pki {

std::string mbedtlsErrorText(const std::string& what, int code) {
  char text[160];
  mbedtls_strerror(code, text, sizeof text);
  char hex[16];
  std::snprintf(hex, sizeof hex, "-0x%04x", static_cast<unsigned>(-code));
  return what + ": " + text + " (" + hex + ")";
}

Random::Random() {
  mbedtls_entropy_init(&entropy_);
  mbedtls_ctr_drbg_init(&drbg_);
}

Random::~Random() {
  mbedtls_ctr_drbg_free(&drbg_);
  mbedtls_entropy_free(&entropy_);
}

Status Random::init() {
  static const char kPersonalization[] = "edgeway-pki";
  int rc = mbedtls_ctr_drbg_seed(&drbg_, mbedtls_entropy_func, &entropy_,
                                 reinterpret_cast<const unsigned char*>(kPersonalization),
                                 sizeof kPersonalization - 1);
  if (rc != 0) return internalError(mbedtlsErrorText("cannot seed the random generator", rc));
  return Status::ok();
}

int Random::generate(void* self, unsigned char* out, size_t len) {
  return mbedtls_ctr_drbg_random(&static_cast<Random*>(self)->drbg_, out, len);
}

Status Random::fill(unsigned char* out, size_t len) {
  int rc = mbedtls_ctr_drbg_random(&drbg_, out, len);
  if (rc != 0) return internalError(mbedtlsErrorText("random generator", rc));
  return Status::ok();
}

Status PrivateKey::generate(Random& random) {
  int rc = mbedtls_pk_setup(&pk_, mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY));
  if (rc == 0)
    rc = mbedtls_ecp_gen_key(MBEDTLS_ECP_DP_SECP256R1, mbedtls_pk_ec(pk_), &Random::generate, &random);
  if (rc != 0) return internalError(mbedtlsErrorText("cannot generate an ECDSA P-256 key", rc));
  return Status::ok();
}

Status PrivateKey::parse(const std::string& pem) {
  // mbedTLS recognises PEM by the terminating NUL being counted in the length.
  int rc = mbedtls_pk_parse_key(&pk_, reinterpret_cast<const unsigned char*>(pem.c_str()), pem.size() + 1,
                                nullptr, 0);
  if (rc != 0) return invalidArgument(mbedtlsErrorText("not a usable private key", rc));
  return Status::ok();
}

Result<std::string> PrivateKey::toPem() {
  // A P-256 SEC 1 key is about 121 bytes of DER; mbedTLS writes it at the end of the buffer.
  std::vector<unsigned char> buf(1024);
  int len = mbedtls_pk_write_key_der(&pk_, buf.data(), buf.size());
  if (len < 0) return internalError(mbedtlsErrorText("cannot encode a private key", len));
  std::string der(reinterpret_cast<const char*>(buf.data() + buf.size() - len), static_cast<size_t>(len));
  return encodePem({"EC PRIVATE KEY", der});
}

Status Certificate::parsePem(const std::string& pem) {
  int rc = mbedtls_x509_crt_parse(&crt_, reinterpret_cast<const unsigned char*>(pem.c_str()), pem.size() + 1);
  // A positive result counts certificates in the chain that failed to parse.
  if (rc < 0) return invalidArgument(mbedtlsErrorText("not a usable certificate", rc));
  if (rc > 0)
    return invalidArgument("not a usable certificate: " + std::to_string(rc) +
                           " of the chain failed to parse");
  return Status::ok();
}

std::time_t toUnixTime(const mbedtls_x509_time& t) {
  std::tm tm{};
  tm.tm_year = t.year - 1900;
  tm.tm_mon = t.mon - 1;
  tm.tm_mday = t.day;
  tm.tm_hour = t.hour;
  tm.tm_min = t.min;
  tm.tm_sec = t.sec;
  return timegm(&tm);
}

}  // namespace edgeway::http::pki
