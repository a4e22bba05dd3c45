#!/usr/bin/env bash
# Cluster DNS benchmark: edgeway vs Knot DNS vs dnsmasq answering the same cluster records,
# each server pinned to one core (SERVER_CPU, default 0) and dnsperf on another (CLIENT_CPU,
# default 1): queries/s at full load, then p99 latency at 50% of each server's peak; then
# edgeway's forwarder cache hit rate against a dnsmasq upstream. Loopback only.
#
# edgeway gets ~1,000 Services through its API (70% ClusterIP, 20% headless with 3
# endpoints, 10% ExternalName); bench/dns/records.py exports the same records as a zone file
# (knotd) and as hosts/cname/srv-host lines (dnsmasq) and writes the query file: A for every
# ClusterIP and headless Service, SRV for the ClusterIP ports, CNAME for the ExternalNames,
# and 10% names that do not exist.
#
# Latency: dnsperf only reports an average, so a separate light client (records.py latency:
# one query at a time, every 0.5 ms, on dnsperf's core at a higher priority) times each of
# its queries while dnsperf loads the server, at full load and at 50% of that server's peak
# (dnsperf -Q); p99 is the 99th percentile of those samples.
#
# The machine may be shared (other builds): as root, the servers and dnsperf run under
# SCHED_FIFO priority 10 and the latency client at 20 (`chrt -f`; RT=0 turns it off), so the
# figures measure the DNS servers rather than time slices given to unrelated processes (the
# kernel's RT throttling still leaves others 5% of each core).
#
# Usage: bench/dns/run.sh [build-dir] [services] [seconds-per-run]
# Needs (installs nothing): dnsperf, knot (knotd), dnsmasq-base, python3, curl, util-linux.
# Prints a Markdown section for docs/benchmarks.md. Everything it starts is stopped on exit.
set -euo pipefail
build=${1:-build}
services=${2:-1000}
secs=${3:-10}
server_cpu=${SERVER_CPU:-0}
client_cpu=${CLIENT_CPU:-1}
rt=${RT:-1}
[ "$(id -u)" = 0 ] || rt=0
here=$(cd "$(dirname "$0")" && pwd)
bin="$build/edgeway"
[ -x "$bin" ] || { echo "build first: make build" >&2; exit 1; }

missing=()
command -v dnsperf >/dev/null || missing+=(dnsperf)
command -v knotd >/dev/null || [ -x /usr/sbin/knotd ] || missing+=(knot)
command -v dnsmasq >/dev/null || [ -x /usr/sbin/dnsmasq ] || missing+=(dnsmasq-base)
command -v taskset >/dev/null || missing+=(util-linux)
command -v curl >/dev/null || missing+=(curl)
command -v python3 >/dev/null || missing+=(python3)
if [ ${#missing[@]} -gt 0 ]; then
  echo "missing packages: ${missing[*]} (Debian: apt-get install -y ${missing[*]})" >&2
  exit 1
fi
PATH=$PATH:/usr/sbin
records() { python3 "$here/records.py" "$@"; }
# Command prefixes (exec chains, so that $! is the server itself).
on_server=(taskset -c "$server_cpu")
on_client=(taskset -c "$client_cpu")
on_prober=(taskset -c "$client_cpu")
if [ "$rt" = 1 ]; then
  on_server=(chrt -f 10 "${on_server[@]}")
  on_client=(chrt -f 10 "${on_client[@]}")
  on_prober=(chrt -f 20 "${on_prober[@]}")
fi

tmp=$(mktemp -d /tmp/edgeway-dnsbench.XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT
# A port free for both UDP and TCP on 127.0.0.1.
freeport() {
  python3 -c '
import socket
while True:
    t = socket.socket(); t.bind(("127.0.0.1", 0)); p = t.getsockname()[1]
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        u.bind(("127.0.0.1", p)); print(p); break
    except OSError:
        pass
    finally:
        t.close(); u.close()'
}
# Waits until 127.0.0.1:$1 answers $2 with NOERROR.
wait_dns() {
  for _ in $(seq 200); do
    [ "$(records probe "$1" "$2" A | cut -d' ' -f1)" = NOERROR ] && return 0
    sleep 0.05
  done
  echo "no answer from 127.0.0.1:$1" >&2
  return 1
}

api_port=$(freeport)
edgeway_port=$(freeport)
knot_port=$(freeport)
dnsmasq_port=$(freeport)
upstream_port=$(freeport)
base="https://127.0.0.1:$api_port"
tls="$tmp/data/tls"

# The forwarder's upstream: external names under example.test, each with a 300 s TTL; every
# query it receives is logged and counted.
cat >"$tmp/upstream.conf" <<EOF
port=$upstream_port
listen-address=127.0.0.1
bind-interfaces
no-resolv
no-hosts
user=root
pid-file=
address=/example.test/192.0.2.1
local-ttl=300
log-queries
log-facility=$tmp/upstream.log
EOF
"${on_client[@]}" dnsmasq -k -C "$tmp/upstream.conf" 2>>"$tmp/upstream.err" &
pids+=($!)

"${on_server[@]}" "$bin" server --data-dir "$tmp/data" --api-listen "127.0.0.1:$api_port" --proxy none \
  --dns-listen "127.0.0.1:$edgeway_port" --dns-upstream "127.0.0.1:$upstream_port" \
  --ingress-http-listen 127.0.0.1:0 --ingress-https-listen 127.0.0.1:0 --log-level warn 2>>"$tmp/server.log" &
edgeway_pid=$!
pids+=($edgeway_pid)
until [ -f "$tls/ca.crt" ] && curl -fsS --cacert "$tls/ca.crt" "$base/readyz" >/dev/null 2>&1; do sleep 0.05; done
records create "$base" "$tls" "$services"
last=$((services - 1))
last_name="svc-$last.bench.svc.cluster.local"
[ $((last % 10)) = 9 ] && last_name="svc-$((last - 1)).bench.svc.cluster.local"  # not an ExternalName
wait_dns "$edgeway_port" "$last_name"
summary=$(records export "$base" "$tls" "$tmp")

mkdir -p "$tmp/knot"
cp "$tmp/cluster.local.zone" "$tmp/knot/"
cat >"$tmp/knot/knot.conf" <<EOF
server:
    rundir: "$tmp/knot"
    listen: 127.0.0.1@$knot_port
    udp-workers: 1
    tcp-workers: 1
    background-workers: 1
database:
    storage: "$tmp/knot/db"
log:
  - target: stderr
    any: warning
template:
  - id: default
    storage: "$tmp/knot"
    zonefile-sync: -1
    journal-content: none
zone:
  - domain: cluster.local
    file: cluster.local.zone
EOF
"${on_server[@]}" knotd -c "$tmp/knot/knot.conf" 2>>"$tmp/knot.log" &
pids+=($!)

cat >"$tmp/dnsmasq.conf" <<EOF
port=$dnsmasq_port
listen-address=127.0.0.1
bind-interfaces
no-resolv
no-hosts
user=root
pid-file=
addn-hosts=$tmp/dnsmasq.hosts
conf-file=$tmp/dnsmasq.records
EOF
"${on_server[@]}" dnsmasq -k -C "$tmp/dnsmasq.conf" 2>>"$tmp/dnsmasq.log" &
pids+=($!)
wait_dns "$knot_port" "$last_name"
wait_dns "$dnsmasq_port" "$last_name"

# dnsperf at full load: 8 sockets, 400 queries outstanding (enough to keep each server busy
# on loopback without overflowing its socket buffer).
perf_args=(-s 127.0.0.1 -d "$tmp/cluster.queries" -l "$secs" -c 8 -q 400)
# dnsperf for $secs seconds (extra args after port and out-file) with the latency client
# running in its middle; the latter's "p50 p99 samples lost" go to out-file.lat.
measure() {
  local port=$1 out=$2
  shift 2
  "${on_client[@]}" dnsperf "${perf_args[@]}" -p "$port" "$@" >"$out" 2>&1 &
  local load=$!
  sleep 1
  "${on_prober[@]}" python3 "$here/records.py" latency "$port" "$tmp/cluster.queries" $((secs - 2)) >"$out.lat"
  wait "$load" || true
}
field() { grep -a -F "$2" "$1" | head -1; }
qps_of() { field "$1" "Queries per second:" | awk '{printf "%.0f", $4}'; }
avg_of() { field "$1" "Average Latency (s):" | awk '{printf "%.3f", $4 * 1000}'; }
lost_of() { field "$1" "Queries lost:" | awk '{print $4}' | tr -d '()'; }
rcodes_of() { field "$1" "Response codes:" | sed 's/.*Response codes: *//'; }
p99_of() { awk '{print $2}' "$1.lat"; }
samples_of() { awk '{print $3 (($4 > 0) ? " (" $4 " lost)" : "")}' "$1.lat"; }

rows=()
rcodes=()
for server in edgeway knot dnsmasq; do
  port_var="${server}_port"
  port=${!port_var}
  # Warm-up (edgeway's per-worker answer cache, knot's and dnsmasq's CPU caches alike).
  "${on_client[@]}" dnsperf -s 127.0.0.1 -p "$port" -d "$tmp/cluster.queries" -n 1 >/dev/null 2>&1 || true
  measure "$port" "$tmp/$server.full"
  peak=$(qps_of "$tmp/$server.full")
  half=$((peak / 2))
  measure "$port" "$tmp/$server.half" -Q "$half"
  rows+=("| $server | **$peak** | $(avg_of "$tmp/$server.full") | $(lost_of "$tmp/$server.full") \
| $(p99_of "$tmp/$server.full") | $half | $(qps_of "$tmp/$server.half") | $(avg_of "$tmp/$server.half") \
| **$(p99_of "$tmp/$server.half")** | $(samples_of "$tmp/$server.full") / $(samples_of "$tmp/$server.half") |")
  rcodes+=("- $server: $(rcodes_of "$tmp/$server.full")")
done

# Forwarder: every query of external.queries once, at a modest rate.
ext_total=$(wc -l <"$tmp/external.queries")
ext_distinct=$(sort -u "$tmp/external.queries" | wc -l)
"${on_client[@]}" dnsperf -s 127.0.0.1 -p "$edgeway_port" -d "$tmp/external.queries" -n 1 -c 4 -q 20 \
  -Q 5000 >"$tmp/forward.out" 2>&1 || true
sleep 0.5
upstream_queries=$(grep -c "query\[A\] host-" "$tmp/upstream.log" || true)
ext_answered=$(field "$tmp/forward.out" "Queries completed:" | awk '{print $3}')
hit_rate=$(python3 -c "print(f'{100 * (1 - $upstream_queries / $ext_total):.1f}')")
best_rate=$(python3 -c "print(f'{100 * (1 - $ext_distinct / $ext_total):.1f}')")

echo "## Cluster DNS (bench/dns/run.sh)"
echo
echo "- machine: $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -sr), $(date -u +%Y-%m-%d); load average before the run $(cut -d' ' -f1-3 /proc/loadavg)"
echo "- servers, each pinned to core $server_cpu (\`taskset -c $server_cpu\`), dnsperf on core $client_cpu, UDP over loopback$([ "$rt" = 1 ] && echo ", all under \`chrt -f\` (the cores are shared with other work; see the script)"):"
echo "  $("$bin" version) (one UDP worker: the affinity mask has one CPU); $(knotd --version | head -1) (udp-workers 1);"
echo "  $(dnsmasq --version | head -1 | sed 's/  Copyright.*//'); $(dnsperf -h 2>&1 | grep -m1 Version | sed 's/^/dnsperf /')"
echo "- data: $summary (same records in every server; edgeway from its API, the others from the exported zone)"
echo "- command: \`dnsperf -s 127.0.0.1 -p PORT -d cluster.queries -l $secs -c 8 -q 400\` (full load);"
echo "  then \`-Q\` at 50% of that peak; p99 from a light client (one query at a time, every 0.5 ms)"
echo "  timing its own queries during each run (\`bench/dns/records.py latency\`)"
echo
echo "| server | peak qps | avg ms (dnsperf) | lost | p99 ms at peak | 50% target qps | qps | avg ms (dnsperf) | p99 ms at 50% | latency samples |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
printf '%s\n' "${rows[@]}"
echo
echo "Response codes at full load (the same mix everywhere: the same names exist in every server):"
echo
printf '%s\n' "${rcodes[@]}"
echo
echo "Forwarder (names outside the cluster, edgeway → dnsmasq upstream on loopback, TTL 300 s):"
echo "$ext_total queries over $ext_distinct distinct names (Zipf-like repeats), $ext_answered answered;"
echo "$upstream_queries reached the upstream: **hit rate $hit_rate%** (cache hits and coalesced"
echo "in-flight duplicates; the best possible with this file is $best_rate%)."
