#include "base/log.h"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>

namespace edgeway::log {
namespace {
std::atomic<Level> g_level{Level::kInfo};

const char* levelLetter(Level level) {
  switch (level) {
    case Level::kDebug: return "D";
    case Level::kInfo: return "I";
    case Level::kWarn: return "W";
    case Level::kError: return "E";
  }
  return "?";
}
}  // namespace

void setLevel(Level level) { g_level = level; }
bool enabled(Level level) { return level >= g_level.load(std::memory_order_relaxed); }

void write(Level level, const std::string& line) {
  auto now = std::chrono::system_clock::now();
  std::time_t secs = std::chrono::system_clock::to_time_t(now);
  auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%H:%M:%S", &tm);
  // One fprintf per line keeps lines whole when threads log at once.
  std::fprintf(stderr, "%s%s.%03d %s\n", levelLetter(level), stamp, static_cast<int>(millis), line.c_str());
}

}  // namespace edgeway::log
