/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * lq_guard.h - the guard: accepted versions and the per-source rate limits
 * (GCRA) that apply before any state is made. What garbage it drops is
 * decided in lq_track_frame() (linkquic.h) from the verdict's reason.
 */
#ifndef LQ_GUARD_H
#define LQ_GUARD_H

#include "lq_step.h"

/* Is this version accepted? An empty list accepts every known version. */
LQ_INLINE int lq_version_ok(const struct lq_config *cfg, lq_u32 v)
{
	int i;

	if (!cfg->nversions)
		return 1;
	for (i = 0; i < LQ_MAX_VERSIONS; i++)
		if (i < cfg->nversions && cfg->versions[i] == v)
			return 1;
	return 0;
}

/* GCRA (a token bucket kept as one "theoretical arrival time"): does an
 * arrival now conform? A conforming one moves tat on by one interval; one
 * that does not conform leaves it, so an attacker's excess costs nothing. */
LQ_INLINE int lq_gcra(lq_u64 *tat, lq_u64 now, lq_u64 interval, lq_u64 tolerance)
{
	lq_u64 t = *tat > now ? *tat : now;

	if (t - now > tolerance)
		return 0;
	*tat = t + interval;
	return 1;
}

/* Charges the packet's source (IPv4 address, IPv6 /64) for a long header
 * (conn = 0) or a new connection (conn = 1). 0: over the limit. */
LQ_SUBPROG int lq_guard_charge(const struct lq_st *st, int conn)
{
	const struct lq_config *cfg = st->cfg;
	struct lq_guard_key *k = &st->w->guard_key;
	struct lq_guard_val *v;
	lq_u64 interval = conn ? cfg->conn_interval_ns : cfg->lh_interval_ns;
	lq_u64 tolerance = conn ? cfg->conn_tolerance_ns : cfg->lh_tolerance_ns;
	int ok;

	if (!(cfg->flags & LQ_CF_GUARD) || !interval)
		return 1;
	k->src = lq_st_pkt(st)->src.ip;
	if (!lq_ip_is_v4(&k->src)) {
		k->src.w[2] = 0;
		k->src.w[3] = 0;
	}
	v = (struct lq_guard_val *)lq_map_lookup(LQ_MAP(guard), k);
	/* a source whose client completed a handshake lately: what claims its
	 * address is let through (a spoofer spends no budget of the real one;
	 * the server's Retry is the answer to spoofing) */
	if (v && v->verified && lq_tick_live(st, v->verified_tick))
		return 1;
	if (v)
		return lq_gcra(conn ? &v->conn_tat : &v->lh_tat, lq_st_now(st), interval, tolerance);
	v = &st->w->guard_val;
	lq_zero(v, sizeof(*v));
	ok = lq_gcra(conn ? &v->conn_tat : &v->lh_tat, lq_st_now(st), interval, tolerance);
	lq_map_update(LQ_MAP(guard), k, v, LQ_ANY);
	return ok;
}

/* A client at source ip completed a handshake (lq_promote): under the
 * guard, its address is verified for the idle timeout. */
LQ_SUBPROG void lq_guard_verify(const struct lq_st *st, const struct lq_ip *ip)
{
	struct lq_guard_key *k = &st->w->guard_key;
	struct lq_guard_val *v;

	if (!(st->cfg->flags & LQ_CF_GUARD))
		return;
	k->src = *ip;
	if (!lq_ip_is_v4(&k->src)) {
		k->src.w[2] = 0;
		k->src.w[3] = 0;
	}
	v = (struct lq_guard_val *)lq_map_lookup(LQ_MAP(guard), k);
	if (v) {
		v->verified_tick = lq_st_tick(st);
		v->verified = 1;
		return;
	}
	v = &st->w->guard_val;
	lq_zero(v, sizeof(*v));
	v->verified_tick = lq_st_tick(st);
	v->verified = 1;
	lq_map_update(LQ_MAP(guard), k, v, LQ_ANY);
}

LQ_INLINE void lq_limited(const struct lq_st *st, lq_u8 reason)
{
	struct lq_result *res = lq_st_res(st);

	res->conn = 0;
	res->verdict = LQ_V_LIMITED;
	res->reason = reason;
	res->action = LQ_ACT_DROP;
}

#endif /* LQ_GUARD_H */
