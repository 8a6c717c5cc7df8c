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
 * Phase 2: connection tracking, from s->pkt alone (no packet access).
 * Completes s->res and returns the action (enum lq_action).
 */
LQ_INLINE lq_u8 lq_track_frame(const struct lq_config *cfg, struct lq_scratch *s)
{
	struct lq_pkt *pkt = &s->pkt;
	struct lq_result *res = &s->res;
	struct lq_st st;

	st.cfg = cfg;
	st.w = &s->work;
	st.now = res->ts;
	st.tick = (lq_u32)(st.now >> LQ_TICK_SHIFT);
	st.src_is_b = 0;

	lq_track(&st);

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

/* Classifies one frame: both phases. */
LQ_INLINE lq_u8 lq_process(const struct lq_config *cfg, lq_u64 now, struct lq_buf *buf,
			   lq_u32 l3, lq_u16 proto, struct lq_scratch *s)
{
	if (lq_parse_frame(buf, l3, proto, now, s))
		return lq_track_frame(cfg, s);
	return s->res.action;
}

#endif /* LINKQUIC_H */
