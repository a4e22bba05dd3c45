#!/usr/bin/env bash
# State survives a clean restart and a SIGKILL: same objects, resourceVersions, IPs, ports.
source "$(dirname "$0")/lib.sh"
start_server
M="$(dirname "$0")/manifests"
kok apply -f "$M/services.yaml"
kok create service nodeport extra --tcp=80
# The LoadBalancer status write changes lb's resourceVersion: read after it landed.
kok wait svc/lb --for=jsonpath='{.status.loadBalancer.ingress[0].ip}' --timeout=10s

view='{range .items[*]}{.metadata.name} {.metadata.resourceVersion} {.metadata.uid} {.spec.clusterIPs} {.spec.ports[*].nodePort}{"\n"}{end}'
kok get svc -o "jsonpath=$view"
before=$OUT

stop_server
start_server
kok get svc -o "jsonpath=$view"
expect_out "$before"

kill -KILL "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true
SERVER_PID=""
start_server
kok get svc -o "jsonpath=$view"
expect_out "$before"

# Allocations were rebuilt: a new Service never reuses a held address or port.
k create service nodeport after --tcp=80 --node-port=30080
expect_rc 1
expect_contains 'spec.ports[0].nodePort: Invalid value: 30080: provided port is already allocated'
k apply -f - <<'Y'
apiVersion: v1
kind: Service
metadata:
  name: after
spec:
  clusterIP: 10.43.0.1
  ports:
  - port: 80
Y
expect_rc 1
expect_contains 'failed to allocate IP 10.43.0.1: provided IP is already allocated'
echo PASS
