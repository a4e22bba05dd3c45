#include "http/client.h"

#include <sys/socket.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <cassert>
#include <cerrno>
#include <chrono>
#include <optional>

#include "http/src/tls_connection.h"
#include "http/src/tls_stream.h"
#include "http/tls_context.h"

namespace edgeway::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;
using TlsSocket = detail::TlsStream<tcp::socket>;

// The client's calls block, but are built from async operations on a private io_context:
// Asio's synchronous socket calls cannot time out, and a test or a watch must not hang on a
// server that stopped answering.
struct Client::Impl {
  ClientOptions options;
  std::string host;
  uint16_t port = 0;
  tcp::resolver::results_type endpoints;
  asio::io_context io;
  // The connection: TLS over TCP when options.tls is set, else plain TCP; neither while
  // disconnected.
  std::optional<tcp::socket> plain;
  std::optional<TlsSocket> tls;
  beast::flat_buffer buffer;
  bool reused = false;  // the connection has carried a complete response

  std::string where() const { return host + ":" + std::to_string(port); }

  std::string hostHeader() const {
    bool v6 = host.find(':') != std::string::npos;
    return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
  }

  bool connected() const { return plain || tls; }
  tcp::socket& socket() { return tls ? tls->socket() : *plain; }

  // Calls fn with the connection's byte stream, whichever kind it is.
  template <class Fn>
  void withStream(Fn&& fn) {
    if (tls) {
      fn(*tls);
    } else {
      fn(*plain);
    }
  }

  // Runs one async operation to completion with a deadline (none when seconds <= 0). At the
  // deadline the connection is closed, which ends the operation: a cancel would not stop a
  // range connect from moving on to the next address.
  template <class Initiate>
  error_code run(int seconds, Initiate&& initiate) {
    asio::steady_timer deadline(io);
    bool expired = false;
    if (seconds > 0) {
      deadline.expires_after(std::chrono::seconds(seconds));
      deadline.async_wait([&](error_code ec) {
        if (ec) return;
        expired = true;
        closeSocket();
      });
    }
    std::optional<error_code> result;
    initiate([&](error_code ec, auto&&...) {
      result = ec;
      deadline.cancel();
    });
    io.restart();
    io.run();
    assert(result.has_value());
    if (expired && *result) return beast::error::timeout;
    return *result;
  }

  void closeSocket() {
    error_code ignored;
    if (tls) tls->close();
    if (plain) plain->close(ignored);
  }

  Status ioError(const std::string& what, error_code ec) const {
    if (ec == beast::error::timeout) return unavailable(what + " " + where() + ": timed out");
    if (ec == bhttp::error::body_limit)
      return resourceExhausted(what + " " + where() + ": response too large");
    return unavailable(what + " " + where() + ": " + ec.message());
  }

  Status open() {
    disconnect();
    plain.emplace(io);
    error_code ec = run(options.timeoutSeconds,
                        [&](auto handler) { asio::async_connect(*plain, endpoints, std::move(handler)); });
    if (ec) {
      disconnect();
      return ioError("connect to", ec);
    }
    plain->set_option(tcp::no_delay(true), ec);
    if (!options.tls) return Status::ok();

    auto connection = detail::TlsConnection::create(options.tls, plain->native_handle(), host);
    if (!connection) {
      disconnect();
      return connection.status();
    }
    tls.emplace(std::move(*plain), std::move(connection).value());
    plain.reset();
    ec = run(options.timeoutSeconds, [&](auto handler) { tls->async_handshake(std::move(handler)); });
    if (ec) {
      disconnect();
      return ioError("TLS handshake with", ec);
    }
    return Status::ok();
  }

  // `clean`: between messages, so a TLS connection can end with close_notify (best effort,
  // without waiting) and the server sees a deliberate close rather than a truncation.
  void disconnect(bool clean = false) {
    if (tls && clean) tls->connection().closeNotify();
    closeSocket();
    tls.reset();
    plain.reset();
    buffer.clear();
    reused = false;
  }

  // A keep-alive connection the server has since closed reads as end-of-file; checking
  // before sending avoids most failed requests on stale connections. On TLS, bytes waiting
  // on an idle connection can only be the server's close_notify (or an alert): closed too.
  bool peerClosed() {
    char byte;
    ssize_t n = ::recv(socket().native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    if (n > 0) return tls.has_value();
    return n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK);
  }

  Status ensureConnected() {
    if (connected() && !peerClosed()) return Status::ok();
    return open();
  }

  error_code write(const Request& request) {
    bhttp::request<bhttp::string_body> message;
    message.version(11);
    message.method_string(request.method);
    message.target(request.target);
    for (const Header& h : request.headers) message.insert(h.name, h.value);
    if (message.find(bhttp::field::host) == message.end()) message.set(bhttp::field::host, hostHeader());
    message.body() = request.body;
    message.prepare_payload();
    return run(options.timeoutSeconds, [&](auto handler) {
      withStream([&](auto& stream) { bhttp::async_write(stream, message, std::move(handler)); });
    });
  }

  Status send(const Request& request) {
    if (error_code ec = write(request)) {
      disconnect();
      return ioError("send request to", ec);
    }
    return Status::ok();
  }

  template <class Body>
  static Response head(const bhttp::response<Body>& message) {
    Response response;
    response.status = static_cast<int>(message.result_int());
    for (const auto& field : message) {
      response.headers.push_back({std::string(field.name_string()), std::string(field.value())});
    }
    return response;
  }

  Result<Response> requestOnce(const Request& request, bool* gotResponseBytes) {
    const error_code sendError = write(request);
    if (sendError == beast::error::timeout) {
      disconnect();
      return ioError("send request to", sendError);
    }
    // Even when sending failed, the server may have answered early before closing (413 for
    // a body it refused): read what it sent.
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(options.maxResponseBytes);
    if (request.method == "HEAD") parser.skip(true);
    error_code ec = run(options.timeoutSeconds, [&](auto handler) {
      withStream([&](auto& stream) { bhttp::async_read(stream, buffer, parser, std::move(handler)); });
    });
    *gotResponseBytes = parser.got_some();
    if (ec) {
      disconnect();
      return sendError ? ioError("send request to", sendError) : ioError("read response from", ec);
    }
    Response response = head(parser.get());
    response.body = std::move(parser.get().body());
    finishMessage(parser.keep_alive() && !sendError);
    return response;
  }

  void finishMessage(bool keepAlive) {
    if (keepAlive) {
      reused = true;
    } else {
      disconnect(true);
    }
  }

  // Reads the rest of a buffer_body message, handing each piece of body to `sink`; stops
  // early (returning ok) when sink returns false.
  template <class Sink>
  Status readBody(bhttp::response_parser<bhttp::buffer_body>& parser, int seconds, Sink&& sink) {
    char piece[64 * 1024];
    while (!parser.is_done()) {
      parser.get().body().data = piece;
      parser.get().body().size = sizeof piece;
      error_code ec = run(seconds, [&](auto handler) {
        withStream([&](auto& stream) { bhttp::async_read_some(stream, buffer, parser, std::move(handler)); });
      });
      if (ec == bhttp::error::need_buffer) ec = {};  // `piece` is full; not an error
      if (ec) {
        disconnect();
        return ioError("read response from", ec);
      }
      size_t n = sizeof piece - parser.get().body().size;
      if (n > 0 && !sink(std::string_view(piece, n))) return Status::ok();
    }
    return Status::ok();
  }
};

Client::Client(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Client::Client(Client&&) noexcept = default;
Client& Client::operator=(Client&&) noexcept = default;
Client::~Client() = default;

Result<Client> Client::connect(std::string host, uint16_t port, ClientOptions options) {
  if (options.tls && options.tls->isServer()) {
    return invalidArgument("http client: the TLS context is a server's, not a client's");
  }
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  impl->host = std::move(host);
  impl->port = port;
  tcp::resolver resolver(impl->io);
  error_code ec;
  impl->endpoints = resolver.resolve(impl->host, std::to_string(port), ec);
  if (ec) return unavailable("resolve " + impl->host + ": " + ec.message());
  if (Status s = impl->open(); !s) return s;
  return Client(std::move(impl));
}

Result<Response> Client::request(const Request& request) {
  const std::string& m = request.method;
  const bool idempotent = m == "GET" || m == "HEAD" || m == "PUT" || m == "DELETE" || m == "OPTIONS";
  for (int attempt = 0;; ++attempt) {
    if (Status s = impl_->ensureConnected(); !s) return s;
    const bool reused = impl_->reused;
    bool gotResponseBytes = false;
    Result<Response> result = impl_->requestOnce(request, &gotResponseBytes);
    if (result || attempt > 0 || !reused || gotResponseBytes || !idempotent) return result;
  }
}

Result<Response> Client::stream(const Request& request, const std::function<bool(std::string_view)>& onLine) {
  Impl& c = *impl_;
  if (Status s = c.ensureConnected(); !s) return s;
  if (Status s = c.send(request); !s) return s;
  bhttp::response_parser<bhttp::buffer_body> parser;
  parser.body_limit(boost::none);  // a watch has no end; lines are bounded below instead
  error_code ec = c.run(c.options.timeoutSeconds, [&](auto handler) {
    c.withStream(
        [&](auto& stream) { bhttp::async_read_header(stream, c.buffer, parser, std::move(handler)); });
  });
  if (ec) {
    c.disconnect();
    return c.ioError("read response from", ec);
  }
  Response response = Impl::head(parser.get());

  if (response.status < 200 || response.status > 299) {
    Status s = c.readBody(parser, c.options.timeoutSeconds, [&](std::string_view piece) {
      response.body.append(piece);
      return response.body.size() <= c.options.maxResponseBytes;
    });
    if (!s) return s;
    if (!parser.is_done()) {
      c.disconnect();
      return resourceExhausted("read response from " + c.where() + ": response too large");
    }
    c.finishMessage(parser.keep_alive());
    return response;
  }

  std::string partial;  // bytes of a line not yet complete
  bool stopped = false;
  bool tooLong = false;
  Status s = c.readBody(parser, c.options.streamIdleTimeoutSeconds, [&](std::string_view piece) {
    partial.append(piece);
    size_t start = 0;
    for (size_t nl; (nl = partial.find('\n', start)) != std::string::npos; start = nl + 1) {
      std::string_view line(partial.data() + start, nl - start);
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      if (!onLine(line)) {
        stopped = true;
        return false;
      }
    }
    partial.erase(0, start);
    tooLong = partial.size() > c.options.maxResponseBytes;
    return !tooLong;
  });
  if (!s) return s;
  if (stopped || tooLong) {
    c.disconnect();  // mid-body: the connection cannot carry another request
    if (tooLong) return resourceExhausted("stream from " + c.where() + ": line too long");
    return response;
  }
  if (!partial.empty()) onLine(partial);
  c.finishMessage(parser.keep_alive());
  return response;
}

}  // namespace edgeway::http
