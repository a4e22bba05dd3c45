#include "http/src/rate_limited_log.h"

#include "base/log.h"

namespace edgeway::http::detail {

void RateLimitedLog::info(const std::string& line) {
  if (!log::enabled(log::Level::kInfo)) return;
  if (auto admitted = admit(line, Clock::now())) log::info(*admitted);
}

std::optional<std::string> RateLimitedLog::admit(const std::string& line, Clock::time_point now) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!windowStart_ || now - *windowStart_ >= window_) {
    windowStart_ = now;
    logged_ = 0;
  }
  if (logged_ >= burst_) {
    ++suppressed_;
    return std::nullopt;
  }
  ++logged_;
  if (suppressed_ == 0) return line;
  std::string out = line + " (" + std::to_string(suppressed_) + " similar events before it were not logged)";
  suppressed_ = 0;
  return out;
}

}  // namespace edgeway::http::detail
