#!/usr/bin/env bash
# tests/ipfix_live.sh - two linkquic-live sensors feeding one nfacctd, on real
# QUIC traffic.
#
# Client, router and server in network namespaces (tests/lib/netns.sh), Debian's
# ngtcp2 gtlsclient/gtlsserver through the router: transfers over IPv4 and IPv6
# and a client migrating to a new port. Two sensors export what they see:
#   - linkquic-live --middlebox on the router's two interfaces, observation
#     domain 1, to nfacctd over the router's loopback;
#   - linkquic-live --endpoint on the client, observation domain 2, to the same
#     nfacctd across the link (198.18.1.1), with an active timeout of 1 s so
#     that the long transfers are also exported while they last;
# nfacctd runs in the router with contrib/ipfix/nfacctd.conf (tests/lib/ipfix.sh).
# When the sensors have stopped, every connection of each one's --conn-file (the
# -f conn records) must have arrived at nfacctd under its domain, with the same
# label, addresses, ports, packets and bytes both ways, SNI, ALPN... and the
# delta counters of its records adding up (tests/ipfix_check.py).
#
# Usage: tests/ipfix_live.sh BUILD_DIR   (as root)
# Exit:  0 pass, 1 fail, 2 usage, 77 cannot run here (not root, a tool missing)
# Only 198.18.0.0/15 and 2001:db8::/32; bounded by a watchdog (90 s; takes ~20).

set -u -o pipefail

. "$(dirname "${BASH_SOURCE[0]}")/lib/bin.sh"
lq_live_bin ipfix_live "$@"
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CONTRIB=$TOP/contrib/ipfix

if [ "$(id -u)" != 0 ]; then
	echo "ipfix_live: skipped: needs root (network namespaces, BPF)"
	exit 77
fi
for cmd in ip tc ethtool sysctl gtlsserver gtlsclient openssl python3 timeout ss nfacctd; do
	if ! command -v "$cmd" >/dev/null 2>&1; then
		echo "ipfix_live: skipped: missing '$cmd' (Debian packages ngtcp2-client," \
			"ngtcp2-server, pmacct, openssl, python3)"
		exit 77
	fi
done
export TZ=UTC LC_ALL=C

. "$TOP/tests/lib/netns.sh"
. "$TOP/tests/lib/e2e.sh"
. "$TOP/tests/lib/ipfix.sh"
lq_e2e_begin ipfix_live 90
NFA_PIDS=()

PORT=443
MIG_PORT=4434
SNI=quic.test
LIFETIME=80
COLLECTOR_PORT=4739 # the namespace is the test's own: IANA's port is free there

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	-keyout "$WORK/key.pem" -out "$WORK/cert.pem" -days 2 -subj "/CN=$SNI" \
	-addext "subjectAltName=DNS:$SNI" >/dev/null 2>&1 || fail "openssl could not make a certificate"
mkdir -p "$WORK/htdocs"

client() { # TAG [gtlsclient options and arguments]
	local tag=$1
	shift
	ip netns exec "$LQ_NS_C" timeout 20 gtlsclient --no-quic-dump --no-http-dump \
		--exit-on-all-streams-close --timeout=5s --sni=$SNI "$@" >"$WORK/client-$tag.log" 2>&1 ||
		{ tail -5 "$WORK/client-$tag.log"; return 1; }
	grep -q "QUIC handshake has completed" "$WORK/client-$tag.log"
}

MONITORS=()
monitor() { # NAME NS DOMAIN COLLECTOR ARGS...
	local name=$1 ns=$2 dom=$3 coll=$4
	shift 4
	ip netns exec "$ns" timeout $LIFETIME "$LIVE" "$@" -q --conn-file "$WORK/$name.conn" \
		--observation-domain "$dom" --export "ipfix://$coll:$COLLECTOR_PORT" \
		>"$WORK/$name.out" 2>"$WORK/$name.err" &
	PIDS+=($!)
	MONITORS+=("$!:$name")
}

lq_netns_setup || fail "cannot build the namespaces"
lq_netns_shape 4mbit || fail "cannot shape the router"
start_nfacctd 0.0.0.0 $COLLECTOR_PORT "$WORK/nfacctd.json" live ip netns exec "$LQ_NS_R" ||
	fail "nfacctd did not start in the router"
monitor middlebox "$LQ_NS_R" 1 127.0.0.1 --middlebox "$LQ_IF_RC" "$LQ_IF_RS"
monitor endpoint "$LQ_NS_C" 2 "$LQ_RC4" --endpoint "$LQ_IF_C" --export-active-timeout 1
for m in "${MONITORS[@]}"; do
	name=${m#*:}
	wait_for 30 "linkquic-live $name" grep -qs "monitor on" "$WORK/$name.err" ||
		{ cat "$WORK/$name.err"; fail "linkquic-live $name did not start"; }
done

start_server v4 "$LQ_S4" $PORT || fail "server v4"
start_server v6 "$LQ_S6" $PORT || fail "server v6"
start_server mig "$LQ_S4" $MIG_PORT || fail "server mig"
log "traffic: IPv4, IPv6, a migration to a new port, a 2 s transfer"
client v4 "$LQ_S4" $PORT "$(url "$LQ_S4" $PORT 20000)" || fail "transfer over IPv4"
client v6 "$LQ_S6" $PORT "$(url "$LQ_S6" $PORT 20000)" || fail "transfer over IPv6"
client mig --change-local-addr=150ms "$LQ_S4" $MIG_PORT "$(url "$LQ_S4" $MIG_PORT 200000)" ||
	fail "migration"
client long "$LQ_S4" $PORT "$(url "$LQ_S4" $PORT 1000000)" || fail "long transfer"
sleep 0.3
for m in "${MONITORS[@]}"; do kill -INT "${m%%:*}"; done
for m in "${MONITORS[@]}"; do
	wait "${m%%:*}"
	rc=$?
	name=${m#*:}
	log "$name: $(grep ": export " "$WORK/$name.err")"
	[ $rc = 0 ] || { cat "$WORK/$name.err"; fail "linkquic-live $name exited with $rc"; }
	grep -q ", 0 dropped;" "$WORK/$name.err" || { cat "$WORK/$name.err"; fail "$name dropped records"; }
done
settle "$WORK/nfacctd.json"

rc=0
python3 "$TOP/tests/ipfix_check.py" --label "nfacctd, 2 sensors" \
	--expect "1=$WORK/middlebox.conn" --expect "2=$WORK/endpoint.conn" \
	--nfacctd "$WORK/nfacctd.json" || rc=1
updates=$(grep -c '"flow_end_reason": "2"' "$WORK/nfacctd.json")
[ "$updates" -gt 0 ] || { log "FAIL: no active-timeout record from the endpoint (1 s)"; rc=1; }
log "$updates active-timeout records arrived"
if [ $rc = 0 ]; then
	log "PASS in $((SECONDS - T0))s"
else
	LQ_E2E_KEEP=1
	log "FAIL after $((SECONDS - T0))s"
fi
exit $rc
