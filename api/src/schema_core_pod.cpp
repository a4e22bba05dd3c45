// core/v1 Pod: the fields edgeway reads (addresses, ports, readiness) are typed; deep parts
// it never looks into (volumes, probes, resources...) are free-form JSON.
// Field numbers from k8s.io/api core/v1 generated.proto (1.32).
#include "api/src/schema_build.h"

namespace edgeway::api::schema {
namespace {

const std::string kCore = "io.k8s.api.core.v1.";

const TypeDef& containerPort() {
  static const TypeDef t =
      type(kCore + "ContainerPort", "A network port a container listens on.",
           {
               str("name", 1, "IANA service name of the port, usable as a Service targetPort."),
               i32("hostPort", 2, "Port to expose on the host, if any."),
               i32("containerPort", 3, "Port number inside the pod.").required(),
               str("protocol", 4, "TCP (default), UDP or SCTP.").oneOf({"SCTP", "TCP", "UDP"}),
               str("hostIP", 5, "Host IP to bind hostPort to."),
           });
  return t;
}

const TypeDef& envVar() {
  static const TypeDef t = type(kCore + "EnvVar", "One environment variable of a container.",
                                {
                                    str("name", 1, "Variable name.").required(),
                                    str("value", 2, "Variable value; $(VAR) references are expanded."),
                                    any("valueFrom", 3, "Source of the value when value is empty."),
                                });
  return t;
}

const TypeDef& container() {
  static const TypeDef t =
      type(kCore + "Container", "One container of a pod.",
           {
               str("name", 1, "Container name, unique in the pod.").required(),
               str("image", 2, "Container image reference."),
               strings("command", 3, "Entrypoint; the image's ENTRYPOINT when empty.").atomic(),
               strings("args", 4, "Arguments to the entrypoint.").atomic(),
               str("workingDir", 5, "Working directory."),
               objects("ports", 6, containerPort(), "Ports the container exposes (informational).")
                   .merge("containerPort")
                   .listMap({"containerPort", "protocol"}),
               anys("envFrom", 19, "Sources of whole sets of environment variables.").atomic(),
               objects("env", 7, envVar(), "Environment variables.").merge("name").listMap({"name"}),
               any("resources", 8, "Compute resource requests and limits."),
               anys("resizePolicy", 23, "How each resource may be resized in place.").atomic(),
               str("restartPolicy", 24, "Per-container restart policy (init containers only).").keep(),
               anys("volumeMounts", 9, "Volumes mounted into the container.")
                   .merge("mountPath")
                   .listMap({"mountPath"}),
               anys("volumeDevices", 21, "Block devices used by the container.")
                   .merge("devicePath")
                   .listMap({"devicePath"}),
               any("livenessProbe", 10, "Probe that restarts the container when it fails."),
               any("readinessProbe", 11, "Probe that decides whether the container receives traffic."),
               any("startupProbe", 22, "Probe that must succeed before the other probes start."),
               any("lifecycle", 12, "Hooks run after start and before stop."),
               str("terminationMessagePath", 13, "File the termination message is read from."),
               str("terminationMessagePolicy", 20, "File, or FallbackToLogsOnError."),
               str("imagePullPolicy", 14, "Always, Never or IfNotPresent.")
                   .oneOf({"Always", "IfNotPresent", "Never"}),
               any("securityContext", 15, "Security options of the container."),
               boolean("stdin", 16, "Keep a stdin buffer open."),
               boolean("stdinOnce", 17, "Close stdin after the first attach ends."),
               boolean("tty", 18, "Allocate a TTY."),
           });
  return t;
}

const TypeDef& podSpec() {
  static const TypeDef t = type(
      kCore + "PodSpec", "Desired behaviour of a pod.",
      {
          anys("volumes", 1, "Volumes the containers can mount.")
              .merge("name")
              .strategy("merge,retainKeys")
              .listMap({"name"}),
          objects("initContainers", 20, container(), "Containers run to completion before the others start.")
              .merge("name")
              .listMap({"name"}),
          objects("containers", 2, container(), "The pod's containers.")
              .required()
              .merge("name")
              .listMap({"name"}),
          anys("ephemeralContainers", 34, "Debugging containers added to a running pod.")
              .merge("name")
              .listMap({"name"}),
          str("restartPolicy", 3, "Always, OnFailure or Never.").oneOf({"Always", "Never", "OnFailure"}),
          i64("terminationGracePeriodSeconds", 4, "Seconds given to stop gracefully.").keep(),
          i64("activeDeadlineSeconds", 5, "Seconds the pod may run before it is failed.").keep(),
          str("dnsPolicy", 6, "ClusterFirst, ClusterFirstWithHostNet, Default or None."),
          strMap("nodeSelector", 7, "Labels a node must have to run the pod.").atomicMap(),
          str("serviceAccountName", 8, "Service account the pod runs as."),
          str("serviceAccount", 9, "Deprecated alias of serviceAccountName."),
          boolean("automountServiceAccountToken", 21, "Mount the service account token.").keep(),
          str("nodeName", 10, "Node the pod is bound to."),
          boolean("hostNetwork", 11, "Use the node's network namespace; the pod IP is the node IP."),
          boolean("hostPID", 12, "Use the node's PID namespace."),
          boolean("hostIPC", 13, "Use the node's IPC namespace."),
          boolean("shareProcessNamespace", 27, "Share one PID namespace between the containers.").keep(),
          any("securityContext", 14, "Pod-wide security options."),
          objects("imagePullSecrets", 15, localObjectReference(), "Secrets used to pull images.")
              .merge("name")
              .listMap({"name"}),
          str("hostname", 16, "Hostname of the pod; the pod name when empty."),
          str("subdomain", 17, "Subdomain giving the pod a DNS name under a headless Service."),
          any("affinity", 18, "Scheduling affinity rules."),
          str("schedulerName", 19, "Scheduler that places the pod."),
          anys("tolerations", 22, "Taints the pod tolerates.").atomic(),
          anys("hostAliases", 23, "Extra /etc/hosts entries.").merge("ip").listMap({"ip"}),
          str("priorityClassName", 24, "Name of the pod's priority class."),
          i32("priority", 25, "Priority value, resolved from priorityClassName.").keep(),
          any("dnsConfig", 26, "Extra DNS settings."),
          anys("readinessGates", 28, "Extra conditions that must hold for readiness.").atomic(),
          str("runtimeClassName", 29, "RuntimeClass used to run the pod.").keep(),
          boolean("enableServiceLinks", 30, "Inject Service environment variables.").keep(),
          str("preemptionPolicy", 31, "Never or PreemptLowerPriority.").keep(),
          quantityMap("overhead", 32, "Resources used by the pod sandbox itself."),
          anys("topologySpreadConstraints", 33, "How pods spread across topology domains.")
              .merge("topologyKey")
              .listMap({"topologyKey", "whenUnsatisfiable"}),
          boolean("setHostnameAsFQDN", 35, "Set the hostname to the pod's FQDN.").keep(),
          any("os", 36, "Operating system the pod needs."),
          boolean("hostUsers", 37, "Use the host user namespace.").keep(),
          anys("schedulingGates", 38, "Gates that hold the pod back from scheduling.")
              .merge("name")
              .listMap({"name"}),
          anys("resourceClaims", 39, "Dynamic resource claims of the pod.")
              .merge("name")
              .strategy("merge,retainKeys")
              .listMap({"name"}),
          any("resources", 40, "Pod-level resource requests and limits."),
      });
  return t;
}

const TypeDef& podCondition() {
  static const TypeDef t = type(
      kCore + "PodCondition", "One aspect of a pod's state, e.g. Ready.",
      {
          str("type", 1, "Condition type: PodScheduled, Initialized, ContainersReady, Ready...").required(),
          str("status", 2, "True, False or Unknown.").required(),
          time("lastProbeTime", 3, "When the condition was last probed."),
          time("lastTransitionTime", 4, "When status last changed."),
          str("reason", 5, "CamelCase cause of the last transition."),
          str("message", 6, "Human-readable detail."),
      });
  return t;
}

const TypeDef& podIp() {
  static const TypeDef t = type(kCore + "PodIP", "One IP address of a pod.",
                                {
                                    str("ip", 1, "The address.").required(),
                                });
  return t;
}

const TypeDef& hostIp() {
  static const TypeDef t = type(kCore + "HostIP", "One IP address of the pod's node.",
                                {
                                    str("ip", 1, "The address.").required(),
                                });
  return t;
}

const TypeDef& podStatus() {
  static const TypeDef t =
      type(kCore + "PodStatus", "Observed state of a pod.",
           {
               str("phase", 1, "Lifecycle summary.")
                   .oneOf({"Failed", "Pending", "Running", "Succeeded", "Unknown"}),
               objects("conditions", 2, podCondition(), "Latest observations of the pod.")
                   .merge("type")
                   .listMap({"type"}),
               str("message", 3, "Human-readable detail of the state."),
               str("reason", 4, "CamelCase reason of the state, e.g. Evicted."),
               str("nominatedNodeName", 11, "Node the pod is expected to run on after preemption."),
               str("hostIP", 5, "Primary IP of the node running the pod."),
               objects("hostIPs", 16, hostIp(), "IPs of the node, primary first.").merge("ip").atomic(),
               str("podIP", 6, "Primary IP of the pod."),
               objects("podIPs", 12, podIp(), "IPs of the pod, at most one per family, primary first.")
                   .merge("ip")
                   .listMap({"ip"}),
               time("startTime", 7, "When the kubelet acknowledged the pod.").keep(),
               anys("initContainerStatuses", 10, "Status of each init container.").atomic(),
               anys("containerStatuses", 8, "Status of each container.").atomic(),
               str("qosClass", 9, "Guaranteed, Burstable or BestEffort."),
               anys("ephemeralContainerStatuses", 13, "Status of each ephemeral container.").atomic(),
               str("resize", 14, "Progress of an in-place resize."),
               anys("resourceClaimStatuses", 15, "Status of each resource claim.")
                   .merge("name")
                   .strategy("merge,retainKeys")
                   .listMap({"name"}),
           });
  return t;
}

}  // namespace

const TypeDef& pod() {
  static const TypeDef t = kind("", "v1", "Pod", kCore + "Pod",
                                "A group of containers sharing network and storage, scheduled onto one node.",
                                {
                                    object("metadata", 1, objectMeta(), "Standard object metadata."),
                                    object("spec", 2, podSpec(), "Desired behaviour of the pod."),
                                    object("status", 3, podStatus(), "Observed state of the pod."),
                                });
  return t;
}

}  // namespace edgeway::api::schema
