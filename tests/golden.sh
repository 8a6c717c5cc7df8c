#!/bin/bash
# Golden files: runs every line of tests/golden/TESTLIST through linkquic-replay and diffs its
# stdout with the expected file, line by line (the format is described at the top of TESTLIST).
#
# Usage: tests/golden.sh BIN [--update]
#   BIN       the linkquic-replay binary
#   --update  rewrite the expected files from the current output (read the diff before committing)
# Env: LQ_SHARED  directory holding pcaps-public/ (default ../shared, relative to the repo root)
#      LQ_GOLDEN_ONLY  a regular expression: only the tests whose names match (to update a few)
# Exit: 0 all passed (lines on absent public captures are skipped), 1 a test failed, 2 usage.
set -u

usage() { echo "usage: $0 BIN [--update]" >&2; exit 2; }
[ $# -ge 1 ] && [ $# -le 2 ] || usage
BIN=$1
UPDATE=0
if [ $# -eq 2 ]; then
    [ "$2" = --update ] || usage
    UPDATE=1
fi
# BIN may be relative to the caller's directory: make it absolute before moving to the repo root.
case $BIN in
    */*) BIN=$(cd "$(dirname "$BIN")" 2>/dev/null && pwd)/$(basename "$BIN") ;;
    *) BIN=$(command -v "$BIN") ;;
esac
[ -x "$BIN" ] || { echo "golden: '$1' is not an executable" >&2; exit 2; }
cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 2

. tests/lib/shared.sh
DIR=tests/golden
LIST=$DIR/TESTLIST
# The table prints times of day and fits a width: pin the zone, the locale and the width (100
# columns, stdout being no terminal) so that the output is the same on every machine.
export TZ=UTC LC_ALL=C
unset COLUMNS
SANITIZER_RE='ERROR: (Address|Leak|Memory|Thread|UndefinedBehavior)Sanitizer|runtime error:'

TMP=$(mktemp -d) || exit 2
trap 'rm -rf "$TMP"' EXIT

passed=0 failed=0 skipped=0
declare -A seen_name seen_file

fail() {  # name, reason, command, file of detail lines (not a pipe: the count must survive)
    failed=$((failed + 1))
    echo "FAIL $1: $2"
    echo "  command: $3"
    sed 's/^/  /' "$4"
}

while read -r name capture expected flags; do
    case $name in ''|'#'*) continue ;; esac
    [ -n "${LQ_GOLDEN_ONLY:-}" ] && [[ ! $name =~ $LQ_GOLDEN_ONLY ]] && continue
    if [ -z "$expected" ]; then
        echo "FAIL $name: TESTLIST line needs 'name capture expected-file flags'" ; failed=$((failed + 1)); continue
    fi
    if [ -n "${seen_name[$name]:-}" ] || [ -n "${seen_file[$expected]:-}" ]; then
        echo "FAIL $name: duplicate test name or expected file '$expected' in TESTLIST"; failed=$((failed + 1)); continue
    fi
    seen_name[$name]=1 seen_file[$expected]=1

    if [[ $capture == '$SHARED/'* ]]; then
        capture=$SHARED/${capture#\$SHARED/}
        if [ ! -d "$SHARED/pcaps-public" ]; then
            skipped=$((skipped + 1)); continue
        fi
    fi

    # flags: COLUMNS=N or TZ=ZONE for the run, options, then after "--" the filter words;
    # "!fail" anywhere.
    opts=() filter=() envs=() expect_fail=0 in_filter=0
    read -r -a words <<<"$flags"
    for w in ${words[@]+"${words[@]}"}; do
        if [ "$w" = '!fail' ]; then expect_fail=1
        elif [ $in_filter = 0 ] && [[ $w =~ ^(COLUMNS|TZ)=[^[:space:]]+$ ]]; then envs+=("$w")
        elif [ $in_filter = 0 ] && [ "$w" = -- ]; then in_filter=1
        elif [ $in_filter = 1 ]; then filter+=("$w")
        else opts+=("$w")
        fi
    done
    cmd=(env ${envs[@]+"${envs[@]}"} "$BIN" ${opts[@]+"${opts[@]}"} "$capture" ${filter[@]+"${filter[@]}"})
    shown=$(printf '%q ' "${cmd[@]}")
    shown=${shown% }

    if [ ! -r "$capture" ]; then
        echo "capture file is missing" >"$TMP/detail"
        fail "$name" "cannot read '$capture'" "$shown" "$TMP/detail"; continue
    fi
    "${cmd[@]}" >"$TMP/out" 2>"$TMP/err" </dev/null
    rc=$?

    if [ $UPDATE = 1 ]; then
        cp "$TMP/out" "$DIR/$expected"
    fi
    if [ $rc -ge 128 ]; then
        tail -n 20 "$TMP/err" >"$TMP/detail"
        fail "$name" "crashed (exit $rc, signal $((rc - 128)))" "$shown" "$TMP/detail"; continue
    fi
    if grep -Eq "$SANITIZER_RE" "$TMP/err"; then
        grep -E -m 5 -A 5 "$SANITIZER_RE" "$TMP/err" >"$TMP/detail"
        fail "$name" "sanitizer report" "$shown" "$TMP/detail"; continue
    fi
    if [ $expect_fail = 1 ] && [ $rc = 0 ]; then
        tail -n 5 "$TMP/err" >"$TMP/detail"
        fail "$name" "exit 0, but this test expects an error exit (!fail)" "$shown" "$TMP/detail"; continue
    fi
    if [ $expect_fail = 0 ] && [ $rc != 0 ]; then
        tail -n 5 "$TMP/err" >"$TMP/detail"
        fail "$name" "exit $rc" "$shown" "$TMP/detail"; continue
    fi
    if [ ! -f "$DIR/$expected" ]; then
        echo "(run with --update to create it)" >"$TMP/detail"
        fail "$name" "no expected file $DIR/$expected" "$shown" "$TMP/detail"; continue
    fi
    if ! diff -u --label "$DIR/$expected" --label "output of $name" "$DIR/$expected" "$TMP/out" >"$TMP/diff"; then
        n=$(wc -l <"$TMP/diff")
        { head -n 40 "$TMP/diff"; [ "$n" -gt 40 ] && echo "... ($n diff lines)"; } >"$TMP/detail"
        fail "$name" "output differs from $DIR/$expected" "$shown" "$TMP/detail"
        continue
    fi
    passed=$((passed + 1))
done <"$LIST"

# An expected file no line refers to would rot unnoticed.
for f in "$DIR"/*.out; do
    [ -e "$f" ] || continue
    b=$(basename "$f")
    [ -n "${seen_file[$b]:-}" ] || echo "warning: $f is not used by any TESTLIST line"
done
if [ $skipped -gt 0 ]; then
    echo "golden: $skipped tests skipped: no public captures in '$SHARED/pcaps-public' (set LQ_SHARED)"
fi
echo "golden: $passed passed, $failed failed$([ $skipped -gt 0 ] && echo ", $skipped skipped")$([ $UPDATE = 1 ] && echo " (expected files updated)")"
[ $failed = 0 ]
