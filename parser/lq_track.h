/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * lq_track.h - the connection tracker: gives every QUIC packet a connection
 * label that is the same in both directions and on every path.
 *
 *
 * State lives in the maps of lq_vocab.h (the seed's five, their defects
 * fixed, and the guard's): paths (4-tuple, both directions) -> label and
 * current DCIDs; connection IDs -> label and direction; servers -> their CID
 * lengths and live connections; client addresses (+ server) -> live
 * connections; pending flows: QUIC-like 4-tuples that nothing links.
 *
 * Linking rules, strongest first:
 *  - a known 4-tuple keeps its label; a new handshake on it is a new
 *    connection, except right after Retry or Version Negotiation;
 *  - a DCID seen before (of a learned length, at least strong_cid bytes)
 *    links a new 4-tuple to its connection: NAT rebinding;
 *  - an unseen DCID on a new 4-tuple in a client's probe-sized datagram
 *    (RFC 9000 §8.2.1 pads PATH_CHALLENGE to 1200 bytes) makes the path
 *    undecided: the live connections at its anchors (its server, its client
 *    address) are the candidates, and the path is linked when the evidence
 *    singles one out (lq_decide.h); its frames are pending meanwhile;
 *  - anything else related to a known QUIC endpoint is pending, never merged.
 *
 * The units: lq_label.h (labels), lq_step.h (a packet's context, expiry,
 * CIDs, results), lq_anchor.h (anchors), lq_guard.h (the guard),
 * lq_decide.h (undecided paths); this file is the state machine.
 */
#ifndef LQ_TRACK_H
#define LQ_TRACK_H

/* A map shim may define LQ_MAP_PREFETCHES and lq_map_prefetch(map, key):
 * a hint that key's entry will be wanted soon, its hash bucket fetched
 * into the cache, so that a step's several lookups wait for memory once,
 * not once each. It changes nothing else. The tracker uses it only under
 * #ifdef LQ_MAP_PREFETCHES: BPF has no such hint, and the keys it would
 * build for it are work there. */

#include "lq_anchor.h"
#include "lq_decide.h"
#include "lq_guard.h"

/* ---- a new connection ------------------------------------------------------ */

/* A version the tracker does not accept: a server drops it in a datagram
 * under 1200 bytes (RFC 9000 §5.2.2), and may answer a larger one with
 * Version Negotiation (§6), so only the small one is a garbage class the
 * guard may drop. */
LQ_INLINE lq_u8 lq_version_reason(const struct lq_pkt *pkt)
{
	return pkt->ulen < 1200 ? LQ_R_UNKNOWN_VERSION : LQ_R_UNSUPPORTED_VERSION;
}

/* Starts a connection on the packet's path. client_is_src: the packet is the
 * client's (its DCID is the original DCID, a label input); otherwise it is
 * the server's first packet we see (VN echoes the original DCID as its SCID,
 * RFC 8999 §6). */
LQ_SUBPROG void lq_new_conn(const struct lq_st *st, int client_is_src, lq_u8 state, lq_u8 flags,
			    lq_u8 event)
{
	struct lq_result *res = lq_st_res(st);
	struct lq_pkt *pkt = lq_st_pkt(st);
	struct lq_path_val *v = &st->w->path;
	const struct lq_endpoint *client = client_is_src ? &pkt->src : &pkt->dst;
	const struct lq_endpoint *server = client_is_src ? &pkt->dst : &pkt->src;
	lq_u8 dir = client_is_src ? LQ_C2S : LQ_S2C;
	lq_u8 ccl, scl = LQ_NO_LEN;

	if (client_is_src && !lq_guard_charge(st, 1)) {
		lq_limited(st, LQ_R_CONN_RATE); /* no state for what never reaches the server */
		return;
	}
	lq_zero(v, sizeof(*v));
	v->first_seen = lq_st_now(st);
	v->client_is_b = (lq_u8)(client_is_src ? st->src_is_b : !st->src_is_b);
	v->state = state;
	v->flags = flags;
	v->origin = LQ_LINK_HANDSHAKE;
	v->version = pkt->version;
	v->anchor_tick = lq_st_tick(st);
	if (client_is_src) {
		v->conn = lq_conn_label(&pkt->dcid, client, server);
		v->dcid[LQ_C2S] = pkt->dcid;
		v->dcid[LQ_S2C] = (flags & LQ_PF_GQUIC) ? pkt->dcid : pkt->scid;
	} else {
		v->conn = lq_conn_label(&pkt->scid, client, server);
		v->dcid[LQ_S2C] = pkt->dcid;
		v->dcid[LQ_C2S] = pkt->scid;
		if (pkt->type != LQ_PT_VN && pkt->type != LQ_PT_RETRY) {
			scl = pkt->scid.len; /* a server Initial/Handshake: its own ID */
			v->flags |= LQ_PF_SERVER_ID;
		}
	}
	ccl = v->dcid[LQ_S2C].len;
	lq_count(st, v, dir);
	lq_event(st, v, event);
	/* A handshake's path is tentative until its client completes it
	 * (lq_promote): a flood of Initials, spoofed or not, answered or not,
	 * then evicts no completed connection's path, ID or anchor. A pending
	 * entry of this 4-tuple, if any, is never read again once the path is
	 * known: no delete (a lookup's cost) for it. */
	st->w->tent = 1;
	lq_map_update(LQ_MAP(tentative), &st->w->key, v, LQ_ANY);
	if (!client_is_src) { /* the server's first packet seen: its IDs */
		lq_learn_cid(st, &v->dcid[LQ_S2C], v->conn, LQ_S2C, scl);
		if (scl != LQ_NO_LEN)
			lq_learn_cid(st, &v->dcid[LQ_C2S], v->conn, LQ_C2S, ccl);
	}
	(void)client;
	(void)server;

	res->conn = v->conn;
	res->dir = dir;
	res->verdict = LQ_V_QUIC;
}

/* ---- packets of a known path ------------------------------------------------ */

/* Refreshes the anchors and the CIDs of a live connection now and then, so
 * that they expire only when the connection does. */
LQ_SUBPROG void lq_refresh_now(const struct lq_st *st, struct lq_path_val *pv)
{
	const struct lq_path_key *key = &st->w->key;
	const struct lq_endpoint *client = pv->client_is_b ? &key->b : &key->a;
	const struct lq_endpoint *server = pv->client_is_b ? &key->a : &key->b;
	lq_u8 scl = pv->dcid[LQ_C2S].len, ccl = pv->dcid[LQ_S2C].len;

	pv->anchor_tick = lq_st_tick(st);
	if (!st->w->tent) { /* a completed connection's */
		if (pv->pkts[LQ_S2C])
			lq_anchors_touch(st, pv->conn, &client->ip, server, lq_lens(scl, ccl));
		else /* no answer in view: the client's anchors, the server unconfirmed */
			lq_touch_sips(st, pv->conn, &client->ip, server, lq_lens(scl, ccl));
		/* the path it uses now, for judging it as a candidate */
		lq_conn_note(st, pv->conn, 0, lq_lens(scl, ccl),
			     pv->pkts[LQ_S2C] ? LQ_CONNF_ANSWERED : 0);
	}
	if (!(pv->flags & LQ_PF_DCID_C2S_UNSET))
		lq_learn_cid(st, &pv->dcid[LQ_C2S], pv->conn, LQ_C2S, ccl);
	if (!(pv->flags & LQ_PF_DCID_S2C_UNSET))
		lq_learn_cid(st, &pv->dcid[LQ_S2C], pv->conn, LQ_S2C, scl);
}

/* Now and then: the test inline, the work a call (which on most packets is
 * not made). */
LQ_INLINE int lq_refresh_due(const struct lq_st *st, const struct lq_path_val *pv)
{
	return (lq_u32)(lq_st_tick(st) - pv->anchor_tick) >= (lq_idle_ticks(st) >> 2) + 1;
}

LQ_INLINE void lq_refresh(const struct lq_st *st, struct lq_path_val *pv)
{
	if (lq_refresh_due(st, pv))
		lq_refresh_now(st, pv);
}

/* A long header tells its sender's own ID (its SCID): packets towards the
 * sender carry it as DCID from now on. */
LQ_SUBPROG void lq_learn_scid(const struct lq_st *st, struct lq_path_val *pv, lq_u8 dir)
{
	struct lq_pkt *pkt = lq_st_pkt(st);
	const struct lq_path_key *key = &st->w->key;
	lq_u8 towards = dir == LQ_C2S ? LQ_S2C : LQ_C2S;
	lq_u8 unset = towards == LQ_C2S ? LQ_PF_DCID_C2S_UNSET : LQ_PF_DCID_S2C_UNSET;

	if (!(pv->flags & unset) && lq_cid_eq(&pv->dcid[towards & 1], &pkt->scid))
		return;
	pv->dcid[towards & 1] = pkt->scid;
	pv->flags &= (lq_u8)~unset;
	if (towards == LQ_C2S)
		pv->flags |= LQ_PF_SERVER_ID;
	lq_learn_cid(st, &pkt->scid, pv->conn, towards, pv->dcid[dir & 1].len);
	if (dir == LQ_S2C) {
		const struct lq_endpoint *client = pv->client_is_b ? &key->b : &key->a;
		const struct lq_endpoint *server = pv->client_is_b ? &key->a : &key->b;

		/* the server answered: the first answer on the path the
		 * connection began on gives its handshake RTT as the monitor
		 * sees it; a completed connection's new SCID (a later long
		 * header) tells its server's CID length */
		if (pv->pkts[LQ_S2C] == 0 && pv->origin == LQ_LINK_HANDSHAKE && !pv->rtt_us) {
			lq_u32 rtt = (lq_u32)((lq_st_now(st) - pv->first_seen) / 1000);

			pv->rtt_us = rtt ? rtt : 1; /* 0: none */
		}
		if (!st->w->tent) {
			lq_anchors_touch(st, pv->conn, &client->ip, server,
					 lq_lens(pkt->scid.len, pv->dcid[LQ_S2C].len));
			lq_conn_note(st, pv->conn, 0, lq_lens(pkt->scid.len, pv->dcid[LQ_S2C].len),
				     LQ_CONNF_ANSWERED);
		}
		/* the client's ID now knows its peer's length */
		lq_learn_cid(st, &pv->dcid[LQ_S2C], pv->conn, LQ_S2C, pkt->scid.len);
	}
}

/* Moves the tentative path pv into the paths map, last: pv is not read
 * after it. */
LQ_INLINE void lq_settle(const struct lq_st *st, struct lq_path_val *pv)
{
	lq_map_update(LQ_MAP(paths), &st->w->key, pv, LQ_ANY);
	lq_map_delete(LQ_MAP(tentative), &st->w->key);
}

/* The client completed the handshake on the tentative path pv: it sent the
 * server's own ID, which only a real peer of the server has seen (no
 * off-path attacker, no spoofer). The path becomes a connection's: into
 * the paths map, its IDs into the connections' IDs, the connection into
 * its anchors and lq_conns, the client's address is verified for the
 * guard. Called last: pv's tentative entry is gone after it. */
LQ_SUBPROG void lq_promote(const struct lq_st *st, struct lq_path_val *pv)
{
	const struct lq_path_key *key = &st->w->key;
	const struct lq_endpoint *client = pv->client_is_b ? &key->b : &key->a;
	const struct lq_endpoint *server = pv->client_is_b ? &key->a : &key->b;
	lq_u8 scl = pv->dcid[LQ_C2S].len, ccl = pv->dcid[LQ_S2C].len;
	lq_u32 answered = pv->pkts[LQ_S2C] != 0;

#ifdef LQ_MAP_PREFETCHES
	/* a completed connection's first entries: each a miss in the cache,
	 * one after the other unless asked for at once */
	lq_map_prefetch(LQ_MAP(cids), &pv->dcid[LQ_C2S]);
	lq_map_prefetch(LQ_MAP(cids), &pv->dcid[LQ_S2C]);
	lq_map_prefetch(LQ_MAP(tent_cids), &pv->dcid[LQ_C2S]);
	lq_map_prefetch(LQ_MAP(tent_cids), &pv->dcid[LQ_S2C]);
	lq_map_prefetch(LQ_MAP(servers), server);
	lq_map_prefetch(LQ_MAP(conns), &pv->conn);
	lq_map_prefetch(LQ_MAP(paths), key);
	lq_sip_key_make(&st->w->touch_key, &client->ip, server);
	lq_map_prefetch(LQ_MAP(clients), &st->w->touch_key);
	lq_sip_key_make(&st->w->touch_key, &client->ip, LQ_NULL);
	lq_map_prefetch(LQ_MAP(clients), &st->w->touch_key);
#endif
	st->w->tent = 0;
	if (!(pv->flags & LQ_PF_DCID_C2S_UNSET)) { /* the handshake's IDs move */
		lq_learn_cid(st, &pv->dcid[LQ_C2S], pv->conn, LQ_C2S, ccl);
		lq_map_delete(LQ_MAP(tent_cids), &pv->dcid[LQ_C2S]);
	}
	if (!(pv->flags & LQ_PF_DCID_S2C_UNSET)) {
		lq_learn_cid(st, &pv->dcid[LQ_S2C], pv->conn, LQ_S2C, scl);
		lq_map_delete(LQ_MAP(tent_cids), &pv->dcid[LQ_S2C]);
	}
	if (answered)
		lq_anchors_touch(st, pv->conn, &client->ip, server, lq_lens(scl, ccl));
	else
		lq_touch_sips(st, pv->conn, &client->ip, server, lq_lens(scl, ccl));
	lq_conn_note(st, pv->conn, pv->rtt_us, lq_lens(scl, ccl), answered ? LQ_CONNF_ANSWERED : 0);
	lq_guard_verify(st, &client->ip);
	lq_settle(st, pv);
}

/* Is the packet (going dir) the client's proof that it completed the
 * handshake: its DCID the ID the server gave it (its SCID, or a Retry's),
 * which only a real peer of the server has seen? Asked before the packet
 * changes pv. Google QUIC has no ID of the server's: its paths stay
 * tentative (they are followed all the same). */
LQ_INLINE int lq_completes(const struct lq_st *st, const struct lq_path_val *pv, lq_u8 dir)
{
	if (!st->w->tent || dir != LQ_C2S || pv->state == LQ_PS_UNDECIDED ||
	    (pv->flags & (LQ_PF_GQUIC | LQ_PF_DCID_C2S_UNSET | LQ_PF_SERVER_ID)) !=
		    LQ_PF_SERVER_ID ||
	    !pv->pkts[LQ_S2C])
		return 0;
	return lq_st_pkt(st)->dcid.len && lq_cid_eq(&lq_st_pkt(st)->dcid, &pv->dcid[LQ_C2S]);
}

/* Is this client Initial/0-RTT on a known path the same connection? A
 * server tells connections apart by the DCID of their Initials, so the DCID
 * must be the connection's: the one its client sends now (the server's SCID
 * once the server answered), the original one (it makes the label), or the
 * one it took after a Retry (its tag): a retransmission can pass the
 * server's answer on its way. A matching SCID
 * alone would let Initials with one SCID and fresh DCIDs, as many
 * connections to the server, pass as one under the guard's new-connection
 * rate. It is enough only while no packet of the server was seen here: a
 * monitor that sees one direction of the path never learns the server's
 * SCID, which the client's later Initials carry as DCID. */
LQ_INLINE int lq_same_handshake(const struct lq_pkt *pkt, const struct lq_path_val *pv)
{
	int scid_same = pkt->scid.len && !(pv->flags & LQ_PF_DCID_S2C_UNSET) &&
			lq_cid_eq(&pkt->scid, &pv->dcid[LQ_S2C]);

	if (pv->state == LQ_PS_VN || pv->state == LQ_PS_RETRY)
		return 1; /* the client restarts as asked (RFC 9000 §6.2, §17.2.5.2) */
	if (!lq_cid_eq(&pkt->dcid, &pv->dcid[LQ_C2S]) &&
	    lq_conn_label(&pkt->dcid, &pkt->src, &pkt->dst) != pv->conn &&
	    (!pv->retry_tag || lq_cid_tag(&pkt->dcid) != pv->retry_tag))
		return scid_same && pv->pkts[LQ_S2C] == 0;
	return (pv->flags & LQ_PF_DCID_S2C_UNSET) || !pkt->scid.len || scid_same;
}

LQ_SUBPROG void lq_on_long_known(const struct lq_st *st, struct lq_path_val *pv, lq_u8 dir)
{
	struct lq_pkt *pkt = lq_st_pkt(st);
	struct lq_result *res = lq_st_res(st);
	lq_u8 t = pkt->type, vc = pkt->vclass;
	int done = lq_completes(st, pv, dir);

	if (pkt->reason || vc == LQ_VC_UNKNOWN || vc == LQ_VC_GQUIC_OLD ||
	    (vc != LQ_VC_VN && vc != LQ_VC_RESERVED && !lq_version_ok(st->cfg, pkt->version))) {
		lq_reject_dir(st, dir, pkt->reason ? pkt->reason : lq_version_reason(pkt));
		return;
	}
	if (vc == LQ_VC_RESERVED)
		t = LQ_PT_INITIAL; /* a client forcing version negotiation */

	if (dir == LQ_C2S) {
		if (t == LQ_PT_RETRY || t == LQ_PT_VN) {
			lq_reject_dir(st, dir, LQ_R_BAD_TYPE); /* only servers send these */
			return;
		}
		if (t == LQ_PT_INITIAL || t == LQ_PT_0RTT) {
			if (!lq_same_handshake(pkt, pv)) {
				/* a new handshake on a known 4-tuple: a new connection */
				lq_new_conn(st, 1, LQ_PS_HANDSHAKE, 0, LQ_E_NEW_CONN);
				return;
			}
			if (pv->state == LQ_PS_VN || pv->state == LQ_PS_RETRY) {
				if (pv->state == LQ_PS_RETRY)
					pv->retry_tag = lq_cid_tag(&pkt->dcid);
				if (pv->state == LQ_PS_VN || !lq_cid_eq(&pkt->dcid, &pv->dcid[LQ_C2S]))
					pv->flags &= (lq_u8)~LQ_PF_SERVER_ID; /* the client's own */
				pv->state = LQ_PS_HANDSHAKE;
				pv->dcid[LQ_C2S] = pkt->dcid; /* Retry's SCID, or a fresh DCID */
			}
		}
		/* The server's SCID, its answer unseen (one direction of the
		 * path in view): the client's long headers now carry it. Taken
		 * once, in place of the original DCID, so that the 1-RTT
		 * packets to it are no change of ID. */
		if (pv->pkts[LQ_S2C] == 0 && vc != LQ_VC_GQUIC && pkt->dcid.len &&
		    !lq_cid_eq(&pkt->dcid, &pv->dcid[LQ_C2S]) &&
		    lq_conn_label(&pv->dcid[LQ_C2S], &pkt->src, &pkt->dst) == pv->conn &&
		    lq_conn_label(&pkt->dcid, &pkt->src, &pkt->dst) != pv->conn) {
			pv->dcid[LQ_C2S] = pkt->dcid;
			pv->flags &= (lq_u8)~LQ_PF_SERVER_ID; /* the client's word only */
			lq_learn_cid(st, &pkt->dcid, pv->conn, LQ_C2S, pv->dcid[LQ_S2C].len);
			/* The server answered, out of view: the client's anchors
			 * take the connection (a new path of the client then links
			 * as in both-way view). Not the server's: a flow that only
			 * says it was answered never makes a destination a
			 * confirmed QUIC server, whose unknown traffic is garbage. */
			lq_touch_sips(st, pv->conn, &pkt->src.ip, &pkt->dst,
				      lq_lens(pkt->dcid.len, pv->dcid[LQ_S2C].len));
			lq_conn_note(st, pv->conn, 0, lq_lens(pkt->dcid.len, pv->dcid[LQ_S2C].len), 0);
		}
		if (vc != LQ_VC_RESERVED)
			pv->version = pkt->version;
		lq_learn_scid(st, pv, dir);
	} else if (t == LQ_PT_0RTT && vc != LQ_VC_GQUIC) {
		/* only clients send 0-RTT (RFC 9000 §17.2.3); Google QUIC servers
		 * use that type for their encrypted hello */
		lq_reject_dir(st, dir, LQ_R_BAD_TYPE);
		return;
	} else if (t == LQ_PT_VN) {
		pv->state = LQ_PS_VN;
		lq_event(st, pv, LQ_E_VN);
	} else if (t == LQ_PT_RETRY) {
		pv->state = LQ_PS_RETRY;
		pv->dcid[LQ_C2S] = pkt->scid; /* the client's next DCID */
		pv->flags &= (lq_u8)~LQ_PF_DCID_C2S_UNSET;
		pv->flags |= LQ_PF_SERVER_ID;
		lq_event(st, pv, LQ_E_RETRY);
	} else {
		if (pv->state == LQ_PS_VN || pv->state == LQ_PS_RETRY)
			pv->state = LQ_PS_HANDSHAKE;
		pv->version = pkt->version;
		lq_learn_scid(st, pv, dir);
	}
	if (pkt->has_short && pv->state == LQ_PS_HANDSHAKE)
		pv->state = LQ_PS_ESTABLISHED;
	lq_count(st, pv, dir);
	lq_refresh(st, pv);
	res->conn = pv->conn;
	res->verdict = LQ_V_QUIC;
	if (done)
		lq_promote(st, pv);
}

/* Returns 1 when the packet is not the path's connection's after all (the
 * caller says what it is), else 0. */
LQ_SUBPROG int lq_on_short_known(const struct lq_st *st, struct lq_path_val *pv, lq_u8 dir)
{
	struct lq_pkt *pkt = lq_st_pkt(st);
	struct lq_result *res = lq_st_res(st);
	lq_u8 unset = dir == LQ_C2S ? LQ_PF_DCID_C2S_UNSET : LQ_PF_DCID_S2C_UNSET;
	struct lq_cid *cur = &pv->dcid[dir & 1];
	struct lq_cid *dcid = &pkt->dcid;
	struct lq_cid_val *cv;
	int done;

	res->conn = pv->conn;
	res->verdict = LQ_V_QUIC;
	if (pv->flags & LQ_PF_GQUIC) {
		/* legacy gQUIC: the path is the connection; the ID is optional */
		if (pkt->b0 & 0x08)
			lq_short_dcid(pkt, 8, dcid);
		lq_count(st, pv, dir);
		return 0;
	}
	if (!(pkt->b0 & 0x40)) {
		res->flags |= LQ_RF_FIXED_CLEAR; /* RFC 9287 grease on a known connection */
		pv->flags |= LQ_PF_GREASE;
	}
	if (lq_short_dcid_inline(pkt, cur->len, dcid)) {
		if (pkt->reason) {
			lq_reject_dir(st, dir, pkt->reason); /* shorter than its own DCID */
			return 0;
		}
		lq_count(st, pv, dir); /* cut by the capture: the path still tells */
		return 0;
	}
	/* asked once the DCID is read (the short header's is read here, not
	 * by the parser) and before it changes pv */
	done = lq_completes(st, pv, dir);
	if (pv->flags & unset) {
		*cur = *dcid; /* first packet this way on a new path */
		pv->flags &= (lq_u8)~(unset | (dir == LQ_C2S ? LQ_PF_SERVER_ID : 0));
		lq_learn_cid(st, dcid, pv->conn, dir, pv->dcid[(dir & 1) ^ 1].len);
		if ((pv->flags & LQ_PF_UNCONFIRMED) && !st->w->tent) {
			/* the server answers where the client went (a
			 * completed connection's: a handshake's path confirms
			 * no server, lq_promote does) */
			pv->flags &= (lq_u8)~LQ_PF_UNCONFIRMED;
			lq_touch_dest(st, pv->conn, &pkt->src, LQ_NULL,
				      lq_lens(pv->dcid[LQ_C2S].len, dcid->len));
		}
	} else if (!lq_cid_eq(dcid, cur)) {
		if (pv->state == LQ_PS_PROBING &&
		    (pv->flags & (dir == LQ_C2S ? LQ_PF_DCID_S2C_UNSET : LQ_PF_DCID_C2S_UNSET))) {
			/* A second new ID on a probed path its peer has not
			 * answered: a prober keeps the one ID it probes with
			 * until the path is validated (RFC 9000 §9.5), so this
			 * links nothing and teaches no ID (else random IDs from
			 * one 4-tuple would all join the connection). */
			return 1;
		}
		if (st->w->tent && lq_is_server((struct lq_dest_val *)lq_map_lookup(
					   LQ_MAP(servers), pv->client_is_b ? &st->w->key.a
									  : &st->w->key.b))) {
			/* A handshake not completed, its server's answers in
			 * view: no peer changes IDs before the handshake is
			 * done (it has none of its peer's to change to), so a
			 * new ID links nothing and teaches none (else one
			 * unanswered Initial, then short headers with fresh IDs,
			 * would fill the ID table). */
			return 1;
		}
		cv = lq_cid_find(dcid);
		if (cv && cv->conn != pv->conn && dcid->len >= st->cfg->strong_cid) {
			/* the ID of another connection on the same 4-tuple */
			if (!(pv->flags & LQ_PF_SHARED))
				lq_event(st, pv, LQ_E_SHARED);
			pv->flags |= LQ_PF_SHARED;
			res->conn = cv->conn;
			lq_count(st, pv, dir);
			return 0;
		}
		if (!cv || cv->conn != pv->conn) {
			if (pv->flags & LQ_PF_SHARED) {
				/* two connections here: a new ID could be either's */
				res->conn = 0;
				res->verdict = LQ_V_PENDING;
				lq_count(st, pv, dir);
				return 0;
			}
			/* NEW_CONNECTION_ID in use (RFC 9000 §5.1.1) */
			lq_event(st, pv, LQ_E_CID_CHANGE);
			lq_learn_cid(st, dcid, pv->conn, dir, pv->dcid[(dir & 1) ^ 1].len);
		}
		*cur = *dcid;
		if (dir == LQ_C2S)
			pv->flags &= (lq_u8)~LQ_PF_SERVER_ID;
	}
	if (pv->state <= LQ_PS_VN) {
		pv->state = LQ_PS_ESTABLISHED;
	} else if (pv->state == LQ_PS_PROBING) {
		/* probes are padded to 1200 bytes (RFC 9000 §8.2.1): a smaller
		 * datagram from the client, who opened the path, carries
		 * non-probing frames */
		if (dir == LQ_C2S && !(pkt->flags & LQ_RF_PROBE_SIZE)) {
			pv->state = LQ_PS_MIGRATED;
			if (res->event == LQ_E_NONE)
				lq_event(st, pv, LQ_E_MIGRATION);
		}
	}
	lq_count(st, pv, dir);
	lq_refresh(st, pv);
	if (done)
		lq_promote(st, pv);
	return 0;
}

/* ---- packets of an unknown path -------------------------------------------- */

/* A Handshake (or other non-Initial) long header on an unknown path whose
 * DCID is known: the handshake moved. Returns 1 when linked. */
LQ_SUBPROG int lq_long_rebind(const struct lq_st *st)
{
	struct lq_result *res = lq_st_res(st);
	struct lq_pkt *pkt = lq_st_pkt(st);
	struct lq_cid_val *cv = (struct lq_cid_val *)lq_map_lookup(LQ_MAP(cids), &pkt->dcid);
	struct lq_path_val *v = &st->w->path;
	lq_u8 dir;

	st->w->tent = 0;
	if (!cv) { /* a handshake's ID: the path is a handshake's too */
		cv = (struct lq_cid_val *)lq_map_lookup(LQ_MAP(tent_cids), &pkt->dcid);
		st->w->tent = 1;
	}
	if (!cv || pkt->dcid.len < st->cfg->strong_cid)
		return 0;
	dir = cv->dir & 1;
	lq_zero(v, sizeof(*v));
	v->conn = cv->conn;
	v->first_seen = lq_st_now(st);
	v->client_is_b = (lq_u8)(dir == LQ_C2S ? st->src_is_b : !st->src_is_b);
	v->state = LQ_PS_HANDSHAKE;
	v->origin = LQ_LINK_CID;
	v->version = pkt->version;
	v->anchor_tick = lq_st_tick(st);
	v->dcid[dir] = pkt->dcid;
	v->dcid[dir ^ 1] = pkt->scid;
	lq_count(st, v, dir);
	lq_event(st, v, LQ_E_REBINDING);
	lq_map_update(st->w->tent ? LQ_MAP(tentative) : LQ_MAP(paths), &st->w->key, v, LQ_ANY);
	res->conn = v->conn;
	res->dir = dir;
	res->verdict = LQ_V_QUIC;
	return 1;
}

LQ_SUBPROG void lq_on_long_new(const struct lq_st *st)
{
	struct lq_pkt *pkt = lq_st_pkt(st);
	struct lq_dest_val *ds;
	lq_u8 t = pkt->type, vc = pkt->vclass, flags = 0, src_server = 0;
	int client_is_src = 1;

	if (pkt->reason) {
		lq_reject(st, pkt->reason);
		return;
	}
	if (vc == LQ_VC_UNKNOWN || vc == LQ_VC_GQUIC_OLD ||
	    (vc != LQ_VC_VN && vc != LQ_VC_RESERVED && !lq_version_ok(st->cfg, pkt->version))) {
		lq_reject(st, lq_version_reason(pkt));
		return;
	}
	if (vc == LQ_VC_RESERVED)
		t = LQ_PT_INITIAL; /* only meaningful as a version negotiation trigger */

	if (t != LQ_PT_VN && t != LQ_PT_RETRY) {
		ds = (struct lq_dest_val *)lq_map_lookup(LQ_MAP(servers), &pkt->src);
		src_server = (lq_u8)lq_is_server(ds);
		if (src_server) {
			client_is_src = 0; /* a known server: the client's first packet was missed */
		} else if (t == LQ_PT_HANDSHAKE ||
			   (t == LQ_PT_INITIAL && (pkt->types & (1 << LQ_PT_HANDSHAKE)))) {
			/* A Handshake packet, alone or behind an Initial: no
			 * client sends one before the server's Initial, so this
			 * is a server's first flight (its client out of view)
			 * or a client's second (its first missed). */
			ds = (struct lq_dest_val *)lq_map_lookup(LQ_MAP(servers), &pkt->dst);
			if (!lq_is_server(ds) && pkt->dst.port > pkt->src.port)
				client_is_src = 0; /* no better clue than the usual port order */
		}
	}
	if (!(pkt->b0 & 0x40) && vc != LQ_VC_VN && client_is_src) {
		/* RFC 9000 §17.2; RFC 9287 greasing needs a connection that
		 * agreed. A server may grease from its first Initial on (the
		 * client's transport parameters agreed, out of view). */
		lq_reject(st, LQ_R_FIXED_BIT);
		return;
	}
	if (!(pkt->b0 & 0x40) && vc != LQ_VC_VN)
		flags = LQ_PF_GREASE;
	if (t == LQ_PT_VN || t == LQ_PT_RETRY) {
		/* only an answer to an Initial seen on this 4-tuple: unsolicited, or
		 * sent to a server, it starts nothing */
		lq_reject(st, LQ_R_BAD_TYPE);
		return;
	}
	if (client_is_src && t == LQ_PT_INITIAL && pkt->ulen < 1200 && vc != LQ_VC_GQUIC) {
		/* RFC 9000 §14.1: servers drop client Initials in small datagrams */
		lq_reject(st, LQ_R_INITIAL_TOO_SMALL);
		return;
	}
	/* The guard charges the source what makes state, once it is known to
	 * be no garbage: a flood of garbage from spoofed sources then makes no
	 * state either, and evicts no real source's. Servers are exempt. */
	if ((st->cfg->flags & LQ_CF_GUARD) && !src_server && !lq_guard_charge(st, 0)) {
		lq_limited(st, LQ_R_RATE_LIMIT);
		return;
	}
	if (t != LQ_PT_INITIAL && t != LQ_PT_0RTT && lq_long_rebind(st))
		return;
	if (flags)
		lq_st_res(st)->flags |= LQ_RF_FIXED_CLEAR;
	lq_new_conn(st, client_is_src, LQ_PS_HANDSHAKE, flags, LQ_E_NEW_CONN);
}

/* A short header with nothing to link it: remembered as pending. Once both
 * of its ends were seen, it may be a connection we never saw begin: a rival
 * at the anchors, so that a later probe is not taken for another
 * connection's move. Not before: one packet sent from anywhere (an
 * off-path attacker's, spoofed or not) must not stand in the way of every
 * connection there that moves. */
LQ_SUBPROG void lq_pend(const struct lq_st *st, lq_u8 dir, const struct lq_ip *client,
			const struct lq_endpoint *server, struct lq_dest_val *srv)
{
	struct lq_pending_val *pend, *n;
	lq_u64 rival = st->w->rival;

	pend = (struct lq_pending_val *)lq_map_lookup(LQ_MAP(pending), &st->w->key);
	if (pend && !lq_stale(st, pend->last_seen)) {
		pend->last_seen = lq_st_now(st);
		pend->pkts[dir & 1]++;
		if (pend->rival_set || !pend->pkts[(dir ^ 1) & 1])
			return;
		pend->rival_set = 1;
		rival = pend->rival;
		lq_map_update(LQ_MAP(rivals), &rival, &st->w->key, LQ_ANY);
		lq_touch_sips(st, rival, client, server, lq_lens(LQ_NO_LEN, LQ_NO_LEN));
		lq_touch_dest(st, rival, server, srv, lq_lens(LQ_NO_LEN, LQ_NO_LEN));
		return;
	}
	n = &st->w->pend;
	lq_zero(n, sizeof(*n));
	n->first_seen = lq_st_now(st);
	n->last_seen = lq_st_now(st);
	n->rival = rival;
	n->pkts[dir & 1] = 1;
	n->dcid = st->w->dcid;
	n->server_is_b = (lq_u8)(dir == LQ_C2S ? !st->src_is_b : st->src_is_b);
	lq_map_update(LQ_MAP(pending), &st->w->key, n, LQ_ANY);
}

/* Starts a path of conn at the packet's 4-tuple: a known DCID on a new
 * 4-tuple (NAT rebinding). lens: the connection's server and client CID
 * lengths; tent: the ID is a handshake's (lq_tent_cids), so is the path. */
LQ_SUBPROG void lq_link_path(const struct lq_st *st, lq_u64 conn, lq_u8 dir, lq_u32 lens,
			     lq_u32 tent)
{
	struct lq_pkt *pkt = lq_st_pkt(st);
	struct lq_path_val *v = &st->w->path;
	const struct lq_cid *dcid = &st->w->dcid;
	lq_u8 other_len = dir == LQ_C2S ? (lq_u8)(lens >> 8) : (lq_u8)lens;

	lq_zero(v, sizeof(*v));
	v->conn = conn;
	v->first_seen = lq_st_now(st);
	v->client_is_b = (lq_u8)(dir == LQ_C2S ? st->src_is_b : !st->src_is_b);
	v->origin = LQ_LINK_CID;
	v->anchor_tick = lq_st_tick(st);
	v->dcid[dir & 1] = *dcid;
	v->dcid[(dir & 1) ^ 1].len = other_len > LQ_CID_MAX ? 0 : other_len;
	v->flags = dir == LQ_C2S ? LQ_PF_DCID_S2C_UNSET : LQ_PF_DCID_C2S_UNSET;
	if (dir == LQ_C2S && !st->w->server_ok)
		v->flags |= LQ_PF_UNCONFIRMED;
	v->state = LQ_PS_ESTABLISHED;
	if (!(pkt->b0 & 0x40)) {
		lq_st_res(st)->flags |= LQ_RF_FIXED_CLEAR;
		v->flags |= LQ_PF_GREASE;
	}
	lq_count(st, v, dir);
	lq_event(st, v, LQ_E_REBINDING);
	st->w->tent = (lq_u8)(tent != 0);
	lq_map_update(tent ? LQ_MAP(tentative) : LQ_MAP(paths), &st->w->key, v, LQ_ANY);
	if (tent) {
		/* nothing of a handshake's goes to the anchors */
	} else if (dir == LQ_S2C) {
		/* The server's packet first on a new 4-tuple, its client's out of
		 * view or late: the client's anchors. Not the server's, unless
		 * it is confirmed already: one packet spoofed from any address
		 * with a client's ID must not make that address a QUIC server,
		 * whose unknown traffic is garbage. */
		lq_touch_sips(st, conn, &pkt->dst.ip, &pkt->src, lens);
		if (st->w->server_ok)
			lq_touch_dest(st, conn, &pkt->src, LQ_NULL, lens);
	} else if (st->w->server_ok) {
		lq_anchors_touch(st, conn, &pkt->src.ip, &pkt->dst, lens);
	} else { /* LQ_PF_UNCONFIRMED: the server's first answer confirms it */
		lq_touch_sips(st, conn, &pkt->src.ip, &pkt->dst, lens);
	}
	if (!tent)
		lq_conn_note(st, conn, 0, lens, LQ_NOTE_NEWPATH);
	lq_st_res(st)->conn = conn;
	lq_st_res(st)->verdict = LQ_V_QUIC;
}

/* ---- undecided paths --------------------------------------------------------- */

/* The undecided path pv (u: its evidence) is conn's: from this frame on it
 * is a path of the connection, its IDs are the connection's, and the frame
 * reports the link and how many earlier frames of the path it covers. */
LQ_INLINE void lq_link_decided(const struct lq_st *st, struct lq_path_val *pv, lq_u64 conn,
				lq_u32 covers, lq_u32 switched)
{
	const struct lq_path_key *key = &st->w->key;
	const struct lq_endpoint *client = pv->client_is_b ? &key->b : &key->a;
	const struct lq_endpoint *server = pv->client_is_b ? &key->a : &key->b;
	lq_u8 scl = pv->dcid[LQ_C2S].len, ccl = pv->dcid[LQ_S2C].len;
	int answered = pv->pkts[LQ_S2C] != 0;

	/* The server kept the path (lq_decide): it is the connection's, with
	 * the connection's paths. Linked on the client's packets alone (the
	 * server out of view), it stays apart, tentative: what no server's
	 * answer backs touches no anchor and no connection's ID. */
	st->w->tent = (lq_u8)!answered;
	pv->conn = conn;
	pv->state = switched ? LQ_PS_MIGRATED : LQ_PS_PROBING;
	lq_learn_cid(st, &pv->dcid[LQ_C2S], conn, LQ_C2S, ccl);
	if (!(pv->flags & LQ_PF_DCID_S2C_UNSET))
		lq_learn_cid(st, &pv->dcid[LQ_S2C], conn, LQ_S2C, scl);
	if (answered) {
		/* the server answered here: where it is, it is a QUIC server */
		pv->flags &= (lq_u8)~LQ_PF_UNCONFIRMED;
		lq_anchors_touch(st, conn, &client->ip, server, lq_lens(scl, ccl));
		lq_conn_note(st, conn, 0, lq_lens(scl, ccl), LQ_NOTE_NEWPATH | LQ_CONNF_ANSWERED);
	}
	lq_map_delete(LQ_MAP(undecided), key);
	lq_event(st, pv, LQ_E_LINK);
	lq_st_res(st)->covers = (lq_u16)(covers > 0xffff ? 0xffff : covers);
	lq_st_res(st)->conn = conn;
	lq_st_res(st)->verdict = LQ_V_QUIC;
	lq_st_res(st)->flags &= (lq_u8)~LQ_RF_UNDECIDED;
	if (answered)
		lq_settle(st, pv);
}

/* A short header on an undecided path: evidence for the decision. Its
 * frames are pending and teach nothing until the path is linked. Returns
 * the verdict. */
LQ_SUBPROG int lq_on_undecided(const struct lq_st *st, struct lq_path_val *pv, lq_u8 dir)
{
	struct lq_pkt *pkt = lq_st_pkt(st);
	struct lq_result *res = lq_st_res(st);
	struct lq_cid *cur = &pv->dcid[dir & 1];
	struct lq_cid *dcid = &pkt->dcid;
	struct lq_undecided_val *u;
	lq_u32 covers = pv->pkts[0] + pv->pkts[1];
	lq_u64 conn;

	res->conn = 0;
	res->verdict = LQ_V_PENDING;
	u = (struct lq_undecided_val *)lq_map_lookup(LQ_MAP(undecided), &st->w->key);
	if (!u || lq_short_dcid(pkt, cur->len, dcid)) {
		/* the evidence is gone (evicted), or no DCID fits: pending */
		pkt->reason = 0;
		lq_count(st, pv, dir);
		return res->verdict;
	}
	if (!(u->flags & LQ_UF_EP_SNAPPED)) /* which candidates have its client endpoint */
		lq_cand_snap(u, LQ_SNAP_EP, &u->ep);
	/* the switch has settled: what was in flight on the old paths is in */
	if (u->switch_ts && !(u->flags & LQ_UF_SETTLED) && lq_settled(u, lq_st_now(st)))
		lq_cand_snap(u, LQ_SNAP_SETTLED, &u->ep);
	if (dir == LQ_C2S) {
		/* the prober keeps the one ID it probes with until the path is
		 * validated (RFC 9000 §9.5): another one is not its packet */
		if (!lq_cid_eq(dcid, cur))
			return res->verdict;
		if (!(pkt->flags & LQ_RF_PROBE_SIZE) && !u->switch_ts) {
			u->switch_ts = lq_st_now(st); /* non-probing frames: the client moved here */
			lq_event(st, pv, LQ_E_MIGRATION);
			lq_cand_snap(u, LQ_SNAP_SWITCH, &u->ep);
		}
	} else if (pv->flags & LQ_PF_DCID_S2C_UNSET) {
		*cur = *dcid; /* the server's first packet here */
		pv->flags &= (lq_u8)~LQ_PF_DCID_S2C_UNSET;
		u->s2c = *dcid;
		u->s2c_same = 1;
		u->answer_ts = lq_st_now(st);
	} else if (lq_cid_eq(dcid, &u->s2c) && u->s2c_same < 255) {
		u->s2c_same++;
	}
	if (!(pkt->b0 & 0x40)) {
		res->flags |= LQ_RF_FIXED_CLEAR;
		pv->flags |= LQ_PF_GREASE;
	}
	res->flags |= LQ_RF_UNDECIDED;
	lq_count(st, pv, dir);
	conn = lq_decide(u, lq_st_now(st), pv->dcid[LQ_C2S].len, st->w);
	if (conn) {
		lq_link_decided(st, pv, conn, covers, u->switch_ts != 0);
	} else if (LQ_DECIDE_DRAINING(st->w) && u->resnaps < LQ_MAX_RESNAPS) {
		/* note the candidates' packets again, and judge them after as
		 * long as the first judgement came after the first note */
		lq_cand_snap(u, LQ_SNAP_SETTLED, &u->ep);
		u->judge_ts = lq_st_now(st) + lq_rtts(u->rtt_us, LQ_WINDOW_RTTS - LQ_SETTLE_RTTS,
						LQ_WINDOW_MIN_NS - LQ_SETTLE_MIN_NS);
		u->resnaps++;
	}
	/* The verdict, which the caller stores: a void subprogram (or one whose
	 * result the compiler can prove) may exit with a stack pointer left in
	 * R0, which the verifier refuses. */
	return res->verdict;
}

/* A short header on a 4-tuple with no path: what its steps share. */
struct lq_short {
	struct lq_dest_val *srv;	   /* the server's entry, when it is a confirmed server */
	const struct lq_ip *client;	   /* the client's address */
	const struct lq_endpoint *server; /* the server's endpoint */
	/* its scalars are in st->w (cid_conn, anchor_conn, rival): map memory
	 * instead of stack, which the deepest call chain, through here, has
	 * used up */
	lq_u8 lens[2];			   /* DCID lengths to try, LQ_NO_LEN for none */
	lq_u8 dir;			   /* enum lq_dir */
	lq_u8 peer_len;			   /* the other direction's ID length, from the DCID */
	lq_u8 cid_tent;			   /* the DCID is a handshake's (lq_tent_cids) */
};

/* Step 1: which end is the server, and how long are the IDs it (or its
 * client) expects? A confirmed server on either end tells; else a client
 * address whose one connection knows its lengths. 0, or -1 when no state
 * relates the packet to QUIC. */
LQ_INLINE int lq_short_roles(const struct lq_st *st, struct lq_short *sh)
{
	struct lq_pkt *pkt = lq_st_pkt(st);
	struct lq_sip_key *k = &st->w->pick_key;
	struct lq_dest_val *ds;
	struct lq_anchor *w;

	ds = (struct lq_dest_val *)lq_map_lookup(LQ_MAP(servers), &pkt->dst);
	if (lq_is_server(ds)) {
		sh->dir = LQ_C2S;
		sh->lens[0] = ds->server_cid_len[0];
		sh->lens[1] = ds->server_cid_len[1];
		sh->srv = ds;
		return 0;
	}
	ds = (struct lq_dest_val *)lq_map_lookup(LQ_MAP(servers), &pkt->src);
	if (lq_is_server(ds)) {
		sh->dir = LQ_S2C;
		sh->lens[0] = ds->client_cid_len[0];
		sh->lens[1] = ds->client_cid_len[1];
		sh->srv = ds;
		return 0;
	}
	/* an unknown server: is one end a known client address? */
	lq_sip_key_make(k, &pkt->src.ip, LQ_NULL);
	w = (struct lq_anchor *)lq_map_lookup(LQ_MAP(clients), k);
	if (w && lq_anchor_unique(st, w, 0) && w->server_cid_len <= LQ_CID_MAX) {
		sh->dir = LQ_C2S;
		sh->lens[0] = w->server_cid_len;
		return 0;
	}
	lq_sip_key_make(k, &pkt->dst.ip, LQ_NULL);
	w = (struct lq_anchor *)lq_map_lookup(LQ_MAP(clients), k);
	if (w && lq_anchor_unique(st, w, 0) && w->client_cid_len <= LQ_CID_MAX) {
		sh->dir = LQ_S2C;
		sh->lens[0] = w->client_cid_len;
		return 0;
	}
	return -1;
}

/* Step 2: the DCID at the lengths this side was seen to use (learned, as
 * Wireshark learns them, instead of trying all 20 prefixes), and the
 * connection it names. Sets st->w->dcid (the first length that fits when
 * none names a connection). 0, or -1 when the packet is shorter than any
 * DCID it could carry. */
LQ_INLINE int lq_short_match_cid(const struct lq_st *st, struct lq_short *sh)
{
	struct lq_pkt *pkt = lq_st_pkt(st);
	struct lq_cid *dcid = &st->w->dcid;
	struct lq_cid_val *cv;
	int i, have_dcid = 0;

	for (i = 0; i < 2; i++) {
		struct lq_cid *c = &st->w->probe;
		lq_u8 len = sh->lens[i];

		if (len > LQ_CID_MAX || lq_short_dcid(pkt, len, c))
			continue;
		if (!have_dcid) {
			*dcid = *c;
			have_dcid = 1;
		}
		if (len == 0)
			continue;
		cv = (struct lq_cid_val *)lq_map_lookup(LQ_MAP(cids), c);
		sh->cid_tent = 0;
		if (!cv) {
			cv = (struct lq_cid_val *)lq_map_lookup(LQ_MAP(tent_cids), c);
			sh->cid_tent = 1;
		}
		if (cv && cv->dir == sh->dir) {
			st->w->cid_conn = cv->conn;
			sh->peer_len = cv->peer_cid_len;
			*dcid = *c;
			break;
		}
	}
	if (!have_dcid)
		return -1;
	pkt->reason = 0;
	pkt->flags &= (lq_u8)~LQ_RF_CUT;
	pkt->dcid = *dcid;
	return 0;
}

/* Step 3: a short known ID counts only with other evidence (a short DCID
 * matches unrelated packets by chance, 1 in 256 for one byte): the anchors'
 * one connection must be the same. */
LQ_INLINE void lq_short_consult_anchors(const struct lq_st *st, struct lq_short *sh)
{
	st->w->origin = LQ_LINK_CID;
	if (st->w->cid_conn && st->w->dcid.len < st->cfg->strong_cid) {
		st->w->rival = lq_rival_label(&st->w->key);
		st->w->anchor_conn = lq_anchor_pick(st, sh->client, sh->server, sh->srv, st->w->rival);
	}
}

/* Step 4a: a known ID on a new 4-tuple is NAT rebinding. A short one counts
 * only when the client's own address also names that connection: the
 * server-wide anchor would confirm any lucky byte. Returns 1 when linked. */
LQ_INLINE int lq_short_link_rebinding(const struct lq_st *st, struct lq_short *sh)
{
	const struct lq_cid *dcid = &st->w->dcid;
	lq_u8 origin = st->w->origin;

	if (!st->w->cid_conn ||
	    (dcid->len < st->cfg->strong_cid &&
	     (st->w->cid_conn != st->w->anchor_conn ||
	      (origin != LQ_LINK_SIP && origin != LQ_LINK_CLIENT))))
		return 0;
	lq_link_path(st, st->w->cid_conn, sh->dir,
		     sh->dir == LQ_C2S ? lq_lens(dcid->len, sh->peer_len)
				       : lq_lens(sh->peer_len, dcid->len),
		     sh->cid_tent);
	return 1;
}

/* The candidates of a client's probe from client to server (srv: the
 * server's entry when it is a confirmed server): the connections live at
 * the server (the client moved) and at the client address (the server
 * moved: a preferred address). When the server's list is incomplete (a
 * busy server), those of the client address and that server stand in,
 * marked so (LQ_UF_SIP). Returns the undecided flags. */
LQ_INLINE lq_u8 lq_short_candidates(const struct lq_st *st, struct lq_short *sh,
				    struct lq_cands *cs)
{
	struct lq_sip_key *k = &st->w->pick_key;
	struct lq_anchor *wild, *sip;
	lq_u8 flags = 0;

	lq_zero(cs, sizeof(*cs));
	lq_sip_key_make(k, sh->client, LQ_NULL);
	wild = (struct lq_anchor *)lq_map_lookup(LQ_MAP(clients), k);
	if (sh->srv)
		lq_anchor_collect(st, &sh->srv->anchor, cs, st->w->rival);
	if (wild)
		lq_anchor_collect(st, wild, cs, st->w->rival);
	if (!wild || lq_anchor_crowded(st, wild))
		flags |= LQ_UF_WILD_FULL;
	if (!cs->incomplete && sh->srv)
		return flags;
	lq_sip_key_make(k, sh->client, sh->server);
	sip = (struct lq_anchor *)lq_map_lookup(LQ_MAP(clients), k);
	if (!sh->srv) {
		/* A server not confirmed yet (a preferred address, or one whose
		 * packets are out of view): whoever already went there from this
		 * address. Who else talks to it is not known: the list is
		 * complete only for a move of the server (lq_decide). */
		if (sip)
			lq_anchor_collect(st, sip, cs, st->w->rival);
		return flags | LQ_UF_INCOMPLETE;
	}
	/* the server's list is incomplete: its connections from this client
	 * address, and the address's own (if that list is whole) */
	flags |= LQ_UF_INCOMPLETE | LQ_UF_SIP;
	lq_zero(cs, sizeof(*cs));
	if (sip)
		lq_anchor_collect(st, sip, cs, st->w->rival);
	if (wild && !lq_anchor_crowded(st, wild))
		lq_anchor_collect(st, wild, cs, st->w->rival);
	return flags;
}

/* Step 4b: a client's probe on a new path with a new ID: the path is
 * undecided, its candidates those of lq_short_candidates, its frames
 * pending until lq_decide() singles one out. Only a client opens a path
 * (RFC 9000 §9): a server's probe-sized packet first on a new 4-tuple
 * means its client's packets are out of view, and so may be the handshake
 * of the connection it belongs to. A flow already pending never qualifies
 * (its first packet was no probe). Returns 1 when the path is undecided,
 * 2 when it would be but the source is over its new-connection budget (the
 * frame passes, pending, and nothing is made), else 0. */
LQ_SUBPROG int lq_short_undecided(const struct lq_st *st, struct lq_short *sh)
{
	struct lq_pkt *pkt = lq_st_pkt(st);
	const struct lq_cid *dcid = &st->w->dcid;
	struct lq_cands *cs = &st->w->cands;
	struct lq_undecided_val *u = &st->w->undec;
	struct lq_path_val *v = &st->w->path;
	struct lq_pending_val *pend;
	struct lq_anchor *wild;
	lq_u8 flags, ccl = LQ_NO_LEN;
	int i;

	if (st->w->cid_conn || dcid->len == 0 || !(pkt->flags & LQ_RF_PROBE_SIZE) ||
	    sh->dir != LQ_C2S)
		return 0;
	pend = (struct lq_pending_val *)lq_map_lookup(LQ_MAP(pending), &st->w->key);
	if (pend && !lq_stale(st, pend->last_seen))
		return 0;
	st->w->rival = lq_rival_label(&st->w->key);
	flags = lq_short_candidates(st, sh, cs);
	if (!cs->n)
		return 0;
	/* Under the guard a probe costs what a new connection costs: it makes
	 * state before the server has answered. Over the budget it is let
	 * through, pending, and makes none: the guard never drops a frame of
	 * a path that may be a real connection's. */
	if (!lq_guard_charge(st, 1))
		return 2;
	/* the length of the IDs the server will send here: its clients' */
	if (sh->srv) {
		ccl = sh->srv->client_cid_len[0];
	} else {
		struct lq_sip_key *k = &st->w->pick_key;

		lq_sip_key_make(k, sh->client, LQ_NULL);
		wild = (struct lq_anchor *)lq_map_lookup(LQ_MAP(clients), k);
		if (wild)
			ccl = wild->client_cid_len;
	}
	lq_zero(v, sizeof(*v));
	v->dcid[LQ_C2S] = *dcid;
	v->conn = st->w->rival; /* a pseudo-label: no connection yet */
	v->first_seen = lq_st_now(st);
	v->client_is_b = st->src_is_b;
	v->origin = sh->srv ? LQ_LINK_SERVER : LQ_LINK_CLIENT;
	v->anchor_tick = lq_st_tick(st);
	v->dcid[LQ_S2C].len = ccl > LQ_CID_MAX ? 0 : ccl;
	v->flags = LQ_PF_DCID_S2C_UNSET | (sh->srv ? 0 : LQ_PF_UNCONFIRMED);
	v->state = LQ_PS_UNDECIDED;
	if (!(pkt->b0 & 0x40)) {
		lq_st_res(st)->flags |= LQ_RF_FIXED_CLEAR;
		v->flags |= LQ_PF_GREASE;
	}
	lq_count(st, v, LQ_C2S);
	lq_event(st, v, LQ_E_PROBING);
	/* no connection's yet: beside the handshakes, not the connections */
	lq_map_update(LQ_MAP(tentative), &st->w->key, v, LQ_ANY);
	lq_zero(u, sizeof(*u));
	LQ_UNROLL
	for (i = 0; i < LQ_ANCHOR_SLOTS; i++)
		u->cand[i] = cs->conn[i];
	u->ncand = cs->n;
	u->flags = flags;
	u->origin = v->origin;
	u->first_seen = lq_st_now(st);
	u->ep = pkt->src;
	lq_map_update(LQ_MAP(undecided), &st->w->key, u, LQ_ANY);
	lq_st_res(st)->verdict = LQ_V_PENDING;
	lq_st_res(st)->flags |= LQ_RF_UNDECIDED;
	return 1;
}

/* Step 4c: related to QUIC endpoints, but no evidence links it: never
 * merged. Sent to a server with an ID no connection has shown, it is
 * garbage (with the fixed bit cleared too, which only a connection that
 * agreed may do); else pending. Even when the guard drops it, it is
 * remembered: as a rival it keeps a later unanswered probe from being taken
 * for the one known connection's migration (tests/reasons.sh has the
 * case). */
LQ_INLINE void lq_short_unlinked(const struct lq_st *st, struct lq_short *sh)
{
	struct lq_result *res = lq_st_res(st);

	if (sh->dir == LQ_C2S && sh->srv) {
		res->verdict = LQ_V_GARBAGE;
		res->reason = (lq_st_pkt(st)->b0 & 0x40) ? LQ_R_UNKNOWN_DCID : LQ_R_FIXED_BIT;
	} else {
		res->verdict = LQ_V_PENDING;
	}
	if (!st->w->rival)
		st->w->rival = lq_rival_label(&st->w->key);
	lq_pend(st, sh->dir, sh->client, sh->server, sh->srv);
}

/* Short header on a 4-tuple with no path. */
LQ_SUBPROG void lq_on_short_new(const struct lq_st *st)
{
	struct lq_pkt *pkt = lq_st_pkt(st);
	struct lq_result *res = lq_st_res(st);
	struct lq_short sh;

#ifdef LQ_MAP_PREFETCHES
	/* which end is a server, and the flow's pending entry */
	lq_map_prefetch(LQ_MAP(servers), &pkt->dst);
	lq_map_prefetch(LQ_MAP(servers), &pkt->src);
	lq_map_prefetch(LQ_MAP(pending), &st->w->key);
#endif
	lq_zero(&sh, sizeof(sh));
	st->w->cid_conn = 0;
	st->w->anchor_conn = 0;
	st->w->rival = 0;
	sh.lens[0] = sh.lens[1] = LQ_NO_LEN;
	sh.peer_len = LQ_NO_LEN;
	if (lq_short_roles(st, &sh)) {
		res->verdict = LQ_V_NOT_QUIC; /* no related state */
		return;
	}
	res->dir = sh.dir;
	st->w->server_ok = sh.srv != LQ_NULL;
	sh.client = sh.dir == LQ_C2S ? &pkt->src.ip : &pkt->dst.ip;
	sh.server = sh.dir == LQ_C2S ? &pkt->dst : &pkt->src;

	if (lq_short_match_cid(st, &sh)) {
		/* shorter than any DCID it could carry */
		if (sh.dir == LQ_C2S && sh.srv) {
			res->verdict = LQ_V_GARBAGE;
			res->reason = pkt->reason ? pkt->reason : LQ_R_LENGTH_OVERRUN;
		} else {
			res->verdict = LQ_V_NOT_QUIC;
		}
		return;
	}
	lq_short_consult_anchors(st, &sh);
	if (lq_short_link_rebinding(st, &sh))
		return;
	switch (lq_short_undecided(st, &sh)) {
	case 1:
		return;
	case 2:
		res->verdict = LQ_V_PENDING; /* over the budget: let through, nothing made */
		return;
	default:
		lq_short_unlinked(st, &sh);
	}
}

/* ---- entry point ------------------------------------------------------------ */

/* Would a stale path be resumed by this packet? Only a short header carrying
 * the DCID the path last used in its direction resumes it. */
LQ_INLINE int lq_resumes(const struct lq_st *st, const struct lq_path_val *pv)
{
	struct lq_pkt *pkt = lq_st_pkt(st);
	lq_u8 d = (st->src_is_b == pv->client_is_b) ? LQ_C2S : LQ_S2C;
	struct lq_cid *c = &st->w->probe;
	int same;

	if (pkt->form != LQ_FORM_SHORT || (pv->flags & LQ_PF_SHARED))
		return 0;
	same = lq_short_dcid(pkt, pv->dcid[d].len, c) == 0 && lq_cid_eq(c, &pv->dcid[d]);
	pkt->reason = 0;
	pkt->flags &= (lq_u8)~LQ_RF_CUT;
	return same;
}

/* Is this long header the known connection's of pv (a completed one's
 * path)? Else it is another handshake on the 4-tuple, kept apart as
 * tentative: a spoofed Initial there neither marks the path shared nor
 * takes it over. The client's Initial and 0-RTT carry the connection's
 * DCID (lq_same_handshake). Its other long headers carry the ID its peer
 * gave it, or (coalesced with 1-RTT, RFC 9000 §12.2) one the peer issued
 * out of view; their SCID is then the sender's own ID, which the peer's
 * packets carry. */
LQ_INLINE int lq_long_belongs(const struct lq_st *st, const struct lq_path_val *pv)
{
	const struct lq_pkt *pkt = lq_st_pkt(st);
	lq_u8 d = (st->src_is_b == pv->client_is_b) ? LQ_C2S : LQ_S2C;
	lq_u8 unset = d == LQ_C2S ? LQ_PF_DCID_C2S_UNSET : LQ_PF_DCID_S2C_UNSET;
	lq_u8 back = d == LQ_C2S ? LQ_PF_DCID_S2C_UNSET : LQ_PF_DCID_C2S_UNSET;

	if (pkt->vclass == LQ_VC_GQUIC || pkt->vclass == LQ_VC_UNKNOWN ||
	    pkt->vclass == LQ_VC_GQUIC_OLD || pkt->reason)
		return 1; /* no IDs to tell by; what is wrong with it is said there */
	if (d == LQ_C2S && (pkt->type == LQ_PT_INITIAL || pkt->type == LQ_PT_0RTT ||
			    pkt->vclass == LQ_VC_RESERVED))
		return lq_same_handshake(pkt, pv);
	if ((pv->flags & unset) || lq_cid_eq(&pkt->dcid, &pv->dcid[d]))
		return 1;
	return !(pv->flags & back) && pkt->scid.len && lq_cid_eq(&pkt->scid, &pv->dcid[(d ^ 1) & 1]);
}

/* Under the guard, a QUIC long header is charged to its source unless it
 * continues a completed connection (pv found in the paths map) or it proves
 * its client completed one: its DCID is the server's own ID. Servers are
 * exempt. 0: over the limit. */
LQ_INLINE int lq_long_charge(const struct lq_st *st, const struct lq_path_val *pv)
{
	const struct lq_pkt *pkt = lq_st_pkt(st);

	if (!(st->cfg->flags & LQ_CF_GUARD) || !st->cfg->lh_interval_ns)
		return 1;
	/* no QUIC version, or a damaged header: it makes no state to limit
	 * (and may be another protocol's, a DNS answer's first byte) */
	if (pkt->vclass == LQ_VC_UNKNOWN || pkt->vclass == LQ_VC_GQUIC_OLD || pkt->reason)
		return 1;
	if (pv && (!st->w->tent || lq_completes(st, pv, (st->src_is_b == pv->client_is_b)
							      ? LQ_C2S
							      : LQ_S2C)))
		return 1;
	if (lq_is_server((struct lq_dest_val *)lq_map_lookup(LQ_MAP(servers), &pkt->src)))
		return 1;
	return lq_guard_charge(st, 0);
}

/* lq_path_find() past its common case; pv: what paths holds for the key. */
LQ_INLINE struct lq_path_val *lq_path_find_rest(struct lq_st *st, lq_u8 form,
						 struct lq_path_val *pv)
{
	if (pv && lq_stale(st, pv->last_seen) && !lq_resumes(st, pv))
		pv = LQ_NULL; /* idle too long: what comes now starts afresh */
	if (pv && form == LQ_FORM_LONG && !lq_long_belongs(st, pv))
		pv = LQ_NULL;
	if (pv)
		return pv;
	pv = (struct lq_path_val *)lq_map_lookup(LQ_MAP(tentative), &st->w->key);
	if (pv && lq_stale(st, pv->last_seen) && !lq_resumes(st, pv))
		pv = LQ_NULL;
	if (pv && pv->state == LQ_PS_UNDECIDED && form != LQ_FORM_SHORT)
		pv = LQ_NULL; /* a handshake on a probed path: a connection of its own */
	st->w->tent = pv != LQ_NULL;
	return pv;
}

/* The packet's path: a completed connection's (paths), else a handshake's
 * or an undecided one's (tentative, st->w->tent set), else none. pv: what
 * paths holds for the key (lq_track_quick looked it up). A live path's
 * short header, most packets, is decided inline: a call costs a known
 * connection's packet a tenth of its time. */
LQ_INLINE struct lq_path_val *lq_path_find(struct lq_st *st, lq_u8 form, struct lq_path_val *pv)
{
	if (pv && form == LQ_FORM_SHORT && !lq_stale(st, pv->last_seen))
		return pv;
	return lq_path_find_rest(st, form, pv);
}

/* A completed connection's short header with the DCID its path uses now,
 * on an established path: most packets. Decided here, inline, as
 * lq_on_short_known() would decide it (it changes nothing else for such a
 * packet): a subprogram's call and return cost a known connection's packet
 * a tenth of its time. 0: not such a packet, nothing changed but the DCID
 * read (pkt->dcid), which lq_on_short_known() reads again the same way. */
LQ_INLINE int lq_short_fast(const struct lq_st *st, struct lq_path_val *pv, lq_u8 dir)
{
	struct lq_result *res = lq_st_res(st);
	struct lq_pkt *pkt = lq_st_pkt(st);
	struct lq_cid *cur = &pv->dcid[dir & 1];
	lq_u8 unset = dir == LQ_C2S ? LQ_PF_DCID_C2S_UNSET : LQ_PF_DCID_S2C_UNSET;

	if (st->w->tent || (pv->state != LQ_PS_ESTABLISHED && pv->state != LQ_PS_MIGRATED) ||
	    (pv->flags & (LQ_PF_GQUIC | unset)) || !(pkt->b0 & 0x40) || lq_refresh_due(st, pv))
		return 0;
	if (cur->len > pkt->sh_len || cur->len > LQ_CID_MAX)
		return 0;
	lq_cid_from_words(&pkt->dcid, pkt->shw, cur->len);
	if (!lq_cid_eq(&pkt->dcid, cur))
		return 0;
	res->conn = pv->conn;
	res->verdict = LQ_V_QUIC;
	lq_count(st, pv, dir);
	return 1;
}

/* The first step of every packet: its path key, and what the paths map
 * holds for it (*pvp, NULL for none). Then a completed connection's usual
 * short header is decided at once (1): the BPF programs run this inline,
 * before the call into the rest of the tracker (lq_track), which that
 * packet, most packets, then does without. 0: not decided, nothing changed
 * but the key, src_is_b and the DCID read (pkt->dcid); lq_track goes on
 * from *pvp. */
LQ_INLINE int lq_track_quick(struct lq_st *st, struct lq_path_val **pvp)
{
	struct lq_pkt *pkt = lq_st_pkt(st);
	struct lq_path_val *pv;
	lq_u8 dir;

	st->w->tent = 0;
	st->src_is_b = (lq_u8)lq_path_key_make(&pkt->src, &pkt->dst, &st->w->key);
	pv = (struct lq_path_val *)lq_map_lookup(LQ_MAP(paths), &st->w->key);
	*pvp = pv;
	if (!pv || pkt->form != LQ_FORM_SHORT || lq_stale(st, pv->last_seen))
		return 0;
	dir = (st->src_is_b == pv->client_is_b) ? LQ_C2S : LQ_S2C;
	if (!lq_short_fast(st, pv, dir))
		return 0;
	lq_st_res(st)->dir = dir;
	return 1;
}

/* The packet past lq_track_quick, which left the key, src_is_b and pv0
 * (what paths holds for the key). */
LQ_INLINE void lq_track(struct lq_st *st, struct lq_path_val *pv0)
{
	struct lq_result *res = lq_st_res(st);
	struct lq_pkt *pkt = lq_st_pkt(st);
	struct lq_path_val *pv;
	lq_u8 form = lq_reload8(&pkt->form);

	pv = lq_path_find(st, form, pv0);
	/* the guard limits long headers (connection attempts and handshakes)
	 * per source, before any state is made for them (on a new path, in
	 * lq_on_long_new, after the checks that make none) */
	if (form == LQ_FORM_LONG && pv && !lq_long_charge(st, pv)) {
		lq_limited(st, LQ_R_RATE_LIMIT);
		return;
	}

	if (pv) {
		lq_u8 dir = (st->src_is_b == pv->client_is_b) ? LQ_C2S : LQ_S2C;

		res->dir = dir;
		if (form == LQ_FORM_SHORT && lq_short_fast(st, pv, dir)) {
			/* decided */
		} else if (pv->state == LQ_PS_UNDECIDED) {
			res->verdict = (lq_u8)lq_on_undecided(st, pv, dir);
		} else if (form == LQ_FORM_LONG) {
			lq_on_long_known(st, pv, dir);
		} else if (form == LQ_FORM_NONE) {
			lq_reject_dir(st, dir, LQ_R_EMPTY);
		} else if (lq_on_short_known(st, pv, dir)) {
			/* towards the server: garbage; from it: unexplained */
			lq_reject_dir(st, dir, LQ_R_UNKNOWN_DCID);
			if (dir == LQ_S2C)
				res->verdict = LQ_V_PENDING;
		}
		return;
	}
	if (form == LQ_FORM_LONG)
		lq_on_long_new(st);
	else if (form == LQ_FORM_GQUIC && !lq_version_ok(st->cfg, pkt->version))
		lq_reject(st, lq_version_reason(pkt));
	else if (form == LQ_FORM_GQUIC)
		lq_new_conn(st, 1, LQ_PS_HANDSHAKE, LQ_PF_GQUIC, LQ_E_NEW_CONN);
	else if (form == LQ_FORM_SHORT)
		lq_on_short_new(st);
	else
		lq_reject(st, LQ_R_EMPTY);
}

#endif /* LQ_TRACK_H */

