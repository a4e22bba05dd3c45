#!/usr/bin/env bash
# LoadBalancer Services with an --lb-pool: EXTERNAL-IP as on a cloud cluster, requested
# addresses, exhaustion reported as an Event and a condition, release on delete and on a
# type change, and another loadBalancerClass left alone. (Without a pool the node's
# address is used: apply_test.sh and create_test.sh.) The pool is a documentation range;
# no traffic is sent to it.
source "$(dirname "$0")/lib.sh"
start_server --service-cidr 10.43.0.0/16,fd43::/112 \
  --lb-pool 192.0.2.100-192.0.2.101 --lb-pool 2001:db8::100/127

ingress_of() { kok get svc "$1" -o 'jsonpath={.status.loadBalancer.ingress[*].ip}'; }
wait_ingress() { until_out "$2" ingress_of "$1"; }  # service want

kok create service loadbalancer a --tcp=80
wait_ingress a 192.0.2.100
kok apply -f - <<'Y'
apiVersion: v1
kind: Service
metadata:
  name: asked
spec:
  type: LoadBalancer
  loadBalancerIP: 192.0.2.101
  selector: {app: asked}
  ports:
  - port: 443
Y
wait_ingress asked 192.0.2.101
kok get svc a asked
expect_match '^a +LoadBalancer +10\.43\.[0-9.]+ +192\.0\.2\.100 +80:3[0-9]{4}/TCP ' \
  '^asked +LoadBalancer +10\.43\.[0-9.]+ +192\.0\.2\.101 +443:3[0-9]{4}/TCP '
kok describe svc a
expect_match '^LoadBalancer Ingress: +192\.0\.2\.100 \(VIP\)$'

# The IPv4 pool is used up: the next Service says so instead of waiting silently.
kok create service loadbalancer c --tcp=80
kok wait svc/c --for=jsonpath='{.status.conditions[0].reason}'=AllocationFailed --timeout=10s
kok get svc c
expect_match '^c +LoadBalancer +10\.43\.[0-9.]+ +<pending> +80:3[0-9]{4}/TCP '
kok describe svc c
expect_match '^ +Warning +AllocationFailed +.* +edgeway-lb-ipam +.*no free IPv4 address'

# Deleting a holder frees its address for the waiting Service.
kok delete svc a
wait_ingress c 192.0.2.100
kok wait svc/c --for=jsonpath='{.status.conditions[0].status}'=True --timeout=10s

# A type change releases too.
kok patch svc asked --type=merge -p '{"spec":{"type":"ClusterIP","loadBalancerIP":null}}'
wait_ingress asked ""
kok create service loadbalancer d --tcp=80
wait_ingress d 192.0.2.101

# Dual-stack Services get one address per family.
kok apply -f - <<'Y'
apiVersion: v1
kind: Service
metadata:
  name: dual
spec:
  type: LoadBalancer
  ipFamilyPolicy: RequireDualStack
  ipFamilies: [IPv6, IPv4]
  selector: {app: dual}
  ports:
  - port: 53
    protocol: UDP
Y
kok wait svc/dual --for=jsonpath='{.status.conditions[0].reason}'=AllocationFailed --timeout=10s
kok delete svc d
wait_ingress dual "2001:db8::100 192.0.2.101"

# Another implementation's class is not ours to serve.
kok apply -f - <<'Y'
apiVersion: v1
kind: Service
metadata:
  name: other
spec:
  type: LoadBalancer
  loadBalancerClass: example.com/other-lb
  selector: {app: other}
  ports:
  - port: 80
Y
# A later Service of ours is served, so "other" was seen and left alone.
kok apply -f - <<'Y'
apiVersion: v1
kind: Service
metadata:
  name: probe
spec:
  type: LoadBalancer
  ipFamilies: [IPv6]
  selector: {app: probe}
  ports:
  - port: 80
Y
wait_ingress probe 2001:db8::101
ingress_of other
expect_out ""
echo PASS
