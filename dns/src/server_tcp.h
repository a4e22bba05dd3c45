#pragma once
// DNS over TCP (RFC 7766) on the Asio io_context: 2-byte length framing, several queries
// per connection answered as they complete (forwarded ones may overtake each other), at
// most `maxPipeline` queries read ahead of their answers, an idle timeout, and a limit on
// connections across every listen address. Each connection runs on its own strand.

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <unordered_map>

#include "base/status.h"
#include "dns/resolv_conf.h"
#include "dns/src/server_state.h"

namespace boost::asio {
class io_context;
}

namespace edgeway::dns::server_detail {

struct TcpLimits {
  size_t maxConnections = 256;
  std::chrono::milliseconds idleTimeout{10000};
  size_t maxPipeline = 32;
};

class TcpSession;

// The open connections of every listener, for the connection limit and for stop().
class TcpSessions {
 public:
  explicit TcpSessions(size_t maxConnections) : max_(maxConnections) {}

  // Registers a new connection; nullopt when at the limit or stopped.
  std::optional<uint64_t> add(const std::shared_ptr<TcpSession>& session);
  void remove(uint64_t id);
  // Closes every connection (on its strand) and refuses new ones.
  void closeAll();

 private:
  const size_t max_;
  std::mutex mu_;
  std::unordered_map<uint64_t, std::weak_ptr<TcpSession>> sessions_;
  uint64_t next_ = 1;
  bool stopped_ = false;
};

class TcpListener {
 public:
  // Binds and listens; errors read "dns: listen ADDRESS: reason".
  static Result<std::shared_ptr<TcpListener>> open(boost::asio::io_context& io, const SocketAddress& address,
                                                   std::shared_ptr<ServerState> state,
                                                   std::shared_ptr<TcpSessions> sessions, TcpLimits limits);
  virtual ~TcpListener() = default;

  virtual void start() = 0;
  // Closes the acceptor: at once when not started, else on its executor (the io_context
  // must run for it to happen).
  virtual void stop() = 0;
  virtual SocketAddress bound() const = 0;
};

}  // namespace edgeway::dns::server_detail
