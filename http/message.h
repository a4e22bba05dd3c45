#pragma once
// Transport-neutral HTTP messages, so request handlers know nothing about sockets and can
// be unit-tested as request -> response.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace edgeway::http {

struct Header {
  std::string name;
  std::string value;
};

struct Request {
  std::string method;   // "GET", "POST", ...
  std::string target;   // raw request target, e.g. "/api/v1/services?limit=500"
  std::vector<Header> headers;
  std::string body;
  std::string remoteAddress;

  // Case-insensitive header lookup; empty when absent.
  std::string_view header(std::string_view name) const;
  // Path part of the target, percent-decoding left to the caller.
  std::string_view path() const;
  // Query part (after '?'), empty when absent.
  std::string_view query() const;
};

struct Response {
  int status = 200;
  std::vector<Header> headers;
  std::string body;

  void setHeader(std::string name, std::string value);
};

// A long-lived streamed response (chunked transfer encoding), e.g. a watch.
// Thread-safe: write() and close() may be called from any thread; they are posted to the
// connection's strand. write() returns false once the peer is gone or the stream's buffered
// bytes exceed its bound; the producer should then stop producing.
class Stream {
 public:
  virtual ~Stream() = default;
  virtual bool write(std::string chunk) = 0;
  virtual void close() = 0;
  // Runs once when the connection closes or the stream ends (on the connection's strand).
  virtual void onClosed(std::function<void()> fn) = 0;
};

// One request's reply channel. Exactly one of respond() or startStream() must be called,
// from any thread, at any later time (the session stays alive until then).
class Exchange {
 public:
  virtual ~Exchange() = default;
  virtual void respond(Response response) = 0;
  virtual std::shared_ptr<Stream> startStream(int status, std::vector<Header> headers) = 0;
};

using Handler = std::function<void(Request&&, std::shared_ptr<Exchange>)>;

}  // namespace edgeway::http
