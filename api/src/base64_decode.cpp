#include "api/src/base64_decode.h"

#include <cstdint>

namespace edgeway::api::detail {
namespace {

int sextet(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

}  // namespace

std::optional<std::string> base64Decode(std::string_view text) {
  std::string out;
  out.reserve(text.size() / 4 * 3);
  uint32_t group = 0;
  int count = 0;    // sextets in `group`
  int padding = 0;  // '=' seen; only more '=' (or line breaks) may follow
  for (char c : text) {
    if (c == '\r' || c == '\n') continue;
    if (c == '=') {
      ++padding;
      continue;
    }
    int v = sextet(c);
    if (v < 0 || padding > 0) return std::nullopt;
    group = (group << 6) | static_cast<uint32_t>(v);
    if (++count == 4) {
      out += static_cast<char>(group >> 16);
      out += static_cast<char>(group >> 8);
      out += static_cast<char>(group);
      group = 0;
      count = 0;
    }
  }
  // A final group of 2 or 3 sextets carries 1 or 2 bytes and must be padded to 4.
  if (count == 0) return padding == 0 ? std::optional(out) : std::nullopt;
  if (count == 1 || count + padding != 4) return std::nullopt;
  if (count == 2) {
    out += static_cast<char>(group >> 4);
  } else {
    out += static_cast<char>(group >> 10);
    out += static_cast<char>(group >> 2);
  }
  return out;
}

}  // namespace edgeway::api::detail
