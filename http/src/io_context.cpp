#include "http/io_context.h"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <exception>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "base/log.h"

namespace edgeway::http {

namespace asio = boost::asio;

struct IoContext::Impl {
  explicit Impl(int n) : threads(n < 1 ? 1 : n), work(asio::make_work_guard(io)) {}

  // A handler that throws must not take a pool thread down with it: log and keep running.
  void runLoop() {
    for (;;) {
      try {
        io.run();
        return;
      } catch (const std::exception& e) {
        log::error("http: unhandled exception on the event loop: ", e.what());
      } catch (...) {
        log::error("http: unhandled non-standard exception on the event loop");
      }
    }
  }

  void joinAll() {
    std::vector<std::thread> toJoin;
    {
      std::lock_guard<std::mutex> lock(mu);
      toJoin.swap(pool);
    }
    for (std::thread& t : toJoin) t.join();
  }

  const int threads;
  asio::io_context io;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;
  std::mutex mu;
  std::vector<std::thread> pool;  // threads created by run() or start()
};

IoContext::IoContext(int threads) : impl_(std::make_unique<Impl>(threads)) {}

IoContext::~IoContext() {
  stop();
  impl_->joinAll();
}

void IoContext::run() {
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    for (int i = 1; i < impl_->threads; ++i) impl_->pool.emplace_back([this] { impl_->runLoop(); });
  }
  impl_->runLoop();
  impl_->joinAll();
}

void IoContext::start() {
  std::lock_guard<std::mutex> lock(impl_->mu);
  for (int i = 0; i < impl_->threads; ++i) impl_->pool.emplace_back([this] { impl_->runLoop(); });
}

void IoContext::stop() {
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    impl_->work.reset();
  }
  impl_->io.stop();
}

void IoContext::post(std::function<void()> fn) { asio::post(impl_->io, std::move(fn)); }

void IoContext::after(int millis, std::function<void()> fn) {
  // The timer owns itself through its pending wait; the handler releases it.
  auto timer = std::make_shared<asio::steady_timer>(impl_->io, std::chrono::milliseconds(millis));
  timer->async_wait([timer, fn = std::move(fn)](const boost::system::error_code& ec) {
    if (!ec) fn();
  });
}

asio::io_context& IoContext::asio() { return impl_->io; }

}  // namespace edgeway::http
