#pragma once
// Name spellings shared by ClusterZone::build() and resolve(): reverse-lookup names and
// the dashed-IP labels Kubernetes DNS uses for Pods and for endpoints without a hostname.

#include <optional>
#include <string>
#include <string_view>

#include "base/ip.h"

namespace edgeway::dns::zone_detail {

// "5.0.42.10.in-addr.arpa" for 10.42.0.5; the 32 reversed nibbles + ".ip6.arpa" for IPv6
// (RFC 3596 2.5), lower-case hex.
std::string reverseName(const IpAddress& ip);

// "10-42-0-5" for 10.42.0.5; the RFC 5952 text with ':' replaced by '-' for IPv6
// ("fd00--5"), as CoreDNS spells endpoint and Pod labels.
std::string dashedLabel(const IpAddress& ip);

// The address a dashed label spells, or nullopt. IPv4 needs the four dashed octets; IPv6
// accepts any spelling whose dashes read as colons ("fd00-0-0-0-0-0-0-5" and "fd00--5"),
// as CoreDNS does for Pod names.
std::optional<IpAddress> parseDashedLabel(std::string_view label);

// ASCII lower-casing into `out` (reusing its capacity).
void lowerInto(std::string_view name, std::string& out);

}  // namespace edgeway::dns::zone_detail
