#!/usr/bin/env bash
# Endpoints as a real cluster shows them: Pods written with kubectl feed EndpointSlices and
# Endpoints of selector Services (readiness and deletion reach them at once), headless
# Services carry hostnames, a selectorless Service keeps its hand-written slice.
source "$(dirname "$0")/lib.sh"
start_server --node-name edge-1
M="$(dirname "$0")/manifests"
kok apply -f "$M/endpoints.yaml"

set_pod_status web-1 10.42.0.11 True
set_pod_status web-2 10.42.0.12 False
set_pod_status db-0 10.42.0.20 True

ready='{range .endpoints[*]}{.addresses[0]}={.conditions.ready}/{.conditions.serving}/{.conditions.terminating} {end}'
slice_of() { kok get endpointslices -l "kubernetes.io/service-name=$1" -o 'jsonpath={.items[0].metadata.name}'; echo "$OUT"; }
wait_for "endpointslices/$(slice_of web)" "$ready" "10.42.0.11=true/true/false 10.42.0.12=false/false/false "
web_slice=$(slice_of web)

kok get endpointslices
expect_match '^NAME +ADDRESSTYPE +PORTS +ENDPOINTS +AGE$' \
  "^$web_slice +IPv4 +8080 +10\\.42\\.0\\.11,10\\.42\\.0\\.12 +[0-9]+s$" \
  '^db-[a-z0-9]{5} +IPv4 +5432 +10\.42\.0\.20 +[0-9]+s$' \
  '^legacy-manual +IPv4 +9000 +10\.42\.9\.9 +[0-9]+s$'

kok get endpointslice "$web_slice" -o yaml
expect_match '^addressType: IPv4$' '^    endpointslice.kubernetes.io/managed-by: endpointslice-controller.k8s.io$' \
  '^    kubernetes.io/service-name: web$' '^  nodeName: edge-1$' '^    kind: Pod$' '^    name: web-1$' \
  '^- name: http$' '^  port: 8080$' '^  protocol: TCP$' '^    kind: Service$'

# Endpoints list only ready addresses; describe shows them.
kok get endpoints web
expect_match '^web +10\.42\.0\.11:8080 +[0-9]+s$'
kok describe svc web
expect_match '^Endpoints: +10\.42\.0\.11:8080$' '^TargetPort: +http/TCP$'

# The headless Service's endpoint carries the Pod's hostname (hostname + subdomain).
jsonpath "endpointslices/$(slice_of db)" '{.endpoints[0].hostname} {.endpoints[0].targetRef.name}'
expect_out "db-0 db-0"

# Flipping readiness reaches the slice and Endpoints; the bound only catches a hang.
set_pod_status web-2 10.42.0.12 True
wait_for "endpointslices/$web_slice" "$ready" "10.42.0.11=true/true/false 10.42.0.12=true/true/false "
wait_for endpoints/web '{.subsets[0].addresses[*].ip}' "10.42.0.11 10.42.0.12"

# A Pod held by a finalizer terminates: ready=false, serving while its container is ready.
kok patch pod web-1 --type=merge -p '{"metadata":{"finalizers":["example.com/hold"]}}'
kok delete pod web-1 --wait=false
wait_for "endpointslices/$web_slice" "$ready" "10.42.0.11=false/true/true 10.42.0.12=true/true/false "
kok patch pod web-1 --type=merge -p '{"metadata":{"finalizers":null}}'
wait_for "endpointslices/$web_slice" "$ready" "10.42.0.12=true/true/false "
kok delete pod web-2
wait_for "endpointslices/$web_slice" '{.endpoints[*].addresses[0]}' ""
kok get endpoints web
expect_match '^web +<none> +[0-9]+s$'

# The controller never touches a selectorless Service's slices, nor creates its own.
kok get endpointslices -l kubernetes.io/service-name=legacy -o name
expect_out "endpointslice.discovery.k8s.io/legacy-manual"
kok get endpointslice legacy-manual -o 'jsonpath={.metadata.labels}'
expect_out '{"kubernetes.io/service-name":"legacy"}'

# ExternalName Services get no endpoints, as in Kubernetes. (Changes are handled in the
# order they were published, so once a later Service has its Endpoints, ext was handled.)
kok create service externalname ext --external-name=db.example.com
kok create service clusterip probe --tcp=1:1
wait_for endpoints/probe '{.metadata.name}' "probe"
kok get endpointslices -l kubernetes.io/service-name=ext -o name
expect_out ""
k get endpoints ext
expect_rc 1
expect_contains 'endpoints "ext" not found'
echo PASS
