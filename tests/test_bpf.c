// SPDX-License-Identifier: BSD-2-Clause
/*
 * test_bpf.c - the fixture table through the real BPF programs: every case
 * through the XDP program, then through the tc program, each frame with
 * bpf_prog_test_run and the fixture's clock. Needs root (or CAP_BPF and
 * CAP_NET_ADMIN); elsewhere it skips with a message (exit 77).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "fixtures.h"
#include "kernel.h"

struct bpfrun {
	struct lq_kernel *k;
	int fd;
	struct lq_config cfg;
};

static int bpf_classify(void *ctx, const uint8_t *frame, uint32_t len, uint64_t ts,
			struct lq_result *res)
{
	struct bpfrun *b = ctx;

	return lq_kernel_test_run_fd(b->k, b->fd, frame, len, ts, res);
}

static void bpf_reset(void *ctx)
{
	struct bpfrun *b = ctx;

	lq_kernel_clear_maps(b->k);
}

static struct fx_runner *current;

static void run_case(void **state)
{
	assert_int_equal(fx_run_case(current, *state), 0);
}

static int run_group(const char *name, struct fx_runner *r)
{
	struct CMUnitTest *tests = calloc(fx_ncases, sizeof(*tests));
	size_t i;
	int rc;

	if (!tests)
		return 1;
	for (i = 0; i < fx_ncases; i++) {
		tests[i].name = fx_cases[i].name;
		tests[i].test_func = run_case;
		tests[i].initial_state = (void *)&fx_cases[i];
	}
	current = r;
	rc = _cmocka_run_group_tests(name, tests, fx_ncases, NULL, NULL);
	free(tests);
	return rc;
}

int main(void)
{
	struct lq_kernel_opts o;
	struct lq_kernel k;
	struct bpfrun xdp, tc;
	struct fx_runner rx = { "xdp", bpf_classify, bpf_reset, &xdp, &xdp.cfg };
	struct fx_runner rt = { "tc", bpf_classify, bpf_reset, &tc, &tc.cfg };
	int rc;

	if (geteuid() != 0) {
		printf("test_bpf: skipped: bpf_prog_test_run needs root (or CAP_BPF and "
		       "CAP_NET_ADMIN)\n");
		return 77;
	}
	memset(&o, 0, sizeof(o));
	lq_config_default(&o.cfg);
	o.cfg.flags |= LQ_CF_REPORT_ALL;
	lq_map_sizes_default(&o.sizes);
	o.sizes.conns = o.sizes.dcids = o.sizes.dest = o.sizes.sip = o.sizes.pending = 4096;
	o.test_clock = 1;
	if (lq_kernel_open(&k, &o))
		return 1;
	xdp.k = tc.k = &k;
	xdp.cfg = tc.cfg = o.cfg;
	xdp.fd = lq_kernel_prog_fd(&k, "xdp");
	tc.fd = lq_kernel_prog_fd(&k, "tc_in");
	rc = run_group("fixtures (XDP program)", &rx);
	rc |= run_group("fixtures (tc program)", &rt);
	lq_kernel_close(&k);
	return rc;
}
