#pragma once
// Protobuf wire-format reading and the text forms the decoder emits. Every read checks the
// remaining length first: the bytes come from clients.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace edgeway::api::pb {

enum WireType : int { kVarint = 0, kFixed64 = 1, kLengthDelimited = 2, kFixed32 = 5 };

class WireReader {
 public:
  explicit WireReader(std::string_view data) : data_(data) {}

  bool done() const { return pos_ >= data_.size(); }
  size_t position() const { return pos_; }

  // Each returns false (and consumes nothing useful) on truncated or malformed input.
  bool readVarint(uint64_t& value);
  bool readFixed64(uint64_t& value);
  bool readFixed32(uint32_t& value);
  bool readLengthDelimited(std::string_view& value);
  // Reads a field key; false on a truncated key, field number 0 or an out-of-range number.
  bool readTag(uint32_t& number, int& wireType);
  // Skips one value of the given wire type; false for groups (never used by Kubernetes)
  // and unknown wire types.
  bool skip(int wireType);

 private:
  std::string_view data_;
  size_t pos_ = 0;
};

bool isValidUtf8(std::string_view s);
std::string base64Encode(std::string_view bytes);
// "2024-01-02T03:04:05Z", or with micro=true "2024-01-02T03:04:05.123456Z".
// nullopt when the instant is outside years 0001..9999 or nanos is outside [0, 1e9).
std::optional<std::string> formatRfc3339(int64_t seconds, int64_t nanos, bool micro);

}  // namespace edgeway::api::pb
