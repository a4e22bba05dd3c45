#!/usr/bin/env bash
# get -w sees later changes; wait --for=delete; delete.
source "$(dirname "$0")/lib.sh"
start_server

kok create service clusterip w1 --tcp=80
# Watch in the background; change the Service; the watch must print the change.
kubectl get svc -w >"$E2E_TMP/watch.out" 2>&1 &
watch_pid=$!
sleep 2
kok label svc w1 stage=two
kok create service clusterip w2 --tcp=81
for _ in $(seq 1 50); do
  grep -q '^w2 ' "$E2E_TMP/watch.out" && break
  sleep 0.2
done
kill "$watch_pid" 2>/dev/null || true
wait "$watch_pid" 2>/dev/null || true
OUT=$(cat "$E2E_TMP/watch.out")
expect_match '^NAME +TYPE +CLUSTER-IP +EXTERNAL-IP +PORT\(S\) +AGE$' '^w2 +ClusterIP +10\.43\.'
# w1 shows once from the list and once more for the label change.
[ "$(grep -c '^w1 ' <<<"$OUT")" -eq 2 ] || fail "expected w1 twice (list + change):
$OUT"

# get NAME -w: the synthetic first event is swallowed; the next change is printed.
kubectl get svc w1 -w --output-watch-events >"$E2E_TMP/watch1.out" 2>&1 &
watch_pid=$!
sleep 2
kok label svc w1 stage=three --overwrite
for _ in $(seq 1 50); do
  grep -q 'MODIFIED' "$E2E_TMP/watch1.out" && break
  sleep 0.2
done
kill "$watch_pid" 2>/dev/null || true
wait "$watch_pid" 2>/dev/null || true
OUT=$(cat "$E2E_TMP/watch1.out")
expect_match '^MODIFIED +w1 +ClusterIP '

# wait --for=delete returns once the object is gone.
kubectl wait --for=delete svc/w2 --timeout=30s >"$E2E_TMP/wait.out" 2>&1 &
wait_pid=$!
sleep 1
kok delete svc w2
expect_out 'service "w2" deleted'
wait "$wait_pid" || fail "kubectl wait failed: $(cat "$E2E_TMP/wait.out")"
OUT=$(cat "$E2E_TMP/wait.out")
expect_out "service/w2 condition met"

k delete svc w2
expect_rc 1
expect_out 'Error from server (NotFound): services "w2" not found'
kok delete svc w2 --ignore-not-found
kok delete svc -l app=w1
expect_out 'service "w1" deleted'
echo PASS
