#pragma once
// Kubeconfig files for the cluster: `https://` server, the cluster CA and a client
// certificate embedded, cluster and context named "edgeway" (namespace default). The admin
// kubeconfig at DATA_DIR/kubeconfig is what `kubectl --kubeconfig DATA_DIR/kubeconfig` needs;
// `edgeway kubeconfig` prints the same shape for other users.

#include <string>

#include "base/status.h"
#include "http/pki_store.h"

namespace edgeway::cmd {

// "https://HOST:PORT" for the address the API server listens on; a wildcard host becomes
// loopback (0.0.0.0 → 127.0.0.1, [::] → [::1]) so the URL works on the box itself.
std::string apiServerUrl(const std::string& apiAddress);

std::string renderKubeconfig(const std::string& serverUrl, const std::string& caPem,
                             const std::string& clientCertPem, const std::string& clientKeyPem,
                             const std::string& userName);

// renderKubeconfig written to `path` atomically with mode 0600: it holds a private key.
Status writeKubeconfig(const std::string& path, const std::string& serverUrl, const std::string& caPem,
                       const std::string& clientCertPem, const std::string& clientKeyPem,
                       const std::string& userName);

// DATA_DIR/kubeconfig for the admin user, from the PKI's admin certificate. Call again after
// PkiStore::renewExpiring reports a renewed admin certificate.
Status writeAdminKubeconfig(const std::string& path, const std::string& apiAddress,
                            const http::PkiStore& pki);

// The `server:` URL of a kubeconfig edgeway wrote, or "" when there is none.
std::string kubeconfigServerUrl(const std::string& content);

}  // namespace edgeway::cmd
