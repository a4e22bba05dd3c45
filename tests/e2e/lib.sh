# Shared helpers for the kubectl e2e sessions. Each test sources this file, calls
# start_server, drives stock kubectl against it, and asserts on what kubectl prints.
# Traffic goes to 127.0.0.1 only.
set -euo pipefail

: "${EDGEWAY_BIN:?EDGEWAY_BIN must point at build/edgeway}"
E2E_TMP=$(mktemp -d /tmp/edgeway-e2e.XXXXXX)
SERVER_PID=""
export KUBECACHEDIR="$E2E_TMP/kube-cache"   # fresh discovery cache per test
export KUBECONFIG="$E2E_TMP/data/kubeconfig"

cleanup() {
  stop_server
  rm -rf "$E2E_TMP"
}
trap cleanup EXIT

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

API_PORT=$(free_port)
API_URL="https://127.0.0.1:$API_PORT"
TLS_DIR="$E2E_TMP/data/tls"

# curl as the cluster admin (client certificate), verifying the server against the CA.
admin_curl() {
  curl --cacert "$TLS_DIR/ca.crt" --cert "$TLS_DIR/admin.crt" --key "$TLS_DIR/admin.key" "$@"
}

start_server() {
  mkdir -p "$E2E_TMP/data"
  "$EDGEWAY_BIN" server --data-dir "$E2E_TMP/data" --api-listen "127.0.0.1:$API_PORT" \
    --dns-listen 127.0.0.1:0 --ingress-http-listen 127.0.0.1:0 --ingress-https-listen 127.0.0.1:0 \
    --proxy none "$@" >>"$E2E_TMP/server.log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 1 100); do
    # /readyz is open to anonymous clients; the kubeconfig is written once serving starts.
    if [ -s "$KUBECONFIG" ] && curl -fsS --cacert "$TLS_DIR/ca.crt" "$API_URL/readyz" >/dev/null 2>&1; then
      return 0
    fi
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then
      echo "server exited during start-up:"; cat "$E2E_TMP/server.log"; exit 1
    fi
    sleep 0.1
  done
  echo "server did not become ready"; cat "$E2E_TMP/server.log"; exit 1
}

stop_server() {
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID"
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  SERVER_PID=""
}

fail() {
  echo "FAIL: $*" >&2
  echo "--- server log (tail) ---" >&2
  tail -n 30 "$E2E_TMP/server.log" >&2 || true
  exit 1
}

# Runs kubectl, capturing stdout+stderr into $OUT and the exit code into $RC.
k() {
  set +e
  OUT=$(kubectl "$@" 2>&1)
  RC=$?
  set -e
}

# Runs kubectl and fails the test if it fails.
kok() {
  k "$@"
  [ "$RC" -eq 0 ] || fail "kubectl $* exited $RC: $OUT"
}

expect_rc() {  # expected rc
  [ "$RC" -eq "$1" ] || fail "expected exit $1, got $RC: $OUT"
}

expect_out() {  # exact expected output
  [ "$OUT" == "$1" ] || fail "unexpected output.
--- expected ---
$1
--- got ---
$OUT"
}

expect_contains() {
  local needle
  for needle in "$@"; do
    grep -qF -- "$needle" <<<"$OUT" || fail "output lacks \"$needle\":
$OUT"
  done
}

expect_match() {  # extended regexes, each must match some line
  local re
  for re in "$@"; do
    grep -qE -- "$re" <<<"$OUT" || fail "output has no line matching /$re/:
$OUT"
  done
}

jsonpath() {  # resource jsonpath -> $OUT
  kok get "$1" -o "jsonpath=$2"
}

# What a runtime hook does once a container is up: IP and readiness through /status.
set_pod_status() {  # pod ip ready(True|False)
  kok patch pod "$1" --subresource=status --type=merge -p "{\"status\":{\"phase\":\"Running\",
    \"podIP\":\"$2\",\"podIPs\":[{\"ip\":\"$2\"}],
    \"conditions\":[{\"type\":\"Ready\",\"status\":\"$3\"}]}}"
}

# Runs `command...` (which leaves its answer in $OUT) until $OUT is exactly `want`. The
# bound (10 s) only turns a hang into a failure; no check depends on how long it takes.
until_out() {  # want command...
  local want=$1; shift
  for _ in $(seq 1 100); do
    "$@" || true
    [ "$OUT" == "$want" ] && return 0
    sleep 0.1
  done
  fail "$*: wanted \"$want\", last got \"$OUT\""
}

# Waits until a jsonpath of a resource prints exactly `want`.
wait_for() {  # resource jsonpath want
  until_out "$3" k get "$1" -o "jsonpath=$2"
}
