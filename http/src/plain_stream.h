#pragma once
// The byte stream of a plain-TCP connection and the few operations a Session needs beyond
// Asio's AsyncReadStream/AsyncWriteStream concepts. The TLS stream (tls_stream.h) supplies
// the same overloads (handshake before the first read, close_notify before the half-close,
// the client's certificate), and Session<TlsStream> then works unchanged.

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/strand.hpp>
#include <memory>

#include "http/message.h"

namespace edgeway::http::detail {

// Each accepted socket is bound to its own strand, which is the session's strand.
using PlainSocket =
    boost::asio::basic_stream_socket<boost::asio::ip::tcp,
                                     boost::asio::strand<boost::asio::io_context::executor_type>>;

// Completes at once: plain TCP has nothing to negotiate.
template <class Handler>
void asyncHandshake(PlainSocket&, Handler&& handler) {
  handler(boost::system::error_code());
}

// Half-closes the sending side so the peer sees the end of our output while we still drain
// what it sends (see Session::lingeringClose).
template <class Handler>
void asyncShutdownSend(PlainSocket& socket, Handler&& handler) {
  boost::system::error_code ec;
  socket.shutdown(boost::asio::ip::tcp::socket::shutdown_send, ec);
  handler(ec);
}

// Closes at once; pending operations complete with operation_aborted.
inline void closeStream(PlainSocket& socket) {
  boost::system::error_code ignored;
  socket.close(ignored);
}

inline bool isTls(const PlainSocket&) { return false; }

inline std::shared_ptr<const PeerCertificate> peerCertificate(PlainSocket&) { return nullptr; }

}  // namespace edgeway::http::detail
