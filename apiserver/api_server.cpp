#include "apiserver/api_server.h"

#include <atomic>
#include <chrono>
#include <future>
#include <nlohmann/json.hpp>

#include "api/openapi.h"
#include "apiserver/auth/authenticator.h"
#include "apiserver/auth/authorizer.h"
#include "apiserver/auth/request_guard.h"
#include "apiserver/auth/standard_policy.h"
#include "apiserver/auth/token_file.h"
#include "apiserver/registry.h"
#include "apiserver/resources.h"
#include "apiserver/src/access_review.h"
#include "apiserver/src/json_fields.h"
#include "apiserver/src/rest_handler.h"
#include "apiserver/src/router.h"
#include "apiserver/src/stored_object.h"
#include "apiserver/src/watch_session.h"
#include "base/ip.h"
#include "base/log.h"
#include "http/io_context.h"
#include "store/store.h"

namespace edgeway::apiserver {
namespace {

const char* platform() {
#if defined(__x86_64__)
  return "linux/amd64";
#elif defined(__aarch64__)
  return "linux/arm64";
#elif defined(__arm__)
  return "linux/arm";
#else
  return "linux/unknown";
#endif
}

// /version. The dispatching kubectl picks its client by "minor", so it stays exactly "32".
std::string versionJson(const std::string& edgewayVersion) {
  nlohmann::json v = {{"major", "1"},
                      {"minor", "32"},
                      {"gitVersion", "v1.32.0-edgeway." + edgewayVersion},
                      {"gitCommit", "0000000000000000000000000000000000000000"},
                      {"gitTreeState", "clean"},
                      {"buildDate", "1970-01-01T00:00:00Z"},
                      {"goVersion", "n/a"},
                      {"compiler", "gcc"},
                      {"platform", platform()}};
  return v.dump();
}

int portOf(const std::string& hostPort) {
  size_t colon = hostPort.rfind(':');
  if (colon == std::string::npos) return 0;
  return std::atoi(hostPort.c_str() + colon + 1);
}

// The insecure listener skips authentication, so it must not be reachable from the network.
Status checkLoopbackListen(const std::string& hostPort) {
  std::string_view host = hostPort;
  size_t colon = host.rfind(':');
  if (colon != std::string_view::npos) host = host.substr(0, colon);
  // IPv6 only in brackets, as the listener itself reads HOST:PORT.
  bool bracketed = host.size() >= 2 && host.front() == '[' && host.back() == ']';
  if (bracketed) host = host.substr(1, host.size() - 2);
  auto ip = IpAddress::parse(host);
  if (colon == std::string_view::npos || !ip.isOk() || !ip->isLoopback() || ip->isV6() != bracketed) {
    return invalidArgument("insecure listen address \"" + hostPort +
                           "\" must be a loopback HOST:PORT such as 127.0.0.1:8080 or [::1]:8080: "
                           "requests there skip authentication");
  }
  return Status::ok();
}

// Timeouts and limits of the main listener, without its TLS: field by field, so that
// nothing added to ServerOptions for TLS is carried over by accident.
http::ServerOptions plainOptions(const http::ServerOptions& from, const std::string& listen, size_t maxBodyBytes) {
  http::ServerOptions o;
  o.listen = listen;
  o.maxHeaderBytes = from.maxHeaderBytes;
  o.maxBodyBytes = maxBodyBytes;
  o.readTimeoutSeconds = from.readTimeoutSeconds;
  o.idleTimeoutSeconds = from.idleTimeoutSeconds;
  o.writeTimeoutSeconds = from.writeTimeoutSeconds;
  o.maxConnections = from.maxConnections;
  o.maxStreamBufferBytes = from.maxStreamBufferBytes;
  return o;
}

// Runs one registry call to completion from a thread outside the io pool (start-up).
Outcome await(const std::function<void(Done)>& call) {
  auto promise = std::make_shared<std::promise<Outcome>>();
  auto future = promise->get_future();
  call([promise](Outcome out) { promise->set_value(std::move(out)); });
  if (future.wait_for(std::chrono::seconds(30)) != std::future_status::ready) {
    Outcome out;
    out.error = serviceUnavailableError("timed out waiting for the store");
    return out;
  }
  return future.get();
}

}  // namespace

struct ApiServer::Impl {
  http::IoContext& io;
  store::Store& store;
  ApiServerOptions options;
  std::unique_ptr<ServiceAllocators> allocators;
  std::unique_ptr<ResourceCatalog> catalog;
  std::unique_ptr<api::OpenApiV3> openapi;
  ReadinessChecks readiness;
  std::atomic<bool> stopped{false};
  std::unique_ptr<auth::Authenticator> authenticator;
  std::unique_ptr<auth::Authorizer> authorizer;
  std::unique_ptr<AccessReviewHandler> reviews;
  // Destroyed in reverse order: the servers first (no new requests), then the registry
  // (which waits for its writes in flight, whose answers need nothing below), then the
  // watches, then the request handling they all sat behind.
  std::unique_ptr<auth::RequestGuard> guard;
  std::unique_ptr<Router> router;
  std::unique_ptr<RestHandler> rest;
  std::unique_ptr<WatchHub> watches;
  std::unique_ptr<Registry> registry;
  std::unique_ptr<http::Server> server;
  std::unique_ptr<http::Server> insecureServer;  // the trusted loopback listener, if any

  Impl(http::IoContext& io, store::Store& store, ApiServerOptions options)
      : io(io), store(store), options(std::move(options)) {}

  Status bootstrap();
  Status ensureKubernetesService();
  Status ensureClusterDnsService();
};

Status ApiServer::Impl::bootstrap() {
  const ResourceInfo* namespaces = catalog->find("", "v1", "namespaces");
  for (const char* name : {"default", "kube-system", "kube-public", "kube-node-lease"}) {
    nlohmann::json ns = {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", name}}}};
    WriteOptions wo;
    wo.fieldManager = "edgeway";
    Outcome out = await([&](Done done) { registry->create(*namespaces, "", ns, wo, std::move(done)); });
    if (out.error && out.error->reason != "AlreadyExists") {
      return internalError(std::string("creating namespace ") + name + ": " + out.error->message);
    }
  }
  if (Status s = ensureKubernetesService(); !s.isOk()) return s;
  return ensureClusterDnsService();
}

Status ApiServer::Impl::ensureClusterDnsService() {
  if (options.clusterDnsIps.empty()) return Status::ok();
  const ResourceInfo* services = catalog->find("", "v1", "services");
  Outcome existing = registry->get(*services, "kube-system", "kube-dns");
  if (existing.ok()) {
    // Left as the user keeps it; say so when it no longer matches --cluster-dns.
    auto obj = parseStored(existing.object);
    nlohmann::json want = options.clusterDnsIps;
    if (obj && fields::array(*obj, {"spec", "clusterIPs"}) != want) {
      log::warn("apiserver: kube-system/kube-dns has clusterIPs ", fields::array(*obj, {"spec", "clusterIPs"}).dump(),
                ", not --cluster-dns ", want.dump(), "; Pods' resolv.conf must name the Service's address");
    }
    return Status::ok();
  }
  // Like CoreDNS's Service in every distribution: the DNS ports, by their usual names. It
  // has no selector: edgeway itself answers (the proxy steers the ClusterIP to it).
  nlohmann::json svc = {
      {"apiVersion", "v1"},
      {"kind", "Service"},
      {"metadata",
       {{"name", "kube-dns"},
        {"namespace", "kube-system"},
        {"labels", {{"k8s-app", "kube-dns"}, {"kubernetes.io/name", "edgeway-dns"}}}}},
      {"spec",
       {{"clusterIP", options.clusterDnsIps.front()},
        {"clusterIPs", options.clusterDnsIps},
        {"ipFamilyPolicy", options.clusterDnsIps.size() > 1 ? "RequireDualStack" : "SingleStack"},
        {"ports", nlohmann::json::array({{{"name", "dns"}, {"port", 53}, {"protocol", "UDP"}, {"targetPort", 53}},
                                         {{"name", "dns-tcp"}, {"port", 53}, {"protocol", "TCP"}, {"targetPort", 53}}})}}}};
  WriteOptions wo;
  wo.fieldManager = "edgeway";
  Outcome out = await([&](Done done) { registry->create(*services, "kube-system", svc, wo, std::move(done)); });
  if (out.error && out.error->reason != "AlreadyExists") {
    return internalError("creating the kube-dns Service: " + out.error->message);
  }
  return Status::ok();
}

Status ApiServer::Impl::ensureKubernetesService() {
  // The in-cluster address of the API: the first address of the primary service CIDR,
  // port 443 forwarding to the port this server listens on.
  auto cidr = Cidr::parse(options.network.serviceCidrs.empty() ? "" : options.network.serviceCidrs.front());
  if (!cidr.isOk()) return cidr.status();
  auto first = cidr->addressAt(1);
  if (!first) return invalidArgument("service CIDR " + cidr->toString() + " has no usable address");
  int port = portOf(server->localAddress());
  nlohmann::json ports = nlohmann::json::array(
      {{{"name", "https"}, {"port", 443}, {"protocol", "TCP"}, {"targetPort", port}}});

  const ResourceInfo* services = catalog->find("", "v1", "services");
  WriteOptions wo;
  wo.fieldManager = "kube-apiserver";
  Outcome existing = registry->get(*services, "default", "kubernetes");
  if (existing.ok()) {
    auto obj = parseStored(existing.object);
    if (obj && fields::array(*obj, {"spec", "ports"}) == ports) return Status::ok();
    // Restarted on another port: point the Service at it.
    nlohmann::json patch = {{"spec", {{"ports", ports}}}};
    Outcome out = await([&](Done done) {
      registry->patch(*services, "default", "kubernetes", PatchType::kMergePatch, patch, wo, std::move(done));
    });
    if (out.error) return internalError("updating the kubernetes Service: " + out.error->message);
    return Status::ok();
  }
  nlohmann::json svc = {
      {"apiVersion", "v1"},
      {"kind", "Service"},
      {"metadata",
       {{"name", "kubernetes"},
        {"namespace", "default"},
        {"labels", {{"component", "apiserver"}, {"provider", "kubernetes"}}}}},
      {"spec",
       {{"type", "ClusterIP"}, {"clusterIP", first->toString()}, {"ports", ports}, {"sessionAffinity", "None"}}}};
  Outcome out = await([&](Done done) { registry->create(*services, "default", svc, wo, std::move(done)); });
  if (out.error && out.error->reason != "AlreadyExists") {
    return internalError("creating the kubernetes Service: " + out.error->message);
  }
  return Status::ok();
}

ApiServer::ApiServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

ApiServer::~ApiServer() { stop(); }

Result<std::unique_ptr<ApiServer>> ApiServer::create(http::IoContext& io, store::Store& store,
                                                     ApiServerOptions options) {
  auto impl = std::make_unique<Impl>(io, store, std::move(options));
  Impl& s = *impl;

  if (!s.options.insecureListen.empty()) {
    if (Status st = checkLoopbackListen(s.options.insecureListen); !st.isOk()) return st;
  }
  std::shared_ptr<const auth::TokenFile> tokens;
  if (!s.options.tokenAuthFile.empty()) {
    auto loaded = auth::TokenFile::load(s.options.tokenAuthFile);
    if (!loaded.isOk()) return loaded.status();
    log::info("apiserver: ", loaded->size(), " bearer token(s) from ", s.options.tokenAuthFile);
    tokens = std::make_shared<const auth::TokenFile>(std::move(loaded).value());
  }
  s.authenticator = std::make_unique<auth::Authenticator>(std::move(tokens));

  auto allocators = ServiceAllocators::create(s.options.network);
  if (!allocators.isOk()) return allocators.status();
  s.allocators = std::move(allocators).value();
  s.catalog = std::make_unique<ResourceCatalog>(buildCatalog(makeServiceStrategy(*s.allocators)));
  std::vector<auth::ServedResource> served;
  for (const auto& r : s.catalog->all()) served.push_back({r->group, r->resource, r->hasStatus});
  s.authorizer = std::make_unique<auth::Authorizer>(auth::standardGrants(served));
  s.reviews = std::make_unique<AccessReviewHandler>(*s.authorizer);

  // Repair pass: the allocators learn every address and port the stored Services hold.
  if (const ResourceInfo* services = s.catalog->find("", "v1", "services")) {
    // One stored Service parsed at a time, a batch of records read at a time.
    auto forEachService = [&](const ServiceAllocators::ServiceVisitor& visit) {
      std::string after;
      while (true) {
        store::ListResult batch = store.list(services->storePrefix(), after, 256);
        for (const auto& rec : batch.records) {
          if (auto obj = parseStored(rec.value)) visit(*obj);
        }
        if (!batch.more || batch.records.empty()) break;
        after = batch.records.back().key;
      }
    };
    for (const auto& warning : s.allocators->rebuild(forEachService)) log::warn("service allocation repair: ", warning);
  }

  std::vector<api::OpenApiResource> resources;
  for (const auto& r : s.catalog->all()) {
    resources.push_back(api::OpenApiResource{r->group, r->version, r->resource, r->kind, r->namespaced, r->hasStatus});
  }
  auto openapi = api::OpenApiV3::create(resources);
  if (!openapi.isOk()) return openapi.status();
  s.openapi = std::make_unique<api::OpenApiV3>(std::move(openapi).value());

  Scheduler scheduler{[&io](std::function<void()> fn) { io.post(std::move(fn)); },
                      [&io](int millis, std::function<void()> fn) { io.after(millis, std::move(fn)); }};
  s.registry = std::make_unique<Registry>(store, *s.catalog, scheduler);
  s.watches = std::make_unique<WatchHub>(store, scheduler.after, s.options.maxWatches, s.options.bookmarkSeconds);
  s.rest = std::make_unique<RestHandler>(*s.registry, *s.watches, scheduler.post);
  Impl* raw = &s;
  s.readiness.add("shutdown", [raw] { return !raw->stopped.load(); });

  http::ServerOptions serverOptions = s.options.http;
  serverOptions.listen = s.options.listen;
  serverOptions.maxBodyBytes = s.options.maxRequestBytes;
  auto server = http::Server::create(io, serverOptions, [raw](http::Request&& request, std::shared_ptr<http::Exchange> ex) {
    raw->guard->handle(std::move(request), std::move(ex), auth::Listener::kSecure);
  });
  if (!server.isOk()) return server.status();
  s.server = std::move(server).value();
  if (!s.options.insecureListen.empty()) {
    // Trust is a property of this listener: its handler, not anything in the request,
    // marks what arrives here.
    auto insecure = http::Server::create(
        io, plainOptions(s.options.http, s.options.insecureListen, s.options.maxRequestBytes),
        [raw](http::Request&& request, std::shared_ptr<http::Exchange> ex) {
          raw->guard->handle(std::move(request), std::move(ex), auth::Listener::kTrustedLocal);
        });
    if (!insecure.isOk()) return insecure.status();
    s.insecureServer = std::move(insecure).value();
  }
  s.router = std::make_unique<Router>(*s.catalog, *s.rest, *s.reviews, *s.openapi, s.readiness,
                                      versionJson(s.options.edgewayVersion),
                                      [raw] { return raw->server->localAddress(); });
  s.guard = std::make_unique<auth::RequestGuard>(
      *s.authenticator, *s.authorizer,
      [raw](http::Request&& request, std::shared_ptr<http::Exchange> ex, const auth::UserInfo& user) {
        raw->router->handle(std::move(request), std::move(ex), user);
      });

  if (Status st = s.bootstrap(); !st.isOk()) return st;
  s.registry->resumeNamespaceTermination();
  return std::unique_ptr<ApiServer>(new ApiServer(std::move(impl)));
}

void ApiServer::start() {
  impl_->server->start();
  if (impl_->insecureServer) impl_->insecureServer->start();
}

void ApiServer::stop() {
  if (impl_->stopped.exchange(true)) return;
  impl_->server->stop();
  if (impl_->insecureServer) impl_->insecureServer->stop();
  impl_->watches->stopAll();
}

std::string ApiServer::localAddress() const { return impl_->server->localAddress(); }

Status ApiServer::setTls(std::shared_ptr<const http::TlsContext> tls) { return impl_->server->setTls(std::move(tls)); }

std::string ApiServer::insecureLocalAddress() const {
  return impl_->insecureServer ? impl_->insecureServer->localAddress() : std::string();
}

http::Handler ApiServer::handler() {
  Impl* raw = impl_.get();
  return [raw](http::Request&& request, std::shared_ptr<http::Exchange> exchange) {
    raw->guard->handle(std::move(request), std::move(exchange), auth::Listener::kSecure);
  };
}

void ApiServer::addReadinessCheck(std::string name, std::function<bool()> check) {
  impl_->readiness.add(std::move(name), std::move(check));
}

Registry& ApiServer::registry() { return *impl_->registry; }
const ResourceCatalog& ApiServer::catalog() const { return *impl_->catalog; }

}  // namespace edgeway::apiserver
