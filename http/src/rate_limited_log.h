#pragma once
// Log lines for events any client can cause at will (failed TLS handshakes, say): at most
// `burst` lines per window, so a scanner cannot flood the log. What is left out is counted
// and the count is appended to the first line logged in a later window. Thread-safe.

#include <chrono>
#include <cstddef>
#include <mutex>
#include <optional>
#include <string>

namespace edgeway::http::detail {

class RateLimitedLog {
 public:
  using Clock = std::chrono::steady_clock;

  RateLimitedLog(size_t burst, Clock::duration window) : burst_(burst), window_(window) {}

  // Logs `line` at info level unless this window's budget is spent.
  void info(const std::string& line);

  // What info() logs for an event at `now`: the line, with the number of events suppressed
  // before it appended, or nothing once the window's budget is spent.
  std::optional<std::string> admit(const std::string& line, Clock::time_point now);

 private:
  const size_t burst_;
  const Clock::duration window_;
  std::mutex mu_;
  std::optional<Clock::time_point> windowStart_;
  size_t logged_ = 0;      // in the current window
  size_t suppressed_ = 0;  // since the last line logged
};

}  // namespace edgeway::http::detail
