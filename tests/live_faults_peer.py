#!/usr/bin/env python3
"""tests/live_faults_peer.py - the QUIC look-alike traffic of tests/live_faults.sh.

  serve ADDR PORT LOG         a server as the tracker sees one: answers a
                              version-1 Initial with an Initial of its own, and
                              writes a line to LOG for every datagram that
                              arrives ("initial", "handshake", "garbage TAG")
  handshake SRC DST PORT      a client's Initial (1200 bytes), the server's
                              answer, then a Handshake to the ID the server
                              chose: the monitor now knows a QUIC server
  garbage SRC DST PORT TAG    a long header of a version nobody defined
                              (0x12345678, 300 bytes) carrying TAG: garbage the
                              guard drops (unknown_version), from a new port

No cryptography: the tracker reads headers only.
"""
import os, socket, sys, time

V1 = 1
SERVER_CID = bytes.fromhex("5e7e5e7e5e7e5e7e")
TAG = b"LQTAG:"


def varint2(n):
    return (0x4000 | n).to_bytes(2, "big")


def long_hdr(b0, version, dcid, scid):
    return bytes([b0]) + version.to_bytes(4, "big") + bytes([len(dcid)]) + dcid + \
        bytes([len(scid)]) + scid


def initial(version, dcid, scid, size, body=b""):
    h = long_hdr(0xc1, version, dcid, scid) + b"\x00"  # token length 0
    rest = size - len(h) - 2
    return h + varint2(rest) + (body + bytes(rest))[:rest]


def parse_long(d):
    """(version, type bits, dcid, scid) of a long header, or None."""
    if len(d) < 7 or not d[0] & 0x80:
        return None
    v = int.from_bytes(d[1:5], "big")
    dl = d[5]
    if len(d) < 7 + dl:
        return None
    dcid = d[6:6 + dl]
    sl = d[6 + dl]
    return v, (d[0] >> 4) & 3, dcid, d[7 + dl:7 + dl + sl]


def serve(addr, port, log):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((addr, port))
    out = open(log, "a", buffering=1)
    print("ready", flush=True)
    while True:
        d, peer = s.recvfrom(65535)
        h = parse_long(d)
        if TAG in d:
            i = d.index(TAG) + len(TAG)
            out.write("garbage %s\n" % d[i:d.index(b";", i)].decode(errors="replace"))
        elif h and h[0] == V1 and h[1] == 0:
            out.write("initial\n")
            s.sendto(initial(V1, h[3], SERVER_CID, 300), peer)
        elif h and h[0] == V1 and h[1] == 2:
            out.write("handshake\n")
        else:
            out.write("other\n")


def handshake(src, dst, port):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((src, 0))
    s.settimeout(1.0)
    dcid, scid = os.urandom(8), os.urandom(8)
    for _ in range(5):
        s.sendto(initial(V1, dcid, scid, 1200), (dst, port))
        try:
            d, _ = s.recvfrom(65535)
        except socket.timeout:
            continue
        h = parse_long(d)
        if not h or h[2] != scid:
            continue
        hs = long_hdr(0xe1, V1, h[3], scid)
        s.sendto(hs + varint2(60) + bytes(60), (dst, port))
        time.sleep(0.1)
        return 0
    print("live_faults_peer: handshake with %s:%d: no answer" % (dst, port), file=sys.stderr)
    return 1


def garbage(src, dst, port, tag):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((src, 0))
    body = TAG + tag.encode() + b";"
    h = long_hdr(0xc1, 0x12345678, os.urandom(8), os.urandom(8))
    try:
        s.sendto((h + body + bytes(300))[:300], (dst, port))
    except OSError as e:  # dropped on the way out, said so
        print("live_faults_peer: garbage %s: %s" % (tag, e), file=sys.stderr)
    return 0


if __name__ == "__main__":
    a = sys.argv[1:]
    if a[:1] == ["serve"] and len(a) == 4:
        serve(a[1], int(a[2]), a[3])
    elif a[:1] == ["handshake"] and len(a) == 4:
        sys.exit(handshake(a[1], a[2], int(a[3])))
    elif a[:1] == ["garbage"] and len(a) == 5:
        sys.exit(garbage(a[1], a[2], int(a[3]), a[4]))
    else:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
