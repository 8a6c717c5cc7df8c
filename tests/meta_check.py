#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""meta_check - lqmeta's metadata against what others report, on every capture.

For every capture in pcaps/ and in $LQ_SHARED/pcaps-public/ (MANIFEST.tsv), runs
meta-dump (lqmeta, its datagrams grouped by 4-tuple) and, when given, linkquic-replay
-f conn (the same lqmeta fed by the tracker's labels), and checks for each:

  tshark    every ClientHello tshark decodes (tls.handshake.type == 1): its SNI
            and ALPN list are those of our connection on that 4-tuple;
  suricata  every `quic.ja4:` of suricata-verify's expected test.yaml (with its
            count), and the SNI/ALPN values its `quic.extensions[N]` checks give,
            with the extension's name at that index;
  ndpi      every QUIC flow of nDPI's expected .out: [Hostname/SNI], (Advertised)
            ALPNs and [JA4] equal ours.

With linkquic-replay, also: every connection whose ClientHello meta-dump parsed has
one record of linkquic-replay on its first path, with the same original_dcid, and
both report the same SNI, ALPN, JA4, JA4S and CIDs (the two groupings agree).

A disagreement fails the check unless it is one of NDPI_WRONG_JA4 below: nDPI's
JA4s that depart from FoxIO's JA4.md, listed one by one, each with the value the
specification gives (ours) and the rule that explains the difference (checked too: a
listed JA4 must differ by exactly that). An entry no capture needs any more fails
too. Failures print the capture, the field, what was expected, what came out, and a
hex dump of the connection's first client datagram (from tshark). Exit 0 all agree,
1 a disagreement, 2 usage, 77 skipped (no tshark, or no shared captures).

Usage: tests/meta_check.py META_DUMP [LINKQUIC_REPLAY]   (run from the repository root)
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

# nDPI's JA4 (its expected outputs here) departs from FoxIO JA4.md in three ways,
# each listed in the output with its capture:
#  - the ALPN part is the first two characters of the first ALPN ("h3-29" -> "h3",
#    "doq-i00" -> "do"); JA4.md: the first and last ("h9", "d0");
#  - for the ALPN "h3" it prints "h0" (quic-v2.pcapng, sites.pcapng, ...); JA4.md: "h3";
#  - "d" (domain) for ClientHellos without a server_name extension; JA4.md: "i".
NDPI_ALPN_RULE = "nDPI JA4 ALPN part is the first two characters, FoxIO's is first+last"
NDPI_SNI_RULE = "nDPI JA4 has 'd' without a server_name extension, FoxIO's is 'i'"
NDPI_H0_RULE = ("nDPI JA4 ALPN part is 'h0' for the 2-character ALPN 'h3' (a bug: FoxIO "
                "JA4.md takes its first and last character, 'h3')")

# Every nDPI JA4 known to be wrong: (capture, nDPI's JA4) -> (FoxIO's JA4, which is
# what we report, and the rules that make the difference: ALPN, H0, SNI above).
NDPI_WRONG_JA4 = {
    ("doq.pcapng", "q00d0307do_55b375c5d22e_23ed935430f2"): ("q00i0307d0_55b375c5d22e_23ed935430f2", "ALPN+SNI"),
    ("doq_adguard.pcapng", "q13d0309do_55b375c5d22e_f68d9329452a"): ("q13d0309d0_55b375c5d22e_f68d9329452a", "ALPN"),
    ("google_meet.pcapng", "q13d0311h0_55b375c5d22e_5a1f323ef56d"): ("q13d0311h3_55b375c5d22e_5a1f323ef56d", "H0"),
    ("quic-23.pcap", "q13d0308h3_55b375c5d22e_23ed935430f2"): ("q13d0308h2_55b375c5d22e_23ed935430f2", "ALPN"),
    ("quic-24.pcap", "q13d0512h3_d55e91d5c3b2_cd318bf3b157"): ("q13d0512h4_d55e91d5c3b2_cd318bf3b157", "ALPN"),
    ("quic-27.pcap", "q13d0309h3_55b375c5d22e_f68d9329452a"): ("q13d0309h7_55b375c5d22e_f68d9329452a", "ALPN"),
    ("quic-28.pcap", "q13d0309h3_55b375c5d22e_f68d9329452a"): ("q13d0309h8_55b375c5d22e_f68d9329452a", "ALPN"),
    ("quic-29.pcap", "q13d0512h3_d55e91d5c3b2_cd318bf3b157"): ("q13d0512h9_d55e91d5c3b2_cd318bf3b157", "ALPN"),
    ("quic-33.pcapng", "q00d0307h3_55b375c5d22e_af0a630e9e67"): ("q00i0307h3_55b375c5d22e_af0a630e9e67", "ALPN+SNI"),
    ("quic-34.pcap", "q00d0307h3_55b375c5d22e_af0a630e9e67"): ("q00i0307h4_55b375c5d22e_af0a630e9e67", "ALPN+SNI"),
    ("quic-forcing-vn-with-data.pcapng", "q13d0307h3_55b375c5d22e_f0736a66fa6b"): ("q13i0307h3_55b375c5d22e_f0736a66fa6b", "SNI"),
    ("quic-mvfst-22.pcap", "q00d0109h3_0f2cb44170f4_01b7bde4a3dd"): ("q00d0109h5_0f2cb44170f4_01b7bde4a3dd", "ALPN"),
    ("quic-mvfst-27.pcapng", "q00d0108h3_0f2cb44170f4_f4b4187450f5"): ("q00d0108h5_0f2cb44170f4_f4b4187450f5", "ALPN"),
    ("quic-mvfst-exp.pcap", "q00d0108h3_0f2cb44170f4_f4b4187450f5"): ("q00d0108h5_0f2cb44170f4_f4b4187450f5", "ALPN"),
    ("quic-v2.pcapng", "q13d0310h0_55b375c5d22e_0a3b52e28cea"): ("q13d0310h3_55b375c5d22e_0a3b52e28cea", "H0"),
    ("quic_0RTT.pcap", "q13d0312h0_55b375c5d22e_73e2d9e6cde6"): ("q13d0312h3_55b375c5d22e_73e2d9e6cde6", "H0"),
    ("quic_0RTT.pcap", "q00d0310h3_55b375c5d22e_060ec1c6a056"): ("q00d0310h2_55b375c5d22e_060ec1c6a056", "ALPN"),
    ("quic_frags_ch_in_multiple_packets.pcapng", "q00d0307h3_55b375c5d22e_af0a630e9e67"): ("q00i0307h4_55b375c5d22e_af0a630e9e67", "ALPN+SNI"),
    ("quic_frags_different_dcid.pcapng", "q13d0311h0_55b375c5d22e_5a1f323ef56d"): ("q13d0311h3_55b375c5d22e_5a1f323ef56d", "H0"),
    ("quic_t50.pcap", "q13d0309h3_55b375c5d22e_f68d9329452a"): ("q13d0309h0_55b375c5d22e_f68d9329452a", "ALPN"),
    ("quic_t51.pcap", "q13d0308h3_55b375c5d22e_e7bc1e4f333e"): ("q13d0308h1_55b375c5d22e_e7bc1e4f333e", "ALPN"),
    ("sites.pcapng", "q13d0314h0_55b375c5d22e_2d2a40a25571"): ("q13d0314h3_55b375c5d22e_2d2a40a25571", "H0"),
    ("sites.pcapng", "q13d0315h0_55b375c5d22e_9974e4f6be5b"): ("q13d0315h3_55b375c5d22e_9974e4f6be5b", "H0"),
}
RULE_TEXT = {"ALPN": NDPI_ALPN_RULE, "H0": NDPI_H0_RULE, "SNI": NDPI_SNI_RULE}
ndpi_wrong_used = set()

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


def run_json(cmd, cap, who):
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    if r.returncode >= 128 or "Sanitizer" in r.stderr or "runtime error" in r.stderr:
        fail(cap, who, "run", "no crash", "exit %d %s" % (r.returncode, r.stderr[-300:]))
        return []
    out = []
    for line in r.stdout.splitlines():
        try:
            out.append(json.loads(line))
        except ValueError:
            fail(cap, who, "json", "one JSON object a line", line[:200])
    return out


def ours(dump, cap):
    return run_json([dump, cap], cap, "meta-dump")


def replayed(replay, cap):
    """linkquic-replay -f conn's records, in meta-dump's shape for the checks."""
    out = []
    for c in run_json([replay, "-f", "conn", cap], cap, "linkquic-replay"):
        x = dict(c)
        x["client"] = norm_ep(c["client"], c["client_port"])
        x["server"] = norm_ep(c["server"], c["server_port"])
        x["exts"], x["sh_exts"] = [], []  # not in -f conn: the extension checks are meta-dump's
        out.append(x)
    return out


def check_grouping(cap, dumped, recs):
    """meta-dump's connections by 4-tuple and linkquic-replay's by label: every
    connection whose ClientHello was parsed is one record with the same values."""
    t = by_tuple(recs)
    for c in dumped:
        if c.get("client_reason") != "ok":
            continue
        cands = [r for r in t.get((c["client"], c["server"]), [])
                 if r["original_dcid"] == c["original_dcid"]]
        if len(cands) != 1:
            count("grouping", "connection", False)
            fail(cap, "grouping", "connection",
                 "one linkquic-replay record for %s -> %s, original_dcid %s" %
                 (c["client"], c["server"], c["original_dcid"]), "%d" % len(cands), c["client"])
            continue
        count("grouping", "connection", True)
        r = cands[0]
        for k in ("sni", "alpn", "ja4", "ja4s", "client_scid", "server_scid"):
            ok = r[k] == c[k]
            count("grouping", k, ok)
            if not ok:
                fail(cap, "grouping", k, "meta-dump's %s" % json.dumps(c[k]),
                     "linkquic-replay's %s" % json.dumps(r[k]), c["client"])


def by_tuple(conns):
    t = {}
    for c in conns:
        t.setdefault((c["client"], c["server"]), []).append(c)
    return t


def check_tshark(cap, conns, who="tshark"):
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
            count(who, "sni", False)
            fail(cap, who, "connection", "%s -> %s with sni %s" % (key[0], key[1], sni),
                 "no connection", key[0])
            continue
        ok_sni = any(c["sni"] == sni for c in cands)
        ok_alpn = any(c["alpn"] == alpn for c in cands)
        count(who, "sni", ok_sni)
        count(who, "alpn", ok_alpn)
        if not ok_sni:
            fail(cap, who, "sni", sni, [c["sni"] for c in cands], key[0])
        if not ok_alpn:
            fail(cap, who, "alpn", alpn, [c["alpn"] for c in cands], key[0])


def check_suricata(cap, conns, expected_dirs, pub, src="suricata", ja4_only=False):
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
                count(src, "ja4", ok)
                if not ok:
                    fail(cap, src, "ja4", "%s x%s" % (ja4.group(1), want),
                         "%d of %s" % (n, sorted(set(ja4s))))
            if ja4_only:
                continue
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


def check_ndpi(cap, conns, expected, pub, src="ndpi"):
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
            counts[(src, "gquic_not_compared")] = (0, counts.get((src, "gquic_not_compared"), (0, 0))[1] + 1)
            continue
        if not cands:
            count(src, "connection", False)
            fail(cap, src, "connection", "%s <-> %s" % (a, b), "none")
            continue
        c = cands[0]
        if sni:
            ok = any(x["sni"] == sni.group(1) for x in cands)
            count(src, "sni", ok)
            if not ok:
                fail(cap, src, "sni", sni.group(1), [x["sni"] for x in cands], c["client"])
        if alpn:
            want = alpn.group(1).split(";")
            ok = any(x["alpn"] == want for x in cands)
            count(src, "alpn", ok)
            if not ok:
                fail(cap, src, "alpn", want, [x["alpn"] for x in cands], c["client"])
        if ja4:
            theirs = ja4.group(1)
            mine = [x["ja4"] for x in cands if x["ja4"]]
            if theirs in mine:
                count(src, "ja4", True)
                continue
            # only a listed JA4, where ours is FoxIO's and the difference is the rule
            entry = NDPI_WRONG_JA4.get((base, theirs))
            why = None
            if entry and entry[0] in mine:
                first = c["alpn"][0] if c["alpn"] else ""
                x, rules = entry[0], entry[1].split("+")
                y = x
                if "ALPN" in rules and len(first) > 2:
                    y = y[:8] + first[:2] + y[10:]
                if "H0" in rules and len(first) == 2:
                    y = y[:8] + first[0] + "0" + y[10:]
                if "SNI" in rules and y[3] == "i":
                    y = y[:3] + "d" + y[4:]
                if y == theirs:
                    why = "; ".join(RULE_TEXT[r] for r in rules)
                    ndpi_wrong_used.add((base, theirs))
            if why:
                count(src, "ja4 (known wrong)", True)
                known_seen.append((base, src, "ja4", theirs, mine, why))
            else:
                count(src, "ja4", False)
                fail(cap, src, "ja4", theirs, mine, c["client"])


def main():
    if len(sys.argv) not in (2, 3):
        print(__doc__.strip().splitlines()[-2], file=sys.stderr)
        return 2
    dump = os.path.abspath(sys.argv[1])
    replay = os.path.abspath(sys.argv[2]) if len(sys.argv) == 3 else None
    for b in [dump] + ([replay] if replay else []):
        if not os.access(b, os.X_OK):
            print("meta_check: '%s' is not an executable" % b, file=sys.stderr)
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

    nconn = nrec = 0
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
        if not replay:
            continue
        recs = replayed(replay, cap)
        nrec += len(recs)
        check_tshark(cap, recs, "tshark/-f conn")
        check_grouping(cap, conns, recs)
        for e in expected:
            if e.endswith(".out"):
                check_ndpi(cap, recs, e, pub, "ndpi/-f conn")
        if sv:
            check_suricata(cap, recs, sv, pub, "suricata/-f conn", ja4_only=True)
    for key in sorted(set(NDPI_WRONG_JA4) - ndpi_wrong_used):
        fail(key[0], "ndpi", "ja4", "a capture where nDPI gives the listed wrong JA4 %s" % key[1],
             "none: the entry is stale (NDPI_WRONG_JA4)")

    print("meta_check: %d captures, %d connections (meta-dump)%s" %
          (len(caps), nconn, ", %d per-connection records (linkquic-replay -f conn)" % nrec
           if replay else ""))
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
