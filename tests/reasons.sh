#!/usr/bin/env bash
# tests/reasons.sh BIN - every garbage class reported with its reason.
#
# pcaps/crafted/garbage.pcap (written by pcaps/craft.py) mixes a real
# connection with every garbage class, sent to a QUIC server and to a host
# that never speaks QUIC; garbage.expect, from the same model, says which
# verdict and reason each frame must get. Checked in user space, and with
# --guard that every garbage frame (only those) is dropped; as root also
# through the kernel program (--kernel), which must say the same.
set -u
BIN=${1:?usage: tests/reasons.sh BIN}
case "$BIN" in */*) BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN") ;; esac
cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 2

CAP=pcaps/crafted/garbage.pcap
EXP=pcaps/crafted/garbage.expect
fail=0

check() { # label, replay args...
	local label=$1
	shift
	python3 - "$EXP" "$label" <("$BIN" -f jsonl "$@" "$CAP" 2>/dev/null) <<'PY' || fail=1
import json, sys
exp = {}
for line in open(sys.argv[1]):
    if line.strip() and not line.startswith('#'):
        f, v, r = line.split()
        exp[int(f)] = (v, None if r == '-' else r)
label, guard = sys.argv[2], 'guard' in sys.argv[2]
recs = {r['frame']: r for r in map(json.loads, open(sys.argv[3]))}
bad = 0
for f, (v, r) in sorted(exp.items()):
    got = recs.get(f)
    drop = 'drop' if guard and v == 'garbage' else 'pass'
    if not got or (got['verdict'], got['reason'], got['action']) != (v, r, drop):
        bad += 1
        print(f'reasons [{label}]: frame {f}: expected {v}/{r}/{drop}, actual '
              f'{(got["verdict"], got["reason"], got["action"]) if got else "no record"}')
        if got:
            print('  ' + json.dumps(got))
classes = sorted({r for v, r in exp.values() if r})
print(f'reasons [{label}]: {len(exp) - bad}/{len(exp)} frames as expected; classes: {", ".join(classes)}')
sys.exit(1 if bad else 0)
PY
}

check user
check user+guard --guard
if [ "$(id -u)" = 0 ]; then
	check kernel --kernel
	check kernel+guard --kernel --guard
else
	echo "reasons: kernel part skipped: needs root"
fi
exit $fail
