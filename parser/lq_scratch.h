/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * lq_scratch.h - per-packet working memory of the classifier.
 */
#ifndef LQ_SCRATCH_H
#define LQ_SCRATCH_H

#include "lq_packet.h"

/* Temporaries of one packet. The BPF stack is 512 bytes, so the programs
 * keep this in a per-CPU array; user space keeps it on its stack. Each field
 * has one user, so nested helpers never overwrite their caller's data. */
struct lq_work {
	struct lq_path_key key;	     /* the packet's path */
	struct lq_path_val path;     /* a path entry being built */
	struct lq_pending_val pend;  /* a pending entry being built */
	struct lq_dest_val dest;     /* a dest_map entry being built */
	struct lq_anchor anchor;     /* a sip_map entry being built */
	struct lq_sip_key touch_key; /* lq_anchors_touch() */
	struct lq_sip_key pick_key;  /* lq_anchor_pick(), lq_on_short_new() */
	struct lq_cid_val cidv;	     /* lq_learn_cid() */
	struct lq_cid dcid;	     /* the short header's DCID */
	struct lq_cid probe;	     /* a DCID tried at one length */
	lq_u64 rival;		     /* lq_pend(): the flow's pseudo-label */
	struct lq_guard_key guard_key; /* lq_guard_charge() */
	struct lq_guard_val guard_val;
	lq_u8 origin;		     /* lq_anchor_pick(): which anchor named the connection */
	lq_u8 server_ok;	     /* lq_on_short_new(): the server end is a confirmed server */
	lq_u8 pad[6];
};

/* Everything one packet needs besides the maps. */
struct lq_scratch {
	struct lq_pkt pkt;
	struct lq_result res;
	struct lq_work work;
};

#endif /* LQ_SCRATCH_H */
