#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""
attacks.py - write the attack captures of linkquic's guard (pcaps/attack/).

    python3 pcaps/attacks.py            # writes pcaps/attack/*
    python3 pcaps/attacks.py --out DIR  # the same files into DIR

Each attack of the guard-safety issue is one capture, NAME.pcap, and its
control, NAME-control.pcap: the same real traffic with the attacker's frames
left out (the attacker's randomness is its own, so the real frames are the
same bytes in both). The real traffic is what a monitor must follow whatever
the attacker does: connection A does its handshake with server S, then a NAT
rebinding (new port, same ID), a port migration with a new ID and an address
migration with a new ID (probe, the server's challenge and answer, the switch),
while connection B talks to another server. Each capture also has:

* NAME.truth, as in pcaps/crafted/ (frame, conn, note, kind); the attacker's
  frames are `-` with kind `attack`, other real non-QUIC traffic (DNS) `-`
  with kind `other`;
* NAME.opts, the options tests/attacks.sh runs linkquic-replay with (the
  guard on; maps small enough that the attack would fill them), and whether
  the attacker is off-path (sees none of the victim's traffic) or on-path.

Built on craft.py's model (Capture, Conn, packets). Standard library only;
deterministic; only 198.18.0.0/15 addresses.
"""

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import craft  # noqa: E402
from craft import Capture, Conn, L, S, Rng, V1  # noqa: E402

DEFAULT_OUT = os.path.join(HERE, 'attack')
SRV = ('198.18.1.1', 443)
SRV_B = ('198.18.1.2', 443)
CLIENT_A = ('198.18.0.10', 51001)
CLIENT_B = ('198.18.0.30', 52001)
MAX_BYTES = 512 * 1024
# small maps: what an attack would fill in the kernel's millions of entries,
# it fills here in hundreds of packets
SMALL = dict(cids=64, tent_cids=64, paths=64, tentative=64, pending=64, undecided=16, servers=64,
             clients=64)


def small_maps(**kw):
    sizes = dict(SMALL, **kw)
    out = []
    for k, v in sizes.items():
        out += ['--max-' + k.replace('_', '-'), str(v)]
    return out


SMALL_MAPS = small_maps()


class Attacker:
    """Sends the attacker's frames with its own randomness; in a control
    capture its frames are made (so time moves on alike) and thrown away."""

    def __init__(self, cap, seed, control):
        self.cap, self.rng, self.control = cap, Rng(seed), control
        self.n = 0

    def send(self, src, dst, parts, size, note, **kw):
        cap = self.cap
        saved, cap.rng = cap.rng, self.rng
        try:
            payload, desc, _ = craft.build_dgram(self.rng, parts, size)
            before = len(cap.frames)
            cap.send(src, dst, payload, '-', 'attacker: %s: %s' % (note, desc), kind='attack',
                     outgoing=False, **kw)
            if self.control:
                del cap.frames[before:]
            else:
                self.n += 1
        finally:
            cap.rng = saved

    def cid(self, n):
        return self.rng.bytes(n)


def other_send(cap, src, dst, payload, note):
    """Real traffic that is not QUIC (kind `other`)."""
    cap.send(src, dst, payload, '-', note, kind='other')


class Scenario:
    """The real traffic, in steps an attack can be put between."""

    def __init__(self, cap):
        self.cap = cap
        self.A = Conn(cap, 'A', CLIENT_A, SRV)
        self.A.path['name'] = 'path1'
        self.B = Conn(cap, 'B', CLIENT_B, SRV_B)

    def start(self):
        self.A.handshake(client_hs='coalesced+1rtt')
        self.B.handshake()
        self.A.exchange(2)
        self.B.exchange(1)

    def rebind(self):
        """A's NAT rebinding: a new port, the same IDs."""
        A = self.A
        self.cap.tick(30000)
        A.path = dict(A.path, cli=(CLIENT_A[0], CLIENT_A[1] + 100), name='rebound')
        A.exchange(2)
        self.B.exchange(1)

    def migrate(self, cli, name):
        """A moves to cli with new IDs both ways: a probe, the server's answer
        and its own challenge, the client's answer, then the switch."""
        A, cap = self.A, self.cap
        cap.tick(30000)
        old = A.path
        new = dict(cli=cli, srv=SRV, dc=cap.cid(8), ds=cap.cid(8), name=name)
        A.short_c2s('probe', 'PATH_CHALLENGE on a new path, a new DCID', path=new)
        A.short_s2c('probe', 'PATH_RESPONSE + PATH_CHALLENGE', path=new)
        A.short_s2c('probe', 'PATH_CHALLENGE again', path=new)
        A.short_c2s('probe', 'PATH_RESPONSE', path=new)
        A.short_s2c('probe', 'PATH_CHALLENGE to the old path', path=old)
        A.short_c2s('req', 'request, non-probing: the switch', path=new)
        for _ in range(3):
            A.short_s2c('data', path=new)
            A.short_c2s('ack', path=new)
        A.path = new
        self.B.exchange(1)

    def moves(self):
        self.rebind()
        self.migrate((CLIENT_A[0], CLIENT_A[1] + 200), 'port-migrated')
        self.cap.tick(400000)  # past the window that judges the first move
        self.migrate(('198.18.0.11', 51301), 'address-migrated')
        self.cap.tick(400000)
        self.A.exchange(2)


def new_cap(name, seed, control, desc):
    fname = name + ('-control' if control else '') + '.pcap'
    if control:
        desc = 'Control of %s.pcap: the same real traffic, without the attacker\'s frames. ' % name + desc
    return Capture(fname, seed, desc=desc)


# ---------------------------------------------------------------------------
# The attacks (the numbering)
# ---------------------------------------------------------------------------

def attack_teach(control):
    """1. Teaching IDs (off-path, no spoofing)."""
    cap = new_cap('teach-ids', 201, control,
                  'An attacker at its own address sends one client Initial to S that S never answers, '
                  'then 400 short headers on that 4-tuple, each with a new DCID. No completed handshake '
                  'backs them: they must teach no ID (else the ID table fills and A\'s IDs are evicted, '
                  'and A\'s rebinding is unknown_dcid).')
    sc = Scenario(cap)
    x = Attacker(cap, 1201, control)
    sc.start()
    xs = ('198.18.0.66', 40001)
    x.send(xs, SRV, [L('Initial', V1, x.cid(8), x.cid(8))], 1200, 'an Initial nobody answers')
    for i in range(400):
        x.send(xs, SRV, [S(x.cid(8))], 60, 'short header %d with a new DCID' % (i + 1), dt=200)
    sc.moves()
    return cap, 'off-path', ['--guard'] + SMALL_MAPS


def attack_rival(control):
    """2. Rival poisoning (off-path, one packet each)."""
    cap = new_cap('rival', 202, control,
                  'One 41-byte short header with a random DCID to S from a stranger\'s address, and one '
                  'from A\'s own address at another port: they must not stand in the way of A\'s later '
                  'port and address migrations with new IDs (no rival at the anchors from a flow no '
                  'server answered).')
    sc = Scenario(cap)
    x = Attacker(cap, 1202, control)
    sc.start()
    x.send(('198.18.0.77', 40002), SRV, [S(x.cid(8))], 41, 'one random short header, a stranger')
    x.send((CLIENT_A[0], 40003), SRV, [S(x.cid(8))], 41, 'one random short header from A\'s address')
    sc.moves()
    return cap, 'off-path', ['--guard']


def attack_probe_flood(control):
    """3. Probe-sized flood from spoofed sources (off-path)."""
    cap = new_cap('probe-flood', 203, control,
                  'While S has one connection (A), 240 short headers of 1200 bytes with random DCIDs '
                  'from 120 spoofed sources: each looks like the first packet of A\'s migration, none '
                  'is answered. None may be linked to A, none may evict A\'s IDs or anchors, and A\'s '
                  'later moves must link.')
    sc = Scenario(cap)
    x = Attacker(cap, 1203, control)
    sc.start()
    for i in range(240):
        src = ('198.18.%d.%d' % (100 + (i % 120) // 100, 1 + (i % 120) % 100), 30000 + i)
        x.send(src, SRV, [S(x.cid(8))], 1200, 'probe-sized short header %d' % (i + 1), dt=300)
    sc.moves()
    # the probes' own undecided paths fit (the kernel's LRU evicts in batches when
    # full, so a full map would hold other entries there than in replay)
    return cap, 'off-path', ['--guard', '--guard-conn-rate', '20:10'] + small_maps(
        undecided=1024, tentative=1024, pending=1024)


DNS = ('198.18.5.53', 53)


def dns_query(rng, qid, name=b'\x07example\x04test\x00'):
    return qid.to_bytes(2, 'big') + b'\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00' + name + b'\x00\x01\x00\x01'


def dns_answer(q):
    return (q[:2] + b'\x81\x80\x00\x01\x00\x01\x00\x00\x00\x00' + q[12:] +
            b'\xc0\x0c\x00\x01\x00\x01\x00\x00\x0e\x10\x00\x04\xc6\x12\x05\x05')


def attack_fake_server(control):
    """4. A fake server (on-path, or a client with a spoofing helper)."""
    cap = new_cap('fake-server', 204, control,
                  'One packet spoofed from a DNS server\'s address and port 53 to A\'s client, carrying '
                  'A\'s client ID. It must not make the DNS server a QUIC server: the DNS queries of '
                  'other hosts to it (IDs whose first byte looks like a QUIC header) stay unharmed.')
    sc = Scenario(cap)
    x = Attacker(cap, 1204, control)
    sc.start()
    x.send(DNS, CLIENT_A, [S(sc.A.ccid)], 60, 'spoofed from the DNS server, A\'s client ID')
    for i, qid in enumerate((0xc3a1, 0x4f10, 0xe702, 0x7b33, 0xd1d4, 0x5a05)):
        cli = ('198.18.0.%d' % (120 + i), 33001 + i)
        q = dns_query(cap.rng, qid)
        other_send(cap, cli, DNS, q, 'DNS query id 0x%04x' % qid)
        other_send(cap, DNS, cli, dns_answer(q), 'DNS answer id 0x%04x' % qid)
    sc.moves()
    return cap, 'on-path', ['--guard']


def attack_budget(control):
    """5. Budget exhaustion with a client's address (off-path, spoofing)."""
    cap = new_cap('budget', 205, control,
                  'Once A completed its handshake, 240 client Initials spoofed from A\'s address '
                  '(random ports) within 0.4 s, while A\'s client opens a second connection (C) from a '
                  'new port; and an unverified source (198.18.0.99) floods alike. A completed source is '
                  'verified: what claims its address spends no budget of its, so C\'s Initial and '
                  'Handshake pass; the unverified flood is limited.')
    sc = Scenario(cap)
    x = Attacker(cap, 1205, control)
    sc.start()
    C = Conn(cap, 'C', (CLIENT_A[0], 51501), SRV)
    for i in range(240):
        sport = 20000 + x.rng.int(0, 20000)
        x.send((CLIENT_A[0], sport), SRV, [L('Initial', V1, x.cid(8), x.cid(8))], 1200,
               'spoofed Initial %d from A\'s address' % (i + 1), dt=1500)
        if i == 120:
            C.handshake(client_hs='coalesced+1rtt')
            C.exchange(1)
    for i in range(100):
        x.send(('198.18.0.99', 20000 + i), SRV, [L('Initial', V1, x.cid(8), x.cid(8))], 1200,
               'Initial %d of an unverified flood' % (i + 1), dt=1000)
    sc.moves()
    return cap, 'off-path', ['--guard', '--guard-rate', '200:50', '--guard-conn-rate', '20:10']


def attack_shared(control):
    """6. Shared-path mark (on-path)."""
    cap = new_cap('shared-mark', 206, control,
                  'One client Initial spoofed from A\'s own 4-tuple with a fresh DCID while A is '
                  'established; then A\'s client changes to a new server-issued ID on that path. The '
                  'Initial must neither take the path over nor mark it shared: A keeps its label.')
    sc = Scenario(cap)
    x = Attacker(cap, 1206, control)
    sc.start()
    x.send(CLIENT_A, SRV, [L('Initial', V1, x.cid(8), x.cid(8))], 1200,
           'an Initial spoofed on A\'s 4-tuple')
    A = sc.A
    A.path = dict(A.path, dc=cap.cid(8))
    A.short_c2s('req', 'request to a new server-issued ID (NEW_CONNECTION_ID, out of view)')
    A.exchange(2)
    sc.moves()
    return cap, 'on-path', ['--guard']


ATTACKS = [attack_teach, attack_rival, attack_probe_flood, attack_fake_server, attack_budget,
           attack_shared]


def write_one(outdir, fn, control):
    cap, where, opts = fn(control)
    cap.comments.append('attack: %s' % where)
    path = cap.write(outdir)
    size = os.path.getsize(path)
    assert size < MAX_BYTES, (path, size)
    base = os.path.join(outdir, cap.name.rsplit('.', 1)[0])
    with open(base + '.opts', 'w') as f:
        f.write('# options tests/attacks.sh runs linkquic-replay with; the attacker is %s\n' % where)
        f.write(' '.join(opts) + '\n')
    return cap, size


def main(argv):
    outdir = DEFAULT_OUT
    if len(argv) == 3 and argv[1] == '--out':
        outdir = argv[2]
    elif len(argv) != 1:
        sys.stderr.write('usage: %s [--out DIR]\n' % argv[0])
        return 2
    os.makedirs(outdir, exist_ok=True)
    for fn in ATTACKS:
        for control in (False, True):
            cap, size = write_one(outdir, fn, control)
            print('%-28s %5d frames %7d bytes' % (cap.name, len(cap.frames), size))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
