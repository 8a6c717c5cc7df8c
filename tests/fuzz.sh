#!/bin/bash
# fuzz.sh - the tracker's libFuzzer harnesses, in CI (tests/fuzz.cmake) and by hand.
#
#   tests/fuzz.sh run HARNESS CORPUS SECONDS [LIBFUZZER_OPTION...]
#       HARNESS for SECONDS on a copy of CORPUS (the tree stays clean). A crash (a broken
#       invariant, a sanitizer report, a timeout) fails the run; its input is kept in
#       $LQ_FUZZ_ARTIFACTS (default ./fuzz-artifacts) and shown in hex.
#   tests/fuzz.sh compare REPLAY TOPCAP CORPUS_ROOT
#       every input of CORPUS_ROOT/pkt, seq and gen written as a capture (TOPCAP), then
#       REPLAY --compare under the input's settings: user space and the BPF program agree
#       on every frame and every map entry. Needs root (exit 77 otherwise).
#
# Env: LQ_JOBS  compare runs at a time (default: the number of CPUs)
# Exit: 0 pass, 1 fail, 2 usage, 77 skipped.
set -u

usage() {
    sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
}

run() {
    [ $# -ge 3 ] || usage
    local bin=$1 corpus=$2 secs=$3 name rc art
    shift 3
    name=$(basename "$bin")
    [ -x "$bin" ] || { echo "fuzz: $name: no such harness (built only with a clang that has libFuzzer)"; exit 1; }
    TMP=$(mktemp -d) || exit 1
    trap 'rm -rf "$TMP"' EXIT
    mkdir -p "$TMP/corpus" "$TMP/art"
    [ -d "$corpus" ] && cp -r "$corpus/." "$TMP/corpus/"
    # the regression inputs of honest traffic where a wrong link was found (FZ_STRICT:
    # no label spans two connections) must hold it now
    for art in "$corpus"/regress-strict-*; do
        [ -e "$art" ] || continue
        if ! FZ_STRICT=1 "$bin" "$art" >"$TMP/strict.log" 2>&1; then
            echo "fuzz: $name: FAILED: $(basename "$art"), an honest input, breaks a strict invariant:"
            grep -E -A12 'invariant .* broken' "$TMP/strict.log" | head -n 30
            return 1
        fi
        echo "fuzz: $name: $(basename "$art") holds the strict invariants"
    done
    # a broken invariant aborts: that is the crash libFuzzer keeps
    "$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        -artifact_prefix="$TMP/art/" "$@" "$TMP/corpus" >"$TMP/log" 2>&1
    rc=$?
    grep -E '^#[0-9]+[[:space:]]+DONE' "$TMP/log" | tail -n 1 | sed "s/^/fuzz: $name: /"
    grep -E '^stat::(number_of_executed_units|average_exec_per_sec|peak_rss_mb)' "$TMP/log" |
        sed "s/^/fuzz: $name: /"
    if [ $rc -eq 0 ] && ! ls "$TMP/art/"* >/dev/null 2>&1; then
        echo "fuzz: $name: no crash in ${secs}s"
        return 0
    fi
    echo "fuzz: $name: FAILED (exit $rc)"
    grep -E -A12 'invariant .* broken|ERROR: (Address|Leak|UndefinedBehavior)Sanitizer|runtime error:|ERROR: libFuzzer' \
        "$TMP/log" | head -n 60
    mkdir -p "${LQ_FUZZ_ARTIFACTS:-fuzz-artifacts}"
    for art in "$TMP/art/"*; do
        [ -e "$art" ] || continue
        cp "$art" "${LQ_FUZZ_ARTIFACTS:-fuzz-artifacts}/"
        echo "fuzz: $name: input kept as ${LQ_FUZZ_ARTIFACTS:-fuzz-artifacts}/$(basename "$art") ($(stat -c %s "$art") bytes):"
        od -A x -t x1z -v "$art" | head -n 40
    done
    echo "fuzz: $name: run it again with '$bin INPUT' (FZ_TRACE=1 prints every record); as a capture:"
    echo "fuzz: $name:   fuzz_topcap ${name#fuzz_track_} out.pcap INPUT; then add it to tests/corpus/track/${name#fuzz_track_}/"
    return 1
}

compare() {
    [ $# -eq 3 ] || usage
    local replay=$1 topcap=$2 root=$3 fmt f i o key n=0 bad=0 frame line
    local -a caps=() optl=() maps=() files=()
    local -A group=()
    if [ "$(id -u)" != 0 ]; then
        echo "fuzz compare: skipped: needs root (bpf_prog_test_run)"
        exit 77
    fi
    TMP=$(mktemp -d) || exit 1
    trap 'rm -rf "$TMP"' EXIT
    shopt -s nullglob
    # the pkt inputs in one capture, under the default settings and the guard
    files=("$root"/pkt/*)
    if [ ${#files[@]} -gt 0 ]; then
        "$topcap" pkt "$TMP/pkt.pcap" "${files[@]}" >"$TMP/pkt.opts" 2>"$TMP/pkt.map" || exit 1
        while read -r line; do
            caps[n]=$TMP/pkt.pcap optl[n]=$line maps[n]=$TMP/pkt.map
            n=$((n + 1))
        done <"$TMP/pkt.opts"
    fi
    # seq and gen inputs: one capture for the inputs of each format and settings (loading
    # the program, the verifier, is most of a run's time), each input 1000 s after the last
    for fmt in seq gen; do
        for f in "$root/$fmt"/*; do
            o=$("$topcap" "$fmt" /dev/null "$f" 2>/dev/null) || exit 1
            group["$fmt $o"]+=$f$'\n'
        done
    done
    while read -r key; do
        [ -n "$key" ] || continue
        fmt=${key%% *}
        mapfile -t files <<<"${group[$key]%$'\n'}"
        "$topcap" "$fmt" "$TMP/run$n.pcap" "${files[@]}" >/dev/null 2>"$TMP/run$n.map" || exit 1
        caps[n]=$TMP/run$n.pcap optl[n]=${key#* } maps[n]=$TMP/run$n.map
        n=$((n + 1))
    done < <(printf '%s\n' "${!group[@]}" | sort)
    local jobs=${LQ_JOBS:-$(nproc 2>/dev/null || echo 2)}
    for ((i = 0; i < n; i++)); do
        while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n; done
        (
            read -r -a o <<<"${optl[$i]}"
            "$replay" --compare "${o[@]}" "${caps[$i]}" >"$TMP/out$i" 2>&1 </dev/null
            echo $? >"$TMP/rc$i"
        ) &
    done
    wait
    for ((i = 0; i < n; i++)); do
        if [ "$(cat "$TMP/rc$i")" = 0 ] && tail -n 1 "$TMP/out$i" | grep -q '^agree:'; then
            continue
        fi
        bad=$((bad + 1))
        frame=$(sed -n 's/^DIFFER at frame \([0-9]*\).*/\1/p' "$TMP/out$i" | head -n 1)
        echo "fuzz compare: DIFFER with ${optl[$i]}${frame:+, at frame $frame}:"
        [ -n "$frame" ] && awk -v f="$frame" '{ split($NF, r, "-"); if (f >= r[1] && f <= r[2])
            printf "  the input: %s (its frame %d)\n", substr($2, 1, length($2) - 1), f - r[1] + 1 }' \
            "${maps[$i]}"
        head -n 12 "$TMP/out$i" | sed 's/^/  /'
    done
    echo "fuzz compare: $((n - bad)) of $n runs agree (user space and the BPF program, every frame and map)"
    [ $bad -eq 0 ]
}

case "${1:-}" in
run) shift; run "$@" ;;
compare) shift; compare "$@" ;;
*) usage ;;
esac
