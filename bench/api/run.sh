#!/usr/bin/env bash
# API server benchmark: create/get/list/watch latency and throughput with 1 and 64
# clients, list of 10,000 Services, and server RSS with 10,000 Services. Loopback only.
# Usage: bench/api/run.sh [build-dir]   (default: build; run `make build` first)
# Prints a Markdown section for docs/benchmarks.md.
set -euo pipefail
build=${1:-build}
bin="$build/edgeway"
bench="$build/edgeway_api_bench"
[ -x "$bin" ] && [ -x "$bench" ] || { echo "build first: make build" >&2; exit 1; }

source "$(dirname "$0")/../lib.sh"
run() { "$bench" --port "$port" --tls-dir "$tls" "$@"; }

start
ns bench-latency; ns bench; ns bench-watch
echo "## API server (bench/api/run.sh)"
echo
machine
echo "- server: $("$bin" version), HTTPS (TLS 1.2, ECDSA P-256, client certificate), SQLite WAL synchronous=FULL, data dir on $(df -P "$tmp" | awk 'NR==2 {print $1}')"
echo
echo '```'
run --phase create --clients 1 --requests 1000 --namespace bench-latency
run --phase get --clients 1 --requests 1000 --namespace bench-latency
curl_admin -fsS -o /dev/null -X DELETE "$base/api/v1/namespaces/bench-latency"
until [ "$(curl_admin -s -o /dev/null -w '%{http_code}' "$base/api/v1/namespaces/bench-latency")" = 404 ]; do sleep 0.1; done
run --phase create --clients 64 --requests 10000 --namespace bench
run --phase get --clients 64 --requests 20000 --namespace bench
run --phase list --clients 1 --requests 10 --namespace bench
run --phase list-table --clients 1 --requests 5 --namespace bench
echo "rss with 10,000 Services: $(rss VmRSS) (peak $(rss VmHWM))"
run --phase watch --requests 1000 --namespace bench-watch
stop
start
echo "restart: ready in ${startup}s, rss $(rss VmRSS) holding $(curl_admin -fsS "$base/api/v1/services" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["items"]))') Services"
run --phase list --clients 1 --requests 10 --namespace bench
echo "rss after listing: $(rss VmRSS) (peak $(rss VmHWM))"
echo '```'
