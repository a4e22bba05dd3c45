#pragma once
// The API server: the composition of routing, the generic registry, watch, discovery,
// OpenAPI, health and version endpoints over one store, served by the HTTP core. Stock
// kubectl 1.32 talks to it (see shared/research/kubectl-wire.md for what it needs).

#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include "apiserver/service_strategy.h"
#include "base/status.h"
#include "http/message.h"
#include "http/server.h"

namespace edgeway::http {
class IoContext;
}
namespace edgeway::store {
class Store;
}

namespace edgeway::apiserver {

class Registry;
class ResourceCatalog;

struct ApiServerOptions {
  std::string listen = "0.0.0.0:6443";  // HOST:PORT; port 0 picks one (see localAddress)
  ServiceNetworkOptions network;
  size_t maxRequestBytes = 3 * 1024 * 1024;  // kube-apiserver's limit; larger bodies get 413
  size_t maxWatches = 1000;                  // beyond it a watch gets 429
  int bookmarkSeconds = 60;                  // BOOKMARK period for watches that allow them
  std::string edgewayVersion = "0.1.0";      // shown in /version as v1.32.0-edgeway.<this>
  // Transport settings other than listen and the body limit (timeouts, connection cap, TLS
  // when the HTTP core offers it); listen and maxBodyBytes above take precedence.
  http::ServerOptions http;

  // Authentication. Every request needs credentials except GET of /healthz, /livez, /readyz
  // and /version: a verified client certificate (CN = user, O = groups; see
  // http::Request::peer) or a bearer token from this file, kube-apiserver's
  // --token-auth-file CSV (token,user,uid[,"group1,group2"]). Empty: no tokens. A file that
  // cannot be read or parsed fails create().
  std::string tokenAuthFile;
  // Optional second listener, plain HTTP, whose every request acts as user system:admin in
  // group system:masters (for local tooling and recovery). HOST:PORT with a loopback HOST
  // (127.0.0.0/8 or [::1]); anything else fails create(). Empty: off. It shares the timeouts
  // and limits of `http` but never its TLS settings.
  std::string insecureListen;
  // The cluster DNS Service's ClusterIPs (--cluster-dns), one per family, primary first:
  // create() makes sure kube-system/kube-dns exists with them, so Pods find the DNS where
  // every cluster puts it. Empty: no kube-dns Service.
  std::vector<std::string> clusterDnsIps;
};

class ApiServer {
 public:
  // Builds the allocators (rebuilt from the stored Services), the catalog and the OpenAPI
  // documents, binds the listen address, and makes sure the system namespaces (default,
  // kube-system, kube-public, kube-node-lease), the `kubernetes` Service in default and
  // (see clusterDnsIps) the `kube-dns` Service in kube-system exist, idempotently across
  // restarts. Call from outside the io threads; the io context
  // need not be running yet. The store must outlive the server.
  static Result<std::unique_ptr<ApiServer>> create(http::IoContext& io, store::Store& store,
                                                   ApiServerOptions options);
  // Stops serving and waits for writes in flight. Destroy before stopping the io context's
  // threads for good: pending work is handed to the io context.
  ~ApiServer();
  ApiServer(const ApiServer&) = delete;
  ApiServer& operator=(const ApiServer&) = delete;

  void start();  // begins accepting connections
  // Stops accepting, ends every watch and makes /readyz fail. Idempotent.
  void stop();
  // The bound HOST:PORT.
  std::string localAddress() const;
  // The bound HOST:PORT of the insecure listener; empty when there is none.
  std::string insecureLocalAddress() const;
  // Serves new connections with `tls` (a renewed serving certificate); open connections
  // keep theirs. Fails on a listener without TLS.
  Status setTls(std::shared_ptr<const http::TlsContext> tls);
  // The request handler of the main listener without the socket layer (for tests and
  // embedding): requests are authenticated by their peer certificate or bearer token, like
  // those arriving on the socket. Valid while the ApiServer lives.
  http::Handler handler();

  // /readyz fails, listing `name`, while `check` returns false. Thread-safe.
  void addReadinessCheck(std::string name, std::function<bool()> check);

  // For in-process writers (controllers): the same pipeline as the REST verbs.
  Registry& registry();
  const ResourceCatalog& catalog() const;

 private:
  struct Impl;
  explicit ApiServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace edgeway::apiserver
