#!/usr/bin/env bash
# Fuzzes the DNS wire codec: builds tests/fuzz/dns_message_fuzzer.cpp with clang-14 and
# libFuzzer (+ ASan and UBSan) from only the sources it needs, then runs it for
# FUZZ_SECONDS (default 30) over a scratch copy of tests/dns/corpus/message, so new
# inputs never land in the checkout. Prints one summary line; exits non-zero when the
# fuzzer finds a crash (the input is kept in the build dir and named in the summary).
#
#   scripts/fuzz.sh [BUILD_DIR]        (default /tmp/edgeway-fuzz)
#   FUZZ_SECONDS=300 scripts/fuzz.sh build/fuzz
#
# Needs the Debian packages clang-14 and libclang-rt-14-dev (the libFuzzer runtime).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${1:-/tmp/edgeway-fuzz}
seconds=${FUZZ_SECONDS:-30}
cxx=${FUZZ_CXX:-clang++-14}

# The codec and what it links against (base/status, base/ip); nothing else from dns/.
sources=(
  dns/message.cpp
  dns/src/wire_name.cpp
  dns/src/name_compressor.cpp
  dns/src/message_text.cpp
  base/ip.cpp
  base/status.cpp
  tests/fuzz/dns_message_fuzzer.cpp
)

if ! command -v "$cxx" >/dev/null; then
  echo "fuzz: $cxx not found; install clang-14 and libclang-rt-14-dev" >&2
  exit 2
fi
mkdir -p "$build/obj"
build=$(cd "$build" && pwd)

flags=(-std=c++17 -O1 -g -fno-omit-frame-pointer -Wall -Wextra
       -fsanitize=address,undefined -fno-sanitize-recover=undefined -I"$root")
objects=()
pids=()
for src in "${sources[@]}"; do
  obj="$build/obj/$(tr / _ <<<"$src").o"
  objects+=("$obj")
  # Compile-only objects get coverage instrumentation; the fuzzer's main comes at link.
  "$cxx" "${flags[@]}" -fsanitize=fuzzer-no-link -c "$root/$src" -o "$obj" &
  pids+=($!)
  if ((${#pids[@]} >= 2)); then wait "${pids[0]}"; pids=("${pids[@]:1}"); fi
done
for pid in "${pids[@]}"; do wait "$pid"; done
"$cxx" "${flags[@]}" -fsanitize=fuzzer "${objects[@]}" -o "$build/dns_message_fuzzer"

corpus="$build/corpus"
rm -rf "$corpus"
mkdir -p "$corpus" "$build/artifacts"
cp "$root"/tests/dns/corpus/message/* "$corpus/"
seeds=$(ls "$corpus" | wc -l)

log="$build/fuzz.log"
set +e
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  "$build/dns_message_fuzzer" "$corpus" \
  -dict="$root/tests/fuzz/dns_message.dict" \
  -max_total_time="$seconds" -max_len=4096 -timeout=10 -rss_limit_mb=2048 \
  -print_final_stats=1 -artifact_prefix="$build/artifacts/" >"$log" 2>&1
rc=$?
set -e

execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
found=$(ls "$corpus" | wc -l)
if [ "$rc" -ne 0 ]; then
  artifact=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -1)
  tail -40 "$log" >&2
  echo "fuzz: dns_message FAILED (exit $rc) after ${execs:-?} execs; input: ${artifact:-none}; log: $log"
  exit 1
fi
echo "fuzz: dns_message ok: ${execs:-?} execs in ${seconds}s, corpus $seeds -> $found inputs, no crash"
