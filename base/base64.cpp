#include "base/base64.h"

#include <cstdint>

namespace edgeway::base64 {
namespace {

constexpr char kStandard[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr char kUrl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

std::string encodeWith(std::string_view in, const char* alphabet, bool pad) {
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    uint32_t v = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8) | uint8_t(in[i + 2]);
    for (int shift : {18, 12, 6, 0}) out += alphabet[(v >> shift) & 63];
  }
  size_t rest = in.size() - i;
  if (rest > 0) {
    uint32_t v = uint8_t(in[i]) << 16;
    if (rest == 2) v |= uint8_t(in[i + 1]) << 8;
    out += alphabet[(v >> 18) & 63];
    out += alphabet[(v >> 12) & 63];
    if (rest == 2) out += alphabet[(v >> 6) & 63];
    if (pad) out.append(3 - rest, '=');
  }
  return out;
}

// The 6-bit value of `c`, or -1. `url` selects which two symbols stand for 62 and 63; the
// lenient decoder accepts both pairs.
int sextet(char c, bool standard, bool url) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if ((standard && c == '+') || (url && c == '-')) return 62;
  if ((standard && c == '/') || (url && c == '_')) return 63;
  return -1;
}

std::optional<std::string> decodeWith(std::string_view text, bool standard, bool url, bool padRequired) {
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
    int v = sextet(c, standard, url);
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
  // A final group of 2 or 3 sextets carries 1 or 2 bytes.
  if (count == 0) return padding == 0 ? std::optional(out) : std::nullopt;
  if (count == 1) return std::nullopt;
  if (padding != 0 ? count + padding != 4 : padRequired) return std::nullopt;
  if (count == 2) {
    out += static_cast<char>(group >> 4);
  } else {
    out += static_cast<char>(group >> 10);
    out += static_cast<char>(group >> 2);
  }
  return out;
}

}  // namespace

std::string encode(std::string_view bytes) { return encodeWith(bytes, kStandard, true); }
std::optional<std::string> decode(std::string_view text) { return decodeWith(text, true, false, true); }
std::string encodeUrl(std::string_view bytes) { return encodeWith(bytes, kUrl, false); }
std::optional<std::string> decodeUrl(std::string_view text) { return decodeWith(text, true, true, false); }

}  // namespace edgeway::base64
