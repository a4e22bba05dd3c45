#!/usr/bin/env bash
# LoadBalancer addresses from a pool inside the client's own subnet (no route: the client
# must ARP / solicit for them, answered through the node's edgeway-lb interface), reachable
# once assigned and gone with the Service; and the healthCheckNodePort of an
# externalTrafficPolicy Local Service (200 with the local endpoint count, 503 without one).
source "$(dirname "$0")/lib.sh"
topology_up
start_server --lb-pool 192.168.77.200-192.168.77.210 --lb-pool fd77::200-fd77::210
two_local_one_remote
kok apply -f - <<'Y'
apiVersion: v1
kind: Service
metadata:
  name: onlink
spec:
  type: LoadBalancer
  ipFamilyPolicy: PreferDualStack
  externalTrafficPolicy: Local
  selector: {app: web}
  ports:
  - {port: 80, targetPort: 8080}
Y
kok wait svc/onlink --for=jsonpath='{.status.loadBalancer.ingress[0].ip}' --timeout=10s
kok get svc onlink -o 'jsonpath={.status.loadBalancer.ingress[*].ip}'
read -r -a LB <<<"$OUT"
V4=""; V6=""
for a in "${LB[@]}"; do case "$a" in *:*) V6=$a ;; *) V4=$a ;; esac; done
case "$V4" in 192.168.77.2[01][0-9]) ;; *) fail "no IPv4 pool address: ${LB[*]}" ;; esac
nx "$CLIENT" ip route get "$V4" | grep -q "dev eth0" || fail "client should reach $V4 on-link"

until_pods "pod1 pod2" "$CLIENT" tcp "$V4" 80
nx "$CLIENT" ip neigh show "$V4" | grep -q lladdr || fail "client has no neighbour entry for $V4"
if [ -n "$V6" ]; then
  until_pods "pod1 pod2" "$CLIENT" tcp "$V6" 80
else
  echo "note: no IPv6 address assigned (${LB[*]})"
fi

# healthCheckNodePort: two ready local endpoints (pod3 is on edge-2).
kok get svc onlink -o 'jsonpath={.spec.healthCheckNodePort}'
HC=$OUT
[ -n "$HC" ] || fail "no healthCheckNodePort"
health() {  # want-code want-count
  local body code
  for _ in $(seq 1 50); do
    body=$(nx "$CLIENT" curl -s -m 2 -w '\n%{http_code}' "http://192.168.77.1:$HC/" 2>/dev/null || true)
    code=$(tail -n1 <<<"$body")
    if [ "$code" = "$1" ] && grep -q "\"localEndpoints\": $2" <<<"$body"; then return 0; fi
    sleep 0.2
  done
  fail "health check port $HC: wanted $1 with localEndpoints $2, got: $body"
}
health 200 2
kok patch pod pod1 --subresource=status --type=merge -p '{"status":{"conditions":[{"type":"Ready","status":"False"}]}}'
health 200 1
kok patch pod pod2 --subresource=status --type=merge -p '{"status":{"conditions":[{"type":"Ready","status":"False"}]}}'
health 503 0
kok patch pod pod2 --subresource=status --type=merge -p '{"status":{"conditions":[{"type":"Ready","status":"True"}]}}'
health 200 1

# UDP conntrack: a client that keeps its source port stays on its endpoint through the
# conntrack entry; when that endpoint leaves the Service the proxy deletes the entry, so the
# next datagram is balanced anew (the old pod still runs and would answer otherwise).
kok apply -f - <<'Y'
apiVersion: v1
kind: Service
metadata:
  name: dgram
spec:
  selector: {app: web}
  ports:
  - {port: 53, targetPort: 8080, protocol: UDP}
Y
kok get svc dgram -o 'jsonpath={.spec.clusterIP}'
DGRAM=$OUT
udp_from_fixed_port() {
  nx "$P-pod4" python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", 40053)); s.settimeout(1)
s.sendto(b"hi", (sys.argv[1], 53))
try: print(s.recv(256).decode().split()[0])
except socket.timeout: print("timeout")' "$DGRAM"
}
FIRST=""
for _ in $(seq 1 50); do
  FIRST=$(udp_from_fixed_port)
  [ "$FIRST" = pod2 ] || [ "$FIRST" = pod3 ] && break
  sleep 0.2
done
case "$FIRST" in pod2|pod3) ;; *) fail "UDP ClusterIP $DGRAM: got \"$FIRST\"" ;; esac
[ "$(udp_from_fixed_port)" = "$FIRST" ] || fail "UDP flow did not stick to $FIRST"
kok patch pod "$FIRST" --subresource=status --type=merge -p '{"status":{"conditions":[{"type":"Ready","status":"False"}]}}'
for _ in $(seq 1 50); do
  NOW=$(udp_from_fixed_port)
  [ "$NOW" != "$FIRST" ] && [ "$NOW" != timeout ] && break
  sleep 0.2
done
[ "$NOW" != "$FIRST" ] && [ "$NOW" != timeout ] || fail "UDP flow still reaches $FIRST after it left the Service (conntrack not cleared)"

# The Service goes: so do its addresses (the client's neighbour entry goes stale and the
# next ARP request is unanswered) and the health check port.
kok delete svc onlink
for _ in $(seq 1 50); do
  nx "$NODE" ip -br addr show dev edgeway-lb 2>/dev/null | grep -q "$V4" || break
  sleep 0.2
done
nx "$NODE" ip -br addr show dev edgeway-lb 2>/dev/null | grep -q "$V4" && fail "$V4 still on edgeway-lb"
nx "$CLIENT" ip neigh flush to "$V4" dev eth0 || true
until_pods "timeout" "$CLIENT" tcp "$V4" 80 1
nx "$CLIENT" curl -s -m 2 "http://192.168.77.1:$HC/" >/dev/null && fail "health check port $HC still answers"

# Shutdown removes the interface.
kill -TERM "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=""
nx "$NODE" ip link show edgeway-lb >/dev/null 2>&1 && fail "edgeway-lb left behind after shutdown"
echo PASS
