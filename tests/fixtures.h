/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fixtures.h - the fixture table: scenarios of hand-built frames with the
 * verdict, connection label and event each must get. One table, run three
 * ways: natively (test_fixtures, under cmocka), and through the real XDP
 * and tc programs with bpf_prog_test_run (test_bpf).
 *
 * Labels are checked by relation, not value: frames expected in group n
 * must all carry one label, different groups different labels, group -1
 * none at all.
 */
#ifndef LQ_TEST_FIXTURES_H
#define LQ_TEST_FIXTURES_H

#include <stddef.h>
#include <stdint.h>

#include "../parser/lq_types.h"

/* Classifies one Ethernet frame at time ts (ns); 0 or -errno. */
typedef int (*fx_classify_fn)(void *ctx, const uint8_t *frame, uint32_t len, uint64_t ts,
			      struct lq_result *res);
/* Empties every map: each case starts from nothing. */
typedef void (*fx_reset_fn)(void *ctx);

struct fx_runner {
	const char *name;
	fx_classify_fn classify;
	fx_reset_fn reset;
	void *ctx;
	const struct lq_config *cfg; /* what the runner was set up with */
};

struct fx;

struct fx_case {
	const char *name;
	const char *rule; /* the rule it proves */
	void (*run)(struct fx *f);
	int guard; /* runs with fx_guard_config() instead of the defaults */
};

/* The settings guard cases run with: the guard on, dropping every garbage
 * class, 10 long headers a second (burst 3) and 2 new connections a second
 * (burst 2) per source, versions v1 and v2 only. */
void fx_guard_config(struct lq_config *cfg);

extern const struct fx_case fx_cases[];
extern const size_t fx_ncases;

/* Runs one case; prints each failed expectation (expected, actual, hex
 * dump) and returns how many failed. A guard case on a runner without the
 * guard, or the reverse, is not run (returns 0). */
int fx_run_case(const struct fx_runner *r, const struct fx_case *c);

#endif
