#pragma once
// Wall-clock time in the forms the Kubernetes API uses: RFC 3339 in UTC with whole seconds
// ("2024-05-01T12:00:00Z"), which is how metav1.Time serializes.

#include <ctime>
#include <optional>
#include <string>
#include <string_view>

namespace edgeway::clock {

std::time_t nowSeconds();
// "2024-05-01T12:00:00Z".
std::string formatRfc3339(std::time_t t);
std::string nowRfc3339();
// Accepts "Z" or a "+hh:mm"/"-hh:mm" offset and optional fractional seconds (dropped).
std::optional<std::time_t> parseRfc3339(std::string_view text);
// "Wed, 01 May 2024 12:00:00 GMT", for HTTP headers such as Expires.
std::string formatHttpDate(std::time_t t);

}  // namespace edgeway::clock
