#include "dns/src/server_udp_worker.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>

#include "base/log.h"

namespace edgeway::dns::server_detail {

namespace {

struct alignas(cmsghdr) Control {
  char bytes[kControlSize];
};

// Where (and from which local address) the answer to one datagram goes.
struct ReplyTo {
  sockaddr_storage name;
  socklen_t nameLength = 0;
  Control control;
  size_t controlLength = 0;
};

void sendReply(int fd, const ReplyTo& to, const std::string& wire) {
  iovec iov{const_cast<char*>(wire.data()), wire.size()};
  msghdr msg{};
  msg.msg_name = const_cast<sockaddr_storage*>(&to.name);
  msg.msg_namelen = to.nameLength;
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  if (to.controlLength > 0) {
    msg.msg_control = const_cast<char*>(to.control.bytes);
    msg.msg_controllen = to.controlLength;
  }
  // A full send buffer drops the answer, as the network could have: the client retries.
  (void)::sendmsg(fd, &msg, MSG_DONTWAIT | MSG_NOSIGNAL);
}

}  // namespace

// The buffers of one recvmmsg/sendmmsg round, allocated once per worker.
struct UdpWorker::Batch {
  static constexpr size_t kSize = 32;
  // Larger queries arrive cut (MSG_TRUNC) and are answered FORMERR; real queries are
  // rarely over 512 bytes.
  static constexpr size_t kBufferSize = 4096;

  std::array<std::array<char, kBufferSize>, kSize> buffers;
  std::array<sockaddr_storage, kSize> names;
  std::array<Control, kSize> controls;
  std::array<iovec, kSize> iov;
  std::array<mmsghdr, kSize> in;

  std::array<std::string, kSize> replies;
  std::array<Control, kSize> replyControls;
  std::array<iovec, kSize> outIov;
  std::array<mmsghdr, kSize> out;

  ForwardRequest forward;
};

UdpWorker::UdpWorker(std::shared_ptr<ServerState> state, size_t index,
                     std::vector<std::shared_ptr<UdpSocket>> sockets, size_t answerCacheEntries)
    : state_(std::move(state)),
      counters_(state_->workerCounters[index]),
      sockets_(std::move(sockets)),
      cache_(answerCacheEntries) {}

UdpWorker::~UdpWorker() { stop(); }

Status UdpWorker::start() {
  wakeFd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (wakeFd_ < 0) return internalError(std::string("dns: eventfd: ") + std::strerror(errno));
  thread_ = std::thread([this] { run(); });
  return Status::ok();
}

void UdpWorker::stop() {
  if (thread_.joinable()) {
    const uint64_t one = 1;
    (void)!::write(wakeFd_, &one, sizeof one);
    thread_.join();
  }
  if (wakeFd_ >= 0) {
    ::close(wakeFd_);
    wakeFd_ = -1;
  }
}

void UdpWorker::run() {
  auto batch = std::make_unique<Batch>();
  std::vector<pollfd> fds;
  for (const auto& socket : sockets_) fds.push_back(pollfd{socket->fd(), POLLIN, 0});
  fds.push_back(pollfd{wakeFd_, POLLIN, 0});
  while (true) {
    if (::poll(fds.data(), fds.size(), -1) < 0) {
      if (errno == EINTR) continue;
      log::error("dns: udp worker poll: ", std::strerror(errno));
      return;
    }
    if (fds.back().revents != 0) return;
    for (size_t i = 0; i < sockets_.size(); ++i) {
      if (fds[i].revents != 0) serve(sockets_[i], *batch);
    }
  }
}

bool UdpWorker::serve(const std::shared_ptr<UdpSocket>& socket, Batch& b) {
  // A few rounds per wake-up, so that one busy address does not starve the others.
  for (int round = 0; round < 8; ++round) {
    for (size_t i = 0; i < Batch::kSize; ++i) {
      b.iov[i] = iovec{b.buffers[i].data(), Batch::kBufferSize};
      msghdr& h = b.in[i].msg_hdr;
      h = msghdr{};
      h.msg_name = &b.names[i];
      h.msg_namelen = sizeof(sockaddr_storage);
      h.msg_iov = &b.iov[i];
      h.msg_iovlen = 1;
      if (socket->wantsPacketInfo()) {
        h.msg_control = b.controls[i].bytes;
        h.msg_controllen = kControlSize;
      }
      b.in[i].msg_len = 0;
    }
    const int n = ::recvmmsg(socket->fd(), b.in.data(), Batch::kSize, MSG_DONTWAIT, nullptr);
    if (n <= 0) return false;

    const uint64_t generation = state_->zoneGeneration.load(std::memory_order_acquire);
    if (generation != zoneGeneration_) {
      zone_ = state_->zone();
      zoneGeneration_ = generation;
      cache_.clear();
    }

    size_t replies = 0;
    for (int i = 0; i < n; ++i) {
      const msghdr& h = b.in[i].msg_hdr;
      if (!answer(socket, b, static_cast<size_t>(i), b.replies[replies])) continue;
      const std::string& reply = b.replies[replies];
      b.outIov[replies] = iovec{const_cast<char*>(reply.data()), reply.size()};
      msghdr& o = b.out[replies].msg_hdr;
      o = msghdr{};
      o.msg_name = &b.names[i];
      o.msg_namelen = h.msg_namelen;
      o.msg_iov = &b.outIov[replies];
      o.msg_iovlen = 1;
      if (h.msg_controllen > 0) {
        const size_t length = replyControl(h, b.replyControls[replies].bytes, kControlSize);
        if (length > 0) {
          o.msg_control = b.replyControls[replies].bytes;
          o.msg_controllen = length;
        }
      }
      ++replies;
    }

    size_t sent = 0;
    while (sent < replies) {
      const int r =
          ::sendmmsg(socket->fd(), b.out.data() + sent, replies - sent, MSG_DONTWAIT | MSG_NOSIGNAL);
      if (r > 0) {
        sent += static_cast<size_t>(r);
      } else if (r < 0 && errno == EINTR) {
        continue;
      } else if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        break;  // send buffer full: drop the rest, as a congested network would
      } else {
        ++sent;  // this one cannot be sent (e.g. no route back); go on with the others
      }
    }
    if (n < static_cast<int>(Batch::kSize)) return false;
  }
  return true;
}

bool UdpWorker::answer(const std::shared_ptr<UdpSocket>& socket, Batch& b, size_t i, std::string& reply) {
  const msghdr& h = b.in[i].msg_hdr;
  const std::string_view wire(b.buffers[i].data(), b.in[i].msg_len);
  const bool keyed = cache_.enabled() && (h.msg_flags & MSG_TRUNC) == 0 &&
                     AnswerCache::keyOf(wire, state_->handler.maxUdpPayload(), key_);
  if (keyed) {
    if (const AnswerCache::Entry* hit = cache_.find(key_)) {
      // The same bytes the slow path would send, but the ID.
      reply.assign(hit->answer());
      reply[0] = wire[0];
      reply[1] = wire[1];
      metrics_detail::bump(counters_.udpQueries);
      metrics_detail::bump(counters_.answerCacheHits);
      counters_.countQuery(static_cast<Type>(hit->qtype));
      counters_.countResponse(static_cast<Rcode>(hit->rcode));
      if (hit->truncated) metrics_detail::bump(counters_.truncated);
      return true;
    }
  }
  auto client = fromSockaddr(reinterpret_cast<const sockaddr*>(&b.names[i]), h.msg_namelen);
  if (!client) return false;
  switch (state_->handler.handle(wire, client->ip, Transport::kUdp, *zone_, counters_, reply, b.forward)) {
    case QueryHandler::Action::kDrop:
      return false;
    case QueryHandler::Action::kForward:
      forward(socket, b, i);
      return false;
    case QueryHandler::Action::kZoneReply:
      if (keyed) cache_.insert(key_, reply);
      return true;
    case QueryHandler::Action::kReply:
      return true;
  }
  return false;
}

void UdpWorker::forward(const std::shared_ptr<UdpSocket>& socket, Batch& b, size_t i) {
  const msghdr& h = b.in[i].msg_hdr;
  ReplyTo to;
  std::memcpy(&to.name, &b.names[i], sizeof(sockaddr_storage));
  to.nameLength = h.msg_namelen;
  if (h.msg_controllen > 0) to.controlLength = replyControl(h, to.control.bytes, kControlSize);

  if (state_->forwarder == nullptr) {
    const std::string wire =
        state_->handler.finish(QueryHandler::withoutForwarder(b.forward), b.forward.shape, counters_);
    return sendReply(socket->fd(), to, wire);
  }
  state_->forwarder->forward(b.forward.query, [state = state_, socket, to, shape = b.forward.shape,
                                               partial = std::move(b.forward.partial)](Message response) {
    const std::string wire = state->handler.finish(
        QueryHandler::withUpstreamAnswer(partial, std::move(response)), shape, state->forwardedCounters);
    sendReply(socket->fd(), to, wire);
  });
}

}  // namespace edgeway::dns::server_detail
