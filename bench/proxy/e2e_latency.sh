#!/usr/bin/env bash
# Service proxy end to end (issue 6: "one Service added / one endpoint changed with 10,000
# Services present, from the API write to the rule being live — target < 5 ms, and flat from
# 100 to 10,000 Services"): the real `edgeway server` with --proxy nftables, driven over its
# HTTPS API, timed from just before one API request is sent until a TCP connect through the
# rules it causes succeeds.
#
# Measured at 100, 1,000 and 10,000 Services (each selectorless, ClusterIP, 80→8080/TCP, with
# one EndpointSlice of 3 ready endpoints that nothing answers; sizes are reached by adding on
# top), ROUNDS times each (default 30), the three cases taking turns:
#   +1 Service          POST of a Service selecting one ready Pod: the Service write, then
#                       the endpoints controller's EndpointSlice write, then the proxy sync
#   endpoint changed    merge-PATCH of an EndpointSlice moving its one endpoint from an
#                       address that refuses to the live one
#   endpoint readiness  merge-PATCH of a Pod's status from Ready=False to True: the Pod
#                       write, the controller's slice rewrite, then the proxy sync
# Each reports write→live (median, max) and write→API response (median); between rounds the
# change is undone, untimed, and the next round starts only once connects fail again. Also
# the bulk load: write rate; how long after the last write all of it answered; how long
# after that the server was busy still (the endpoints controller reconciles every new
# Service and slice too, and a change that needs it would queue behind that backlog, so
# nothing is timed before the server is idle: under 5% CPU for a second); the number of
# ClusterIPs in the proxy's `cluster-ips` set; the server's RSS.
#
# How: namespaces ebench-<pid>-node (edgeway, the API on its loopback, ip_forward on) and
# ebench-<pid>-pods joined by a veth: node 10.42.254.254/16; pods 10.42.1.1 (nothing
# listens: refused) and 10.42.1.2 (the one listener, :8080). bench/proxy/e2e_driver.py runs
# in the node namespace: it writes over keep-alive HTTPS as the admin and probes with
# non-blocking connects (RST close, 0.2 ms between attempts) to ClusterIP:80, which succeed
# only through a DNAT to 10.42.1.2:8080. The service CIDR is routed to the pods namespace,
# which holds it as local addresses, so a connect is refused rather than lost -- except the
# SYN of a ClusterIP the proxy has not programmed yet, which edgeway drops (kube-proxy's
# unallocated-ClusterIP rule); the connect timeout is 1 ms so that costs little.
#
# Usage: sudo bench/proxy/e2e_latency.sh [path/to/edgeway]     (default build/edgeway)
#   QUICK=1       100 and 1,000 Services, 10 rounds (under a minute)
#   SIZES="..."   ascending Service counts; ROUNDS=N   rounds per size
# Needs root (exit 77 without), ip (iproute2), nft, python3, curl. The default run takes a
# few minutes on 2 cores. Everything happens in the two namespaces, deleted on exit (also on
# error / Ctrl-C); the host's own namespace and ruleset are not touched (checked at the end).
# Prints a Markdown section for docs/benchmarks.md on stdout; progress goes to stderr.
set -euo pipefail
bin=${1:-build/edgeway}
here=$(cd "$(dirname "$0")" && pwd)
[ "$(id -u)" = 0 ] || { echo "needs root (creates network namespaces)" >&2; exit 77; }
[ -x "$bin" ] || { echo "no edgeway binary at $bin (build first, or pass its path)" >&2; exit 1; }
missing=""
for t in ip nft python3 curl; do command -v "$t" >/dev/null || missing="$missing $t"; done
[ -z "$missing" ] || { echo "missing tools:$missing" >&2; exit 1; }

if [ "${QUICK:-0}" = 1 ]; then
  sizes=${SIZES:-"100 1000"} rounds=${ROUNDS:-10}
else
  sizes=${SIZES:-"100 1000 10000"} rounds=${ROUNDS:-30}
fi

P="ebench-$$"
NODE=$P-node
PODS=$P-pods
API_PORT=6443
tmp=$(mktemp -d /tmp/edgeway-ebench.XXXXXX)
tls=$tmp/data/tls
server_pid=""
listener_pid=""
host_rules_before=$(nft list ruleset | sha256sum)
cleanup() {
  local p
  for p in $server_pid $listener_pid; do
    kill -TERM "$p" 2>/dev/null || true
    wait "$p" 2>/dev/null || true
  done
  for p in "$NODE" "$PODS"; do
    if ip netns list | grep -q "^$p\b"; then ip netns del "$p"; fi
  done
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
log() { echo "[$(date +%T)] $*" >&2; }
fail() {
  echo "FAIL: $*" >&2
  tail -n 20 "$tmp/server.log" >&2 || true
  exit 1
}
driver() { ip netns exec "$NODE" python3 "$here/e2e_driver.py" "$1" --api "$API_PORT" --tls "$tls" "${@:2}"; }

# ---- topology ------------------------------------------------------------------------------
ip netns add "$NODE"
ip netns add "$PODS"
ip -n "$NODE" link set lo up
ip -n "$PODS" link set lo up
ip -n "$NODE" link add pods0 type veth peer name eth0 netns "$PODS"
ip -n "$NODE" addr add 10.42.254.254/16 dev pods0
ip -n "$NODE" link set pods0 up
ip netns exec "$NODE" sysctl -qw net.ipv4.ip_forward=1
ip -n "$PODS" addr add 10.42.1.1/16 dev eth0
ip -n "$PODS" addr add 10.42.1.2/16 dev eth0
ip -n "$PODS" link set eth0 up
ip -n "$PODS" route add default via 10.42.254.254
# A connect() needs a route before the nat-output hook sees it; the pods namespace then
# answers every not yet programmed ClusterIP with an RST (nothing listens on :80 there).
ip -n "$NODE" route add 10.43.0.0/16 via 10.42.1.1
ip -n "$PODS" route add local 10.43.0.0/16 dev lo

ip netns exec "$PODS" python3 "$here/e2e_driver.py" listen 10.42.1.2 8080 >"$tmp/listener.log" 2>&1 </dev/null &
listener_pid=$!
for _ in $(seq 1 50); do grep -qs listening "$tmp/listener.log" && break; sleep 0.1; done
grep -qs listening "$tmp/listener.log" || fail "listener did not start: $(cat "$tmp/listener.log")"

# ---- server --------------------------------------------------------------------------------
log "starting $bin in $NODE"
ip netns exec "$NODE" "$bin" server --data-dir "$tmp/data" --api-listen "127.0.0.1:$API_PORT" \
  --dns-listen 127.0.0.1:0 --ingress-http-listen 127.0.0.1:0 --ingress-https-listen 127.0.0.1:0 \
  --node-name node --node-ip 10.42.254.254 --service-cidr 10.43.0.0/16 --cluster-cidr 10.42.0.0/16 \
  --proxy nftables --log-level warn >>"$tmp/server.log" 2>&1 </dev/null &
server_pid=$!  # `ip netns exec` execs, so this is the server itself (for its RSS)
for _ in $(seq 1 300); do
  [ -f "$tls/ca.crt" ] && ip netns exec "$NODE" curl -fsS --cacert "$tls/ca.crt" \
    "https://127.0.0.1:$API_PORT/readyz" >/dev/null 2>&1 && break
  kill -0 "$server_pid" 2>/dev/null || fail "server exited during start-up"
  sleep 0.1
done
ip netns exec "$NODE" curl -fsS --cacert "$tls/ca.crt" "https://127.0.0.1:$API_PORT/readyz" >/dev/null ||
  fail "server not ready after 30 s"
driver setup || fail "fixtures"

# The server's CPU time so far (user + system, clock ticks; fields after the "(comm)").
cpu_ticks() { sed 's/.*) //' "/proc/$server_pid/stat" | awk '{print $12 + $13}'; }
# Waits until the server has used under 5% of a CPU in a one-second window; prints how many
# windows before that one were busier (so: seconds busy, rounded up).
wait_idle() {
  local busy=0 a b
  b=$(cpu_ticks)
  while :; do
    a=$b
    sleep 1
    b=$(cpu_ticks)
    [ $((b - a)) -lt $(($(getconf CLK_TCK) / 20)) ] && break
    busy=$((busy + 1))
    [ $busy -lt 600 ] || fail "server still busy after 600 s"
  done
  echo $busy
}
rss() { awk '$1 == "VmRSS:" {printf "%.1f MB", $2 / 1024}' "/proc/$server_pid/status"; }
cluster_ips() {
  ip netns exec "$NODE" nft -j list set ip edgeway cluster-ips |
    python3 -c 'import json, sys; print(sum(len(o["set"].get("elem", [])) for o in json.load(sys.stdin)["nftables"] if "set" in o))'
}
nf() { python3 -c "print(f'{$1:,}')"; }

# ---- sizes ---------------------------------------------------------------------------------
have=0
load_rows=()
lat_rows=()
for n in $sizes; do
  log "loading Services $have..$((n - 1)) (with their EndpointSlices)"
  read -r write_s live_ms < <(driver load --from "$have" --to "$n") || fail "load to $n"
  busy_s=$(wait_idle)
  rate=$(python3 -c "print(f'{2 * ($n - $have) / $write_s:,.0f}')")
  row="| $(nf "$n") | $(nf $((n - have))) Services + slices in $write_s s ($rate writes/s)"
  load_rows+=("$row | $live_ms ms | $busy_s s | $(nf "$(cluster_ips)") | $(rss) |")
  have=$n
  log "measuring at $n Services: $rounds rounds"
  driver measure --rounds "$rounds" --tag "$n" >"$tmp/measure" || fail "measure at $n"
  while IFS=$'\t' read -r case live_med live_max resp_med; do
    case $case in
      service) what="+1 Service (selector; Service, then slice written)" ;;
      slice) what="endpoint changed (EndpointSlice write)" ;;
      pod) what="endpoint readiness (Pod status write, then slice)" ;;
    esac
    lat_rows+=("| $(nf "$n") | $what | $live_med | $live_max | $resp_med |")
  done <"$tmp/measure"
done

host_ok="host ruleset unchanged"
[ "$(nft list ruleset | sha256sum)" = "$host_rules_before" ] || host_ok="HOST RULESET CHANGED (by someone)"

cat <<EOF
## Service proxy end to end: API write → rule live (bench/proxy/e2e_latency.sh)

- machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), Linux $(uname -r), $(date -u +%Y-%m-%d); $("$bin" version)
- command: \`${QUICK:+QUICK=$QUICK }sudo bench/proxy/e2e_latency.sh $bin\`; $rounds rounds per size
- \`edgeway server --proxy nftables\` in a network namespace, HTTPS API as the admin, SQLite
  WAL synchronous=FULL. Bulk Services are selectorless ClusterIP, one EndpointSlice of 3
  endpoints each; sizes are reached by adding on top (plus 2 fixture Services, kubernetes and kube-dns).
- write→live: from just before the API request is sent until a TCP connect from the node
  namespace to the ClusterIP succeeds through the DNAT to the one listening endpoint (probes
  every ~0.2 ms; refused, or dropped while the ClusterIP is unprogrammed, until then); write→response: the API request alone. ms; max = the
  slowest round.
- cleanup: $host_ok.

| Services | change | write→live median | write→live max | write→response median |
|---|---|---|---|---|
$(printf '%s\n' "${lat_rows[@]}")

| Services | bulk write (8 clients) | all live after the last write | server busy after that | ClusterIPs in \`cluster-ips\` | server RSS |
|---|---|---|---|---|---|
$(printf '%s\n' "${load_rows[@]}")
EOF
