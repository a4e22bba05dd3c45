#!/usr/bin/env bash
# apply -f of every Service type, re-apply after an edit, and the get/describe views.
source "$(dirname "$0")/lib.sh"
# A documentation address as the node's: without --lb-pool it is every LoadBalancer's.
start_server --node-ip 198.51.100.7
M="$(dirname "$0")/manifests"

kok apply -f "$M/services.yaml"
expect_out "service/web created
service/np created
service/lb created
service/ext created
service/headless created"

kok apply -f "$M/services.yaml"
expect_out "service/web unchanged
service/np unchanged
service/lb unchanged
service/ext unchanged
service/headless unchanged"

kok wait svc/lb --for=jsonpath='{.status.loadBalancer.ingress[0].ip}'=198.51.100.7 --timeout=10s
kok get svc
expect_match '^NAME +TYPE +CLUSTER-IP +EXTERNAL-IP +PORT\(S\) +AGE$' \
  '^web +ClusterIP +10\.43\.[0-9]+\.[0-9]+ +<none> +80/TCP +[0-9]+s$' \
  '^np +NodePort +10\.43\.[0-9]+\.[0-9]+ +<none> +80:30080/TCP +[0-9]+s$' \
  '^lb +LoadBalancer +10\.43\.[0-9]+\.[0-9]+ +198\.51\.100\.7 +443:3[0-9]{4}/TCP +[0-9]+s$' \
  '^ext +ExternalName +<none> +db\.example\.com +<none> +[0-9]+s$' \
  '^headless +ClusterIP +None +<none> +5432/TCP +[0-9]+s$'

kok get svc -o wide
expect_match '^NAME +TYPE +CLUSTER-IP +EXTERNAL-IP +PORT\(S\) +AGE +SELECTOR$' \
  '^web +ClusterIP .* app=web$' '^ext +ExternalName .* <none>$'

kok get svc -A
expect_match '^NAMESPACE +NAME +TYPE ' '^default +kubernetes +ClusterIP +10\.43\.0\.1 ' '^default +web +ClusterIP '

kok get svc -l tier=front -o name
expect_out "service/web"
kok get svc -l 'app in (np,lb)' -o name
expect_out "service/lb
service/np"

kok get svc web -o yaml
expect_match '^apiVersion: v1$' '^kind: Service$' '^  name: web$' '^  resourceVersion: "[0-9]+"$' \
  '^  uid: [0-9a-f-]{36}$' '^  creationTimestamp: "[0-9T:Z-]+"$' '^  sessionAffinity: None$' \
  '^  type: ClusterIP$' '^    protocol: TCP$' '^  ipFamilyPolicy: SingleStack$' '^  - IPv4$' \
  '^  internalTrafficPolicy: Cluster$'

kok get svc np -o 'jsonpath={.spec.externalTrafficPolicy}'
expect_out "Cluster"
kok get svc lb -o 'jsonpath={.spec.allocateLoadBalancerNodePorts}'
expect_out "true"
kok get svc headless -o 'jsonpath={.spec.clusterIPs}'
expect_out '["None"]'

kok describe svc web
expect_match '^Name: +web$' '^Namespace: +default$' '^Labels: +app=web$' '^Selector: +app=web$' \
  '^Type: +ClusterIP$' '^IP: +10\.43\.' '^Port: +http  80/TCP$' '^TargetPort: +8080/TCP$'

# Re-apply after editing a port: the old port is gone, the new one is there, the IP stays.
ip_before=$(kubectl get svc web -o 'jsonpath={.spec.clusterIP}')
sed 's/    port: 80$/    port: 81/' "$M/services.yaml" >"$E2E_TMP/edited.yaml"
kok apply -f "$E2E_TMP/edited.yaml"
expect_out "service/web configured
service/np unchanged
service/lb unchanged
service/ext unchanged
service/headless unchanged"
kok get svc web -o 'jsonpath={.spec.ports[*].port} {.spec.clusterIP}'
expect_out "81 $ip_before"
kok get svc np -o 'jsonpath={.spec.ports[*].port}:{.spec.ports[*].nodePort}'
expect_out "80:30080"

# create -f of an existing object is AlreadyExists.
k create -f "$M/services.yaml"
expect_rc 1
expect_contains "Error from server (AlreadyExists): error when creating \"$M/services.yaml\": services \"web\" already exists"
echo PASS
