#!/usr/bin/env bash
# patch (strategic, merge, json), edit, label, and apply --server-side.
source "$(dirname "$0")/lib.sh"
start_server
M="$(dirname "$0")/manifests"
kok apply -f "$M/services.yaml"

kok patch svc web -p '{"spec":{"ports":[{"port":80,"targetPort":9090}]}}'
expect_out "service/web patched"
kok get svc web -o 'jsonpath={.spec.ports[0].name}:{.spec.ports[0].targetPort}'
expect_out "http:9090"   # strategic merge: the port merged by its key, name kept

rv=$(kubectl get svc web -o 'jsonpath={.metadata.resourceVersion}')
kok patch svc web -p '{"spec":{"ports":[{"port":80,"targetPort":9090}]}}'
expect_out "service/web patched (no change)"
kok get svc web -o 'jsonpath={.metadata.resourceVersion}'
expect_out "$rv"

kok patch svc web --type=merge -p '{"metadata":{"labels":{"tier":null,"env":"prod"}}}'
expect_out "service/web patched"
kok get svc web -o 'jsonpath={.metadata.labels}'
expect_out '{"app":"web","env":"prod"}'

kok patch svc web --type=json -p '[{"op":"replace","path":"/spec/ports/0/port","value":8081}]'
expect_out "service/web patched"
kok get svc web -o 'jsonpath={.spec.ports[0].port}'
expect_out "8081"

k patch svc web --type=json -p '[{"op":"replace","path":"/spec/ports/0/port","value":70000}]'
expect_rc 1
expect_contains 'The Service "web" is invalid: spec.ports[0].port: Invalid value: 70000: must be between 1 and 65535, inclusive'

kok label svc web team=edge
expect_out "service/web labeled"
kok annotate svc web note=hello
expect_out "service/web annotated"

# edit through a scripted editor
cat >"$E2E_TMP/editor.sh" <<'ED'
#!/bin/sh
sed -i 's/targetPort: 9090/targetPort: 7070/' "$1"
ED
chmod +x "$E2E_TMP/editor.sh"
EDITOR="$E2E_TMP/editor.sh" kok edit svc web
expect_out "service/web edited"
kok get svc web -o 'jsonpath={.spec.ports[0].targetPort}'
expect_out "7070"

cat >"$E2E_TMP/noop-editor.sh" <<'ED'
#!/bin/sh
true
ED
chmod +x "$E2E_TMP/noop-editor.sh"
EDITOR="$E2E_TMP/noop-editor.sh" kok edit svc web
expect_out "Edit cancelled, no changes made."

# Server-side apply: creates, then updates, and drops a port the manifest no longer has.
cat >"$E2E_TMP/ssa.yaml" <<'Y'
apiVersion: v1
kind: Service
metadata:
  name: ssa
spec:
  selector:
    app: ssa
  ports:
  - name: a
    port: 80
  - name: b
    port: 81
Y
kok apply --server-side -f "$E2E_TMP/ssa.yaml"
expect_out "service/ssa serverside-applied"
sed -i '/name: b/,$d' "$E2E_TMP/ssa.yaml"
kok apply --server-side -f "$E2E_TMP/ssa.yaml"
expect_out "service/ssa serverside-applied"
kok get svc ssa -o 'jsonpath={.spec.ports[*].name}'
expect_out "a"
kok get svc ssa -o 'jsonpath={.metadata.managedFields[0].manager} {.metadata.managedFields[0].operation}'
expect_out "kubectl Apply"

# A second manager conflicting with the first one is refused unless forced.
sed 's/app: ssa/app: other/' "$E2E_TMP/ssa.yaml" >"$E2E_TMP/ssa2.yaml"
k apply --server-side --field-manager=other -f "$E2E_TMP/ssa2.yaml"
expect_rc 1
expect_contains 'Apply failed with 1 conflict: conflict with "kubectl": .spec.selector'
kok apply --server-side --field-manager=other --force-conflicts -f "$E2E_TMP/ssa2.yaml"
expect_out "service/ssa serverside-applied"
kok get svc ssa -o 'jsonpath={.spec.selector.app}'
expect_out "other"
echo PASS
