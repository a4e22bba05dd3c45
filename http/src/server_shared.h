#pragma once
// State shared by a server's listener and all of its sessions. Sessions hold it by
// shared_ptr, so a Server can be destroyed while its connections are still winding down.

#include <chrono>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "http/message.h"
#include "http/server.h"
#include "http/src/rate_limited_log.h"

namespace edgeway::http::detail {

// What the server needs from a session that is not tied to its byte-stream type.
class SessionBase {
 public:
  virtual ~SessionBase() = default;
  // Thread-safe: closes the connection (posted to the session's strand).
  virtual void shutdown() = 0;
};

class ServerShared {
 public:
  ServerShared(ServerOptions options, Handler handler)
      : options(std::move(options)), handler(std::move(handler)) {}

  const ServerOptions options;
  const Handler handler;
  // Refused handshakes: one line each, but no more than a few a minute.
  RateLimitedLog refusals{10, std::chrono::minutes(1)};

  // Registers a new connection; false when the server is stopped or at maxConnections, in
  // which case the caller drops the connection.
  bool add(const std::shared_ptr<SessionBase>& session);
  // Idempotent; a closed connection stops counting against maxConnections at once, even if
  // a handler still holds its Exchange.
  void remove(SessionBase* session);
  // Refuses further connections and returns the open ones so the caller can close them.
  std::vector<std::shared_ptr<SessionBase>> stopAll();

 private:
  std::mutex mu_;
  bool stopped_ = false;
  std::unordered_map<SessionBase*, std::weak_ptr<SessionBase>> sessions_;
};

}  // namespace edgeway::http::detail
