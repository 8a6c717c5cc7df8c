#!/bin/bash
# Bad input: linkquic-replay answers each case with one clear line on stderr that starts with
# "linkquic-replay:" and names the object at fault, and exits non-zero (never >= 128, never a
# sanitizer report); what was read before an error is still printed.
#
# A usage error may add GNU's hint line "Try 'linkquic-replay --help'." after its one line;
# that hint is not counted as a second error line.
#
# Usage: tests/errors.sh BIN
# Exit: 0 every case passed, 1 a case failed, 2 usage.
set -u

. "$(dirname "${BASH_SOURCE[0]}")/lib/bin.sh"
lq_bin errors "$@"
cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 2
export TZ=UTC LC_ALL=C

TMP=$(mktemp -d) || exit 2
trap 'rm -rf "$TMP"' EXIT
SANITIZER_RE='ERROR: (Address|Leak|Memory|Thread|UndefinedBehavior)Sanitizer|runtime error:'
HINT_RE="^Try '[^']*--help'\.\$"
GOOD=pcaps/crafted/linktypes-ether.pcap   # 24 frames, 2 connections
DAMAGED=pcaps/crafted/damaged.pcap         # 10 readable frames, then a cut record
passed=0 failed=0

# run STDIN CMD...: runs CMD with STDIN (a file, or /dev/null); sets rc, out, err.
run() {
    local input=$1; shift
    "$@" <"$input" >"$TMP/out" 2>"$TMP/err"
    rc=$?
    out=$TMP/out err=$TMP/err
}
report() {  # name, problem ("" = pass), command...
    local name=$1 why=$2; shift 2
    if [ -z "$why" ]; then
        passed=$((passed + 1))
        printf 'ok   %-28s exit %d: %s\n' "$name" "$rc" "$(grep -m 1 '^linkquic-replay:' "$err" || echo "(no error line)")"
    else
        failed=$((failed + 1))
        printf 'FAIL %-28s %s\n' "$name" "$why"
        echo "  command: $*  (exit $rc)"
        sed 's/^/  stderr: /' "$err" | head -n 12
    fi
}
# Problems common to every case: a crash or a sanitizer report.
crash() {
    if [ "$rc" -ge 128 ]; then echo "crashed (exit $rc, signal $((rc - 128)))"
    elif grep -Eq "$SANITIZER_RE" "$err"; then echo "sanitizer report: $(grep -Em 1 "$SANITIZER_RE" "$err")"
    fi
}
error_lines() { grep -c '^linkquic-replay:' "$err"; }
# mentions WORD...: does the error line contain every WORD (fixed strings)?
mentions() {
    local line w
    line=$(grep -m 1 '^linkquic-replay:' "$err")
    for w in "$@"; do [[ $line == *"$w"* ]] || return 1; done
}

# expect_error NAME STDIN "WORD..." CMD...: the single-error case. Exit 1..127, stderr exactly
# one line (plus at most the --help hint), starting "linkquic-replay:" and naming every WORD.
# Stdout is not checked: a file that fails after its header still gets its (empty) table.
expect_error() {
    local name=$1 input=$2 words=$3; shift 3
    local why lines
    run "$input" "$@"
    why=$(crash)
    lines=$(grep -cv -E "$HINT_RE" "$err")
    if [ -n "$why" ]; then :
    elif [ $rc = 0 ]; then why="exit 0, want an error exit"
    elif [ "$lines" != 1 ]; then why="$lines lines on stderr, want exactly one"
    elif ! head -n 1 "$err" | grep -q '^linkquic-replay:'; then why="the line does not start with 'linkquic-replay:'"
    else
        local -a w
        read -r -a w <<<"$words"
        mentions "${w[@]}" || why="the line does not name: $words"
    fi
    report "$name" "$why" "$@"
}

# ---- files that cannot be read ---------------------------------------------------------------
mkdir "$TMP/adir"
: >"$TMP/empty.pcap"
if command -v python3 >/dev/null; then  # the same bytes on every run
    python3 -c 'import random, sys; r = random.Random(7); sys.stdout.buffer.write(bytes(r.randrange(256) for _ in range(4096)))' >"$TMP/random.bin"
else
    head -c 4096 /dev/urandom >"$TMP/random.bin"
fi
# a valid pcap global header followed by random bytes: the first record header is nonsense
head -c 24 "$GOOD" | cat - "$TMP/random.bin" >"$TMP/header-random.pcap"

expect_error nonexistent-file /dev/null "$TMP/no-such.pcap" "$BIN" "$TMP/no-such.pcap"
expect_error directory /dev/null "$TMP/adir" "$BIN" "$TMP/adir"
expect_error badheader /dev/null pcaps/crafted/badheader.pcap "$BIN" pcaps/crafted/badheader.pcap
expect_error empty-file /dev/null "$TMP/empty.pcap" "$BIN" "$TMP/empty.pcap"
expect_error random-bytes /dev/null "$TMP/random.bin" "$BIN" "$TMP/random.bin"
expect_error random-bytes-stdin "$TMP/random.bin" "'-'" "$BIN" -
# a pcapng whose interfaces differ in link type is read (tests/golden, tests/truth.sh); one whose
# second interface has a link type the tool does not decode stops at its first frame
python3 - "$TMP/iface-usb.pcapng" <<'PY'
import struct, sys
def block(t, body):
    body += b"\0" * (-len(body) % 4)
    return struct.pack("<II", t, 12 + len(body)) + body + struct.pack("<I", 12 + len(body))
frame = bytes(12) + b"\x08\x06" + bytes(28)  # Ethernet, ARP: no IP
out = block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1))
out += block(1, struct.pack("<HHI", 1, 0, 262144)) + block(1, struct.pack("<HHI", 189, 0, 262144))
for ifid in (0, 0, 1):
    out += block(6, struct.pack("<IIIII", ifid, 0, 0, len(frame), len(frame)) + frame)
open(sys.argv[1], "wb").write(out)
PY
expect_error pcapng-iface-unsupported /dev/null "$TMP/iface-usb.pcapng interface 189 supported" "$BIN" "$TMP/iface-usb.pcapng"
expect_error header-then-random /dev/null "$TMP/header-random.pcap" "$BIN" "$TMP/header-random.pcap"

# ---- a cut last record: the 10 frames before it are still reported -------------------------
damaged_check() {  # name, expected number of error-free stderr lines, stdin, command...
    local name=$1 extra=$2 input=$3; shift 3
    local why object=$DAMAGED
    [ "$input" != /dev/null ] && object="'-'"
    run "$input" "$@"
    why=$(crash)
    local records frames_seen
    records=$(grep -c '^{"frame":' "$out")
    frames_seen=$(grep -o '^{"frame":[0-9]*' "$out" | cut -d: -f2 | tr '\n' ' ')
    if [ -n "$why" ]; then :
    elif [ $rc = 0 ]; then why="exit 0, want an error exit for the cut record"
    elif [ "$(error_lines)" != 1 ]; then why="$(error_lines) 'linkquic-replay:' lines on stderr, want one"
    elif ! mentions "$object"; then why="the error line does not name $object"
    elif [ "$extra" != any ] && [ "$(wc -l <"$err")" != 1 ]; then why="$(wc -l <"$err") lines on stderr, want one"
    elif [[ " $* " == *" jsonl "* ]] && [ "$frames_seen" != "1 2 3 4 5 6 7 8 9 10 " ]; then
        why="records for frames '$frames_seen', want 1 to 10 ($records records)"
    elif [[ " $* " != *" jsonl "* ]] && ! grep -q '^10 frames: quic 10' "$out"; then
        why="the table's summary does not count the 10 readable frames"
    fi
    report "$name" "$why" "$@"
}
# jsonl puts the summary on stderr: allow it beside the one error line; -q leaves the error alone.
damaged_check damaged-jsonl any /dev/null "$BIN" -f jsonl "$DAMAGED"
damaged_check damaged-jsonl-quiet one /dev/null "$BIN" -q -f jsonl "$DAMAGED"
damaged_check damaged-table one /dev/null "$BIN" "$DAMAGED"
damaged_check damaged-stdin any "$DAMAGED" "$BIN" -f jsonl -

# -f conn: the record of every connection read so far (ended "read_error"), then the one error
run /dev/null "$BIN" -f conn "$DAMAGED"
why=$(crash)
if [ -n "$why" ]; then :
elif [ $rc = 0 ]; then why="exit 0, want an error exit for the cut record"
elif [ "$(error_lines)" != 1 ]; then why="$(error_lines) 'linkquic-replay:' lines on stderr, want one"
elif [ "$(grep -c '^{"conn":"[0-9a-f]\{16\}",.*"ended":"read_error"' "$out")" != 1 ]; then
    why="not one record ended read_error on stdout: $(head -c 300 "$out")"
elif ! tail -n 1 "$err" | grep -q '^linkquic-replay:.*damaged'; then
    why="the error line is not the last on stderr"
fi
report damaged-conn "$why" "$BIN" -f conn "$DAMAGED"

# ---- standard input that is a good capture ---------------------------------------------------
run "$GOOD" "$BIN" -f jsonl -
cp "$out" "$TMP/stdin.out"
why=$(crash)
if [ -z "$why" ]; then
    "$BIN" -f jsonl "$GOOD" >"$TMP/file.out" 2>/dev/null
    if [ $rc != 0 ]; then why="exit $rc"
    elif [ "$(error_lines)" != 0 ]; then why="error line on stderr"
    elif [ "$(wc -l <"$TMP/stdin.out")" != 24 ]; then why="$(wc -l <"$TMP/stdin.out") records, want 24"
    elif ! cmp -s "$TMP/stdin.out" "$TMP/file.out"; then why="records differ from reading the file by name"
    fi
fi
report stdin-pcap "$why" "$BIN" -f jsonl - "<$GOOD"

# ---- options ---------------------------------------------------------------------------------
expect_error bad-filter /dev/null "'udp portx 443'" "$BIN" "$GOOD" 'udp portx 443'
expect_error unknown-option /dev/null "--bogus" "$BIN" --bogus "$GOOD"
expect_error missing-option-argument /dev/null "f" "$BIN" "$GOOD" -f
expect_error format-xml /dev/null "--format xml" "$BIN" --format xml "$GOOD"
expect_error conn-update-zero /dev/null "--conn-update '0'" "$BIN" -f conn --conn-update 0 "$GOOD"
expect_error conn-update-abc /dev/null "--conn-update abc" "$BIN" -f conn --conn-update abc "$GOOD"
expect_error idle-timeout-zero /dev/null "--idle-timeout '0'" "$BIN" --idle-timeout 0 "$GOOD"
expect_error idle-timeout-abc /dev/null "--idle-timeout abc" "$BIN" --idle-timeout abc "$GOOD"
expect_error idle-timeout-huge /dev/null "--idle-timeout 99999999999999999999" "$BIN" --idle-timeout 99999999999999999999 "$GOOD"
expect_error idle-timeout-negative /dev/null "--idle-timeout -5" "$BIN" --idle-timeout=-5 "$GOOD"
expect_error max-paths-1 /dev/null "--max-paths '1'" "$BIN" --max-paths 1 "$GOOD"
expect_error max-cids-huge /dev/null "--max-cids 99999999999" "$BIN" --max-cids 99999999999 "$GOOD"
expect_error no-file-argument /dev/null "file" "$BIN"
expect_error timing-with-kernel /dev/null "--timing user-space" "$BIN" --timing --kernel "$GOOD"
expect_error batch-without-compare /dev/null "--batch only --compare" "$BIN" --batch "$GOOD" "$GOOD"

# ---- --kernel without privileges ---------------------------------------------------------------
# As root, drop to nobody (uid and gid 65534, no groups, no capabilities) for the run.
drop=()
if [ "$(id -u)" = 0 ]; then
    if command -v setpriv >/dev/null; then drop=(setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all)
    elif command -v runuser >/dev/null; then drop=(runuser -u nobody --)
    fi
fi
if [ "$(id -u)" = 0 ] && [ ${#drop[@]} = 0 ]; then
    echo "skip kernel-without-root          neither setpriv nor runuser to drop root"
else
    for opt in --kernel --compare; do
        expect_error "${opt#--}-without-root" /dev/null "needs root (or CAP_BPF and CAP_NET_ADMIN)" \
            ${drop[@]+"${drop[@]}"} "$BIN" "$opt" "$GOOD"
    done
fi

echo "errors: $passed passed, $failed failed"
[ $failed = 0 ]
