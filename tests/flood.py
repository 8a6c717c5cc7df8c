#!/usr/bin/env python3
"""tests/flood.py - a bounded flood of QUIC garbage and spoofed-looking Initials.

    flood.py addrs                      the source addresses the flood uses,
                                        one a line (the attacker host needs them
                                        as local addresses)
    flood.py send --to4 A --to6 B [--port P] [--rate PPS] [--duration S]
                  [--max-time S] [--seed N] [--log FILE]
                                        send it; the JSON summary on stdout

Every datagram goes from one of its own source addresses (only 198.19.0.0/16,
inside RFC 2544's 198.18.0.0/15, and 2001:db8:100::/40, inside RFC 3849's
2001:db8::/32) to the server (A or B, port P), by ordinary UDP sockets bound
to those addresses: one socket, so one 4-tuple, per source address. Three
kinds of senders:

  garbage   224 sources (200 IPv4, 24 IPv6 each in its own /64), together the
            rest of --rate: each datagram is one of the garbage classes the
            classifier reports (README "Reasons"), chosen at random:
              initial_too_small  a well-formed v1 Initial in a datagram < 1200
              unknown_version    a long header of a version nobody defined, under
                                 1200 bytes
              unsupported_version  the same, 1200 bytes or more
              cid_too_long       v1, a DCID or SCID length over 20
              length_overrun     a Length or Token Length past the datagram,
                                 or a datagram that ends inside its DCID
              bad_type           Retry or Version Negotiation sent to a server
              fixed_bit          fixed bit cleared: a long header, or a short
                                 one (nothing agreed to greasing, RFC 9287)
              unknown_dcid       a short header with a random DCID, < 1200
                                 bytes (a probe-sized one could be a real
                                 migration's probe: the linking rules, README)
              empty              no UDP payload
            Each source sends well under any sane long-header rate limit.
  high      spoofed-looking Initials, few sources at a high rate: 4 IPv4
            addresses at --high-rate each, and 4 IPv6 addresses in ONE /64
            at a quarter of it each (the guard counts an IPv6 /64 as one
            source, so that /64 also sends --high-rate in all)
  low       spoofed-looking Initials, many sources at a low rate: 160 IPv4
            addresses and 16 IPv6 /64s at --low-rate each

and, with --attack-port, the attacks on the guard's state (README "The
guard"), towards the server's port --attack-port where a real connection
migrates meanwhile:

  teach     one Initial nobody answers (random payload), then short headers
            on that 4-tuple, each with a new DCID, to --port (198.19.4.1):
            they must teach no ID
  rival     one 41-byte short header with a random DCID at a time
            (198.19.4.2): it must not stand in the way of a migration
  probe     1200-byte short headers with random DCIDs from 60 sources
            (198.19.5.0/24), each like the first packet of a migration
and, with --spoof4 ADDR (a real client's address, which the attacker host
then needs as a local address too):
  spoof     Initials "from" the client's address at --spoof-rate to --port:
            they must not spend the client's budget
  rival     a 41-byte short header with a random DCID from the client's
            address, at another port

A spoofed-looking Initial is a well-formed 1200-byte QUIC v1 Initial (fixed
bit set, 8 to 20-byte DCID, 1 to 20-byte SCID, no token, a Length that fills
the datagram) with random CIDs and a random (so undecryptable) payload: not
garbage to a classifier without keys, so only the guard's rates can stop it.
Every Initial carries an SCID no earlier Initial of its flow carried, so each
one is a new connection attempt, also on a 4-tuple already seen (an Initial
with the SCID of the connection last started on its 4-tuple is taken for a
packet of that handshake: random 1-byte SCIDs would repeat now and then).

The plan is fixed by --seed, --rate and --duration: every sender sends at
its own rate, evenly spaced, from a random phase, for --duration seconds;
the count is known before the first datagram. Sending is paced by the
millisecond (what is due is sent, then a sleep) and stops at --max-time
whatever is left. --log writes a line per datagram sent, in order:
"flow class form udp_len dcid" (form L long header, S short header, E empty;
flow indexes "flows" in the summary; dcid hex or "-").

The summary (JSON, stdout) says exactly what was sent: per class, per kind,
per source address, per flow, and the rate achieved.
"""
import argparse
import ipaddress
import json
import random
import socket
import sys
import time

PORT = 443

# ---- the sources ----------------------------------------------------------------


def sources(attacks=False, spoof4=None):
    """[(kind, address, bucket)]; bucket names the guard's source: the IPv4
    address or the IPv6 /64."""
    out = []
    for i in range(1, 201):
        out.append(("garbage", "198.19.1.%d" % i))
    for i in range(1, 25):
        out.append(("garbage", "2001:db8:101:%x::1" % i))
    for i in range(1, 5):
        out.append(("high", "198.19.2.%d" % i))
    for i in range(1, 5):
        out.append(("high6", "2001:db8:102::%x" % i))  # one /64, four hosts
    for i in range(1, 161):
        out.append(("low", "198.19.3.%d" % i))
    for i in range(1, 17):
        out.append(("low", "2001:db8:103:%x::1" % i))
    if attacks:
        out.append(("teach", "198.19.4.1"))
        out.append(("rival", "198.19.4.2"))
        for i in range(1, 61):
            out.append(("probe", "198.19.5.%d" % i))
    if spoof4:
        out.append(("spoof", spoof4))
        out.append(("rival", spoof4))
    return [(k, a, bucket_of(a)) for k, a in out]


def bucket_of(addr):
    ip = ipaddress.ip_address(addr)
    if ip.version == 4:
        return addr
    return str(ipaddress.ip_network(addr + "/64", strict=False))


# ---- packets ----------------------------------------------------------------------


def varint2(n):
    """RFC 9000 §16 two-byte varint (n < 16384)."""
    return bytes([0x40 | (n >> 8), n & 0xff])


def long_hdr(rng, b0, version, dcid, scid):
    return (bytes([b0]) + version.to_bytes(4, "big") + bytes([len(dcid)]) + dcid +
            bytes([len(scid)]) + scid)


def cid(rng, lo, hi):
    return rng.randbytes(rng.randint(lo, hi))


def initial(rng, size, b0=None, version=1, used=None):
    """A v1 Initial of exactly size bytes: no token, a Length that fills it.
    used: SCIDs this flow sent before; the new one is none of them."""
    dcid, scid = cid(rng, 8, 20), cid(rng, 1, 20)
    while used is not None and scid in used:
        scid = cid(rng, 1, 20)
    if used is not None:
        used.add(scid)
    if b0 is None:
        b0 = 0xc0 | rng.randrange(16)
    h = long_hdr(rng, b0, version, dcid, scid) + b"\x00"  # token length 0
    rest = size - len(h) - 2
    return h + varint2(rest) + rng.randbytes(rest), dcid


def unknown_version(rng, lo=30, hi=1199):
    # 0x00000002..0x0000ffff: no defined version, no draft, no reserved
    # 0x?a?a?a?a pattern, no gQUIC tag (its first byte is 0)
    v = rng.randint(2, 0xffff)
    b0 = 0x80 | rng.randrange(128)
    dcid, scid = cid(rng, 0, 20), cid(rng, 0, 20)
    size = rng.randint(lo, hi)
    h = long_hdr(rng, b0, v, dcid, scid)
    return h + rng.randbytes(max(0, size - len(h))), dcid


def cid_too_long(rng):
    b0 = rng.choice([0xc0, 0xe0]) | rng.randrange(16)  # Initial or Handshake
    if rng.random() < 0.5:
        dcil = rng.randint(21, 255)
        h = bytes([b0]) + (1).to_bytes(4, "big") + bytes([dcil])
    else:
        dcid = cid(rng, 0, 20)
        h = (bytes([b0]) + (1).to_bytes(4, "big") + bytes([len(dcid)]) + dcid +
             bytes([rng.randint(21, 255)]))
    return h + rng.randbytes(rng.randint(0, 400)), None


def length_overrun(rng):
    dcid, scid = cid(rng, 4, 20), cid(rng, 0, 20)
    what = rng.randrange(3)
    if what == 0:  # a Handshake whose Length runs past the datagram
        h = long_hdr(rng, 0xe0 | rng.randrange(16), 1, dcid, scid)
        body = rng.randint(20, 800)
        return h + varint2(body + rng.randint(1, 500)) + rng.randbytes(body), dcid
    if what == 1:  # an Initial whose Token Length runs past it
        h = long_hdr(rng, 0xc0 | rng.randrange(16), 1, dcid, scid)
        body = rng.randint(20, 1300)
        return h + varint2(body + rng.randint(1, 1000)) + rng.randbytes(body), dcid
    # a datagram that ends inside its DCID
    dcil = rng.randint(8, 20)
    return (bytes([0xc0 | rng.randrange(16)]) + (1).to_bytes(4, "big") + bytes([dcil]) +
            rng.randbytes(rng.randint(0, dcil - 1))), None


def bad_type(rng):
    dcid, scid = cid(rng, 0, 20), cid(rng, 1, 20)
    if rng.random() < 0.5:  # Retry: token and integrity tag fill the datagram
        h = long_hdr(rng, 0xf0 | rng.randrange(16), 1, dcid, scid)
        return h + rng.randbytes(rng.randint(16, 200)), dcid
    # Version Negotiation (version 0): a list of versions
    h = long_hdr(rng, 0x80 | rng.randrange(128), 0, dcid, scid)
    return h + b"".join(rng.choice([b"\x00\x00\x00\x01", b"\x6b\x33\x43\xcf",
                                    rng.randbytes(4)]) for _ in range(rng.randint(1, 6))), dcid


def fixed_bit(rng):
    if rng.random() < 0.5:  # a Handshake, well-formed but for the fixed bit
        dcid, scid = cid(rng, 4, 20), cid(rng, 0, 20)
        h = long_hdr(rng, 0xa0 | rng.randrange(16), 1, dcid, scid)
        body = rng.randint(20, 1000)
        return h + varint2(body) + rng.randbytes(body), dcid
    # a short header: 0x00-0x3f, but not the old gQUIC public header shape
    # (flags 0x09 set and a version), so that b0 & 0x09 != 0x09
    b0 = rng.choice([b for b in range(0x40) if b & 0x09 != 0x09])
    return bytes([b0]) + rng.randbytes(rng.randint(21, 1150)), None


def short(rng, size):
    """A short header of size bytes with a random 8-to-20-byte DCID (the
    rest random too): what no connection has."""
    return bytes([0x40 | rng.randrange(64)]) + rng.randbytes(size - 1), None


def unknown_dcid(rng):
    return bytes([0x40 | rng.randrange(64)]) + rng.randbytes(rng.randint(21, 1150)), None


def empty(rng):
    return b"", None


MAKERS = {"initial_too_small": lambda rng: initial(rng, rng.randint(60, 1199)),
          "unknown_version": unknown_version,
          # 1200 bytes or more: a server answers it with Version Negotiation
          "unsupported_version": lambda rng: unknown_version(rng, 1200, 1300),
          "cid_too_long": cid_too_long,
          "length_overrun": length_overrun, "bad_type": bad_type, "fixed_bit": fixed_bit,
          "unknown_dcid": unknown_dcid, "empty": empty}
# one maker per garbage class of the tools (tests/vocab.py checks it against
# linkquic-replay --vocabulary)
GARBAGE_CLASSES = list(MAKERS)


def form_of(payload):
    if not payload:
        return "E"
    return "L" if payload[0] & 0x80 else "S"


# ---- the plan ------------------------------------------------------------------------


def plan(args):
    """Flows and the datagrams: [(t, flow, class, payload, dcid)] sorted by t."""
    rng = random.Random(args.seed)
    srcs = sources(args.attack_port is not None, args.spoof4)
    flows = []
    nhigh = sum(1 for k, _, _ in srcs if k == "high") + 1  # the IPv6 /64 counts once
    nlow = sum(1 for k, _, _ in srcs if k == "low")
    ngarb = sum(1 for k, _, _ in srcs if k == "garbage")
    garb_rate = args.rate - nhigh * args.high_rate - nlow * args.low_rate
    if garb_rate <= 0:
        sys.exit("flood.py: --rate %g leaves nothing for garbage (high %d x %g, low %d x %g)" %
                 (args.rate, nhigh, args.high_rate, nlow, args.low_rate))
    per_rate = {"garbage": garb_rate / ngarb, "high": args.high_rate,
                "high6": args.high_rate / 4, "low": args.low_rate, "teach": 100, "rival": 2,
                "probe": 4, "spoof": args.spoof_rate}
    items = []
    for kind, addr, bucket in srcs:
        v6 = ":" in addr
        flow = len(flows)
        dport = args.attack_port if kind in ("rival", "probe") else args.port
        flows.append({"src": addr, "dst": args.to6 if v6 else args.to4, "dport": dport,
                      "kind": "high" if kind == "high6" else kind, "bucket": bucket,
                      "rate": per_rate[kind]})
        r = per_rate[kind]
        scids = set()
        t = rng.uniform(0, 1 / r)
        first = True
        while t < args.duration:
            if kind == "garbage":
                cls = rng.choice(GARBAGE_CLASSES)
                payload, dcid = MAKERS[cls](rng)
            elif kind in ("teach", "rival", "probe") and not (kind == "teach" and first):
                cls = kind
                payload, dcid = short(rng, {"teach": 60, "rival": 41, "probe": 1200}[kind])
            else:
                cls = "initial"
                payload, dcid = initial(rng, 1200, used=scids)
            first = False
            items.append((t, flow, cls, payload, dcid))
            t += 1 / r
    items.sort(key=lambda x: (x[0], x[1]))
    return flows, items


# ---- sending ---------------------------------------------------------------------------


def send(args):
    flows, items = plan(args)
    socks = []
    for f in flows:
        fam = socket.AF_INET6 if ":" in f["src"] else socket.AF_INET
        s = socket.socket(fam, socket.SOCK_DGRAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 1 << 20)
        s.bind((f["src"], 0))
        s.setblocking(True)
        f["sport"] = s.getsockname()[1]
        socks.append((s, (f["dst"], f["dport"])))
    log = open(args.log, "w") if args.log else None
    by_class, by_kind, by_source = {}, {}, {}
    per_flow = [0] * len(flows)
    errors = {}
    print("flood: %d datagrams planned over %.1f s from %d sources" %
          (len(items), args.duration, len(flows)), file=sys.stderr, flush=True)
    t0 = time.monotonic()
    first = last = None
    i, n = 0, len(items)
    while i < n:
        now = time.monotonic() - t0
        if now > args.max_time:
            break
        if items[i][0] > now:
            time.sleep(min(items[i][0] - now, 0.001))
            continue
        # everything due now
        while i < n and items[i][0] <= now:
            t, flow, cls, payload, dcid = items[i]
            i += 1
            s, dst = socks[flow]
            try:
                s.sendto(payload, dst)
            except OSError as e:
                errors[e.strerror] = errors.get(e.strerror, 0) + 1
                continue
            sent_at = time.monotonic() - t0
            if first is None:
                first = sent_at
            last = sent_at
            f = flows[flow]
            per_flow[flow] += 1
            by_class[cls] = by_class.get(cls, 0) + 1
            by_kind[f["kind"]] = by_kind.get(f["kind"], 0) + 1
            src = by_source.setdefault(f["src"], {})
            src[cls] = src.get(cls, 0) + 1
            if log:
                log.write("%d %s %s %d %s\n" % (flow, cls, form_of(payload), len(payload),
                                                dcid.hex() if dcid else "-"))
    # answers (if any) find their socket still open for a moment: no ICMP
    time.sleep(0.2)
    for s, _ in socks:
        s.close()
    if log:
        log.close()
    sent = sum(per_flow)
    span = (last - first) if sent > 1 else 0.0
    for f, c in zip(flows, per_flow):
        f["sent"] = c
    summary = {
        "planned": n, "sent": sent, "unsent": n - sent, "send_errors": errors,
        "seconds": round(span, 6), "rate_pps": round(sent / span, 1) if span else None,
        "target_pps": args.rate, "duration": args.duration, "seed": args.seed,
        "by_class": dict(sorted(by_class.items())), "by_kind": dict(sorted(by_kind.items())),
        "by_source": by_source, "flows": flows,
    }
    json.dump(summary, sys.stdout)
    sys.stdout.write("\n")
    # the last line of standard error: what a log shows of the run
    sys.stderr.write("flood: sent %d datagrams in %.2f s (%s/s)\n" %
                     (sent, span, summary["rate_pps"]))
    return 0 if sent == n else 1


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    a = sub.add_parser("addrs", help="the source addresses, one a line")
    a.add_argument("--attacks", action="store_true", help="with the attacks' sources")
    a.add_argument("--spoof4", help="and a client's address the attacks spoof")
    s = sub.add_parser("send", help="send the flood, print the summary")
    s.add_argument("--to4", required=True, help="the server's IPv4 address")
    s.add_argument("--to6", required=True, help="the server's IPv6 address")
    s.add_argument("--port", type=int, default=PORT)
    s.add_argument("--rate", type=float, default=10000, help="datagrams per second, all kinds")
    s.add_argument("--high-rate", type=float, default=500,
                   help="Initials per second from each high-rate source")
    s.add_argument("--low-rate", type=float, default=1,
                   help="Initials per second from each low-rate source")
    s.add_argument("--duration", type=float, default=6)
    s.add_argument("--max-time", type=float, default=None,
                   help="stop sending after this many seconds (default duration + 10)")
    s.add_argument("--seed", type=int, default=1)
    s.add_argument("--log", help="a line per datagram sent")
    s.add_argument("--attack-port", type=int, default=None,
                   help="send the attacks (teach, rival, probe) too; rival and probe go here")
    s.add_argument("--spoof4", help="a real client's address: Initials and a rival from it")
    s.add_argument("--spoof-rate", type=float, default=300,
                   help="Initials per second spoofed from --spoof4")
    args = ap.parse_args()
    if args.cmd == "addrs":
        for a in dict.fromkeys(a for _, a, _ in sources(args.attacks, args.spoof4)):
            print(a)
        return 0
    for name in ("rate", "duration"):
        if not 0 < getattr(args, name) <= 1e6:
            ap.error("--%s: out of range" % name)
    if args.max_time is None:
        args.max_time = args.duration + 10
    return send(args)


if __name__ == "__main__":
    sys.exit(main())
