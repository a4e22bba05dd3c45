# Shared by the bench scripts that drive `edgeway server` over its API: a server on a fresh
# data dir on loopback, curl as its admin, its memory. Source after setting `bin`.
tmp=$(mktemp -d /tmp/edgeway-bench.XXXXXX)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
base="https://127.0.0.1:$port"
tls="$tmp/data/tls"
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT

curl_admin() { curl --cacert "$tls/ca.crt" --cert "$tls/admin.crt" --key "$tls/admin.key" "$@"; }

# Starts the server (extra flags pass through) and waits for /readyz; $startup = seconds.
start() {
  "$bin" server --data-dir "$tmp/data" --api-listen "127.0.0.1:$port" --proxy none \
    --dns-listen 127.0.0.1:0 --ingress-http-listen 127.0.0.1:0 --ingress-https-listen 127.0.0.1:0 \
    --log-level warn "$@" 2>>"$tmp/server.log" &
  pid=$!
  local t0
  t0=$(date +%s.%N)
  until [ -f "$tls/ca.crt" ] && curl -fsS --cacert "$tls/ca.crt" "$base/readyz" >/dev/null 2>&1; do sleep 0.02; done
  startup=$(python3 -c "print(f'{$(date +%s.%N)-$t0:.2f}')")
}
stop() { kill -TERM "$pid"; wait "$pid" || true; pid=""; }
rss() { awk -v k="$1:" '$1==k {printf "%.1f MB", $2/1024}' "/proc/$pid/status"; }
ns() { curl_admin -fsS -o /dev/null -X POST -H 'Content-Type: application/json' \
  --data "{\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":{\"name\":\"$1\"}}" "$base/api/v1/namespaces"; }
machine() {
  echo "- machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -sr), $(date -u +%Y-%m-%d)"
}
