#pragma once
// SerialExecutor: one thread that runs posted tasks in order, and delayed tasks once their
// time comes. A controller keeps all of its state on one of these, so cache callbacks and
// registry completions (which arrive on other threads and must return quickly) only post.
// It is also the right thread to call the Registry from: never a store callback.

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <thread>

namespace edgeway::apiserver::controllers {

class SerialExecutor {
 public:
  SerialExecutor() = default;
  ~SerialExecutor() { stop(); }
  SerialExecutor(const SerialExecutor&) = delete;
  SerialExecutor& operator=(const SerialExecutor&) = delete;

  void start();
  // Runs no task after the one in progress; drops the rest and joins. Idempotent; not
  // from a task.
  void stop();

  // Ignored after stop().
  void post(std::function<void()> task) { postAfter(std::chrono::milliseconds(0), std::move(task)); }
  void postAfter(std::chrono::milliseconds delay, std::function<void()> task);

  bool inExecutorThread() const { return std::this_thread::get_id() == thread_.get_id(); }

 private:
  void run();

  std::mutex mu_;
  std::condition_variable cv_;
  // By due time, then posting order (the sequence number), so equal times run FIFO.
  std::multimap<std::pair<std::chrono::steady_clock::time_point, uint64_t>, std::function<void()>> tasks_;
  uint64_t sequence_ = 0;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace edgeway::apiserver::controllers
