#pragma once
// Owning wrappers around the mbedTLS contexts the PKI code uses, and the conversion of
// mbedTLS error codes into a Status. Private to http/src.

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/pk.h>
#include <mbedtls/x509_crt.h>

#include <ctime>
#include <string>

#include "base/status.h"

namespace edgeway::http::pki {

// "<what>: <mbedTLS's description> (-0x2700)".
std::string mbedtlsErrorText(const std::string& what, int code);

// A random generator seeded from the system's entropy. Each operation makes its own, so
// nothing is shared between threads.
class Random {
 public:
  Random();
  ~Random();
  Random(const Random&) = delete;
  Random& operator=(const Random&) = delete;

  // Fails only if the system's entropy source cannot be read.
  Status init();
  // For mbedTLS calls taking (f_rng, p_rng).
  static int generate(void* self, unsigned char* out, size_t len);
  Status fill(unsigned char* out, size_t len);

 private:
  mbedtls_entropy_context entropy_;
  mbedtls_ctr_drbg_context drbg_;
};

class PrivateKey {
 public:
  PrivateKey() { mbedtls_pk_init(&pk_); }
  ~PrivateKey() { mbedtls_pk_free(&pk_); }
  PrivateKey(const PrivateKey&) = delete;
  PrivateKey& operator=(const PrivateKey&) = delete;

  // A fresh ECDSA P-256 key.
  Status generate(Random& random);
  // An unencrypted PEM key (SEC 1 or PKCS#8).
  Status parse(const std::string& pem);
  Result<std::string> toPem();

  mbedtls_pk_context* get() { return &pk_; }

 private:
  mbedtls_pk_context pk_;
};

// One or more parsed certificates (a chain, first one first).
class Certificate {
 public:
  Certificate() { mbedtls_x509_crt_init(&crt_); }
  ~Certificate() { mbedtls_x509_crt_free(&crt_); }
  Certificate(const Certificate&) = delete;
  Certificate& operator=(const Certificate&) = delete;

  Status parsePem(const std::string& pem);
  mbedtls_x509_crt* get() { return &crt_; }

 private:
  mbedtls_x509_crt crt_;
};

// Seconds since the epoch for an mbedTLS (UTC) time.
std::time_t toUnixTime(const mbedtls_x509_time& t);

}  // namespace edgeway::http::pki
