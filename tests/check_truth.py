#!/usr/bin/env python3
"""Checks linkquic's connection labels against a capture's ground truth.

Usage: tests/check_truth.py [--replay BIN] [--quiet] [--filter EXPR] CAPTURE TRUTH

TRUTH has one line per frame, "frame<TAB>conn[...]", conn being the true
connection (any name) or "-" for a frame that is no QUIC of any connection;
lines starting with '#' are comments. The capture is replayed with
`linkquic-replay -f jsonl` and every frame's label compared:

  - each true connection must carry exactly one label on every one of its
    frames (no frame unlabelled, no second label);
  - a label must never span two true connections (a wrong merge);
  - a frame that is no QUIC must carry no label.

With --filter EXPR (a libpcap filter, as linkquic-replay takes it after the
file), only the frames the filter passes are checked; the others must have no
record. That is the view of a monitor that sees part of the traffic, e.g. one
direction under asymmetric routing ("udp dst port 443"): it may miss links
(a connection's frames unlabelled or under more than one label; the coverage
says how many), but a label spanning two true connections or a label on a
frame that is no QUIC is still a violation.

Prints per-connection coverage and exits 1 on any violation, showing the
frames involved (expected, actual and the record).
"""
import argparse
import collections
import json
import subprocess
import sys


def load_truth(path):
    truth = {}
    with open(path) as f:
        for line in f:
            if not line.strip() or line.startswith('#'):
                continue
            cols = line.rstrip('\n').split('\t')
            truth[int(cols[0])] = cols[1]
    return truth


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--replay', default='build/linkquic-replay')
    ap.add_argument('--quiet', action='store_true')
    ap.add_argument('--filter', help='libpcap filter: check the partial view it leaves')
    ap.add_argument('capture')
    ap.add_argument('truth')
    a = ap.parse_args()

    truth = load_truth(a.truth)
    cmd = [a.replay, '-f', 'jsonl', a.capture] + ([a.filter] if a.filter else [])
    # A damaged capture ends with an error exit after its readable frames:
    # those are checked; a missing record is a violation below.
    out = subprocess.run(cmd, capture_output=True, text=True)
    recs = {}
    for line in out.stdout.splitlines():
        r = json.loads(line)
        recs[r['frame']] = r
    problems = []
    for frame, r in sorted(recs.items()):
        if frame not in truth:
            problems.append((frame, 'a frame of the truth file', 'a record of no such frame', r))
    if a.filter:
        # The frames the filter passed are those with a record: check them only.
        truth = {f: t for f, t in truth.items() if f in recs}

    labels_of = collections.defaultdict(collections.Counter)  # true conn -> label counts
    conns_of = collections.defaultdict(set)                    # label -> true conns
    for frame, t in sorted(truth.items()):
        r = recs.get(frame)
        label = r['conn'] if r else None
        if t == '-':
            if label:
                problems.append((frame, 'no label', label, r))
            continue
        labels_of[t][label] += 1
        if label:
            conns_of[label].add(t)
    for label, conns in conns_of.items():
        if len(conns) > 1:
            problems.append((0, 'one connection per label', f'{label} spans {sorted(conns)}', None))
    total = labelled = 0
    for t, c in sorted(labels_of.items()):
        n = sum(c.values())
        main_label, main_n = max(((l, k) for l, k in c.items() if l), key=lambda x: x[1],
                                 default=(None, 0))
        total += n
        labelled += main_n
        if not a.quiet:
            print(f'{a.capture}: connection {t}: {main_n}/{n} frames under label {main_label}'
                  + ('' if len(c) == 1 and main_label else f', others {dict(c)}'))
        for frame, tt in sorted(truth.items()):
            if tt != t:
                continue
            lab = recs.get(frame, {}).get('conn')
            if a.filter:
                continue  # a partial view may miss links; merges are checked above
            if lab != main_label or lab is None:
                problems.append((frame, f'label {main_label}', lab, recs.get(frame)))
    pct = 100.0 * labelled / total if total else 100.0
    view = f' [{a.filter}]' if a.filter else ''
    print(f'{a.capture}{view}: {labelled}/{total} QUIC frames ({pct:.1f}%) under their connection\'s '
          f'one label, {len(labels_of)} connections, {len(problems)} problems')
    for frame, exp, act, r in problems[:20]:
        print(f'  frame {frame}: expected {exp}, actual {act}')
        if r:
            print(f'    {json.dumps(r)}')
    if len(problems) > 20:
        print(f'  ... {len(problems) - 20} more')
    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main())
