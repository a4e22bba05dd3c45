#include "dns/dns_server.h"

#include <algorithm>
#include <cassert>

#include "dns/src/server_query_handler.h"
#include "dns/src/server_socket.h"
#include "dns/src/server_state.h"
#include "dns/src/server_tcp.h"
#include "dns/src/server_udp_worker.h"

namespace edgeway::dns {

using server_detail::QueryHandler;
using server_detail::ServerState;
using server_detail::TcpListener;
using server_detail::TcpSessions;
using server_detail::UdpSocket;
using server_detail::UdpWorker;

DnsServer::DnsServer(boost::asio::io_context& io, Forwarder* forwarder, DnsServerOptions options,
                     std::shared_ptr<const ClusterZone> zone)
    : io_(io),
      options_([&] {
        options.udpThreads = std::max<size_t>(1, options.udpThreads);
        return std::move(options);
      }()),
      state_(std::make_shared<ServerState>(QueryHandler(options_.allowedSources, options_.maxUdpPayload),
                                           forwarder, options_.udpThreads, std::move(zone))),
      sessions_(std::make_shared<TcpSessions>(options_.maxTcpConnections)) {
  assert(state_->zone() != nullptr);
}

DnsServer::~DnsServer() { stop(); }

Status DnsServer::start() {
  assert(!started_);
  started_ = true;
  if (Status s = bindAll(); !s) {
    for (auto& listener : listeners_) listener->stop();
    listeners_.clear();
    workers_.clear();  // never started: this closes their sockets
    udpBound_.clear();
    tcpBound_.clear();
    return s;
  }
  for (auto& worker : workers_) {
    if (Status s = worker->start(); !s) {
      stop();
      return s;
    }
  }
  for (auto& listener : listeners_) listener->start();
  return Status::ok();
}

// Per address: TCP first, then one UDP socket per worker on the same port. For port 0 the
// kernel picks the TCP port, and UDP follows it so that a client retrying over TCP after
// a truncated answer finds the server on the same port; when that UDP port is taken, try
// another.
Status DnsServer::bindAll() {
  const server_detail::TcpLimits limits{options_.maxTcpConnections, options_.tcpIdleTimeout,
                                        std::max<size_t>(1, options_.maxTcpPipeline)};
  std::vector<std::vector<std::shared_ptr<UdpSocket>>> perWorker(options_.udpThreads);
  for (const SocketAddress& address : options_.listen) {
    constexpr int kEphemeralTries = 16;
    Status last;
    bool bound = false;
    for (int attempt = 0; attempt < kEphemeralTries && !bound; ++attempt) {
      auto listener = TcpListener::open(io_, address, state_, sessions_, limits);
      if (!listener) return listener.status();
      const SocketAddress tcpAddress = (*listener)->bound();
      const SocketAddress udpAddress{address.ip, tcpAddress.port};
      std::vector<std::shared_ptr<UdpSocket>> sockets;
      for (size_t w = 0; w < options_.udpThreads; ++w) {
        auto fd = server_detail::openUdpSocket(udpAddress);
        if (!fd) {
          last = fd.status();
          break;
        }
        sockets.push_back(std::make_shared<UdpSocket>(*fd, udpAddress));
      }
      if (sockets.size() != options_.udpThreads) {
        (*listener)->stop();
        if (address.port != 0) return last;
        continue;
      }
      auto udpBound = server_detail::boundAddress(sockets.front()->fd());
      if (!udpBound) return udpBound.status();
      listeners_.push_back(std::move(*listener));
      tcpBound_.push_back(tcpAddress);
      udpBound_.push_back(*udpBound);
      for (size_t w = 0; w < options_.udpThreads; ++w) perWorker[w].push_back(std::move(sockets[w]));
      bound = true;
    }
    if (!bound) return last;
  }
  for (size_t w = 0; w < options_.udpThreads; ++w) {
    workers_.push_back(
        std::make_unique<UdpWorker>(state_, w, std::move(perWorker[w]), options_.udpAnswerCacheEntries));
  }
  return Status::ok();
}

void DnsServer::stop() {
  if (stopped_ || !started_) {
    stopped_ = true;
    return;
  }
  stopped_ = true;
  for (auto& worker : workers_) worker->stop();
  for (auto& listener : listeners_) listener->stop();
  sessions_->closeAll();
}

void DnsServer::setZone(std::shared_ptr<const ClusterZone> zone) { state_->setZone(std::move(zone)); }

std::shared_ptr<const ClusterZone> DnsServer::zone() const { return state_->zone(); }

std::vector<SocketAddress> DnsServer::udpAddresses() const { return udpBound_; }
std::vector<SocketAddress> DnsServer::tcpAddresses() const { return tcpBound_; }

DnsMetricsSnapshot DnsServer::metrics() const { return state_->metrics(); }

}  // namespace edgeway::dns
