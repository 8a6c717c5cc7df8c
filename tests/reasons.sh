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

# the garbage classes the guard drops (--vocabulary: property "drop")
DROPPABLE=$("$BIN" --vocabulary | awk '$1 == "reason" && $3 ~ /(^|,)drop(,|$)/ { print $2 }' | paste -sd, -)

check() { # label, replay args...
	local label=$1
	shift
	python3 tests/reasons_check.py "$EXP" "$label" <("$BIN" -f jsonl "$@" "$CAP" 2>/dev/null) \
		"$DROPPABLE" || fail=1
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
