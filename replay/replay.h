/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * replay.h - reading captures and running them through the classifier, in
 * user space (emulated maps) or through the kernel program.
 */
#ifndef LQ_REPLAY_H
#define LQ_REPLAY_H

#include <signal.h>
#include <stdint.h>

#include "capture.h"
#include "classify.h"
#include "connrec.h"
#include "conntab.h"
#include "holdback.h"
#include "ipfix.h"
#include "options.h"
#include "output.h"

enum replay_mode {
	REPLAY_USER = 0,
	REPLAY_KERNEL = 1,
	REPLAY_COMPARE = 2,
};

struct replay_opts {
	const char *file;
	const char *const *files; /* --batch: every file, file the first */
	int nfiles;
	int batch;
	char *filter;
	enum lq_format format;
	enum replay_mode mode;
	int events_only;
	int maps;
	int quiet;
	int verbose;
	int timing; /* --timing */
	int stream; /* --stream: records as classified, no hold-back */
	struct lq_out_opts out; /* -u, --no-meta, --conn-update, -l */
	volatile sig_atomic_t *stop; /* SIGINT or SIGTERM came: stop reading, finish */
	struct lq_config cfg;
	struct lq_map_sizes sizes;
	struct lq_ipfix_opts export; /* --export and its options */
	struct lq_ipfix *ipfix;	     /* the exporter, open while the capture is read */
};

/* Should this record be printed under the options? */
int replay_wants_record(const struct replay_opts *o, const struct lq_result *r);
/* The connection table is wanted: count records into a conntab. */
int replay_wants_table(const struct replay_opts *o);
/* Table (from ct), maps and summary at the end, per the options. */
void replay_finish(const struct replay_opts *o, const struct lq_stats *st,
		   const struct lq_maps *maps, const struct lq_conntab *ct);

/* Where the results go (sink.c): hold-back, counts, table, records. */
struct replay_sink {
	const struct replay_opts *o;
	struct lq_stats st;
	struct lq_conntab *ct;
	struct lq_holdback *hold;
};

int replay_sink_init(struct replay_sink *s, const struct replay_opts *o);
void replay_sink_push(struct replay_sink *s, uint64_t frame, const struct lq_result *r);
/* The end of the input: what is held goes out. */
void replay_sink_end(struct replay_sink *s);
void replay_sink_free(struct replay_sink *s);

/* -f conn's records, and the table's SNI column (into sink->ct): a connrec
 * fed with every frame as it is classified (before the hold-back: it keeps
 * undecided frames itself). NULL when neither is wanted, or out of memory
 * (*oom set). */
struct lq_connrec *replay_connrec_new(const struct replay_opts *o, struct replay_sink *sink,
				      int *oom);

/* After a stop signal: one line saying where the input was cut. */
void replay_interrupted(const struct replay_opts *o, const struct capture *cap);

/* capture_open(), and with -v a line saying how the file is read */
int replay_open(const struct replay_opts *o, struct capture *cap);
int replay_user(const struct replay_opts *o);
int replay_kernel(const struct replay_opts *o);

#endif
