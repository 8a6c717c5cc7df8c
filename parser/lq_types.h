/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * lq_types.h - every type that crosses the kernel/user boundary: the keys and
 * values of the five maps, the per-packet record and the settings.
 *
 * Defined once, here, and used by bpf/, replay/, live/ and tests/ alike.
 * Keys are zeroed in full (padding included) before use: hash maps compare
 * bytes.
 */
#ifndef LQ_TYPES_H
#define LQ_TYPES_H

#include "lq_base.h"

#ifndef LQ_CID_MAX
#define LQ_CID_MAX 20 /* RFC 9000 §17.2: a v1 connection ID is at most 20 bytes */
#endif

/* Default sizes of the maps; the loader (or replay) may change them. */
#ifndef LQ_DEF_CONNS
#define LQ_DEF_CONNS 262144
#endif
#ifndef LQ_DEF_DCIDS
#define LQ_DEF_DCIDS 524288
#endif
#ifndef LQ_DEF_DESTS
#define LQ_DEF_DESTS 65536
#endif
#ifndef LQ_DEF_SIPS
#define LQ_DEF_SIPS 262144
#endif
#ifndef LQ_DEF_PENDING
#define LQ_DEF_PENDING 65536
#endif
#ifndef LQ_DEF_GUARD
#define LQ_DEF_GUARD 65536
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
 * key of dcids_map. */
struct lq_cid {
	lq_u8 len;
	lq_u8 id[LQ_CID_MAX];
};

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

enum lq_path_state {
	LQ_PS_HANDSHAKE = 0, /* long headers only so far */
	LQ_PS_RETRY = 1,     /* server sent Retry; next client Initial restarts */
	LQ_PS_VN = 2,        /* server sent Version Negotiation */
	LQ_PS_ESTABLISHED = 3,
	LQ_PS_PROBING = 4,  /* new path, linked by anchors, only probe-sized datagrams so far */
	LQ_PS_MIGRATED = 5, /* the initiator sent non-probing packets on the new path */
};

/* lq_path_val.flags */
#define LQ_PF_GQUIC 0x01	 /* legacy Google QUIC public header (<= Q043) */
#define LQ_PF_SHARED 0x02	 /* a second connection was seen on this 4-tuple */
#define LQ_PF_UNCONFIRMED 0x04 /* opened by the client towards a server not
				* confirmed yet: its first answer here confirms it */
#define LQ_PF_GREASE 0x08	 /* fixed bit seen cleared (RFC 9287 greasing) */
#define LQ_PF_DCID_C2S_UNSET 0x10 /* dcid[LQ_C2S] not seen yet on this path */
#define LQ_PF_DCID_S2C_UNSET 0x20 /* dcid[LQ_S2C] not seen yet on this path */

/* How a path came to belong to its connection (lq_path_val.origin). */
enum lq_link {
	LQ_LINK_HANDSHAKE = 0, /* the connection started here */
	LQ_LINK_CID = 1,       /* a known DCID arrived on a new 4-tuple */
	LQ_LINK_SIP = 2,       /* same client address and server: sip_map */
	LQ_LINK_CLIENT = 3,    /* same client address, another server: sip_map wildcard */
	LQ_LINK_SERVER = 4,    /* same server, another client address: dest_map */
};

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
			       * server answered), 0 for none; fills padding */
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

/* Up to two live connections; a third live one marks the anchor crowded.
 * Times are coarse ticks (LQ_TICK_SHIFT). A new path with an unseen DCID is
 * linked through an anchor only when exactly one connection lives there. */
struct lq_anchor {
	lq_u64 conn[2];
	lq_u32 tick[2];
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
	lq_u8 pad[2];
};

/* ---- per-packet result and record --------------------------------------- */

enum lq_verdict {
	LQ_V_NOT_IP = 0,    /* not IPv4/IPv6 */
	LQ_V_NOT_UDP = 1,   /* IP, another transport */
	LQ_V_FRAGMENT = 2,  /* a non-first IP fragment */
	LQ_V_TRUNCATED = 3, /* IP or UDP header cut short */
	LQ_V_NOT_QUIC = 4,  /* UDP that is not QUIC */
	LQ_V_QUIC = 5,	    /* QUIC of a tracked connection: conn is set */
	LQ_V_PENDING = 6,   /* QUIC-like, related to known QUIC endpoints, not linked */
	LQ_V_GARBAGE = 7,   /* QUIC-shaped but invalid: reason is set */
	LQ_V_LIMITED = 8,   /* over a guard rate limit: dropped before tracking */
	LQ_V__COUNT = 9,
};

enum lq_reason {
	LQ_R_NONE = 0,
	LQ_R_INITIAL_TOO_SMALL = 1, /* client Initial in a datagram < 1200 bytes (RFC 9000 §14.1) */
	LQ_R_UNKNOWN_VERSION = 2,   /* long header of a version not accepted */
	LQ_R_CID_TOO_LONG = 3,	    /* CID length > 20 in a version that limits it */
	LQ_R_LENGTH_OVERRUN = 4,    /* a Length (or a CID) runs past the datagram */
	LQ_R_BAD_TYPE = 5,	    /* a packet type that cannot come from that side */
	LQ_R_FIXED_BIT = 6,	    /* fixed bit cleared on a packet of no known connection */
	LQ_R_UNKNOWN_DCID = 7,	    /* short header to a known server matching no connection */
	LQ_R_EMPTY = 8,		    /* UDP datagram without payload to a QUIC server */
	LQ_R_RATE_LIMIT = 9,	    /* guard: long-header rate of the source exceeded */
	LQ_R_CONN_RATE = 10,	    /* guard: new-connection rate of the source exceeded */
	LQ_R__COUNT = 11,
};

enum lq_event {
	LQ_E_NONE = 0,
	LQ_E_NEW_CONN = 1,   /* first packet of a new connection */
	LQ_E_RETRY = 2,	     /* server asked for a Retry */
	LQ_E_VN = 3,	     /* server sent Version Negotiation */
	LQ_E_CID_CHANGE = 4, /* a new DCID on a known path */
	LQ_E_REBINDING = 5,  /* known DCID on a new 4-tuple (NAT rebinding) */
	LQ_E_PROBING = 6,    /* new 4-tuple with a new DCID: path probe */
	LQ_E_MIGRATION = 7,  /* non-probing packets moved to the new path */
	LQ_E_SHARED = 8,     /* another connection uses this 4-tuple */
	LQ_E__COUNT = 9,
};

enum lq_ptype {
	LQ_PT_NONE = 0,
	LQ_PT_INITIAL = 1,
	LQ_PT_0RTT = 2,
	LQ_PT_HANDSHAKE = 3,
	LQ_PT_RETRY = 4,
	LQ_PT_VN = 5,
	LQ_PT_1RTT = 6,	 /* short header */
	LQ_PT_GQUIC = 7, /* legacy Google QUIC public header */
	LQ_PT__COUNT = 8,
};

enum lq_action {
	LQ_ACT_PASS = 0,
	LQ_ACT_DROP = 1,
};

/* Where a record was taken (set by the BPF wrappers, 0 in replay). */
enum lq_hook {
	LQ_HOOK_REPLAY = 0,
	LQ_HOOK_XDP = 1,
	LQ_HOOK_TC_IN = 2,
	LQ_HOOK_TC_OUT = 3,
};

/* lq_result.flags */
#define LQ_RF_FIXED_CLEAR 0x01 /* fixed bit cleared (greased) on a known connection */
#define LQ_RF_CUT 0x02	       /* the QUIC header runs past the captured bytes */
#define LQ_RF_PROBE_SIZE 0x04  /* UDP payload >= 1200 bytes */
#define LQ_RF_COALESCED 0x08   /* more than one QUIC packet in the datagram */
#define LQ_RF_GSO_SEGMENT 0x10 /* one segment of a GSO super-packet */

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
	lq_u8 pad2[2];
};

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
	lq_u32 pad2;
	lq_u64 lh_interval_ns;	   /* long-header packets per source */
	lq_u64 lh_tolerance_ns;
	lq_u64 conn_interval_ns;   /* new connections per source */
	lq_u64 conn_tolerance_ns;
};

/* Garbage classes the guard drops unless told otherwise: all of them. */
#define LQ_GUARD_DROP_ALL                                                                         \
	((1U << LQ_R_INITIAL_TOO_SMALL) | (1U << LQ_R_UNKNOWN_VERSION) | (1U << LQ_R_CID_TOO_LONG) | \
	 (1U << LQ_R_LENGTH_OVERRUN) | (1U << LQ_R_BAD_TYPE) | (1U << LQ_R_FIXED_BIT) |             \
	 (1U << LQ_R_UNKNOWN_DCID) | (1U << LQ_R_EMPTY))

/* ---- the guard's state: lq_guard map ------------------------------------------- */

/* A source: IPv4 address, or IPv6 /64 (one host has a whole /64). */
struct lq_guard_key {
	struct lq_ip src;
};

struct lq_guard_val {
	lq_u64 lh_tat;	 /* GCRA theoretical arrival time, long headers */
	lq_u64 conn_tat; /* the same, new connections */
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
}

#endif /* LQ_TYPES_H */
