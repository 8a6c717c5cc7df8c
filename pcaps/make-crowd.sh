#!/usr/bin/env bash
# shellcheck disable=SC2015 # "A && B || { report; return 1; }" is meant: any failure reports.
# pcaps/make-crowd.sh - regenerate the crowd captures of issue 10 in pcaps/crowd/.
#
# Crowds: many live QUIC connections at one client address, one NAT address
# or one server, several of them moving to a new path at overlapping times
# while others end.  Made like pcaps/make-ngtcp2.sh (and with its pieces,
# pcaps/lib-ngtcp2.sh): Debian's ngtcp2 examples gtlsserver and gtlsclient in
# the network namespaces of tests/lib/netns.sh, tcpdump on the router's
# server-facing veth.  For each scenario NAME it writes NAME.pcap, NAME.keys
# (every client's TLS key log, one after the other) and NAME.truth
# (tests/groundtruth.py), then checks: every UDP datagram is QUIC and
# decrypts, the truth has the scenario's number of connections and of
# movers (connections on more than one 4-tuple, tests/crowd_moves.py), every
# mover carries response data on its last path, and the scenario's events
# are on the wire.  pcaps/README.md ("Crowds") describes every scenario.
#
# The router limits both directions to $RATE with a queue of $QUEUE packets,
# so that the transfers of a crowd overlap and a move lands in one.  The
# moves are timed from each client's handshake (--change-local-addr) and
# its request from the same moment (--delay-stream): a mover asks 50 ms
# before it moves, so the move falls in the first round trips of its
# response; a stayer asks late enough for its response to end around the
# moves.  A scenario that fails its checks (the timing is real, and now and
# then a transfer ends before its move) is run a second time.
#
# Usage: pcaps/make-crowd.sh [-o DIR] [-k] [SCENARIO...]
#   -o DIR   write captures to DIR (default: pcaps/crowd beside this script)
#   -k       keep the work directory (logs, per-client key logs) and print
#            its path
#   SCENARIO one or more of: crowd-host crowd-host-nat crowd-cgnat
#            crowd-preferred crowd-ipv6 (default: all)
#
# Examples:
#   sudo pcaps/make-crowd.sh                  # all scenarios
#   sudo pcaps/make-crowd.sh -k crowd-cgnat   # one, keep logs for a look
#
# Needs root (namespaces), and: ip, ethtool, tc, nft, tcpdump, tshark,
# gtlsserver, gtlsclient (Debian ngtcp2-server/ngtcp2-client), openssl,
# python3, timeout, ss, setpriv.  It installs nothing.  Only 198.18.0.0/15
# and 2001:db8::/32 are used, inside namespaces it creates and deletes.
#
# How a client is steered: each client runs as its own unprivileged user ID
# (2001, 2002, ...; setpriv) with its own routing table, chosen by an
# "ip rule uidrange" in the client namespace.  The table's default route
# sets the source address of every socket that client opens, so clients of
# one namespace act as different hosts, and an address change is one route
# replaced between the client's first socket and the one ngtcp2 opens for
# --change-local-addr (ngtcp2 asks the kernel for the source address of a
# new socket, and the kernel answers for the asking user).

set -u -o pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOP=$(dirname "$HERE")
OUT=$HERE/crowd
KEEP=0

SCENARIOS=(crowd-host crowd-host-nat crowd-cgnat crowd-preferred crowd-ipv6)

PORT=443
# The second server port in crowd-cgnat (its server sends Retry).
PORT_RETRY=8443
SNI=quic.test
# Bounds: no process lives longer than this, whatever happens.
SERVER_LIFETIME=60
CLIENT_LIFETIME=20
# The router's rate, both directions (tc htb): a crowd's transfers overlap
# and a move lands in the middle of them.  (No delay is added: this kernel
# has no netem, so a round trip is the veths' plus the router's queue.)
RATE=2mbit
# The router's queue behind the rate, in packets (about 290 ms at $RATE).
QUEUE=50
# crowd-cgnat: the NAT's one public address (on the router's server side),
# the port range of mappings made after a NAT rebinding, more client hosts
# and a third server address (the preferred address of the third server).
PUB4=198.18.2.100
PUB6=2001:db8:2::100
REBIND_PORTS=20000-20999
HOSTS4=(198.18.1.2 198.18.1.3 198.18.1.4 198.18.1.5 198.18.1.6 198.18.1.7)
HOSTS6=(2001:db8:1::2 2001:db8:1::3 2001:db8:1::4 2001:db8:1::5 2001:db8:1::6 2001:db8:1::7)
S4C=198.18.2.4
S6C=2001:db8:2::4
# First user ID (and routing table) of the clients.
UID0=2000

GEN=make-crowd.sh
WORK_TAG=crowd
# tshark dissects everything on the server ports as QUIC: its heuristic
# misses short headers sent with the preferred_address CID to anywhere but
# the preferred address, and ngtcp2 clients use that CID when they change
# port or address (tests/groundtruth.py, "Decode-as").
DECODE_AS=("udp.port==$PORT,quic" "udp.port==$PORT_RETRY,quic")
TSHARK_OPTS=(-d "${DECODE_AS[0]}" -d "${DECODE_AS[1]}")
# shellcheck source=pcaps/lib-ngtcp2.sh
. "$HERE/lib-ngtcp2.sh"

gen_args "$@"
gen_init setpriv
# The clients run unprivileged: they reach their key log directory and the
# upload body (and nothing else) through the work directory.
chmod 711 "$WORK"
UPLOAD=$WORK/upload/40000
mkdir -p "$WORK/upload" && head -c 40000 /dev/zero | tr '\0' u >"$UPLOAD" &&
	chmod 755 "$WORK/upload" && chmod 644 "$UPLOAD" || die "cannot write the upload body"

# --- the crowd's pieces ------------------------------------------------------

# crowd_hosts A...: more addresses for the client namespace (IPv4 or IPv6),
# with the router's static neighbour entries for them.
crowd_hosts() {
	local a
	for a in "$@"; do
		ip -n "$LQ_NS_C" addr show dev "$LQ_IF_C" | grep -q " ${a}/" && continue
		case $a in
		*:*)
			ip -n "$LQ_NS_C" -6 addr add "$a/$LQ_PLEN6" dev "$LQ_IF_C" nodad &&
				ip -n "$LQ_NS_R" -6 neigh replace "$a" lladdr "$LQ_MAC_C" dev "$LQ_IF_RC" nud permanent ;;
		*)
			ip -n "$LQ_NS_C" addr add "$a/$LQ_PLEN4" dev "$LQ_IF_C" &&
				ip -n "$LQ_NS_R" neigh replace "$a" lladdr "$LQ_MAC_C" dev "$LQ_IF_RC" nud permanent ;;
		esac || { log "  cannot add client address $a"; return 1; }
	done
}

# crowd_server_addr A4 A6: one more server address (the router knows it).
crowd_server_addr() {
	ip -n "$LQ_NS_S" addr add "$1/$LQ_PLEN4" dev "$LQ_IF_S" &&
		ip -n "$LQ_NS_S" -6 addr add "$2/$LQ_PLEN6" dev "$LQ_IF_S" nodad &&
		ip -n "$LQ_NS_R" neigh replace "$1" lladdr "$LQ_MAC_S" dev "$LQ_IF_RS" nud permanent &&
		ip -n "$LQ_NS_R" -6 neigh replace "$2" lladdr "$LQ_MAC_S" dev "$LQ_IF_RS" nud permanent ||
		{ log "  cannot add server address $1 $2"; return 1; }
}

# crowd_begin NAME [lq_netns_setup options]: the scenario's name (NAME; its
# clients' key logs go to KEYDIR), the topology and the router's rate.
crowd_begin() {
	NAME=$1
	shift
	KEYDIR=$WORK/keys-$NAME
	rm -rf "$KEYDIR"
	mkdir -p "$KEYDIR" && chmod 1777 "$KEYDIR" || return 1
	lq_netns_setup "$@" && lq_netns_shape $RATE || return 1
	# A short queue behind the rate limit: an access link's buffer, not
	# txqueuelen's 1000 packets (seconds of queueing at this rate).
	tc -n "$LQ_NS_R" qdisc add dev "$LQ_IF_RC" parent 1:1 handle 10: pfifo limit $QUEUE &&
		tc -n "$LQ_NS_R" qdisc add dev "$LQ_IF_RS" parent 1:1 handle 10: pfifo limit $QUEUE ||
		{ log "  cannot set the router's queues"; return 1; }
}

# crowd_route UID ADDR: sockets of user UID get source ADDR from now on.
crowd_route() {
	local uid=$1 a=$2
	case $a in
	*:*) ip -n "$LQ_NS_C" -6 route replace default via "$LQ_RC6" src "$a" table "$uid" ;;
	*) ip -n "$LQ_NS_C" route replace default via "$LQ_RC4" src "$a" table "$uid" ;;
	esac
}

# crowd_server TAG ADDR PORT [gtlsserver options]: a server ('*' for every
# address), logging to $WORK/NAME.server-TAG.log; returns once it listens.
crowd_server() {
	local tag=$1 addr=$2 port=$3 want
	shift 3
	ip netns exec "$LQ_NS_S" timeout "$SERVER_LIFETIME" gtlsserver \
		--no-quic-dump --no-http-dump -d "$WORK/htdocs" "$@" \
		"$addr" "$port" "$WORK/key.pem" "$WORK/cert.pem" >"$WORK/$NAME.server-$tag.log" 2>&1 &
	PIDS+=("$!")
	case $addr in
	'*') want="0.0.0.0:$port" ;;
	*:*) want="[$addr]:$port" ;;
	*) want="$addr:$port" ;;
	esac
	wait_for 5 "gtlsserver $tag to listen" _crowd_listening "$want"
}

# (A fixed string: an IPv6 address in brackets is no pattern.)
_crowd_listening() { ip netns exec "$LQ_NS_S" ss -Hlun 2>/dev/null | grep -qF -- "$1 "; }

crowd_url() { # crowd_url ADDR PORT PATH
	case $1 in
	*:*) echo "https://[$1]:$2/$3" ;;
	*) echo "https://$1:$2/$3" ;;
	esac
}

# crowd_sent TAG: the client has sent its first datagram (so its first
# socket is bound); crowd_port TAG: that socket's port.
crowd_sent() { grep -qs "^Sent packet" "$WORK/$NAME.$1.log"; }
crowd_port() {
	sed -n 's/^Sent packet: local=.*:\([0-9]*\) remote=.*/\1/p' "$WORK/$NAME.$1.log" | head -n 1
}

# crowd_rebind TAG HOST DELAY: the router's NAT forgets the client's mapping
# DELAY seconds after its handshake, as a NAT does when a mapping times out:
# from then on its packets are in conntrack zone 2, where the NAT maps them
# anew (to $PUB4, ports $REBIND_PORTS), and what the server still sends to
# the old mapping is dropped.  The client knows nothing of it.
crowd_rebind() {
	local tag=$1 host=$2 delay=$3 port
	wait_for 10 "handshake of $tag" handshake_done "$NAME" "$tag" || return 1
	sleep "$delay"
	port=$(crowd_port "$tag")
	[ -n "$port" ] || { log "  no port for $tag"; return 1; }
	lq_in_router nft -f - <<EOF || { log "  nft rebinding of $tag failed"; return 1; }
add rule ip lqcgnat pre ip saddr $host udp sport $port ct zone set 2
add rule ip lqcgnat late ct zone 0 ct direction reply ip daddr $host udp dport $port drop
EOF
	log "  $tag ($host:$port) rebound by the NAT"
}

# crowd_run SPEC...: start the crowd and wait for every client.  A SPEC
# is one client, as words:
#   TAG START SRC MOVE DST PORT SIZE [gtlsclient options...]
# START: milliseconds after the first client; SRC: its source address (its
# own user ID and routing table); DST PORT: the server; SIZE: bytes to GET;
# MOVE: '-', or src=ADDR (its source address switches to ADDR once its first
# socket is bound: with --change-local-addr an address change), or
# nat=SECONDS (crowd_rebind that long after its handshake).
crowd_run() {
	local spec tag start src move dst port size opts uid t0 now wait pids=() tags=() \
		helpers=() i rc=0 specs=("$@")
	# Every client's routing first, so that starting one costs little.
	uid=$UID0
	for spec in "${specs[@]}"; do
		# shellcheck disable=SC2086 # the spec is words on purpose
		set -- $spec
		uid=$((uid + 1))
		crowd_route $uid "$3" || { log "  cannot route $1"; return 1; }
		case $3 in
		*:*) ip -n "$LQ_NS_C" -6 rule add uidrange $uid-$uid lookup $uid pref 100 ;;
		*) ip -n "$LQ_NS_C" rule add uidrange $uid-$uid lookup $uid pref 100 ;;
		esac || { log "  cannot add the rule of $1"; return 1; }
	done
	uid=$UID0
	t0=${EPOCHREALTIME/./}
	for spec in "${specs[@]}"; do
		# shellcheck disable=SC2086 # the spec is words on purpose
		set -- $spec
		tag=$1 start=$2 src=$3 move=$4 dst=$5 port=$6 size=$7
		shift 7
		opts=("$@")
		uid=$((uid + 1))
		# Emptied here, not by the client's redirection: a helper must
		# never read a log of an earlier attempt.
		: >"$WORK/$NAME.$tag.log"
		now=${EPOCHREALTIME/./}
		wait=$((t0 + start * 1000 - now))
		if [ $wait -gt 0 ]; then
			sleep "$((wait / 1000000)).$(printf %06d $((wait % 1000000)))"
		fi
		ip netns exec "$LQ_NS_C" setpriv --reuid=$uid --regid=$uid --clear-groups \
			env SSLKEYLOGFILE="$KEYDIR/$tag.keys" \
			timeout "$CLIENT_LIFETIME" gtlsclient --no-quic-dump --no-http-dump \
			--exit-on-all-streams-close --timeout=5s --sni="$SNI" "${opts[@]}" \
			"$dst" "$port" "$(crowd_url "$dst" "$port" "$size")" \
			>"$WORK/$NAME.$tag.log" 2>&1 &
		pids+=($!)
		tags+=("$tag")
		PIDS+=($!)
		case $move in
		-) ;;
		src=*)
			(wait_for 5 "$tag to send" crowd_sent "$tag" && crowd_route $uid "${move#src=}") &
			helpers+=($!)
			PIDS+=($!) ;;
		nat=*)
			crowd_rebind "$tag" "$src" "${move#nat=}" &
			helpers+=($!)
			PIDS+=($!) ;;
		*) log "  bad move '$move' of $tag"; return 1 ;;
		esac
	done
	for i in "${!pids[@]}"; do
		client_wait "$NAME" "${tags[$i]}" "${pids[$i]}" || rc=1
	done
	for i in "${helpers[@]}"; do
		wait "$i" || { log "  a helper failed"; rc=1; }
	done
	return $rc
}

# crowd_finish NAME CONNECTIONS MOVERS: the key log, the truth and the
# checks every crowd capture passes.
crowd_finish() {
	local n=$1 conns=$2 movers=$3 counts got seen
	stop_capture "$n" || return 1
	got=$(sed -n 's/^\([0-9]*\) packets captured$/\1/p' "$WORK/$n.tcpdump.log")
	seen=$(sed -n 's/^\([0-9]*\) packets received by filter$/\1/p' "$WORK/$n.tcpdump.log")
	[ -n "$got" ] && [ "$got" = "$seen" ] ||
		{ log "  tcpdump wrote ${got:-?} of the ${seen:-?} packets its filter passed"; return 1; }
	cat "$KEYDIR"/*.keys >"$OUT/$n.keys" || return 1
	common_checks "$n" || return 1
	expect_none "$n" "udp && !icmp && !icmpv6 && !quic" "UDP datagrams that are not QUIC" &&
		expect_none "$n" "!icmp && !icmpv6 && (quic.decryption_failed || quic.remaining_payload)" \
			"QUIC packets tshark cannot decrypt" || return 1
	{
		echo "# tests/groundtruth.py --decode-as ${DECODE_AS[0]} --decode-as ${DECODE_AS[1]} $n.pcap $n.keys"
		python3 "$TOP/tests/groundtruth.py" --decode-as "${DECODE_AS[0]}" --decode-as "${DECODE_AS[1]}" \
			"$OUT/$n.pcap" "$OUT/$n.keys"
	} >"$OUT/$n.truth" || { log "  tests/groundtruth.py failed"; return 1; }
	counts=$(python3 "$TOP/tests/crowd_moves.py" --counts "$OUT/$n.pcap" "$OUT/$n.truth") ||
		{ log "  tests/crowd_moves.py failed"; return 1; }
	log "  $counts"
	[ "$counts" = "connections $conns movers $movers unlabelled 0 movers-without-data 0" ] ||
		{ log "  expected connections $conns movers $movers unlabelled 0 movers-without-data 0"; return 1; }
}

# --- scenarios -------------------------------------------------------------
# Each runs in a fresh topology and returns non-zero if anything is off.

C4=198.18.1.2 C4B=198.18.1.3 C6=2001:db8:1::2 C6B=2001:db8:1::3
NOPREF=--no-preferred-addr

# One host (two IPv4 and two IPv6 addresses), ten connections to one server
# (one process on every address, port 443, preferred address $LQ_S4B): five
# start first and stay; their requests wait (--delay-stream) so that their
# transfers end around the moves.  Five start a little later, into the
# crowd, and move: four 150 ms after their handshakes, 50 ms after their
# request (so in the first round trip of the response), a port change and
# an address change over IPv4 and over IPv6; the fifth as soon as its
# handshake is confirmed, to the server's preferred address (its request
# waits 150 ms, as in crowd-preferred).
sc_crowd_host() {
	local n=crowd-host
	crowd_host_net $n || return 1
	crowd_run \
		"h01 0 $C4 - $LQ_S4 $PORT 20000 $NOPREF --delay-stream=100ms" \
		"h02 10 $C6 - $LQ_S6 $PORT 15000 $NOPREF --delay-stream=150ms" \
		"h03 20 $C4B - $LQ_S4 $PORT 12000 $NOPREF --delay-stream=200ms" \
		"h04 30 $C4 - $LQ_S4 $PORT 15000 $NOPREF --delay-stream=250ms" \
		"h05 40 $C6 - $LQ_S6 $PORT 10000 $NOPREF --delay-stream=300ms" \
		"h06 80 $C4 - $LQ_S4 $PORT 40000 $NOPREF --delay-stream=100ms --change-local-addr=150ms" \
		"h07 90 $C6 - $LQ_S6 $PORT 40000 $NOPREF --delay-stream=100ms --change-local-addr=150ms" \
		"h08 100 $C4 src=$C4B $LQ_S4 $PORT 40000 $NOPREF --delay-stream=100ms --change-local-addr=150ms" \
		"h09 110 $C6 src=$C6B $LQ_S6 $PORT 40000 $NOPREF --delay-stream=100ms --change-local-addr=150ms" \
		"h10 150 $C4 - $LQ_S4 $PORT 50000 --delay-stream=150ms" || return 1
	crowd_finish $n 10 5 && crowd_host_checks $n &&
		# Four client-side path validations and the preferred address.
		expect_distinct $n 5 "(ip.dst == $LQ_S4 || ip.dst == $LQ_S4B || ipv6.dst == $LQ_S6) && quic.frame_type == 0x1a" \
			udp.srcport "client ports sending PATH_CHALLENGE"
}

# crowd-host with --nat-rebinding for the four movers that change their
# local address: a new port or address without path validation, the same
# connection IDs.  ngtcp2's client then sends nothing on its new socket
# until it has something to send (and it ignores what arrives on the old
# one): a mover that only downloads idles out.  So these movers upload a
# 40000-byte body (POST), which is in flight when they move: the PTO
# retransmission opens the new path.
sc_crowd_host_nat() {
	local n=crowd-host-nat rb="--nat-rebinding -m POST -d $UPLOAD"
	crowd_host_net $n || return 1
	crowd_run \
		"h01 0 $C4 - $LQ_S4 $PORT 20000 $NOPREF --delay-stream=100ms" \
		"h02 10 $C6 - $LQ_S6 $PORT 15000 $NOPREF --delay-stream=150ms" \
		"h03 20 $C4B - $LQ_S4 $PORT 12000 $NOPREF --delay-stream=200ms" \
		"h04 30 $C4 - $LQ_S4 $PORT 15000 $NOPREF --delay-stream=250ms" \
		"h05 40 $C6 - $LQ_S6 $PORT 10000 $NOPREF --delay-stream=300ms" \
		"h06 80 $C4 - $LQ_S4 $PORT 20000 $NOPREF --delay-stream=100ms --change-local-addr=150ms $rb" \
		"h07 90 $C6 - $LQ_S6 $PORT 20000 $NOPREF --delay-stream=100ms --change-local-addr=150ms $rb" \
		"h08 100 $C4 src=$C4B $LQ_S4 $PORT 20000 $NOPREF --delay-stream=100ms --change-local-addr=150ms $rb" \
		"h09 110 $C6 src=$C6B $LQ_S6 $PORT 20000 $NOPREF --delay-stream=100ms --change-local-addr=150ms $rb" \
		"h10 150 $C4 - $LQ_S4 $PORT 50000 --delay-stream=150ms" || return 1
	crowd_finish $n 10 5 && crowd_host_checks $n &&
		# The movers start no validation of their own: the server does.
		expect_distinct $n 4 "(ip.src == $LQ_S4 || ipv6.src == $LQ_S6) && quic.frame_type == 0x1a" \
			udp.dstport "client ports the server sends PATH_CHALLENGE to" &&
		expect $n 1 "(ip.dst == $LQ_S4 || ipv6.dst == $LQ_S6) && quic.frame_type == 0x1b" \
			"PATH_RESPONSE from the movers"
}

# The network of crowd-host and crowd-host-nat, their capture and server.
crowd_host_net() {
	crowd_begin "$1" --client-addr2 --server-addr2 || return 1
	start_capture "$1" || return 1
	crowd_server s '*' $PORT --preferred-ipv4-addr="$LQ_S4B:$PORT"
}

crowd_host_checks() {
	local n=$1
	expect_distinct "$n" 2 "ip.dst == $LQ_S4 && quic" ip.src "client IPv4 addresses" &&
		expect_distinct "$n" 2 "ipv6.dst == $LQ_S6 && quic" ipv6.src "client IPv6 addresses" &&
		expect "$n" 1 "ip.src == $C4B && quic.frame_type == 0x1b" "PATH_RESPONSE from the second address" &&
		expect "$n" 1 "ipv6.src == $C6B && quic.frame_type == 0x1b" "PATH_RESPONSE from the second IPv6 address" &&
		expect "$n" 1 "tls.quic.parameter.preferred_address.connectionid" "preferred_address transport parameter" &&
		expect "$n" 1 "ip.dst == $LQ_S4B && quic.frame_type == 0x1a" "PATH_CHALLENGE to the preferred address" &&
		expect "$n" 1 "ip.src == $LQ_S4B && quic.frame_type == 0x1b" "PATH_RESPONSE from the preferred address" &&
		expect "$n" 10 "ip.src == $LQ_S4B && quic.stream.stream_id" "response data from the preferred address"
}

# A carrier-grade NAT in the router: six client hosts (198.18.1.2-.7) behind
# one public address, $PUB4; thirteen connections to three servers:
#   A  $LQ_S4:443, plain
#   B  $LQ_S4:8443, sends Retry (-V)
#   C  $LQ_S4B:443, preferred address $S4C:443
# Five start first and stay (their requests wait, as in crowd-host); eight
# start into the crowd and move, 100 ms after their handshakes and 50 ms
# after their requests (the preferred-address movers as soon as they can):
# port changes to A and B, an address change
# behind the NAT, a --nat-rebinding client (uploading, as in
# crowd-host-nat), a NAT rebinding made by the router, three clients moving
# to C's preferred address (one of them changes its port there too).
# Captured outside the NAT: every client is $PUB4.
sc_crowd_cgnat() {
	local n=crowd-cgnat h=("${HOSTS4[@]}")
	crowd_begin $n --client-addr2 --server-addr2 || return 1
	crowd_hosts "${HOSTS4[@]:2}" "${HOSTS6[@]:2}" || return 1
	crowd_server_addr $S4C $S6C || return 1
	lq_router_add_addr $PUB4 $PUB6 || return 1
	lq_in_router nft -f - <<EOF || { log "  nft rules failed"; return 1; }
table ip lqcgnat {
	chain pre {
		type filter hook prerouting priority raw; policy accept;
		ip daddr $PUB4 udp dport $REBIND_PORTS ct zone set 2
	}
	chain late {
		type filter hook forward priority filter; policy accept;
	}
	chain post {
		type nat hook postrouting priority srcnat; policy accept;
		oifname "$LQ_IF_RS" ct zone 2 meta l4proto udp snat to $PUB4:$REBIND_PORTS
		oifname "$LQ_IF_RS" ip saddr 198.18.1.0/24 snat to $PUB4
	}
}
EOF
	start_capture $n || return 1
	crowd_server a "$LQ_S4" $PORT || return 1
	crowd_server b "$LQ_S4" $PORT_RETRY -V || return 1
	crowd_server c "$LQ_S4B" $PORT --preferred-ipv4-addr="$S4C:$PORT" || return 1
	crowd_run \
		"a1 0 ${h[0]} - $LQ_S4 $PORT 15000 --delay-stream=50ms" \
		"b1 10 ${h[1]} - $LQ_S4 $PORT_RETRY 12000 --delay-stream=100ms" \
		"c3 20 ${h[5]} - $LQ_S4B $PORT 10000 $NOPREF --delay-stream=150ms" \
		"a5 30 ${h[3]} - $LQ_S4 $PORT 12000 --delay-stream=200ms" \
		"b4 40 ${h[0]} - $LQ_S4 $PORT_RETRY 8000 --delay-stream=250ms" \
		"a2 80 ${h[0]} - $LQ_S4 $PORT 30000 --delay-stream=50ms --change-local-addr=100ms" \
		"b2 90 ${h[2]} - $LQ_S4 $PORT_RETRY 30000 --delay-stream=50ms --change-local-addr=100ms" \
		"a3 100 ${h[1]} src=${h[5]} $LQ_S4 $PORT 30000 --delay-stream=50ms --change-local-addr=100ms" \
		"a4 110 ${h[2]} - $LQ_S4 $PORT 15000 --delay-stream=50ms --change-local-addr=100ms --nat-rebinding -m POST -d $UPLOAD" \
		"b3 120 ${h[4]} nat=0.1 $LQ_S4 $PORT_RETRY 30000 --delay-stream=50ms" \
		"c1 150 ${h[3]} - $LQ_S4B $PORT 30000 --delay-stream=150ms" \
		"c2 160 ${h[4]} - $LQ_S4B $PORT 40000 --delay-stream=300ms --change-local-addr=400ms" \
		"c4 170 ${h[0]} - $LQ_S4B $PORT 30000 --delay-stream=150ms" || return 1
	crowd_finish $n 13 8 || return 1
	expect_none $n "ip && !(ip.addr == $PUB4)" "IPv4 frames without the public address" &&
		expect_none $n "ipv6" "IPv6 frames" &&
		expect $n 4 "quic.long.packet_type == 3" "Retry packets" &&
		expect_none $n "quic.bad_retry" "Retry integrity tag failures" &&
		expect $n 1 "tls.quic.parameter.preferred_address.connectionid" "preferred_address transport parameter" &&
		expect_distinct $n 3 "ip.dst == $S4C && quic.frame_type == 0x1a" udp.srcport "public ports probing the preferred address" &&
		expect_distinct $n 3 "ip.src == $S4C && quic.stream.stream_id" udp.dstport "public ports getting data from the preferred address" &&
		expect $n 1 "udp.srcport == $PORT_RETRY && udp.dstport >= 20000 && udp.dstport <= 20999 && quic.frame_type == 0x1a" \
			"server PATH_CHALLENGE to the NAT's new mapping" &&
		expect_distinct $n 19 "ip.src == $PUB4 && quic" udp.srcport "public ports (13 first, 6 after moves)"
}

# Several clients of one address (distinct ports) move to one server's
# preferred address at overlapping times: six, each as soon as its
# handshake is confirmed (their requests wait 150 ms, so that most of each
# response comes after the switch-over, which ngtcp2 makes some 60-200 ms
# after the probes); two others, started first, stay (they ignore the
# preferred address).
sc_crowd_preferred() {
	local n=crowd-preferred
	crowd_begin $n --server-addr2 || return 1
	start_capture $n || return 1
	crowd_server s "$LQ_S4" $PORT --preferred-ipv4-addr="$LQ_S4B:$PORT" || return 1
	crowd_run \
		"p1 0 $C4 - $LQ_S4 $PORT 30000 $NOPREF" \
		"p2 10 $C4 - $LQ_S4 $PORT 20000 $NOPREF" \
		"p3 30 $C4 - $LQ_S4 $PORT 40000 --delay-stream=150ms" \
		"p4 40 $C4 - $LQ_S4 $PORT 40000 --delay-stream=150ms" \
		"p5 50 $C4 - $LQ_S4 $PORT 30000 --delay-stream=150ms" \
		"p6 60 $C4 - $LQ_S4 $PORT 40000 --delay-stream=150ms" \
		"p7 70 $C4 - $LQ_S4 $PORT 30000 --delay-stream=150ms" \
		"p8 80 $C4 - $LQ_S4 $PORT 40000 --delay-stream=150ms" || return 1
	crowd_finish $n 8 6 || return 1
	expect $n 1 "tls.quic.parameter.preferred_address.connectionid" "preferred_address transport parameter" &&
		expect_distinct $n 6 "ip.dst == $LQ_S4B && quic.frame_type == 0x1a" udp.srcport "client ports probing the preferred address" &&
		expect_distinct $n 6 "ip.src == $LQ_S4B && quic.stream.stream_id" udp.dstport "client ports getting data from the preferred address" &&
		expect_distinct $n 8 "ip.dst == $LQ_S4 && quic" udp.srcport "client ports"
}

# An IPv6 crowd like crowd-host: ten connections from one host (two
# addresses) to one server, five stayers first, then five movers: two port
# changes (one on each address), an address change, a --nat-rebinding port
# change (uploading, as in crowd-host-nat) and the preferred address.
sc_crowd_ipv6() {
	local n=crowd-ipv6
	crowd_begin $n --client-addr2 --server-addr2 || return 1
	start_capture $n || return 1
	crowd_server s "$LQ_S6" $PORT --preferred-ipv6-addr="[$LQ_S6B]:$PORT" || return 1
	crowd_run \
		"v01 0 $C6 - $LQ_S6 $PORT 20000 $NOPREF --delay-stream=100ms" \
		"v02 10 $C6B - $LQ_S6 $PORT 15000 $NOPREF --delay-stream=150ms" \
		"v03 20 $C6 - $LQ_S6 $PORT 12000 $NOPREF --delay-stream=200ms" \
		"v04 30 $C6 - $LQ_S6 $PORT 15000 $NOPREF --delay-stream=250ms" \
		"v05 40 $C6B - $LQ_S6 $PORT 10000 $NOPREF --delay-stream=300ms" \
		"v06 80 $C6 - $LQ_S6 $PORT 40000 $NOPREF --delay-stream=100ms --change-local-addr=150ms" \
		"v07 90 $C6B - $LQ_S6 $PORT 40000 $NOPREF --delay-stream=100ms --change-local-addr=150ms" \
		"v08 100 $C6 src=$C6B $LQ_S6 $PORT 40000 $NOPREF --delay-stream=100ms --change-local-addr=150ms" \
		"v09 110 $C6 - $LQ_S6 $PORT 20000 $NOPREF --delay-stream=100ms --change-local-addr=150ms --nat-rebinding -m POST -d $UPLOAD" \
		"v10 150 $C6 - $LQ_S6 $PORT 50000 --delay-stream=150ms" || return 1
	crowd_finish $n 10 5 || return 1
	expect_none $n "ip" "IPv4 frames" &&
		expect_distinct $n 2 "ipv6.dst == $LQ_S6 && quic" ipv6.src "client addresses" &&
		expect $n 1 "ipv6.src == $C6B && quic.frame_type == 0x1a" "PATH_CHALLENGE from the second address" &&
		expect $n 1 "tls.quic.parameter.preferred_address.connectionid" "preferred_address transport parameter" &&
		expect $n 1 "ipv6.dst == $LQ_S6B && quic.frame_type == 0x1a" "PATH_CHALLENGE to the preferred address" &&
		expect $n 1 "ipv6.src == $LQ_S6B && quic.stream.stream_id" "response data from the preferred address" &&
		expect_distinct $n 3 "ipv6.dst == $LQ_S6 && quic.frame_type == 0x1a" udp.srcport "client ports sending PATH_CHALLENGE"
}

# --- main ------------------------------------------------------------------

gen_main
