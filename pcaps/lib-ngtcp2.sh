# shellcheck shell=bash
# pcaps/lib-ngtcp2.sh - what the capture generators share: pcaps/make-ngtcp2.sh
# (pcaps/ngtcp2/) and pcaps/make-crowd.sh (pcaps/crowd/).
#
# Debian's ngtcp2 example programs (gtlsserver, gtlsclient) run in network
# namespaces built by tests/lib/netns.sh; tcpdump captures on a router veth;
# tshark checks each capture with the client's key log.  A generator sets,
# before sourcing this file:
#
#   GEN WORK_TAG     its name, for messages ("make-ngtcp2.sh"); the work
#                    directory is /tmp/lq-WORK_TAG.XXXXXX
#   HERE TOP         pcaps/ and the top of the tree
#   OUT KEEP         default output directory; 0 (keep the work dir with -k)
#   SCENARIOS        every scenario it knows (sc_NAME functions, '-' as '_')
#   PORT SNI         the server port and the TLS server name
#   SERVER_LIFETIME CLIENT_LIFETIME   bounds, in seconds, on every process
#   TSHARK_OPTS      (optional array) more tshark options for the checks,
#                    e.g. (-d udp.port==443,quic)
#
# then calls gen_args "$@" (options -o DIR, -k, -h and scenario names; the
# usage text is the "# Usage:" to "# Needs root" block of the generator's
# header), gen_init (root and commands checked, namespaces' library sourced,
# $WORK made, teardown trapped, throwaway certificate), defines its
# scenarios and ends with gen_main (each scenario run in a fresh topology,
# a failing one a second time).
#
# Every background process goes into PIDS: cleanup kills and waits for
# them, then tears the namespaces down, after each scenario and at exit.

declare -p TSHARK_OPTS >/dev/null 2>&1 || TSHARK_OPTS=()

die() { echo "$GEN: $*" >&2; exit 1; }

usage() { sed -n '/^# Usage:/,/^# Needs root/p' "$0" | sed 's/^# \{0,1\}//' | sed '$d'; }

# gen_args "$@": -o DIR, -k, -h, then scenario names (default: all).
gen_args() {
	local opt s
	OPTIND=1
	while getopts "o:kh" opt; do
		case $opt in
		o) OUT=$OPTARG ;;
		k) KEEP=1 ;;
		h) usage; exit 0 ;;
		*) usage >&2; exit 2 ;;
		esac
	done
	shift $((OPTIND - 1))
	if [ $# -gt 0 ]; then
		for s in "$@"; do
			case " ${SCENARIOS[*]} " in
			*" $s "*) ;;
			*) die "unknown scenario '$s' (known: ${SCENARIOS[*]})" ;;
			esac
		done
		SCENARIOS=("$@")
	fi
}

# gen_init [COMMAND...]: everything a run needs before its first scenario;
# the COMMANDs are required on top of the common ones.
gen_init() {
	local cmd
	[ "$(id -u)" = 0 ] || die "must run as root (it creates network namespaces)"
	for cmd in ip ethtool tc nft tcpdump tshark gtlsserver gtlsclient openssl \
		python3 timeout ss "$@"; do
		command -v "$cmd" >/dev/null 2>&1 || die "missing command '$cmd'"
	done

	# shellcheck source=tests/lib/netns.sh
	. "$TOP/tests/lib/netns.sh"

	mkdir -p "$OUT" || die "cannot create '$OUT'"
	OUT=$(cd "$OUT" && pwd)
	WORK=$(mktemp -d "/tmp/lq-$WORK_TAG.XXXXXX") || die "cannot create a work directory"

	PIDS=()
	trap final_cleanup EXIT
	trap 'exit 130' INT TERM

	# Throwaway certificate, made fresh on every run and never committed.
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$WORK/key.pem" -out "$WORK/cert.pem" -days 2 -subj "/CN=$SNI" \
		-addext "subjectAltName=DNS:$SNI" >/dev/null 2>&1 ||
		die "openssl could not make a certificate"
	mkdir -p "$WORK/htdocs"
}

cleanup() {
	local pid
	for pid in "${PIDS[@]}"; do
		kill "$pid" 2>/dev/null
	done
	for pid in "${PIDS[@]}"; do
		wait "$pid" 2>/dev/null
	done
	PIDS=()
	lq_netns_teardown
}
final_cleanup() {
	cleanup
	if [ "$KEEP" = 1 ]; then
		echo "work directory kept: $WORK"
	else
		rm -rf "$WORK"
	fi
}

log() { printf '%s\n' "$*" >&2; }

# wait_for SECONDS DESCRIPTION COMMAND...: poll COMMAND every 50 ms.
wait_for() {
	local secs=$1 what=$2 i
	shift 2
	for ((i = 0; i < secs * 20; i++)); do
		"$@" && return 0
		sleep 0.05
	done
	log "  timed out after ${secs}s waiting for $what"
	return 1
}

# --- pieces of a scenario --------------------------------------------------

CAP_PID=
start_capture() {
	local name=$1 dev=${2:-$LQ_IF_RS}
	rm -f "$OUT/$name.pcap"
	# -Z root: the output directory need not be writable by user tcpdump.
	# --immediate-mode: nothing waits in a half-filled ring block at exit.
	# The filter leaves out link-local multicast housekeeping (MLD reports
	# that IPv6 sends for a few seconds after a link comes up).
	ip netns exec "$LQ_NS_R" timeout "$SERVER_LIFETIME" tcpdump --immediate-mode \
		-Z root -i "$dev" -s 0 -U -w "$OUT/$name.pcap" \
		"not ip6 multicast and not ip multicast" 2>"$WORK/$name.tcpdump.log" &
	CAP_PID=$!
	PIDS+=("$CAP_PID")
	wait_for 5 "tcpdump to start" grep -qs "listening on" "$WORK/$name.tcpdump.log"
}

stop_capture() {
	local name=$1
	sleep 0.3 # let the last packets through
	kill -INT "$CAP_PID" 2>/dev/null
	wait "$CAP_PID" 2>/dev/null
	if ! grep -q "^0 packets dropped by kernel" "$WORK/$name.tcpdump.log"; then
		log "  tcpdump dropped packets:"
		cat "$WORK/$name.tcpdump.log" >&2
		return 1
	fi
}

# start_server NAME ADDR [gtlsserver options...]
start_server() {
	local name=$1 addr=$2
	shift 2
	ip netns exec "$LQ_NS_S" timeout "$SERVER_LIFETIME" gtlsserver \
		--no-quic-dump --no-http-dump -d "$WORK/htdocs" "$@" \
		"$addr" "$PORT" "$WORK/key.pem" "$WORK/cert.pem" >"$WORK/$name.server.log" 2>&1 &
	PIDS+=("$!")
	wait_for 5 "gtlsserver to listen" _listening "$LQ_NS_S" ":$PORT"
}

_listening() { ip netns exec "$1" ss -Hlun 2>/dev/null | grep -q -- "$2 "; }

# Number of UDP sockets gtlsclient holds in the client namespace.
_client_sockets() { ip netns exec "$LQ_NS_C" ss -Huanp 2>/dev/null | grep -c '"gtlsclient"'; }
_client_sockets_ge() { [ "$(_client_sockets)" -ge "$1" ]; }

# client_bg NAME TAG [gtlsclient options and arguments...]: start a client in
# the background; its key log goes to NAME.keys, its output to NAME.TAG.log.
CLI_PID=
client_bg() {
	local name=$1 tag=$2
	shift 2
	ip netns exec "$LQ_NS_C" env SSLKEYLOGFILE="$OUT/$name.keys" \
		timeout "$CLIENT_LIFETIME" gtlsclient --no-quic-dump --no-http-dump \
		--exit-on-all-streams-close --timeout=5s --sni="$SNI" "$@" \
		>"$WORK/$name.$tag.log" 2>&1 &
	CLI_PID=$!
	PIDS+=("$CLI_PID")
}

# client_wait NAME TAG PID: wait for a client and require a clean exit.
client_wait() {
	local name=$1 tag=$2 pid=$3 rc
	wait "$pid"
	rc=$?
	if [ $rc != 0 ]; then
		log "  client $tag exited with $rc; last lines of its log:"
		tail -5 "$WORK/$name.$tag.log" >&2
		return 1
	fi
	grep -q "QUIC handshake has completed" "$WORK/$name.$tag.log" ||
		{ log "  client $tag never completed the handshake"; return 1; }
}

client() {
	local name=$1 tag=$2
	client_bg "$@" && client_wait "$name" "$tag" "$CLI_PID"
}

handshake_done() { grep -qs "QUIC handshake has completed" "$WORK/$1.$2.log"; }

url() { # url ADDR PATH
	case $1 in
	*:*) echo "https://[$1]:$PORT/$2" ;;
	*) echo "https://$1:$PORT/$2" ;;
	esac
}

# --- checks ----------------------------------------------------------------

# count NAME FILTER: frames of NAME.pcap matching a tshark display filter,
# dissected with the key log.
count() {
	tshark -r "$OUT/$1.pcap" -o "tls.keylog_file:$OUT/$1.keys" "${TSHARK_OPTS[@]}" -Y "$2" 2>/dev/null | wc -l
}

# expect NAME MIN FILTER DESCRIPTION
expect() {
	local n
	n=$(count "$1" "$3")
	if [ "$n" -lt "$2" ]; then
		log "  check failed: $4: $n frames match '$3', expected at least $2"
		return 1
	fi
}

# expect_none NAME FILTER DESCRIPTION
expect_none() {
	local n
	n=$(count "$1" "$2")
	if [ "$n" != 0 ]; then
		log "  check failed: $3: $n frames match '$2', expected none"
		return 1
	fi
}

# expect_distinct NAME MIN FILTER FIELD DESCRIPTION: at least MIN different
# values of FIELD among the frames matching FILTER.
expect_distinct() {
	local n
	n=$(tshark -r "$OUT/$1.pcap" -o "tls.keylog_file:$OUT/$1.keys" "${TSHARK_OPTS[@]}" -Y "$3" -T fields -e "$4" 2>/dev/null |
		tr , '\n' | sort -u | grep -c .)
	if [ "$n" -lt "$2" ]; then
		log "  check failed: $5: $n different $4 in frames matching '$3', expected at least $2"
		return 1
	fi
}

common_checks() {
	local name=$1 size
	size=$(stat -c %s "$OUT/$name.pcap")
	if [ "$size" -gt 1048576 ]; then
		log "  capture is $size bytes, over 1 MiB"
		return 1
	fi
	[ -s "$OUT/$name.keys" ] || { log "  empty key log"; return 1; }
	# Decrypted 1-RTT frames prove the key log matches the capture.
	expect "$name" 1 "quic.header_form == 0 && quic.frame" "decrypted 1-RTT packets" || return 1
	# Nothing bigger than the MTU: offloads really are off.
	expect_none "$name" "frame.len > $((LQ_MTU + 14))" "frames over the MTU"
}

# --- main ------------------------------------------------------------------

# gen_main: run every scenario in SCENARIOS, each in a fresh topology and
# torn down after it; a scenario that fails its checks runs a second time.
gen_main() {
	local start=$SECONDS failed=() s fn ok attempt frames
	for s in "${SCENARIOS[@]}"; do
		fn=sc_${s//-/_}
		ok=0
		for attempt in 1 2; do
			log "== $s (attempt $attempt)"
			rm -f "$OUT/$s.keys"
			if $fn; then
				ok=1
			fi
			cleanup
			[ $ok = 1 ] && break
		done
		if [ $ok = 1 ]; then
			frames=$(tshark -r "$OUT/$s.pcap" 2>/dev/null | wc -l)
			log "   $s.pcap: $frames frames, $(stat -c %s "$OUT/$s.pcap") bytes"
		else
			failed+=("$s")
		fi
	done
	log "done in $((SECONDS - start))s"
	if [ ${#failed[@]} -gt 0 ]; then
		die "failed: ${failed[*]}"
	fi
}
