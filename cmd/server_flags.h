#pragma once
// `edgeway server` flags: the command-line contract of DESIGN.md. Every flag is accepted
// from the first release; unknown flags are an error with the usage text.

#include <string>
#include <vector>

#include "base/status.h"

namespace edgeway::cmd {

struct ServerFlags {
  std::string dataDir;
  std::string apiListen = "0.0.0.0:6443";
  std::string apiInsecureListen;          // plain HTTP, loopback only; empty: off
  std::vector<std::string> tlsSans;       // extra serving-certificate names and addresses
  std::string tokenAuthFile;              // static bearer tokens (kube-apiserver's CSV format)
  std::vector<std::string> dnsListen = {"127.0.0.1:53"};
  std::string ingressHttpListen = "0.0.0.0:80";
  std::string ingressHttpsListen = "0.0.0.0:443";
  std::vector<std::string> serviceCidrs = {"10.43.0.0/16"};
  std::vector<std::string> clusterCidrs = {"10.42.0.0/16"};
  std::string nodePortRange = "30000-32767";
  std::vector<std::string> lbPools;
  std::string clusterDomain = "cluster.local";
  std::vector<std::string> dnsUpstreams;  // empty: from /etc/resolv.conf
  std::vector<std::string> dnsAllow;      // more client CIDRs the forwarder answers
  std::vector<std::string> clusterDns;    // kube-dns ClusterIPs; default: the 10th address of each service CIDR
  std::string dnsPodRecords = "disabled";  // or "verified": a-b-c-d.<ns>.pod.<zone> for existing Pods
  std::string proxy = "nftables";
  std::vector<std::string> nodePortAddresses;  // CIDRs; empty: every node address
  std::string proxyOnExit = "delete";          // or "keep": leave the tables (and LB addresses) in place
  std::string nodeName;                   // empty: the host name
  std::vector<std::string> nodeIps;
  std::string logLevel = "info";
};

// Parses the arguments after `edgeway server`. `--help` yields a Status whose message is
// the usage text with code kOk-like semantics handled by the caller (see wantsHelp).
Result<ServerFlags> parseServerFlags(const std::vector<std::string>& args);
bool wantsHelp(const std::vector<std::string>& args);
const char* serverUsage();

}  // namespace edgeway::cmd
