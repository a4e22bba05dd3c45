#pragma once
// One TLS connection's mbedTLS state over a connected TCP socket. Every call makes as much
// progress as the socket allows without blocking and then reports what it waits for, so
// TlsStream (tls_stream.h) can wait on the socket asynchronously and call again. Not
// thread-safe: a connection is used from one strand (or one thread) only.

#include <mbedtls/ssl.h>

#include <boost/system/error_code.hpp>
#include <cstddef>
#include <memory>
#include <string>

#include "base/status.h"
#include "http/message.h"
#include "http/tls_context.h"

namespace edgeway::http::detail {

class TlsConnection {
 public:
  enum class Want { kNothing, kRead, kWrite };

  // The outcome of one call: finished (`error` says how; `bytes` counts the data moved), or
  // waiting until the socket is readable (kRead) or writable (kWrite).
  struct Step {
    Want want = Want::kNothing;
    boost::system::error_code error;
    size_t bytes = 0;
  };

  // `fd` is the connected socket, used with non-blocking send/recv and not owned. `host`
  // matters to clients only: the name or IP address connected to, sent as SNI and checked
  // against the server's certificate unless the context names another server.
  static Result<std::unique_ptr<TlsConnection>> create(std::shared_ptr<const TlsContext> context, int fd,
                                                       const std::string& host = {});
  ~TlsConnection();
  TlsConnection(const TlsConnection&) = delete;
  TlsConnection& operator=(const TlsConnection&) = delete;

  Step handshake();
  // Reads decrypted bytes; a clean close_notify from the peer is asio::error::eof.
  Step read(void* data, size_t size);
  // Encrypts and sends up to one record; after kRead/kWrite, call again with the same bytes.
  Step write(const void* data, size_t size);
  // Sends close_notify.
  Step closeNotify();
  // The socket is about to be closed (its descriptor may then be reused): no further I/O.
  void detach() { fd_ = -1; }

  // After a successful handshake on a server that asks for client certificates: the
  // verified client certificate's identity, or null when the client sent none.
  const std::shared_ptr<const PeerCertificate>& peer() const { return peer_; }

 private:
  TlsConnection(std::shared_ptr<const TlsContext> context, int fd);

  static int sendCallback(void* self, const unsigned char* data, size_t size);
  static int recvCallback(void* self, unsigned char* data, size_t size);
  static int verifyCallback(void* self, mbedtls_x509_crt* certificate, int depth, uint32_t* flags);

  Step finish(int rc, bool handshaking);
  boost::system::error_code handshakeError(int rc);
  boost::system::error_code failure(int rc);
  Step refuseClientCertificate();
  void answerPlainHttp();
  void beginRefusal(boost::system::error_code why);
  Step linger();

  const std::shared_ptr<const TlsContext> context_;  // keeps the ssl_config alive
  const bool server_;
  int fd_;
  mbedtls_ssl_context ssl_;
  unsigned char address_[16] = {};  // client connecting to an IP literal: that address ...
  size_t addressLength_ = 0;        // ... (4 or 16 bytes), which an IP SAN must match
  uint32_t verifyFlags_ = 0;        // what verification found wrong, over the whole chain
  size_t received_ = 0;             // bytes received, to recognise non-TLS first bytes
  unsigned char firstByte_ = 0;
  boost::system::error_code refusal_;  // the handshake was refused: why, once the peer is gone
  size_t discarded_ = 0;               // input thrown away since the refusal
  std::shared_ptr<const PeerCertificate> peer_;
};

}  // namespace edgeway::http::detail
