#!/bin/bash
# Robustness sweep over every public capture in $SHARED/pcaps-public/MANIFEST.tsv: runs BIN with
# -f jsonl and with --maps on each. A capture fails if either run crashes (exit >= 128, or a
# sanitizer report on stderr), exits non-zero on a capture that capinfos reads, or gives a
# number of records different from the capture's frame count. Meant to be run with the normal
# build and with an ASan/UBSan build (cmake -DLQ_SANITIZE=ON).
#
# Usage: tests/sweep.sh BIN
# Env: LQ_SHARED  directory holding pcaps-public/ (default ../shared, relative to the repo root)
# Exit: 0 all good, 1 a capture failed, 2 usage, 77 the public captures are absent (skip).
set -u

. "$(dirname "${BASH_SOURCE[0]}")/lib/bin.sh"
lq_bin sweep "$@"
cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 2

. tests/lib/shared.sh
PUB=$SHARED/pcaps-public
MANIFEST=$PUB/MANIFEST.tsv
if [ ! -r "$MANIFEST" ]; then
    echo "sweep: skipped: no public captures: '$MANIFEST' not found (set LQ_SHARED to the directory holding pcaps-public/)"
    exit 77
fi
if command -v capinfos >/dev/null; then COUNTER=capinfos
elif command -v tshark >/dev/null; then COUNTER=tshark
else COUNTER=; echo "sweep: warning: neither capinfos nor tshark found: record counts are not checked"
fi
SANITIZER_RE='ERROR: (Address|Leak|Memory|Thread|UndefinedBehavior)Sanitizer|runtime error:'
# A sanitizer build aborts on its first report; keep reports on stderr where they are looked for.
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=0:detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}
export TZ=UTC LC_ALL=C

TMP=$(mktemp -d) || exit 2
trap 'rm -rf "$TMP"' EXIT

frame_count() {  # prints the capture's frame count, or nothing if the counter cannot read it
    case $COUNTER in
        capinfos) capinfos -c -M "$1" 2>/dev/null | awk -F: '/^Number of packets/ { gsub(/ /, "", $2); print $2 }' ;;
        tshark) tshark -r "$1" -T fields -e frame.number 2>/dev/null | wc -l ;;
    esac
}

# Why a run went wrong, or nothing. $1 = exit code, $2 = stderr file.
crash_reason() {
    if [ "$1" -ge 128 ]; then echo "crashed (exit $1, signal $(($1 - 128)))"
    elif grep -Eq "$SANITIZER_RE" "$2"; then echo "sanitizer report"
    fi
}

n=0 bad=0 total_frames=0 total_records=0
printf '%-72s %7s %7s  %s\n' capture frames records verdicts
while IFS=$'\t' read -r path _; do
    [ "$path" = local_path ] && continue
    [ -n "$path" ] || continue
    cap=$PUB/$path
    n=$((n + 1))
    problems=()
    if [ ! -r "$cap" ]; then
        printf '%-72s %7s %7s  %s\n' "$path" - - "FAIL: listed in MANIFEST.tsv but missing"
        bad=$((bad + 1)); continue
    fi
    frames=$(frame_count "$cap")

    "$BIN" -f jsonl "$cap" >"$TMP/out" 2>"$TMP/err" </dev/null
    rc=$?
    why=$(crash_reason $rc "$TMP/err")
    [ -n "$why" ] && problems+=("jsonl run $why")
    records=$(wc -l <"$TMP/out")
    if [ -z "$why" ] && [ $rc != 0 ]; then
        if [ -n "$frames" ]; then problems+=("jsonl run exit $rc on a readable capture")
        elif [ "$(grep -c '^linkquic-replay:' "$TMP/err")" != 1 ]; then problems+=("unreadable, but not one error line")
        fi
    fi
    if [ -n "$frames" ] && [ "$records" != "$frames" ]; then
        problems+=("$records records for $frames frames")
    fi
    verdicts=$(grep -o '"verdict":"[a-z_]*"' "$TMP/out" | cut -d'"' -f4 | sort | uniq -c |
               awk '{ printf "%s%s=%s", sep, $2, $1; sep = " " }')
    cp "$TMP/err" "$TMP/err.jsonl"

    "$BIN" -q --maps "$cap" >"$TMP/maps" 2>"$TMP/err" </dev/null
    mrc=$?
    mwhy=$(crash_reason $mrc "$TMP/err")
    [ -n "$mwhy" ] && problems+=("--maps run $mwhy")
    if [ -z "$mwhy" ] && [ $mrc = 0 ]; then
        for m in connections_map dcids_map dest_map sip_map potential_quic; do
            grep -q "^$m: " "$TMP/maps" || problems+=("--maps prints no $m")
        done
    elif [ -z "$mwhy" ] && [ -n "$frames" ]; then
        problems+=("--maps run exit $mrc on a readable capture")
    fi

    total_frames=$((total_frames + ${frames:-0})) total_records=$((total_records + records))
    if [ ${#problems[@]} = 0 ]; then
        printf '%-72s %7s %7s  %s\n' "$path" "${frames:-?}" "$records" "$verdicts"
    else
        bad=$((bad + 1))
        printf '%-72s %7s %7s  %s\n' "$path" "${frames:-?}" "$records" "FAIL: $(IFS=';'; echo "${problems[*]}")"
        for f in "$TMP/err.jsonl" "$TMP/err"; do
            grep -E -m 3 -A 8 "$SANITIZER_RE" "$f" || tail -n 3 "$f"
        done | sed 's/^/    /' | head -n 30
    fi
done <"$MANIFEST"
echo "sweep: $n captures, $total_frames frames, $total_records records; $((n - bad)) ok, $bad failed"
[ $bad = 0 ]
