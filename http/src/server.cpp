#include "http/server.h"

#include <atomic>
#include <boost/asio/steady_timer.hpp>
#include <mutex>

#include "base/log.h"
#include "http/io_context.h"
#include "http/src/endpoint.h"
#include "http/src/plain_stream.h"
#include "http/src/server_shared.h"
#include "http/src/session.h"
#include "http/src/tls_stream.h"
#include "http/tls_context.h"

namespace edgeway::http {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using detail::PlainSocket;
using detail::ServerShared;
using TlsSocket = detail::TlsStream<PlainSocket>;

// Accepts connections on its own strand and starts a session for each: HTTPS while it has
// a TLS context, plain HTTP otherwise.
class Listener : public std::enable_shared_from_this<Listener> {
 public:
  Listener(asio::io_context& io, std::shared_ptr<ServerShared> shared, tcp::acceptor acceptor)
      : io_(io),
        shared_(std::move(shared)),
        acceptor_(std::move(acceptor)),
        retry_(acceptor_.get_executor()),
        tls_(shared_->options.tls) {}

  void setTls(std::shared_ptr<const TlsContext> tls) {
    std::lock_guard<std::mutex> lock(tlsMu_);
    tls_ = std::move(tls);
  }

  void start() {
    asio::post(acceptor_.get_executor(), [self = shared_from_this()] { self->accept(); });
  }

  void stop() {
    asio::post(acceptor_.get_executor(), [self = shared_from_this()] {
      self->stopped_ = true;
      boost::system::error_code ignored;
      self->acceptor_.close(ignored);
      self->retry_.cancel();
    });
  }

 private:
  void accept() {
    if (stopped_) return;
    acceptor_.async_accept(asio::make_strand(io_),
                           [self = shared_from_this()](boost::system::error_code ec, PlainSocket socket) {
                             self->onAccept(ec, std::move(socket));
                           });
  }

  void onAccept(boost::system::error_code ec, PlainSocket socket) {
    if (stopped_ || ec == asio::error::operation_aborted) return;
    if (ec) {
      // Typically out of file descriptors: retrying at once would spin.
      log::warn("http: accept failed: ", ec.message(), "; retrying shortly");
      retry_.expires_after(std::chrono::milliseconds(100));
      retry_.async_wait([self = shared_from_this()](boost::system::error_code waitEc) {
        if (!waitEc) self->accept();
      });
      return;
    }
    boost::system::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);  // watch events are small writes
    std::string remote = detail::formatEndpoint(socket.remote_endpoint(ignored));
    if (std::shared_ptr<const TlsContext> tls = currentTls()) {
      const int fd = socket.native_handle();
      auto connection = detail::TlsConnection::create(std::move(tls), fd);
      if (connection) {
        startSession(std::make_shared<detail::Session<TlsSocket>>(
            shared_, TlsSocket(std::move(socket), std::move(connection).value()), std::move(remote)));
      } else {
        log::warn("http: ", remote, ": ", connection.status().message(), "; closing the connection");
      }
    } else {
      startSession(
          std::make_shared<detail::Session<PlainSocket>>(shared_, std::move(socket), std::move(remote)));
    }
    accept();
  }

  template <class Stream>
  void startSession(const std::shared_ptr<detail::Session<Stream>>& session) {
    if (shared_->add(session)) {
      refusing_ = false;
      session->start();
    } else if (!refusing_) {
      // Logged once per episode, not per refused connection.
      refusing_ = true;
      log::warn("http: ", shared_->options.listen, ": at ", shared_->options.maxConnections,
                " connections (or stopping); closing new ones");
    }
  }

  std::shared_ptr<const TlsContext> currentTls() {
    std::lock_guard<std::mutex> lock(tlsMu_);
    return tls_;
  }

  asio::io_context& io_;
  const std::shared_ptr<ServerShared> shared_;
  tcp::acceptor acceptor_;
  asio::steady_timer retry_;
  bool stopped_ = false;
  bool refusing_ = false;
  std::mutex tlsMu_;  // setTls runs on any thread
  std::shared_ptr<const TlsContext> tls_;
};

class TcpServer : public Server {
 public:
  TcpServer(std::shared_ptr<ServerShared> shared, std::shared_ptr<Listener> listener, std::string local)
      : shared_(std::move(shared)), listener_(std::move(listener)), local_(std::move(local)) {}

  ~TcpServer() override { stop(); }

  void start() override {
    if (!started_.exchange(true)) listener_->start();
  }

  void stop() override {
    if (stopped_.exchange(true)) return;
    listener_->stop();
    for (auto& session : shared_->stopAll()) session->shutdown();
  }

  std::string localAddress() const override { return local_; }

  Status setTls(std::shared_ptr<const TlsContext> tls) override {
    if (!shared_->options.tls) {
      return invalidArgument("http: " + local_ + " serves plain HTTP; it cannot switch to TLS while running");
    }
    if (!tls || !tls->isServer()) return invalidArgument("http: setTls needs a server TLS context");
    listener_->setTls(std::move(tls));
    return Status::ok();
  }

 private:
  const std::shared_ptr<ServerShared> shared_;
  const std::shared_ptr<Listener> listener_;
  const std::string local_;
  std::atomic<bool> started_{false};
  std::atomic<bool> stopped_{false};
};

Status bindError(const std::string& listen, const boost::system::error_code& ec) {
  std::string what = "listen on " + listen + ": " + ec.message();
  if (ec == asio::error::address_in_use) return unavailable(what + " (another process is listening there)");
  if (ec == boost::system::errc::address_not_available)
    return invalidArgument(what + " (not an address of this host)");
  return internalError(what);
}

}  // namespace

Result<std::unique_ptr<Server>> Server::create(IoContext& io, ServerOptions options, Handler handler) {
  auto endpoint = detail::parseListenAddress(options.listen);
  if (!endpoint) return endpoint.status();
  if (options.tls && !options.tls->isServer()) {
    return invalidArgument("http: " + options.listen + ": the TLS context is a client's, not a server's");
  }
  tcp::acceptor acceptor(asio::make_strand(io.asio()));
  boost::system::error_code ec;
  tcp::endpoint local;
  acceptor.open(endpoint->protocol(), ec);
  // Lets a restarted server bind while old connections sit in TIME_WAIT; on Linux it does
  // not allow two listeners on one port.
  if (!ec) acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor.bind(*endpoint, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (!ec) local = acceptor.local_endpoint(ec);
  if (ec) return bindError(options.listen, ec);

  auto shared = std::make_shared<ServerShared>(std::move(options), std::move(handler));
  auto listener = std::make_shared<Listener>(io.asio(), shared, std::move(acceptor));
  std::unique_ptr<Server> server =
      std::make_unique<TcpServer>(std::move(shared), std::move(listener), detail::formatEndpoint(local));
  return server;
}

}  // namespace edgeway::http
