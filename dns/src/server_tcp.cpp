#include "dns/src/server_tcp.h"

#include <array>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <deque>
#include <string>

namespace edgeway::dns::server_detail {

namespace asio = boost::asio;
using asio::ip::tcp;

namespace {

asio::ip::address toAsio(const IpAddress& ip) {
  if (ip.isV4()) return asio::ip::address_v4(ip.v4Value());
  return asio::ip::address_v6(ip.bytes());
}

IpAddress fromAsio(const asio::ip::address& address) {
  if (address.is_v4()) return IpAddress::v4(address.to_v4().to_uint());
  const auto v6 = address.to_v6();
  if (v6.is_v4_mapped()) return IpAddress::v4(asio::ip::make_address_v4(asio::ip::v4_mapped, v6).to_uint());
  return IpAddress::v6(v6.to_bytes());
}

}  // namespace

class TcpSession : public std::enable_shared_from_this<TcpSession> {
 public:
  TcpSession(tcp::socket socket, IpAddress client, std::shared_ptr<ServerState> state,
             std::shared_ptr<TcpSessions> sessions, TcpLimits limits)
      : socket_(std::move(socket)),
        idle_(socket_.get_executor()),
        client_(client),
        state_(std::move(state)),
        sessions_(std::move(sessions)),
        limits_(limits) {}

  ~TcpSession() {
    if (id_ != 0) sessions_->remove(id_);
  }

  void start(uint64_t id) {
    id_ = id;
    asio::post(socket_.get_executor(), [self = shared_from_this()] {
      self->touch();
      self->armIdle();
      self->readLength();
    });
  }

  void close() {
    asio::post(socket_.get_executor(), [self = shared_from_this()] { self->shutdown(); });
  }

 private:
  void touch() { idle_.expires_after(limits_.idleTimeout); }

  // One wait at a time: moving the expiry (touch) cancels it, and the handler waits again
  // until the deadline really passed with nothing in progress.
  void armIdle() {
    idle_.async_wait([self = shared_from_this()](const boost::system::error_code&) {
      if (self->closed_) return;
      if (self->idle_.expiry() <= std::chrono::steady_clock::now()) {
        if (self->pending_ == 0 && !self->writing_) return self->shutdown();
        self->touch();
      }
      self->armIdle();
    });
  }

  void readLength() {
    reading_ = true;
    asio::async_read(socket_, asio::buffer(length_),
                     [self = shared_from_this()](const boost::system::error_code& ec, size_t) {
                       if (self->closed_) return;
                       if (ec) return self->inputEnded();
                       const size_t size = (size_t{self->length_[0]} << 8) | self->length_[1];
                       if (size == 0) return self->shutdown();
                       self->body_.resize(size);
                       asio::async_read(self->socket_, asio::buffer(self->body_),
                                        [self](const boost::system::error_code& ec, size_t) {
                                          if (self->closed_) return;
                                          if (ec) return self->inputEnded();
                                          self->reading_ = false;
                                          self->touch();
                                          self->onQuery();
                                        });
                     });
  }

  void onQuery() {
    std::string reply;
    ForwardRequest forward;
    const auto zone = state_->zone();
    switch (
        state_->handler.handle(body_, client_, Transport::kTcp, *zone, state_->tcpCounters, reply, forward)) {
      case QueryHandler::Action::kDrop:
        break;
      case QueryHandler::Action::kReply:
      case QueryHandler::Action::kZoneReply:
        enqueue(std::move(reply));
        break;
      case QueryHandler::Action::kForward:
        if (state_->forwarder == nullptr) {
          enqueue(state_->handler.finish(QueryHandler::withoutForwarder(forward), forward.shape,
                                         state_->tcpCounters));
          break;
        }
        ++pending_;
        state_->forwarder->forward(forward.query, [self = shared_from_this(), shape = forward.shape,
                                                   partial = std::move(forward.partial)](Message m) {
          std::string wire = self->state_->handler.finish(
              QueryHandler::withUpstreamAnswer(partial, std::move(m)), shape, self->state_->tcpCounters);
          asio::post(self->socket_.get_executor(), [self, wire = std::move(wire)]() mutable {
            --self->pending_;
            if (self->closed_) return;
            self->enqueue(std::move(wire));
          });
        });
        break;
    }
    resumeReading();
  }

  void resumeReading() {
    if (closed_ || reading_ || inputEnded_) return;
    if (pending_ + writes_.size() < limits_.maxPipeline) readLength();
  }

  void enqueue(std::string reply) {
    std::string frame(2, '\0');
    frame[0] = static_cast<char>(reply.size() >> 8);
    frame[1] = static_cast<char>(reply.size() & 0xff);
    frame += reply;
    writes_.push_back(std::move(frame));
    if (!writing_) writeNext();
  }

  void writeNext() {
    if (writes_.empty()) {
      writing_ = false;
      if (inputEnded_ && pending_ == 0) return shutdown();
      return resumeReading();
    }
    writing_ = true;
    asio::async_write(socket_, asio::buffer(writes_.front()),
                      [self = shared_from_this()](const boost::system::error_code& ec, size_t) {
                        if (self->closed_) return;
                        if (ec) return self->shutdown();
                        self->writes_.pop_front();
                        self->touch();
                        self->writeNext();
                      });
  }

  // The client closed its side (or the read failed): finish what is owed, then close.
  void inputEnded() {
    inputEnded_ = true;
    reading_ = false;
    if (pending_ == 0 && !writing_) shutdown();
  }

  void shutdown() {
    if (closed_) return;
    closed_ = true;
    boost::system::error_code ignored;
    idle_.cancel();
    socket_.shutdown(tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
  }

  tcp::socket socket_;
  asio::steady_timer idle_;
  const IpAddress client_;
  const std::shared_ptr<ServerState> state_;
  const std::shared_ptr<TcpSessions> sessions_;
  const TcpLimits limits_;
  uint64_t id_ = 0;

  std::array<uint8_t, 2> length_{};
  std::string body_;
  std::deque<std::string> writes_;
  size_t pending_ = 0;  // forwarded queries not answered yet
  bool reading_ = false;
  bool writing_ = false;
  bool inputEnded_ = false;
  bool closed_ = false;
};

std::optional<uint64_t> TcpSessions::add(const std::shared_ptr<TcpSession>& session) {
  std::lock_guard lock(mu_);
  if (stopped_ || sessions_.size() >= max_) return std::nullopt;
  const uint64_t id = next_++;
  sessions_.emplace(id, session);
  return id;
}

void TcpSessions::remove(uint64_t id) {
  std::lock_guard lock(mu_);
  sessions_.erase(id);
}

void TcpSessions::closeAll() {
  std::vector<std::shared_ptr<TcpSession>> open;
  {
    std::lock_guard lock(mu_);
    stopped_ = true;
    for (auto& [id, weak] : sessions_) {
      if (auto session = weak.lock()) open.push_back(std::move(session));
    }
  }
  for (auto& session : open) session->close();
}

namespace {

class AsioTcpListener : public TcpListener, public std::enable_shared_from_this<AsioTcpListener> {
 public:
  AsioTcpListener(asio::io_context& io, std::shared_ptr<ServerState> state,
                  std::shared_ptr<TcpSessions> sessions, TcpLimits limits)
      : io_(io),
        acceptor_(asio::make_strand(io)),
        backoff_(acceptor_.get_executor()),
        state_(std::move(state)),
        sessions_(std::move(sessions)),
        limits_(limits) {}

  Status bind(const SocketAddress& address) {
    const tcp::endpoint endpoint(toAsio(address.ip), address.port);
    boost::system::error_code ec;
    acceptor_.open(endpoint.protocol(), ec);
    if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec && address.ip.isV6()) acceptor_.set_option(asio::ip::v6_only(true), ec);
    if (!ec) acceptor_.bind(endpoint, ec);
    if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    if (!ec) {
      const tcp::endpoint local = acceptor_.local_endpoint(ec);
      if (!ec) bound_ = SocketAddress{fromAsio(local.address()), local.port()};
    }
    if (ec) return unavailable("dns: listen " + address.toString() + ": " + ec.message());
    return Status::ok();
  }

  void start() override {
    started_ = true;
    asio::post(acceptor_.get_executor(), [self = shared_from_this()] { self->accept(); });
  }

  void stop() override {
    if (!started_) {  // no handler can be touching it yet
      boost::system::error_code ignored;
      acceptor_.close(ignored);
      return;
    }
    asio::post(acceptor_.get_executor(), [self = shared_from_this()] {
      boost::system::error_code ignored;
      self->acceptor_.close(ignored);
      self->backoff_.cancel();
    });
  }

  SocketAddress bound() const override { return bound_; }

 private:
  void accept() {
    acceptor_.async_accept(
        asio::make_strand(io_),
        [self = shared_from_this()](const boost::system::error_code& ec, tcp::socket socket) {
          if (!self->acceptor_.is_open()) return;
          if (!ec) {
            self->admit(std::move(socket));
            return self->accept();
          }
          // Out of descriptors or memory: accepting again at once would spin.
          self->backoff_.expires_after(std::chrono::milliseconds(100));
          self->backoff_.async_wait([self](const boost::system::error_code&) {
            if (self->acceptor_.is_open()) self->accept();
          });
        });
  }

  void admit(tcp::socket socket) {
    boost::system::error_code ec;
    const tcp::endpoint peer = socket.remote_endpoint(ec);
    if (ec) return;
    socket.set_option(tcp::no_delay(true), ec);
    auto session =
        std::make_shared<TcpSession>(std::move(socket), fromAsio(peer.address()), state_, sessions_, limits_);
    auto id = sessions_->add(session);
    if (!id) {
      metrics_detail::bump(state_->tcpCounters.tcpRejected);
      return;  // the session (and its socket) is destroyed: closed at once
    }
    metrics_detail::bump(state_->tcpCounters.tcpConnections);
    session->start(*id);
  }

  asio::io_context& io_;
  tcp::acceptor acceptor_;
  asio::steady_timer backoff_;
  const std::shared_ptr<ServerState> state_;
  const std::shared_ptr<TcpSessions> sessions_;
  const TcpLimits limits_;
  SocketAddress bound_;
  bool started_ = false;  // the thread calling start()/stop() only
};

}  // namespace

Result<std::shared_ptr<TcpListener>> TcpListener::open(asio::io_context& io, const SocketAddress& address,
                                                       std::shared_ptr<ServerState> state,
                                                       std::shared_ptr<TcpSessions> sessions,
                                                       TcpLimits limits) {
  auto listener = std::make_shared<AsioTcpListener>(io, std::move(state), std::move(sessions), limits);
  if (Status s = listener->bind(address); !s) return s;
  return std::shared_ptr<TcpListener>(std::move(listener));
}

}  // namespace edgeway::dns::server_detail
