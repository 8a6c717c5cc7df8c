#!/usr/bin/env bash
# tests/ipfix.sh - linkquic's IPFIX export (--export) into real collectors.
#
#   tests/ipfix.sh elements BUILD   contrib/ipfix/ holds what --export-elements
#                                   prints (the XML for ipfixDump and libfixbuf,
#                                   pmacct's aggregate_primitives)
#   tests/ipfix.sh replay BUILD     every capture of pcaps/ and of the public
#                                   ones replayed with --export to
#                                     ipfix-file:  decoded by ipfixDump -e
#                                     ipfix://     (UDP) nfacctd, with
#                                                  contrib/ipfix/nfacctd.conf
#                                     ipfix://     (UDP) a socket, ipfixDump
#                                     ipfix+tcp:// a socket, ipfixDump
#                                   and every connection of linkquic-replay -f
#                                   conn on the same capture arrives whole
#                                   (tests/ipfix_check.py), each capture under
#                                   its own observation domain
#   tests/ipfix.sh backends BUILD   contrib/ipfix/nfacctd-backends.conf runs: nfacctd with
#                                   PostgreSQL and Kafka plugins beside the file
#   tests/ipfix.sh restart BUILD    a generated capture paced through a pipe (5 s)
#                                   while the collector is killed and restarted:
#                                   UDP to nfacctd (templates again, records decode
#                                   again), TCP to a socket (reconnect); no crash,
#                                   no stall, the losses in the exit summary
#
# Collectors listen on 127.0.0.1, on a random free port. Exit 0 pass, 1 fail,
# 2 usage, 77 skipped (ipfixDump or nfacctd missing: Debian's libfixbuf-tools,
# pmacct).
set -u -o pipefail

MODE=${1:-}
BUILD=$(cd "${2:-.}" 2>/dev/null && pwd) || { echo "usage: $0 elements|replay|restart BUILD" >&2; exit 2; }
REPLAY=$BUILD/linkquic-replay
[ -x "$REPLAY" ] || { echo "ipfix: no linkquic-replay in '$BUILD'" >&2; exit 2; }
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CONTRIB=$TOP/contrib/ipfix
TOOLS=$TOP/tests/ipfix_tools.py
CHECK=$TOP/tests/ipfix_check.py
export TZ=UTC LC_ALL=C

need() {
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 || {
			echo "ipfix: skipped: no '$c' (Debian packages libfixbuf-tools, pmacct)"
			exit 77
		}
	done
}

WORK=$(mktemp -d /tmp/lq-ipfix.XXXXXX) || exit 2
PIDS=()
NFA_PIDS=()
cleanup() {
	local p
	for p in "${NFA_PIDS[@]}"; do stop_nfacctd "$p"; done
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
	if [ "${KEEP:-0}" = 1 ]; then echo "ipfix: work directory kept: $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
# shellcheck source=tests/lib/ipfix.sh
. "$TOP/tests/lib/ipfix.sh"
rc=0
fail() { echo "FAIL: $*"; rc=1; KEEP=1; }
T0=$SECONDS

# start_sink udp|tcp PORT OUT: a socket that keeps what it gets (tests/ipfix_tools.py);
# sets SINK_PID and SINK_PORT.
start_sink() {
	local i
	python3 "$TOOLS" sink "$1" "$2" "$3" >"$3.ready" 2>"$3.err" &
	SINK_PID=$!
	PIDS+=("$SINK_PID")
	for ((i = 0; i < 100; i++)); do
		if grep -qs ready "$3.ready"; then
			SINK_PORT=$(awk '{print $2}' "$3.ready")
			return 0
		fi
		sleep 0.05
	done
	echo "ipfix: the $1 sink did not start" >&2
	return 1
}

# ---- elements ---------------------------------------------------------------------------

elements() {
	local f
	for f in xml:linkquic.xml pmacct:aggregate_primitives; do
		if ! "$REPLAY" --export-elements "${f%%:*}" | diff -u "$CONTRIB/${f#*:}" - >"$WORK/diff"; then
			cat "$WORK/diff"
			fail "contrib/ipfix/${f#*:} is not what --export-elements ${f%%:*} prints" \
				"(regenerate it: linkquic-replay --export-elements ${f%%:*} > contrib/ipfix/${f#*:})"
		else
			echo "ok   contrib/ipfix/${f#*:} = --export-elements ${f%%:*}"
		fi
	done
	# a number of one's own goes everywhere
	"$REPLAY" --export-pen 99999 --export-elements pmacct >"$WORK/pen.lst"
	grep -q "field_type=99999:106" "$WORK/pen.lst" ||
		fail "--export-pen 99999 does not reach the aggregate_primitives"
	"$REPLAY" --export-pen 99999 --export-elements xml >"$WORK/pen.xml"
	grep -q "<cert:enterpriseId>99999</cert:enterpriseId>" "$WORK/pen.xml" ||
		fail "--export-pen 99999 does not reach the XML"
}

# ---- replay -----------------------------------------------------------------------------

captures() {
	local c
	cd "$TOP" || exit 2
	. tests/lib/shared.sh
	CAPS=()
	for c in pcaps/ngtcp2/*.pcap pcaps/crowd/*.pcap; do
		[ -e "$c" ] && CAPS+=("$TOP/$c")
	done
	if [ -d "$SHARED/pcaps-public" ]; then
		for c in "$SHARED"/pcaps-public/*/*.pcap* "$SHARED"/pcaps-public/*/history/*.pcap*; do
			[ -e "$c" ] && CAPS+=("$(cd "$(dirname "$c")" && pwd)/$(basename "$c")")
		done
	else
		echo "ipfix: no public captures in '$SHARED/pcaps-public': only the project's own"
	fi
}

replay() {
	need ipfixDump nfacctd
	captures
	local nfa_port udp tcp i c exp=() n=0 conns=0 t
	nfa_port=$(python3 "$TOOLS" freeport udp)
	start_nfacctd 127.0.0.1 "$nfa_port" "$WORK/nfacctd.json" replay || { fail "nfacctd"; return; }
	start_sink udp 0 "$WORK/udp.ipfix" || { fail "UDP sink"; return; }
	udp=$SINK_PORT
	start_sink tcp 0 "$WORK/tcp.ipfix" || { fail "TCP sink"; return; }
	tcp=$SINK_PORT
	: >"$WORK/file.ipfix"
	i=0
	for c in "${CAPS[@]}"; do
		i=$((i + 1))
		"$REPLAY" -f conn "$c" >"$WORK/$i.conn" 2>/dev/null
		[ -s "$WORK/$i.conn" ] || continue # no QUIC connection in it
		n=$((n + 1))
		conns=$((conns + $(grep -c '^{' "$WORK/$i.conn")))
		exp+=(--expect "$i=$WORK/$i.conn")
		for t in "ipfix-file:$WORK/$i.ipfix" "ipfix://127.0.0.1:$nfa_port" \
			"ipfix://127.0.0.1:$udp" "ipfix+tcp://127.0.0.1:$tcp"; do
			if ! "$REPLAY" -q --observation-domain "$i" --export "$t" "$c" >"$WORK/$i.out" 2>&1; then
				cat "$WORK/$i.out"
				fail "linkquic-replay --export $t $c"
			fi
		done
		cat "$WORK/$i.ipfix" >>"$WORK/file.ipfix"
	done
	echo "ipfix: $n captures, $conns connections replayed to 4 collectors in $((SECONDS - T0))s"
	settle "$WORK/nfacctd.json"
	sleep 0.5 # the sinks' last messages
	python3 "$CHECK" --label "ipfix-file + ipfixDump -e" "${exp[@]}" --ipfixdump "$WORK/file.ipfix" ||
		fail "ipfix-file: into ipfixDump"
	python3 "$CHECK" --label "UDP + ipfixDump -e" "${exp[@]}" --ipfixdump "$WORK/udp.ipfix" ||
		fail "ipfix:// (UDP) into ipfixDump"
	python3 "$CHECK" --label "TCP + ipfixDump -e" "${exp[@]}" --ipfixdump "$WORK/tcp.ipfix" ||
		fail "ipfix+tcp:// into ipfixDump"
	python3 "$CHECK" --label "UDP + nfacctd" "${exp[@]}" --nfacctd "$WORK/nfacctd.json" ||
		fail "ipfix:// (UDP) into nfacctd"
}

# ---- restart ----------------------------------------------------------------------------

# summary_field FILE WORD: the number before WORD in the exporter's exit summary.
summary_num() {
	grep -m1 -E ": export |records received" "$1" | grep -oE "[0-9]+ $2" | head -1 |
		awk '{print $1}'
}

restart() {
	need ipfixDump nfacctd
	local gen=$BUILD/bench/linkquic-gen port t start k u i
	[ -x "$gen" ] || { echo "ipfix: no linkquic-gen in '$BUILD/bench'" >&2; exit 2; }
	# 400 connections starting over 20 s of capture time, paced at 4x: 5 s of replay,
	# idle after a second (-t 1), so that records go out all along
	"$gen" -q -n 8000 -c 400 --duration 20 -s 7 --src "$TOP/pcaps/ngtcp2" -o "$WORK/long.pcap" ||
		{ fail "linkquic-gen"; return; }
	"$REPLAY" -t 1 -f conn "$WORK/long.pcap" >"$WORK/long.conn" 2>/dev/null
	echo "ipfix: generated $(grep -c '^{' "$WORK/long.conn") connections over 20 s (replayed in 5)"
	local opts=(-q -t 1 --export-template-refresh 1 --export-active-timeout 2)

	# UDP into nfacctd: killed at 1.5 s, a new one from 2.5 s
	port=$(python3 "$TOOLS" freeport udp)
	start_nfacctd 127.0.0.1 "$port" "$WORK/before.json" before || { fail "nfacctd"; return; }
	start=$SECONDS
	python3 "$TOOLS" pace 4 "$WORK/long.pcap" |
		"$REPLAY" "${opts[@]}" --observation-domain 1 --export "ipfix://127.0.0.1:$port" - \
			>"$WORK/udp.out" 2>&1 &
	k=$!
	# killed once it has written records (it purges every second), at 1.5 s at the earliest
	sleep 1.5
	for ((i = 0; i < 40; i++)); do [ -s "$WORK/before.json" ] && break; sleep 0.05; done
	kill -0 "$k" 2>/dev/null || fail "UDP: the replay ended before the collector was killed"
	stop_nfacctd "$NFA_PID"
	sleep 1
	start_nfacctd 127.0.0.1 "$port" "$WORK/after.json" after || { fail "nfacctd again"; return; }
	wait "$k"
	u=$?
	t=$((SECONDS - start))
	cat "$WORK/udp.out"
	settle "$WORK/after.json"
	[ "$u" = 1 ] || fail "UDP: linkquic-replay exited $u, expected 1 (records were dropped)"
	[ "$t" -le 9 ] || fail "UDP: the replay took ${t}s for 5 s of input: it waited for the collector"
	[ "$(summary_num "$WORK/udp.out" dropped)" -gt 0 ] 2>/dev/null ||
		fail "UDP: no loss in the summary"
	[ "$(summary_num "$WORK/udp.out" times)" -ge 4 ] 2>/dev/null ||
		fail "UDP: the templates were not sent again (refresh every second)"
	python3 "$CHECK" --subset --label "UDP, nfacctd before the kill" --expect "1=$WORK/long.conn" \
		--nfacctd "$WORK/before.json" || fail "UDP: records before the kill"
	python3 "$CHECK" --subset --label "UDP, nfacctd after the restart" --expect "1=$WORK/long.conn" \
		--nfacctd "$WORK/after.json" || fail "UDP: records after the restart"

	# TCP into a socket: killed at 1.5 s, a new one from 2.2 s on the same port (the
	# exporter retries after 1 s, then 2, 4...)
	start_sink tcp 0 "$WORK/before.ipfix" || { fail "TCP sink"; return; }
	port=$SINK_PORT
	local sink1=$SINK_PID
	start=$SECONDS
	python3 "$TOOLS" pace 4 "$WORK/long.pcap" |
		"$REPLAY" "${opts[@]}" --observation-domain 2 --export "ipfix+tcp://127.0.0.1:$port" - \
			>"$WORK/tcp.out" 2>&1 &
	k=$!
	sleep 1.5
	kill -0 "$k" 2>/dev/null || fail "TCP: the replay ended before the collector was killed"
	kill -9 "$sink1"
	sleep 0.7
	start_sink tcp "$port" "$WORK/after.ipfix" || { fail "TCP sink again"; return; }
	wait "$k"
	u=$?
	t=$((SECONDS - start))
	cat "$WORK/tcp.out"
	sleep 0.3
	[ "$u" = 1 ] || fail "TCP: linkquic-replay exited $u, expected 1 (records were dropped)"
	[ "$t" -le 9 ] || fail "TCP: the replay took ${t}s for 5 s of input: it waited for the collector"
	[ "$(summary_num "$WORK/tcp.out" dropped)" -gt 0 ] 2>/dev/null || fail "TCP: no loss in the summary"
	grep -q "2 connections made, 1 lost" "$WORK/tcp.out" || fail "TCP: not reconnected once"
	python3 "$CHECK" --subset --label "TCP, before the kill" --expect "2=$WORK/long.conn" \
		--ipfixdump "$WORK/before.ipfix" | tee "$WORK/tcp-before.check" ||
		fail "TCP: records before the kill"
	python3 "$CHECK" --subset --label "TCP, after the reconnect" --expect "2=$WORK/long.conn" \
		--ipfixdump "$WORK/after.ipfix" | tee "$WORK/tcp-after.check" ||
		fail "TCP: records after the reconnect"
	# over TCP the exporter knows what arrived: what it counts as sent, the sockets got
	local got sent
	got=$(($(summary_num "$WORK/tcp-before.check" "records received") +
		$(summary_num "$WORK/tcp-after.check" "records received")))
	sent=$(summary_num "$WORK/tcp.out" records)
	[ "$got" = "$sent" ] || fail "TCP: the summary says $sent records went out, $got arrived"
	echo "ipfix: TCP: $sent records sent by the summary, $got received"
}

# ---- backends ---------------------------------------------------------------------------

# contrib/ipfix/nfacctd-backends.conf: nfacctd takes every key, its PostgreSQL and Kafka
# plugins run (no server here: they say so) and the file beside them gets every record.
backends() {
	need ipfixDump nfacctd
	local port c=$TOP/pcaps/ngtcp2/migration.pcap
	port=$(python3 "$TOOLS" freeport udp)
	NFA_CONF=nfacctd-backends.conf start_nfacctd 127.0.0.1 "$port" "$WORK/b.json" backends ||
		{ fail "nfacctd with nfacctd-backends.conf"; return; }
	"$REPLAY" -f conn "$c" >"$WORK/b.conn" 2>/dev/null
	"$REPLAY" -q --export "ipfix://127.0.0.1:$port" "$c" || fail "linkquic-replay --export"
	settle "$WORK/b.json"
	sleep 1
	grep -E "ERROR|WARN|overflow" "$WORK/nfacctd-backends.log" | grep -v "( db/pgsql )" |
		grep -v "Failed connecting" >"$WORK/b.err"
	ps -o pid,stat,cmd --ppid "$NFA_PID" -p "$NFA_PID" >"$WORK/b.ps"
	if [ -s "$WORK/b.err" ] || ! kill -0 "$NFA_PID" 2>/dev/null; then
		cat "$WORK/b.err" "$WORK/b.ps"
		cat "$WORK/nfacctd-backends.log"
		fail "nfacctd-backends.conf: nfacctd complained or died"
	fi
	grep -q "pgsql.*Failed connecting" "$WORK/nfacctd-backends.log" ||
		fail "nfacctd-backends.conf: the PostgreSQL plugin did not try to connect"
	python3 "$CHECK" --label "UDP + nfacctd-backends.conf" --expect "0=$WORK/b.conn" \
		--nfacctd "$WORK/b.json" || fail "nfacctd-backends.conf: the file backend"
}

case $MODE in
elements) elements ;;
backends) backends ;;
replay) replay ;;
restart) restart ;;
*) echo "usage: $0 elements|replay|restart BUILD" >&2; exit 2 ;;
esac
if [ $rc = 0 ]; then echo "ipfix $MODE: PASS in $((SECONDS - T0))s"; else echo "ipfix $MODE: FAIL after $((SECONDS - T0))s"; fi
exit $rc
