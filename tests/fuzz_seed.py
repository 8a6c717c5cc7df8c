#!/usr/bin/env python3
"""fuzz_seed.py - the seed corpus of the tracker's fuzz harnesses (tests/fuzz_track.c),
from the project's captures and a few hand-written generator scenarios.

  tests/corpus/track/pkt/seed-*  single frames: the first of each kind in each capture
                                 (a client Initial, a server's first flight, a short header)
  tests/corpus/track/seq/seed-*  a capture's first frames as a seq input: the settings
                                 header, then each frame with its time delta; short
                                 headers cut after their first 40 payload bytes (the
                                 tracker reads no further; IP and UDP lengths are kept)
  tests/corpus/track/gen/seed-*  generator scenarios (fuzz_gen.c): handshakes, Retry,
                                 Version Negotiation, migration, rebinding, a preferred
                                 address, crowds, the guard

Usage: tests/fuzz_seed.py [OUTDIR]   (default tests/corpus/track; run from the checkout)
Writes seed-* files only (regression inputs are kept) and removes stale seed-* files.
The output is deterministic: running it again changes nothing.
"""
import glob
import hashlib
import os
import struct
import sys

FRAMES = {"ngtcp2": 24, "crowd": 32, "crafted": 24}  # frames per seq seed
SHORT_KEEP = 40  # payload bytes kept of a short-header frame
PKT_PER_CAPTURE = 3
PKT_PER_KIND = 4  # pkt seeds of one kind (first byte's form and type, IP version), in all

# the settings header (fuzz_track.h, fz_setup_decode): 8 bytes
PROFILE_ROOMY, PROFILE_SMALL, PROFILE_TINY, PROFILE_MIXED = 3, 1, 0, 2
IDLE_60, IDLE_5, IDLE_2 = 6, 3, 1


def header(profile=PROFILE_ROOMY, idle=IDLE_60, guard=False, lh=None, conn=None, world=0, seed=0):
    b = [profile << 5, idle, 0, 0, 0, 0, world, seed]
    if guard:
        b[0] |= 0x01
        if lh:  # rate 1..64, burst 1..4
            b[0] |= 0x02
            b[2] = (lh[0] - 1) | (lh[1] - 1) << 6
        if conn:  # rate 1..16, burst 1..8
            b[0] |= 0x04
            b[3] = (conn[0] - 1) | (conn[1] - 1) << 4
    return bytes(b)


# ---- captures ------------------------------------------------------------------------------

def read_pcap(path):
    """(linktype, [(ts_ns, frame)]) of a classic pcap, or None."""
    with open(path, "rb") as f:
        d = f.read()
    if len(d) < 24:
        return None
    magic = struct.unpack("<I", d[:4])[0]
    if magic in (0xA1B2C3D4, 0xA1B23C4D):
        e = "<"
    elif magic in (0xD4C3B2A1, 0x4D3CB2A1):
        e = ">"
        magic = struct.unpack(">I", d[:4])[0]
    else:
        return None
    nano = magic == 0xA1B23C4D
    lt = struct.unpack(e + "I", d[20:24])[0]
    out, o = [], 24
    while o + 16 <= len(d):
        sec, frac, cap, _ = struct.unpack(e + "IIII", d[o:o + 16])
        o += 16
        if o + cap > len(d):
            break
        out.append((sec * 10**9 + (frac if nano else frac * 1000), d[o:o + cap]))
        o += cap
    return lt, out


ETH = bytes([2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1])


def to_ethernet(lt, frame):
    """The frame as an Ethernet frame (as the XDP program sees it), or None."""
    if lt == 1:
        return frame
    if lt in (101, 12, 14):  # raw IP
        if not frame:
            return None
        proto = 0x86DD if frame[0] >> 4 == 6 else 0x0800
        return ETH + struct.pack(">H", proto) + frame
    if lt == 0:  # BSD null: host-order address family
        if len(frame) < 4:
            return None
        fam = struct.unpack("<I", frame[:4])[0]
        if fam > 0xFFFF:
            fam = struct.unpack(">I", frame[:4])[0]
        proto = 0x0800 if fam == 2 else 0x86DD
        return ETH + struct.pack(">H", proto) + frame[4:]
    if lt == 113 and len(frame) >= 16:  # Linux cooked
        return ETH + frame[14:16] + frame[16:]
    if lt == 276 and len(frame) >= 20:  # Linux cooked v2
        return ETH + frame[0:2] + frame[20:]
    return None


def udp_payload_off(frame):
    """Offset of the UDP payload of an Ethernet IPv4/IPv6 UDP frame, or None."""
    off = 12
    for _ in range(3):
        if off + 2 > len(frame):
            return None
        proto = struct.unpack(">H", frame[off:off + 2])[0]
        off += 2
        if proto not in (0x8100, 0x88A8):
            break
        off += 2
    if proto == 0x0800 and off + 20 <= len(frame) and frame[off + 9] == 17:
        off += (frame[off] & 15) * 4
    elif proto == 0x86DD and off + 40 <= len(frame) and frame[off + 6] == 17:
        off += 40
    else:
        return None
    return off + 8 if off + 8 <= len(frame) else None


def kind(frame):
    """What the frame is, for picking pkt seeds: long (with its type bits) or short, and
    its IP version; "other" when it is no UDP with a payload."""
    p = udp_payload_off(frame)
    if p is None or p >= len(frame):
        return "other"
    v6 = "-ip6" if b"\x86\xdd" in frame[12:20] else ""
    return ("long%02x" % (frame[p] & 0xF0) if frame[p] & 0x80 else "short") + v6


def trim(frame):
    p = udp_payload_off(frame)
    if p is not None and p < len(frame) and not frame[p] & 0x80:
        return frame[:p + SHORT_KEEP]
    return frame


def dt_code(d_ns):
    """The seq format's time delta byte closest to d_ns (fuzz_input.c, seq_time)."""
    us = max(0, d_ns) // 1000
    if us < 64:
        return us
    if us < 64000:
        return 0x40 | min(63, (us + 500) // 1000)
    if us < 6400000:
        return 0x80 | min(63, (us + 50000) // 100000)
    return 0xC0 | min(62, (us + 500000) // 1000000)  # 0xff steps back


def seq_input(hdr, frames):
    out = bytearray(hdr)
    last = None
    for ts, fr in frames:
        fr = trim(fr)[:0x3FFF]
        out.append(len(fr) >> 8)  # op 0: a frame, 14 bits of length
        out.append(dt_code(ts - last) if last is not None else 0)
        out.append(len(fr) & 0xFF)
        out += fr
        last = ts
    return bytes(out)


# ---- generator scenarios (fuzz_gen.c: op numbers and argument bytes) ------------------------

(C_INITIAL, S_INITIAL, C_HANDSHAKE, S_HANDSHAKE, S_RETRY, S_VN, C_SHORT, S_SHORT, C_NEWCID,
 S_NEWCID, C_PROBE, S_PROBE, C_SWITCH, S_OLDPATH, C_REBIND, END, SPOOF, GARBAGE, RAW,
 S_RESET) = range(20)
DT = {"0": 0, "200us": 1, "2ms": 2, "15ms": 3, "60ms": 4, "300ms": 5, "1.5s": 6}


def op(o, *args, dt="2ms"):
    return bytes([o | DT[dt] << 5]) + bytes(args)


def handshake(k, a, b, ver_flags=0):
    """A client Initial, the server's first flight, the client's Handshake, 1-RTT both ways."""
    return (op(C_INITIAL, k, a, b, ver_flags, dt="0") + op(S_INITIAL, k, 0x05) +
            op(C_HANDSHAKE, k, 0x01) + op(S_SHORT, k, 0x01) + op(C_SHORT, k, 0x00) +
            op(S_SHORT, k, 0x01, dt="200us") + op(C_SHORT, k, 0x00))


def migration(k, kind=0):
    """Probe a new path, the server answers twice, the client switches, the server probes
    the old path, traffic goes on there."""
    return (op(C_PROBE, k, kind, 3, dt="15ms") + op(S_PROBE, k, 0x02) + op(S_PROBE, k, 0x00) +
            op(C_SWITCH, k, 0x00, dt="2ms") + op(S_OLDPATH, k, 0x00) + op(S_SHORT, k, 0x01) +
            op(C_SHORT, k, 0x00, dt="60ms") + op(S_SHORT, k, 0x01, dt="300ms") +
            op(C_SHORT, k, 0x00, dt="60ms") + op(S_SHORT, k, 0x01))


def scenarios():
    s = {}
    # v1, 8-byte client IDs; server IDs of 8 (seed picks them)
    s["handshake"] = header(seed=0x4C) + handshake(0, 0x00, 0x18)
    s["handshake-v2"] = header(seed=0x4C) + handshake(0, 0x05, 0x1A)
    s["handshake-ipv6-vlan"] = header(world=0x03, seed=0x4C) + handshake(0, 0x00, 0x18)
    s["retry"] = (header(seed=0x4C) + op(C_INITIAL, 0, 0, 0x18, 0, dt="0") + op(S_RETRY, 0, 0) +
                  op(C_INITIAL, 0, 0) + op(S_INITIAL, 0, 0x15) + op(C_HANDSHAKE, 0, 1) +
                  op(S_SHORT, 0, 1) + op(C_SHORT, 0, 0))
    s["vn"] = (header(seed=0x4C) + op(C_INITIAL, 0, 0, 0x1F, 0, dt="0") + op(S_VN, 0, 0) +
               op(C_INITIAL, 0, 0x10) + op(S_INITIAL, 0, 0x05) + op(C_HANDSHAKE, 0, 1) +
               op(C_SHORT, 0, 0))
    s["migration-port"] = header(seed=0x4C) + handshake(0, 0x00, 0x18) + migration(0, 0)
    s["migration-addr"] = header(world=0x04, seed=0x4C) + handshake(0, 0x00, 0x18) + migration(0, 1)
    s["preferred-addr"] = header(seed=0x4C) + handshake(0, 0x00, 0x18) + migration(0, 2)
    s["rebinding"] = (header(seed=0x4C) + handshake(0, 0x00, 0x18) + op(C_REBIND, 0, 0x01) +
                      op(S_SHORT, 0, 1) + op(C_SHORT, 0, 0) + op(S_NEWCID, 0, 1) +
                      op(C_NEWCID, 0, 0))
    s["cid-change"] = (header(seed=0x4C) + handshake(0, 0x00, 0x18) + op(C_NEWCID, 0, 0) +
                       op(S_NEWCID, 0, 1) + op(C_SHORT, 0, 0) + op(S_SHORT, 0, 1))
    # a crowd at one server: three connections, one moves while another ends
    s["crowd-move"] = (header(world=0x08, seed=0x4C) + handshake(0, 0x00, 0x18) +
                       handshake(1, 0x05, 0x18) + handshake(2, 0x0A, 0x18) +
                       op(END, 1, dt="60ms") + migration(0, 0) + op(S_SHORT, 2, 1) +
                       op(C_SHORT, 2, 0, dt="300ms"))
    s["crowd-cgnat"] = (header(world=0x28, seed=0x4C) + handshake(0, 0x00, 0x18) +
                        handshake(1, 0x01, 0x18) + migration(1, 0) + op(C_SHORT, 0, 0))
    s["multipath"] = (header(seed=0x4C) + handshake(0, 0x00, 0x18) + migration(0, 0) +
                      op(C_SHORT, 0, 0x10) + op(S_SHORT, 0, 0x11) + op(C_SHORT, 0, 0x00))
    s["short-ids"] = header(seed=0x04) + handshake(0, 0x00, 0x08) + migration(0, 0)
    s["expiry"] = (header(idle=IDLE_2, seed=0x4C) + handshake(0, 0x00, 0x18) +
                   op(C_SHORT, 0, 0, dt="1.5s") + op(C_SHORT, 0, 0, dt="1.5s") +
                   bytes([C_SHORT | 7 << 5, 3, 0, 0]) + op(S_SHORT, 0, 1))
    s["reset"] = (header(seed=0x4C) + handshake(0, 0x00, 0x18) + op(C_PROBE, 0, 0, 1) +
                  op(S_RESET, 0, 1) + op(S_RESET, 0, 1) + op(S_PROBE, 0, 0))
    # the guard, tight rates, an attacker beside a real connection
    s["guard-attack"] = (header(guard=True, lh=(8, 2), conn=(2, 2), seed=0x4C) +
                         handshake(0, 0x00, 0x18) + op(GARBAGE, 0, 0, 0) + op(GARBAGE, 1, 0, 0) +
                         op(GARBAGE, 2, 0, 0) + op(SPOOF, 0, 0x01, 0xA0, 0) +
                         op(GARBAGE, 3, 0x40, 0) + migration(0, 0) + op(GARBAGE, 9, 0, 0) +
                         op(C_INITIAL, 1, 0x01, 0x18, 0x01))
    s["tiny-maps"] = (header(profile=PROFILE_TINY, seed=0x4C) + handshake(0, 0x00, 0x18) +
                      handshake(1, 0x05, 0x18) + handshake(2, 0x0A, 0x18) +
                      handshake(3, 0x4F, 0x18) + migration(0, 0) + op(C_SHORT, 1, 0) +
                      op(S_SHORT, 2, 1))
    s["raw"] = (header(seed=0x4C) + handshake(0, 0x00, 0x18) +
                op(RAW, 0x00, 0x40, 2) + bytes(range(0x40, 0x4A)))
    return s


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "tests/corpus/track"
    want = {"pkt": {}, "seq": {}, "gen": {}}
    caps, per_kind = [], {}
    for d in ("crafted", "ngtcp2", "crowd"):  # the crafted ones first: the most kinds
        for p in sorted(glob.glob("pcaps/%s/*.pcap" % d)):
            caps.append((d, p))
    for d, p in caps:
        r = read_pcap(p)
        if not r:
            continue
        lt, recs = r
        frames = [(ts, to_ethernet(lt, fr)) for ts, fr in recs]
        frames = [(ts, fr) for ts, fr in frames if fr]
        if not frames:
            continue
        name = os.path.splitext(os.path.basename(p))[0]
        want["seq"]["seed-%s-%s" % (d, name)] = seq_input(header(), frames[:FRAMES[d]])
        kinds = {}
        for ts, fr in frames:
            k = kind(fr)
            if (k != "other" and k not in kinds and len(kinds) < PKT_PER_CAPTURE and
                    per_kind.get(k, 0) < PKT_PER_KIND):
                kinds[k] = fr
                per_kind[k] = per_kind.get(k, 0) + 1
        for k, fr in kinds.items():
            want["pkt"]["seed-%s-%s-%s" % (d, name, k)] = fr
    # two captures again under the guard's tight rates, and with small maps
    for d, name in (("ngtcp2", "migration"), ("crowd", "crowd-host")):
        r = read_pcap("pcaps/%s/%s.pcap" % (d, name))
        if r:
            frames = [(ts, to_ethernet(r[0], fr)) for ts, fr in r[1]]
            frames = [(ts, fr) for ts, fr in frames if fr][:FRAMES[d]]
            want["seq"]["seed-%s-%s-guard" % (d, name)] = seq_input(
                header(guard=True, lh=(20, 4), conn=(2, 2)), frames)
            want["seq"]["seed-%s-%s-small" % (d, name)] = seq_input(
                header(profile=PROFILE_SMALL, idle=IDLE_5), frames)
    for name, data in scenarios().items():
        want["gen"]["seed-" + name] = data
    # identical frames from different captures: one seed
    seen = set()
    for fmt in ("pkt", "seq"):
        for name in sorted(want[fmt]):
            h = hashlib.sha1(want[fmt][name]).digest()
            if h in seen:
                del want[fmt][name]
            seen.add(h)
    total = 0
    for fmt, files in want.items():
        d = os.path.join(out, fmt)
        os.makedirs(d, exist_ok=True)
        for old in glob.glob(os.path.join(d, "seed-*")):
            if os.path.basename(old) not in files:
                os.remove(old)
        for name, data in files.items():
            path = os.path.join(d, name)
            if not os.path.exists(path) or open(path, "rb").read() != data:
                with open(path, "wb") as f:
                    f.write(data)
            total += len(data)
        print("fuzz_seed: %s: %d seeds" % (d, len(files)))
    print("fuzz_seed: %d bytes in all" % total)


if __name__ == "__main__":
    main()
