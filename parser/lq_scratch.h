/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * lq_scratch.h - per-packet working memory of the classifier.
 */
#ifndef LQ_SCRATCH_H
#define LQ_SCRATCH_H

#include "lq_packet.h"

/* The connections a new path may belong to (lq_anchor_collect). */
struct lq_cands {
	lq_u64 conn[LQ_ANCHOR_SLOTS];
	lq_u8 n;
	lq_u8 incomplete; /* some live connection is not in the list */
	lq_u8 pad[6];
};

/* Temporaries of one packet. The BPF stack is 512 bytes, so the programs
 * keep this in a per-CPU array; user space keeps it on its stack.
 *
 * Who owns what: a map entry being built (path, pend, dest, anchor, cidv)
 * and a key being built (touch_key, guard_key) belong to the one function
 * named beside it, which fills and stores it before returning, so a caller
 * never finds its own one overwritten. pick_key is used by several steps,
 * each for one look-up right after filling it. The rest carry results from
 * one step to the next: key (the packet's path, set by lq_track), dcid,
 * origin, rival and server_ok (set by the steps of lq_on_short_new and read
 * by lq_link_path and lq_pend). */
struct lq_work {
	struct lq_path_key key;	     /* the packet's path */
	struct lq_path_val path;     /* lq_new_conn, lq_long_rebind, lq_link_path */
	struct lq_pending_val pend;  /* lq_pend */
	struct lq_dest_val dest;     /* lq_touch_dest */
	struct lq_anchor anchor;     /* lq_touch_sip */
	struct lq_sip_key touch_key; /* lq_touch_sips */
	struct lq_sip_key pick_key;  /* one look-up at a time: lq_anchor_pick, lq_short_roles,
				      * lq_short_link_probe */
	struct lq_cid_val cidv;	     /* lq_learn_cid */
	struct lq_cid dcid;	     /* the short header's DCID */
	struct lq_cid probe;	     /* a DCID tried at one length: lq_short_match_cid, lq_resumes */
	lq_u64 rival;		     /* the flow's pseudo-label: lq_on_short_new, lq_pend */
	lq_u64 cid_conn;	     /* lq_on_short_new: the connection the DCID names, 0 none */
	lq_u64 anchor_conn;	     /* lq_on_short_new: the one connection at the anchors,
				      * 0 or LQ_AMBIGUOUS */
	struct lq_guard_key guard_key; /* lq_guard_charge */
	struct lq_guard_val guard_val;
	struct lq_cands cands;	     /* lq_short_undecided: the new path's candidates */
	struct lq_undecided_val undec; /* lq_short_undecided */
	struct lq_conn_val connv;    /* lq_conn_note */
	/* loop-carried values of the anchor and decision loops, passed through
	 * memory (lq_hold): to the BPF verifier each is then "some number",
	 * and the loop's states merge instead of multiplying per slot */
	lq_u32 loop[4];
	lq_u64 loop64;
	lq_u8 origin;		     /* lq_anchor_pick: which anchor named the connection */
	lq_u8 server_ok;	     /* lq_on_short_new: the server end is a confirmed server */
	lq_u8 tent;		     /* the packet's path is tentative (lq_tentative): its IDs
				      * go to lq_tent_cids (lq_learn_cid) */
	lq_u8 pad[5];
};

/* Everything one packet needs besides the maps. */
struct lq_scratch {
	struct lq_pkt pkt;
	struct lq_result res;
	struct lq_work work;
};

#endif /* LQ_SCRATCH_H */
