#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""
craft.py - write the hand-crafted QUIC test captures of linkquic.

    python3 pcaps/craft.py            # writes pcaps/crafted/*
    python3 pcaps/craft.py --out DIR  # writes the same files into DIR

Standard library only.  Every capture comes from a small model (hosts,
connections, connection IDs, packets); the same model writes the packets and
the sidecar NAME.truth, so the truth never comes from a tool's reading of the
capture.  Output is deterministic: a SHA-256 counter-mode byte stream seeded by
a fixed number per capture (not Python's `random`, whose algorithms may change
between releases) and fixed timestamps, so re-running gives byte-identical
files.

Nothing is encrypted for real: QUIC packets get correct plaintext headers
(RFC 9000 §17, RFC 9369 §3 for v2) and random bytes where packet numbers and
protected payloads would be.  Only 198.18.0.0/15 and 2001:db8::/32 are used.
"""

import hashlib
import ipaddress
import os
import re
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_OUT = os.path.join(HERE, 'crafted')

ALLOWED_NETS = (ipaddress.ip_network('198.18.0.0/15'),
                ipaddress.ip_network('2001:db8::/32'))

# ---------------------------------------------------------------------------
# Deterministic randomness
# ---------------------------------------------------------------------------


class Rng:
    """SHA-256 in counter mode: the same seed gives the same bytes on every
    Python version."""

    def __init__(self, seed):
        self.key = hashlib.sha256(b'linkquic-craft/' + str(seed).encode()).digest()
        self.ctr = 0
        self.buf = b''

    def bytes(self, n):
        while len(self.buf) < n:
            self.buf += hashlib.sha256(self.key + self.ctr.to_bytes(8, 'big')).digest()
            self.ctr += 1
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def int(self, lo, hi):
        """Uniform integer in [lo, hi] (rejection sampling, no bias)."""
        span = hi - lo + 1
        bits = max(1, (span - 1).bit_length())
        while True:
            v = int.from_bytes(self.bytes((bits + 7) // 8), 'big') & ((1 << bits) - 1)
            if v < span:
                return lo + v


# ---------------------------------------------------------------------------
# QUIC
# ---------------------------------------------------------------------------

V1 = 0x00000001
V2 = 0x6b3343cf          # RFC 9369
GREASE_V = 0x1a2a3a4a    # RFC 9000 §15: 0x?a?a?a?a is reserved

# Long-header packet type bits (RFC 9000 §17.2 table 5, RFC 9369 §3.2).
TYPE_BITS = {
    V1: {'Initial': 0, '0-RTT': 1, 'Handshake': 2, 'Retry': 3},
    V2: {'Initial': 1, '0-RTT': 2, 'Handshake': 3, 'Retry': 0},
}

LEN_FIELD = 2   # Length is written as a 2-byte varint, as most stacks do


def varint(v, size=None):
    """RFC 9000 §16 variable-length integer (need not be minimal)."""
    if size is None:
        size = 1 if v < 0x40 else 2 if v < 0x4000 else 4 if v < 0x40000000 else 8
    prefix = {1: 0, 2: 1, 4: 2, 8: 3}[size]
    assert 0 <= v < (1 << (8 * size - 2)), (v, size)
    return (v | (prefix << (8 * size - 2))).to_bytes(size, 'big')


def vname(v):
    return {V1: 'v1', V2: 'v2', 0: 'VN'}.get(v, '0x%08x' % v)


def fcid(c):
    return '%d:%s' % (len(c), c.hex()) if c else '0:-'


def L(ptype, version, dcid, scid, n=None, tok=b'', length=None, fixed=True, tbits=None):
    """A long-header packet for build_dgram.  n = bytes of packet number +
    protected payload (None: fill the datagram up to its size); length
    overrides the Length field; tbits overrides the type bits."""
    return dict(k='L', t=ptype, v=version, d=dcid, s=scid, n=n, tok=tok,
                length=length, fixed=fixed, tbits=tbits)


def S(dcid, n=None):
    """A short-header (1-RTT) packet; it always runs to the end of the datagram."""
    return dict(k='S', d=dcid, n=n)


def part_overhead(p):
    if p['k'] == 'S':
        return 1 + len(p['d'])
    o = 1 + 4 + 1 + len(p['d']) + 1 + len(p['s']) + LEN_FIELD
    if p['t'] == 'Initial':
        o += len(varint(len(p['tok']))) + len(p['tok'])
    return o


def encode_part(rng, p):
    """-> (bytes, description, layout); layout lists (field, start, end)."""
    lay = []
    if p['k'] == 'S':
        # 0 1 S R R K P P: spin, reserved, key phase and PN length are
        # header-protected on the wire, so they look random.
        b0 = 0x40 | rng.int(0, 0x3f)
        out = bytes([b0]) + p['d'] + rng.bytes(p['n'])
        lay = [('first byte', 0, 1), ('DCID', 1, 1 + len(p['d'])),
               ('protected payload', 1 + len(p['d']), len(out))]
        return out, '1-RTT(d=%s)' % fcid(p['d']), lay
    v = p['v']
    tb = p['tbits'] if p['tbits'] is not None else TYPE_BITS.get(v, TYPE_BITS[V1])[p['t']]
    b0 = 0x80 | (0x40 if p['fixed'] else 0) | (tb << 4) | rng.int(0, 15)
    out = bytearray([b0])
    lay.append(('first byte', 0, 1))
    out += struct.pack('!I', v)
    lay.append(('version', 1, 5))
    out.append(len(p['d']))
    lay.append(('DCID length', 5, 6))
    lay.append(('DCID', len(out), len(out) + len(p['d'])))
    out += p['d']
    lay.append(('SCID length', len(out), len(out) + 1))
    out.append(len(p['s']))
    lay.append(('SCID', len(out), len(out) + len(p['s'])))
    out += p['s']
    if p['t'] == 'Initial':
        tl = varint(len(p['tok']))
        lay.append(('token length', len(out), len(out) + len(tl)))
        out += tl
        lay.append(('token', len(out), len(out) + len(p['tok'])))
        out += p['tok']
    length = p['n'] if p['length'] is None else p['length']
    lay.append(('Length', len(out), len(out) + LEN_FIELD))
    out += varint(length, LEN_FIELD)
    lay.append(('packet number + payload', len(out), len(out) + p['n']))
    out += rng.bytes(p['n'])
    desc = '%s(%s d=%s s=%s' % (p['t'], vname(v), fcid(p['d']), fcid(p['s']))
    if p['t'] == 'Initial':
        desc += ' tok=%d' % len(p['tok'])
    desc += ' len=%d' % length
    if p['length'] is not None:
        desc += '!'
    if not p['fixed']:
        desc += ' fixed-bit=0'
    if p['tbits'] is not None:
        desc += ' typebits=%d' % tb
    return bytes(out), desc + ')', lay


def build_dgram(rng, parts, size=None):
    """Coalesce packets into one UDP payload of `size` bytes (RFC 9000 §12.2).
    -> (payload, description, layout of the first packet)."""
    parts = [dict(p) for p in parts]
    for p in parts[:-1]:
        assert p['k'] == 'L', 'a short header packet must be last in a datagram'
    fill = [i for i, p in enumerate(parts) if p['n'] is None]
    assert len(fill) <= 1
    used = sum(part_overhead(p) + (p['n'] or 0) for p in parts)
    if fill:
        assert size is not None
        parts[fill[0]]['n'] = size - used
        assert parts[fill[0]]['n'] >= 20, (size, used)
    elif size is not None:
        assert used == size, (used, size)
    out = b''
    descs = []
    layout = None
    for p in parts:
        b, d, lay = encode_part(rng, p)
        if layout is None:
            layout = lay
        out += b
        descs.append(d)
    return out, ' + '.join(descs) + ' [%dB]' % len(out), layout


def retry_packet(rng, version, dcid, scid, token):
    """RFC 9000 §17.2.5: no Length; token, then a 16-byte integrity tag."""
    tb = TYPE_BITS[version]['Retry']
    b0 = 0xc0 | (tb << 4) | rng.int(0, 15)
    out = (bytes([b0]) + struct.pack('!I', version) + bytes([len(dcid)]) + dcid +
           bytes([len(scid)]) + scid + token + rng.bytes(16))
    return out, 'Retry(%s d=%s s=%s tok=%d) [%dB]' % (vname(version), fcid(dcid), fcid(scid),
                                                       len(token), len(out))


def vn_packet(rng, dcid, scid, versions):
    """RFC 9000 §17.2.1: bit 7 set, the other 7 bits arbitrary, version 0."""
    b0 = 0x80 | rng.int(0, 0x7f)
    out = (bytes([b0]) + b'\0\0\0\0' + bytes([len(dcid)]) + dcid + bytes([len(scid)]) + scid +
           b''.join(struct.pack('!I', v) for v in versions))
    return out, 'VN(d=%s s=%s versions=%s) [%dB]' % (
        fcid(dcid), fcid(scid), ','.join(vname(v) for v in versions), len(out))


# ---------------------------------------------------------------------------
# IP / UDP
# ---------------------------------------------------------------------------

def addr(a):
    ip = ipaddress.ip_address(a)
    assert any(ip in n for n in ALLOWED_NETS), 'address outside the test ranges: %s' % a
    return ip


def csum16(data):
    if len(data) % 2:
        data += b'\0'
    s = sum(struct.unpack('!%dH' % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def udp_segment(src, sport, dst, dport, payload, checksum=True):
    ulen = 8 + len(payload)
    c = 0
    if checksum:
        if src.version == 6:
            pseudo = src.packed + dst.packed + struct.pack('!I3xB', ulen, 17)
        else:
            pseudo = src.packed + dst.packed + struct.pack('!BBH', 0, 17, ulen)
        c = csum16(pseudo + struct.pack('!HHHH', sport, dport, ulen, 0) + payload) or 0xffff
    return struct.pack('!HHHH', sport, dport, ulen, c) + payload


# IPv4 options (RFC 791).  Type bit 0x80 = "copied" into every fragment.
def opt_ra():
    return b'\x94\x04\x00\x00'                      # Router Alert (RFC 2113), copied


def opt_nop():
    return b'\x01'


def opt_rr(slots, filled=()):
    """Record Route, not copied: `filled` addresses already recorded."""
    data = b''.join(addr(a).packed for a in filled) + b'\0' * 4 * (slots - len(filled))
    return bytes([7, 3 + 4 * slots, 4 + 4 * len(filled)]) + data


def opt_ts(slots):
    """Internet Timestamp, timestamps only (flag 0), not copied, empty."""
    return bytes([0x44, 4 + 4 * slots, 5, 0]) + b'\0' * 4 * slots


def pad_opts(opts):
    b = b''.join(opts)
    b += b'\0' * (-len(b) % 4)                     # End of Option List
    assert len(b) <= 40
    return b


def ipv4_header(src, dst, plen, ident, ttl, options=b'', df=False, mf=False, offset=0, tos=0):
    ihl = 5 + len(options) // 4
    flags = (0x4000 if df else 0) | (0x2000 if mf else 0) | (offset >> 3)
    h = struct.pack('!BBHHHBBH4s4s', 0x40 | ihl, tos, ihl * 4 + plen, ident, flags, ttl, 17, 0,
                    src.packed, dst.packed) + options
    return h[:10] + struct.pack('!H', csum16(h)) + h[12:]


def ipv4_packets(src, dst, seg, ident, ttl, options=(), frag=None):
    """-> [(ip packet, fragment info or None)].  frag = sizes of every fragment
    payload but the last (multiples of 8)."""
    if not frag:
        return [(ipv4_header(src, dst, len(seg), ident, ttl, pad_opts(options), df=True) + seg, None)]
    first_opts = pad_opts(options)
    later_opts = pad_opts([o for o in options if o[0] & 0x80])
    out = []
    off = 0
    sizes = list(frag) + [len(seg) - sum(frag)]
    for i, n in enumerate(sizes):
        assert n > 0 and (i == len(sizes) - 1 or n % 8 == 0)
        more = i < len(sizes) - 1
        h = ipv4_header(src, dst, n, ident, ttl, first_opts if off == 0 else later_opts,
                        mf=more, offset=off)
        out.append((h + seg[off:off + n], dict(index=i, count=len(sizes), offset=off, size=n, more=more)))
        off += n
    return out


# IPv6 extension headers (RFC 8200 §4).
NH_HBH, NH_ROUTING, NH_FRAG, NH_DSTOPTS, NH_UDP = 0, 43, 44, 60, 17


def _tlv_pad(opts):
    """Pad an option area so that 2 + len is a multiple of 8 (Pad1/PadN)."""
    need = -(2 + len(opts)) % 8
    if need == 1:
        opts += b'\x00'
    elif need:
        opts += bytes([1, need - 2]) + b'\0' * (need - 2)
    return opts


def ext_hbh():
    return ('hop-by-hop', NH_HBH, _tlv_pad(b'\x05\x02\x00\x00'))       # Router Alert (RFC 2711)


def ext_dstopts():
    # Option 0x1e (RFC 4727 experiment, action 00 = skip if unknown), 4 bytes.
    return ('destination-options', NH_DSTOPTS, _tlv_pad(b'\x1e\x04' + b'\xde\xad\xbe\xef'))


def ext_srh(final_dst, first_hop):
    """Segment Routing Header (RFC 8754), Segments Left 0: the packet is at its
    final destination, Segment List[0], which is the IPv6 destination; so the
    UDP pseudo-header uses the IPv6 destination address."""
    body = struct.pack('!BBBBH', 4, 0, 1, 0, 0) + addr(final_dst).packed + addr(first_hop).packed
    return ('routing(SRH)', NH_ROUTING, body)


def _chain(exts, last_nh):
    """Serialise extension headers; -> (first next-header value, bytes)."""
    out = b''
    for i in range(len(exts) - 1, -1, -1):
        name, code, body = exts[i]
        nxt = last_nh if i == len(exts) - 1 else exts[i + 1][1]
        assert (2 + len(body)) % 8 == 0
        out = bytes([nxt, (2 + len(body)) // 8 - 1]) + body + out
    return (exts[0][1] if exts else last_nh), out


def ipv6_packets(src, dst, seg, hlim, flow, unfrag=(), fragable=(), frag=None, frag_id=0, atomic=False):
    """-> [(ip packet, fragment info or None)].  `unfrag` headers go in every
    fragment, `fragable` ones (and UDP) are split.  frag = sizes of every
    fragment payload but the last (multiples of 8); atomic = one fragment
    header with offset 0 and M=0 (RFC 6946)."""
    if frag is None and not atomic:
        nh, ext = _chain(list(unfrag) + list(fragable), NH_UDP)
        payload = ext + seg
        return [(struct.pack('!IHBB', 0x60000000 | flow, len(payload), nh, hlim) +
                 src.packed + dst.packed + payload, None)]
    fnh, fext = _chain(list(fragable), NH_UDP)
    data = fext + seg
    sizes = (list(frag) if frag else []) + [len(data) - sum(frag or [])]
    out = []
    off = 0
    for i, n in enumerate(sizes):
        assert n > 0 and (i == len(sizes) - 1 or n % 8 == 0)
        more = i < len(sizes) - 1
        nh, uext = _chain(list(unfrag), NH_FRAG) if unfrag else (NH_FRAG, b'')
        fhdr = struct.pack('!BBHI', fnh, 0, off | (1 if more else 0), frag_id)
        payload = uext + fhdr + data[off:off + n]
        out.append((struct.pack('!IHBB', 0x60000000 | flow, len(payload), nh, hlim) +
                    src.packed + dst.packed + payload,
                    dict(index=i, count=len(sizes), offset=off, size=n, more=more)))
        off += n
    return out


# ---------------------------------------------------------------------------
# Link layers
# ---------------------------------------------------------------------------

LINKTYPE = {'ether': 1, 'vlan': 1, 'qinq': 1, 'sll': 113, 'sll2': 276,
            'raw': 101, 'null': 0, 'ppp': 9}
LINKNAME = {'ether': 'Ethernet', 'vlan': 'Ethernet+802.1Q', 'qinq': 'Ethernet+802.1ad+802.1Q',
            'sll': 'Linux cooked SLL', 'sll2': 'Linux cooked SLL2', 'raw': 'raw IP',
            'null': 'BSD null/loopback', 'ppp': 'PPP'}
NULL_AF6 = (24, 28, 30)   # BSD AF_INET6 values: NetBSD/OpenBSD, FreeBSD, Darwin


def mac_for(ip):
    """Locally administered unicast MAC derived from the address."""
    return b'\x02' + hashlib.sha256(b'mac/' + ip.packed).digest()[:5]


# ---------------------------------------------------------------------------
# Captures
# ---------------------------------------------------------------------------

class Frame:
    def __init__(self, ts_ns, data, conn, note, kind, iface=0):
        self.ts_ns, self.data, self.conn, self.note, self.kind, self.iface = ts_ns, data, conn, note, kind, iface


class Capture:
    def __init__(self, name, seed, link='ether', snaplen=262144, t0=1704067200, fmt='pcap',
                 endian='<', nsec=False, ifaces=None, desc=''):
        self.name, self.link, self.snaplen, self.fmt = name, link, snaplen, fmt
        self.endian, self.nsec, self.desc = endian, nsec, desc
        self.ifaces = ifaces or [(link, 6)]        # pcapng: (link, if_tsresol)
        self.rng = Rng(seed)
        self.t = t0 * 10 ** 9
        self.frames = []
        self.cids = set()
        self.ipid = self.rng.int(0x1000, 0xefff)
        self.null_v6 = 0
        self.iface_cycle = 0
        self.ipv4_udp_csum = True
        self.cut_last = None          # damaged.pcap: bytes of the last record actually written
        self.bad_magic = False        # badheader.pcap
        self.comments = []            # extra '#' lines of the truth file

    # -- model helpers ------------------------------------------------------
    def cid(self, n):
        if n == 0:
            return b''
        while True:
            c = self.rng.bytes(n)
            if c not in self.cids:
                self.cids.add(c)
                return c

    def claim(self, c):
        assert c not in self.cids or len(c) == 0, c
        self.cids.add(c)
        return c

    def tick(self, us):
        self.t += us * 1000

    # -- link layer ----------------------------------------------------------
    def encap(self, ipb, outgoing, link):
        v6 = ipb[0] >> 4 == 6
        if v6:
            src, dst = ipaddress.ip_address(ipb[8:24]), ipaddress.ip_address(ipb[24:40])
        else:
            src, dst = ipaddress.ip_address(ipb[12:16]), ipaddress.ip_address(ipb[16:20])
        et = 0x86dd if v6 else 0x0800
        smac, dmac = mac_for(src), mac_for(dst)
        what = ''
        if link == 'ether':
            return dmac + smac + struct.pack('!H', et) + ipb, what
        if link == 'vlan':
            return dmac + smac + struct.pack('!HHH', 0x8100, (3 << 13) | 100, et) + ipb, ' vlan=100'
        if link == 'qinq':
            return (dmac + smac + struct.pack('!HHHHH', 0x88a8, 200, 0x8100, 100, et) + ipb,
                    ' s-vlan=200 c-vlan=100')
        if link == 'sll':
            ptype = 4 if outgoing else 0          # PACKET_OUTGOING / PACKET_HOST
            return struct.pack('!HHH8sH', ptype, 1, 6, smac + b'\0\0', et) + ipb, ' pkttype=%d' % ptype
        if link == 'sll2':
            ptype = 4 if outgoing else 0
            return (struct.pack('!HHIHBB8s', et, 0, 2, 1, ptype, 6, smac + b'\0\0') + ipb,
                    ' pkttype=%d ifindex=2' % ptype)
        if link == 'raw':
            return ipb, what
        if link == 'null':
            # The family is in the writer's byte order, which is the file's.
            if v6:
                af = NULL_AF6[self.null_v6 % len(NULL_AF6)]
                self.null_v6 += 1
            else:
                af = 2
            return struct.pack(self.endian + 'I', af) + ipb, ' AF=%d' % af
        if link == 'ppp':
            return b'\xff\x03' + struct.pack('!H', 0x0057 if v6 else 0x0021) + ipb, ''
        raise ValueError(link)

    # -- one UDP datagram -> one or more frames ------------------------------
    def send(self, src, dst, payload, conn, note, kind='-', outgoing=True, dt=None,
             ipopts=(), unfrag=(), fragable=(), frag=None, frag_order=None, atomic=False,
             layout=None, ttl=None):
        assert (conn == '-') == (kind != '-'), (conn, kind, note)
        self.tick(dt if dt is not None else self.rng.int(80, 2500))
        self.t += self.rng.int(0, 999)     # sub-microsecond part, seen by nanosecond files
        sa, sp = addr(src[0]), src[1]
        da, dp = addr(dst[0]), dst[1]
        csum = self.ipv4_udp_csum or sa.version == 6
        seg = udp_segment(sa, sp, da, dp, payload, csum)
        hl = ttl if ttl is not None else (64 if outgoing else 57)
        if sa.version == 4:
            pkts = ipv4_packets(sa, da, seg, self.ipid, hl, ipopts, frag)
            self.ipid = (self.ipid + 1) & 0xffff
            fam = 'IPv4'
        else:
            flow = int.from_bytes(hashlib.sha256(sa.packed + da.packed + struct.pack('!HH', sp, dp))
                                  .digest()[:3], 'big') & 0xfffff
            fid = self.rng.int(1, 0xffffffff) if (frag or atomic) else 0
            pkts = ipv6_packets(sa, da, seg, hl, flow, unfrag, fragable, frag, fid, atomic)
            fam = 'IPv6'
        order = frag_order or list(range(len(pkts)))
        for j, i in enumerate(order):
            ipb, fi = pkts[i]
            if j:
                self.tick(self.rng.int(3, 40))
            if len(self.ifaces) > 1:
                iface = self.iface_cycle % len(self.ifaces)
                self.iface_cycle += 1
            else:
                iface = 0
            link = self.ifaces[iface][0]
            data, lnote = self.encap(ipb, outgoing, link)
            c, k, n = conn, kind, note
            if atomic:
                n = '%s atomic fragment (offset 0, M=0); %s' % (fam, note)
            elif fi is not None:
                udp_in = fi['size'] if fi['offset'] == 0 else 0
                head = '%s fragment %d/%d offset=%d %s' % (fam, fi['index'] + 1, fi['count'],
                                                           fi['offset'], 'MF' if fi['more'] else 'last')
                if fi['offset'] == 0:
                    quic_bytes = max(0, udp_in - 8 - _fragable_len(fragable))
                    n = '%s, carries the UDP header and QUIC bytes 0..%d of %d; %s' % (
                        head, quic_bytes - 1, len(payload), note)
                else:
                    c, k = '-', 'non_first_fragment'
                    n = '%s (no UDP header, not QUIC by itself) of: %s' % (head, note)
            if len(self.ifaces) > 1:
                n = 'if%d(%s) %s' % (iface, LINKNAME[link], n)
            elif lnote:
                n = '%s [%s]' % (n, lnote.strip())
            if ipopts and (fi is None or fi['offset'] == 0):
                n += ' [IPv4 options %dB]' % len(pad_opts(ipopts))
            elif ipopts and fi is not None:
                n += ' [IPv4 options %dB: copied ones only]' % len(pad_opts([o for o in ipopts if o[0] & 0x80]))
            if unfrag or fragable or atomic:
                names = ([e[0] for e in unfrag] + (['fragment'] if (fi or atomic) else []) +
                         [e[0] for e in fragable])
                n += ' [ext: %s]' % ','.join(names)
            if len(data) > self.snaplen:
                qoff = len(data) - len(payload)
                vis = self.snaplen - qoff
                n += ' [caplen %d < len %d: %s]' % (self.snaplen, len(data), _cut_where(vis, layout, qoff))
            self.frames.append(Frame(self.t, data, c, n, k, iface))

    # -- output -------------------------------------------------------------
    def write(self, outdir):
        path = os.path.join(outdir, self.name)
        blob = write_pcapng(self) if self.fmt == 'pcapng' else write_pcap(self)
        with open(path, 'wb') as f:
            f.write(blob)
        base = self.name.rsplit('.', 1)[0]
        with open(os.path.join(outdir, base + '.truth'), 'w') as f:
            f.write('# %s - ground truth written by pcaps/craft.py from the model that built the capture\n'
                    % self.name)
            f.write('# columns: frame (1-based, as tshark numbers them) <TAB> conn (A, B, ... or -)'
                    ' <TAB> note <TAB> kind (expected reason for a "-" frame, "-" otherwise)\n')
            for line in self.comments:
                f.write('# %s\n' % line)
            nframes = len(self.frames) - (1 if self.cut_last is not None else 0)
            if self.bad_magic:
                nframes = 0
            for i, fr in enumerate(self.frames[:nframes], 1):
                assert '\t' not in fr.note and '\n' not in fr.note
                f.write('%d\t%s\t%s\t%s\n' % (i, fr.conn, fr.note, fr.kind))
        if getattr(self, 'quic_servers', None):
            self.write_expect(os.path.join(outdir, base + '.expect'), nframes)
        return path

    # The verdict and reason linkquic must give each frame, in its own names:
    # a frame of a connection is quic; garbage sent to a QUIC server is
    # garbage with its reason; garbage sent anywhere else is not_quic.
    REASONS = {
        'initial_too_small': 'initial_too_small', 'unknown_version': 'unknown_version',
        'unsupported_version': 'unsupported_version',
        'cid_too_long': 'cid_too_long', 'length_overrun': 'length_overrun',
        'retry_to_server': 'bad_type', 'vn_to_server': 'bad_type',
        'fixed_bit_clear': 'fixed_bit', 'unknown_dcid': 'unknown_dcid',
        # random bytes with the fixed bit clear: RFC 9000 §17.3.1 says discard
        'not_quic': 'fixed_bit', 'empty_payload': 'empty',
    }
    # QUIC-like frames that are not garbage, though no connection claims them
    PENDING = {'probe_unknown'}

    def write_expect(self, path, nframes):
        with open(path, 'w') as f:
            f.write('# %s - verdict and reason linkquic must give each frame, written by '
                    'pcaps/craft.py\n' % self.name)
            f.write('# columns: frame <TAB> verdict <TAB> reason (- for none)\n')
            for i, fr in enumerate(self.frames[:nframes], 1):
                d = fr.data
                assert d[12:14] == b'\x08\x00', 'expectations are for IPv4 over Ethernet'
                ihl = (d[14] & 15) * 4
                dst = ('.'.join(str(b) for b in d[30:34]), struct.unpack('!H', d[14 + ihl + 2:14 + ihl + 4])[0])
                if fr.conn != '-':
                    v, r = 'quic', '-'
                elif dst in self.quic_servers and fr.kind in self.PENDING:
                    v, r = 'pending', '-'
                elif dst in self.quic_servers:
                    v, r = 'garbage', self.REASONS[fr.kind]
                else:
                    v, r = 'not_quic', '-'
                f.write('%d\t%s\t%s\n' % (i, v, r))


def _fragable_len(fragable):
    return sum(2 + len(e[2]) for e in fragable)


def _cut_where(vis, layout, qoff):
    if vis <= 0:
        return 'no QUIC byte captured (cut %d bytes before the UDP payload)' % -vis
    for name, a, b in layout or []:
        if a <= vis < b:
            if vis == a:
                return '%d QUIC bytes captured, cut just before the %s' % (vis, name)
            return '%d QUIC bytes captured, cut inside the %s (%d of %d bytes)' % (vis, name, vis - a, b - a)
    return '%d QUIC bytes captured' % vis


def write_pcap(cap):
    e = cap.endian
    magic = 0xa1b23c4d if cap.nsec else 0xa1b2c3d4
    hdr = struct.pack(e + 'IHHiIII', magic, 2, 4, 0, 0, cap.snaplen, LINKTYPE[cap.link])
    if cap.bad_magic:
        hdr = b'\xd5' + hdr[1:] if e == '<' else hdr[:3] + b'\xd5'
    out = [hdr]
    for i, fr in enumerate(cap.frames):
        sec, ns = divmod(fr.ts_ns, 10 ** 9)
        frac = ns if cap.nsec else ns // 1000
        data = fr.data[:cap.snaplen]
        rec = struct.pack(e + 'IIII', sec, frac, len(data), len(fr.data)) + data
        if cap.cut_last is not None and i == len(cap.frames) - 1:
            rec = rec[:16 + cap.cut_last]
        out.append(rec)
    return b''.join(out)


def _ng_opt(e, code, val):
    return struct.pack(e + 'HH', code, len(val)) + val + b'\0' * (-len(val) % 4)


def _ng_block(e, btype, body):
    total = 12 + len(body)
    return struct.pack(e + 'II', btype, total) + body + struct.pack(e + 'I', total)


def write_pcapng(cap):
    e = cap.endian
    end = struct.pack(e + 'HH', 0, 0)
    shb = struct.pack(e + 'IHHq', 0x1a2b3c4d, 1, 0, -1) + \
        _ng_opt(e, 4, b'linkquic pcaps/craft.py') + end                  # shb_userappl
    out = [_ng_block(e, 0x0a0d0d0a, shb)]
    for i, (link, res) in enumerate(cap.ifaces):
        idb = struct.pack(e + 'HHI', LINKTYPE[link], 0, cap.snaplen) + \
            _ng_opt(e, 2, ('crafted%d-%s' % (i, link)).encode()) + \
            _ng_opt(e, 9, bytes([res])) + end                             # if_name, if_tsresol
        out.append(_ng_block(e, 1, idb))
    for fr in cap.frames:
        res = cap.ifaces[fr.iface][1]
        ts = fr.ts_ns // 10 ** (9 - res)
        data = fr.data[:cap.snaplen]
        body = struct.pack(e + 'IIIII', fr.iface, ts >> 32, ts & 0xffffffff, len(data), len(fr.data)) + \
            data + b'\0' * (-len(data) % 4)
        body += _ng_opt(e, 1, fr.note[:120].encode()) + end                # opt_comment
        out.append(_ng_block(e, 6, body))
    return b''.join(out)


# ---------------------------------------------------------------------------
# Connections
# ---------------------------------------------------------------------------

class Conn:
    """One QUIC connection of the model.  A path is a dict: cli, srv (the
    4-tuple), dc (DCID the client sends to = a server CID), ds (DCID the server
    sends to = a client CID)."""

    def __init__(self, cap, label, cli, srv, ccid_len=8, scid_len=8, version=V1,
                 ccid=None, scid=None, odcid_len=8, **sendkw):
        self.cap, self.label, self.v = cap, label, version
        self.ccid = cap.cid(ccid_len) if ccid is None else cap.claim(ccid)
        self.scid = cap.cid(scid_len) if scid is None else cap.claim(scid)
        self.odcid = cap.cid(odcid_len)
        self.path = dict(cli=cli, srv=srv, dc=self.scid, ds=self.ccid, name='')
        self.sendkw = sendkw

    @property
    def rng(self):
        return self.cap.rng

    def _send(self, c2s, parts, size, what, path, **kw):
        p = path or self.path
        payload, desc, layout = build_dgram(self.rng, parts, size)
        arrow = 'c->s' if c2s else 's->c'
        note = '%s%s %s%s' % (arrow, (' ' + p['name']) if p['name'] else '', (what + ': ') if what else '', desc)
        args = dict(self.sendkw)
        args.update(kw)
        src, dst = (p['cli'], p['srv']) if c2s else (p['srv'], p['cli'])
        self.cap.send(src, dst, payload, self.label, note, outgoing=c2s, layout=layout, **args)

    def c2s(self, parts, size=None, what='', path=None, **kw):
        self._send(True, parts, size, what, path, **kw)

    def s2c(self, parts, size=None, what='', path=None, **kw):
        self._send(False, parts, size, what, path, **kw)

    # sizes: ACK-only 40-80, data 1200-1400, requests 100-400, probes 1200
    def size(self, kind):
        r = self.rng
        return {'ack': r.int(40, 80), 'data': r.int(1200, 1400), 'req': r.int(100, 400),
                'probe': 1200, 'initial': r.int(1200, 1252)}[kind]

    def short_c2s(self, kind='ack', what=None, path=None, **kw):
        p = path or self.path
        self.c2s([S(p['dc'])], self.size(kind), what or {'ack': 'ACK', 'data': 'data', 'req': 'request',
                                                          'probe': 'probe'}[kind], p, **kw)

    def short_s2c(self, kind='data', what=None, path=None, **kw):
        p = path or self.path
        self.s2c([S(p['ds'])], self.size(kind), what or {'ack': 'ACK', 'data': 'data', 'req': 'request',
                                                          'probe': 'probe'}[kind], p, **kw)

    def handshake(self, client_hs='coalesced', token=b'', dcid=None, zero_rtt=False,
                  server_hs_extra=1, coalesce_1rtt=False, server_version=None, first=True):
        """Client Initial -> server Initial+Handshake -> [server Handshake] ->
        client (Initial+)Handshake -> server HANDSHAKE_DONE in a short header."""
        v = self.v
        sv = server_version or v
        p = self.path
        d0 = self.odcid if dcid is None else dcid
        if first:
            parts = [L('Initial', v, d0, self.ccid, tok=token)]
            if zero_rtt:
                parts = [L('Initial', v, d0, self.ccid, n=self.rng.int(280, 320), tok=token),
                         L('0-RTT', v, d0, self.ccid)]
            self.c2s(parts, self.size('initial'), 'ClientHello' + (' + 0-RTT' if zero_rtt else ''))
        parts = [L('Initial', sv, self.ccid, self.scid, n=self.rng.int(90, 130)),
                 L('Handshake', sv, self.ccid, self.scid)]
        what = 'ServerHello + server handshake'
        if coalesce_1rtt:
            parts = [L('Initial', sv, self.ccid, self.scid, n=self.rng.int(90, 130)),
                     L('Handshake', sv, self.ccid, self.scid, n=self.rng.int(700, 900)),
                     S(self.ccid)]
            what += ' + 0.5-RTT data'
        self.s2c(parts, self.size('initial'), what)
        for _ in range(server_hs_extra):
            self.s2c([L('Handshake', sv, self.ccid, self.scid)], self.rng.int(700, 1252),
                     'server handshake (certificate)')
        if client_hs == 'alone':
            self.c2s([L('Handshake', sv, p['dc'], self.ccid, n=self.rng.int(60, 80))], None,
                     'client Finished')
        elif client_hs == 'coalesced':
            self.c2s([L('Initial', sv, p['dc'], self.ccid, n=self.rng.int(30, 50)),
                      L('Handshake', sv, p['dc'], self.ccid)], 1200,
                     'Initial ACK + client Finished, padded')
        elif client_hs == 'coalesced+1rtt':
            self.c2s([L('Initial', sv, p['dc'], self.ccid, n=self.rng.int(30, 50)),
                      L('Handshake', sv, p['dc'], self.ccid, n=self.rng.int(60, 80)),
                      S(p['dc'])], 1200, 'Initial ACK + client Finished + 1-RTT request, padded')
        self.short_s2c('ack', 'HANDSHAKE_DONE')

    def exchange(self, rounds, path=None, **kw):
        """A download: request, then data / ACK pairs."""
        self.short_c2s('req', path=path, **kw)
        for _ in range(rounds):
            self.short_s2c('data', path=path, **kw)
            self.short_c2s('ack', path=path, **kw)


# ---------------------------------------------------------------------------
# The captures
# ---------------------------------------------------------------------------

SRV_PORT = 443


def cap_multipath():
    cap = Capture('multipath.pcap', 101, desc=(
        'Connection A (198.18.0.10 -> 198.18.1.1:443, 8-byte CIDs on both sides) does its '
        'handshake (client Initial padded to 1200+, server Initial+Handshake coalesced, a '
        'second server Handshake, client Handshake alone) and exchanges short headers on path 1. '
        'Then the client opens path 2 from a second address, 198.18.0.20, with a DCID never '
        'seen before (8 bytes, the server\'s CID length) in a 1200-byte probe; the server '
        'answers on path 2 with a 1200-byte datagram to a client CID never seen before, the '
        'client answers that challenge (1200 bytes), and from then on both paths carry '
        'short-header traffic interleaved (multipath). Connection B (198.18.0.30 -> '
        '198.18.1.2:443, its own CIDs) runs at the same time and must never be merged with A.'))
    A = Conn(cap, 'A', ('198.18.0.10', 51001), ('198.18.1.1', SRV_PORT))
    A.path['name'] = 'path1'
    B = Conn(cap, 'B', ('198.18.0.30', 52001), ('198.18.1.2', SRV_PORT))
    A.handshake(client_hs='alone')
    A.exchange(2)
    B.handshake()
    A.exchange(1)
    B.exchange(2)
    p2 = dict(cli=('198.18.0.20', 51002), srv=('198.18.1.1', SRV_PORT), dc=cap.cid(8), ds=cap.cid(8),
              name='path2')
    cap.tick(20000)
    A.short_c2s('probe', 'PATH_CHALLENGE probe on a new path, new DCID', path=p2)
    A.short_s2c('probe', 'PATH_RESPONSE + PATH_CHALLENGE to a new client CID', path=p2)
    A.short_c2s('probe', 'PATH_RESPONSE', path=p2)
    for i in range(6):
        A.short_s2c('data')
        A.short_s2c('data', path=p2)
        A.short_c2s('ack')
        if i % 2 == 0:
            B.short_s2c('data')
        A.short_c2s('ack', path=p2)
        if i % 2 == 1:
            B.short_c2s('ack')
        if i == 3:
            A.short_c2s('req', path=p2)
    return cap


def cap_cid_zero():
    cap = Capture('cid-zero.pcap', 102, desc=(
        'Three connections between the same two hosts, 198.18.0.10 and 198.18.1.1. A (client '
        'port 40001) and B (client port 40002) both use a ZERO-length client CID (so every '
        'server->client packet has an empty DCID, short headers are just the first byte and '
        'payload) and 8-byte server CIDs. C (client port 40003 to server port 8443) uses '
        'zero-length CIDs on BOTH sides, so only the 4-tuple tells it apart. The three are '
        'interleaved and must stay separate. tshark needs `-d udp.port==8443,quic` for C.'))
    srv = '198.18.1.1'
    A = Conn(cap, 'A', ('198.18.0.10', 40001), (srv, SRV_PORT), ccid_len=0)
    B = Conn(cap, 'B', ('198.18.0.10', 40002), (srv, SRV_PORT), ccid_len=0)
    C = Conn(cap, 'C', ('198.18.0.10', 40003), (srv, 8443), ccid_len=0, scid_len=0)
    A.handshake()
    B.handshake(client_hs='alone')
    A.exchange(1)
    C.handshake()
    B.exchange(1)
    for _ in range(4):
        A.short_s2c('data')
        B.short_s2c('data')
        C.short_s2c('data')
        B.short_c2s('ack')
        A.short_c2s('ack')
        C.short_c2s('ack')
    return cap


def cap_cid_twenty():
    cap = Capture('cid-twenty.pcap', 103, desc=(
        'Connection A (198.18.0.10:50000 -> 198.18.1.1:443) uses 20-byte CIDs on both sides '
        '(the client\'s first DCID is 20 bytes too). After the handshake the client switches '
        'to a second 20-byte server CID on the same path, then the server switches to a second '
        '20-byte client CID. Then a NAT rebinding: the client\'s port changes to 61000 while it '
        'keeps the same DCID; the server validates the new path with a 1200-byte '
        'PATH_CHALLENGE (keeping its DCID, RFC 9000 §9.5 allows it), the client answers with '
        '1200 bytes and traffic continues on the new port. B (198.18.0.11:50500, also 20-byte '
        'CIDs) runs alongside and stays separate.'))
    srv = ('198.18.1.1', SRV_PORT)
    A = Conn(cap, 'A', ('198.18.0.10', 50000), srv, ccid_len=20, scid_len=20, odcid_len=20)
    B = Conn(cap, 'B', ('198.18.0.11', 50500), srv, ccid_len=20, scid_len=20, odcid_len=20)
    A.handshake()
    A.exchange(2)
    B.handshake(client_hs='alone')
    A.path['dc'] = cap.cid(20)
    A.short_c2s('req', 'request with a NEW server CID (same path)')
    A.short_s2c('data', 'still the old client CID')
    A.short_c2s('ack')
    B.exchange(1)
    A.path['ds'] = cap.cid(20)
    A.short_s2c('data', 'data with a NEW client CID (same path)')
    A.short_c2s('ack')
    A.short_s2c('data')
    A.short_c2s('ack')
    cap.tick(3000000)
    A.path['cli'] = ('198.18.0.10', 61000)
    A.path['name'] = 'rebound'
    A.short_c2s('ack', 'ACK after NAT rebinding: new source port, same DCID')
    A.short_s2c('probe', 'PATH_CHALLENGE to the new client port, same DCID')
    A.short_c2s('probe', 'PATH_RESPONSE')
    B.short_s2c('data')
    B.short_c2s('ack')
    A.exchange(2)
    B.exchange(1)
    return cap


def cap_cid_short():
    cap = Capture('cid-short.pcap', 104, desc=(
        'Server X = 198.18.1.1:443 issues 1-BYTE CIDs: connection A (client 198.18.0.10, '
        'server CID 0x5a) and C (client 198.18.0.12, server CID 0x3c); the clients use 8-byte '
        'CIDs. Server Y = 198.18.1.2:443 issues 4-byte CIDs: connection B (client 198.18.0.11) '
        'with a NAT rebinding (client port 50020 -> 50021, same 4-byte DCID; Y validates the '
        'new path with a 1200-byte PATH_CHALLENGE to B\'s known 8-byte client CID). A also '
        'rebinds (port 50010 -> 50019, same 1-byte DCID); the small first packet on the new '
        'port can only be tied to A by the 1-byte CID, and is confirmed by X\'s 1200-byte '
        'PATH_CHALLENGE to A\'s known 8-byte client CID; A\'s old port then goes silent. '
        'Interleaved: 40 unrelated short-header-looking datagrams (first byte 0x40-0x7f, '
        'sizes 25-600, never probe-sized) from 16 unrelated client addresses to X whose first '
        'DCID byte is 0x5a (most) or 0x3c; X never answers them, the connections never stop on '
        'their own paths. This is the "1 in 256" trap: a 1-byte DCID match from an unrelated '
        '4-tuple, with no probe and no answer, must not link; those frames belong to no '
        'connection.'))
    X = ('198.18.1.1', SRV_PORT)
    Y = ('198.18.1.2', SRV_PORT)
    A = Conn(cap, 'A', ('198.18.0.10', 50010), X, scid=b'\x5a')
    C = Conn(cap, 'C', ('198.18.0.12', 50030), X, scid=b'\x3c')
    B = Conn(cap, 'B', ('198.18.0.11', 50020), Y, scid_len=4)
    rng = cap.rng
    strangers = [('198.18.0.%d' % (128 + i), rng.int(1024, 65535)) for i in range(16)]
    sent = [0]

    def junk(k):
        for _ in range(k):
            s = strangers[rng.int(0, len(strangers) - 1)]
            cid = b'\x5a' if rng.int(0, 3) else b'\x3c'
            n = rng.int(25, 600)
            payload = bytes([0x40 | rng.int(0, 0x3f)]) + cid + rng.bytes(n - 2)
            sent[0] += 1
            cap.send(s, X, payload, '-', 'c->s unrelated 4-tuple, short-header-looking, first DCID byte '
                     '0x%s matches a live 1-byte server CID; no probe, never answered [%dB]' % (cid.hex(), n),
                     kind='short_cid_collision')
    A.handshake()
    junk(3)
    C.handshake(client_hs='alone')
    B.handshake()
    junk(4)
    A.exchange(2)
    junk(4)
    C.exchange(1)
    B.exchange(1)
    junk(5)
    # B: NAT rebinding, 4-byte DCID
    B.path['cli'] = ('198.18.0.11', 50021)
    B.path['name'] = 'rebound'
    B.short_c2s('ack', 'ACK after NAT rebinding: new source port, same 4-byte DCID')
    B.short_s2c('probe', 'PATH_CHALLENGE to the new port, DCID = known client CID')
    B.short_c2s('probe', 'PATH_RESPONSE')
    junk(4)
    A.exchange(1)
    junk(4)
    # A: NAT rebinding, 1-byte DCID
    A.path['cli'] = ('198.18.0.10', 50019)
    A.path['name'] = 'rebound'
    A.short_c2s('ack', 'ACK after NAT rebinding: new source port, same 1-byte DCID 0x5a (tied to A '
                'in hindsight by the next frame)')
    A.short_s2c('probe', 'PATH_CHALLENGE to the new port, DCID = A\'s known 8-byte client CID')
    A.short_c2s('probe', 'PATH_RESPONSE')
    junk(4)
    A.exchange(2)
    C.exchange(1)
    junk(6)
    B.exchange(1)
    A.short_s2c('data')
    junk(6)
    A.short_c2s('ack')
    C.short_c2s('ack')
    assert sent[0] == 40
    return cap


def garbage_set(cap, target, clients, answer_vn, attempt):
    """The garbage list towards `target`; each item from its own client 4-tuple.
    answer_vn: the target is a QUIC server and answers the 1200-byte
    reserved-version Initial with Version Negotiation. attempt: the connection
    name of that reserved-version Initial: a well-formed 1200-byte attempt
    that forces version negotiation is a connection attempt (as tshark and the
    real-traffic truth count ngtcp2's abandoned attempt in ngtcp2/vn.pcap),
    even though no connection follows; not garbage."""
    rng = cap.rng
    it = iter(clients)
    tname = 'QUIC server' if answer_vn else 'non-QUIC host'

    def g(payload, kind, what, dt=None, conn='-'):
        src = next(it)
        cap.send(src, target, payload, conn, 'c->s to %s: %s' % (tname, what), kind=kind, dt=dt)
        return src

    def dg(parts, size):
        return build_dgram(rng, parts, size)[:2]

    p, d = dg([L('Initial', V1, cap.cid(8), cap.cid(8))], 900)
    g(p, 'initial_too_small', 'client Initial in a 900-byte datagram (< 1200, RFC 9000 §14.1): ' + d)
    p, d = dg([L('Initial', 0x12345678, cap.cid(8), cap.cid(8))], 300)
    g(p, 'unknown_version', 'long header, unknown version 0x12345678, 300 bytes (too small to '
      'deserve a VN): ' + d)
    dcid, scid = cap.cid(8), cap.cid(8)
    p, d = dg([L('Initial', GREASE_V, dcid, scid)], 1200)
    src = g(p, '-', 'long header, reserved version 0x1a2a3a4a in 1200 bytes: a connection '
            'attempt that forces version negotiation; the client never continues: ' + d,
            conn=attempt)
    if answer_vn:
        vp, vd = vn_packet(rng, scid, dcid, [V1, V2, 0x4a5a6a7a])
        cap.send(target, src, vp, attempt, 's->c: Version Negotiation answering the '
                 'reserved-version Initial (the attempt\'s only answer): ' + vd,
                 kind='-', outgoing=False)
    dc21 = rng.bytes(21)
    p, d = dg([L('Initial', V1, dc21, cap.cid(8))], 1200)
    g(p, 'cid_too_long', 'v1 Initial with DCID length 21 (> 20, RFC 9000 §17.2): ' + d)
    dc255 = rng.bytes(255)
    p, d = dg([L('Initial', V1, dc255, cap.cid(8))], 1200)
    g(p, 'cid_too_long', 'v1 Initial with DCID length 255: ' + d)
    p, d = dg([L('Initial', V1, cap.cid(8), rng.bytes(21))], 1200)
    g(p, 'cid_too_long', 'v1 Initial with SCID length 21: ' + d)
    p, d = dg([L('Initial', V1, cap.cid(8), cap.cid(8), length=1500)], 1200)
    g(p, 'length_overrun', 'v1 Initial whose Length (1500) runs past the end of the 1200-byte '
      'datagram: ' + d)
    short = bytes([0xc0 | rng.int(0, 15)]) + struct.pack('!I', V1) + b'\x08' + rng.bytes(3)
    g(short, 'length_overrun', 'v1 long header cut inside the DCID: DCID length 8, datagram ends '
      'after 3 DCID bytes [%dB]' % len(short))
    rp, rd = retry_packet(rng, V1, cap.cid(8), cap.cid(8), rng.bytes(32))
    g(rp, 'retry_to_server', 'Retry sent by a client towards the server (only servers send Retry): ' + rd)
    vp, vd = vn_packet(rng, cap.cid(8), cap.cid(8), [V1])
    g(vp, 'vn_to_server', 'Version Negotiation sent by a client towards the server: ' + vd)
    p, d = dg([L('Initial', V1, cap.cid(8), cap.cid(8), fixed=False)], 1200)
    g(p, 'fixed_bit_clear', 'v1 Initial with the fixed bit (0x40) cleared, no known connection: ' + d)
    for n in (48, 300, 1250):
        p, d = dg([S(cap.cid(8))], n)
        if n >= 1200:
            # probe-sized: it may be a connection's probe of a new path, whose
            # server's answer would tell; never garbage
            g(p, 'probe_unknown', 'probe-sized short header whose DCID matches no connection '
              '(a path probe, for all a monitor knows): ' + d)
        else:
            g(p, 'unknown_dcid', 'short header whose DCID matches no connection: ' + d)
    for n in (17, 100, 512):
        p = bytes([rng.int(0, 0x3f)]) + rng.bytes(n - 1)
        g(p, 'not_quic', 'random bytes, first byte 0x%02x (bits 0x80 and 0x40 clear) [%dB]' % (p[0], n))
    g(b'', 'empty_payload', 'zero-length UDP payload [0B]')


def cap_garbage():
    cap = Capture('garbage.pcap', 105, desc=(
        'Connection A (198.18.0.10:50000 -> QUIC server 198.18.1.1:443) is a normal v1 '
        'connection. Around it, from 18 other client 4-tuples (198.18.0.64-81), garbage towards '
        'the same server: a client Initial in a 900-byte datagram; a long header of unknown '
        'version 0x12345678 (300 bytes); and a connection attempt V with the reserved version '
        '0x1a2a3a4a in 1200 bytes, which the server answers with a Version Negotiation (the '
        'client never continues; V is an attempt, not garbage); v1 Initials '
        'with DCID length 21 and 255 and SCID length 21; a Length running past the datagram; a '
        'long header cut inside its DCID; a Retry and a Version Negotiation sent by a client; '
        'an Initial with the fixed bit cleared; three short headers with unknown DCIDs (48, 300 '
        'and 1250 bytes: the last is probe-sized, from a new 4-tuple with a new DCID to a server '
        'with one live connection, exactly like multipath.pcap\'s path-2 probe, except that the '
        'server never answers it); three '
        'random non-QUIC payloads; a zero-length payload. One more zero-length datagram comes '
        'from A\'s own client 4-tuple. Then the same garbage (from 198.18.0.96-113, the '
        'reserved-version attempt W unanswered) towards 198.18.3.3:443, a host that never '
        'speaks QUIC. Last, a long header of unknown version in 1200 bytes from 198.18.0.82 to the '
        'QUIC server: large enough to be answered with a Version Negotiation, so reported '
        '(unsupported_version) but never dropped.'))
    Q = ('198.18.1.1', SRV_PORT)
    N = ('198.18.3.3', SRV_PORT)
    cap.quic_servers = {Q}
    A = Conn(cap, 'A', ('198.18.0.10', 50000), Q)
    A.handshake()
    A.exchange(2)
    cl1 = [('198.18.0.%d' % (64 + i), 40000 + 7 * i) for i in range(18)]
    garbage_set(cap, Q, cl1, True, 'V')
    A.exchange(2)
    cap.send(A.path['cli'], Q, b'', '-', 'c->s from A\'s own 4-tuple: zero-length UDP payload (cannot be '
             'a QUIC packet) [0B]', kind='empty_payload')
    A.short_s2c('data')
    A.short_c2s('ack')
    cl2 = [('198.18.0.%d' % (96 + i), 41000 + 7 * i) for i in range(18)]
    garbage_set(cap, N, cl2, False, 'W')
    A.exchange(1)
    p, d, _ = build_dgram(cap.rng, [L('Initial', 0x12345678, cap.cid(8), cap.cid(8))], 1200)
    cap.send(('198.18.0.82', 40126), Q, p, '-', 'c->s to QUIC server: long header, unknown '
             'version 0x12345678, 1200 bytes (large enough that a server answers it with a '
             'Version Negotiation, RFC 9000 §6: reported, never dropped): ' + d,
             kind='unsupported_version')
    return cap


def _small_conns(cap, v6=True):
    A = Conn(cap, 'A', ('198.18.0.10', 50000), ('198.18.1.1', SRV_PORT))
    A.handshake()
    A.exchange(2)
    if v6:
        B = Conn(cap, 'B', ('2001:db8:1::10', 50001), ('2001:db8:2::1', SRV_PORT))
        B.handshake(client_hs='alone')
        B.exchange(2)
        A.short_s2c('data')
        B.short_s2c('data')
        A.short_c2s('ack')
        B.short_c2s('ack')


LINKTYPE_FILES = [
    ('ether', 'linktypes-ether.pcap', dict(), 'plain Ethernet II (linktype 1), the baseline'),
    ('vlan', 'linktypes-vlan.pcap', dict(), 'Ethernet with one 802.1Q tag (TPID 0x8100, VID 100, PCP 3)'),
    ('qinq', 'linktypes-qinq.pcap', dict(), 'Ethernet with 802.1ad (TPID 0x88a8, VID 200) + 802.1Q '
     '(TPID 0x8100, VID 100)'),
    ('sll', 'linktypes-sll.pcap', dict(), 'Linux cooked capture v1, linktype 113 (client->server frames '
     'are PACKET_OUTGOING, the others PACKET_HOST)'),
    ('sll2', 'linktypes-sll2.pcap', dict(), 'Linux cooked capture v2, linktype 276'),
    ('raw', 'linktypes-raw.pcap', dict(nsec=True), 'raw IP, linktype 101; written with the nanosecond '
     'pcap magic 0xa1b23c4d; IPv4 UDP checksums are 0 (allowed for IPv4)'),
    ('null', 'linktypes-null.pcap', dict(), 'BSD null/loopback, linktype 0: a 4-byte address family in the '
     'writer\'s (= the file\'s, little-endian) byte order: AF_INET = 2 for A, and for B the three BSD '
     'AF_INET6 values in turn, 24 (NetBSD/OpenBSD), 28 (FreeBSD), 30 (Darwin)'),
    ('ppp', 'linktypes-ppp.pcap', dict(endian='>'), 'PPP, linktype 9, HDLC-like framing ff 03 then protocol '
     '0x0021 (IPv4) / 0x0057 (IPv6); the file is written BIG-endian (magic a1 b2 c3 d4 on disk)'),
]


def cap_linktypes():
    caps = []
    for link, name, kw, what in LINKTYPE_FILES:
        cap = Capture(name, 110, link=link, desc=(
            'Link type: %s. The same two small connections as every linktypes-* file (same seed, so '
            'the IP packets are byte-identical across the files): A over IPv4 (198.18.0.10:50000 -> '
            '198.18.1.1:443) and B over IPv6 ([2001:db8:1::10]:50001 -> [2001:db8:2::1]:443), each a '
            'handshake and a few short headers.' % what), **kw)
        if link == 'raw':
            cap.ipv4_udp_csum = False
        _small_conns(cap)
        caps.append(cap)
    cap = Capture('linktypes-pcapng.pcapng', 110, fmt='pcapng', ifaces=[('ether', 6), ('ether', 9)], desc=(
        'pcapng (section header with shb_userappl, two Ethernet interface description blocks, '
        'enhanced packet blocks each with an opt_comment holding the start of the truth note): the same two '
        'connections as the linktypes-*.pcap files, frame i on interface i mod 2; interface 0 '
        'has microsecond timestamps (if_tsresol 6), interface 1 nanosecond ones (if_tsresol 9). '
        'libpcap, tcpdump and tshark all read it.'))
    _small_conns(cap)
    caps.append(cap)
    cap = Capture('linktypes-mixed.pcapng', 110, fmt='pcapng',
                  ifaces=[('ether', 6), ('raw', 9), ('sll2', 6), ('vlan', 6)], desc=(
                      'pcapng with four interfaces of DIFFERENT link types: the same two connections, '
                      'frame i on interface i mod 4: 0 Ethernet (microseconds), 1 raw IP (if_tsresol 9, '
                      'nanoseconds), 2 SLL2, 3 Ethernet+802.1Q. A reader must take the link type from '
                      'each packet\'s interface, not from the file. tshark and linkquic-replay '
                      '(its own pcapng reader) read it; libpcap (so tcpdump) refuses it ("an '
                      'interface has a type 101 different from the type of the first interface").'))
    _small_conns(cap)
    caps.append(cap)
    return caps


def cap_ipv4_options_frag():
    cap = Capture('ipv4-options-frag.pcap', 106, desc=(
        'QUIC in IPv4 with options. Connection A (198.18.0.10:50000 -> 198.18.1.1:443): every '
        'datagram carries options (Router Alert, NOPs, Record Route, Timestamp; IHL 6 to 15, '
        'the 60-byte maximum on server packets). A\'s client Initial (1252-byte UDP payload) is '
        'IP-fragmented into 3 fragments sent in order: the first carries the UDP header and '
        'the whole long header (and more), the later ones are not QUIC by themselves and carry '
        'only the copied option (Router Alert). Connection B (198.18.0.11:50001) sends a '
        'client Initial fragmented with a tiny first fragment (UDP header + 16 QUIC bytes, cut '
        'inside the SCID), its fragments in REVERSE order (offset 0 arrives last), with a '
        'Timestamp option on the first fragment only. One 1400-byte server datagram of A is '
        'fragmented too.'))
    srv = ('198.18.1.1', SRV_PORT)
    c_opts = [opt_ra(), opt_rr(2, ['198.18.0.1'])]                       # 15 + EOL: IHL 9
    s_opts = [opt_rr(9, ['198.18.1.254', '198.18.0.1'])]                  # 39 + EOL: IHL 15
    A = Conn(cap, 'A', ('198.18.0.10', 50000), srv, ipopts=c_opts)
    B = Conn(cap, 'B', ('198.18.0.11', 50001), srv, ipopts=[opt_nop(), opt_ra()])
    # A: fragmented Initial, 1260 bytes of UDP -> 552 + 552 + 156
    A.c2s([L('Initial', V1, A.odcid, A.ccid)], 1252, 'ClientHello', frag=[552, 552])
    A.s2c([L('Initial', V1, A.ccid, A.scid, n=110), L('Handshake', V1, A.ccid, A.scid)], 1230,
          'ServerHello + server handshake', ipopts=s_opts)
    A.s2c([L('Handshake', V1, A.ccid, A.scid)], 900, 'server handshake', ipopts=[opt_ra()])
    A.c2s([L('Initial', V1, A.scid, A.ccid, n=40), L('Handshake', V1, A.scid, A.ccid)], 1200,
          'Initial ACK + client Finished, padded', ipopts=[opt_nop(), opt_nop(), opt_nop(), opt_ra()])
    A.short_s2c('ack', 'HANDSHAKE_DONE', ipopts=s_opts)
    # B: tiny first fragment, reverse order
    B.c2s([L('Initial', V1, B.odcid, B.ccid)], 1232, 'ClientHello', frag=[24, 600], frag_order=[2, 1, 0],
          ipopts=[opt_ts(2), opt_ra()])
    B.s2c([L('Initial', V1, B.ccid, B.scid, n=100), L('Handshake', V1, B.ccid, B.scid)], 1240,
          'ServerHello + server handshake', ipopts=[opt_ra()])
    A.short_c2s('req', ipopts=[opt_ts(4)])
    A.s2c([S(A.ccid)], 1400, 'data, IP-fragmented', frag=[1000], ipopts=[opt_ra(), opt_rr(3)])
    A.short_c2s('ack')
    B.c2s([L('Handshake', V1, B.scid, B.ccid, n=70)], None, 'client Finished')
    B.short_s2c('ack', 'HANDSHAKE_DONE', ipopts=[opt_ra()])
    A.short_s2c('data', ipopts=s_opts)
    B.short_c2s('req')
    A.short_c2s('ack', ipopts=[opt_nop()] * 4)
    B.short_s2c('data', ipopts=[opt_rr(1)])
    B.short_c2s('ack')
    return cap


def cap_ipv6_exthdr():
    cap = Capture('ipv6-exthdr.pcap', 107, desc=(
        'QUIC over IPv6 with extension headers. Connection A ([2001:db8:1::10]:50000 -> '
        '[2001:db8:2::1]:443): client packets carry hop-by-hop (Router Alert) + destination '
        'options + routing (Segment Routing Header, Segments Left 0, so the IPv6 destination '
        'is final) before UDP; server packets carry destination options, hop-by-hop, or '
        'nothing. A\'s client Initial (1252 bytes) is fragmented (hop-by-hop, then a fragment '
        'header) into 2 fragments in order; the first carries the UDP header and most of the '
        'QUIC packet. One short header of A is an atomic fragment (fragment header, offset 0, '
        'M=0, RFC 6946). Connection B ([2001:db8:1::11]:50001) fragments its client Initial '
        'as hop-by-hop + routing (unfragmentable) | fragment | destination options + UDP, with '
        'a tiny first fragment (destination options + UDP header + 16 QUIC bytes), sent in '
        'REVERSE order.'))
    srv6 = '2001:db8:2::1'
    srv = (srv6, SRV_PORT)
    full = (ext_hbh(), ext_dstopts(), ext_srh(srv6, '2001:db8:ffff::1'))
    A = Conn(cap, 'A', ('2001:db8:1::10', 50000), srv, unfrag=full)
    B = Conn(cap, 'B', ('2001:db8:1::11', 50001), srv)
    A.c2s([L('Initial', V1, A.odcid, A.ccid)], 1252, 'ClientHello', unfrag=(ext_hbh(),), frag=[1200])
    A.s2c([L('Initial', V1, A.ccid, A.scid, n=110), L('Handshake', V1, A.ccid, A.scid)], 1200,
          'ServerHello + server handshake', unfrag=(ext_dstopts(),))
    A.s2c([L('Handshake', V1, A.ccid, A.scid)], 800, 'server handshake', unfrag=())
    A.c2s([L('Initial', V1, A.scid, A.ccid, n=40), L('Handshake', V1, A.scid, A.ccid)], 1200,
          'Initial ACK + client Finished, padded')
    A.short_s2c('ack', 'HANDSHAKE_DONE', unfrag=(ext_hbh(),))
    B.c2s([L('Initial', V1, B.odcid, B.ccid)], 1232, 'ClientHello',
          unfrag=(ext_hbh(), ext_srh(srv6, '2001:db8:ffff::2')), fragable=(ext_dstopts(),),
          frag=[32], frag_order=[1, 0])
    B.s2c([L('Initial', V1, B.ccid, B.scid, n=100), L('Handshake', V1, B.ccid, B.scid)], 1200,
          'ServerHello + server handshake')
    A.short_c2s('req')
    A.short_s2c('data', unfrag=(ext_dstopts(),))
    A.short_c2s('ack', 'ACK in an atomic fragment', unfrag=(), atomic=True)
    B.c2s([L('Handshake', V1, B.scid, B.ccid, n=70)], None, 'client Finished', unfrag=(ext_dstopts(),))
    B.short_s2c('ack', 'HANDSHAKE_DONE')
    A.short_s2c('data', unfrag=())
    A.short_c2s('ack')
    B.short_c2s('req', unfrag=(ext_hbh(), ext_dstopts()))
    B.short_s2c('data')
    B.short_c2s('ack', unfrag=(ext_dstopts(),))
    return cap


def cap_truncated():
    cap = Capture('truncated.pcap', 108, snaplen=64, desc=(
        'Captured with snaplen 64: every frame longer than 64 bytes has caplen 64 < len. With '
        'Ethernet + IPv4 + UDP (42 bytes) 22 QUIC bytes survive: connection A (8-byte CIDs) '
        'loses its long headers inside the SCID; connection B (20-byte CIDs) loses them inside '
        'the DCID, and its short headers keep exactly 1 + 20 bytes + 1 byte of payload. '
        'A third connection runs over IPv6 (62 bytes of headers): only 2 QUIC bytes survive, '
        'cut inside the version or the DCID, so nothing that identifies a QUIC connection (a '
        'version, a CID) was captured: its frames are "-" (kind cut_before_ids), since no '
        'observer of this file can tell them from other UDP. For A and B the truth is the '
        'connection each frame belongs to; the note says where the cut falls.'))
    A = Conn(cap, 'A', ('198.18.0.10', 50000), ('198.18.1.1', SRV_PORT))
    B = Conn(cap, 'B', ('198.18.0.11', 50001), ('198.18.1.1', SRV_PORT), ccid_len=20, scid_len=20,
             odcid_len=20)
    C = Conn(cap, '-', ('2001:db8:1::10', 50002), ('2001:db8:2::1', SRV_PORT),
             kind='cut_before_ids')
    A.handshake()
    B.handshake()
    A.exchange(1)
    B.exchange(1)
    C.handshake(client_hs='alone')
    C.exchange(1)
    A.short_s2c('data')
    B.short_s2c('data')
    C.short_c2s('ack')
    return cap


def cap_damaged():
    cap = Capture('damaged.pcap', 109, desc=(
        'A small connection A (handshake + short headers). The LAST record is cut: its record '
        'header says 1242 bytes were captured, but the file ends after 200 of them. Readers '
        'should report a truncated file and still give every frame before it.'))
    A = Conn(cap, 'A', ('198.18.0.10', 50000), ('198.18.1.1', SRV_PORT))
    A.handshake()
    A.exchange(2)
    A.s2c([S(A.ccid)], 1200, 'data (this record is cut)')
    cap.cut_last = 200
    last = cap.frames[-1]
    cap.comments.append('frame %d is cut: its record header claims %d bytes, the file ends after %d; '
                        'readers report a truncated file and give no frame %d (model: conn A)'
                        % (len(cap.frames), len(last.data), cap.cut_last, len(cap.frames)))
    return cap


def cap_badheader():
    cap = Capture('badheader.pcap', 109, desc=(
        'The records of damaged.pcap (uncut), but the global header\'s magic number is '
        'corrupted (first byte 0xd5 instead of 0xd4: d5 c3 b2 a1). Readers must refuse the '
        'file with a clear error; no frame is expected.'))
    A = Conn(cap, 'A', ('198.18.0.10', 50000), ('198.18.1.1', SRV_PORT))
    A.handshake()
    A.exchange(2)
    A.s2c([S(A.ccid)], 1200, 'data')
    cap.bad_magic = True
    cap.comments.append('the global header is corrupt (magic d5 c3 b2 a1): readers refuse the file; '
                        'no frame is expected')
    return cap


def cap_vn_retry():
    cap = Capture('vn-retry.pcap', 111, desc=(
        'IPv6, client [2001:db8:1::10]:52000 -> server [2001:db8:2::1]:443. Connection A: the '
        'client Initial offers the reserved version 0x1a2a3a4a; the server sends Version '
        'Negotiation (v1, v2, and a reserved version); the client retries with a v1 Initial on '
        'the same 4-tuple, a NEW DCID and the SAME client SCID; the server answers with Retry '
        '(new server CID, 40-byte token); the client sends its Initial again with DCID = the '
        'Retry SCID and the token; the server picks yet another CID in its Initial+Handshake '
        'and the handshake completes, then short headers. The grease Initial and the VN belong '
        'to A: same client, same 4-tuple, same client CID, and the client continues. After 8 '
        'idle seconds connection B reuses the SAME client 4-tuple with a brand-new handshake '
        '(all CIDs new): a new connection with a different label.'))
    cli = ('2001:db8:1::10', 52000)
    srv = ('2001:db8:2::1', SRV_PORT)
    A = Conn(cap, 'A', cli, srv)
    d_grease = A.odcid
    A.c2s([L('Initial', GREASE_V, d_grease, A.ccid)], 1200, 'ClientHello offering a reserved version')
    vp, vd = vn_packet(cap.rng, A.ccid, d_grease, [V1, V2, 0x8a9aaaba])
    cap.send(srv, cli, vp, 'A', 's->c Version Negotiation ' + vd, outgoing=False)
    d_v1 = cap.cid(8)
    A.c2s([L('Initial', V1, d_v1, A.ccid)], 1200, 'ClientHello v1 after VN, new DCID, same SCID')
    retry_scid = cap.cid(8)
    token = cap.rng.bytes(40)
    rp, rd = retry_packet(cap.rng, V1, A.ccid, retry_scid, token)
    cap.send(srv, cli, rp, 'A', 's->c ' + rd, outgoing=False)
    A.c2s([L('Initial', V1, retry_scid, A.ccid, tok=token)], 1200,
          'ClientHello with the Retry token, DCID = Retry SCID')
    A.handshake(first=False)
    A.exchange(3)
    cap.tick(8 * 10 ** 6)
    B = Conn(cap, 'B', cli, srv)
    B.handshake()
    B.exchange(2)
    return cap


def cap_v2():
    cap = Capture('v2.pcap', 112, desc=(
        'Connection A (198.18.0.10:50000 -> 198.18.1.1:443) is QUIC v2 (0x6b3343cf) from the '
        'start, with the v2 type bits (RFC 9369 §3.2: Initial 0b01, 0-RTT 0b10, Handshake '
        '0b11, Retry 0b00): client Initial, server v2 Retry, client Initial with token '
        'coalesced with 0-RTT, server Initial+Handshake, client Initial+Handshake, short '
        'headers. Connection B (198.18.0.11:50001 -> 198.18.1.2:443) is v1 and coalesces '
        'Initial + Handshake + 1-RTT in one datagram, both in the server\'s first flight '
        '(0.5-RTT data) and in the client\'s second flight. Connection C (198.18.0.12:50002 -> '
        '198.18.1.1:443) does compatible version negotiation (RFC 9368): the client Initial is '
        'v1, the server answers in v2 and the rest is v2.'))
    A = Conn(cap, 'A', ('198.18.0.10', 50000), ('198.18.1.1', SRV_PORT), version=V2)
    B = Conn(cap, 'B', ('198.18.0.11', 50001), ('198.18.1.2', SRV_PORT))
    C = Conn(cap, 'C', ('198.18.0.12', 50002), ('198.18.1.1', SRV_PORT), version=V1)
    A.c2s([L('Initial', V2, A.odcid, A.ccid)], 1200, 'ClientHello v2')
    retry_scid = cap.cid(8)
    token = cap.rng.bytes(48)
    rp, rd = retry_packet(cap.rng, V2, A.ccid, retry_scid, token)
    cap.send(A.path['srv'], A.path['cli'], rp, 'A', 's->c ' + rd, outgoing=False)
    A.c2s([L('Initial', V2, retry_scid, A.ccid, n=300, tok=token), L('0-RTT', V2, retry_scid, A.ccid)],
          1250, 'ClientHello v2 with the Retry token + 0-RTT')
    A.handshake(first=False)
    B.handshake(coalesce_1rtt=True, client_hs='coalesced+1rtt', server_hs_extra=0)
    A.exchange(2)
    C.handshake(server_version=V2)
    B.exchange(2)
    C.exchange(1)
    A.short_s2c('data')
    A.short_c2s('ack')
    return cap


# ---------------------------------------------------------------------------
# README
# ---------------------------------------------------------------------------

KINDS = [
    ('initial_too_small', 'client Initial in a UDP datagram under 1200 bytes (RFC 9000 §14.1)'),
    ('unknown_version', 'long header with a version that is neither v1, v2 nor reserved, in a '
     'datagram under 1200 bytes (a server drops it, RFC 9000 §5.2.2)'),
    ('unsupported_version', 'the same in 1200 bytes or more (a server may answer it with Version '
     'Negotiation, RFC 9000 §6)'),
    ('cut_before_ids', 'a frame of a QUIC connection, captured with a snaplen so short that no '
     'version or connection ID survives: nothing identifies it as QUIC'),
    ('cid_too_long', 'DCID or SCID length over 20 in a v1 long header (RFC 9000 §17.2)'),
    ('length_overrun', 'a Length field, or the CIDs, run past the end of the datagram'),
    ('retry_to_server', 'a Retry sent towards a server (only servers send Retry, RFC 9000 §17.2.5)'),
    ('vn_to_server', 'a Version Negotiation sent towards a server (only servers send VN)'),
    ('fixed_bit_clear', 'fixed bit 0x40 cleared on a long header of no known connection '
     '(RFC 9000 §17.2; RFC 9287 greasing needs a prior connection)'),
    ('unknown_dcid', 'short header whose DCID matches no connection'),
    ('short_cid_collision', 'short-header-looking datagram from an unrelated 4-tuple whose first DCID '
     'byte equals a live 1-byte server CID; no probe, never answered'),
    ('not_quic', 'random bytes; first byte has 0x80 and 0x40 clear'),
    ('empty_payload', 'zero-length UDP payload'),
    ('non_first_fragment', 'an IP fragment with a non-zero offset: no UDP header, not QUIC by itself'),
]

README_HEAD = '''# Hand-crafted QUIC captures

Licence: generated by this project (same licence as the project). Nothing here
is copied from other projects or taken from real traffic. Regenerate with

    python3 pcaps/craft.py            # writes pcaps/crafted/*
    python3 pcaps/craft.py --out DIR  # same files elsewhere, e.g. to compare

`craft.py` uses the Python standard library only. It is deterministic (its own
SHA-256 counter-mode byte stream with a fixed seed per capture, fixed
timestamps from 2024-01-01 00:00:00 UTC), so a re-run gives byte-identical
files, and this README is written by the same run.

These captures cover what no real QUIC implementation here sends: odd CID
lengths, migration and multipath, garbage, unusual link types, IP options,
extension headers, fragments, truncation, version negotiation, Retry, QUIC v2.
Nothing is encrypted for real: every QUIC header field an observer can read
(RFC 9000 §17, RFC 9369 §3 for v2) is correct; packet numbers and protected
payloads are random bytes, and so are the header-protected low bits of the
first byte. tshark therefore reports failed decryption of Initials and
Retry tags that do not verify, but no malformed packet outside the deliberate
garbage of garbage.pcap. Only 198.18.0.0/15 and 2001:db8::/32 are used. Port
443 is used except in cid-zero.pcap (8443). tshark's QUIC dissector leaves
short headers with a DCID it has not seen (a new path, garbage) as plain UDP
unless told: `tshark -d udp.port==443,quic -d udp.port==8443,quic -r FILE`.

Sizes follow the RFC: datagrams carrying a client Initial are at least 1200
bytes (RFC 9000 §14.1; so are the server's), path probes and their answers are
1200 bytes (§8.2.1), ACK-only datagrams 40-80 bytes, data 1200-1400, requests
100-400 (sizes are UDP payload bytes).

## Truth files

Each capture `NAME.pcap` has `NAME.truth`, a TSV written from the model that
built the packets (never from a tool's reading of them). Lines starting with
`#` are comments. Then one line per frame:

    frame <TAB> conn <TAB> note <TAB> kind

* `frame`: 1-based frame number, as tshark counts them.
* `conn`: a letter naming the connection the frame belongs to, or `-` for a
  frame that belongs to no QUIC connection (garbage, non-QUIC, non-first IP
  fragments). Letters are local to one capture. A datagram of coalesced
  packets is one frame and one connection.
* `note`: what the frame is: direction (`c->s` client to server, `s->c` server
  to client), path name when the connection has several, what it carries, then
  each QUIC packet as `Type(version d=DCID s=SCID ...)` with CIDs as
  `length:hex` (`0:-` when empty), and the UDP payload size in brackets.
  `len=N!` marks a Length field that lies.
* `kind`: for a `-` frame, the reason it is not QUIC of any connection (table
  below); `-` for frames of a connection.

Rules the truth follows:

1. A connection is everything one client's connection attempt leads to, on
   every path and in both directions. Packets of an attempt that the same
   client abandons and restarts on the same 4-tuple with the same client CID
   (after Version Negotiation or Retry) belong to the connection that follows
   (vn-retry.pcap). An attempt nobody continues is no connection
   (garbage.pcap's reserved-version Initial and its VN).
2. A new handshake on a 4-tuple that carried an earlier connection is a new
   connection (vn-retry.pcap, B).
3. A truncated frame keeps the label of the connection it belongs to; the note
   says where the cut falls (truncated.pcap).
4. Of an IP-fragmented datagram, the fragment at offset 0 carries the UDP
   header and the start of the QUIC header and has the connection's label;
   the other fragments are `-`/`non_first_fragment`.
5. `kind` names what the crafted packet is. Where nothing on the wire marks
   the destination as a QUIC server (garbage.pcap's second half, towards
   198.18.3.3), a tool may fairly call an `unknown_dcid` or `empty_payload`
   datagram plain non-QUIC UDP; what must hold is conn `-`.
6. A linking decision may only be possible in hindsight: in cid-short.pcap the
   first packet after A's NAT rebinding carries only a 1-byte DCID; the
   server's PATH_CHALLENGE to A's 8-byte client CID on the new 4-tuple right
   after it is what ties it to A. The truth gives the connection it belongs to.

| kind | meaning |
| --- | --- |
'''


def _short(note):
    """The note without CID values and field details, for the README tables."""
    note = re.sub(r'\((v1|v2|VN|0x[0-9a-f]{8}) [^()]*\)', r'(\1)', note)
    note = re.sub(r'1-RTT\(d=[^)]*\)', '1-RTT', note)
    note = re.sub(r'VN\(d=[^)]*\)', 'VN', note)
    return note


def write_readme(outdir, caps):
    out = [README_HEAD]
    for k, m in KINDS:
        out.append('| `%s` | %s |\n' % (k, m))
    out.append('\n## The captures\n\n')
    out.append('| file | frames | connections | bytes |\n| --- | --- | --- | --- |\n')
    for cap in caps:
        conns = sorted({f.conn for f in cap.frames if f.conn != '-'})
        size = os.path.getsize(os.path.join(outdir, cap.name))
        nf = str(len(cap.frames))
        if cap.cut_last is not None:
            nf = '%d + 1 cut record' % (len(cap.frames) - 1)
        if cap.bad_magic:
            nf = '0 (%d records behind a bad header)' % len(cap.frames)
        out.append('| `%s` | %s | %s | %d |\n' % (cap.name, nf, ', '.join(conns) or '-', size))
    for cap in caps:
        out.append('\n### %s\n\n' % cap.name)
        out.append(cap.desc + '\n\n')
        link = ', '.join('%s (%d)' % (LINKNAME[l], LINKTYPE[l]) for l, _ in cap.ifaces)
        fmt = cap.fmt + (', big-endian' if cap.endian == '>' else '') + (', nanosecond' if cap.nsec else '')
        out.append('Format %s; link type %s; snaplen %d.\n\n' % (fmt, link, cap.snaplen))
        for c in cap.comments:
            out.append('Note: %s.\n\n' % c)
        if cap.bad_magic:
            continue
        out.append('| frame | conn | kind | what |\n| --- | --- | --- | --- |\n')
        n = len(cap.frames) - (1 if cap.cut_last is not None else 0)
        for i, fr in enumerate(cap.frames[:n], 1):
            out.append('| %d | %s | %s | %s |\n' % (i, fr.conn, fr.kind if fr.kind != '-' else '',
                                                   _short(fr.note).replace('|', '/')))
    with open(os.path.join(outdir, 'README.md'), 'w') as f:
        f.write(''.join(out))


# ---------------------------------------------------------------------------

def all_captures():
    caps = [cap_multipath(), cap_cid_zero(), cap_cid_twenty(), cap_cid_short(), cap_garbage()]
    caps += cap_linktypes()
    caps += [cap_ipv4_options_frag(), cap_ipv6_exthdr(), cap_truncated(), cap_damaged(),
             cap_badheader(), cap_vn_retry(), cap_v2()]
    return caps


def main(argv):
    outdir = DEFAULT_OUT
    if len(argv) == 3 and argv[1] == '--out':
        outdir = argv[2]
    elif len(argv) != 1:
        sys.stderr.write('usage: %s [--out DIR]\n' % argv[0])
        return 2
    os.makedirs(outdir, exist_ok=True)
    caps = all_captures()
    for cap in caps:
        path = cap.write(outdir)
        size = os.path.getsize(path)
        assert size < 100 * 1024, (path, size)
        print('%-28s %4d frames %6d bytes' % (cap.name, len(cap.frames), size))
    write_readme(outdir, caps)
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
