// SPDX-License-Identifier: BSD-2-Clause
#include "kernel.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <linux/capability.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "linkquic.skel.h"

static int lq_verbose;

/* libbpf speaks only with -v; otherwise our own one-line messages say what
 * failed (and the verifier's log is printed when a program is refused). */
static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list args)
{
	(void)level;
	if (!lq_verbose)
		return 0;
	return vfprintf(stderr, fmt, args);
}

int lq_kernel_check_caps(const char *tool)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];
	uint64_t eff;

	memset(d, 0, sizeof(d));
	if (syscall(SYS_capget, &h, d) != 0)
		return 0; /* cannot tell: let the kernel decide */
	eff = (uint64_t)d[0].effective | ((uint64_t)d[1].effective << 32);
#ifndef CAP_BPF
#define CAP_BPF 39
#endif
	if (eff & (1ULL << CAP_SYS_ADMIN))
		return 0;
	if ((eff & (1ULL << CAP_BPF)) && (eff & (1ULL << CAP_NET_ADMIN)))
		return 0;
	fprintf(stderr, "%s: loading BPF programs needs root (or CAP_BPF and CAP_NET_ADMIN): "
			"Operation not permitted\n", tool);
	return -EPERM;
}

static int on_ringbuf(void *ctx, void *data, size_t size)
{
	struct lq_kernel *k = ctx;
	struct lq_record rec;
	const uint8_t *frame = NULL;
	uint32_t caplen = 0;

	if (size < sizeof(rec))
		return 0;
	memcpy(&rec, data, sizeof(rec));
	if (rec.caplen && size >= sizeof(rec) + rec.caplen) {
		frame = (const uint8_t *)data + sizeof(rec);
		caplen = rec.caplen;
	}
	k->records++;
	if (k->on_record) {
		k->on_record(k->on_record_ctx, &rec.res, frame, caplen, rec.wirelen);
	} else {
		k->last = rec.res;
		k->have_last = 1;
	}
	return 0;
}

static const char *lq_tool = "linkquic";

/* The tracker's map with list id i (parser/lq_vocab.h), by its name. */
static struct bpf_map *tracker_map(struct lq_kernel *k, unsigned i)
{
	return bpf_object__find_map_by_name(k->skel->obj, lq_map_infos[i].name);
}

/* The verifier's reason is the last line before its statistics. */
static void log_reason(const char *log, char *out, size_t n)
{
	const char *p = log + strlen(log), *line_end, *line;

	out[0] = 0;
	while (p > log) {
		line_end = p;
		while (line_end > log && (line_end[-1] == '\n' || line_end[-1] == ' '))
			line_end--;
		line = line_end;
		while (line > log && line[-1] != '\n')
			line--;
		p = line;
		if (line_end <= line)
			continue;
		if (!strncmp(line, "processed ", 10) || !strncmp(line, "verification time", 17) ||
		    !strncmp(line, "stack depth", 11) || !strncmp(line, "-- END", 6))
			continue;
		snprintf(out, n, "%.*s", (int)(line_end - line), line);
		return;
	}
}

/* The last lines of a verifier log, where the reason is. */
static void print_log_tail(const char *log)
{
	const char *p = log + strlen(log);
	int lines = 0;

	if (p == log)
		return;
	while (p > log && lines < 40)
		if (*--p == '\n')
			lines++;
	fprintf(stderr, "--- verifier log (last lines) ---\n%s%s%s--- end of verifier log ---\n",
		p == log ? "" : "...", p, p[strlen(p) - 1] == '\n' ? "" : "\n");
}

int lq_kernel_open(struct lq_kernel *k, const struct lq_kernel_opts *o)
{
	static char log[16 << 20]; /* a refused 500k-instruction program logs a lot */
	struct bpf_program *prog;
	char reason[256];
	unsigned i;
	int err;

	memset(k, 0, sizeof(k[0]));
	lq_verbose = o->verbose;
	lq_tool = o->tool ? o->tool : "linkquic";
	libbpf_set_print(libbpf_print);
	k->on_record = o->on_record;
	k->on_record_ctx = o->on_record_ctx;
	k->test_clock = o->test_clock;

	k->skel = linkquic_bpf__open();
	if (!k->skel) {
		err = -errno;
		fprintf(stderr, "%s: cannot open the BPF object: %s\n", lq_tool, strerror(-err));
		return err;
	}
	k->skel->rodata->lq_cfg = o->cfg;
	k->skel->rodata->lq_test_clock = o->test_clock ? 1 : 0;
	k->skel->rodata->lq_clock_step = o->clock_step;
	k->skel->rodata->lq_snaplen = o->snaplen > LQ_SNAP_MAX ? LQ_SNAP_MAX : o->snaplen;
	k->skel->rodata->lq_snap_long = o->snap_long > LQ_SNAP_MAX ? LQ_SNAP_MAX : o->snap_long;
	k->skel->rodata->lq_wake_shift = o->immediate ? 0 : (uint32_t)__builtin_ctz(LQ_WAKE_BATCH);
	for (i = 0; i < LQ_MAPID__COUNT; i++) {
		struct bpf_map *m = tracker_map(k, i);

		if (!m) {
			fprintf(stderr, "%s: the BPF object has no map '%s'\n", lq_tool,
				lq_map_infos[i].name);
			lq_kernel_close(k);
			return -ENOENT;
		}
		bpf_map__set_max_entries(m, *lq_sizes_at((struct lq_map_sizes *)&o->sizes, i));
	}
	if (o->ring_bytes)
		bpf_map__set_max_entries(k->skel->maps.lq_records, o->ring_bytes);
	bpf_object__for_each_program(prog, k->skel->obj)
	{
		bpf_program__set_log_buf(prog, log, sizeof(log));
	}
	log[0] = 0;
	err = linkquic_bpf__load(k->skel);
	if (err) {
		log_reason(log, reason, sizeof(reason));
		if (reason[0])
			fprintf(stderr, "%s: the kernel's verifier refused the BPF programs: %s\n",
				lq_tool, reason);
		else
			fprintf(stderr, "%s: the kernel refused the BPF programs: %s (%d)\n", lq_tool,
				strerror(-err), err);
		print_log_tail(log);
		lq_kernel_close(k);
		return err;
	}
	k->rb = ring_buffer__new(bpf_map__fd(k->skel->maps.lq_records), on_ringbuf, k, NULL);
	if (!k->rb) {
		err = -errno;
		fprintf(stderr, "%s: cannot map the ring buffer: %s\n", lq_tool, strerror(-err));
		lq_kernel_close(k);
		return err;
	}
	return 0;
}

void lq_kernel_close(struct lq_kernel *k)
{
	ring_buffer__free(k->rb);
	k->rb = NULL;
	linkquic_bpf__destroy(k->skel);
	k->skel = NULL;
}

int lq_kernel_prog_fd(struct lq_kernel *k, const char *which)
{
	if (!strcmp(which, "xdp"))
		return bpf_program__fd(k->skel->progs.lq_xdp);
	if (!strcmp(which, "tc_in"))
		return bpf_program__fd(k->skel->progs.lq_tc_in);
	return bpf_program__fd(k->skel->progs.lq_tc_out);
}

void lq_kernel_heartbeat(struct lq_kernel *k, uint64_t ns)
{
	k->skel->bss->lq_heartbeat_ns = ns; /* .bss is mapped: a plain store */
}

int lq_kernel_test_run(struct lq_kernel *k, const uint8_t *frame, uint32_t len, uint64_t ts,
		       struct lq_result *res)
{
	return lq_kernel_test_run_fd(k, bpf_program__fd(k->skel->progs.lq_xdp), frame, len, ts, res);
}

static void collect(void *ctx, const struct lq_result *r, const uint8_t *frame, uint32_t caplen,
		    uint32_t wirelen)
{
	struct lq_kernel *k = ctx;

	(void)wirelen;
	if (k->collected < k->collect_max) {
		k->collect_to[k->collected] = *r;
		if (k->collect_caplen)
			k->collect_caplen[k->collected] = caplen;
		if (k->collect_frames && frame && caplen <= sizeof(k->collect_frames[0]))
			memcpy(k->collect_frames[k->collected], frame, caplen);
	}
	k->collected++;
}

int lq_kernel_test_run_gso(struct lq_kernel *k, const uint8_t *frame, uint32_t len, uint64_t ts,
			   uint32_t gso_segs, uint32_t gso_size, struct lq_result *res, int max)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts);
	struct __sk_buff skb;
	lq_record_fn saved = k->on_record;
	void *saved_ctx = k->on_record_ctx;
	int err;

	memset(&skb, 0, sizeof(skb));
	skb.gso_segs = gso_segs;
	skb.gso_size = gso_size;
	skb.wire_len = len;
	opts.data_in = frame;
	opts.data_size_in = len;
	opts.ctx_in = &skb;
	opts.ctx_size_in = sizeof(skb);
	opts.repeat = 1;
	k->skel->bss->lq_clock_ns = ts;
	k->collect_to = res;
	k->collect_max = max;
	k->collected = 0;
	k->on_record = collect;
	k->on_record_ctx = k;
	err = bpf_prog_test_run_opts(bpf_program__fd(k->skel->progs.lq_tc_out), &opts);
	if (!err)
		ring_buffer__consume(k->rb);
	k->on_record = saved;
	k->on_record_ctx = saved_ctx;
	return err ? -errno : k->collected;
}

int lq_kernel_test_run_fd(struct lq_kernel *k, int prog_fd, const uint8_t *frame, uint32_t len,
			  uint64_t ts, struct lq_result *res)
{
	uint8_t buf[LQ_TEST_RUN_MAX];
	LIBBPF_OPTS(bpf_test_run_opts, opts);
	int err;

	/* test runs need a whole Ethernet header: pad a runt with zeros (an
	 * ethertype of 0 is "not IP" for both sides) */
	if (len > LQ_TEST_RUN_MAX)
		len = LQ_TEST_RUN_MAX;
	memcpy(buf, frame, len);
	if (len < 14) {
		memset(buf + len, 0, 14 - len);
		len = 14;
	}
	opts.data_in = buf;
	opts.data_size_in = len;
	opts.repeat = 1;
	k->skel->bss->lq_clock_ns = ts;
	k->have_last = 0;
	err = bpf_prog_test_run_opts(prog_fd, &opts);
	if (err)
		return -errno;
	ring_buffer__consume(k->rb);
	if (!k->have_last)
		return -ENOMSG; /* the program reported nothing */
	*res = k->last;
	return 0;
}

int lq_kernel_poll(struct lq_kernel *k, int timeout_ms)
{
	int n = ring_buffer__poll(k->rb, timeout_ms), m;

	if (n < 0 && n != -EINTR)
		return n;
	/* what was written without a wake-up, the batch not full yet */
	m = ring_buffer__consume(k->rb);
	if (m < 0)
		return m;
	return (n > 0 ? n : 0) + m;
}

static int copy_map(int fd, struct emu_map *dst)
{
	uint8_t key[64], next[64], val[1024]; /* the largest key and value of lq_vocab.h's maps */
	void *prev = NULL;
	int err;

	if (dst->key_size > sizeof(key) || dst->value_size > sizeof(val))
		return -E2BIG;
	while ((err = bpf_map_get_next_key(fd, prev, next)) == 0) {
		memcpy(key, next, dst->key_size);
		prev = key;
		if (bpf_map_lookup_elem(fd, key, val))
			continue; /* gone meanwhile */
		emu_map_update(dst, key, val, EMU_ANY);
	}
	return errno == ENOENT ? 0 : -errno;
}

static void clear_map(int fd)
{
	uint8_t key[64];

	while (bpf_map_get_next_key(fd, NULL, key) == 0)
		if (bpf_map_delete_elem(fd, key))
			break;
}

void lq_kernel_clear_maps(struct lq_kernel *k)
{
	unsigned i;

	for (i = 0; i < LQ_MAPID__COUNT; i++)
		clear_map(bpf_map__fd(tracker_map(k, i)));
}

int lq_kernel_read_maps(struct lq_kernel *k, struct lq_maps *out)
{
	struct lq_map_sizes sz;
	unsigned i;
	int err;

	for (i = 0; i < LQ_MAPID__COUNT; i++)
		*lq_sizes_at(&sz, i) = bpf_map__max_entries(tracker_map(k, i));
	err = lq_maps_init(out, &sz);
	if (err)
		return err;
	for (i = 0; i < LQ_MAPID__COUNT; i++) {
		err = copy_map(bpf_map__fd(tracker_map(k, i)), lq_maps_at(out, i));
		if (err) {
			lq_maps_free(out);
			return err;
		}
	}
	return 0;
}

/* Adds the counters of lq_stats slots [from, to] to out, summed over the
 * CPUs (ncpu values in one lookup each). */
static int add_slots(struct lq_kernel *k, uint32_t from, uint32_t to, struct lq_counters *out)
{
	int ncpu = libbpf_num_possible_cpus(), i, err = 0;
	unsigned j;
	struct lq_counters *v;
	uint32_t slot;

	memset(out, 0, sizeof(*out));
	if (ncpu <= 0)
		return ncpu;
	v = calloc((size_t)ncpu, sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (slot = from; slot <= to && !err; slot++) {
		if (bpf_map_lookup_elem(bpf_map__fd(k->skel->maps.lq_stats), &slot, v)) {
			err = -errno;
			break;
		}
		for (i = 0; i < ncpu; i++) {
			const uint64_t *src = (const uint64_t *)&v[i];
			uint64_t *dst = (uint64_t *)out;

			for (j = 0; j < sizeof(*out) / sizeof(uint64_t); j++)
				dst[j] += src[j];
		}
	}
	free(v);
	return err;
}

int lq_kernel_counters(struct lq_kernel *k, struct lq_counters *out)
{
	return add_slots(k, 0, LQ_STATS_SLOTS, out);
}

int lq_kernel_counters_slot(struct lq_kernel *k, uint32_t slot, struct lq_counters *out)
{
	if (slot > LQ_STATS_SLOTS) {
		memset(out, 0, sizeof(*out));
		return -EINVAL;
	}
	return add_slots(k, slot, slot, out);
}

int lq_kernel_att_name(struct lq_kernel *k, uint32_t ifindex, uint8_t hook, uint32_t slot)
{
	int fd = bpf_map__fd(k->skel->maps.lq_att);
	struct lq_att_key key;

	memset(&key, 0, sizeof(key));
	key.ifindex = ifindex;
	key.hook = hook;
	if (!slot)
		return bpf_map_delete_elem(fd, &key) && errno != ENOENT ? -errno : 0;
	if (slot > LQ_STATS_SLOTS)
		return -E2BIG;
	return bpf_map_update_elem(fd, &key, &slot, BPF_ANY) ? -errno : 0;
}
