#!/usr/bin/env bash
# tests/live_ops.sh - linkquic-live run as a service is run: an interface deleted while it
# runs, and back; the pcapng on standard output; -m as in linkquic-replay.
#
#   iface-back-*   the monitored interface is deleted: one line says so; an interface of that
#                  name is made again and brought up: one line says it is monitored again, and
#                  its packets are reported (iface lq-a) as before, and --metrics counts every
#                  packet the programs saw as lq-a's (its counters named again under the new
#                  ifindex); nothing of ours is left on it after the monitor stops (xdp, tcx,
#                  clsact)
#   iface-exit     --iface-gone exit: the deletion stops the monitor, exit 4, summary printed
#   write-stdout   -w - writes pcapng to standard output (linkquic-replay and tcpdump read it,
#                  every packet sent), the table and summary go to stderr
#   maps           -m prints the maps at the end; -m 5 (the old --maps=SECONDS) is one line
#                  naming --maps-every
#   batch-*        records while the monitor runs, handed over in batches (the default) and
#                  one by one (--immediate-mode): one datagram's record comes in well under a
#                  second, not only at the exit; a burst of 1000 (several batches) comes whole
#
# Two network namespaces joined by a veth pair (lq-a 198.18.5.1, lq-b 198.18.5.2): UDP from
# lq-b's side arrives on lq-a, where linkquic-live --middlebox watches.
#
# Usage: tests/live_ops.sh BUILD_DIR   (as root; KEEP=1 keeps the files of the run)
# Exit:  0 every case passed, 1 a case failed, 2 usage, 77 not root (skip)
set -u

. "$(dirname "${BASH_SOURCE[0]}")/lib/bin.sh"
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
lq_live_bin live_ops "$@"
REPLAY=$BUILD/linkquic-replay
if [ "$(id -u)" != 0 ]; then
	echo "live_ops: skipped: needs root (network namespaces, BPF)"
	exit 77
fi
export LC_ALL=C TZ=UTC

NA=lqops$$a NB=lqops$$b
TMP=$(mktemp -d) || exit 2
BG=
cleanup() {
	[ -n "$BG" ] && kill "$BG" 2>/dev/null && wait "$BG" 2>/dev/null
	ip netns del "$NA" 2>/dev/null
	ip netns del "$NB" 2>/dev/null
	if [ -n "${KEEP:-}" ]; then echo "live_ops: files kept in $TMP"; else rm -rf "$TMP"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
passed=0 failed=0
ok() { passed=$((passed + 1)); echo "ok   $1${2:+: $2}"; }
bad() {
	failed=$((failed + 1))
	echo "FAIL $1: $2"
	for f in "$TMP"/*.err; do [ -s "$f" ] && sed "s|^|  $(basename "$f"): |" "$f" | tail -n 8; done
}

ip netns add "$NA" && ip netns add "$NB" || { echo "live_ops: cannot create namespaces" >&2; exit 1; }
ip -n "$NA" link set lo up && ip -n "$NB" link set lo up
# no IPv6 on the veths: fewer packets of the kernel's own between ours
for ns in "$NA" "$NB"; do
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
done
# make_link: the pair, addresses, up (again after a deletion)
make_link() {
	ip link add lq-a netns "$NA" type veth peer name lq-b netns "$NB" &&
		ip -n "$NA" addr add 198.18.5.1/24 dev lq-a &&
		ip -n "$NB" addr add 198.18.5.2/24 dev lq-b &&
		ip -n "$NA" link set lq-a up && ip -n "$NB" link set lq-b up &&
		ip -n "$NB" neigh replace 198.18.5.1 lladdr "$(ip -n "$NA" -br link show lq-a | awk '{print $3}')" dev lq-b nud permanent &&
		ip -n "$NA" neigh replace 198.18.5.2 lladdr "$(ip -n "$NB" -br link show lq-b | awk '{print $3}')" dev lq-a nud permanent
}
make_link || { echo "live_ops: cannot create the veth pair" >&2; exit 1; }
# send N: N UDP datagrams to lq-a's address
send() {
	ip netns exec "$NB" python3 "$TOP/tests/lib/netutil.py" burst 198.18.5.1 9999 "$1" \
		"linkquic live_ops"
}
# wait_for SECONDS FILE PATTERN
wait_for() {
	local i
	for ((i = 0; i < $1 * 20; i++)); do
		grep -q -- "$3" "$2" 2>/dev/null && return 0
		sleep 0.05
	done
	return 1
}
# bg_live ARGS: linkquic-live in lq-a's namespace, in the background, BG its pid. Not "live
# ... &": that would be a subshell, which ignores SIGINT, between us and the monitor.
bg_live() { ip netns exec "$NA" "$LIVE" "$@" & BG=$!; }
# records_of FILE: the records of our datagrams (the kernel's own IPv6 and ARP traffic aside)
records_of() { grep -c '"dport":9999,.*"iface":"lq-a"' "$1"; }
# wait_records SECONDS FILE N
wait_records() {
	local i
	for ((i = 0; i < $1 * 20; i++)); do
		[ "$(records_of "$2")" -ge "$3" ] && return 0
		sleep 0.05
	done
	return 1
}

# ---- iface-back, in each attach mode --------------------------------------------------------
# iface_back NAME ARGS...: the deletion and the interface back under ARGS; nothing of ours
# left on lq-a after the monitor stops
iface_back() {
	local name=$1 before after left url mine all
	shift
	bg_live --middlebox lq-a -l -f jsonl --metrics 127.0.0.1:0 "$@" >"$TMP/back.out" 2>"$TMP/back.err"
	if ! wait_for 30 "$TMP/back.err" 'middlebox monitor on'; then
		bad "$name" "the monitor did not start"
	else
		send 3
		wait_records 5 "$TMP/back.out" 3 || true
		before=$(records_of "$TMP/back.out")
		ip -n "$NA" link del lq-a
		if ! wait_for 5 "$TMP/back.err" 'lq-a: interface deleted'; then
			bad "$name" "no line about the deleted interface"
		else
			make_link
			if ! wait_for 5 "$TMP/back.err" 'lq-a: interface back'; then
				bad "$name" "no line about the interface back"
			else
				send 4
				wait_records 5 "$TMP/back.out" 7 || true
				after=$(records_of "$TMP/back.out")
				# the programs' counters of lq-a go on in its slot under the new ifindex:
				# every packet they saw is lq-a's
				url=$(sed -n 's/^linkquic-live: metrics at //p' "$TMP/back.err" | head -n 1)
				ip netns exec "$NA" curl -s --max-time 5 "$url" >"$TMP/back.prom" 2>/dev/null
				mine=$(awk '/^linkquic_packets_total\{interface="lq-a",/ { n += $NF } END { print n + 0 }' "$TMP/back.prom")
				all=$(awk '/^linkquic_kernel_packets_total\{/ { n += $NF } END { print n + 0 }' "$TMP/back.prom")
				if [ "$before" != 3 ] || [ "$after" != 7 ]; then
					bad "$name" "records of lq-a: $before before the deletion (want 3), $after in all (want 7)"
				elif [ "$mine" -lt 7 ] || [ "$mine" != "$all" ]; then
					bad "$name" "--metrics: $mine packets counted for lq-a, $all by the programs in all (want the same, 7 or more)"
				elif ! kill -0 "$BG" 2>/dev/null; then
					bad "$name" "the monitor is gone"
				else
					ok "$name" "$(grep -E 'interface (deleted|back)' "$TMP/back.err" | sed 's/^linkquic-live: //' | tr '\n' ';') metrics: $mine packets of lq-a"
				fi
			fi
		fi
	fi
	kill -INT "$BG" 2>/dev/null; wait "$BG"; BG=
	left=$(ip netns exec "$NA" bpftool net show dev lq-a 2>/dev/null | grep -E 'lq_|linkquic' ; tc -n "$NA" qdisc show dev lq-a 2>/dev/null | grep clsact)
	[ -n "$left" ] && bad "$name-cleanup" "left on lq-a after the monitor stopped: $left"
	ip -n "$NA" link show lq-a >/dev/null 2>&1 || make_link
	rm -f "$TMP"/*.err
}
iface_back iface-back-xdp
iface_back iface-back-tcx --hook tc
iface_back iface-back-clsact --hook tc --tc-attach clsact

# ---- iface-exit ----------------------------------------------------------------------------
bg_live --middlebox lq-a --iface-gone exit >"$TMP/exit.out" 2>"$TMP/exit.err"
if ! wait_for 30 "$TMP/exit.err" 'middlebox monitor on'; then
	bad iface-exit "the monitor did not start"
	kill "$BG"; wait "$BG"
else
	send 2
	sleep 0.3
	ip -n "$NA" link del lq-a
	for ((i = 0; i < 100; i++)); do kill -0 "$BG" 2>/dev/null || break; sleep 0.05; done
	if kill -0 "$BG" 2>/dev/null; then
		bad iface-exit "still running 5 s after the deletion"
		kill "$BG"; wait "$BG"
	else
		wait "$BG"; rc=$?
		line=$(grep 'interface deleted' "$TMP/exit.err")
		if [ "$rc" != 4 ]; then bad iface-exit "exit $rc, want 4"
		elif [[ $line != *"lq-a: interface deleted"*"--iface-gone exit"* ]]; then bad iface-exit "no line naming lq-a and --iface-gone: $line"
		elif ! grep -q '^2 frames:' "$TMP/exit.out"; then bad iface-exit "no summary of the 2 packets: $(head -c 300 "$TMP/exit.out")"
		else ok iface-exit "exit 4, ${line#linkquic-live: }"
		fi
	fi
fi
BG=
make_link
rm -f "$TMP"/*.err

# ---- write-stdout and maps -----------------------------------------------------------------
bg_live --middlebox lq-a -m -w - -d 4 >"$TMP/w.pcapng" 2>"$TMP/w.err"
if wait_for 30 "$TMP/w.err" 'middlebox monitor on'; then
	send 5
fi
wait "$BG"; rc=$?; BG=
n_replay=$("$REPLAY" -f jsonl "$TMP/w.pcapng" 'udp port 9999' 2>/dev/null | grep -c '"dport":9999')
n_tcpdump=$(tcpdump -nr "$TMP/w.pcapng" 'udp port 9999' 2>/dev/null | wc -l)
n_all=$(tcpdump -nr "$TMP/w.pcapng" 2>/dev/null | wc -l)
if [ "$rc" != 0 ]; then bad write-stdout "exit $rc"
elif [ "$(head -c 4 "$TMP/w.pcapng" | od -An -tx1 | tr -d ' ')" != 0a0d0d0a ]; then bad write-stdout "standard output is no pcapng: $(head -c 40 "$TMP/w.pcapng" | od -c | head -2)"
elif [ "$n_replay" != 5 ] || [ "$n_tcpdump" != 5 ]; then bad write-stdout "linkquic-replay reads $n_replay packets, tcpdump $n_tcpdump (want 5)"
elif ! grep -q "^written: $n_all packets to standard output" "$TMP/w.err" || ! grep -q "^$n_all frames:" "$TMP/w.err"; then bad write-stdout "the summary is not on stderr ($n_all packets written): $(grep -E '^(written|[0-9]+ frames)' "$TMP/w.err")"
else ok write-stdout "5 packets, read by linkquic-replay and tcpdump"
fi
if grep -q '^connections_map: ' "$TMP/w.err" && grep -q '^dcids_map: ' "$TMP/w.err"; then ok maps "-m printed the maps at the end"
else bad maps "-m: no maps at the end"
fi
"$LIVE" --middlebox lq-a -m 5 >/dev/null 2>"$TMP/m.err"; rc=$?
if [ "$rc" = 0 ] || [ "$(wc -l <"$TMP/m.err")" != 1 ] || ! grep -q -- '--maps-every 5' "$TMP/m.err"; then
	bad maps-value "exit $rc: $(cat "$TMP/m.err")"
else
	ok maps-value "$(cat "$TMP/m.err")"
fi

# ---- batch: records of a quiet link and of a burst, while the monitor runs --------------------
# batch NAME ARGS...
batch() {
	local name=$1 t0 t1 n
	shift
	bg_live --middlebox lq-a -l -f jsonl -q "$@" >"$TMP/b.out" 2>"$TMP/b.err"
	if ! wait_for 30 "$TMP/b.err" 'middlebox monitor on'; then
		bad "$name" "the monitor did not start"
	else
		sleep 0.3 # the kernel's own packets of the new link aside
		t0=$(date +%s%N)
		send 1
		if ! wait_records 5 "$TMP/b.out" 1; then
			bad "$name" "one datagram: no record 5 s later while the monitor runs"
		else
			t1=$(date +%s%N)
			send 1000
			wait_records 10 "$TMP/b.out" 1001 || true
			n=$(records_of "$TMP/b.out")
			if [ $(((t1 - t0) / 1000000)) -gt 1000 ]; then
				bad "$name" "one datagram's record came $(((t1 - t0) / 1000000)) ms later (want under 1000)"
			elif [ "$n" != 1001 ]; then
				bad "$name" "a burst of 1000: $((n - 1)) records while the monitor runs (want 1000)"
			else
				ok "$name" "one datagram's record $(((t1 - t0) / 1000000)) ms later, a burst's 1000 records"
			fi
		fi
	fi
	kill -INT "$BG" 2>/dev/null; wait "$BG"; BG=
	rm -f "$TMP"/*.err
}
batch batch-default
batch batch-immediate --immediate-mode

echo "live_ops: $passed passed, $failed failed"
[ $failed = 0 ]
