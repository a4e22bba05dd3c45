#include "http/tls_context.h"

#include <mbedtls/ssl_ciphersuites.h>

#include "http/src/tls_context_state.h"
#include "http/src/tls_error.h"

namespace edgeway::http {
namespace {

using detail::describeMbedtlsError;

// ECDHE (forward secrecy) with AEAD ciphers only, for ECDSA and RSA certificates; the
// server picks the first of these that the client also offers. mbedTLS 2.28 uses AES-NI on
// x86 but has no ARMv8 crypto-extension code, so on ARM boxes ChaCha20 is the faster cipher.
const int kCipherSuites[] = {
#if defined(__x86_64__) || defined(__i386__)
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
    MBEDTLS_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
    MBEDTLS_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
    MBEDTLS_TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
#else
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
    MBEDTLS_TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
    MBEDTLS_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
    MBEDTLS_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
#endif
    0,
};

// Key exchange groups in the server's order of preference, and the curves accepted in
// certificates. X25519 first: it is the cheapest here (mbedTLS recomputes a table for the
// NIST curves in every handshake), and Go and OpenSSL clients all offer it.
const mbedtls_ecp_group_id kCurves[] = {
    MBEDTLS_ECP_DP_CURVE25519, MBEDTLS_ECP_DP_SECP256R1, MBEDTLS_ECP_DP_SECP384R1,
    MBEDTLS_ECP_DP_SECP521R1,  MBEDTLS_ECP_DP_NONE,
};

// Handshake signatures: SHA-2 only, SHA-256 first (what every client supports).
const int kSignatureHashes[] = {MBEDTLS_MD_SHA256, MBEDTLS_MD_SHA384, MBEDTLS_MD_SHA512, MBEDTLS_MD_NONE};

const unsigned char* bytes(const std::string& text) {
  return reinterpret_cast<const unsigned char*>(text.c_str());
}

std::string subjectOf(const mbedtls_x509_crt& crt) {
  char name[512];
  if (mbedtls_x509_dn_gets(name, sizeof name, &crt.subject) < 0) return "(unprintable subject)";
  return name;
}

// mbedTLS parses PEM only from a NUL-terminated buffer whose length counts the NUL.
Status parseCertificates(mbedtls_x509_crt& out, const std::string& pem, const std::string& what) {
  if (pem.find("-----BEGIN CERTIFICATE-----") == std::string::npos) {
    return invalidArgument(what + ": no PEM certificate (-----BEGIN CERTIFICATE-----) found");
  }
  int rc = mbedtls_x509_crt_parse(&out, bytes(pem), pem.size() + 1);
  if (rc < 0) return invalidArgument(what + ": invalid certificate: " + describeMbedtlsError(rc));
  if (rc > 0)
    return invalidArgument(what + ": " + std::to_string(rc) + " of the PEM certificates are invalid");
  return Status::ok();
}

Status parseKey(mbedtls_pk_context& key, const std::string& pem, const std::string& what) {
  if (pem.empty()) return invalidArgument(what + ": missing");
  int rc = mbedtls_pk_parse_key(&key, bytes(pem), pem.size() + 1, nullptr, 0);
  if (rc == MBEDTLS_ERR_PK_PASSWORD_REQUIRED || rc == MBEDTLS_ERR_PK_PASSWORD_MISMATCH) {
    return invalidArgument(what +
                           " is encrypted; an unencrypted key is needed "
                           "(e.g. openssl pkey -in key.pem -out key-plain.pem)");
  }
  if (rc != 0) return invalidArgument(what + ": not a valid PEM private key: " + describeMbedtlsError(rc));
  if (!mbedtls_pk_can_do(&key, MBEDTLS_PK_ECDSA) && !mbedtls_pk_can_do(&key, MBEDTLS_PK_RSA)) {
    return invalidArgument(what + ": unsupported key type " + mbedtls_pk_get_name(&key) +
                           " (want EC or RSA)");
  }
  return Status::ok();
}

Status checkPair(const mbedtls_x509_crt& leaf, const mbedtls_pk_context& key, const std::string& what) {
  if (mbedtls_pk_check_pair(&leaf.pk, &key) != 0) {
    return invalidArgument(what + ": the private key does not belong to the certificate " + subjectOf(leaf) +
                           " (is the chain in order, leaf first?)");
  }
  return Status::ok();
}

Status seed(TlsContext::State& s) {
  static const char kPersonalization[] = "edgeway-tls";
  int rc = mbedtls_ctr_drbg_seed(&s.drbg, mbedtls_entropy_func, &s.entropy, bytes(kPersonalization),
                                 sizeof kPersonalization - 1);
  if (rc != 0) return internalError("TLS: seed the random generator: " + describeMbedtlsError(rc));
  return Status::ok();
}

Status configure(TlsContext::State& s, int endpoint) {
  mbedtls_ssl_config& c = s.config;
  int rc =
      mbedtls_ssl_config_defaults(&c, endpoint, MBEDTLS_SSL_TRANSPORT_STREAM, MBEDTLS_SSL_PRESET_DEFAULT);
  if (rc != 0) return internalError("TLS: configuration defaults: " + describeMbedtlsError(rc));
  mbedtls_ssl_conf_rng(&c, mbedtls_ctr_drbg_random, &s.drbg);
  // TLS 1.2 is the newest version Debian's mbedTLS 2.28 implements; the maximum is left at
  // the library's newest so a build with 1.3 would offer it.
  mbedtls_ssl_conf_min_version(&c, MBEDTLS_SSL_MAJOR_VERSION_3, MBEDTLS_SSL_MINOR_VERSION_3);
  mbedtls_ssl_conf_ciphersuites(&c, kCipherSuites);
  mbedtls_ssl_conf_curves(&c, kCurves);
  mbedtls_ssl_conf_sig_hashes(&c, kSignatureHashes);
  // Renegotiation is compiled in; a renegotiation request is refused.
  mbedtls_ssl_conf_renegotiation(&c, MBEDTLS_SSL_RENEGOTIATION_DISABLED);
  // No resumption: clients do not offer tickets, and the server keeps no session cache.
  mbedtls_ssl_conf_session_tickets(&c, MBEDTLS_SSL_SESSION_TICKETS_DISABLED);
  return Status::ok();
}

}  // namespace

TlsContext::State::State() {
  mbedtls_entropy_init(&entropy);
  mbedtls_ctr_drbg_init(&drbg);
  mbedtls_x509_crt_init(&ownChain);
  mbedtls_pk_init(&ownKey);
  mbedtls_x509_crt_init(&trusted);
  mbedtls_ssl_config_init(&config);
}

TlsContext::State::~State() {
  mbedtls_ssl_config_free(&config);
  mbedtls_x509_crt_free(&trusted);
  mbedtls_pk_free(&ownKey);
  mbedtls_x509_crt_free(&ownChain);
  mbedtls_ctr_drbg_free(&drbg);
  mbedtls_entropy_free(&entropy);
}

TlsContext::TlsContext(std::unique_ptr<State> state) : state_(std::move(state)) {}
TlsContext::~TlsContext() = default;

bool TlsContext::isServer() const { return state_->server; }

Result<std::shared_ptr<const TlsContext>> TlsContext::server(const TlsServerConfig& config) {
  auto s = std::make_unique<State>();
  s->server = true;
  if (Status st = seed(*s); !st) return st;
  if (Status st = parseCertificates(s->ownChain, config.certChainPem, "TLS serving certificate"); !st)
    return st;
  if (Status st = parseKey(s->ownKey, config.keyPem, "TLS serving key"); !st) return st;
  if (Status st = checkPair(s->ownChain, s->ownKey, "TLS serving key"); !st) return st;
  if (!config.clientCaPem.empty()) {
    if (Status st = parseCertificates(s->trusted, config.clientCaPem, "TLS client CA"); !st) return st;
    s->verifyPeer = true;
  }
  if (Status st = configure(*s, MBEDTLS_SSL_IS_SERVER); !st) return st;
  int rc = mbedtls_ssl_conf_own_cert(&s->config, &s->ownChain, &s->ownKey);
  if (rc != 0) return internalError("TLS: serving certificate: " + describeMbedtlsError(rc));
  if (s->verifyPeer) {
    // OPTIONAL asks for a certificate without requiring one. mbedTLS would ignore a failed
    // verification in this mode; TlsConnection refuses the handshake instead.
    mbedtls_ssl_conf_authmode(&s->config, MBEDTLS_SSL_VERIFY_OPTIONAL);
    mbedtls_ssl_conf_ca_chain(&s->config, &s->trusted, nullptr);
  } else {
    mbedtls_ssl_conf_authmode(&s->config, MBEDTLS_SSL_VERIFY_NONE);
  }
  return std::shared_ptr<const TlsContext>(new TlsContext(std::move(s)));
}

Result<std::shared_ptr<const TlsContext>> TlsContext::client(const TlsClientConfig& config) {
  auto s = std::make_unique<State>();
  s->server = false;
  s->serverName = config.serverName;
  s->verifyPeer = !config.insecureSkipVerify;
  if (Status st = seed(*s); !st) return st;
  if (config.certPem.empty() != config.keyPem.empty()) {
    return invalidArgument("TLS client certificate: give the certificate and its key together");
  }
  if (!config.certPem.empty()) {
    if (Status st = parseCertificates(s->ownChain, config.certPem, "TLS client certificate"); !st) return st;
    if (Status st = parseKey(s->ownKey, config.keyPem, "TLS client key"); !st) return st;
    if (Status st = checkPair(s->ownChain, s->ownKey, "TLS client key"); !st) return st;
  }
  if (!config.caPem.empty()) {
    if (Status st = parseCertificates(s->trusted, config.caPem, "TLS CA"); !st) return st;
  } else if (s->verifyPeer) {
    return invalidArgument(
        "TLS client: no CA certificate to verify the server with "
        "(give one, or skip verification explicitly)");
  }
  if (Status st = configure(*s, MBEDTLS_SSL_IS_CLIENT); !st) return st;
  if (s->ownChain.raw.p != nullptr) {
    int rc = mbedtls_ssl_conf_own_cert(&s->config, &s->ownChain, &s->ownKey);
    if (rc != 0) return internalError("TLS: client certificate: " + describeMbedtlsError(rc));
  }
  if (s->verifyPeer) {
    mbedtls_ssl_conf_authmode(&s->config, MBEDTLS_SSL_VERIFY_REQUIRED);
    mbedtls_ssl_conf_ca_chain(&s->config, &s->trusted, nullptr);
  } else {
    mbedtls_ssl_conf_authmode(&s->config, MBEDTLS_SSL_VERIFY_NONE);
  }
  return std::shared_ptr<const TlsContext>(new TlsContext(std::move(s)));
}

}  // namespace edgeway::http
