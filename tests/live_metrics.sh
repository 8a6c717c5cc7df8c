#!/usr/bin/env bash
# tests/live_metrics.sh - linkquic-live --metrics, scraped by curl and by a real Prometheus.
#
# Client, router and server in network namespaces (tests/lib/netns.sh); linkquic-live
# --middlebox on the router's two interfaces with --metrics 127.0.0.1:0 (a free port, named
# on stderr); a Prometheus server (Debian's prometheus, its config and storage in the work
# directory, on 127.0.0.1 and a free port in the router's namespace) scrapes it every second
# while two ngtcp2 transfers and some non-QUIC UDP go through. Then:
#
#   promtool       `promtool check metrics` finds nothing wrong with a scrape (Prometheus
#                  text format), and the OpenMetrics scrape ends with # EOF
#   scrape         the counters are there with what went through: QUIC packets on both
#                  interfaces, 2 new_conn events, map entries, no record lost, the
#                  interfaces up, the series of every verdict of each interface and hook
#   connections    after the idle timeout (-t 4), 0 active, 2 ended idle, and --export's
#                  counters (to an ipfix-file:) say 2 connection records were made
#   prometheus     Prometheus scraped the target (up 1) and its HTTP API answers
#                  sum(linkquic_packets_total{verdict="quic"}) and new_conn with what the
#                  last scrape gave and what linkquic-live's own summary says at exit
#
# Usage: tests/live_metrics.sh BUILD_DIR   (as root; LQ_E2E_KEEP=1 keeps the work directory)
# Exit:  0 passed, 1 failed, 2 usage, 77 not root or a tool missing (skip)
set -u

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$TOP/tests/lib/bin.sh"
lq_live_bin live_metrics "$@"
if [ "$(id -u)" != 0 ]; then
	echo "live_metrics: skipped: needs root (network namespaces, BPF)"
	exit 77
fi
for cmd in ip tc ethtool sysctl curl promtool prometheus gtlsserver gtlsclient openssl python3 timeout ss; do
	if ! command -v "$cmd" >/dev/null 2>&1; then
		echo "live_metrics: skipped: missing '$cmd' (Debian packages curl, prometheus," \
			"ngtcp2-client, ngtcp2-server, openssl, python3)"
		exit 77
	fi
done
export LC_ALL=C

. "$TOP/tests/lib/netns.sh"
. "$TOP/tests/lib/e2e.sh"
LIFETIME=60
lq_e2e_begin live_metrics 60
lq_netns_setup || fail "cannot build the namespaces"

SNI=quic.test
PORT=4433
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	-keyout "$WORK/key.pem" -out "$WORK/cert.pem" -days 2 -subj "/CN=$SNI" \
	-addext "subjectAltName=DNS:$SNI" >/dev/null 2>&1 || fail "openssl could not make a certificate"
mkdir -p "$WORK/htdocs"
head -c 30000 /dev/urandom >"$WORK/htdocs/30k"

passed=0 failed=0
ok() { passed=$((passed + 1)); log "ok   $1${2:+: $2}"; }
bad() { failed=$((failed + 1)); log "FAIL $1: $2"; LQ_E2E_KEEP=1; }

# value FILE SERIES: the value of one series (exact name and labels) in a scrape, or "none"
value() { awk -v s="$2" '$1 == s { print $2; f = 1 } END { if (!f) print "none" }' "$1"; }
# sum FILE REGEX: the sum of the series whose name{labels} matches REGEX
sum() { awk -v r="$2" '$1 ~ r { t += $2 } END { printf "%d\n", t }' "$1"; }
scrape() { lq_in_router curl -sf --max-time 5 "$@" "$MURL"; }
# query EXPR: the value Prometheus answers for EXPR now, or "none"
query() {
	lq_in_router curl -sf --max-time 5 "http://127.0.0.1:$PPORT/api/v1/query" \
		--data-urlencode "query=$1" 2>/dev/null |
		python3 "$TOP/tests/lib/netutil.py" prom-value 2>/dev/null || echo none
}
free_port() { lq_in_router python3 "$TOP/tests/lib/netutil.py" free-port 127.0.0.1; }

# ---- the monitor, then Prometheus -----------------------------------------------------------
# (not through a function, nor timeout: a background subshell ignores the SIGINT that stops
# it in the end; -d bounds it)
ip netns exec "$LQ_NS_R" "$LIVE" --middlebox "$LQ_IF_RC" "$LQ_IF_RS" --metrics 127.0.0.1:0 -d $LIFETIME \
	-t 4 --export "ipfix-file:$WORK/records.ipfix" \
	>"$WORK/live.out" 2>"$WORK/live.err" &
LIVE_PID=$!
PIDS+=($LIVE_PID)
wait_for 20 "the monitor" grep -qs 'middlebox monitor on' "$WORK/live.err" || { cat "$WORK/live.err"; fail "the monitor did not start"; }
MURL=$(sed -n 's/^linkquic-live: metrics at //p' "$WORK/live.err")
[ -n "$MURL" ] || fail "no 'metrics at URL' line: $(cat "$WORK/live.err")"
MPORT=${MURL##*:}; MPORT=${MPORT%%/*}
PPORT=$(free_port)
cat >"$WORK/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  scrape_timeout: 900ms
scrape_configs:
  - job_name: linkquic
    static_configs:
      - targets: ['127.0.0.1:$MPORT']
EOF
lq_in_router timeout $LIFETIME prometheus --config.file="$WORK/prometheus.yml" \
	--storage.tsdb.path="$WORK/tsdb" --web.listen-address="127.0.0.1:$PPORT" \
	>"$WORK/prometheus.log" 2>&1 &
PIDS+=($!)
prom_up() { [ "$(query 'up{job="linkquic"}')" = 1 ]; }
wait_for 20 "Prometheus to scrape linkquic-live" prom_up || { tail -5 "$WORK/prometheus.log"; fail "Prometheus never scraped the target"; }
log "monitor at $MURL, Prometheus at 127.0.0.1:$PPORT scraping it"

# ---- traffic: two transfers, and UDP that is not QUIC ---------------------------------------
start_server v4 "$LQ_S4" $PORT || fail "gtlsserver"
for tag in one two; do
	lq_in_client timeout 20 gtlsclient --no-quic-dump --no-http-dump --exit-on-all-streams-close \
		--timeout=5s --sni=$SNI "$LQ_S4" $PORT "$(url "$LQ_S4" $PORT 30k)" >"$WORK/client-$tag.log" 2>&1 ||
		fail "client $tag: $(tail -3 "$WORK/client-$tag.log")"
done
lq_in_client python3 "$TOP/tests/lib/netutil.py" burst 198.18.2.2 9999 20 "not quic"

# quiet: two scrapes a second apart agree on the QUIC packets
Q_RE='^linkquic_packets_total\{.*verdict="quic"\}$'
prev=-1
for ((i = 0; i < 20; i++)); do
	scrape -o "$WORK/scrape.prom" || fail "curl $MURL failed"
	now=$(sum "$WORK/scrape.prom" "$Q_RE")
	[ "$now" = "$prev" ] && break
	prev=$now
	sleep 1
done

# ---- promtool and the scrape ----------------------------------------------------------------
if out=$(promtool check metrics <"$WORK/scrape.prom" 2>&1); then
	ok promtool "$(wc -l <"$WORK/scrape.prom") lines, clean"
else
	bad promtool "promtool check metrics: $out"
fi
scrape -H 'Accept: application/openmetrics-text;version=1.0.0' -D "$WORK/om.headers" -o "$WORK/scrape.om" ||
	fail "curl (OpenMetrics) failed"
if [ "$(tail -n 1 "$WORK/scrape.om")" != "# EOF" ] || ! grep -qi '^content-type: application/openmetrics-text' "$WORK/om.headers"; then
	bad openmetrics "no OpenMetrics answer: $(grep -i content-type "$WORK/om.headers"), last line '$(tail -n 1 "$WORK/scrape.om")'"
else
	ok openmetrics "application/openmetrics-text, ends with # EOF"
fi

S=$WORK/scrape.prom
why=
quic=$(sum "$S" "$Q_RE")
quic_rc=$(sum "$S" "^linkquic_packets_total\\{interface=\"$LQ_IF_RC\",hook=\"xdp\",verdict=\"quic\"\\}$")
quic_rs=$(sum "$S" "^linkquic_packets_total\\{interface=\"$LQ_IF_RS\",hook=\"xdp\",verdict=\"quic\"\\}$")
notq=$(sum "$S" '^linkquic_packets_total\{.*verdict="not_quic"\}$')
newc=$(sum "$S" '^linkquic_events_total\{.*event="new_conn"\}$')
kq=$(value "$S" 'linkquic_kernel_packets_total{verdict="quic"}')
lost=$(value "$S" linkquic_records_lost_total)
paths=$(value "$S" 'linkquic_map_entries{map="connections_map"}')
cap=$(value "$S" 'linkquic_map_capacity{map="connections_map"}')
up_rc=$(value "$S" "linkquic_interface_up{interface=\"$LQ_IF_RC\"}")
active=$(value "$S" linkquic_connections_active)
idle=$(value "$S" 'linkquic_connections_ended_total{ended="idle"}')
verdicts=$(grep -c "^linkquic_packets_total{interface=\"$LQ_IF_RS\",hook=\"xdp\"," "$S")
nverdicts=$("$BUILD/linkquic-replay" --vocabulary | grep -c '^verdict ')
if [ "$quic_rc" -lt 10 ] || [ "$quic_rs" -lt 10 ]; then why="QUIC packets: $quic_rc on $LQ_IF_RC, $quic_rs on $LQ_IF_RS, want 10 or more on each"
elif [ "$quic" != "$kq" ]; then why="QUIC packets: $quic in the per-interface counters, $kq in the kernel's"
elif [ "$notq" -lt 20 ]; then why="not_quic packets: $notq, want 20 or more (the datagrams to port 9999)"
elif [ "$newc" != 2 ]; then why="new_conn events: $newc, want 2"
elif [ "$lost" != 0 ]; then why="records lost: $lost, want 0"
elif [ "$paths" = none ] || [ "$paths" -lt 2 ]; then why="connections_map entries: $paths, want 2 or more"
elif [ "$cap" != 262144 ]; then why="connections_map capacity: $cap, want 262144 (the default --max-paths)"
elif [ "$up_rc" != 1 ]; then why="linkquic_interface_up of $LQ_IF_RC: $up_rc, want 1"
elif [ $((active + idle)) != 2 ]; then why="connections: $active active and $idle ended idle, want 2 in all"
elif [ "$verdicts" != "$nverdicts" ]; then why="$verdicts verdict series of $LQ_IF_RS xdp, want $nverdicts (one per verdict)"
fi
if [ -n "$why" ]; then bad scrape "$why"
else ok scrape "quic $quic ($quic_rc on $LQ_IF_RC, $quic_rs on $LQ_IF_RS), not_quic $notq, new_conn $newc, connections_map $paths of $cap, lost 0"
fi

# ---- the connections end (-t 4), the exporter made their records ---------------------------
ended_idle() {
	scrape -o "$WORK/idle.prom" && [ "$(value "$WORK/idle.prom" 'linkquic_connections_ended_total{ended="idle"}')" = 2 ]
}
wait_for 10 "the connections to end" ended_idle
S=$WORK/idle.prom
active=$(value "$S" linkquic_connections_active)
idle=$(value "$S" 'linkquic_connections_ended_total{ended="idle"}')
xconn=$(value "$S" linkquic_ipfix_connections_total)
xrec=$(value "$S" linkquic_ipfix_records_total)
if [ "$idle" != 2 ] || [ "$active" != 0 ]; then bad connections "after the idle timeout: $active active (want 0), $idle ended idle (want 2)"
elif [ "$xconn" != 2 ] || [ "$xrec" = none ] || [ "$xrec" -lt 2 ]; then bad ipfix "linkquic_ipfix_connections_total $xconn (want 2), linkquic_ipfix_records_total $xrec (want 2 or more)"
else ok connections "0 active and 2 ended idle after -t 4; the exporter made $xrec records, $xconn of connections"
fi

# ---- Prometheus has the same ----------------------------------------------------------------
pq_match() { pq=$(query 'sum(linkquic_packets_total{verdict="quic"})'); [ "$pq" = "$quic" ]; }
wait_for 10 "Prometheus to scrape the last counts" pq_match
pn=$(query 'sum(linkquic_events_total{event="new_conn"})')

# the tool's own summary at exit: "N frames: ..., quic Q, ..." (the kernel's counters)
kill -INT $LIVE_PID
wait $LIVE_PID
rc=$?
summary_quic=$(sed -n 's/^[0-9]* frames: .* quic \([0-9]*\).*/\1/p' "$WORK/live.out" | head -1)
if [ "$rc" != 0 ]; then bad prometheus "linkquic-live exit $rc, want 0: $(tail -3 "$WORK/live.err")"
elif [ "$pq" != "$quic" ]; then bad prometheus "sum(linkquic_packets_total{verdict=\"quic\"}): Prometheus says $pq, the last scrape $quic"
elif [ "$pn" != "$newc" ]; then bad prometheus "new_conn: Prometheus says $pn, the last scrape $newc"
elif [ "$summary_quic" != "$quic" ]; then bad prometheus "QUIC packets: linkquic-live's summary says '$summary_quic', Prometheus $pq: $(grep frames: "$WORK/live.out")"
else ok prometheus "the query answers quic $pq and new_conn $pn, as the scrape and the summary ('$(grep ' frames: ' "$WORK/live.out")')"
fi

log "$passed passed, $failed failed"
[ $failed = 0 ]
