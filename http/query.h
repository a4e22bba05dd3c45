#pragma once
// Percent-decoding and query-string parsing for request targets (RFC 3986, plus the
// form-encoding rule that '+' in a query means a space, as Go's url.ParseQuery and thus
// kubectl and client-go expect).

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace edgeway::http {

// Decodes %XX escapes. Malformed escapes ("%", "%4", "%zz") are kept literally rather than
// rejected, so a lookup for a mangled name simply finds nothing. '+' is left as is: in a
// path it is a plus sign.
std::string percentDecode(std::string_view text);

// Splits "a=1&b=x%20y&flag" into {{"a","1"},{"b","x y"},{"flag",""}}, in order, keeping
// repeated keys. Keys and values are percent-decoded and '+' becomes a space. Empty
// segments ("a=1&&b=2") are skipped.
std::vector<std::pair<std::string, std::string>> parseQuery(std::string_view query);

}  // namespace edgeway::http
