#pragma once
// An Asio byte stream over TLS: TlsConnection's non-blocking steps, driven by waiting on the
// TCP socket for readability or writability whenever mbedTLS asks for it. It is an Asio
// AsyncReadStream and AsyncWriteStream and has the overloads Session needs (see
// plain_stream.h), so Session<TlsStream<PlainSocket>> serves HTTPS unchanged, and the client
// speaks HTTPS over TlsStream<tcp::socket>.
//
// As with any Asio stream, at most one read and one write may be outstanding at a time;
// they may overlap (a Session reads while it streams a response). Both run on the socket's
// executor — the connection's strand — so mbedTLS is never entered concurrently.

#include <algorithm>
#include <boost/asio/async_result.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/socket_base.hpp>
#include <boost/beast/core/async_base.hpp>
#include <memory>
#include <string>
#include <utility>

#include "http/message.h"
#include "http/src/tls_connection.h"

namespace edgeway::http::detail {

template <class Socket>
class TlsStream {
 public:
  using executor_type = typename Socket::executor_type;
  using error_code = boost::system::error_code;

  TlsStream(Socket socket, std::unique_ptr<TlsConnection> connection)
      : socket_(std::move(socket)), connection_(std::move(connection)) {}

  executor_type get_executor() { return socket_.get_executor(); }
  Socket& socket() { return socket_; }
  TlsConnection& connection() { return *connection_; }

  template <class MutableBuffers, class Token>
  auto async_read_some(const MutableBuffers& buffers, Token&& token) {
    boost::asio::mutable_buffer target = firstNonEmpty<boost::asio::mutable_buffer>(buffers);
    return boost::asio::async_initiate<Token, void(error_code, std::size_t)>(
        [this, target](auto&& handler) {
          start<true>(std::forward<decltype(handler)>(handler),
                      [c = connection_.get(), target] { return c->read(target.data(), target.size()); });
        },
        token);
  }

  template <class ConstBuffers, class Token>
  auto async_write_some(const ConstBuffers& buffers, Token&& token) {
    boost::asio::const_buffer source = firstNonEmpty<boost::asio::const_buffer>(buffers);
    const std::size_t total = boost::asio::buffer_size(buffers);
    if (source.size() < kRecordBytes && source.size() < total) {
      // Many small buffers (a response head, a chunk and its framing) would each become a
      // TLS record with its own header and tag; gather them into one record instead.
      stage_.resize(std::min(total, kRecordBytes));
      boost::asio::buffer_copy(boost::asio::buffer(stage_), buffers);
      source = boost::asio::buffer(stage_);
    }
    return boost::asio::async_initiate<Token, void(error_code, std::size_t)>(
        [this, source](auto&& handler) {
          // mbedTLS may take part of the record and ask to be called again with the same bytes;
          // `source` stays valid until this operation completes.
          start<true>(std::forward<decltype(handler)>(handler),
                      [c = connection_.get(), source] { return c->write(source.data(), source.size()); });
        },
        token);
  }

  template <class Token>
  auto async_handshake(Token&& token) {
    return boost::asio::async_initiate<Token, void(error_code)>(
        [this](auto&& handler) {
          start<false>(std::forward<decltype(handler)>(handler),
                       [c = connection_.get()] { return c->handshake(); });
        },
        token);
  }

  // Sends close_notify; the TCP connection stays open.
  template <class Token>
  auto async_shutdown(Token&& token) {
    return boost::asio::async_initiate<Token, void(error_code)>(
        [this](auto&& handler) {
          start<false>(std::forward<decltype(handler)>(handler),
                       [c = connection_.get()] { return c->closeNotify(); });
        },
        token);
  }

  // Closes the socket at once; pending operations complete with operation_aborted.
  void close() {
    connection_->detach();  // the descriptor number may be reused as soon as it is closed
    error_code ignored;
    socket_.close(ignored);
  }

 private:
  static constexpr std::size_t kRecordBytes = 16 * 1024;  // TLS's largest record payload

  // One operation: call `step` until it finishes, waiting on the socket in between.
  template <class Handler, class Step, bool kWithBytes>
  class Op : public boost::beast::async_base<Handler, executor_type> {
   public:
    template <class H>
    Op(H&& handler, Socket& socket, Step step)
        : boost::beast::async_base<Handler, executor_type>(std::forward<H>(handler), socket.get_executor()),
          socket_(socket),
          step_(std::move(step)) {
      (*this)(error_code(), false);
    }

    void operator()(error_code ec, bool continuation = true) {
      std::size_t bytes = 0;
      if (!ec) {
        TlsConnection::Step s = step_();
        if (s.want == TlsConnection::Want::kRead) {
          return socket_.async_wait(boost::asio::socket_base::wait_read, std::move(*this));
        }
        if (s.want == TlsConnection::Want::kWrite) {
          return socket_.async_wait(boost::asio::socket_base::wait_write, std::move(*this));
        }
        ec = s.error;
        bytes = s.bytes;
      }
      // A step that finishes at once is not a continuation: async_base posts the handler,
      // which then never runs inside the initiating call.
      if constexpr (kWithBytes) {
        this->complete(continuation, ec, bytes);
      } else {
        this->complete(continuation, ec);
      }
    }

   private:
    Socket& socket_;
    Step step_;
  };

  template <bool kWithBytes, class Handler, class Step>
  void start(Handler&& handler, Step step) {
    Op<std::decay_t<Handler>, Step, kWithBytes>(std::forward<Handler>(handler), socket_, std::move(step));
  }

  // TLS reads and writes move one record at a time, so the first non-empty buffer is enough.
  template <class Buffer, class Buffers>
  static Buffer firstNonEmpty(const Buffers& buffers) {
    auto end = boost::asio::buffer_sequence_end(buffers);
    for (auto it = boost::asio::buffer_sequence_begin(buffers); it != end; ++it) {
      Buffer b(*it);
      if (b.size() > 0) return b;
    }
    return Buffer();
  }

  Socket socket_;
  std::unique_ptr<TlsConnection> connection_;
  std::string stage_;  // gathered bytes of the write in progress
};

// --- What Session needs beyond the stream concepts (see plain_stream.h). ---

template <class Socket, class Handler>
void asyncHandshake(TlsStream<Socket>& stream, Handler&& handler) {
  stream.async_handshake(std::forward<Handler>(handler));
}

// close_notify, then the TCP half-close: the peer learns that the response is complete and
// that nothing was cut off, while we keep reading what it still sends.
template <class Socket, class Handler>
void asyncShutdownSend(TlsStream<Socket>& stream, Handler&& handler) {
  stream.async_shutdown(
      [&stream, handler = std::forward<Handler>(handler)](boost::system::error_code ec) mutable {
        boost::system::error_code ignored;
        if (!ec) stream.socket().shutdown(boost::asio::socket_base::shutdown_send, ignored);
        handler(ec);
      });
}

template <class Socket>
void closeStream(TlsStream<Socket>& stream) {
  stream.close();
}

template <class Socket>
bool isTls(const TlsStream<Socket>&) {
  return true;
}

template <class Socket>
std::shared_ptr<const PeerCertificate> peerCertificate(TlsStream<Socket>& stream) {
  return stream.connection().peer();
}

}  // namespace edgeway::http::detail
