#!/usr/bin/env bash
# kubectl create service <type>: kubectl 1.32 sends these bodies as protobuf.
source "$(dirname "$0")/lib.sh"
start_server --node-ip 198.51.100.7

kok create service clusterip c1 --tcp=80:8080
expect_out "service/c1 created"
kok create service nodeport n1 --tcp=80:8080 --node-port=30090
expect_out "service/n1 created"
kok create service loadbalancer l1 --tcp=443:8443
expect_out "service/l1 created"
kok create service externalname e1 --external-name=db.example.com
expect_out "service/e1 created"
kok create service clusterip h1 --clusterip=None
expect_out "service/h1 created"

kok wait svc/l1 --for=jsonpath='{.status.loadBalancer.ingress[0].ip}'=198.51.100.7 --timeout=10s
kok get svc c1 n1 l1 e1 h1
expect_match '^c1 +ClusterIP +10\.43\.[0-9.]+ +<none> +80/TCP ' \
  '^n1 +NodePort +10\.43\.[0-9.]+ +<none> +80:30090/TCP ' \
  '^l1 +LoadBalancer +10\.43\.[0-9.]+ +198\.51\.100\.7 +443:3[0-9]{4}/TCP ' \
  '^e1 +ExternalName +<none> +db\.example\.com +<none> ' \
  '^h1 +ClusterIP +None +<none> +<none> '

kok get svc c1 -o 'jsonpath={.metadata.labels.app} {.spec.selector.app} {.spec.ports[0].name} {.spec.ports[0].targetPort}'
expect_out "c1 c1 80-8080 8080"

# Server-side dry run leaves nothing behind, and allocates nothing.
kok create service nodeport dry --tcp=80 --node-port=30091 --dry-run=server
expect_out "service/dry created (server dry run)"
k get svc dry
expect_rc 1
kok create service nodeport real --tcp=80 --node-port=30091
expect_out "service/real created"

# A generator hitting a taken NodePort gets kube's Invalid message.
k create service nodeport n2 --tcp=80:8080 --node-port=30090
expect_rc 1
expect_contains 'spec.ports[0].nodePort: Invalid value: 30090: provided port is already allocated'
echo PASS
