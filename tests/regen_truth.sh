#!/bin/bash
# The committed ground truth still follows from the captures: regenerates every
# pcaps/ngtcp2/NAME.truth with tests/groundtruth.py (tshark, with NAME.keys) into a temporary
# directory and diffs it with the committed file.
#
# Usage: tests/regen_truth.sh
# Exit: 0 all identical, 1 a difference or a failed run, 77 tshark or python3 missing (skip).
set -u

cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 2
if ! command -v tshark >/dev/null; then
    echo "regen_truth: skipped: tshark is not installed (needed by tests/groundtruth.py)"
    exit 77
fi
if ! command -v python3 >/dev/null; then
    echo "regen_truth: skipped: python3 is not installed"
    exit 77
fi
echo "regen_truth: $(tshark --version 2>/dev/null | head -n 1)"

TMP=$(mktemp -d) || exit 2
trap 'rm -rf "$TMP"' EXIT

same=0 differ=0
for cap in pcaps/ngtcp2/*.pcap pcaps/crowd/*.pcap; do
    name=$(basename "$cap" .pcap)
    dir=$(dirname "$cap")
    committed=$dir/$name.truth
    keys=$dir/$name.keys
    args=()
    # a truth made with options says so on its first line (make-crowd.sh: --decode-as)
    read -r -a made <<<"$(head -n 1 "$committed" 2>/dev/null | sed -n 's/^# tests\/groundtruth.py //p')"
    for w in "${made[@]}"; do [[ $w == --* || $w == *==* ]] && args+=("$w"); done
    args+=("$cap")
    [ -f "$keys" ] && args+=("$keys")
    if ! python3 tests/groundtruth.py "${args[@]}" >"$TMP/$name.truth" 2>"$TMP/$name.err"; then
        echo "FAIL $name: tests/groundtruth.py ${args[*]} failed:"
        sed 's/^/  /' "$TMP/$name.err" | head -n 20
        differ=$((differ + 1)); continue
    fi
    if [ ! -f "$committed" ]; then
        echo "FAIL $name: no committed $committed"
        differ=$((differ + 1)); continue
    fi
    # comment lines (how the truth was made) are not part of it
    if diff -u --label "$committed" --label "regenerated" <(grep -v '^#' "$committed") \
        <(grep -v '^#' "$TMP/$name.truth") >"$TMP/$name.diff"; then
        same=$((same + 1))
        note=
        # groundtruth.py warns when nothing decrypted (e.g. a version tshark does not know)
        [ -s "$TMP/$name.err" ] && note=" ($(head -n 1 "$TMP/$name.err" | cut -c 1-100)...)"
        echo "ok   $name: $(grep -vc '^#' "$committed") frames$note"
    else
        differ=$((differ + 1))
        echo "FAIL $name: regenerated truth differs from $committed"
        head -n 40 "$TMP/$name.diff" | sed 's/^/  /'
    fi
done
echo "regen_truth: $same identical, $differ different"
[ $differ = 0 ]
