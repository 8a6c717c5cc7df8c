#!/bin/bash
# Accuracy against ground truth: tests/check_truth.py on every pcaps/ngtcp2 capture (real
# traffic) and every pcaps/crafted capture that has a .truth file. The crafted captures that no
# reader can open (badheader.pcap) must instead make the tool exit
# non-zero with one error line that names the file. Then every real capture again, one
# direction at a time (a libpcap filter): no wrong merge, no label on non-QUIC.
#
# Usage: tests/truth.sh BIN
# Prints one row per capture and the totals of the real-traffic captures (the accuracy figure
# quoted in the README). Exit: 0 no problem, 1 any problem, 2 usage.
set -u

. "$(dirname "${BASH_SOURCE[0]}")/lib/bin.sh"
lq_bin truth "$@"
cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 2
command -v python3 >/dev/null || { echo "truth: python3 is needed for tests/check_truth.py" >&2; exit 2; }

UNREADABLE=" pcaps/crafted/badheader.pcap "
TMP=$(mktemp -d) || exit 2
trap 'rm -rf "$TMP"' EXIT

bad=0
real_frames=0 real_labelled=0 real_conns=0 real_problems=0 real_captures=0
row() { printf '%-40s %8s %9s %12s %9s\n' "$@"; }

row capture "QUIC frm" labelled connections problems
for cap in pcaps/ngtcp2/*.pcap pcaps/crowd/*.pcap pcaps/crafted/*.pcap pcaps/crafted/*.pcapng; do
    [ -e "$cap" ] || continue
    truth=${cap%.*}.truth
    if [[ $UNREADABLE == *" $cap "* ]]; then
        # No truth to check: the file must be refused, with one clear line and no record.
        "$BIN" -f jsonl "$cap" >"$TMP/out" 2>"$TMP/err" </dev/null
        rc=$?
        errs=$(grep -c '^linkquic-replay:' "$TMP/err")
        why=
        if [ $rc = 0 ] || [ $rc -ge 128 ]; then why="exit $rc (want 1..127)"
        elif [ -s "$TMP/out" ]; then why="$(wc -l <"$TMP/out") records on stdout (want none)"
        elif [ "$errs" != 1 ]; then why="$errs 'linkquic-replay:' lines on stderr (want 1)"
        elif ! grep '^linkquic-replay:' "$TMP/err" | grep -qF "$cap"; then why="the error line does not name the file"
        fi
        if [ -n "$why" ]; then
            row "$cap" - - - "1"
            echo "  unreadable capture: $why"; sed 's/^/  stderr: /' "$TMP/err" | head -n 5
            bad=1
        else
            row "$cap" - - - 0
            echo "  refused as expected: $(grep '^linkquic-replay:' "$TMP/err")"
        fi
        continue
    fi
    [ -f "$truth" ] || continue

    python3 tests/check_truth.py --quiet --replay "$BIN" "$cap" "$truth" >"$TMP/check" 2>&1
    rc=$?
    # "CAP: L/T QUIC frames (P%) under their connection's one label, C connections, N problems"
    summary=$(grep -E ': [0-9]+/[0-9]+ QUIC frames' "$TMP/check" | tail -n 1)
    if [[ $summary =~ :\ ([0-9]+)/([0-9]+)\ QUIC\ frames.*\ ([0-9]+)\ connections,\ ([0-9]+)\ problems ]]; then
        labelled=${BASH_REMATCH[1]} frames=${BASH_REMATCH[2]} conns=${BASH_REMATCH[3]} problems=${BASH_REMATCH[4]}
    else
        labelled='?' frames='?' conns='?' problems='check_truth.py failed'
    fi
    row "$cap" "$frames" "$labelled" "$conns" "$problems"
    if [ $rc != 0 ] || [ "$problems" != 0 ]; then
        bad=1
        grep -v -F "$summary" "$TMP/check" | head -n 30 | sed 's/^/  /'
    fi
    if [[ $cap == pcaps/ngtcp2/* || $cap == pcaps/crowd/* ]] && [[ $frames =~ ^[0-9]+$ ]]; then
        real_captures=$((real_captures + 1))
        real_frames=$((real_frames + frames)) real_labelled=$((real_labelled + labelled))
        real_conns=$((real_conns + conns))
        real_problems=$((real_problems + problems))
    fi
done

pct=$(awk -v l=$real_labelled -v t=$real_frames 'BEGIN { printf "%.1f", t ? 100 * l / t : 0 }')
echo "real traffic (pcaps/ngtcp2 and pcaps/crowd, $real_captures captures): $real_labelled/$real_frames QUIC frames ($pct%) under their connection's one label, $real_conns connections, $real_problems problems"
# One direction only, as a monitor behind asymmetric routing sees it: every real capture
# through a filter that keeps the client's packets (to the server's port; make-ngtcp2.sh
# runs every server on 443), then one that keeps the server's. Links may be missed (the
# coverage is shown), but a label must never span two connections nor mark a non-QUIC frame.
echo
row "one direction" "QUIC frm" labelled connections problems
ow_frames=0 ow_labelled=0 ow_problems=0
for cap in pcaps/ngtcp2/*.pcap pcaps/crowd/*.pcap; do
    for view in "udp dst port 443" "udp src port 443"; do
        python3 tests/check_truth.py --quiet --replay "$BIN" --filter "$view" "$cap" "${cap%.*}.truth" \
            >"$TMP/check" 2>&1
        rc=$?
        summary=$(grep -E ': [0-9]+/[0-9]+ QUIC frames' "$TMP/check" | tail -n 1)
        if [[ $summary =~ :\ ([0-9]+)/([0-9]+)\ QUIC\ frames.*\ ([0-9]+)\ connections,\ ([0-9]+)\ problems ]]; then
            labelled=${BASH_REMATCH[1]} frames=${BASH_REMATCH[2]} conns=${BASH_REMATCH[3]} problems=${BASH_REMATCH[4]}
            ow_frames=$((ow_frames + frames)) ow_labelled=$((ow_labelled + labelled))
            ow_problems=$((ow_problems + problems))
        else
            labelled='?' frames='?' conns='?' problems='check_truth.py failed'
        fi
        row "$(basename "$cap") ${view#udp }" "$frames" "$labelled" "$conns" "$problems"
        if [ $rc != 0 ] || [ "$problems" != 0 ]; then
            bad=1
            grep -v -F "$summary" "$TMP/check" | head -n 30 | sed 's/^/  /'
        fi
    done
done
pct=$(awk -v l=$ow_labelled -v t=$ow_frames 'BEGIN { printf "%.1f", t ? 100 * l / t : 0 }')
echo "one direction only: $ow_labelled/$ow_frames QUIC frames ($pct%) under their connection's main label, $ow_problems problems (wrong merges, labelled non-QUIC)"
if [ $bad = 0 ]; then echo "truth: ok"; else echo "truth: FAILED"; fi
exit $bad
