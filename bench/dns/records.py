#!/usr/bin/env python3
"""Helper of bench/dns/run.sh (standard library only).

  records.py create  BASE TLS_DIR SERVICES     create the Services and EndpointSlices
  records.py export  BASE TLS_DIR OUT_DIR      write the same records for knot and dnsmasq,
                                               and the dnsperf query files
  records.py p99     FILE                      p99 latency (ms) of a `dnsperf -v` log
  records.py probe   PORT NAME [TYPE]          one UDP query to 127.0.0.1:PORT: "RCODE ANCOUNT"
  records.py latency PORT QUERIES SECONDS      one query at a time (every 0.5 ms) for SECONDS:
                                               "p50_ms p99_ms samples lost"

The mix of Services: 70% ClusterIP (one named port), 20% headless with an EndpointSlice of
3 ready endpoints (one with a hostname), 10% ExternalName (to hosts under example.test).
"""
import http.client
import json
import os
import random
import ssl
import struct
import sys
from urllib.parse import urlparse

NS = "bench"
ZONE = "cluster.local"
TTL = 5


def connect(base, tls):
    ctx = ssl.create_default_context(cafile=os.path.join(tls, "ca.crt"))
    ctx.load_cert_chain(os.path.join(tls, "admin.crt"), os.path.join(tls, "admin.key"))
    u = urlparse(base)
    return http.client.HTTPSConnection(u.hostname, u.port, context=ctx)


def call(conn, method, path, body=None):
    conn.request(method, path, body=json.dumps(body) if body is not None else None,
                 headers={"Content-Type": "application/json"})
    r = conn.getresponse()
    data = r.read()
    if r.status >= 300 and not (method == "POST" and r.status == 409):
        sys.exit(f"{method} {path}: {r.status} {data[:200]!r}")
    return json.loads(data) if data else None


def kind_of(i):
    m = i % 10
    return "headless" if m in (3, 7) else "external" if m == 9 else "clusterip"


def create(base, tls, count):
    conn = connect(base, tls)
    call(conn, "POST", "/api/v1/namespaces",
         {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NS}})
    port = [{"name": "http", "port": 80, "protocol": "TCP", "targetPort": 8080}]
    for i in range(count):
        name = f"svc-{i}"
        kind = kind_of(i)
        spec = {"ports": port}
        if kind == "headless":
            spec["clusterIP"] = "None"
        elif kind == "external":
            spec = {"type": "ExternalName", "externalName": f"ext-{i}.example.test"}
        call(conn, "POST", f"/api/v1/namespaces/{NS}/services",
             {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name}, "spec": spec})
        if kind == "headless":
            endpoints = []
            for e in range(3):
                ep = {"addresses": [f"10.{40 + e}.{i // 250}.{(i % 250) + 1}"],
                      "conditions": {"ready": True}}
                if e == 0:
                    ep["hostname"] = "web-0"
                endpoints.append(ep)
            call(conn, "POST", f"/apis/discovery.k8s.io/v1/namespaces/{NS}/endpointslices",
                 {"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
                  "metadata": {"name": f"{name}-1", "labels": {"kubernetes.io/service-name": name}},
                  "addressType": "IPv4", "endpoints": endpoints,
                  "ports": [{"name": "http", "port": 8080, "protocol": "TCP"}]})


def export(base, tls, out):
    conn = connect(base, tls)
    services = call(conn, "GET", f"/api/v1/namespaces/{NS}/services")["items"]
    slices = call(conn, "GET", f"/apis/discovery.k8s.io/v1/namespaces/{NS}/endpointslices")["items"]
    by_service = {}
    for s in slices:
        by_service.setdefault(s["metadata"]["labels"]["kubernetes.io/service-name"], []).append(s)

    zone = [f"$ORIGIN {ZONE}.", f"$TTL {TTL}",
            f"@ IN SOA ns.dns.{ZONE}. hostmaster.{ZONE}. 1 7200 1800 86400 {TTL}",
            f"@ IN NS ns.dns.{ZONE}.", "ns.dns IN A 127.0.0.1"]
    hosts, dnsmasq = [], [f"local=/{ZONE}/", f"local-ttl={TTL}", f"auth-ttl={TTL}"]
    queries = []
    for svc in sorted(services, key=lambda s: s["metadata"]["name"]):
        name = svc["metadata"]["name"]
        spec = svc["spec"]
        fqdn = f"{name}.{NS}.svc.{ZONE}"
        rel = f"{name}.{NS}.svc"
        if spec.get("type") == "ExternalName":
            target = spec["externalName"]
            zone.append(f"{rel} IN CNAME {target}.")
            dnsmasq.append(f"cname={fqdn},{target}")
            # Asked as CNAME: the type every server answers from its own data (an A query
            # would make edgeway chase the target upstream, as CoreDNS does).
            queries.append(f"{fqdn} CNAME")
            continue
        if spec.get("clusterIP") == "None":
            ips = [a for s in by_service.get(name, []) for e in s.get("endpoints") or []
                   if (e.get("conditions") or {}).get("ready", True) for a in e["addresses"]]
            targets = []
            for s in by_service.get(name, []):
                for e in s.get("endpoints") or []:
                    if e.get("hostname"):
                        zone.append(f"{e['hostname']}.{rel} IN A {e['addresses'][0]}")
                        hosts.append(f"{e['addresses'][0]} {e['hostname']}.{fqdn}")
        else:
            ips = [spec["clusterIP"]]
        for ip in ips:
            zone.append(f"{rel} IN A {ip}")
            hosts.append(f"{ip} {fqdn}")
        for p in spec.get("ports") or []:
            if p.get("name"):
                srv = f"_{p['name']}._{p.get('protocol', 'TCP').lower()}.{rel}"
                if spec.get("clusterIP") == "None":
                    # One per endpoint; edgeway names them by hostname or a generated label,
                    # so the SRV queries go to ClusterIP Services only (same answer everywhere).
                    continue
                zone.append(f"{srv} IN SRV 0 100 {p['port']} {fqdn}.")
                dnsmasq.append(f"srv-host={srv}.{ZONE},{fqdn},{p['port']},0,100")
                queries.append(f"{srv}.{ZONE} SRV")
        queries.append(f"{fqdn} A")
    # Names that do not exist (a search path's misses): NXDOMAIN with the SOA.
    queries += [f"missing-{i}.{NS}.svc.{ZONE} A" for i in range(len(services) // 10)]

    with open(os.path.join(out, f"{ZONE}.zone"), "w") as f:
        f.write("\n".join(zone) + "\n")
    with open(os.path.join(out, "dnsmasq.hosts"), "w") as f:
        f.write("\n".join(hosts) + "\n")
    with open(os.path.join(out, "dnsmasq.records"), "w") as f:
        f.write("\n".join(dnsmasq) + "\n")
    rnd = random.Random(1)
    rnd.shuffle(queries)
    with open(os.path.join(out, "cluster.queries"), "w") as f:
        f.write("\n".join(queries) + "\n")
    # External names with repeats (Zipf-like: a few hot names, a long tail) for the forwarder.
    names = [f"host-{i}.example.test" for i in range(500)]
    weights = [1 / (k + 1) for k in range(len(names))]
    with open(os.path.join(out, "external.queries"), "w") as f:
        for n in rnd.choices(names, weights, k=20000):
            f.write(f"{n} A\n")
    print(f"{len(services)} Services, {len(zone) - 5} records, {len(queries)} distinct cluster queries")


def p99(path):
    # dnsperf -v lines: "> NOERROR name A 0.000123" (the last field is the latency in s).
    lat = []
    with open(path) as f:
        for line in f:
            if line.startswith("> "):
                try:
                    lat.append(float(line.split()[-1]))
                except ValueError:
                    pass
    if not lat:
        print("n/a")
        return
    lat.sort()
    print(f"{lat[min(len(lat) - 1, int(len(lat) * 0.99))] * 1000:.3f}")


TYPES = {"A": 1, "CNAME": 5, "SRV": 33}


def wire(name, qtype, qid=0x4242):
    import struct
    q = struct.pack(">HHHHHH", qid, 0x0100, 1, 0, 0, 0)
    q += b"".join(bytes([len(l)]) + l.encode() for l in name.split(".")) + b"\0"
    return q + struct.pack(">HH", TYPES[qtype], 1)


def latency(port, queries, seconds):
    """The latency a light client sees while dnsperf loads the server: sequential queries,
    each timed from send to its answer (100 ms without one counts as lost)."""
    import socket
    import time
    with open(queries) as f:
        qs = [wire(*line.split(), qid=i & 0xffff) for i, line in enumerate(f) if line.strip()]
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.connect(("127.0.0.1", int(port)))
    s.settimeout(0.1)
    lat, lost, i = [], 0, 0
    end = time.monotonic() + float(seconds)
    while time.monotonic() < end:
        q = qs[i % len(qs)]
        i += 1
        t0 = time.perf_counter_ns()
        s.send(q)
        try:
            while s.recv(4096)[:2] != q[:2]:
                pass
            lat.append((time.perf_counter_ns() - t0) / 1e6)
        except socket.timeout:
            lost += 1
        time.sleep(0.0005)
    lat.sort()
    pick = lambda p: lat[min(len(lat) - 1, int(len(lat) * p))] if lat else float("nan")
    print(f"{pick(0.5):.3f} {pick(0.99):.3f} {len(lat)} {lost}")


def probe(port, name, qtype="A"):
    import socket
    q = wire(name, qtype)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(0.5)
    try:
        s.sendto(q, ("127.0.0.1", int(port)))
        r = s.recv(4096)
        print(["NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED"][r[3] & 15]
              if (r[3] & 15) < 6 else r[3] & 15, struct.unpack(">H", r[6:8])[0])
    except OSError:
        print("TIMEOUT 0")


if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "create":
        create(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    elif cmd == "export":
        export(sys.argv[2], sys.argv[3], sys.argv[4])
    elif cmd == "latency":
        latency(*sys.argv[2:])
    elif cmd == "probe":
        probe(*sys.argv[2:])
    elif cmd == "p99":
        p99(sys.argv[2])
    else:
        sys.exit(__doc__)
