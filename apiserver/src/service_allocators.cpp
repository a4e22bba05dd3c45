// ServiceAllocators: construction from the command-line options and the start-up repair pass.

#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "apiserver/alloc/cluster_ip_allocator.h"
#include "apiserver/alloc/node_port_allocator.h"
#include "apiserver/service_strategy.h"
#include "apiserver/src/service_fields.h"

namespace edgeway::apiserver {

Result<std::unique_ptr<ServiceAllocators>> ServiceAllocators::create(const ServiceNetworkOptions& options) {
  if (options.serviceCidrs.empty() || options.serviceCidrs.size() > 2) {
    return invalidArgument("expected one or two service CIDRs (one per IP family), got " +
                           std::to_string(options.serviceCidrs.size()));
  }
  std::unique_ptr<ServiceAllocators> result(new ServiceAllocators());
  for (size_t i = 0; i < options.serviceCidrs.size(); ++i) {
    auto cidr = Cidr::parse(options.serviceCidrs[i]);
    if (!cidr) return cidr.status();
    auto allocator = ClusterIpAllocator::create(*cidr);
    if (!allocator) return allocator.status();
    (i == 0 ? result->primary_ : result->secondary_) = std::move(*allocator);
  }
  if (result->secondary_ && result->secondary_->family() == result->primary_->family()) {
    return invalidArgument("service CIDRs " + options.serviceCidrs[0] + " and " + options.serviceCidrs[1] +
                           " must be of different IP families");
  }
  auto range = PortRange::parse(options.nodePortRange);
  if (!range) return range.status();
  result->nodePorts_ = std::make_unique<NodePortAllocator>(*range);
  return result;
}

ServiceAllocators::~ServiceAllocators() = default;

IpFamily ServiceAllocators::primaryFamily() const { return primary_->family(); }

ClusterIpAllocator* ServiceAllocators::clusterIps(IpFamily family) const {
  if (primary_->family() == family) return primary_.get();
  if (secondary_ && secondary_->family() == family) return secondary_.get();
  return nullptr;
}

std::vector<std::string> ServiceAllocators::rebuild(const std::vector<nlohmann::json>& services) {
  return rebuild([&services](const ServiceVisitor& visit) {
    for (const nlohmann::json& service : services) visit(service);
  });
}

std::vector<std::string> ServiceAllocators::rebuild(const std::function<void(const ServiceVisitor&)>& forEach) {
  using svc::json;
  primary_->clear();
  if (secondary_) secondary_->clear();
  nodePorts_->clear();

  std::vector<std::string> warnings;
  std::map<IpAddress, std::string> ipOwners;
  std::map<int, std::string> portOwners;

  forEach([&](const json& service) {
    const json* meta = svc::member(service, "metadata");
    std::string owner = meta ? svc::str(*meta, "namespace") + "/" + svc::str(*meta, "name") : "?";

    if (svc::needsClusterIP(service) && !svc::isHeadless(service)) {
      for (const std::string& text : svc::clusterIPs(service)) {
        auto ip = IpAddress::parseSloppy(text);
        if (!ip) {
          warnings.push_back("service " + owner + " has an unparsable cluster IP \"" + text + "\"");
          continue;
        }
        ClusterIpAllocator* allocator = clusterIps(ip->family());
        if (!allocator) {
          warnings.push_back("cluster IP " + text + " of service " + owner + " is " +
                             ipFamilyName(ip->family()) + ", which this cluster is not configured for");
          continue;
        }
        Status st = allocator->allocate(*ip);
        if (st.code() == StatusCode::kAlreadyExists) {
          warnings.push_back("cluster IP " + text + " of service " + owner + " is also assigned to service " +
                             ipOwners[*ip] + "; please recreate one of them");
        } else if (!st) {
          warnings.push_back("cluster IP " + text + " of service " + owner +
                             " is not within the service CIDR " + allocator->cidr().toString() +
                             "; please recreate the service");
        } else {
          ipOwners[*ip] = owner;
        }
      }
    }

    // One service may use a NodePort twice (TCP and UDP of one port number).
    std::set<long long> ports;
    for (long long np : svc::collectNodePorts(service)) ports.insert(np);
    if (svc::needsHealthCheck(service) && svc::healthCheckNodePort(service) != 0) {
      ports.insert(svc::healthCheckNodePort(service));
    }
    for (long long np : ports) {
      int port = np < 0 || np > 65535 ? -1 : static_cast<int>(np);
      Status st = nodePorts_->allocate(port);
      if (st.code() == StatusCode::kAlreadyExists) {
        warnings.push_back("node port " + std::to_string(np) + " of service " + owner +
                           " is also assigned to service " + portOwners[port] +
                           "; please recreate one of them");
      } else if (!st) {
        warnings.push_back("node port " + std::to_string(np) + " of service " + owner +
                           " is not in the range " + nodePorts_->range().toString() +
                           "; please recreate the service");
      } else {
        portOwners[port] = owner;
      }
    }
  });
  return warnings;
}

}  // namespace edgeway::apiserver
