#!/usr/bin/env python3
"""Ground truth for QUIC captures: which QUIC connection each frame belongs to.

Usage:
    tests/groundtruth.py FILE.pcap [FILE.keys]     truth, one line per frame
    tests/groundtruth.py --tshark FILE.pcap [KEYS]  tshark's numbering, with keys
    tests/groundtruth.py --nokeys FILE.pcap         tshark's numbering, no keys
    tests/groundtruth.py --compare FILE.pcap [KEYS] truth against both of those
    --decode-as SPEC (any mode, repeatable) passes "-d SPEC" to tshark, e.g.
    udp.port==443,quic: tshark then dissects every datagram on that port as
    QUIC instead of leaving it to its heuristic (see "Decode-as" below)

Output: one line per frame of the capture, "frame<TAB>truth", where truth is
a connection number (0, 1, ... in order of each connection's first frame) or
"-" for a frame that carries no QUIC packet.  --compare prints a summary.

Keys: FILE.keys is a TLS key log (SSLKEYLOGFILE format).  Without it the
script uses FILE.keys beside the capture if there is one; a pcapng capture
may instead carry its secrets in a Decryption Secrets Block, which tshark
reads by itself.  --nokeys hides both (the key log is not passed, and the
DSB blocks are left out of a temporary copy of the capture).

How the truth is built
----------------------
tshark (with keys) supplies, per frame: the UDP payload, whether any QUIC
frame was decrypted in it, the connection IDs issued in decrypted
NEW_CONNECTION_ID frames, and the connection ID of a decrypted
preferred_address transport parameter.  The headers themselves are parsed
here, from the payload (RFC 8999/9000 invariants; coalesced long-header
packets are walked for QUIC v1 and v2).  Connection IDs are then grouped
with a union-find:

1. A long-header packet in a frame that tshark decrypted is genuine: its DCID
   and SCID belong to one connection (this joins the client's first DCID, the
   client's SCID and the server's SCID; after a Retry, the Retry's SCID too).
2. A long-header packet answering an earlier one (its DCID is that packet's
   SCID and it travels the reverse 4-tuple) is genuine too, decrypted or not:
   only a QUIC peer echoes connection IDs.  This covers Version Negotiation
   and Retry, and versions tshark cannot decrypt (QUIC v2 draft 0x709a50c4
   in tshark 4.0).
3. A long-header packet whose DCID or SCID is already known joins that
   connection.
4. CIDs from NEW_CONNECTION_ID frames and from preferred_address join the
   connection of the frame that carried them.
5. A short-header packet belongs to the connection whose known CID is a
   prefix of the bytes after its first byte (the DCID length is not on the
   wire; ngtcp2's 17/18-byte random CIDs make a false match impossible in
   practice).  Where a peer uses a zero-length CID, short-header packets
   sent to that peer's address and port belong to its connection (the
   address and port stand in for the empty CID throughout).

Steps 3-5 repeat until nothing changes (CIDs are learnt before they are
used, so this settles in one or two passes).

6. In a connection whose 1-RTT packets tshark decrypted (its keys are in the
   key log or the capture), a frame also has to decrypt, unless it is a
   Version Negotiation or Retry packet, which carry nothing encrypted.  With
   keys, decryption is the proof: a CID match alone is not (a 1-byte CID
   matches one random datagram in 256).  Connections without keys rest on
   steps 1-5 alone.

A frame whose first QUIC packet matches no genuine connection is "-":
garbage that merely looks like QUIC (a version-1 long header with random
bytes fails decryption and is never answered) stays out.  An IP datagram in
fragments is labelled on the frame where tshark reassembles it; a frame cut
short before the end of its CIDs is "-".  ICMP and ICMPv6 frames are always "-", in every
mode, although tshark dissects the QUIC packet quoted inside an ICMP error
and gives it a connection number: the frame is not a QUIC packet.

Decode-as: tshark 4.0's heuristic does not always take a short header for
QUIC when its DCID came from the preferred_address transport parameter and it
is sent elsewhere than to the preferred address (ngtcp2 clients use that CID
for a later port or address change).  In one run of pcaps/make-crowd.sh it
left all 69 datagrams of such an address change undissected, even with keys,
so the truth missed them; in other runs it dissected the same kind of path.
Dissected as QUIC by port, they decrypt (tshark finds their connection by
the CID), and the rules above label them.  A datagram that does not decrypt stays "-" (rule
6); on every capture in pcaps/ngtcp2 --decode-as udp.port==443,quic gives
the committed truth unchanged.

Why not just tshark's quic.connection.number: with keys it follows ngtcp2's
migrations (port change, address change, NAT rebinding, preferred address),
and on the captures in pcaps/ngtcp2 it agrees with this truth frame for frame
(--compare checks that), but it cannot dissect versions it does not know
(v2draft.pcap), misses 0-RTT packets that arrive before their Initial, and
labels ICMP errors.  Without keys it loses every packet sent with a CID
it never saw in a long header, which is what --nokeys is for measuring.
"""

import argparse
import os
import subprocess
import sys
import tempfile

FIELDS = [
    "frame.number",
    "frame.protocols",
    "ip.src", "ip.dst", "ipv6.src", "ipv6.dst",
    "udp.srcport", "udp.dstport",
    "udp.payload",
    "quic.frame_type",
    "quic.nci.connection_id",
    "tls.quic.parameter.preferred_address.connectionid",
    "quic.connection.number",
]

# Versions whose long headers carry a Length field laid out as in RFC 9000,
# with the Retry and Initial packet type codes (long packet type bits).
V1_TYPES = {"initial": 0, "retry": 3}
V2_TYPES = {"initial": 1, "retry": 0}  # RFC 9369 section 3.2; also the drafts
V2_VERSIONS = {0x6B3343CF, 0x709A50C4, 0xFF020000}


def die(msg):
    print("groundtruth.py: " + msg, file=sys.stderr)
    sys.exit(1)


DECODE_AS = []  # tshark "-d" rules (--decode-as)


def run_tshark(pcap, keys, fields):
    cmd = ["tshark", "-n", "-r", pcap, "-T", "fields", "-E", "separator=/t",
           "-E", "occurrence=a", "-E", "aggregator=,"]
    for d in DECODE_AS:
        cmd += ["-d", d]
    if keys:
        cmd += ["-o", "tls.keylog_file:" + keys]
    for f in fields:
        cmd += ["-e", f]
    try:
        res = subprocess.run(cmd, capture_output=True, text=True)
    except FileNotFoundError:
        die("tshark not found (Debian package tshark)")
    if res.returncode != 0:
        last = (res.stderr.strip().splitlines() or ["exit code %d" % res.returncode])[-1]
        if not res.stdout:
            die("tshark failed on '%s': %s" % (pcap, last))
        # A capture cut short still has its first frames; say so and go on.
        print("groundtruth.py: warning: %s" % last, file=sys.stderr)
    rows = []
    for line in res.stdout.splitlines():
        parts = line.split("\t")
        parts += [""] * (len(fields) - len(parts))
        rows.append(dict(zip(fields, parts)))
    return rows


def values(s):
    return [v for v in s.split(",") if v] if s else []


def read_varint(b, off):
    if off >= len(b):
        return None, off
    n = 1 << (b[off] >> 6)
    if off + n > len(b):
        return None, off
    v = b[off] & 0x3F
    for i in range(1, n):
        v = (v << 8) | b[off + i]
    return v, off + n


def parse_packets(payload):
    """Split a UDP payload into QUIC packets, as far as headers allow.

    Returns a list of dicts: {"long": True, "version", "type", "dcid", "scid"}
    for long headers, {"long": False, "rest": bytes} for a short header (the
    bytes after the first byte; its DCID length is not on the wire).
    """
    pkts = []
    off = 0
    for _ in range(16):  # coalesced packets, bounded
        if off >= len(payload):
            break
        b0 = payload[off]
        if not b0 & 0x80:
            pkts.append({"long": False, "rest": payload[off + 1:]})
            break
        if off + 6 > len(payload):
            break
        version = int.from_bytes(payload[off + 1:off + 5], "big")
        p = off + 5
        dcil = payload[p]
        p += 1
        if dcil > 255 or p + dcil >= len(payload):
            break
        dcid = payload[p:p + dcil]
        p += dcil
        scil = payload[p]
        p += 1
        if p + scil > len(payload):
            break
        scid = payload[p:p + scil]
        p += scil
        ptype = (b0 >> 4) & 3
        if version == 1:
            types = V1_TYPES
        elif version in V2_VERSIONS:
            types = V2_TYPES
        else:
            types = None
        # Version Negotiation and Retry are the packets that carry no
        # encrypted payload.
        clear = version == 0 or (types is not None and ptype == types["retry"])
        pkts.append({"long": True, "version": version, "type": ptype,
                     "dcid": dcid.hex(), "scid": scid.hex(), "clear": clear})
        # Walk on to a coalesced packet only where the layout is known.
        if types is None or clear:
            break
        if ptype == types["initial"]:
            toklen, p = read_varint(payload, p)
            if toklen is None:
                break
            p += toklen
        length, p = read_varint(payload, p)
        if length is None:
            break
        off = p + length
    return pkts


class UnionFind:
    def __init__(self):
        self.parent = {}

    def find(self, x):
        self.parent.setdefault(x, x)
        root = x
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[x] != root:
            self.parent[x], x = root, self.parent[x]
        return root

    def union(self, a, b):
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return False
        self.parent[max(ra, rb)] = min(ra, rb)
        return True


def frame_rows(pcap, keys):
    rows = run_tshark(pcap, keys, FIELDS)
    frames = []
    for r in rows:
        protos = r["frame.protocols"].split(":")
        icmp = "icmp" in protos or "icmpv6" in protos
        src = (values(r["ip.src"]) or values(r["ipv6.src"]) or [""])[0]
        dst = (values(r["ip.dst"]) or values(r["ipv6.dst"]) or [""])[0]
        payload = r["udp.payload"].split(",")[0] if r["udp.payload"] else ""
        f = {
            "no": int(r["frame.number"]),
            "icmp": icmp,
            "udp": "udp" in protos and not icmp and bool(payload),
            "src": (src, r["udp.srcport"].split(",")[0]),
            "dst": (dst, r["udp.dstport"].split(",")[0]),
            "decrypted": bool(r["quic.frame_type"]),
            "ncids": values(r["quic.nci.connection_id"]),
            "pacids": values(r["tls.quic.parameter.preferred_address.connectionid"]),
            "tshark": sorted(set(values(r["quic.connection.number"])), key=int),
            "pkts": [],
        }
        if f["udp"]:
            try:
                f["pkts"] = parse_packets(bytes.fromhex(payload.replace(":", "")))
            except ValueError:
                f["pkts"] = []
        frames.append(f)
    return frames


def build_truth(frames):
    """Per-frame connection numbers from CIDs, following the rules above."""
    uf = UnionFind()
    genuine = set()  # keys proven to belong to a real connection

    # A CID is named "c:HEX".  A zero-length CID says nothing by itself: the
    # endpoint that chose it is then named by its address and port, "e:...".
    def dkey(f, p):
        return "c:" + p["dcid"] if p["dcid"] else "e:%s:%s" % f["dst"]

    def skey(f, p):
        return "c:" + p["scid"] if p["scid"] else "e:%s:%s" % f["src"]

    longs = [(f, p) for f in frames if f["udp"] for p in f["pkts"] if p["long"]]

    # Rule 1: long headers in frames that tshark decrypted.
    for f, p in longs:
        if f["decrypted"]:
            uf.union(dkey(f, p), skey(f, p))
            genuine.update((dkey(f, p), skey(f, p)))
    # Rule 2: a long header that echoes, as its DCID, the SCID of an earlier
    # one sent the other way on the same 4-tuple.
    sent = {}
    for f, p in longs:
        q = sent.get((p["dcid"], f["dst"], f["src"]))
        if q is not None:
            qf, qp = q
            uf.union(dkey(qf, qp), skey(qf, qp))
            uf.union(skey(qf, qp), skey(f, p))
            genuine.update((dkey(qf, qp), skey(qf, qp), skey(f, p)))
        sent.setdefault((p["scid"], f["src"], f["dst"]), (f, p))

    state = {}

    def refresh():
        roots = {uf.find(g) for g in genuine}
        state["known"] = {k for k in uf.parent if uf.find(k) in roots}
        state["cids"] = [k[2:] for k in state["known"] if k.startswith("c:")]

    def classify(f):
        """Root of the connection of the frame's first packet, or None."""
        if not f["udp"] or not f["pkts"]:
            return None
        p = f["pkts"][0]
        known = state["known"]
        if p["long"]:
            for k in (dkey(f, p), skey(f, p)):
                if k in known:
                    return uf.find(k)
            return None
        rest = p["rest"].hex()
        best = None
        for c in state["cids"]:
            if rest.startswith(c) and (best is None or len(c) > len(best)):
                best = c
        if best is not None:
            return uf.find("c:" + best)
        k = "e:%s:%s" % f["dst"]
        return uf.find(k) if k in known else None

    for _ in range(8):  # settles in one or two passes
        refresh()
        changed = False
        for f in frames:
            # Rule 3: long headers touching a known connection.
            for p in f["pkts"]:
                if p["long"] and (dkey(f, p) in state["known"] or skey(f, p) in state["known"]):
                    if uf.union(dkey(f, p), skey(f, p)):
                        changed = True
            r = classify(f)
            if r is None:
                continue
            # Rule 4: CIDs issued inside this connection.
            for c in f["ncids"] + f["pacids"]:
                c = c.replace(":", "")
                if c and uf.union(r, "c:" + c):
                    changed = True
                    refresh()
        if not changed:
            break
    refresh()

    # Rule 6: in a connection whose 1-RTT packets tshark could decrypt, a
    # frame needs decryption (or to be VN/Retry) as well as a CID match.
    keyed = set()
    for f in frames:
        if f["decrypted"] and f["pkts"] and not f["pkts"][0]["long"]:
            r = classify(f)
            if r is not None:
                keyed.add(r)

    def classify_checked(f):
        r = classify(f)
        if r in keyed and not f["decrypted"] and not f["pkts"][0].get("clear"):
            return None
        return r

    if not keyed:
        print("groundtruth.py: warning: no 1-RTT packet was decrypted (no keys, or a "
              "version tshark cannot decrypt): short-header packets that use CIDs "
              "issued in encrypted frames are left as '-'", file=sys.stderr)

    numbers = {}
    out = []
    for f in frames:
        r = classify_checked(f)
        if r is None:
            out.append((f["no"], "-"))
            continue
        if r not in numbers:
            numbers[r] = len(numbers)
        out.append((f["no"], str(numbers[r])))
    return out


def tshark_numbering(frames):
    out = []
    for f in frames:
        if f["icmp"] or not f["tshark"]:
            out.append((f["no"], "-"))
        else:
            out.append((f["no"], ",".join(f["tshark"])))
    return out


def strip_secrets(pcap, tmpdir):
    """Copy of a pcapng capture without its Decryption Secrets Blocks.

    Blocks are copied unchanged except type 0x0000000A (DSB); a plain pcap
    file cannot hold secrets and is used as it is.  (editcap
    --discard-all-secrets does the same but refuses some link types.)
    """
    with open(pcap, "rb") as fh:
        data = fh.read()
    if data[:4] != b"\x0a\x0d\x0d\x0a":
        return pcap
    out = bytearray()
    off = 0
    order = "little"
    while off + 12 <= len(data):
        if data[off:off + 4] == b"\x0a\x0d\x0d\x0a":
            # Section Header Block: its byte-order magic sets the order.
            order = "little" if data[off + 8:off + 12] == b"\x4d\x3c\x2b\x1a" else "big"
        btype = int.from_bytes(data[off:off + 4], order)
        blen = int.from_bytes(data[off + 4:off + 8], order)
        if blen < 12 or blen % 4 or off + blen > len(data):
            die("malformed pcapng block at offset %d in '%s'" % (off, pcap))
        if btype != 0x0000000A:
            out += data[off:off + blen]
        off += blen
    path = os.path.join(tmpdir, "nokeys.pcapng")
    with open(path, "wb") as fh:
        fh.write(out)
    return path


def agreement(truth, other):
    """Summary of how labelling `other` matches `truth` (labels are arbitrary)."""
    t_of = dict(truth)
    o_of = dict(other)
    quic_t = {n for n, v in truth if v != "-"}
    quic_o = {n for n, v in other if v != "-"}
    conns_t = {v for v in t_of.values() if v != "-"}
    conns_o = {v for v in o_of.values() if v != "-"}
    # Each truth connection should map to exactly one label of other, and no
    # label of other should cover two truth connections.
    by_t = {}
    by_o = {}
    for n in quic_t & quic_o:
        by_t.setdefault(t_of[n], set()).add(o_of[n])
        by_o.setdefault(o_of[n], set()).add(t_of[n])
    split = sorted((t for t, s in by_t.items() if len(s) > 1), key=int)
    merged = sorted((o for o, s in by_o.items() if len(s) > 1))
    # Frames labelled with the label that the majority of their truth
    # connection got count as right.
    majority = {}
    for t in by_t:
        counts = {}
        for n in quic_t & quic_o:
            if t_of[n] == t:
                counts[o_of[n]] = counts.get(o_of[n], 0) + 1
        majority[t] = max(counts, key=counts.get)
    right = sum(1 for n in quic_t & quic_o if majority.get(t_of[n]) == o_of[n])
    return {
        "connections": len(conns_o),
        "truth_connections": len(conns_t),
        "quic_frames": len(quic_o),
        "truth_quic_frames": len(quic_t),
        "missed_frames": len(quic_t - quic_o),
        "extra_frames": len(quic_o - quic_t),
        "right_frames": right,
        "split_connections": split,
        "merged_labels": merged,
    }


def main():
    ap = argparse.ArgumentParser(
        description="Per-frame QUIC connection ground truth for a capture.",
        epilog="examples:\n"
               "  tests/groundtruth.py pcaps/ngtcp2/migration.pcap pcaps/ngtcp2/migration.keys\n"
               "  tests/groundtruth.py --nokeys pcaps/ngtcp2/migration.pcap\n"
               "  tests/groundtruth.py --compare pcaps/ngtcp2/migration.pcap",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    mode = ap.add_mutually_exclusive_group()
    mode.add_argument("--nokeys", action="store_true",
                      help="print tshark's own connection numbering without any keys")
    mode.add_argument("--tshark", action="store_true",
                      help="print tshark's connection numbering with the keys")
    mode.add_argument("--compare", action="store_true",
                      help="summarise tshark with and without keys against the truth")
    ap.add_argument("--decode-as", action="append", default=[], metavar="SPEC",
                    help="pass '-d SPEC' to tshark (e.g. udp.port==443,quic); repeatable")
    ap.add_argument("pcap")
    ap.add_argument("keys", nargs="?")
    a = ap.parse_args()
    DECODE_AS.extend(a.decode_as)

    if not os.path.isfile(a.pcap):
        die("cannot read capture '%s'" % a.pcap)
    keys = a.keys
    if keys is None:
        base = a.pcap
        for ext in (".pcapng", ".pcap"):
            if base.endswith(ext):
                base = base[:-len(ext)]
                break
        if os.path.isfile(base + ".keys"):
            keys = base + ".keys"
    elif not os.path.isfile(keys):
        die("cannot read key log '%s'" % keys)

    if a.nokeys:
        with tempfile.TemporaryDirectory() as tmp:
            frames = frame_rows(strip_secrets(a.pcap, tmp), None)
        result = tshark_numbering(frames)
    else:
        frames = frame_rows(a.pcap, keys)
        if a.tshark:
            result = tshark_numbering(frames)
        else:
            result = build_truth(frames)
            if a.compare:
                with tempfile.TemporaryDirectory() as tmp:
                    bare = frame_rows(strip_secrets(a.pcap, tmp), None)
                print("frames\t%d" % len(result))
                for name, other in (("tshark+keys", tshark_numbering(frames)),
                                    ("tshark-nokeys", tshark_numbering(bare))):
                    s = agreement(result, other)
                    print("%s\tconnections %d (truth %d)\tquic frames %d (truth %d)\t"
                          "missed %d\textra %d\tright %d\tsplit %s\tmerged %s" % (
                              name, s["connections"], s["truth_connections"],
                              s["quic_frames"], s["truth_quic_frames"],
                              s["missed_frames"], s["extra_frames"], s["right_frames"],
                              ",".join(s["split_connections"]) or "-",
                              ",".join(s["merged_labels"]) or "-"))
                return
    try:
        for no, v in result:
            sys.stdout.write("%d\t%s\n" % (no, v))
    except BrokenPipeError:
        pass


if __name__ == "__main__":
    main()
