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

class IoContext;  // wraps asio::io_context; see http/io_context.h

struct ServerOptions {
  std::string listen = "127.0.0.1:6443";  // HOST:PORT; HOST may be an IPv6 literal in []
  size_t maxHeaderBytes = 64 * 1024;
  size_t maxBodyBytes = 3 * 1024 * 1024;  // kube-apiserver's request limit
  int readTimeoutSeconds = 60;            // deadline for a whole request
  int idleTimeoutSeconds = 120;           // keep-alive idle
  size_t maxConnections = 1024;
};

class Server {
 public:
  // Binds and listens; fails with a Status if the address is bad or in use.
  static Result<std::unique_ptr<Server>> create(IoContext& io, ServerOptions options, Handler handler);
  virtual ~Server() = default;
  virtual void start() = 0;       // begins accepting (posted to the io context)
  virtual void stop() = 0;        // stops accepting and closes open connections
  virtual std::string localAddress() const = 0;  // actual HOST:PORT (useful with port 0)
};

}  // namespace edgeway::http
