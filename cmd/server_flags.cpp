#include "cmd/server_flags.h"

#include "base/ip.h"
#include "cmd/flag_args.h"

#include <functional>
#include <map>

namespace edgeway::cmd {
namespace {

std::vector<std::string> splitCommas(const std::string& value) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= value.size()) {
    size_t comma = value.find(',', start);
    if (comma == std::string::npos) comma = value.size();
    if (comma > start) out.push_back(value.substr(start, comma - start));
    start = comma + 1;
  }
  return out;
}

}  // namespace

const char* serverUsage() {
  return R"(Usage: edgeway server --data-dir DIR [flags]

Flags:
  --data-dir DIR                     state.db, tls/ and the admin kubeconfig live here (required)
  --api-listen HOST:PORT             API server address, HTTPS (default 0.0.0.0:6443)
  --api-insecure-listen HOST:PORT    plain-HTTP API address on loopback, full admin rights (default off)
  --tls-san NAME|IP                  extra name or address in the serving certificate (repeatable)
  --token-auth-file FILE             bearer tokens: CSV lines token,user,uid,"group1,group2"
  --dns-listen HOST:PORT[,HOST:PORT] cluster DNS addresses (default 127.0.0.1:53)
  --ingress-http-listen HOST:PORT    ingress HTTP address (default 0.0.0.0:80)
  --ingress-https-listen HOST:PORT   ingress HTTPS address (default 0.0.0.0:443)
  --service-cidr CIDR[,CIDR]         Service addresses (default 10.43.0.0/16; an IPv6 second CIDR enables dual-stack)
  --cluster-cidr CIDR[,CIDR]         pod addresses (default 10.42.0.0/16)
  --node-port-range LOW-HIGH         NodePort range (default 30000-32767)
  --lb-pool RANGE                    LoadBalancer address pool (repeatable; default: node addresses)
  --cluster-domain NAME              cluster DNS domain (default cluster.local)
  --dns-upstream HOST:PORT[,...]     forwarders for other names (default from /etc/resolv.conf)
  --dns-allow CIDR[,CIDR]            more clients whose other names are forwarded (always: loopback,
                                     node addresses, cluster CIDRs; everyone else gets REFUSED)
  --cluster-dns IP[,IP]              the kube-dns Service address (default: 10th of each service CIDR)
  --dns-pod-records disabled|verified  answer a-b-c-d.<ns>.pod.<zone> for existing Pods (default disabled)
  --proxy nftables|none              service proxy (default nftables)
  --nodeport-addresses CIDR[,CIDR]   serve NodePorts only on node addresses in these (default: every
                                     node address except loopback)
  --proxy-on-exit delete|keep        what a clean stop does with the proxy's nftables tables and
                                     LoadBalancer addresses (default delete; keep: traffic flows on
                                     until the next start replaces them)
  --node-name NAME                   this node's name (default: host name)
  --node-ip IP[,IP]                  this node's addresses
  --log-level debug|info|warn|error  (default info)
)";
}

bool wantsHelp(const std::vector<std::string>& args) {
  for (const auto& a : args) {
    if (a == "-h" || a == "--help") return true;
  }
  return false;
}

Result<ServerFlags> parseServerFlags(const std::vector<std::string>& args) {
  ServerFlags f;
  using Setter = std::function<Status(const std::string&)>;
  auto set = [](std::string& field) {
    return Setter([&field](const std::string& v) { field = v; return Status::ok(); });
  };
  auto list = [](std::vector<std::string>& field) {
    return Setter([&field](const std::string& v) {
      field = splitCommas(v);
      if (field.empty()) return invalidArgument("empty list");
      return Status::ok();
    });
  };
  bool lbPoolSeen = false;
  const std::map<std::string, Setter> setters = {
      {"--data-dir", set(f.dataDir)},
      {"--api-listen", set(f.apiListen)},
      {"--api-insecure-listen", set(f.apiInsecureListen)},
      {"--tls-san",
       [&](const std::string& v) {
         for (auto& san : splitCommas(v)) f.tlsSans.push_back(san);
         return Status::ok();
       }},
      {"--token-auth-file", set(f.tokenAuthFile)},
      {"--dns-listen", list(f.dnsListen)},
      {"--ingress-http-listen", set(f.ingressHttpListen)},
      {"--ingress-https-listen", set(f.ingressHttpsListen)},
      {"--service-cidr", list(f.serviceCidrs)},
      {"--cluster-cidr", list(f.clusterCidrs)},
      {"--node-port-range", set(f.nodePortRange)},
      {"--lb-pool",
       [&](const std::string& v) {
         if (!lbPoolSeen) f.lbPools.clear();
         lbPoolSeen = true;
         f.lbPools.push_back(v);
         return Status::ok();
       }},
      {"--cluster-domain", set(f.clusterDomain)},
      {"--dns-upstream", list(f.dnsUpstreams)},
      {"--dns-allow", list(f.dnsAllow)},
      {"--cluster-dns", list(f.clusterDns)},
      {"--dns-pod-records",
       [&](const std::string& v) {
         if (v != "disabled" && v != "verified") return invalidArgument("must be disabled or verified");
         f.dnsPodRecords = v;
         return Status::ok();
       }},
      {"--proxy",
       [&](const std::string& v) {
         if (v != "nftables" && v != "none") return invalidArgument("--proxy must be nftables or none");
         f.proxy = v;
         return Status::ok();
       }},
      {"--nodeport-addresses",
       [&](const std::string& v) {
         f.nodePortAddresses = splitCommas(v);
         if (f.nodePortAddresses.empty()) return invalidArgument("empty list");
         for (const auto& text : f.nodePortAddresses)
           if (auto cidr = Cidr::parse(text); !cidr.isOk())
             return invalidArgument(text + " is not a CIDR: " + cidr.status().message());
         return Status::ok();
       }},
      {"--proxy-on-exit",
       [&](const std::string& v) {
         if (v != "delete" && v != "keep") return invalidArgument("must be delete or keep");
         f.proxyOnExit = v;
         return Status::ok();
       }},
      {"--node-name", set(f.nodeName)},
      {"--node-ip", list(f.nodeIps)},
      {"--log-level",
       [&](const std::string& v) {
         if (v != "debug" && v != "info" && v != "warn" && v != "error") {
           return invalidArgument("--log-level must be debug, info, warn or error");
         }
         f.logLevel = v;
         return Status::ok();
       }},
  };

  Status parsed = forEachFlag(
      args, [&setters](const std::string& name) { return setters.count(name) > 0; },
      [&setters](const std::string& name, const std::string& value) {
        Status s = setters.at(name)(value);
        return s.isOk() ? s : invalidArgument(name + ": " + s.message());
      });
  if (!parsed.isOk()) return parsed;
  if (f.dataDir.empty()) return invalidArgument("--data-dir is required");
  if (f.clusterDns.empty()) {
    // As k3s: the 10th address of each service CIDR (10.43.0.10 by default).
    for (const std::string& text : f.serviceCidrs) {
      auto cidr = Cidr::parse(text);
      if (!cidr.isOk()) return invalidArgument("--service-cidr " + text + ": " + cidr.status().message());
      auto tenth = cidr->addressAt(10);
      if (!tenth) return invalidArgument("--service-cidr " + text + " is too small for the cluster DNS address");
      f.clusterDns.push_back(tenth->toString());
    }
  }
  return f;
}

}  // namespace edgeway::cmd
