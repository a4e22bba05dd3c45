#pragma once
// The mbedTLS objects of a TlsContext. The ssl_config points into the certificate, key and
// DRBG members, so a State never moves once built; TlsContext owns it through a pointer.
//
// Sharing across threads: mbedTLS here is built with MBEDTLS_THREADING_C (pthread), so the
// CTR-DRBG and entropy sources lock internally and RSA keys guard their blinding values;
// ssl_config, certificates and keys are only read by the connections that use them. (EC keys
// would cache a base-point table in their group on first use, unlocked, but mbedTLS 2.28's
// pk layer signs and verifies with a per-call copy of an EC key, so the shared one is never
// written.)

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/pk.h>
#include <mbedtls/ssl.h>
#include <mbedtls/x509_crt.h>

#include <string>

#include "http/tls_context.h"

namespace edgeway::http {

struct TlsContext::State {
  State();
  ~State();
  State(const State&) = delete;
  State& operator=(const State&) = delete;

  bool server = false;
  bool verifyPeer = false;  // server: client certificates requested; client: server verified
  std::string serverName;   // client only: replaces the connected-to host for SNI and checks

  mbedtls_entropy_context entropy;
  mbedtls_ctr_drbg_context drbg;
  mbedtls_x509_crt ownChain;  // empty when no own certificate (a client without one)
  mbedtls_pk_context ownKey;
  mbedtls_x509_crt trusted;  // client CAs (server) or server CAs (client)
  mbedtls_ssl_config config;
};

}  // namespace edgeway::http
