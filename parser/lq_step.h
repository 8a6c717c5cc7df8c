/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * lq_step.h - what every step of the tracker shares: one packet's context,
 * the map flags, expiry, connection IDs and how results are written.
 *
 * The tracker reads no packet memory: lq_parse_quic() left everything it
 * needs in struct lq_pkt. The includer provides the map shim first:
 *   void *lq_map_lookup(void *map, const void *key);
 *   long lq_map_update(void *map, const void *key, const void *val, lq_u64 flags);
 *   long lq_map_delete(void *map, const void *key);
 * and LQ_MAP(member), an expression giving the map that parser/lq_vocab.h
 * lists as member (paths, cids, servers, clients, pending, guard).
 */
#ifndef LQ_STEP_H
#define LQ_STEP_H

#include "lq_label.h"
#include "lq_scratch.h"

#ifndef LQ_ANY
#define LQ_ANY 0     /* BPF_ANY */
#define LQ_NOEXIST 1 /* BPF_NOEXIST */
#define LQ_EXIST 2   /* BPF_EXIST */
#endif

#define LQ_AMBIGUOUS (~0ULL)  /* several connections fit */

/* One packet's context, passed to every step. Kept small: it lives on the
 * stack of lq_track_global, the BPF programs' deepest call chain has no
 * byte to spare, and the packet and the result sit beside w in one struct
 * lq_scratch (lq_st_pkt, lq_st_res). */
struct lq_st {
	const struct lq_config *cfg;
	struct lq_work *w; /* &s->work */
	lq_u8 src_is_b; /* the packet's source is endpoint b of w->key */
};

LQ_INLINE struct lq_scratch *lq_st_scratch(const struct lq_st *st)
{
	char *w = (char *)st->w;

	return (struct lq_scratch *)(void *)(w - __builtin_offsetof(struct lq_scratch, work));
}

/* The packet being tracked (parsed by phase 1). */
LQ_INLINE struct lq_pkt *lq_st_pkt(const struct lq_st *st)
{
	return &lq_st_scratch(st)->pkt;
}

/* Its result, being filled. */
LQ_INLINE struct lq_result *lq_st_res(const struct lq_st *st)
{
	return &lq_st_scratch(st)->res;
}

/* The packet's time (ns), and in coarse ticks of 2^LQ_TICK_SHIFT ns: read
 * from the result, not kept in struct lq_st (its 16 bytes, in two frames
 * of the BPF programs' deepest call chain, were what that chain lacked). */
LQ_INLINE lq_u64 lq_st_now(const struct lq_st *st)
{
	return lq_st_res(st)->ts;
}

LQ_INLINE lq_u32 lq_st_tick(const struct lq_st *st)
{
	return (lq_u32)(lq_st_now(st) >> LQ_TICK_SHIFT);
}

/* ---- expiry ----------------------------------------------------------------
 * Everything expires after the idle timeout (cfg->idle_ns), and every map
 * is an LRU hash, so state never grows without bound. Paths and pending
 * flows keep ns times (lq_stale); anchors keep coarse ticks of 2^30 ns
 * (lq_tick_live), refreshed now and then while their connection lives
 * (lq_refresh in lq_track.h). A stale path is only resumed by a packet that
 * proves it is the same connection (lq_resumes in lq_track.h). */

LQ_INLINE int lq_stale(const struct lq_st *st, lq_u64 last_seen)
{
	return lq_st_now(st) > last_seen && lq_st_now(st) - last_seen > st->cfg->idle_ns;
}


/* The idle timeout in ticks, rounded up. Not kept in struct lq_st: the
 * 8 bytes on the stack were what the deepest call chain of the BPF
 * programs had no room for. */
LQ_INLINE lq_u32 lq_idle_ticks(const struct lq_st *st)
{
	return (lq_u32)(st->cfg->idle_ns >> LQ_TICK_SHIFT) + 1;
}

/* A tick stamp is live: at most lq_idle_ticks() old. */
LQ_INLINE int lq_tick_live(const struct lq_st *st, lq_u32 t)
{
	return (lq_u32)(lq_st_tick(st) - t) <= lq_idle_ticks(st);
}

/* ---- connection IDs ------------------------------------------------------- */

/* Records that packets going dir carry cid as DCID. peer_len: the length of
 * the IDs going the other way, for a path that starts with this one. */
LQ_SUBPROG void lq_learn_cid(const struct lq_st *st, const struct lq_cid *cid, lq_u64 conn,
			     lq_u8 dir, lq_u8 peer_len)
{
	struct lq_cid_val *v = &st->w->cidv;

	if (cid->len == 0)
		return; /* zero-length IDs identify nothing */
	lq_zero(v, sizeof(*v));
	v->conn = conn;
	v->dir = dir;
	v->peer_cid_len = peer_len;
	/* a handshake not yet completed keeps its IDs apart: a flood of those
	 * (spoofed Initials the server answers) cannot evict a connection's */
	if (st->w->tent)
		lq_map_update(LQ_MAP(tent_cids), cid, v, LQ_ANY);
	else
		lq_map_update(LQ_MAP(cids), cid, v, LQ_ANY);
}

/* The connection an ID names: a completed connection's first, else a
 * handshake's (lq_tent_cids). */
LQ_INLINE struct lq_cid_val *lq_cid_find(const struct lq_cid *cid)
{
	struct lq_cid_val *v = (struct lq_cid_val *)lq_map_lookup(LQ_MAP(cids), cid);

	if (!v)
		v = (struct lq_cid_val *)lq_map_lookup(LQ_MAP(tent_cids), cid);
	return v;
}

/* The short header's DCID, if it is len bytes long (read from pkt->sh).
 * Inline on a known connection's path (lq_on_short_known), where a call
 * costs more than the copy; lq_short_dcid() elsewhere, so that the
 * verifier checks the copy once for all the other callers. */
LQ_INLINE int lq_short_dcid_inline(struct lq_pkt *pkt, lq_u8 len, struct lq_cid *cid)
{
	if (len > LQ_CID_MAX) {
		lq_zero(cid, sizeof(*cid));
		return -1;
	}
	if (len > pkt->sh_len) {
		lq_zero(cid, sizeof(*cid));
		if (len > pkt->sh_room)
			pkt->reason = LQ_R_LENGTH_OVERRUN; /* the datagram is shorter */
		else
			pkt->flags |= LQ_RF_CUT; /* the capture is */
		return -1;
	}
	lq_cid_from_words(cid, pkt->shw, len);
	return 0;
}

LQ_GLOBAL int lq_short_dcid(struct lq_pkt *pkt, lq_u8 len, struct lq_cid *cid)
{
	if (!pkt || !cid)
		return -1;
	return lq_short_dcid_inline(pkt, len, cid);
}

/* ---- servers --------------------------------------------------------------- */

/* A server is confirmed once it has answered: its own CID length is known. */
LQ_INLINE int lq_is_server(const struct lq_dest_val *d)
{
	return d && d->server_cid_len[0] != LQ_NO_LEN;
}

/* ---- results -------------------------------------------------------------- */

/* Reports an event and marks it on the path it happened on, for the
 * connection table (pv: the path's value, in the map or about to go in). */
LQ_INLINE void lq_event(const struct lq_st *st, struct lq_path_val *pv, lq_u8 event)
{
	lq_st_res(st)->event = event;
	pv->events |= (lq_u16)(1U << event);
	if (event == LQ_E_CID_CHANGE)
		pv->cid_changes++;
}

LQ_INLINE void lq_count(const struct lq_st *st, struct lq_path_val *pv, lq_u8 dir)
{
	if (dir > LQ_S2C)
		return;
	pv->pkts[dir]++;
	pv->bytes[dir] += lq_st_pkt(st)->ip_len;
	pv->last_seen = lq_st_now(st);
	/* PATH_CHALLENGE and PATH_RESPONSE are padded to 1200 bytes (RFC 9000
	 * §8.2.1-2), and stacks pad to exactly that: a server's such datagrams
	 * on a path its client left are no sign the path is in use */
	if (dir == LQ_S2C && lq_st_pkt(st)->ulen == st->cfg->probe_min && pv->s2c_probes < 0xffff)
		pv->s2c_probes++;
}

/* Not QUIC of any connection: garbage when it was sent to a QUIC server,
 * plain non-QUIC UDP otherwise. */
LQ_SUBPROG void lq_reject(const struct lq_st *st, lq_u8 reason)
{
	struct lq_result *res = lq_st_res(st);
	const struct lq_pkt *pkt = lq_st_pkt(st);
	struct lq_dest_val *d = (struct lq_dest_val *)lq_map_lookup(LQ_MAP(servers), &pkt->dst);

	res->conn = 0;
	if (lq_is_server(d)) {
		res->verdict = LQ_V_GARBAGE;
		res->reason = reason;
		res->dir = LQ_C2S;
	} else {
		res->verdict = LQ_V_NOT_QUIC;
	}
}

/* Not a packet of the path's connection (another protocol sharing the
 * 4-tuple, RFC 9443, or a forgery): garbage when it goes to the server. */
LQ_INLINE void lq_reject_dir(const struct lq_st *st, lq_u8 dir, lq_u8 reason)
{
	struct lq_result *res = lq_st_res(st);

	res->conn = 0;
	if (dir == LQ_C2S) {
		res->verdict = LQ_V_GARBAGE;
		res->reason = reason;
	} else {
		res->verdict = LQ_V_NOT_QUIC;
	}
}

#endif /* LQ_STEP_H */
