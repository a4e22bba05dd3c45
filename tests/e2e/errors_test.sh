#!/usr/bin/env bash
# What kubectl prints for invalid Services and for conflicts.
source "$(dirname "$0")/lib.sh"
start_server

svc() {  # name, spec-yaml (indented 2) -> file path
  local f="$E2E_TMP/$1.yaml"
  printf 'apiVersion: v1\nkind: Service\nmetadata:\n  name: %s\nspec:\n%s\n' "$1" "$2" >"$f"
  echo "$f"
}

f=$(svc bad '  ports:
  - port: 70000
    targetPort: 8080')
k apply -f "$f"
expect_rc 1
expect_out 'The Service "bad" is invalid: spec.ports[0].port: Invalid value: 70000: must be between 1 and 65535, inclusive'

f=$(svc bad2 '  type: Foo
  ports:
  - port: 80
    protocol: FOO')
k apply -f "$f"
expect_rc 1
expect_contains 'The Service "bad2" is invalid: ' \
  '* spec.ports[0].protocol: Unsupported value: "FOO": supported values: "SCTP", "TCP", "UDP"' \
  '* spec.type: Unsupported value: "Foo": supported values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort"'

f=$(svc bad3 '  ports:
  - port: 80
  - port: 81')
k apply -f "$f"
expect_rc 1
expect_out 'The Service "bad3" is invalid: 
* spec.ports[0].name: Required value
* spec.ports[1].name: Required value'

f=$(svc Bad_Name '  ports:
  - port: 80')
k apply -f "$f"
expect_rc 1
expect_contains 'The Service "Bad_Name" is invalid: metadata.name: Invalid value: "Bad_Name": a DNS-1035 label must consist of lower case alphanumeric characters'

f=$(svc unknown '  ports:
  - port: 80
  foo: bar')
k apply -f "$f"
expect_rc 1
expect_contains 'Error from server (BadRequest)' 'strict decoding error: unknown field "spec.foo"'

f=$(svc ipfixed '  clusterIP: 10.43.0.50
  ports:
  - port: 80')
kok apply -f "$f"
f=$(svc ipclash '  clusterIP: 10.43.0.50
  ports:
  - port: 80')
k apply -f "$f"
expect_rc 1
expect_out 'The Service "ipclash" is invalid: spec.clusterIPs: Invalid value: []string{"10.43.0.50"}: failed to allocate IP 10.43.0.50: provided IP is already allocated'

f=$(svc outofrange '  clusterIP: 10.99.0.1
  ports:
  - port: 80')
k apply -f "$f"
expect_rc 1
expect_contains 'spec.clusterIPs: Invalid value: []string{"10.99.0.1"}: failed to allocate IP 10.99.0.1:' 'The range of valid IPs is 10.43.0.0/16'

k patch svc ipfixed -p '{"spec":{"clusterIP":"10.43.0.51","clusterIPs":["10.43.0.51"]}}'
expect_rc 1
expect_contains 'The Service "ipfixed" is invalid: ' 'may not change once set'

f=$(svc np1 '  type: NodePort
  ports:
  - port: 80
    nodePort: 30500')
kok apply -f "$f"
f=$(svc np2 '  type: NodePort
  ports:
  - port: 80
    nodePort: 30500')
k apply -f "$f"
expect_rc 1
expect_out 'The Service "np2" is invalid: spec.ports[0].nodePort: Invalid value: 30500: provided port is already allocated'

f=$(svc np3 '  type: ClusterIP
  ports:
  - port: 80
    nodePort: 30501')
k apply -f "$f"
expect_rc 1
expect_contains "spec.ports[0].nodePort: Forbidden: may not be used when \`type\` is 'ClusterIP'"

# Deleting a NodePort Service frees its port for the next one.
kok delete svc np1
kok apply -f "$E2E_TMP/np2.yaml"
expect_out "service/np2 created"

# replace with a stale resourceVersion is a Conflict.
kok get svc ipfixed -o yaml
printf '%s\n' "$OUT" >"$E2E_TMP/stale.yaml"
kok label svc ipfixed touched=yes
k replace -f "$E2E_TMP/stale.yaml"
expect_rc 1
expect_out "Error from server (Conflict): error when replacing \"$E2E_TMP/stale.yaml\": Operation cannot be fulfilled on services \"ipfixed\": the object has been modified; please apply your changes to the latest version and try again"

k get svc --field-selector spec.type=ClusterIP
expect_rc 1
expect_contains '"spec.type" is not a known field selector: only "metadata.name", "metadata.namespace"'
echo PASS
