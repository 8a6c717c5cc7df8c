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
# hosts) and from 176 sources at a low rate. While it runs, ngtcp2
# gtlsclient transfers go from the client: over IPv4 and IPv6, one with a
# migration to a new port. Then:
#   a. every transfer completed: exit status 0, the handshake done, the
#      downloaded file of the size asked for;
#   b. no packet of a real connection was dropped: no record whose address
#      is the client's, or whose label is one of the client's connections,
#      has "action":"drop" (and the migration's probe was linked);
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
	python3 "$TOP/tests/flood.py" addrs | while read -r a; do
		case $a in
		*:*) echo "address add $a/128 dev lo nodad" ;;
		*) echo "address add $a/32 dev lo" ;;
		esac
	done | ip -n "$LQ_NS_A" -batch - || return 1
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
	--seed "$SEED" --log "$WORK/flood.log" >"$WORK/flood.json" 2>"$WORK/flood.err" &
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
log "flood done: $(python3 -c 'import json,sys; s=json.load(open(sys.argv[1]));
print("%d datagrams in %.2f s (%s/s)" % (s["sent"], s["seconds"], s["rate_pps"]))' "$WORK/flood.json")"

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

cat >"$WORK/check.py" <<'PY'
"""The records, the monitor's summary and the server's capture against the flood sent."""
import collections, decimal, ipaddress, json, re, struct, sys

work, lh_spec, conn_spec, if_client, if_attacker, clients = sys.argv[1:7]
norm = lambda a: str(ipaddress.ip_address(a))
clients = {norm(a) for a in clients.split(",")}
failures = []

def fail(msg):
    failures.append(msg)
    print("  FAIL " + msg)

def gcra_params(spec):
    rate, _, burst = spec.partition(":")
    rate, burst = int(rate), int(burst or rate)
    interval = 10**9 // rate  # as the tools compute them (lib/options.c)
    return rate, burst, interval, (burst - 1) * interval

def gcra(state, key, now, p):
    """README "The guard": one theoretical arrival time per source; a
    conforming arrival moves it on by one interval, one over the limit
    leaves it."""
    tat = state.get(key, 0)
    t = max(tat, now)
    if t - now > p[3]:
        return False
    state[key] = t + p[2]
    return True

LH, CONN = gcra_params(lh_spec), gcra_params(conn_spec)
summary = json.load(open(work + "/flood.json"))
flows = summary["flows"]
for f in flows:
    f["src"] = norm(f["src"])
sent = [l.split() for l in open(work + "/flood.log")]
# ts kept as its text: nanoseconds exactly (a float has not the digits)
recs = [json.loads(l, parse_float=str) for l in open(work + "/guard.jsonl")]
err = open(work + "/guard.err").read()
ns = lambda r: int(decimal.Decimal(r["ts"]) * 10**9)

# ---- 0. every packet the programs saw has its record -----------------------------------
m = re.search(r"^(\d+) frames\b", err, re.M)
l = re.search(r"\((\d+) delivered, (\d+) lost\)", err)
if not m or not l:
    print("  FAIL no summary in the monitor's output")
    sys.exit(1)
frames, delivered, lost = int(m.group(1)), int(l.group(1)), int(l.group(2))
print("  monitor: %d packets seen, %d records delivered, %d lost, %d in the file" %
      (frames, delivered, lost, len(recs)))
if lost or frames != delivered or delivered != len(recs):
    fail("records lost or missing: the comparisons below need every record")

# ---- c. the flood the router saw is the flood sent ---------------------------------------
flow_of = {(f["src"], f["sport"]): i for i, f in enumerate(flows)}
pool4, pool6 = ipaddress.ip_network("198.19.0.0/16"), ipaddress.ip_network("2001:db8:100::/40")
in_pool = lambda a: ipaddress.ip_address(a) in (pool4 if ":" not in a else pool6)
dgrams = collections.defaultdict(list)  # flow -> [(class, form, len, dcid)]
for flow, cls, form, n, dcid in sent:
    dgrams[int(flow)].append((cls, form, int(n), dcid))
for i, f in enumerate(flows):
    if len(dgrams[i]) != f["sent"]:
        fail("flood.log has %d datagrams of flow %d, the summary %d" % (len(dgrams[i]), i, f["sent"]))
seen = collections.defaultdict(list)  # flow -> [record index]
stray = []
for i, r in enumerate(recs):
    if r["sport"] is None or not in_pool(r["src"]):
        continue
    k = (norm(r["src"]), r["sport"])
    if r["iface"] != if_attacker or r["hook"] != "xdp" or k not in flow_of:
        stray.append(r)
        continue
    seen[flow_of[k]].append(i)
if stray:
    fail("%d records from flood sources that are no flood datagram, first: %s" %
         (len(stray), json.dumps(stray[0])))
bad = 0
for i, f in enumerate(flows):
    got = [recs[j]["udp_len"] for j in seen[i]]
    want = [d[2] for d in dgrams[i]]
    if got != want:
        bad += 1
        if bad == 1:
            n = next((k for k in range(min(len(got), len(want))) if got[k] != want[k]),
                     min(len(got), len(want)))
            fail("flow %d (%s port %d): %d datagrams sent, %d records; they part at %d "
                 "(sent %s, record %s)" % (i, f["src"], f["sport"], len(want), len(got), n + 1,
                                           want[n] if n < len(want) else "-",
                                           got[n] if n < len(got) else "-"))
nflood = sum(len(v) for v in seen.values())
if bad:
    fail("%d of %d flows differ between the flood sent and the records" % (bad, len(flows)))
else:
    print("  flood: %d datagrams sent = %d records at %s (per source port, in order, "
          "same lengths)" % (summary["sent"], nflood, if_attacker))

# ---- c, d. each datagram's fate, and the GCRA model's ----------------------------------
which = {}  # record index -> (flow, datagram)
for i, idx in seen.items():
    for j, d in zip(idx, dgrams[i]):
        which[j] = (i, d)
state = {}
mism = 0
by_class = collections.Counter()       # (class, verdict, reason, action) observed
per_bucket = collections.defaultdict(collections.Counter)
span = {}
for j, r in enumerate(recs):
    if j not in which:
        continue
    i, (cls, form, _, dcid) = which[j]
    f = flows[i]
    b, now = f["bucket"], ns(r)
    exp = None
    if form == "L" and not gcra(state, ("lh", b), now, LH):
        exp = ("limited", "rate_limit", "drop")
    elif cls == "initial":
        if not gcra(state, ("conn", b), now, CONN):
            exp = ("limited", "conn_rate", "drop")
        else:
            exp = ("quic", None, "pass")
    else:
        exp = ("garbage", cls, "drop")
    got = (r["verdict"], r["reason"], r["action"])
    by_class[(cls,) + got] += 1
    pb = per_bucket[b]
    pb["sent"] += 1
    pb[got[1] or "pass"] += 1
    pb["exp_" + (exp[1] or "pass")] += 1
    if form == "L":
        pb["long"] += 1
    s = span.setdefault(b, [now, now])
    s[1] = now
    if got != exp or (cls == "initial" and got[0] == "quic" and
                      (r["event"] != "new_conn" or r["dcid"] != dcid)):
        mism += 1
        if mism <= 5:
            fail("%s datagram from %s port %d (%s): expected %s, record %s" %
                 (cls, f["src"], f["sport"], form, "/".join(map(str, exp)), json.dumps(r)))
if mism:
    fail("%d flood datagrams not as expected" % mism)

sent_class = collections.Counter(d[0] for v in dgrams.values() for d in v)
print("  %-18s %7s %7s %9s %10s %9s %7s" % ("CLASS", "SENT", "DROPPED", "AS ITSELF",
                                           "RATE_LIMIT", "CONN_RATE", "PASSED"))
for cls in sorted(sent_class):
    c = {k[1:]: v for k, v in by_class.items() if k[0] == cls}
    drop = sum(v for k, v in c.items() if k[2] == "drop")
    itself = c.get(("garbage", cls, "drop"), 0)
    rl = c.get(("limited", "rate_limit", "drop"), 0)
    cr = c.get(("limited", "conn_rate", "drop"), 0)
    print("  %-18s %7d %7d %9s %10d %9d %7d" % (cls, sent_class[cls], drop,
                                              itself if cls != "initial" else "-", rl, cr,
                                              sent_class[cls] - drop))
    if cls != "initial" and (itself != sent_class[cls] or drop != sent_class[cls]):
        fail("%s: %d sent, %d dropped as %s" % (cls, sent_class[cls], itself, cls))

# Every drop with a garbage reason is a flood datagram of that class: nothing else.
garbage_drops = collections.Counter(r["reason"] for r in recs
                                    if r["action"] == "drop" and r["verdict"] == "garbage")
want = collections.Counter({k: v for k, v in sent_class.items() if k != "initial"})
if garbage_drops != want:
    fail("garbage drops per reason %s, garbage sent per class %s" %
         (dict(garbage_drops), dict(want)))

# d. the rates, source by source (the model's prediction is checked above)
kind_of = {f["bucket"]: f["kind"] for f in flows}
print("  %-22s %-7s %6s %6s %10s %9s %6s %s" % ("SOURCE", "KIND", "SENT", "LONG", "RATE_LIMIT",
                                              "CONN_RATE", "PASSED", "BOUND"))
for b in sorted(per_bucket, key=lambda x: (kind_of[x], x)):
    pb, kind = per_bucket[b], kind_of[b]
    if kind == "low" and (pb["rate_limit"] or pb["conn_rate"]):
        fail("low-rate source %s was limited" % b)
    if kind != "high":
        continue
    secs = (span[b][1] - span[b][0]) / 1e9
    lh_pass = pb["long"] - pb["rate_limit"]
    lh_bound = LH[1] + LH[0] * secs + 1
    conn_bound = CONN[1] + CONN[0] * secs + 1
    print("  %-22s %-7s %6d %6d %10d %9d %6d long %d <= %.0f, conns %d <= %.0f over %.2f s" % (
        b, kind, pb["sent"], pb["long"], pb["rate_limit"], pb["conn_rate"], pb["pass"],
        lh_pass, lh_bound, pb["pass"], conn_bound, secs))
    if not pb["rate_limit"] or not pb["conn_rate"]:
        fail("high-rate source %s was not limited by both rates" % b)
    if lh_pass > lh_bound or pb["pass"] > conn_bound:
        fail("high-rate source %s passed more than burst + rate x time" % b)
    # over both rates the whole time, so it gets nearly the whole allowance
    if pb["pass"] < CONN[1] + CONN[0] * secs - 2:
        fail("high-rate source %s passed fewer than burst + rate x time" % b)
low = [b for b in per_bucket if kind_of[b] == "low"]
glim = sum(per_bucket[b]["rate_limit"] for b in per_bucket if kind_of[b] == "garbage")
print("  %d low-rate sources: %d Initials, none limited; %d garbage sources: %d limited" %
      (len(low), sum(per_bucket[b]["sent"] for b in low),
       sum(1 for b in per_bucket if kind_of[b] == "garbage"), glim))
if glim:
    fail("garbage sources were rate-limited: the flood is too dense for the test's rates")

# ---- c. the monitor's own counters equal its records ------------------------------------
def counts(line_re):
    m = re.search(line_re, err, re.M)
    if not m or not m.group(1):
        return collections.Counter()
    return collections.Counter({k: int(v) for k, v in
                                (x.strip().rsplit(" ", 1) for x in m.group(1).split(","))})

drops = collections.Counter(r["reason"] for r in recs if r["action"] == "drop")
m = re.search(r"^dropped: (\d+)", err, re.M)
total = int(m.group(1)) if m else 0
sum_drops = counts(r"^dropped: \d+ \((.*)\)$")
sum_reasons = counts(r"^garbage: (.*)$") + counts(r"^limited: (.*)$")
sum_verdicts = counts(r"^\d+ frames: (.*)$")
rec_reasons = collections.Counter(r["reason"] for r in recs if r["reason"])
rec_verdicts = collections.Counter(r["verdict"] for r in recs)
for what, a, b in (("drops", sum_drops, drops), ("reasons", sum_reasons, rec_reasons),
                   ("verdicts", sum_verdicts, rec_verdicts)):
    if a != b:
        fail("summary %s %s, records %s" % (what, dict(a), dict(b)))
if total != sum(drops.values()):
    fail("summary: dropped %d, records with action drop: %d" % (total, sum(drops.values())))
print("  summary: dropped %d (%s) = the records'" %
      (total, ", ".join("%s %d" % kv for kv in sorted(sum_drops.items()))))

# ---- b. nothing of the real connections was dropped -------------------------------------
legit = [r for r in recs if r["src"] in clients or r["dst"] in clients]
labels = {r["conn"] for r in legit if r["conn"]}
touched = [r for r in recs if r["src"] in clients or r["dst"] in clients or r["conn"] in labels]
dropped = [r for r in touched if r["action"] == "drop"]
other = collections.Counter(r["verdict"] for r in touched if r["verdict"] != "quic")
events = collections.Counter(r["event"] for r in touched if r["event"])
print("  real connections: %d, %d packets, %d dropped; verdicts other than quic: %s; "
      "events: %s" % (len(labels), len(touched), len(dropped), dict(other) or "none",
                      ", ".join("%s %d" % kv for kv in sorted(events.items()))))
if dropped:
    fail("%d packets of real connections dropped, first: %s" % (len(dropped),
                                                                json.dumps(dropped[0])))
if not events.get("probing") or not events.get("migration"):
    fail("the migration was not seen linked (no probing and migration events)")

# ---- e. the server received exactly what passed -----------------------------------------
def read_pcap(path):
    data = open(path, "rb").read()
    e = "<" if struct.unpack("<I", data[:4])[0] in (0xa1b2c3d4, 0xa1b23c4d) else ">"
    off, out = 24, []
    while off + 16 <= len(data):
        _, _, incl, _ = struct.unpack(e + "IIII", data[off:off + 16])
        out.append(data[off + 16:off + 16 + incl])
        off += 16 + incl
    return out

def udp_of(frame):
    """(src, sport, dst, dport, payload head) of an Ethernet frame, or None."""
    et = frame[12:14]
    if et == b"\x08\x00" and frame[23] == 17:
        ihl = (frame[14] & 15) * 4
        src, dst, u = frame[26:30], frame[30:34], 14 + ihl
    elif et == b"\x86\xdd" and frame[20] == 17:
        src, dst, u = frame[22:38], frame[38:54], 54
    else:
        return None
    sp, dp = struct.unpack("!HH", frame[u:u + 4])
    return (str(ipaddress.ip_address(src)), sp, str(ipaddress.ip_address(dst)), dp, frame[u + 8:])

cap = [x for x in map(udp_of, read_pcap(work + "/server-in.pcap")) if x]
at_server = collections.Counter((s, sp) for s, sp, _, _, _ in cap)
dcids_at_server = set()
for s, sp, _, _, p in cap:
    if (s, sp) in flow_of and len(p) > 6 and p[0] & 0x80:
        dcids_at_server.add(p[6:6 + p[5]].hex())
passed = collections.Counter()
dcids_passed = set()
for j, (i, d) in which.items():
    if recs[j]["action"] == "pass":
        passed[i] += 1
        if d[0] == "initial":
            dcids_passed.add(recs[j]["dcid"])
bad = [(i, passed[i], at_server[(f["src"], f["sport"])]) for i, f in enumerate(flows)
       if passed[i] != at_server[(f["src"], f["sport"])]]
strays = [k for k in at_server if in_pool(k[0]) and k not in flow_of]
garb_at_server = sum(at_server[(f["src"], f["sport"])] for f in flows if f["kind"] == "garbage")
print("  server: %d flood datagrams received = %d passed; from garbage sources: %d; "
      "the passed Initials' DCIDs %s" % (
          sum(at_server[(f["src"], f["sport"])] for f in flows), sum(passed.values()),
          garb_at_server, "match" if dcids_at_server == dcids_passed else "DIFFER"))
if bad:
    i, p, a = bad[0]
    fail("%d flood flows: passed != received at the server; first %s port %d: %d passed, "
         "%d received" % (len(bad), flows[i]["src"], flows[i]["sport"], p, a))
if garb_at_server:
    fail("the server received %d garbage datagrams" % garb_at_server)
if strays or dcids_at_server != dcids_passed:
    fail("the Initials the server received are not the ones the guard passed")
sent_by_client = sum(1 for r in recs
                     if r["src"] in clients and r["iface"] == if_client and r["sport"] is not None)
got_from_client = sum(v for (s, _), v in at_server.items() if s in clients)
print("  server: %d UDP datagrams from the client received = %d it sent through the router" %
      (got_from_client, sent_by_client))
if sent_by_client != got_from_client:
    fail("the client's packets did not all reach the server")

# ---- the benchmark ----------------------------------------------------------------------
fl = [recs[j] for j in sorted(which)]
secs = (ns(fl[-1]) - ns(fl[0])) / 1e9 if len(fl) > 1 else 0
garb = [r for j, r in ((j, recs[j]) for j in which) if which[j][1][0] != "initial"]
ini = [recs[j] for j in which if which[j][1][0] == "initial"]
gd = sum(1 for r in garb if r["action"] == "drop")
idr = sum(1 for r in ini if r["action"] == "drop")
ad = gd + idr
bench = {"flood_pps": round(len(fl) / secs) if secs else None, "seconds": round(secs, 2),
         "datagrams": len(fl), "garbage": len(garb), "garbage_dropped": gd,
         "initials": len(ini), "initials_dropped": idr, "dropped": ad,
         "drops_by_reason": dict(sorted(drops.items())), "real_transfers_packets": len(touched),
         "real_dropped": len(dropped)}
json.dump(bench, open(work + "/benchmark.json", "w"))
print("benchmark: a flood of %d datagrams at %d packets/s for %.1f s (router's clock): "
      "garbage dropped %d/%d (%.1f%%), spoofed-looking Initials dropped %d/%d (%.1f%%), "
      "the flood dropped %d/%d (%.1f%%); real connections' packets dropped %d/%d" % (
          len(fl), bench["flood_pps"] or 0, secs, gd, len(garb), 100.0 * gd / max(1, len(garb)),
          idr, len(ini), 100.0 * idr / max(1, len(ini)), ad, len(fl), 100.0 * ad / max(1, len(fl)),
          len(dropped), len(touched)))
sys.exit(1 if failures else 0)
PY

log "checks:"
python3 "$WORK/check.py" "$WORK" $GUARD_RATE $GUARD_CONN_RATE "$LQ_IF_RC" "$IF_RA" "$LQ_C4,$LQ_C6"
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
