// SPDX-License-Identifier: BSD-2-Clause
/*
 * test_connrec.c - the per-connection records (lib/connrec.c) and the table
 * from the records (lib/conntab.c) on hand-made result sequences: counts per
 * path and direction, idle ends, updates, the bound, and the tracker's
 * deferred links (undecided frames folded in when the link comes, the same
 * whether the stream was relabelled by the hold-back or not); then metadata
 * through the same path as -f conn, from Initials sealed here: the RFC 9001
 * ClientHello, and the bad inputs (lying CRYPTO length, a hello over the
 * bound, overlapping CRYPTO with other bytes, garbage after the padding, a
 * wrong tag), which must never give a value.
 * A failed check prints the record it looked at.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "connrec.h"
#include "conntab.h"
#include "meta.h"
#include "undecided.h"

/* ---- results and frames ---------------------------------------------------------- */

static struct lq_endpoint ep(uint8_t last, uint16_t port)
{
	struct lq_endpoint e;

	memset(&e, 0, sizeof(e));
	e.ip.b[10] = e.ip.b[11] = 0xff; /* IPv4-mapped 198.18.x.last */
	e.ip.b[12] = 198;
	e.ip.b[13] = 18;
	e.ip.b[14] = last < 100 ? 1 : 2;
	e.ip.b[15] = last;
	e.port = port;
	return e;
}

static const uint64_t S = 1000000000ULL;

/* A frame's result: conn 0 means an undecided frame (pending, LQ_RF_UNDECIDED). */
static struct lq_result res(uint64_t ts, uint64_t conn, struct lq_endpoint src,
			    struct lq_endpoint dst, int dir, int type, uint16_t ip_len)
{
	struct lq_result r;

	memset(&r, 0, sizeof(r));
	r.ts = ts;
	r.conn = conn;
	r.src = src;
	r.dst = dst;
	r.dir = (uint8_t)dir;
	r.type = (uint8_t)type;
	r.ip_len = ip_len;
	r.udp_len = (uint16_t)(ip_len - 28);
	r.ip_ver = 4;
	r.verdict = conn ? LQ_V_QUIC : LQ_V_PENDING;
	if (!conn)
		r.flags = LQ_RF_UNDECIDED;
	r.npackets = 1;
	return r;
}

/* ---- where the records go ----------------------------------------------------------- */

struct out {
	char *buf;
	size_t len;
	FILE *f;
};

static struct lq_connrec *new_cr(struct out *o, uint64_t idle_s, uint64_t update_s, int meta,
				 uint32_t max_conns)
{
	struct lq_connrec_opts co;
	struct lq_connrec *cr;

	memset(o, 0, sizeof(*o));
	o->f = open_memstream(&o->buf, &o->len);
	assert_non_null(o->f);
	memset(&co, 0, sizeof(co));
	co.idle_ns = idle_s * S;
	co.update_ns = update_s * S;
	co.meta = meta;
	co.max_conns = max_conns;
	co.out = o->f;
	cr = lq_connrec_new(&co);
	assert_non_null(cr);
	return cr;
}

static void add(struct lq_connrec *cr, const struct lq_result *r)
{
	assert_int_equal(lq_connrec_add(cr, r, NULL, 0, 0), 0);
}

/* The n-th record (0-based) of the output, in a static buffer. */
static const char *record(struct out *o, int n)
{
	static char line[65536];
	const char *p, *e;

	fflush(o->f);
	p = o->buf;
	for (; p && n > 0; n--) {
		p = strchr(p, '\n');
		p = p ? p + 1 : NULL;
	}
	if (!p || !*p)
		return NULL;
	e = strchr(p, '\n');
	snprintf(line, sizeof(line), "%.*s", (int)(e ? e - p : (long)strlen(p)), p);
	return line;
}

static int nrecords(struct out *o)
{
	int n = 0;

	fflush(o->f);
	for (const char *p = o->buf; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
		n++;
	return n;
}

/* The record holds this text ("key":value, exactly as written). */
static void expect(const char *rec, const char *text)
{
	if (rec && strstr(rec, text))
		return;
	fprintf(stderr, "FAIL: expected %s in the record:\n  %s\n", text, rec ? rec : "(no record)");
	fail_msg("%s not in the record", text);
}

static void expect_not(const char *rec, const char *text)
{
	if (rec && !strstr(rec, text))
		return;
	fprintf(stderr, "FAIL: did not expect %s in the record:\n  %s\n", text,
		rec ? rec : "(no record)");
	fail_msg("%s in the record", text);
}

static void done_out(struct out *o)
{
	fclose(o->f);
	free(o->buf);
}

/* ---- counts, ends, updates ------------------------------------------------------------- */

static const uint64_t A = 0x1111111111111111ULL, B = 0x2222222222222222ULL;

static void counts_and_paths(void **state)
{
	struct out o;
	struct lq_connrec *cr = new_cr(&o, 60, 0, 0, 0);
	struct lq_endpoint c1 = ep(2, 40000), c2 = ep(2, 40001), sv = ep(102, 443);
	struct lq_result r;
	const char *rec;

	(void)state;
	r = res(1 * S, A, c1, sv, LQ_C2S, LQ_PT_INITIAL, 1228);
	r.event = LQ_E_NEW_CONN;
	r.version = 1;
	add(cr, &r);
	r = res(1 * S + 5000000, A, sv, c1, LQ_S2C, LQ_PT_INITIAL, 1228);
	r.version = 1;
	add(cr, &r);
	r = res(2 * S, A, c1, sv, LQ_C2S, LQ_PT_1RTT, 100);
	add(cr, &r);
	r = res(3 * S, A, c2, sv, LQ_C2S, LQ_PT_1RTT, 1228);
	r.event = LQ_E_PROBING;
	add(cr, &r);
	r = res(4 * S, A, sv, c2, LQ_S2C, LQ_PT_1RTT, 60);
	add(cr, &r);
	lq_connrec_finish(cr, LQ_END_INPUT);
	assert_int_equal(nrecords(&o), 1);
	rec = record(&o, 0);
	expect(rec, "\"conn\":\"1111111111111111\"");
	expect(rec, "\"ended\":\"end_of_input\"");
	expect(rec, "\"update\":false");
	expect(rec, "\"version\":\"0x00000001\"");
	expect(rec, "\"client\":\"198.18.1.2\",\"client_port\":40000");
	expect(rec, "\"server\":\"198.18.2.102\",\"server_port\":443");
	expect(rec, "\"pkts_c2s\":3,\"pkts_s2c\":2,\"bytes_c2s\":2556,\"bytes_s2c\":1288");
	expect(rec, "\"first\":1.000000000,\"last\":4.000000000");
	expect(rec, "\"events\":[\"new_conn\",\"probing\"]");
	expect(rec, "\"via\":\"handshake\",\"first\":1.000000000,\"last\":2.000000000,"
		    "\"pkts_c2s\":2,\"pkts_s2c\":1");
	expect(rec, "\"client_port\":40001,\"server\":\"198.18.2.102\",\"server_port\":443,"
		    "\"via\":\"probe\",\"first\":3.000000000,\"last\":4.000000000,\"pkts_c2s\":1,"
		    "\"pkts_s2c\":1,\"bytes_c2s\":1228,\"bytes_s2c\":60");
	expect(rec, "\"client_hello\":\"off\"");
	expect(rec, "\"sni\":null");
	lq_connrec_free(cr);
	done_out(&o);
}

static void idle_end_and_order(void **state)
{
	struct out o;
	struct lq_connrec *cr = new_cr(&o, 10, 0, 0, 0);
	struct lq_endpoint c = ep(2, 40000), d = ep(3, 40000), sv = ep(102, 443);
	struct lq_result r;

	(void)state;
	r = res(1 * S, A, c, sv, LQ_C2S, LQ_PT_1RTT, 100);
	add(cr, &r);
	r = res(2 * S, B, d, sv, LQ_C2S, LQ_PT_1RTT, 100);
	add(cr, &r);
	/* 10 s after A's last packet A is not yet idle (more than 10 s is) */
	lq_connrec_tick(cr, 11 * S);
	assert_int_equal(nrecords(&o), 0);
	r = res(11 * S + S / 2, B, d, sv, LQ_C2S, LQ_PT_1RTT, 100);
	add(cr, &r);
	r = res(12 * S + 1, B, d, sv, LQ_C2S, LQ_PT_1RTT, 100);
	add(cr, &r);
	assert_int_equal(nrecords(&o), 1);
	expect(record(&o, 0), "\"conn\":\"1111111111111111\"");
	expect(record(&o, 0), "\"ended\":\"idle\"");
	assert_int_equal(lq_connrec_open(cr), 1);
	/* a packet of A after its end starts a new record */
	r = res(13 * S, A, c, sv, LQ_C2S, LQ_PT_1RTT, 100);
	add(cr, &r);
	lq_connrec_finish(cr, LQ_END_EXIT);
	assert_int_equal(nrecords(&o), 3);
	/* the rest oldest first */
	expect(record(&o, 1), "\"conn\":\"2222222222222222\"");
	expect(record(&o, 1), "\"ended\":\"exit\"");
	expect(record(&o, 2), "\"conn\":\"1111111111111111\"");
	expect(record(&o, 2), "\"pkts_c2s\":1,");
	assert_int_equal(lq_connrec_written(cr), 3);
	lq_connrec_free(cr);
	done_out(&o);
}

static void updates(void **state)
{
	struct out o;
	struct lq_connrec *cr = new_cr(&o, 60, 10, 0, 0);
	struct lq_endpoint c = ep(2, 40000), sv = ep(102, 443);
	struct lq_result r;
	int t;

	(void)state;
	for (t = 0; t <= 35; t++) {
		r = res((uint64_t)t * S + 1, A, c, sv, LQ_C2S, LQ_PT_1RTT, 100);
		add(cr, &r);
	}
	lq_connrec_finish(cr, LQ_END_INPUT);
	assert_int_equal(nrecords(&o), 4);
	expect(record(&o, 0), "\"update\":true,\"ended\":null");
	expect(record(&o, 0), "\"pkts_c2s\":10,");
	expect(record(&o, 2), "\"update\":true");
	expect(record(&o, 3), "\"update\":false,\"ended\":\"end_of_input\"");
	expect(record(&o, 3), "\"pkts_c2s\":36,");
	lq_connrec_free(cr);
	done_out(&o);
}

static void bound_evicts(void **state)
{
	struct out o;
	struct lq_connrec *cr = new_cr(&o, 60, 0, 0, 4);
	struct lq_endpoint sv = ep(102, 443);
	struct lq_result r;
	uint64_t k;

	(void)state;
	for (k = 1; k <= 5; k++) {
		r = res(k * S, k, ep((uint8_t)(k + 1), 40000), sv, LQ_C2S, LQ_PT_1RTT, 100);
		add(cr, &r);
	}
	assert_int_equal(nrecords(&o), 1);
	expect(record(&o, 0), "\"conn\":\"0000000000000001\"");
	expect(record(&o, 0), "\"ended\":\"evicted\"");
	assert_int_equal(lq_connrec_open(cr), 4);
	lq_connrec_free(cr);
	done_out(&o);
}

/* ---- deferred links ------------------------------------------------------------------ */

/* A connection A on path 1, then a new path whose frames are undecided
 * (pending, conn 0) until a link on its fifth frame, which covers the four
 * before it. relabelled: the same frames as the hold-back passes them on
 * (A's label, verdict quic, flag cleared). */
static int deferred(struct lq_result *v, int relabelled, int covers)
{
	struct lq_endpoint c1 = ep(2, 40000), c2 = ep(2, 40002), sv = ep(102, 443);
	int n = 0, i;

	v[n] = res(1 * S, A, c1, sv, LQ_C2S, LQ_PT_INITIAL, 1228);
	v[n++].event = LQ_E_NEW_CONN;
	v[n++] = res(1 * S + 10, A, sv, c1, LQ_S2C, LQ_PT_INITIAL, 1228);
	v[n++] = res(2 * S, A, c1, sv, LQ_C2S, LQ_PT_1RTT, 80);
	/* the new path: the client's probe, the server's answer, and two more */
	v[n] = res(3 * S, 0, c2, sv, LQ_C2S, LQ_PT_1RTT, 1228);
	v[n++].event = LQ_E_PROBING;
	v[n++] = res(3 * S + 100, 0, sv, c2, LQ_S2C, LQ_PT_1RTT, 1228);
	v[n] = res(3 * S + 200, 0, c2, sv, LQ_C2S, LQ_PT_1RTT, 90);
	v[n++].event = LQ_E_MIGRATION;
	v[n++] = res(3 * S + 300, 0, sv, c2, LQ_S2C, LQ_PT_1RTT, 70);
	/* the link */
	v[n] = res(4 * S, A, c2, sv, LQ_C2S, LQ_PT_1RTT, 85);
	v[n].event = LQ_E_LINK;
	v[n++].covers = (uint16_t)covers;
	v[n++] = res(5 * S, A, sv, c2, LQ_S2C, LQ_PT_1RTT, 75);
	if (relabelled)
		for (i = 3; i < 7; i++) {
			v[i].conn = A;
			v[i].verdict = LQ_V_QUIC;
			v[i].flags = 0;
		}
	return n;
}

static char *conn_record(const struct lq_result *v, int n)
{
	struct out o;
	struct lq_connrec *cr = new_cr(&o, 60, 0, 0, 0);
	char *rec;
	int i;

	for (i = 0; i < n; i++)
		add(cr, &v[i]);
	lq_connrec_finish(cr, LQ_END_INPUT);
	assert_int_equal(nrecords(&o), 1);
	rec = strdup(record(&o, 0));
	lq_connrec_free(cr);
	done_out(&o);
	return rec;
}

static void table_path(const struct lq_result *v, int n, unsigned path, struct lq_conntab_path *p)
{
	struct lq_conntab *t = lq_conntab_new();
	int i;

	assert_non_null(t);
	for (i = 0; i < n; i++)
		assert_int_equal(lq_conntab_add(t, &v[i]), 0);
	assert_int_equal(lq_conntab_count(t), 1);
	assert_int_equal(lq_conntab_get(t, A, path, p), 0);
	lq_conntab_free(t);
}

/* Many paths of one connection (a flood of rebindings), two frames each, the
 * first frames of all of them before the second ones, a printed table (which
 * sorts the paths) between, and a second connection's frames among them:
 * every path counted as its own, none merged, none split. */
static void table_many_paths(void **state)
{
	enum { NP = 5000 };
	struct lq_conntab *t = lq_conntab_new();
	struct lq_endpoint srv = ep(1, 443);
	struct lq_conntab_path p;
	FILE *null = fopen("/dev/null", "w");
	uint64_t seen[NP];
	int i, pass;

	(void)state;
	assert_non_null(t);
	assert_non_null(null);
	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < NP; i++) {
			struct lq_endpoint cli = ep((uint8_t)(100 + i % 100), (uint16_t)(10000 + i));
			struct lq_result r = res((uint64_t)(pass * NP + i) * 1000, A, cli, srv, LQ_C2S,
						 LQ_PT_1RTT, (uint16_t)(60 + pass));
			struct lq_result b = res((uint64_t)(pass * NP + i) * 1000 + 1, A + 1, srv,
						 ep(7, 7000), LQ_S2C, LQ_PT_1RTT, 70);

			assert_int_equal(lq_conntab_add(t, &r), 0);
			if (i % 10 == 0)
				assert_int_equal(lq_conntab_add(t, &b), 0);
		}
		if (pass == 0)
			lq_conntab_print(null, t); /* sorts the paths: the lookups must follow */
	}
	assert_int_equal(lq_conntab_count(t), 2);
	memset(seen, 0, sizeof(seen));
	for (i = 0; i < NP; i++) {
		int port;

		assert_int_equal(lq_conntab_get(t, A, (unsigned)i, &p), 0);
		assert_int_equal(p.npaths, NP);
		port = p.client.port - 10000;
		assert_true(port >= 0 && port < NP);
		if (p.pkts[0] != 2 || p.pkts[1] != 0 || p.bytes[0] != 121 || seen[port])
			fail_msg("path %d (client port %u): expected 2 packets, 121 bytes, once; actual "
				 "%llu/%llu packets, %llu bytes, seen %llu times before",
				 i, p.client.port, (unsigned long long)p.pkts[0],
				 (unsigned long long)p.pkts[1], (unsigned long long)p.bytes[0],
				 (unsigned long long)seen[port]);
		seen[port]++;
	}
	assert_int_equal(lq_conntab_get(t, A + 1, 0, &p), 0);
	assert_int_equal(p.npaths, 1);
	assert_int_equal(p.pkts[1], 2 * (NP / 10));
	fclose(null);
	lq_conntab_free(t);
}

static void deferred_link(void **state)
{
	struct lq_result s[16], h[16];
	struct lq_conntab_path ps, ph;
	char *rs, *rh;
	int ns = deferred(s, 0, 4), nh = deferred(h, 1, 4);

	(void)state;
	rs = conn_record(s, ns);
	rh = conn_record(h, nh);
	/* the new path counts its undecided frames, both ways, and their events */
	expect(rs, "\"client_port\":40002,\"server\":\"198.18.2.102\",\"server_port\":443,"
		   "\"via\":\"probe\",\"first\":3.000000000,\"last\":5.000000000,\"pkts_c2s\":3,"
		   "\"pkts_s2c\":3,\"bytes_c2s\":1403,\"bytes_s2c\":1373,"
		   "\"events\":[\"probing\",\"migration\",\"link\"]");
	expect(rs, "\"pkts_c2s\":5,\"pkts_s2c\":4,");
	/* streamed or relabelled by the hold-back: one record */
	if (strcmp(rs, rh)) {
		fprintf(stderr, "FAIL: streamed and held-back records differ:\n  %s\n  %s\n", rs, rh);
		fail();
	}
	/* and the table from the records counts the same */
	table_path(s, ns, 1, &ps);
	table_path(h, nh, 1, &ph);
	assert_int_equal(ps.pkts[LQ_C2S], 3);
	assert_int_equal(ps.pkts[LQ_S2C], 3);
	assert_int_equal(ps.bytes[LQ_C2S], 1403);
	assert_int_equal(ps.bytes[LQ_S2C], 1373);
	assert_int_equal(ps.first, 3 * S);
	assert_int_equal(ps.last, 5 * S);
	assert_int_equal(ps.events, (1u << LQ_E_PROBING) | (1u << LQ_E_MIGRATION) | (1u << LQ_E_LINK));
	assert_memory_equal(&ps, &ph, sizeof(ps));
	assert_string_equal(lq_path_via(ps.events), "probe");
	free(rs);
	free(rh);
}

static void link_covers_fewer(void **state)
{
	/* four undecided frames kept, the link covers the last two only (the
	 * tracker's own count): the two older are not the connection's */
	struct lq_result s[16];
	struct lq_conntab_path p;
	char *rec;
	int n = deferred(s, 0, 2);

	(void)state;
	rec = conn_record(s, n);
	expect(rec, "\"via\":\"link\",\"first\":3.000000200,\"last\":5.000000000,\"pkts_c2s\":2,"
		    "\"pkts_s2c\":2,\"bytes_c2s\":175,\"bytes_s2c\":145,"
		    "\"events\":[\"migration\",\"link\"]");
	table_path(s, n, 1, &p);
	assert_int_equal(p.pkts[LQ_C2S] + p.pkts[LQ_S2C], 4);
	free(rec);
}

static void link_unseen(void **state)
{
	/* the link covers frames never seen here (a capture that began after
	 * them): nothing invented */
	struct lq_endpoint c = ep(2, 40000), sv = ep(102, 443);
	struct lq_result v[2];
	char *rec;

	(void)state;
	v[0] = res(1 * S, A, c, sv, LQ_C2S, LQ_PT_1RTT, 100);
	v[0].event = LQ_E_LINK;
	v[0].covers = 7;
	v[1] = res(2 * S, A, sv, c, LQ_S2C, LQ_PT_1RTT, 100);
	rec = conn_record(v, 2);
	expect(rec, "\"pkts_c2s\":1,\"pkts_s2c\":1,");
	free(rec);
}

static void undecided_bound(void **state)
{
	/* more undecided frames than a path keeps one by one: the oldest are
	 * summed, and folded when the link covers them all */
	struct lq_endpoint c1 = ep(2, 40000), c2 = ep(2, 40002), sv = ep(102, 443);
	struct lq_result *v = calloc(LQ_UNDEC_FRAMES * 2 + 8, sizeof(*v));
	char *rec, want[256];
	int n = 0, i, k = LQ_UNDEC_FRAMES + 30;

	(void)state;
	assert_non_null(v);
	v[n] = res(1 * S, A, c1, sv, LQ_C2S, LQ_PT_INITIAL, 1228);
	v[n++].event = LQ_E_NEW_CONN;
	for (i = 0; i < k; i++)
		v[n++] = i % 2 ? res(2 * S + (uint64_t)i, 0, sv, c2, LQ_S2C, LQ_PT_1RTT, 100)
			       : res(2 * S + (uint64_t)i, 0, c2, sv, LQ_C2S, LQ_PT_1RTT, 1228);
	v[n] = res(3 * S, A, c2, sv, LQ_C2S, LQ_PT_1RTT, 100);
	v[n].event = LQ_E_LINK;
	v[n++].covers = (uint16_t)k;
	rec = conn_record(v, n);
	snprintf(want, sizeof(want), "\"first\":2.000000000,\"last\":3.000000000,\"pkts_c2s\":%d,"
				     "\"pkts_s2c\":%d",
		 k / 2 + 1, k / 2);
	expect(rec, want);
	free(rec);
	free(v);
}

static void undecided_evicts_lru(void **state)
{
	/* a full table gives up the path used least recently, and only it */
	struct lq_endpoint sv = ep(102, 443), cl[4] = { ep(3, 1000), ep(3, 1001), ep(3, 1002),
							 ep(3, 1003) };
	struct lq_undec *u = lq_undec_new(3, 60 * S);
	struct lq_undec_fold f;
	struct lq_result r;
	int i, got[4];

	(void)state;
	assert_non_null(u);
	for (i = 0; i < 3; i++) { /* paths 0, 1, 2: two frames each */
		r = res(S + (uint64_t)i, 0, cl[i], sv, LQ_C2S, LQ_PT_1RTT, 1228);
		assert_int_equal(lq_undec_add(u, &r), 0);
		assert_int_equal(lq_undec_add(u, &r), 0);
	}
	r = res(2 * S, 0, cl[0], sv, LQ_C2S, LQ_PT_1RTT, 1228); /* 0 used again: 1 is the oldest */
	assert_int_equal(lq_undec_add(u, &r), 0);
	r = res(3 * S, 0, cl[3], sv, LQ_C2S, LQ_PT_1RTT, 1228); /* a fourth: 1 goes */
	assert_int_equal(lq_undec_add(u, &r), 0);
	assert_int_equal(lq_undec_count(u), 3);
	assert_int_equal(lq_undec_dropped(u), 2);
	for (i = 0; i < 4; i++) { /* what each path's link finds kept */
		memset(&f, 0, sizeof(f));
		r = res(4 * S, A, cl[i], sv, LQ_C2S, LQ_PT_1RTT, 100);
		r.event = LQ_E_LINK;
		r.covers = 8;
		got[i] = lq_undec_take(u, &r, &f) ? (int)f.frames : 0;
	}
	if (got[0] != 3 || got[1] != 0 || got[2] != 2 || got[3] != 1)
		fail_msg("frames kept per path: expected 3 0 2 1 (path 1 evicted), got %d %d %d %d",
			 got[0], got[1], got[2], got[3]);
	assert_int_equal(lq_undec_count(u), 0);
	lq_undec_free(u);
}

/* ---- metadata through -f conn's path ---------------------------------------------------- */

/* RFC 9001 A.2's CRYPTO frame (the ClientHello: example.com, ALPN "alpn")
 * and A.3's server payload (ACK, CRYPTO with the ServerHello). */
static const char CLIENT_CRYPTO[] =
	"060040f1010000ed0303ebf8fa56f12939b9584a3896472ec40bb863cfd3e868"
	"04fe3a47f06a2b69484c00000413011302010000c000000010000e00000b6578"
	"616d706c652e636f6dff01000100000a00080006001d00170018001000070005"
	"04616c706e000500050100000000003300260024001d00209370b2c9caa47fba"
	"baf4559fedba753de171fa71f50f1ce15d43e994ec74d748002b000302030400"
	"0d0010000e0403050306030203080408050806002d00020101001c0002400100"
	"3900320408ffffffffffffffff05048000ffff07048000ffff08011001048000"
	"75300901100f088394c8f03e51570806048000ffff";
static const char SERVER_PAYLOAD[] =
	"02000000000600405a020000560303eefce7f7b37ba1d1632e96677825ddf739"
	"88cfc79825df566dc5430b9a045a1200130100002e00330024001d00209d3c94"
	"0d89690b84d08a60993c144eca684d1081287c834d5311bcf32bb9da1a002b00"
	"020304";

static uint8_t hello[512];
static size_t hello_len;

static size_t unhex(const char *h, uint8_t *out, size_t cap)
{
	size_t n = strlen(h) / 2;

	assert_true(n <= cap);
	for (size_t i = 0; i < n; i++) {
		unsigned v;
		sscanf(h + 2 * i, "%2x", &v);
		out[i] = (uint8_t)v;
	}
	return n;
}

struct frames {
	uint8_t b[4096];
	size_t n;
};

static void put_varint(struct frames *f, uint64_t v)
{
	if (v < 64) {
		f->b[f->n++] = (uint8_t)v;
	} else {
		f->b[f->n++] = (uint8_t)(0x40 | v >> 8);
		f->b[f->n++] = (uint8_t)v;
	}
}

static void crypto(struct frames *f, const uint8_t *data, size_t off, size_t len)
{
	f->b[f->n++] = 0x06;
	put_varint(f, off);
	put_varint(f, len);
	memcpy(f->b + f->n, data + off, len);
	f->n += len;
}

static void padding(struct frames *f, size_t k)
{
	memset(f->b + f->n, 0, k);
	f->n += k;
}

static const uint8_t DCID[8] = { 0x83, 0x94, 0xc8, 0xf0, 0x3e, 0x51, 0x57, 0x08 };
static const uint8_t CSCID[4] = { 0xc0, 0xff, 0xee, 0x01 };
static const uint8_t SSCID[4] = { 0x5e, 0x4e, 0x4e, 0x01 };

/* A v1 Initial with a 4-byte packet number, sealed with the RFC's keys. */
static size_t initial(int server, uint64_t pn, const struct frames *f, uint8_t *out)
{
	struct lq_initial_version v;
	struct lq_initial_keys ck, sk;
	uint8_t hdr[64];
	size_t h = 0, len = 4 + f->n + 16;

	assert_int_equal(lq_initial_version_info(1, &v), 1);
	lq_initial_derive(&v, DCID, 8, &ck, &sk);
	hdr[h++] = 0xc3;
	memcpy(hdr + h, "\x00\x00\x00\x01", 4);
	h += 4;
	hdr[h++] = server ? 4 : 8;
	memcpy(hdr + h, server ? CSCID : DCID, server ? 4 : 8);
	h += server ? 4 : 8;
	hdr[h++] = 4;
	memcpy(hdr + h, server ? SSCID : CSCID, 4);
	h += 4;
	hdr[h++] = 0; /* no token */
	hdr[h++] = (uint8_t)(0x40 | len >> 8);
	hdr[h++] = (uint8_t)len;
	for (int i = 3; i >= 0; i--)
		hdr[h++] = (uint8_t)(pn >> (8 * i));
	return lq_initial_seal(server ? &sk : &ck, hdr, h, 4, pn, f->b, f->n, out);
}

/* IPv4 + UDP around a payload, as a raw-IP frame (network header at 0), and
 * its result. */
static uint8_t frame[4096];

static struct lq_result datagram(uint64_t ts, int server, const uint8_t *p, size_t n,
				 uint32_t *len)
{
	struct lq_endpoint c = ep(2, 40000), sv = ep(102, 443);
	struct lq_result r = server ? res(ts, A, sv, c, LQ_S2C, LQ_PT_INITIAL, (uint16_t)(n + 28))
				    : res(ts, A, c, sv, LQ_C2S, LQ_PT_INITIAL, (uint16_t)(n + 28));

	memset(frame, 0, 28);
	frame[0] = 0x45;
	frame[2] = (uint8_t)((n + 28) >> 8);
	frame[3] = (uint8_t)(n + 28);
	frame[8] = 64;
	frame[9] = 17;
	memcpy(frame + 12, server ? &sv.ip.b[12] : &c.ip.b[12], 4);
	memcpy(frame + 16, server ? &c.ip.b[12] : &sv.ip.b[12], 4);
	frame[20] = (uint8_t)((server ? 443 : 40000) >> 8);
	frame[21] = (uint8_t)(server ? 443 : 40000);
	frame[22] = (uint8_t)((server ? 40000 : 443) >> 8);
	frame[23] = (uint8_t)(server ? 40000 : 443);
	frame[24] = (uint8_t)((n + 8) >> 8);
	frame[25] = (uint8_t)(n + 8);
	memcpy(frame + 28, p, n);
	*len = (uint32_t)(n + 28);
	r.version = 1;
	r.dcid.len = server ? 4 : 8;
	memcpy(r.dcid.id, server ? CSCID : DCID, r.dcid.len);
	r.scid.len = 4;
	memcpy(r.scid.id, server ? SSCID : CSCID, 4);
	if (!server && ts == 1000)
		r.event = LQ_E_NEW_CONN;
	return r;
}

static uint8_t dg[4096];

static void feed(struct lq_connrec *cr, uint64_t ts, int server, const uint8_t *p, size_t n)
{
	uint32_t len;
	struct lq_result r = datagram(ts, server, p, n, &len);

	assert_int_equal(lq_connrec_add(cr, &r, frame, len, 0), 0);
}

static void feed_initial(struct lq_connrec *cr, uint64_t ts, int server, uint64_t pn,
			 const struct frames *f)
{
	size_t n = initial(server, pn, f, dg);

	assert_true(n > 0);
	feed(cr, ts, server, dg, n);
}

/* A connection whose client sends `f` in one Initial (or f then g), the
 * server its ServerHello, the client once more; its record. */
static char *meta_conn(const struct frames *f, const struct frames *g, int meta)
{
	struct out o;
	struct lq_connrec *cr = new_cr(&o, 60, 0, meta, 0);
	struct frames sf = { .n = 0 }, ping = { .b = { 1 }, .n = 1 };
	uint8_t sp[256];
	char *rec;

	feed_initial(cr, 1000, 0, 0, f);
	if (g)
		feed_initial(cr, 1500, 0, 1, g);
	sf.n = unhex(SERVER_PAYLOAD, sp, sizeof(sp));
	memcpy(sf.b, sp, sf.n);
	feed_initial(cr, 2000, 1, 0, &sf);
	feed_initial(cr, 3000, 0, 2, &ping);
	lq_connrec_finish(cr, LQ_END_INPUT);
	assert_int_equal(nrecords(&o), 1);
	rec = strdup(record(&o, 0));
	lq_connrec_free(cr);
	done_out(&o);
	return rec;
}

static void load_hello(void)
{
	uint8_t f[512];
	size_t n = unhex(CLIENT_CRYPTO, f, sizeof(f));

	hello_len = n - 4; /* 06 00 40f1: CRYPTO at offset 0, 241 bytes */
	memcpy(hello, f + 4, hello_len);
}

static void expect_no_values(const char *rec)
{
	expect(rec, "\"sni\":null,\"alpn\":null,\"ja4\":null");
	expect(rec, "\"tp\":null");
	expect_not(rec, "example.com");
	expect_not(rec, "evil");
}

static void meta_hello(void **state)
{
	struct frames f = { .n = 0 };
	char *rec;

	(void)state;
	load_hello();
	crypto(&f, hello, 0, hello_len);
	padding(&f, 950);
	rec = meta_conn(&f, NULL, 1);
	expect(rec, "\"sni\":\"example.com\",\"alpn\":[\"alpn\"],\"ja4\":\"q13d02");
	expect(rec, "\"ja4s\":\"q130200_1301_234ea6891581\",\"tls_cipher\":\"0x1301\"");
	expect(rec, "\"max_idle_timeout\":30000");
	expect(rec, "\"initial_source_connection_id\":\"8394c8f03e515708\",\"iscid_match\":false");
	expect(rec, "\"original_dcid\":\"8394c8f03e515708\",\"client_scid\":\"c0ffee01\","
		    "\"server_scid\":\"5e4e4e01\"");
	expect(rec, "\"rtt_server_ns\":1000,\"rtt_client_ns\":1000,\"handshake_rtt_ns\":2000");
	expect(rec, "\"client_hello\":\"ok\",\"server_hello\":\"ok\"");
	free(rec);

	/* metadata off: the IDs from the headers stay, the rest is null */
	rec = meta_conn(&f, NULL, 0);
	expect(rec, "\"original_dcid\":\"8394c8f03e515708\"");
	expect_no_values(rec);
	expect(rec, "\"client_hello\":\"off\",\"server_hello\":\"off\"");
	free(rec);
}

/* Nothing written anywhere (the table's case): the names alone, from the
 * client's side, given to `named` when the ClientHello is parsed, before
 * the server answers. */
struct names {
	int n;
	uint64_t conn;
	char sni[64];
};

static void on_name(void *ctx, uint64_t conn, const char *sni)
{
	struct names *nm = ctx;

	nm->n++;
	nm->conn = conn;
	snprintf(nm->sni, sizeof(nm->sni), "%s", sni);
}

static void meta_names_only(void **state)
{
	struct frames f = { .n = 0 };
	struct lq_connrec_opts co;
	struct lq_connrec *cr;
	struct names nm = { 0 };

	(void)state;
	load_hello();
	crypto(&f, hello, 0, hello_len);
	padding(&f, 950);
	memset(&co, 0, sizeof(co));
	co.idle_ns = 60 * S;
	co.meta = 1;
	co.named = on_name;
	co.named_ctx = &nm;
	cr = lq_connrec_new(&co);
	assert_non_null(cr);
	feed_initial(cr, 1000, 0, 0, &f);
	if (nm.n != 1 || nm.conn != A || strcmp(nm.sni, "example.com")) {
		fprintf(stderr, "FAIL: after the client's Initial: %d names, conn %llu, sni '%s'; "
				"expected 1, %llu, 'example.com'\n",
			nm.n, (unsigned long long)nm.conn, nm.sni, (unsigned long long)A);
		fail();
	}
	lq_connrec_finish(cr, LQ_END_INPUT);
	assert_int_equal(nm.n, 1); /* named once */
	lq_connrec_free(cr);
}

static void meta_bad_input(void **state)
{
	struct frames f = { .n = 0 }, g = { .n = 0 };
	uint8_t evil[512], *sni;
	char *rec;
	size_t n;

	(void)state;
	load_hello();

	/* a CRYPTO frame whose length runs past the packet */
	crypto(&f, hello, 0, 100);
	f.b[2] = 0x40, f.b[3] = 0xff;
	rec = meta_conn(&f, NULL, 1);
	expect_no_values(rec);
	expect(rec, "\"client_hello\":\"bad_frame\"");
	free(rec);

	/* a ClientHello whose own length says more than the stream will hold:
	 * over the bound of 16 KiB */
	f.n = 0;
	memcpy(evil, hello, hello_len);
	evil[1] = 0x01; /* 0x01xxxx bytes: 64 KiB and more */
	crypto(&f, evil, 0, hello_len);
	padding(&f, 900);
	rec = meta_conn(&f, NULL, 1);
	expect_no_values(rec);
	expect(rec, "\"client_hello\":\"over_bound\"");
	free(rec);

	/* overlapping CRYPTO data with other bytes: the SNI changed in a second copy */
	f.n = g.n = 0;
	memcpy(evil, hello, hello_len);
	sni = memmem(evil, hello_len, "example.com", 11);
	assert_non_null(sni);
	memcpy(sni, "evil.ex.com", 11);
	crypto(&f, hello, 0, 120);
	crypto(&g, evil, 40, hello_len - 40);
	rec = meta_conn(&f, &g, 1);
	expect_no_values(rec);
	expect(rec, "\"client_hello\":\"crypto_conflict\"");
	free(rec);

	/* garbage after the padding: the hello before it is real and counts */
	f.n = 0;
	crypto(&f, hello, 0, hello_len);
	padding(&f, 100);
	memcpy(f.b + f.n, "\x31\xff\xfe\x06\x00\x10garbage", 13);
	f.n += 13;
	rec = meta_conn(&f, NULL, 1);
	expect(rec, "\"sni\":\"example.com\"");
	free(rec);

	/* a wrong tag: nothing of the packet */
	{
		struct out o;
		struct lq_connrec *cr = new_cr(&o, 60, 0, 1, 0);

		f.n = 0;
		crypto(&f, hello, 0, hello_len);
		padding(&f, 900);
		n = initial(0, 0, &f, dg);
		dg[n - 40] ^= 0x04;
		feed(cr, 1000, 0, dg, n);
		lq_connrec_finish(cr, LQ_END_INPUT);
		rec = strdup(record(&o, 0));
		expect_no_values(rec);
		expect(rec, "\"client_hello\":\"decrypt_failed\"");
		free(rec);
		lq_connrec_free(cr);
		done_out(&o);
	}

	/* a frame cut by the capture, and none at all: no crash, nothing learned */
	{
		struct out o;
		struct lq_connrec *cr = new_cr(&o, 60, 0, 1, 0);
		struct lq_result r;
		uint32_t len;

		f.n = 0;
		crypto(&f, hello, 0, hello_len);
		padding(&f, 900);
		n = initial(0, 0, &f, dg);
		r = datagram(1000, 0, dg, n, &len);
		assert_int_equal(lq_connrec_add(cr, &r, frame, 100, 0), 0);
		assert_int_equal(lq_connrec_add(cr, &r, NULL, 0, 0), 0);
		assert_int_equal(lq_connrec_add(cr, &r, frame, len, (uint32_t)len + 5), 0);
		lq_connrec_finish(cr, LQ_END_INPUT);
		rec = strdup(record(&o, 0));
		expect_no_values(rec);
		free(rec);
		lq_connrec_free(cr);
		done_out(&o);
	}
}

static void udp_payload(void **state)
{
	uint8_t v6[80];
	const uint8_t *p;
	uint32_t n, len;

	(void)state;
	datagram(1, 0, (const uint8_t *)"abcd", 4, &len);
	assert_int_equal(lq_udp_payload(frame, len, 0, 4, &p, &n), 0);
	assert_int_equal(n, 4);
	assert_memory_equal(p, "abcd", 4);
	assert_int_equal(lq_udp_payload(frame, len, 0, 2, &p, &n), 0);
	assert_int_equal(n, 2); /* the UDP length bounds it */
	assert_int_equal(lq_udp_payload(frame, 20, 0, 4, &p, &n), -1);
	frame[6] = 0x20; /* more fragments */
	assert_int_equal(lq_udp_payload(frame, len, 0, 4, &p, &n), -1);
	/* IPv6 with a destination options header */
	memset(v6, 0, sizeof(v6));
	v6[0] = 0x60;
	v6[6] = 60;
	v6[40] = 17;
	v6[41] = 0;
	memcpy(v6 + 56, "wxyz", 4);
	assert_int_equal(lq_udp_payload(v6, 60, 0, 4, &p, &n), 0);
	assert_memory_equal(p, "wxyz", 4);
}

/* Random results and random bytes (garbage Initials among them), many
 * connections and 4-tuples, undecided frames and links that cover any
 * count, bounds small enough to be hit: no crash (the sanitizers watch), and
 * every record one JSON line. */
static void random_input(void **state)
{
	struct out o;
	struct lq_connrec *cr = new_cr(&o, 2, 1, 1, 64);
	struct lq_conntab *t = lq_conntab_new();
	uint64_t seed = 0x853c49e6748fea9bULL, ts = S;
	static uint8_t buf[2048];
	int i, j, n;

	(void)state;
	assert_non_null(t);
	lq_conntab_limit(t, 50, 4);
	for (i = 0; i < 20000; i++) {
		struct lq_result r;
		uint32_t len;

		seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
		ts += (seed >> 40) % 50000000;
		r = res(ts, (seed >> 20) % 5 ? (seed >> 8) % 97 : 0, ep((uint8_t)(seed % 7 + 2), 40000),
			ep((uint8_t)(100 + (seed >> 3) % 3), 443), (int)((seed >> 13) % 3),
			(int)((seed >> 17) % LQ_PT__COUNT), (uint16_t)(60 + (seed >> 24) % 1400));
		r.event = (uint8_t)((seed >> 33) % LQ_E__COUNT);
		r.covers = (uint16_t)((seed >> 45) % 300);
		r.version = (seed >> 51) % 4 ? 1 : 0x1a2a3a4a;
		r.dcid.len = (uint8_t)((seed >> 37) % 21);
		r.scid.len = (uint8_t)((seed >> 41) % 21);
		n = (int)((seed >> 28) % sizeof(buf));
		for (j = 0; j < n; j++) {
			seed = seed * 6364136223846793005ULL + 1;
			buf[j] = (uint8_t)(seed >> 56);
		}
		if (n > 30 && (seed & 1)) { /* an IPv4/UDP frame around the random payload */
			memcpy(buf + 28, dg, (size_t)n - 28 < sizeof(dg) ? (size_t)n - 28 : 0);
			datagram(ts, (int)(seed >> 2) & 1, buf + 28, (size_t)n - 28, &len);
			memcpy(buf, frame, 28);
			buf[0] = 0x45;
		}
		assert_int_equal(lq_connrec_add(cr, &r, buf, (uint32_t)n, (uint32_t)((seed >> 5) % 3)), 0);
		assert_int_equal(lq_conntab_add(t, &r), 0);
	}
	lq_connrec_finish(cr, LQ_END_INPUT);
	n = nrecords(&o);
	assert_true(n > 0);
	for (i = 0; i < n; i++) {
		const char *rec = record(&o, i);

		if (rec[0] != '{' || rec[strlen(rec) - 1] != '}') {
			fprintf(stderr, "FAIL: record %d is no JSON object: %.200s\n", i, rec);
			fail();
		}
	}
	lq_conntab_free(t);
	lq_connrec_free(cr);
	done_out(&o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(counts_and_paths), cmocka_unit_test(idle_end_and_order),
		cmocka_unit_test(updates),	    cmocka_unit_test(bound_evicts),
		cmocka_unit_test(table_many_paths), cmocka_unit_test(deferred_link),
		cmocka_unit_test(link_covers_fewer),
		cmocka_unit_test(link_unseen),	    cmocka_unit_test(undecided_bound),
		cmocka_unit_test(undecided_evicts_lru),
		cmocka_unit_test(meta_hello),	    cmocka_unit_test(meta_bad_input),
		cmocka_unit_test(meta_names_only),
		cmocka_unit_test(udp_payload),	    cmocka_unit_test(random_input),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
