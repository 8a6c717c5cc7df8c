#!/usr/bin/env bash
# bench/ab.sh - compares builds of linkquic-replay on one trace, runs interleaved.
#
#   bench/ab.sh [OPTIONS] REPLAY_A REPLAY_B [REPLAY_C...]
#
# On a shared machine whose speed moves by tens of percent within minutes, a
# change of a few percent is seen only by running the builds in turn, many
# times, on the same file: this runs each REPLAY (a linkquic-replay binary,
# e.g. one built from another commit in /tmp) with -q --timing in rounds
# A B C, A B C, ... and prints for each the min, median and max ns/frame of
# its frame loop (CPU time, as the tool measures it) and its min and median
# against the first one's. Nothing here judges: it prints figures.
#
# Options:
#   --runs N       rounds (default 15)
#   --trace FILE   the capture to replay (default: one generated into /dev/shm,
#                  or build/, with linkquic-gen and deleted at the end)
#   --packets N    frames of the generated trace (default 500000)
#   --connections N  its connections (default 25000)
#   --build DIR    where linkquic-gen is (default build)
#   -- ARGS...     more options for every replay (e.g. -f conn)
set -euo pipefail

ROOT=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
RUNS=15
TRACE=
PACKETS=500000
CONNS=25000
BUILD=$ROOT/build
EXTRA=()
BINS=()

die() {
	echo "ab: $*" >&2
	exit 1
}

num() { [[ $2 =~ ^[1-9][0-9]*$ ]] || die "$1: '$2' is not a positive whole number"; }

while [ $# -gt 0 ]; do
	case $1 in
	--runs) num "$1" "${2-}"; RUNS=$2; shift ;;
	--trace) TRACE=${2-}; shift ;;
	--packets) num "$1" "${2-}"; PACKETS=$2; shift ;;
	--connections) num "$1" "${2-}"; CONNS=$2; shift ;;
	--build) BUILD=${2-}; shift ;;
	-h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; exit 0 ;;
	--) shift; EXTRA=("$@"); break ;;
	-*) die "unknown option '$1' (try --help)" ;;
	*) BINS+=("$1") ;;
	esac
	shift
done
[ "${#BINS[@]}" -ge 2 ] || die "two replay binaries at least (try --help)"
for b in "${BINS[@]}"; do
	[ -x "$b" ] || die "$b: not an executable file"
done

GEN=
if [ -z "$TRACE" ]; then
	[ -x "$BUILD/bench/linkquic-gen" ] || die "$BUILD/bench/linkquic-gen: missing (make linkquic-gen)"
	DIR=/dev/shm
	[ -d "$DIR" ] && [ -w "$DIR" ] || DIR=$BUILD
	GEN=$(mktemp "$DIR/lq-ab.XXXXXX.pcap")
	trap 'rm -f "$GEN"' EXIT
	"$BUILD/bench/linkquic-gen" -n "$PACKETS" -c "$CONNS" --seed 1 --size-mean 800 -o "$GEN" \
		>/dev/null 2>&1 || die "linkquic-gen could not write $GEN"
	TRACE=$GEN
fi
[ -r "$TRACE" ] || die "$TRACE: cannot read it"
cat "$TRACE" >/dev/null # into the page cache before the first round

declare -A R
for ((i = 1; i <= RUNS; i++)); do
	for b in "${BINS[@]}"; do
		out=$("$b" -q --timing "${EXTRA[@]}" "$TRACE" 2>&1 >/dev/null) ||
			die "'$b -q --timing ${EXTRA[*]} $TRACE' failed: $(tail -n 1 <<<"$out")"
		v=$(sed -n 's/.*timing: [0-9]* frames, cpu [0-9]* ns (\([0-9.]*\) ns\/frame).*/\1/p' <<<"$out")
		[ -n "$v" ] || die "$b printed no timing line"
		R[$b]+="$v "
	done
done

stats() { tr ' ' '\n' <<<"$1" | sed '/^$/d' | sort -n |
	awk '{ a[NR] = $1 } END { print a[1], a[int((NR + 1) / 2)], a[NR] }'; }

echo "ab: $RUNS rounds on $(basename "$TRACE")${EXTRA[*]:+, options ${EXTRA[*]}}; ns/frame, CPU"
printf '%-40s %8s %8s %8s %9s %9s\n' REPLAY MIN MEDIAN MAX "MIN/A" "MEDIAN/A"
read -r a_min a_med _ <<<"$(stats "${R[${BINS[0]}]}")"
for b in "${BINS[@]}"; do
	read -r mn md mx <<<"$(stats "${R[$b]}")"
	printf '%-40s %8s %8s %8s %9s %9s\n' "$b" "$mn" "$md" "$mx" \
		"$(awk -v x="$mn" -v y="$a_min" 'BEGIN { printf "%.3f", x / y }')" \
		"$(awk -v x="$md" -v y="$a_med" 'BEGIN { printf "%.3f", x / y }')"
done
