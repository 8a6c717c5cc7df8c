#!/usr/bin/env python3
"""tests/ipfix_check.py - what a collector received of linkquic's IPFIX export
equals what -f conn says of the same connections.

    ipfix_check.py [--subset] [--xml FILE] --expect DOMAIN=CONN.jsonl ... \\
        (--ipfixdump FILE.ipfix | --nfacctd FILE.json) [--label TEXT]

--expect: the -f conn records (linkquic-replay's or linkquic-live's
--conn-file) of the run that exported with --observation-domain DOMAIN.
--ipfixdump: IPFIX messages as a file (--export ipfix-file:, or what a UDP or
TCP sink received), decoded by libfixbuf's ipfixDump with the elements file
(--xml, default contrib/ipfix/linkquic.xml); --nfacctd: the JSON lines of
nfacctd's print plugin (contrib/ipfix/nfacctd.conf).

Every connection must arrive (with --subset: every one that arrived must be
right, and at least one must), keyed by observation domain and label, its
last record (flowEndReason not activeTimeout) carrying the same addresses,
ports, packets and bytes both ways (totals; and the delta counters of all its
records add up to them), start and end (ms), version, SNI, ALPN, JA4,
original DCID, events, path count and migrations, and why it ended; a
connection of several paths also has one record per path with that path's
endpoints and counts. Nothing arrives that -f conn does not have. A failure
prints the connection, the field, what was expected and what arrived.
Exit 0 when all is equal, 1 otherwise, 2 on usage.
"""
import argparse
import decimal
import ipaddress
import json
import os
import re
import subprocess
import sys
from collections import defaultdict

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
END_REASON = {"idle": 1, "end_of_input": 4, "exit": 4, "read_error": 4, "evicted": 5}
ACTIVE_TIMEOUT = 2  # flowEndReason of an update (RFC 7012)

# the fields compared, in the order failures are printed
FIELDS = ("client", "client_port", "server", "server_port", "pkts_c2s", "pkts_s2c",
          "bytes_c2s", "bytes_s2c", "first_ms", "last_ms", "sni", "alpn", "ja4",
          "version", "original_dcid", "events", "paths", "migrations", "end_reason")
PATH_FIELDS = ("client", "client_port", "server", "server_port", "pkts_c2s", "pkts_s2c",
               "bytes_c2s", "bytes_s2c", "first_ms", "last_ms", "events", "via")


def ip(s):
    return str(ipaddress.ip_address(s))


def ms(t):
    return int(decimal.Decimal(str(t)) * 1000)


def expected_records(spec):
    """{(domain, label): -f conn record} of the final records."""
    out = {}
    for item in spec:
        dom, _, path = item.partition("=")
        with open(path) as f:
            for line in f:
                if not line.startswith("{"):
                    continue
                r = json.loads(line, parse_float=decimal.Decimal)
                if r.get("update"):
                    continue
                # a label may come back after its connection ended idle: the key
                # has the start too
                out[(int(dom), r["conn"], ms(r["first"]))] = r
    return out


def want_conn(r):
    migr = sum(1 for p in r["paths"] if "migration" in p["events"])
    return {
        "client": ip(r["client"]), "client_port": r["client_port"],
        "server": ip(r["server"]), "server_port": r["server_port"],
        "pkts_c2s": r["pkts_c2s"], "pkts_s2c": r["pkts_s2c"],
        "bytes_c2s": r["bytes_c2s"], "bytes_s2c": r["bytes_s2c"],
        "first_ms": ms(r["first"]), "last_ms": ms(r["last"]),
        "sni": r.get("sni") or "", "alpn": ",".join(r.get("alpn") or []),
        "ja4": r.get("ja4") or "", "version": int(r["version"] or "0", 16),
        "original_dcid": (r.get("original_dcid") or "").lower(),
        "events": ",".join(r["events"]),
        "paths": len(r["paths"]) + r.get("paths_left_out", 0), "migrations": migr,
        "end_reason": END_REASON[r["ended"]],
    }


def want_path(p):
    return {
        "client": ip(p["client"]), "client_port": p["client_port"],
        "server": ip(p["server"]), "server_port": p["server_port"],
        "pkts_c2s": p["pkts_c2s"], "pkts_s2c": p["pkts_s2c"],
        "bytes_c2s": p["bytes_c2s"], "bytes_s2c": p["bytes_s2c"],
        "first_ms": ms(p["first"]), "last_ms": ms(p["last"]),
        "events": ",".join(p["events"]), "via": p["via"],
    }


# ---- what arrived, as one shape whichever collector decoded it ---------------------------

def ms_of_date(s):
    """'2026-11-23 00:26:54.161[000]' (UTC) in ms since the epoch."""
    import datetime
    d = datetime.datetime.strptime(s[:23], "%Y-%m-%d %H:%M:%S.%f")
    return int(d.replace(tzinfo=datetime.timezone.utc).timestamp() * 1000 + 0.5)


FIELD_RE = re.compile(r"^\s+\(([0-9/]+)\)(?: \(S\))?\s+(\S+) : (.*)$")
TEXT_RE = re.compile(r"^\(len: (\d+)\) ?(.*)$")


def ipfixdump_records(path, xml):
    """Data records of the connection and path templates, as ipfixDump prints them."""
    p = subprocess.run(["ipfixDump", "-i", path, "-e", xml, "-d", "--hexdump=64"],
                       capture_output=True, text=True, env=dict(os.environ, TZ="UTC"))
    if p.returncode != 0:
        sys.exit("ipfix_check: ipfixDump failed on %s: %s" % (path, p.stderr.strip()))
    recs, cur = [], None
    for line in p.stdout.splitlines():
        m = re.match(r"^\s+count: \d+\s+tid:\s+(\d+)", line)
        if m:
            cur = {"_tid": int(m.group(1))}
            recs.append(cur)
            continue
        m = FIELD_RE.match(line)
        if m and cur is not None:
            cur[m.group(2)] = m.group(3).strip()
    out = []
    for r in recs:
        if r["_tid"] not in (256, 257, 258, 259):
            continue

        def text(name):
            v = r.get(name, "")
            t = TEXT_RE.match(v)
            if not t:
                return ""
            s = t.group(2)
            if s.startswith("0x"):  # --hexdump shows strings as hex too
                return bytes.fromhex(s[2:]).decode("utf-8", "replace")
            return s

        def hexa(name):
            t = TEXT_RE.match(r.get(name, ""))
            return t.group(2)[2:].lower() if t and t.group(2).startswith("0x") else ""

        v4 = "sourceIPv4Address" in r
        n = {
            "path": int(r.get("quicPathIndex", 0)),
            "domain": int(r["observationDomainId"]),
            "label": "%016x" % int(r["quicConnectionLabel"]),
            "client": ip(r["sourceIPv4Address" if v4 else "sourceIPv6Address"]),
            "server": ip(r["destinationIPv4Address" if v4 else "destinationIPv6Address"]),
            "client_port": int(r["sourceTransportPort"]),
            "server_port": int(r["destinationTransportPort"]),
            "pkts_c2s": int(r["packetTotalCount"]), "pkts_s2c": int(r["reversePacketTotalCount"]),
            "bytes_c2s": int(r["octetTotalCount"]), "bytes_s2c": int(r["reverseOctetTotalCount"]),
            "first_ms": ms_of_date(r["flowStartMilliseconds"]),
            "last_ms": ms_of_date(r["flowEndMilliseconds"]),
            "end_reason": int(r["flowEndReason"]),
            "events": text("quicEvents"),
        }
        if n["path"]:
            n["via"] = text("quicPathVia")
        else:
            n.update({
                "d_pkts_c2s": int(r["packetDeltaCount"]),
                "d_pkts_s2c": int(r["reversePacketDeltaCount"]),
                "d_bytes_c2s": int(r["octetDeltaCount"]),
                "d_bytes_s2c": int(r["reverseOctetDeltaCount"]),
                "sni": text("quicServerName"), "alpn": text("quicAlpn"), "ja4": text("quicJa4"),
                "version": int(r["quicVersion"]), "original_dcid": hexa("quicOriginalDcid"),
                "paths": int(r["quicPathCount"]), "migrations": int(r["quicMigrations"]),
            })
        out.append(n)
    return out


def nfacctd_records(path):
    """The JSON lines of nfacctd's print plugin (contrib/ipfix/nfacctd.conf's fields)."""
    out = []
    with open(path) as f:
        for line in f:
            if not line.startswith("{"):
                continue
            r = json.loads(line)
            n = {
                "path": int(r["quic_path"]),
                "domain": int(r["obs_domain"]),
                "label": r["quic_conn"].lower().rjust(16, "0"),
                "client": ip(r["ip_src"]), "server": ip(r["ip_dst"]),
                "client_port": r["port_src"], "server_port": r["port_dst"],
                "pkts_c2s": int(r["tot_packets"]), "pkts_s2c": int(r["rev_tot_packets"]),
                "bytes_c2s": int(r["tot_bytes"]), "bytes_s2c": int(r["rev_tot_bytes"]),
                "first_ms": ms_of_date(r["timestamp_start"]),
                "last_ms": ms_of_date(r["timestamp_end"]),
                "end_reason": int(r["flow_end_reason"]),
                "events": r["quic_events"],
            }
            if n["path"]:
                n["via"] = r["quic_path_via"]
            else:
                n.update({
                    # nfacctd's own counters are the c2s deltas
                    "d_pkts_c2s": r["packets"], "d_bytes_c2s": r["bytes"],
                    "d_pkts_s2c": int(r["rev_packets"]), "d_bytes_s2c": int(r["rev_bytes"]),
                    "sni": r["quic_sni"], "alpn": r["quic_alpn"], "ja4": r["quic_ja4"],
                    "version": int(r["quic_version"], 16),
                    "original_dcid": r["quic_odcid"].replace("-", "").lower(),
                    "paths": int(r["quic_paths"]), "migrations": int(r["quic_migrations"]),
                })
            out.append(n)
    return out


# ---- the comparison ------------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--expect", action="append", required=True, metavar="DOMAIN=CONN.jsonl")
    src = ap.add_mutually_exclusive_group(required=True)
    src.add_argument("--ipfixdump", metavar="FILE")
    src.add_argument("--nfacctd", metavar="FILE")
    ap.add_argument("--xml", default=os.path.join(TOP, "contrib", "ipfix", "linkquic.xml"))
    ap.add_argument("--subset", action="store_true")
    ap.add_argument("--label", default="", help="names the run in the output")
    a = ap.parse_args()

    want = expected_records(a.expect)
    got = ipfixdump_records(a.ipfixdump, a.xml) if a.ipfixdump else nfacctd_records(a.nfacctd)
    who = a.label or ("ipfixDump" if a.ipfixdump else "nfacctd")
    conn_recs, path_recs = defaultdict(list), defaultdict(list)
    for r in got:
        if r["path"]:
            path_recs[(r["domain"], r["label"], r["path"], r["first_ms"])].append(r)
        else:
            conn_recs[(r["domain"], r["label"], r["first_ms"])].append(r)

    fails = []

    def fail(key, field, exp, act):
        fails.append("%s: domain %d conn %s (first %.3f): %s: expected %r, got %r"
                     % (who, key[0], key[1], key[-1] / 1000, field, exp, act))

    for key in sorted(conn_recs):
        if key not in want:
            fail(key, "connection", "none (not in -f conn)", "%d records" % len(conn_recs[key]))
    want_paths = {(k[0], k[1], i, ms(p["first"])) for k, r in want.items()
                  for i, p in enumerate(r["paths"], 1) if len(r["paths"]) > 1}
    for key in sorted(path_recs):
        if key not in want_paths:
            fail(key, "path %d" % key[2], "none (not in -f conn)",
                 "%d records" % len(path_recs[key]))
    compared = paths_compared = paths_lost = 0
    for key, r in sorted(want.items()):
        recs = conn_recs.get(key, [])
        if not recs:
            if not a.subset:
                fail(key, "connection", "its record", "nothing arrived")
            continue
        final = [x for x in recs if x["end_reason"] != ACTIVE_TIMEOUT]
        if len(final) != 1:
            fail(key, "records that end it", 1, len(final))
            continue
        compared += 1
        exp, act = want_conn(r), final[0]
        for f in FIELDS:
            if exp[f] != act[f]:
                fail(key, f, exp[f], act[f])
        # the delta counters of all its records add up to the totals (RFC 7012
        # deltaCounter); with --subset an update may have been lost with the
        # collector, and then they add up to less, never more
        for d in ("pkts_c2s", "pkts_s2c", "bytes_c2s", "bytes_s2c"):
            s = sum(x["d_" + d] for x in recs)
            if s != exp[d] and not (a.subset and s < exp[d]):
                fail(key, "sum of %d records' %s deltas" % (len(recs), d), exp[d], s)
        if len(r["paths"]) > 1:
            for i, p in enumerate(r["paths"], 1):
                prs = [x for x in path_recs.get((key[0], key[1], i, ms(p["first"])), [])
                       if x["end_reason"] != ACTIVE_TIMEOUT]
                if not prs and a.subset:
                    # its records may travel in another message than the
                    # connection's, lost while the collector was away
                    paths_lost += 1
                    continue
                if len(prs) != 1:
                    fail(key, "path %d records that end it" % i, 1, len(prs))
                    continue
                pe = want_path(p)
                for f in PATH_FIELDS:
                    if pe[f] != prs[0][f]:
                        fail(key, "path %d %s" % (i, f), pe[f], prs[0][f])
                paths_compared += 1
    for line in fails[:60]:
        print("FAIL " + line)
    if len(fails) > 60:
        print("FAIL ... and %d more" % (len(fails) - 60))
    if a.subset and not compared:
        print("FAIL %s: no connection arrived" % who)
        fails.append("none")
    print("%s: %d of %d connections compared (%d path records%s), %d records received, "
          "%d differences" % (who, compared, len(want), paths_compared,
                              ", %d not arrived" % paths_lost if paths_lost else "",
                              len(got), len(fails)))
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
