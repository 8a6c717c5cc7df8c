#!/usr/bin/env bash
# pcaps/make-ngtcp2.sh - regenerate the real QUIC captures in pcaps/ngtcp2/.
#
# Runs Debian's ngtcp2 example programs (gtlsserver, gtlsclient) in network
# namespaces built by tests/lib/netns.sh and captures on the router's
# server-facing veth with tcpdump.  For each scenario NAME it writes
# NAME.pcap (Ethernet, full snaplen) and NAME.keys (the client's TLS key log,
# SSLKEYLOGFILE format, which tshark reads with -o tls.keylog_file:NAME.keys),
# then checks the capture with tshark: it must decrypt, and the event the
# scenario is about (migration, Retry, Version Negotiation, ...) must be on
# the wire.  pcaps/README.md describes every scenario.  The pieces it shares
# with pcaps/make-crowd.sh (topology, capture, server, client, checks, the
# scenario loop) are in pcaps/lib-ngtcp2.sh.
#
# Usage: pcaps/make-ngtcp2.sh [-o DIR] [-k] [SCENARIO...]
#   -o DIR   write captures to DIR (default: pcaps/ngtcp2 beside this script)
#   -k       keep the work directory (logs, certificate) and print its path
#   SCENARIO one or more of: handshake migration migration-addr
#            nat-rebinding nat-rebinding-addr preferred-addr key-update retry
#            vn v2draft ipv6 concurrent mixed-udp (default: all)
#
# Examples:
#   sudo pcaps/make-ngtcp2.sh                 # all scenarios
#   sudo pcaps/make-ngtcp2.sh -k migration    # one, keep logs for a look
#
# Needs root (namespaces), and: ip, ethtool, tc, nft, tcpdump, tshark,
# gtlsserver, gtlsclient (Debian ngtcp2-server/ngtcp2-client), openssl,
# python3, timeout, ss.  It installs nothing.  Only 198.18.0.0/15 and
# 2001:db8::/32 are used, inside namespaces it creates and deletes.

set -u -o pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOP=$(dirname "$HERE")
OUT=$HERE/ngtcp2
KEEP=0

SCENARIOS=(handshake migration migration-addr nat-rebinding nat-rebinding-addr
	preferred-addr key-update retry vn v2draft ipv6 concurrent mixed-udp)

PORT=443
SNI=quic.test
# NAT pool on the router's server side for nat-rebinding-addr.
NAT4A=198.18.2.101
NAT4B=198.18.2.102
NAT6A=2001:db8:2::101
NAT6B=2001:db8:2::102
# Bounds: no process lives longer than this, whatever happens.
SERVER_LIFETIME=60
CLIENT_LIFETIME=20
# Each transfer is a dynamically generated response of this many bytes
# (ngtcp2's server answers GET /N with N bytes).
SMALL=20000
LARGE=60000
# Scenarios that need an event in the middle of a transfer slow the router to
# this rate, so a 60 kB response lasts about half a second.
SLOW=1mbit
# The migration timers are relative to handshake completion.
MIGRATE_AFTER=150ms

GEN=make-ngtcp2.sh
WORK_TAG=ngtcp2
# shellcheck source=pcaps/lib-ngtcp2.sh
. "$HERE/lib-ngtcp2.sh"

gen_args "$@"
# shellcheck disable=SC2119 # no extra commands needed
gen_init

# Non-QUIC UDP for the concurrent and mixed-udp scenarios: a deterministic
# sender (fixed seed) and a responder that answers DNS-like queries, echoes
# port 7 and swallows the rest (so no ICMP port-unreachable is provoked).
cat >"$WORK/noise.py" <<'PY'
import random, socket, sys, time

def serve(addr, ports, lifetime):
    fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
    socks = []
    for p in ports:
        s = socket.socket(fam, socket.SOCK_DGRAM)
        s.bind((addr, p))
        s.setblocking(False)
        socks.append((p, s))
    print("ready", flush=True)
    end = time.monotonic() + lifetime
    import selectors
    sel = selectors.DefaultSelector()
    for p, s in socks:
        sel.register(s, selectors.EVENT_READ, p)
    while time.monotonic() < end:
        for key, _ in sel.select(timeout=0.2):
            s, p = key.fileobj, key.data
            data, peer = s.recvfrom(65535)
            if p == 53 and len(data) >= 12:
                # DNS-like answer: same ID, QR and RA set, one answer.
                ans = data[:2] + b"\x81\x80" + data[4:6] + b"\x00\x01\x00\x00\x00\x00"
                ans += data[12:] + b"\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04\xc6\x12\x02\x02"
                s.sendto(ans, peer)
            elif p == 7:
                s.sendto(data, peer)

def dns_query(rng, name):
    q = rng.randrange(65536).to_bytes(2, "big") + b"\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00"
    for label in name.split("."):
        q += bytes([len(label)]) + label.encode()
    return q + b"\x00\x00\x01\x00\x01"

def rtp(seq, ts, ssrc, size, rng):
    # RFC 3550 header: V=2 (first byte 0x80), PT 0 (PCMU), then payload.
    return (b"\x80\x00" + seq.to_bytes(2, "big") + ts.to_bytes(4, "big")
            + ssrc.to_bytes(4, "big") + bytes(rng.randrange(256) for _ in range(size - 12)))

def send(kind, src, dst):
    rng = random.Random(kind)
    fam = socket.AF_INET6 if ":" in dst else socket.AF_INET
    plan = []   # (source port or 0, destination port, payload)
    if kind == "concurrent":
        for i in range(4):
            plan.append((0, 53, dns_query(rng, "host%d.quic.test" % i)))
        for i in range(4):
            plan.append((0, 7, bytes(rng.randrange(256) for _ in range(rng.choice([40, 200, 700])))))
        # To the QUIC server's port, from ports in the client's ephemeral
        # range: a short-header look-alike, a long-header look-alike below
        # the 1200-byte Initial minimum, and random bytes.
        plan.append((rng.randrange(40000, 60000), 443, bytes([0x40 | rng.randrange(64)]) + bytes(rng.randrange(256) for _ in range(60))))
        plan.append((rng.randrange(40000, 60000), 443, b"\xc3\x00\x00\x00\x01\x08" + bytes(rng.randrange(256) for _ in range(300))))
        plan.append((rng.randrange(40000, 60000), 443, bytes(rng.randrange(256) for _ in range(120))))
        plan.append((rng.randrange(40000, 60000), 9999, bytes(rng.randrange(256) for _ in range(33))))
    elif kind == "mixed-udp":
        sport = rng.randrange(40000, 60000) & ~1
        ssrc = rng.randrange(1 << 32)
        for i in range(40):
            plan.append((sport, 5004, rtp(1000 + i, 160 * i, ssrc, 172, rng)))
            if i % 8 == 0:
                plan.append((sport, 7, bytes([0x80 | rng.randrange(128)]) + bytes(rng.randrange(256) for _ in range(rng.choice([20, 64, 500])))))
        # QUIC look-alikes to non-QUIC ports: a 1250-byte "Initial" with
        # version 1 and random content, long headers with odd versions,
        # short-header look-alikes; and plain DNS.
        plan.append((rng.randrange(40000, 60000), 9999, b"\xc3\x00\x00\x00\x01\x08" + bytes(rng.randrange(256) for _ in range(1244))))
        plan.append((rng.randrange(40000, 60000), 9999, b"\xe0\xff\x00\x00\x1d\x08" + bytes(rng.randrange(256) for _ in range(90))))
        plan.append((rng.randrange(40000, 60000), 9999, b"\xf5" + bytes(rng.randrange(256) for _ in range(1300))))
        for i in range(3):
            plan.append((rng.randrange(40000, 60000), 9999, bytes([0x40 | rng.randrange(64)]) + bytes(rng.randrange(256) for _ in range(rng.choice([25, 80, 1100])))))
        for i in range(2):
            plan.append((0, 53, dns_query(rng, "media%d.quic.test" % i)))
    else:
        raise SystemExit("unknown kind " + kind)
    # Every socket stays open to the end, so late answers find their port
    # (a closed one would draw an ICMP port unreachable).
    bound, socks = {}, []
    for sport, dport, payload in plan:
        s = bound.get(sport)
        if s is None:
            s = socket.socket(fam, socket.SOCK_DGRAM)
            s.bind((src, sport))
            s.setblocking(False)
            socks.append(s)
            if sport:
                bound[sport] = s
        s.sendto(payload, (dst, dport))
        time.sleep(0.01)
    time.sleep(0.3)
    for s in socks:
        try:
            while True:
                s.recv(65535)
        except BlockingIOError:
            pass
        s.close()

if sys.argv[1] == "serve":
    serve(sys.argv[2], [int(p) for p in sys.argv[4:]], float(sys.argv[3]))
else:
    send(sys.argv[2], sys.argv[3], sys.argv[4])
PY

# --- scenarios -------------------------------------------------------------
# Each runs in a fresh topology and returns non-zero if anything is off.

sc_handshake() {
	local n=handshake
	lq_netns_setup || return 1
	start_capture $n && start_server $n "$LQ_S4" || return 1
	client $n c1 "$LQ_S4" $PORT "$(url "$LQ_S4" $SMALL)" || return 1
	stop_capture $n || return 1
	common_checks $n &&
		expect $n 1 "quic.long.packet_type == 0" "Initial packets" &&
		expect $n 1 "quic.frame_type == 0x1e" "HANDSHAKE_DONE"
}

# Port change: the client opens a new socket on the same address and moves
# the connection to it with path validation (RFC 9000 section 9.2).
sc_migration() {
	local n=migration
	lq_netns_setup || return 1
	lq_netns_shape $SLOW || return 1
	start_capture $n && start_server $n "$LQ_S4" || return 1
	client $n c1 --change-local-addr=$MIGRATE_AFTER "$LQ_S4" $PORT "$(url "$LQ_S4" $LARGE)" || return 1
	stop_capture $n || return 1
	common_checks $n &&
		expect $n 1 "quic.frame_type == 0x1a" "PATH_CHALLENGE" &&
		expect $n 1 "quic.frame_type == 0x1b" "PATH_RESPONSE" &&
		expect_distinct $n 2 "ip.dst == $LQ_S4 && quic" udp.srcport "client ports"
}

# Address change: once the first socket is bound, the client's route switches
# its source to the second address, so the socket ngtcp2 opens for the
# migration gets a new address and a new port.
sc_migration_addr() {
	local n=migration-addr
	lq_netns_setup --client-addr2 || return 1
	lq_netns_shape $SLOW || return 1
	start_capture $n && start_server $n "$LQ_S4" || return 1
	client_bg $n c1 --change-local-addr=$MIGRATE_AFTER "$LQ_S4" $PORT "$(url "$LQ_S4" $LARGE)"
	local pid=$CLI_PID
	wait_for 5 "client socket" _client_sockets_ge 1 || return 1
	lq_client_use_src "$LQ_C4B" "$LQ_C6B" || return 1
	client_wait $n c1 $pid || return 1
	stop_capture $n || return 1
	common_checks $n &&
		expect $n 1 "ip.src == $LQ_C4 && quic" "packets from the first address" &&
		expect $n 1 "ip.src == $LQ_C4B && quic.frame_type == 0x1a" "PATH_CHALLENGE from the second address" &&
		expect $n 1 "ip.dst == $LQ_C4B && quic.frame_type == 0x1b" "PATH_RESPONSE to the second address"
}

# The client moves to a new port without path validation and keeps its
# connection ID, as if a NAT had rebound it; the server validates the path.
sc_nat_rebinding() {
	local n=nat-rebinding
	lq_netns_setup || return 1
	lq_netns_shape $SLOW || return 1
	start_capture $n && start_server $n "$LQ_S4" || return 1
	client $n c1 --change-local-addr=$MIGRATE_AFTER --nat-rebinding "$LQ_S4" $PORT "$(url "$LQ_S4" $LARGE)" || return 1
	stop_capture $n || return 1
	common_checks $n &&
		expect $n 1 "ip.src == $LQ_S4 && quic.frame_type == 0x1a" "server PATH_CHALLENGE" &&
		expect_distinct $n 2 "ip.dst == $LQ_S4 && quic" udp.srcport "client ports"
}

# A real NAT rebinding: the router source-NATs the client to $NAT4A and, in
# the middle of the transfer, starts mapping it to $NAT4B with another port.
# The client knows nothing of it.  Conntrack zones make the switch exact:
# every packet is put in zone 1, later zone 2, where the old mapping does not
# exist, so the next packet gets a new one from the zone-2 rule.
sc_nat_rebinding_addr() {
	local n=nat-rebinding-addr
	lq_netns_setup || return 1
	lq_netns_shape $SLOW || return 1
	lq_router_add_addr $NAT4A $NAT6A && lq_router_add_addr $NAT4B $NAT6B || return 1
	lq_in_router nft -f - <<EOF || { log "  nft rules failed"; return 1; }
table ip lqnat {
	chain pre {
		type filter hook prerouting priority raw; policy accept;
		ct zone set 1
	}
	chain post {
		type nat hook postrouting priority srcnat; policy accept;
		oifname "$LQ_IF_RS" ct zone 1 ip saddr $LQ_C4 snat to $NAT4A
		oifname "$LQ_IF_RS" ct zone 2 ip saddr $LQ_C4 meta l4proto udp snat to $NAT4B:50000-50999
	}
}
EOF
	start_capture $n && start_server $n "$LQ_S4" || return 1
	client_bg $n c1 "$LQ_S4" $PORT "$(url "$LQ_S4" $LARGE)"
	local pid=$CLI_PID
	wait_for 5 "handshake" handshake_done $n c1 || return 1
	sleep 0.15
	lq_in_router nft -f - <<EOF || { log "  nft switch failed"; return 1; }
flush chain ip lqnat pre
add rule ip lqnat pre ct zone set 2
EOF
	client_wait $n c1 $pid || return 1
	stop_capture $n || return 1
	common_checks $n &&
		expect $n 1 "ip.src == $NAT4A && quic.header_form == 0" "1-RTT from the first NAT address" &&
		expect $n 1 "ip.src == $NAT4B && quic.header_form == 0" "1-RTT from the second NAT address" &&
		expect $n 1 "ip.dst == $NAT4B && quic.frame_type == 0x1a" "server PATH_CHALLENGE to the new address" &&
		expect_none $n "ip.addr == $LQ_C4" "un-NATed client address on the server side"
}

# The server offers a preferred address (RFC 9000 section 9.6); the client
# migrates to it right after the handshake.
sc_preferred_addr() {
	local n=preferred-addr
	lq_netns_setup --server-addr2 || return 1
	# Slow, so that most of the response flows after the move.
	lq_netns_shape $SLOW || return 1
	start_capture $n && start_server $n "$LQ_S4" --preferred-ipv4-addr="$LQ_S4B:$PORT" || return 1
	client $n c1 "$LQ_S4" $PORT "$(url "$LQ_S4" $LARGE)" || return 1
	stop_capture $n || return 1
	common_checks $n &&
		expect $n 1 "tls.quic.parameter.preferred_address.connectionid" "preferred_address transport parameter" &&
		expect $n 1 "ip.dst == $LQ_S4B && quic.frame_type == 0x1a" "PATH_CHALLENGE to the preferred address" &&
		expect $n 1 "ip.src == $LQ_S4B && quic.frame_type == 0x1b" "PATH_RESPONSE from the preferred address" &&
		expect $n 10 "ip.src == $LQ_S4B && quic.stream.stream_id" "response data from the preferred address"
}

sc_key_update() {
	local n=key-update
	lq_netns_setup || return 1
	lq_netns_shape $SLOW || return 1
	start_capture $n && start_server $n "$LQ_S4" || return 1
	client $n c1 --key-update=100ms "$LQ_S4" $PORT "$(url "$LQ_S4" $LARGE)" || return 1
	stop_capture $n || return 1
	common_checks $n &&
		expect $n 1 "quic.key_phase == 0 && quic.frame" "decrypted packets in key phase 0" &&
		expect $n 1 "quic.key_phase == 1 && quic.frame" "decrypted packets in key phase 1"
}

sc_retry() {
	local n=retry
	lq_netns_setup || return 1
	start_capture $n && start_server $n "$LQ_S4" -V || return 1
	client $n c1 "$LQ_S4" $PORT "$(url "$LQ_S4" $SMALL)" || return 1
	stop_capture $n || return 1
	common_checks $n &&
		expect $n 1 "quic.long.packet_type == 3" "Retry" &&
		expect $n 1 "quic.long.packet_type == 0 && quic.token_length > 0" "Initial carrying the Retry token" &&
		expect_none $n "quic.bad_retry" "Retry integrity tag failures"
}

# The client opens with a reserved version (0x?a?a?a?a, RFC 9000 section
# 15), the server answers with Version Negotiation, the client starts over
# with QUIC v1.
sc_vn() {
	local n=vn
	lq_netns_setup || return 1
	start_capture $n && start_server $n "$LQ_S4" || return 1
	client $n c1 -v 0x1a2a3a4a --preferred-versions=v1 "$LQ_S4" $PORT "$(url "$LQ_S4" $SMALL)" || return 1
	stop_capture $n || return 1
	common_checks $n &&
		expect $n 1 "quic.version == 0x1a2a3a4a" "Initial with the reserved version" &&
		expect $n 1 "quic.version == 0 && quic.supported_version == 1" "Version Negotiation listing v1"
}

# QUIC v2 draft (0x709a50c4).  tshark 4.0 does not know this version, so the
# checks look at the bytes; pcaps/README.md says what that means for truth.
sc_v2draft() {
	local n=v2draft
	lq_netns_setup || return 1
	start_capture $n && start_server $n "$LQ_S4" || return 1
	client $n c1 -v v2draft "$LQ_S4" $PORT "$(url "$LQ_S4" $SMALL)" || return 1
	stop_capture $n || return 1
	[ -s "$OUT/$n.keys" ] || { log "  empty key log"; return 1; }
	expect $n 2 "udp.payload[0] >= 0x80 && udp.payload[1:4] == 70:9a:50:c4" "long headers with version 0x709a50c4" &&
		expect $n 1 "udp.srcport == $PORT && udp.payload[1:4] == 70:9a:50:c4" "server long headers with version 0x709a50c4" &&
		expect $n 10 "udp.payload[0] < 0x80" "short-header packets" &&
		expect_none $n "udp.payload[0] >= 0x80 && udp.payload[1:4] == 00:00:00:01" "QUIC v1 long headers"
}

sc_ipv6() {
	local n=ipv6
	lq_netns_setup || return 1
	start_capture $n && start_server $n "$LQ_S6" || return 1
	client $n c1 "$LQ_S6" $PORT "$(url "$LQ_S6" $SMALL)" || return 1
	stop_capture $n || return 1
	common_checks $n &&
		expect $n 1 "ipv6.src == $LQ_C6 && quic.frame" "decrypted QUIC over IPv6" &&
		expect_none $n "ip" "IPv4 frames"
}

# Five clients at once, three from the client's first address and two from
# its second, plus non-QUIC UDP between the same hosts, some of it to the
# QUIC server's port from ports in the client's ephemeral range.
sc_concurrent() {
	local n=concurrent i pids=()
	lq_netns_setup --client-addr2 || return 1
	# Slow enough that all five transfers overlap.
	lq_netns_shape $SLOW || return 1
	start_capture $n && start_server $n "$LQ_S4" || return 1
	ip netns exec "$LQ_NS_S" timeout 20 python3 "$WORK/noise.py" serve "$LQ_S4" 15 53 7 9999 \
		>"$WORK/$n.noise-server.log" 2>&1 &
	PIDS+=($!)
	wait_for 5 "noise responder" grep -qs ready "$WORK/$n.noise-server.log" || return 1
	for i in 1 2 3; do
		client_bg $n c$i "$LQ_S4" $PORT "$(url "$LQ_S4" $((SMALL / i)))"
		pids+=("$CLI_PID")
	done
	ip netns exec "$LQ_NS_C" timeout 20 python3 "$WORK/noise.py" send concurrent "$LQ_C4" "$LQ_S4" \
		>"$WORK/$n.noise.log" 2>&1 &
	local noise=$!
	PIDS+=("$noise")
	# The first three have bound their sockets once they sent something.
	for i in 1 2 3; do
		wait_for 5 "client c$i to send" grep -qs "Sent packet" "$WORK/$n.c$i.log" || return 1
	done
	lq_client_use_src "$LQ_C4B" "$LQ_C6B" || return 1
	for i in 4 5; do
		client_bg $n c$i "$LQ_S4" $PORT "$(url "$LQ_S4" $((SMALL / (i - 2))))"
		pids+=("$CLI_PID")
	done
	for i in 1 2 3 4 5; do
		client_wait $n c$i "${pids[$((i - 1))]}" || return 1
	done
	wait $noise || { log "  noise sender failed"; cat "$WORK/$n.noise.log" >&2; return 1; }
	stop_capture $n || return 1
	common_checks $n &&
		expect $n 1 "ip.src == $LQ_C4B && quic.frame" "QUIC from the second client address" &&
		expect $n 4 "udp.port == 53" "DNS-like datagrams" &&
		expect $n 3 "udp.dstport == $PORT && !quic.frame" "non-QUIC datagrams to the QUIC port" &&
		expect_none $n "(icmp || icmpv6) && !(udp.port == $PORT)" "ICMP errors about non-QUIC datagrams" &&
		expect_distinct $n 5 "quic.long.packet_type == 0" quic.scid "client Initial SCIDs"
}

# One QUIC connection beside RTP-like media (first byte 0x80), echo traffic,
# DNS and QUIC look-alikes (long headers with version 1 and odd versions,
# short-header shapes) on other ports.
sc_mixed_udp() {
	local n=mixed-udp
	lq_netns_setup || return 1
	start_capture $n && start_server $n "$LQ_S4" || return 1
	ip netns exec "$LQ_NS_S" timeout 20 python3 "$WORK/noise.py" serve "$LQ_S4" 15 53 7 5004 9999 \
		>"$WORK/$n.noise-server.log" 2>&1 &
	PIDS+=($!)
	wait_for 5 "noise responder" grep -qs ready "$WORK/$n.noise-server.log" || return 1
	ip netns exec "$LQ_NS_C" timeout 20 python3 "$WORK/noise.py" send mixed-udp "$LQ_C4" "$LQ_S4" \
		>"$WORK/$n.noise.log" 2>&1 &
	local noise=$!
	PIDS+=("$noise")
	client $n c1 "$LQ_S4" $PORT "$(url "$LQ_S4" $SMALL)" || return 1
	wait $noise || { log "  noise sender failed"; cat "$WORK/$n.noise.log" >&2; return 1; }
	stop_capture $n || return 1
	common_checks $n &&
		expect $n 40 "udp.dstport == 5004 && udp.payload[0] == 0x80" "RTP-like datagrams" &&
		expect $n 1 "udp.dstport == 9999 && udp.payload[0:5] == c3:00:00:00:01 && udp.length > 1200" "fake version-1 Initial" &&
		expect_none $n "(icmp || icmpv6) && !(udp.port == $PORT)" "ICMP errors about non-QUIC datagrams"
}

# --- main ------------------------------------------------------------------

gen_main
