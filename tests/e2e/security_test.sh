#!/usr/bin/env bash
# TLS, authentication and authorization as a user of the gateway meets them.
source "$(dirname "$0")/lib.sh"
cat >"$E2E_TMP/tokens.csv" <<'CSV'
view-token-123,viewer,1001,"edgeway:view"
agent-token-456,node-agent,1002,"edgeway:agent"
nobody-token-789,nobody,1003
CSV
INSECURE_PORT=$(free_port)
start_server --tls-san gateway.example.com --tls-san 192.0.2.7 --token-auth-file "$E2E_TMP/tokens.csv" \
  --api-insecure-listen "127.0.0.1:$INSECURE_PORT"

# TLS: the CA verifies the server; >= 1.2 with the expected names.
[ "$(curl -fsS --cacert "$TLS_DIR/ca.crt" "$API_URL/readyz")" = "ok" ] || fail "curl --cacert /readyz"
OUT=$(openssl s_client -connect "127.0.0.1:$API_PORT" -CAfile "$TLS_DIR/ca.crt" -servername localhost </dev/null 2>&1 || true)
expect_match 'Protocol *: TLSv1\.[23]' 'Verify return code: 0 \(ok\)'
OUT=$(openssl x509 -in "$TLS_DIR/apiserver.crt" -noout -ext subjectAltName)
expect_contains 'DNS:localhost' 'DNS:kubernetes.default.svc.cluster.local' 'DNS:gateway.example.com' \
  'IP Address:127.0.0.1' 'IP Address:10.43.0.1' 'IP Address:192.0.2.7'
# OPENSSL_CONF=/dev/null lifts Debian's client-side minimum so the client really offers 1.1.
if OPENSSL_CONF=/dev/null openssl s_client -connect "127.0.0.1:$API_PORT" -tls1_1 </dev/null >/dev/null 2>&1; then
  fail "TLS 1.1 was accepted"
fi

# No credentials: 401 with a Status; health stays open.
code=$(curl -sk -o "$E2E_TMP/r" -w '%{http_code}' "$API_URL/api/v1/secrets")
[ "$code" = 401 ] && grep -q '"reason":"Unauthorized"' "$E2E_TMP/r" || fail "anonymous secrets: $code $(cat "$E2E_TMP/r")"
code=$(curl -sk -o /dev/null -w '%{http_code}' -H 'Authorization: Bearer garbage' "$API_URL/api/v1/services")
[ "$code" = 401 ] || fail "garbage token: $code"

# A certificate from another CA is refused at the handshake; the server keeps serving.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj "/CN=admin/O=system:masters" \
  -keyout "$E2E_TMP/foreign.key" -out "$E2E_TMP/foreign.crt" 2>/dev/null
code=$(curl -s -o /dev/null -w '%{http_code}' --cacert "$TLS_DIR/ca.crt" --cert "$E2E_TMP/foreign.crt" \
  --key "$E2E_TMP/foreign.key" "$API_URL/api/v1/services" || true)
[ "$code" = 000 ] || fail "foreign client certificate got HTTP $code"
kok get svc kubernetes -o name

# A view-only kubeconfig issued by `edgeway kubeconfig`: reads, but no writes and no Secrets.
"$EDGEWAY_BIN" kubeconfig --data-dir "$E2E_TMP/data" --user alice --group edgeway:view --days 1 >"$E2E_TMP/view.kubeconfig"
KUBECONFIG="$E2E_TMP/view.kubeconfig" kok get svc -o name
expect_contains "service/kubernetes"
KUBECONFIG="$E2E_TMP/view.kubeconfig" k create service clusterip nope --tcp=80
expect_rc 1
expect_contains 'services is forbidden: User "alice" cannot create resource "services" in API group "" in the namespace "default"'
KUBECONFIG="$E2E_TMP/view.kubeconfig" k get secrets
expect_rc 1
expect_out 'Error from server (Forbidden): secrets is forbidden: User "alice" cannot list resource "secrets" in API group "" in the namespace "default"'
KUBECONFIG="$E2E_TMP/view.kubeconfig" k auth can-i create services
expect_rc 1
expect_out "no"
KUBECONFIG="$E2E_TMP/view.kubeconfig" kok auth can-i list services
expect_out "yes"
kok auth can-i create secrets
expect_out "yes"

# Bearer tokens from --token-auth-file.
tok() { kubectl --kubeconfig=/dev/null --server "$API_URL" --certificate-authority "$TLS_DIR/ca.crt" --token "$1" "${@:2}"; }
OUT=$(tok view-token-123 get svc kubernetes -o name 2>&1) || fail "token view: $OUT"
OUT=$(tok agent-token-456 get secrets -A -o name 2>&1) || fail "agent reads secrets: $OUT"
OUT=$(tok agent-token-456 delete svc kubernetes 2>&1) && fail "agent deleted a service"
expect_contains 'User "node-agent" cannot delete resource "services"'
OUT=$(tok nobody-token-789 get svc 2>&1) && fail "nobody listed services"
expect_contains '(Forbidden)'

# The insecure listener is plain HTTP on loopback with admin rights.
code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$INSECURE_PORT/api/v1/secrets")
[ "$code" = 200 ] || fail "insecure listener: $code"
echo PASS
