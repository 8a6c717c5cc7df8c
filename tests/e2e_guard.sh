#!/usr/bin/env bash
# tests/e2e_guard.sh - the guard under a flood: real transfers complete,
# garbage is dropped and counted, nothing legitimate is dropped.
#
# Hosts in network namespaces: client, router and server from
# tests/lib/netns.sh, plus an attacker on a third router interface:
#
#   client  lq-c <--> lq-rc  router  lq-rs <--> lq-s  server (gtlsserver)
#                            lq-ra
#                              ^
#                              v
#                    attacker  lq-a  (flood sources 198.19.0.0/16 and
#                                     2001:db8:100::/40 on its loopback)
#
# linkquic-live --middlebox --guard watches the router's three interfaces
# (XDP) with a long-header rate and a new-connection rate per source. After
# a first transfer over IPv4 and IPv6 (so the servers are known QUIC
# servers: garbage is what is sent to one), tests/flood.py sends a fixed,
# paced flood from the attacker: every garbage class the classifier
# reports, from 224 sources that each stay under the rates, and
# spoofed-looking Initials (well-formed 1200-byte v1 Initials with random
# CIDs) from 5 sources at a high rate (one of them an IPv6 /64 of four
# hosts) and from 176 sources at a low rate; and the attacks on the
# guard's state (tests/flood.py, README "The guard"): an unanswered Initial
# then short headers that try to teach IDs, one-packet rivals, a probe-sized
# flood from 60 sources at the migrating connection's server, and Initials
# spoofed from the real client's own address (the router does no
# reverse-path filtering). While it runs, ngtcp2 gtlsclient transfers go
# from the client: over IPv4 and IPv6, one with a migration to a new port.
# Then:
#   a. every transfer completed: exit status 0, the handshake done, the
#      downloaded file of the size asked for;
#   b. no packet of a real connection was dropped: no record whose address
#      is the client's (but the attacks' spoofed datagrams), or whose label
#      is one of the client's connections, has "action":"drop" (and the
#      migration's probe was linked, the attacks notwithstanding); the
#      attacks' short headers are garbage unknown_dcid or pending, passed,
#      and the spoofed Initials pass (the client is verified);
#   c. the flood as the router saw it is the flood sent, datagram for
#      datagram (per source port, in order, same length); every garbage
#      datagram got verdict garbage, the reason of its class, and was
#      dropped: per reason, dropped = sent, and nothing else was dropped
#      for a garbage reason; the monitor's summary (drops per reason,
#      reasons, verdicts, frames) equals the counts of its records, and no
#      record was lost;
#   d. the Initials: a GCRA model of the two rates (tests/flood.py's
#      settings, the same arithmetic as README "The guard"), run on the
#      kernel's own timestamps of the records (each record's ts is the
#      clock the program read, plus one constant), predicts which Initial
#      is limited (rate_limit or conn_rate) and which passes; the records
#      must say exactly that, so the tolerance is zero. The high-rate
#      sources must be limited and the low-rate ones never; the passes of
#      each high-rate source are also checked against burst + rate x time;
#   e. what was dropped never reached the server: a capture on the
#      server's interface holds, per flood source port, exactly the
#      datagrams the records passed (the same Initials, by DCID), none
#      from a garbage source, and every packet the client sent.
# It prints the benchmark: the flood's rate at the router, and the share
# dropped (garbage, Initials, all).
#
# Usage: tests/e2e_guard.sh BUILD_DIR   (from anywhere; as root)
# Env:   LQ_E2E_KEEP=1        keep the work directory (records, captures, logs)
#        LQ_FLOOD_PPS=N       the flood's rate, datagrams per second (10000)
#        LQ_FLOOD_SECONDS=S   how long it lasts (6)
#        LQ_FLOOD_SEED=N      its random plan (1)
# Exit:  0 pass, 1 fail, 2 usage, 77 cannot run here (not root, a tool missing)
#
# Only 198.18.0.0/15 and 2001:db8::/32 are used, inside namespaces this script
# creates and deletes (answers to the flood's sources go back to the
# attacker namespace); every process it starts is bounded by timeout(1), and
# the whole run by a watchdog (170 s; it takes about 20 s).

# shellcheck disable=SC2015,SC2119,SC2317
# (SC2015: "A && B || fail" is meant: any failure fails; SC2317: functions
# called from traps and through wait_for; SC2119: lq_netns_setup takes options,
# none here.)
set -u -o pipefail

. "$(dirname "${BASH_SOURCE[0]}")/lib/bin.sh"
lq_live_bin e2e_guard "$@"
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

if [ "$(id -u)" != 0 ]; then
	echo "e2e_guard: skipped: needs root (network namespaces, BPF)"
	exit 77
fi
for cmd in ip tc ethtool sysctl tcpdump gtlsserver gtlsclient openssl python3 timeout ss; do
	if ! command -v "$cmd" >/dev/null 2>&1; then
		echo "e2e_guard: skipped: missing '$cmd' (Debian packages ngtcp2-client," \
			"ngtcp2-server, tcpdump, openssl, python3, iproute2, ethtool)"
		exit 77
	fi
done

PPS=${LQ_FLOOD_PPS:-10000}
FLOOD_SECONDS=${LQ_FLOOD_SECONDS:-6}
SEED=${LQ_FLOOD_SEED:-1}
case "$PPS$FLOOD_SECONDS$SEED" in
*[!0-9]*) echo "e2e_guard: LQ_FLOOD_PPS, LQ_FLOOD_SECONDS, LQ_FLOOD_SEED: whole numbers" >&2
	exit 2 ;;
esac

export TZ=UTC LC_ALL=C
# shellcheck source=tests/lib/netns.sh
. "$TOP/tests/lib/netns.sh"
# shellcheck source=tests/lib/e2e.sh
. "$TOP/tests/lib/e2e.sh"

lq_e2e_begin e2e_guard 170

PORT=443     # the flood's target, and the plain transfers
MIG_PORT=4434 # the migration's own server: its probe is linked through the
              # anchor "client address + server", which must hold one connection
SNI=quic.test
LIFETIME=120
# The guard: long headers per source (IPv6 /64) 200/s, burst 50; new
# connections per source 20/s, burst 10. The client's handshakes (a few long
# headers each, seven connections) stay far below; the flood's high-rate
# sources (500 Initials/s) go far over; its low-rate ones (1/s) and each
# garbage source (about 30/s, 5/8 of them long headers) stay under.
GUARD_RATE=200:50
GUARD_CONN_RATE=20:10
SHAPE=20mbit # the router towards the client: transfers last long enough to migrate
SIZE=300000
MIG_SIZE=1500000
MIGRATE_AFTER=150ms

# The attacker: a fourth host on the router.
LQ_NS_A=${LQ_PFX}attacker
IF_A=lq-a
IF_RA=lq-ra
MAC_A=02:1c:00:00:03:02
MAC_RA=02:1c:00:00:03:01
A4=198.18.3.2
RA4=198.18.3.1
A6=2001:db8:3::2
RA6=2001:db8:3::1
FLOOD_NET4=198.19.0.0/16
FLOOD_NET6=2001:db8:100::/40

# --- topology ------------------------------------------------------------------------

attacker_setup() {
	_lq_ns_new "$LQ_NS_A" || return 1
	# One queue each way: one XDP context sees every flood datagram, in the
	# order sent, so the rate model can replay the guard's decisions exactly.
	ip link add "$IF_A" numtxqueues 1 numrxqueues 1 netns "$LQ_NS_A" type veth \
		peer name "$IF_RA" numtxqueues 1 numrxqueues 1 netns "$LQ_NS_R" ||
		{ echo "cannot create veth attacker<->router" >&2; return 1; }
	_lq_addr "$LQ_NS_A" "$IF_A" "$A4" "$A6" &&
		_lq_addr "$LQ_NS_R" "$IF_RA" "$RA4" "$RA6" &&
		_lq_link_up "$LQ_NS_A" "$IF_A" "$MAC_A" &&
		_lq_link_up "$LQ_NS_R" "$IF_RA" "$MAC_RA" &&
		_lq_wait_oper_up "$LQ_NS_A" "$IF_A" &&
		_lq_wait_oper_up "$LQ_NS_R" "$IF_RA" || return 1
	_lq_neigh "$LQ_NS_A" "$IF_A" "$MAC_RA" "$RA4" "$RA6" &&
		_lq_neigh "$LQ_NS_R" "$IF_RA" "$MAC_A" "$A4" "$A6" || return 1
	ip -n "$LQ_NS_A" route add default via "$RA4" &&
		ip -n "$LQ_NS_A" -6 route add default via "$RA6" &&
		ip -n "$LQ_NS_R" route add "$FLOOD_NET4" via "$A4" &&
		ip -n "$LQ_NS_R" -6 route add "$FLOOD_NET6" via "$A6" || return 1
	# every flood source is a local address of the attacker (its loopback)
	python3 "$TOP/tests/flood.py" addrs --attacks --spoof4 "$LQ_C4" | while read -r a; do
		case $a in
		*:*) echo "address add $a/128 dev lo nodad" ;;
		*) echo "address add $a/32 dev lo" ;;
		esac
	done | ip -n "$LQ_NS_A" -batch - || return 1
	# the attacks spoof the client's address from here: the router takes
	# them as they come (no reverse-path filter)
	ip netns exec "$LQ_NS_R" sysctl -qw net.ipv4.conf.all.rp_filter=0 \
		net.ipv4.conf."$IF_RA".rp_filter=0 || return 1
	# a queue on the attacker's side: a full veth ring pushes back on the
	# sender instead of losing datagrams unseen
	tc -n "$LQ_NS_A" qdisc add dev "$IF_A" root pfifo limit 50000
}

lq_netns_setup || fail "cannot build the namespaces"
attacker_setup || fail "cannot build the attacker"
tc -n "$LQ_NS_R" qdisc add dev "$LQ_IF_RC" root handle 1: htb default 1 &&
	tc -n "$LQ_NS_R" class add dev "$LQ_IF_RC" parent 1: classid 1:1 htb rate $SHAPE ceil $SHAPE quantum 1514 ||
	fail "cannot shape the router towards the client"

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	-keyout "$WORK/key.pem" -out "$WORK/cert.pem" -days 2 -subj "/CN=$SNI" \
	-addext "subjectAltName=DNS:$SNI" >/dev/null 2>&1 || fail "openssl could not make a certificate"
mkdir -p "$WORK/htdocs"

# --- pieces --------------------------------------------------------------------------

# client_bg TAG ADDR PORT SIZE [gtlsclient options]: a transfer in the background.
CLIENTS=()
client_bg() {
	local tag=$1 addr=$2 port=$3 size=$4
	shift 4
	mkdir -p "$WORK/dl-$tag"
	ip netns exec "$LQ_NS_C" timeout 30 gtlsclient --no-quic-dump --no-http-dump \
		--exit-on-all-streams-close --timeout=5s --sni=$SNI --download="$WORK/dl-$tag" "$@" \
		"$addr" "$port" "$(url "$addr" "$port" "$size")" >"$WORK/client-$tag.log" 2>&1 &
	PIDS+=($!)
	CLIENTS+=("$!:$tag:$size")
}
# client_wait PID:TAG:SIZE: exit status, handshake, downloaded size.
client_wait() {
	local pid=${1%%:*} rest=${1#*:} tag size got
	tag=${rest%%:*}
	size=${rest#*:}
	if ! wait "$pid"; then
		log "transfer $tag failed; last lines of its log:"
		tail -5 "$WORK/client-$tag.log"
		return 1
	fi
	grep -q "QUIC handshake has completed" "$WORK/client-$tag.log" ||
		{ log "transfer $tag never completed the handshake"; return 1; }
	got=$(stat -c %s "$WORK/dl-$tag/$size" 2>/dev/null || echo none)
	[ "$got" = "$size" ] ||
		{ log "transfer $tag: downloaded $got bytes, asked for $size"; return 1; }
	log "  transfer $tag: $size bytes"
}
clients_wait() {
	local c bad=0
	for c in "${CLIENTS[@]}"; do client_wait "$c" || bad=1; done
	CLIENTS=()
	return $bad
}

# --- monitor, capture, servers ---------------------------------------------------------

ip netns exec "$LQ_NS_S" timeout $LIFETIME tcpdump -i "$LQ_IF_S" -Q in -s 160 -U \
	--immediate-mode -B 65536 -Z root -w "$WORK/server-in.pcap" udp 2>"$WORK/tcpdump.log" &
TCPDUMP=$!
PIDS+=("$TCPDUMP")
ip netns exec "$LQ_NS_R" timeout $LIFETIME "$LIVE" --middlebox "$LQ_IF_RC" "$LQ_IF_RS" "$IF_RA" \
	--guard --guard-rate=$GUARD_RATE --guard-conn-rate=$GUARD_CONN_RATE -f jsonl \
	>"$WORK/guard.jsonl" 2>"$WORK/guard.err" &
MONITOR=$!
PIDS+=("$MONITOR")
wait_for 10 tcpdump grep -qs "listening on" "$WORK/tcpdump.log" || fail "tcpdump did not start"
if ! wait_for 30 linkquic-live grep -qs "monitor on" "$WORK/guard.err"; then
	cat "$WORK/guard.err"
	fail "linkquic-live did not start"
fi
log "$(grep -m1 "monitor on" "$WORK/guard.err")"

start_server v4 "$LQ_S4" $PORT -q || fail "server v4"
start_server v6 "$LQ_S6" $PORT -q || fail "server v6"
start_server mig "$LQ_S4" $MIG_PORT -q || fail "server mig"

# --- traffic ---------------------------------------------------------------------------

# Before the flood: the servers answer a client, so the monitor knows them
# as QUIC servers (what is sent to one and is not QUIC is garbage).
log "before the flood: a transfer over IPv4 and one over IPv6"
client_bg first4 "$LQ_S4" $PORT 20000
client_bg first6 "$LQ_S6" $PORT 20000
clients_wait || fail "transfers before the flood"

log "flood: $PPS datagrams/s for ${FLOOD_SECONDS}s from the attacker (seed $SEED)"
ip netns exec "$LQ_NS_A" timeout $((FLOOD_SECONDS + 30)) python3 "$TOP/tests/flood.py" send \
	--to4 "$LQ_S4" --to6 "$LQ_S6" --port $PORT --rate "$PPS" --duration "$FLOOD_SECONDS" \
	--seed "$SEED" --attack-port $MIG_PORT --spoof4 "$LQ_C4" \
	--log "$WORK/flood.log" >"$WORK/flood.json" 2>"$WORK/flood.err" &
FLOOD=$!
PIDS+=("$FLOOD")
wait_for 20 "the flood to start" grep -qs "planned" "$WORK/flood.err" || fail "flood.py did not start"
sleep 1

log "during the flood: transfers over IPv4 and IPv6, one migrating to a new port"
client_bg plain4a "$LQ_S4" $PORT $SIZE
client_bg plain6 "$LQ_S6" $PORT $SIZE
client_bg migration "$LQ_S4" $MIG_PORT $MIG_SIZE --change-local-addr=$MIGRATE_AFTER
sleep 1.5
client_bg plain4b "$LQ_S4" $PORT $SIZE
client_bg plain4c "$LQ_S4" $PORT $SIZE
clients_wait || fail "transfers during the flood"
kill -0 $FLOOD 2>/dev/null || log "WARNING: the flood ended before the transfers did"

wait $FLOOD
rc=$?
[ $rc = 0 ] || { cat "$WORK/flood.err"; fail "flood.py exited with $rc (not all sent)"; }
log "flood done: $(tail -n 1 "$WORK/flood.err")"

sleep 0.5 # the last packets through
kill -INT $MONITOR
wait $MONITOR
rc=$?
[ $rc = 0 ] || { tail -20 "$WORK/guard.err"; fail "linkquic-live exited with $rc"; }
kill -INT $TCPDUMP
wait $TCPDUMP
grep -q "^0 packets dropped by kernel" "$WORK/tcpdump.log" ||
	{ cat "$WORK/tcpdump.log"; fail "tcpdump dropped packets"; }
ip -n "$LQ_NS_A" -s link show dev "$IF_A" >"$WORK/attacker-link.txt"
tc -n "$LQ_NS_A" -s qdisc show dev "$IF_A" >"$WORK/attacker-qdisc.txt"

# --- checks ----------------------------------------------------------------------------


log "checks:"
LQ_DROP_CLASSES=$("$LIVE" --vocabulary | awk '$1 == "reason" && $3 ~ /(^|,)drop(,|$)/ { print $2 }' | paste -sd, -) \
	python3 "$TOP/tests/e2e_guard_check.py" "$WORK" $GUARD_RATE $GUARD_CONN_RATE "$LQ_IF_RC" "$IF_RA" "$LQ_C4,$LQ_C6"
rc=$?
if [ $rc = 0 ]; then
	log "PASS in $((SECONDS - T0))s"
else
	LQ_E2E_KEEP=1
	log "attacker's link and queue:"
	sed 's/^/    /' "$WORK/attacker-link.txt" "$WORK/attacker-qdisc.txt"
	log "FAIL after $((SECONDS - T0))s"
fi
exit $rc
