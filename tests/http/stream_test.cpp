// Streamed (chunked) responses: the shape of a Kubernetes watch.

#include <gtest/gtest.h>

#include <condition_variable>
#include <deque>
#include <future>
#include <mutex>
#include <thread>
#include <vector>

#include "http/client.h"
#include "http/message.h"
#include "http/raw_connection.h"
#include "http/server.h"
#include "http/test_server.h"

namespace edgeway::http {
namespace {

using testing::get;
using testing::RawConnection;
using testing::ready;
using testing::TestServer;
using testing::text;

struct OpenStream {
  std::shared_ptr<Stream> stream;
  std::shared_future<void> closed;  // ready once onClosed has run
};

// Answers /watch with a stream that first says "hello", and hands the stream to the test;
// answers anything else with the caller's address.
class Watches {
 public:
  Handler handler() {
    return [this](Request&& request, std::shared_ptr<Exchange> exchange) {
      if (request.path() != "/watch") {
        exchange->respond(text(200, request.remoteAddress));
        return;
      }
      auto stream = exchange->startStream(
          200, {{"Content-Type", "application/json"}, {"X-Remote", request.remoteAddress}});
      auto closed = std::make_shared<std::promise<void>>();
      OpenStream open{stream, closed->get_future().share()};
      stream->onClosed([closed] { closed->set_value(); });
      stream->write("hello\n");
      std::lock_guard<std::mutex> lock(mu_);
      streams_.push_back(std::move(open));
      cv_.notify_all();
    };
  }

  OpenStream next() {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return !streams_.empty(); });
    OpenStream s = streams_.front();
    streams_.pop_front();
    return s;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<OpenStream> streams_;
};

bool closedInTime(const OpenStream& s) {
  return s.closed.wait_for(std::chrono::seconds(30)) == std::future_status::ready;
}

TEST(StreamTest, DeliversLinesWrittenFromAnotherThread) {
  Watches watches;
  TestServer server(watches.handler());
  std::thread producer([&] {
    OpenStream s = watches.next();
    for (int i = 0; i < 3; ++i) EXPECT_TRUE(s.stream->write("event " + std::to_string(i) + "\n"));
    EXPECT_TRUE(s.stream->write("split "));  // one line over two chunks
    EXPECT_TRUE(s.stream->write("line\r\n"));
    EXPECT_TRUE(s.stream->write("last, unterminated"));
    s.stream->close();
    EXPECT_TRUE(closedInTime(s));
    EXPECT_FALSE(s.stream->write("after close\n"));
  });

  Client client = server.client();
  std::vector<std::string> lines;
  auto r = client.stream(get("/watch"), [&](std::string_view line) {
    lines.emplace_back(line);
    return true;
  });
  producer.join();
  ASSERT_TRUE(r) << r.status().toString();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->header("transfer-encoding"), "chunked");
  EXPECT_EQ(r->header("content-type"), "application/json");
  EXPECT_EQ(lines, (std::vector<std::string>{"hello", "event 0", "event 1", "event 2", "split line",
                                             "last, unterminated"}));

  // A stream that ended properly leaves the connection usable.
  auto after = client.request(get("/who"));
  ASSERT_TRUE(after) << after.status().toString();
  EXPECT_EQ(after->body, r->header("x-remote"));
}

TEST(StreamTest, PeerDisconnectFiresOnClosed) {
  Watches watches;
  TestServer server(watches.handler());
  Client client = server.client();
  // Stop after the first line: the client drops the connection mid-stream.
  auto r = client.stream(get("/watch"), [](std::string_view) { return false; });
  ASSERT_TRUE(r) << r.status().toString();

  OpenStream s = watches.next();
  ASSERT_TRUE(closedInTime(s));
  EXPECT_FALSE(s.stream->write("nobody listens\n"));

  // A callback registered after the end still runs.
  std::promise<void> late;
  auto lateRan = late.get_future();
  s.stream->onClosed([&] { late.set_value(); });
  EXPECT_TRUE(ready(lateRan));
}

TEST(StreamTest, StopEndsOpenStreams) {
  Watches watches;
  TestServer server(watches.handler());
  std::promise<void> firstLine;
  auto gotFirstLine = firstLine.get_future();
  std::promise<Status> result;
  auto clientResult = result.get_future();
  std::thread reader([&] {
    Client client = server.client();
    bool first = true;
    auto r = client.stream(get("/watch"), [&](std::string_view) {
      if (first) firstLine.set_value();
      first = false;
      return true;
    });
    result.set_value(r.status());
  });

  ASSERT_TRUE(ready(gotFirstLine));
  OpenStream s = watches.next();
  server.server().stop();
  EXPECT_TRUE(closedInTime(s));
  EXPECT_FALSE(s.stream->write("too late\n"));
  ASSERT_TRUE(ready(clientResult));
  EXPECT_FALSE(clientResult.get().isOk()) << "a stream cut by stop() must not look complete";
  reader.join();
}

TEST(StreamTest, SlowConsumerIsCutOff) {
  ServerOptions options;
  options.maxStreamBufferBytes = 64 * 1024;
  Watches watches;
  TestServer server(watches.handler(), options);
  RawConnection raw(server.port());  // sends a request, then never reads
  ASSERT_TRUE(raw.connected());
  raw.send("GET /watch HTTP/1.1\r\nHost: t\r\n\r\n");

  OpenStream s = watches.next();
  const std::string chunk(16 * 1024, 'e');
  size_t written = 0;
  // The guard is far beyond what socket buffers can absorb.
  while (written < (size_t{1} << 30) && s.stream->write(chunk)) written += chunk.size();
  EXPECT_LT(written, size_t{1} << 30);
  EXPECT_TRUE(closedInTime(s));
}

TEST(StreamTest, ChunkedFramingOnTheWire) {
  Watches watches;
  TestServer server(watches.handler());
  RawConnection raw(server.port());
  ASSERT_TRUE(raw.connected());
  raw.send("GET /watch HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
  OpenStream s = watches.next();
  s.stream->write("bye\n");
  s.stream->write("");  // ignored: an empty chunk would end the body
  s.stream->close();
  std::string reply = raw.readAll();
  EXPECT_NE(reply.find("Transfer-Encoding: chunked\r\n"), std::string::npos) << reply;
  EXPECT_EQ(reply.find("Content-Length"), std::string::npos) << reply;
  const std::string body = "6\r\nhello\n\r\n4\r\nbye\n\r\n0\r\n\r\n";
  ASSERT_GE(reply.size(), body.size());
  EXPECT_EQ(reply.substr(reply.size() - body.size()), body);
}

TEST(StreamTest, Http10StreamIsUnframedAndEndsWithTheConnection) {
  Watches watches;
  TestServer server(watches.handler());
  RawConnection raw(server.port());
  ASSERT_TRUE(raw.connected());
  raw.send("GET /watch HTTP/1.0\r\n\r\n");
  OpenStream s = watches.next();
  s.stream->write("bye\n");
  s.stream->close();
  std::string reply = raw.readAll();
  EXPECT_EQ(reply.find("Transfer-Encoding"), std::string::npos) << reply;
  EXPECT_NE(reply.find("Connection: close\r\n"), std::string::npos) << reply;
  EXPECT_EQ(reply.substr(reply.size() - 10), "hello\nbye\n");
  EXPECT_TRUE(closedInTime(s));
}

}  // namespace
}  // namespace edgeway::http
