#!/bin/bash
# User space and kernel agree: runs `BIN --compare` (every frame through the user-space
# classifier and through the loaded XDP program with bpf_prog_test_run, then the maps) over
# every capture in pcaps/ngtcp2 and pcaps/crowd, the readable ones in pcaps/crafted and every
# public capture,
# and the project's own captures once more with the guard on (garbage dropped, tight rates of
# long headers and new connections per source), so its decisions agree too. The captures go
# in a few `--compare --batch` runs (one load of the program each, maps emptied between
# files), which give each file the same report as a run of its own.
#
# Usage: tests/parity.sh BIN
# Env: LQ_SHARED  directory holding pcaps-public/ (default ../shared, relative to the repo root);
#      the public captures are left out, with a message, when it is absent.
#      LQ_JOBS    runs at a time (default: the number of CPUs)
# Exit: 0 all agree, 1 a DIFFER or a failed run, 2 usage, 77 not root (skip).
set -u

. "$(dirname "${BASH_SOURCE[0]}")/lib/bin.sh"
lq_bin parity "$@"
if [ "$(id -u)" != 0 ]; then
    echo "parity: skipped: needs root (bpf_prog_test_run)"
    exit 77
fi
cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 2

. tests/lib/shared.sh
PUB=$SHARED/pcaps-public
SANITIZER_RE='ERROR: (Address|Leak|Memory|Thread|UndefinedBehavior)Sanitizer|runtime error:'
# No reader can open these: tests/errors.sh covers them.
UNREADABLE=" pcaps/crafted/badheader.pcap "
# Read up to a cut record, then an error exit: the frames before it must still agree.
PARTIAL=" pcaps/crafted/damaged.pcap "

TMP=$(mktemp -d) || exit 2
trap 'rm -rf "$TMP"' EXIT

caps=()
for c in pcaps/ngtcp2/*.pcap pcaps/crowd/*.pcap pcaps/crafted/*.pcap pcaps/crafted/*.pcapng; do
    [ -e "$c" ] || continue
    [[ $UNREADABLE == *" $c "* ]] || caps+=("$c")
done
# the guard's decisions: the project's own captures again, under rates they exceed
GUARD_OPTS=(--guard --guard-rate 20:5 --guard-conn-rate 2:2)
nown=${#caps[@]}
guarded=()
for ((i = 0; i < nown; i++)); do guarded[i]=0; done
for ((i = 0; i < nown; i++)); do
    caps+=("${caps[$i]}")
    guarded+=(1)
done
if [ -r "$PUB/MANIFEST.tsv" ]; then
    while IFS=$'\t' read -r path _; do
        if [ "$path" != local_path ] && [ -n "$path" ]; then
            caps+=("$PUB/$path")
            guarded+=(0)
        fi
    done <"$PUB/MANIFEST.tsv"
else
    echo "parity: no public captures in '$PUB' (set LQ_SHARED): checking the project's own only"
fi

JOBS=${LQ_JOBS:-$(nproc 2>/dev/null || echo 2)}
# Loading the program is most of a run's time: the captures go through
# `--compare --batch` in JOBS batches per setting (guard off, guard on),
# each file on its own there (maps emptied between files). A cut capture
# ends with an error exit, so it runs alone.
batch() {  # name, guarded (0/1), indexes...
    local name=$1 g=$2 i
    shift 2
    local -a opts=() files=()
    [ "$g" = 1 ] && opts=("${GUARD_OPTS[@]}")
    for i; do files+=("${caps[$i]}"); done
    "$BIN" --compare --batch ${opts[@]+"${opts[@]}"} "${files[@]}" >"$TMP/$name.out" 2>"$TMP/$name.err" </dev/null
    echo $? >"$TMP/$name.rc"
}
single() {  # index
    local -a opts=()
    [ "${guarded[$1]}" = 1 ] && opts=("${GUARD_OPTS[@]}")
    "$BIN" --compare ${opts[@]+"${opts[@]}"} "${caps[$1]}" >"$TMP/$1.out" 2>"$TMP/$1.err" </dev/null
    echo $? >"$TMP/$1.rc"
}
declare -a in_batch=()  # index -> batch name
for g in 0 1; do
    declare -a sel=()
    for i in "${!caps[@]}"; do
        [ "${guarded[$i]}" = "$g" ] && [[ $PARTIAL != *" ${caps[$i]} "* ]] && sel+=("$i")
    done
    for ((j = 0; j < JOBS; j++)); do
        declare -a part=()
        for ((x = j; x < ${#sel[@]}; x += JOBS)); do part+=("${sel[$x]}"); in_batch[${sel[$x]}]=b$g$j; done
        [ ${#part[@]} -gt 0 ] || continue
        while [ "$(jobs -rp | wc -l)" -ge "$JOBS" ]; do wait -n; done
        batch "b$g$j" "$g" "${part[@]}" &
    done
done
for i in "${!caps[@]}"; do
    [ -n "${in_batch[$i]:-}" ] && continue
    while [ "$(jobs -rp | wc -l)" -ge "$JOBS" ]; do wait -n; done
    single "$i" &
done
wait
# a batch's report of one file: the lines after its '== FILE' line; its
# stderr lines are those that name the file; its status that of the batch
for i in "${!caps[@]}"; do
    b=${in_batch[$i]:-}
    [ -n "$b" ] || continue
    lq_batch_part "${caps[$i]}" <"$TMP/$b.out" >"$TMP/$i.out"
    grep -F -- "'${caps[$i]}'" "$TMP/$b.err" >"$TMP/$i.err"
    grep -Eh "$SANITIZER_RE" "$TMP/$b.err" >>"$TMP/$i.err"
    if grep -q '^DIFFER' "$TMP/$i.out" || [[ $(tail -n 1 "$TMP/$i.out") != agree:* ]]; then
        cat "$TMP/$b.rc" >"$TMP/$i.rc"
    else
        echo 0 >"$TMP/$i.rc"
    fi
done
batches=$(printf '%s\n' "${in_batch[@]}" | sort -u)
declare -A batch_bad=()  # batch name -> 1 once one of its files failed

agree=0 bad=0
for i in "${!caps[@]}"; do
    c=${caps[$i]} out=$TMP/$i.out err=$TMP/$i.err
    rc=$(cat "$TMP/$i.rc")
    last=$(tail -n 1 "$out")
    why=
    if [ "$rc" -ge 128 ]; then why="crashed (exit $rc, signal $((rc - 128)))"
    elif grep -Eq "$SANITIZER_RE" "$err"; then why="sanitizer report"
    elif [[ $last == DIFFER* ]] || grep -q '^DIFFER' "$out"; then why="differ"
    elif [[ $last != agree:* ]]; then why="no 'agree:' line (exit $rc)"
    elif [ "$rc" != 0 ] && [[ $PARTIAL != *" $c "* ]]; then why="exit $rc"
    elif [ "$rc" = 0 ] && [[ $PARTIAL == *" $c "* ]]; then why="exit 0 on a cut capture"
    fi
    shown=${c#"$PUB/"}
    [ "${guarded[$i]}" = 1 ] && shown="$shown (guard)"
    if [ -z "$why" ]; then
        agree=$((agree + 1))
        printf '%-66s %s\n' "$shown" "$last"
    else
        bad=$((bad + 1))
        [ -n "${in_batch[$i]:-}" ] && batch_bad[${in_batch[$i]}]=1
        printf '%-66s FAIL (%s): %s\n' "$shown" "$why" "${last:-(no output)}"
        {
            grep -m 5 -A 10 '^DIFFER' "$out"
            if [ "$(wc -l <"$err")" -le 10 ]; then cat "$err"
            else
                grep -m 3 -E '^linkquic[a-z-]*:' "$err"
                echo "... ($(wc -l <"$err") lines on stderr, the last ones:)"
                tail -n 4 "$err"
            fi
        } | sed 's/^/    /' | head -n 30
    fi
done
# a batch failing with every one of its files agreeing: something outside them failed
for b in $batches; do
    if [ "$(cat "$TMP/$b.rc")" != 0 ] && [ -z "${batch_bad[$b]:-}" ]; then
        bad=$((bad + 1))
        echo "parity: batch $b exited $(cat "$TMP/$b.rc") with every file agreeing:"
        sed 's/^/    /' "$TMP/$b.err" | head -n 10
    fi
done
echo "parity: ${#caps[@]} captures ($nown of them under the guard) in $(wc -w <<<"$batches") loads of the program and $(( ${#caps[@]} - ${#in_batch[@]} )) alone, $agree agree, $bad failed"
[ $bad = 0 ]
