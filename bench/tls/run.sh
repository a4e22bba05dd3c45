#!/usr/bin/env bash
# TLS benchmark: full-handshake rate and HTTPS keep-alive request throughput of edgeway's
# API listener, compared in the same run with nginx (Debian's package) terminating TLS with
# the same certificate chain and key (ECDSA P-256), TLS 1.2 only, no session resumption, and
# answering a static copy of edgeway's /version body. Loopback only; every phase is bounded.
#
# Usage: bench/tls/run.sh [build-dir]   (default: build; run `make build` first)
# Environment: DURATION=seconds per phase (default 5), WRK_THREADS (default: cores).
# Needs: nginx (nginx-light), wrk, openssl, curl, python3, pgrep (procps).
# Prints a Markdown section for docs/benchmarks.md.
set -euo pipefail
build=${1:-build}
bin="$build/edgeway"
duration=${DURATION:-5}
cores=$(nproc)
wrk_threads=${WRK_THREADS:-$cores}
[ -x "$bin" ] || { echo "build first: make build" >&2; exit 1; }
missing=()
for tool in nginx:nginx-light wrk:wrk openssl:openssl curl:curl python3:python3 pgrep:procps; do
  command -v "${tool%%:*}" >/dev/null || missing+=("${tool#*:}")
done
if ((${#missing[@]})); then
  echo "missing tools; install them with: apt-get install --no-install-recommends ${missing[*]}" >&2
  exit 1
fi

tmp=$(mktemp -d /tmp/edgeway-tlsbench.XXXXXX)
chmod 755 "$tmp"  # nginx workers drop root; they only need to traverse it
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
ew_port=$(free_port)
ng_port=$(free_port)
tls="$tmp/data/tls"
ew_pid="" ng_pid="" sampler=""
cleanup() {
  [ -n "$sampler" ] && kill "$sampler" 2>/dev/null
  [ -n "$ew_pid" ] && kill "$ew_pid" 2>/dev/null
  [ -n "$ng_pid" ] && kill -QUIT "$ng_pid" 2>/dev/null
  wait 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT

# Waits (at most 10 s) until URL answers over TLS with the cluster CA.
wait_ready() {
  local deadline=$((SECONDS + 10))
  until [ -f "$tls/ca.crt" ] && curl -fsS --cacert "$tls/ca.crt" -o /dev/null "$1" 2>/dev/null; do
    ((SECONDS < deadline)) || { echo "not ready: $1" >&2; cat "$tmp"/*.log >&2; exit 1; }
    sleep 0.05
  done
}

# edgeway: its io thread count is min(cores, 4).
"$bin" server --data-dir "$tmp/data" --api-listen "127.0.0.1:$ew_port" --proxy none \
  --dns-listen 127.0.0.1:0 --ingress-http-listen 127.0.0.1:0 --ingress-https-listen 127.0.0.1:0 \
  --log-level warn 2>>"$tmp/edgeway.log" &
ew_pid=$!
wait_ready "https://127.0.0.1:$ew_port/version"
io_threads=$((cores < 4 ? cores : 4))
body=$(curl -fsS --cacert "$tls/ca.crt" "https://127.0.0.1:$ew_port/version")

# nginx: same chain as edgeway sends (leaf + CA), same key, TLS 1.2, the same cipher suites
# and groups in the same order, no session cache or tickets (edgeway has neither), a client
# certificate requested but optional (edgeway asks for one too), one worker per edgeway io
# thread, no access log, no per-connection request limit.
cat "$tls/apiserver.crt" "$tls/ca.crt" >"$tmp/chain.pem"
mkdir -p "$tmp/nginx"
cat >"$tmp/nginx.conf" <<EOF
daemon off;
worker_processes $io_threads;
pid $tmp/nginx.pid;
error_log $tmp/nginx.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $tmp/nginx/body;
  proxy_temp_path $tmp/nginx/proxy;
  fastcgi_temp_path $tmp/nginx/fastcgi;
  uwsgi_temp_path $tmp/nginx/uwsgi;
  scgi_temp_path $tmp/nginx/scgi;
  keepalive_requests 100000000;
  server {
    listen 127.0.0.1:$ng_port ssl;
    ssl_certificate $tmp/chain.pem;
    ssl_certificate_key $tls/apiserver.key;
    ssl_protocols TLSv1.2;
    ssl_ciphers ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305;
    ssl_prefer_server_ciphers on;
    ssl_ecdh_curve X25519:prime256v1:secp384r1:secp521r1;
    ssl_session_cache off;
    ssl_session_tickets off;
    ssl_client_certificate $tls/ca.crt;
    ssl_verify_client optional;
    location = /version {
      default_type application/json;
      return 200 '$body';
    }
  }
}
EOF
nginx -p "$tmp/nginx" -e "$tmp/nginx.log" -c "$tmp/nginx.conf" &
ng_pid=$!
wait_ready "https://127.0.0.1:$ng_port/version"

# Both must negotiate the same thing; print it once per server.
negotiated() {
  timeout 5 openssl s_client -connect "127.0.0.1:$1" -CAfile "$tls/ca.crt" </dev/null 2>/dev/null |
    awk '/^New,/ {v=$2; c=$NF} /Server Temp Key/ {k=$4} /Peer signature type/ {s=$4} /Verify return code/ {r=$4 " " $5}
         END {printf "%s %s, key exchange %s, signature %s, chain verify %s", v, c, k, s, r}' | tr -d ','
}

# Memory of a server: its process and children; RSS summed, and PSS summed (shared pages
# split between processes, so nginx's master and workers are not counted several times).
pids_of() { echo "$1"; pgrep -P "$1" || true; }
mem_kb() {
  local rss=0 pss=0 p r s
  for p in $(pids_of "$1"); do
    r=$(awk '$1=="VmRSS:" {print $2}' "/proc/$p/status" 2>/dev/null || echo 0)
    s=$(awk '$1=="Pss:" {print $2}' "/proc/$p/smaps_rollup" 2>/dev/null || echo 0)
    rss=$((rss + ${r:-0})) pss=$((pss + ${s:-0}))
  done
  echo "$rss $pss"
}
# Samples a server's memory every 0.2 s until killed (or for 120 s at most); keeps the peak.
start_sampler() {
  local pid=$1 out=$2
  (
    peak_rss=0 peak_pss=0 end=$((SECONDS + 120))
    while ((SECONDS < end)); do
      read -r r s < <(mem_kb "$pid")
      ((r > peak_rss)) && peak_rss=$r
      ((s > peak_pss)) && peak_pss=$s
      echo "$peak_rss $peak_pss" >"$out"
      sleep 0.2
    done
  ) &
  sampler=$!
}
# CPU time (user + system, in clock ticks) of a server: its process and children.
cpu_ticks() {
  local total=0 p t
  for p in $(pids_of "$1"); do
    t=$(awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null || echo 0)
    total=$((total + ${t:-0}))
  done
  echo "$total"
}
stop_sampler() { kill "$sampler" 2>/dev/null; wait "$sampler" 2>/dev/null || true; sampler=""; }

# Full handshakes: N parallel `openssl s_time -new` clients for DURATION seconds; each
# connects, completes a full TLS handshake (no session reuse), and closes. Connections per
# wall-clock second over all clients (s_time's own "real seconds" is rounded to whole seconds).
handshakes() {
  local port=$1 clients=$2 i t0 t1 total=0 n pids=()
  t0=$(date +%s.%N)
  for ((i = 0; i < clients; i++)); do
    timeout $((duration + 10)) openssl s_time -connect "127.0.0.1:$port" -new -time "$duration" \
      >"$tmp/stime.$i" 2>&1 &
    pids+=($!)
  done
  wait "${pids[@]}" || true
  t1=$(date +%s.%N)
  for ((i = 0; i < clients; i++)); do
    n=$(awk '/connections in .* real seconds/ {print $1}' "$tmp/stime.$i")
    [ -n "$n" ] || { echo "s_time failed:" >&2; cat "$tmp/stime.$i" >&2; exit 1; }
    total=$((total + n))
  done
  python3 -c "print(f'{$total/($t1-$t0):.0f} $total')"
}

# wrk for DURATION seconds; prints "requests/s requests p50 p99 errors".
wrk_run() {
  local port=$1 conns=$2 threads=$3
  shift 3
  threads=$((threads > conns ? conns : threads))
  timeout $((duration + 15)) wrk -t "$threads" -c "$conns" -d "${duration}s" --latency "$@" \
    "https://127.0.0.1:$port/version" >"$tmp/wrk.out" 2>&1 || { cat "$tmp/wrk.out" >&2; exit 1; }
  awk '/^Requests\/sec:/ {rps=$2} / requests in / {n=$1}
       $1=="50%" {p50=$2} $1=="99%" {p99=$2}
       /Socket errors/ {err=$0; sub(/^ *Socket errors: */, "", err)}
       /Non-2xx/ {non2xx=$NF}
       END {e=""; if (err!="") e="socket errors: " err; if (non2xx!="") e=e (e==""?"":"; ") "non-2xx: " non2xx;
            if (e=="") e="none"; printf "%.0f %d %s %s %s\n", rps, n, p50, p99, e}' "$tmp/wrk.out"
}

declare -A res
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
for server in edgeway nginx; do
  if [ "$server" = edgeway ]; then port=$ew_port pid=$ew_pid; else port=$ng_port pid=$ng_pid; fi
  res[$server.negotiated]=$(negotiated "$port")
  read -r r s < <(mem_kb "$pid")
  res[$server.idle]="$r $s"
done

# Phases alternate between the two servers so that drift on the shared machine hits both.
phase() {  # name, command, arguments: runs "command PORT arguments..." against each server
  local name=$1 cmd=$2 server port pid c0
  shift 2
  for server in edgeway nginx; do
    if [ "$server" = edgeway ]; then port=$ew_port pid=$ew_pid; else port=$ng_port pid=$ng_pid; fi
    start_sampler "$pid" "$tmp/peak.$server.$name"
    c0=$(cpu_ticks "$pid")
    res[$server.$name]=$("$cmd" "$port" "$@")
    res[$server.$name.cpu]=$(($(cpu_ticks "$pid") - c0))
    stop_sampler
  done
}
phase hs1 handshakes 1
phase hs4 handshakes 4
phase close64 wrk_run 64 "$wrk_threads" -H 'Connection: close'
phase ka1 wrk_run 1 1
phase ka64 wrk_run 64 "$wrk_threads"

peak() {  # server -> "RSS MB / PSS MB" over all phases
  cat "$tmp"/peak."$1".* | awk '{ if ($1>r) r=$1; if ($2>p) p=$2 } END {printf "%.1f / %.1f MB", r/1024, p/1024}'
}
mb() { awk '{printf "%.1f / %.1f MB", $1/1024, $2/1024}' <<<"$1"; }
rps() { awk '{print $1}' <<<"$1"; }
lat() { awk '{printf "%s / %s", $3, $4}' <<<"$1"; }
errs() { cut -d' ' -f5- <<<"$1"; }
hz=$(getconf CLK_TCK)
# Server CPU per operation: phase's CPU ticks over the operations done, in SCALE units.
per_op() {  # server phase scale(1000=ms, 1000000=us) unit
  awk -v t="${res[$1.$2.cpu]}" -v hz="$hz" -v s="$3" -v u="$4" '{printf "%.*f %s", (s==1000?2:0), t/hz*s/$2, u}' <<<"${res[$1.$2]}"
}
util() { awk -v t="${res[$1.$2.cpu]}" -v hz="$hz" -v d="$duration" 'BEGIN {printf "%.0f%%", 100*t/hz/d}'; }

echo "## TLS termination vs nginx (bench/tls/run.sh)"
echo
echo "- machine: $cores cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -sr), $(date -u +%Y-%m-%d); load average before / after the run: $load_before / $(cut -d' ' -f1-3 /proc/loadavg)"
echo "- edgeway: $("$bin" version), $io_threads io threads, GET /version (anonymous, ${#body}-byte JSON body)"
echo "- nginx: $(nginx -v 2>&1 | sed 's/^nginx version: //') ($(dpkg-query -W -f='${binary:Package} ${Version}' nginx-light 2>/dev/null || echo 'nginx'), $(nginx -V 2>&1 | sed -n 's/^built with //p' | sed 's/ (running.*//')), worker_processes $io_threads, \`return 200\` of the same body"
echo "- both: edgeway's apiserver certificate chain and ECDSA P-256 key, TLS 1.2 only, no session resumption, client certificate requested but optional"
echo "  - edgeway negotiated: ${res[edgeway.negotiated]}"
echo "  - nginx negotiated: ${res[nginx.negotiated]}"
echo "- clients: $(openssl version | cut -d' ' -f1-2) \`s_time -new\`, wrk $(dpkg-query -W -f='${Version}' wrk 2>/dev/null) ($wrk_threads threads at 64 connections); $duration s per phase; clients share the $cores cores with the server"
echo
echo "| measure | edgeway | nginx |"
echo "|---|---|---|"
echo "| full handshakes/s, 1 client (\`openssl s_time -new\`) | $(rps "${res[edgeway.hs1]}") | $(rps "${res[nginx.hs1]}") |"
echo "| full handshakes/s, 4 parallel clients | $(rps "${res[edgeway.hs4]}") | $(rps "${res[nginx.hs4]}") |"
echo "| server CPU per full handshake (4 clients) | $(per_op edgeway hs4 1000 ms) | $(per_op nginx hs4 1000 ms) |"
echo "| requests/s, new connection per request (wrk, 64 conns, \`Connection: close\`) | $(rps "${res[edgeway.close64]}") | $(rps "${res[nginx.close64]}") |"
echo "| server CPU per new connection + request (64 conns) | $(per_op edgeway close64 1000 ms) | $(per_op nginx close64 1000 ms) |"
echo "| requests/s, keep-alive, 1 connection | $(rps "${res[edgeway.ka1]}") | $(rps "${res[nginx.ka1]}") |"
echo "| latency p50 / p99, keep-alive, 1 connection | $(lat "${res[edgeway.ka1]}") | $(lat "${res[nginx.ka1]}") |"
echo "| server CPU per request, keep-alive, 1 connection | $(per_op edgeway ka1 1000000 µs) | $(per_op nginx ka1 1000000 µs) |"
echo "| requests/s, keep-alive, 64 connections | $(rps "${res[edgeway.ka64]}") | $(rps "${res[nginx.ka64]}") |"
echo "| server CPU per request, keep-alive, 64 connections | $(per_op edgeway ka64 1000000 µs) | $(per_op nginx ka64 1000000 µs) |"
echo "| latency p50 / p99, keep-alive, 64 connections | $(lat "${res[edgeway.ka64]}") | $(lat "${res[nginx.ka64]}") |"
echo "| server CPU use (of $((cores * 100))%): handshakes 4 clients / keep-alive 64 conns | $(util edgeway hs4) / $(util edgeway ka64) | $(util nginx hs4) / $(util nginx ka64) |"
echo "| server memory idle, RSS / PSS | $(mb "${res[edgeway.idle]}") | $(mb "${res[nginx.idle]}") |"
echo "| server memory peak during the run, RSS / PSS | $(peak edgeway) | $(peak nginx) |"
echo
for server in edgeway nginx; do
  for p in close64 ka1 ka64; do
    e=$(errs "${res[$server.$p]}")
    [ "$e" = none ] || echo "- $server $p: $e"
  done
done
