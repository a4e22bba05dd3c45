#pragma once
// A plain TCP connection for tests that must send bytes no well-behaved client would
// (malformed requests, pipelining, HTTP/1.0) or must not read (a slow consumer).

#include <cstdint>
#include <string>
#include <string_view>

namespace edgeway::http::testing {

class RawConnection {
 public:
  // Connects to 127.0.0.1:port; receives give up after 30 s so a broken server fails the
  // test instead of hanging it.
  explicit RawConnection(uint16_t port);
  ~RawConnection();
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  bool connected() const { return fd_ >= 0; }
  bool send(std::string_view bytes);
  // Reads until the peer closes (or an error or the guard timeout); returns all bytes read.
  std::string readAll();
  // Reads until the received bytes contain `marker`; returns everything received so far.
  std::string readUntil(std::string_view marker);

 private:
  int fd_ = -1;
  std::string received_;
};

}  // namespace edgeway::http::testing
