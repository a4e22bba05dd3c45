#!/usr/bin/env bash
# ClusterIP through the kernel: Pods written with kubectl, connections from a pod reach only
# ready endpoints (both families, TCP and UDP), a Service without endpoints refuses at once,
# a readiness change in kubectl reaches the rules, ClientIP affinity sticks, a pod reaching
# itself through its Service works (hairpin), a clean stop removes edgeway's tables, and with
# --proxy-on-exit keep they stay and serve.
source "$(dirname "$0")/lib.sh"
topology_up
OUT=$(nx "$NODE" "$EDGEWAY_BIN" check 2>&1) || fail "edgeway check: $OUT"
[[ "$OUT" == ok:* ]] || fail "edgeway check: $OUT"
start_server
pod pod1 10.42.0.11 fd42::11 True
pod pod2 10.42.0.12 fd42::12 True
pod pod3 10.42.0.13 fd42::13 False
kok apply -f - <<'Y'
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  ipFamilyPolicy: RequireDualStack
  selector: {app: web}
  ports:
  - {name: http, port: 80, targetPort: http}
  - {name: dns, port: 53, protocol: UDP, targetPort: 8080}
---
apiVersion: v1
kind: Service
metadata:
  name: empty
spec:
  selector: {app: nothing}
  ports:
  - {port: 80}
---
apiVersion: v1
kind: Service
metadata:
  name: sticky
spec:
  selector: {app: web}
  sessionAffinity: ClientIP
  ports:
  - {port: 80, targetPort: 8080}
Y
kok get svc web -o 'jsonpath={.spec.clusterIPs[0]} {.spec.clusterIPs[1]}'
read -r web4 web6 <<<"$OUT"
kok get svc empty -o 'jsonpath={.spec.clusterIP}'; empty=$OUT
kok get svc sticky -o 'jsonpath={.spec.clusterIP}'; sticky=$OUT

# Only ready endpoints answer, over both families and both protocols; the pod sees the
# client pod's own address (no masquerade inside the cluster).
until_pods "pod1 pod2" "$P-pod4" tcp "$web4" 80
grep -q "10.42.0.14" <<<"$OUT" || fail "endpoint did not see the client pod's address: $OUT"
until_pods "pod1 pod2" "$P-pod4" tcp "$web6" 80
until_pods "pod1 pod2" "$P-pod4" udp "$web4" 53

# No endpoints: refused at once (TCP reset), not a timeout.
probe "$P-pod4" tcp "$empty" 80 5
[ "$(pods_in)" == "refused" ] || fail "a Service without endpoints should refuse: $OUT"

# kubectl changes reach the kernel.
kok patch pod pod2 --subresource=status --type=merge -p '{"status":{"conditions":[{"type":"Ready","status":"False"}]}}'
until_pods "pod1" "$P-pod4" tcp "$web4" 80
kok patch pod pod3 --subresource=status --type=merge -p '{"status":{"conditions":[{"type":"Ready","status":"True"}]}}'
until_pods "pod1 pod3" "$P-pod4" tcp "$web4" 80

# ClientIP affinity: one client, one endpoint.
probe "$P-pod4" tcp "$sticky" 80 12
[ "$(pods_in | wc -w)" -eq 1 ] || fail "affinity did not stick: $(pods_in)"

# Hairpin: pod1 through the Service back to itself (only endpoint left), masqueraded.
kok patch pod pod3 --subresource=status --type=merge -p '{"status":{"conditions":[{"type":"Ready","status":"False"}]}}'
until_pods "pod1" "$P-pod1" tcp "$web4" 80

# A clean stop takes edgeway's tables away.
kill -TERM "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=""
if nx "$NODE" nft list tables | grep -q edgeway; then fail "tables left after a clean stop"; fi

# --proxy-on-exit keep: the rules stay and keep serving with edgeway stopped (a restart or an
# upgrade does not cut Service traffic); the next start replaces them.
start_server --proxy-on-exit keep
until_pods "pod1" "$P-pod4" tcp "$web4" 80
kill -TERM "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=""
tables=$(nx "$NODE" nft list tables)  # (not piped into grep -q: pipefail would see nft's SIGPIPE)
grep -q "ip edgeway" <<<"$tables" || fail "--proxy-on-exit keep: the tables went: $tables"
probe "$P-pod4" tcp "$web4" 80 4
[ "$(pods_in)" = "pod1" ] || fail "kept rules do not serve: $(pods_in)"
echo PASS
