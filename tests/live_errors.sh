#!/usr/bin/env bash
# tests/live_errors.sh - linkquic-live's bad cases: one clear line on stderr
# that starts with "linkquic-live:" and names the object at fault, an exit
# status from 1 to 127, and nothing left attached to any interface.
#
# Cases: bad options and numbers; an unknown interface; an interface that is
# down; native XDP on a device that has none; a second instance on the same
# interface (XDP, tcx, clsact); a failure on the second interface after the
# first was attached; no permission (an unprivileged user, and one with
# CAP_BPF only). Also the good ends: SIGTERM and --duration detach
# everything, exit 0.
#
# Usage: tests/live_errors.sh BUILD_DIR   (as root)
# Exit:  0 every case passed, 1 a case failed, 2 usage, 77 not root (skip)
#
# Interfaces live in a private network namespace this script creates and
# deletes; no address is configured.

set -u

. "$(dirname "${BASH_SOURCE[0]}")/lib/bin.sh"
lq_live_bin live_errors "$@"
if [ "$(id -u)" != 0 ]; then
	echo "live_errors: skipped: needs root (network namespaces, BPF)"
	exit 77
fi
export LC_ALL=C

NS=lqerr$$
TMP=$(mktemp -d) || exit 2
BG=
cleanup() {
	[ -n "$BG" ] && kill "$BG" 2>/dev/null && wait "$BG" 2>/dev/null
	ip netns del "$NS" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ip netns add "$NS" || { echo "live_errors: cannot create namespace $NS" >&2; exit 1; }
in_ns() { ip netns exec "$NS" "$@"; }
in_ns ip link set lo up
in_ns ip link add e0 type veth peer name e1 &&
	in_ns ip link add e2 type veth peer name e3 &&
	in_ns ip link set e0 up && in_ns ip link set e1 up &&
	in_ns ip link set e2 up && in_ns ip link set e3 up &&
	in_ns ip link add d0 type veth peer name d1 ||
	{ echo "live_errors: cannot create veth pairs" >&2; exit 1; }
# d0 stays down. A device without native XDP: dummy where the kernel has it,
# else ifb or a bridge.
NOXDP=
for t in dummy ifb bridge; do
	if in_ns ip link add nx0 type $t 2>/dev/null; then
		in_ns ip link set nx0 up && NOXDP=nx0
		break
	fi
done

HINT_RE="^Try '[^']*--help'\.\$"
passed=0 failed=0

# hooks: what is attached to the namespace's interfaces (XDP, tc filters,
# qdiscs, tcx and XDP links).
hooks() {
	local dev
	for dev in e0 e1 e2 e3 ${NOXDP:+nx0}; do
		in_ns ip -d link show dev "$dev" | grep -E 'prog/xdp|xdp' | sed "s/^/$dev: /"
		in_ns tc filter show dev "$dev" ingress 2>/dev/null | sed "s/^/$dev ingress: /"
		in_ns tc filter show dev "$dev" egress 2>/dev/null | sed "s/^/$dev egress: /"
		in_ns tc qdisc show dev "$dev" | grep clsact | sed "s/^/$dev: /"
	done
	in_ns bpftool net show 2>/dev/null | grep -E 'lq_' | sed 's/^/bpftool: /'
}
# left_behind BEFORE: what is attached now and was not before, if anything.
left_behind() {
	local now
	now=$(hooks)
	[ "$now" = "$1" ] && return 1
	diff <(echo "$1") <(echo "$now") | grep '^>' | head -3 | tr '\n' ' '
	return 0
}

report() { # NAME WHY(empty: pass) COMMAND...
	local name=$1 why=$2
	shift 2
	if [ -z "$why" ]; then
		passed=$((passed + 1))
		printf 'ok   %-30s exit %d: %s\n' "$name" "$rc" "$(grep -m1 '^linkquic-live:' "$TMP/err")"
	else
		failed=$((failed + 1))
		printf 'FAIL %-30s %s\n' "$name" "$why"
		echo "  command: $*  (exit $rc)"
		sed 's/^/  stderr: /' "$TMP/err" | head -12
	fi
}

# expect_error NAME "WORD|WORD..." COMMAND...: exit 1..127; stderr one line
# (and at most the --help hint), starting "linkquic-live:" and naming every
# WORD; nothing left attached that was not there before.
expect_error() {
	local name=$1 words=$2 why= lines w left before
	shift 2
	before=$(hooks)
	"$@" >"$TMP/out" 2>"$TMP/err" </dev/null
	rc=$?
	lines=$(grep -cv -E "$HINT_RE" "$TMP/err")
	if [ $rc -ge 128 ]; then why="crashed (signal $((rc - 128)))"
	elif [ $rc = 0 ]; then why="exit 0, want an error"
	elif [ "$lines" != 1 ]; then why="$lines lines on stderr, want one"
	elif ! head -n1 "$TMP/err" | grep -q '^linkquic-live:'; then why="the line does not start with 'linkquic-live:'"
	else
		local IFS='|'
		for w in $words; do
			grep -m1 '^linkquic-live:' "$TMP/err" | grep -qF -- "$w" || { why="the line does not name '$w'"; break; }
		done
	fi
	if [ -z "$why" ] && left=$(left_behind "$before"); then why="left behind: $left"; fi
	report "$name" "$why" "$@"
}

# expect_clean NAME COMMAND...: a session that ends by itself: exit 0,
# nothing left attached.
expect_clean() {
	local name=$1 why= left before
	shift
	before=$(hooks)
	"$@" >"$TMP/out" 2>"$TMP/err" </dev/null
	rc=$?
	[ $rc = 0 ] || why="exit $rc, want 0"
	if [ -z "$why" ] && left=$(left_behind "$before"); then why="left behind: $left"; fi
	report "$name" "$why" "$@"
}

# start_bg ARGS...: a first instance in the background, until it monitors
# (ip netns exec execs it: $! is linkquic-live itself).
BG_BEFORE=
start_bg() {
	BG_BEFORE=$(hooks)
	ip netns exec "$NS" "$LIVE" "$@" -q -d 30 >/dev/null 2>"$TMP/bg.err" </dev/null &
	BG=$!
	local i
	for i in $(seq 1 300); do
		grep -qs "monitor on" "$TMP/bg.err" && return 0
		kill -0 "$BG" 2>/dev/null || break
		sleep 0.1
	done
	echo "live_errors: the first instance did not start:" >&2
	cat "$TMP/bg.err" >&2
	return 1
}
# stop_bg: SIGTERM ends the first instance with exit 0, and all it attached
# comes off.
stop_bg() {
	local why= left
	kill -TERM "$BG" 2>/dev/null
	wait "$BG"
	rc=$?
	BG=
	[ $rc = 0 ] || why="exit $rc on SIGTERM, want 0"
	if [ -z "$why" ] && left=$(left_behind "$BG_BEFORE"); then why="left behind: $left"; fi
	cp "$TMP/bg.err" "$TMP/err"
	report "SIGTERM ends the first" "$why" "kill -TERM"
}

# --- options -----------------------------------------------------------------------
expect_error "no monitor" "--endpoint|--middlebox" "$LIVE"
expect_error "both monitors" "--endpoint|--middlebox" "$LIVE" --endpoint e0 --middlebox e2
expect_error "interface twice" "e0|twice" in_ns "$LIVE" --middlebox e0 e0
expect_error "bad format" "--format|xml" "$LIVE" --middlebox e0 -f xml
expect_error "bad hook" "--hook|egress" "$LIVE" --middlebox e0 --hook egress
expect_error "bad xdp mode" "--xdp-mode|hw" "$LIVE" --middlebox e0 --xdp-mode hw
expect_error "bad tc attach" "--tc-attach" "$LIVE" --middlebox e0 --tc-attach netlink
expect_error "duration zero" "--duration|'0'" "$LIVE" --middlebox e0 -d 0
expect_error "duration not a number" "--duration|'5s'" "$LIVE" --middlebox e0 -d 5s
expect_error "maps-every negative" "--maps-every|'-1'" "$LIVE" --middlebox e0 --maps-every -1
expect_error "maps with a value" "--maps-every 5" "$LIVE" --middlebox e0 --maps=5
expect_error "snaplen too big" "--snaplen|1536" "$LIVE" --middlebox e0 -w "$TMP/x.pcapng" -s 9000
expect_error "snaplen without write" "--snaplen|--write" "$LIVE" --middlebox e0 -s 100
expect_error "max-paths too small" "--max-paths" "$LIVE" --middlebox e0 --max-paths 1
expect_error "table-max zero" "--table-max|'0'" "$LIVE" --middlebox e0 --table-max 0
expect_error "conn records and events" "--events|-f conn" "$LIVE" --middlebox e0 -f conn -e
expect_error "conn-update zero" "--conn-update|'0'" "$LIVE" --middlebox e0 -f conn --conn-update 0

# --- interfaces -----------------------------------------------------------------------
expect_error "unknown interface" "lq-nope0|No such device" in_ns "$LIVE" --middlebox lq-nope0
expect_error "unknown second interface" "lq-nope1" in_ns "$LIVE" --middlebox e0 lq-nope1
expect_error "interface down" "d0|down" in_ns "$LIVE" --endpoint d0
expect_error "name too long" "longer than 15" in_ns "$LIVE" --middlebox abcdefghijklmnopq
expect_error "unwritable --write" "/nonexistent/x.pcapng" in_ns "$LIVE" --middlebox e0 -w /nonexistent/x.pcapng
expect_error "unwritable --conn-file" "/nonexistent/c.jsonl" in_ns "$LIVE" --middlebox e0 --conn-file /nonexistent/c.jsonl
if [ -n "$NOXDP" ]; then
	expect_error "native XDP not supported" "nx0|native" in_ns "$LIVE" --middlebox nx0 --xdp-mode native
	# The first interface is attached when the second fails: it must come off.
	expect_error "half-way failure" "nx0|native" in_ns "$LIVE" --middlebox e0 e2 nx0 --xdp-mode native
	expect_clean "generic XDP where no native" in_ns "$LIVE" --middlebox nx0 --xdp-mode generic -q -d 1
else
	echo "skip native XDP cases: no dummy, ifb or bridge device can be created here"
fi

# --- a second instance ----------------------------------------------------------------------
if start_bg --middlebox e0 e2; then
	expect_error "second instance (XDP)" "e2|already monitored|lq_xdp" in_ns "$LIVE" --middlebox e2
	expect_error "second instance (endpoint)" "e0|already monitored" in_ns "$LIVE" --endpoint e0
	stop_bg
fi
if start_bg --middlebox e0 --hook tc; then
	expect_error "second instance (tcx)" "e0|already monitored|lq_tc_in" in_ns "$LIVE" --middlebox e0 --hook tc
	expect_error "second instance (clsact over tcx)" "e0|already monitored" \
		in_ns "$LIVE" --middlebox e0 --hook tc --tc-attach clsact
	stop_bg
fi
if start_bg --endpoint e0 --hook tc --tc-attach clsact; then
	expect_error "second instance (clsact)" "e0|already monitored" \
		in_ns "$LIVE" --endpoint e0 --hook tc --tc-attach clsact
	expect_error "second instance (tcx over clsact)" "e0|already monitored" \
		in_ns "$LIVE" --middlebox e0 --hook tc
	stop_bg
fi
# A clsact qdisc that was there before stays after us.
in_ns tc qdisc add dev e2 clsact
expect_clean "existing clsact kept" in_ns "$LIVE" --endpoint e2 --hook tc --tc-attach clsact -q -d 1
if in_ns tc qdisc show dev e2 | grep -q clsact; then
	passed=$((passed + 1)); echo "ok   existing clsact qdisc still there"
else
	failed=$((failed + 1)); echo "FAIL the clsact qdisc that was there before is gone"
fi
in_ns tc qdisc del dev e2 clsact
expect_clean "duration ends, all off" in_ns "$LIVE" --endpoint e0 e2 -q -d 1

# --- permission -------------------------------------------------------------------------------
if command -v setpriv >/dev/null 2>&1; then
	expect_error "no permission" "CAP_BPF|CAP_NET_ADMIN|CAP_PERFMON|Operation not permitted" \
		in_ns setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
		"$LIVE" --middlebox e0
	expect_error "CAP_BPF only" "missing CAP_NET_ADMIN, CAP_PERFMON" \
		in_ns setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all,+bpf \
		--ambient-caps=+bpf "$LIVE" --middlebox e0
else
	echo "skip permission cases: no setpriv"
fi

echo "live_errors: $passed passed, $failed failed"
[ $failed = 0 ]
