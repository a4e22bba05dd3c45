#pragma once
// The cluster PKI kept in DATA_DIR/tls/: the CA, the API serving certificate and the admin
// client certificate, created on first start and reused afterwards, like a k3s server's.
//
//   ca.crt  ca.key                 cluster CA (10 years); never replaced automatically
//   apiserver.crt  apiserver.key   serving certificate (1 year)
//   admin.crt  admin.key           client certificate CN "admin", O "system:masters" (1 year)
//
// Files are mode 0600 in a 0700 directory and are replaced atomically, so a crash never
// leaves half a key. Leaf certificates are re-issued by the same CA when missing, broken,
// not issued by the CA, about to expire or (serving) no longer covering the required names.

#include <ctime>
#include <string>
#include <vector>

#include "base/status.h"
#include "http/pki.h"

namespace edgeway::http {

struct PkiOptions {
  std::vector<std::string> sans;     // --tls-san: extra DNS names or IP literals
  std::vector<std::string> nodeIps;  // --node-ip
  std::string nodeName;              // --node-name; an IP literal is taken as an address
  std::string clusterDomain = "cluster.local";
  std::string serviceIp;  // first address of the service CIDR, e.g. 10.43.0.1; empty: none
  std::time_t renewBefore = 90 * kSecondsPerDay;
};

// The names the serving certificate must cover: localhost, 127.0.0.1, ::1, the node name and
// addresses, kubernetes, kubernetes.default, kubernetes.default.svc,
// kubernetes.default.svc.<clusterDomain>, the service IP and every --tls-san.
Result<SubjectAltNames> requiredServingSans(const PkiOptions& options);

// Which certificates a renewal replaced; the server swaps its TLS credentials when `serving`
// is set and rewrites the admin kubeconfig when `admin` is.
struct PkiRenewal {
  bool serving = false;
  bool admin = false;
};

// Not thread-safe: the server owns one and calls it from one strand.
class PkiStore {
 public:
  static constexpr const char* kAdminUser = "admin";
  static constexpr const char* kAdminGroup = "system:masters";

  // Loads DATA_DIR/tls (creating the directory and whatever is missing) and re-issues leaf
  // certificates as described above. Fails with a Status naming the file and a way out when
  // the CA cannot be used: ca.key unreadable or not matching ca.crt, ca.crt not a CA, or
  // ca.crt missing while certificates it issued remain.
  static Result<PkiStore> loadOrCreate(const std::string& tlsDir, const PkiOptions& options);

  // Reads the CA of an existing PKI (for `edgeway kubeconfig`): NotFound when the PKI has
  // not been created yet, other errors as loadOrCreate's.
  static Result<CertifiedKey> loadCertificateAuthority(const std::string& tlsDir);

  const std::string& caCertPem() const { return ca_.certPem; }
  // Serving certificate followed by the CA certificate, for the TLS server's own chain.
  std::string servingCertChainPem() const { return serving_.certPem + ca_.certPem; }
  const std::string& servingKeyPem() const { return serving_.keyPem; }
  const std::string& adminCertPem() const { return admin_.certPem; }
  const std::string& adminKeyPem() const { return admin_.keyPem; }
  const CertifiedKey& certificateAuthority() const { return ca_; }
  std::time_t servingNotAfter() const { return servingNotAfter_; }
  std::time_t adminNotAfter() const { return adminNotAfter_; }
  const SubjectAltNames& servingSans() const { return requiredSans_; }

  // True when the serving or admin certificate expires within renewBefore of `now` and a
  // new one would last longer (never past the CA). Cheap; meant for a daily timer.
  bool needsRenewal(std::time_t now) const;
  // Re-issues (and rewrites the files of) what needsRenewal(now) flags.
  Result<PkiRenewal> renewExpiring(std::time_t now);

 private:
  PkiStore() = default;

  bool dueForRenewal(std::time_t notAfter, std::time_t now) const;
  Status issueServing(std::time_t now);
  Status issueAdmin(std::time_t now);

  std::string dir_;
  std::time_t renewBefore_ = 0;
  SubjectAltNames requiredSans_;
  CertifiedKey ca_;
  std::time_t caNotAfter_ = 0;
  CertifiedKey serving_;
  std::time_t servingNotAfter_ = 0;
  CertifiedKey admin_;
  std::time_t adminNotAfter_ = 0;
};

// Writes `content` to `path` readable by its owner only (0600), atomically: a temporary file
// in the same directory is written, fsynced and renamed over `path`, then the directory is
// fsynced. Readers see the old file or the new one, never a part.
Status writePrivateFile(const std::string& path, const std::string& content);

}  // namespace edgeway::http
