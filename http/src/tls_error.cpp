#include "http/src/tls_error.h"

#include <mbedtls/error.h>

#include <cstdio>

namespace edgeway::http::detail {
namespace {

const char* alertName(int alert) {
  switch (alert) {
    case 10:
      return "unexpected_message";
    case 20:
      return "bad_record_mac";
    case 40:
      return "handshake_failure";
    case 42:
      return "bad_certificate";
    case 43:
      return "unsupported_certificate";
    case 44:
      return "certificate_revoked";
    case 45:
      return "certificate_expired";
    case 46:
      return "certificate_unknown";
    case 47:
      return "illegal_parameter";
    case 48:
      return "unknown_ca";
    case 49:
      return "access_denied";
    case 50:
      return "decode_error";
    case 51:
      return "decrypt_error";
    case 70:
      return "protocol_version";
    case 71:
      return "insufficient_security";
    case 80:
      return "internal_error";
    case 112:
      return "unrecognized_name";
    case 116:
      return "certificate_required";
    default:
      return "alert";
  }
}

class TlsCategory : public boost::system::error_category {
 public:
  const char* name() const noexcept override { return "edgeway.tls"; }

  std::string message(int value) const override {
    if (value < 0) return describeMbedtlsError(value);
    if (value >= static_cast<int>(TlsErrc::kPeerAlert)) {
      const int alert = value - static_cast<int>(TlsErrc::kPeerAlert);
      return std::string("the peer refused the connection with TLS alert ") + alertName(alert) + " (" +
             std::to_string(alert) + ")";
    }
    switch (static_cast<TlsErrc>(value)) {
      case TlsErrc::kNotTls:
        return "the peer did not start a TLS handshake (plain HTTP sent to an HTTPS port?)";
      case TlsErrc::kProtocolVersion:
        return "the peer supports only TLS versions older than 1.2";
      case TlsErrc::kNoSharedCipher:
        return "the peer offers no cipher suite in common (edgeway accepts ECDHE with AES-GCM or "
               "ChaCha20-Poly1305 only)";
      case TlsErrc::kCertificateUntrusted:
        return "the peer's certificate is not signed by a trusted CA";
      case TlsErrc::kCertificateNameMismatch:
        return "the server's certificate is not valid for the name or address connected to";
      case TlsErrc::kCertificateExpired:
        return "the peer's certificate has expired";
      case TlsErrc::kCertificateNotYetValid:
        return "the peer's certificate is not valid yet (check the clocks)";
      case TlsErrc::kCertificateRejected:
        return "the peer's certificate was rejected (key usage, key strength or signature algorithm)";
      case TlsErrc::kTruncated:
        return "the peer closed the connection without a TLS close_notify (data may be truncated)";
      case TlsErrc::kClosedDuringHandshake:
        return "the peer closed the connection during the TLS handshake";
      case TlsErrc::kPeerAlert:
        break;  // handled above
    }
    return "unknown TLS error " + std::to_string(value);
  }
};

}  // namespace

const boost::system::error_category& tlsCategory() {
  static const TlsCategory category;
  return category;
}

std::string describeMbedtlsError(int code) {
  char text[160];
  mbedtls_strerror(code, text, sizeof text);
  char hex[24];
  std::snprintf(hex, sizeof hex, " (-0x%04X)", static_cast<unsigned>(-code));
  return text + std::string(hex);
}

}  // namespace edgeway::http::detail
