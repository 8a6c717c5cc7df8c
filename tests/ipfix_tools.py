#!/usr/bin/env python3
"""tests/ipfix_tools.py - the small pieces tests/ipfix.sh needs around the
collectors:

    ipfix_tools.py freeport udp|tcp      a free port on 127.0.0.1, printed
    ipfix_tools.py sink udp|tcp PORT OUT a collector's socket on 127.0.0.1:PORT
                                         (0: any; "ready PORT" on stdout) that
                                         appends every IPFIX message it gets to
                                         OUT whole, for ipfixDump to decode (it
                                         reads files only); runs until killed
    ipfix_tools.py pace SPEED PCAP       PCAP on stdout, each frame when its
                                         time comes (capture time / SPEED)

A TCP sink takes several connections at once (an exporter that reconnects
while the old one is not yet closed) and writes each message only when it
came whole, so that what one connection cut in the middle leaves nothing.
"""
import os
import select
import signal
import socket
import struct
import sys
import time


def freeport(kind):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM if kind == "udp" else socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    print(s.getsockname()[1])
    s.close()


def messages(buf):
    """Whole IPFIX messages at the start of buf, and what is left."""
    out = []
    while len(buf) >= 4:
        ver, n = struct.unpack(">HH", buf[:4])
        if ver != 10 or n < 16:
            raise ValueError("not an IPFIX message (version %d, length %d)" % (ver, n))
        if len(buf) < n:
            break
        out.append(buf[:n])
        buf = buf[n:]
    return out, buf


def sink(kind, port, path):
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    out = open(path, "ab", buffering=0)
    if kind == "udp":
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    else:
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", port))
    if kind == "tcp":
        s.listen(8)
    print("ready %d" % s.getsockname()[1], flush=True)
    if kind == "udp":
        while True:
            d = s.recv(65536)
            msgs, rest = messages(d)
            if msgs and not rest:
                out.write(d)
    conns = {}
    while True:
        r, _, _ = select.select([s] + list(conns), [], [])
        for c in r:
            if c is s:
                n, _ = s.accept()
                conns[n] = b""
                continue
            d = c.recv(65536)
            if not d:
                c.close()
                del conns[c]
                continue
            msgs, conns[c] = messages(conns[c] + d)
            out.write(b"".join(msgs))


def pace(speed, path):
    data = open(path, "rb").read()
    magic = data[:4]
    endian = "<" if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
    div = 1e9 if magic in (b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d") else 1e6
    w = sys.stdout.buffer
    w.write(data[:24])
    off, t0, w0 = 24, None, time.monotonic()
    while off + 16 <= len(data):
        sec, frac, caplen = struct.unpack(endian + "III", data[off:off + 12])
        t = sec + frac / div
        if t0 is None:
            t0 = t
        due = w0 + (t - t0) / speed
        now = time.monotonic()
        if due > now:
            w.flush()
            time.sleep(due - now)
        w.write(data[off:off + 16 + caplen])
        off += 16 + caplen
    w.flush()


def main():
    a = sys.argv[1:]
    try:
        if len(a) == 2 and a[0] == "freeport" and a[1] in ("udp", "tcp"):
            freeport(a[1])
        elif len(a) == 4 and a[0] == "sink" and a[1] in ("udp", "tcp"):
            sink(a[1], int(a[2]), a[3])
        elif len(a) == 3 and a[0] == "pace":
            pace(float(a[1]), a[2])
        else:
            print(__doc__, file=sys.stderr)
            return 2
    except BrokenPipeError:
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
