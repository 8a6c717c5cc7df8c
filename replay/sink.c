// SPDX-License-Identifier: BSD-2-Clause
/*
 * sink.c - where linkquic-replay's results go, the same for user-space and
 * kernel runs: through the hold-back (final labels, input order) unless
 * --stream, then into the summary's counts, the connection table and the
 * printed records.
 */
#include <stdio.h>
#include <string.h>

#include "replay.h"

static void sink_emit(void *ctx, uint64_t frame, const struct lq_result *r)
{
	struct replay_sink *s = ctx;
	struct lq_rec_ctx rc = { frame, NULL };

	lq_stats_add(&s->st, r);
	if (s->ct && lq_conntab_add(s->ct, r)) {
		fprintf(stderr, "linkquic-replay: out of memory for the connection table\n");
		lq_conntab_free(s->ct);
		s->ct = NULL;
	}
	if (replay_wants_record(s->o, r))
		lq_print_record(stdout, s->o->format, &rc, r);
}

int replay_sink_init(struct replay_sink *s, const struct replay_opts *o)
{
	memset(s, 0, sizeof(*s));
	s->o = o;
	if (replay_wants_table(o) && !(s->ct = lq_conntab_new()))
		return -1;
	/* nothing printed, nothing to relabel: the counts take the results as
	 * they come (what the benchmarks measure) */
	if (!o->stream && (replay_wants_table(o) || o->format != LQ_FMT_TABLE) &&
	    !(s->hold = lq_holdback_new(LQ_HOLD_RECORDS, LQ_HOLD_NS, sink_emit, s))) {
		lq_conntab_free(s->ct);
		s->ct = NULL;
		return -1;
	}
	return 0;
}

void replay_sink_push(struct replay_sink *s, uint64_t frame, const struct lq_result *r)
{
	if (s->hold)
		lq_holdback_push(s->hold, frame, r);
	else
		sink_emit(s, frame, r);
}

void replay_sink_end(struct replay_sink *s)
{
	if (s->hold)
		lq_holdback_flush(s->hold);
}

void replay_sink_free(struct replay_sink *s)
{
	lq_holdback_free(s->hold);
	s->hold = NULL;
	lq_conntab_free(s->ct);
	s->ct = NULL;
}
