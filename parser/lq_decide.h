/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * lq_decide.h - deciding which connection a new path belongs to, from the
 * evidence RFC 9000 forces onto the wire, when an unseen DCID arrives on a
 * new 4-tuple and the anchors name candidates rather than one answer.
 *
 * The path is undecided meanwhile: its frames are pending (never garbage)
 * and teach nothing. It is linked at the frame where the evidence singles
 * out one candidate; the server must keep the path (two of its packets
 * there with one DCID: a connection's packets on a path carry one DCID,
 * RFC 9000 §9.5, while a Stateless Reset, which anyone can elicit, has
 * random bytes there, §10.3), unless its packets are out of view:
 *
 *  - the only one: the candidate list is complete and holds one live
 *    connection;
 *  - the same client endpoint: the client kept its address and port and
 *    the server moved (a preferred address, §9.6); exactly one candidate's
 *    path has that client endpoint;
 *  - switch-over: the client's first non-probing datagram on the new path
 *    (§9.2) moves its traffic there, and the server follows it (§9.3). The
 *    mover's own path then carries no more client packets, and at most the
 *    server's few last ones (in flight, and the PATH_CHALLENGE some servers
 *    send on the old path); a candidate still using its path is not the
 *    mover. Of the silent ones, only one that was in use right up to the
 *    client's first probe fits (a connection that ended before the move is
 *    silent too), or one whose server still probes its old path. Exactly
 *    one must fit, judged after a window of a few round trips; two that fit
 *    leave the path undecided, and a second path that keeps both alive
 *    (multipath) fits no candidate.
 *
 * When the candidate list may be incomplete (a busy server, one not
 * confirmed yet, a crowded client address), only the strongest fit counts:
 * the mover may be out of the list, and one in it may simply have ended.
 *
 * A candidate that is a pending flow (a connection whose start was out of
 * view) is judged the same way, but is never linked to: it has no label.
 */
#ifndef LQ_DECIDE_H
#define LQ_DECIDE_H

#include "lq_anchor.h"

/* The switch-over's windows, each a number of the candidate's handshake
 * round trips (as the monitor sees them), at least a floor: the switch has
 * settled after the first (what was in flight on the old path has
 * arrived), and the candidates are judged after the second. A connection
 * that did not move can look quiet for a while: a monitor before a queue
 * sees a client that receives a trickle send nothing for hundreds of
 * milliseconds (pcaps/crowd/crowd-host.pcap), so the second is long. */
#ifndef LQ_SETTLE_RTTS
#define LQ_SETTLE_RTTS 2
#endif
#ifndef LQ_SETTLE_MIN_NS
#define LQ_SETTLE_MIN_NS 20000000ULL
#endif
#ifndef LQ_WINDOW_RTTS
#define LQ_WINDOW_RTTS 8
#endif
#ifndef LQ_WINDOW_MIN_NS
#define LQ_WINDOW_MIN_NS 250000000ULL
#endif
/* In use right up to the first probe: a packet this close before it, or
 * after it (the server still sending there, not knowing yet). With the
 * server's packets out of view (one direction of the path in view), the
 * client's own gaps between packets, tens of milliseconds, set it. */
#ifndef LQ_ACTIVE_NS
#define LQ_ACTIVE_NS 2000000ULL
#endif
#ifndef LQ_ACTIVE_ONEWAY_NS
#define LQ_ACTIVE_ONEWAY_NS 100000000ULL
#endif

/* notes for lq_conn_note */
#define LQ_NOTE_NEWPATH 0x80 /* the path is new to the connection */

/* Records that conn uses the packet's path (st->w->key) now; rtt_us (0:
 * not measured here), lens (server | client << 8, 0xff unknown) and how
 * (LQ_CONNF_* | LQ_NOTE_NEWPATH) add what this packet tells. */
LQ_SUBPROG void lq_conn_note(const struct lq_st *st, lq_u64 conn, lq_u32 rtt_us, lq_u32 lens,
			     lq_u32 how)
{
	struct lq_conn_val *c = (struct lq_conn_val *)lq_map_lookup(LQ_MAP(conns), &conn);
	lq_u8 scl = (lq_u8)lens, ccl = (lq_u8)(lens >> 8);

	if (!c) {
		c = &st->w->connv;
		lq_zero(c, sizeof(*c));
		c->path = st->w->key;
		c->rtt_us = rtt_us;
		c->server_cid_len = scl;
		c->client_cid_len = ccl;
		c->npaths = 1;
		c->flags = (lq_u8)(how & LQ_CONNF_ANSWERED);
		lq_map_update(LQ_MAP(conns), &conn, c, LQ_ANY);
		return;
	}
	c->path = st->w->key;
	if (rtt_us && !c->rtt_us)
		c->rtt_us = rtt_us;
	if (scl <= LQ_CID_MAX)
		c->server_cid_len = scl;
	if (ccl <= LQ_CID_MAX)
		c->client_cid_len = ccl;
	c->flags |= (lq_u8)(how & LQ_CONNF_ANSWERED);
	if ((how & LQ_NOTE_NEWPATH) && c->npaths < 255)
		c->npaths++;
}

/* A window of n round trips of rtt_us, at least min_ns. */
LQ_INLINE lq_u64 lq_rtts(lq_u32 rtt_us, lq_u32 n, lq_u64 min_ns)
{
	lq_u64 w = (lq_u64)rtt_us * 1000ULL * n;

	return w > min_ns ? w : min_ns;
}

/* A path key's 32-bit tag, never 0. */
LQ_INLINE lq_u32 lq_path_tag(const struct lq_path_key *k)
{
	lq_u64 h = lq_hash_ep(lq_hash_ep(0x6a09e667f3bcc908ULL, &k->a), &k->b);

	return (lq_u32)lq_mix64(h) | 1;
}

/* What is known of a candidate's own path now (lq_cand_look). */
struct lq_judged {
	lq_u64 last_seen; /* 0: not known, it cannot be judged */
	lq_u32 tag;	  /* of its path key */
	lq_u32 pkts[2];	  /* on its path, by enum lq_dir */
	lq_u32 probes;	  /* the server's probe-sized datagrams there */
	lq_u32 rtt_us;
	lq_u8 server_cid_len;
	lq_u8 answered;	  /* the server's packets of it are in view */
	lq_u8 same_ep;	  /* its path's client endpoint is the packet's source */
	lq_u8 pad;
};

/* Looks candidate c up: its record and the path it last used (a pending
 * flow: its 4-tuple); ep: the new path's client endpoint. */
LQ_INLINE void lq_cand_look(lq_u64 c, struct lq_judged *j, const struct lq_endpoint *ep)
{
	const struct lq_path_key *k;
	const struct lq_endpoint *cl;

	lq_zero(j, sizeof(*j));
	j->server_cid_len = LQ_NO_LEN;
	if (c & LQ_RIVAL) {
		const struct lq_pending_val *p;

		k = (const struct lq_path_key *)lq_map_lookup(LQ_MAP(rivals), &c);
		if (!k)
			return;
		p = (const struct lq_pending_val *)lq_map_lookup(LQ_MAP(pending), k);
		if (!p || p->rival != c)
			return;
		j->last_seen = p->last_seen;
		j->pkts[0] = p->pkts[0];
		j->pkts[1] = p->pkts[1];
		j->answered = p->pkts[LQ_S2C] != 0;
		cl = p->server_is_b ? &k->a : &k->b;
	} else {
		const struct lq_conn_val *cv =
			(const struct lq_conn_val *)lq_map_lookup(LQ_MAP(conns), &c);
		const struct lq_path_val *pv;

		if (!cv)
			return;
		k = &cv->path;
		pv = (const struct lq_path_val *)lq_map_lookup(LQ_MAP(paths), k);
		if (!pv || pv->conn != c) /* a connection seen one way: tentative */
			pv = (const struct lq_path_val *)lq_map_lookup(LQ_MAP(tentative), k);
		if (!pv || pv->conn != c)
			return;
		j->last_seen = pv->last_seen;
		j->pkts[0] = pv->pkts[0];
		j->pkts[1] = pv->pkts[1];
		j->probes = pv->s2c_probes;
		j->rtt_us = cv->rtt_us;
		j->server_cid_len = cv->server_cid_len;
		j->answered = (cv->flags & LQ_CONNF_ANSWERED) != 0;
		cl = pv->client_is_b ? &k->b : &k->a;
	}
	j->tag = lq_path_tag(k);
	j->same_ep = lq_ep_eq(cl, ep);
}

/* The candidates' entries, asked for at once before they are looked at one
 * by one (lq_map_prefetch; nothing in BPF). */
LQ_INLINE void lq_cand_prefetch(const struct lq_undecided_val *u)
{
#ifdef LQ_MAP_PREFETCHES
	int i;

	for (i = 0; i < LQ_ANCHOR_SLOTS && i < u->ncand; i++)
		if (u->cand[i] & LQ_RIVAL)
			lq_map_prefetch(LQ_MAP(rivals), &u->cand[i]);
		else
			lq_map_prefetch(LQ_MAP(conns), &u->cand[i]);
#else
	(void)u;
#endif
}

/* Notes what each candidate's own path looks like now, at one of three
 * moments (what): LQ_SNAP_EP early on (which share the new path's client
 * endpoint ep), LQ_SNAP_SWITCH at the client's switch (which were in use
 * right up to its first probe), LQ_SNAP_SETTLED a little later (their
 * packets each way, to see whether their paths go on). */
#define LQ_SNAP_EP 0
#define LQ_SNAP_SWITCH 1
#define LQ_SNAP_SETTLED 2

LQ_GLOBAL int lq_cand_snap(struct lq_undecided_val *u, int what, const struct lq_endpoint *ep)
{
	struct lq_judged j;
	int i;

	if (!u || !ep)
		return 0;
	lq_cand_prefetch(u);
	LQ_UNROLL
	for (i = 0; i < LQ_ANCHOR_SLOTS; i++) {
		if (i >= u->ncand)
			break;
		lq_cand_look(u->cand[i], &j, ep);
		if (what == LQ_SNAP_EP) {
			if (j.last_seen && j.same_ep)
				u->same_ep |= 1U << i;
		} else if (what == LQ_SNAP_SWITCH) {
			u->snap_tag[i] = j.last_seen ? j.tag : 0;
			/* its server's probes of its path from the switch on */
			u->snap_probes[i] = (lq_u16)j.probes;
			if (j.rtt_us > u->rtt_us)
				u->rtt_us = j.rtt_us;
			if (j.last_seen && j.answered)
				u->flags |= LQ_UF_SERVERS_SEEN;
			/* its server was still sending there when the client
			 * began to probe, or its client was */
			if (j.last_seen &&
			    j.last_seen + (j.answered ? LQ_ACTIVE_NS : LQ_ACTIVE_ONEWAY_NS) >= u->first_seen)
				u->active |= 1U << i;
		} else {
			u->snap_c2s[i] = j.pkts[LQ_C2S];
			u->snap_s2c[i] = j.pkts[LQ_S2C] - j.probes;
		}
	}
	u->flags |= what == LQ_SNAP_EP ? LQ_UF_EP_SNAPPED
		    : what == LQ_SNAP_SWITCH ? LQ_UF_SNAPPED
					      : LQ_UF_SETTLED;
	return 0;
}

/* Has the switch settled (what was in flight on the old paths arrived)?
 * After a few of the candidates' handshake round trips, and, where the
 * servers' packets are in view, not before the server answered here and
 * half as long again as that answer took (the client's first probe to the
 * server's first packet here): behind a queue that filled after the
 * handshakes (a slow link, the monitor on the client's side of it), the
 * old path's last packets come as late as the answer did. */
LQ_INLINE int lq_settled(const struct lq_undecided_val *u, lq_u64 now)
{
	lq_u64 w = lq_rtts(u->rtt_us, LQ_SETTLE_RTTS, LQ_SETTLE_MIN_NS), p;

	if (u->flags & LQ_UF_SERVERS_SEEN) {
		if (!u->answer_ts)
			return 0;
		p = (u->answer_ts - u->first_seen) * 3 / 2;
		if (p > w)
			w = p;
	}
	return now >= u->switch_ts + w;
}

/* lq_judge()'s verdicts on one candidate, strongest fit first */
#define LQ_J_NO 0	  /* not the mover */
#define LQ_J_BOTH 1	  /* in use right up to the move, silent since but for its
			   * server's probes of the path */
#define LQ_J_ACTIVE 2	  /* in use right up to the move, silent since */
#define LQ_J_PROBED 3	  /* silent before the move too, and its server probes the path */
#define LQ_J_UNKNOWN 4	  /* cannot be judged (its state is gone): it may be the mover */
#define LQ_J_EARLY 5	  /* too early to judge it */
#define LQ_J_DRAIN 6	  /* in use up to the move, its client silent since, its
			   * server's packets still coming: what was in flight may
			   * be draining from a queue; judge it again later */
#define LQ_J_MASK 7
#define LQ_J_ANSWERED 8	  /* flag: the server's packets of it are in view */
#define LQ_J_DRAINING 16  /* lq_decide's tally: some candidate is LQ_J_DRAIN */

/* How many times the candidates are noted again while one drains: each
 * time the judgement waits another window (a queue of seconds, behind a
 * slow link); past that the path stays undecided. */
#ifndef LQ_MAX_RESNAPS
#define LQ_MAX_RESNAPS 16
#endif
/* Did lq_decide() leave the path undecided because a candidate drains? */
#define LQ_DECIDE_DRAINING(w) ((w)->loop[1] & LQ_J_DRAINING)

/* Judges candidate i of the undecided path u, whose client sends DCIDs of
 * c2s_len bytes: did its own path go silent at the switch? */
LQ_INLINE int lq_judge(const struct lq_undecided_val *u, lq_u32 i, lq_u64 now, lq_u32 c2s_len)
{
	struct lq_judged j;
	lq_u32 answered, probes;

	i &= LQ_ANCHOR_SLOTS - 1;
	lq_cand_look(u->cand[i], &j, &u->ep);
	if (!j.last_seen || !u->snap_tag[i])
		return LQ_J_UNKNOWN;
	if (now < u->switch_ts + lq_rtts(j.rtt_us, LQ_WINDOW_RTTS, LQ_WINDOW_MIN_NS))
		return LQ_J_EARLY;
	answered = j.answered ? LQ_J_ANSWERED : 0;
	if (j.tag != u->snap_tag[i])
		return LQ_J_NO | answered; /* it moved elsewhere meanwhile */
	if (j.server_cid_len <= LQ_CID_MAX && j.server_cid_len != c2s_len)
		return LQ_J_NO | answered; /* the server's IDs are another length */
	if (j.pkts[LQ_C2S] != u->snap_c2s[i])
		return LQ_J_NO | answered; /* its client still uses its path */
	if (j.pkts[LQ_S2C] - j.probes != u->snap_s2c[i]) {
		/* its server still does: not the mover, unless its client,
		 * in view, stopped at the move while its server's last packets
		 * come out of a queue (the monitor behind a slow link) */
		if (j.pkts[LQ_C2S] && (u->active & (1U << i)))
			return LQ_J_DRAIN | answered;
		return LQ_J_NO | answered;
	}
	/* its server probing the path it left: the connection lives on, the
	 * client elsewhere (here, or on another new path) */
	probes = j.probes != u->snap_probes[i];
	if (u->active & (1U << i))
		return (probes ? LQ_J_BOTH : LQ_J_ACTIVE) | answered;
	if (!probes)
		return LQ_J_NO | answered; /* silent since before the move: it ended */
	return LQ_J_PROBED | answered;
}

/* The one candidate with its bit set in bits, or -1. */
LQ_INLINE int lq_only_bit(lq_u32 bits, lq_u32 n)
{
	int i, one = -1;

	if (!bits || (bits & (bits - 1)))
		return -1;
	LQ_UNROLL
	for (i = 0; i < LQ_ANCHOR_SLOTS; i++)
		if ((lq_u32)i < n && (bits >> i) & 1)
			one = i;
	return one;
}

/* The connection the undecided path u belongs to, or 0 while the evidence
 * does not single one out; its client sends DCIDs of c2s_len bytes. w: the
 * packet's working memory (loop-carried tallies live there). */
LQ_GLOBAL lq_u64 lq_decide(const struct lq_undecided_val *u, lq_u64 now, lq_u32 c2s_len,
			   struct lq_work *w)
{
	lq_u32 *nfit, *need_answer, *fit;
	int i, answered;
	lq_u64 c;

	if (!u || !w)
		return 0;
	nfit = &w->loop[0];
	need_answer = &w->loop[1];
	fit = &w->loop[2];
	answered = u->s2c_same >= 2;
	lq_hold(need_answer, 0); /* LQ_DECIDE_DRAINING: none yet */

	/* the only one, and the server keeps the path */
	if (!(u->flags & (LQ_UF_INCOMPLETE | LQ_UF_SIP)) && u->ncand == 1 &&
	    !(u->cand[0] & LQ_RIVAL) && answered)
		return u->cand[0];
	/* the server moved, the client kept its endpoint */
	if (answered && !(u->flags & LQ_UF_WILD_FULL)) {
		i = lq_only_bit(u->same_ep, u->ncand);
		if (i >= 0) {
			c = u->cand[i & (LQ_ANCHOR_SLOTS - 1)];
			if (!(c & LQ_RIVAL))
				return c;
		}
	}
	if (!(u->flags & LQ_UF_SETTLED) || now < u->judge_ts)
		return 0;
	/* nfit: the candidates that fit, by kind (8 bits each: both, active,
	 * probed, unknown); fit: the last one of each kind. Kept in memory
	 * (lq_hold): to the verifier they are then "some number", and the
	 * loop's states merge instead of multiplying by the outcomes. */
	lq_hold(nfit, 0);
	lq_hold(need_answer, 0);
	lq_hold(fit, 0);
	lq_cand_prefetch(u);
	LQ_UNROLL
	for (i = 0; i < LQ_ANCHOR_SLOTS; i++) {
		lq_u32 v, k;

		if (i >= u->ncand)
			break;
		v = lq_hold(&w->loop[3], (lq_u32)lq_judge(u, (lq_u32)i, now, c2s_len));
		k = v & LQ_J_MASK;
		if (k == LQ_J_EARLY) {
			lq_hold(need_answer, 0);
			return 0;
		}
		lq_hold(need_answer, lq_reload_u32(need_answer) | (v & LQ_J_ANSWERED) |
					      (k == LQ_J_DRAIN ? LQ_J_DRAINING : 0));
		if (k >= LQ_J_BOTH && k <= LQ_J_UNKNOWN) {
			k = (k - 1) & 3;
			lq_hold(nfit, lq_reload_u32(nfit) + (1U << (8 * k)));
			lq_hold(fit, (lq_reload_u32(fit) & ~(0xffU << (8 * k))) | ((lq_u32)i << (8 * k)));
		}
	}
	/* a candidate's old path may still be draining: judge again later */
	if (lq_reload_u32(need_answer) & LQ_J_DRAINING)
		return 0;
	/* the server follows the client (unless its packets are out of view) */
	if (lq_reload_u32(need_answer) && !answered)
		return 0;
	/* The strongest kind of fit present decides, if exactly one candidate
	 * has it: in use up to the move, silent since, and probed by its
	 * server; else, with the list complete, the one in use up to the move
	 * and silent since, when no other fits (another such one may have
	 * ended just then, and a silent one that its server probes may be the
	 * mover, idle before it moved); else the one silent and probed, when
	 * none was in use up to the move. A candidate that cannot be judged
	 * may be any of them. */
	if (lq_reload_u32(nfit) & 0xff000000)
		return 0;
	if ((lq_reload_u32(nfit) & 0xff) == 1)
		i = (int)(lq_reload_u32(fit) & 0xff);
	else if (u->flags & (LQ_UF_INCOMPLETE | LQ_UF_SIP))
		return 0; /* the mover may be out of the list: only the strongest fit counts */
	else if ((lq_reload_u32(nfit) & 0xffffff) == 0x100)
		i = (int)((lq_reload_u32(fit) >> 8) & 0xff);
	else if ((lq_reload_u32(nfit) & 0xffffff) == 0x10000)
		i = (int)((lq_reload_u32(fit) >> 16) & 0xff);
	else
		return 0;
	c = u->cand[i & (LQ_ANCHOR_SLOTS - 1)];
	return c & LQ_RIVAL ? 0 : c;
}

#endif /* LQ_DECIDE_H */
