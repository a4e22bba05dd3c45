#!/usr/bin/env bash
# EndpointSlice controller benchmark: with 1,000 Services and 10,000 Pods (10 per Service)
# in one namespace, the delay from a Pod status write to the watch event of its updated
# EndpointSlice (p50/p99), the server's RSS at that size, and the cluster-state cache's
# own memory (edgeway_cache_bench on the same database). Loopback only.
# Usage: bench/endpoints/run.sh [build-dir] [services] [pods-per-service]
# Prints a Markdown section for docs/benchmarks.md.
set -euo pipefail
build=${1:-build}
services=${2:-1000}
per=${3:-10}
pods=$((services * per))
bin="$build/edgeway"
bench="$build/edgeway_api_bench"
cachebench="$build/edgeway_cache_bench"
for b in "$bin" "$bench" "$cachebench"; do [ -x "$b" ] || { echo "build first: make build" >&2; exit 1; }; done

source "$(dirname "$0")/../lib.sh"
start --node-ip 198.51.100.7
run() { "$bench" --port "$port" --tls-dir "$tls" --namespace bench "$@"; }
ns bench

# Counts the ready endpoints of all slices in the namespace.
ready_endpoints() {
  curl_admin -fsS "$base/apis/discovery.k8s.io/v1/namespaces/bench/endpointslices" | python3 -c '
import json, sys
print(sum(1 for s in json.load(sys.stdin)["items"] for e in (s.get("endpoints") or []) if e["conditions"].get("ready")))'
}

echo "## EndpointSlice controller (bench/endpoints/run.sh)"
echo
machine
echo "- server: $("$bin" version), HTTPS, SQLite WAL synchronous=FULL; $services Services x $per Pods in one namespace"
echo
echo '```'
run --phase create --clients 16 --requests "$services"
t0=$(date +%s.%N)
run --phase pods --clients 16 --requests "$pods" --pods-per-service "$per"
until [ "$(ready_endpoints)" -ge "$pods" ]; do sleep 0.5; done
echo "all $pods endpoints ready in slices $(python3 -c "print(f'{$(date +%s.%N)-$t0:.1f}')")s after the first Pod write"
run --phase pod-to-slice --requests 1000 --pods "$pods"
echo "server rss: $(rss VmRSS) (peak $(rss VmHWM))"
stop
"$cachebench" "$tmp/data/state.db"
echo '```'
