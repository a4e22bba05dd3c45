#pragma once
// ShutdownSequence: what main started, stopped in reverse order exactly once -- whether
// start-up fails halfway, a signal arrives, or main returns. Thread-safe: the signal
// thread and main may both call run(); the second call finds nothing left to do.

#include <functional>
#include <mutex>
#include <utility>
#include <vector>

namespace edgeway::cmd {

class ShutdownSequence {
 public:
  ShutdownSequence() = default;
  ~ShutdownSequence() { run(); }
  ShutdownSequence(const ShutdownSequence&) = delete;
  ShutdownSequence& operator=(const ShutdownSequence&) = delete;

  // Adds a step; steps run last-added first.
  void add(std::function<void()> step) {
    std::lock_guard<std::mutex> lock(mu_);
    steps_.push_back(std::move(step));
  }

  void run() {
    std::lock_guard<std::mutex> lock(mu_);
    while (!steps_.empty()) {
      auto step = std::move(steps_.back());
      steps_.pop_back();
      step();
    }
  }

 private:
  std::mutex mu_;
  std::vector<std::function<void()>> steps_;
};

}  // namespace edgeway::cmd
