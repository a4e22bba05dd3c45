#pragma once
// Error codes of TLS connections, as boost::system::error_code so that they travel through
// Asio and Beast completion handlers unchanged. Negative values are mbedTLS error codes;
// the positive ones below are edgeway's own diagnoses, worded for the person reading the
// log line or the client's error message.

#include <boost/system/error_code.hpp>
#include <string>

namespace edgeway::http::detail {

enum class TlsErrc {
  kNotTls = 1,               // the first bytes were not a TLS record (plain HTTP on a TLS port)
  kProtocolVersion,          // the peer offered only versions older than TLS 1.2
  kNoSharedCipher,           // the peer offered none of our cipher suites
  kCertificateUntrusted,     // peer certificate not signed by a trusted CA
  kCertificateNameMismatch,  // server certificate not valid for the name connected to
  kCertificateExpired,
  kCertificateNotYetValid,
  kCertificateRejected,    // any other verification failure (key usage, weak key, ...)
  kTruncated,              // TCP closed without a close_notify: data may be missing
  kClosedDuringHandshake,  // TCP closed after the handshake began, before it finished
  // kPeerAlert + n: the peer ended the connection with fatal TLS alert n (RFC 5246 7.2),
  // e.g. 48 unknown_ca when it does not trust our certificate.
  kPeerAlert = 1000,
};

const boost::system::error_category& tlsCategory();

inline boost::system::error_code make_error_code(TlsErrc e) { return {static_cast<int>(e), tlsCategory()}; }

inline boost::system::error_code peerAlert(unsigned char alert) {
  return {static_cast<int>(TlsErrc::kPeerAlert) + alert, tlsCategory()};
}

// An mbedTLS error code (negative) as an error_code of tlsCategory().
inline boost::system::error_code mbedtlsError(int code) { return {code, tlsCategory()}; }

// "X509 - The CRT/CRL/CSR format is invalid (-0x2180)": mbedtls_strerror with the code, for
// errors that have no better wording.
std::string describeMbedtlsError(int code);

}  // namespace edgeway::http::detail

namespace boost::system {
template <>
struct is_error_code_enum<edgeway::http::detail::TlsErrc> : std::true_type {};
}  // namespace boost::system
