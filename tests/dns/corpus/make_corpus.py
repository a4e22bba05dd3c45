#!/usr/bin/env python3
"""Writes the seed corpus of DNS messages in tests/dns/corpus/message/.

The files seed the fuzzer (scripts/fuzz.sh) and are replayed by the unit tests
(tests/dns/message_test.cpp): every file that parses must re-encode to an equal message.
Well-formed messages are real-looking queries and responses of each type the codec knows,
with EDNS and name compression; files named bad_* are malformed on purpose, one defect
each. Re-run after editing; the output is deterministic (no timestamps, no randomness).

    python3 tests/dns/corpus/make_corpus.py
"""

import os
import struct
import sys

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "message")

A, NS, CNAME, SOA, PTR, MX, TXT, AAAA, SRV, OPT = 1, 2, 5, 6, 12, 15, 16, 28, 33, 41
HTTPS, CAA, AXFR, ANY = 65, 257, 252, 255
IN, CH = 1, 3


def label_bytes(name):
    """Uncompressed wire form of a dotted name; labels may be bytes for odd octets."""
    out = b""
    labels = name if isinstance(name, list) else [l for l in name.split(".") if l]
    for l in labels:
        l = l.encode() if isinstance(l, str) else l
        out += bytes([len(l)]) + l
    return out + b"\0"


class Msg:
    """A message built left to right, with RFC 1035 compression of whole suffixes."""

    def __init__(self, id_, flags):
        self.buf = bytearray(12)
        self.id, self.flags = id_, flags
        self.counts = [0, 0, 0, 0]
        self.seen = {}  # lower-cased suffix -> offset

    def name(self, name, compress=True):
        labels = [l for l in name.split(".") if l]
        for i in range(len(labels)):
            suffix = ".".join(labels[i:]).lower()
            if compress and suffix in self.seen:
                self.buf += b"".join(bytes([len(l)]) + l.encode() for l in labels[:i])
                self.buf += struct.pack(">H", 0xC000 | self.seen[suffix])
                return
            if compress and len(self.buf) < 0x4000:
                self.seen[suffix] = len(self.buf) + sum(1 + len(l) for l in labels[:i])
        self.buf += label_bytes(labels)

    def question(self, name, qtype, qclass=IN):
        self.name(name)
        self.buf += struct.pack(">HH", qtype, qclass)
        self.counts[0] += 1

    def record(self, section, name, rtype, ttl, rdata, rclass=IN):
        """rdata: bytes, or a callable that appends to self.buf (for compressed names)."""
        self.name(name)
        self.buf += struct.pack(">HHI", rtype, rclass, ttl)
        at = len(self.buf)
        self.buf += b"\0\0"
        if callable(rdata):
            rdata(self)
        else:
            self.buf += rdata
        struct.pack_into(">H", self.buf, at, len(self.buf) - at - 2)
        self.counts[section] += 1

    def opt(self, payload=1232, do=False, version=0, options=b""):
        self.buf += b"\0" + struct.pack(">HHI", OPT, payload, (version << 16) | (0x8000 if do else 0))
        self.buf += struct.pack(">H", len(options)) + options
        self.counts[3] += 1

    def wire(self):
        struct.pack_into(">HHHHHH", self.buf, 0, self.id, self.flags, *self.counts)
        return bytes(self.buf)


QUERY_RD = 0x0100
RESPONSE = 0x8180  # QR, RD, RA
AUTH_RESPONSE = 0x8580  # QR, AA, RD, RA
AN, NSEC, AR = 1, 2, 3

SVC = "web.default.svc.cluster.local"


def a(ip):
    return bytes(int(x) for x in ip.split("."))


def aaaa(groups):
    return b"".join(struct.pack(">H", g) for g in groups)


def name_rdata(n, compress=True):
    return lambda m: m.name(n, compress)


def srv(prio, weight, port, target):
    def w(m):
        m.buf += struct.pack(">HHH", prio, weight, port)
        m.name(target, compress=False)
    return w


def mx(pref, exchange):
    def w(m):
        m.buf += struct.pack(">H", pref)
        m.name(exchange)
    return w


def soa(mname, rname, serial, refresh, retry, expire, minimum):
    def w(m):
        m.name(mname)
        m.name(rname)
        m.buf += struct.pack(">IIIII", serial, refresh, retry, expire, minimum)
    return w


def txt(*strings):
    return b"".join(bytes([len(s)]) + s for s in strings)


def query(id_, name, qtype, edns=None, qclass=IN, flags=QUERY_RD):
    m = Msg(id_, flags)
    m.question(name, qtype, qclass)
    if edns is not None:
        m.opt(**edns)
    return m.wire()


def well_formed():
    c = {}
    c["query_a"] = query(0x1001, SVC, A)
    c["query_a_edns"] = query(0x1002, SVC, A, edns={})
    c["query_aaaa_edns_do"] = query(0x1003, SVC, AAAA, edns={"payload": 4096, "do": True})
    c["query_srv"] = query(0x1004, "_http._tcp." + SVC, SRV, edns={})
    c["query_ptr_v4"] = query(0x1005, "10.0.43.10.in-addr.arpa", PTR)
    c["query_ptr_v6"] = query(0x1006, ".".join("0000000000000000000000000000d0af")[::-1] + ".ip6.arpa", PTR)
    c["query_txt"] = query(0x1007, "example.com", TXT)
    c["query_mx"] = query(0x1008, "example.com", MX)
    c["query_ns"] = query(0x1009, "cluster.local", NS)
    c["query_soa"] = query(0x100A, "cluster.local", SOA)
    c["query_any"] = query(0x100B, "example.com", ANY)
    c["query_axfr"] = query(0x100C, "cluster.local", AXFR, flags=0)
    c["query_mixed_case_0x20"] = query(0x100D, "wEb.DeFaUlT.sVc.ClUsTeR.lOcAl", A, edns={})
    c["query_small_payload"] = query(0x100E, SVC, A, edns={"payload": 100})
    c["query_chaos_version_bind"] = query(0x100F, "version.bind", TXT, qclass=CH)
    cookie = struct.pack(">HH", 10, 8) + bytes(range(8))
    ecs = struct.pack(">HHHBB", 8, 7, 1, 24, 0) + bytes([192, 0, 2])
    c["query_edns_options"] = query(0x1010, "example.com", A, edns={"options": cookie + ecs})
    c["query_edns_version1"] = query(0x1011, "example.com", A, edns={"version": 1})
    c["query_root_ns"] = query(0x1012, "", NS, edns={})
    c["query_https"] = query(0x1013, "example.com", HTTPS, edns={})

    m = Msg(0x0001, 0)
    c["query_no_question"] = m.wire()

    m = Msg(0x2001, AUTH_RESPONSE)
    m.question(SVC, A)
    m.record(AN, SVC, A, 5, a("10.43.0.10"))
    m.opt()
    c["resp_a"] = m.wire()

    m = Msg(0x2002, AUTH_RESPONSE)
    m.question("headless.default.svc.cluster.local", A)
    for i in range(1, 9):
        m.record(AN, "headless.default.svc.cluster.local", A, 5, a("10.42.0.%d" % i))
    c["resp_a_many_compressed"] = m.wire()

    m = Msg(0x2003, AUTH_RESPONSE)
    m.question(SVC, AAAA)
    m.record(AN, SVC, AAAA, 5, aaaa([0xFD00, 0, 0, 0, 0, 0, 0x43, 0x10]))
    m.opt(do=True)
    c["resp_aaaa"] = m.wire()

    m = Msg(0x2004, AUTH_RESPONSE)
    m.question("_http._tcp." + SVC, SRV)
    for i, pod in enumerate(["web-0", "web-1", "web-2"]):
        target = pod + ".web.default.svc.cluster.local"
        m.record(AN, "_http._tcp." + SVC, SRV, 5, srv(0, 33, 80, target))
    for i, pod in enumerate(["web-0", "web-1", "web-2"]):
        m.record(AR, pod + ".web.default.svc.cluster.local", A, 5, a("10.42.0.%d" % (i + 1)))
    m.opt()
    c["resp_srv_with_additional"] = m.wire()

    m = Msg(0x2005, AUTH_RESPONSE)
    m.question("10.0.43.10.in-addr.arpa", PTR)
    m.record(AN, "10.0.43.10.in-addr.arpa", PTR, 5, name_rdata(SVC))
    c["resp_ptr"] = m.wire()

    m = Msg(0x2006, RESPONSE)
    m.question("www.example.com", A)
    m.record(AN, "www.example.com", CNAME, 300, name_rdata("edge.example.net"))
    m.record(AN, "edge.example.net", CNAME, 300, name_rdata("edge-1.cdn.example.net"))
    m.record(AN, "edge-1.cdn.example.net", A, 60, a("192.0.2.10"))
    m.opt()
    c["resp_cname_chain"] = m.wire()

    m = Msg(0x2007, RESPONSE)
    m.question("example.com", TXT)
    m.record(AN, "example.com", TXT, 3600, txt(b"v=spf1 -all"))
    m.record(AN, "example.com", TXT, 3600, txt(b'say "hi"', b"back\\slash", b"", b"\x00\x01\xff tab\t"))
    c["resp_txt"] = m.wire()

    m = Msg(0x2008, RESPONSE)
    m.question("example.com", MX)
    m.record(AN, "example.com", MX, 3600, mx(10, "mail.example.com"))
    m.record(AN, "example.com", MX, 3600, mx(20, "backup.mail.example.com"))
    m.record(AR, "mail.example.com", A, 3600, a("192.0.2.25"))
    c["resp_mx"] = m.wire()

    m = Msg(0x2009, AUTH_RESPONSE)
    m.question("cluster.local", NS)
    m.record(AN, "cluster.local", NS, 30, name_rdata("ns.dns.cluster.local"))
    m.record(AR, "ns.dns.cluster.local", A, 30, a("10.43.0.10"))
    c["resp_ns_glue"] = m.wire()

    m = Msg(0x200A, AUTH_RESPONSE | 3)  # NXDOMAIN
    m.question("nope.default.svc.cluster.local", A)
    m.record(NSEC, "cluster.local", SOA, 5,
             soa("ns.dns.cluster.local", "hostmaster.cluster.local", 1700000000, 7200, 1800, 86400, 5))
    m.opt()
    c["resp_nxdomain_soa"] = m.wire()

    m = Msg(0x200B, AUTH_RESPONSE)  # NODATA
    m.question(SVC, AAAA)
    m.record(NSEC, "cluster.local", SOA, 5,
             soa("ns.dns.cluster.local", "hostmaster.cluster.local", 1, 7200, 1800, 86400, 5))
    c["resp_nodata_soa"] = m.wire()

    m = Msg(0x200C, RESPONSE)
    m.question("example.com", HTTPS)
    m.record(AN, "example.com", HTTPS, 300, struct.pack(">H", 1) + b"\0" + struct.pack(">HH", 1, 3) + b"\x02h2")
    m.record(AN, "example.com", CAA, 300, b"\x00\x05issueletsencrypt.org")
    c["resp_unknown_types"] = m.wire()

    m = Msg(0x200D, RESPONSE)
    m.question("version.bind", TXT, CH)
    m.record(AN, "version.bind", TXT, 0, txt(b"edgeway"), rclass=CH)
    m.record(AN, "version.bind", A, 0, b"\x03foo\x00\x01\x02", rclass=CH)  # CH A: not 4 octets
    c["resp_chaos_class"] = m.wire()

    m = Msg(0x200E, RESPONSE | 0x0200)  # TC, question and OPT only
    m.question("big.example.com", TXT)
    m.opt()
    c["resp_truncated_tc"] = m.wire()

    m = Msg(0x200F, RESPONSE)
    m.question("big.example.com", A)
    for i in range(40):
        m.record(AN, "big.example.com", A, 60, a("198.51.100.%d" % i))
    m.opt(payload=4096)
    c["resp_large"] = m.wire()

    # Names with octets that need escapes: a dot inside a label, a space, binary.
    m = Msg(0x2010, RESPONSE)
    odd = [b"a.b", b"sp ace", b"\x00\xff", b"Back\\", b"example", b"com"]
    m.buf += label_bytes(odd)
    m.buf += struct.pack(">HH", A, IN)
    m.counts[0] += 1
    m.buf += b"\xc0\x0c" + struct.pack(">HHIH", A, IN, 5, 4) + a("192.0.2.1")
    m.counts[1] += 1
    c["resp_escaped_labels"] = m.wire()

    # A pointer to a pointer: legal as long as each points further back.
    m = Msg(0x2011, RESPONSE)
    m.question("example.com", A)
    first = len(m.buf)
    m.buf += b"\x03www\xc0\x0c" + struct.pack(">HHIH", A, IN, 60, 4) + a("192.0.2.2")
    m.buf += b"\xc0" + bytes([first]) + struct.pack(">HHIH", A, IN, 60, 4) + a("192.0.2.3")
    m.counts[1] += 2
    c["resp_pointer_chain"] = m.wire()

    m = Msg(0x2012, RESPONSE | 2)  # SERVFAIL, nothing else
    m.question(SVC, A)
    c["resp_servfail"] = m.wire()

    # A 63-octet label and a name of exactly 255 octets are the largest legal ones.
    long_name = ".".join(["x" * 63] * 3 + ["y" * 61])
    assert len(label_bytes(long_name)) == 255
    c["query_max_name"] = query(0x2013, long_name, A)
    return c


def bad():
    c = {}
    good = query(0x3001, SVC, A)
    c["bad_empty"] = b""
    c["bad_truncated_header"] = good[:5]
    c["bad_truncated_question_name"] = good[:20]
    c["bad_truncated_question_type"] = good[:-2]
    c["bad_trailing_garbage"] = good + b"\x00\x00"
    c["bad_qdcount_too_high"] = good[:4] + b"\x00\x02" + good[6:]
    c["bad_label_64"] = query(0x3002, "z" * 63, A).replace(b"\x3f" + b"z" * 63, b"\x40" + b"z" * 64)
    # 256 octets: four 63-octet labels end at 257 with the root; trim to be just over.
    over = label_bytes(".".join(["x" * 63] * 3 + ["y" * 62]))
    assert len(over) == 256
    c["bad_name_too_long"] = struct.pack(">6H", 0x3003, 0x0100, 1, 0, 0, 0) + over + struct.pack(">HH", A, IN)
    hdr = struct.pack(">6H", 0x3004, 0x0100, 1, 0, 0, 0)
    c["bad_pointer_loop"] = hdr + b"\x01a\xc0\x0c" + struct.pack(">HH", A, IN)
    c["bad_pointer_self"] = hdr + b"\xc0\x0c" + struct.pack(">HH", A, IN)
    c["bad_pointer_forward"] = hdr + b"\xc0\x0e\x00" + struct.pack(">HH", A, IN)
    c["bad_pointer_into_header"] = hdr + b"\xc0\x02" + struct.pack(">HH", A, IN)
    c["bad_label_type_0x40"] = hdr + b"\x41" + struct.pack(">HH", A, IN)

    def resp(*records, opts=0, counts=(1, 1, 0, 0)):
        m = struct.pack(">6H", 0x3005, 0x8180, *counts) + label_bytes(SVC) + struct.pack(">HH", A, IN)
        return m + b"".join(records)

    def rr(rtype, rdata, rdlength=None, owner=b"\xc0\x0c", rclass=IN):
        n = len(rdata) if rdlength is None else rdlength
        return owner + struct.pack(">HHIH", rtype, rclass, 5, n) + rdata

    c["bad_a_rdlength_5"] = resp(rr(A, b"\x0a\x2b\x00\x0a\x00"))
    c["bad_aaaa_rdlength_4"] = resp(rr(AAAA, b"\x0a\x2b\x00\x0a"))
    c["bad_rdlength_past_end"] = resp(rr(A, a("10.43.0.10"), rdlength=40))
    c["bad_cname_rdata_longer"] = resp(rr(CNAME, label_bytes("x.example") + b"\x00"))
    c["bad_cname_rdata_shorter"] = resp(rr(CNAME, label_bytes("x.example"), rdlength=4))
    c["bad_txt_string_overruns"] = resp(rr(TXT, b"\x05abc"))
    c["bad_soa_truncated"] = resp(rr(SOA, b"\x00\x00" + b"\x00" * 12))
    c["bad_mx_truncated"] = resp(rr(MX, b"\x00"))
    c["bad_srv_truncated"] = resp(rr(SRV, b"\x00\x01\x00\x02"))
    c["bad_record_truncated"] = resp(rr(A, a("10.43.0.10")))[:-8]
    c["bad_ancount_too_high"] = resp(rr(A, a("10.43.0.10")), counts=(1, 2, 0, 0))
    opt = b"\x00" + struct.pack(">HHIH", OPT, 1232, 0, 0)
    c["bad_two_opts"] = resp(rr(A, a("10.43.0.10")), opt, opt, counts=(1, 1, 0, 2))
    c["bad_opt_in_answer"] = resp(opt, counts=(1, 1, 0, 0))
    c["bad_opt_in_authority"] = resp(opt, counts=(1, 0, 1, 0))
    c["bad_opt_owner_not_root"] = resp(b"\xc0\x0c" + opt[1:], counts=(1, 0, 0, 1))
    c["bad_opt_option_overruns"] = resp(b"\x00" + struct.pack(">HHIH", OPT, 1232, 0, 6) +
                                        struct.pack(">HH", 10, 8) + b"\x01\x02", counts=(1, 0, 0, 1))
    c["bad_forward_pointer_in_rdata"] = resp(rr(CNAME, b"\xc0\x40"))
    return c


def main():
    os.makedirs(OUT, exist_ok=True)
    files = {**well_formed(), **bad()}
    for name in os.listdir(OUT):  # drop files from an older version of this script
        if name.endswith(".bin") and name[:-4] not in files:
            os.remove(os.path.join(OUT, name))
    for name, data in sorted(files.items()):
        with open(os.path.join(OUT, name + ".bin"), "wb") as f:
            f.write(data)
    print("wrote %d files to %s" % (len(files), OUT), file=sys.stderr)


if __name__ == "__main__":
    main()
