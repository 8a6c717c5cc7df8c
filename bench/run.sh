#!/usr/bin/env bash
# bench/run.sh - the linkquic benchmark, in one command (also ./setup.sh bench).
#
#   bench/run.sh [--quick | --full] [OPTIONS]
#
# Builds linkquic-replay and the bench tools, generates the traces from
# pcaps/ngtcp2 into a scratch directory (deleted at the end), and measures on
# the same file, from the page cache, in one run:
#   - the floor: a libpcap loop that reads every frame and does nothing;
#   - linkquic-replay -q (summary only), with its default table output, and
#     with -f conn (per-connection records; metadata from the Initials on, as
#     by default, and off: --no-meta), on this trace and on one of as many
#     frames in ten times fewer, longer connections; and lqmeta alone
#     (bench_meta): what metadata costs a connection;
#   - tshark -r SLICE -Y quic on the first frames of the same file;
#   - how time and memory grow from 1 thousand to 1 million concurrent
#     connections (a fixed window of frames per connection, all alive at once).
# Every tool runs several times, interleaved; the best time counts. Prints a
# fixed-width table with each goal's PASS/MISS, writes bench/results.md and
# bench/scaling.png. Not part of the tests: nothing here fails on a MISS.
#
# Options:
#   --quick            200k frames, 10k connections, scaling up to 100k
#   --full             20M frames, 1M connections (needs ~20 GB of free memory
#                      for the page cache; otherwise disk reads are measured)
#   --packets N        frames in the main trace (default 2000000)
#   --connections N    connections in the main trace (default 100000)
#   --scaling "N..."   connection counts of the scaling series
#                      (default "1000 10000 100000 1000000"; "" for none)
#   --window N         frames per connection in the scaling series (default 8)
#   --size-mean BYTES  mean frame size of the traces (default 800; 0: the
#                      sources' own, about 920)
#   --slice N          frames of the tshark slice (default 100000)
#   --runs N           runs of each measurement (default 3)
#   --seed S           generator seed (default 1)
#   --dir DIR          scratch directory (default /dev/shm if it has room,
#                      else build/bench-traces)
#   --build DIR        build directory (default build)
#   --keep             keep the traces
#   --no-write         print only; do not write bench/results.md or scaling.png
set -euo pipefail

ROOT=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
BENCH=$ROOT/bench
BUILD=$ROOT/build
PACKETS=2000000
CONNS=100000
SCALING="1000 10000 100000 1000000"
WINDOW=8
SLICE=100000
SIZE_MEAN=800
RUNS=3
SEED=1
DIR=
KEEP=0
WRITE=1
MODE=default
CMDLINE="bench/run.sh${*:+ $*}"

die() {
	echo "bench: $*" >&2
	exit 1
}

usage() {
	sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'
}

num() { [[ $2 =~ ^[0-9]+$ ]] || die "$1: '$2' is not a whole number"; }

while [ $# -gt 0 ]; do
	case $1 in
	--quick) MODE=quick PACKETS=200000 CONNS=10000 SCALING="1000 10000 100000" ;;
	--full) MODE=full PACKETS=20000000 CONNS=1000000 ;;
	--packets) num "$1" "${2-}"; PACKETS=$2; shift ;;
	--connections) num "$1" "${2-}"; CONNS=$2; shift ;;
	--scaling) SCALING=${2-}; shift ;;
	--window) num "$1" "${2-}"; WINDOW=$2; shift ;;
	--slice) num "$1" "${2-}"; SLICE=$2; shift ;;
	--size-mean) num "$1" "${2-}"; SIZE_MEAN=$2; shift ;;
	--runs) num "$1" "${2-}"; RUNS=$2; shift ;;
	--seed) num "$1" "${2-}"; SEED=$2; shift ;;
	--dir) DIR=${2-}; shift ;;
	--build) BUILD=${2-}; shift ;;
	--keep) KEEP=1 ;;
	--no-write) WRITE=0 ;;
	-h | --help) usage; exit 0 ;;
	*) die "unknown option '$1' (try --help)" ;;
	esac
	shift
done
[ "$RUNS" -ge 1 ] || die "--runs: at least 1"
[ "$WINDOW" -ge 1 ] || die "--window: at least 1"
for c in $SCALING; do num --scaling "$c"; done
for t in tshark editcap gnuplot; do
	command -v "$t" >/dev/null || die "$t is missing (./setup.sh deps installs it)"
done

# ---- build ------------------------------------------------------------------------
TARGETS=(linkquic-replay linkquic-gen linkquic-floor linkquic-mapstat linkquic-runstat bench_meta)
BUILD_LOG=$(mktemp)
if [ ! -f "$BUILD/CMakeCache.txt" ]; then
	cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo >"$BUILD_LOG" 2>&1 ||
		{ tail -n 20 "$BUILD_LOG" >&2; die "cmake failed"; }
fi
# A build directory configured from another checkout, or without optimisation,
# would measure other code: refuse it rather than print its figures.
SRC=$(sed -n 's/^CMAKE_HOME_DIRECTORY:INTERNAL=//p' "$BUILD/CMakeCache.txt")
[ "$(readlink -f "$SRC")" = "$ROOT" ] ||
	die "$BUILD was configured from '$SRC', not $ROOT: use another --build directory"
BTYPE=$(sed -n 's/^CMAKE_BUILD_TYPE:[A-Z]*=//p' "$BUILD/CMakeCache.txt")
case $BTYPE in
"" | Release | RelWithDebInfo) ;; # empty: CMakeLists.txt defaults to RelWithDebInfo
*) die "$BUILD is a '$BTYPE' build: the benchmark needs Release or RelWithDebInfo" ;;
esac
if ! cmake --build "$BUILD" -j"$(nproc)" --target "${TARGETS[@]}" >"$BUILD_LOG" 2>&1; then
	tail -n 20 "$BUILD_LOG" >&2
	grep -q "No rule to make target.*linkquic-gen" "$BUILD_LOG" &&
		echo "bench: the bench targets are missing: add_subdirectory(bench) in CMakeLists.txt" >&2
	rm -f "$BUILD_LOG"
	die "build failed in $BUILD"
fi
rm -f "$BUILD_LOG"
REPLAY=$BUILD/linkquic-replay
GEN=$BUILD/bench/linkquic-gen
FLOOR=$BUILD/bench/linkquic-floor
MAPSTAT=$BUILD/bench/linkquic-mapstat
RUNSTAT=$BUILD/bench/linkquic-runstat
BENCH_META=$BUILD/meta/bench_meta
for b in "$REPLAY" "$GEN" "$FLOOR" "$MAPSTAT" "$RUNSTAT" "$BENCH_META"; do [ -x "$b" ] || die "$b was not built"; done

# ---- scratch directory -----------------------------------------------------------------
largest=$PACKETS
for c in $SCALING; do [ $((c * WINDOW)) -gt "$largest" ] && largest=$((c * WINDOW)); done
frame_b=$((SIZE_MEAN > 0 ? SIZE_MEAN + 16 : 1000))
need_kb=$((largest * frame_b / 1000))
if [ -z "$DIR" ]; then
	DIR=$BUILD/bench-traces
	if [ -d /dev/shm ] && [ -w /dev/shm ]; then
		free_kb=$(df -Pk /dev/shm | awk 'NR == 2 { print $4 }')
		avail_kb=$(awk '/^MemAvailable:/ { print $2 }' /proc/meminfo)
		if [ "$free_kb" -gt $((need_kb * 3 / 2)) ] && [ "$avail_kb" -gt $((need_kb * 2)) ]; then
			DIR=/dev/shm
		fi
	fi
fi
mkdir -p "$DIR"
SCRATCH=$(mktemp -d "$DIR/linkquic-bench.XXXXXX")
cleanup() {
	if [ "$KEEP" = 1 ]; then
		echo "bench: traces kept in $SCRATCH"
	else
		rm -rf "$SCRATCH"
	fi
}
trap cleanup EXIT
TMP=$SCRATCH/tmp
mkdir -p "$TMP"

# ---- measuring --------------------------------------------------------------------------
# timed CMD...: one run, output discarded; sets T_NS (wall), C_NS (CPU: user +
# system) and RSS_KB (peak), from wait4() as /usr/bin/time gets them
timed() {
	if ! "$RUNSTAT" -o "$TMP/rs" "$@" >/dev/null 2>"$TMP/err"; then
		echo "bench: '$*' failed:" >&2
		cat "$TMP/err" >&2
		exit 1
	fi
	read -r T_NS C_NS RSS_KB _ <"$TMP/rs"
}

# timed_loop NAME COMMAND...: runs COMMAND (linkquic-floor, or linkquic-replay
# --timing) under runstat and keeps, as best NAME, the smallest CPU and wall time
# of its frame loop as the tool itself measured it: short runs are then not at
# the mercy of process start-up, which varies by milliseconds from run to run.
declare -A LOOPC LOOPW
timed_loop() {
	local n=$1 c w
	shift
	if ! "$RUNSTAT" -o "$TMP/rs" "$@" >"$TMP/out" 2>"$TMP/err"; then
		echo "bench: '$*' failed:" >&2
		cat "$TMP/err" >&2
		exit 1
	fi
	read -r T_NS C_NS RSS_KB _ <"$TMP/rs"
	read -r c w <<<"$(sed -n 's/.*timing: [0-9]* frames, cpu \([0-9]*\) ns.*wall \([0-9]*\) ns.*/\1 \2/p' \
		"$TMP/out" "$TMP/err" | head -n 1)"
	[ -n "$c" ] || die "'$*' printed no timing line"
	if [ -z "${LOOPC[$n]-}" ] || [ "$c" -lt "${LOOPC[$n]}" ]; then LOOPC[$n]=$c; fi
	if [ -z "${LOOPW[$n]-}" ] || [ "$w" -lt "${LOOPW[$n]}" ]; then LOOPW[$n]=$w; fi
	best "$n"
}

# best NAME: keeps the smallest wall and CPU times and the largest RSS seen
declare -A WALL CPUT PEAK
best() {
	local n=$1
	if [ -z "${WALL[$n]-}" ] || [ "$T_NS" -lt "${WALL[$n]}" ]; then WALL[$n]=$T_NS; fi
	if [ -z "${CPUT[$n]-}" ] || [ "$C_NS" -lt "${CPUT[$n]}" ]; then CPUT[$n]=$C_NS; fi
	if [ -z "${PEAK[$n]-}" ] || [ "$RSS_KB" -gt "${PEAK[$n]}" ]; then PEAK[$n]=$RSS_KB; fi
}
forget() { local n; for n; do unset "WALL[$n]" "CPUT[$n]" "PEAK[$n]"; done; }

calc() { awk "BEGIN { printf \"%s\", $1 }"; }
fmt() { awk -v v="$2" "BEGIN { printf \"$1\", v }"; }
pass_le() { awk -v a="$1" -v b="$2" 'BEGIN { print (a <= b ? "PASS" : "MISS") }'; }
pass_ge() { awk -v a="$1" -v b="$2" 'BEGIN { print (a >= b ? "PASS" : "MISS") }'; }

# Map sizes for C connections: per connection the traces need about 1.2
# paths, 2.1 IDs, 1.4 client anchors and 0.2 pending flows.
#   map_opts C default: never below linkquic-replay's defaults, so up to
#     ~130k connections they are its own (the main trace, as a user runs it);
#   map_opts C fit: proportional to C (the scaling series, so that the bucket
#     arrays cost the same per connection at every point).
map_opts() {
	local c=$1 min_p=262144 min_i=524288 min_d=65536 min_s=262144 min_q=65536
	if [ "$2" = fit ]; then
		min_p=1024 min_i=1024 min_d=1024 min_s=1024 min_q=1024
	fi
	local p=$((2 * c)) i=$((3 * c)) d=$((c / 16)) s=$((2 * c)) q=$((c / 2))
	[ $p -lt $min_p ] && p=$min_p
	[ $i -lt $min_i ] && i=$min_i
	[ $d -lt $min_d ] && d=$min_d
	[ $s -lt $min_s ] && s=$min_s
	[ $q -lt $min_q ] && q=$min_q
	echo "--max-paths $p --max-cids $i --max-servers $d --max-clients $s --max-pending $q"
}

# state_per_conn MAPSTAT_OUT C: key+value bytes of all entries / C, and the
# same with the emulation's slot header, alignment and buckets (of the maps
# in use: an empty map's buckets are never touched)
state_per_conn() {
	awk -v c="$2" '$1 == "map" && $3 > 0 { kv += $3 * ($4 + $5); emu += $3 * $6 + $7 * 4 }
		END { printf "%.0f %.0f", kv / c, emu / c }' "$1"
}

SIZE_OPT=()
[ "$SIZE_MEAN" -gt 0 ] && SIZE_OPT=(--size-mean "$SIZE_MEAN")
gen() { # OUT ARGS...
	local out=$1
	shift
	"$GEN" -q --src "$ROOT/pcaps/ngtcp2" --seed "$SEED" -o "$out" "$@" ||
		die "linkquic-gen failed"
	cat "$out" >/dev/null # into the page cache
}

# ---- machine ------------------------------------------------------------------------------
CPU=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
NPROC=$(nproc)
KERNEL=$(uname -r)
MEM_GB=$(awk '/^MemTotal:/ { printf "%.0f", $2 / 1048576 }' /proc/meminfo)
LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
DATE=$(date -u '+%Y-%m-%d %H:%M UTC')
START=$(date +%s)
echo "bench: $MODE run, $NPROC x $CPU, Linux $KERNEL, $MEM_GB GB; traces in $SCRATCH"

# ---- main trace ------------------------------------------------------------------------------
MAIN=$SCRATCH/main.pcap
LONG=$SCRATCH/long.pcap
SLICEF=$SCRATCH/slice.pcap
TINY=$SCRATCH/tiny.pcap
echo "bench: generating $PACKETS frames, $CONNS connections"
t0=$(date +%s%N)
gen "$MAIN" -n "$PACKETS" -c "$CONNS" "${SIZE_OPT[@]}"
GEN_S=$(calc "($(date +%s%N) - $t0) / 1e9")
LONG_CONNS=$((CONNS / 10 > 0 ? CONNS / 10 : 1))
gen "$LONG" -n "$PACKETS" -c "$LONG_CONNS" "${SIZE_OPT[@]}"
MAIN_BYTES=$(stat -c %s "$MAIN")
[ "$SLICE" -gt "$PACKETS" ] && SLICE=$PACKETS
editcap -r "$MAIN" "$SLICEF" "1-$SLICE" >/dev/null 2>&1 || die "editcap could not cut the slice"
cat "$SLICEF" >/dev/null
gen "$TINY" -n "$WINDOW" -c 1 --nonquic 0
read -r -a MOPTS <<<"$(map_opts "$CONNS" default)"

echo "bench: measuring, $RUNS runs each"
for ((r = 1; r <= RUNS; r++)); do
	timed "$FLOOR" "$MAIN"; best floor
	timed "$REPLAY" -q "${MOPTS[@]}" "$MAIN"; best quiet
	timed "$REPLAY" "${MOPTS[@]}" "$MAIN"; best table
	timed "$REPLAY" -q "${MOPTS[@]}" "$TINY"; best tiny
	timed tshark -n -r "$SLICEF" -Y quic -T fields -e frame.number; best tshark
	timed tshark -n -r "$TINY" -Y quic -T fields -e frame.number; best tshark_tiny
	timed "$REPLAY" -q "${MOPTS[@]}" "$SLICEF"; best slice
	timed "$REPLAY" -f conn "${MOPTS[@]}" "$MAIN"; best conn
	timed "$REPLAY" -f conn --no-meta "${MOPTS[@]}" "$MAIN"; best conn_nometa
	timed "$REPLAY" -f conn "${MOPTS[@]}" "$LONG"; best long_conn
	timed "$REPLAY" -f conn --no-meta "${MOPTS[@]}" "$LONG"; best long_nometa
	timed "$FLOOR" "$LONG"; best long_floor
done
# lqmeta alone: a 241-byte ClientHello in one Initial, the ServerHello, the
# client's next datagram (bench_meta's first line), best of its rounds
META_NS=$("$BENCH_META" 2000 5 | awk '/1 Initial/ { print $(NF - 1); exit }')
[ -n "$META_NS" ] || die "bench_meta printed no figure"
"$MAPSTAT" "${MOPTS[@]}" "$MAIN" >"$TMP/main.stat" || die "linkquic-mapstat failed"

# per frame: T=wall or cpu, whole runs (start-up included: milliseconds in seconds)
per() { local -n t=$1; calc "${t[$2]} / $3"; }
# per frame, less the same tool's run on the tiny trace (its start-up)
per_net() { local -n t=$1; calc "(${t[$2]} - ${t[$3]}) / $4"; }
for T in CPUT WALL; do
	declare -A "F_$T"
	declare -n F=F_$T
	F[floor]=$(per $T floor "$PACKETS")
	F[quiet]=$(per $T quiet "$PACKETS")
	F[table]=$(per $T table "$PACKETS")
	F[conn]=$(per $T conn "$PACKETS")
	F[conn_nometa]=$(per $T conn_nometa "$PACKETS")
	F[r_conn]=$(calc "${F[conn]} / ${F[floor]}")
	F[r_conn_nometa]=$(calc "${F[conn_nometa]} / ${F[floor]}")
	F[long_conn]=$(per $T long_conn "$PACKETS")
	F[long_floor]=$(per $T long_floor "$PACKETS")
	F[r_long_conn]=$(calc "${F[long_conn]} / ${F[long_floor]}")
	F[long_nometa]=$(per $T long_nometa "$PACKETS")
	F[r_long_nometa]=$(calc "${F[long_nometa]} / ${F[long_floor]}")
	F[tshark]=$(per_net $T tshark tshark_tiny "$SLICE")
	F[slice]=$(per_net $T slice tiny "$SLICE")
	F[r_floor]=$(calc "${F[quiet]} / ${F[floor]}")
	F[r_table]=$(calc "${F[table]} / ${F[floor]}")
	F[r_tshark]=$(calc "${F[tshark]} / ${F[slice]}")
	# tshark's time per frame on the slice against linkquic-replay's on the
	# whole trace: not the same frames, shown for what a long run costs
	F[r_tshark_all]=$(calc "${F[tshark]} / ${F[quiet]}")
	unset -n F
done
MAIN_CONNS=$(awk '$1 == "conns" { print $2 }' "$TMP/main.stat")
# what a connection costs: its record (no metadata) over the summary only, and
# its metadata over its record; per connection of the trace, CPU time
REC_US=$(calc "(${CPUT[conn_nometa]} - ${CPUT[quiet]}) / $CONNS / 1000")
META_US=$(calc "(${CPUT[conn]} - ${CPUT[conn_nometa]}) / $CONNS / 1000")
LONG_META_US=$(calc "(${CPUT[long_conn]} - ${CPUT[long_nometa]}) / $LONG_CONNS / 1000")
read -r MAIN_KV MAIN_EMU <<<"$(state_per_conn "$TMP/main.stat" "$MAIN_CONNS")"
MAIN_RSSPC=$(calc "int((${PEAK[quiet]} - ${PEAK[tiny]}) * 1024 / $MAIN_CONNS)")
SUMMARY=$(sed -n '/ frames: /,$p' "$TMP/main.stat")

# ---- scaling series -------------------------------------------------------------------------
printf '# conns frames bytes floor_cpu floor_wall replay_cpu replay_wall rss_kb rss_per_conn kv_per_conn emu_per_conn tracked\n' \
	>"$TMP/scaling.dat"
for c in $SCALING; do
	n=$((c * WINDOW))
	f=$SCRATCH/scale-$c.pcap
	echo "bench: scaling, $c concurrent connections ($n frames)"
	gen "$f" -n "$n" -c "$c" --concurrent --nonquic 0 "${SIZE_OPT[@]}"
	read -r -a SO <<<"$(map_opts "$c" fit)"
	read -r -a SO_MIN <<<"$(map_opts 0 fit)"
	forget s_replay s_tiny s_floor
	unset "LOOPC[s_replay]" "LOOPW[s_replay]" "LOOPC[s_floor]" "LOOPW[s_floor]"
	# short runs are noisier: more of them
	runs=$RUNS
	[ "$n" -lt 1000000 ] && runs=$((RUNS * 3))
	for ((r = 1; r <= runs; r++)); do
		timed_loop s_floor "$FLOOR" "$f"
		timed_loop s_replay "$REPLAY" -q --timing "${SO[@]}" "$f"
		# the memory baseline: the process with the smallest maps (the
		# point's own maps, bucket arrays and all, count per connection)
		timed "$REPLAY" -q "${SO_MIN[@]}" "$TINY"; best s_tiny
	done
	"$MAPSTAT" "${SO[@]}" "$f" >"$TMP/scale.stat" || die "linkquic-mapstat failed"
	bytes=$(stat -c %s "$f")
	[ "$KEEP" = 1 ] || rm -f "$f"
	tracked=$(awk '$1 == "conns" { print $2 }' "$TMP/scale.stat")
	# times: the frame loop as the tools time it (process start and map
	# set-up are not per frame); memory: less the tiny run's
	row="$c $n $bytes"
	row+=" $(calc "${LOOPC[s_floor]} / $n") $(calc "${LOOPW[s_floor]} / $n")"
	row+=" $(calc "${LOOPC[s_replay]} / $n") $(calc "${LOOPW[s_replay]} / $n")"
	row+=" ${PEAK[s_replay]} $(calc "int((${PEAK[s_replay]} - ${PEAK[s_tiny]}) * 1024 / $c)")"
	row+=" $(state_per_conn "$TMP/scale.stat" "$c") $tracked"
	echo "$row" >>"$TMP/scaling.dat"
done
NSCALE=$(grep -vc '^#' "$TMP/scaling.dat" || true)
# the maps at the largest point (or the main trace): entries and bytes per connection
if [ "$NSCALE" -ge 1 ]; then
	cp "$TMP/scale.stat" "$TMP/largest.stat"
	BREAK_CONNS=$c
else
	cp "$TMP/main.stat" "$TMP/largest.stat"
	BREAK_CONNS=$MAIN_CONNS
fi
breakdown() { # text or md
	awk -v c="$BREAK_CONNS" -v md="$1" '$1 == "map" {
		f = md == "md" ? "| %s | %d | %.2f | %d + %d | %.0f | %.0f |\n" : "  %-16s %9d %9.2f %6d + %-4d %9.0f %9.0f\n"
		printf f, $2, $3, $3 / c, $4, $5, $3 * ($4 + $5) / c, ($3 ? $3 * $6 + $7 * 4 : 0) / c }' \
		"$TMP/largest.stat"
}
col() { awk -v k="$1" -v w="$2" '!/^#/ { v[++n] = $k } END { print (w == "first" ? v[1] : v[n]) }' "$TMP/scaling.dat"; }
if [ "$NSCALE" -ge 2 ]; then
	FLAT_CPU=$(calc "$(col 6 last) / $(col 6 first)")
	FLAT_WALL=$(calc "$(col 7 last) / $(col 7 first)")
	SCALE_LO=$(col 1 first)
	SCALE_HI=$(col 1 last)
	STATE_HI=$(col 10 last)
	RSSPC_HI=$(col 9 last)
else
	FLAT_CPU=
	SCALE_HI=$MAIN_CONNS
	STATE_HI=$MAIN_KV
	RSSPC_HI=$MAIN_RSSPC
fi
ELAPSED=$(($(date +%s) - START))
LOAD1=$(cut -d' ' -f1-3 /proc/loadavg)

# ---- report ------------------------------------------------------------------------------------
kfmt() { awk -v v="$1" 'BEGIN { if (v >= 1e6) printf "%.1fM", v / 1e6; else if (v >= 1e3) printf "%.0fk", v / 1e3; else printf "%d", v }'; }
# "636 ns, 1.57M/s" from ns per frame
nsf() { awk -v v="$1" 'BEGIN { r = 1e9 / v; printf "%.0f ns, %s/s", v, (r >= 1e6 ? sprintf("%.2fM", r / 1e6) : sprintf("%.0fk", r / 1e3)) }'; }
x() { fmt '%.2fx' "$1"; }

report() { # text or md
	local md=$1
	row() { # measure, CPU, wall, goal, verdict
		if [ "$md" = md ]; then
			printf '| %s | %s | %s | %s | %s |\n' "$@"
		else
			printf '  %-40s %-22s %-22s %-9s %s\n' "$@"
		fi
	}
	if [ "$md" = md ]; then
		printf '# linkquic benchmark results\n\n'
		printf 'Date: %s. Command: `%s` (%s mode, best of %s runs, %s s in all).\n\n' \
			"$DATE" "$CMDLINE" "$MODE" "$RUNS" "$ELAPSED"
		printf 'Machine: %s x %s, Linux %s, %s GB; load average %s at the start, %s at the end.\n\n' \
			"$NPROC" "$CPU" "$KERNEL" "$MEM_GB" "$LOAD0" "$LOAD1"
		printf 'Trace: %s frames, %s connections, %s bytes (%s bytes/frame), 5%% non-QUIC UDP,\n' \
			"$PACKETS" "$CONNS" "$MAIN_BYTES" "$(calc "int($MAIN_BYTES / $PACKETS)")"
		printf 'built from pcaps/ngtcp2 by `linkquic-gen -n %s -c %s --seed %s %s` in %.1f s, read from\n' \
			"$PACKETS" "$CONNS" "$SEED" "${SIZE_OPT[*]}" "$GEN_S"
		printf 'the page cache (%s). tshark slice: its first %s frames (`editcap -r`).\n\n' "$DIR" "$SLICE"
		printf 'Times are per frame, best of the runs. CPU is user + system time of the process (what\n'
		printf 'the goals are judged on: it does not count time the process waited for the CPU, which\n'
		printf 'other work on a shared machine adds to wall time); wall is elapsed time. On the slice,\n'
		printf 'each tool'"'"'s run on a %s-frame trace (start-up) is subtracted.\n\n' "$WINDOW"
		printf '| measure | CPU | wall | goal | |\n|---|---|---|---|---|\n'
	else
		printf '\nlinkquic benchmark (%s mode, best of %s runs, %s s), %s\n' "$MODE" "$RUNS" "$ELAPSED" "$DATE"
		printf '  machine: %s x %s, Linux %s, %s GB, load %s -> %s\n' "$NPROC" "$CPU" "$KERNEL" "$MEM_GB" "$LOAD0" "$LOAD1"
		printf '  trace:   %s frames, %s connections, %s bytes (%s bytes/frame), generated in %.1f s\n\n' \
			"$PACKETS" "$CONNS" "$MAIN_BYTES" "$(calc "int($MAIN_BYTES / $PACKETS)")" "$GEN_S"
		row MEASURE "CPU (per frame)" "WALL (per frame)" GOAL ""
	fi
	row "floor: libpcap read loop" "$(nsf "${F_CPUT[floor]}")" "$(nsf "${F_WALL[floor]}")" "" ""
	row "linkquic-replay -q" "$(nsf "${F_CPUT[quiet]}")" "$(nsf "${F_WALL[quiet]}")" "" ""
	row "  time / floor" "$(x "${F_CPUT[r_floor]}")" "$(x "${F_WALL[r_floor]}")" "<= 1.5x" "$(pass_le "${F_CPUT[r_floor]}" 1.5)"
	row "  peak memory" "$(calc "int(${PEAK[quiet]} / 1024)") MB" "" "" ""
	row "linkquic-replay (table output)" "$(nsf "${F_CPUT[table]}")" "$(nsf "${F_WALL[table]}")" "" ""
	row "  time / floor" "$(x "${F_CPUT[r_table]}")" "$(x "${F_WALL[r_table]}")" "" "(info)"
	row "linkquic-replay -f conn (metadata on)" "$(nsf "${F_CPUT[conn]}")" "$(nsf "${F_WALL[conn]}")" "" ""
	row "  time / floor, metadata on" "$(x "${F_CPUT[r_conn]}")" "$(x "${F_WALL[r_conn]}")" "<= 1.5x" "$(pass_le "${F_CPUT[r_conn]}" 1.5)"
	row "linkquic-replay -f conn --no-meta" "$(nsf "${F_CPUT[conn_nometa]}")" "$(nsf "${F_WALL[conn_nometa]}")" "" ""
	row "  time / floor, metadata off" "$(x "${F_CPUT[r_conn_nometa]}")" "$(x "${F_WALL[r_conn_nometa]}")" "" "(info)"
	row "  a record, per connection" "$(fmt '%.2f us' "$REC_US")" "" "" "(info)"
	row "  metadata, per connection" "$(fmt '%.2f us' "$META_US")" "" "" "(info)"
	row "  lqmeta alone (bench_meta)" "$(fmt '%.2f us' "$(calc "$META_NS / 1000")")" "" "" "(info)"
	row "-f conn, $(kfmt "$LONG_CONNS") conns of $((PACKETS / LONG_CONNS)) frames" "$(nsf "${F_CPUT[long_conn]}")" "$(nsf "${F_WALL[long_conn]}")" "" ""
	row "  time / floor, metadata on" "$(x "${F_CPUT[r_long_conn]}")" "$(x "${F_WALL[r_long_conn]}")" "<= 1.5x" "$(pass_le "${F_CPUT[r_long_conn]}" 1.5)"
	row "  time / floor, metadata off" "$(x "${F_CPUT[r_long_nometa]}")" "$(x "${F_WALL[r_long_nometa]}")" "" "(info)"
	row "  metadata, per connection" "$(fmt '%.2f us' "$LONG_META_US")" "" "" "(info)"
	row "tshark -Y quic, first $(kfmt "$SLICE") frames" "$(nsf "${F_CPUT[tshark]}")" "$(nsf "${F_WALL[tshark]}")" "" ""
	row "linkquic-replay -q, same frames" "$(nsf "${F_CPUT[slice]}")" "$(nsf "${F_WALL[slice]}")" "" ""
	row "  tshark time / linkquic-replay time" "$(fmt '%.1fx' "${F_CPUT[r_tshark]}")" "$(fmt '%.1fx' "${F_WALL[r_tshark]}")" ">= 30x" "$(pass_ge "${F_CPUT[r_tshark]}" 30)"
	row "  tshark / replay on the whole trace" "$(fmt '%.1fx' "${F_CPUT[r_tshark_all]}")" "$(fmt '%.1fx' "${F_WALL[r_tshark_all]}")" "" "(info)"
	row "state per connection, $(kfmt "$SCALE_HI") conns" "$STATE_HI bytes (map entries)" "" "<= 256" "$(pass_le "$STATE_HI" 256)"
	row "  RSS per connection" "$RSSPC_HI bytes" "" "<= 256" "$(pass_le "$RSSPC_HI" 256)"
	if [ -n "$FLAT_CPU" ]; then
		row "time/frame, $(kfmt "$SCALE_HI") vs $(kfmt "$SCALE_LO") conns" "$(x "$FLAT_CPU")" "$(x "$FLAT_WALL")" "<= 1.5x" "$(pass_le "$FLAT_CPU" 1.5)"
	fi
	if [ "$md" = md ]; then
		printf '\nWhat linkquic-replay made of the trace:\n\n```\n%s\n```\n' "$SUMMARY"
		[ "$NSCALE" -ge 1 ] || return 0
		printf '\n## Scaling: concurrent connections\n\n'
		printf 'Each point is a trace of N connections, %s frames each (the handshake and the\n' "$WINDOW"
		printf 'frames around its first change of path), all alive at once (`linkquic-gen --concurrent\n'
		printf -- '--nonquic 0`), map sizes proportional to N (paths 2N, IDs 3N, client anchors 2N,\n'
		printf 'pending N/2, servers N/16, at least 1024 each). ns/frame: the frame loop as the\n'
		printf 'tools time it themselves (`linkquic-replay --timing`, `linkquic-floor`), without\n'
		printf 'process start and map set-up. RSS/conn: (peak RSS - a tiny run with the smallest maps) / N;\n'
		printf 'below ~10k connections it is within the noise of page-granular RSS. State: map\n'
		printf 'entries x (key + value); emulated: slots (16-byte header, 8-byte alignment) and\n'
		printf 'bucket arrays as lib/emu_map.c stores them.\n\n'
		printf '| connections | frames | MB | floor ns/frame (CPU) | replay ns/frame (CPU) | replay ns/frame (wall) | peak RSS MB | RSS/conn | state/conn | emulated/conn | tracked |\n'
		printf '|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n'
		awk '!/^#/ { printf "| %d | %d | %.0f | %.0f | %.0f | %.0f | %.0f | %d | %d | %d | %d |\n", $1, $2, $3 / 1e6, $4, $6, $7, $8 / 1024, $9, $10, $11, $12 }' "$TMP/scaling.dat"
		printf '\n![scaling](scaling.png)\n'
		printf '\nWhere the state goes, at %s connections:\n\n' "$(kfmt "$BREAK_CONNS")"
		printf '| map | entries | per connection | key + value bytes | state bytes/conn | emulated bytes/conn |\n'
		printf '|---|---:|---:|---:|---:|---:|\n'
		breakdown md
	else
		if [ "$NSCALE" -ge 1 ]; then
			printf '\n  scaling (%s frames per connection, all concurrent; ns per frame):\n' "$WINDOW"
			printf '  %9s %9s %6s %9s %9s %9s %7s %8s %8s %8s %9s\n' CONNS FRAMES MB FLOOR_CPU REPLAY_CPU REPLAY_WALL RSS_MB RSS/CONN STATE/C EMU/C TRACKED
			awk '!/^#/ { printf "  %9d %9d %6.0f %9.0f %9.0f %9.0f %7.0f %8d %8d %8d %9d\n", $1, $2, $3 / 1e6, $4, $6, $7, $8 / 1024, $9, $10, $11, $12 }' "$TMP/scaling.dat"
		fi
		printf '\n  maps at %s connections:\n' "$(kfmt "$BREAK_CONNS")"
		printf '  %-16s %9s %9s %13s %9s %9s\n' MAP ENTRIES PER_CONN "KEY + VALUE" STATE/C EMU/C
		breakdown text
		printf '\n  linkquic-replay on the main trace:\n'
		sed 's/^/    /' <<<"$SUMMARY"
	fi
}

report text
if [ "$WRITE" = 1 ]; then
	report md >"$BENCH/results.md"
	if [ "$NSCALE" -ge 1 ]; then
		term=png
		gnuplot -e 'set terminal' 2>&1 | grep -q pngcairo && term=pngcairo
		gnuplot <<-EOF || echo "bench: gnuplot failed; no scaling.png" >&2
			set terminal $term size 1000,420 $([ $term = pngcairo ] && echo "font 'sans,10'")
			set output '$BENCH/scaling.png'
			set multiplot layout 1,2 title "linkquic-replay: $NPROC x $CPU, $WINDOW frames per connection, all concurrent"
			set logscale x 10
			set xrange [$(awk '!/^#/ { if (!lo) lo = $1; hi = $1 } END { print lo / 2 ":" hi * 2 }' "$TMP/scaling.dat")]
			set format x '%.0s%c'
			set xlabel 'concurrent connections'
			set grid
			set key bottom right opaque box
			set ylabel 'ns per frame'
			set yrange [0:*]
			set key top left opaque box
			plot '$TMP/scaling.dat' using 1:6 with linespoints lw 2 pt 7 title 'linkquic-replay -q, CPU', \
			     '' using 1:7 with linespoints lw 2 pt 5 title 'linkquic-replay -q, wall', \
			     '' using 1:4 with linespoints lw 2 pt 9 title 'libpcap read loop (floor), CPU'
			set ylabel 'bytes per connection'
			set key bottom right opaque box
			plot '$TMP/scaling.dat' using 1:9 with linespoints lw 2 pt 7 title 'RSS', \
			     '' using 1:11 with linespoints lw 2 pt 5 title 'emulated maps', \
			     '' using 1:10 with linespoints lw 2 pt 9 title 'map entries (key+value)', \
			     256 with lines lw 2 dt 2 lc rgb 'red' title 'goal: 256'
			unset multiplot
		EOF
	fi
	echo
	echo "bench: wrote bench/results.md$([ "$NSCALE" -ge 1 ] && echo " and bench/scaling.png")"
fi
