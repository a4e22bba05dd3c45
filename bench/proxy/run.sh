#!/usr/bin/env bash
# Service proxy benchmark, side by side in one run (issue 6, "Benchmarks"):
#   edgeway      its nftables tables programmed through NftSyncer (libnftnl batches), by
#                build/edgeway_proxy_sync_bench --cluster-ip-only
#   nft          kube-proxy nftables-mode rules (per-Service chains, `numgen random mod 3
#                vmap { ... }` anonymous verdict maps, `service-ips` map) loaded with `nft -f`
#   iptables     kube-proxy iptables-mode nat rules (KUBE-SERVICES, KUBE-SVC-*, KUBE-SEP-* with
#                `statistic --mode random`) loaded with iptables-restore (Debian's `iptables`
#                is iptables-nft)
# The same Services in all three (bench/proxy/gen_rules.py writes the two kube-proxy ones):
# ClusterIP 10.43.0.0+1+i:80/TCP, 3 endpoints 10.42.x.y:8080 each.
#
# Measured: full load of 1,000 and 10,000 Services (wall time; the nft load is capped at
# NFT_TIMEOUT s), one Service added with 10,000 present, and TCP connect latency from a client
# namespace through the node namespace's DNAT to a server namespace, for the first and the
# last Service, at 10 and 10,000 Services.
#
# Usage: sudo bench/proxy/run.sh [build-dir]        (QUICK=1: 100/300 Services, fewer rounds)
# Needs root, ip (iproute2), nft, iptables-restore, python3, gcc, timeout. Nothing is
# installed here; on Debian: apt-get install -y iptables nftables gcc.
# Everything runs in network namespaces named pbench-<pid>-* that the script creates and
# deletes (also on error / Ctrl-C); the host's own ruleset and namespaces are not touched.
# Prints a Markdown section for docs/benchmarks.md; progress goes to stderr.
set -euo pipefail
build=${1:-build}
here=$(cd "$(dirname "$0")" && pwd)
sb="$build/edgeway_proxy_sync_bench"
[ -x "$sb" ] || { echo "build first: $sb is missing" >&2; exit 1; }
[ "$(id -u)" = 0 ] || { echo "needs root (creates network namespaces)" >&2; exit 77; }
missing=""
for t in ip nft iptables iptables-restore python3 gcc timeout; do
  command -v "$t" >/dev/null || missing="$missing $t"
done
[ -z "$missing" ] || { echo "missing tools:$missing (Debian: apt-get install -y iptables nftables gcc)" >&2; exit 1; }

if [ "${QUICK:-0}" = 1 ]; then
  mid=100 big=300 small=10 nft_timeout=60 rounds=3 connects=100 adds=3 ew_changes=20
else
  mid=1000 big=10000 small=10 nft_timeout=${NFT_TIMEOUT:-180} rounds=5 connects=200 adds=5 ew_changes=50
fi

P="pbench-$$"
tmp=$(mktemp -d /tmp/edgeway-pbench.XXXXXX)
server_pid=""
host_rules_before=$(nft list ruleset | sha256sum)
teardown() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  server_pid=""
  local x
  for x in node cli srv; do
    if ip netns list | grep -q "^$P-$x\b"; then ip netns del "$P-$x"; fi
  done
  return 0
}
cleanup() { teardown; rm -rf "$tmp"; }
trap cleanup EXIT
trap 'exit 130' INT TERM
log() { echo "[$(date +%T)] $*" >&2; }

gcc -O2 -Wall -o "$tmp/lat" "$here/connect_latency.c"
ipt_version=$(iptables -V)

ipv4() { python3 -c "v=$1; print(f'{v>>24}.{(v>>16)&255}.{(v>>8)&255}.{v&255}')"; }
cluster_ip() { ipv4 $((0x0A2B0000 + 1 + $1)); }
endpoint_ip() { ipv4 $((0x0A2A0000 + 3 * $1 + $2 + 1)); }

# Client 10.44.0.2 -- node (forwarding, the rules under test) -- server (10.42.254.254 on the
# node side; the server holds the endpoint addresses of the first and the last Service).
topo_up() {
  local n=$1 k ip x
  teardown
  for x in node cli srv; do ip netns add "$P-$x"; ip -n "$P-$x" link set lo up; done
  ip -n "$P-node" link add cli0 type veth peer name eth0 netns "$P-cli"
  ip -n "$P-node" link add srv0 type veth peer name eth0 netns "$P-srv"
  ip -n "$P-node" addr add 10.44.0.1/24 dev cli0
  ip -n "$P-node" addr add 10.42.254.254/16 dev srv0
  ip -n "$P-node" link set cli0 up
  ip -n "$P-node" link set srv0 up
  ip netns exec "$P-node" sysctl -qw net.ipv4.ip_forward=1
  ip -n "$P-cli" addr add 10.44.0.2/24 dev eth0
  ip -n "$P-cli" link set eth0 up
  ip -n "$P-cli" route add default via 10.44.0.1
  for s in 0 $((n - 1)); do
    for k in 0 1 2; do
      ip=$(endpoint_ip "$s" "$k")
      ip -n "$P-srv" addr add "$ip/16" dev eth0 2>/dev/null || true
    done
  done
  ip -n "$P-srv" link set eth0 up
  ip -n "$P-srv" route add default via 10.42.254.254
  ip netns exec "$P-srv" "$tmp/lat" serve 8080 &
  server_pid=$!
  sleep 0.2
}

# Runs "$@" inside the node namespace under `timeout $1`; prints "<ms> <exit code>".
timed_in_node() {
  local to=$1
  shift
  ip netns exec "$P-node" bash -c 's=$(date +%s%N); timeout '"$to"' "$@" >/dev/null 2>'"$tmp"'/err; rc=$?;
    e=$(date +%s%N); echo "$(( (e - s) / 1000000 )) $rc"' _ "$@"
}

median() { sort -n | awk '{v[NR]=$1} END {if (NR) print v[int((NR+1)/2)]; else print "n/a"}'; }
minimum() { sort -n | head -1; }
maximum() { sort -n | tail -1; }

# Connect latency to the first and the last Service of n; prints "first | last" cells,
# each "median of the round medians [lowest sample]" in µs.
latency() {
  local n=$1 first last r out t ip
  first=$(cluster_ip 0)
  last=$(cluster_ip $((n - 1)))
  : >"$tmp/lat.first"; : >"$tmp/lat.last"
  for t in first last; do  # must work before it is timed
    ip=$([ $t = first ] && echo "$first" || echo "$last")
    out=$(ip netns exec "$P-cli" "$tmp/lat" connect "$ip" 80 3) || { echo "n/a (no connection) | n/a"; return; }
  done
  for ((r = 0; r < rounds; r++)); do
    ip netns exec "$P-cli" "$tmp/lat" connect "$first" 80 "$connects" >>"$tmp/lat.first"
    ip netns exec "$P-cli" "$tmp/lat" connect "$last" 80 "$connects" >>"$tmp/lat.last"
  done
  local cells=()
  for t in first last; do
    cells+=("$(awk '{print $1}' "$tmp/lat.$t" | median) [$(awk '{print $2}' "$tmp/lat.$t" | minimum)]")
  done
  echo "${cells[0]} | ${cells[1]}"
}

fmt_s() { awk -v ms="$1" 'BEGIN { if (ms >= 10000) printf "%.0f s", ms / 1000; else if (ms >= 1000) printf "%.1f s", ms / 1000; else printf "%.0f ms", ms }'; }
declare -A R

# ---- baseline: no rules, the endpoint address itself --------------------------------------
log "baseline: connect latency to an endpoint address, no rules"
topo_up "$small"
: >"$tmp/lat.base"
for ((r = 0; r < rounds; r++)); do
  ip netns exec "$P-cli" "$tmp/lat" connect "$(endpoint_ip 0 0)" 8080 "$connects" >>"$tmp/lat.base"
done
R[base]="$(awk '{print $1}' "$tmp/lat.base" | median) [$(awk '{print $2}' "$tmp/lat.base" | minimum)]"
teardown

# ---- edgeway ---------------------------------------------------------------------------
log "edgeway: full syncs of $mid and $big Services, $ew_changes single-Service adds at $big"
"$sb" --sizes "$mid,$big" --changes "$ew_changes" --cluster-ip-only --tsv >"$tmp/ew.tsv"
ew() { awk -F'\t' -v op="$1" -v n="$2" -v col="$3" '$1 == op && $2 == n {print $col}' "$tmp/ew.tsv"; }
for n in $mid $big; do
  R[ew_full_$n]="$(fmt_s "$(ew 'full sync' "$n" 3)") (model build $(fmt_s "$(ew 'full model build' "$n" 3)"))"
done
r1() { awk -v v="$1" 'BEGIN { printf (v < 10 ? "%.1f" : "%.0f"), v }'; }
r2() { awk -v v="$1" 'BEGIN { printf (v < 1 ? "%.2f" : (v < 10 ? "%.1f" : "%.0f")), v }'; }
R[ew_add]="tracker + syncer $(r2 "$(ew '+1 Service: tracker + syncer' "$big" 3)") ms (p99 $(r2 "$(ew '+1 Service: tracker + syncer' "$big" 4)")), of which kernel commit $(r2 "$(ew '+1 Service: kernel commit' "$big" 3)") ms"
for n in $small $big; do
  log "edgeway: connect latency at $n Services"
  topo_up "$n"
  ip netns exec "$P-node" true
  "$sb" --netns "$P-node" --load "$n" --cluster-ip-only --tsv >/dev/null
  R[ew_lat_$n]=$(latency "$n")
  teardown
done

# ---- kube-proxy-style rulesets: nft -f, iptables-restore -----------------------------------
# One column: full loads at each size (capped at $nft_timeout s), $adds single-Service adds
# at the largest, connect latency at the smallest and largest.
#   kube_proxy_column KEY LABEL EXT FULL-LOADER... -- ADD-LOADER...
# gen_rules.py writes "$EXT-full N" / "$EXT-add N"; the loaders get the file as last argument.
kube_proxy_column() {
  local key=$1 label=$2 ext=$3 n t rc loaded k
  shift 3
  local full=() add=()
  while [ "$1" != -- ]; do full+=("$1"); shift; done
  shift
  add=("$@")
  for n in $small $mid $big; do
    python3 "$here/gen_rules.py" "$ext-full" "$n" >"$tmp/full.$ext"
    topo_up "$n"
    log "$label: full load of $n Services ($(wc -l <"$tmp/full.$ext") lines; timeout ${nft_timeout}s)"
    read -r t rc < <(timed_in_node "$nft_timeout" "${full[@]}" "$tmp/full.$ext")
    loaded=0
    if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
      R[${key}_full_$n]="> $nft_timeout s (stopped; $(fmt_s "$t") until it exited)"
    elif [ "$rc" != 0 ]; then
      R[${key}_full_$n]="failed ($(head -c 200 "$tmp/err"))"
    else
      R[${key}_full_$n]=$(fmt_s "$t")
      loaded=1
    fi
    if [ "$n" = "$big" ] && [ $loaded = 1 ]; then
      log "$label: $adds single-Service adds at $n"
      : >"$tmp/adds"
      for ((k = 0; k < adds; k++)); do
        python3 "$here/gen_rules.py" "$ext-add" $((n + k)) >"$tmp/add.$ext"
        read -r t rc < <(timed_in_node 60 "${add[@]}" "$tmp/add.$ext")
        [ "$rc" = 0 ] && echo "$t" >>"$tmp/adds"
      done
      R[${key}_add]="$(median <"$tmp/adds") ms ($(minimum <"$tmp/adds")–$(maximum <"$tmp/adds"))"
    fi
    if [ "$n" != "$mid" ]; then
      log "$label: connect latency at $n Services"
      if [ $loaded = 1 ]; then R[${key}_lat_$n]=$(latency "$n"); else R[${key}_lat_$n]="n/a (not loaded) | n/a"; fi
    fi
    teardown
  done
}
kube_proxy_column nft nft nft nft -f -- nft -f
kube_proxy_column ipt iptables ipt iptables-restore -- iptables-restore --noflush

# ---- host unchanged? -----------------------------------------------------------------------
host_ok="host ruleset unchanged"
[ "$(nft list ruleset | sha256sum)" = "$host_rules_before" ] || host_ok="HOST RULESET CHANGED (by someone)"
left=$(ip netns list | grep -c "^$P-" || true)

nf() { python3 -c "print(f'{$1:,}')"; }
echo "## nftables proxy vs kube-proxy rulesets (bench/proxy/run.sh)"
echo
echo "- machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -sr), $(date -u +%Y-%m-%d); $(nft --version | head -1); $ipt_version${QUICK:+; QUICK=$QUICK}"
echo "- ClusterIP Services × 3 endpoints, the same in all three columns. edgeway: NftSyncer into"
echo "  its own namespace (\"full\" = diff + encode + one kernel transaction, median of 3; the model"
echo "  build from the Snapshot is shown apart; +1 Service = RuleTracker update + NftSyncer, as the"
echo "  proxy does it). nft / iptables: wall time of \`nft -f\` /"
echo "  \`iptables-restore\` of the whole file in a fresh namespace (one run each)."
echo "- +1 Service with $(nf "$big") present: edgeway median (p99) of $ew_changes; nft: \`nft -f\` of the"
echo "  Service's 4 chains, 8 rules and 2 elements; iptables: \`iptables-restore --noflush\` of its 4 chains,"
echo "  its KUBE-SERVICES rule and 8 rules (median (min–max) of $adds)."
echo "- connect: client namespace → node namespace (the rules, DNAT) → server namespace; non-blocking"
echo "  connect() until writable, RST close; $rounds rounds × $connects per target alternating; µs, median"
echo "  of the round medians [lowest sample]. First = svc-0, last = svc-$((big - 1)) (the last KUBE-SERVICES rule)."
echo "- cleanup: $host_ok; $left pbench namespaces left."
echo
echo "| | edgeway (NftSyncer) | kube-proxy nft (\`nft -f\`) | kube-proxy iptables (\`iptables-restore\`) |"
echo "|---|---|---|---|"
for n in $mid $big; do
  echo "| full load, $(nf "$n") Services | ${R[ew_full_$n]} | ${R[nft_full_$n]} | ${R[ipt_full_$n]} |"
done
echo "| +1 Service at $(nf "$big") | ${R[ew_add]} | ${R[nft_add]:-n/a} | ${R[ipt_add]:-n/a} |"
for n in $small $big; do
  for side in first last; do
    col() { local v=${R[$1_lat_$n]}; [ $side = first ] && echo "${v%% | *}" || echo "${v##* | }"; }
    echo "| connect µs, $side of $(nf "$n") | $(col ew) | $(col nft) | $(col ipt) |"
  done
done
echo
echo "Baseline without rules (client → endpoint address :8080 through the same node): ${R[base]} µs."
echo "(nft full load at $(nf "$small") Services: ${R[nft_full_$small]}; iptables: ${R[ipt_full_$small]}.)"
