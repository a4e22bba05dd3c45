#include "dns/src/wire_name.h"

#include <cstring>

namespace edgeway::dns::detail {
namespace {

constexpr size_t kHeaderSize = 12;

bool isDigit(char c) { return c >= '0' && c <= '9'; }

// Bytes written as themselves; everything else becomes \DDD (see wire_name.h).
bool isPlain(uint8_t b) { return b >= 0x21 && b <= 0x7e && b != '.' && b != '\\'; }

// The common case, a name without escapes: labels are copied whole between the dots.
const char* fromPlainText(std::string_view text, WireName& out) {
  if (text.back() == '.') text.remove_suffix(1);  // absolute; the root alone is handled
  size_t at = 0;
  for (;;) {
    const void* dot = std::memchr(text.data(), '.', text.size());
    size_t length = dot ? static_cast<size_t>(static_cast<const char*>(dot) - text.data()) : text.size();
    if (length == 0) return "empty label";
    if (length > kMaxLabelLength) return "label longer than 63 octets";
    if (at + 1 + length + 1 > kMaxNameLength) return "name longer than 255 octets";
    out.labelStarts[out.labelCount++] = static_cast<uint8_t>(at);
    out.bytes[at] = static_cast<uint8_t>(length);
    std::memcpy(out.bytes + at + 1, text.data(), length);
    at += 1 + length;
    if (!dot) break;
    text.remove_prefix(length + 1);
  }
  out.bytes[at] = 0;
  out.size = static_cast<uint8_t>(at + 1);
  return nullptr;
}

}  // namespace

const char* WireName::fromText(std::string_view text, WireName& out) {
  out.size = 0;
  out.labelCount = 0;
  if (text.empty() || text == ".") {
    out.bytes[out.size++] = 0;
    return nullptr;
  }
  if (text.find('\\') == std::string_view::npos) return fromPlainText(text, out);
  size_t start = 0;  // the current label's length octet
  size_t length = 0;
  bool inLabel = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '.') {
      if (!inLabel) return "empty label";
      out.bytes[start] = static_cast<uint8_t>(length);
      start += 1 + length;
      length = 0;
      inLabel = false;
      continue;
    }
    uint8_t byte = static_cast<uint8_t>(c);
    if (c == '\\') {
      if (i + 1 >= text.size()) return "escape at the end of the name";
      if (isDigit(text[i + 1])) {
        if (i + 3 >= text.size() || !isDigit(text[i + 2]) || !isDigit(text[i + 3])) {
          return "\\DDD escape without three digits";
        }
        unsigned value = (text[i + 1] - '0') * 100u + (text[i + 2] - '0') * 10u + (text[i + 3] - '0');
        if (value > 255) return "\\DDD escape above 255";
        byte = static_cast<uint8_t>(value);
        i += 3;
      } else {
        byte = static_cast<uint8_t>(text[i + 1]);
        i += 1;
      }
    }
    if (!inLabel) {
      if (out.labelCount == kMaxLabels) return "name longer than 255 octets";
      out.labelStarts[out.labelCount++] = static_cast<uint8_t>(start);
      inLabel = true;
    }
    if (length == kMaxLabelLength) return "label longer than 63 octets";
    // This byte, the label's length octet before it and the root's zero must all fit.
    if (start + 1 + length + 1 + 1 > kMaxNameLength) return "name longer than 255 octets";
    out.bytes[start + 1 + length] = byte;
    ++length;
  }
  if (inLabel) {
    out.bytes[start] = static_cast<uint8_t>(length);
    start += 1 + length;
  }
  out.bytes[start] = 0;
  out.size = static_cast<uint8_t>(start + 1);
  return nullptr;
}

void WireName::appendText(std::string& out) const {
  // At most 4 characters per label byte plus a dot per label: fits, and one append.
  char buf[4 * kMaxNameLength + kMaxLabels];
  size_t n = 0;
  for (size_t label = 0; label < labelCount; ++label) {
    if (label > 0) buf[n++] = '.';
    size_t at = labelStarts[label];
    size_t length = bytes[at];
    for (size_t k = at + 1; k <= at + length; ++k) {
      uint8_t b = bytes[k];
      if (isPlain(b)) {
        buf[n++] = static_cast<char>(b);
      } else {
        buf[n++] = '\\';
        buf[n++] = static_cast<char>('0' + b / 100);
        buf[n++] = static_cast<char>('0' + b / 10 % 10);
        buf[n++] = static_cast<char>('0' + b % 10);
      }
    }
  }
  out.append(buf, n);
}

const char* readName(const uint8_t* message, size_t end, size_t& pos, WireName& out) {
  out.size = 0;
  out.labelCount = 0;
  size_t p = pos;
  size_t limit = pos;  // pointers must target offsets below this
  bool jumped = false;
  for (;;) {
    if (p >= end) return "name runs past the end of its data";
    uint8_t length = message[p];
    if ((length & 0xc0) == 0xc0) {
      if (p + 1 >= end) return "name runs past the end of its data";
      size_t target = (size_t{length & 0x3fu} << 8) | message[p + 1];
      if (target >= limit) return "compression pointer that does not point backwards";
      if (target < kHeaderSize) return "compression pointer into the header";
      if (!jumped) {
        pos = p + 2;
        jumped = true;
      }
      limit = target;
      p = target;
      continue;
    }
    if (length > kMaxLabelLength) return "label longer than 63 octets (or of an unknown type)";
    if (length == 0) {
      out.bytes[out.size++] = 0;
      if (!jumped) pos = p + 1;
      return nullptr;
    }
    if (p + 1 + length > end) return "name runs past the end of its data";
    if (size_t{out.size} + 1 + length + 1 > kMaxNameLength) return "name longer than 255 octets";
    out.labelStarts[out.labelCount++] = out.size;
    std::memcpy(out.bytes + out.size, message + p, 1 + length);
    out.size = static_cast<uint8_t>(out.size + 1 + length);
    p += 1 + length;
  }
}

}  // namespace edgeway::dns::detail
