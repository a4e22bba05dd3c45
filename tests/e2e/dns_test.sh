#!/usr/bin/env bash
# The cluster DNS as Pods use it: dig (UDP and TCP) against edgeway for Services written
# with kubectl -- ClusterIP (both families), headless with hostnames, SRV, ExternalName,
# PTR, NXDOMAIN vs NODATA -- changes visible at once, and other names forwarded to a local
# upstream (dnsmasq on loopback, started here). Traffic stays on 127.0.0.1.
source "$(dirname "$0")/lib.sh"
command -v dnsmasq >/dev/null || { echo "dnsmasq missing (scripts/install-deps.sh installs dnsmasq-base)"; exit 1; }

UPSTREAM_PORT=$(free_port)
DNS_PORT=$(free_port)
dnsmasq --keep-in-foreground --no-resolv --no-hosts --bind-interfaces --listen-address=127.0.0.1 \
  --port="$UPSTREAM_PORT" --host-record=www.example.test,192.0.2.55 --pid-file="$E2E_TMP/dnsmasq.pid" \
  2>>"$E2E_TMP/dnsmasq.log" &
UPSTREAM_PID=$!
trap 'kill $UPSTREAM_PID 2>/dev/null; cleanup' EXIT

start_server --node-name edge-1 --service-cidr 10.43.0.0/16,fd43::/112 \
  --dns-listen "127.0.0.1:$DNS_PORT" --dns-upstream "127.0.0.1:$UPSTREAM_PORT"
M="$(dirname "$0")/manifests"
kok apply -f "$M/endpoints.yaml"
set_pod_status web-1 10.42.0.11 True
set_pod_status db-0 10.42.0.20 True
kok create service externalname ext --external-name=www.example.test
kok apply -f - <<'Y'
apiVersion: v1
kind: Service
metadata:
  name: dual
spec:
  ipFamilyPolicy: RequireDualStack
  selector: {app: dual}
  ports:
  - {name: dns, port: 53, protocol: UDP}
Y

d() { OUT=$(dig -p "$DNS_PORT" @127.0.0.1 +time=2 +tries=1 "$@" 2>&1) || fail "dig $*: $OUT"; }
wait_dig() { local want=$1; shift; until_out "$want" d +short "$@"; }  # want dig-args...
Z=svc.cluster.local

jsonpath svc/web '{.spec.clusterIP}'; web_ip=$OUT
d +short "web.default.$Z"
expect_out "$web_ip"
d +short +tcp "WEB.Default.$Z"
expect_out "$web_ip"
d "WEB.Default.$Z"
expect_match "^WEB\\.Default\\.$Z\\.[[:space:]]+5[[:space:]]+IN[[:space:]]+A[[:space:]]+${web_ip//./\\.}$" \
  'status: NOERROR' 'flags: qr aa rd;'

# The name exists without AAAA: NODATA with the SOA; an unknown name: NXDOMAIN.
d AAAA "web.default.$Z"
expect_match 'status: NOERROR' 'ANSWER: 0,' '^cluster\.local\.[[:space:]]+5[[:space:]]+IN[[:space:]]+SOA[[:space:]]+ns\.dns\.cluster\.local\. hostmaster\.cluster\.local\. '
d "nope.default.$Z"
expect_match 'status: NXDOMAIN' '^cluster\.local\.[[:space:]]+5[[:space:]]+IN[[:space:]]+SOA[[:space:]]'
d +short TXT "dns-version.cluster.local"
expect_out '"1.1.0"'

# Dual-stack: A and AAAA are the Service's two ClusterIPs.
jsonpath svc/dual '{.spec.clusterIPs[0]} {.spec.clusterIPs[1]}'
read -r dual4 dual6 <<<"$OUT"
d +short "dual.default.$Z"
expect_out "$dual4"
d +short AAAA "dual.default.$Z"
expect_out "$dual6"

# SRV for named ports; headless Services answer with their ready endpoints and hostnames.
d +short SRV "_http._tcp.web.default.$Z"
expect_out "0 100 80 web.default.$Z."
wait_dig 10.42.0.20 "db.default.$Z"
d +short "db-0.db.default.$Z"
expect_out 10.42.0.20
d +short SRV "_pg._tcp.db.default.$Z"
expect_out "0 100 5432 db-0.db.default.$Z."
d +short -x 10.42.0.20
expect_out "db-0.db.default.$Z."
d +short -x "$web_ip"
expect_out "web.default.$Z."
d +short -x "$dual6"
expect_out "dual.default.$Z."

# ExternalName is a CNAME; the forwarded name behind it resolves through the upstream.
d +short CNAME "ext.default.$Z"
expect_out "www.example.test."
d +short www.example.test
expect_out 192.0.2.55

# Changes made with kubectl show up in DNS at once.
set_pod_status db-0 10.42.0.20 False
wait_dig "" "db.default.$Z"
d "db.default.$Z"
expect_contains 'status: NXDOMAIN'
kok create service clusterip fresh --tcp=8080
jsonpath svc/fresh '{.spec.clusterIP}'
wait_dig "$OUT" "fresh.default.$Z"
kok delete svc fresh
wait_dig "" "fresh.default.$Z"

# kube-dns sits where Pods' resolv.conf expects it; zone transfers are refused.
kok get svc kube-dns -n kube-system -o 'jsonpath={.spec.clusterIP}'
expect_out 10.43.0.10
d +short "kube-dns.kube-system.$Z"
expect_out 10.43.0.10
set +e; OUT=$(dig -p "$DNS_PORT" @127.0.0.1 +time=2 +tries=1 AXFR cluster.local 2>&1); set -e
expect_contains 'Transfer failed'
echo PASS
