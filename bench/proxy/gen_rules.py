#!/usr/bin/env python3
"""Writes kube-proxy-style rulesets for bench/proxy/run.sh, for the same Services as
edgeway_proxy_sync_bench --cluster-ip-only programs:

  Service i: scale/svc-i, ClusterIP 10.43.0.0 + 1 + i, port 80/TCP -> targetPort 8080,
  3 endpoints 10.42.0.0 + 3*i + k + 1 (k = 0..2), cluster CIDR 10.42.0.0/16.

  gen_rules.py nft-full N     kube-proxy nftables mode (knftables-style `add ...` commands:
                              per-Service chain with `numgen random mod 3 vmap { ... }` to three
                              endpoint chains, `service-ips` verdict map, `cluster-ips` set),
                              one transaction for `nft -f`
  gen_rules.py nft-add I      the same for Service I alone (its 4 chains, rules, 2 elements)
  gen_rules.py ipt-full N     kube-proxy iptables mode, nat table (KUBE-SERVICES, KUBE-SVC-*,
                              KUBE-SEP-* with `-m statistic --mode random --probability`),
                              for iptables-restore
  gen_rules.py ipt-add I      Service I's chains and its KUBE-SERVICES rule, for
                              iptables-restore --noflush

Shapes follow kube-proxy (pkg/proxy/nftables, pkg/proxy/iptables) for ClusterIP Services;
the filter-table parts of iptables mode, NodePorts, firewall and affinity are left out.
"""
import base64
import hashlib
import sys

TABLE = "kube-proxy"
CLUSTER_CIDR = "10.42.0.0/16"
SERVICE_CIDR = "10.43.0.0/16"


def ipv4(v):
    return f"{v >> 24}.{(v >> 16) & 255}.{(v >> 8) & 255}.{v & 255}"


def cluster_ip(i):
    return ipv4(0x0A2B0000 + 1 + i)


def endpoints(i):
    return [ipv4(0x0A2A0000 + 3 * i + k + 1) for k in range(3)]


def hashed(s, n):
    return base64.b32encode(hashlib.sha256(s.encode()).digest()).decode()[:n]


# ---- nftables (kube-proxy nftables mode) ----------------------------------------------

def nft_header(out):
    w = out.append
    w(f'add table ip {TABLE} {{ comment "rules for kube-proxy" ; }}')
    for name, spec in [
        ("filter-prerouting", "type filter hook prerouting priority dstnat - 10 ;"),
        ("filter-input", "type filter hook input priority -110 ;"),
        ("filter-forward", "type filter hook forward priority -110 ;"),
        ("filter-output", "type filter hook output priority -110 ;"),
        ("filter-output-post-dnat", "type filter hook output priority -90 ;"),
        ("nat-prerouting", "type nat hook prerouting priority dstnat ;"),
        ("nat-output", "type nat hook output priority -100 ;"),
        ("nat-postrouting", "type nat hook postrouting priority srcnat ;"),
    ]:
        w(f"add chain ip {TABLE} {name} {{ {spec} }}")
    for name in ["nodeport-endpoints-check", "service-endpoints-check", "firewall-check", "services",
                 "masquerading", "cluster-ips-check", "mark-for-masquerade", "reject-chain"]:
        w(f"add chain ip {TABLE} {name}")
    w(f'add set ip {TABLE} cluster-ips {{ type ipv4_addr ; comment "Active ClusterIPs" ; }}')
    w(f'add set ip {TABLE} nodeport-ips {{ type ipv4_addr ; comment "IPs that accept NodePort traffic" ; }}')
    for name in ["no-endpoint-services", "firewall-ips", "service-ips"]:
        w(f"add map ip {TABLE} {name} {{ type ipv4_addr . inet_proto . inet_service : verdict ; }}")
    for name in ["no-endpoint-nodeports", "service-nodeports"]:
        w(f"add map ip {TABLE} {name} {{ type inet_proto . inet_service : verdict ; }}")
    r = lambda chain, rule: w(f"add rule ip {TABLE} {chain} {rule}")
    r("filter-prerouting", "ct state new jump firewall-check")
    r("filter-input", "ct state new jump nodeport-endpoints-check")
    r("filter-input", "ct state new jump service-endpoints-check")
    r("filter-forward", "ct state new jump service-endpoints-check")
    r("filter-forward", "ct state new jump cluster-ips-check")
    r("filter-output", "ct state new jump service-endpoints-check")
    r("filter-output", "ct state new jump firewall-check")
    r("filter-output-post-dnat", "ct state new jump cluster-ips-check")
    r("nat-prerouting", "jump services")
    r("nat-output", "jump services")
    r("nat-postrouting", "jump masquerading")
    r("nodeport-endpoints-check", "ip daddr @nodeport-ips meta l4proto . th dport vmap @no-endpoint-nodeports")
    r("service-endpoints-check", "ip daddr . meta l4proto . th dport vmap @no-endpoint-services")
    r("firewall-check", "ip daddr . meta l4proto . th dport vmap @firewall-ips")
    r("services", "ip daddr . meta l4proto . th dport vmap @service-ips")
    r("services", "ip daddr @nodeport-ips meta l4proto . th dport vmap @service-nodeports")
    r("masquerading", "meta mark & 0x00004000 == 0x00000000 return")
    r("masquerading", "meta mark set meta mark ^ 0x00004000")
    r("masquerading", "masquerade fully-random")
    r("cluster-ips-check", 'ip daddr @cluster-ips reject comment "Reject traffic to invalid ports of ClusterIPs"')
    r("cluster-ips-check", f'ip daddr {SERVICE_CIDR} drop comment "Drop traffic to unallocated ClusterIPs"')
    r("mark-for-masquerade", "meta mark set meta mark | 0x00004000")
    r("reject-chain", "reject")


def nft_service(i, chains, rules, elements):
    port_name = f"scale/svc-{i}/tcp/http"
    svc_chain = f"service-{hashed(port_name, 8)}-{port_name}"
    eps = endpoints(i)
    ep_chains = [f"endpoint-{hashed(port_name + ep, 8)}-{port_name}__{ep}/8080" for ep in eps]
    for c in ep_chains + [svc_chain]:
        chains.append(f"add chain ip {TABLE} {c}")
    cip = cluster_ip(i)
    rules.append(f"add rule ip {TABLE} {svc_chain} ip daddr {cip} tcp dport 80 ip saddr != {CLUSTER_CIDR} "
                 f"jump mark-for-masquerade")
    vmap = ", ".join(f"{k} : goto {c}" for k, c in enumerate(ep_chains))
    rules.append(f"add rule ip {TABLE} {svc_chain} numgen random mod {len(eps)} vmap {{ {vmap} }}")
    for ep, c in zip(eps, ep_chains):
        rules.append(f"add rule ip {TABLE} {c} ip saddr {ep} jump mark-for-masquerade")
        rules.append(f"add rule ip {TABLE} {c} meta l4proto tcp dnat to {ep}:8080")
    elements.append(f"add element ip {TABLE} cluster-ips {{ {cip} }}")
    elements.append(f'add element ip {TABLE} service-ips {{ {cip} . tcp . 80 comment "scale/svc-{i}:http" '
                    f": goto {svc_chain} }}")


def nft(first, count, header):
    out, chains, rules, elements = [], [], [], []
    if header:
        nft_header(out)
    for i in range(first, first + count):
        nft_service(i, chains, rules, elements)
    return out + chains + rules + elements


# ---- iptables (kube-proxy iptables mode, nat table) -----------------------------------

def ipt_service(i, chains, rules):
    name = f"scale/svc-{i}:http"
    svc = "KUBE-SVC-" + hashed(f"scale/svc-{i}:http" + "tcp", 16)
    cip = cluster_ip(i)
    eps = endpoints(i)
    seps = ["KUBE-SEP-" + hashed(f"scale/svc-{i}:http" + "tcp" + ep + ":8080", 16) for ep in eps]
    chains.append(f":{svc} - [0:0]")
    chains.extend(f":{s} - [0:0]" for s in seps)
    svc_rule = (f'-A KUBE-SERVICES -m comment --comment "{name} cluster IP" -m tcp -p tcp -d {cip}/32 '
                f"--dport 80 -j {svc}")
    body = [f'-A {svc} -m comment --comment "{name} cluster IP" -m tcp -p tcp -d {cip}/32 --dport 80 '
            f"! -s {CLUSTER_CIDR} -j KUBE-MARK-MASQ"]
    n = len(eps)
    for k, (ep, sep) in enumerate(zip(eps, seps)):
        stat = f"-m statistic --mode random --probability {1.0 / (n - k):.10f} " if k < n - 1 else ""
        body.append(f'-A {svc} -m comment --comment "{name} -> {ep}:8080" {stat}-j {sep}')
    for ep, sep in zip(eps, seps):
        body.append(f'-A {sep} -m comment --comment {name} -s {ep}/32 -j KUBE-MARK-MASQ')
        body.append(f'-A {sep} -m comment --comment {name} -m tcp -p tcp -j DNAT --to-destination {ep}:8080')
    return svc_rule, body


def ipt_full(n):
    chains, svc_rules, rules = [], [], []
    for i in range(n):
        sr, body = ipt_service(i, chains, rules)
        svc_rules.append(sr)
        rules.extend(body)
    out = ["*nat", ":PREROUTING ACCEPT [0:0]", ":INPUT ACCEPT [0:0]", ":OUTPUT ACCEPT [0:0]",
           ":POSTROUTING ACCEPT [0:0]", ":KUBE-SERVICES - [0:0]", ":KUBE-NODEPORTS - [0:0]",
           ":KUBE-POSTROUTING - [0:0]", ":KUBE-MARK-MASQ - [0:0]"]
    out += chains
    out += ['-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
            '-A OUTPUT -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
            '-A POSTROUTING -m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING',
            "-A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN",
            "-A KUBE-POSTROUTING -j MARK --xor-mark 0x4000",
            '-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" '
            "-j MASQUERADE --random-fully",
            "-A KUBE-MARK-MASQ -j MARK --or-mark 0x4000"]
    out += svc_rules
    out.append('-A KUBE-SERVICES -m comment --comment "kubernetes service nodeports; NOTE: this must be the '
               'last rule in this chain" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS')
    out += rules
    out.append("COMMIT")
    return out


def ipt_add(i):
    chains = []
    sr, body = ipt_service(i, chains, [])
    # Inserted ahead of the KUBE-NODEPORTS rule, which must stay last.
    return ["*nat"] + chains + [sr.replace("-A KUBE-SERVICES", "-I KUBE-SERVICES 1", 1)] + body + ["COMMIT"]


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    mode, n = sys.argv[1], int(sys.argv[2])
    lines = {"nft-full": lambda: nft(0, n, True), "nft-add": lambda: nft(n, 1, False),
             "ipt-full": lambda: ipt_full(n), "ipt-add": lambda: ipt_add(n)}[mode]()
    sys.stdout.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
