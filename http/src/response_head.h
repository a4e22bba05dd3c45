#pragma once
// Serializes an HTTP/1.1 status line and header block. The session writes raw bytes so that
// a response, its chunks and a stream's terminator all go through one write queue.

#include <string>
#include <vector>

#include "http/message.h"

namespace edgeway::http::detail {

// `framing` holds the headers the session owns (Content-Length, Transfer-Encoding,
// Connection); handler headers of those names are dropped, as are headers whose name is not
// an HTTP token or whose value contains CR, LF or NUL (header injection). A status outside
// 100..999 becomes 500.
std::string serializeResponseHead(int status, const std::vector<Header>& headers,
                                  const std::vector<Header>& framing);

}  // namespace edgeway::http::detail
