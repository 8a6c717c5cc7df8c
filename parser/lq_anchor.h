/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * lq_anchor.h - anchors: which connections live at a client address (to
 * one server, and to any) and at a server: the candidates a new path with
 * an unseen DCID may belong to (lq_decide.h judges them).
 */
#ifndef LQ_ANCHOR_H
#define LQ_ANCHOR_H

#include "lq_step.h"

#define LQ_SLOT(i) ((i) & (LQ_ANCHOR_SLOTS - 1)) /* shows the verifier the bound */

/* The clock an anchor is judged by, for the global functions below: the
 * packet's tick, and idle_ticks | max_cand << 24. */
LQ_INLINE lq_u32 lq_anchor_lim(const struct lq_st *st)
{
	return (lq_idle_ticks(st) & 0xffffffU) | ((lq_u32)st->cfg->max_cand << 24);
}

LQ_INLINE int lq_slot_live(const struct lq_anchor *a, int i, lq_u32 tick, lq_u32 lim)
{
	return a->conn[LQ_SLOT(i)] != 0 && (lq_u32)(tick - a->tick[LQ_SLOT(i)]) <= (lim & 0xffffffU);
}

LQ_INLINE int lq_anchor_crowded(const struct lq_st *st, const struct lq_anchor *a)
{
	return a->crowded_tick && lq_tick_live(st, a->crowded_tick);
}

/* Records that conn is alive at the anchor. lens: server CID length, and
 * client CID length << 8 (0xff: not known). A new connection takes a free
 * (or dead) slot; with every slot live, the least recently touched one
 * gives way and the anchor is crowded. */
LQ_GLOBAL int lq_anchor_touch_g(struct lq_anchor *a, lq_u64 conn, lq_u32 tick, lq_u32 lim,
				lq_u32 lens)
{
	int i, n = (int)(lim >> 24), slot = 0;

	if (!a)
		return 0;
	if (!(conn & LQ_RIVAL)) {
		a->server_cid_len = (lq_u8)lens;
		a->client_cid_len = (lq_u8)(lens >> 8);
	}
	/* three passes, each with at most one value carried from slot to slot
	 * (the verifier then walks each slot a few ways, not all combinations) */
	LQ_UNROLL
	for (i = 0; i < LQ_ANCHOR_SLOTS; i++) {
		if (i >= n)
			break;
		if (a->conn[i] == conn) {
			a->tick[i] = tick; /* known here */
			return 0;
		}
	}
	LQ_UNROLL
	for (i = 0; i < LQ_ANCHOR_SLOTS; i++) {
		if (i >= n)
			break;
		if (!lq_slot_live(a, i, tick, lim)) {
			a->conn[i] = conn; /* a free or dead slot */
			a->tick[i] = tick;
			return 0;
		}
	}
	LQ_UNROLL
	for (i = 1; i < LQ_ANCHOR_SLOTS; i++) {
		if (i >= n)
			break;
		if ((lq_s32)(a->tick[i] - a->tick[LQ_SLOT(slot)]) < 0)
			slot = i;
	}
	a->crowded_tick = tick; /* one more live connection than slots */
	a->conn[LQ_SLOT(slot)] = conn;
	a->tick[LQ_SLOT(slot)] = tick;
	return 0;
}

LQ_INLINE void lq_anchor_touch(const struct lq_st *st, struct lq_anchor *a, lq_u64 conn,
			       lq_u32 lens)
{
	lq_anchor_touch_g(a, conn, lq_st_tick(st), lq_anchor_lim(st), lens);
}

/* The one live connection at the anchor: 0 if none, LQ_AMBIGUOUS if more,
 * if the anchor is crowded, or if the only live one is an unlinked flow.
 * exclude: the asker's own pseudo-label. */
LQ_GLOBAL lq_u64 lq_anchor_unique_g(const struct lq_anchor *a, lq_u64 exclude, lq_u32 tick,
				    lq_u32 lim)
{
	lq_u64 one = 0;
	int i, n = (int)(lim >> 24);

	if (!a)
		return 0;
	if (a->crowded_tick && (lq_u32)(tick - a->crowded_tick) <= (lim & 0xffffffU))
		return LQ_AMBIGUOUS;
	LQ_UNROLL
	for (i = 0; i < LQ_ANCHOR_SLOTS; i++) {
		if (i >= n)
			break;
		if (!lq_slot_live(a, i, tick, lim) || a->conn[i] == exclude)
			continue;
		if (one)
			return LQ_AMBIGUOUS;
		one = a->conn[i];
	}
	return one & LQ_RIVAL ? LQ_AMBIGUOUS : one;
}

LQ_INLINE lq_u64 lq_anchor_unique(const struct lq_st *st, const struct lq_anchor *a, lq_u64 exclude)
{
	return lq_anchor_unique_g(a, exclude, lq_st_tick(st), lq_anchor_lim(st));
}

/* Adds the anchor's live connections to the candidate set (each once); a
 * crowded anchor, or a set with no room left, makes it incomplete. */
LQ_GLOBAL int lq_anchor_collect_g(const struct lq_anchor *a, struct lq_cands *cs, lq_u64 exclude,
				  lq_u32 tick, lq_u32 lim)
{
	int i, j, n = (int)(lim >> 24);

	if (!a || !cs)
		return 0;
	if (a->crowded_tick && (lq_u32)(tick - a->crowded_tick) <= (lim & 0xffffffU))
		cs->incomplete = 1;
	LQ_UNROLL
	for (i = 0; i < LQ_ANCHOR_SLOTS; i++) {
		lq_u64 c = a->conn[i];

		if (i >= n)
			break;
		if (!lq_slot_live(a, i, tick, lim) || c == exclude)
			continue;
		LQ_UNROLL
		for (j = 0; j < LQ_ANCHOR_SLOTS; j++)
			if (j < cs->n && cs->conn[j] == c)
				goto next; /* in the set already */
		if (cs->n >= LQ_ANCHOR_SLOTS) {
			cs->incomplete = 1;
			continue;
		}
		cs->conn[LQ_SLOT(cs->n)] = c;
		cs->n++;
next:;
	}
	return 0;
}

LQ_INLINE void lq_anchor_collect(const struct lq_st *st, const struct lq_anchor *a,
				 struct lq_cands *cs, lq_u64 exclude)
{
	lq_anchor_collect_g(a, cs, exclude, lq_st_tick(st), lq_anchor_lim(st));
}

LQ_INLINE void lq_sip_key_make(struct lq_sip_key *k, const struct lq_ip *client,
			       const struct lq_endpoint *server)
{
	lq_zero(k, sizeof(*k));
	k->client = *client;
	if (server)
		k->server = *server;
}

LQ_INLINE void lq_touch_sip(const struct lq_st *st, const struct lq_sip_key *k, lq_u64 conn,
			     lq_u32 lens)
{
	struct lq_anchor *a = (struct lq_anchor *)lq_map_lookup(LQ_MAP(clients), k);

	if (a) {
		lq_anchor_touch(st, a, conn, lens);
	} else {
		struct lq_anchor *n = &st->w->anchor;

		lq_zero(n, sizeof(*n));
		lq_anchor_touch(st, n, conn, lens);
		lq_map_update(LQ_MAP(clients), k, n, LQ_ANY);
	}
}

/* Remembers a CID length, most recent first. */
LQ_INLINE void lq_lens_add(lq_u8 *lens, lq_u8 len)
{
	if (len > LQ_CID_MAX || lens[0] == len)
		return;
	lens[1] = lens[0];
	lens[0] = len;
}

LQ_INLINE lq_u32 lq_lens(lq_u8 scl, lq_u8 ccl)
{
	return (lq_u32)scl | ((lq_u32)ccl << 8);
}

/* The server's part of lq_anchors_touch(); d: its dest_map entry if the
 * caller has it already, else NULL. */
LQ_SUBPROG void lq_touch_dest(const struct lq_st *st, lq_u64 conn, const struct lq_endpoint *server,
			      struct lq_dest_val *d, lq_u32 lens)
{
	if (!d)
		d = (struct lq_dest_val *)lq_map_lookup(LQ_MAP(servers), server);
	if (!d) {
		d = &st->w->dest;
		lq_zero(d, sizeof(*d));
		d->server_cid_len[0] = d->server_cid_len[1] = LQ_NO_LEN;
		d->client_cid_len[0] = d->client_cid_len[1] = LQ_NO_LEN;
		lq_anchor_touch(st, &d->anchor, conn, lens);
		if (!(conn & LQ_RIVAL)) {
			lq_lens_add(d->server_cid_len, (lq_u8)lens);
			lq_lens_add(d->client_cid_len, (lq_u8)(lens >> 8));
		}
		lq_map_update(LQ_MAP(servers), server, d, LQ_ANY);
		return;
	}
	lq_anchor_touch(st, &d->anchor, conn, lens);
	if (!(conn & LQ_RIVAL)) {
		lq_lens_add(d->server_cid_len, (lq_u8)lens);
		lq_lens_add(d->client_cid_len, (lq_u8)(lens >> 8));
	}
}

/* The client address's two anchors: to this server, and to any. */
LQ_SUBPROG void lq_touch_sips(const struct lq_st *st, lq_u64 conn, const struct lq_ip *client,
			      const struct lq_endpoint *server, lq_u32 lens)
{
	struct lq_sip_key *k = &st->w->touch_key;

	lq_sip_key_make(k, client, server);
	lq_touch_sip(st, k, conn, lens);
	lq_sip_key_make(k, client, LQ_NULL);
	lq_touch_sip(st, k, conn, lens);
}

/* Registers conn at its three anchors: (client address, server), (client
 * address, any server) and the server itself. */
LQ_INLINE void lq_anchors_touch(const struct lq_st *st, lq_u64 conn, const struct lq_ip *client,
				const struct lq_endpoint *server, lq_u32 lens)
{
	lq_touch_sips(st, conn, client, server, lens);
	lq_touch_dest(st, conn, server, LQ_NULL, lens);
}

/* The connection a new path with an unseen DCID may belong to: 0 if none,
 * LQ_AMBIGUOUS if several could; st->w->origin says which anchor named it.
 * ds: dest_map entry of the server, or NULL. exclude: the flow's own
 * pseudo-label. */
LQ_SUBPROG lq_u64 lq_anchor_pick(const struct lq_st *st, const struct lq_ip *client,
				 const struct lq_endpoint *server, const struct lq_dest_val *ds,
				 lq_u64 exclude)
{
	struct lq_sip_key *k = &st->w->pick_key;
	struct lq_anchor *a;
	lq_u64 by_server = 0, by_client = 0, u;

	lq_sip_key_make(k, client, server);
	a = (struct lq_anchor *)lq_map_lookup(LQ_MAP(clients), k);
	if (a) {
		u = lq_anchor_unique(st, a, exclude);
		if (u) {
			st->w->origin = LQ_LINK_SIP;
			return u; /* one connection, or several, from here to there */
		}
	}
	/* The client address is new to this server: the client moved (one
	 * connection at the server) or the server moved (one connection from
	 * the client address). Both fitting different connections is ambiguous. */
	if (ds)
		by_server = lq_anchor_unique(st, &ds->anchor, exclude);
	lq_zero(&k->server, sizeof(k->server));
	a = (struct lq_anchor *)lq_map_lookup(LQ_MAP(clients), k);
	if (a)
		by_client = lq_anchor_unique(st, a, exclude);
	if (by_server == LQ_AMBIGUOUS || by_client == LQ_AMBIGUOUS)
		return LQ_AMBIGUOUS;
	if (by_server && by_client && by_server != by_client)
		return LQ_AMBIGUOUS;
	if (by_server) {
		st->w->origin = LQ_LINK_SERVER;
		return by_server;
	}
	if (by_client) {
		st->w->origin = LQ_LINK_CLIENT;
		return by_client;
	}
	return 0;
}

#endif /* LQ_ANCHOR_H */
