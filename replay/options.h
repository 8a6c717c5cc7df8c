/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * options.h - option values shared by linkquic-replay and linkquic-live:
 * numbers with ranges, the guard's rates and classes, accepted versions.
 * Each parser prints one line naming the option and the problem.
 */
#ifndef LQ_OPTIONS_H
#define LQ_OPTIONS_H

#include <stdint.h>

#include "../parser/lq_types.h"

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
