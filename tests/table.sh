#!/bin/bash
# tests/table.sh - the connection table people read fits, and says times as it should.
#
#   1. at every width from 60 to 200 columns (COLUMNS), on every capture, no table line is
#      longer than the width; with stdout a pipe and no COLUMNS, 100 columns; in a terminal
#      (a pty of 90 columns made by script(1)), its width (TIOCGWINSZ);
#   2. the columns stay aligned (every row's CLIENT starts under the header's) and a greased
#      version is "grease" in its column, whose full value is in -f jsonl;
#   3. START is local time (TZ), -u/--utc gives UTC; the date is shown when the table is not of
#      today or spans days, and not for a capture of today.
#
# Usage: tests/table.sh BIN   (linkquic-replay)
# Exit:  0 pass, 1 fail, 2 usage
set -u

[ $# = 1 ] || { echo "usage: $0 BIN" >&2; exit 2; }
BIN=$1
case $BIN in
    */*) BIN=$(cd "$(dirname "$BIN")" 2>/dev/null && pwd)/$(basename "$BIN") ;;
esac
[ -x "$BIN" ] || { echo "table: '$1' is not an executable" >&2; exit 2; }
cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 2
. tests/lib/shared.sh
export LC_ALL=C
unset COLUMNS
TMP=$(mktemp -d) || exit 2
trap 'rm -rf "$TMP"' EXIT
fails=0 checks=0

fail() { echo "FAIL $*"; fails=$((fails + 1)); }

# table LINES: the table of an output (from its header to the first blank line)
table() { awk '/^CONN/ { on = 1 } on && /^$/ { exit } on' "$1"; }

# widest FILE: the longest table line
widest() { table "$1" | awk '{ if (length($0) > w) w = length($0) } END { print w + 0 }'; }

caps=(pcaps/ngtcp2/*.pcap pcaps/crafted/garbage.pcap pcaps/crafted/multipath.pcap)
for f in sites.pcapng quic_interop_V.pcapng wechat.pcap; do
    [ -r "$SHARED/pcaps-public/ntop_nDPI/$f" ] && caps+=("$SHARED/pcaps-public/ntop_nDPI/$f")
done

# 1. the width
for c in "${caps[@]}"; do
    for w in 60 80 100 132 200; do
        COLUMNS=$w TZ=UTC "$BIN" "$c" >"$TMP/out" 2>/dev/null
        n=$(widest "$TMP/out")
        checks=$((checks + 1))
        [ "$n" -le "$w" ] || fail "$c at COLUMNS=$w: a table line of $n columns"
    done
    TZ=UTC "$BIN" "$c" >"$TMP/out" 2>/dev/null
    n=$(widest "$TMP/out")
    checks=$((checks + 1))
    [ "$n" -le 100 ] || fail "$c, stdout a pipe: a table line of $n columns (not 100)"
done
if command -v script >/dev/null; then
    # a terminal of 90 columns: the table is laid out for it, not for 100
    script -qec "stty cols 90 rows 40; TZ=UTC '$BIN' pcaps/ngtcp2/migration.pcap" /dev/null \
        </dev/null | tr -d '\r' >"$TMP/tty"
    n=$(widest "$TMP/tty")
    COLUMNS=90 TZ=UTC "$BIN" pcaps/ngtcp2/migration.pcap >"$TMP/c90" 2>/dev/null
    checks=$((checks + 1))
    if [ "$n" -gt 90 ] || ! diff -q <(table "$TMP/tty") <(table "$TMP/c90") >/dev/null; then
        fail "in a 90-column terminal: widest line $n, or not the COLUMNS=90 table:"
        table "$TMP/tty" | sed 's/^/    /'
    fi
else
    echo "table: no script(1): the terminal width is not checked"
fi

# 2. alignment, and the greased version
COLUMNS=200 TZ=UTC "$BIN" pcaps/crafted/garbage.pcap >"$TMP/g" 2>/dev/null
checks=$((checks + 1))
col=$(head -1 "$TMP/g" | awk '{ print index($0, "CLIENT") }')
bad=$(table "$TMP/g" | awk -v c="$col" 'NR > 1 && substr($0, c - 1, 1) != " " { print }')
[ -z "$bad" ] || fail "garbage.pcap at 200 columns: rows not aligned under CLIENT (column $col): $bad"
checks=$((checks + 1))
if ! table "$TMP/g" | awk '$2 == "grease"' | grep -q .; then
    fail "garbage.pcap: no row with version 'grease'"
fi
checks=$((checks + 1))
"$BIN" -f jsonl pcaps/crafted/garbage.pcap 2>/dev/null | grep -q '"version":"0x1a2a3a4a"' ||
    fail "garbage.pcap: the full greased version 0x1a2a3a4a is not in -f jsonl"

# 3. local time, UTC, dates
start() { table "$1" | awk 'NR == 2' | grep -Eo '([0-9]{4}-[0-9]{2}-[0-9]{2} )?[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}'; }
COLUMNS=200 TZ=UTC "$BIN" pcaps/ngtcp2/handshake.pcap >"$TMP/utc" 2>/dev/null
COLUMNS=200 TZ=America/New_York "$BIN" pcaps/ngtcp2/handshake.pcap >"$TMP/ny" 2>/dev/null
COLUMNS=200 TZ=America/New_York "$BIN" -u pcaps/ngtcp2/handshake.pcap >"$TMP/ny-u" 2>/dev/null
COLUMNS=200 TZ=America/New_York "$BIN" --utc pcaps/ngtcp2/handshake.pcap >"$TMP/ny-utc" 2>/dev/null
u=$(start "$TMP/utc") ny=$(start "$TMP/ny")
checks=$((checks + 1))
[ "$u" = "2026-11-23 00:26:49.962" ] || fail "handshake.pcap, TZ=UTC: START '$u', not 2026-11-23 00:26:49.962"
checks=$((checks + 1))
[ "$ny" = "2026-11-22 19:26:49.962" ] || fail "handshake.pcap, TZ=America/New_York: START '$ny', not local time"
checks=$((checks + 1))
[ "$(start "$TMP/ny-u")" = "$u" ] && [ "$(start "$TMP/ny-utc")" = "$u" ] ||
    fail "-u / --utc: START '$(start "$TMP/ny-u")', '$(start "$TMP/ny-utc")', not UTC '$u'"
if command -v editcap >/dev/null && command -v mergecap >/dev/null; then
    # today's capture: the time alone; one that spans two days: dates
    first=$(tshark -r pcaps/ngtcp2/handshake.pcap -c 1 -T fields -e frame.time_epoch 2>/dev/null | cut -d. -f1)
    if [ -n "$first" ]; then
        editcap -t $(($(date +%s) - first - 60)) pcaps/ngtcp2/handshake.pcap "$TMP/today.pcap" 2>/dev/null
        COLUMNS=200 "$BIN" "$TMP/today.pcap" >"$TMP/t" 2>/dev/null
        checks=$((checks + 1))
        start "$TMP/t" | grep -Eq '^[0-9]{2}:' || fail "a capture of today: START '$(start "$TMP/t")' has a date"
    fi
    editcap -t 86400 pcaps/ngtcp2/retry.pcap "$TMP/later.pcap" 2>/dev/null
    mergecap -w "$TMP/days.pcap" pcaps/ngtcp2/handshake.pcap "$TMP/later.pcap" 2>/dev/null
    COLUMNS=200 TZ=UTC "$BIN" "$TMP/days.pcap" >"$TMP/d" 2>/dev/null
    checks=$((checks + 1))
    [ "$(table "$TMP/d" | grep -c ' 2026-11-2[34] ')" = 2 ] ||
        fail "a capture over two days: not both rows dated: $(table "$TMP/d")"
fi

echo "table: $checks checks, $fails failed"
[ $fails = 0 ]
