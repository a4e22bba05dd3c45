#!/usr/bin/env bash
# Traffic from outside the node: NodePort on the node's address, LoadBalancer addresses
# from the pool, externalIPs, externalTrafficPolicy Local (source kept, only local
# endpoints, dropped when none), internalTrafficPolicy Local, and loadBalancerSourceRanges.
source "$(dirname "$0")/lib.sh"
topology_up
# The LB pool sits behind the node as seen from the client (a routed range).
nx "$CLIENT" ip route add 192.168.88.0/24 via 192.168.77.1
start_server --lb-pool 192.168.88.10-192.168.88.20
two_local_one_remote
kok apply -f - <<'Y'
apiVersion: v1
kind: Service
metadata:
  name: np
spec:
  type: NodePort
  selector: {app: web}
  ports:
  - {port: 80, targetPort: 8080, nodePort: 30080}
---
apiVersion: v1
kind: Service
metadata:
  name: lb
spec:
  type: LoadBalancer
  loadBalancerIP: 192.168.88.10
  selector: {app: web}
  externalIPs: [192.168.88.50]
  ports:
  - {port: 80, targetPort: 8080}
---
apiVersion: v1
kind: Service
metadata:
  name: local
spec:
  type: LoadBalancer
  loadBalancerIP: 192.168.88.11
  externalTrafficPolicy: Local
  selector: {app: web}
  ports:
  - {port: 80, targetPort: 8080, nodePort: 30081}
---
apiVersion: v1
kind: Service
metadata:
  name: fenced
spec:
  type: LoadBalancer
  loadBalancerIP: 192.168.88.12
  loadBalancerSourceRanges: [10.99.0.0/16]
  selector: {app: web}
  ports:
  - {port: 80, targetPort: 8080}
---
apiVersion: v1
kind: Service
metadata:
  name: inner
spec:
  internalTrafficPolicy: Local
  selector: {app: web}
  ports:
  - {port: 80, targetPort: 8080}
Y
kok wait svc/local --for=jsonpath='{.status.loadBalancer.ingress[0].ip}'=192.168.88.11 --timeout=10s

# NodePort and LoadBalancer from outside reach every endpoint, masqueraded (eTP Cluster):
# the pod sees the node, not the client.
until_pods "pod1 pod2 pod3" "$CLIENT" tcp 192.168.77.1 30080
grep -q "192.168.77.2" <<<"$OUT" && fail "eTP Cluster traffic kept the client address: $OUT"
until_pods "pod1 pod2 pod3" "$CLIENT" tcp 192.168.88.10 80
until_pods "pod1 pod2 pod3" "$CLIENT" tcp 192.168.88.50 80

# eTP Local: only this node's endpoints, and the client's address is kept.
until_pods "pod1 pod2" "$CLIENT" tcp 192.168.88.11 80
grep -q "192.168.77.2" <<<"$OUT" || fail "eTP Local lost the client address: $OUT"
until_pods "pod1 pod2" "$CLIENT" tcp 192.168.77.1 30081
# No local endpoint left: external traffic is dropped (a timeout), pods still get served.
kok patch pod pod1 --subresource=status --type=merge -p '{"status":{"conditions":[{"type":"Ready","status":"False"}]}}'
kok patch pod pod2 --subresource=status --type=merge -p '{"status":{"conditions":[{"type":"Ready","status":"False"}]}}'
until_pods "timeout" "$CLIENT" tcp 192.168.88.11 80 2
kok get svc local -o 'jsonpath={.spec.clusterIP}'
until_pods "pod3" "$P-pod4" tcp "$OUT" 80
kok patch pod pod1 --subresource=status --type=merge -p '{"status":{"conditions":[{"type":"Ready","status":"True"}]}}'

# iTP Local: pods reach only this node's endpoints through the ClusterIP.
kok get svc inner -o 'jsonpath={.spec.clusterIP}'
until_pods "pod1" "$P-pod4" tcp "$OUT" 80

# loadBalancerSourceRanges: the client is outside 10.99.0.0/16 and gets nothing.
until_pods "timeout" "$CLIENT" tcp 192.168.88.12 80 2
kok patch svc fenced --type=merge -p '{"spec":{"loadBalancerSourceRanges":["192.168.77.0/24"]}}'
until_pods "pod1 pod3" "$CLIENT" tcp 192.168.88.12 80
echo PASS
