// PEM (RFC 7468) and base64, over mbedTLS's base64 codec.

#include <mbedtls/base64.h>

#include <string>
#include <vector>

#include "http/pki.h"

namespace edgeway::http {
namespace {

constexpr std::string_view kBegin = "-----BEGIN ";
constexpr std::string_view kDashes = "-----";

Result<std::string> base64Decode(std::string_view text) {
  size_t len = 0;
  const auto* in = reinterpret_cast<const unsigned char*>(text.data());
  // The first call only measures; it fails with BUFFER_TOO_SMALL on good input.
  int rc = mbedtls_base64_decode(nullptr, 0, &len, in, text.size());
  if (rc == MBEDTLS_ERR_BASE64_INVALID_CHARACTER) return invalidArgument("PEM block: invalid base64");
  std::string out(len, '\0');
  rc = mbedtls_base64_decode(reinterpret_cast<unsigned char*>(out.data()), out.size(), &len, in, text.size());
  if (rc != 0) return invalidArgument("PEM block: invalid base64");
  out.resize(len);
  return out;
}

}  // namespace

std::string base64Encode(std::string_view bytes) {
  size_t len = 0;
  const auto* in = reinterpret_cast<const unsigned char*>(bytes.data());
  mbedtls_base64_encode(nullptr, 0, &len, in, bytes.size());  // measures, including the NUL
  std::string out(len, '\0');
  mbedtls_base64_encode(reinterpret_cast<unsigned char*>(out.data()), out.size(), &len, in, bytes.size());
  out.resize(len);
  return out;
}

std::string encodePem(const PemBlock& block) {
  std::string body = base64Encode(block.der);
  std::string out = "-----BEGIN " + block.label + "-----\n";
  for (size_t i = 0; i < body.size(); i += 64) {
    out.append(body, i, 64);
    out += '\n';
  }
  out += "-----END " + block.label + "-----\n";
  return out;
}

Result<std::vector<PemBlock>> decodePem(std::string_view text) {
  std::vector<PemBlock> blocks;
  size_t pos = 0;
  while ((pos = text.find(kBegin, pos)) != std::string_view::npos) {
    size_t labelStart = pos + kBegin.size();
    size_t labelEnd = text.find(kDashes, labelStart);
    if (labelEnd == std::string_view::npos) return invalidArgument("PEM: unterminated BEGIN line");
    std::string label(text.substr(labelStart, labelEnd - labelStart));
    if (label.find('\n') != std::string::npos) return invalidArgument("PEM: malformed BEGIN line");
    std::string end = "-----END " + label + "-----";
    size_t bodyStart = labelEnd + kDashes.size();
    size_t bodyEnd = text.find(end, bodyStart);
    if (bodyEnd == std::string_view::npos) return invalidArgument("PEM: no \"" + end + "\" line");
    std::string_view body = text.substr(bodyStart, bodyEnd - bodyStart);
    // RFC 1421 headers (Proc-Type, DEK-Info) mean an encrypted key, which edgeway never writes.
    if (body.find(':') != std::string_view::npos) {
      return invalidArgument("PEM block \"" + label + "\" has headers (an encrypted key?); not supported");
    }
    std::string compact;
    for (char c : body) {
      if (c != '\n' && c != '\r' && c != ' ' && c != '\t') compact += c;
    }
    auto der = base64Decode(compact);
    if (!der) return der.status();
    blocks.push_back({std::move(label), std::move(*der)});
    pos = bodyEnd + end.size();
  }
  if (blocks.empty()) return invalidArgument("no PEM block found");
  return blocks;
}

}  // namespace edgeway::http
