#!/usr/bin/env bash
# `edgeway kubeconfig`: flags, a clear failure without a PKI, and a kubeconfig whose client
# certificate openssl verifies against the cluster CA with the requested user and groups.
#
# The CA is made here with openssl rather than by starting the server, so this test checks
# the command on its own and proves it accepts a CA it did not write itself.
source "$(dirname "$0")/../e2e/lib.sh"

if ! command -v openssl >/dev/null; then
  echo "SKIP: openssl not installed"
  exit 77
fi

DIR="$E2E_TMP/data"
mkdir -p "$DIR"

run() {  # run edgeway kubeconfig ARGS..., capturing stdout in $OUT, stderr in $ERR, status in $RC
  set +e
  OUT=$("$EDGEWAY_BIN" kubeconfig "$@" 2>"$E2E_TMP/stderr")
  RC=$?
  set -e
  ERR=$(cat "$E2E_TMP/stderr")
}

field() {  # the value of a kubeconfig key in $OUT
  sed -n "s/^ *$1: *//p" <<<"$OUT" | head -n 1
}

# --- flags -----------------------------------------------------------------------------------
run --help
[ "$RC" -eq 0 ] && grep -q '^Usage: edgeway kubeconfig' <<<"$OUT" || fail "--help: rc=$RC $OUT"
run --data-dir "$DIR" --user jane --no-such-flag
[ "$RC" -eq 2 ] && grep -q 'unknown flag: --no-such-flag' <<<"$ERR" && grep -q '^Usage: edgeway kubeconfig' <<<"$ERR" ||
  fail "unknown flag: rc=$RC $ERR"
run --data-dir "$DIR"
[ "$RC" -eq 2 ] && grep -q -- '--user is required' <<<"$ERR" || fail "missing --user: rc=$RC $ERR"
run --user jane
[ "$RC" -eq 2 ] && grep -q -- '--data-dir is required' <<<"$ERR" || fail "missing --data-dir: rc=$RC $ERR"
run --data-dir "$DIR" --user jane --days 0
[ "$RC" -eq 2 ] && grep -q -- '--days' <<<"$ERR" || fail "--days 0: rc=$RC $ERR"
run --data-dir "$DIR" --user jane --server http://127.0.0.1:6443
[ "$RC" -eq 2 ] && grep -q -- '--server must be an https:// URL' <<<"$ERR" || fail "plain --server: rc=$RC $ERR"

# --- no PKI yet --------------------------------------------------------------------------------
run --data-dir "$DIR" --user jane
[ "$RC" -eq 1 ] && grep -q 'no cluster CA in' <<<"$ERR" && [ -z "$OUT" ] || fail "without a PKI: rc=$RC out=$OUT err=$ERR"

# --- a cluster CA --------------------------------------------------------------------------------
mkdir -m 700 "$DIR/tls"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 -subj "/CN=test-ca" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
  -keyout "$DIR/tls/ca.key" -out "$DIR/tls/ca.crt" 2>"$E2E_TMP/openssl.log" || fail "openssl: $(cat "$E2E_TMP/openssl.log")"

run --data-dir "$DIR" --user jane --group edgeway:view --group team-a --days 7
[ "$RC" -eq 0 ] || fail "kubeconfig: rc=$RC $ERR"
grep -q '^kind: Config$' <<<"$OUT" || fail "not a kubeconfig: $OUT"
grep -q '^current-context: edgeway$' <<<"$OUT" || fail "no current-context: $OUT"
[ "$(field server)" = "https://127.0.0.1:6443" ] || fail "default server: $(field server)"
[ "$(field namespace)" = "default" ] || fail "namespace: $(field namespace)"
[ "$(field user)" = "jane" ] || fail "context user: $(field user)"

field certificate-authority-data | base64 -d >"$E2E_TMP/ca.pem"
field client-certificate-data | base64 -d >"$E2E_TMP/client.crt"
field client-key-data | base64 -d >"$E2E_TMP/client.key"
cmp -s "$E2E_TMP/ca.pem" "$DIR/tls/ca.crt" || fail "certificate-authority-data is not ca.crt"
openssl verify -CAfile "$DIR/tls/ca.crt" "$E2E_TMP/client.crt" >/dev/null 2>&1 ||
  fail "client certificate does not verify: $(openssl verify -CAfile "$DIR/tls/ca.crt" "$E2E_TMP/client.crt" 2>&1)"
subject=$(openssl x509 -noout -subject -in "$E2E_TMP/client.crt")
[ "$subject" = "subject=O = edgeway:view, O = team-a, CN = jane" ] || fail "subject: $subject"
openssl x509 -noout -ext extendedKeyUsage -in "$E2E_TMP/client.crt" | grep -q 'TLS Web Client Authentication' ||
  fail "no clientAuth: $(openssl x509 -noout -text -in "$E2E_TMP/client.crt")"
# Valid for 7 days: still valid in 6, expired in 8.
openssl x509 -noout -checkend $((6 * 86400)) -in "$E2E_TMP/client.crt" >/dev/null || fail "expires too early"
! openssl x509 -noout -checkend $((8 * 86400)) -in "$E2E_TMP/client.crt" >/dev/null || fail "outlives --days 7"
[ "$(openssl pkey -pubout -in "$E2E_TMP/client.key")" = "$(openssl x509 -noout -pubkey -in "$E2E_TMP/client.crt")" ] ||
  fail "client-key-data does not belong to client-certificate-data"

# Stock kubectl reads the file the same way.
if command -v kubectl >/dev/null; then
  printf '%s\n' "$OUT" >"$E2E_TMP/jane.kubeconfig"
  k --kubeconfig "$E2E_TMP/jane.kubeconfig" config view --raw \
    -o 'jsonpath={.current-context} {.contexts[0].context.user} {.clusters[0].cluster.server}'
  expect_out "edgeway jane https://127.0.0.1:6443"
  # User names YAML would read as a number or a boolean, or that hold ": ", stay strings.
  for user in 123 true "ops: night shift"; do
    run --data-dir "$DIR" --user "$user"
    [ "$RC" -eq 0 ] || fail "--user '$user': rc=$RC $ERR"
    printf '%s\n' "$OUT" >"$E2E_TMP/odd.kubeconfig"
    k --kubeconfig "$E2E_TMP/odd.kubeconfig" config view --raw -o 'jsonpath={.users[0].name}/{.contexts[0].context.user}'
    expect_out "$user/$user"
  done
fi

# --- server URL: the admin kubeconfig's, unless --server says otherwise ---------------------------
printf 'clusters:\n- name: edgeway\n  cluster:\n    server: "https://192.0.2.7:7443"\n' >"$DIR/kubeconfig"
run --data-dir "$DIR" --user jane
[ "$RC" -eq 0 ] && [ "$(field server)" = "https://192.0.2.7:7443" ] || fail "server from DIR/kubeconfig: $(field server) $ERR"
run --data-dir "$DIR" --user jane --server https://gw.example.com:6443
[ "$RC" -eq 0 ] && [ "$(field server)" = "https://gw.example.com:6443" ] || fail "--server: $(field server) $ERR"

# --- a broken CA key is refused -------------------------------------------------------------------
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj "/CN=other" \
  -keyout "$E2E_TMP/other.key" -out "$E2E_TMP/other.crt" 2>/dev/null
cp "$E2E_TMP/other.key" "$DIR/tls/ca.key"
run --data-dir "$DIR" --user jane
[ "$RC" -eq 1 ] && grep -q 'ca.key does not match' <<<"$ERR" && [ -z "$OUT" ] || fail "mismatched ca.key: rc=$RC $ERR"
echo garbage >"$DIR/tls/ca.key"
run --data-dir "$DIR" --user jane
[ "$RC" -eq 1 ] && grep -q 'ca.key' <<<"$ERR" || fail "corrupt ca.key: rc=$RC $ERR"
echo PASS
