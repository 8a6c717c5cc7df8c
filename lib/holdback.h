/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * holdback.h - records in input order, with the final label: the frames of
 * an undecided path (LQ_RF_UNDECIDED) are held, with every record after
 * them, until the path's link event relabels them to its connection, or
 * the path stops being undecided, or a bound is reached; then they go out
 * as they are. linkquic-replay prints through it unless --stream is asked
 * (linkquic-live streams: the link event tells a reader what to relabel).
 */
#ifndef LQ_HOLDBACK_H
#define LQ_HOLDBACK_H

#include <stdint.h>

#include "../parser/lq_types.h"

/* The bounds: at most this many records held, and none longer than this
 * much capture time behind the newest. */
#define LQ_HOLD_RECORDS 65536
#define LQ_HOLD_NS (10ULL * 1000000000ULL)

/* Where records go, in input order. */
typedef void (*lq_hold_emit_fn)(void *ctx, uint64_t frame, const struct lq_result *r);

struct lq_holdback;

/* NULL when out of memory. */
struct lq_holdback *lq_holdback_new(uint32_t max_records, uint64_t max_ns, lq_hold_emit_fn emit,
				    void *ctx);
/* The record of input frame `frame`: held, or passed on with those before
 * it that are free to go. */
void lq_holdback_push(struct lq_holdback *h, uint64_t frame, const struct lq_result *r);
/* The end of the input: everything held goes out. */
void lq_holdback_flush(struct lq_holdback *h);
void lq_holdback_free(struct lq_holdback *h);
/* Records relabelled by link events, and released unlinked by a bound. */
uint64_t lq_holdback_relabelled(const struct lq_holdback *h);
uint64_t lq_holdback_released(const struct lq_holdback *h);

#endif
