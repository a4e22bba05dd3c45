// core/v1 Node: field numbers from k8s.io/api core/v1 generated.proto (1.32).
#include "api/src/schema_build.h"

namespace edgeway::api::schema {
namespace {

const std::string kCore = "io.k8s.api.core.v1.";

const TypeDef& taint() {
  static const TypeDef t = type(kCore + "Taint", "Repels pods that do not tolerate it from a node.",
                                {
                                    str("key", 1, "Taint key.").required(),
                                    str("value", 2, "Taint value."),
                                    str("effect", 3, "What happens to intolerant pods.")
                                        .required()
                                        .oneOf({"NoExecute", "NoSchedule", "PreferNoSchedule"}),
                                    time("timeAdded", 4, "When the taint was added.").keep(),
                                });
  return t;
}

const TypeDef& nodeSpec() {
  static const TypeDef t =
      type(kCore + "NodeSpec", "Desired configuration of a node.",
           {
               str("podCIDR", 1, "Pod IP range assigned to the node."),
               strings("podCIDRs", 7, "Pod IP ranges of the node, at most one per family, primary first.")
                   .merge("")
                   .set(),
               str("providerID", 3, "Id of the node at its infrastructure provider."),
               boolean("unschedulable", 4, "When true, new pods are not scheduled onto the node."),
               objects("taints", 5, taint(), "Taints of the node.").atomic(),
               any("configSource", 6, "Deprecated dynamic kubelet configuration."),
               str("externalID", 2, "Deprecated."),
           });
  return t;
}

const TypeDef& nodeCondition() {
  static const TypeDef t =
      type(kCore + "NodeCondition", "One aspect of a node's state, e.g. Ready.",
           {
               str("type", 1, "Condition type: Ready, MemoryPressure, DiskPressure...").required(),
               str("status", 2, "True, False or Unknown.").required(),
               time("lastHeartbeatTime", 3, "When the condition was last reported."),
               time("lastTransitionTime", 4, "When status last changed."),
               str("reason", 5, "CamelCase cause of the last transition."),
               str("message", 6, "Human-readable detail."),
           });
  return t;
}

const TypeDef& nodeAddress() {
  static const TypeDef t =
      type(kCore + "NodeAddress", "One address of a node.",
           {
               str("type", 1, "Hostname, InternalIP, ExternalIP, InternalDNS or ExternalDNS.").required(),
               str("address", 2, "The address.").required(),
           });
  return t;
}

const TypeDef& nodeSystemInfo() {
  static const TypeDef t =
      type(kCore + "NodeSystemInfo", "Identity and software versions of a node.",
           {
               str("machineID", 1, "Machine id from /etc/machine-id.").required(),
               str("systemUUID", 2, "Hardware UUID.").required(),
               str("bootID", 3, "Id of the current boot.").required(),
               str("kernelVersion", 4, "Kernel release.").required(),
               str("osImage", 5, "Operating system name and version.").required(),
               str("containerRuntimeVersion", 6, "Container runtime name and version.").required(),
               str("kubeletVersion", 7, "Node agent version.").required(),
               str("kubeProxyVersion", 8, "Deprecated.").required(),
               str("operatingSystem", 9, "Operating system family, e.g. linux.").required(),
               str("architecture", 10, "CPU architecture, e.g. arm64.").required(),
               any("swap", 11, "Swap memory information."),
           });
  return t;
}

const TypeDef& nodeStatus() {
  static const TypeDef t = type(
      kCore + "NodeStatus", "Observed state of a node.",
      {
          quantityMap("capacity", 1, "Total resources of the node."),
          quantityMap("allocatable", 2, "Resources available to pods."),
          str("phase", 3, "Deprecated lifecycle phase."),
          objects("conditions", 4, nodeCondition(), "Latest observations of the node.")
              .merge("type")
              .listMap({"type"}),
          objects("addresses", 5, nodeAddress(), "Addresses of the node.").merge("type").listMap({"type"}),
          any("daemonEndpoints", 6, "Ports of daemons running on the node."),
          object("nodeInfo", 7, nodeSystemInfo(), "Identity and software versions of the node."),
          anys("images", 8, "Container images present on the node.").atomic(),
          strings("volumesInUse", 9, "Volumes in use by the node.").atomic(),
          anys("volumesAttached", 10, "Volumes attached to the node.").atomic(),
          any("config", 11, "Status of the node's dynamic configuration."),
          anys("runtimeHandlers", 12, "Runtime handlers available on the node.").atomic(),
          any("features", 13, "Features the node supports."),
      });
  return t;
}

}  // namespace

const TypeDef& node() {
  static const TypeDef t = kind("", "v1", "Node", kCore + "Node", "A machine that runs pods.",
                                {
                                    object("metadata", 1, objectMeta(), "Standard object metadata."),
                                    object("spec", 2, nodeSpec(), "Desired configuration of the node."),
                                    object("status", 3, nodeStatus(), "Observed state of the node."),
                                });
  return t;
}

}  // namespace edgeway::api::schema
