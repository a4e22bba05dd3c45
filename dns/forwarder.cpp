#include "dns/forwarder.h"

#include <algorithm>
#include <array>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <unordered_map>

#include "dns/src/forwarder_cache.h"

namespace edgeway::dns {
namespace forwarder_detail {

namespace asio = boost::asio;
using asio::ip::tcp;
using asio::ip::udp;
using Strand = asio::strand<asio::io_context::executor_type>;

namespace {

asio::ip::address toAsio(const IpAddress& ip) {
  if (ip.isV4()) return asio::ip::address_v4(ip.v4Value());
  return asio::ip::address_v6(ip.bytes());
}

uint16_t randomId() {
  thread_local std::mt19937 rng{std::random_device{}()};
  return static_cast<uint16_t>(rng());
}

// What every reply built here for a client shares: its ID, its question as it was asked,
// its RD bit. The forwarder recursed (through its upstream), so RA is set.
void addressTo(Message& response, uint16_t id, bool rd, const std::vector<Question>& questions) {
  response.header.id = id;
  response.header.qr = true;
  response.header.rd = rd;
  response.header.ra = true;
  response.questions = questions;
  response.edns.reset();
}

Message servFail() {
  Message m;
  m.header.rcode = Rcode::kServFail;
  return m;
}

}  // namespace

class Transaction;

// A query waiting for an upstream answer: the client's ID, question and callback.
struct Waiter {
  uint16_t id = 0;
  bool rd = false;
  std::vector<Question> questions;
  Forwarder::Callback done;
};

class Core {
 public:
  Core(asio::io_context& io, ForwarderOptions options)
      : io(io),
        options(std::move(options)),
        cache(AnswerCacheLimits{this->options.cacheEntries, this->options.maxTtl,
                                this->options.maxNegativeTtl, this->options.servFailTtl}) {}

  SteadyTime now() const { return options.now ? options.now() : std::chrono::steady_clock::now(); }

  // Delivers a finished upstream query to everyone waiting for it and caches the answer.
  void finish(const std::shared_ptr<Transaction>& tx, const std::string& key,
              std::optional<Message> response);

  asio::io_context& io;
  const ForwarderOptions options;
  ForwarderCounters counters;
  std::atomic<size_t> preferred{0};  // the upstream that answered last

  std::mutex mu;
  AnswerCache cache;                                                       // mu
  std::unordered_map<std::string, std::shared_ptr<Transaction>> inFlight;  // mu
  bool stopped = false;                                                    // mu
};

// One upstream query, shared by every client query with the same key. All its handlers run
// on its strand; `generation_` tells a handler whether the attempt it belongs to is still
// the current one.
class Transaction : public std::enable_shared_from_this<Transaction> {
 public:
  Transaction(std::shared_ptr<Core> core, std::string key, const Message& clientQuery)
      : core_(std::move(core)),
        key_(std::move(key)),
        strand_(asio::make_strand(core_->io)),
        deadline_(strand_),
        attemptTimer_(strand_) {
    query_.header.id = randomId();
    query_.header.rd = true;
    query_.header.cd = clientQuery.header.cd;
    query_.questions = {clientQuery.questions.front()};
    Edns edns;
    edns.udpPayloadSize = kDefaultEdnsUdpSize;
    edns.dnssecOk = clientQuery.edns && clientQuery.edns->dnssecOk;
    query_.edns = edns;
    wire_ = encode(query_);
  }

  std::vector<Waiter> waiters;  // Core::mu

  void start() {
    asio::post(strand_, [self = shared_from_this()] {
      const size_t n = self->core_->options.upstreams.size();
      self->first_ = self->core_->preferred.load(std::memory_order_relaxed) % n;
      self->maxAttempts_ = 2 * n;
      self->deadline_.expires_after(self->core_->options.queryTimeout);
      self->deadline_.async_wait([self](const boost::system::error_code& ec) {
        if (!ec) self->complete(std::nullopt);
      });
      self->attempt();
    });
  }

  // Stops without answering anyone (Forwarder::stop()).
  void abandon() {
    asio::post(strand_, [self = shared_from_this()] {
      {
        std::lock_guard lock(self->core_->mu);
        self->waiters.clear();
      }
      self->finished_ = true;
      self->closeSockets();
    });
  }

 private:
  const SocketAddress& upstream() const {
    const auto& all = core_->options.upstreams;
    return all[(first_ + attempts_ - 1) % all.size()];
  }

  void attempt() {
    if (finished_) return;
    if (attempts_ >= maxAttempts_) return complete(std::nullopt);
    ++attempts_;
    const uint64_t gen = ++generation_;
    closeSockets();
    attemptStart_ = std::chrono::steady_clock::now();
    attemptTimer_.expires_after(core_->options.upstreamTimeout);
    attemptTimer_.async_wait([self = shared_from_this(), gen](const boost::system::error_code& ec) {
      if (ec || gen != self->generation_ || self->finished_) return;
      metrics_detail::bump(self->core_->counters.upstreamTimeouts);
      self->attempt();
    });

    const SocketAddress& target = upstream();
    udp::endpoint endpoint(toAsio(target.ip), target.port);
    boost::system::error_code ec;
    udp_.emplace(strand_);
    udp_->open(endpoint.protocol(), ec);
    // Connected: the kernel drops datagrams from anyone else, and an ICMP unreachable
    // surfaces as an error so the next upstream is tried at once.
    if (!ec) udp_->connect(endpoint, ec);
    if (ec) return failed(gen);
    metrics_detail::bump(core_->counters.upstreamQueries);
    udp_->async_send(asio::buffer(wire_),
                     [self = shared_from_this(), gen](const boost::system::error_code& ec, size_t) {
                       if (gen != self->generation_ || self->finished_) return;
                       if (ec) return self->failed(gen);
                       self->receiveUdp(gen);
                     });
  }

  void receiveUdp(uint64_t gen) {
    buffer_.resize(65535);
    udp_->async_receive(asio::buffer(buffer_),
                        [self = shared_from_this(), gen](const boost::system::error_code& ec, size_t n) {
                          if (gen != self->generation_ || self->finished_) return;
                          if (ec) return self->failed(gen);
                          auto response = self->accept(std::string_view(self->buffer_.data(), n));
                          if (!response)
                            return self->receiveUdp(gen);  // not ours: keep waiting for the real one
                          if (response->header.tc) return self->startTcp(gen);
                          self->answered(std::move(*response));
                        });
  }

  void startTcp(uint64_t gen) {
    metrics_detail::bump(core_->counters.upstreamTcpRetries);
    metrics_detail::bump(core_->counters.upstreamQueries);
    const SocketAddress& target = upstream();
    tcp_.emplace(strand_);
    frame_.resize(2);
    frame_[0] = static_cast<char>(wire_.size() >> 8);
    frame_[1] = static_cast<char>(wire_.size() & 0xff);
    frame_ += wire_;
    tcp_->async_connect(tcp::endpoint(toAsio(target.ip), target.port),
                        [self = shared_from_this(), gen](const boost::system::error_code& ec) {
                          if (gen != self->generation_ || self->finished_) return;
                          if (ec) return self->failed(gen);
                          asio::async_write(*self->tcp_, asio::buffer(self->frame_),
                                            [self, gen](const boost::system::error_code& ec, size_t) {
                                              if (gen != self->generation_ || self->finished_) return;
                                              if (ec) return self->failed(gen);
                                              self->readTcpLength(gen);
                                            });
                        });
  }

  void readTcpLength(uint64_t gen) {
    asio::async_read(*tcp_, asio::buffer(length_),
                     [self = shared_from_this(), gen](const boost::system::error_code& ec, size_t) {
                       if (gen != self->generation_ || self->finished_) return;
                       if (ec) return self->failed(gen);
                       const size_t size = (size_t{self->length_[0]} << 8) | self->length_[1];
                       self->buffer_.resize(size);
                       asio::async_read(*self->tcp_, asio::buffer(self->buffer_),
                                        [self, gen](const boost::system::error_code& ec, size_t) {
                                          if (gen != self->generation_ || self->finished_) return;
                                          if (ec) return self->failed(gen);
                                          auto response = self->accept(self->buffer_);
                                          if (!response) return self->failed(gen);
                                          self->answered(std::move(*response));
                                        });
                     });
  }

  // The upstream's answer to our query, or nullopt for anything else: unparsable, not a
  // response, another ID or another question (RFC 5452 section 3).
  std::optional<Message> accept(std::string_view wire) const {
    auto parsed = parse(wire);
    if (!parsed) return std::nullopt;
    const Message& m = *parsed;
    if (!m.header.qr || m.header.id != query_.header.id || m.questions.size() != 1) return std::nullopt;
    const Question& ours = query_.questions.front();
    const Question& theirs = m.questions.front();
    if (theirs.type != ours.type || theirs.qclass != ours.qclass ||
        lowerName(theirs.name) != lowerName(ours.name)) {
      return std::nullopt;
    }
    return std::move(parsed).value();
  }

  void answered(Message response) {
    if (response.header.rcode == Rcode::kServFail || response.header.rcode == Rcode::kRefused) {
      // This upstream cannot help (lame, or refusing us); another may.
      metrics_detail::bump(core_->counters.upstreamErrors);
      return attempt();
    }
    const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(
                            std::chrono::steady_clock::now() - attemptStart_)
                            .count();
    core_->counters.recordLatency(static_cast<uint64_t>(std::max<int64_t>(0, micros)));
    core_->preferred.store((first_ + attempts_ - 1) % core_->options.upstreams.size(),
                           std::memory_order_relaxed);
    complete(std::move(response));
  }

  void failed(uint64_t gen) {
    if (gen != generation_ || finished_) return;
    metrics_detail::bump(core_->counters.upstreamErrors);
    attempt();
  }

  void complete(std::optional<Message> response) {
    if (finished_) return;
    finished_ = true;
    ++generation_;
    closeSockets();
    deadline_.cancel();
    core_->finish(shared_from_this(), key_, std::move(response));
  }

  void closeSockets() {
    attemptTimer_.cancel();
    boost::system::error_code ignored;
    if (udp_) udp_->close(ignored);
    if (tcp_) tcp_->close(ignored);
  }

  const std::shared_ptr<Core> core_;
  const std::string key_;
  Strand strand_;
  asio::steady_timer deadline_;
  asio::steady_timer attemptTimer_;
  Message query_;
  std::string wire_;
  std::string frame_;
  std::string buffer_;
  std::array<uint8_t, 2> length_{};
  std::optional<udp::socket> udp_;
  std::optional<tcp::socket> tcp_;
  size_t first_ = 0;
  size_t attempts_ = 0;
  size_t maxAttempts_ = 0;
  uint64_t generation_ = 0;
  bool finished_ = false;
  std::chrono::steady_clock::time_point attemptStart_;
};

void Core::finish(const std::shared_ptr<Transaction>& tx, const std::string& key,
                  std::optional<Message> response) {
  std::vector<Waiter> waiting;
  {
    std::lock_guard lock(mu);
    auto it = inFlight.find(key);
    if (it != inFlight.end() && it->second == tx) inFlight.erase(it);
    waiting = std::move(tx->waiters);
    tx->waiters.clear();
    if (response && !stopped) cache.insert(key, *response, now());
  }
  if (!response) metrics_detail::bump(counters.forwardFailures, waiting.size());
  for (Waiter& w : waiting) {
    Message reply = response ? *response : servFail();
    addressTo(reply, w.id, w.rd, w.questions);
    w.done(std::move(reply));
  }
}

}  // namespace forwarder_detail

using forwarder_detail::Core;
using forwarder_detail::Transaction;

Result<std::unique_ptr<Forwarder>> Forwarder::create(boost::asio::io_context& io, ForwarderOptions options) {
  if (options.queryTimeout.count() <= 0 || options.upstreamTimeout.count() <= 0) {
    return invalidArgument("dns: forwarder timeouts must be positive");
  }
  for (const SocketAddress& upstream : options.upstreams) {
    if (upstream.port == 0 || upstream.ip.isUnspecified()) {
      return invalidArgument("dns: invalid upstream " + upstream.toString());
    }
  }
  return std::unique_ptr<Forwarder>(new Forwarder(std::make_shared<Core>(io, std::move(options))));
}

Forwarder::Forwarder(std::shared_ptr<Core> core) : core_(std::move(core)) {}

Forwarder::~Forwarder() { stop(); }

void Forwarder::forward(const Message& query, Callback done) {
  Core& core = *core_;
  if (query.questions.size() != 1) {
    // resolve() answers these before they get here; kept for callers that do not.
    Message reply;
    reply.header.rcode = Rcode::kFormErr;
    forwarder_detail::addressTo(reply, query.header.id, query.header.rd, query.questions);
    return done(std::move(reply));
  }
  const bool dnssecOk = query.edns && query.edns->dnssecOk;
  std::string key = forwarder_detail::AnswerCache::key(query.questions.front(), dnssecOk);
  forwarder_detail::Waiter waiter{query.header.id, query.header.rd, query.questions, std::move(done)};

  std::shared_ptr<Transaction> started;
  std::optional<Message> cached;
  {
    std::lock_guard lock(core.mu);
    if (!core.stopped && !core.options.upstreams.empty()) {
      cached = core.cache.lookup(key, core.now());
      if (!cached) {
        auto it = core.inFlight.find(key);
        if (it != core.inFlight.end()) {
          it->second->waiters.push_back(std::move(waiter));
          metrics_detail::bump(core.counters.cacheMisses);
          metrics_detail::bump(core.counters.coalesced);
          return;
        }
        if (core.inFlight.size() < core.options.maxInFlight) {
          started = std::make_shared<Transaction>(core_, key, query);
          started->waiters.push_back(std::move(waiter));
          core.inFlight.emplace(std::move(key), started);
        }
      }
    }
  }
  if (cached) {
    metrics_detail::bump(core.counters.cacheHits);
    forwarder_detail::addressTo(*cached, waiter.id, waiter.rd, waiter.questions);
    return waiter.done(std::move(*cached));
  }
  metrics_detail::bump(core.counters.cacheMisses);
  if (started) return started->start();
  // Stopped, no upstreams, or too many queries in flight.
  metrics_detail::bump(core.counters.forwardFailures);
  Message reply = forwarder_detail::servFail();
  forwarder_detail::addressTo(reply, waiter.id, waiter.rd, waiter.questions);
  waiter.done(std::move(reply));
}

void Forwarder::stop() {
  std::unordered_map<std::string, std::shared_ptr<Transaction>> inFlight;
  {
    std::lock_guard lock(core_->mu);
    if (core_->stopped) return;
    core_->stopped = true;
    inFlight.swap(core_->inFlight);
  }
  for (auto& [key, tx] : inFlight) tx->abandon();
}

const std::vector<SocketAddress>& Forwarder::upstreams() const { return core_->options.upstreams; }

size_t Forwarder::cacheSize() const {
  std::lock_guard lock(core_->mu);
  return core_->cache.size();
}

DnsMetricsSnapshot Forwarder::metrics() const {
  DnsMetricsSnapshot out;
  addMetricsTo(out);
  return out;
}

void Forwarder::addMetricsTo(DnsMetricsSnapshot& out) const { core_->counters.addTo(out); }

}  // namespace edgeway::dns
