# shellcheck shell=bash
# tests/lib/ipfix.sh - nfacctd as the IPFIX tests run it (tests/ipfix.sh,
# tests/ipfix_live.sh): contrib/ipfix/nfacctd.conf itself, with its address,
# port, primitives file and output rewritten, every backend purged each second.
#
#     CONTRIB=contrib/ipfix WORK=dir NFA_PIDS=() [NFA_CONF=nfacctd-backends.conf]
#     start_nfacctd ADDR PORT OUT TAG [CMD...]   CMD: e.g. ip netns exec NS
#     stop_nfacctd PID                           SIGKILL, its plugin too
#     settle FILE                                until FILE stops growing

# nfacctd_conf ADDR PORT OUT
nfacctd_conf() {
	sed -E -e "s|^nfacctd_ip:.*|nfacctd_ip: $1|" \
		-e "s|^nfacctd_port:.*|nfacctd_port: $2|" \
		-e "s|^aggregate_primitives:.*|aggregate_primitives: $CONTRIB/aggregate_primitives|" \
		-e "s|^(print_output_file\[quic\]):.*|\1: $3|" \
		-e "s|^((print\|sql\|kafka)_refresh_time\[[a-z]+\]):.*|\1: 1|" \
		"$CONTRIB/${NFA_CONF:-nfacctd.conf}"
}

# start_nfacctd ADDR PORT OUT TAG [CMD...]: returns once it listens and its plugins
# have started; sets NFA_PID.
NFA_PID=
start_nfacctd() {
	local addr=$1 port=$2 out=$3 tag=$4 i p plugins ready
	shift 4
	nfacctd_conf "$addr" "$port" "$out" >"$WORK/nfacctd-$tag.conf"
	"$@" nfacctd -f "$WORK/nfacctd-$tag.conf" >"$WORK/nfacctd-$tag.log" 2>&1 &
	NFA_PID=$!
	NFA_PIDS+=("$NFA_PID")
	# the core listens before its plugins read their pipes: with several plugins,
	# records sent then could miss one (print's file stayed empty, 1 run in 5).
	# Ready is the core listening and every plugin through its first purge.
	plugins=$(sed -nE 's/^plugins:[[:space:]]*//p' "$WORK/nfacctd-$tag.conf" |
		sed -E 's/[[:space:]]//g; s/([a-z0-9_]+)\[([a-z0-9_]+)\]/\2\/\1/g; s/,/ /g')
	for ((i = 0; i < 200; i++)); do
		ready=0
		if grep -qs "waiting for NetFlow/IPFIX data" "$WORK/nfacctd-$tag.log"; then
			ready=1
			for p in $plugins; do
				grep -qs "( $p ): \*\*\* Purging cache - END" "$WORK/nfacctd-$tag.log" || ready=0
			done
		fi
		[ $ready = 1 ] && return 0
		kill -0 "$NFA_PID" 2>/dev/null || break
		sleep 0.05
	done
	cat "$WORK/nfacctd-$tag.log"
	echo "nfacctd did not start: waited for its core to listen and for plugins $plugins to purge once" >&2
	return 1
}

# nfacctd takes its time over SIGTERM: its core and plugin processes go with SIGKILL
stop_nfacctd() {
	local p
	for p in $(pgrep -P "$1"); do pkill -9 -P "$p" 2>/dev/null; kill -9 "$p" 2>/dev/null; done
	kill -9 "$1" 2>/dev/null
	wait "$1" 2>/dev/null
}

# settle FILE: until FILE has stopped growing for 1.5 s (at most 20 s)
settle() {
	local last=-1 now same=0 i
	for ((i = 0; i < 200 && same < 15; i++)); do
		now=$(stat -c %s "$1" 2>/dev/null || echo 0)
		if [ "$now" = "$last" ] && [ "$now" != 0 ]; then same=$((same + 1)); else same=0; fi
		last=$now
		sleep 0.1
	done
}
