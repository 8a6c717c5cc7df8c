# shellcheck shell=bash
# tests/lib/e2e.sh - the harness the end-to-end tests share: a work
# directory, a teardown that always runs, a watchdog, log/fail/wait_for,
# and the ngtcp2 server of the server namespace (start_server, url).
#
#     . tests/lib/netns.sh
#     . tests/lib/e2e.sh
#     lq_e2e_begin e2e_live 170     # NAME, bound in seconds
#     PIDS+=($!)                    # every background process: killed at the end
#
# After lq_e2e_begin: $WORK is a fresh directory, deleted at exit unless
# LQ_E2E_KEEP=1 (a failure sets it); on exit every process in PIDS is
# killed and waited for and the namespaces are torn down; after BOUND
# seconds a watchdog ends the test (its trap tears everything down).

# LQ_PEER_CPU=N (set before sourcing): the peers (start_server, and a test's
# own through "${LQ_PIN[@]}") run on CPU N alone. A veth delivers a packet,
# and runs its XDP program, on the sending CPU, so the monitor's programs then
# see every packet one after another, in one order, as a replay does: with
# the peers on two CPUs, two packets of a crowd can be classified at once and
# their map updates interleave, and a deferred decision may come a packet
# later than any one order of the records gives.
LQ_PIN=()
if [ -n "${LQ_PEER_CPU:-}" ]; then
	LQ_PIN=(taskset -c "$LQ_PEER_CPU")
fi

# lq_e2e_begin NAME BOUND
lq_e2e_begin() {
	LQ_E2E_NAME=$1
	BOUND=$2
	WORK=$(mktemp -d "/tmp/lq-$LQ_E2E_NAME.XXXXXX") || exit 2
	PIDS=()
	trap lq_e2e_cleanup EXIT
	trap 'log "stopped by a signal (or the ${BOUND}s bound)"; exit 1' INT TERM
	T0=$SECONDS
	(
		trap 'kill $nap 2>/dev/null; exit 0' TERM
		sleep "$BOUND" &
		nap=$!
		wait $nap && kill -TERM $$ 2>/dev/null
	) &
	PIDS+=($!)
}

lq_e2e_cleanup() {
	local pid
	for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null; done
	for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null; done
	PIDS=()
	lq_netns_teardown
	if [ "${LQ_E2E_KEEP:-0}" = 1 ]; then
		echo "$LQ_E2E_NAME: work directory kept: $WORK"
	else
		rm -rf "$WORK"
	fi
}

log() { printf '%s: [%3ds] %s\n' "$LQ_E2E_NAME" $((SECONDS - T0)) "$*"; }

fail() {
	log "FAIL: $*"
	LQ_E2E_KEEP=1
	exit 1
}

# wait_for SECONDS WHAT COMMAND...: poll COMMAND every 50 ms.
wait_for() {
	local secs=$1 what=$2 i
	shift 2
	for ((i = 0; i < secs * 20; i++)); do
		"$@" && return 0
		sleep 0.05
	done
	log "timed out after ${secs}s waiting for $what"
	return 1
}

# Is a UDP socket bound to ADDR:PORT in namespace NS? (_listening NS ADDR:PORT)
_listening() { ip netns exec "$1" ss -Hlun 2>/dev/null | grep -q -- "$2 "; }

# start_server TAG ADDR PORT [gtlsserver options]: a gtlsserver in $LQ_NS_S
# serving $WORK/htdocs with $WORK/key.pem and cert.pem, logging to
# $WORK/server-TAG.log, living at most $LIFETIME seconds; returns once it
# listens.
start_server() {
	local tag=$1 addr=$2 port=$3
	shift 3
	ip netns exec "$LQ_NS_S" "${LQ_PIN[@]}" timeout "$LIFETIME" gtlsserver --no-quic-dump --no-http-dump \
		-d "$WORK/htdocs" "$@" "$addr" "$port" "$WORK/key.pem" "$WORK/cert.pem" \
		>"$WORK/server-$tag.log" 2>&1 &
	PIDS+=($!)
	case $addr in *:*) addr="[$addr]" ;; esac
	wait_for 5 "gtlsserver $tag" _listening "$LQ_NS_S" "$addr:$port"
}

# url ADDR PORT PATH: the https URL of PATH at ADDR:PORT (IPv6 in brackets).
url() {
	case $1 in
	*:*) echo "https://[$1]:$2/$3" ;;
	*) echo "https://$1:$2/$3" ;;
	esac
}
