/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * undecided.h - the frames of new paths whose connection is not decided yet,
 * kept per 4-tuple until the link comes, for the tables built from the
 * records (lib/conntab.c, lib/connrec.c).
 *
 * The tracker may defer a link: a new path's frames come as verdict pending
 * with LQ_RF_UNDECIDED (conn 0), and a later frame of that path carries
 * event link, the connection's label in conn and, in covers, how many
 * earlier frames of the path (both directions) it now links. The store keeps
 * what those frames counted (time, length, direction, event: 16 bytes each),
 * and gives back the last `covers` of them when the link comes, so that the
 * connection's counts are the same as if the frames had carried its label.
 *
 * Bounded: at most max_paths 4-tuples (the least recently used goes when a
 * new one comes) and LQ_UNDEC_FRAMES frames each, older ones summed into one
 * aggregate that is folded in only when the link covers all of them. A path
 * unused for the idle timeout is forgotten (the tracker forgets it too).
 *
 * A record stream that was already relabelled (linkquic-replay's hold-back)
 * has no undecided frames left: the link then covers nothing kept, and
 * nothing is counted twice.
 */
#ifndef LQ_UNDECIDED_H
#define LQ_UNDECIDED_H

#include <stdint.h>

#include "../parser/lq_types.h"

#ifndef LQ_UNDEC_FRAMES
#define LQ_UNDEC_FRAMES 64
#endif
#define LQ_UNDEC_PATHS 4096 /* default bound on 4-tuples */

/* What a link brings to its path: by enum lq_dir of the connection. */
struct lq_undec_fold {
	uint64_t pkts[2], bytes[2];
	uint64_t first, last; /* ns; first is UINT64_MAX when nothing was folded */
	uint16_t events;      /* bit (1 << enum lq_event) of the frames folded */
	uint32_t frames;      /* frames folded */
	uint32_t missing;     /* covered by the link but not kept here (never seen,
			       * evicted, or beyond the bound) */
};

struct lq_undec;

/* NULL when out of memory; max_paths 0 takes LQ_UNDEC_PATHS. */
struct lq_undec *lq_undec_new(uint32_t max_paths, uint64_t idle_ns);
void lq_undec_free(struct lq_undec *u);

/* A frame without a connection label: kept when it is undecided, or when its
 * 4-tuple has undecided frames kept already (the tracker counts every frame
 * of an undecided path in covers). Other frames are ignored. -1 when out of
 * memory (the frame is then not kept). */
int lq_undec_add(struct lq_undec *u, const struct lq_result *r);

/* r is a link (event link, conn set): the last r->covers frames kept for its
 * 4-tuple, oriented by r's direction, go into *f, and the 4-tuple is
 * forgotten. Returns 1 when something was folded, 0 when nothing was kept. */
int lq_undec_take(struct lq_undec *u, const struct lq_result *r, struct lq_undec_fold *f);

/* Forgets the 4-tuples unused since more than the idle timeout before now. */
void lq_undec_expire(struct lq_undec *u, uint64_t now);

/* 4-tuples kept now, and frames given up on (evicted with their 4-tuple, or
 * expired unlinked). */
uint32_t lq_undec_count(const struct lq_undec *u);
uint64_t lq_undec_dropped(const struct lq_undec *u);

#endif
