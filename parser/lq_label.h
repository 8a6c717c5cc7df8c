/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * lq_label.h - connection labels and the hashes behind them, and the path
 * key (both directions of a 4-tuple find one entry). Pure functions: no
 * map, no clock.
 */
#ifndef LQ_LABEL_H
#define LQ_LABEL_H

#include "lq_types.h"

#define LQ_RIVAL (1ULL << 63) /* top bit of a pending flow's pseudo-label */

/* A strict total order on endpoints (port, then address words). Only its
 * consistency matters: it picks which end is "a" in a path key. */
LQ_INLINE int lq_ep_less(const struct lq_endpoint *x, const struct lq_endpoint *y)
{
	int i;

	if (x->port != y->port)
		return x->port < y->port;
	for (i = 0; i < 4; i++)
		if (x->ip.w[i] != y->ip.w[i])
			return x->ip.w[i] < y->ip.w[i];
	return 0;
}

LQ_INLINE int lq_ep_eq(const struct lq_endpoint *x, const struct lq_endpoint *y)
{
	return x->port == y->port && x->ip.w[0] == y->ip.w[0] && x->ip.w[1] == y->ip.w[1] &&
	       x->ip.w[2] == y->ip.w[2] && x->ip.w[3] == y->ip.w[3];
}

/* Builds the path key; returns 1 when the source is endpoint b. */
LQ_INLINE int lq_path_key_make(const struct lq_endpoint *src, const struct lq_endpoint *dst,
			       struct lq_path_key *key)
{
	if (lq_ep_less(dst, src)) {
		key->a = *dst;
		key->b = *src;
		return 1;
	}
	key->a = *src;
	key->b = *dst;
	return 0;
}

/* One 32-bit word into a 64-bit hash (a multiply-xorshift round). */
LQ_INLINE lq_u64 lq_hash_word(lq_u64 h, lq_u32 w)
{
	h = (h ^ w) * 0x9e3779b97f4a7c15ULL;
	return h ^ (h >> 29);
}

LQ_INLINE lq_u64 lq_hash_ep(lq_u64 h, const struct lq_endpoint *e)
{
	h = lq_hash_word(h, e->ip.w[0]);
	h = lq_hash_word(h, e->ip.w[1]);
	h = lq_hash_word(h, e->ip.w[2]);
	h = lq_hash_word(h, e->ip.w[3]);
	return lq_hash_word(h, e->port);
}

/* A CID four bytes a word, the first byte lowest: on a little-endian
 * machine (x86, and BPF there) the 32-bit words of the ID as they lie in
 * memory (struct lq_cid is 8-byte aligned), five loads where clang gives
 * BPF twenty byte loads, shifts and ors; elsewhere assembled byte by byte,
 * to the same values, so that labels are the same everywhere. */
LQ_INLINE lq_u32 lq_cid_word(const struct lq_cid *c, int i)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	lq_u64 w = c->w[i >> 3];

	return (lq_u32)((i & 4) ? w >> 32 : w);
#else
	return (lq_u32)c->id[i] | (lq_u32)c->id[i + 1] << 8 | (lq_u32)c->id[i + 2] << 16 |
	       (lq_u32)c->id[i + 3] << 24;
#endif
}

LQ_INLINE lq_u64 lq_hash_cid(lq_u64 h, const struct lq_cid *c)
{
	int i;

	h = lq_hash_word(h, c->len);
	for (i = 0; i < LQ_CID_MAX; i += 4)
		h = lq_hash_word(h, lq_cid_word(c, i));
	return h;
}

/* Connection label: a function of what the client's first Initial shows
 * (original DCID, client and server endpoints), so that replay, the kernel
 * and a later replay of a live capture all name a connection the same. */
LQ_SUBPROG lq_u64 lq_conn_label(const struct lq_cid *odcid, const struct lq_endpoint *client,
				const struct lq_endpoint *server)
{
	lq_u64 h = 0xcbf29ce484222325ULL;

	h = lq_hash_cid(h, odcid);
	h = lq_hash_ep(h, client);
	h = lq_hash_ep(h, server);
	h = lq_mix64(h) & ~LQ_RIVAL;
	return h ? h : 1;
}

/* A CID's 32-bit tag, never 0. */
LQ_SUBPROG lq_u32 lq_cid_tag(const struct lq_cid *c)
{
	return (lq_u32)lq_mix64(lq_hash_cid(0x9e3779b97f4a7c15ULL, c)) | 1;
}

/* A pending flow's stand-in at the anchors: it may be a connection too. */
LQ_SUBPROG lq_u64 lq_rival_label(const struct lq_path_key *key)
{
	lq_u64 h = 0x84222325cbf29ce4ULL;

	h = lq_hash_ep(h, &key->a);
	h = lq_hash_ep(h, &key->b);
	return lq_mix64(h) | LQ_RIVAL;
}

#endif /* LQ_LABEL_H */
