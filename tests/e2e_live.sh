#!/usr/bin/env bash
# tests/e2e_live.sh - live equals replay, on real QUIC traffic.
#
# Builds client, router and server hosts in network namespaces
# (tests/lib/netns.sh), runs Debian's ngtcp2 gtlsclient/gtlsserver through the
# router (a server preferred address, plain transfers over IPv4 and IPv6,
# client migration to a new port and to a new address, NAT rebinding by an
# nftables SNAT) plus non-QUIC UDP and UDP GSO super-packets, while
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
#      the client sent reached the router (client egress = router ingress).
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

export TZ=UTC LC_ALL=C
# shellcheck source=tests/lib/netns.sh
. "$TOP/tests/lib/netns.sh"
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
cat >"$WORK/udp.py" <<'PY'
import random, selectors, socket, sys, time

def serve(addrs, ports, lifetime):
    sel = selectors.DefaultSelector()
    for a in addrs:
        fam = socket.AF_INET6 if ":" in a else socket.AF_INET
        for p in ports:
            s = socket.socket(fam, socket.SOCK_DGRAM)
            s.bind((a, p))
            sel.register(s, selectors.EVENT_READ, p)
    print("ready", flush=True)
    end = time.monotonic() + lifetime
    while time.monotonic() < end:
        for key, _ in sel.select(timeout=0.2):
            data, peer = key.fileobj.recvfrom(65535)
            if key.data == 53 and len(data) >= 12:
                key.fileobj.sendto(data[:2] + b"\x81\x80" + data[4:], peer)

def send(src, dst, seed):
    rng = random.Random(seed)
    fam = socket.AF_INET6 if ":" in dst else socket.AF_INET
    def rnd(n):
        return bytes(rng.randrange(256) for _ in range(n))
    plan = []
    for i in range(30):  # RTP-like: version 2, PCMU
        plan.append((5004, b"\x80\x00" + (100 + i).to_bytes(2, "big") + rnd(168)))
    for i in range(4):   # DNS-like queries, answered
        plan.append((53, rnd(2) + b"\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00"
                     b"\x04test\x00\x00\x01\x00\x01"))
    # QUIC look-alikes: to the QUIC port (a short header, a long header
    # below the Initial minimum, random bytes) and elsewhere (a 1250-byte
    # "Initial" of version 1, a long header of an odd version).
    plan.append((443, bytes([0x40 | rng.randrange(64)]) + rnd(60)))
    plan.append((443, b"\xc3\x00\x00\x00\x01\x08" + rnd(300)))
    plan.append((443, rnd(120)))
    plan.append((9999, b"\xc3\x00\x00\x00\x01\x08" + rnd(1244)))
    plan.append((9999, b"\xe0\xff\x00\x00\x1d\x08" + rnd(90)))
    socks = []
    for dport, payload in plan:
        s = socket.socket(fam, socket.SOCK_DGRAM)
        s.bind((src, 0))
        s.sendto(payload, (dst, dport))
        socks.append(s)
        time.sleep(0.005)
    time.sleep(0.3)  # answers find their socket open: no ICMP
    for s in socks:
        s.close()

def send_gso(src, dst, seed):
    # UDP GSO (UDP_SEGMENT): one send, one super-packet at the tc egress
    # hook, three datagrams on the wire (offloads are off: the kernel cuts
    # it after tc). Segments of different kinds: a version-1 long header,
    # a short-header shape, random bytes; the last one shorter.
    rng = random.Random(seed)
    fam = socket.AF_INET6 if ":" in dst else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_DGRAM)
    s.bind((src, 0))
    s.setsockopt(socket.SOL_UDP, 103, 1200)  # UDP_SEGMENT
    seg = [b"\xc3\x00\x00\x00\x01\x08" + bytes(rng.randrange(256) for _ in range(1194)),
           bytes([0x40 | rng.randrange(64)]) + bytes(rng.randrange(256) for _ in range(1199)),
           bytes(rng.randrange(256) for _ in range(700))]
    for _ in range(2):
        s.sendto(b"".join(seg), (dst, 9999))
        time.sleep(0.01)
    s.close()

if sys.argv[1] == "serve":
    serve(sys.argv[3].split(","), [int(p) for p in sys.argv[4:]], float(sys.argv[2]))
elif sys.argv[1] == "gso":
    send_gso(sys.argv[2], sys.argv[3], sys.argv[4])
else:
    send(sys.argv[2], sys.argv[3], sys.argv[4])
PY

# --- pieces ------------------------------------------------------------------

udp_client() { ip netns exec "$LQ_NS_C" timeout 20 python3 "$WORK/udp.py" "$@"; }

CLI_PID=
client_bg() { # TAG [gtlsclient options and arguments]
	local tag=$1
	shift
	ip netns exec "$LQ_NS_C" timeout 20 gtlsclient --no-quic-dump --no-http-dump \
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

# monitor NAME NS ARGS...: linkquic-live with JSON Lines records and --write.
monitor() {
	local name=$1 ns=$2
	shift 2
	ip netns exec "$ns" timeout $LIFETIME "$LIVE" "$@" -f jsonl -w "$WORK/$name.pcapng" \
		>"$WORK/$name.jsonl" 2>"$WORK/$name.err" &
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
ip netns exec "$LQ_NS_S" timeout $LIFETIME python3 "$WORK/udp.py" serve 60 "$LQ_S4,$LQ_S6" \
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
	"udp and not udp port $PORT and not udp portrange $PA_PORT-$NAT_PORT"
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

# --- comparison ----------------------------------------------------------------------

cat >"$WORK/compare.py" <<'PY'
"""Live records against the replay of a capture of the same interfaces."""
import json, re, struct, subprocess, sys

def read_pcap(path):
    """Frames of a pcap file: [(ts_ns, bytes)]."""
    with open(path, "rb") as f:
        data = f.read()
    magic = struct.unpack("<I", data[:4])[0]
    if magic in (0xa1b2c3d4, 0xa1b23c4d):
        e = "<"
    else:
        e = ">"
        magic = struct.unpack(">I", data[:4])[0]
    scale = 1 if magic == 0xa1b23c4d else 1000
    out, off = [], 24
    while off + 16 <= len(data):
        s, sub, incl, orig = struct.unpack(e + "IIII", data[off:off + 16])
        out.append((s * 1000000000 + sub * scale, data[off + 16:off + 16 + incl]))
        off += 16 + incl
    return out

def read_pcapng(path):
    """(interfaces [(name, description)], packets [(ifid, ts_ns, bytes)])"""
    with open(path, "rb") as f:
        data = f.read()
    ifs, pkts, off = [], [], 0
    while off + 12 <= len(data):
        btype, blen = struct.unpack("<II", data[off:off + 8])
        body = data[off + 8:off + blen - 4]
        if btype == 1:
            opts, name, descr, o = body[8:], "", "", 0
            while o + 4 <= len(opts):
                code, l = struct.unpack("<HH", opts[o:o + 4])
                v = opts[o + 4:o + 4 + l]
                if code == 2:
                    name = v.decode()
                elif code == 3:
                    descr = v.decode()
                elif code == 0:
                    break
                o += 4 + (l + 3) // 4 * 4
            ifs.append((name, descr))
        elif btype == 6:
            ifid, hi, lo, cap, orig = struct.unpack("<IIIII", body[:20])
            pkts.append((ifid, (hi << 32) | lo, body[20:20 + cap]))
        off += blen
    return ifs, pkts

def write_pcap(path, frames):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xa1b23c4d, 2, 4, 0, 0, 262144, 1))
        for ts, b in frames:
            f.write(struct.pack("<IIII", ts // 1000000000, ts % 1000000000, len(b), len(b)))
            f.write(b)

def housekeeping(frame):
    # IPv6 multicast (MLD reports after a link comes up): sent at any time,
    # also before a monitor or a capture started. Left out on both sides.
    return frame[:2] == b"\x33\x33"

def same_wire(snap, frame, gso):
    """Is the monitor's snapshot (maybe cut) the captured frame? A GSO segment's
    snapshot is rebuilt from the super-packet's headers: the fields that
    segmentation rewrites (IPv4 identification and header checksum, UDP
    checksum) are not compared."""
    if len(snap) > len(frame):
        return False
    frame = frame[:len(snap)]
    if gso and len(snap) >= 14:
        a, b = bytearray(snap), bytearray(frame)
        et = a[12:14]
        l4 = None
        if et == b"\x08\x00" and len(a) >= 34:
            l4 = 14 + (a[14] & 15) * 4
            masked = [18, 19, 24, 25]
        elif et == b"\x86\xdd":
            l4, masked = 54, []
        if l4 is not None:
            masked += [l4 + 6, l4 + 7]
            for i in masked:
                if i < len(a):
                    a[i] = b[i] = 0
        snap, frame = bytes(a), bytes(b)
    return snap == frame

def hexdump(b, indent="      "):
    lines = []
    for i in range(0, min(len(b), 256), 16):
        chunk = b[i:i + 16]
        lines.append("%s%04x  %-48s %s" % (indent, i, " ".join("%02x" % c for c in chunk),
                     "".join(chr(c) if 32 <= c < 127 else "." for c in chunk)))
    return "\n".join(lines)

COMPARED = ["verdict", "reason", "event", "conn", "dir", "src", "sport", "dst", "dport",
            "len", "udp_len", "version", "type", "types", "packets", "dcid", "scid", "flags"]

def flags_wire(v):
    # gso_segment says how the kernel got the packet, not what it is
    parts = [p for p in (v or "").split("+") if p and p != "gso_segment"]
    return "+".join(parts) or None

def field(rec, k):
    return flags_wire(rec.get(k)) if k == "flags" else rec.get(k)

def show(rec):
    return json.dumps({k: rec.get(k) for k in ["frame", "iface", "hook"] + COMPARED})

def table_rows(text):
    """Connection table rows without START and SECONDS: {first column: rest}."""
    rows, seen = [], False
    for line in text.splitlines():
        if line.startswith("CONNECTION"):
            seen = True
            continue
        if not seen:
            continue
        if not line.strip():
            break
        cols = line.split()
        # ... BYTES< START SECONDS [PATHS] EVENTS: drop the time of day and the duration
        t = next(i for i, c in enumerate(cols) if re.match(r"^\d\d:\d\d:\d\d\.\d{3}$", c))
        rows.append(" ".join(cols[:t] + cols[t + 2:]))
    return rows

def main():
    name, replay, pcapng, jsonl, errfile, merged = sys.argv[1:7]
    streams = dict(a.split("=", 1) for a in sys.argv[7:])  # "iface/hook" -> capture file
    ok = True
    ifs, pkts = read_pcapng(pcapng)
    recs = [json.loads(l) for l in open(jsonl)]
    err = open(errfile).read()
    if len(recs) != len(pkts):
        print("  FAIL %s: %d records but %d packets in --write" % (name, len(recs), len(pkts)))
        return 1
    for i, (r, p) in enumerate(zip(recs, pkts)):
        if (r["iface"], r["hook"]) != ifs[p[0]]:
            print("  FAIL %s: record %d is %s/%s, its --write packet %s/%s" %
                  (name, i + 1, r["iface"], r["hook"], *ifs[p[0]]))
            return 1
    # 1. per interface and direction: the capture's frames are the reported ones
    live = {}
    for i, (r, p) in enumerate(zip(recs, pkts)):
        if not housekeeping(p[2]):
            live.setdefault("%s/%s" % (r["iface"], r["hook"]), []).append(i)
    order = []  # (live index, capture ts, capture bytes)
    for key, capfile in sorted(streams.items()):
        cap = [f for f in read_pcap(capfile) if not housekeeping(f[1])]
        mine = live.get(key, [])
        n = min(len(cap), len(mine))
        gso = lambda i: "gso_segment" in (recs[i]["flags"] or "")
        bad = next((j for j in range(n)
                    if not same_wire(pkts[mine[j]][2], cap[j][1], gso(mine[j]))), None)
        if bad is None and len(cap) != len(mine):
            bad = n
        if bad is not None:
            ok = False
            print("  FAIL %s %s: the capture (%d frames) and the records (%d) part at frame %d" %
                  (name, key, len(cap), len(mine), bad + 1))
            if bad < len(mine):
                print("    live record: " + show(recs[mine[bad]]))
                print(hexdump(pkts[mine[bad]][2]))
            if bad < len(cap):
                print("    captured frame %d:" % (bad + 1))
                print(hexdump(cap[bad][1]))
            continue
        print("  %-22s %6d frames captured = %6d reported" % (key, len(cap), len(mine)))
        order += [(mine[j], cap[j][0], cap[j][1]) for j in range(n)]
    extra = set(live) - set(streams)
    if extra:
        print("  FAIL %s: records from hooks nobody captured: %s" %
              (name, ", ".join(sorted(extra))))
        ok = False
    if not ok:
        return 1
    # 2. the capture replayed in the monitor's order gives the live records
    order.sort()
    inversions = sum(1 for a, b in zip(order, order[1:]) if b[1] < a[1])
    write_pcap(merged, [(ts, b) for _, ts, b in order])
    out = subprocess.run([replay, "-f", "jsonl", merged], capture_output=True, text=True)
    if out.returncode != 0:
        print("  FAIL %s: replay exited with %d: %s" % (name, out.returncode, out.stderr.strip()))
        return 1
    rep = [json.loads(l) for l in out.stdout.splitlines()]
    if len(rep) != len(order):
        print("  FAIL %s: replay gave %d records for %d frames" % (name, len(rep), len(order)))
        return 1
    differ = 0
    for (i, _, frame), r in zip(order, rep):
        l = recs[i]
        d = [k for k in COMPARED if field(l, k) != field(r, k)]
        if d:
            differ += 1
            if differ == 1:
                print("  FAIL %s: live and replay differ (%s) first at live record %d, "
                      "replayed frame %d:" % (name, ", ".join(d), i + 1, r["frame"]))
                print("    live:   " + show(l))
                print("    replay: " + show(r))
                print(hexdump(frame))
    if inversions:
        # For the record: the capture's own order across interfaces, and what
        # it changes (not a failure: that order is not the kernel's).
        bytime = sorted(order, key=lambda x: (x[1], x[0]))
        write_pcap(merged + ".bytime", [(ts, b) for _, ts, b in bytime])
        out2 = subprocess.run([replay, "-f", "jsonl", merged + ".bytime"],
                              capture_output=True, text=True)
        rep2 = [json.loads(l) for l in out2.stdout.splitlines()]
        n2 = sum(1 for (i, _, _), r in zip(bytime, rep2)
                 if any(field(recs[i], k) != field(r, k) for k in COMPARED))
        print("  %s: (replayed in capture-time order instead, %d records would differ)" %
              (name, n2))
    conns_live = {r["conn"] for r in recs if r["conn"]}
    conns_rep = {r["conn"] for r in rep if r["conn"]}
    print("  %s: %d packets replayed in live order (%d pairs in the other order by capture time), "
          "%d differ" % (name, len(rep), inversions, differ))
    if differ:
        ok = False
    # 3. the same connections, the same table
    tab = subprocess.run([replay, merged], capture_output=True, text=True).stdout
    tl, tr = table_rows(err), table_rows(tab)
    nconn = lambda rows: sum(1 for x in rows if not x.startswith("path "))
    print("  %s: %d connections live, %d replayed (labels in records: %d live, %d replayed)" %
          (name, nconn(tl), nconn(tr), len(conns_live), len(conns_rep)))
    if tl != tr or conns_live != conns_rep:
        ok = False
        print("  FAIL %s: connection tables differ" % name)
        print("    live:\n      " + "\n      ".join(tl))
        print("    replay:\n      " + "\n      ".join(tr))
    # 4. nothing lost: every packet the programs saw has its record
    m = re.search(r"^(\d+) frames\b", err, re.M)
    l = re.search(r"\((\d+) delivered, (\d+) lost\)", err)
    if not m or not l:
        print("  FAIL %s: no summary in the monitor's output" % name)
        return 1
    seen, delivered, lost = int(m.group(1)), int(l.group(1)), int(l.group(2))
    print("  %s: programs saw %d packets, %d records delivered, %d lost" %
          (name, seen, delivered, lost))
    if lost or seen != delivered or delivered != len(recs) or "dropped:" in err:
        ok = False
        print("  FAIL %s: lost or dropped packets" % name)
    return 0 if ok else 1

def same_frames(args):
    """sent = received: two captures of the two ends of a link, frame for frame."""
    a = [f for _, f in read_pcap(args[0]) if not housekeeping(f)]
    b = [f for _, f in read_pcap(args[1]) if not housekeeping(f)]
    if a == b:
        print("  %d frames sent, %d received, the same" % (len(a), len(b)))
        return 0
    n = next((i for i in range(min(len(a), len(b))) if a[i] != b[i]), min(len(a), len(b)))
    print("  FAIL %d frames sent, %d received; they part at frame %d" % (len(a), len(b), n + 1))
    return 1

if __name__ == "__main__":
    if sys.argv[1] == "--same":
        sys.exit(same_frames(sys.argv[2:]))
    sys.exit(main())
PY

log "middlebox (router, XDP on $LQ_IF_RC and $LQ_IF_RS):"
python3 "$WORK/compare.py" middlebox "$REPLAY" "$WORK/middlebox.pcapng" "$WORK/middlebox.jsonl" \
	"$WORK/middlebox.err" "$WORK/middlebox-merged.pcap" \
	"$LQ_IF_RC/xdp=$WORK/router-rc-in.pcap" "$LQ_IF_RS/xdp=$WORK/router-rs-in.pcap" || rc=1
log "endpoint (client, XDP in and tc out on $LQ_IF_C):"
python3 "$WORK/compare.py" endpoint "$REPLAY" "$WORK/endpoint.pcapng" "$WORK/endpoint.jsonl" \
	"$WORK/endpoint.err" "$WORK/endpoint-merged.pcap" \
	"$LQ_IF_C/xdp=$WORK/client-in.pcap" "$LQ_IF_C/tc-egress=$WORK/client-out.pcap" || rc=1
log "sent = received on the wire (client egress, router ingress):"
python3 "$WORK/compare.py" --same "$WORK/client-out.pcap" "$WORK/router-rc-in.pcap" || rc=1

if [ $rc = 0 ]; then
	log "PASS in $((SECONDS - T0))s"
else
	LQ_E2E_KEEP=1
	log "FAIL after $((SECONDS - T0))s"
fi
exit $rc
