#include "http/pki_store.h"

#include <algorithm>

#include "base/clock.h"
#include "base/log.h"
#include "http/src/pki_files.h"

namespace edgeway::http {
namespace {

constexpr const char* kCaCert = "ca.crt";
constexpr const char* kCaKey = "ca.key";
constexpr const char* kServingCert = "apiserver.crt";
constexpr const char* kServingKey = "apiserver.key";
constexpr const char* kAdminCert = "admin.crt";
constexpr const char* kAdminKey = "admin.key";
constexpr std::time_t kAdminLifetime = 365 * kSecondsPerDay;

std::string recoveryHint(const std::string& dir) {
  return "; restore the matching files, or remove " + dir +
         " to create a new cluster CA (every kubeconfig issued so far stops working)";
}

// Checks that ca.crt and ca.key form a usable CA. Errors name the file at fault.
Status validateCa(const std::string& dir, const CertifiedKey& ca) {
  auto info = inspectCertificate(ca.certPem);
  if (!info) return invalidArgument(dir + "/" + kCaCert + ": " + info.status().message() + recoveryHint(dir));
  if (!info->isCa)
    return invalidArgument(dir + "/" + kCaCert + " is not a CA certificate" + recoveryHint(dir));
  Status s = checkKeyMatchesCertificate(ca.certPem, ca.keyPem);
  if (!s.isOk()) {
    return invalidArgument(dir + "/" + kCaKey + " does not match " + dir + "/" + kCaCert + ": " +
                           s.message() + recoveryHint(dir));
  }
  return Status::ok();
}

// Key first: a crash between the two writes then leaves a key without a certificate, which
// the next start recognises as an interrupted creation (CA) or a mismatch to re-issue (leaf).
Status writePair(const std::string& dir, const char* certName, const char* keyName,
                 const CertifiedKey& pair) {
  if (Status s = writePrivateFile(dir + "/" + keyName, pair.keyPem); !s.isOk()) return s;
  return writePrivateFile(dir + "/" + certName, pair.certPem);
}

// A leaf certificate found on disk, or why it cannot be used.
struct StoredLeaf {
  CertifiedKey pair;
  CertificateInfo info;
  std::string problem;  // empty: usable as far as files, key and issuer go
};

StoredLeaf readLeaf(const std::string& dir, const char* certName, const char* keyName,
                    const CertifiedKey& ca) {
  StoredLeaf leaf;
  auto cert = pki::readFileIfExists(dir + "/" + certName);
  auto key = pki::readFileIfExists(dir + "/" + keyName);
  if (!cert || !key) {
    leaf.problem = !cert ? cert.status().message() : key.status().message();
    return leaf;
  }
  if (!cert->has_value() || !key->has_value()) {
    leaf.problem = "missing";
    return leaf;
  }
  leaf.pair = {std::move(**cert), std::move(**key)};
  auto info = inspectCertificate(leaf.pair.certPem);
  if (!info) {
    leaf.problem = info.status().message();
    return leaf;
  }
  leaf.info = std::move(*info);
  if (Status s = checkKeyMatchesCertificate(leaf.pair.certPem, leaf.pair.keyPem); !s.isOk()) {
    leaf.problem = s.message();
  } else if (Status v = verifyIssuedBy(leaf.pair.certPem, ca.certPem); !v.isOk()) {
    leaf.problem = v.message();
  }
  return leaf;
}

}  // namespace

Result<SubjectAltNames> requiredServingSans(const PkiOptions& options) {
  SubjectAltNames sans;
  auto add = [&sans](const std::string& what, const std::string& value) {
    Status s = sans.add(value);
    return s.isOk() ? s : invalidArgument(what + ": " + s.message());
  };
  std::vector<std::pair<std::string, std::string>> names = {
      {"localhost", "localhost"},
      {"127.0.0.1", "127.0.0.1"},
      {"::1", "::1"},
      {"kubernetes", "kubernetes"},
      {"kubernetes", "kubernetes.default"},
      {"kubernetes", "kubernetes.default.svc"},
      {"--cluster-domain", "kubernetes.default.svc." + options.clusterDomain},
  };
  if (!options.nodeName.empty()) names.push_back({"--node-name", options.nodeName});
  for (const auto& ip : options.nodeIps) names.push_back({"--node-ip", ip});
  if (!options.serviceIp.empty()) names.push_back({"service IP", options.serviceIp});
  for (const auto& san : options.sans) names.push_back({"--tls-san", san});
  for (const auto& [what, value] : names) {
    if (Status s = add(what, value); !s.isOk()) return s;
  }
  return sans;
}

Result<CertifiedKey> PkiStore::loadCertificateAuthority(const std::string& tlsDir) {
  auto cert = pki::readFileIfExists(tlsDir + "/" + kCaCert);
  if (!cert) return cert.status();
  auto key = pki::readFileIfExists(tlsDir + "/" + kCaKey);
  if (!key) return key.status();
  if (!cert->has_value() && !key->has_value()) {
    return notFound("no cluster CA in " + tlsDir + "; `edgeway server` creates it on first start");
  }
  if (!cert->has_value()) return notFound(tlsDir + "/" + kCaCert + " is missing" + recoveryHint(tlsDir));
  if (!key->has_value()) return notFound(tlsDir + "/" + kCaKey + " is missing" + recoveryHint(tlsDir));
  CertifiedKey ca{std::move(**cert), std::move(**key)};
  if (Status s = validateCa(tlsDir, ca); !s.isOk()) return s;
  return ca;
}

Result<PkiStore> PkiStore::loadOrCreate(const std::string& tlsDir, const PkiOptions& options) {
  PkiStore store;
  store.dir_ = tlsDir;
  store.renewBefore_ = options.renewBefore;
  auto sans = requiredServingSans(options);
  if (!sans) return sans.status();
  store.requiredSans_ = std::move(*sans);
  if (Status s = pki::ensurePrivateDirectory(tlsDir); !s.isOk()) return s;
  std::time_t now = clock::nowSeconds();

  auto ca = loadCertificateAuthority(tlsDir);
  if (ca.isOk()) {
    store.ca_ = std::move(*ca);
  } else {
    // Only a missing ca.crt is recoverable, and only when nothing it could have issued is
    // around: the CA key is written first, so that is a first start that was interrupted.
    bool crtMissing = ca.status().code() == StatusCode::kNotFound && !pki::fileExists(tlsDir + "/" + kCaCert);
    bool leavesExist = false;
    for (const char* name : {kServingCert, kServingKey, kAdminCert, kAdminKey}) {
      leavesExist = leavesExist || pki::fileExists(tlsDir + "/" + name);
    }
    if (!crtMissing || leavesExist) return ca.status();
    auto created = createCertificateAuthority(now);
    if (!created) return created.status();
    if (Status s = writePair(tlsDir, kCaCert, kCaKey, *created); !s.isOk()) return s;
    store.ca_ = std::move(*created);
    log::info("pki: created the cluster CA in ", tlsDir);
  }
  auto caInfo = inspectCertificate(store.ca_.certPem);
  if (!caInfo) return caInfo.status();
  store.caNotAfter_ = caInfo->notAfter;
  if (store.caNotAfter_ - now < store.renewBefore_) {
    log::warn("pki: the cluster CA in ", tlsDir, " expires at ", clock::formatRfc3339(store.caNotAfter_),
              "; certificates cannot outlive it and CA rotation is not supported yet");
  }

  StoredLeaf serving = readLeaf(tlsDir, kServingCert, kServingKey, store.ca_);
  if (serving.problem.empty() && !serving.info.sans.covers(store.requiredSans_)) {
    serving.problem = "does not cover all of " + store.requiredSans_.toString();
  }
  if (serving.problem.empty() && store.dueForRenewal(serving.info.notAfter, now)) {
    serving.problem = "expires at " + clock::formatRfc3339(serving.info.notAfter);
  }
  if (serving.problem.empty()) {
    store.serving_ = std::move(serving.pair);
    store.servingNotAfter_ = serving.info.notAfter;
  } else {
    log::info("pki: issuing the API serving certificate (", kServingCert, ": ", serving.problem, ")");
    if (Status s = store.issueServing(now); !s.isOk()) return s;
  }

  StoredLeaf admin = readLeaf(tlsDir, kAdminCert, kAdminKey, store.ca_);
  const auto& orgs = admin.info.organizations;
  if (admin.problem.empty() && (admin.info.commonName != kAdminUser ||
                                std::find(orgs.begin(), orgs.end(), kAdminGroup) == orgs.end())) {
    admin.problem = "not CN=admin, O=system:masters";
  }
  if (admin.problem.empty() && store.dueForRenewal(admin.info.notAfter, now)) {
    admin.problem = "expires at " + clock::formatRfc3339(admin.info.notAfter);
  }
  if (admin.problem.empty()) {
    store.admin_ = std::move(admin.pair);
    store.adminNotAfter_ = admin.info.notAfter;
  } else {
    log::info("pki: issuing the admin client certificate (", kAdminCert, ": ", admin.problem, ")");
    if (Status s = store.issueAdmin(now); !s.isOk()) return s;
  }
  return store;
}

bool PkiStore::dueForRenewal(std::time_t notAfter, std::time_t now) const {
  return notAfter - now < renewBefore_ && notAfter < caNotAfter_;
}

bool PkiStore::needsRenewal(std::time_t now) const {
  return dueForRenewal(servingNotAfter_, now) || dueForRenewal(adminNotAfter_, now);
}

Result<PkiRenewal> PkiStore::renewExpiring(std::time_t now) {
  PkiRenewal renewal;
  if (dueForRenewal(servingNotAfter_, now)) {
    if (Status s = issueServing(now); !s.isOk()) return s;
    renewal.serving = true;
    log::info("pki: renewed the API serving certificate; valid until ",
              clock::formatRfc3339(servingNotAfter_));
  }
  if (dueForRenewal(adminNotAfter_, now)) {
    if (Status s = issueAdmin(now); !s.isOk()) return s;
    renewal.admin = true;
    log::info("pki: renewed the admin client certificate; valid until ",
              clock::formatRfc3339(adminNotAfter_));
  }
  return renewal;
}

Status PkiStore::issueServing(std::time_t now) {
  auto issued = issueServingCertificate(ca_, requiredSans_, now);
  if (!issued) return issued.status();
  auto info = inspectCertificate(issued->certPem);
  if (!info) return info.status();
  if (Status s = writePair(dir_, kServingCert, kServingKey, *issued); !s.isOk()) return s;
  serving_ = std::move(*issued);
  servingNotAfter_ = info->notAfter;
  return Status::ok();
}

Status PkiStore::issueAdmin(std::time_t now) {
  auto issued = issueClientCertificate(ca_, kAdminUser, {kAdminGroup}, now, kAdminLifetime);
  if (!issued) return issued.status();
  auto info = inspectCertificate(issued->certPem);
  if (!info) return info.status();
  if (Status s = writePair(dir_, kAdminCert, kAdminKey, *issued); !s.isOk()) return s;
  admin_ = std::move(*issued);
  adminNotAfter_ = info->notAfter;
  return Status::ok();
}

}  // namespace edgeway::http
