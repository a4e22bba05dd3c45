#include "http/src/tls_connection.h"

#include <arpa/inet.h>
#include <mbedtls/asn1.h>
#include <mbedtls/net_sockets.h>
#include <mbedtls/oid.h>
#include <mbedtls/x509.h>
#include <sys/socket.h>

#include <boost/asio/error.hpp>
#include <cerrno>
#include <climits>
#include <cstring>

#include "http/src/tls_context_state.h"
#include "http/src/tls_error.h"

namespace edgeway::http::detail {
namespace {

using error_code = boost::system::error_code;

constexpr unsigned char kHandshakeRecord = 22;  // TLS ContentType handshake: a ClientHello starts with it

bool certificateHasAddress(const mbedtls_x509_crt& crt, const unsigned char* address, size_t length) {
  if ((crt.ext_types & MBEDTLS_X509_EXT_SUBJECT_ALT_NAME) == 0) return false;
  for (const mbedtls_x509_sequence* san = &crt.subject_alt_names; san != nullptr; san = san->next) {
    if (san->buf.tag == (MBEDTLS_ASN1_CONTEXT_SPECIFIC | MBEDTLS_X509_SAN_IP_ADDRESS) &&
        san->buf.len == length && std::memcmp(san->buf.p, address, length) == 0) {
      return true;
    }
  }
  return false;
}

std::shared_ptr<const PeerCertificate> identityOf(const mbedtls_x509_crt& crt) {
  auto peer = std::make_shared<PeerCertificate>();
  for (const mbedtls_x509_name* name = &crt.subject; name != nullptr; name = name->next) {
    if (name->oid.p == nullptr) continue;
    std::string value(reinterpret_cast<const char*>(name->val.p), name->val.len);
    if (MBEDTLS_OID_CMP(MBEDTLS_OID_AT_CN, &name->oid) == 0) {
      peer->commonName = std::move(value);  // the last CN wins, as in Go's crypto/x509
    } else if (MBEDTLS_OID_CMP(MBEDTLS_OID_AT_ORGANIZATION, &name->oid) == 0) {
      peer->organizations.push_back(std::move(value));
    }
  }
  return peer;
}

error_code certificateError(uint32_t flags) {
  if (flags & MBEDTLS_X509_BADCERT_NOT_TRUSTED) return TlsErrc::kCertificateUntrusted;
  if (flags & MBEDTLS_X509_BADCERT_CN_MISMATCH) return TlsErrc::kCertificateNameMismatch;
  if (flags & MBEDTLS_X509_BADCERT_EXPIRED) return TlsErrc::kCertificateExpired;
  if (flags & MBEDTLS_X509_BADCERT_FUTURE) return TlsErrc::kCertificateNotYetValid;
  return TlsErrc::kCertificateRejected;
}

}  // namespace

TlsConnection::TlsConnection(std::shared_ptr<const TlsContext> context, int fd)
    : context_(std::move(context)), server_(context_->isServer()), fd_(fd) {
  mbedtls_ssl_init(&ssl_);
}

TlsConnection::~TlsConnection() { mbedtls_ssl_free(&ssl_); }

Result<std::unique_ptr<TlsConnection>> TlsConnection::create(std::shared_ptr<const TlsContext> context,
                                                             int fd, const std::string& host) {
  std::unique_ptr<TlsConnection> c(new TlsConnection(std::move(context), fd));
  const TlsContext::State& state = c->context_->state();
  int rc = mbedtls_ssl_setup(&c->ssl_, &state.config);
  if (rc != 0) return internalError("TLS: set up a connection: " + describeMbedtlsError(rc));
  mbedtls_ssl_set_bio(&c->ssl_, c.get(), &sendCallback, &recvCallback, nullptr);
  if (!state.server) {
    const std::string& name = state.serverName.empty() ? host : state.serverName;
    if (inet_pton(AF_INET, name.c_str(), c->address_) == 1) {
      c->addressLength_ = 4;
    } else if (inet_pton(AF_INET6, name.c_str(), c->address_) == 1) {
      c->addressLength_ = 16;
    } else if (!name.empty()) {
      // SNI and the DNS-name check; mbedTLS 2.28 cannot match IP SANs, so addresses are
      // checked by verifyCallback instead (and are never sent as SNI, per RFC 6066).
      rc = mbedtls_ssl_set_hostname(&c->ssl_, name.c_str());
      if (rc != 0) return invalidArgument("TLS server name \"" + name + "\": " + describeMbedtlsError(rc));
    } else if (state.verifyPeer) {
      return invalidArgument("TLS: no server name to verify the server's certificate against");
    }
  }
  if (state.verifyPeer) mbedtls_ssl_set_verify(&c->ssl_, &verifyCallback, c.get());
  return c;
}

int TlsConnection::sendCallback(void* self, const unsigned char* data, size_t size) {
  auto* c = static_cast<TlsConnection*>(self);
  if (c->fd_ < 0) return MBEDTLS_ERR_NET_INVALID_CONTEXT;
  size = std::min<size_t>(size, INT_MAX);
  for (;;) {
    ssize_t n = ::send(c->fd_, data, size, MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n >= 0) return static_cast<int>(n);
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return MBEDTLS_ERR_SSL_WANT_WRITE;
    if (errno == EPIPE || errno == ECONNRESET) return MBEDTLS_ERR_NET_CONN_RESET;
    return MBEDTLS_ERR_NET_SEND_FAILED;
  }
}

int TlsConnection::recvCallback(void* self, unsigned char* data, size_t size) {
  auto* c = static_cast<TlsConnection*>(self);
  if (c->fd_ < 0) return MBEDTLS_ERR_NET_INVALID_CONTEXT;
  size = std::min<size_t>(size, INT_MAX);
  for (;;) {
    ssize_t n = ::recv(c->fd_, data, size, MSG_DONTWAIT);
    if (n > 0) {
      if (c->received_ == 0) c->firstByte_ = data[0];
      c->received_ += static_cast<size_t>(n);
      return static_cast<int>(n);
    }
    if (n == 0) return MBEDTLS_ERR_SSL_CONN_EOF;
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return MBEDTLS_ERR_SSL_WANT_READ;
    if (errno == ECONNRESET) return MBEDTLS_ERR_NET_CONN_RESET;
    return MBEDTLS_ERR_NET_RECV_FAILED;
  }
}

// Called for each certificate of the peer's chain, the trusted root first and the peer's own
// certificate (depth 0) last, with what mbedTLS found wrong with it in `flags`.
int TlsConnection::verifyCallback(void* self, mbedtls_x509_crt* certificate, int depth, uint32_t* flags) {
  auto* c = static_cast<TlsConnection*>(self);
  if (depth == 0 && c->addressLength_ > 0 &&
      !certificateHasAddress(*certificate, c->address_, c->addressLength_)) {
    *flags |= MBEDTLS_X509_BADCERT_CN_MISMATCH;
  }
  // A server asks for client certificates in OPTIONAL mode, where mbedTLS would carry on
  // after a failed verification and treat the client as anonymous; handshake() checks these
  // flags after every step and refuses such a client instead.
  c->verifyFlags_ |= *flags;
  return 0;
}

TlsConnection::Step TlsConnection::finish(int rc, bool handshaking) {
  if (rc == MBEDTLS_ERR_SSL_WANT_READ) return {Want::kRead, {}, 0};
  if (rc == MBEDTLS_ERR_SSL_WANT_WRITE) return {Want::kWrite, {}, 0};
  if (!handshaking) return {Want::kNothing, failure(rc), 0};
  error_code error = handshakeError(rc);
  if (refusal_) return linger();
  return {Want::kNothing, error, 0};
}

TlsConnection::Step TlsConnection::handshake() {
  if (refusal_) return linger();
  // Step by step rather than mbedtls_ssl_handshake(), so that a client certificate that
  // failed verification is refused as soon as it has been checked (see verifyCallback).
  // (`state` is a public field in mbedTLS 2.28; 3.x offers mbedtls_ssl_is_handshake_over.)
  while (ssl_.state != MBEDTLS_SSL_HANDSHAKE_OVER) {
    int rc = mbedtls_ssl_handshake_step(&ssl_);
    if (server_ && verifyFlags_ != 0) return refuseClientCertificate();
    if (rc != 0) return finish(rc, true);
  }
  if (server_ && context_->state().verifyPeer) {
    const mbedtls_x509_crt* certificate = mbedtls_ssl_get_peer_cert(&ssl_);
    if (certificate != nullptr && mbedtls_ssl_get_verify_result(&ssl_) == 0) peer_ = identityOf(*certificate);
  }
  return {};
}

TlsConnection::Step TlsConnection::read(void* data, size_t size) {
  if (size == 0) return {};
  int rc = mbedtls_ssl_read(&ssl_, static_cast<unsigned char*>(data), size);
  if (rc > 0) return {Want::kNothing, {}, static_cast<size_t>(rc)};
  return finish(rc, false);
}

TlsConnection::Step TlsConnection::write(const void* data, size_t size) {
  if (size == 0) return {};
  int rc = mbedtls_ssl_write(&ssl_, static_cast<const unsigned char*>(data), size);
  if (rc >= 0) return {Want::kNothing, {}, static_cast<size_t>(rc)};
  return finish(rc, false);
}

TlsConnection::Step TlsConnection::closeNotify() {
  int rc = mbedtls_ssl_close_notify(&ssl_);
  if (rc == 0) return {};
  return finish(rc, false);
}

error_code TlsConnection::failure(int rc) {
  switch (rc) {
    case MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY:
      return boost::asio::error::eof;
    case 0:  // mbedtls_ssl_read's report of an EOF without close_notify
    case MBEDTLS_ERR_SSL_CONN_EOF:
      return TlsErrc::kTruncated;
    case MBEDTLS_ERR_NET_CONN_RESET:
      return boost::asio::error::connection_reset;
    case MBEDTLS_ERR_NET_INVALID_CONTEXT:
      return boost::asio::error::bad_descriptor;
    case MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE:
      // The alert record is still in the input buffer: level, then description.
      if (ssl_.in_msg != nullptr) return peerAlert(ssl_.in_msg[1]);
      break;
  }
  return mbedtlsError(rc);
}

error_code TlsConnection::handshakeError(int rc) {
  if (verifyFlags_ != 0) return certificateError(verifyFlags_);
  if (server_ && received_ > 0 && firstByte_ != kHandshakeRecord) {
    answerPlainHttp();
    return TlsErrc::kNotTls;
  }
  if (rc == MBEDTLS_ERR_SSL_CONN_EOF || rc == MBEDTLS_ERR_NET_CONN_RESET) {
    // Closed before sending anything: a port probe or health check, not worth a log line.
    if (received_ == 0) return boost::asio::error::eof;
    return TlsErrc::kClosedDuringHandshake;
  }
  if (rc == MBEDTLS_ERR_SSL_BAD_HS_PROTOCOL_VERSION) return TlsErrc::kProtocolVersion;
  if (rc == MBEDTLS_ERR_SSL_NO_CIPHER_CHOSEN) return TlsErrc::kNoSharedCipher;
  return failure(rc);
}

// The alert tells the client why (unknown_ca, certificate_expired); Go's servers send
// bad_certificate for everything, which leaves people guessing.
TlsConnection::Step TlsConnection::refuseClientCertificate() {
  unsigned char alert = MBEDTLS_SSL_ALERT_MSG_BAD_CERT;
  if (verifyFlags_ & MBEDTLS_X509_BADCERT_NOT_TRUSTED) {
    alert = MBEDTLS_SSL_ALERT_MSG_UNKNOWN_CA;
  } else if (verifyFlags_ & MBEDTLS_X509_BADCERT_EXPIRED) {
    alert = MBEDTLS_SSL_ALERT_MSG_CERT_EXPIRED;
  }
  mbedtls_ssl_send_alert_message(&ssl_, MBEDTLS_SSL_ALERT_LEVEL_FATAL, alert);  // best effort
  beginRefusal(certificateError(verifyFlags_));
  return linger();
}

// Someone typed http:// for an https:// address. A one-line plain-text answer tells them so
// (as Go's servers do) instead of a mute reset. Anything else that is not TLS is just closed.
void TlsConnection::answerPlainHttp() {
  if (fd_ < 0 || firstByte_ < 'A' || firstByte_ > 'Z') return;  // not an HTTP method
  static const char kAnswer[] =
      "HTTP/1.0 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n"
      "This server speaks HTTPS only: use an https:// URL.\n";
  ssize_t ignored = ::send(fd_, kAnswer, sizeof kAnswer - 1, MSG_DONTWAIT | MSG_NOSIGNAL);  // best effort
  (void)ignored;
  beginRefusal(TlsErrc::kNotTls);
}

// After a refusal was sent, the client may still be sending (the rest of its handshake
// flight, its HTTP request). Closing on unread input makes the kernel answer with a reset,
// which can destroy the refusal before the client reads it; so the sending side is shut and
// input discarded until the client closes. The handshake deadline bounds the wait.
void TlsConnection::beginRefusal(error_code why) {
  refusal_ = why;
  if (fd_ >= 0) ::shutdown(fd_, SHUT_WR);
}

TlsConnection::Step TlsConnection::linger() {
  constexpr size_t kMaxDiscarded = 1024 * 1024;
  char discard[4096];
  while (fd_ >= 0 && discarded_ < kMaxDiscarded) {
    ssize_t n = ::recv(fd_, discard, sizeof discard, MSG_DONTWAIT);
    if (n > 0) {
      discarded_ += static_cast<size_t>(n);
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      return {Want::kRead, {}, 0};
    } else {
      break;  // the client closed (or reset): done
    }
  }
  return {Want::kNothing, refusal_, 0};
}

}  // namespace edgeway::http::detail
