#!/bin/bash
# An uncompressed pcap or pcapng file is read in place (lib/pcap_inplace.c); the same bytes
# from standard input go through libpcap or the pcapng stream reader. Both must give the very
# same records and per-connection records, and on a damaged file the same records before the
# damage and the same error line, on real captures rewritten here into each variant the
# in-place reader takes (pcap: the writer's byte order swapped, microseconds and nanoseconds,
# a snapshot shorter than some frames, LINKTYPE_RAW), on the project's pcapng files and the
# public ones, and on all of them cut at several places.
# A file that shrinks while it is read ends with one error line and an error exit, not a crash.
#
# Usage: tests/inplace.sh BIN
# Exit: 0 all passed, 1 a case failed, 2 usage.
set -u

. "$(dirname "${BASH_SOURCE[0]}")/lib/bin.sh"
lq_bin inplace "$@"
cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 2
export TZ=UTC LC_ALL=C
TMP=$(mktemp -d) || exit 2
trap 'rm -rf "$TMP"' EXIT
SANITIZER_RE='ERROR: (Address|Leak|Memory|Thread|UndefinedBehavior)Sanitizer|runtime error:'
passed=0 failed=0

ok() { passed=$((passed + 1)); printf 'ok   %-48s %s\n' "$1" "${2:-}"; }
bad() { failed=$((failed + 1)); printf 'FAIL %-48s %s\n' "$1" "$2"; sed 's/^/  stderr: /' "$TMP/err" 2>/dev/null | head -n 5; }

# pcap_variant.py IN OUT KIND: KIND swap | usec | nsec | snap:N | raw | cut:N (N bytes kept)
cat >"$TMP/variant.py" <<'EOF'
import struct, sys
src, dst, kind = sys.argv[1:4]
b = open(src, 'rb').read()
if kind.startswith('cut:'):
    open(dst, 'wb').write(b[:int(kind[4:])]); sys.exit(0)
magic = struct.unpack('<I', b[:4])[0]
e = '<' if magic in (0xa1b2c3d4, 0xa1b23c4d) else '>'
m, vmaj, vmin, tz, sig, snap, lt = struct.unpack(e + 'IHHiIII', b[:24])
nsec = m == 0xa1b23c4d
recs, off = [], 24
while off + 16 <= len(b):
    s, f, cl, ol = struct.unpack(e + 'IIII', b[off:off + 16])
    recs.append([s, f, ol, b[off + 16:off + 16 + cl]]); off += 16 + cl
oe, onsec, osnap, olt = e, nsec, snap, lt
if kind == 'swap': oe = '>' if e == '<' else '<'
elif kind == 'usec':
    onsec = False
    for r in recs: r[1] = r[1] // 1000 if nsec else r[1]
elif kind == 'nsec':
    onsec = True
    for r in recs: r[1] = r[1] if nsec else r[1] * 1000
elif kind.startswith('snap:'):
    osnap = int(kind[5:])       # records keep their whole length: libpcap cuts them to it
elif kind == 'raw':
    assert lt == 1
    olt = 101
    for r in recs: r[3] = r[3][14:]; r[2] -= 14
out = [struct.pack(oe + 'IHHiIII', 0xa1b23c4d if onsec else 0xa1b2c3d4, 2, 4, 0, 0, osnap, olt)]
for s, f, ol, d in recs:
    out.append(struct.pack(oe + 'IIII', s, f, len(d), ol) + d)
open(dst, 'wb').write(b''.join(out))
EOF

# same NAME FILE FMT [MIN]: in place and from standard input; records and error lines must
# agree, and there are at least MIN records (default 1)
same() {
    local name=$1 file=$2 fmt=$3 min=${4:-1} want_a="pcap, read in place" want_b="pcap, read by libpcap"
    local rc1 rc2 how_a how_b
    if [ "$(head -c 4 "$file" | od -An -tx1 | tr -d ' ')" = 0a0d0d0a ]; then
        want_a="pcapng, read in place" want_b="pcapng, read by linkquic"
    fi
    # a file that cannot even be opened (a cut header, a cut first block) is left to the
    # stream readers: they say why
    "$BIN" -v -f "$fmt" "$file" >"$TMP/a.out" 2>"$TMP/a.err" </dev/null
    rc1=$?
    "$BIN" -v -f "$fmt" - <"$file" >"$TMP/b.out" 2>"$TMP/b.err"
    rc2=$?
    cp "$TMP/a.err" "$TMP/err"
    grep -q "^linkquic-replay: cannot read '" "$TMP/a.err" && want_a=""
    # -v: the first line says how the file was read
    how_a=$(sed -n "1s/^linkquic-replay: '.*': \(pcap.*, read .*\)$/\1/p" "$TMP/a.err")
    how_b=$(sed -n "1s/^linkquic-replay: '.*': \(pcap.*, read .*\)$/\1/p" "$TMP/b.err")
    [ -n "$how_a" ] && sed -i 1d "$TMP/a.err"
    [ -n "$how_b" ] && sed -i 1d "$TMP/b.err"
    # the error line names its input: the file, or standard input
    sed -i "s|'$file'|FILE|; s|'-'|FILE|; s|standard input|FILE|" "$TMP/a.err" "$TMP/b.err"
    if grep -Eq "$SANITIZER_RE" "$TMP/a.err" "$TMP/b.err"; then bad "$name" "sanitizer report"
    elif [ "$how_a" != "$want_a" ]; then bad "$name" "the file was read as '$how_a', want '$want_a'"
    elif [ -n "$want_a" ] && [ "$how_b" != "$want_b" ]; then bad "$name" "standard input was read as '$how_b'"
    elif [ $rc1 != $rc2 ]; then bad "$name" "exit $rc1 in place, $rc2 through libpcap"
    elif ! cmp -s "$TMP/a.out" "$TMP/b.out"; then
        bad "$name" "records differ (< in place, > libpcap): $(diff "$TMP/a.out" "$TMP/b.out" | head -n 3 | tr '\n' ' ')"
    elif ! cmp -s "$TMP/a.err" "$TMP/b.err"; then
        bad "$name" "stderr differs: in place '$(tail -n 1 "$TMP/a.err")', libpcap '$(tail -n 1 "$TMP/b.err")'"
    elif [ "$(wc -l <"$TMP/a.out")" -lt "$min" ]; then bad "$name" "$(wc -l <"$TMP/a.out") records, want $min or more"
    else ok "$name" "exit $rc1, $(wc -l <"$TMP/a.out") records"
    fi
}

for cap in pcaps/ngtcp2/migration.pcap pcaps/crowd/crowd-cgnat.pcap; do
    base=$(basename "$cap" .pcap)
    for kind in orig swap usec nsec snap:200 raw; do
        f=$TMP/$base-${kind/:/}.pcap
        if [ $kind = orig ]; then cp "$cap" "$f"; else python3 "$TMP/variant.py" "$cap" "$f" "$kind" || exit 2; fi
        for fmt in jsonl conn; do same "$base $kind -f $fmt" "$f" "$fmt"; done
    done
    # cut: in the file header, in a record header, in a frame's bytes
    size=$(stat -c %s "$cap")
    for keep in 20 1000 $((size / 2)) $((size - 7)); do
        f=$TMP/$base-cut$keep.pcap
        python3 "$TMP/variant.py" "$cap" "$f" "cut:$keep" || exit 2
        same "$base cut at $keep -f jsonl" "$f" jsonl 0
    done
done

# pcapng: the project's files (interfaces of several link types among them) and the public
# ones, whole and cut in a block's header, in its body and just before its end
. tests/lib/shared.sh
ngs=(pcaps/crafted/*.pcapng)
for f in "$SHARED"/pcaps-public/*/*.pcapng; do [ -e "$f" ] && ngs+=("$f"); done
nng=0
for cap in "${ngs[@]}"; do
    base=$(basename "$cap" .pcapng)
    same "$base.pcapng -f jsonl" "$cap" jsonl 0
    nng=$((nng + 1))
    [ $nng -le 4 ] || continue   # the cuts on a few of them
    same "$base.pcapng -f conn" "$cap" conn 0
    size=$(stat -c %s "$cap")
    for keep in 30 $((size / 3)) $((size - 3)); do
        f=$TMP/$base-cut$keep.pcapng
        python3 "$TMP/variant.py" "$cap" "$f" "cut:$keep" || exit 2
        same "$base.pcapng cut at $keep -f jsonl" "$f" jsonl 0
    done
done

# the obsolete Packet Block (pcapng type 2: a 16-bit interface, a drops count) reads as the
# Enhanced Packet Blocks it was made from
python3 - pcaps/crafted/linktypes-pcapng.pcapng "$TMP/pb.pcapng" <<'EOF'
import struct, sys
b = open(sys.argv[1], 'rb').read()
out, off, e = [], 0, '<'
while off + 12 <= len(b):
    t = struct.unpack('<I', b[off:off + 4])[0]
    if t == 0x0A0D0D0A:
        e = '<' if b[off + 8:off + 12] == b'\x4d\x3c\x2b\x1a' else '>'
    t, n = struct.unpack(e + 'II', b[off:off + 8])
    blk = b[off:off + n]
    if t == 6:  # EPB -> PB: interface id 32 -> 16 bits, then a drops count of 0
        ifid, = struct.unpack(e + 'I', blk[8:12])
        blk = struct.pack(e + 'II', 2, n) + struct.pack(e + 'HH', ifid, 0) + blk[12:]
    out.append(blk)
    off += n
open(sys.argv[2], 'wb').write(b''.join(out))
EOF
"$BIN" -f jsonl pcaps/crafted/linktypes-pcapng.pcapng >"$TMP/epb.out" 2>/dev/null </dev/null
same "packet blocks -f jsonl" "$TMP/pb.pcapng" jsonl
if ! cmp -s "$TMP/a.out" "$TMP/epb.out"; then
    bad "packet blocks = enhanced packet blocks" "$(diff "$TMP/epb.out" "$TMP/a.out" | head -n 3 | tr '\n' ' ')"
else
    ok "packet blocks = enhanced packet blocks" "$(wc -l <"$TMP/a.out") records"
fi

# a caplen beyond any snapshot: a damaged file, the same words as libpcap's
python3 - "$TMP/huge.pcap" <<'EOF'
import struct, sys
open(sys.argv[1], 'wb').write(struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1) +
                              struct.pack('<IIII', 1, 0, 300000, 300000) + b'\0' * 64)
EOF
"$BIN" -f jsonl "$TMP/huge.pcap" >/dev/null 2>"$TMP/err" </dev/null
rc=$?
if [ $rc = 0 ] || ! grep -q "invalid packet capture length 300000, bigger than maximum of 262144" "$TMP/err"; then
    bad "caplen 300000" "exit $rc: $(tail -n 1 "$TMP/err")"
else
    ok "caplen 300000" "$(tail -n 1 "$TMP/err" | cut -c1-60)..."
fi

# shrinking under the reader: its output blocks on a full pipe, the file is cut meanwhile
# (a long pcap: one capture's records 400 times; a long pcapng: 400 sections in a row)
python3 - pcaps/ngtcp2/migration.pcap "$TMP/long.pcap" pcaps/crafted/linktypes-pcapng.pcapng \
    "$TMP/long.pcapng" <<'EOF'
import sys
b = open(sys.argv[1], 'rb').read()
open(sys.argv[2], 'wb').write(b[:24] + b[24:] * 400)
open(sys.argv[4], 'wb').write(open(sys.argv[3], 'rb').read() * 400)
EOF
for long in "$TMP/long.pcap" "$TMP/long.pcapng"; do
    name="$(basename "$long") shrinks while read"
    size=$(stat -c %s "$long")
    rm -f "$TMP/fifo"
    mkfifo "$TMP/fifo"
    "$BIN" -f jsonl "$long" >"$TMP/fifo" 2>"$TMP/err" </dev/null &
    pid=$!
    exec 3<"$TMP/fifo"
    head -c 4096 <&3 >/dev/null   # it has begun, and soon blocks on the pipe
    sleep 0.3
    truncate -s $((size / 3)) "$long"
    cat <&3 >"$TMP/shrunk.out"
    exec 3<&-
    wait $pid
    rc=$?
    n=$(wc -l <"$TMP/shrunk.out")
    if grep -Eq "$SANITIZER_RE" "$TMP/err"; then bad "$name" "sanitizer report"
    elif [ $rc = 0 ] || [ $rc -gt 128 ]; then bad "$name" "exit $rc, want 1 (an error, not a signal)"
    elif [ "$(grep -c '^linkquic-replay:' "$TMP/err")" != 1 ] ||
        ! tail -n 1 "$TMP/err" | grep -q "^linkquic-replay: '$long': \(the file shrank while it was read\|truncated\)"; then
        bad "$name" "want one error line naming the file last, got: $(head -c 300 "$TMP/err")"
    elif [ "$n" -lt 200 ]; then bad "$name" "only $n records before the cut"
    else ok "$name" "exit $rc, $n records, $(tail -n 1 "$TMP/err" | sed "s|.*$long.: ||")"
    fi
done

echo "inplace: $passed passed, $failed failed"
[ $failed = 0 ]
