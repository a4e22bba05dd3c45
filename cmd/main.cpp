// edgeway: the composition root. Wires components in order, waits for each to be ready
// before starting what depends on it, and stops them cleanly on SIGINT/SIGTERM.

#include <malloc.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "apiserver/api_server.h"
#include "apiserver/controllers/controller_manager.h"
#include "apiserver/controllers/node_registrar.h"
#include "base/cpus.h"
#include "base/ip.h"
#include "base/log.h"
#include "base/version.h"
#include "cache/cluster_state.h"
#include "cache/local_store_source.h"
#include "cmd/kubeconfig.h"
#include "cmd/check_command.h"
#include "cmd/kubeconfig_command.h"
#include "cmd/server_flags.h"
#include "cmd/shutdown_sequence.h"
#include "dns/dns_service.h"
#include "netstack/proxy.h"
#include "http/io_context.h"
#include "http/pki_store.h"
#include "http/tls_context.h"
#include "store/sqlite_store.h"

namespace edgeway::cmd {
namespace {

constexpr const char* kTopUsage =
    "Usage: edgeway <command> [flags]\n\n"
    "Commands:\n"
    "  server      run the API server and the networking components\n"
    "  kubeconfig  issue a client certificate and print a kubeconfig for it\n"
    "  check       check that this kernel can run the nftables proxy\n"
    "  version     print the edgeway version\n";

Status ensureDir(const std::string& path, mode_t mode) {
  if (::mkdir(path.c_str(), mode) == 0 || errno == EEXIST) return Status::ok();
  return internalError("cannot create " + path + ": " + std::strerror(errno));
}

std::string hostName() {
  char name[256] = {};
  if (::gethostname(name, sizeof name - 1) != 0) return "localhost";
  return name;
}

// Re-issues certificates nearing expiry (checked twice a day) and puts them to use: new
// connections get the new serving certificate, and the admin kubeconfig is rewritten.
void scheduleCertificateRenewal(http::IoContext& io, http::PkiStore& pki, apiserver::ApiServer& api,
                                const std::string& kubeconfigPath) {
  constexpr int kCheckMillis = 12 * 3600 * 1000;
  io.after(kCheckMillis, [&io, &pki, &api, kubeconfigPath] {
    std::time_t now = std::time(nullptr);
    if (pki.needsRenewal(now)) {
      auto renewed = pki.renewExpiring(now);
      if (!renewed.isOk()) {
        log::error("pki: renewal failed, will retry: ", renewed.status().message());
      } else {
        if (renewed->serving) {
          auto tls = http::TlsContext::server({pki.servingCertChainPem(), pki.servingKeyPem(), pki.caCertPem()});
          Status s = tls.isOk() ? api.setTls(*tls) : tls.status();
          if (s.isOk()) {
            log::info("pki: serving certificate renewed; new connections use it");
          } else {
            log::error("pki: renewed serving certificate not loaded: ", s.message());
          }
        }
        if (renewed->admin) {
          Status s = writeAdminKubeconfig(kubeconfigPath, api.localAddress(), pki);
          if (!s.isOk()) log::error("pki: ", s.message());
        }
      }
    }
    scheduleCertificateRenewal(io, pki, api, kubeconfigPath);
  });
}

// --node-ip as addresses (the Node registrar has rejected bad ones already); empty when
// the flag is absent.
std::vector<IpAddress> flagNodeIps(const ServerFlags& flags) {
  std::vector<IpAddress> out;
  for (const std::string& text : flags.nodeIps) {
    if (auto ip = IpAddress::parse(text); ip.isOk()) out.push_back(*ip);
  }
  return out;
}

// Appends the CIDRs in `texts` to `out`; an unparsable one names `who` and the text.
Status appendCidrs(const std::vector<std::string>& texts, const char* who, std::vector<Cidr>& out) {
  for (const std::string& text : texts) {
    auto cidr = Cidr::parse(text);
    if (!cidr.isOk()) return invalidArgument(std::string(who) + ": " + text + ": " + cidr.status().message());
    out.push_back(*cidr);
  }
  return Status::ok();
}

// The cluster DNS on every --dns-listen address. Forwarding is for the node's own clients:
// loopback, the node's addresses, the pod network and --dns-allow.
Result<std::unique_ptr<dns::DnsService>> startDns(const ServerFlags& flags, http::IoContext& io,
                                                  cache::ClusterState& clusterState) {
  dns::DnsServiceOptions options;
  options.listen = flags.dnsListen;
  options.upstreams = flags.dnsUpstreams;
  options.zone.domain = flags.clusterDomain;
  options.zone.podRecords = flags.dnsPodRecords == "verified";
  options.allowedSources = dns::DnsServiceOptions::loopbackSources();
  std::vector<IpAddress> nodeAddresses = flagNodeIps(flags);
  if (nodeAddresses.empty()) nodeAddresses = apiserver::controllers::NodeRegistrar::hostAddresses();
  for (const IpAddress& ip : nodeAddresses) options.allowedSources.push_back(Cidr(ip, ip.bitLength()));
  if (Status s = appendCidrs(flags.clusterCidrs, "dns", options.allowedSources); !s.isOk()) return s;
  if (Status s = appendCidrs(flags.dnsAllow, "dns", options.allowedSources); !s.isOk()) return s;
  auto service = dns::DnsService::create(io.asio(), clusterState, std::move(options));
  if (!service.isOk()) return service.status();
  if (Status s = (*service)->start(); !s.isOk()) return s;
  std::string addresses;
  for (const auto& a : (*service)->udpAddresses()) addresses += (addresses.empty() ? "" : ", ") + a.toString();
  log::info("dns: serving ", flags.clusterDomain, " on ", addresses, " (UDP and TCP)");
  return service;
}

// The nftables service proxy, on the node's addresses (--node-ip, else the host's, read
// again before each sync so a changed address is followed).
Result<std::unique_ptr<netstack::ServiceProxy>> startProxy(const ServerFlags& flags, const std::string& nodeName,
                                                           cache::ClusterState& clusterState, http::IoContext& io) {
  netstack::ProxyOptions options;
  options.nodeName = nodeName;
  options.announceLoadBalancers = !flags.lbPools.empty();  // addresses of a pool of our own
  options.io = &io.asio();                                  // healthCheckNodePort listeners
  options.keepTablesOnExit = flags.proxyOnExit == "keep";
  std::vector<IpAddress> fixed = flagNodeIps(flags);
  if (fixed.empty()) {
    options.nodeAddresses = [] { return apiserver::controllers::NodeRegistrar::hostAddresses(); };
  } else {
    options.nodeAddresses = netstack::ProxyOptions::fixed(std::move(fixed));
  }
  if (Status s = appendCidrs(flags.clusterCidrs, "proxy", options.clusterCidrs); !s.isOk()) return s;
  if (Status s = appendCidrs(flags.serviceCidrs, "proxy", options.serviceCidrs); !s.isOk()) return s;
  if (Status s = appendCidrs(flags.nodePortAddresses, "proxy", options.nodePortCidrs); !s.isOk()) return s;
  auto proxy = netstack::ServiceProxy::create(clusterState, std::move(options));
  if (!proxy.isOk()) {
    return Status(proxy.status().code(), "proxy: " + proxy.status().message() + " (run `edgeway check`, or start with --proxy none)");
  }
  (*proxy)->start();
  log::info("proxy: programming nftables tables ip edgeway and ip6 edgeway");
  return proxy;
}

log::Level parseLevel(const std::string& s) {
  if (s == "debug") return log::Level::kDebug;
  if (s == "warn") return log::Level::kWarn;
  if (s == "error") return log::Level::kError;
  return log::Level::kInfo;
}

// Components the contract names that later issues build, and the proxy when turned off.
// Each says so once and stays out of /readyz, as DESIGN.md asks.
void reportUnbuiltComponents(const ServerFlags& flags) {
  log::info("ingress: not built yet; --ingress-http-listen ", flags.ingressHttpListen, " and --ingress-https-listen ",
            flags.ingressHttpsListen, " are not served");
  if (flags.proxy == "none") log::info("proxy: disabled by --proxy none");
}

int runServer(const std::vector<std::string>& args) {
  if (wantsHelp(args)) {
    std::cout << serverUsage();
    return 0;
  }
  auto flags = parseServerFlags(args);
  if (!flags.isOk()) {
    std::cerr << "edgeway server: " << flags.status().message() << "\n\n" << serverUsage();
    return 2;
  }
  log::setLevel(parseLevel(flags->logLevel));

  // An edge box has little memory. Two malloc arenas are plenty for a pool of at most four
  // threads, and a fixed mmap threshold gives large transient buffers (list responses)
  // back to the kernel when freed instead of keeping them in the heap.
  mallopt(M_ARENA_MAX, 2);
  mallopt(M_MMAP_THRESHOLD, 256 * 1024);

  // Signals are taken by one waiting thread; block them before any other thread starts.
  sigset_t stopSignals;
  sigemptyset(&stopSignals);
  sigaddset(&stopSignals, SIGINT);
  sigaddset(&stopSignals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stopSignals, nullptr);
  ::signal(SIGPIPE, SIG_IGN);

  const std::string& dir = flags->dataDir;
  if (Status s = ensureDir(dir, 0700); !s.isOk()) {
    log::error(s.message());
    return 1;
  }

  // The PKI comes first: without a usable CA there is nothing to serve.
  http::PkiOptions pkiOptions;
  pkiOptions.sans = flags->tlsSans;
  pkiOptions.nodeIps = flags->nodeIps;
  pkiOptions.nodeName = flags->nodeName.empty() ? hostName() : flags->nodeName;
  pkiOptions.clusterDomain = flags->clusterDomain;
  if (auto cidr = Cidr::parse(flags->serviceCidrs.front()); cidr.isOk()) {
    if (auto first = cidr->addressAt(1)) pkiOptions.serviceIp = first->toString();
  }
  auto pki = http::PkiStore::loadOrCreate(dir + "/tls", pkiOptions);
  if (!pki.isOk()) {
    log::error("pki: ", pki.status().message());
    return 1;
  }

  auto store = store::SqliteStore::open(dir + "/state.db");
  if (!store.isOk()) {
    log::error("store: ", store.status().message());
    return 1;
  }

  int threads = static_cast<int>(std::clamp<size_t>(usableCpus(), 1, 4));
  http::IoContext io(threads);

  apiserver::ApiServerOptions options;
  options.listen = flags->apiListen;
  options.network.serviceCidrs = flags->serviceCidrs;
  options.network.nodePortRange = flags->nodePortRange;
  options.edgewayVersion = kEdgewayVersion;
  // Client certificates are optional at the TLS layer (token users send none) and are
  // required by authentication above it.
  auto tls = http::TlsContext::server({pki->servingCertChainPem(), pki->servingKeyPem(), pki->caCertPem()});
  if (!tls.isOk()) {
    log::error("tls: ", tls.status().message());
    return 1;
  }
  options.http.tls = *tls;
  options.tokenAuthFile = flags->tokenAuthFile;
  options.insecureListen = flags->apiInsecureListen;
  options.clusterDnsIps = flags->clusterDns;
  auto api = apiserver::ApiServer::create(io, **store, options);
  if (!api.isOk()) {
    log::error("apiserver: ", api.status().message());
    return 1;
  }
  (*api)->start();
  std::string address = (*api)->localAddress();
  if (Status s = writeAdminKubeconfig(dir + "/kubeconfig", address, *pki); !s.isOk()) {
    log::error(s.message());
    return 1;
  }
  log::info("apiserver: serving on https://", address, "; kubeconfig at ", dir, "/kubeconfig");
  reportUnbuiltComponents(*flags);
  scheduleCertificateRenewal(io, *pki, **api, dir + "/kubeconfig");

  // Everything from here on is stopped in reverse order by `components`: by the signal
  // thread before the io threads stop (controllers' last writes complete on them), or on
  // a failed start-up.
  ShutdownSequence components;

  // The cluster-state cache every controller and data plane reads, fed from the local store.
  cache::LocalStoreSource source(**store);
  cache::ClusterState clusterState(source);
  clusterState.start();
  components.add([&clusterState] { clusterState.stop(); });

  apiserver::controllers::ControllerManagerOptions controllerOptions;
  controllerOptions.nodeName = flags->nodeName;
  controllerOptions.nodeIps = flags->nodeIps;
  controllerOptions.clusterCidrs = flags->clusterCidrs;
  controllerOptions.serviceCidrs = flags->serviceCidrs;
  controllerOptions.lbPools = flags->lbPools;
  auto controllers = apiserver::controllers::ControllerManager::create(**api, clusterState, controllerOptions);
  if (!controllers.isOk()) {
    log::error("controllers: ", controllers.status().message());
    return 1;
  }
  (*controllers)->start();
  components.add([&controllers] { (*controllers)->stop(); });

  auto dns = startDns(*flags, io, clusterState);
  if (!dns.isOk()) {
    log::error(dns.status().message());
    return 1;
  }
  components.add([&dns] { (*dns)->stop(); });
  {
    dns::DnsService* served = dns->get();
    (*api)->addReadinessCheck("dns", [served] { return served->zone()->synced(); });
  }

  std::unique_ptr<netstack::ServiceProxy> proxy;
  if (flags->proxy == "nftables") {
    auto started = startProxy(*flags, (*controllers)->nodeName(), clusterState, io);
    if (!started.isOk()) {
      log::error(started.status().message());
      return 1;
    }
    proxy = std::move(started).value();
    components.add([&proxy] {
      if (Status s = proxy->stop(); !s.isOk()) log::warn("proxy: ", s.message());
    });
    netstack::ServiceProxy* programmed = proxy.get();
    (*api)->addReadinessCheck("proxy", [programmed] { return programmed->hasSynced(); });
  }

  std::atomic<bool> signalled{false};
  std::thread signalWaiter([&io, &signalled, &components, stopSignals] {
    int sig = 0;
    sigwait(&stopSignals, &sig);
    signalled = true;
    log::info("received ", sig == SIGINT ? "SIGINT" : "SIGTERM", "; stopping");
    components.run();
    io.stop();
  });
  io.run();  // returns after stop()
  components.run();
  (*api)->stop();
  // If something other than a signal stopped the loop, wake the waiter so it can be joined.
  if (!signalled) pthread_kill(signalWaiter.native_handle(), SIGTERM);
  signalWaiter.join();
  log::info("stopped");
  return 0;
}

}  // namespace
}  // namespace edgeway::cmd

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty()) {
    std::cerr << edgeway::cmd::kTopUsage;
    return 2;
  }
  std::string command = args.front();
  args.erase(args.begin());
  if (command == "version" || command == "--version") {
    std::cout << "edgeway " << edgeway::kEdgewayVersion << "\n";
    return 0;
  }
  if (command == "server") return edgeway::cmd::runServer(args);
  if (command == "kubeconfig") return edgeway::cmd::runKubeconfigCommand(args);
  if (command == "check") return edgeway::cmd::runCheckCommand(args, std::cout, std::cerr);
  if (command == "-h" || command == "--help" || command == "help") {
    std::cout << edgeway::cmd::kTopUsage;
    return 0;
  }
  std::cerr << "edgeway: unknown command \"" << command << "\"\n\n" << edgeway::cmd::kTopUsage;
  return 2;
}
