#pragma once
// UdpWorker: one thread serving DNS over UDP on its own SO_REUSEPORT socket per listen
// address (the kernel spreads clients over the workers' sockets by flow hash). It reads
// batches with recvmmsg, answers cluster names inline from its own copy of the current
// ClusterZone (no lock, no shared write per query), and writes the batch's answers with
// one sendmmsg. Repeated cluster queries are answered from the worker's AnswerCache of
// encoded answers (cleared when the zone changes) without parsing or resolving. Other names go to the
// Forwarder; its answer is sent later, from an io_context thread, with sendmsg on the same socket.

#include <memory>
#include <thread>
#include <vector>

#include "base/status.h"
#include "dns/src/server_answer_cache.h"
#include "dns/src/server_socket.h"
#include "dns/src/server_state.h"

namespace edgeway::dns::server_detail {

class UdpWorker {
 public:
  // `answerCacheEntries` bounds the AnswerCache (0: none).
  UdpWorker(std::shared_ptr<ServerState> state, size_t index, std::vector<std::shared_ptr<UdpSocket>> sockets,
            size_t answerCacheEntries);
  ~UdpWorker();  // stop()s

  UdpWorker(const UdpWorker&) = delete;
  UdpWorker& operator=(const UdpWorker&) = delete;

  Status start();
  // Wakes the thread and joins it. Idempotent.
  void stop();

 private:
  struct Batch;

  void run();
  // Serves up to a few batches from `socket`; false when it had nothing more to read.
  bool serve(const std::shared_ptr<UdpSocket>& socket, Batch& batch);
  void forward(const std::shared_ptr<UdpSocket>& socket, Batch& batch, size_t i);
  // The answer to `wire` into `reply`; false when there is nothing to send now.
  bool answer(const std::shared_ptr<UdpSocket>& socket, Batch& batch, size_t i, std::string& reply);

  const std::shared_ptr<ServerState> state_;
  ServerCounters& counters_;
  const std::vector<std::shared_ptr<UdpSocket>> sockets_;
  int wakeFd_ = -1;
  std::thread thread_;

  // This thread's copy of the zone and the generation it was loaded at.
  std::shared_ptr<const ClusterZone> zone_;
  uint64_t zoneGeneration_ = ~uint64_t{0};
  AnswerCache cache_;  // answers from zone_ only
  AnswerCache::Key key_;
};

}  // namespace edgeway::dns::server_detail
