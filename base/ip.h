#pragma once
// IP addresses, CIDR blocks and port ranges: parsed from untrusted text (a Status on garbage),
// formatted canonically (dotted quad; RFC 5952 for IPv6), compared and counted.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"

namespace edgeway {

enum class IpFamily { kIPv4, kIPv6 };

// "IPv4" / "IPv6", the spelling of Kubernetes' spec.ipFamilies.
const char* ipFamilyName(IpFamily family);

class IpAddress {
 public:
  // Strict textual form: dotted quad without leading zeros, or RFC 4291 IPv6 text (with an
  // optional trailing dotted quad). No zones, no brackets, no surrounding spaces.
  static Result<IpAddress> parse(std::string_view text);
  // As parse(), but IPv4 octets may carry leading zeros, read as decimal ("010.1.1.1" is
  // 10.1.1.1). Kubernetes validates IPs this way (ParseIPSloppy) for compatibility with
  // objects stored before Go tightened its parser, so validation must accept them too.
  static Result<IpAddress> parseSloppy(std::string_view text);

  static IpAddress v4(uint32_t value);
  static IpAddress v6(const std::array<uint8_t, 16>& bytes);

  IpAddress() = default;  // 0.0.0.0

  IpFamily family() const { return family_; }
  bool isV4() const { return family_ == IpFamily::kIPv4; }
  bool isV6() const { return family_ == IpFamily::kIPv6; }
  int bitLength() const { return isV4() ? 32 : 128; }
  // Network-order bytes; an IPv4 address uses the last 4 (the first 12 are zero).
  const std::array<uint8_t, 16>& bytes() const { return bytes_; }
  uint32_t v4Value() const;  // only meaningful for IPv4

  std::string toString() const;

  bool isUnspecified() const;         // 0.0.0.0, ::
  bool isLoopback() const;            // 127.0.0.0/8, ::1
  bool isLinkLocalUnicast() const;    // 169.254.0.0/16, fe80::/10
  bool isLinkLocalMulticast() const;  // 224.0.0.0/24, ff02::/16

  // IPv4 sorts before IPv6; within a family, numerically.
  friend bool operator==(const IpAddress& a, const IpAddress& b) {
    return a.family_ == b.family_ && a.bytes_ == b.bytes_;
  }
  friend bool operator!=(const IpAddress& a, const IpAddress& b) { return !(a == b); }
  friend bool operator<(const IpAddress& a, const IpAddress& b) {
    if (a.family_ != b.family_) return a.family_ < b.family_;
    return a.bytes_ < b.bytes_;
  }

 private:
  IpFamily family_ = IpFamily::kIPv4;
  std::array<uint8_t, 16> bytes_{};
};

class Cidr {
 public:
  // "10.43.0.0/16", "fd00::/108". Host bits after the prefix are cleared, as Go's ParseCIDR
  // does ("10.43.0.7/16" is 10.43.0.0/16). The address part is read sloppily (see
  // IpAddress::parseSloppy) so that every value Kubernetes accepts parses here too.
  static Result<Cidr> parse(std::string_view text);

  Cidr() = default;                                  // 0.0.0.0/0
  Cidr(const IpAddress& address, int prefixLength);  // clears host bits; asserts the length

  const IpAddress& network() const { return network_; }
  int prefixLength() const { return prefix_; }
  IpFamily family() const { return network_.family(); }
  int hostBits() const { return network_.bitLength() - prefix_; }

  bool contains(const IpAddress& ip) const;
  // Number of addresses, capped at 2^63 (an IPv6 /64 or wider reports 2^63).
  uint64_t size() const;
  // network + offset, or nullopt when that is outside the block.
  std::optional<IpAddress> addressAt(uint64_t offset) const;
  // ip - network, or nullopt when ip is outside the block or the offset exceeds 2^63.
  std::optional<uint64_t> offsetOf(const IpAddress& ip) const;

  std::string toString() const;  // canonical: "10.43.0.0/16"

  friend bool operator==(const Cidr& a, const Cidr& b) {
    return a.prefix_ == b.prefix_ && a.network_ == b.network_;
  }
  friend bool operator!=(const Cidr& a, const Cidr& b) { return !(a == b); }

 private:
  IpAddress network_;
  int prefix_ = 0;
};

// A closed range of TCP/UDP ports, e.g. the NodePort range "30000-32767".
struct PortRange {
  int low = 0;
  int high = -1;  // inclusive; an empty default range

  // "LOW-HIGH", "LOW+OFFSET" (LOW..LOW+OFFSET) or a single "PORT"; ports in 1..65535.
  static Result<PortRange> parse(std::string_view text);

  bool contains(int port) const { return port >= low && port <= high; }
  int size() const { return high >= low ? high - low + 1 : 0; }
  std::string toString() const;  // "30000-32767"
};

}  // namespace edgeway
