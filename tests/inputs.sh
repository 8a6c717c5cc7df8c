#!/bin/bash
# Compressed captures: gzip and zstd copies of real captures, made here, read directly (by name
# and from standard input, and a gzip of two members in a row) give the very records and
# per-connection records of the uncompressed file; a cut or corrupt compressed file gives the
# records of every frame before the damage, then one error line naming the file and the codec,
# and an error exit; a file of no known format is refused naming the formats.
#
# Usage: tests/inputs.sh BIN
# Exit: 0 all passed, 1 a case failed, 2 usage, 77 gzip or zstd missing (skip).
set -u

. "$(dirname "${BASH_SOURCE[0]}")/lib/bin.sh"
lq_bin inputs "$@"
cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 2
for t in gzip zstd; do
    command -v $t >/dev/null || { echo "inputs: skipped: $t is not installed"; exit 77; }
done
export TZ=UTC LC_ALL=C
TMP=$(mktemp -d) || exit 2
trap 'rm -rf "$TMP"' EXIT
SANITIZER_RE='ERROR: (Address|Leak|Memory|Thread|UndefinedBehavior)Sanitizer|runtime error:'
passed=0 failed=0

ok() { passed=$((passed + 1)); printf 'ok   %-44s %s\n' "$1" "${2:-}"; }
bad() { failed=$((failed + 1)); printf 'FAIL %-44s %s\n' "$1" "$2"; sed 's/^/  stderr: /' "$TMP/err" | head -n 5; }

# pcap, pcapng of two interfaces, pcapng of four link types, a crowd
CAPS=(pcaps/ngtcp2/migration.pcap pcaps/crowd/crowd-cgnat.pcap pcaps/crafted/linktypes-pcapng.pcapng
      pcaps/crafted/linktypes-mixed.pcapng)
for cap in "${CAPS[@]}"; do
    b=$TMP/$(basename "$cap")
    gzip -c "$cap" >"$b.gz"
    zstd -q -c "$cap" >"$b.zst"
    # two gzip members in a row (pigz, or gzip of pieces catenated) are one stream
    half=$(($(stat -c %s "$cap") / 2))
    { head -c "$half" "$cap" | gzip -c; tail -c +"$((half + 1))" "$cap" | gzip -c; } >"$b.2.gz"
    for fmt in jsonl conn; do
        "$BIN" -f "$fmt" "$cap" >"$TMP/want" 2>/dev/null </dev/null || { bad "$cap -f $fmt" "the uncompressed file fails"; continue; }
        for z in "$b.gz" "$b.zst" "$b.2.gz" "stdin:$b.zst"; do
            name="$(basename "${z#stdin:}") -f $fmt"
            [[ $z == stdin:* ]] && name="$name, from standard input"
            if [[ $z == stdin:* ]]; then
                "$BIN" -f "$fmt" - <"${z#stdin:}" >"$TMP/got" 2>"$TMP/err"
            else
                "$BIN" -f "$fmt" "$z" >"$TMP/got" 2>"$TMP/err" </dev/null
            fi
            rc=$?
            if [ $rc != 0 ]; then bad "$name" "exit $rc"
            elif grep -Eq "$SANITIZER_RE" "$TMP/err"; then bad "$name" "sanitizer report"
            elif ! cmp -s "$TMP/want" "$TMP/got"; then bad "$name" "output differs from the uncompressed file's: $(diff "$TMP/want" "$TMP/got" | head -n 2)"
            else ok "$name" "$(wc -l <"$TMP/got") records"
            fi
        done
    done
done

# damaged: cut in the middle, and a corrupt byte; the frames before are reported
cap=pcaps/ngtcp2/migration.pcap b=$TMP/migration.pcap
frames_all=$(wc -l < <("$BIN" -f jsonl "$cap" 2>/dev/null))
size_gz=$(stat -c %s "$b.gz") size_zst=$(stat -c %s "$b.zst")
head -c $((size_gz * 2 / 3)) "$b.gz" >"$TMP/cut.pcap.gz"
head -c $((size_zst * 2 / 3)) "$b.zst" >"$TMP/cut.pcap.zst"
cp "$b.gz" "$TMP/corrupt.pcap.gz"
printf '\xff\xff\xff\xff' | dd of="$TMP/corrupt.pcap.gz" bs=1 seek=$((size_gz / 2)) conv=notrunc status=none
cp "$b.zst" "$TMP/corrupt.pcap.zst"
printf '\xff\xff\xff\xff' | dd of="$TMP/corrupt.pcap.zst" bs=1 seek=$((size_zst / 2)) conv=notrunc status=none
{ cat "$b.gz"; printf 'trailing garbage'; } >"$TMP/trailing.pcap.gz"
# NAME  records wanted (some: 1 or more, before the damage; any: zstd decodes whole blocks of
# up to 128 KiB, so a cut in the first block leaves nothing; all)  what the line says
while read -r z want says; do
    codec=${z##*.}; [ "$codec" = gz ] && codec=gzip || codec=zstd
    "$BIN" -q -f jsonl "$TMP/$z" >"$TMP/got" 2>"$TMP/err" </dev/null
    rc=$?
    n=$(wc -l <"$TMP/got")
    line=$(grep '^linkquic-replay:' "$TMP/err")
    if [ $rc = 0 ] || [ $rc -ge 128 ]; then bad "$z" "exit $rc, want 1..127"
    elif [ "$(wc -l <"$TMP/err")" != 1 ]; then bad "$z" "$(wc -l <"$TMP/err") lines on stderr, want one"
    elif [[ $line != *"'$TMP/$z' ($codec)"* || $line != *"$says"* ]]; then bad "$z" "the line does not name the file, $codec and '$says': $line"
    elif [ "$want" = all ] && [ "$n" != "$frames_all" ]; then bad "$z" "$n records, want all $frames_all"
    elif [ "$want" != all ] && [ "$n" -ge "$frames_all" ]; then bad "$z" "$n records of $frames_all: the damage went unnoticed"
    elif [ "$want" = some ] && [ "$n" = 0 ]; then bad "$z" "no record of the frames before the damage"
    else ok "$z" "$n records, then: ${line#linkquic-replay: }"
    fi
done <<'EOF'
cut.pcap.gz some gzip: the compressed data ends early
cut.pcap.zst any zstd: the compressed data ends early
corrupt.pcap.gz any (after frame
corrupt.pcap.zst any zstd:
trailing.pcap.gz all gzip: bytes after the end of the compressed data
EOF

# neither pcap, pcapng, gzip nor zstd
printf 'PK\003\004 this is a zip file, not a capture' >"$TMP/capture.zip"
"$BIN" "$TMP/capture.zip" >/dev/null 2>"$TMP/err" </dev/null
rc=$?
line=$(cat "$TMP/err")
if [ $rc = 0 ] || [ "$(wc -l <"$TMP/err")" != 1 ] || [[ $line != *"unknown file format (not pcap, pcapng, gzip or zstd)"* ]]; then
    bad unknown-format "exit $rc: $line"
else
    ok unknown-format "${line#linkquic-replay: }"
fi

echo "inputs: $passed passed, $failed failed"
[ $failed = 0 ]
