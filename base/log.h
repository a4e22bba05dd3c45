#pragma once
// Minimal leveled logging to stderr: one line per call, safe from any thread.

#include <sstream>
#include <string>

namespace edgeway::log {

enum class Level { kDebug, kInfo, kWarn, kError };

void setLevel(Level level);
bool enabled(Level level);
void write(Level level, const std::string& line);

namespace detail {
template <typename... Args>
void emit(Level level, const Args&... args) {
  if (!enabled(level)) return;
  std::ostringstream out;
  (out << ... << args);
  write(level, out.str());
}
}  // namespace detail

template <typename... Args> void debug(const Args&... a) { detail::emit(Level::kDebug, a...); }
template <typename... Args> void info(const Args&... a) { detail::emit(Level::kInfo, a...); }
template <typename... Args> void warn(const Args&... a) { detail::emit(Level::kWarn, a...); }
template <typename... Args> void error(const Args&... a) { detail::emit(Level::kError, a...); }

}  // namespace edgeway::log
