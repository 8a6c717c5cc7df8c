/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * linkquic.h - the one QUIC classifier: parse a frame, track its connection,
 * fill a result. Compiled into the BPF programs and into user space alike;
 * the includer provides the map shim described in lq_track.h.
 */
#ifndef LINKQUIC_H
#define LINKQUIC_H

#include "lq_track.h"

/* Phase 1, second half: the UDP payload at buf->qoff (buf->cap bytes
 * readable, pkt->ulen meant). Also used alone for the segments of a GSO
 * super-packet, whose IP and UDP headers are the super-packet's. */
LQ_INLINE void lq_parse_payload(struct lq_buf *buf, struct lq_scratch *s)
{
	struct lq_pkt *pkt = &s->pkt;

	/* the QUIC parse starts from one verifier state, whatever the IP path */
	pkt->hold[0] = buf->qoff;
	pkt->hold[1] = buf->cap;
	buf->qoff = lq_reload_u32(&pkt->hold[0]);
	buf->cap = lq_reload_u32(&pkt->hold[1]);
	pkt->ulen = lq_reload_u32(&pkt->ulen);
	lq_parse_quic(buf, pkt);
}

/*
 * Phase 1, the only one that reads the packet: parses the frame in buf
 * (network header at l3, ethertype proto) into s->pkt and s->res. Returns 1
 * when the frame is UDP and phase 2 must run.
 */
LQ_INLINE int lq_parse_frame(struct lq_buf *buf, lq_u32 l3, lq_u16 proto, lq_u64 now,
			     struct lq_scratch *s)
{
	struct lq_pkt *pkt = &s->pkt;
	struct lq_result *res = &s->res;
	int status;

	lq_zero(pkt, sizeof(*pkt));
	lq_zero(res, sizeof(*res));
	res->ts = now;
	res->dir = LQ_DIR_UNKNOWN;

	status = lq_parse_l3(pkt, buf, l3, proto);
	res->ip_ver = pkt->ip_ver;
	res->ip_len = pkt->ip_len;
	res->src = pkt->src;
	res->dst = pkt->dst;
	switch (status) {
	case LQ_L3_UDP:
		break;
	case LQ_L3_NOT_UDP:
		res->verdict = LQ_V_NOT_UDP;
		return 0;
	case LQ_L3_FRAGMENT:
		res->verdict = LQ_V_FRAGMENT;
		return 0;
	case LQ_L3_TRUNCATED:
		res->verdict = pkt->ip_ver ? LQ_V_TRUNCATED : LQ_V_NOT_IP;
		return 0;
	default:
		res->verdict = LQ_V_NOT_IP;
		return 0;
	}
	res->udp_len = (lq_u16)pkt->ulen;
	lq_parse_payload(buf, s);
	return 1;
}

/*
 * Phase 2: connection tracking, from s->pkt alone (no packet access), in
 * two parts: lq_track_first() looks the path up and decides a known
 * connection's usual short header; lq_track_then() does the rest for what
 * it left (pv: what the paths map holds for the key). The BPF programs run
 * the first inline and call the second as a function of its own. Each
 * completes s->res; lq_track_done() ends both alike and returns the
 * action (enum lq_action).
 */
LQ_INLINE void lq_st_init(struct lq_st *st, const struct lq_config *cfg, struct lq_scratch *s)
{
	st->cfg = cfg;
	st->w = &s->work;
	st->src_is_b = 0;
}

LQ_INLINE lq_u8 lq_track_done(const struct lq_config *cfg, struct lq_scratch *s)
{
	struct lq_pkt *pkt = &s->pkt;
	struct lq_result *res = &s->res;

	res->flags |= pkt->flags;
	if (res->verdict < LQ_V__COUNT && ((LQ_VERDICTS_QUIC >> res->verdict) & 1)) {
		res->version = pkt->form == LQ_FORM_LONG || pkt->form == LQ_FORM_GQUIC ? pkt->version : 0;
		res->type = pkt->type;
		res->types = pkt->types;
		res->npackets = pkt->npackets;
		res->dcid = pkt->dcid;
		if (pkt->form == LQ_FORM_LONG)
			res->scid = pkt->scid;
	}
	/* the guard drops the garbage classes it was told to */
	if ((cfg->flags & LQ_CF_GUARD) && res->verdict == LQ_V_GARBAGE && res->reason < LQ_R__COUNT &&
	    (cfg->guard_drop & (1U << res->reason)))
		res->action = LQ_ACT_DROP;
	return res->action;
}

/* 1: decided (lq_track_done() ends it); 0: *pv for lq_track_then(). */
LQ_INLINE int lq_track_first(const struct lq_config *cfg, struct lq_scratch *s,
			     struct lq_path_val **pv)
{
	struct lq_st st;

	lq_st_init(&st, cfg, s);
	return lq_track_quick(&st, pv);
}

/* The rest, after lq_track_first() returned 0 and *pv. */
LQ_INLINE lq_u8 lq_track_then(const struct lq_config *cfg, struct lq_scratch *s,
			      struct lq_path_val *pv)
{
	struct lq_st st;

	lq_st_init(&st, cfg, s);
	/* as lq_path_key_make() told lq_track_first(); the key is in s->work */
	st.src_is_b = (lq_u8)lq_ep_less(&s->pkt.dst, &s->pkt.src);
	lq_track(&st, pv);
	return lq_track_done(cfg, s);
}

LQ_INLINE lq_u8 lq_track_frame(const struct lq_config *cfg, struct lq_scratch *s)
{
	struct lq_path_val *pv;

	if (lq_track_first(cfg, s, &pv))
		return lq_track_done(cfg, s);
	return lq_track_then(cfg, s, pv);
}

/* Classifies one frame: both phases. */
LQ_INLINE lq_u8 lq_process(const struct lq_config *cfg, lq_u64 now, struct lq_buf *buf,
			   lq_u32 l3, lq_u16 proto, struct lq_scratch *s)
{
	if (lq_parse_frame(buf, l3, proto, now, s))
		return lq_track_frame(cfg, s);
	return s->res.action;
}

#endif /* LINKQUIC_H */
