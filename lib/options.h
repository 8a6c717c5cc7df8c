/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * options.h - option values shared by linkquic-replay and linkquic-live:
 * numbers with ranges, the guard's rates and classes, accepted versions.
 * Each parser prints one line naming the option and the problem.
 */
#ifndef LQ_OPTIONS_H
#define LQ_OPTIONS_H

#include <getopt.h>
#include <stdint.h>
#include <stdio.h>

#include "../parser/lq_types.h"
#include "classify.h"
#include "output.h"

/* The tracking and guard options both tools take: their getopt_long
 * values (a tool's own long options start at LQ_OPT__TOOL), the table
 * entries, their help and their parser. One --max-* option per map of
 * parser/lq_vocab.h. */
enum {
	LQ_OPT_MAX_BASE = 256, /* + enum lq_map_id: --max-paths, ... */
	LQ_OPT_ACCEPT = LQ_OPT_MAX_BASE + LQ_MAPID__COUNT,
	LQ_OPT_GUARD,
	LQ_OPT_GUARD_DROP,
	LQ_OPT_GUARD_RATE,
	LQ_OPT_GUARD_CONN_RATE,
	LQ_OPT_VOCABULARY,
	LQ_OPT_NO_META,
	LQ_OPT_CONN_UPDATE,
	LQ_OPT_VERSION,
	LQ_OPT__TOOL,
};

#define LQ__MAP_LONGOPT(m, kname, kt, vt, def, opt, desc)                                   \
	{ opt, required_argument, NULL, LQ_OPT_MAX_BASE + LQ_MAPID_##m },

#define LQ_TRACKING_LONGOPTS                                                                 \
	{ "idle-timeout", required_argument, NULL, 't' },                                    \
	LQ_MAP_LIST(LQ__MAP_LONGOPT)                                                         \
	{ "accept-versions", required_argument, NULL, LQ_OPT_ACCEPT },                       \
	{ "guard", no_argument, NULL, LQ_OPT_GUARD },                                        \
	{ "guard-drop", required_argument, NULL, LQ_OPT_GUARD_DROP },                        \
	{ "guard-rate", required_argument, NULL, LQ_OPT_GUARD_RATE },                        \
	{ "guard-conn-rate", required_argument, NULL, LQ_OPT_GUARD_CONN_RATE },              \
	{ "vocabulary", no_argument, NULL, LQ_OPT_VOCABULARY }

/* The output options both tools take: -u (START in UTC), --no-meta (no
 * metadata from the Initials), --conn-update (-f conn's updates), -l
 * (standard output line-buffered, as tcpdump's -l) and --version. */
struct lq_out_opts {
	int utc;
	int no_meta;
	uint32_t conn_update; /* seconds, 0 none */
	int line_buffered;    /* -l */
};

#define LQ_OUTPUT_LONGOPTS                                                                   \
	{ "utc", no_argument, NULL, 'u' },                                                   \
	{ "no-meta", no_argument, NULL, LQ_OPT_NO_META },                                    \
	{ "conn-update", required_argument, NULL, LQ_OPT_CONN_UPDATE },                      \
	{ "line-buffered", no_argument, NULL, 'l' },                                         \
	{ "version", no_argument, NULL, LQ_OPT_VERSION }

/* Option c with argument arg, if it is one of LQ_OUTPUT_LONGOPTS: 0 taken,
 * -1 bad value (one line printed), 1 not one of them, 2 --version was
 * printed (the tool exits 0). -l makes standard output line-buffered at
 * once (before anything is printed). */
int lq_opt_output(const char *tool, int c, const char *arg, struct lq_out_opts *o);
/* "linkquic-replay 0.1.0" and the libraries' versions, for --version. */
void lq_print_version(FILE *f, const char *tool);
/* Their help, descriptions from column col. */
void lq_opt_help_output(FILE *f, int col);

/* The help of the options above, descriptions from column col. guard_what:
 * what --guard does in this tool, one line. */
void lq_opt_help_tracking(FILE *f, int col);
void lq_opt_help_guard(FILE *f, int col, const char *guard_what);
/* One help line: the option (with its two-space indent) and a description
 * that wraps at 80 columns, continued at column col. */
void lq_opt_help_line(FILE *f, int col, const char *opt, const char *desc);

/* Option c (a getopt_long value) with argument arg, if it is one of the
 * above: 0 taken, -1 bad value (one line printed), 1 not one of them, 2
 * --vocabulary was printed (the tool exits 0). */
int lq_opt_tracking(const char *tool, int c, const char *arg, struct lq_config *cfg,
		    struct lq_map_sizes *sizes);

/* getopt_long returned c, ':' (a value missing) or '?' (an unknown
 * option): prints one line naming the option. Returns 1. */
int lq_opt_bad(const char *tool, int c, char *const *argv);

/* --format: table, jsonl (or json), csv, conn. */
int lq_opt_format(const char *tool, const char *s, enum lq_format *out);

int lq_opt_u32(const char *tool, const char *opt, const char *s, uint32_t min, uint32_t max,
	       uint32_t *out);
/* "RATE" or "RATE:BURST", per second: a GCRA interval and tolerance in ns. */
int lq_opt_rate(const char *tool, const char *opt, const char *s, uint64_t *interval,
		uint64_t *tolerance);
/* "all", "none" or reason names separated by commas: a bitmask. */
int lq_opt_reasons(const char *tool, const char *opt, const char *s, uint32_t *mask);
/* Versions separated by commas: hex numbers or v1, v2, v2draft. */
int lq_opt_versions(const char *tool, const char *opt, const char *s, struct lq_config *cfg);

#endif
