/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * lq_types.h - every type that crosses the kernel/user boundary: the keys and
 * values of the maps (listed in lq_vocab.h), the per-packet record and the
 * settings.
 *
 * Defined once, here, and used by bpf/, lib/, the tools and tests/ alike.
 * Keys are zeroed in full (padding included) before use: hash maps compare
 * bytes.
 */
#ifndef LQ_TYPES_H
#define LQ_TYPES_H

#include "lq_base.h"
#include "lq_vocab.h"

#ifndef LQ_CID_MAX
#define LQ_CID_MAX 20 /* RFC 9000 §17.2: a v1 connection ID is at most 20 bytes */
#endif

/* An address. IPv4 is kept IPv4-mapped (::ffff:a.b.c.d, RFC 4291 §2.5.5.2)
 * so one key type serves both families. */
struct lq_ip {
	union {
		lq_u8 b[16];
		lq_u32 w[4]; /* word view: aligned compares (BPF has no unaligned loads) */
	};
};

LQ_INLINE int lq_ip_is_v4(const struct lq_ip *ip)
{
	const lq_u8 *b = ip->b;

	return b[0] == 0 && b[1] == 0 && b[2] == 0 && b[3] == 0 && b[4] == 0 && b[5] == 0 &&
	       b[6] == 0 && b[7] == 0 && b[8] == 0 && b[9] == 0 && b[10] == 0xff && b[11] == 0xff;
}

/* One end of a UDP flow. Port in host order. */
struct lq_endpoint {
	struct lq_ip ip;
	lq_u16 port;
	lq_u16 zero; /* always 0: keeps keys free of stray bytes */
};

/* A connection ID as the wire carries it, zero-padded to LQ_CID_MAX. Also the
 * key of dcids_map. The word view makes compares and copies three 8-byte
 * operations: byte-aligned, clang gives BPF 21 single-byte ones for each
 * (on a known connection's short header that was a fifth of its cost). */
struct lq_cid {
	union {
		struct {
			lq_u8 id[LQ_CID_MAX];
			lq_u8 len;
			lq_u8 pad[3]; /* always 0: keeps keys free of stray bytes */
		};
		lq_u64 w[3];
	};
};

/* Masks of a word's first bytes as memory holds them: lq_byte_masks[24 + n]
 * keeps n bytes (none for n <= 0, all for n >= 8). A table: no branches and
 * few registers, where the parse and a known connection's short header need
 * them (each stack frame of the BPF program counts against 512 bytes). */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define LQ_MB(n) (~0ULL << (64 - 8 * (n)))
#else
#define LQ_MB(n) ((1ULL << (8 * (n))) - 1)
#endif
static const lq_u64 lq_byte_masks[64] = {
	[25] = LQ_MB(1), [26] = LQ_MB(2), [27] = LQ_MB(3), [28] = LQ_MB(4),
	[29] = LQ_MB(5), [30] = LQ_MB(6), [31] = LQ_MB(7),
	[32 ... 63] = ~0ULL,
};
#undef LQ_MB

/* The mask that keeps the first n bytes of a word; -24 <= n < 40. The
 * barrier keeps the bound on the register that indexes (clang, knowing n's
 * range, would drop it, and the verifier does not know n's range). */
LQ_INLINE lq_u64 lq_mask_bytes(lq_s32 n)
{
	lq_u64 i = (lq_u32)(24 + n);

	lq_barrier_var(i);
	return lq_byte_masks[i & 63];
}

/* dst[0..2] = the 24 bytes at p (which may be unaligned), the first n of
 * them kept and the rest zero; n <= LQ_CID_MAX. */
LQ_INLINE void lq_load_masked24(lq_u64 *dst, const lq_u8 *p, lq_s32 n)
{
	dst[0] = lq_load64u(p) & lq_mask_bytes(n);
	dst[1] = lq_load64u(p + 8) & lq_mask_bytes(n - 8);
	dst[2] = lq_load64u(p + 16) & lq_mask_bytes(n - 16);
}

/* Sets cid to the first len bytes of the three words at src, the rest
 * zero. len <= LQ_CID_MAX. */
LQ_INLINE void lq_cid_from_words(struct lq_cid *cid, const lq_u64 *src, lq_u8 len)
{
	cid->w[0] = src[0] & lq_mask_bytes(len);
	cid->w[1] = src[1] & lq_mask_bytes(len - 8);
	cid->w[2] = src[2] & lq_mask_bytes(len - 16); /* clears len and pad */
	cid->len = len;
}

/* Directions of a packet within its connection. */
enum lq_dir {
	LQ_C2S = 0, /* client to server */
	LQ_S2C = 1, /* server to client */
	LQ_DIR_UNKNOWN = 2,
};

/* ---- connections_map: one path (4-tuple) of a connection ---------------- */

/* The two endpoints in a fixed order (a < b), so both directions of a path
 * find the same entry with one lookup. */
struct lq_path_key {
	struct lq_endpoint a;
	struct lq_endpoint b;
};

/* lq_path_val.flags */
#define LQ_PF_GQUIC 0x01	 /* legacy Google QUIC public header (<= Q043) */
#define LQ_PF_SHARED 0x02	 /* a second connection was seen on this 4-tuple */
#define LQ_PF_UNCONFIRMED 0x04 /* opened by the client towards a server not
				* confirmed yet: its first answer here confirms it */
#define LQ_PF_GREASE 0x08	 /* fixed bit seen cleared (RFC 9287 greasing) */
#define LQ_PF_DCID_C2S_UNSET 0x10 /* dcid[LQ_C2S] not seen yet on this path */
#define LQ_PF_DCID_S2C_UNSET 0x20 /* dcid[LQ_S2C] not seen yet on this path */
#define LQ_PF_SERVER_ID 0x40 /* dcid[LQ_C2S] is the ID the server gave (its long
			      * header's SCID, a Retry's): sent by the client, it
			      * proves the handshake (lq_completes) */

struct lq_path_val {
	lq_u64 conn;	      /* connection label */
	lq_u64 first_seen;    /* ns */
	lq_u64 last_seen;     /* ns */
	lq_u64 bytes[2];      /* IP bytes, by enum lq_dir */
	lq_u32 pkts[2];	      /* datagrams, by enum lq_dir */
	lq_u32 version;	      /* last long-header version seen */
	lq_u32 anchor_tick;   /* when the anchors were last refreshed */
	struct lq_cid dcid[2]; /* current DCID of packets going in each direction */
	lq_u8 client_is_b;    /* the client is endpoint b of the key */
	lq_u8 state;	      /* enum lq_path_state */
	lq_u8 flags;	      /* LQ_PF_* */
	lq_u8 origin;	      /* enum lq_link */
	lq_u16 events;	      /* bit (1 << enum lq_event) for each event seen here */
	lq_u16 cid_changes;   /* DCID changes seen on this path */
	lq_u32 retry_tag;     /* 32-bit tag of the DCID the client took after a
			       * Retry (its Initials may still carry it once the
			       * server answered), 0 for none */
	lq_u16 s2c_probes;    /* server datagrams of exactly the probe size (a
			       * PATH_CHALLENGE's padding), saturating */
	lq_u32 rtt_us;	      /* the server's first answer after the client's first
			       * Initial here, in microseconds; 0 none */
	lq_u32 pad;
};

/* ---- dcids_map: connection IDs -> connection ---------------------------- */

/* No timestamp: an ID lives as long as its LRU slot; the path that uses it
 * carries the times (16 bytes per ID instead of 24, at a million
 * connections ~16 MB less in the kernel). */
struct lq_cid_val {
	lq_u64 conn;
	lq_u8 dir;	    /* enum lq_dir of the packets that carry it as DCID
			     * (LQ_C2S: the server issued it) */
	lq_u8 peer_cid_len; /* length of the IDs going the other way, for a new path */
	lq_u8 pad[6];
};

/* ---- anchors: which connections live at an address ---------------------- */

/* The live connections at an address, up to LQ_ANCHOR_SLOTS: the candidates
 * a new path there may belong to. One pushed out while still live marks the
 * anchor crowded: its list is incomplete until that connection would have
 * expired. Times are coarse ticks (LQ_TICK_SHIFT). */
#ifndef LQ_ANCHOR_SLOTS
#define LQ_ANCHOR_SLOTS 16
#endif
_Static_assert((LQ_ANCHOR_SLOTS & (LQ_ANCHOR_SLOTS - 1)) == 0 && LQ_ANCHOR_SLOTS >= 2 &&
		       LQ_ANCHOR_SLOTS <= 32,
	       "anchor slots: a power of two (indexes are masked for the verifier), 2..32");

struct lq_anchor {
	lq_u64 conn[LQ_ANCHOR_SLOTS];
	lq_u32 tick[LQ_ANCHOR_SLOTS];
	lq_u32 crowded_tick;
	lq_u8 server_cid_len; /* of the most recent connection registered */
	lq_u8 client_cid_len;
	lq_u8 pad[2];
};

#ifndef LQ_TICK_SHIFT
#define LQ_TICK_SHIFT 30 /* 2^30 ns, about one second */
#endif

/* dest_map: key struct lq_endpoint of a QUIC server (seen answering a
 * handshake, or reached by a linked path). */
struct lq_dest_val {
	struct lq_anchor anchor;
	/* The two most recent CID lengths seen, 0xff for none: a server's own
	 * IDs (what short headers to it carry) and its clients' IDs. One
	 * length per side is the rule; two cover a change of software. */
	lq_u8 server_cid_len[2];
	lq_u8 client_cid_len[2];
	lq_u8 pad[4];
};

#define LQ_NO_LEN 0xff

/* sip_map: client address -> connections. server all-zero = any server. */
struct lq_sip_key {
	struct lq_ip client;
	struct lq_endpoint server;
};

/* ---- potential_quic: flows that look like QUIC but are not linked -------- */

struct lq_pending_val {
	lq_u64 first_seen;
	lq_u64 last_seen;
	lq_u64 rival; /* pseudo-label registered at the anchors as a possible connection */
	lq_u32 pkts[2];	 /* by enum lq_dir */
	struct lq_cid dcid; /* DCID of the first packet towards the server */
	lq_u8 server_is_b;
	lq_u8 rival_set; /* registered: both ends of the flow were seen */
	lq_u8 pad;
};

/* ---- lq_conns: what a connection needs to be judged as a candidate --------- */

/* Keyed by the connection's label (lq_u64). Written when the server first
 * answers, when a path is linked, and now and then while the connection
 * lives (lq_refresh), so the LRU keeps it as long as the connection. */
struct lq_conn_val {
	struct lq_path_key path; /* the path it last joined or refreshed */
	lq_u32 rtt_us;		 /* handshake RTT as the monitor sees it: its client's
				  * first Initial to the server's first answer; 0 unknown */
	lq_u8 server_cid_len;	 /* of the IDs packets to the server carry */
	lq_u8 client_cid_len;
	lq_u8 npaths;		 /* paths linked (saturating) */
	lq_u8 flags;		 /* LQ_CONNF_* */
};

#define LQ_CONNF_ANSWERED 0x01 /* the server's packets are in view */

/* ---- lq_undecided: a new path whose connection is being decided ----------- */

/* Keyed by the path (struct lq_path_key). The path itself is in the paths
 * map (state undecided, a pseudo-label) and counts its packets there; this
 * holds the evidence. */
struct lq_undecided_val {
	lq_u64 cand[LQ_ANCHOR_SLOTS];	  /* the connections (or pending flows' pseudo-
					   * labels) that could own the path */
	/* each candidate's own path when the client switched here (its tag)
	 * and its server's probe-sized packets there then, and its packets
	 * each way a little later, once the switch settled: the client's, the
	 * server's other than probe-sized (lq_cand_snap) */
	lq_u32 snap_tag[LQ_ANCHOR_SLOTS];
	lq_u32 snap_c2s[LQ_ANCHOR_SLOTS];
	lq_u32 snap_s2c[LQ_ANCHOR_SLOTS];
	lq_u16 snap_probes[LQ_ANCHOR_SLOTS];
	lq_u64 first_seen;		  /* the client's first probe */
	lq_u64 switch_ts;		  /* its first non-probing datagram here, 0 none yet */
	lq_u64 answer_ts;		  /* the server's first packet here, 0 none yet */
	lq_u64 judge_ts;		  /* noted again (LQ_J_DRAIN): not judged before */
	struct lq_cid s2c;		  /* that packet's DCID */
	lq_u8 ncand;
	lq_u8 flags;			  /* LQ_UF_* */
	lq_u8 s2c_same;			  /* the server's packets here with that same DCID */
	lq_u8 origin;			  /* enum lq_link: where the candidates came from */
	lq_u32 same_ep;			  /* bit i: candidate i's path has this one's client
					   * endpoint (the server moved, the client did not) */
	lq_u32 active;			  /* bit i: candidate i's path was in use right up
					   * to the first probe */
	lq_u32 rtt_us;			  /* the longest of the candidates' RTTs */
	struct lq_endpoint ep;		  /* the path's client endpoint */
	lq_u8 resnaps;			  /* times noted again while a candidate's old path
					   * drained (lq_decide, LQ_J_DRAIN) */
	lq_u8 pad[2];
};

#define LQ_UF_INCOMPLETE 0x01 /* more live connections than slots: the list is not all */
#define LQ_UF_SIP 0x02	      /* the candidates are those of the client address and
			       * server only (the server's own list is incomplete) */
#define LQ_UF_SNAPPED 0x04    /* the candidates' paths were noted at the switch */
#define LQ_UF_WILD_FULL 0x08  /* the client address's own list is incomplete */
#define LQ_UF_EP_SNAPPED 0x10 /* same_ep was noted */
#define LQ_UF_SETTLED 0x20    /* the packets each way were noted after the switch */
#define LQ_UF_SERVERS_SEEN 0x40 /* a candidate's server packets are in view (at the switch) */

/* ---- lq_rivals: where a pending flow's pseudo-label lives ------------------ */
/* Keyed by the pseudo-label (lq_u64); the value is the flow's struct
 * lq_path_key, so a candidate that is a pending flow can be judged too. */

/* ---- per-packet result and record --------------------------------------- */

enum lq_action {
	LQ_ACT_PASS = 0,
	LQ_ACT_DROP = 1,
};

struct lq_result {
	lq_u64 ts;   /* ns: capture time in replay, ktime in the kernel */
	lq_u64 conn; /* connection label, 0 when none */
	struct lq_endpoint src;
	struct lq_endpoint dst;
	lq_u32 version;
	lq_u32 ifindex;
	lq_u16 ip_len;	/* IP total length from the header */
	lq_u16 udp_len; /* UDP payload length from the UDP header */
	lq_u8 verdict;	/* enum lq_verdict */
	lq_u8 reason;	/* enum lq_reason */
	lq_u8 event;	/* enum lq_event */
	lq_u8 dir;	/* enum lq_dir */
	lq_u8 type;	/* enum lq_ptype of the first QUIC packet */
	lq_u8 npackets; /* QUIC packets in the datagram */
	lq_u8 types;	/* bit (1 << enum lq_ptype) for each packet type present */
	lq_u8 flags;	/* LQ_RF_* */
	lq_u8 action;	/* enum lq_action */
	lq_u8 hook;	/* enum lq_hook */
	lq_u8 ip_ver;	/* 4 or 6, 0 when not IP */
	lq_u8 pad[1];
	struct lq_cid dcid;
	struct lq_cid scid;
	lq_u16 covers; /* a link event: the path's earlier packets it now links
			* (both directions; 65535 for more) */
};

/* Is this record notable: what -e prints, and all the kernel reports when
 * not every record is wanted? An event, or a verdict marked notable in
 * lq_vocab.h (pending, garbage, limited). One rule for both sides. */
LQ_INLINE int lq_notable(const struct lq_result *r)
{
	return r->event != LQ_E_NONE ||
	       (r->verdict < LQ_V__COUNT && ((LQ_VERDICTS_NOTABLE >> r->verdict) & 1));
}

/* Per-CPU counters of the BPF programs; replay keeps the same ones. */
struct lq_counters {
	lq_u64 packets;
	lq_u64 verdicts[LQ_V__COUNT];
	lq_u64 reasons[LQ_R__COUNT];
	lq_u64 events[LQ_E__COUNT];
	lq_u64 drops;
	lq_u64 lost; /* records not delivered: ring buffer full */
	lq_u64 drops_by_reason[LQ_R__COUNT];
};

/* lq_stats holds 1 + LQ_STATS_SLOTS counter sets: slot 0 for packets of no
 * attachment named in lq_att (or without LQ_CF_ATT_STATS), then one per
 * attachment. Their sum is every packet. */
#ifndef LQ_STATS_SLOTS
#define LQ_STATS_SLOTS 64
#endif

/* lq_att's key: where a packet was seen */
struct lq_att_key {
	lq_u32 ifindex;
	lq_u32 hook; /* enum lq_hook */
};

LQ_INLINE void lq_counters_add(struct lq_counters *c, const struct lq_result *r)
{
	c->packets++;
	if (r->verdict < LQ_V__COUNT)
		c->verdicts[r->verdict]++;
	if (r->reason < LQ_R__COUNT)
		c->reasons[r->reason]++;
	if (r->event < LQ_E__COUNT)
		c->events[r->event]++;
	if (r->action == LQ_ACT_DROP) {
		c->drops++;
		if (r->reason < LQ_R__COUNT)
			c->drops_by_reason[r->reason]++;
	}
}

/* What the BPF programs put in the ring buffer: the result, then caplen
 * bytes of the frame (live --write), 8-byte aligned. */
#ifndef LQ_SNAP_MAX
#define LQ_SNAP_MAX 1536
#endif
/* The ring's size as built; a loader may set another (lq_kernel_opts.ring_bytes). */
#define LQ_RING_BYTES (1u << 22)

struct lq_record {
	struct lq_result res;
	lq_u16 caplen;	/* bytes of the frame that follow */
	lq_u16 wirelen; /* the frame's length */
	lq_u32 seg;	/* segment index within a GSO super-packet, 0 otherwise */
};

/* ---- settings ------------------------------------------------------------ */

/* lq_config.flags */
#define LQ_CF_REPORT_ALL 0x01 /* BPF: a record per packet, not only notable ones */
#define LQ_CF_GUARD 0x02      /* enforcement: drop what the guard says */
#define LQ_CF_GUARD_EGRESS 0x04 /* BPF: the guard drops at tc egress too (the host's own
				 * packets); by default it acts on ingress only */
#define LQ_CF_ATT_STATS 0x10 /* BPF: counters per attachment too (lq_att names each
			      * interface and hook's slot): --metrics without a
			      * record per packet */
#define LQ_CF_HEARTBEAT 0x08 /* BPF: the guard drops only while the loader's heartbeat
			      * (lq_heartbeat_ns) is fresh, so an orphan left by a
			      * killed monitor fails open; off in test runs */

/* How old the heartbeat may be before the programs stop dropping; the
 * monitor writes it several times a second. */
#ifndef LQ_HEARTBEAT_STALE_NS
#define LQ_HEARTBEAT_STALE_NS (5ULL * 1000000000ULL)
#endif

#ifndef LQ_MAX_VERSIONS
#define LQ_MAX_VERSIONS 16
#endif

struct lq_config {
	lq_u64 idle_ns;	     /* a path, pending flow or anchor unused this long is dead */
	lq_u32 flags;	     /* LQ_CF_* */
	lq_u16 probe_min;    /* datagram size of a path probe (RFC 9000 §8.2.1: 1200) */
	lq_u8 strong_cid;    /* a DCID match links alone from this length on */
	lq_u8 nversions;     /* accepted versions; 0: every known version */
	lq_u32 versions[LQ_MAX_VERSIONS];
	/* The guard (LQ_CF_GUARD). Rates are GCRA buckets (RFC 2475-style
	 * token buckets in one timestamp): an emission interval of 1/rate and a
	 * tolerance of (burst - 1) intervals, in ns; 0 switches one off. */
	lq_u32 guard_drop;	   /* bit (1 << enum lq_reason): garbage classes dropped */
	lq_u8 max_cand;		   /* anchor slots used, 2..LQ_ANCHOR_SLOTS */
	lq_u8 pad2[3];
	lq_u64 lh_interval_ns;	   /* long-header packets per source */
	lq_u64 lh_tolerance_ns;
	lq_u64 conn_interval_ns;   /* new connections per source */
	lq_u64 conn_tolerance_ns;
};

/* ---- the guard's state: lq_guard map ------------------------------------------- */

/* A source: IPv4 address, or IPv6 /64 (one host has a whole /64). */
struct lq_guard_key {
	struct lq_ip src;
};

struct lq_guard_val {
	lq_u64 lh_tat;	 /* GCRA theoretical arrival time, long headers */
	lq_u64 conn_tat; /* the same, new connections */
	/* when a client at this source last completed a handshake (it sent the
	 * server's ID, which only a real peer of the server has seen): a
	 * spoofer claiming the address then spends no budget of its */
	lq_u32 verified_tick;
	lq_u32 verified; /* 1: verified_tick holds that time */
};

#ifndef LQ_DEF_IDLE_NS
#define LQ_DEF_IDLE_NS (60ULL * 1000000000ULL)
#endif
#ifndef LQ_DEF_STRONG_CID
#define LQ_DEF_STRONG_CID 4
#endif

LQ_INLINE void lq_config_default(struct lq_config *cfg)
{
	lq_zero(cfg, sizeof(*cfg));
	cfg->idle_ns = LQ_DEF_IDLE_NS;
	cfg->probe_min = 1200;
	cfg->strong_cid = LQ_DEF_STRONG_CID;
	cfg->guard_drop = LQ_GUARD_DROP_ALL;
	cfg->max_cand = LQ_ANCHOR_SLOTS;
}

#endif /* LQ_TYPES_H */
