#!/usr/bin/env bash
# tests/live_faults.sh - nothing that drops outlives linkquic-live (issue 14,
# live faults), and the guard acts on the way in unless asked.
#
# For every attach mode (middlebox: XDP native, XDP generic, tc ingress with
# tcx and with clsact; endpoint: XDP native or generic with tcx egress, tc
# with tcx, XDP with clsact egress, tc with clsact both ways) it starts
# linkquic-live --guard, checks that the guard drops a garbage datagram on
# its way from the client to the server (a long header of an unknown
# version, to a server the monitor saw answer), kills it with SIGKILL and
# checks:
#   - XDP and tcx: every program the process had loaded is gone (so nothing
#     of it is attached anywhere), nothing of ours shows on the interfaces,
#     and the next garbage datagram arrives;
#   - clsact: the orphan filter is still there and still drops while the
#     heartbeat is fresh, passes garbage once it is stale (over 5 s), and the
#     next start removes it (and its clsact qdisc) saying so in one line per
#     interface, and exits with nothing left attached.
# Also: a live instance on the clsact slot is refused, not removed; and
# --endpoint --guard lets the host's own outgoing garbage pass, while
# --guard-egress drops it (and reports action "drop").
#
# Usage: tests/live_faults.sh BUILD_DIR   (as root)
# Exit:  0 every check passed, 1 a check failed, 2 usage, 77 not root or a
#        tool missing (skip)
#
# Client, router and server live in network namespaces this script creates
# and deletes, with addresses from 198.18.0.0/15.

set -u

. "$(dirname "${BASH_SOURCE[0]}")/lib/bin.sh"
lq_live_bin live_faults "$@"
if [ "$(id -u)" != 0 ]; then
	echo "live_faults: skipped: needs root (network namespaces, BPF)"
	exit 77
fi
for cmd in ip tc bpftool python3 timeout; do
	command -v $cmd >/dev/null 2>&1 ||
		{ echo "live_faults: skipped: needs $cmd (iproute2, bpftool, python3, coreutils)"; exit 77; }
done
export LC_ALL=C
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PEER="$TOP/tests/live_faults_peer.py"

NS_C=lqfc$$ NS_R=lqfr$$ NS_S=lqfs$$
C4=198.18.7.1 S4=198.18.8.1 PORT=4433
TMP=$(mktemp -d) || exit 2
BG= SERVER=
cleanup() {
	[ -n "$BG" ] && kill -KILL "$BG" 2>/dev/null && wait "$BG" 2>/dev/null
	[ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null && wait "$SERVER" 2>/dev/null
	ip netns del "$NS_C" 2>/dev/null
	ip netns del "$NS_R" 2>/dev/null
	ip netns del "$NS_S" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# client c0 -- r0 router r1 -- s0 server
{
	ip netns add "$NS_C" && ip netns add "$NS_R" && ip netns add "$NS_S" &&
	ip -n "$NS_C" link add c0 type veth peer name r0 netns "$NS_R" &&
	ip -n "$NS_S" link add s0 type veth peer name r1 netns "$NS_R" &&
	ip -n "$NS_C" addr add $C4/24 dev c0 && ip -n "$NS_C" link set c0 up &&
	ip -n "$NS_C" link set lo up && ip -n "$NS_C" route add default via 198.18.7.254 &&
	ip -n "$NS_R" addr add 198.18.7.254/24 dev r0 && ip -n "$NS_R" link set r0 up &&
	ip -n "$NS_R" addr add 198.18.8.254/24 dev r1 && ip -n "$NS_R" link set r1 up &&
	ip netns exec "$NS_R" sysctl -qw net.ipv4.ip_forward=1 &&
	ip -n "$NS_S" addr add $S4/24 dev s0 && ip -n "$NS_S" link set s0 up &&
	ip -n "$NS_S" link set lo up && ip -n "$NS_S" route add default via 198.18.8.254
} || { echo "live_faults: cannot build the namespaces" >&2; exit 1; }

LOG=$TMP/server.log
: >"$LOG"
ip netns exec "$NS_S" timeout 900 python3 "$PEER" serve $S4 $PORT "$LOG" >"$TMP/server.out" 2>&1 &
SERVER=$!
for _ in $(seq 50); do grep -qs ready "$TMP/server.out" && break; sleep 0.1; done
grep -qs ready "$TMP/server.out" || { echo "live_faults: the server did not start:" >&2; cat "$TMP/server.out" >&2; exit 1; }

passed=0 failed=0
ok() { passed=$((passed + 1)); echo "ok   $*"; }
fail() { failed=$((failed + 1)); echo "FAIL $*"; }

ns_of() { case $1 in c0) echo "$NS_C" ;; r0 | r1) echo "$NS_R" ;; s0) echo "$NS_S" ;; esac; }

# hooks: what is attached to the interfaces: XDP, tc filters, clsact qdiscs
# (tcx links show in no listing of this iproute2 or bpftool: the programs'
# ids say it instead, see gone()).
hooks() {
	local dev ns
	for dev in c0 r0 r1 s0; do
		ns=$(ns_of $dev)
		ip -n "$ns" -d link show dev $dev | grep -oE 'prog/xdp.*|xdp(generic|drv)? .*' | sed "s/^/$dev xdp: /"
		tc -n "$ns" filter show dev $dev ingress 2>/dev/null | grep -E 'bpf|lq_' | sed "s/^/$dev tc ingress: /"
		tc -n "$ns" filter show dev $dev egress 2>/dev/null | grep -E 'bpf|lq_' | sed "s/^/$dev tc egress: /"
		tc -n "$ns" qdisc show dev $dev | grep clsact | sed "s/^/$dev qdisc: /"
	done
}

# prog_ids PID: the BPF programs process PID holds.
prog_ids() {
	local f
	for f in /proc/$1/fd/*; do
		[ "$(readlink "$f" 2>/dev/null)" = anon_inode:bpf-prog ] &&
			awk '/^prog_id:/ { print $2 }' "/proc/$1/fdinfo/${f##*/}" 2>/dev/null
	done | sort -un
}
# alive IDS...: those of the programs that still exist, "id (name)" each.
alive() {
	local id name
	for id in "$@"; do
		name=$(bpftool prog show id "$id" 2>/dev/null | sed -n 's/.* name \([^ ]*\) .*/\1/p')
		[ -n "$name" ] && echo "$id ($name)"
	done
}
# gone IDS...: wait up to 3 s for the programs to be freed; 0 when they are.
gone() {
	local i
	for i in $(seq 30); do
		[ -z "$(alive "$@")" ] && return 0
		sleep 0.1
	done
	return 1
}

handshake() { ip netns exec "$NS_C" timeout 10 python3 "$PEER" handshake $C4 $S4 $PORT; }
# arrived TAG: sends a garbage datagram carrying TAG from the client to the
# server and says whether it arrived (1 arrived, 0 not).
arrived() {
	ip netns exec "$NS_C" timeout 10 python3 "$PEER" garbage $C4 $S4 $PORT "$1"
	sleep 0.5
	grep -qx "garbage $1" "$LOG" && echo 1 || echo 0
}
# expect_arrival NAME TAG WANT(1 arrives, 0 dropped) WHY
expect_arrival() {
	local got
	got=$(arrived "$2")
	if [ "$got" = "$3" ]; then
		ok "$1: garbage ${2##*-} $([ "$3" = 1 ] && echo arrives || echo dropped) ($4)"
	else
		fail "$1: garbage ${2##*-}: expected $([ "$3" = 1 ] && echo "to arrive" || echo "dropped") ($4), actual $([ "$got" = 1 ] && echo arrived || echo "did not arrive")"
		hooks | sed 's/^/  attached: /'
	fi
}

# start NS ARGS...: linkquic-live in the background until it monitors
# (ip netns exec execs it: $BG is linkquic-live itself).
start() {
	local ns=$1 i
	shift
	ip netns exec "$ns" "$LIVE" "$@" >"$TMP/live.out" 2>"$TMP/live.err" </dev/null &
	BG=$!
	for i in $(seq 600); do
		grep -qs "monitor on" "$TMP/live.err" && return 0
		kill -0 "$BG" 2>/dev/null || break
		sleep 0.1
	done
	echo "  command: $LIVE $*" >&2
	sed 's/^/  stderr: /' "$TMP/live.err" >&2
	kill -KILL "$BG" 2>/dev/null
	wait "$BG" 2>/dev/null
	BG=
	return 1
}

# kill_case NAME ORPHAN NS ARGS...: the case above for one attach mode.
# ORPHAN: the devices a clsact filter stays on after SIGKILL, "" for none.
kill_case() {
	local name=$1 orphan=$2 ns=$3 id=$((passed + failed)) before ids left t0 dev why
	shift 3
	before=$(hooks)
	if ! start "$ns" "$@" --guard -q; then
		fail "$name: linkquic-live $* --guard did not start"
		return
	fi
	ids=$(prog_ids "$BG" | tr '\n' ' ')
	[ -n "$ids" ] || fail "$name: the running monitor holds no BPF program"
	if handshake; then
		expect_arrival "$name" "c$id-live" 0 "running"
	else
		fail "$name: the handshake that makes the server known failed"
	fi
	kill -KILL "$BG"
	wait "$BG" 2>/dev/null
	BG=
	t0=$(date +%s.%N)
	if [ -z "$orphan" ]; then
		if gone $ids && [ "$(hooks)" = "$before" ]; then
			ok "$name: after kill -9 no program of it is left (ids $ids)"
		else
			fail "$name: after kill -9 expected no program of it left, actual: $(alive $ids | tr '\n' ' ')"
			diff <(echo "$before") <(hooks) | sed -n 's/^> /  attached: /p'
		fi
		expect_arrival "$name" "c$id-after" 1 "after kill -9"
		return
	fi
	# the orphan: still attached, dropping while the heartbeat is fresh
	for dev in $orphan; do
		if hooks | grep -q "^$dev tc .*lq_tc_"; then
			ok "$name: after kill -9 the clsact filter stays on $dev (the orphan)"
		else
			fail "$name: after kill -9 expected the orphan clsact filter on $dev, actual none"
			hooks | sed 's/^/  attached: /'
		fi
	done
	expect_arrival "$name" "c$id-fresh" 0 "orphan, heartbeat under 5 s old"
	sleep "$(echo "$t0" | awk -v now="$(date +%s.%N)" '{ w = $1 + 6 - now; print (w > 0 ? w : 0) }')"
	expect_arrival "$name" "c$id-stale" 1 "orphan, heartbeat over 5 s old"
	# the next start removes it, saying so, and leaves nothing when it ends
	ip netns exec "$ns" "$LIVE" "$@" --guard -q -d 1 >"$TMP/next.out" 2>"$TMP/next.err" </dev/null
	rc=$?
	why=
	[ $rc = 0 ] || why="exit $rc"
	for dev in $orphan; do
		grep -qE "^linkquic-live: $dev: removed what a killed linkquic-live left attached: .*tc .*filter.*lq_tc_.*clsact qdisc" "$TMP/next.err" ||
			why="${why:+$why; }no line says what was removed on $dev"
	done
	if [ -z "$why" ]; then
		ok "$name: the next start removes the orphan: $(grep -m1 'removed' "$TMP/next.err")"
	else
		fail "$name: the next start: expected exit 0 and a line per interface saying what was removed, actual $why"
		sed 's/^/  stderr: /' "$TMP/next.err"
	fi
	left=$(diff <(echo "$before") <(hooks) | sed -n 's/^> //p')
	if [ -z "$left" ] && gone $ids; then
		ok "$name: after the next start ends, nothing is attached and the orphan's programs are gone"
	else
		fail "$name: after the next start ends, expected nothing attached, actual: $left $(alive $ids | tr '\n' ' ')"
	fi
}

echo "--- kill -9 in every attach mode"
kill_case "middlebox, xdp native" "" "$NS_R" --middlebox r0 r1 --xdp-mode native
kill_case "middlebox, xdp generic" "" "$NS_R" --middlebox r0 r1 --xdp-mode generic
kill_case "middlebox, tc ingress, tcx" "" "$NS_R" --middlebox r0 r1 --hook tc --tc-attach tcx
kill_case "middlebox, tc ingress, clsact" "r0 r1" "$NS_R" --middlebox r0 r1 --hook tc --tc-attach clsact
kill_case "endpoint, xdp native + tcx egress" "" "$NS_S" --endpoint s0 --xdp-mode native
kill_case "endpoint, xdp generic + tcx egress" "" "$NS_S" --endpoint s0 --xdp-mode generic
kill_case "endpoint, tc ingress + egress, tcx" "" "$NS_S" --endpoint s0 --hook tc
kill_case "endpoint, tc ingress + egress, clsact" "s0" "$NS_S" --endpoint s0 --hook tc --tc-attach clsact
# the client's own garbage, dropped at its egress (--guard-egress) by the orphan
kill_case "endpoint, xdp + clsact egress, --guard-egress" "c0" "$NS_C" --endpoint c0 --tc-attach clsact --guard-egress

echo "--- a live instance on the clsact slot is refused, not removed"
if start "$NS_R" --middlebox r0 --hook tc --tc-attach clsact --guard -q; then
	first=$BG
	ids=$(prog_ids "$first" | tr '\n' ' ')
	ip netns exec "$NS_R" "$LIVE" --middlebox r0 --hook tc --tc-attach clsact -q -d 1 \
		>"$TMP/next.out" 2>"$TMP/next.err" </dev/null
	rc=$?
	line=$(head -n1 "$TMP/next.err")
	if [ $rc = 1 ] && [ "$(wc -l <"$TMP/next.err")" = 1 ] &&
		echo "$line" | grep -qF "r0: already monitored" && echo "$line" | grep -qF "(pid $first)"; then
		ok "second start refused: $line"
	else
		fail "second start: expected exit 1 and one line 'r0: already monitored ... (pid $first)', actual exit $rc:"
		sed 's/^/  stderr: /' "$TMP/next.err"
	fi
	if kill -0 "$first" 2>/dev/null && hooks | grep -q "^r0 tc ingress: .*lq_tc_in"; then
		ok "the first instance still runs, its filter in place"
	else
		fail "the first instance: expected running with its filter on r0, actual:"
		hooks | sed 's/^/  attached: /'
	fi
	kill -TERM "$first"
	wait "$first"
	rc=$?
	BG=
	if [ $rc = 0 ] && [ -z "$(hooks)" ] && gone $ids; then
		ok "SIGTERM ends the first: exit 0, nothing attached"
	else
		fail "SIGTERM ends the first: expected exit 0 and nothing attached, actual exit $rc: $(hooks | tr '\n' ' ')"
	fi
else
	fail "the first instance on the clsact slot did not start"
fi

echo "--- the guard acts on the way in unless --guard-egress"
# egress_case NAME WANT(1 arrives, 0 dropped) ACTION ARGS...: the client's
# own outgoing garbage under linkquic-live --endpoint c0 ARGS, and the
# action its record says.
egress_case() {
	local name=$1 want=$2 action=$3 got st
	shift 3
	if ! start "$NS_C" --endpoint c0 --guard -f jsonl "$@"; then
		fail "$name: linkquic-live --endpoint c0 --guard $* did not start"
		return
	fi
	handshake || fail "$name: the handshake that makes the server known failed"
	expect_arrival "$name" "e$((passed + failed))-own" "$want" "sent by the monitored host"
	kill -TERM "$BG"
	wait "$BG"
	st=$?
	BG=
	[ "$st" = 0 ] || fail "$name: linkquic-live exit status: expected 0, actual $st"
	got=$(grep '"hook":"tc-egress"' "$TMP/live.out" | grep '"reason":"unknown_version"' |
		grep -o '"action":"[a-z]*"' | sort -u | tr '\n' ' ')
	if [ "$got" = "\"action\":\"$action\" " ]; then
		ok "$name: its record at tc egress says garbage unknown_version, action $action"
	else
		fail "$name: its record at tc egress: expected garbage unknown_version, action $action; actual ${got:-no such record}"
		echo "  $(wc -l <"$TMP/live.out") records in all"
		grep -v '"verdict":"not_udp"' "$TMP/live.out" | tail -n 8 | sed 's/^/  record: /'
		sed 's/^/  stderr: /' "$TMP/live.err" | tail -n 6
		sed 's/^/  server: /' "$LOG" | tail -n 6
	fi
}
egress_case "endpoint --guard" 1 pass
egress_case "endpoint --guard --guard-egress" 0 drop --guard-egress

echo "live_faults: $passed passed, $failed failed"
[ $failed = 0 ]
