#!/usr/bin/env bash
# A second, IPv6, service CIDR enables dual-stack Services.
source "$(dirname "$0")/lib.sh"
start_server --service-cidr 10.43.0.0/16,fd00:43::/112

kubectl apply -f - >/dev/null <<'Y'
apiVersion: v1
kind: Service
metadata:
  name: dual
spec:
  ipFamilyPolicy: PreferDualStack
  selector:
    app: dual
  ports:
  - port: 80
---
apiVersion: v1
kind: Service
metadata:
  name: v6only
spec:
  ipFamilies: [IPv6]
  selector:
    app: v6
  ports:
  - port: 80
Y
kok get svc dual -o 'jsonpath={.spec.ipFamilyPolicy} {.spec.ipFamilies}'
expect_out 'PreferDualStack ["IPv4","IPv6"]'
kok get svc dual -o 'jsonpath={.spec.clusterIPs}'
expect_match '^\["10\.43\.[0-9]+\.[0-9]+","fd00:43::[0-9a-f]+"\]$'
kok get svc v6only -o 'jsonpath={.spec.ipFamilyPolicy} {.spec.clusterIP}'
expect_match '^SingleStack fd00:43::[0-9a-f]+$'
kok get svc dual -o wide
expect_match '^dual +ClusterIP +10\.43\.[0-9.]+ +<none> +80/TCP '

k apply -f - <<'Y'
apiVersion: v1
kind: Service
metadata:
  name: bad
spec:
  ipFamilies: [IPv6, IPv6]
  ipFamilyPolicy: RequireDualStack
  ports:
  - port: 80
Y
expect_rc 1
expect_contains 'The Service "bad" is invalid' 'spec.ipFamilies[1]: Duplicate value: "IPv6"'

# kubectl get all lists the Services (the "all" category).
kok get all
expect_match '^service/dual +ClusterIP ' '^service/kubernetes +ClusterIP +10\.43\.0\.1 '
echo PASS
