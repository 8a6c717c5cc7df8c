#!/usr/bin/env bash
# tests/crafted.sh - pcaps/craft.py still makes pcaps/crafted/ byte for byte: every capture,
# its truth and expectations, and the README that describes them. A change to the model
# (craft.py) then shows up as a change to the committed captures, and the reverse.
#
# Exit: 0 identical, 1 a file differs, is missing or is extra, 77 python3 missing (skip).
set -u
cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 2
command -v python3 >/dev/null || { echo "crafted: skipped: python3 is not installed"; exit 77; }
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

python3 pcaps/craft.py --out "$TMP" >/dev/null || { echo "crafted: pcaps/craft.py failed"; exit 1; }
rc=0
for name in $( (ls "$TMP"; ls pcaps/crafted) | sort -u); do
	if [ ! -e "pcaps/crafted/$name" ]; then
		echo "crafted: $name: made by craft.py but not in pcaps/crafted/"; rc=1
	elif [ ! -e "$TMP/$name" ]; then
		echo "crafted: $name: in pcaps/crafted/ but craft.py no longer makes it"; rc=1
	elif ! cmp -s "$TMP/$name" "pcaps/crafted/$name"; then
		echo "crafted: $name: differs from what craft.py makes now: $(cmp "$TMP/$name" "pcaps/crafted/$name" 2>&1 | head -1)"
		rc=1
	fi
done
[ "$rc" = 0 ] && echo "crafted: all $(ls pcaps/crafted | wc -l) files of pcaps/crafted/ as craft.py makes them"
exit "$rc"
