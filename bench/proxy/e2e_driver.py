#!/usr/bin/env python3
"""API client and connect probes for bench/proxy/e2e_latency.sh (python3 stdlib only).

Runs inside the bench's node namespace (the API is on its loopback, the probes must pass
through its nftables rules), except `listen`, which runs in the pods namespace.

  listen IP PORT                   the one live endpoint: accepts and closes, nothing else
  setup  --api PORT --tls DIR      the fixtures the measurements write to (see measure)
  load   --api PORT --tls DIR --from A --to B
                                   Services svc-A..svc-(B-1), each selectorless with one
                                   EndpointSlice of 3 ready endpoints that nothing answers
                                   (see cmd_load); prints "write s<TAB>ms until all live"
  measure --api PORT --tls DIR --rounds R --tag T
                                   R rounds of the three timed writes; prints one line per
                                   case: "case<TAB>live median ms<TAB>live max ms<TAB>response median ms"

A probe is a non-blocking TCP connect to a ClusterIP:80 from the node namespace, closed with
an RST. It succeeds only once the Service's DNAT to LIVE:8080 is programmed: before that
the connect is refused (by edgeway's no-endpoint reject, by the dead endpoint, or by the
pods namespace, which takes the whole service CIDR as local addresses for exactly this) --
or, for a ClusterIP the proxy has not programmed yet, its SYN is dropped (edgeway drops
traffic to unallocated addresses of the service CIDR, as kube-proxy does). A dropped SYN
costs the probe its connect timeout, which is therefore short: a handshake with a pod in
the next namespace takes well under a millisecond.
"""
import argparse
import errno
import http.client
import json
import select
import socket
import ssl
import statistics
import struct
import sys
import threading
import time

NS = "default"
LIVE = "10.42.1.2"  # the pods namespace's listener
DEAD = "10.42.1.1"  # in the pods namespace too, but nothing listens: refused at once
PORT = 8080
NODE = "node"
CONNECT_TIMEOUT = 0.001
# Pause between probe attempts: a busy loop would take a core from the server it measures
# (2 cores here); 0.2 ms is far below the figures, and is the resolution of the timing.
PROBE_PAUSE = 0.0002
WAIT_LIMIT = 60.0  # turns a hang into an error; no figure depends on it
LOAD_CLIENTS = 8

SERVICES = f"/api/v1/namespaces/{NS}/services"
PODS = f"/api/v1/namespaces/{NS}/pods"
SLICES = f"/apis/discovery.k8s.io/v1/namespaces/{NS}/endpointslices"
MERGE = "application/merge-patch+json"


class ApiError(Exception):
    pass


class Api:
    """One keep-alive HTTPS connection as the admin (client certificate)."""

    def __init__(self, port, tls):
        ctx = ssl.create_default_context(cafile=f"{tls}/ca.crt")
        ctx.load_cert_chain(f"{tls}/admin.crt", f"{tls}/admin.key")
        self.conn = http.client.HTTPSConnection("127.0.0.1", port, context=ctx)

    def call(self, method, path, body=None, ctype="application/json"):
        data = json.dumps(body).encode() if body is not None else None
        self.conn.request(method, path, data, {"Content-Type": ctype, "Accept": "application/json"})
        resp = self.conn.getresponse()
        raw = resp.read()
        if resp.status >= 300:
            raise ApiError(f"{method} {path}: {resp.status} {raw[:300].decode(errors='replace')}")
        return json.loads(raw) if raw else None


def service(name, selector=None):
    spec = {"type": "ClusterIP", "ports": [{"port": 80, "targetPort": PORT, "protocol": "TCP"}]}
    if selector:
        spec["selector"] = selector
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name}, "spec": spec}


def endpoints(addresses):
    return [{"addresses": [a], "conditions": {"ready": True}} for a in addresses]


def endpoint_slice(service_name, addresses):
    # Port unnamed like the Service's: the proxy pairs slice and Service ports by name and protocol.
    return {"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
            "metadata": {"name": f"{service_name}-1", "labels": {"kubernetes.io/service-name": service_name}},
            "addressType": "IPv4", "ports": [{"port": PORT, "protocol": "TCP"}],
            "endpoints": endpoints(addresses)}


def pod(name, app):
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "labels": {"app": app}},
            "spec": {"nodeName": NODE, "containers": [{"name": "app", "image": "listener"}]}}


def pod_status(ready):
    # As a runtime hook (and tests/e2e/lib.sh set_pod_status) writes it.
    return {"status": {"phase": "Running", "podIP": LIVE, "podIPs": [{"ip": LIVE}],
                       "conditions": [{"type": "Ready", "status": "True" if ready else "False"}]}}


def filler_addresses(i):
    """Three addresses unique to Service i, from 10.42.2.0 up (10,000 Services end at
    10.42.119.x): outside 10.42.1.x and the node's 10.42.254.254, and configured nowhere."""
    base = (10 << 24 | 42 << 16 | 2 << 8) + 3 * i
    return [socket.inet_ntoa(struct.pack("!I", base + k)) for k in range(3)]


RST_ON_CLOSE = struct.pack("ii", 1, 0)


def connects(ip):
    """One connect attempt to ip:80; True when the handshake completed."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, RST_ON_CLOSE)
        s.setblocking(False)
        err = s.connect_ex((ip, 80))
        if err == errno.EINPROGRESS:
            _, writable, _ = select.select([], [s], [], CONNECT_TIMEOUT)
            err = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) if writable else errno.ETIMEDOUT
        return err == 0
    finally:
        s.close()


def wait_until(ip, live):
    """Probes ip until a connect succeeds (live) or fails (not live); returns that moment."""
    deadline = time.perf_counter() + WAIT_LIMIT
    while True:
        if connects(ip) == live:
            return time.perf_counter()
        if time.perf_counter() > deadline:
            raise ApiError(f"{ip}:80 still {'not ' if live else ''}answering after {WAIT_LIMIT:.0f} s")
        time.sleep(PROBE_PAUSE)


def timed(write):
    """Runs write() (one API request returning the target ClusterIP), then probes until that
    ClusterIP answers. Returns (ClusterIP, ms to the API response, ms to the rule being live)."""
    t0 = time.perf_counter()
    ip = write()
    t_resp = time.perf_counter()
    t_live = wait_until(ip, True)
    return ip, (t_resp - t0) * 1e3, (t_live - t0) * 1e3


def set_slice(api, address):
    """Points the epflip Service's one endpoint at address; returns its ClusterIP."""
    api.call("PATCH", f"{SLICES}/epflip-1", {"endpoints": endpoints([address])}, MERGE)
    return cluster_ip(api, "epflip")


def set_ready(api, ready):
    """Writes the flip Pod's readiness; returns the flip Service's ClusterIP."""
    api.call("PATCH", f"{PODS}/flip/status", pod_status(ready), MERGE)
    return cluster_ip(api, "flip")


_cluster_ips = {}


def cluster_ip(api, name):
    if name not in _cluster_ips:
        _cluster_ips[name] = api.call("GET", f"{SERVICES}/{name}")["spec"]["clusterIP"]
    return _cluster_ips[name]


def cmd_listen(args):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((args.ip, args.port))
    s.listen(4096)
    print("listening", flush=True)
    while True:
        s.accept()[0].close()


def cmd_setup(args):
    api = Api(args.api, args.tls)
    # (a) +1 Service: each probe Service selects this ready Pod.
    api.call("POST", PODS, pod("probe", "probe"))
    api.call("PATCH", f"{PODS}/probe/status", pod_status(True), MERGE)
    # (b) endpoint changed: a selectorless Service whose slice is flipped DEAD <-> LIVE.
    api.call("POST", SERVICES, service("epflip"))
    api.call("POST", SLICES, endpoint_slice("epflip", [DEAD]))
    # (c) endpoint readiness: a selector Service over one Pod flipped not ready <-> ready.
    api.call("POST", PODS, pod("flip", "flip"))
    api.call("POST", SERVICES, service("flip", {"app": "flip"}))
    set_ready(api, False)


def cmd_load(args):
    """Writes svc-FROM..svc-(TO-2) from LOAD_CLIENTS connections at once, then the last one
    alone, with LIVE as its only endpoint: the store publishes writes in revision order, so
    once that one answers, the proxy has programmed a snapshot holding the whole batch.
    Prints "write s<TAB>ms from the last write to live"."""
    todo = iter(range(args.start, args.end - 1))
    lock = threading.Lock()
    errors = []

    def worker():
        try:
            api = Api(args.api, args.tls)
            while True:
                with lock:
                    i = next(todo, None)
                if i is None:
                    return
                name = f"svc-{i:05d}"
                api.call("POST", SERVICES, service(name))
                api.call("POST", SLICES, endpoint_slice(name, filler_addresses(i)))
        except Exception as e:  # noqa: BLE001 -- reported by the main thread
            errors.append(e)

    t0 = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(LOAD_CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise ApiError(f"load: {errors[0]}")
    api = Api(args.api, args.tls)
    last = f"svc-{args.end - 1:05d}"
    ip = api.call("POST", SERVICES, service(last))["spec"]["clusterIP"]
    api.call("POST", SLICES, endpoint_slice(last, [LIVE]))
    t_written = time.perf_counter()
    t_live = wait_until(ip, True)
    print(f"{t_written - t0:.2f}\t{(t_live - t_written) * 1e3:.0f}")


def cmd_measure(args):
    api = Api(args.api, args.tls)
    epflip, flip = cluster_ip(api, "epflip"), cluster_ip(api, "flip")
    results = {"service": [], "slice": [], "pod": []}
    # The three cases take turns, so a burst of load from elsewhere hits all of them alike.
    # Each starts from "not answering" and is put back there, untimed, after its round.
    for r in range(args.rounds):
        name = f"probe-{args.tag}-{r}"
        ip, *times = timed(lambda: api.call("POST", SERVICES, service(name, {"app": "probe"}))
                           ["spec"]["clusterIP"])
        results["service"].append(times)
        api.call("DELETE", f"{SERVICES}/{name}")
        # The next probe Service may get the same address back: wait for its rules to go.
        wait_until(ip, False)

        results["slice"].append(timed(lambda: set_slice(api, LIVE))[1:])
        set_slice(api, DEAD)
        wait_until(epflip, False)

        results["pod"].append(timed(lambda: set_ready(api, True))[1:])
        set_ready(api, False)
        wait_until(flip, False)

    for case, samples in results.items():
        resp = [s[0] for s in samples]
        live = [s[1] for s in samples]
        print(f"{case}\t{statistics.median(live):.2f}\t{max(live):.2f}\t{statistics.median(resp):.2f}")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    listen = sub.add_parser("listen")
    listen.add_argument("ip")
    listen.add_argument("port", type=int)
    for name in ("setup", "load", "measure"):
        c = sub.add_parser(name)
        c.add_argument("--api", type=int, required=True, help="API port on 127.0.0.1")
        c.add_argument("--tls", required=True, help="the server's DATA/tls directory")
        if name == "load":
            c.add_argument("--from", dest="start", type=int, required=True)
            c.add_argument("--to", dest="end", type=int, required=True)
        if name == "measure":
            c.add_argument("--rounds", type=int, required=True)
            c.add_argument("--tag", required=True, help="makes the probe Services' names unique")
    args = p.parse_args()
    try:
        {"listen": cmd_listen, "setup": cmd_setup, "load": cmd_load, "measure": cmd_measure}[args.cmd](args)
    except ApiError as e:
        sys.exit(f"e2e_driver: {e}")


if __name__ == "__main__":
    main()
