#include "http/io_context.h"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <stdexcept>
#include <thread>

#include "http/test_server.h"

namespace edgeway::http {
namespace {

using testing::ready;

TEST(IoContextTest, PostRunsOnThePool) {
  IoContext io(2);
  io.start();
  std::promise<std::thread::id> ran;
  auto f = ran.get_future();
  io.post([&] { ran.set_value(std::this_thread::get_id()); });
  ASSERT_TRUE(ready(f));
  EXPECT_NE(f.get(), std::this_thread::get_id());
}

TEST(IoContextTest, AfterRunsTheFunctionLater) {
  IoContext io(1);
  io.start();
  std::promise<void> ran;
  auto f = ran.get_future();
  io.after(5, [&] { ran.set_value(); });
  EXPECT_TRUE(ready(f));
}

TEST(IoContextTest, RunReturnsAfterStop) {
  IoContext io(3);
  std::atomic<int> ran{0};
  std::thread runner([&] { io.run(); });
  io.post([&] {
    ++ran;
    io.stop();  // from a pool thread
  });
  runner.join();
  EXPECT_EQ(ran.load(), 1);
}

TEST(IoContextTest, ThrowingHandlerDoesNotStopThePool) {
  IoContext io(1);
  io.start();
  std::promise<void> ran;
  auto f = ran.get_future();
  io.post([] { throw std::runtime_error("boom"); });
  io.post([&] { ran.set_value(); });
  EXPECT_TRUE(ready(f));
}

}  // namespace
}  // namespace edgeway::http
