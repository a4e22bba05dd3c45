#pragma once
// Standard base64 (RFC 4648, padded) as Kubernetes encodes Secret data. Like Go's decoder,
// CR and LF are ignored; anything else outside the alphabet is an error.

#include <optional>
#include <string>
#include <string_view>

namespace edgeway::api::detail {

std::optional<std::string> base64Decode(std::string_view text);

}  // namespace edgeway::api::detail
