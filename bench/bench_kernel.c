// SPDX-License-Identifier: BSD-2-Clause
/*
 * bench_kernel.c - what one packet costs the kernel program, by class,
 * measured with bpf_prog_test_run next to an empty XDP program in the same
 * run. A benchmark, not a test: it prints figures and judges nothing.
 *
 * Every class runs one packet with repeat=R. Some classes make state (a new
 * connection's Initial, a short header on a new path): for those the
 * program is loaded with a test clock that moves past the idle timeout
 * after every run, so each repetition finds the previous one's state dead
 * and does the whole work again - the lookups find stale entries and the
 * updates overwrite them, as in a busy map. With -c, the same classes are
 * also measured the cold way: distinct packets, one run (and one syscall)
 * each, which leaves the caches cold; the empty program is measured the
 * same way for both.
 *
 * Beside four classes runs a floor (bpf/floor.bpf.c): the same map
 * operations on the same maps and the same record, with no classifier
 * around them. FLOOR is its net cost, OWN what the classifier's own code
 * adds to it: the part this project's code can make cheaper.
 */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kernel.h"
#include "pkt.h"
/* after the types the skeletons name */
#include "empty.skel.h"
#include "floor.skel.h"
#include "linkquic.skel.h"

#define V1 0x00000001u

struct frame {
	uint8_t b[PKT_MAX];
	uint32_t len;
};

static uint64_t now_ns = 1700000000ULL * 1000000000ULL;

/* Average ns per run of frame f with repeat r; the clock goes on 1 ms after
 * where the program left it (a stepping clock moves it on by itself). */
static double run(struct lq_kernel *k, int fd, const struct frame *f, uint32_t repeat)
{
	LIBBPF_OPTS(bpf_test_run_opts, o);

	o.data_in = f->b;
	o.data_size_in = f->len;
	o.repeat = repeat;
	if (k) {
		if (k->skel->bss->lq_clock_ns > now_ns)
			now_ns = k->skel->bss->lq_clock_ns;
		k->skel->bss->lq_clock_ns = (now_ns += 1000000);
	}
	if (bpf_prog_test_run_opts(fd, &o)) {
		perror("bpf_prog_test_run_opts");
		exit(1);
	}
	if (k)
		ring_buffer__consume(k->rb);
	return (double)o.duration;
}

/* A record the ring had no room for makes its run cheaper than the real
 * thing: said, if it happened. */
static void lost_check(struct lq_kernel *k, const char *which)
{
	struct lq_counters c;

	if (!lq_kernel_counters(k, &c) && c.lost)
		fprintf(stderr, "bench_kernel: %s: %llu records lost (ring full): the figures "
				"above are too low\n", which, (unsigned long long)c.lost);
}

static void initial(struct frame *f, const char *cip, uint16_t cport, uint32_t seed)
{
	struct pkt_ep c = { cip, cport }, s = { "198.18.1.1", 443 };
	struct pkt_cid d = pkt_cid(8, seed * 3 + 1), sc = pkt_cid(8, seed * 3 + 2);
	uint8_t pl[PKT_MAX];
	size_t n = quic_pad(pl, quic_long(pl, 0, V1, &d, &sc, 0, 1000, 1), 1200);

	f->len = (uint32_t)pkt_frame(f->b, &c, &s, pl, n, NULL);
}

static void server_initial(struct frame *f, const char *cip, uint16_t cport, uint32_t seed,
			   struct pkt_cid *scid)
{
	struct pkt_ep c = { cip, cport }, s = { "198.18.1.1", 443 };
	struct pkt_cid ccid = pkt_cid(8, seed * 3 + 2);
	uint8_t pl[PKT_MAX];
	size_t n;

	*scid = pkt_cid(8, seed * 3 + 3);
	n = quic_long(pl, 0, V1, &ccid, scid, 0, 120, 1);
	f->len = (uint32_t)pkt_frame(f->b, &s, &c, pl, n, NULL);
}

static void shorthdr(struct frame *f, const char *cip, uint16_t cport, const struct pkt_cid *dcid,
		     size_t size)
{
	struct pkt_ep c = { cip, cport }, s = { "198.18.1.1", 443 };
	uint8_t pl[PKT_MAX];
	size_t n = quic_short(pl, dcid, size - 1 - dcid->len, 1);

	f->len = (uint32_t)pkt_frame(f->b, &c, &s, pl, n, NULL);
}

struct result {
	const char *cls;
	const char *method;
	double ns, base;
	double floor; /* the floor program's time, 0: none measured */
};

static const char *only; /* -k: the classes whose names hold this */
static unsigned best = 3;  /* -b: runs of each class, the fastest counts */
static int empty_fd;	   /* the empty program, run beside each class */

/* Runs class cls (repeat times, frame f) unless -k leaves it out; then it
 * runs once, for the state later classes may count on. The empty program
 * runs right after each of the best runs on the same frame, and the
 * fastest of those is what the class is measured against: on a shared
 * machine whose speed moves, one measure of the empty program at the
 * start made NET move with it. */
static void measure_floor(struct result *res, int *nres, const char *cls, const char *method,
			  struct lq_kernel *k, int fd, const struct frame *f, uint32_t repeat,
			  int floor_fd)
{
	double t, e, fl, tmin = 0, emin = 0, fmin = 0;
	unsigned i;

	if (only && !strstr(cls, only)) {
		run(k, fd, f, 1);
		return;
	}
	if (floor_fd >= 0)
		run(NULL, floor_fd, f, 1); /* the state its later runs find */
	for (i = 0; i < best; i++) {
		t = run(k, fd, f, repeat);
		e = run(NULL, empty_fd, f, repeat);
		fl = floor_fd >= 0 ? run(NULL, floor_fd, f, repeat) : 0;
		if (!i || t < tmin)
			tmin = t;
		if (!i || e < emin)
			emin = e;
		if (!i || fl < fmin)
			fmin = fl;
	}
	res[(*nres)++] = (struct result){ cls, method, tmin, emin, fmin };
}

static void measure(struct result *res, int *nres, const char *cls, const char *method,
		    struct lq_kernel *k, int fd, const struct frame *f, uint32_t repeat)
{
	measure_floor(res, nres, cls, method, k, fd, f, repeat, -1);
}

/* The cold way: distinct new connections' Initials, one run each; the
 * average ns. */
static double cold_initials(struct lq_kernel *k, int fd, uint32_t distinct)
{
	struct frame f;
	char ip[32];
	double sum = 0;
	uint32_t i;

	lq_kernel_clear_maps(k);
	for (i = 0; i < distinct; i++) {
		snprintf(ip, sizeof(ip), "198.18.%u.%u", 64 + i / 250, 1 + i % 250);
		initial(&f, ip, (uint16_t)(40000 + i % 20000), i);
		sum += run(k, fd, &f, 1);
	}
	return sum / distinct;
}

static void print_row(const struct result *r)
{
	printf("%-42s %-12s %9.1f %9.1f %9.1f", r->cls, r->method, r->ns, r->base, r->ns - r->base);
	if (r->floor > 0)
		printf(" %9.1f %9.1f", r->floor - r->base, r->ns - r->floor);
	printf("\n");
}

int main(int argc, char **argv)
{
	uint32_t repeat = 1000000, distinct = 20000, i;
	struct lq_kernel_opts o;
	struct lq_kernel k, kf, kg, ki;
	struct empty_bpf *e;
	struct floor_bpf *fb;
	struct frame f, g;
	struct pkt_cid scid, scidf;
	struct result res[16];
	char ip[32];
	int xdp, xdpf, xdpg, xdpi = -1, efd, nres = 0, c, cold = 0;
	double sum, base1;

	while ((c = getopt(argc, argv, "r:n:k:b:ch")) != -1) {
		switch (c) {
		case 'r':
			repeat = (uint32_t)strtoul(optarg, NULL, 10);
			break;
		case 'n':
			distinct = (uint32_t)strtoul(optarg, NULL, 10);
			break;
		case 'k':
			only = optarg;
			break;
		case 'b':
			best = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'c':
			cold = 1;
			break;
		default:
			fprintf(stderr, "Usage: %s [-r REPEAT] [-b BEST] [-k CLASS] [-c [-n DISTINCT]]\n"
					"Cost per packet of the XDP program by packet class, next to an "
					"empty XDP program.\n"
					"  -b  runs of each class, each beside the empty program; the "
					"fastest of each counts (default 3)\n"
					"  -k  only the classes whose names hold CLASS (for a profiler)\n"
					"  -c  also the cold way: DISTINCT packets, one syscall each\n",
				argv[0]);
			return c == 'h' ? 0 : 1;
		}
	}
	if (!repeat || !best || !distinct || distinct > 60000) {
		fprintf(stderr, "bench_kernel: -r and -b must be > 0, -n from 1 to 60000\n");
		return 1;
	}
	if (geteuid() != 0) {
		fprintf(stderr, "bench_kernel: bpf_prog_test_run needs root (or CAP_BPF and "
				"CAP_NET_ADMIN)\n");
		return 1;
	}
	memset(&o, 0, sizeof(o));
	o.tool = "bench_kernel";
	lq_config_default(&o.cfg); /* notable records only, as live runs by default */
	lq_map_sizes_default(&o.sizes);
	o.test_clock = 1;
	/* Room for a record of every repetition of a run, read after it: a
	 * ring that filled midway would have the rest of the run measure a
	 * failed reservation instead of a record. */
	for (o.ring_bytes = LQ_RING_BYTES;
	     o.ring_bytes < (uint64_t)repeat * (sizeof(struct lq_record) + 8) && o.ring_bytes < (1u << 30);)
		o.ring_bytes <<= 1;
	if (lq_kernel_open(&k, &o))
		return 1;
	if (cold) { /* the same, waking the reader for each record */
		o.immediate = 1;
		if (lq_kernel_open(&ki, &o))
			return 1;
		o.immediate = 0;
		xdpi = lq_kernel_prog_fd(&ki, "xdp");
	}
	o.clock_step = o.cfg.idle_ns + 1000000000ULL; /* every run: the last one is dead */
	if (lq_kernel_open(&kf, &o))
		return 1;
	o.clock_step = 0;
	o.cfg.flags |= LQ_CF_GUARD;
	o.cfg.lh_interval_ns = 1000000ULL; /* 1000 long headers a second per source */
	o.cfg.lh_tolerance_ns = 100 * o.cfg.lh_interval_ns;
	if (lq_kernel_open(&kg, &o))
		return 1;
	e = empty_bpf__open_and_load();
	if (!e) {
		fprintf(stderr, "bench_kernel: cannot load the empty program\n");
		return 1;
	}
	/* its ring: as large as the classifier's, for the same reason */
	fb = floor_bpf__open();
	if (!fb || bpf_map__set_max_entries(fb->maps.lq_records, (uint32_t)o.ring_bytes) ||
	    floor_bpf__load(fb)) {
		fprintf(stderr, "bench_kernel: cannot load the floor program (bpf/floor.bpf.c)\n");
		return 1;
	}
	xdp = lq_kernel_prog_fd(&k, "xdp");
	xdpf = lq_kernel_prog_fd(&kf, "xdp");
	xdpg = lq_kernel_prog_fd(&kg, "xdp");
	efd = bpf_program__fd(e->progs.lq_empty);
	empty_fd = efd;

	initial(&f, "198.18.0.1", 40000, 1);
	run(NULL, efd, &f, repeat); /* warm up */

	/* classes that make state, each run from scratch */
	initial(&f, "198.18.0.5", 40005, 5);
	measure_floor(res, &nres, "long header, new connection (Initial)", "repeat+step", &kf, xdpf,
		      &f, repeat, bpf_program__fd(fb->progs.floor_initial));
	initial(&f, "198.18.0.2", 50000, 900000);
	run(&kf, xdpf, &f, 1);
	server_initial(&g, "198.18.0.2", 50000, 900000, &scidf);
	run(&kf, xdpf, &g, 1);
	shorthdr(&f, "198.18.0.2", 51000, &scidf, 1200); /* NAT rebinding: a known DCID */
	measure(res, &nres, "short header, new path (known DCID)", "repeat+step", &kf, xdpf, &f, repeat);
	{
		struct pkt_cid d = pkt_cid(8, 2000000);

		shorthdr(&f, "198.18.200.1", 30000, &d, 300);
		measure(res, &nres, "short header, new path (unknown DCID)", "repeat+step", &kf, xdpf, &f, repeat);
	}

	/* a known connection: handshake once, then its short header */
	initial(&f, "198.18.0.2", 50000, 900000);
	run(&k, xdp, &f, 1);
	server_initial(&g, "198.18.0.2", 50000, 900000, &scid);
	run(&k, xdp, &g, 1);
	shorthdr(&f, "198.18.0.2", 50000, &scid, 1200);
	measure_floor(res, &nres, "short header, known connection", "repeat", &k, xdp, &f, repeat,
		      bpf_program__fd(fb->progs.floor_short_known));
	/* non-QUIC UDP: a DNS-like datagram between hosts we know nothing of */
	{
		struct pkt_ep a = { "198.18.9.1", 53000 }, b = { "198.18.9.2", 53 };
		uint8_t pl[64];

		memset(pl, 0x12, sizeof(pl));
		f.len = (uint32_t)pkt_frame(f.b, &a, &b, pl, sizeof(pl), NULL);
		measure_floor(res, &nres, "non-QUIC UDP", "repeat", &k, xdp, &f, repeat,
			      bpf_program__fd(fb->progs.floor_not_quic));
	}
	/* non-UDP: TCP */
	{
		struct pkt_ep a = { "198.18.9.1", 53000 }, b = { "198.18.9.2", 80 };
		struct pkt_opts tcp = { .proto = 6 };
		uint8_t pl[64];

		memset(pl, 0x34, sizeof(pl));
		f.len = (uint32_t)pkt_frame(f.b, &a, &b, pl, sizeof(pl), &tcp);
		measure(res, &nres, "non-UDP (TCP)", "repeat", &k, xdp, &f, repeat);
	}
	/* the guard: a known connection's packet, and dropped garbage (an
	 * Initial in a small datagram to the known server) */
	initial(&f, "198.18.0.3", 50001, 900001);
	run(&kg, xdpg, &f, 1);
	server_initial(&g, "198.18.0.3", 50001, 900001, &scid);
	run(&kg, xdpg, &g, 1);
	shorthdr(&f, "198.18.0.3", 50001, &scid, 1200);
	measure(res, &nres, "guard on: short header, known connection", "repeat", &kg, xdpg, &f, repeat);
	{
		struct pkt_ep cl = { "198.18.0.4", 50002 }, s = { "198.18.1.1", 443 };
		struct pkt_cid d = pkt_cid(8, 7), sc = pkt_cid(8, 8);
		uint8_t pl[PKT_MAX];
		size_t n = quic_long(pl, 0, V1, &d, &sc, 0, 400, 1);

		f.len = (uint32_t)pkt_frame(f.b, &cl, &s, pl, n, NULL);
		measure_floor(res, &nres, "guard on: garbage dropped (small Initial)", "repeat", &kg,
			      xdpg, &f, repeat, bpf_program__fd(fb->progs.floor_garbage));
	}

	printf("linkquic XDP program, ns per packet (bpf_prog_test_run, repeat=%u, best of %u)\n",
	       repeat, best);
	printf("%-42s %-12s %9s %9s %9s %9s %9s\n", "PACKET CLASS", "METHOD", "TOTAL", "EMPTY", "NET",
	       "FLOOR", "OWN");
	for (c = 0; c < nres; c++)
		print_row(&res[c]);

	if (cold) {
		nres = 0;
		for (sum = 0, i = 0; i < distinct; i++)
			sum += run(NULL, efd, &f, 1);
		base1 = sum / distinct;
		res[nres++] = (struct result){ "long header, new connection (Initial)", "cold",
					       cold_initials(&k, xdp, distinct), base1, 0 };
		res[nres++] = (struct result){ "... the reader woken for each record", "cold",
					       cold_initials(&ki, xdpi, distinct), base1, 0 };
		initial(&f, "198.18.0.2", 50000, 900000);
		run(&k, xdp, &f, 1);
		server_initial(&g, "198.18.0.2", 50000, 900000, &scid);
		run(&k, xdp, &g, 1);
		for (sum = 0, i = 0; i < distinct; i++) {
			shorthdr(&f, "198.18.0.2", (uint16_t)(1024 + i), &scid, 1200);
			sum += run(&k, xdp, &f, 1);
		}
		res[nres++] = (struct result){ "short header, new path (known DCID)", "cold",
					       sum / distinct, base1, 0 };
		shorthdr(&f, "198.18.0.2", 50000, &scid, 1200);
		for (sum = 0, i = 0; i < distinct; i++)
			sum += run(&k, xdp, &f, 1);
		res[nres++] = (struct result){ "short header, known connection", "cold",
					       sum / distinct, base1, 0 };
		/* a flood of garbage from distinct sources: each one's record */
		for (sum = 0, i = 0; i < distinct; i++) {
			struct pkt_ep cl = { ip, 50002 }, s = { "198.18.1.1", 443 };
			struct pkt_cid d = pkt_cid(8, i), sc = pkt_cid(8, i + 1);
			uint8_t pl[PKT_MAX];
			size_t n = quic_long(pl, 0, V1, &d, &sc, 0, 400, 1);

			snprintf(ip, sizeof(ip), "198.19.%u.%u", i / 250, 1 + i % 250);
			f.len = (uint32_t)pkt_frame(f.b, &cl, &s, pl, n, NULL);
			sum += run(&kg, xdpg, &f, 1);
		}
		res[nres++] = (struct result){ "guard on: garbage dropped (small Initial)", "cold",
					       sum / distinct, base1, 0 };
		printf("the cold way: %u distinct packets, one bpf_prog_test_run each\n", distinct);
		for (c = 0; c < nres; c++)
			print_row(&res[c]);
	}

	lost_check(&k, "the monitor");
	lost_check(&kf, "the monitor with a stepping clock");
	lost_check(&kg, "the guard");
	if (cold)
		lost_check(&ki, "the monitor waking the reader for each record");
	floor_bpf__destroy(fb);
	empty_bpf__destroy(e);
	lq_kernel_close(&kg);
	if (cold)
		lq_kernel_close(&ki);
	lq_kernel_close(&kf);
	lq_kernel_close(&k);
	return 0;
}
