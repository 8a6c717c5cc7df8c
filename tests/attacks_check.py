#!/usr/bin/env python3
"""tests/attacks_check.py NAME TRUTH PCAP WHERE ATTACK_JSONL CONTROL_TRUTH CONTROL_JSONL -
tests/attacks.sh's check of one attack capture against its control.

Each real frame (a connection's letter in TRUTH) must be `quic` and passed; each
connection must keep one label, no two the same; real non-QUIC traffic (kind
`other`) must pass and be no `garbage`; with an off-path attacker (WHERE), no
frame of the attacker's may carry a real connection's label. And the real
frames must fare as in the control capture (same real traffic, no attacker):
the same verdict, label, event and action, frame by frame. Failures name the
frame, the expected and the actual, and show the record and the frame's first
bytes."""
import json
import struct
import sys


def truth(path):
    rows = []
    for line in open(path):
        if line.startswith('#') or not line.strip():
            continue
        f, conn, note, kind = line.rstrip('\n').split('\t')
        rows.append((int(f), conn, note, kind))
    return rows


def records(path):
    recs = {}
    for line in open(path):
        line = line.strip()
        if line.startswith('{'):
            r = json.loads(line)
            recs[r['frame']] = r
    return recs


def frames(path):
    """The frames of a classic pcap (craft.py writes them), 1-based."""
    data = open(path, 'rb').read()
    endian = '<' if data[:4] in (b'\xd4\xc3\xb2\xa1', b'\x4d\x3c\xb2\xa1') else '>'
    off, out = 24, {}
    while off + 16 <= len(data):
        _, _, incl, _ = struct.unpack(endian + 'IIII', data[off:off + 16])
        out[len(out) + 1] = data[off + 16:off + 16 + incl]
        off += 16 + incl
    return out


def dump(b, n=64):
    lines = []
    for i in range(0, min(len(b), n), 16):
        lines.append('      ' + ' '.join('%02x' % c for c in b[i:i + 16]))
    if len(b) > n:
        lines.append('      ... %d more bytes' % (len(b) - n))
    return '\n'.join(lines)


def main(argv):
    name, tpath, pcap, where, jpath, ctpath, cjpath = argv[1:8]
    rows, recs = truth(tpath), records(jpath)
    crows, crecs = truth(ctpath), records(cjpath)
    raw = frames(pcap)
    bad = []

    def fail(f, what, rec):
        bad.append((f, what, rec))

    labels = {}
    for f, conn, note, kind in rows:
        r = recs.get(f)
        if conn != '-':
            if not r:
                fail(f, 'expected a record of %s, actual none' % conn, None)
                continue
            if r['verdict'] != 'quic' or r['action'] != 'pass':
                fail(f, 'expected quic/pass (%s: %s), actual %s/%s' %
                     (conn, note, r['verdict'], r['action']), r)
            if r['conn']:
                labels.setdefault(conn, set()).add(r['conn'])
        elif kind == 'other' and r and (r['action'] != 'pass' or r['verdict'] == 'garbage'):
            fail(f, 'expected real non-QUIC traffic passed and no garbage (%s), actual %s/%s' %
                 (note, r['verdict'], r['action']), r)
    owner = {}
    for conn, ls in sorted(labels.items()):
        if len(ls) != 1:
            fail(0, 'connection %s: expected one label, actual %s' % (conn, ', '.join(sorted(ls))), None)
        for lab in ls:
            if lab in owner:
                fail(0, 'connections %s and %s: expected two labels, actual one, %s' %
                     (owner[lab], conn, lab), None)
            owner[lab] = conn
    attackers = 0
    for f, conn, note, kind in rows:
        if kind != 'attack':
            continue
        attackers += 1
        r = recs.get(f)
        if where == 'off-path' and r and r['conn'] in owner:
            fail(f, 'expected an off-path attacker\'s frame with no real label, actual %s\'s (%s)' %
                 (owner[r['conn']], note), r)
    # the real frames, in order, against the control's
    real = [(f, conn) for f, conn, _, kind in rows if kind != 'attack']
    creal = [(f, conn) for f, conn, _, kind in crows if kind != 'attack']
    if len(real) != len(creal):
        fail(0, 'expected the control\'s %d real frames, actual %d' % (len(creal), len(real)), None)
    keys = ('verdict', 'reason', 'conn', 'dir', 'event', 'action')
    differ = 0
    for (f, conn), (cf, cconn) in zip(real, creal):
        r, c = recs.get(f), crecs.get(cf)
        if not r or not c:
            continue
        diff = [k for k in keys if r.get(k) != c.get(k)]
        if diff:
            differ += 1
            fail(f, 'expected as in the control (its frame %d): %s; actual %s' %
                 (cf, ', '.join('%s=%s' % (k, c.get(k)) for k in diff),
                  ', '.join('%s=%s' % (k, r.get(k)) for k in diff)), r)
    for f, what, r in bad[:12]:
        print('attacks [%s]: %s%s' % (name, ('frame %d: ' % f) if f else '', what))
        if r:
            print('    record: ' + json.dumps(r))
        if f in raw:
            print('    frame (%d bytes):\n%s' % (len(raw[f]), dump(raw[f])))
    if len(bad) > 12:
        print('attacks [%s]: ... and %d more' % (name, len(bad) - 12))
    nreal = sum(1 for _, conn, _, _ in rows if conn != '-')
    dropped_att = sum(1 for f, _, _, k in rows if k == 'attack' and recs.get(f, {}).get('action') == 'drop')
    print('attacks [%s]: %s: %d real frames of %d connections %s; attacker %s: %d frames, %d dropped' %
          (name, 'FAIL' if bad else 'ok', nreal, len(labels),
           'as in the control, none dropped' if not bad else 'checked', where, attackers, dropped_att))
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
