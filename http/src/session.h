#pragma once
// One HTTP/1.1 connection: parse a request (with deadlines and size limits), hand it to the
// Handler, write its response or stream, and repeat while keep-alive holds. Everything
// below runs on the connection's strand (the executor of its byte stream); the Exchange and
// Stream objects handed to handlers reach it only by posting there.
//
// Templated on the byte stream so that TLS can reuse it: `Stream` must be an Asio
// AsyncReadStream + AsyncWriteStream and have the overloads listed in plain_stream.h
// (declared before this header is included, or found by argument-dependent lookup).
//
// Requests on a connection are answered in order because the next request is read only
// after the previous response has been written (pipelined bytes wait in the read buffer).

#include <atomic>
#include <boost/asio/error.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <cassert>
#include <chrono>
#include <cstdio>
#include <deque>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/log.h"
#include "http/message.h"
#include "http/src/response_head.h"
#include "http/src/server_shared.h"

namespace edgeway::http::detail {

template <class S>
class Session;

// The Stream handed to a handler. Thread-safe parts are atomics; the rest is touched only on
// the session's strand. It holds the session weakly: a producer that keeps a finished stream
// around must not keep the connection's buffers alive.
template <class S>
class SessionStream : public Stream, public std::enable_shared_from_this<SessionStream<S>> {
 public:
  using Executor = typename S::executor_type;

  SessionStream(std::weak_ptr<Session<S>> session, Executor strand, size_t maxBufferedBytes)
      : session_(std::move(session)), strand_(std::move(strand)), maxBufferedBytes_(maxBufferedBytes) {}

  bool write(std::string chunk) override {
    if (closed.load()) return false;
    if (chunk.empty()) return true;
    size_t buffered = pending.fetch_add(chunk.size()) + chunk.size();
    if (buffered > maxBufferedBytes_) {
      if (!closed.exchange(true)) {
        boost::asio::post(strand_, [self = this->shared_from_this()] {
          if (auto s = self->session_.lock()) s->streamAbort(*self);
          self->finish();
        });
      }
      return false;
    }
    boost::asio::post(strand_, [self = this->shared_from_this(), chunk = std::move(chunk)]() mutable {
      if (auto s = self->session_.lock()) {
        s->streamWrite(*self, std::move(chunk));
      } else {
        self->finish();
      }
    });
    return true;
  }

  void close() override {
    if (closed.exchange(true)) return;
    boost::asio::post(strand_, [self = this->shared_from_this()] {
      if (auto s = self->session_.lock()) {
        s->streamEnd(*self);
      } else {
        self->finish();
      }
    });
  }

  void onClosed(std::function<void()> fn) override {
    boost::asio::post(strand_, [self = this->shared_from_this(), fn = std::move(fn)]() mutable {
      if (self->finished_) {
        fn();
      } else {
        self->onClosed_ = std::move(fn);
      }
    });
  }

  // Strand only: the stream is over; runs the onClosed callback once.
  void finish() {
    closed.store(true);
    if (finished_) return;
    finished_ = true;
    auto fn = std::move(onClosed_);
    onClosed_ = nullptr;
    if (fn) fn();
  }

  std::atomic<size_t> pending{0};   // bytes accepted by write() and not yet sent
  std::atomic<bool> closed{false};  // write() refuses from now on

 private:
  const std::weak_ptr<Session<S>> session_;
  const Executor strand_;
  const size_t maxBufferedBytes_;
  bool finished_ = false;           // strand only
  std::function<void()> onClosed_;  // strand only
};

// The Exchange handed to a handler. It keeps the session alive until answered, and answers
// 500 itself if destroyed unanswered.
template <class S>
class SessionExchange : public Exchange {
 public:
  explicit SessionExchange(std::shared_ptr<Session<S>> session) : session_(std::move(session)) {}

  ~SessionExchange() override {
    if (answered_.exchange(true)) return;
    log::warn("http: handler for a request from ", session_->remoteAddress(),
              " did not respond; sending 500");
    Response response;
    response.status = 500;
    response.setHeader("Content-Type", "text/plain; charset=utf-8");
    response.body = "internal error: the request handler did not respond\n";
    boost::asio::post(session_->executor(),
                      [s = session_, r = std::move(response)]() mutable { s->writeResponse(std::move(r)); });
  }

  void respond(Response response) override {
    if (answered_.exchange(true)) {
      assert(!"Exchange answered twice");
      log::error("http: Exchange::respond after the exchange was answered; ignored");
      return;
    }
    boost::asio::post(session_->executor(),
                      [s = session_, r = std::move(response)]() mutable { s->writeResponse(std::move(r)); });
  }

  std::shared_ptr<Stream> startStream(int status, std::vector<Header> headers) override {
    auto stream = std::make_shared<SessionStream<S>>(session_, session_->executor(),
                                                     session_->options().maxStreamBufferBytes);
    if (answered_.exchange(true)) {
      assert(!"Exchange answered twice");
      log::error("http: Exchange::startStream after the exchange was answered; ignored");
      stream->closed.store(true);
      return stream;
    }
    boost::asio::post(session_->executor(), [s = session_, stream, status, h = std::move(headers)]() mutable {
      s->beginStream(std::move(stream), status, std::move(h));
    });
    return stream;
  }

 private:
  const std::shared_ptr<Session<S>> session_;
  std::atomic<bool> answered_{false};
};

template <class S>
class Session : public SessionBase, public std::enable_shared_from_this<Session<S>> {
 public:
  using Executor = typename S::executor_type;
  using error_code = boost::system::error_code;

  Session(std::shared_ptr<ServerShared> shared, S stream, std::string remoteAddress)
      : shared_(std::move(shared)),
        stream_(std::move(stream)),
        deadline_(stream_.get_executor()),
        remote_(std::move(remoteAddress)) {}

  ~Session() override {
    shared_->remove(this);
    // Only reachable with a live stream if the event loop was torn down under us; do not
    // run user callbacks from a destructor, but make the producer's next write() fail.
    if (activeStream_) activeStream_->closed.store(true);
  }

  Executor executor() { return stream_.get_executor(); }
  const std::string& remoteAddress() const { return remote_; }
  const ServerOptions& options() const { return shared_->options; }

  void start() {
    boost::asio::post(executor(), [self = this->shared_from_this()] {
      self->phase_ = Phase::kHandshake;
      self->armDeadline(self->options().handshakeTimeoutSeconds);
      asyncHandshake(self->stream_, [self](error_code ec) { self->onHandshake(ec); });
    });
  }

  void shutdown() override {
    boost::asio::post(executor(), [self = this->shared_from_this()] { self->closeNow(); });
  }

  // --- Called on the strand by SessionExchange / SessionStream. ---

  void writeResponse(Response response) {
    if (phase_ == Phase::kClosed) return;
    assert(phase_ == Phase::kHandling);
    if (boost::beast::iequals(response.header("Connection"), "close")) keepAlive_ = false;
    const int status = response.status;
    std::vector<Header> framing;
    if (status >= 200 && status != 204 && status != 304) {
      framing.push_back({"Content-Length", std::to_string(response.body.size())});
    }
    addConnectionHeader(framing);
    phase_ = Phase::kResponding;
    enqueue(serializeResponseHead(status, response.headers, framing));
    if (!headRequest_ && hasBody(status) && !response.body.empty()) enqueue(std::move(response.body));
    flush();
  }

  void beginStream(std::shared_ptr<SessionStream<S>> stream, int status, std::vector<Header> headers) {
    if (phase_ == Phase::kClosed) {
      stream->finish();
      return;
    }
    assert(phase_ == Phase::kHandling);
    if (headRequest_ || !hasBody(status)) {
      // Nothing may follow the head; answer as an empty response and end the stream now.
      stream->finish();
      Response empty;
      empty.status = status;
      empty.headers = std::move(headers);
      writeResponse(std::move(empty));
      return;
    }
    // HTTP/1.0 has no chunked encoding: the body ends when the connection does.
    streamChunked_ = !http10_;
    if (!streamChunked_) keepAlive_ = false;
    std::vector<Header> framing;
    if (streamChunked_) framing.push_back({"Transfer-Encoding", "chunked"});
    addConnectionHeader(framing);
    activeStream_ = std::move(stream);
    phase_ = Phase::kStreaming;
    // A watch may be quiet for minutes: no deadline. Liveness comes from the pending read,
    // which fails as soon as the peer goes away, and the buffered-bytes bound.
    disarmDeadline();
    enqueue(serializeResponseHead(status, headers, framing));
    flush();
    if (!readPending_) readRaw();
  }

  void streamWrite(SessionStream<S>& stream, std::string chunk) {
    if (phase_ != Phase::kStreaming || activeStream_.get() != &stream) {
      stream.pending.fetch_sub(chunk.size());  // a write that raced with the stream's end
      return;
    }
    const size_t n = chunk.size();
    if (streamChunked_) {
      char size[20];
      std::snprintf(size, sizeof size, "%zx\r\n", n);
      enqueue(size);
      enqueue(std::move(chunk), n);
      enqueue("\r\n");
    } else {
      enqueue(std::move(chunk), n);
    }
    flush();
  }

  void streamEnd(SessionStream<S>& stream) {
    if (phase_ != Phase::kStreaming || activeStream_.get() != &stream) return;
    phase_ = Phase::kStreamEnding;
    if (streamChunked_) enqueue("0\r\n\r\n");
    if (writing_ || !outQueue_.empty()) {
      flush();
    } else {
      onOutputDrained();
    }
  }

  // A slow consumer: the stream's unsent bytes passed their bound. The framing is cut short
  // on purpose so the client knows it missed data (a watch client then re-lists).
  void streamAbort(SessionStream<S>& stream) {
    if (activeStream_.get() != &stream) return;
    log::warn("http: closing stream to ", remote_, ": more than ", options().maxStreamBufferBytes,
              " bytes buffered (slow consumer)");
    closeNow();
  }

 private:
  enum class Phase {
    kHandshake,     // TLS handshake (plain TCP passes through at once)
    kReading,       // parsing a request
    kHandling,      // the handler owns the Exchange
    kResponding,    // writing a complete response
    kStreaming,     // writing a stream's chunks as they come
    kStreamEnding,  // stream closed by its producer; draining the queue and the terminator
    kAwaitingNext,  // stream over, keep-alive: waiting for the pending read to bring a request
    kLingering,     // response sent, send side shut; discarding input until the peer closes
    kClosed,
  };

  struct OutBytes {
    std::string bytes;
    size_t streamBytes = 0;  // stream payload in `bytes`, released from the bound once sent
  };

  // A client still sending a request we refused gets this long, and this much, to finish so
  // that it reads our error response instead of a connection reset.
  static constexpr int kLingerSeconds = 5;
  static constexpr size_t kLingerBytes = 16 * 1024 * 1024;

  static bool hasBody(int status) { return status >= 200 && status != 204 && status != 304; }

  void addConnectionHeader(std::vector<Header>& framing) const {
    if (!keepAlive_) {
      framing.push_back({"Connection", "close"});
    } else if (http10_) {
      framing.push_back({"Connection", "keep-alive"});
    }
  }

  void onHandshake(error_code ec) {
    if (phase_ == Phase::kClosed) return;  // the deadline expired or the server stopped
    if (ec) {
      // A client that connects and leaves without a word (a port probe, a TCP health check)
      // is not worth a line; anything else is a refused client someone may be debugging.
      if (ec == boost::asio::error::eof) {
        log::debug("http: ", remote_, " closed the connection before the handshake");
      } else {
        shared_->refusals.info("http: TLS handshake with " + remote_ + " failed: " + ec.message());
      }
      return closeNow();
    }
    readRequest();
  }

  // --- Reading requests ---

  void readRequest() {
    phase_ = Phase::kReading;
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(std::min<size_t>(options().maxHeaderBytes, UINT32_MAX)));
    parser_->body_limit(static_cast<std::uint64_t>(options().maxBodyBytes));
    // A connection's first request may take readTimeout; later ones idleTimeout, which also
    // bounds how long an idle keep-alive connection is kept.
    armDeadline(requestsRead_ == 0 ? options().readTimeoutSeconds : options().idleTimeoutSeconds);
    readPending_ = true;
    boost::beast::http::async_read_header(
        stream_, buffer_, *parser_,
        [self = this->shared_from_this()](error_code ec, size_t) { self->onHeader(ec); });
  }

  void onHeader(error_code ec) {
    readPending_ = false;
    if (phase_ == Phase::kClosed) return;
    if (ec) return failRead(ec);
    if (parser_->is_done()) return onRequest();
    const auto& head = parser_->get();
    if (head.version() >= 11 &&
        boost::beast::iequals(head[boost::beast::http::field::expect], "100-continue")) {
      // The client waits for this before sending the body (curl does for large bodies).
      enqueue("HTTP/1.1 100 Continue\r\n\r\n");
      flush();
    }
    armDeadline(options().readTimeoutSeconds);
    readPending_ = true;
    boost::beast::http::async_read(stream_, buffer_, *parser_,
                                   [self = this->shared_from_this()](error_code ec, size_t) {
                                     self->readPending_ = false;
                                     if (self->phase_ == Phase::kClosed) return;
                                     if (ec) return self->failRead(ec);
                                     self->onRequest();
                                   });
  }

  void failRead(error_code ec) {
    namespace bhttp = boost::beast::http;
    if (ec == bhttp::error::end_of_stream || ec == bhttp::error::partial_message) {
      closeNow();  // the peer went away or stalled; nobody to answer
    } else if (ec == bhttp::error::header_limit) {
      sendError(431, "request header fields too large\n");
    } else if (ec == bhttp::error::body_limit) {
      sendError(413, "request body too large (limit " + std::to_string(options().maxBodyBytes) + " bytes)\n");
    } else if (ec.category() == bhttp::make_error_code(bhttp::error::bad_method).category()) {
      log::debug("http: malformed request from ", remote_, ": ", ec.message());
      sendError(400, "malformed HTTP request: " + ec.message() + "\n");
    } else {
      closeNow();  // a socket error
    }
  }

  void sendError(int status, std::string text) {
    disarmDeadline();
    parser_.reset();
    keepAlive_ = false;  // the rest of the input cannot be trusted to start a request
    headRequest_ = false;
    http10_ = false;
    phase_ = Phase::kHandling;
    Response response;
    response.status = status;
    response.setHeader("Content-Type", "text/plain; charset=utf-8");
    response.body = std::move(text);
    writeResponse(std::move(response));
  }

  void onRequest() {
    disarmDeadline();
    ++requestsRead_;
    auto& message = parser_->get();
    keepAlive_ = parser_->keep_alive();
    http10_ = message.version() < 11;
    headRequest_ = message.method() == boost::beast::http::verb::head;
    Request request;
    request.method = std::string(message.method_string());
    request.target = std::string(message.target());
    for (const auto& field : message) {
      request.headers.push_back({std::string(field.name_string()), std::string(field.value())});
    }
    request.body = std::move(message.body());
    request.remoteAddress = remote_;
    request.tls = isTls(stream_);
    request.peer = peerCertificate(stream_);
    parser_.reset();
    phase_ = Phase::kHandling;
    auto exchange = std::make_shared<SessionExchange<S>>(this->shared_from_this());
    try {
      shared_->handler(std::move(request), std::move(exchange));
    } catch (const std::exception& e) {
      // The Exchange, if still unanswered, answers 500 as it unwinds.
      log::error("http: request handler threw: ", e.what());
    }
  }

  // Reads raw bytes while no request is being parsed: during a stream (to notice the peer
  // leaving), after a stream (to learn that the next request has arrived) and while
  // lingering. Bytes are kept in buffer_, where the next parser will find them.
  void readRaw() {
    readPending_ = true;
    stream_.async_read_some(
        buffer_.prepare(16 * 1024),
        [self = this->shared_from_this()](error_code ec, size_t n) { self->onRawRead(ec, n); });
  }

  void onRawRead(error_code ec, size_t n) {
    readPending_ = false;
    buffer_.commit(n);
    if (phase_ == Phase::kClosed) return;
    if (ec) return closeNow();  // peer gone: this is how a stream learns its client left
    switch (phase_) {
      case Phase::kLingering:
        lingered_ += buffer_.size();
        buffer_.clear();
        if (lingered_ > kLingerBytes) return closeNow();
        return readRaw();
      case Phase::kStreaming:
      case Phase::kStreamEnding:
        // A well-behaved client sends nothing while reading a stream, except perhaps its next
        // request; more than a header's worth is not that.
        if (buffer_.size() > options().maxHeaderBytes) {
          log::debug("http: ", remote_, " sent too much during a stream; closing");
          return closeNow();
        }
        return readRaw();
      case Phase::kAwaitingNext:
        return readRequest();
      default:
        assert(!"raw read completed in an unexpected phase");
        return closeNow();
    }
  }

  // --- Writing ---

  void enqueue(std::string bytes, size_t streamBytes = 0) {
    outQueue_.push_back({std::move(bytes), streamBytes});
  }

  // Sends everything queued in one gather write; more is picked up when it completes.
  void flush() {
    if (writing_ || outQueue_.empty() || phase_ == Phase::kClosed) return;
    writing_ = true;
    inflight_.clear();
    while (!outQueue_.empty()) {
      inflight_.push_back(std::move(outQueue_.front()));
      outQueue_.pop_front();
    }
    buffers_.clear();
    for (const OutBytes& out : inflight_) buffers_.push_back(boost::asio::buffer(out.bytes));
    // A client that stops reading a normal response must not hold the connection forever;
    // streams are bounded by their buffer instead (see beginStream).
    if (phase_ == Phase::kResponding) armDeadline(options().writeTimeoutSeconds);
    boost::asio::async_write(
        stream_, buffers_, [self = this->shared_from_this()](error_code ec, size_t) { self->onWritten(ec); });
  }

  void onWritten(error_code ec) {
    writing_ = false;
    size_t streamBytes = 0;
    for (const OutBytes& out : inflight_) streamBytes += out.streamBytes;
    inflight_.clear();
    if (activeStream_ && streamBytes > 0) activeStream_->pending.fetch_sub(streamBytes);
    if (phase_ == Phase::kClosed) return;
    if (ec) return closeNow();
    if (!outQueue_.empty()) return flush();
    onOutputDrained();
  }

  void onOutputDrained() {
    if (phase_ == Phase::kResponding) {
      disarmDeadline();
      finishExchange();
    } else if (phase_ == Phase::kStreamEnding) {
      auto stream = std::move(activeStream_);
      stream->finish();
      finishExchange();
    }
  }

  // The response is out: go on to the next request, or close.
  void finishExchange() {
    if (!keepAlive_) return lingeringClose();
    if (readPending_) {
      // The read started for the stream is still out; it completes with the next request.
      phase_ = Phase::kAwaitingNext;
      armDeadline(options().idleTimeoutSeconds);
    } else {
      readRequest();
    }
  }

  // Closing a socket that still has unread input makes the kernel send a reset, which can
  // destroy the response we just sent before the client reads it. So: shut our sending
  // side, discard input for a bounded time, then close.
  void lingeringClose() {
    phase_ = Phase::kLingering;
    lingered_ = 0;
    armDeadline(kLingerSeconds);
    asyncShutdownSend(stream_, [self = this->shared_from_this()](error_code ec) {
      if (ec) return self->closeNow();
      self->buffer_.clear();
      if (!self->readPending_) self->readRaw();
    });
  }

  void closeNow() {
    if (phase_ == Phase::kClosed) return;
    phase_ = Phase::kClosed;
    disarmDeadline();
    closeStream(stream_);
    outQueue_.clear();
    parser_.reset();
    shared_->remove(this);
    if (activeStream_) {
      auto stream = std::move(activeStream_);
      stream->finish();
    }
  }

  // --- Deadline: one timer, re-armed per phase; expiry closes the connection. ---

  void armDeadline(int seconds) {
    ++deadlineGeneration_;
    if (seconds <= 0) {
      deadline_.cancel();
      return;
    }
    deadline_.expires_after(std::chrono::seconds(seconds));
    deadline_.async_wait([self = this->shared_from_this(), generation = deadlineGeneration_](error_code ec) {
      // A stale expiry (the timer fired just before being re-armed) is ignored.
      if (ec || generation != self->deadlineGeneration_ || self->phase_ == Phase::kClosed) return;
      if (self->phase_ == Phase::kHandshake) {
        self->shared_->refusals.info("http: TLS handshake with " + self->remote_ + " not finished within " +
                                     std::to_string(self->options().handshakeTimeoutSeconds) + " s; closing");
      } else {
        log::debug("http: connection from ", self->remote_, " timed out");
      }
      self->closeNow();
    });
  }

  void disarmDeadline() {
    ++deadlineGeneration_;
    deadline_.cancel();
  }

  const std::shared_ptr<ServerShared> shared_;
  S stream_;
  boost::asio::steady_timer deadline_;
  const std::string remote_;

  Phase phase_ = Phase::kReading;
  boost::beast::flat_buffer buffer_;
  std::optional<boost::beast::http::request_parser<boost::beast::http::string_body>> parser_;
  bool readPending_ = false;
  size_t requestsRead_ = 0;
  size_t lingered_ = 0;
  unsigned deadlineGeneration_ = 0;

  // The current request's properties that shape its response.
  bool keepAlive_ = false;
  bool http10_ = false;
  bool headRequest_ = false;

  std::deque<OutBytes> outQueue_;
  std::vector<OutBytes> inflight_;  // owned until the write that references them completes
  std::vector<boost::asio::const_buffer> buffers_;
  bool writing_ = false;

  std::shared_ptr<SessionStream<S>> activeStream_;
  bool streamChunked_ = true;
};

}  // namespace edgeway::http::detail
