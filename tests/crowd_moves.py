#!/usr/bin/env python3
"""What each connection's move to a new path looked like on the wire, as a
monitor at the capture point saw it (a measurement for designing linking
rules, not a test).

Usage: tests/crowd_moves.py [--keys KEYS] [--table | --counts] CAPTURE TRUTH

TRUTH is the capture's ground truth (tests/groundtruth.py: "frame<TAB>conn",
"-" for no QUIC).  KEYS is the TLS key log (default: NAME.keys beside the
capture, if there is one); with it tshark names the QUIC frames inside each
datagram, so probing packets (only PATH_CHALLENGE, PATH_RESPONSE,
NEW_CONNECTION_ID and PADDING, RFC 9000 section 9.1) are told from
non-probing ones.  Without keys a datagram of 1200 bytes or more counts as a
probe (sizes are all a keyless monitor has).

For every connection that used more than one 4-tuple it prints one block:
the handshake round trip as the monitor sees it (RTT: the client's Initial
to the server's first answer, after a Retry the Retry; that is the server's
side of the monitor), the client's side (the server's first answer to the
client's next datagram) and their sum ("full RTT"), then per move, in
milliseconds after the client's first Initial:
  - the client's probes on the new path (size and frames);
  - the server's first datagram on the new path, and its delay after the
    first datagram there, in ms, RTTs and full RTTs; and the server's first
    PATH_RESPONSE there when that came later;
  - the client's first non-probing datagram on the new path (the switch-over);
  - the last datagram on the old path in each direction, and the last
    non-probing one, relative to the switch-over, and how many came after it;
  - PATH_CHALLENGE / PATH_RESPONSE the server sent on the old path once the
    move had begun (probing the old path, or answering there);
  - whether the DCIDs changed (no change: NAT rebinding without validation).
A summary with the ranges across movers ends the output.

Direction: a datagram is client-to-server when its destination port is the
port the connection's first Initial went to (the servers here keep their
port on a preferred address).  tshark dissects every datagram on those
ports as QUIC (-d udp.port==PORT,quic; tests/groundtruth.py, "Decode-as").

--table prints the same facts as one markdown row per move instead.

--counts prints one line, "connections N movers M unlabelled U
movers-without-data D": U is UDP datagrams (not ICMP) the truth leaves
unlabelled, D movers whose last path carries no server STREAM frame (needs
keys); pcaps/make-crowd.sh checks it.
"""
import argparse
import collections
import os
import subprocess
import sys

FIELDS = ["frame.number", "frame.time_epoch", "frame.protocols",
          "ip.src", "ip.dst", "ipv6.src", "ipv6.dst", "udp.srcport", "udp.dstport",
          "udp.length", "quic.long.packet_type", "quic.header_form", "quic.dcid",
          "quic.frame_type", "quic.stream.stream_id"]

PROBING = {0x00, 0x18, 0x1a, 0x1b}  # PADDING, NEW_CONNECTION_ID, PATH_CHALLENGE, PATH_RESPONSE
NAMES = {0x00: "PADDING", 0x01: "PING", 0x02: "ACK", 0x03: "ACK_ECN", 0x04: "RESET_STREAM",
         0x05: "STOP_SENDING", 0x06: "CRYPTO", 0x07: "NEW_TOKEN", 0x10: "MAX_DATA",
         0x11: "MAX_STREAM_DATA", 0x12: "MAX_STREAMS", 0x13: "MAX_STREAMS",
         0x14: "DATA_BLOCKED", 0x15: "STREAM_DATA_BLOCKED", 0x16: "STREAMS_BLOCKED",
         0x17: "STREAMS_BLOCKED", 0x18: "NEW_CONNECTION_ID", 0x19: "RETIRE_CONNECTION_ID",
         0x1a: "PATH_CHALLENGE", 0x1b: "PATH_RESPONSE", 0x1c: "CONNECTION_CLOSE",
         0x1d: "CONNECTION_CLOSE", 0x1e: "HANDSHAKE_DONE"}


def frame_name(t):
    if 0x08 <= t <= 0x0f:
        return "STREAM"
    return NAMES.get(t, "0x%x" % t)


def die(msg):
    print("crowd_moves.py: " + msg, file=sys.stderr)
    sys.exit(1)


def load_truth(path):
    t = {}
    with open(path) as f:
        for line in f:
            if line.strip() and not line.startswith("#"):
                c = line.rstrip("\n").split("\t")
                t[int(c[0])] = c[1]
    return t


def server_ports(pcap, truth):
    """The destination ports of each true connection's first frame."""
    res = subprocess.run(["tshark", "-n", "-r", pcap, "-T", "fields", "-e", "frame.number",
                          "-e", "udp.dstport"], capture_output=True, text=True)
    seen, ports = set(), set()
    for line in res.stdout.splitlines():
        no, _, port = line.partition("\t")
        lab = truth.get(int(no), "-")
        if lab != "-" and lab not in seen:
            seen.add(lab)
            if port.split(",")[0].isdigit():
                ports.add(int(port.split(",")[0]))
    return sorted(ports)


def read_frames(pcap, keys, ports):
    cmd = ["tshark", "-n", "-r", pcap, "-T", "fields", "-E", "separator=/t",
           "-E", "occurrence=a", "-E", "aggregator=,"]
    for p in ports:
        cmd += ["-d", "udp.port==%d,quic" % p]
    if keys:
        cmd += ["-o", "tls.keylog_file:" + keys]
    for f in FIELDS:
        cmd += ["-e", f]
    res = subprocess.run(cmd, capture_output=True, text=True)
    if res.returncode != 0 and not res.stdout:
        die("tshark failed: " + res.stderr.strip()[-300:])
    frames = []
    for line in res.stdout.splitlines():
        p = line.split("\t")
        p += [""] * (len(FIELDS) - len(p))
        r = dict(zip(FIELDS, p))
        protos = r["frame.protocols"].split(":")
        if "udp" not in protos or "icmp" in protos or "icmpv6" in protos:
            frames.append(None)
            continue
        first = lambda s: s.split(",")[0] if s else ""
        src = first(r["ip.src"]) or first(r["ipv6.src"])
        dst = first(r["ip.dst"]) or first(r["ipv6.dst"])
        types = []
        for v in r["quic.frame_type"].split(","):
            if v:
                types.append(int(v, 0))
        frames.append({
            "no": int(r["frame.number"]),
            "t": float(r["frame.time_epoch"]),
            "src": (src, int(first(r["udp.srcport"]))),
            "dst": (dst, int(first(r["udp.dstport"]))),
            "size": int(first(r["udp.length"])) - 8,
            "long": [int(v, 0) for v in r["quic.long.packet_type"].split(",") if v],
            "short": "0" in r["quic.header_form"].split(","),
            "dcid": first(r["quic.dcid"]),
            "types": types,
            "stream": bool(r["quic.stream.stream_id"]),
        })
    return frames


def ep(e):
    a, p = e
    return ("[%s]:%d" if ":" in a else "%s:%d") % (a, p)


class Conn:
    def __init__(self, label):
        self.label = label
        self.frames = []


def analyse(frames, truth, keyed):
    conns = collections.OrderedDict()
    unlabelled = 0
    for f in frames:
        if f is None:
            continue
        lab = truth.get(f["no"], "-")
        if lab == "-":
            unlabelled += 1
            continue
        conns.setdefault(lab, Conn(lab)).frames.append(f)
    for c in conns.values():
        fr = c.frames
        c.t0 = fr[0]["t"]
        c.server_port = fr[0]["dst"][1]
        for f in fr:
            f["c2s"] = f["dst"][1] == c.server_port
            f["path"] = (f["src"], f["dst"]) if f["c2s"] else (f["dst"], f["src"])
            f["rel"] = (f["t"] - c.t0) * 1000.0
            if keyed:
                f["probing"] = bool(f["types"]) and all(t in PROBING for t in f["types"])
            else:
                f["probing"] = f["size"] >= 1200 and f["short"]
        # Handshake RTT: the server's first datagram after the client's
        # latest before it (after a Retry: the Retry).
        c.rtt = None
        last_c = None
        for f in fr:
            if f["c2s"]:
                last_c = f
            elif last_c is not None:
                c.rtt = f["rel"] - last_c["rel"]
                c.rtt_from = last_c
                c.rtt_to = f
                break
        # The other half, beyond the monitor: the server's first datagram
        # to the client's next one.
        c.rtt_client = None
        if c.rtt is not None:
            nxt = next((f for f in fr if f["c2s"] and f["t"] > c.rtt_to["t"]), None)
            if nxt is not None:
                c.rtt_client = nxt["rel"] - c.rtt_to["rel"]
        c.rtt_full = c.rtt + c.rtt_client if c.rtt_client is not None else None
        c.paths = []
        for f in fr:
            if f["path"] not in c.paths:
                c.paths.append(f["path"])
        c.moves = []
        for k, path in enumerate(c.paths[1:], 1):
            c.moves.append(move_facts(c, path))
    return conns, unlabelled


def move_facts(c, path):
    fr = c.frames
    i0 = next(i for i, f in enumerate(fr) if f["path"] == path)
    first = fr[i0]
    old = fr[i0 - 1]["path"]
    m = {"path": path, "old": old, "first": first}
    new = [f for f in fr[i0:] if f["path"] == path]
    m["probes"] = []
    m["switch"] = None
    for f in new:
        if not f["c2s"]:
            continue
        if f["probing"]:
            m["probes"].append(f)
        else:
            m["switch"] = f
            break
    m["answer"] = next((f for f in new if not f["c2s"]), None)
    m["response"] = next((f for f in new if not f["c2s"] and 0x1b in f["types"]), None)
    olds = [f for f in fr if f["path"] == old]
    m["old_last_c"] = max((f for f in olds if f["c2s"]), key=lambda f: f["t"], default=None)
    m["old_last_s"] = max((f for f in olds if not f["c2s"]), key=lambda f: f["t"], default=None)
    m["old_last_c_np"] = max((f for f in olds if f["c2s"] and not f["probing"]),
                             key=lambda f: f["t"], default=None)
    m["old_last_s_np"] = max((f for f in olds if not f["c2s"] and not f["probing"]),
                             key=lambda f: f["t"], default=None)
    sw = m["switch"]["t"] if m["switch"] else None
    m["after_c"] = sum(1 for f in olds if f["c2s"] and sw is not None and f["t"] > sw)
    m["after_s"] = sum(1 for f in olds if not f["c2s"] and sw is not None and f["t"] > sw)
    m["old_server_path_frames"] = [f for f in olds if not f["c2s"] and f["t"] >= first["t"]
                                   and (0x1a in f["types"] or 0x1b in f["types"])]
    m["new_c"] = sum(1 for f in new if f["c2s"])
    m["new_s"] = sum(1 for f in new if not f["c2s"])
    m["new_s_data"] = sum(1 for f in new if not f["c2s"] and f["stream"])
    cd_old = [f["dcid"] for f in olds if f["c2s"] and f["dcid"]]
    cd_new = [f["dcid"] for f in new if f["c2s"] and f["dcid"]]
    m["dcid_same"] = bool(cd_old and cd_new and cd_new[0] == cd_old[-1])
    (oc, os_), (nc, ns) = old, path
    what = []
    if oc[0] != nc[0]:
        what.append("client address")
    if oc[1] != nc[1]:
        what.append("client port")
    if os_ != ns:
        what.append("server address" if os_[0] != ns[0] else "server port")
    m["what"] = " and ".join(what) + " changed"
    return m


def fmt_frames(f, keyed):
    if not keyed:
        return ""
    names = []
    for t in f["types"]:
        n = frame_name(t)
        if not names or names[-1] != n:
            names.append(n)
    return " [" + ",".join(names) + "]"


def in_rtt(ms, c):
    """ms in handshake RTTs (server side) and in full RTTs (both halves)."""
    out = ""
    if c.rtt:
        out += " = %.1f RTT" % (ms / c.rtt)
    if c.rtt_full:
        out += " = %.1f full RTT" % (ms / c.rtt_full)
    return out


def report(conns, keyed, out):
    movers = [c for c in conns.values() if len(c.paths) > 1]
    ans_delay, silence, silence_rtt, rtts, surprises = [], [], [], [], []
    silence_np, silence_np_rtt, rtts_client = [], [], []
    for c in movers:
        hs = c.frames[0]
        p0c, p0s = c.paths[0]
        out.write("connection %s: %s -> %s, handshake RTT %s (frame %d -> %d; client side, "
                  "to its next datagram: %s), %d frames, last at +%.1f ms\n" % (
                      c.label, ep(p0c), ep(p0s),
                      "%.1f ms" % c.rtt if c.rtt is not None else "unknown",
                      c.rtt_from["no"] if c.rtt is not None else hs["no"],
                      c.rtt_to["no"] if c.rtt is not None else hs["no"],
                      "%.1f ms" % c.rtt_client if c.rtt_client is not None else "unknown",
                      len(c.frames), c.frames[-1]["rel"]))
        if c.rtt:
            rtts.append(c.rtt)
        if c.rtt_client is not None:
            rtts_client.append(c.rtt_client)
        for k, m in enumerate(c.moves, 1):
            nc, ns = m["path"]
            f0 = m["first"]
            out.write("  move %d at +%.1f ms (frame %d): %s -> %s, %s; %s\n" % (
                k, f0["rel"], f0["no"], ep(nc), ep(ns), m["what"],
                "same c->s DCID as the old path" if m["dcid_same"] else "new c->s DCID"))
            if m["probes"]:
                out.write("    client probes: %s\n" % ", ".join(
                    "+%.1f ms %d B%s" % (f["rel"], f["size"], fmt_frames(f, keyed))
                    for f in m["probes"][:6]) + (" ..." if len(m["probes"]) > 6 else ""))
            else:
                out.write("    client probes: none (its first datagram on the new path is "
                          "non-probing)\n")
            a = m["answer"]
            if a is not None:
                d = a["rel"] - f0["rel"]
                ans_delay.append((d, d / c.rtt if c.rtt else None,
                                  d / c.rtt_full if c.rtt_full else None))
                out.write("    server's first datagram on the new path: +%.1f ms (frame %d), "
                          "%.1f ms%s after the first datagram there, %d B%s\n" % (
                              a["rel"], a["no"], d, in_rtt(d, c), a["size"],
                              fmt_frames(a, keyed)))
            else:
                out.write("    server's first datagram on the new path: none\n")
            r = m["response"]
            if r is not None and r is not a:
                d = r["rel"] - f0["rel"]
                out.write("    server's first PATH_RESPONSE on the new path: +%.1f ms (frame %d), "
                          "%.1f ms%s after the first datagram there, %d B\n" % (
                              r["rel"], r["no"], d, in_rtt(d, c), r["size"]))
            sw = m["switch"]
            if sw is not None:
                out.write("    client's first non-probing datagram there (switch-over): +%.1f ms "
                          "(frame %d), %d B%s\n" % (sw["rel"], sw["no"], sw["size"],
                                                      fmt_frames(sw, keyed)))
            else:
                out.write("    client's first non-probing datagram there: none\n")
            lasts = []
            for key, dname, after in (("old_last_c", "c->s", "after_c"),
                                      ("old_last_s", "s->c", "after_s")):
                f = m[key]
                if f is None:
                    lasts.append("%s none" % dname)
                    continue
                if sw is not None:
                    d = f["rel"] - sw["rel"]
                    lasts.append("%s +%.1f ms (frame %d, %+.1f ms%s after the switch-over, "
                                 "%d datagrams after it)" % (dname, f["rel"], f["no"], d,
                                                             in_rtt(d, c), m[after]))
                else:
                    lasts.append("%s +%.1f ms (frame %d)" % (dname, f["rel"], f["no"]))
            out.write("    old path %s <-> %s, last: %s\n" % (ep(m["old"][0]), ep(m["old"][1]),
                                                             "; ".join(lasts)))
            np = []
            for key, dname in (("old_last_c_np", "c->s"), ("old_last_s_np", "s->c")):
                f = m[key]
                if f is None:
                    np.append("%s none" % dname)
                elif sw is not None:
                    d = f["rel"] - sw["rel"]
                    np.append("%s +%.1f ms (frame %d, %+.1f ms%s after the switch-over)" % (
                        dname, f["rel"], f["no"], d, in_rtt(d, c)))
                else:
                    np.append("%s +%.1f ms (frame %d)" % (dname, f["rel"], f["no"]))
            out.write("    old path, last non-probing: %s\n" % "; ".join(np))
            for key, acc, acc_rtt in (("", silence, silence_rtt), ("_np", silence_np, silence_np_rtt)):
                ends = [f for f in (m["old_last_c" + key], m["old_last_s" + key]) if f]
                if sw is None or not ends:
                    continue
                d = max(f["rel"] for f in ends) - sw["rel"]
                acc.append((d, c.label))
                if c.rtt and c.rtt_full:
                    acc_rtt.append((d / c.rtt, d / c.rtt_full))
            for f in m["old_server_path_frames"]:
                what = "+".join(frame_name(t) for t in sorted(set(f["types"]) & {0x1a, 0x1b}))
                out.write("    server on the OLD path after the move began: %s at +%.1f ms "
                          "(frame %d, %d B)\n" % (what, f["rel"], f["no"], f["size"]))
                if 0x1b in f["types"]:
                    surprises.append("connection %s: server PATH_RESPONSE on the old path at "
                                     "frame %d" % (c.label, f["no"]))
            out.write("    new path: %d c->s, %d s->c datagrams (%d s->c with STREAM data)\n" % (
                m["new_c"], m["new_s"], m["new_s_data"]))
        out.write("\n")
    out.write("summary: %d connections, %d movers, %d moves\n" % (
        len(conns), len(movers), sum(len(c.moves) for c in movers)))
    if rtts:
        out.write("  handshake RTT of the movers: %.1f to %.1f ms" % (min(rtts), max(rtts)))
        if rtts_client:
            out.write(" (client side: %.1f to %.1f ms)" % (min(rtts_client), max(rtts_client)))
        out.write("\n")
    if ans_delay:
        ds = [d for d, _, _ in ans_delay]
        rs = [r for _, r, _ in ans_delay if r is not None]
        fs = [r for _, _, r in ans_delay if r is not None]
        out.write("  first datagram on the new path -> server's first there: %.1f to %.1f ms"
                  "%s%s\n" % (min(ds), max(ds),
                              " (%.1f to %.1f RTT)" % (min(rs), max(rs)) if rs else "",
                              " (%.1f to %.1f full RTT)" % (min(fs), max(fs)) if fs else ""))
    for what, acc, acc_rtt in (("", silence, silence_rtt),
                               (" of non-probing datagrams", silence_np, silence_np_rtt)):
        if not acc:
            continue
        ds = [d for d, _ in acc]
        out.write("  switch-over -> old path silent%s (both directions): %.1f to %.1f ms%s\n" % (
            what, min(ds), max(ds),
            " (%.1f to %.1f RTT, %.1f to %.1f full RTT)" % (
                min(r for r, _ in acc_rtt), max(r for r, _ in acc_rtt),
                min(r for _, r in acc_rtt), max(r for _, r in acc_rtt)) if acc_rtt else ""))
    for s in surprises:
        out.write("  note: %s\n" % s)


def table(conns, keyed, out):
    """One markdown row per move; times in ms, relative to the move's first
    datagram on the new path (t0) or to the switch-over (sw)."""
    def ms(v):
        return "%.1f" % v if v is not None else "-"
    out.write("| conn | move | what changed | DCID | client probes (B) | server's first there: "
              "after t0, B, frames | PATH_RESPONSE after t0 | switch-over after t0 | "
              "old c->s last, after sw | old s->c last non-probing, after sw | "
              "old s->c last, after sw | RTT server side / client side |\n")
    out.write("|---|---:|---|---|---|---|---:|---:|---:|---:|---:|---|\n")
    for c in conns.values():
        for k, m in enumerate(c.moves, 1):
            t0 = m["first"]["rel"]
            sw = m["switch"]["rel"] if m["switch"] else None
            a, r = m["answer"], m["response"]
            rel = lambda f, base: f["rel"] - base if f is not None and base is not None else None
            out.write("| %s | %d | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s / %s |\n" % (
                c.label, k, m["what"].replace(" changed", ""),
                "same" if m["dcid_same"] else "new",
                " ".join(str(f["size"]) for f in m["probes"][:4]) or "none",
                "%s, %d%s" % (ms(rel(a, t0)), a["size"], fmt_frames(a, keyed)) if a else "none",
                ms(rel(r, t0)), ms(rel(m["switch"], t0)),
                ms(rel(m["old_last_c"], sw)), ms(rel(m["old_last_s_np"], sw)),
                ms(rel(m["old_last_s"], sw)), ms(c.rtt), ms(c.rtt_client)))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--keys", help="TLS key log (default: NAME.keys beside the capture)")
    ap.add_argument("--counts", action="store_true",
                    help="one line: connections, movers, unlabelled UDP, movers without data")
    ap.add_argument("--table", action="store_true", help="one markdown row per move")
    ap.add_argument("capture")
    ap.add_argument("truth")
    a = ap.parse_args()
    keys = a.keys
    if keys is None:
        base = a.capture.rsplit(".", 1)[0]
        if os.path.isfile(base + ".keys"):
            keys = base + ".keys"
    truth = load_truth(a.truth)
    frames = read_frames(a.capture, keys, server_ports(a.capture, truth))
    keyed = bool(keys) and any(f and f["types"] for f in frames)
    conns, unlabelled = analyse(frames, truth, keyed)
    if a.counts:
        movers = [c for c in conns.values() if len(c.paths) > 1]
        nodata = sum(1 for c in movers if not c.moves[-1]["new_s_data"]) if keyed else len(movers)
        print("connections %d movers %d unlabelled %d movers-without-data %d" % (
            len(conns), len(movers), unlabelled, nodata))
        return 0
    if a.table:
        table(conns, keyed, sys.stdout)
        return 0
    report(conns, keyed, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
