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

#include "../parser/lq_types.h"
#include "classify.h"
#include "output.h"

/* The tracking and guard options both tools take: their getopt_long
 * values (a tool's own long options start at LQ_OPT__TOOL), the table
 * entries, and their parser. */
enum {
	LQ_OPT_MAX_PATHS = 256,
	LQ_OPT_MAX_CIDS,
	LQ_OPT_MAX_SERVERS,
	LQ_OPT_MAX_CLIENTS,
	LQ_OPT_MAX_PENDING,
	LQ_OPT_MAX_GUARD,
	LQ_OPT_ACCEPT,
	LQ_OPT_GUARD,
	LQ_OPT_GUARD_DROP,
	LQ_OPT_GUARD_RATE,
	LQ_OPT_GUARD_CONN_RATE,
	LQ_OPT__TOOL,
};

#define LQ_TRACKING_LONGOPTS                                                   \
	{ "idle-timeout", required_argument, NULL, 't' },                      \
	{ "max-paths", required_argument, NULL, LQ_OPT_MAX_PATHS },            \
	{ "max-cids", required_argument, NULL, LQ_OPT_MAX_CIDS },              \
	{ "max-servers", required_argument, NULL, LQ_OPT_MAX_SERVERS },        \
	{ "max-clients", required_argument, NULL, LQ_OPT_MAX_CLIENTS },        \
	{ "max-pending", required_argument, NULL, LQ_OPT_MAX_PENDING },        \
	{ "max-guard", required_argument, NULL, LQ_OPT_MAX_GUARD },            \
	{ "accept-versions", required_argument, NULL, LQ_OPT_ACCEPT },         \
	{ "guard", no_argument, NULL, LQ_OPT_GUARD },                          \
	{ "guard-drop", required_argument, NULL, LQ_OPT_GUARD_DROP },          \
	{ "guard-rate", required_argument, NULL, LQ_OPT_GUARD_RATE },          \
	{ "guard-conn-rate", required_argument, NULL, LQ_OPT_GUARD_CONN_RATE }

/* The help text of the tracking options, for a tool whose descriptions
 * start at column 24 + strlen(PAD) (PAD: a string literal of spaces). */
#define LQ_TRACKING_HELP(PAD)                                                         \
	"Tracking:\n"                                                                  \
	"  -t, --idle-timeout=S  " PAD "seconds after which an unused path, pending flow or\n" \
	"                        " PAD "anchor is dead (default 60)\n"                   \
	"      --max-paths=N     " PAD "connections_map entries (default 262144)\n"      \
	"      --max-cids=N      " PAD "dcids_map entries (default 524288)\n"            \
	"      --max-servers=N   " PAD "dest_map entries (default 65536)\n"              \
	"      --max-clients=N   " PAD "sip_map entries (default 262144)\n"              \
	"      --max-pending=N   " PAD "potential_quic entries (default 65536)\n"        \
	"      --accept-versions=LIST  versions accepted (hex, v1, v2, v2draft; comma-\n"   \
	"                        " PAD "separated); others are not QUIC (garbage towards a\n" \
	"                        " PAD "known server). Default: every known one\n"

/* Option c (a getopt_long value) with argument arg, if it is one of the
 * above: 0 taken, -1 bad value (one line printed), 1 not one of them. */
int lq_opt_tracking(const char *tool, int c, const char *arg, struct lq_config *cfg,
		    struct lq_map_sizes *sizes);

/* getopt_long returned c, ':' (a value missing) or '?' (an unknown
 * option): prints one line naming the option. Returns 1. */
int lq_opt_bad(const char *tool, int c, char *const *argv);

/* --format: table, jsonl (or json), csv. */
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
