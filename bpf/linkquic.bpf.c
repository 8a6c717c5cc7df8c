// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * linkquic.bpf.c - thin XDP and tc hooks around the shared classifier.
 *
 * Each hook takes the frame from its context, calls lq_process() from
 * parser/ (the same code linkquic-replay runs in user space), counts the
 * verdict, reports a record to user space and maps the action to the hook's
 * return code. Nothing is dropped unless the loader enabled the guard.
 */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>

#include "../parser/lq_scratch.h"
#include "lq_bpf_maps.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* ---- settings, written through the skeleton before load ------------------ */

const volatile struct lq_config lq_cfg = {
	.idle_ns = LQ_DEF_IDLE_NS,
	.probe_min = 1200,
	.strong_cid = LQ_DEF_STRONG_CID,
	.max_cand = LQ_ANCHOR_SLOTS,
};
const volatile __u32 lq_test_clock = 0; /* 1: the clock is lq_clock_ns, set by a harness */
const volatile __u32 lq_snaplen = 0;	/* bytes of each reported frame to copy (live --write) */
/* ... of a tracked connection's frame whose first QUIC packet has a long
 * header, when more (live metadata: a connection's Initials reach user space
 * whole, its short headers as the record alone) */
const volatile __u32 lq_snap_long = 0;
/* Records are handed over in batches: the reader is woken when the unread
 * records grow past a multiple of 1 << lq_wake_shift bytes, and otherwise
 * finds them when its poll times out. Waking it for each record costs a
 * wake-up (an IPI and a scheduler wake, microseconds: more than the packet
 * itself) whenever it has caught up. 0: woken for each record, as the ring
 * does by default (linkquic-live --immediate-mode). */
const volatile __u32 lq_wake_shift = 0;
/* Benchmarks only: the test clock moves on by this much after each run, so
 * that with repeat every run sees the last one's state as long dead. */
const volatile __u64 lq_clock_step = 0;

/* The harness's clock (replaying a capture through bpf_prog_test_run). */
__u64 lq_clock_ns = 0;
/* linkquic-live's heartbeat: its clock (CLOCK_MONOTONIC, the programs'
 * ktime), written several times a second (LQ_CF_HEARTBEAT). */
__u64 lq_heartbeat_ns = 0;

/* ---- reporting (the tracker's maps and the ring, lq_records: lq_bpf_maps.h) - */

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, LQ_STATS_SLOTS + 1);
	__type(key, __u32);
	__type(value, struct lq_counters);
} lq_stats SEC(".maps");

/* Each attachment's slot in lq_stats, set by the loader (LQ_CF_ATT_STATS) */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 2 * LQ_STATS_SLOTS);
	__type(key, struct lq_att_key);
	__type(value, __u32);
} lq_att SEC(".maps");

/* Where a packet's counts go: its attachment's slot, or 0. */
static __always_inline __u32 lq_stats_slot(__u32 ifindex, __u8 hook)
{
	struct lq_att_key k = { ifindex, hook };
	__u32 *v;

	if (!(lq_cfg.flags & LQ_CF_ATT_STATS))
		return 0;
	v = bpf_map_lookup_elem(&lq_att, &k);
	return v && *v <= LQ_STATS_SLOTS ? *v : 0;
}

/* A record being assembled: the result and a snapshot of the frame. */
struct lq_recbuf {
	struct lq_record rec;
	__u8 data[LQ_SNAP_MAX + 128]; /* + a GSO segment's headers (LQ_SEG_HDR_MAX) */
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct lq_recbuf);
} lq_recbufs SEC(".maps");

/* One segment of a UDP GSO super-packet. pkt0/res0: the super-packet's
 * parsed IP and UDP headers (shared by every segment); hdr: those headers
 * as bytes, for the record's snapshot; payload: this segment's UDP
 * payload. The parser reads payload at masked offsets up to LQ_MAX_OFF
 * (+20), so the buffer is that large; only len bytes are meaningful. */
#define LQ_SEG_HDR_MAX 128
#define LQ_SEG_DATA_MAX 1536
#define LQ_GSO_MAX_SEGS 128

struct lq_segbuf {
	struct lq_pkt pkt0;
	struct lq_result res0;
	__u32 len;    /* this segment's payload bytes */
	__u32 hdrlen; /* bytes up to the UDP payload */
	__u32 l3;     /* where the IP header starts */
	__u32 total;  /* UDP payload bytes of all segments */
	__u32 gso;    /* gso_size */
	__u32 slot;   /* the attachment's counters (lq_stats_slot) */
	__u16 proto;
	__u8 hook;
	__u8 pad;
	__u8 hdr[LQ_SEG_HDR_MAX];
	__u8 payload[LQ_MAX_OFF + 64];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct lq_segbuf);
} lq_segbufs SEC(".maps");

/* Per-packet scratch: the parsed packet, the result and temporaries. */

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct lq_scratch);
} lq_scratch SEC(".maps");

/* The classifier, bound to the maps above. */
#include "lq_bpf_shim.h"
#include "../parser/linkquic.h"

static __always_inline __u64 lq_now(void)
{
	__u64 t;

	if (!lq_test_clock)
		return bpf_ktime_get_ns();
	t = lq_clock_ns;
	if (lq_clock_step)
		lq_clock_ns = t + lq_clock_step;
	return t;
}

/* The action taken: a monitor drops nothing unless asked; the guard, what
 * comes in (the host's own packets only when asked: LQ_CF_GUARD_EGRESS),
 * and only while its monitor lives (LQ_CF_HEARTBEAT): an orphan that a
 * kill -9 left attached passes everything, still counting, once the
 * heartbeat is LQ_HEARTBEAT_STALE_NS old. now: the frame's time. */
static __always_inline __u8 lq_enforce(__u8 act, __u8 hook, __u64 now)
{
	if (!(lq_cfg.flags & LQ_CF_GUARD) ||
	    (hook == LQ_HOOK_TC_OUT && !(lq_cfg.flags & LQ_CF_GUARD_EGRESS)))
		return LQ_ACT_PASS;
	if (act == LQ_ACT_DROP && (lq_cfg.flags & LQ_CF_HEARTBEAT) &&
	    (__s64)(now - lq_heartbeat_ns) > (__s64)LQ_HEARTBEAT_STALE_NS)
		return LQ_ACT_PASS;
	return act;
}

/* The settings. Without the barrier, clang sees through the cast that
 * drops volatile and folds them to lq_cfg's initializer, not what the
 * loader wrote (it once deleted the guard's garbage drop that way). */
static __always_inline const struct lq_config *lq_config(void)
{
	const struct lq_config *cfg = (const struct lq_config *)&lq_cfg;

	lq_barrier_var(cfg);
	return cfg;
}

/* Phase 2 of the classifier as a global function: the verifier checks it
 * once, on its own, instead of once per path through the parser. looked:
 * its first step was done (lq_track_first) and pv is what the paths map
 * holds for the packet's key, or NULL; else it does all. */
__noinline int lq_track_global(struct lq_scratch *s, struct lq_path_val *pv, int looked)
{
	const struct lq_config *cfg = lq_config();

	if (!s)
		return LQ_ACT_PASS;
	if (!looked && lq_track_first(cfg, s, &pv))
		return lq_track_done(cfg, s);
	return lq_track_then(cfg, s, pv);
}

/* Phase 2: its first step inline, which decides a known connection's usual
 * short header (most packets) without the call, then the rest. A global
 * function's call and return cost ~12 ns on a machine whose returns go
 * through a mitigation thunk: a known short header's own code (beyond its
 * one lookup) went from ~80 to ~40 ns (bench_kernel, FLOOR and OWN). */
static __always_inline __u8 lq_track_any(struct lq_scratch *s)
{
	const struct lq_config *cfg = lq_config();
	struct lq_path_val *pv = NULL;

	if (s->pkt.form != LQ_FORM_SHORT)
		return (__u8)lq_track_global(s, NULL, 0); /* long headers: all in the call */
	if (lq_track_first(cfg, s, &pv))
		return lq_track_done(cfg, s);
	return (__u8)lq_track_global(s, pv, 1);
}

/* Phase 1 for one GSO segment (its payload is in map memory): the
 * super-packet's headers with this segment's lengths, then the payload
 * parsed alone. Verified on its own, like phase 2. */
__noinline int lq_seg_parse_global(struct lq_segbuf *sb, struct lq_scratch *s)
{
	struct lq_buf buf;
	__u32 len;

	if (!sb || !s)
		return 0;
	len = sb->len;
	if (len > LQ_SEG_DATA_MAX)
		len = LQ_SEG_DATA_MAX;
	/* the super-packet's addresses and lengths, nothing of its payload's
	 * parse (its flags, its cut head) */
	lq_zero(&s->pkt, sizeof(s->pkt));
	s->pkt.src = sb->pkt0.src;
	s->pkt.dst = sb->pkt0.dst;
	s->pkt.ip_ver = sb->pkt0.ip_ver;
	s->pkt.ip_len = sb->pkt0.ip_len;
	s->pkt.ulen = sb->pkt0.ulen;
	s->res = sb->res0;
	s->pkt.ulen = len;
	s->pkt.ip_len = (__u16)(sb->pkt0.ip_len - sb->pkt0.ulen + len);
	s->res.ip_len = s->pkt.ip_len;
	s->res.udp_len = (__u16)len;
	buf.data = sb->payload;
	buf.end = sb->payload + sizeof(sb->payload);
	buf.len = len;
	buf.qoff = 0;
	buf.cap = len;
	buf.trusted = 1; /* map memory, LQ_MAX_OFF + 64 bytes: see struct lq_buf */
	lq_parse_payload(&buf, s);
	return 1;
}

/* The ring's wake-up flag for a record of len bytes (its header too) just
 * reserved (reserved: the unread bytes count it already): force the wake-up
 * when this record takes the unread ones past a multiple of the batch, else
 * none. Several CPUs may cross one multiple at once and none see it; the
 * next multiple wakes the reader then. */
static __always_inline __u64 lq_wake_flags(__u64 len, int reserved)
{
	__u64 avail, before;

	if (!lq_wake_shift)
		return 0;
	avail = bpf_ringbuf_query(&lq_records, BPF_RB_AVAIL_DATA);
	if (!reserved)
		avail += len;
	before = avail > len ? avail - len : 0;
	return (avail >> lq_wake_shift) != (before >> lq_wake_shift) ? BPF_RB_FORCE_WAKEUP
									: BPF_RB_NO_WAKEUP;
}

/* Sends the record of a frame to user space, with lq_snaplen bytes of it
 * when asked (XDP frames are linear; tc reads through the skb helper). */
static __always_inline void lq_report(void *ctx, void *data, __u32 len, __u8 hook,
				      const struct lq_result *res, struct lq_counters *c, __u32 seg)
{
	struct lq_recbuf *rb;
	__u32 zero = 0, caplen = 0, want = lq_snaplen;

	if (lq_snap_long > want && res->conn && res->type != LQ_PT_1RTT)
		want = lq_snap_long;
	if (!want) {
		/* the record alone: written in place in the ring, one copy */
		struct lq_record *r = bpf_ringbuf_reserve(&lq_records, sizeof(*r), 0);

		if (!r) {
			c->lost++;
			return;
		}
		r->res = *res;
		r->caplen = 0;
		r->wirelen = (__u16)len;
		r->seg = seg;
		bpf_ringbuf_submit(r, lq_wake_flags(sizeof(*r) + 8, 1));
		return;
	}
	rb = bpf_map_lookup_elem(&lq_recbufs, &zero);
	if (!rb) {
		c->lost++;
		return;
	}
	rb->rec.res = *res;
	rb->rec.wirelen = (__u16)len;
	rb->rec.seg = seg;
	if (want) {
		/* 64-bit and behind a barrier: each bound is checked on the very
		 * register the helper gets (clang otherwise checks a copy) */
		__u64 snap = len < want ? len : want;

		lq_barrier_var(snap);
		if (snap > LQ_SNAP_MAX)
			snap = LQ_SNAP_MAX;
		if (seg) { /* a GSO segment: its headers, then its payload */
			struct lq_segbuf *sb = data;
			__u64 h = sb->hdrlen, n;

			lq_barrier_var(h);
			if (h == 0 || h > LQ_SEG_HDR_MAX || snap <= h) {
				snap = 0;
			} else {
				n = snap - h;
				lq_barrier_var(n);
				if (n > LQ_SEG_DATA_MAX)
					n = LQ_SEG_DATA_MAX;
				if (n == 0 || bpf_probe_read_kernel(rb->data, h, sb->hdr) ||
				    bpf_probe_read_kernel(rb->data + h, n, sb->payload))
					snap = 0;
				else
					snap = h + n;
			}
		} else if (snap == 0) {
			/* nothing */
		} else if (hook == LQ_HOOK_XDP) {
			if (bpf_probe_read_kernel(rb->data, snap, data))
				snap = 0;
		} else if (bpf_skb_load_bytes(ctx, 0, rb->data, snap)) {
			snap = 0; /* the skb helper reads non-linear data too */
		}
		caplen = (__u32)snap;
	}
	rb->rec.caplen = (__u16)caplen;
	if (bpf_ringbuf_output(&lq_records, rb, sizeof(rb->rec) + caplen,
			       lq_wake_flags(sizeof(rb->rec) + caplen + 8, 0)))
		c->lost++;
}

/* Patches a big-endian 16-bit length in the rebuilt headers. */
static __always_inline void lq_seg_put16(struct lq_segbuf *sb, __u32 off, __u32 v)
{
	__u64 i = off, j = off + 1;

	lq_barrier_var(i);
	lq_barrier_var(j);
	if (i < LQ_SEG_HDR_MAX && j < LQ_SEG_HDR_MAX) {
		sb->hdr[i] = (__u8)(v >> 8);
		sb->hdr[j] = (__u8)v;
	}
}

/* Segment k of the super-packet described in lq_segbufs (bpf_loop body;
 * ctx points to the skb pointer: the only thing on the stack, which the
 * deepest call chain shares with 512 bytes of frames). Its payload from the
 * skb, its lengths in the snapshot's headers, phase 1 on the payload,
 * phase 2, the record. */
static long lq_gso_segment(__u32 k, void *ctx)
{
	struct __sk_buff *skb = *(struct __sk_buff **)ctx;
	struct lq_segbuf *sb;
	struct lq_scratch *s;
	struct lq_counters *c;
	__u32 zero = 0, off, seglen, hdr, l3, total, gso;
	__u64 n;

	sb = bpf_map_lookup_elem(&lq_segbufs, &zero);
	if (!sb)
		return 1;
	s = bpf_map_lookup_elem(&lq_scratch, &zero);
	c = bpf_map_lookup_elem(&lq_stats, &sb->slot);
	if (!s || !c)
		return 1;
	hdr = sb->hdrlen;
	l3 = sb->l3;
	total = sb->total;
	gso = sb->gso;
	off = k * gso;
	if (off >= total)
		return 1;
	seglen = total - off < gso ? total - off : gso;
	n = seglen; /* 64-bit: checked on the register the helper gets */
	lq_barrier_var(n);
	if (n == 0 || n > LQ_SEG_DATA_MAX || bpf_skb_load_bytes(skb, hdr + off, sb->payload, n))
		return 1;
	if (sb->proto == LQ_ETH_P_IP)
		lq_seg_put16(sb, l3 + 2, hdr - l3 + seglen);
	else
		lq_seg_put16(sb, l3 + 4, hdr - l3 - 40 + seglen);
	lq_seg_put16(sb, hdr - 4, 8 + seglen);
	sb->len = seglen;
	/* the whole of phase 2 in the call: the segment's frame, under
	 * bpf_loop's, has no room for the first step's */
	if (lq_seg_parse_global(sb, s))
		lq_track_global(s, NULL, 0);
	/* the super-packet passes whole (lq_gso_segments), so does each segment,
	 * whatever the guard says (even with LQ_CF_GUARD_EGRESS) */
	s->res.action = LQ_ACT_PASS;
	s->res.hook = sb->hook;
	s->res.ifindex = skb->ifindex;
	s->res.flags |= LQ_RF_GSO_SEGMENT;
	lq_counters_add(c, &s->res);
	if ((lq_cfg.flags & LQ_CF_REPORT_ALL) || lq_notable(&s->res))
		lq_report(skb, sb, hdr + seglen, sb->hook, &s->res, c, k + 1);
	return 0;
}

/* A UDP GSO super-packet on egress: the wire will carry its payload as
 * datagrams of gso_size bytes (the last may be shorter); each gets its own
 * verdict and record, as a capture of the wire shows them. s holds the
 * super-packet's parsed headers; hdr is where its UDP payload starts. A
 * monitor cannot drop one segment of a super-packet: enforcement on GSO
 * traffic (egress, this host's own) is not offered. */
static __always_inline void lq_gso_segments(struct __sk_buff *skb, struct lq_scratch *s,
					    __u32 hdr, __u32 l3, __u16 proto, __u8 hook, __u32 slot)
{
	struct lq_segbuf *sb;
	__u32 zero = 0;
	__u64 n = hdr; /* 64-bit: checked on the register the helper gets */

	sb = bpf_map_lookup_elem(&lq_segbufs, &zero);
	if (!sb || skb->len <= hdr)
		return;
	lq_barrier_var(n);
	if (n < 8 || n > LQ_SEG_HDR_MAX || bpf_skb_load_bytes(skb, 0, sb->hdr, n))
		return;
	sb->pkt0 = s->pkt;
	sb->res0 = s->res;
	sb->hdrlen = hdr;
	sb->l3 = l3;
	sb->total = skb->len - hdr;
	sb->gso = skb->gso_size;
	sb->proto = proto;
	sb->hook = hook;
	sb->slot = slot;
	bpf_loop(LQ_GSO_MAX_SEGS, lq_gso_segment, &skb, 0);
}

/* Runs the classifier on [data, data_end). gso: the skb is a UDP GSO
 * super-packet to split (tc egress). Returns the action. */
static __always_inline __u8 lq_run(void *ctx, void *data, void *data_end, __u32 len, __u8 hook,
				   __u32 ifindex, int gso, __u32 wirelen)
{
	struct lq_scratch *s;
	struct lq_counters *c;
	struct lq_buf buf;
	__u32 zero = 0, slot = lq_stats_slot(ifindex, hook);
	__u16 proto = 0;
	int l3;
	__u8 act = LQ_ACT_PASS;

	s = bpf_map_lookup_elem(&lq_scratch, &zero);
	c = bpf_map_lookup_elem(&lq_stats, &slot);
	if (!s || !c)
		return LQ_ACT_PASS;
	buf.data = data;
	buf.end = data_end;
	buf.len = len;
	buf.qoff = 0;
	buf.cap = 0;
	buf.trusted = 0;
	l3 = lq_parse_eth(&buf, &proto);
	if (l3 < 0) {
		l3 = 0;
		proto = 0;
	}
	if (lq_parse_frame(&buf, (__u32)l3, proto, lq_now(), s)) {
		if (gso) {
			lq_gso_segments(ctx, s, buf.qoff, (__u32)l3, proto, hook, slot);
			return LQ_ACT_PASS;
		}
		act = lq_track_any(s);
	}
	act = lq_enforce(act, hook, s->res.ts);
	s->res.action = act;
	s->res.hook = hook;
	s->res.ifindex = ifindex;

	lq_counters_add(c, &s->res);
	if ((lq_cfg.flags & LQ_CF_REPORT_ALL) || lq_notable(&s->res))
		lq_report(ctx, data, wirelen, hook, &s->res, c, 0);
	return act;
}

SEC("xdp")
int lq_xdp(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u32 len = ctx->data_end - ctx->data;

	if (lq_run(ctx, data, data_end, len, LQ_HOOK_XDP, ctx->ingress_ifindex, 0, len) ==
	    LQ_ACT_DROP)
		return XDP_DROP;
	return XDP_PASS;
}

static __always_inline int lq_tc(struct __sk_buff *skb, __u8 hook)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	__u32 len = skb->data_end - skb->data;

	if (lq_run(skb, data, data_end, len, hook, skb->ifindex,
		   skb->gso_segs > 1 && skb->gso_size, skb->len) == LQ_ACT_DROP)
		return TC_ACT_SHOT;
	return TC_ACT_OK;
}

SEC("tc")
int lq_tc_in(struct __sk_buff *skb)
{
	return lq_tc(skb, LQ_HOOK_TC_IN);
}

SEC("tc")
int lq_tc_out(struct __sk_buff *skb)
{
	return lq_tc(skb, LQ_HOOK_TC_OUT);
}
