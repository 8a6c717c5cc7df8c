#!/usr/bin/env python3
"""Linking accuracy on the real-traffic captures, linkquic against tshark
without keys, as a markdown table (a measurement for the README, not a test).

Usage: tests/accuracy.py [--replay BIN] [CAPTURE...]   (default pcaps/ngtcp2/*.pcap, pcaps/crowd/*.pcap)

For each capture and its NAME.truth (per-frame true connection, '-' for no
QUIC): a tool's frame counts as right when it carries that tool's label of
the frame's true connection, where a connection's label is the one most of
its frames carry, and a label claimed by two connections is wrong for both
(a merge). Non-QUIC frames with a label count as false positives.
tshark's labels are its quic.connection.number without any key log
(tests/groundtruth.py --nokeys).
"""
import argparse
import collections
import glob
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def truth_of(path):
    t = {}
    with open(path) as f:
        for line in f:
            if line.strip() and not line.startswith('#'):
                c = line.rstrip('\n').split('\t')
                t[int(c[0])] = c[1]
    return t


def score(truth, labels):
    """(right, quic_frames, false_positives, merges) for labels {frame: label or None}."""
    by_conn = collections.defaultdict(collections.Counter)
    for fr, t in truth.items():
        if t != '-' and labels.get(fr):
            by_conn[t][labels[fr]] += 1
    main = {t: c.most_common(1)[0][0] for t, c in by_conn.items()}
    owners = collections.Counter(main.values())
    merges = sum(1 for t, l in main.items() if owners[l] > 1)
    right = sum(1 for fr, t in truth.items()
                if t != '-' and labels.get(fr) and labels[fr] == main.get(t) and owners[main[t]] == 1)
    quic = sum(1 for t in truth.values() if t != '-')
    fp = sum(1 for fr, t in truth.items() if t == '-' and labels.get(fr))
    return right, quic, fp, merges


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--replay', default='build/linkquic-replay')
    ap.add_argument('captures', nargs='*')
    a = ap.parse_args()
    caps = a.captures or sorted(glob.glob('pcaps/ngtcp2/*.pcap')) + sorted(glob.glob('pcaps/crowd/*.pcap'))
    print('| capture | QUIC frames | connections | linkquic | tshark, no keys |')
    print('|---|---:|---:|---:|---:|')
    tot = collections.Counter()
    for cap in caps:
        truth = truth_of(cap[:-5] + '.truth')
        out = subprocess.run([a.replay, '-f', 'jsonl', cap], capture_output=True, text=True).stdout
        lq = {r['frame']: r['conn'] for r in map(json.loads, out.splitlines())}
        out = subprocess.run([sys.executable, os.path.join(HERE, 'groundtruth.py'), '--nokeys', cap],
                             capture_output=True, text=True).stdout
        ts = {}
        for line in out.splitlines():
            fr, n = line.split('\t')[:2]
            ts[int(fr)] = None if n == '-' else n
        r1, q, fp1, m1 = score(truth, lq)
        r2, _, fp2, m2 = score(truth, ts)
        conns = len({t for t in truth.values() if t != '-'})
        note = lambda fp, m: (f', {fp} non-QUIC labelled' if fp else '') + (f', {m} merged' if m else '')
        print(f'| {os.path.basename(cap)} | {q} | {conns} | {r1} ({100*r1/q:.1f}%{note(fp1, m1)}) '
              f'| {r2} ({100*r2/q:.1f}%{note(fp2, m2)}) |')
        tot.update(q=q, c=conns, r1=r1, r2=r2, fp1=fp1, fp2=fp2)
    print(f'| all | {tot["q"]} | {tot["c"]} | {tot["r1"]} ({100*tot["r1"]/tot["q"]:.1f}%) '
          f'| {tot["r2"]} ({100*tot["r2"]/tot["q"]:.1f}%) |')


if __name__ == '__main__':
    sys.exit(main())
