#!/usr/bin/env python3
"""tests/e2e_guard_check.py - tests/e2e_guard.sh's verdict on a run: the records, the
monitor's summary and the server's capture against the flood sent."""
import collections, decimal, ipaddress, json, os, re, struct, sys

# the garbage classes the guard drops (linkquic-replay --vocabulary: property "drop");
# the others (a real connection's packets can look so) are reported and passed
DROPPABLE = set(filter(None, os.environ.get("LQ_DROP_CLASSES", "").split(",")))
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
# the attacks' short headers (tests/flood.py): no state of a real connection
# explains them, and none may be made from them; never dropped (a real
# migration to IDs never seen looks the same; rivals and probes go to the
# server where a connection
# migrates meanwhile; before that server has a connection, nothing relates
# them to QUIC)
ATTACK_EXP = {"teach": (("garbage", "unknown_dcid", "pass"),),
              "rival": (("garbage", "unknown_dcid", "pass"), ("pending", None, "pass"),
                        ("not_quic", None, "pass")),
              "probe": (("pending", None, "pass"), ("not_quic", None, "pass"))}
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
    if r["sport"] is None:
        continue
    k = (norm(r["src"]), r["sport"])
    if not in_pool(r["src"]):
        # the attacks' datagrams spoofed from a real client's address: its
        # flows, as they come in at the attacker's interface
        if r["iface"] == if_attacker and k in flow_of:
            seen[flow_of[k]].append(i)
        continue
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
    if f["kind"] == "spoof":
        # the client completed handshakes before the flood: its address is
        # verified, and what claims it spends no budget (README "The guard")
        exp = ("quic", None, "pass")
    elif cls in ATTACK_EXP:
        exp = next((e for e in ATTACK_EXP[cls] if e == (r["verdict"], r["reason"], r["action"])),
                   ATTACK_EXP[cls][0])
    elif form == "L" and not gcra(state, ("lh", b), now, LH):
        exp = ("limited", "rate_limit", "drop")
    elif cls == "initial":
        if not gcra(state, ("conn", b), now, CONN):
            exp = ("limited", "conn_rate", "drop")
        else:
            exp = ("quic", None, "pass")
    else:
        exp = ("garbage", cls, "drop" if cls in DROPPABLE else "pass")
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
    act = "drop" if cls in DROPPABLE else "pass"
    itself = sum(c.get(e, 0) for e in ATTACK_EXP.get(cls, (("garbage", cls, act),)))
    rl = c.get(("limited", "rate_limit", "drop"), 0)
    cr = c.get(("limited", "conn_rate", "drop"), 0)
    print("  %-18s %7d %7d %9s %10d %9d %7d" % (cls, sent_class[cls], drop,
                                              itself if cls != "initial" else "-", rl, cr,
                                              sent_class[cls] - drop))
    if cls != "initial" and (itself != sent_class[cls] or
                             drop != (sent_class[cls] if act == "drop" else 0)):
        fail("%s: %d sent, %d %s as %s (%d dropped)" % (cls, sent_class[cls], itself,
                                                         "dropped" if act == "drop" else "passed",
                                                         cls, drop))

# Every drop with a garbage reason is a flood datagram of that class: nothing else.
garbage_drops = collections.Counter(r["reason"] for r in recs
                                    if r["action"] == "drop" and r["verdict"] == "garbage")
want = collections.Counter({k: v for k, v in sent_class.items() if k in DROPPABLE})
if garbage_drops != want:
    fail("garbage drops per reason %s, garbage sent per class %s" %
         (dict(garbage_drops), dict(want)))

# d. the rates, source by source (the model's prediction is checked above)
kind_of = {}
for f in flows:  # a bucket's first flow names it (the client's: spoof, then its rival)
    kind_of.setdefault(f["bucket"], f["kind"])
print("  %-22s %-7s %6s %6s %10s %9s %6s %s" % ("SOURCE", "KIND", "SENT", "LONG", "RATE_LIMIT",
                                              "CONN_RATE", "PASSED", "BOUND"))
for b in sorted(per_bucket, key=lambda x: (kind_of[x], x)):
    pb, kind = per_bucket[b], kind_of[b]
    if kind in ("low", "spoof") and (pb["rate_limit"] or pb["conn_rate"]):
        fail("%s source %s was limited" % ("low-rate" if kind == "low" else "spoofed client", b))
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
legit = [r for j, r in enumerate(recs)
         if j not in which and (r["src"] in clients or r["dst"] in clients)]
labels = {r["conn"] for r in legit if r["conn"]}
touched = [r for j, r in enumerate(recs) if j not in which and
           (r["src"] in clients or r["dst"] in clients or r["conn"] in labels)]
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
    # v1 Initials (unsupported_version garbage, which passes, may have the same first byte)
    if (s, sp) in flow_of and len(p) > 6 and p[0] & 0xf0 == 0xc0 and p[1:5] == b"\0\0\0\1":
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
# of the garbage, only the classes never dropped may arrive
garb_passed = sum(1 for j, (i, d) in which.items()
                  if flows[i]["kind"] == "garbage" and recs[j]["action"] == "pass")
garb_undroppable = sum(1 for j, (i, d) in which.items()
                       if flows[i]["kind"] == "garbage" and d[0] not in DROPPABLE)
print("  server: %d flood datagrams received = %d passed; from garbage sources: %d "
      "(the classes never dropped: %d sent); the passed Initials' DCIDs %s" % (
          sum(at_server[(f["src"], f["sport"])] for f in flows), sum(passed.values()),
          garb_at_server, garb_undroppable,
          "match" if dcids_at_server == dcids_passed else "DIFFER"))
if bad:
    i, p, a = bad[0]
    fail("%d flood flows: passed != received at the server; first %s port %d: %d passed, "
         "%d received" % (len(bad), flows[i]["src"], flows[i]["sport"], p, a))
if garb_at_server != garb_undroppable or garb_passed != garb_undroppable:
    fail("the server received %d garbage datagrams, %d passed; expected the %d of the classes "
         "never dropped" % (garb_at_server, garb_passed, garb_undroppable))
if strays or dcids_at_server != dcids_passed:
    fail("the Initials the server received are not the ones the guard passed")
sent_by_client = sum(1 for r in recs
                     if r["src"] in clients and r["iface"] == if_client and r["sport"] is not None)
got_from_client = sum(v for k, v in at_server.items() if k[0] in clients and k not in flow_of)
print("  server: %d UDP datagrams from the client received = %d it sent through the router" %
      (got_from_client, sent_by_client))
if sent_by_client != got_from_client:
    fail("the client's packets did not all reach the server")

# ---- the benchmark ----------------------------------------------------------------------
fl = [recs[j] for j in sorted(which)]
secs = (ns(fl[-1]) - ns(fl[0])) / 1e9 if len(fl) > 1 else 0
garb = [r for j, r in ((j, recs[j]) for j in which)
        if which[j][1][0] not in ATTACK_EXP and which[j][1][0] != "initial"]
ini = [recs[j] for j in which if which[j][1][0] == "initial"]
att = [recs[j] for j in which if which[j][1][0] in ATTACK_EXP]
gd = sum(1 for r in garb if r["action"] == "drop")
idr = sum(1 for r in ini if r["action"] == "drop")
ad = gd + idr
bench = {"flood_pps": round(len(fl) / secs) if secs else None, "seconds": round(secs, 2),
         "datagrams": len(fl), "garbage": len(garb), "garbage_dropped": gd,
         "initials": len(ini), "initials_dropped": idr, "dropped": ad,
         "attack_short_headers": len(att),
         "attack_short_headers_dropped": sum(1 for r in att if r["action"] == "drop"),
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
