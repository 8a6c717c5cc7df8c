#!/usr/bin/env python3
"""tests/reasons_check.py EXPECT LABEL RECORDS DROPPABLE - tests/reasons.sh's check: each
frame's verdict, reason and action in RECORDS (JSON Lines) against the capture's EXPECT file
(frame verdict reason), dropped under the guard when LABEL names it and its reason is one of
DROPPABLE (comma-separated: the classes --vocabulary marks "drop")."""
import json, sys
exp = {}
for line in open(sys.argv[1]):
    if line.strip() and not line.startswith('#'):
        f, v, r = line.split()
        exp[int(f)] = (v, None if r == '-' else r)
label, guard = sys.argv[2], 'guard' in sys.argv[2]
droppable = set(sys.argv[4].split(','))
recs = {r['frame']: r for r in map(json.loads, open(sys.argv[3]))}
bad = 0
for f, (v, r) in sorted(exp.items()):
    got = recs.get(f)
    drop = 'drop' if guard and v == 'garbage' and r in droppable else 'pass'
    if not got or (got['verdict'], got['reason'], got['action']) != (v, r, drop):
        bad += 1
        print(f'reasons [{label}]: frame {f}: expected {v}/{r}/{drop}, actual '
              f'{(got["verdict"], got["reason"], got["action"]) if got else "no record"}')
        if got:
            print('  ' + json.dumps(got))
classes = sorted({r for v, r in exp.values() if r})
print(f'reasons [{label}]: {len(exp) - bad}/{len(exp)} frames as expected; classes: {", ".join(classes)}')
sys.exit(1 if bad else 0)
