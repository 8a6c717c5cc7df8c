#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""meta_check - lqmeta's metadata against what others report, on every capture.

For every capture in pcaps/ and in $LQ_SHARED/pcaps-public/ (MANIFEST.tsv), runs
meta-dump and checks:

  tshark    every ClientHello tshark decodes (tls.handshake.type == 1): its SNI
            and ALPN list are those of our connection on that 4-tuple;
  suricata  every `quic.ja4:` of suricata-verify's expected test.yaml (with its
            count), and the SNI/ALPN values its `quic.extensions[N]` checks give,
            with the extension's name at that index;
  ndpi      every QUIC flow of nDPI's expected .out: [Hostname/SNI], (Advertised)
            ALPNs and [JA4] equal ours.

A disagreement fails the check unless it is one of KNOWN below, each with why the
other value is not the FoxIO/RFC one. Failures print the capture, the field, what
was expected, what came out, and a hex dump of the connection's first client
datagram (from tshark). Exit 0 all agree, 1 a disagreement, 2 usage, 77 skipped
(no tshark, or no shared captures).

Usage: tests/meta_check.py META_DUMP   (run from the repository root)
Env:   LQ_SHARED  the directory holding pcaps-public/ (default ../shared)
"""
import glob
import ipaddress
import json
import os
import re
import shutil
import subprocess
import sys

# (capture basename, source, field) -> why their value differs from ours
KNOWN = {}
# nDPI's JA4 (its expected outputs here) departs from FoxIO JA4.md in three ways,
# recognised by rule and each listed in the output with its capture:
#  - the ALPN part is the first two characters of the first ALPN ("h3-29" -> "h3",
#    "doq-i00" -> "do"); JA4.md: the first and last ("h9", "d0");
#  - for the ALPN "h3" it prints "h0" (quic-v2.pcapng, sites.pcapng, ...); JA4.md: "h3";
#  - "d" (domain) for ClientHellos without a server_name extension; JA4.md: "i".
NDPI_ALPN_RULE = "nDPI JA4 ALPN part is the first two characters, FoxIO's is first+last"
NDPI_SNI_RULE = "nDPI JA4 has 'd' without a server_name extension, FoxIO's is 'i'"
NDPI_H0_RULE = ("nDPI JA4 ALPN part is 'h0' for the 2-character ALPN 'h3' (a bug: FoxIO "
                "JA4.md takes its first and last character, 'h3')")

EXT_NAMES = {"server_name": 0x0000, "status_request": 0x0005, "supported_groups": 0x000a,
             "ec_point_formats": 0x000b, "signature_algorithms": 0x000d, "alpn": 0x0010,
             "extended_master_secret": 0x0017, "session_ticket": 0x0023,
             "supported_versions": 0x002b, "psk_key_exchange_modes": 0x002d,
             "key_share": 0x0033, "quic_transport_parameters": 0x0039,
             "compress_certificate": 0x001b}

failures = []
known_seen = []
counts = {}


def count(src, field, ok):
    k = (src, field)
    agree, total = counts.get(k, (0, 0))
    counts[k] = (agree + (1 if ok else 0), total + 1)


def norm_ep(addr, port):
    a = ipaddress.ip_address(addr)
    return ("[%s]:%s" if a.version == 6 else "%s:%s") % (a.compressed, port)


def fail(cap, src, field, expected, actual, conn_key=None):
    failures.append((cap, src, field, expected, actual, conn_key))


def hexdump_first(cap, client):
    """The first datagram the client sent, as tshark sees it (for failures)."""
    if not client:
        return ""
    m = re.match(r"\[?([^\]]+?)\]?:(\d+)$", client)
    if not m:
        return ""
    ip, port = m.groups()
    ipf = "ipv6.src" if ":" in ip else "ip.src"
    try:
        out = subprocess.run(["tshark", "-r", cap, "-c", "1", "-Y",
                              "%s==%s && udp.srcport==%s" % (ipf, ip, port), "-x"],
                             capture_output=True, text=True, timeout=60).stdout
    except (subprocess.SubprocessError, OSError):
        return ""
    return "\n".join("      " + l for l in out.splitlines()[:12])


def ours(dump, cap):
    r = subprocess.run([dump, cap], capture_output=True, text=True, timeout=120)
    if r.returncode >= 128 or "Sanitizer" in r.stderr or "runtime error" in r.stderr:
        fail(cap, "meta-dump", "run", "no crash", "exit %d %s" % (r.returncode, r.stderr[-300:]))
        return []
    conns = []
    for line in r.stdout.splitlines():
        try:
            conns.append(json.loads(line))
        except ValueError:
            fail(cap, "meta-dump", "json", "one JSON object a line", line[:200])
    return conns


def by_tuple(conns):
    t = {}
    for c in conns:
        t.setdefault((c["client"], c["server"]), []).append(c)
    return t


def check_tshark(cap, conns):
    fields = ["ip.src", "ipv6.src", "udp.srcport", "ip.dst", "ipv6.dst", "udp.dstport",
              "tls.handshake.extensions_server_name", "tls.handshake.extensions_alpn_str"]
    cmd = ["tshark", "-r", cap, "-d", "udp.port==4443,quic", "-Y",
           "quic && tls.handshake.type == 1", "-T", "fields", "-E", "separator=\t",
           "-E", "occurrence=a", "-E", "aggregator=,"]
    for f in fields:
        cmd += ["-e", f]
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=120).stdout
    except subprocess.TimeoutExpired:
        fail(cap, "tshark", "run", "an answer", "timeout")
        return
    t = by_tuple(conns)
    seen = set()
    for line in out.splitlines():
        v = line.split("\t")
        if len(v) < 8:
            continue
        src = v[0] or v[1]
        dst = v[3] or v[4]
        if not src or not dst:
            continue
        key = (norm_ep(src.split(",")[0], v[2].split(",")[0]),
               norm_ep(dst.split(",")[0], v[5].split(",")[0]))
        sni = v[6].split(",")[0] or None
        alpn = v[7].split(",") if v[7] else None
        if (key, sni, tuple(alpn or ())) in seen:
            continue  # a ClientHello sent again (after Retry) or shown twice
        seen.add((key, sni, tuple(alpn or ())))
        cands = t.get(key, [])
        if not cands:
            count("tshark", "sni", False)
            fail(cap, "tshark", "connection", "%s -> %s with sni %s" % (key[0], key[1], sni),
                 "no connection", key[0])
            continue
        ok_sni = any(c["sni"] == sni for c in cands)
        ok_alpn = any(c["alpn"] == alpn for c in cands)
        count("tshark", "sni", ok_sni)
        count("tshark", "alpn", ok_alpn)
        if not ok_sni:
            fail(cap, "tshark", "sni", sni, [c["sni"] for c in cands], key[0])
        if not ok_alpn:
            fail(cap, "tshark", "alpn", alpn, [c["alpn"] for c in cands], key[0])


def check_suricata(cap, conns, expected_dirs, pub):
    ja4s = [c["ja4"] for c in conns if c["ja4"]]
    for d in expected_dirs:
        y = os.path.join(pub, d, "test.yaml")
        if not os.path.isfile(y):
            continue
        text = open(y, encoding="utf-8", errors="replace").read()
        for blk in re.split(r"\n\s*- filter:", text)[1:]:
            if not re.search(r"event_type:\s*quic\b", blk):
                continue
            m = re.search(r"count:\s*(\d+)", blk)
            want = int(m.group(1)) if m else None
            ja4 = re.search(r"quic\.ja4:\s*(\S+)", blk)
            if ja4:
                n = ja4s.count(ja4.group(1))
                ok = n == want if want is not None else n > 0
                count("suricata", "ja4", ok)
                if not ok:
                    fail(cap, "suricata", "ja4", "%s x%s" % (ja4.group(1), want),
                         "%d of %s" % (n, sorted(set(ja4s))))
            names = dict(re.findall(r"quic\.extensions\[(\d+)\]\.name:\s*\"?([\w_]+)\"?", blk))
            values = dict(re.findall(r"quic\.extensions\[(\d+)\]\.values\[0\]:\s*\"?([^\"\n]+)\"?", blk))
            for idx, name in names.items():
                code = EXT_NAMES.get(name)
                val = values.get(idx)
                ok = False
                got = None
                k = int(idx)
                for c in conns:
                    ch = [int(x, 16) for x in c.get("exts", [])]
                    # Suricata logs each hello's extensions: the ClientHello's
                    # (GREASE kept or not) and the ServerHello's
                    lists = [ch, [e for e in ch if (e & 0x0f0f) != 0x0a0a],
                             [int(x, 16) for x in c.get("sh_exts", [])]]
                    got = [l[k] if k < len(l) else None for l in lists]
                    if code is None or not any(k < len(l) and l[k] == code for l in lists):
                        continue
                    if val is None or (name == "server_name" and c["sni"] == val) or \
                            (name == "alpn" and c["alpn"] and c["alpn"][0] == val):
                        ok = True
                        break
                f = {"server_name": "sni", "alpn": "alpn"}.get(name, "extension")
                count("suricata", f, ok)
                if not ok:
                    fail(cap, "suricata", f, "extensions[%s] = %s %s" % (idx, name, val or ""),
                         got)


NDPI_FLOW = re.compile(r"^\s*\d+\s+UDP\s+(\S+)\s+<->\s+(\S+)\s+\[proto: [^\]]*QUIC")


def check_ndpi(cap, conns, expected, pub):
    path = os.path.join(pub, expected)
    if not os.path.isfile(path):
        return
    t = by_tuple(conns)
    base = os.path.basename(cap)
    for line in open(path, encoding="utf-8", errors="replace"):
        m = NDPI_FLOW.match(line)
        if not m:
            continue
        a, b = (norm_ep(*re.match(r"\[?([^\]]+?)\]?:(\d+)$", e).groups()) for e in m.groups())
        sni = re.search(r"\[Hostname/SNI: ([^\]]*)\]", line)
        alpn = re.search(r"\[\(Advertised\) ALPNs: ([^\]]*)\]", line)
        ja4 = re.search(r"\[JA4: ([^\]]*)\]", line)
        ver = re.search(r"\[QUIC ver: ([^\]]*)\]", line)
        cands = t.get((a, b), []) + t.get((b, a), [])
        if not (sni or alpn or ja4):
            continue
        gquic = ver and re.match(r"[QT]0\d\d", ver.group(1)) and ver.group(1) not in ("T050", "T051", "Q050")
        if gquic:
            # Google QUIC before Q050 (its own crypto, not TLS): unsupported here
            counts[("ndpi", "gquic_not_compared")] = (0, counts.get(("ndpi", "gquic_not_compared"), (0, 0))[1] + 1)
            continue
        if not cands:
            count("ndpi", "connection", False)
            fail(cap, "ndpi", "connection", "%s <-> %s" % (a, b), "none")
            continue
        c = cands[0]
        if sni:
            ok = any(x["sni"] == sni.group(1) for x in cands)
            count("ndpi", "sni", ok)
            if not ok:
                fail(cap, "ndpi", "sni", sni.group(1), [x["sni"] for x in cands], c["client"])
        if alpn:
            want = alpn.group(1).split(";")
            ok = any(x["alpn"] == want for x in cands)
            count("ndpi", "alpn", ok)
            if not ok:
                fail(cap, "ndpi", "alpn", want, [x["alpn"] for x in cands], c["client"])
        if ja4:
            theirs = ja4.group(1)
            mine = [x["ja4"] for x in cands if x["ja4"]]
            if theirs in mine:
                count("ndpi", "ja4", True)
                continue
            why = KNOWN.get((base, "ndpi", "ja4"))
            if not why and mine:
                first = c["alpn"][0] if c["alpn"] else ""
                for x in mine:
                    alts = [(x[8:10], None)]
                    if len(first) > 2:
                        alts.append((first[:2], NDPI_ALPN_RULE))
                    if len(first) == 2:
                        alts.append((first[0] + "0", NDPI_H0_RULE))
                    for part, rule in alts:
                        y = x[:8] + part + x[10:]
                        rules = [r for r in (rule,) if r]
                        if y != theirs and x[3] == "i" and y[:3] + "d" + y[4:] == theirs:
                            y = theirs
                            rules.append(NDPI_SNI_RULE)
                        if y == theirs and rules:
                            why = "; ".join(rules)
            if why:
                count("ndpi", "ja4 (known disagreement)", True)
                known_seen.append((base, "ndpi", "ja4", theirs, mine, why))
            else:
                count("ndpi", "ja4", False)
                fail(cap, "ndpi", "ja4", theirs, mine, c["client"])


def main():
    if len(sys.argv) != 2:
        print(__doc__.strip().splitlines()[-2], file=sys.stderr)
        return 2
    dump = os.path.abspath(sys.argv[1])
    if not os.access(dump, os.X_OK):
        print("meta_check: '%s' is not an executable" % sys.argv[1], file=sys.stderr)
        return 2
    if not shutil.which("tshark"):
        print("meta_check: skipped: no tshark")
        return 77
    shared = os.environ.get("LQ_SHARED", os.path.join("..", "shared"))
    pub = os.path.join(shared, "pcaps-public")
    manifest = os.path.join(pub, "MANIFEST.tsv")
    if not os.path.isfile(manifest):
        print("meta_check: skipped: no public captures: '%s' not found "
              "(set LQ_SHARED to the directory holding pcaps-public/)" % manifest)
        return 77
    caps = []  # (path, [expected paths])
    for f in sorted(glob.glob("pcaps/**/*.pcap*", recursive=True)):
        caps.append((f, []))
    for line in open(manifest, encoding="utf-8"):
        v = line.rstrip("\n").split("\t")
        if v[0] == "local_path" or len(v) < 7:
            continue
        caps.append((os.path.join(pub, v[0]), [e for e in v[6].split(";") if e]))

    nconn = 0
    for cap, expected in caps:
        conns = ours(dump, cap)
        nconn += len(conns)
        check_tshark(cap, conns)
        for e in expected:
            if e.endswith(".out"):
                check_ndpi(cap, conns, e, pub)
        sv = [e for e in expected if "suricata" in e]
        if sv:
            check_suricata(cap, conns, sv, pub)

    print("meta_check: %d captures, %d connections" % (len(caps), nconn))
    for (src, field), (agree, total) in sorted(counts.items()):
        print("  %-9s %-28s %4d compared, %4d agree" % (src, field, total, agree))
    if known_seen:
        print("known disagreements (the other tool departs from the specification):")
        for base, src, field, theirs, mine, why in known_seen:
            print("  %s %s %s: theirs %s, ours %s\n      why: %s" % (base, src, field, theirs,
                                                                    ",".join(mine), why))
    for cap, src, field, exp, act, client in failures:
        print("FAIL %s: %s %s: expected %s, got %s" % (cap, src, field, exp, act))
        hd = hexdump_first(cap, client)
        if hd:
            print(hd)
    ok = sum(a for a, _ in counts.values())
    print("%d passed, %d failed" % (ok, len(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
