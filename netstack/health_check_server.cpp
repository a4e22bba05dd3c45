#include "netstack/health_check_server.h"

#include <atomic>
#include <boost/asio.hpp>
#include <utility>

#include "base/log.h"
#include "netstack/src/health_response.h"

namespace edgeway::netstack {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

struct SharedState {
  std::atomic<bool> proxyHealthy{true};
};

class Listener;

// One connection: read the head (bounded in size and time), answer, close.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, std::shared_ptr<Listener> listener, const HealthCheckServerOptions& options)
      : socket_(std::move(socket)),
        timer_(socket_.get_executor()),
        listener_(std::move(listener)),
        timeout_(options.readTimeout),
        maxHead_(options.maxRequestHead) {}

  void start() {
    timer_.expires_after(timeout_);
    timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
      if (!ec) self->close();  // deadline passed: give up on this client
    });
    asio::async_read_until(socket_, asio::dynamic_buffer(buffer_, maxHead_), "\r\n\r\n",
                           [self = shared_from_this()](boost::system::error_code ec, size_t n) {
                             if (ec) {  // closed, timed out, or a head over the limit
                               self->close();
                               return;
                             }
                             self->respond(n);
                           });
  }

 private:
  void respond(size_t headLength);
  void close() {
    boost::system::error_code ignored;
    timer_.cancel();
    socket_.shutdown(tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
  }

  tcp::socket socket_;
  asio::steady_timer timer_;
  std::shared_ptr<Listener> listener_;
  std::chrono::milliseconds timeout_;
  size_t maxHead_;
  std::string buffer_;
  std::string response_;
};

// One healthCheckNodePort: its acceptors (one per bind address) on one strand.
class Listener : public std::enable_shared_from_this<Listener> {
 public:
  Listener(asio::io_context& io, std::vector<tcp::acceptor> acceptors, const ServiceHealth& service,
           std::shared_ptr<SharedState> shared, const HealthCheckServerOptions& options)
      : io_(io),
        strand_(asio::make_strand(io)),
        acceptors_(std::move(acceptors)),
        retryTimer_(strand_),
        service_(std::make_shared<const ServiceHealth>(service)),
        shared_(std::move(shared)),
        options_(options) {}

  // Opens, binds and listens on `port` at each address: nothing is shared with the
  // io_context yet, so this runs on the caller's thread.
  static Result<std::vector<tcp::acceptor>> open(asio::io_context& io, uint16_t port,
                                                 const std::vector<IpAddress>& addresses) {
    std::vector<tcp::acceptor> out;
    auto listenOn = [&](const asio::ip::address& addr, bool dualStack) -> boost::system::error_code {
      boost::system::error_code ec;
      tcp::endpoint ep(addr, port);
      tcp::acceptor a(io);
      a.open(ep.protocol(), ec);
      if (ec) return ec;
      a.set_option(asio::socket_base::reuse_address(true), ec);
      if (dualStack) a.set_option(asio::ip::v6_only(false), ec);
      a.bind(ep, ec);
      if (ec) return ec;
      a.listen(asio::socket_base::max_listen_connections, ec);
      if (ec) return ec;
      out.push_back(std::move(a));
      return {};
    };
    if (addresses.empty()) {
      auto ec = listenOn(asio::ip::address_v6::any(), true);
      if (ec == asio::error::address_family_not_supported) ec = listenOn(asio::ip::address_v4::any(), false);
      if (ec) return unavailable("cannot listen on port " + std::to_string(port) + ": " + ec.message());
      return out;
    }
    for (const auto& ip : addresses) {
      boost::system::error_code parseEc;
      auto addr = asio::ip::make_address(ip.toString(), parseEc);
      if (parseEc) return invalidArgument("bad bind address " + ip.toString());
      if (auto ec = listenOn(addr, false))
        return unavailable("cannot listen on " + ip.toString() + " port " + std::to_string(port) + ": " +
                           ec.message());
    }
    return out;
  }

  void start() {
    asio::post(strand_, [self = shared_from_this()] {
      for (size_t i = 0; i < self->acceptors_.size(); ++i) self->accept(i);
    });
  }

  void close() {
    asio::post(strand_, [self = shared_from_this()] {
      self->closed_ = true;
      self->retryTimer_.cancel();
      boost::system::error_code ignored;
      for (auto& a : self->acceptors_) a.close(ignored);
    });
  }

  void update(const ServiceHealth& service) {
    std::atomic_store(&service_, std::make_shared<const ServiceHealth>(service));
  }

  detail::HealthReport report() const {
    auto s = std::atomic_load(&service_);
    return {s->ns, s->name, s->localEndpoints, shared_->proxyHealthy.load()};
  }

 private:
  void accept(size_t i) {
    if (closed_) return;
    acceptors_[i].async_accept(asio::make_strand(io_),
                               asio::bind_executor(strand_, [self = shared_from_this(), i](
                                                                boost::system::error_code ec, tcp::socket s) {
                                 if (self->closed_ || ec == asio::error::operation_aborted) return;
                                 if (ec) {
                                   // Out of descriptors or similar: retry shortly rather than spin.
                                   log::warn("health check: accept failed: ", ec.message());
                                   self->retryTimer_.expires_after(std::chrono::milliseconds(200));
                                   self->retryTimer_.async_wait([self, i](boost::system::error_code tec) {
                                     if (!tec) self->accept(i);
                                   });
                                   return;
                                 }
                                 std::make_shared<Session>(std::move(s), self, self->options_)->start();
                                 self->accept(i);
                               }));
  }

  asio::io_context& io_;
  asio::strand<asio::io_context::executor_type> strand_;
  std::vector<tcp::acceptor> acceptors_;
  asio::steady_timer retryTimer_;
  std::shared_ptr<const ServiceHealth> service_;  // atomic_load/atomic_store only
  std::shared_ptr<SharedState> shared_;
  HealthCheckServerOptions options_;
  bool closed_ = false;  // on strand_
};

void Session::respond(size_t headLength) {
  std::string_view head(buffer_.data(), headLength);
  response_ = detail::healthResponse(head, listener_->report(), detail::httpDateNow());
  asio::async_write(socket_, asio::buffer(response_),
                    [self = shared_from_this()](boost::system::error_code, size_t) { self->close(); });
}

}  // namespace

struct HealthCheckServer::Impl {
  Impl(asio::io_context& io, HealthCheckServerOptions options) : io(io), options(std::move(options)) {}
  asio::io_context& io;
  HealthCheckServerOptions options;
  std::shared_ptr<SharedState> shared = std::make_shared<SharedState>();
  std::map<uint16_t, std::shared_ptr<Listener>> listeners;
};

HealthCheckServer::HealthCheckServer(asio::io_context& io, HealthCheckServerOptions options)
    : impl_(std::make_unique<Impl>(io, std::move(options))) {}

HealthCheckServer::~HealthCheckServer() {
  for (auto& [port, listener] : impl_->listeners) listener->close();
}

Status HealthCheckServer::sync(const std::map<uint16_t, ServiceHealth>& services) {
  auto& listeners = impl_->listeners;
  for (auto it = listeners.begin(); it != listeners.end();) {
    if (services.count(it->first)) {
      ++it;
      continue;
    }
    log::info("health check: closing port ", it->first);
    it->second->close();
    it = listeners.erase(it);
  }
  std::string failures;
  for (const auto& [port, service] : services) {
    auto it = listeners.find(port);
    if (it != listeners.end()) {
      it->second->update(service);
      continue;
    }
    const std::string who = service.ns + "/" + service.name;
    if (port == 0) {
      failures += (failures.empty() ? "" : "; ") + who + ": healthCheckNodePort 0";
      continue;
    }
    auto acceptors = Listener::open(impl_->io, port, impl_->options.bindAddresses);
    if (!acceptors) {
      failures += (failures.empty() ? "" : "; ") + who + ": " + acceptors.status().message();
      continue;
    }
    auto listener =
        std::make_shared<Listener>(impl_->io, std::move(*acceptors), service, impl_->shared, impl_->options);
    listener->start();
    listeners.emplace(port, std::move(listener));
    log::info("health check: serving ", who, " on port ", port);
  }
  if (!failures.empty()) return unavailable("health check listeners not started: " + failures);
  return Status::ok();
}

void HealthCheckServer::setProxyHealthy(bool healthy) { impl_->shared->proxyHealthy = healthy; }

std::vector<uint16_t> HealthCheckServer::ports() const {
  std::vector<uint16_t> out;
  for (const auto& [port, listener] : impl_->listeners) out.push_back(port);
  return out;
}

}  // namespace edgeway::netstack
