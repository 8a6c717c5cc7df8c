#!/usr/bin/env bash
# tests/e2e_live.sh - live equals replay, on real QUIC traffic.
#
# Builds client, router and server hosts in network namespaces
# (tests/lib/netns.sh), runs Debian's ngtcp2 gtlsclient/gtlsserver through the
# router (a server preferred address, plain transfers over IPv4 and IPv6,
# client migration to a new port and to a new address, NAT rebinding by an
# nftables SNAT, a crowd of six parallel connections to one server, three of
# them moving at once) plus non-QUIC UDP and UDP GSO super-packets, while
#   - linkquic-live --middlebox watches the router's two interfaces (XDP),
#   - linkquic-live --endpoint watches the client's interface (XDP in, tc out),
#   - tcpdump captures the same interfaces and directions at the same time,
# and then checks, for each monitor:
#   1. every frame the capture holds was reported, in the same order, per
#      interface and direction (compared byte for byte with the frames the
#      monitor wrote with --write; a GSO segment's IPv4 ID and checksums,
#      which segmentation rewrites after the hook, aside);
#   2. replaying the captured frames with linkquic-replay gives, packet for
#      packet, the live record: verdict, reason, event, connection label,
#      direction (and addresses, lengths, packet types, CIDs, flags);
#   3. the connection table printed by the monitor on exit equals the one
#      the replay prints (times aside);
#   4. nothing was lost or dropped: no lost ring-buffer record, no packet the
#      programs saw without a record, no drop by tcpdump, and every packet
#      the client sent reached the router (client egress = router ingress);
#   5. the per-connection records the monitor wrote (--conn-file, what -f
#      conn prints: SNI, ALPN, JA4, transport parameters from the Initials
#      the kernel sent whole) equal those of linkquic-replay -f conn on the
#      capture, field for field; only "ended" (exit / end_of_input) and the
#      times (the kernel's clock at the hook / tcpdump's) may differ, the
#      times by at most 50 ms.
#
# The capture is replayed in the order the monitor saw the frames. Per
# interface and direction a capture has the order of the wire, and check 1
# proves it equal to the monitor's; across interfaces (the router's two share
# one set of maps) and across directions (the client's XDP and tc share
# theirs) the order is decided by which CPU ran a hook first, which a capture
# cannot record: its taps run at other points, microseconds apart, on other
# CPUs. The bytes and times replayed are the capture's own.
#
# Usage: tests/e2e_live.sh BUILD_DIR   (from anywhere; as root)
# Env:   LQ_E2E_KEEP=1  keep the work directory (captures, records, logs)
# Exit:  0 pass, 1 fail, 2 usage, 77 cannot run here (not root, a tool missing)
#
# Only 198.18.0.0/15 and 2001:db8::/32 are used, inside namespaces this script
# creates and deletes; every process it starts is bounded by timeout(1), and
# the whole run by a watchdog (170 s; it takes 15 to 30 s).

set -u -o pipefail

. "$(dirname "${BASH_SOURCE[0]}")/lib/bin.sh"
lq_live_bin e2e_live "$@"
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
REPLAY=$BUILD/linkquic-replay
[ -x "$REPLAY" ] || { echo "e2e_live: no linkquic-replay in '$BUILD'" >&2; exit 2; }

if [ "$(id -u)" != 0 ]; then
	echo "e2e_live: skipped: needs root (network namespaces, BPF)"
	exit 77
fi
for cmd in ip tc ethtool sysctl nft tcpdump gtlsserver gtlsclient openssl python3 timeout ss; do
	if ! command -v "$cmd" >/dev/null 2>&1; then
		echo "e2e_live: skipped: missing '$cmd' (Debian packages ngtcp2-client," \
			"ngtcp2-server, tcpdump, nftables, openssl, python3)"
		exit 77
	fi
done

# the tables (the monitors' on exit, the replay's) with every column, whatever the terminal
export TZ=UTC LC_ALL=C COLUMNS=300
# shellcheck source=tests/lib/netns.sh
. "$TOP/tests/lib/netns.sh"
# every peer on one CPU: the monitors' programs then classify one packet at a time, so
# their records can be replayed in one order (tests/lib/e2e.sh, LQ_PEER_CPU)
LQ_PEER_CPU=0
# shellcheck source=tests/lib/e2e.sh
. "$TOP/tests/lib/e2e.sh"

# bounded whatever hangs: a watchdog ends the test after 170 s (it takes 15 to 30)
lq_e2e_begin e2e_live 170

# One server port per scenario: a new path is linked through an anchor (the
# server, or the client address and the server) only while exactly one live
# connection sits there, and earlier transfers stay live for --idle-timeout.
PORT=443 # plain transfers (IPv4, IPv6) and the non-QUIC UDP to the QUIC port
PA_PORT=4433 # the server that offers a preferred address
MIG_PORT=4434
MIG2_PORT=4435
NAT_PORT=4436
CROWD_PORT=4437 # a crowd: parallel connections from one address, some moving at once
CROWD=6
SNI=quic.test
LIFETIME=120 # no process started here lives longer
SMALL=20000
LARGE=60000
SLOW=1mbit
MIGRATE_AFTER=150ms

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	-keyout "$WORK/key.pem" -out "$WORK/cert.pem" -days 2 -subj "/CN=$SNI" \
	-addext "subjectAltName=DNS:$SNI" >/dev/null 2>&1 || fail "openssl could not make a certificate"
mkdir -p "$WORK/htdocs"

# Non-QUIC UDP: a responder that answers DNS-like queries and swallows the
# rest, and a sender of datagrams that look like media, DNS, and QUIC (to
# the QUIC server's port and to others) without being QUIC of any connection.

# --- pieces ------------------------------------------------------------------

udp_client() { ip netns exec "$LQ_NS_C" "${LQ_PIN[@]}" timeout 20 python3 "$TOP/tests/udp_peer.py" "$@"; }

CLI_PID=
client_bg() { # TAG [gtlsclient options and arguments]
	local tag=$1
	shift
	ip netns exec "$LQ_NS_C" "${LQ_PIN[@]}" timeout 20 gtlsclient --no-quic-dump --no-http-dump \
		--exit-on-all-streams-close --timeout=5s --sni=$SNI "$@" >"$WORK/client-$tag.log" 2>&1 &
	CLI_PID=$!
	PIDS+=("$CLI_PID")
}
client_wait() { # TAG PID
	if ! wait "$2"; then
		log "client $1 failed; last lines of its log:"
		tail -5 "$WORK/client-$1.log"
		return 1
	fi
	grep -q "QUIC handshake has completed" "$WORK/client-$1.log" ||
		{ log "client $1 never completed the handshake"; return 1; }
}
client() { client_bg "$@" && client_wait "$1" "$CLI_PID"; }
handshake_done() { grep -qs "QUIC handshake has completed" "$WORK/client-$1.log"; }

# capture NS DEV DIR FILE: tcpdump of one interface and direction, all of it.
capture() {
	ip netns exec "$1" timeout $LIFETIME tcpdump -i "$2" -Q "$3" -s 0 -U --immediate-mode \
		-B 16384 --time-stamp-precision=nano -Z root -w "$WORK/$4" 2>"$WORK/$4.log" &
	PIDS+=($!)
	CAPTURES+=("$!:$4")
}

# monitor NAME NS ARGS...: linkquic-live with JSON Lines records, --write and
# the per-connection records.
monitor() {
	local name=$1 ns=$2
	shift 2
	ip netns exec "$ns" timeout $LIFETIME "$LIVE" "$@" -f jsonl -w "$WORK/$name.pcapng" \
		--conn-file "$WORK/$name.conn.jsonl" >"$WORK/$name.jsonl" 2>"$WORK/$name.err" &
	PIDS+=($!)
	MONITORS+=("$!:$name")
}

# --- topology, monitors, captures ------------------------------------------------

lq_netns_setup --client-addr2 --server-addr2 || fail "cannot build the namespaces"
lq_netns_shape $SLOW || fail "cannot shape the router"

CAPTURES=()
MONITORS=()
capture "$LQ_NS_R" "$LQ_IF_RC" in router-rc-in.pcap
capture "$LQ_NS_R" "$LQ_IF_RS" in router-rs-in.pcap
capture "$LQ_NS_C" "$LQ_IF_C" in client-in.pcap
capture "$LQ_NS_C" "$LQ_IF_C" out client-out.pcap
monitor middlebox "$LQ_NS_R" --middlebox "$LQ_IF_RC" "$LQ_IF_RS"
monitor endpoint "$LQ_NS_C" --endpoint "$LQ_IF_C"
for c in "${CAPTURES[@]}"; do
	wait_for 10 "tcpdump ${c#*:}" grep -qs "listening on" "$WORK/${c#*:}.log" ||
		fail "tcpdump did not start"
done
for m in "${MONITORS[@]}"; do
	name=${m#*:}
	if ! wait_for 30 "linkquic-live $name" grep -qs "monitor on" "$WORK/$name.err"; then
		cat "$WORK/$name.err"
		fail "linkquic-live $name did not start"
	fi
	log "$(grep -m1 "monitor on" "$WORK/$name.err")"
done

# --- traffic ------------------------------------------------------------------------

start_server v4 "$LQ_S4" $PORT || fail "server v4"
start_server v6 "$LQ_S6" $PORT || fail "server v6"
start_server pa "$LQ_S4" $PA_PORT --preferred-ipv4-addr="$LQ_S4B:$PA_PORT" || fail "server pa"
start_server mig "$LQ_S4" $MIG_PORT || fail "server mig"
start_server mig2 "$LQ_S4" $MIG2_PORT || fail "server mig2"
start_server nat "$LQ_S4" $NAT_PORT || fail "server nat"
start_server crowd "$LQ_S4" $CROWD_PORT || fail "server crowd"
ip netns exec "$LQ_NS_S" "${LQ_PIN[@]}" timeout $LIFETIME python3 "$TOP/tests/udp_peer.py" serve 60 "$LQ_S4,$LQ_S6" \
	53 5004 9999 >"$WORK/udp-server.log" 2>&1 &
PIDS+=($!)
wait_for 5 "UDP responder" grep -qs ready "$WORK/udp-server.log" || fail "UDP responder"

# The preferred address comes first: its new path is linked through the
# client's address, which must then hold exactly one live connection.
log "traffic: server preferred address"
client preferred "$LQ_S4" $PA_PORT "$(url "$LQ_S4" $PA_PORT $LARGE)" || fail "preferred address"

log "traffic: handshake and transfer over IPv4, non-QUIC UDP beside it"
client_bg plain "$LQ_S4" $PORT "$(url "$LQ_S4" $PORT $SMALL)"
pid=$CLI_PID
udp_client send "$LQ_C4" "$LQ_S4" v4 || fail "UDP sender (IPv4)"
client_wait plain $pid || fail "transfer over IPv4"

log "traffic: UDP GSO super-packets from the client (IPv4 and IPv6)"
udp_client gso "$LQ_C4" "$LQ_S4" gso4 || fail "GSO sender (IPv4)"
udp_client gso "$LQ_C6" "$LQ_S6" gso6 || fail "GSO sender (IPv6)"

log "traffic: IPv6, non-QUIC UDP beside it"
client_bg ipv6 "$LQ_S6" $PORT "$(url "$LQ_S6" $PORT $SMALL)"
pid=$CLI_PID
udp_client send "$LQ_C6" "$LQ_S6" v6 || fail "UDP sender (IPv6)"
client_wait ipv6 $pid || fail "transfer over IPv6"

log "traffic: client migration to a new port (path validation)"
client migration --change-local-addr=$MIGRATE_AFTER \
	"$LQ_S4" $MIG_PORT "$(url "$LQ_S4" $MIG_PORT $LARGE)" || fail "migration"

log "traffic: client migration to its second address"
client_bg migration-addr --change-local-addr=$MIGRATE_AFTER \
	"$LQ_S4" $MIG2_PORT "$(url "$LQ_S4" $MIG2_PORT $LARGE)"
pid=$CLI_PID
wait_for 5 "the client's first socket" handshake_done migration-addr || fail "migration-addr"
lq_client_use_src "$LQ_C4B" "$LQ_C6B" || fail "cannot switch the client's source address"
client_wait migration-addr $pid || fail "migration to the second address"
lq_client_use_src "$LQ_C4" "$LQ_C6" || fail "cannot switch the client's source address back"

# A NAT between the client's QUIC stack and the wire (nftables in the client
# host, so that both monitors see translated packets, as on a link behind a
# home router): in the middle of the transfer the mapping moves from none to
# the second address and another port; the client knows nothing of it.
# Conntrack zones make the switch exact: outgoing packets go to zone 1, then
# to zone 2 where the old entry does not exist and the zone-2 rule maps anew.
# Incoming packets find their entry by address (zone 2 for the new one), so
# that no server packet opens a zone-2 entry the wrong way round.
log "traffic: NAT rebinding (nftables SNAT moves the client mid-transfer)"
lq_in_client nft -f - <<EOF || fail "nft rules"
table ip lqe2e {
	chain out {
		type filter hook output priority raw; policy accept;
		ct zone set 1
	}
	chain pre {
		type filter hook prerouting priority raw; policy accept;
		ip daddr != $LQ_C4B ct zone set 1
		ip daddr $LQ_C4B ct zone set 2
	}
	chain post {
		type nat hook postrouting priority srcnat; policy accept;
		oifname "$LQ_IF_C" ct zone 2 ip saddr $LQ_C4 udp dport $NAT_PORT snat to $LQ_C4B:50000-50999
	}
}
EOF
client_bg nat "$LQ_S4" $NAT_PORT "$(url "$LQ_S4" $NAT_PORT $LARGE)"
pid=$CLI_PID
wait_for 5 "the NAT handshake" handshake_done nat || fail "nat"
sleep 0.15
lq_in_client nft -f - <<EOF || fail "nft switch"
flush chain ip lqe2e out
add rule ip lqe2e out ct zone set 2
EOF
client_wait nat $pid || fail "NAT rebinding"
lq_in_client nft delete table ip lqe2e || fail "nft cleanup"

# A crowd (issue 10): several live connections between one client address and
# one server, half of them moving to a new port while the others go on. The
# tracker links a new path only on evidence that one candidate fits (path
# validation, switch-over, CID lengths); live and replay must decide the same
# at the same frame.
log "traffic: a crowd of $CROWD parallel connections to one server, $((CROWD / 2)) migrating"
crowd_pids=()
for i in $(seq 1 $CROWD); do
	if [ $((i % 2)) = 1 ]; then
		client_bg crowd$i --change-local-addr=$((100 + 60 * i))ms \
			"$LQ_S4" $CROWD_PORT "$(url "$LQ_S4" $CROWD_PORT $LARGE)"
	else
		client_bg crowd$i "$LQ_S4" $CROWD_PORT "$(url "$LQ_S4" $CROWD_PORT $LARGE)"
	fi
	crowd_pids+=("$CLI_PID")
done
for i in $(seq 1 $CROWD); do
	client_wait crowd$i "${crowd_pids[$((i - 1))]}" || fail "crowd connection $i"
done

sleep 0.5 # the last packets through
for m in "${MONITORS[@]}"; do kill -INT "${m%%:*}"; done
for m in "${MONITORS[@]}"; do
	wait "${m%%:*}"
	rc=$?
	name=${m#*:}
	[ $rc = 0 ] || { cat "$WORK/$name.err"; fail "linkquic-live $name exited with $rc"; }
done
for c in "${CAPTURES[@]}"; do kill -INT "${c%%:*}"; done
for c in "${CAPTURES[@]}"; do
	wait "${c%%:*}"
	f=${c#*:}
	if ! grep -q "^0 packets dropped by kernel" "$WORK/$f.log"; then
		cat "$WORK/$f.log"
		fail "tcpdump dropped packets ($f)"
	fi
done
log "traffic done"

# The scenarios happened: what each is about is on the wire (router side).
rc=0
expect_wire() { # WHAT FILE MIN FILTER
	local n
	n=$(tcpdump -nr "$WORK/$2" "$4" 2>/dev/null | wc -l)
	if [ "$n" -ge "$3" ]; then
		log "  on the wire: $1 ($n frames)"
	else
		log "FAIL: not on the wire: $1: $n frames match '$4' in $2, want $3 or more"
		rc=1
	fi
}
expect_wire "replies from the server's preferred address" router-rs-in.pcap 10 \
	"src host $LQ_S4B and udp src port $PA_PORT"
expect_wire "QUIC over IPv6" router-rc-in.pcap 10 "ip6 and udp dst port $PORT"
expect_wire "GSO segments (3 per send)" router-rc-in.pcap 12 "udp dst port 9999 and greater 700"
expect_wire "non-QUIC UDP" router-rc-in.pcap 60 \
	"udp and not udp port $PORT and not udp portrange $PA_PORT-$CROWD_PORT"
ports=$(tcpdump -nr "$WORK/router-rc-in.pcap" "udp dst port $MIG_PORT" 2>/dev/null |
	awk '{print $3}' | sort -u | wc -l)
if [ "$ports" -ge 2 ]; then
	log "  on the wire: migration to a new port ($ports client ports)"
else
	log "FAIL: not on the wire: migration to a new port (client ports to $MIG_PORT: $ports)"
	rc=1
fi
expect_wire "migration to the second address" router-rc-in.pcap 5 \
	"src host $LQ_C4B and udp dst port $MIG2_PORT"
expect_wire "the client before the NAT moved it" router-rc-in.pcap 5 \
	"src host $LQ_C4 and udp dst port $NAT_PORT"
expect_wire "the client after the NAT moved it" router-rc-in.pcap 5 \
	"src host $LQ_C4B and udp src portrange 50000-50999 and udp dst port $NAT_PORT"

ports=$(tcpdump -nr "$WORK/router-rc-in.pcap" "udp dst port $CROWD_PORT" 2>/dev/null |
	awk '{print $3}' | sort -u | wc -l)
if [ "$ports" -ge $((CROWD + CROWD / 2)) ]; then
	log "  on the wire: a crowd of $CROWD connections, $((CROWD / 2)) moving ($ports client ports)"
else
	log "FAIL: not on the wire: the crowd's moves (client ports to $CROWD_PORT: $ports," \
		"want $((CROWD + CROWD / 2)))"
	rc=1
fi

# --- comparison ----------------------------------------------------------------------


log "middlebox (router, XDP on $LQ_IF_RC and $LQ_IF_RS):"
python3 "$TOP/tests/e2e_live_compare.py" middlebox "$REPLAY" "$WORK/middlebox.pcapng" "$WORK/middlebox.jsonl" \
	"$WORK/middlebox.err" "$WORK/middlebox-merged.pcap" \
	"$LQ_IF_RC/xdp=$WORK/router-rc-in.pcap" "$LQ_IF_RS/xdp=$WORK/router-rs-in.pcap" \
	"conn=$WORK/middlebox.conn.jsonl" || rc=1
log "endpoint (client, XDP in and tc out on $LQ_IF_C):"
python3 "$TOP/tests/e2e_live_compare.py" endpoint "$REPLAY" "$WORK/endpoint.pcapng" "$WORK/endpoint.jsonl" \
	"$WORK/endpoint.err" "$WORK/endpoint-merged.pcap" \
	"$LQ_IF_C/xdp=$WORK/client-in.pcap" "$LQ_IF_C/tc-egress=$WORK/client-out.pcap" \
	"conn=$WORK/endpoint.conn.jsonl" || rc=1
log "sent = received on the wire (client egress, router ingress):"
python3 "$TOP/tests/e2e_live_compare.py" --same "$WORK/client-out.pcap" "$WORK/router-rc-in.pcap" || rc=1

if [ $rc = 0 ]; then
	log "PASS in $((SECONDS - T0))s"
else
	LQ_E2E_KEEP=1
	log "FAIL after $((SECONDS - T0))s"
fi
exit $rc
