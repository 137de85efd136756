#!/usr/bin/env python3
"""Write the seed corpus of tests/fuzz/fuzz_dns_query: one file per input,
a transport byte (bit 0 TCP, bit 1 IPv6) then a DNS request. Run from the
repository root when the set of seeds should change."""
import os
import struct

OUT = "tests/fuzz/corpus/dns_query"


def name(n):
    b = b""
    for label in n.rstrip(".").split("."):
        if label:
            b += bytes([len(label)]) + label.encode()
    return b + b"\0"


def opt(payload=1232, version=0, do=False, options=b""):
    ttl = (version << 16) | (0x8000 if do else 0)
    return b"\0" + struct.pack(">HHIH", 41, payload, ttl, len(options)) + options


def query(qname, qtype, flags=0x0100, qd=1, an=0, ns=0, edns=None, tail=b"",
          qclass=1, qid=0x1234):
    ar = 1 if edns is not None else 0
    hdr = struct.pack(">HHHHHH", qid, flags, qd, an, ns, ar)
    q = name(qname) + struct.pack(">HH", qtype, qclass)
    return hdr + q + (edns or b"") + tail


seeds = {}
names = ["www.fuzz.test", "WwW.FuZz.TeSt", "alias.fuzz.test", "loop1.fuzz.test",
         "out.fuzz.test", "a.wild.fuzz.test", "c.x.wild.fuzz.test",
         "ent.y.fuzz.test", "x.ent.y.fuzz.test", "host.sub.fuzz.test",
         "sub.fuzz.test", "nx.fuzz.test", "fuzz.test", "big.fuzz.test",
         "example.com", "."]
types = [1, 28, 2, 5, 6, 15, 16, 43, 255, 252, 251, 0, 65280]
i = 0
for n in names:
    for t in types:
        seeds["q%03d" % i] = bytes([i % 4]) + query(n, t, edns=opt() if i % 3 else None)
        i += 1
seeds["edns-v1"] = b"\0" + query("www.fuzz.test", 1, edns=opt(version=1))
seeds["edns-do"] = b"\0" + query("www.fuzz.test", 1, edns=opt(do=True))
seeds["edns-512"] = b"\0" + query("big.fuzz.test", 16, edns=opt(payload=512))
seeds["edns-ecs"] = b"\0" + query("www.fuzz.test", 1, edns=opt(
    options=struct.pack(">HHHBB", 8, 7, 1, 24, 0) + bytes([192, 0, 2])))
seeds["edns-badopt"] = b"\0" + query("www.fuzz.test", 1, edns=opt(
    options=struct.pack(">HH", 8, 40)))
seeds["two-opt"] = b"\0" + struct.pack(">HHHHHH", 1, 0, 1, 0, 0, 2) + \
    name("www.fuzz.test") + struct.pack(">HH", 1, 1) + opt() + opt()
seeds["opt-answer"] = b"\0" + struct.pack(">HHHHHH", 1, 0, 1, 1, 0, 0) + \
    name("www.fuzz.test") + struct.pack(">HH", 1, 1) + opt()
seeds["qd0-opt"] = b"\0" + struct.pack(">HHHHHH", 1, 0, 0, 0, 0, 1) + opt()
seeds["qd2"] = b"\0" + query("www.fuzz.test", 1, qd=2)
seeds["qr"] = b"\0" + query("www.fuzz.test", 1, flags=0x8000)
seeds["short"] = b"\0" + b"\x12\x34\x01"
seeds["notify"] = b"\0" + query("fuzz.test", 6, flags=0x2000)
seeds["update"] = b"\0" + query("fuzz.test", 6, flags=0x2800)
seeds["status"] = b"\0" + query("fuzz.test", 6, flags=0x1000)
seeds["chaos"] = b"\0" + query("version.bind", 16, qclass=3)
seeds["class-hs"] = b"\0" + query("www.fuzz.test", 1, qclass=4, edns=opt())
seeds["class-any"] = b"\0" + query("nx.fuzz.test", 1, qclass=255)
seeds["trailing"] = b"\0" + query("www.fuzz.test", 1, tail=b"garbage")
seeds["pointer"] = b"\0" + struct.pack(">HHHHHH", 1, 0, 1, 0, 0, 0) + \
    b"\x03www\xc0\x0c" + struct.pack(">HH", 1, 1)
seeds["ptr-loop"] = b"\0" + struct.pack(">HHHHHH", 1, 0, 1, 0, 0, 0) + \
    b"\xc0\x0c" + struct.pack(">HH", 1, 1)
seeds["label-past-end"] = b"\0" + struct.pack(">HHHHHH", 1, 0, 1, 0, 0, 0) + \
    b"\x3fwww"
seeds["rcode-set"] = b"\0" + query("www.fuzz.test", 1, flags=0x0103)
seeds["ixfr-ns"] = b"\0" + query("fuzz.test", 251, ns=1,
    tail=name("fuzz.test") + struct.pack(">HHIH", 6, 1, 0, 22) + b"\0\0" + b"\0" * 20)
seeds["tcp-axfr"] = b"\1" + query("fuzz.test", 252)

os.makedirs(OUT, exist_ok=True)
for k, v in seeds.items():
    with open(os.path.join(OUT, k), "wb") as f:
        f.write(v)
print("wrote %d seeds to %s" % (len(seeds), OUT))
