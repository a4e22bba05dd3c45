#pragma once
// HTTP/1.1 server core on Asio/Beast: accepts on one listen address, runs each connection on
// its own strand, enforces header/body limits and read deadlines, and hands parsed requests
// to a Handler. Beast stays inside http/src so that its headers never leak to callers.

#include <cstddef>
#include <memory>
#include <string>

#include "base/status.h"
#include "http/message.h"

namespace edgeway::http {

class IoContext;   // wraps asio::io_context; see http/io_context.h
class TlsContext;  // see http/tls_context.h

struct ServerOptions {
  std::string listen = "127.0.0.1:6443";  // HOST:PORT; HOST an IP literal, IPv6 in []; port 0 = any
  size_t maxHeaderBytes = 64 * 1024;      // beyond it: 431
  size_t maxBodyBytes = 3 * 1024 * 1024;  // kube-apiserver's request limit; beyond it: 413
  int readTimeoutSeconds = 60;            // deadline for a connection's first request
  int idleTimeoutSeconds = 120;           // deadline for each later request on a keep-alive connection
  int writeTimeoutSeconds = 60;           // deadline for writing one complete response
  size_t maxConnections = 1024;           // connections beyond it are closed on accept
  size_t maxStreamBufferBytes = 8 * 1024 * 1024;  // per Stream; see Stream::write
  // HTTPS when set (a TlsContext::server); plain HTTP when null.
  std::shared_ptr<const TlsContext> tls;
  // Deadline for a new connection's TLS handshake, so that a client that stalls in it (or
  // sends nothing at all) cannot hold a connection slot. readTimeoutSeconds starts after it.
  int handshakeTimeoutSeconds = 10;
};

class Server {
 public:
  // Binds and listens; fails with a Status if the address is malformed (InvalidArgument),
  // already in use (Unavailable) or cannot be bound (Internal, with the system's reason),
  // or if options.tls is a client context (InvalidArgument).
  static Result<std::unique_ptr<Server>> create(IoContext& io, ServerOptions options, Handler handler);
  // Stops the server. Connections still winding down keep what they need alive themselves.
  virtual ~Server() = default;
  // Begins accepting. Thread-safe; later calls do nothing.
  virtual void start() = 0;
  // Stops accepting and closes every open connection: pending Exchanges are dropped, open
  // Streams end (their onClosed runs). Thread-safe, idempotent, does not block.
  virtual void stop() = 0;
  // The bound HOST:PORT, with the real port when listening on port 0.
  virtual std::string localAddress() const = 0;
  // Replaces the TLS context for connections accepted from now on (renewed certificates,
  // a new client CA) without a restart; open connections keep the one they started with.
  // Thread-safe. InvalidArgument on a plain-HTTP server, for null or for a client context.
  virtual Status setTls(std::shared_ptr<const TlsContext> tls) = 0;
};

}  // namespace edgeway::http
