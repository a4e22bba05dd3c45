#pragma once
// The process's event loop: one asio::io_context run by a small thread pool.

#include <functional>
#include <memory>

namespace boost::asio { class io_context; }

namespace edgeway::http {

class IoContext {
 public:
  explicit IoContext(int threads);
  ~IoContext();
  IoContext(const IoContext&) = delete;
  IoContext& operator=(const IoContext&) = delete;

  void run();   // runs the pool; returns after stop()
  void stop();
  void post(std::function<void()> fn);
  // Runs fn after `millis` on the pool.
  void after(int millis, std::function<void()> fn);
  boost::asio::io_context& asio();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace edgeway::http
