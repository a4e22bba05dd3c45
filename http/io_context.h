#pragma once
// The process's event loop: one asio::io_context run by a small thread pool. Servers,
// clients of the pool and timers all share it; per-connection ordering comes from strands,
// not from the number of threads.

#include <functional>
#include <memory>

namespace boost::asio {
class io_context;
}

namespace edgeway::http {

class IoContext {
 public:
  // threads < 1 is treated as 1. The context holds a work guard, so run() does not return
  // merely because there is nothing to do yet.
  explicit IoContext(int threads);
  // Stops the context and joins the threads start() created. Must not run on a pool thread.
  ~IoContext();
  IoContext(const IoContext&) = delete;
  IoContext& operator=(const IoContext&) = delete;

  // Runs the pool on the calling thread plus threads-1 helpers; returns after stop().
  void run();
  // Runs the pool on `threads` background threads and returns at once (tests, embedding).
  void start();
  // Thread-safe, idempotent, callable from a pool thread. Pending handlers are abandoned,
  // so stop servers first if their connections should close cleanly.
  void stop();

  // Runs fn on the pool. Exceptions escaping fn are logged and swallowed.
  void post(std::function<void()> fn);
  // Runs fn on the pool after `millis` milliseconds (not at all if the context stops first).
  void after(int millis, std::function<void()> fn);

  boost::asio::io_context& asio();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace edgeway::http
