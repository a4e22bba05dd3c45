#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "apiserver/src/tables.h"

namespace edgeway::apiserver::tables {
namespace {

using nlohmann::json;

// 2024-05-01T12:00:00Z; objects below are created 90s earlier unless a test says otherwise.
const std::time_t kNow = 1714564800;
const char* const kCreated = "2024-05-01T11:58:30Z";

json meta(const char* name) {
  return {{"name", name}, {"namespace", "default"}, {"creationTimestamp", kCreated}};
}

std::vector<std::string> columnNames(const TableConvertor& t) {
  std::vector<std::string> out;
  for (const auto& c : t.columns) out.push_back(c.name);
  return out;
}

std::vector<std::string> wideColumns(const TableConvertor& t) {
  std::vector<std::string> out;
  for (const auto& c : t.columns) {
    if (c.priority == 1) out.push_back(c.name);
  }
  return out;
}

TEST(HumanDurationTest, FollowsApimachineryThresholds) {
  const long long m = 60, h = 3600, d = 86400, y = 365 * d;
  struct Case {
    long long seconds;
    const char* want;
  };
  for (const Case& c : {Case{-5, "<invalid>"},
                        Case{-2, "<invalid>"},
                        Case{-1, "0s"},
                        Case{0, "0s"},
                        Case{59, "59s"},
                        Case{119, "119s"},
                        Case{120, "2m"},
                        Case{150, "2m30s"},
                        Case{9 * m + 59, "9m59s"},
                        Case{10 * m + 30, "10m"},
                        Case{179 * m, "179m"},
                        Case{3 * h, "3h"},
                        Case{3 * h + 5 * m, "3h5m"},
                        Case{7 * h + 59 * m + 59, "7h59m"},
                        Case{8 * h + 30 * m, "8h"},
                        Case{47 * h, "47h"},
                        Case{48 * h, "2d"},
                        Case{2 * d + 3 * h, "2d3h"},
                        Case{7 * d + 23 * h, "7d23h"},
                        Case{8 * d + 5 * h, "8d"},
                        Case{729 * d, "729d"},
                        Case{2 * y, "2y"},
                        Case{3 * y + 45 * d, "3y45d"},
                        Case{8 * y + 100 * d, "8y"}}) {
    EXPECT_EQ(humanDuration(c.seconds), c.want) << c.seconds;
  }
}

TEST(AgeTest, UnknownWithoutTimestamp) {
  EXPECT_EQ(age(json{{"metadata", {{"name", "x"}}}}, kNow), "<unknown>");
  EXPECT_EQ(age(json{{"metadata", {{"creationTimestamp", "garbage"}}}}, kNow), "<unknown>");
  EXPECT_EQ(age(json{{"metadata", meta("x")}}, kNow), "90s");
}

// --- Service ---

TEST(ServiceTableTest, Columns) {
  TableConvertor t = serviceTable();
  EXPECT_EQ(columnNames(t), (std::vector<std::string>{"Name", "Type", "Cluster-IP", "External-IP", "Port(s)",
                                                      "Age", "Selector"}));
  EXPECT_EQ(wideColumns(t), std::vector<std::string>{"Selector"});
  EXPECT_EQ(t.columns[0].format, "name");
}

TEST(ServiceTableTest, ClusterIp) {
  json svc = {{"metadata", meta("web")},
              {"spec",
               {{"type", "ClusterIP"},
                {"clusterIP", "10.43.0.10"},
                {"clusterIPs", {"10.43.0.10"}},
                {"ports", {{{"port", 80}, {"protocol", "TCP"}}, {{"port", 53}, {"protocol", "UDP"}}}},
                {"selector", {{"tier", "front"}, {"app", "web"}}}}}};
  EXPECT_EQ(serviceTable().cells(svc, kNow),
            json({"web", "ClusterIP", "10.43.0.10", "<none>", "80/TCP,53/UDP", "90s", "app=web,tier=front"}));
}

TEST(ServiceTableTest, HeadlessWithoutPortsOrSelector) {
  json svc = {{"metadata", meta("db")},
              {"spec", {{"type", "ClusterIP"}, {"clusterIP", "None"}, {"clusterIPs", {"None"}}}}};
  EXPECT_EQ(serviceTable().cells(svc, kNow),
            json({"db", "ClusterIP", "None", "<none>", "<none>", "90s", "<none>"}));
}

TEST(ServiceTableTest, NodePortShowsNodePortAndExternalIps) {
  json svc = {{"metadata", meta("np")},
              {"spec",
               {{"type", "NodePort"},
                {"clusterIPs", {"10.43.0.20"}},
                {"externalIPs", {"192.0.2.1", "192.0.2.2"}},
                {"ports", {{{"port", 80}, {"nodePort", 30080}, {"protocol", "TCP"}}}}}}};
  json cells = serviceTable().cells(svc, kNow);
  EXPECT_EQ(cells[3], "192.0.2.1,192.0.2.2");
  EXPECT_EQ(cells[4], "80:30080/TCP");
}

TEST(ServiceTableTest, LoadBalancerPendingThenAssigned) {
  json svc = {{"metadata", meta("lb")},
              {"spec",
               {{"type", "LoadBalancer"},
                {"clusterIPs", {"10.43.0.30"}},
                {"ports", {{{"port", 443}, {"nodePort", 31443}, {"protocol", "TCP"}}}}}},
              {"status", {{"loadBalancer", json::object()}}}};
  EXPECT_EQ(serviceTable().cells(svc, kNow)[3], "<pending>");

  // Sorted and deduplicated; a hostname stands in when there is no IP.
  svc["status"]["loadBalancer"]["ingress"] = {{{"ip", "203.0.113.9"}},
                                              {{"hostname", "lb.example.com"}},
                                              {{"ip", "203.0.113.2"}},
                                              {{"ip", "203.0.113.9"}}};
  EXPECT_EQ(serviceTable().cells(svc, kNow)[3], "203.0.113.2,203.0.113.9,lb.example.com");

  // External IPs follow the load-balancer addresses.
  svc["spec"]["externalIPs"] = {"192.0.2.7"};
  EXPECT_EQ(serviceTable().cells(svc, kNow)[3], "203.0.113.2,203.0.113.9,lb.example.com,192.0.2.7");
  svc["status"]["loadBalancer"]["ingress"] = json::array();
  EXPECT_EQ(serviceTable().cells(svc, kNow)[3], "192.0.2.7");
}

TEST(ServiceTableTest, ExternalName) {
  json svc = {{"metadata", meta("ext")},
              {"spec", {{"type", "ExternalName"}, {"externalName", "db.example.com"}}}};
  EXPECT_EQ(serviceTable().cells(svc, kNow),
            json({"ext", "ExternalName", "<none>", "db.example.com", "<none>", "90s", "<none>"}));
}

// --- Namespace, Secret ---

TEST(NamespaceTableTest, Cells) {
  TableConvertor t = namespaceTable();
  EXPECT_EQ(columnNames(t), (std::vector<std::string>{"Name", "Status", "Age"}));
  json ns = {{"metadata", {{"name", "kube-system"}, {"creationTimestamp", "2024-04-28T12:00:00Z"}}},
             {"status", {{"phase", "Active"}}}};
  EXPECT_EQ(t.cells(ns, kNow), json({"kube-system", "Active", "3d"}));
}

TEST(SecretTableTest, Cells) {
  TableConvertor t = secretTable();
  EXPECT_EQ(columnNames(t), (std::vector<std::string>{"Name", "Type", "Data", "Age"}));
  json secret = {{"metadata", meta("tls")},
                 {"type", "kubernetes.io/tls"},
                 {"data", {{"tls.crt", "eA=="}, {"tls.key", "eQ=="}}}};
  EXPECT_EQ(t.cells(secret, kNow), json({"tls", "kubernetes.io/tls", 2, "90s"}));
}

// --- Endpoints, EndpointSlice ---

TEST(EndpointsTableTest, ListsAddressPortPairsUpToThree) {
  TableConvertor t = endpointsTable();
  EXPECT_EQ(columnNames(t), (std::vector<std::string>{"Name", "Endpoints", "Age"}));
  json ep = {
      {"metadata", meta("web")},
      {"subsets",
       {{{"addresses", {{{"ip", "10.42.0.5"}}, {{"ip", "10.42.0.6"}}}}, {"ports", {{{"port", 8080}}}}}}}};
  EXPECT_EQ(t.cells(ep, kNow)[1], "10.42.0.5:8080,10.42.0.6:8080");

  ep["subsets"][0]["ports"].push_back({{"port", 9090}});
  EXPECT_EQ(t.cells(ep, kNow)[1], "10.42.0.5:8080,10.42.0.6:8080,10.42.0.5:9090 + 1 more...");

  json v6 = {{"metadata", meta("v6")},
             {"subsets", {{{"addresses", {{{"ip", "fd00::5"}}}}, {"ports", {{{"port", 80}}}}}}}};
  EXPECT_EQ(t.cells(v6, kNow)[1], "[fd00::5]:80");

  json headless = {{"metadata", meta("h")}, {"subsets", {{{"addresses", {{{"ip", "10.42.0.7"}}}}}}}};
  EXPECT_EQ(t.cells(headless, kNow)[1], "10.42.0.7");

  EXPECT_EQ(t.cells(json{{"metadata", meta("none")}}, kNow)[1], "<none>");
}

TEST(EndpointSliceTableTest, Cells) {
  TableConvertor t = endpointSliceTable();
  EXPECT_EQ(columnNames(t), (std::vector<std::string>{"Name", "AddressType", "Ports", "Endpoints", "Age"}));
  json slice = {{"metadata", meta("web-abc12")},
                {"addressType", "IPv4"},
                {"endpoints",
                 {{{"addresses", {"10.42.0.5"}}},
                  {{"addresses", {"10.42.0.6"}}},
                  {{"addresses", {"10.42.0.7"}}},
                  {{"addresses", {"10.42.0.8"}}}}},
                {"ports", {{{"name", "http"}, {"port", 8080}, {"protocol", "TCP"}}, {{"name", "metrics"}}}}};
  EXPECT_EQ(t.cells(slice, kNow),
            json({"web-abc12", "IPv4", "8080,metrics", "10.42.0.5,10.42.0.6,10.42.0.7 + 1 more...", "90s"}));

  json empty = {{"metadata", meta("empty")}, {"addressType", "IPv4"}, {"ports", {json::object()}}};
  EXPECT_EQ(t.cells(empty, kNow), json({"empty", "IPv4", "*", "<unset>", "90s"}));
  empty.erase("ports");
  EXPECT_EQ(t.cells(empty, kNow)[2], "<unset>");
}

// --- Pod ---

json runningPod() {
  return json::parse(
      R"({"metadata":{"name":"web-1","namespace":"default","creationTimestamp":"2024-05-01T11:58:30Z"},
    "spec":{"containers":[{"name":"web","image":"nginx"}],"nodeName":"node-1"},
    "status":{"phase":"Running","podIP":"10.42.0.5","podIPs":[{"ip":"10.42.0.5"}],
      "conditions":[{"type":"Ready","status":"True"}],
      "containerStatuses":[{"name":"web","ready":true,"restartCount":0,"state":{"running":{}}}]}})");
}

TEST(PodTableTest, Columns) {
  TableConvertor t = podTable();
  EXPECT_EQ(columnNames(t), (std::vector<std::string>{"Name", "Ready", "Status", "Restarts", "Age", "IP",
                                                      "Node", "Nominated Node", "Readiness Gates"}));
  EXPECT_EQ(wideColumns(t), (std::vector<std::string>{"IP", "Node", "Nominated Node", "Readiness Gates"}));
}

TEST(PodTableTest, Running) {
  EXPECT_EQ(podTable().cells(runningPod(), kNow),
            json({"web-1", "1/1", "Running", "0", "90s", "10.42.0.5", "node-1", "<none>", "<none>"}));
}

TEST(PodTableTest, PendingWithoutStatusDetails) {
  json pod = {{"metadata", meta("p")},
              {"spec", {{"containers", {{{"name", "a"}}, {{"name", "b"}}}}}},
              {"status", {{"phase", "Pending"}}}};
  EXPECT_EQ(podTable().cells(pod, kNow),
            json({"p", "0/2", "Pending", "0", "90s", "<none>", "<none>", "<none>", "<none>"}));
}

TEST(PodTableTest, WaitingReasonAndRestartsWithAge) {
  json pod = runningPod();
  json& cs = pod["status"]["containerStatuses"][0];
  cs["ready"] = false;
  cs["restartCount"] = 4;
  cs["state"] = {{"waiting", {{"reason", "CrashLoopBackOff"}}}};
  cs["lastState"] = {{"terminated", {{"exitCode", 1}, {"finishedAt", "2024-05-01T11:55:00Z"}}}};
  json cells = podTable().cells(pod, kNow);
  EXPECT_EQ(cells[1], "0/1");
  EXPECT_EQ(cells[2], "CrashLoopBackOff");
  EXPECT_EQ(cells[3], "4 (5m ago)");
}

TEST(PodTableTest, TerminatedReasons) {
  json pod = runningPod();
  pod["status"]["containerStatuses"][0]["state"] = {
      {"terminated", {{"exitCode", 0}, {"reason", "Completed"}}}};
  EXPECT_EQ(podTable().cells(pod, kNow)[2], "Completed");
  pod["status"]["containerStatuses"][0]["state"] = {{"terminated", {{"exitCode", 137}, {"signal", 9}}}};
  EXPECT_EQ(podTable().cells(pod, kNow)[2], "Signal:9");
  pod["status"]["containerStatuses"][0]["state"] = {{"terminated", {{"exitCode", 2}}}};
  EXPECT_EQ(podTable().cells(pod, kNow)[2], "ExitCode:2");
}

TEST(PodTableTest, InitContainersAndSidecars) {
  json pod = runningPod();
  pod["spec"]["initContainers"] = {{{"name", "setup"}}, {{"name", "proxy"}, {"restartPolicy", "Always"}}};
  pod["status"]["phase"] = "Pending";
  pod["status"]["containerStatuses"] = json::array();
  pod["status"]["initContainerStatuses"] = {
      {{"name", "setup"}, {"state", {{"running", json::object()}}}},
      {{"name", "proxy"}, {"state", {{"waiting", {{"reason", "PodInitializing"}}}}}}};
  json cells = podTable().cells(pod, kNow);
  EXPECT_EQ(cells[1], "0/2");  // the sidecar counts as a container
  EXPECT_EQ(cells[2], "Init:0/2");

  pod["status"]["initContainerStatuses"][0]["state"] = {{"waiting", {{"reason", "ImagePullBackOff"}}}};
  EXPECT_EQ(podTable().cells(pod, kNow)[2], "Init:ImagePullBackOff");

  pod["status"]["initContainerStatuses"][0]["state"] = {
      {"terminated", {{"exitCode", 1}, {"reason", "Error"}}}};
  EXPECT_EQ(podTable().cells(pod, kNow)[2], "Init:Error");

  // Init done and the sidecar started and ready: it is counted, the pod shows its main state.
  pod["status"]["initContainerStatuses"][0]["state"] = {{"terminated", {{"exitCode", 0}}}};
  pod["status"]["initContainerStatuses"][1] = {
      {"name", "proxy"}, {"started", true}, {"ready", true}, {"state", {{"running", json::object()}}}};
  pod["status"]["phase"] = "Running";
  pod["status"]["containerStatuses"] = runningPod()["status"]["containerStatuses"];
  cells = podTable().cells(pod, kNow);
  EXPECT_EQ(cells[1], "2/2");
  EXPECT_EQ(cells[2], "Running");
}

TEST(PodTableTest, TerminatingAndReadinessGates) {
  json pod = runningPod();
  pod["metadata"]["deletionTimestamp"] = "2024-05-01T11:59:50Z";
  EXPECT_EQ(podTable().cells(pod, kNow)[2], "Terminating");
  pod["status"]["phase"] = "Succeeded";
  pod["status"]["containerStatuses"][0]["state"] = {
      {"terminated", {{"exitCode", 0}, {"reason", "Completed"}}}};
  EXPECT_EQ(podTable().cells(pod, kNow)[2], "Completed");  // finished pods are not "Terminating"

  json gated = runningPod();
  gated["spec"]["readinessGates"] = {{{"conditionType", "example.com/lb"}},
                                     {{"conditionType", "example.com/x"}}};
  gated["status"]["conditions"].push_back({{"type", "example.com/lb"}, {"status", "True"}});
  EXPECT_EQ(podTable().cells(gated, kNow)[8], "1/2");
}

TEST(PodTableTest, IpFallsBackToPodIp) {
  json pod = runningPod();
  pod["status"].erase("podIPs");
  EXPECT_EQ(podTable().cells(pod, kNow)[5], "10.42.0.5");
}

// --- Node ---

TEST(NodeTableTest, Cells) {
  TableConvertor t = nodeTable();
  EXPECT_EQ(columnNames(t),
            (std::vector<std::string>{"Name", "Status", "Roles", "Age", "Version", "Internal-IP",
                                      "External-IP", "OS-Image", "Kernel-Version", "Container-Runtime"}));
  json node = {
      {"metadata",
       {{"name", "gw-1"},
        {"creationTimestamp", kCreated},
        {"labels",
         {{"node-role.kubernetes.io/control-plane", ""},
          {"node-role.kubernetes.io/edge", ""},
          {"kubernetes.io/hostname", "gw-1"}}}}},
      {"status",
       {{"conditions",
         {{{"type", "MemoryPressure"}, {"status", "False"}}, {{"type", "Ready"}, {"status", "True"}}}},
        {"addresses",
         {{{"type", "InternalIP"}, {"address", "192.168.1.10"}},
          {{"type", "Hostname"}, {"address", "gw-1"}}}},
        {"nodeInfo",
         {{"kubeletVersion", "v1.32.0-edgeway"}, {"osImage", "Debian GNU/Linux 12 (bookworm)"}}}}}};
  EXPECT_EQ(t.cells(node, kNow),
            json({"gw-1", "Ready", "control-plane,edge", "90s", "v1.32.0-edgeway", "192.168.1.10", "<none>",
                  "Debian GNU/Linux 12 (bookworm)", "<unknown>", "<unknown>"}));

  node["spec"]["unschedulable"] = true;
  node["status"]["conditions"][1]["status"] = "Unknown";
  node["metadata"]["labels"] = {{"kubernetes.io/role", "worker"}};
  json cells = t.cells(node, kNow);
  EXPECT_EQ(cells[1], "NotReady,SchedulingDisabled");
  EXPECT_EQ(cells[2], "worker");

  json bare = {{"metadata", {{"name", "new"}}}};
  cells = t.cells(bare, kNow);
  EXPECT_EQ(cells[1], "Unknown");
  EXPECT_EQ(cells[2], "<none>");
  EXPECT_EQ(cells[3], "<unknown>");
}

// --- Event ---

TEST(EventTableTest, ColumnsInKubeOrder) {
  TableConvertor t = eventTable();
  EXPECT_EQ(columnNames(t), (std::vector<std::string>{"Last Seen", "Type", "Reason", "Object", "Subobject",
                                                      "Source", "Message", "First Seen", "Count", "Name"}));
  EXPECT_EQ(wideColumns(t), (std::vector<std::string>{"Subobject", "Source", "First Seen", "Count", "Name"}));
  EXPECT_EQ(t.columns[9].format, "name");
}

TEST(EventTableTest, CoreEvent) {
  json ev = {{"metadata", meta("web.17c1")},
             {"involvedObject", {{"kind", "Service"}, {"name", "web"}, {"namespace", "default"}}},
             {"type", "Normal"},
             {"reason", "EnsuringLoadBalancer"},
             {"message", "Ensuring load balancer\n"},
             {"source", {{"component", "service-controller"}}},
             {"firstTimestamp", "2024-05-01T11:00:00Z"},
             {"lastTimestamp", "2024-05-01T11:59:00Z"},
             {"count", 3}};
  EXPECT_EQ(eventTable().cells(ev, kNow),
            json({"60s", "Normal", "EnsuringLoadBalancer", "service/web", "", "service-controller",
                  "Ensuring load balancer", "60m", 3, "web.17c1"}));
  ev["source"]["host"] = "gw-1";
  ev["involvedObject"]["fieldPath"] = "spec.containers{web}";
  json cells = eventTable().cells(ev, kNow);
  EXPECT_EQ(cells[4], "spec.containers{web}");
  EXPECT_EQ(cells[5], "service-controller, gw-1");
}

TEST(EventTableTest, NewStyleEventWithSeries) {
  json ev = {{"metadata", meta("n")},
             {"involvedObject", {{"kind", "Node"}}},
             {"reportingComponent", "edgeway"},
             {"reportingInstance", "gw-1"},
             {"eventTime", "2024-05-01T11:50:00.000000Z"},
             {"series", {{"count", 7}, {"lastObservedTime", "2024-05-01T11:59:30.500000Z"}}}};
  json cells = eventTable().cells(ev, kNow);
  EXPECT_EQ(cells[0], "30s");
  EXPECT_EQ(cells[3], "node");
  EXPECT_EQ(cells[5], "edgeway, gw-1");
  EXPECT_EQ(cells[7], "10m");
  EXPECT_EQ(cells[8], 7);

  json single = {{"metadata", meta("s")}, {"involvedObject", {{"kind", "Pod"}, {"name", "p"}}}};
  cells = eventTable().cells(single, kNow);
  EXPECT_EQ(cells[0], "<unknown>");
  EXPECT_EQ(cells[7], "<unknown>");
  EXPECT_EQ(cells[8], 1);  // singleton events count once
}

// --- Ingress, IngressClass ---

TEST(IngressTableTest, Cells) {
  TableConvertor t = ingressTable();
  EXPECT_EQ(columnNames(t), (std::vector<std::string>{"Name", "Class", "Hosts", "Address", "Ports", "Age"}));
  json ing = {{"metadata", meta("web")},
              {"spec", {{"rules", {{{"host", "a.example.com"}}, {{"host", "b.example.com"}}}}}}};
  EXPECT_EQ(t.cells(ing, kNow), json({"web", "<none>", "a.example.com,b.example.com", "", "80", "90s"}));

  ing["spec"]["ingressClassName"] = "edgeway";
  ing["spec"]["tls"] = {{{"hosts", {"a.example.com"}}, {"secretName", "a-tls"}}};
  ing["spec"]["rules"] = {{{"host", "a.example.com"}},
                          json::object(),
                          {{"host", "c.example.com"}},
                          {{"host", "d.example.com"}},
                          {{"host", "e.example.com"}}};
  ing["status"]["loadBalancer"]["ingress"] = {{{"ip", "192.168.1.10"}}, {{"hostname", "gw.local"}}};
  EXPECT_EQ(t.cells(ing, kNow),
            json({"web", "edgeway", "a.example.com,c.example.com,d.example.com + 2 more...",
                  "192.168.1.10,gw.local", "80, 443", "90s"}));

  json catchAll = {{"metadata", meta("all")},
                   {"spec", {{"defaultBackend", {{"service", {{"name", "web"}}}}}}}};
  EXPECT_EQ(t.cells(catchAll, kNow)[2], "*");
}

TEST(IngressClassTableTest, Cells) {
  TableConvertor t = ingressClassTable();
  EXPECT_EQ(columnNames(t), (std::vector<std::string>{"Name", "Controller", "Parameters", "Age"}));
  json cls = {{"metadata", {{"name", "edgeway"}, {"creationTimestamp", kCreated}}},
              {"spec", {{"controller", "edgeway.io/ingress"}}}};
  EXPECT_EQ(t.cells(cls, kNow), json({"edgeway", "edgeway.io/ingress", "<none>", "90s"}));
  cls["spec"]["parameters"] = {
      {"apiGroup", "k8s.example.com"}, {"kind", "IngressParameters"}, {"name", "external-lb"}};
  EXPECT_EQ(t.cells(cls, kNow)[2], "IngressParameters.k8s.example.com/external-lb");
  cls["spec"]["parameters"].erase("apiGroup");
  EXPECT_EQ(t.cells(cls, kNow)[2], "IngressParameters/external-lb");
}

}  // namespace
}  // namespace edgeway::apiserver::tables
