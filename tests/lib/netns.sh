# shellcheck shell=bash disable=SC2015
# (SC2015: "A && B || { report; return 1; }" is meant: any failure reports.)
# tests/lib/netns.sh - build and tear down a three-host test topology.
#
# Source it, trap the teardown, build:
#
#     . tests/lib/netns.sh
#     trap lq_netns_teardown EXIT
#     lq_netns_setup || exit 1      # or: lq_netns_setup --client-addr2 --server-addr2
#     lq_in_server some-server "$LQ_S4" 443 &
#     lq_in_client some-client "$LQ_S4" 443
#
# Every host is a network namespace; the names carry a per-process prefix,
# so parallel runs do not collide:
#
#   client  $LQ_NS_C            router  $LQ_NS_R                  server  $LQ_NS_S
#   $LQ_IF_C  <---- veth ---->  $LQ_IF_RC    $LQ_IF_RS  <---- veth ---->  $LQ_IF_S
#
#   variable   address          where
#   $LQ_C4     198.18.1.2       client
#   $LQ_C4B    198.18.1.3       client, second address (--client-addr2)
#   $LQ_RC4    198.18.1.1       router, client side (the client's gateway)
#   $LQ_RS4    198.18.2.1       router, server side (the server's gateway)
#   $LQ_S4     198.18.2.2       server
#   $LQ_S4B    198.18.2.3       server, second address (--server-addr2)
#   $LQ_C6 $LQ_C6B $LQ_RC6 $LQ_RS6 $LQ_S6 $LQ_S6B: the same hosts in IPv6,
#              2001:db8:1::2, ::3, 2001:db8:1::1, 2001:db8:2::1, 2001:db8:2::2, ::3
#
# Client segment 198.18.1.0/24 and 2001:db8:1::/64, server segment
# 198.18.2.0/24 and 2001:db8:2::/64 (prefix lengths $LQ_PLEN4, $LQ_PLEN6).
# Only 198.18.0.0/15 (RFC 2544 benchmarking) and 2001:db8::/32 (RFC 3849
# documentation) are used.  The router forwards IPv4 and IPv6; client and
# server route everything through it.  The router is where a middlebox
# monitor attaches: $LQ_IF_RC faces the client, $LQ_IF_RS faces the server.
# Interface names are fixed (lq-c, lq-rc, lq-rs, lq-s): they live inside the
# namespaces, never in the caller's.
#
# So that what a capture on the router shows is what a wire would carry:
# - GSO, GRO, TSO and UDP segmentation offloads are off on every veth (one
#   datagram per frame, none larger than $LQ_MTU);
# - MAC addresses are fixed ($LQ_MAC_C, $LQ_MAC_RC, $LQ_MAC_RS, $LQ_MAC_S)
#   and neighbour entries static, so there is no ARP or neighbour discovery;
# - IPv6 duplicate address detection, router solicitations and router
#   advertisements are off.  (The kernel still sends MLD reports for a few
#   seconds after a link comes up; a capture filter like
#   "not ip6 multicast" leaves them out.)
# lq_netns_setup returns once every link is operationally up.
#
# Functions:
#   lq_netns_setup [--client-addr2] [--server-addr2]
#                             build everything; non-zero (and one line on
#                             stderr) on failure
#   lq_netns_teardown         kill what still runs inside the namespaces, then
#                             delete them (safe to call twice)
#   lq_in_client CMD...       run CMD in the client namespace (also
#                             lq_in_router, lq_in_server)
#   lq_client_use_src A4 A6   sockets the client binds from now on get source
#                             A4 / A6 (its default routes' "src"); sockets
#                             already bound keep theirs
#   lq_router_add_addr A4 A6  one more address on the router's server side
#                             (e.g. a NAT pool), known to the server
#   lq_netns_shape RATE       limit the router's egress on both veths to RATE
#                             (tc htb, e.g. 1mbit) so transfers last long
#                             enough for mid-transfer events; "none" removes it
#
# Requires: ip and tc (iproute2), ethtool, sysctl.

LQ_PFX=${LQ_PFX:-lq$$-}

LQ_PLEN4=24
LQ_PLEN6=64
LQ_MTU=1500
LQ_C4=198.18.1.2
LQ_C4B=198.18.1.3
LQ_RC4=198.18.1.1
LQ_RS4=198.18.2.1
LQ_S4=198.18.2.2
LQ_S4B=198.18.2.3
LQ_C6=2001:db8:1::2
LQ_C6B=2001:db8:1::3
LQ_RC6=2001:db8:1::1
LQ_RS6=2001:db8:2::1
LQ_S6=2001:db8:2::2
LQ_S6B=2001:db8:2::3

# Interface names live inside their own namespaces, so they need no prefix.
LQ_IF_C=lq-c
LQ_IF_RC=lq-rc
LQ_IF_RS=lq-rs
LQ_IF_S=lq-s
# Fixed, locally administered MAC addresses: captures are reproducible.
LQ_MAC_C=02:1c:00:00:01:02
LQ_MAC_RC=02:1c:00:00:01:01
LQ_MAC_RS=02:1c:00:00:02:01
LQ_MAC_S=02:1c:00:00:02:02

LQ_NS_C=
LQ_NS_R=
LQ_NS_S=
LQ_NETNS_CREATED=()

lq_in_client() { ip netns exec "$LQ_NS_C" "$@"; }
lq_in_router() { ip netns exec "$LQ_NS_R" "$@"; }
lq_in_server() { ip netns exec "$LQ_NS_S" "$@"; }

_lq_err() { echo "netns.sh: $*" >&2; }

# New namespace with loopback up and IPv6 made quiet before any veth exists
# (interfaces take the namespace's "default" settings when they appear).
_lq_ns_new() {
	local ns=$1
	ip netns add "$ns" || { _lq_err "cannot create namespace '$ns'"; return 1; }
	LQ_NETNS_CREATED+=("$ns")
	ip -n "$ns" link set lo up || return 1
	ip netns exec "$ns" sysctl -qw \
		net.ipv6.conf.default.accept_dad=0 \
		net.ipv6.conf.all.accept_dad=0 \
		net.ipv6.conf.default.router_solicitations=0 \
		net.ipv6.conf.default.accept_ra=0 \
		net.ipv6.conf.all.accept_ra=0 >/dev/null ||
		{ _lq_err "cannot set IPv6 sysctls in '$ns'"; return 1; }
}

_lq_offload_off() {
	local ns=$1 dev=$2
	# Features a veth does not have are reported, not fatal; check the result.
	ip netns exec "$ns" ethtool -K "$dev" gso off gro off tso off \
		tx-udp-segmentation off >/dev/null 2>&1
	ip netns exec "$ns" ethtool -K "$dev" rx-gro-list off rx-udp-gro-forwarding off \
		>/dev/null 2>&1
	local on
	on=$(ip netns exec "$ns" ethtool -k "$dev" 2>/dev/null |
		grep -E '^(generic-segmentation-offload|generic-receive-offload|tcp-segmentation-offload|tx-udp-segmentation): on')
	if [ -n "$on" ]; then
		_lq_err "offloads still on for '$dev' in '$ns': $on"
		return 1
	fi
}

_lq_link_up() {
	local ns=$1 dev=$2 mac=$3
	# Offloads first: changing features of a running veth can leave its
	# carrier reported down.
	ip -n "$ns" link set "$dev" address "$mac" mtu "$LQ_MTU" &&
		_lq_offload_off "$ns" "$dev" &&
		ip -n "$ns" link set "$dev" up
}

_lq_wait_oper_up() {
	local ns=$1 dev=$2 _ state
	for _ in $(seq 1 50); do
		state=$(ip netns exec "$ns" cat "/sys/class/net/$dev/operstate" 2>/dev/null)
		[ "$state" = up ] && return 0
		sleep 0.1
	done
	_lq_err "link '$dev' in '$ns' not up after 5 s (operstate '$state')"
	return 1
}

_lq_neigh() {
	local ns=$1 dev=$2 mac=$3 a4=$4 a6=$5
	ip -n "$ns" neigh replace "$a4" lladdr "$mac" dev "$dev" nud permanent &&
		ip -n "$ns" -6 neigh replace "$a6" lladdr "$mac" dev "$dev" nud permanent
}

# Add an address to the router's server-facing side (for example a NAT
# pool address) and tell the server where it is.
lq_router_add_addr() {
	local a4=$1 a6=$2
	_lq_addr "$LQ_NS_R" "$LQ_IF_RS" "$a4" "$a6" &&
		_lq_neigh "$LQ_NS_S" "$LQ_IF_S" "$LQ_MAC_RS" "$a4" "$a6"
}

_lq_addr() {
	local ns=$1 dev=$2 a4=$3 a6=$4
	ip -n "$ns" addr add "$a4/$LQ_PLEN4" dev "$dev" || return 1
	ip -n "$ns" -6 addr add "$a6/$LQ_PLEN6" dev "$dev" nodad || return 1
}

lq_netns_setup() {
	local addr2_c=0 addr2_s=0
	while [ $# -gt 0 ]; do
		case $1 in
		--client-addr2) addr2_c=1 ;;
		--server-addr2) addr2_s=1 ;;
		*) _lq_err "lq_netns_setup: unknown option '$1'"; return 2 ;;
		esac
		shift
	done
	local cmd
	for cmd in ip ethtool sysctl; do
		command -v "$cmd" >/dev/null 2>&1 ||
			{ _lq_err "missing command '$cmd'"; return 1; }
	done

	LQ_NS_C=${LQ_PFX}client
	LQ_NS_R=${LQ_PFX}router
	LQ_NS_S=${LQ_PFX}server

	_lq_ns_new "$LQ_NS_C" && _lq_ns_new "$LQ_NS_R" && _lq_ns_new "$LQ_NS_S" || return 1

	# Created directly inside the namespaces: no name ever exists in the
	# caller's namespace, so parallel runs cannot clash there either.
	ip link add "$LQ_IF_C" netns "$LQ_NS_C" type veth \
		peer name "$LQ_IF_RC" netns "$LQ_NS_R" ||
		{ _lq_err "cannot create veth client<->router"; return 1; }
	ip link add "$LQ_IF_RS" netns "$LQ_NS_R" type veth \
		peer name "$LQ_IF_S" netns "$LQ_NS_S" ||
		{ _lq_err "cannot create veth router<->server"; return 1; }

	ip netns exec "$LQ_NS_R" sysctl -qw net.ipv4.ip_forward=1 \
		net.ipv6.conf.all.forwarding=1 >/dev/null ||
		{ _lq_err "cannot enable forwarding in '$LQ_NS_R'"; return 1; }

	_lq_addr "$LQ_NS_C" "$LQ_IF_C" "$LQ_C4" "$LQ_C6" &&
		_lq_addr "$LQ_NS_R" "$LQ_IF_RC" "$LQ_RC4" "$LQ_RC6" &&
		_lq_addr "$LQ_NS_R" "$LQ_IF_RS" "$LQ_RS4" "$LQ_RS6" &&
		_lq_addr "$LQ_NS_S" "$LQ_IF_S" "$LQ_S4" "$LQ_S6" ||
		{ _lq_err "cannot add addresses"; return 1; }
	if [ $addr2_c = 1 ]; then
		_lq_addr "$LQ_NS_C" "$LQ_IF_C" "$LQ_C4B" "$LQ_C6B" ||
			{ _lq_err "cannot add second client address"; return 1; }
	fi
	if [ $addr2_s = 1 ]; then
		_lq_addr "$LQ_NS_S" "$LQ_IF_S" "$LQ_S4B" "$LQ_S6B" ||
			{ _lq_err "cannot add second server address"; return 1; }
	fi

	_lq_link_up "$LQ_NS_C" "$LQ_IF_C" "$LQ_MAC_C" &&
		_lq_link_up "$LQ_NS_R" "$LQ_IF_RC" "$LQ_MAC_RC" &&
		_lq_link_up "$LQ_NS_R" "$LQ_IF_RS" "$LQ_MAC_RS" &&
		_lq_link_up "$LQ_NS_S" "$LQ_IF_S" "$LQ_MAC_S" || return 1

	# The kernel reports carrier changes asynchronously (linkwatch, up to a
	# second); wait so that nothing later sees a link still marked down.
	_lq_wait_oper_up "$LQ_NS_C" "$LQ_IF_C" &&
		_lq_wait_oper_up "$LQ_NS_R" "$LQ_IF_RC" &&
		_lq_wait_oper_up "$LQ_NS_R" "$LQ_IF_RS" &&
		_lq_wait_oper_up "$LQ_NS_S" "$LQ_IF_S" || return 1

	# Explicit src: with a second address present the choice stays stable.
	ip -n "$LQ_NS_C" route add default via "$LQ_RC4" src "$LQ_C4" &&
		ip -n "$LQ_NS_C" -6 route add default via "$LQ_RC6" src "$LQ_C6" &&
		ip -n "$LQ_NS_S" route add default via "$LQ_RS4" src "$LQ_S4" &&
		ip -n "$LQ_NS_S" -6 route add default via "$LQ_RS6" src "$LQ_S6" ||
		{ _lq_err "cannot add default routes"; return 1; }

	# Static neighbour entries: no ARP or neighbour discovery on the links,
	# so captures hold only the test's traffic and first packets are not
	# delayed behind address resolution.
	_lq_neigh "$LQ_NS_C" "$LQ_IF_C" "$LQ_MAC_RC" "$LQ_RC4" "$LQ_RC6" &&
		_lq_neigh "$LQ_NS_R" "$LQ_IF_RC" "$LQ_MAC_C" "$LQ_C4" "$LQ_C6" &&
		_lq_neigh "$LQ_NS_R" "$LQ_IF_RS" "$LQ_MAC_S" "$LQ_S4" "$LQ_S6" &&
		_lq_neigh "$LQ_NS_S" "$LQ_IF_S" "$LQ_MAC_RS" "$LQ_RS4" "$LQ_RS6" ||
		{ _lq_err "cannot add neighbour entries"; return 1; }
	if [ $addr2_c = 1 ]; then
		_lq_neigh "$LQ_NS_R" "$LQ_IF_RC" "$LQ_MAC_C" "$LQ_C4B" "$LQ_C6B" ||
			{ _lq_err "cannot add neighbour entries"; return 1; }
	fi
	if [ $addr2_s = 1 ]; then
		_lq_neigh "$LQ_NS_R" "$LQ_IF_RS" "$LQ_MAC_S" "$LQ_S4B" "$LQ_S6B" ||
			{ _lq_err "cannot add neighbour entries"; return 1; }
	fi
	return 0
}

# Route-selected source address for sockets the client opens from now on.
# Sockets already bound keep theirs, so a program that opens a new socket
# mid-connection (ngtcp2's --change-local-addr) moves to the new address.
lq_client_use_src() {
	local a4=$1 a6=$2
	ip -n "$LQ_NS_C" route replace default via "$LQ_RC4" src "$a4" &&
		ip -n "$LQ_NS_C" -6 route replace default via "$LQ_RC6" src "$a6"
}

lq_netns_shape() {
	local rate=$1 dev
	for dev in "$LQ_IF_RC" "$LQ_IF_RS"; do
		tc -n "$LQ_NS_R" qdisc del dev "$dev" root >/dev/null 2>&1
		[ "$rate" = none ] && continue
		tc -n "$LQ_NS_R" qdisc add dev "$dev" root handle 1: htb default 1 &&
			tc -n "$LQ_NS_R" class add dev "$dev" parent 1: classid 1:1 \
				htb rate "$rate" ceil "$rate" ||
			{ _lq_err "cannot shape '$dev' to '$rate'"; return 1; }
	done
}

lq_netns_teardown() {
	local ns pids
	for ns in "${LQ_NETNS_CREATED[@]}"; do
		# A process left inside would keep the namespace alive after
		# "ip netns del"; every process in these namespaces is the test's own.
		pids=$(ip netns pids "$ns" 2>/dev/null)
		if [ -n "$pids" ]; then
			# shellcheck disable=SC2086
			kill $pids 2>/dev/null
			sleep 0.2
			pids=$(ip netns pids "$ns" 2>/dev/null)
			# shellcheck disable=SC2086
			[ -n "$pids" ] && kill -KILL $pids 2>/dev/null
		fi
		ip netns del "$ns" 2>/dev/null
	done
	LQ_NETNS_CREATED=()
}
