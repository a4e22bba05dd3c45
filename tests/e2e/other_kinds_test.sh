#!/usr/bin/env bash
# The other served kinds through kubectl: Ingress, IngressClass, EndpointSlice, Endpoints,
# Secret, Pod, Node, Event; describe reading EndpointSlices and Events.
source "$(dirname "$0")/lib.sh"
start_server

kok create service clusterip web --tcp=80:8080
kok create ingress site --class=edge --rule='web.example.com/=web:80' --rule='web.example.com/api*=web:80'
expect_out "ingress.networking.k8s.io/site created"
kok get ingress
expect_match '^NAME +CLASS +HOSTS +ADDRESS +PORTS +AGE$' '^site +edge +web\.example\.com +80 +[0-9]+s$'
kok get ingress site -o 'jsonpath={.spec.rules[0].http.paths[*].pathType}'
expect_out "Exact Prefix"

kok create secret generic creds --from-literal=user=admin --from-literal=pass=s3cret
expect_out "secret/creds created"
kok get secret creds -o 'jsonpath={.type} {.data.user}'
expect_out "Opaque YWRtaW4="
kok get secrets
expect_match '^creds +Opaque +2 +[0-9]+s$'

kubectl apply -f - >/dev/null <<'Y'
apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata:
  name: edge
spec:
  controller: edgeway.io/ingress
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: web-abc
  labels:
    kubernetes.io/service-name: web
addressType: IPv4
endpoints:
- addresses: ["10.42.0.5"]
  conditions: {ready: true}
  nodeName: node-1
ports:
- name: 80-8080
  port: 8080
  protocol: TCP
---
apiVersion: v1
kind: Node
metadata:
  name: node-1
  labels:
    node-role.kubernetes.io/control-plane: ""
status:
  addresses:
  - type: InternalIP
    address: 192.0.2.10
---
apiVersion: v1
kind: Pod
metadata:
  name: web-1
  labels:
    app: web
spec:
  nodeName: node-1
  containers:
  - name: web
    image: nginx:1.27
Y
# describe asks for events by the involved object's uid as well.
uid=$(kubectl get svc web -o 'jsonpath={.metadata.uid}')
sed "s/UID/$uid/" >"$E2E_TMP/event.yaml" <<'Y'
apiVersion: v1
kind: Event
metadata:
  name: web.1
involvedObject:
  kind: Service
  name: web
  namespace: default
  uid: UID
reason: Testing
message: an event about web
type: Normal
source:
  component: e2e
Y
kok apply -f "$E2E_TMP/event.yaml"
kok get ingressclass
expect_match '^NAME +CONTROLLER +PARAMETERS +AGE$' '^edge +edgeway\.io/ingress +<none> +[0-9]+s$'
kok get endpointslices
expect_match '^NAME +ADDRESSTYPE +PORTS +ENDPOINTS +AGE$' '^web-abc +IPv4 +8080 +10\.42\.0\.5 +[0-9]+s$'
kok get nodes
expect_match '^NAME +STATUS +ROLES +AGE +VERSION$' '^node-1 +(NotReady|Unknown) +control-plane +[0-9]+s +'
kok get pods
expect_match '^NAME +READY +STATUS +RESTARTS +AGE$' '^web-1 +0/1 +Pending +0 +[0-9]+s$'
kok get pods --field-selector spec.nodeName=node-1 -o name
expect_out "pod/web-1"

kok describe svc web
expect_match '^Endpoints: +10\.42\.0\.5:8080$' 'Normal +Testing +.* +e2e +an event about web'

kok get events --field-selector involvedObject.kind=Service,involvedObject.name=web -o name
expect_out "event/web.1"

kok delete ingress site
expect_out 'ingress.networking.k8s.io "site" deleted'
echo PASS
