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
#include "pkt.h"

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

/* the runners of one group: defaults, and guard settings */
static struct fx_runner *current, *current_guard;

static void run_case(void **state)
{
	const struct fx_case *c = *state;

	assert_int_equal(fx_run_case(c->guard ? current_guard : current, c), 0);
}

static int run_group(const char *name, struct fx_runner *r, struct fx_runner *rg)
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
	current_guard = rg;
	rc = _cmocka_run_group_tests(name, tests, fx_ncases, NULL, NULL);
	free(tests);
	return rc;
}

static struct lq_kernel *gk; /* loaded with a full snapshot length */

/* A UDP GSO super-packet on tc egress gives one record per wire datagram,
 * each classified as the datagram the wire carries. */
static void gso_super_packet(void **state)
{
	struct pkt_ep cli = { "198.18.0.60", 51000 }, srv = { "198.18.1.1", 443 };
	struct pkt_cid odcid = pkt_cid(8, 601), ccid = pkt_cid(8, 602), scid = pkt_cid(8, 603);
	static uint8_t pl[4096], frame[4096], snaps[8][LQ_SNAP_MAX + 128];
	uint32_t caplens[8];
	struct lq_result r, seg[8];
	uint64_t ts = 1700000000ULL * 1000000000ULL, label;
	size_t n, len;
	int got, i;

	(void)state;
	lq_kernel_clear_maps(gk);
	n = quic_pad(pl, quic_long(pl, 0, 1, &odcid, &ccid, 0, 1000, 1), 1200);
	len = pkt_frame(frame, &cli, &srv, pl, n, NULL);
	assert_int_equal(lq_kernel_test_run(gk, frame, (uint32_t)len, ts += 1000, &r), 0);
	assert_int_equal(r.event, LQ_E_NEW_CONN);
	label = r.conn;
	n = quic_long(pl, 0, 1, &ccid, &scid, 0, 300, 1);
	len = pkt_frame(frame, &srv, &cli, pl, n, NULL);
	assert_int_equal(lq_kernel_test_run(gk, frame, (uint32_t)len, ts += 1000, &r), 0);
	assert_true(r.conn == label);
	/* three 1-RTT datagrams of 1000, 1000 and 600 bytes in one skb */
	n = quic_short(pl, &scid, 1000 - 9, 1);
	n += quic_short(pl + n, &scid, 1000 - 9, 1);
	n += quic_short(pl + n, &scid, 600 - 9, 1);
	len = pkt_frame(frame, &cli, &srv, pl, n, NULL);
	gk->collect_frames = snaps;
	gk->collect_caplen = caplens;
	got = lq_kernel_test_run_gso(gk, frame, (uint32_t)len, ts += 1000, 3, 1000, seg, 8);
	gk->collect_frames = NULL;
	gk->collect_caplen = NULL;
	if (got != 3)
		fail_msg("GSO super-packet of 3 segments: expected 3 records, actual %d", got);
	for (i = 0; i < 3; i++) {
		/* the snapshot is the datagram the wire carries: the headers with
		 * this segment's lengths, then its payload */
		uint32_t want = 14 + 20 + 8 + (i < 2 ? 1000 : 600);
		const uint8_t *p = snaps[i];

		uint32_t iplen = (uint32_t)(p[16] << 8 | p[17]), ulen = (uint32_t)(p[38] << 8 | p[39]);

		if (caplens[i] != want || iplen != want - 14 || ulen != want - 34 ||
		    memcmp(p + 42, pl + i * 1000, 9))
			fail_msg("segment %d snapshot: expected %u bytes, IP length %u, UDP length %u "
				 "and its own first bytes; actual %u, %u, %u",
				 i, want, want - 14, want - 34, caplens[i], iplen, ulen);
		if (seg[i].flags != LQ_RF_GSO_SEGMENT)
			fail_msg("segment %d: expected flags gso_segment only, actual 0x%x", i,
				 seg[i].flags);
		if (seg[i].verdict != LQ_V_QUIC || seg[i].conn != label ||
		    seg[i].udp_len != (i < 2 ? 1000 : 600) || !(seg[i].flags & LQ_RF_GSO_SEGMENT) ||
		    seg[i].ip_len != 20 + 8 + seg[i].udp_len)
			fail_msg("segment %d: expected quic conn %016llx udp_len %d, actual verdict %d "
				 "conn %016llx udp_len %u ip_len %u flags 0x%x",
				 i, (unsigned long long)label, i < 2 ? 1000 : 600, seg[i].verdict,
				 (unsigned long long)seg[i].conn, seg[i].udp_len, seg[i].ip_len,
				 seg[i].flags);
	}
}

static struct lq_kernel *guard_k, *heartbeat_k; /* the guard; it with heartbeat and egress */

/* The guard's last word in the programs: it drops what comes in, at tc
 * egress only with LQ_CF_GUARD_EGRESS, and with LQ_CF_HEARTBEAT only while
 * the monitor's heartbeat is fresh (an orphan of a killed monitor passes
 * everything, still reporting the verdict). */
static void guard_ingress_and_heartbeat(void **state)
{
	struct pkt_ep cli = { "198.18.0.70", 52000 }, srv = { "198.18.1.1", 443 };
	struct pkt_ep other = { "198.18.0.71", 52001 };
	struct pkt_cid odcid = pkt_cid(8, 701), ccid = pkt_cid(8, 702), scid = pkt_cid(8, 703);
	static const struct {
		const char *what;
		int heartbeat; /* uses heartbeat_k, else guard_k */
		const char *prog;
		int64_t age_ms; /* of the heartbeat when the frame comes */
		uint8_t action;
	} cases[] = {
		{ "guard, XDP", 0, "xdp", 0, LQ_ACT_DROP },
		{ "guard, tc ingress", 0, "tc_in", 0, LQ_ACT_DROP },
		{ "guard, tc egress (not asked)", 0, "tc_out", 0, LQ_ACT_PASS },
		{ "guard, no heartbeat asked, an old one", 0, "xdp", 3600000, LQ_ACT_DROP },
		{ "heartbeat 1 s old, XDP", 1, "xdp", 1000, LQ_ACT_DROP },
		{ "heartbeat 1 ms ahead (another CPU), XDP", 1, "xdp", -1, LQ_ACT_DROP },
		{ "heartbeat 1 s old, tc egress asked", 1, "tc_out", 1000, LQ_ACT_DROP },
		{ "heartbeat at the limit, tc ingress", 1, "tc_in",
		  (int64_t)(LQ_HEARTBEAT_STALE_NS / 1000000), LQ_ACT_DROP },
		{ "heartbeat stale by 1 ms, tc ingress", 1, "tc_in",
		  (int64_t)(LQ_HEARTBEAT_STALE_NS / 1000000) + 1, LQ_ACT_PASS },
		{ "heartbeat 6 s old, XDP", 1, "xdp", 6000, LQ_ACT_PASS },
		{ "heartbeat 6 s old, tc egress asked", 1, "tc_out", 6000, LQ_ACT_PASS },
	};
	static uint8_t pl[2048], frame[2048];
	uint64_t ts = 1700000000ULL * 1000000000ULL;
	struct lq_result r;
	size_t n, len, i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct lq_kernel *k = cases[i].heartbeat ? heartbeat_k : guard_k;
		int err;

		/* a QUIC server, known from a handshake: the client's Initial, the
		 * server's answer, the client's Handshake to the server's ID */
		ts += 10000000000ULL;
		lq_kernel_clear_maps(k);
		lq_kernel_heartbeat(k, ts);
		n = quic_pad(pl, quic_long(pl, 0, 1, &odcid, &ccid, 0, 1000, 1), 1200);
		len = pkt_frame(frame, &cli, &srv, pl, n, NULL);
		assert_int_equal(lq_kernel_test_run(k, frame, (uint32_t)len, ts, &r), 0);
		n = quic_long(pl, 0, 1, &ccid, &scid, 0, 300, 1);
		len = pkt_frame(frame, &srv, &cli, pl, n, NULL);
		assert_int_equal(lq_kernel_test_run(k, frame, (uint32_t)len, ts + 1000, &r), 0);
		n = quic_long(pl, 2, 1, &scid, &ccid, (size_t)-1, 60, 1);
		len = pkt_frame(frame, &cli, &srv, pl, n, NULL);
		assert_int_equal(lq_kernel_test_run(k, frame, (uint32_t)len, ts + 2000, &r), 0);
		assert_int_equal(r.verdict, LQ_V_QUIC);
		/* then a long header of a version nobody defined, from elsewhere:
		 * garbage, unknown_version */
		ts += 1000000;
		lq_kernel_heartbeat(k, ts - (uint64_t)(cases[i].age_ms * 1000000));
		n = quic_long(pl, 0, 0x12345678, &odcid, &ccid, 0, 250, 1);
		len = pkt_frame(frame, &other, &srv, pl, n, NULL);
		err = lq_kernel_test_run_fd(k, lq_kernel_prog_fd(k, cases[i].prog), frame,
					    (uint32_t)len, ts, &r);
		if (err)
			fail_msg("%s: test run failed: %s", cases[i].what, strerror(-err));
		if (r.verdict != LQ_V_GARBAGE || r.reason != LQ_R_UNKNOWN_VERSION ||
		    r.action != cases[i].action)
			fail_msg("%s: expected garbage unknown_version action %s, actual verdict %u "
				 "reason %u action %s",
				 cases[i].what, cases[i].action == LQ_ACT_DROP ? "drop" : "pass",
				 r.verdict, r.reason, r.action == LQ_ACT_DROP ? "drop" : "pass");
	}
}

int main(void)
{
	struct lq_kernel_opts o;
	struct lq_kernel k, kg, ks, kh;
	struct bpfrun xdp, tc, xdpg, tcg;
	struct fx_runner rx = { "xdp", bpf_classify, bpf_reset, &xdp, &xdp.cfg };
	struct fx_runner rt = { "tc", bpf_classify, bpf_reset, &tc, &tc.cfg };
	struct fx_runner rxg = { "xdp+guard", bpf_classify, bpf_reset, &xdpg, &xdpg.cfg };
	struct fx_runner rtg = { "tc+guard", bpf_classify, bpf_reset, &tcg, &tcg.cfg };
	int rc;

	if (geteuid() != 0) {
		printf("test_bpf: skipped: bpf_prog_test_run needs root (or CAP_BPF and "
		       "CAP_NET_ADMIN)\n");
		return 77;
	}
	memset(&o, 0, sizeof(o));
	o.tool = "test_bpf";
	lq_config_default(&o.cfg);
	o.cfg.flags |= LQ_CF_REPORT_ALL;
	lq_map_sizes_default(&o.sizes);
	o.sizes.paths = o.sizes.cids = o.sizes.servers = o.sizes.clients = o.sizes.pending = o.sizes.guard =
		4096;
	o.test_clock = 1;
	if (lq_kernel_open(&k, &o))
		return 1;
	o.snaplen = LQ_SNAP_MAX; /* the snapshot code is only there when asked */
	if (lq_kernel_open(&ks, &o)) {
		lq_kernel_close(&k);
		return 1;
	}
	o.snaplen = 0;
	fx_guard_config(&o.cfg);
	o.cfg.flags |= LQ_CF_REPORT_ALL;
	if (lq_kernel_open(&kg, &o)) {
		lq_kernel_close(&ks);
		lq_kernel_close(&k);
		return 1;
	}
	o.cfg.flags |= LQ_CF_HEARTBEAT | LQ_CF_GUARD_EGRESS;
	if (lq_kernel_open(&kh, &o)) {
		lq_kernel_close(&kg);
		lq_kernel_close(&ks);
		lq_kernel_close(&k);
		return 1;
	}
	o.cfg.flags &= ~(uint32_t)(LQ_CF_HEARTBEAT | LQ_CF_GUARD_EGRESS);
	xdp.k = tc.k = &k;
	xdpg.k = tcg.k = &kg;
	lq_config_default(&xdp.cfg);
	tc.cfg = xdp.cfg;
	fx_guard_config(&xdpg.cfg);
	tcg.cfg = xdpg.cfg;
	xdp.fd = lq_kernel_prog_fd(&k, "xdp");
	tc.fd = lq_kernel_prog_fd(&k, "tc_in");
	xdpg.fd = lq_kernel_prog_fd(&kg, "xdp");
	tcg.fd = lq_kernel_prog_fd(&kg, "tc_in");
	rc = run_group("fixtures (XDP program)", &rx, &rxg);
	rc |= run_group("fixtures (tc program)", &rt, &rtg);
	{
		const struct CMUnitTest gso[] = { cmocka_unit_test(gso_super_packet) };

		gk = &ks;
		rc |= cmocka_run_group_tests_name("GSO on tc egress", gso, NULL, NULL);
	}
	{
		const struct CMUnitTest guard[] = { cmocka_unit_test(guard_ingress_and_heartbeat) };

		guard_k = &kg;
		heartbeat_k = &kh;
		rc |= cmocka_run_group_tests_name("the guard's hooks and heartbeat", guard, NULL,
						  NULL);
	}
	lq_kernel_close(&kh);
	lq_kernel_close(&ks);
	lq_kernel_close(&kg);
	lq_kernel_close(&k);
	return rc;
}
