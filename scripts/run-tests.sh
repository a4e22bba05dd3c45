#!/usr/bin/env bash
# Runs the whole suite for `make test`: every ctest test of the release build (unit,
# integration, kubectl e2e), then the unit tests of the ASan+UBSan build. Prints one
# closing line "N passed, N failed" over both runs and exits non-zero on any failure.
set -uo pipefail
build=${1:?release build dir}
asan=${2:?sanitizer build dir}
jobs=$(nproc)

passed=0
failed=0
run_ctest() {  # dir, label, extra args...
  local dir=$1 label=$2
  shift 2
  local log
  log=$(mktemp)
  echo "== $label =="
  (cd "$dir" && ctest --output-on-failure --timeout 600 "$@") 2>&1 | tee "$log"
  # ctest: "100% tests passed, 0 tests failed out of 42"
  local line total fails
  line=$(grep -E 'tests passed, [0-9]+ tests? failed out of [0-9]+' "$log" | tail -1)
  if [ -z "$line" ]; then
    if grep -q 'No tests were found' "$log"; then
      echo "run-tests: $label ran no test" >&2
    fi
    failed=$((failed + 1))
  else
    fails=$(sed -E 's/.* ([0-9]+) tests? failed out of ([0-9]+).*/\1/' <<<"$line")
    total=$(sed -E 's/.* ([0-9]+) tests? failed out of ([0-9]+).*/\2/' <<<"$line")
    passed=$((passed + total - fails))
    failed=$((failed + fails))
  fi
  rm -f "$log"
}

# Unit tests in parallel; tests that start servers run serially (they bind ports and
# measure a process's RSS).
run_ctest "$build" "unit tests" -L unit -j "$jobs"
run_ctest "$build" "integration and e2e tests" -LE unit
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  run_ctest "$asan" "unit tests under ASan+UBSan" -L unit -j "$jobs"

# The DNS codec under libFuzzer for a bounded time (FUZZ_SECONDS, default 30), seeded
# with the committed corpus; a crash fails the run.
echo "== fuzz (dns message codec) =="
if "$(dirname "$0")/fuzz.sh" "$build/fuzz"; then passed=$((passed + 1)); else failed=$((failed + 1)); fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
