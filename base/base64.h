#pragma once
// Base64 (RFC 4648) in the two forms edgeway meets: the standard, padded alphabet of Secret
// data, PEM bodies and kubeconfig fields, and the unpadded URL-safe form of list continue
// tokens.

#include <optional>
#include <string>
#include <string_view>

namespace edgeway::base64 {

std::string encode(std::string_view bytes);
// Standard alphabet, padding required. Like Go's decoder, CR and LF are ignored; any other
// byte outside the alphabet, or bad padding, is an error (nullopt).
std::optional<std::string> decode(std::string_view text);

// URL-safe alphabet ('-', '_'), no padding.
std::string encodeUrl(std::string_view bytes);
// Accepts the URL-safe or standard alphabet, padded or not.
std::optional<std::string> decodeUrl(std::string_view text);

}  // namespace edgeway::base64
