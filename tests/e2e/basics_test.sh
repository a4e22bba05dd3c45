#!/usr/bin/env bash
# kubectl version, api-resources, namespaces.
source "$(dirname "$0")/lib.sh"
start_server --node-name edge-1 --node-ip 127.0.0.1

kok version
expect_match '^Server Version: v1\.32\.'

kok api-resources
expect_match '^services +svc +v1 +true +Service$' \
  '^namespaces +ns +v1 +false +Namespace$' \
  '^endpointslices +discovery\.k8s\.io/v1 +true +EndpointSlice$' \
  '^ingresses +ing +networking\.k8s\.io/v1 +true +Ingress$' \
  '^ingressclasses +networking\.k8s\.io/v1 +false +IngressClass$' \
  '^pods +po +v1 +true +Pod$' '^nodes +no +v1 +false +Node$' '^secrets +v1 +true +Secret$' \
  '^events +ev +v1 +true +Event$' '^endpoints +ep +v1 +true +Endpoints$'

kok get namespaces
expect_match '^NAME +STATUS +AGE$' '^default +Active ' '^kube-system +Active ' '^kube-public +Active ' '^kube-node-lease +Active '

# The server registers its own Node.
for _ in $(seq 1 50); do kubectl get node edge-1 >/dev/null 2>&1 && break; sleep 0.1; done
kok get nodes
expect_match '^edge-1 +Ready +control-plane +[0-9]+s +v1\.32'
kok get node edge-1 -o 'jsonpath={.status.addresses[?(@.type=="InternalIP")].address} {.spec.podCIDR}'
expect_out "127.0.0.1 10.42.0.0/16"

kok create namespace demo
expect_out "namespace/demo created"
k create namespace demo
expect_rc 1
expect_out 'Error from server (AlreadyExists): namespaces "demo" already exists'

# The kubernetes Service exists from the start, on the first address of the range.
kok get svc kubernetes -o 'jsonpath={.spec.clusterIP} {.spec.ports[0].port}'
expect_out "10.43.0.1 443"

# Creating in a missing namespace fails like Kubernetes.
k create service clusterip web --tcp=80:8080 -n nope
expect_rc 1
expect_contains 'namespaces "nope" not found'

k get svc nope
expect_rc 1
expect_out 'Error from server (NotFound): services "nope" not found'

k get foos
expect_rc 1
expect_contains "the server doesn't have a resource type \"foos\""

# Deleting a namespace removes what it holds.
kok create service clusterip inner --tcp=80 -n demo
kok delete namespace demo --timeout=60s
expect_out 'namespace "demo" deleted'
k get svc inner -n demo
expect_rc 1
k get namespace demo
expect_rc 1
echo PASS
