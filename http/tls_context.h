#pragma once
// TLS settings shared by every connection of a listener or a client: certificates, keys,
// trust anchors and one protocol policy — TLS 1.2 or later, ECDHE key exchange with
// AES-GCM or ChaCha20-Poly1305 only, no renegotiation, no session resumption. A context is
// built once from PEM text and never changes afterwards, so any number of connections on
// any threads may use it; to change certificates, build a new one (Server::setTls).
// mbedTLS stays behind this header, in http/src.

#include <memory>
#include <string>

#include "base/status.h"

namespace edgeway::http {

struct TlsServerConfig {
  std::string certChainPem;  // the serving certificate first, then any intermediates
  std::string keyPem;        // its private key: EC or RSA, unencrypted
  // CAs whose client certificates are accepted. When set, clients are asked for a
  // certificate but may connect without one (bearer-token clients send none); one that is
  // sent must verify — foreign, expired or otherwise bad certificates fail the handshake.
  // Empty: no certificate is requested.
  std::string clientCaPem;
};

struct TlsClientConfig {
  std::string caPem;    // CAs that sign the server's certificate
  std::string certPem;  // a client certificate (chain) to present, and ...
  std::string keyPem;   // ... its private key; both or neither
  // The name sent as SNI and checked against the server's certificate (DNS SANs; an IP
  // literal is checked against IP SANs). Empty: the host the client connects to.
  std::string serverName;
  bool insecureSkipVerify = false;  // accept any server certificate (curl -k); never in production
};

class TlsContext {
 public:
  // Errors are InvalidArgument with a message naming the culprit: unparsable PEM, an
  // encrypted or unsupported key, a key that does not match its certificate, a missing CA.
  static Result<std::shared_ptr<const TlsContext>> server(const TlsServerConfig& config);
  static Result<std::shared_ptr<const TlsContext>> client(const TlsClientConfig& config);

  ~TlsContext();
  TlsContext(const TlsContext&) = delete;
  TlsContext& operator=(const TlsContext&) = delete;

  bool isServer() const;

  // The mbedTLS objects behind the context; defined in http/src/tls_context_state.h.
  struct State;
  const State& state() const { return *state_; }

 private:
  explicit TlsContext(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace edgeway::http
