// SPDX-License-Identifier: BSD-2-Clause
/*
 * test_fixtures.c - the fixture table through the classifier in user space,
 * over emulated maps (one cmocka test per case).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "classify.h"
#include "fixtures.h"

struct native {
	struct lq_maps maps;
	struct lq_config cfg;
};

static int native_classify(void *ctx, const uint8_t *frame, uint32_t len, uint64_t ts,
			   struct lq_result *res)
{
	struct native *n = ctx;

	lq_classify_eth(&n->maps, &n->cfg, ts, frame, len, res);
	return 0;
}

static void native_reset(void *ctx)
{
	struct native *n = ctx;

	lq_maps_clear(&n->maps); /* every map of the registry: a case starts from nothing */
}

static struct native nat, natg;
static struct fx_runner runner = { "native", native_classify, native_reset, &nat, &nat.cfg };
static struct fx_runner guard = { "native+guard", native_classify, native_reset, &natg,
				  &natg.cfg };

static void run_case(void **state)
{
	const struct fx_case *c = *state;

	assert_int_equal(fx_run_case(c->guard ? &guard : &runner, c), 0);
}

int main(void)
{
	struct CMUnitTest *tests = calloc(fx_ncases, sizeof(*tests));
	struct lq_map_sizes sz;
	size_t i;
	int rc;

	lq_config_default(&nat.cfg);
	fx_guard_config(&natg.cfg);
	lq_map_sizes_default(&sz);
	sz.paths = sz.cids = sz.servers = sz.clients = sz.pending = sz.guard = 4096;
	if (!tests || lq_maps_init(&nat.maps, &sz) || lq_maps_init(&natg.maps, &sz))
		return 1;
	for (i = 0; i < fx_ncases; i++) {
		tests[i].name = fx_cases[i].name;
		tests[i].test_func = run_case;
		tests[i].initial_state = (void *)&fx_cases[i];
	}
	rc = _cmocka_run_group_tests("fixtures (native)", tests, fx_ncases, NULL, NULL);
	lq_maps_free(&nat.maps);
	lq_maps_free(&natg.maps);
	free(tests);
	return rc;
}
