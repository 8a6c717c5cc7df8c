/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * replay.h - reading captures and running them through the classifier, in
 * user space (emulated maps) or through the kernel program.
 */
#ifndef LQ_REPLAY_H
#define LQ_REPLAY_H

#include <stdint.h>

#include "capture.h"
#include "classify.h"
#include "conntab.h"
#include "output.h"

enum replay_mode {
	REPLAY_USER = 0,
	REPLAY_KERNEL = 1,
	REPLAY_COMPARE = 2,
};

struct replay_opts {
	const char *file;
	char *filter;
	enum lq_format format;
	enum replay_mode mode;
	int events_only;
	int maps;
	int quiet;
	int verbose;
	int timing; /* --timing */
	struct lq_config cfg;
	struct lq_map_sizes sizes;
};

/* Should this record be printed under the options? */
int replay_wants_record(const struct replay_opts *o, const struct lq_result *r);
/* The connection table is wanted: count records into a conntab. */
int replay_wants_table(const struct replay_opts *o);
/* Table (from ct), maps and summary at the end, per the options. */
void replay_finish(const struct replay_opts *o, const struct lq_stats *st,
		   const struct lq_maps *maps, const struct lq_conntab *ct);

int replay_user(const struct replay_opts *o);
int replay_kernel(const struct replay_opts *o);

#endif
