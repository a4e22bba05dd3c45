#!/usr/bin/env bash
# The command-line contract and the HTTPS endpoints, driven with curl.
source "$(dirname "$0")/../e2e/lib.sh"

set +e
out=$("$EDGEWAY_BIN" version); rc=$?
[ "$rc" -eq 0 ] && [[ "$out" =~ ^edgeway\ [0-9]+\.[0-9]+\.[0-9]+$ ]] || fail "version: rc=$rc out=$out"
out=$("$EDGEWAY_BIN" server --data-dir "$E2E_TMP/x" --no-such-flag 2>&1); rc=$?
[ "$rc" -eq 2 ] || fail "unknown flag should exit 2, got $rc"
grep -q 'unknown flag: --no-such-flag' <<<"$out" && grep -q '^Usage: edgeway server' <<<"$out" || fail "no usage: $out"
out=$("$EDGEWAY_BIN" server 2>&1); rc=$?
[ "$rc" -eq 2 ] && grep -q -- '--data-dir is required' <<<"$out" || fail "missing --data-dir: rc=$rc $out"
out=$("$EDGEWAY_BIN" server --data-dir "$E2E_TMP/x" --proxy iptables 2>&1); rc=$?
[ "$rc" -eq 2 ] && grep -q -- '--proxy must be nftables or none' <<<"$out" || fail "bad --proxy: rc=$rc $out"
out=$("$EDGEWAY_BIN" server --data-dir "$E2E_TMP/x" --nodeport-addresses 192.168.0.0/16,10.0.0.0/33 2>&1); rc=$?
[ "$rc" -eq 2 ] && grep -q -- '10.0.0.0/33 is not a CIDR' <<<"$out" || fail "bad --nodeport-addresses: rc=$rc $out"
out=$("$EDGEWAY_BIN" server --data-dir "$E2E_TMP/x" --proxy-on-exit linger 2>&1); rc=$?
[ "$rc" -eq 2 ] && grep -q -- '--proxy-on-exit: must be delete or keep' <<<"$out" || fail "bad --proxy-on-exit: rc=$rc $out"
set -e

start_server
base="$API_URL"
anon() { curl --cacert "$TLS_DIR/ca.crt" "$@"; }
[ "$(anon -fsS "$base/readyz")" = "ok" ] || fail "/readyz"
[ "$(anon -fsS "$base/livez")" = "ok" ] || fail "/livez"
[ "$(anon -fsS "$base/healthz")" = "ok" ] || fail "/healthz"
anon -fsS "$base/version" | grep -q '"minor": *"32"' || fail "/version minor must be 32"
[ "$(admin_curl -s -o /dev/null -w '%{http_code}' "$base/openapi/v2")" = "404" ] || fail "/openapi/v2 must be 404"
[ "$(admin_curl -s -o /dev/null -w '%{http_code}' "$base/apis")" = "200" ] || fail "/apis must exist"
# The kubeconfig names the address kubectl should use, over https, with the CA embedded.
grep -q "server: https://127.0.0.1:$API_PORT" "$E2E_TMP/data/kubeconfig" || fail "kubeconfig: $(cat "$E2E_TMP/data/kubeconfig")"
grep -q "certificate-authority-data: " "$E2E_TMP/data/kubeconfig" || fail "kubeconfig lacks the CA"
# The PKI's files are private.
for f in ca.crt ca.key apiserver.crt apiserver.key admin.crt admin.key; do
  [ "$(stat -c %a "$TLS_DIR/$f")" = "600" ] || fail "$f is not 0600"
done

# Malformed and oversized bodies are refused with a Status; the server keeps serving.
code=$(admin_curl -s -o "$E2E_TMP/r" -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
  --data '{"kind":"Service",' "$base/api/v1/namespaces/default/services")
[ "$code" = "400" ] && grep -q '"kind":"Status"' "$E2E_TMP/r" || fail "malformed body: $code $(cat "$E2E_TMP/r")"
head -c 4000000 /dev/zero | tr '\0' 'a' >"$E2E_TMP/big"
code=$(admin_curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
  --data-binary @"$E2E_TMP/big" "$base/api/v1/namespaces/default/services")
[ "$code" = "413" ] || fail "oversized body: $code"
code=$(admin_curl -s -o "$E2E_TMP/r" -w '%{http_code}' -X POST -H 'Content-Type: text/plain' --data 'x' \
  "$base/api/v1/namespaces/default/services")
[ "$code" = "415" ] || fail "unknown content type: $code"
code=$(admin_curl -s -o "$E2E_TMP/r" -w '%{http_code}' "$base/api/v1/nosuchthings")
[ "$code" = "404" ] && grep -q '"reason":"NotFound"' "$E2E_TMP/r" || fail "unknown resource: $code"
[ "$(anon -fsS "$base/readyz")" = "ok" ] || fail "server stopped serving"

# SIGTERM stops it cleanly.
kill -TERM "$SERVER_PID"
wait "$SERVER_PID"; rc=$?
SERVER_PID=""
[ "$rc" -eq 0 ] || fail "SIGTERM exit code $rc"
echo PASS
