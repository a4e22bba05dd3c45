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

// Case-insensitive comparison of header names (ASCII only, as HTTP field names are).
bool headerNameEquals(std::string_view a, std::string_view b);

// The client certificate of a TLS connection, verified against the server's client CA.
struct PeerCertificate {
  std::string commonName;                  // subject CN: the user name
  std::vector<std::string> organizations;  // subject O values: the groups
};

struct Request {
  std::string method;  // "GET", "POST", ...
  std::string target;  // raw request target, e.g. "/api/v1/services?limit=500"
  std::vector<Header> headers;
  std::string body;
  std::string remoteAddress;  // "1.2.3.4:5678" or "[::1]:5678"; empty on the client side
  bool tls = false;           // arrived over TLS
  // The verified client certificate; null on plain connections or when none was sent.
  std::shared_ptr<const PeerCertificate> peer;

  // Case-insensitive header lookup; the first value, empty when absent.
  std::string_view header(std::string_view name) const;
  // Path part of the target, percent-decoding left to the caller (see http/query.h).
  std::string_view path() const;
  // Query part (after '?'), empty when absent.
  std::string_view query() const;
};

struct Response {
  int status = 200;
  std::vector<Header> headers;
  std::string body;

  // Case-insensitive header lookup; the first value, empty when absent.
  std::string_view header(std::string_view name) const;
  // Replaces every header of that name (case-insensitive) with one.
  void setHeader(std::string name, std::string value);
};

// A long-lived streamed response (chunked transfer encoding), e.g. a watch.
// Thread-safe: write() and close() may be called from any thread; they are posted to the
// connection's strand and sent in call order. write() returns false once the stream is over:
// closed by close(), the peer gone, the server stopped, or more than the server's
// maxStreamBufferBytes written but not yet sent (a slow consumer; the connection is then
// cut without the terminating chunk, so the client sees a truncated stream rather than a
// silently incomplete one). The producer should stop producing when it sees false.
class Stream {
 public:
  virtual ~Stream() = default;
  // Sends `chunk` as one chunk; an empty chunk is ignored (it would end the framing).
  virtual bool write(std::string chunk) = 0;
  // Ends the stream after everything written so far has been sent.
  virtual void close() = 0;
  // Runs fn once, on the connection's strand, when the stream is over for any reason. If it
  // is already over, fn still runs (posted). A later call replaces an earlier, unrun fn.
  virtual void onClosed(std::function<void()> fn) = 0;
};

// One request's reply channel. Exactly one of respond() or startStream() must be called,
// from any thread, at any later time; the connection stays open until then. An Exchange
// destroyed without either answers 500, so a handler that forgets (or throws) cannot hang
// the client. Responses on one connection go out in request order.
class Exchange {
 public:
  virtual ~Exchange() = default;
  // Content-Length, Transfer-Encoding and Connection are set by the server.
  virtual void respond(Response response) = 0;
  virtual std::shared_ptr<Stream> startStream(int status, std::vector<Header> headers) = 0;
};

using Handler = std::function<void(Request&&, std::shared_ptr<Exchange>)>;

}  // namespace edgeway::http
