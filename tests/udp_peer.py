#!/usr/bin/env python3
"""tests/udp_peer.py - non-QUIC UDP traffic for tests/e2e_live.sh (see there)."""
import random, selectors, socket, sys, time

def serve(addrs, ports, lifetime):
    sel = selectors.DefaultSelector()
    for a in addrs:
        fam = socket.AF_INET6 if ":" in a else socket.AF_INET
        for p in ports:
            s = socket.socket(fam, socket.SOCK_DGRAM)
            s.bind((a, p))
            sel.register(s, selectors.EVENT_READ, p)
    print("ready", flush=True)
    end = time.monotonic() + lifetime
    while time.monotonic() < end:
        for key, _ in sel.select(timeout=0.2):
            data, peer = key.fileobj.recvfrom(65535)
            if key.data == 53 and len(data) >= 12:
                key.fileobj.sendto(data[:2] + b"\x81\x80" + data[4:], peer)

def send(src, dst, seed):
    rng = random.Random(seed)
    fam = socket.AF_INET6 if ":" in dst else socket.AF_INET
    def rnd(n):
        return bytes(rng.randrange(256) for _ in range(n))
    plan = []
    for i in range(30):  # RTP-like: version 2, PCMU
        plan.append((5004, b"\x80\x00" + (100 + i).to_bytes(2, "big") + rnd(168)))
    for i in range(4):   # DNS-like queries, answered
        plan.append((53, rnd(2) + b"\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00"
                     b"\x04test\x00\x00\x01\x00\x01"))
    # QUIC look-alikes: to the QUIC port (a short header, a long header
    # below the Initial minimum, random bytes) and elsewhere (a 1250-byte
    # "Initial" of version 1, a long header of an odd version).
    plan.append((443, bytes([0x40 | rng.randrange(64)]) + rnd(60)))
    plan.append((443, b"\xc3\x00\x00\x00\x01\x08" + rnd(300)))
    plan.append((443, rnd(120)))
    plan.append((9999, b"\xc3\x00\x00\x00\x01\x08" + rnd(1244)))
    plan.append((9999, b"\xe0\xff\x00\x00\x1d\x08" + rnd(90)))
    socks = []
    for dport, payload in plan:
        s = socket.socket(fam, socket.SOCK_DGRAM)
        s.bind((src, 0))
        s.sendto(payload, (dst, dport))
        socks.append(s)
        time.sleep(0.005)
    time.sleep(0.3)  # answers find their socket open: no ICMP
    for s in socks:
        s.close()

def send_gso(src, dst, seed):
    # UDP GSO (UDP_SEGMENT): one send, one super-packet at the tc egress
    # hook, three datagrams on the wire (offloads are off: the kernel cuts
    # it after tc). Segments of different kinds: a version-1 long header,
    # a short-header shape, random bytes; the last one shorter.
    rng = random.Random(seed)
    fam = socket.AF_INET6 if ":" in dst else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_DGRAM)
    s.bind((src, 0))
    s.setsockopt(socket.SOL_UDP, 103, 1200)  # UDP_SEGMENT
    seg = [b"\xc3\x00\x00\x00\x01\x08" + bytes(rng.randrange(256) for _ in range(1194)),
           bytes([0x40 | rng.randrange(64)]) + bytes(rng.randrange(256) for _ in range(1199)),
           bytes(rng.randrange(256) for _ in range(700))]
    for _ in range(2):
        s.sendto(b"".join(seg), (dst, 9999))
        time.sleep(0.01)
    s.close()

if sys.argv[1] == "serve":
    serve(sys.argv[3].split(","), [int(p) for p in sys.argv[4:]], float(sys.argv[2]))
elif sys.argv[1] == "gso":
    send_gso(sys.argv[2], sys.argv[3], sys.argv[4])
else:
    send(sys.argv[2], sys.argv[3], sys.argv[4])
