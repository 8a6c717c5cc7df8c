#!/usr/bin/env python3
"""tests/e2e_live_compare.py - tests/e2e_live.sh's check: live records against the
replay of a capture of the same interfaces."""
import json, re, struct, subprocess, sys

def read_pcap(path):
    """Frames of a pcap file: [(ts_ns, bytes)]."""
    with open(path, "rb") as f:
        data = f.read()
    magic = struct.unpack("<I", data[:4])[0]
    if magic in (0xa1b2c3d4, 0xa1b23c4d):
        e = "<"
    else:
        e = ">"
        magic = struct.unpack(">I", data[:4])[0]
    scale = 1 if magic == 0xa1b23c4d else 1000
    out, off = [], 24
    while off + 16 <= len(data):
        s, sub, incl, orig = struct.unpack(e + "IIII", data[off:off + 16])
        out.append((s * 1000000000 + sub * scale, data[off + 16:off + 16 + incl]))
        off += 16 + incl
    return out

def read_pcapng(path):
    """(interfaces [(name, description)], packets [(ifid, ts_ns, bytes)])"""
    with open(path, "rb") as f:
        data = f.read()
    ifs, pkts, off = [], [], 0
    while off + 12 <= len(data):
        btype, blen = struct.unpack("<II", data[off:off + 8])
        body = data[off + 8:off + blen - 4]
        if btype == 1:
            opts, name, descr, o = body[8:], "", "", 0
            while o + 4 <= len(opts):
                code, l = struct.unpack("<HH", opts[o:o + 4])
                v = opts[o + 4:o + 4 + l]
                if code == 2:
                    name = v.decode()
                elif code == 3:
                    descr = v.decode()
                elif code == 0:
                    break
                o += 4 + (l + 3) // 4 * 4
            ifs.append((name, descr))
        elif btype == 6:
            ifid, hi, lo, cap, orig = struct.unpack("<IIIII", body[:20])
            pkts.append((ifid, (hi << 32) | lo, body[20:20 + cap]))
        off += blen
    return ifs, pkts

def write_pcap(path, frames):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xa1b23c4d, 2, 4, 0, 0, 262144, 1))
        for ts, b in frames:
            f.write(struct.pack("<IIII", ts // 1000000000, ts % 1000000000, len(b), len(b)))
            f.write(b)

def housekeeping(frame):
    # IPv6 multicast (MLD reports after a link comes up): sent at any time,
    # also before a monitor or a capture started. Left out on both sides.
    return frame[:2] == b"\x33\x33"

def same_wire(snap, frame, gso):
    """Is the monitor's snapshot (maybe cut) the captured frame? A GSO segment's
    snapshot is rebuilt from the super-packet's headers: the fields that
    segmentation rewrites (IPv4 identification and header checksum, UDP
    checksum) are not compared."""
    if len(snap) > len(frame):
        return False
    frame = frame[:len(snap)]
    if gso and len(snap) >= 14:
        a, b = bytearray(snap), bytearray(frame)
        et = a[12:14]
        l4 = None
        if et == b"\x08\x00" and len(a) >= 34:
            l4 = 14 + (a[14] & 15) * 4
            masked = [18, 19, 24, 25]
        elif et == b"\x86\xdd":
            l4, masked = 54, []
        if l4 is not None:
            masked += [l4 + 6, l4 + 7]
            for i in masked:
                if i < len(a):
                    a[i] = b[i] = 0
        snap, frame = bytes(a), bytes(b)
    return snap == frame

def hexdump(b, indent="      "):
    lines = []
    for i in range(0, min(len(b), 256), 16):
        chunk = b[i:i + 16]
        lines.append("%s%04x  %-48s %s" % (indent, i, " ".join("%02x" % c for c in chunk),
                     "".join(chr(c) if 32 <= c < 127 else "." for c in chunk)))
    return "\n".join(lines)

COMPARED = ["verdict", "reason", "event", "conn", "dir", "src", "sport", "dst", "dport",
            "len", "udp_len", "version", "type", "types", "packets", "dcid", "scid", "flags"]

def flags_wire(v):
    # gso_segment says how the kernel got the packet, not what it is
    parts = [p for p in (v or "").split("+") if p and p != "gso_segment"]
    return "+".join(parts) or None

def field(rec, k):
    return flags_wire(rec.get(k)) if k == "flags" else rec.get(k)

def show(rec):
    return json.dumps({k: rec.get(k) for k in ["frame", "iface", "hook"] + COMPARED})

def table_rows(text):
    """Connection table rows without START and SECONDS: {first column: rest}."""
    rows, seen = [], False
    for line in text.splitlines():
        if line.startswith("CONN"):
            seen = True
            continue
        if not seen:
            continue
        if not line.strip():
            break
        cols = line.split()
        # ... BYTES< [DATE] START SECONDS [PATHS] EVENTS (COLUMNS=300: every
        # column): drop the date, the time of day and the duration
        t = next(i for i, c in enumerate(cols) if re.match(r"^\d\d:\d\d:\d\d\.\d{3}$", c))
        d = t - 1 if t and re.match(r"^\d{4}-\d\d-\d\d$", cols[t - 1]) else t
        rows.append(" ".join(cols[:d] + cols[t + 2:]))
    return rows

# Per-connection records: the fields that may differ between the monitor's and
# the replay's, and why. "ended": the monitor stopped ("exit"), the capture
# ended ("end_of_input"). Times: the monitor's are the kernel's clock at the
# hook, the replay's tcpdump's at its tap, microseconds apart.
CONN_ENDED = {"exit": "end_of_input"}
CONN_TIMES = {"first", "last"}
CONN_RTTS = {"rtt_server_ns", "rtt_client_ns", "handshake_rtt_ns"}
TIME_SLACK_NS = 50000000


def ns_of(v):
    """A record's time (seconds with 9 decimals, as text in the JSON) in ns."""
    s, _, f = ("%s" % v).partition(".")
    return int(s) * 1000000000 + int((f + "000000000")[:9])


def conn_differences(l, r, where=""):
    """The fields where two per-connection records (or two of their paths)
    differ beyond what may: [(field, live, replay)]."""
    out = []
    for k in sorted(set(l) | set(r)):
        a, b = l.get(k), r.get(k)
        if k == "ended" and CONN_ENDED.get(a) == b:
            continue
        if k in CONN_TIMES and a is not None and b is not None:
            if abs(ns_of(a) - ns_of(b)) <= TIME_SLACK_NS:
                continue
        elif k in CONN_RTTS and a is not None and b is not None:
            if abs(a - b) <= TIME_SLACK_NS:
                continue
        elif k == "paths" and isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
            for i, (pa, pb) in enumerate(zip(a, b)):
                out += conn_differences(pa, pb, "%spaths[%d]." % (where, i))
            continue
        if a != b:
            out.append((where + k, a, b))
    return out


def read_conn_records(text):
    """Per-connection records, exact times kept as text (JSON numbers with 9
    decimals would lose nanoseconds as floats)."""
    return [json.loads(l, parse_float=str) for l in text.splitlines() if l.strip()]


def compare_conns(name, replay, merged, connfile):
    """5. the monitor's per-connection records are the replay's."""
    live = read_conn_records(open(connfile).read())
    out = subprocess.run([replay, "-f", "conn", merged], capture_output=True, text=True)
    if out.returncode != 0:
        print("  FAIL %s: replay -f conn exited with %d: %s" % (name, out.returncode,
                                                              out.stderr.strip()))
        return False
    rep = read_conn_records(out.stdout)
    lb = {c["conn"]: c for c in live}
    rb = {c["conn"]: c for c in rep}
    ok = True
    if set(lb) != set(rb) or len(lb) != len(live) or len(rb) != len(rep):
        print("  FAIL %s: per-connection records: %d live (%d labels), %d replayed (%d labels); "
              "only live: %s; only replayed: %s" % (name, len(live), len(lb), len(rep), len(rb),
                                                     sorted(set(lb) - set(rb)),
                                                     sorted(set(rb) - set(lb))))
        ok = False
    named = 0
    for c in sorted(set(lb) & set(rb)):
        d = conn_differences(lb[c], rb[c])
        named += 1 if lb[c].get("sni") else 0
        for k, a, b in d:
            ok = False
            print("  FAIL %s: connection %s: %s live %s, replayed %s" % (name, c, k, json.dumps(a),
                                                                     json.dumps(b)))
    print("  %s: %d per-connection records live, %d replayed, %d with an SNI; %s" %
          (name, len(live), len(rep), named, "the same (ended and times aside)" if ok else "DIFFER"))
    if ok and not named:
        print("  FAIL %s: no connection has an SNI: the Initials did not reach user space" % name)
        ok = False
    return ok


def flow_of(frame):
    """The UDP 4-tuple of an Ethernet frame (IPv4 or IPv6), else None."""
    if len(frame) < 14:
        return None
    et = frame[12:14]
    if et == b"\x08\x00" and len(frame) >= 34 and frame[23] == 17:
        u = 14 + (frame[14] & 15) * 4
        return (frame[26:30], frame[30:34], frame[u:u + 4])
    if et == b"\x86\xdd" and len(frame) >= 62 and frame[20] == 17:
        return (frame[22:38], frame[38:54], frame[54:58])
    return None


def by_flow(mine, cap, pkts, gso):
    """The live records paired with the captured frames flow by flow, in each
    flow's order: [(live index, capture ts, capture bytes)] in capture order,
    or None when a flow's frames differ."""
    queues = {}
    for i in mine:
        queues.setdefault(flow_of(pkts[i][2]), []).append(i)
    pairs = []
    for ts, b in cap:
        q = queues.get(flow_of(b))
        if not q or not same_wire(pkts[q[0]][2], b, gso(q[0])):
            return None
        pairs.append((q.pop(0), ts, b))
    return pairs


def main():
    name, replay, pcapng, jsonl, errfile, merged = sys.argv[1:7]
    streams = dict(a.split("=", 1) for a in sys.argv[7:])  # "iface/hook" -> capture file
    connfile = streams.pop("conn", None)  # the monitor's --conn-file
    ok = True
    ifs, pkts = read_pcapng(pcapng)
    recs = [json.loads(l) for l in open(jsonl)]
    err = open(errfile).read()
    if len(recs) != len(pkts):
        print("  FAIL %s: %d records but %d packets in --write" % (name, len(recs), len(pkts)))
        return 1
    for i, (r, p) in enumerate(zip(recs, pkts)):
        if (r["iface"], r["hook"]) != ifs[p[0]]:
            print("  FAIL %s: record %d is %s/%s, its --write packet %s/%s" %
                  (name, i + 1, r["iface"], r["hook"], *ifs[p[0]]))
            return 1
    # 1. per interface and direction: the capture's frames are the reported ones
    live = {}
    for i, (r, p) in enumerate(zip(recs, pkts)):
        if not housekeeping(p[2]):
            live.setdefault("%s/%s" % (r["iface"], r["hook"]), []).append(i)
    order = []  # (live index, capture ts, capture bytes)
    for key, capfile in sorted(streams.items()):
        cap = [f for f in read_pcap(capfile) if not housekeeping(f[1])]
        mine = live.get(key, [])
        n = min(len(cap), len(mine))
        gso = lambda i: "gso_segment" in (recs[i]["flags"] or "")
        bad = next((j for j in range(n)
                    if not same_wire(pkts[mine[j]][2], cap[j][1], gso(mine[j]))), None)
        if bad is None and len(cap) != len(mine):
            bad = n
        if bad is not None and len(cap) == len(mine):
            # Packets of several flows handled on both CPUs may reach the hook
            # and the tap that tcpdump reads in other orders: on the way out
            # the qdisc sits between tc egress and the tap, on the way in each
            # CPU's backlog of a veth feeds XDP and the tap, and the ring
            # buffer interleaves the CPUs' records. Each flow keeps its order.
            pairs = by_flow(mine, cap, pkts, gso)
            if pairs is not None:
                moved = sum(1 for j, (i, _, _) in enumerate(pairs) if i != mine[j])
                print("  %-22s %6d frames captured = %6d reported (%d in another order across "
                      "flows, each flow's own order kept)" % (key, len(cap), len(mine), moved))
                order += pairs
                continue
        if bad is not None:
            ok = False
            print("  FAIL %s %s: the capture (%d frames) and the records (%d) part at frame %d" %
                  (name, key, len(cap), len(mine), bad + 1))
            if bad < len(mine):
                print("    live record: " + show(recs[mine[bad]]))
                print(hexdump(pkts[mine[bad]][2]))
            if bad < len(cap):
                print("    captured frame %d:" % (bad + 1))
                print(hexdump(cap[bad][1]))
            continue
        print("  %-22s %6d frames captured = %6d reported" % (key, len(cap), len(mine)))
        order += [(mine[j], cap[j][0], cap[j][1]) for j in range(n)]
    extra = set(live) - set(streams)
    if extra:
        print("  FAIL %s: records from hooks nobody captured: %s" %
              (name, ", ".join(sorted(extra))))
        ok = False
    if not ok:
        return 1
    # 2. the capture replayed in the monitor's order gives the live records
    order.sort()
    inversions = sum(1 for a, b in zip(order, order[1:]) if b[1] < a[1])
    write_pcap(merged, [(ts, b) for _, ts, b in order])
    out = subprocess.run([replay, "--stream", "-f", "jsonl", merged], capture_output=True, text=True)
    if out.returncode != 0:
        print("  FAIL %s: replay exited with %d: %s" % (name, out.returncode, out.stderr.strip()))
        return 1
    rep = [json.loads(l) for l in out.stdout.splitlines()]
    if len(rep) != len(order):
        print("  FAIL %s: replay gave %d records for %d frames" % (name, len(rep), len(order)))
        return 1
    differ = 0
    for (i, _, frame), r in zip(order, rep):
        l = recs[i]
        d = [k for k in COMPARED if field(l, k) != field(r, k)]
        if d:
            differ += 1
            if differ == 1:
                print("  FAIL %s: live and replay differ (%s) first at live record %d, "
                      "replayed frame %d:" % (name, ", ".join(d), i + 1, r["frame"]))
                print("    live:   " + show(l))
                print("    replay: " + show(r))
                print(hexdump(frame))
    if inversions:
        # For the record: the capture's own order across interfaces, and what
        # it changes (not a failure: that order is not the kernel's).
        bytime = sorted(order, key=lambda x: (x[1], x[0]))
        write_pcap(merged + ".bytime", [(ts, b) for _, ts, b in bytime])
        out2 = subprocess.run([replay, "--stream", "-f", "jsonl", merged + ".bytime"],
                              capture_output=True, text=True)
        rep2 = [json.loads(l) for l in out2.stdout.splitlines()]
        n2 = sum(1 for (i, _, _), r in zip(bytime, rep2)
                 if any(field(recs[i], k) != field(r, k) for k in COMPARED))
        print("  %s: (replayed in capture-time order instead, %d records would differ)" %
              (name, n2))
    conns_live = {r["conn"] for r in recs if r["conn"]}
    conns_rep = {r["conn"] for r in rep if r["conn"]}
    print("  %s: %d packets replayed in live order (%d pairs in the other order by capture time), "
          "%d differ" % (name, len(rep), inversions, differ))
    if differ:
        ok = False
    # 3. the same connections, the same table
    tab = subprocess.run([replay, merged], capture_output=True, text=True).stdout
    tl, tr = table_rows(err), table_rows(tab)
    nconn = lambda rows: sum(1 for x in rows if not x.startswith("path "))
    print("  %s: %d connections live, %d replayed (labels in records: %d live, %d replayed)" %
          (name, nconn(tl), nconn(tr), len(conns_live), len(conns_rep)))
    if tl != tr or conns_live != conns_rep:
        ok = False
        print("  FAIL %s: connection tables differ" % name)
        print("    live:\n      " + "\n      ".join(tl))
        print("    replay:\n      " + "\n      ".join(tr))
    # 4. nothing lost: every packet the programs saw has its record
    m = re.search(r"^(\d+) frames\b", err, re.M)
    l = re.search(r"\((\d+) delivered, (\d+) lost\)", err)
    if not m or not l:
        print("  FAIL %s: no summary in the monitor's output" % name)
        return 1
    seen, delivered, lost = int(m.group(1)), int(l.group(1)), int(l.group(2))
    print("  %s: programs saw %d packets, %d records delivered, %d lost" %
          (name, seen, delivered, lost))
    if lost or seen != delivered or delivered != len(recs) or "dropped:" in err:
        ok = False
        print("  FAIL %s: lost or dropped packets" % name)
    # 5. the same per-connection records
    if connfile and not compare_conns(name, replay, merged, connfile):
        ok = False
    return 0 if ok else 1

def same_frames(args):
    """sent = received: two captures of the two ends of a link, frame for frame."""
    a = [f for _, f in read_pcap(args[0]) if not housekeeping(f)]
    b = [f for _, f in read_pcap(args[1]) if not housekeeping(f)]
    if a == b:
        print("  %d frames sent, %d received, the same" % (len(a), len(b)))
        return 0
    # Sockets sending from both CPUs reach the peer of a veth through each CPU's
    # backlog, so flows may interleave otherwise there; each flow keeps its order.
    flows_a, flows_b = {}, {}
    for f in a:
        flows_a.setdefault(flow_of(f), []).append(f)
    for f in b:
        flows_b.setdefault(flow_of(f), []).append(f)
    if len(a) == len(b) and flows_a == flows_b:
        moved = sum(1 for x, y in zip(a, b) if x != y)
        print("  %d frames sent, %d received, the same, flow by flow (%d in another order "
              "across flows)" % (len(a), len(b), moved))
        return 0
    n = next((i for i in range(min(len(a), len(b))) if a[i] != b[i]), min(len(a), len(b)))
    print("  FAIL %d frames sent, %d received; they part at frame %d" % (len(a), len(b), n + 1))
    return 1

if __name__ == "__main__":
    if sys.argv[1] == "--same":
        sys.exit(same_frames(sys.argv[2:]))
    sys.exit(main())
