# Shared set-up for the privileged proxy tests: a gateway in network namespaces that this
# file creates and removes, with `edgeway server` running in the node namespace, driven by
# stock kubectl, and real connections from pods and from an outside client.
#
#   <prefix>-pod1 10.42.0.11 fd42::11 --+                              +-- <prefix>-client
#   <prefix>-pod2 10.42.0.12 fd42::12 --+-- <prefix>-node  ext0 ------+   192.168.77.2/24
#   <prefix>-pod3 10.42.0.13 fd42::13 --+   routed /32 veths           |   fd77::2/64
#   <prefix>-pod4 10.42.0.14 fd42::14 --+   192.168.77.1/24 fd77::1/64 |
#
# pod1..pod3 serve TCP and UDP 8080 (podserver.py); pod4 is a client pod (and serves too).
# Only addresses inside these namespaces are used; nothing is added to the host's own
# network namespace or ruleset. Needs root; without it the test is skipped (exit 77)
# unless EDGEWAY_REQUIRE_PRIVILEGED=1, which makes the skip a failure (CI).
set -euo pipefail

: "${EDGEWAY_BIN:?EDGEWAY_BIN must point at build/edgeway}"
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
NS_TMP=$(mktemp -d /tmp/edgeway-netns.XXXXXX)
P="ew$$"
NODE=$P-node
CLIENT=$P-client
SERVER_PID=""
POD_PIDS=()
export KUBECACHEDIR="$NS_TMP/kube-cache"
export KUBECONFIG="$NS_TMP/data/kubeconfig"

skip_or_fail() {
  if [ "${EDGEWAY_REQUIRE_PRIVILEGED:-0}" = 1 ]; then
    echo "FAIL: privileged test cannot run: $*" >&2
    exit 1
  fi
  echo "SKIP: $*"
  exit 77
}

[ "$(id -u)" -eq 0 ] || skip_or_fail "needs root (network namespaces, nftables)"
command -v ip >/dev/null || skip_or_fail "iproute2 missing"

nx() { ip netns exec "$@"; }

netns_cleanup() {
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID"
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  for pid in "${POD_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  for ns in $(ip netns list | awk -v p="$P-" 'index($1, p) == 1 {print $1}'); do ip netns del "$ns" 2>/dev/null || true; done
  rm -rf "$NS_TMP"
}
trap netns_cleanup EXIT

fail() {
  echo "FAIL: $*" >&2
  echo "--- server log (tail) ---" >&2
  tail -n 40 "$NS_TMP/server.log" >&2 || true
  echo "--- ruleset in the node namespace ---" >&2
  nx "$NODE" nft list ruleset 2>&1 | head -n 200 >&2 || true
  exit 1
}

topology_up() {
  ip netns add "$NODE" || skip_or_fail "cannot create network namespaces"
  ip netns add "$CLIENT"
  nx "$NODE" ip link set lo up
  nx "$CLIENT" ip link set lo up
  nx "$NODE" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
  nx "$NODE" ip link add ext0 type veth peer name eth0 netns "$CLIENT"
  nx "$NODE" ip addr add 192.168.77.1/24 dev ext0
  nx "$NODE" ip addr add fd77::1/64 dev ext0 nodad
  nx "$NODE" ip link set ext0 up
  nx "$CLIENT" ip addr add 192.168.77.2/24 dev eth0
  nx "$CLIENT" ip addr add fd77::2/64 dev eth0 nodad
  nx "$CLIENT" ip link set eth0 up
  # The client is the node's upstream router; it does not forward.
  nx "$NODE" ip route add default via 192.168.77.2
  nx "$NODE" ip -6 route add default via fd77::2
  for i in 1 2 3 4; do
    local pod=$P-pod$i
    ip netns add "$pod"
    nx "$pod" ip link set lo up
    nx "$NODE" ip link add "vethp$i" type veth peer name eth0 netns "$pod"
    nx "$NODE" ip addr add 10.42.0.1/32 dev "vethp$i"
    nx "$NODE" ip addr add fd42::1/128 dev "vethp$i" nodad
    nx "$NODE" ip link set "vethp$i" up
    nx "$NODE" ip route add "10.42.0.1$i/32" dev "vethp$i"
    nx "$NODE" ip -6 route add "fd42::1$i/128" dev "vethp$i"
    nx "$pod" ip addr add "10.42.0.1$i/32" dev eth0
    nx "$pod" ip addr add "fd42::1$i/128" dev eth0 nodad
    nx "$pod" ip link set eth0 up
    nx "$pod" ip route add 10.42.0.1/32 dev eth0 scope link
    nx "$pod" ip route add default via 10.42.0.1 dev eth0
    nx "$pod" ip -6 route add fd42::1/128 dev eth0
    nx "$pod" ip -6 route add default via fd42::1 dev eth0
    ip netns exec "$pod" python3 "$HERE/podserver.py" "pod$i" 8080 >"$NS_TMP/pod$i.log" 2>&1 </dev/null &
    POD_PIDS+=($!)
  done
  for i in 1 2 3 4; do
    for _ in $(seq 1 50); do
      grep -q listening "$NS_TMP/pod$i.log" 2>/dev/null && break
      sleep 0.1
    done
  done
}

# Starts edgeway in the node namespace as the gateway's one process (API on the node's
# loopback, the proxy programming the node namespace's nftables). Extra flags pass through.
start_server() {
  mkdir -p "$NS_TMP/data"
  ip netns exec "$NODE" "$EDGEWAY_BIN" server --data-dir "$NS_TMP/data" --api-listen 127.0.0.1:6443 \
    --node-name edge-1 --node-ip 192.168.77.1,fd77::1 \
    --cluster-cidr 10.42.0.0/16,fd42::/64 --service-cidr 10.43.0.0/16,fd43::/112 \
    --dns-listen 127.0.0.1:53 --ingress-http-listen 127.0.0.1:0 --ingress-https-listen 127.0.0.1:0 \
    --proxy nftables "$@" >>"$NS_TMP/server.log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 1 100); do
    if [ -s "$KUBECONFIG" ] && nx "$NODE" curl -fsS --cacert "$NS_TMP/data/tls/ca.crt" https://127.0.0.1:6443/readyz >/dev/null 2>&1; then
      return 0
    fi
    kill -0 "$SERVER_PID" 2>/dev/null || fail "server exited during start-up"
    sleep 0.1
  done
  fail "server did not become ready"
}

# kubectl against the server, from inside the node namespace. $OUT, $RC as in e2e/lib.sh.
k() {
  set +e
  OUT=$(nx "$NODE" kubectl "$@" 2>&1)
  RC=$?
  set -e
}
kok() {
  k "$@"
  [ "$RC" -eq 0 ] || fail "kubectl $* exited $RC: $OUT"
}

# A Pod on `node` with an IP of each family, Ready or not (as a runtime hook would write it).
pod() {  # name ip4 ip6 ready(True|False) [node]
  kok apply -f - <<Y
apiVersion: v1
kind: Pod
metadata:
  name: $1
  labels: {app: web}
spec:
  nodeName: ${5:-edge-1}
  containers:
  - name: app
    image: podserver
    ports:
    - {name: http, containerPort: 8080}
Y
  kok patch pod "$1" --subresource=status --type=merge -p "{\"status\":{\"phase\":\"Running\",
    \"podIP\":\"$2\",\"podIPs\":[{\"ip\":\"$2\"},{\"ip\":\"$3\"}],
    \"conditions\":[{\"type\":\"Ready\",\"status\":\"$4\"}]}}"
}

# Connects from namespace `ns` COUNT times; $OUT holds one line per attempt (probe.py).
probe() {  # ns tcp|udp host port count
  OUT=$(nx "$1" python3 "$HERE/probe.py" "$2" "$3" "$4" "$5" 2>&1)
}

# The distinct pods (first word of each answer), sorted, space-separated.
pods_in() { awk '{print $1}' <<<"$OUT" | sort -u | tr '\n' ' ' | sed 's/ $//'; }

# Probes (12 connections, or `count`) until the set of answering pods (or "refused" /
# "timeout") is `want`; the bound only turns a hang into a failure.
until_pods() {  # want ns proto host port [count]
  local want=$1 count=${6:-12}
  for _ in $(seq 1 50); do
    probe "$2" "$3" "$4" "$5" "$count"
    [ "$(pods_in)" == "$want" ] && return 0
    sleep 0.2
  done
  fail "probe $*: wanted \"$want\", got: $(pods_in)"
}

# The usual endpoints: pod1 and pod2 ready on this node, pod3 ready but declared on another
# node (so not local for the traffic policies; it still answers, being in our topology).
two_local_one_remote() {
  pod pod1 10.42.0.11 fd42::11 True
  pod pod2 10.42.0.12 fd42::12 True
  pod pod3 10.42.0.13 fd42::13 True edge-2
}
