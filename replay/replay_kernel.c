// SPDX-License-Identifier: BSD-2-Clause
/*
 * replay_kernel.c - --kernel and --compare: the capture through the loaded
 * XDP program (bpf_prog_test_run, the capture's timestamps as its clock),
 * and, for --compare, through user space too, frame by frame.
 */
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "kernel.h"
#include "linklayer.h"
#include "replay.h"

/* The frame as the XDP program sees it: Ethernet. Other link types get a
 * plain Ethernet header in front of their network header. */
static uint32_t to_ethernet(const struct capture *cap, const uint8_t *data, uint32_t caplen,
			    uint8_t *out)
{
	uint16_t proto = 0;
	int l3;
	uint32_t n;

	if (cap->dlt == DLT_EN10MB) {
		n = caplen > LQ_TEST_RUN_MAX ? LQ_TEST_RUN_MAX : caplen;
		memcpy(out, data, n);
		return n;
	}
	l3 = capture_l3(cap, data, caplen, &proto);
	if (l3 < 0 || (uint32_t)l3 > caplen) {
		l3 = (int)caplen;
		proto = 0;
	}
	memset(out, 0, 12);
	out[12] = (uint8_t)(proto >> 8);
	out[13] = (uint8_t)proto;
	n = caplen - (uint32_t)l3;
	if (n > LQ_TEST_RUN_MAX - 14)
		n = LQ_TEST_RUN_MAX - 14;
	memcpy(out + 14, data + l3, n);
	return n + 14;
}

struct field {
	const char *name;
	size_t off, size;
};

#define F(x) { #x, offsetof(struct lq_result, x), sizeof(((struct lq_result *)0)->x) }
static const struct field fields[] = {
	F(verdict), F(reason), F(conn), F(event), F(dir),    F(type),	   F(types),
	F(npackets), F(version), F(dcid), F(scid),   F(flags), F(action), F(src),
	F(dst),	    F(ip_len), F(udp_len), F(ip_ver), F(ts),
};
#undef F

static void print_bytes(FILE *f, const void *p, size_t n)
{
	const uint8_t *b = p;
	size_t i;

	for (i = 0; i < n; i++)
		fprintf(f, "%02x", b[i]);
}

/* Reports the first field where the two results differ; 0 when equal. */
static int diff_results(uint64_t frame, const struct lq_result *u, const struct lq_result *k,
			const uint8_t *pkt, uint32_t len)
{
	struct lq_rec_ctx ctx = { frame, NULL };
	size_t i;

	if (memcmp(u, k, sizeof(*u)) == 0)
		return 0;
	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		if (!memcmp((const uint8_t *)u + fields[i].off, (const uint8_t *)k + fields[i].off,
			    fields[i].size))
			continue;
		fprintf(stdout, "DIFFER at frame %" PRIu64 ": field %s: replay=", frame,
			fields[i].name);
		print_bytes(stdout, (const uint8_t *)u + fields[i].off, fields[i].size);
		fputs(" kernel=", stdout);
		print_bytes(stdout, (const uint8_t *)k + fields[i].off, fields[i].size);
		fputc('\n', stdout);
		break;
	}
	if (i == sizeof(fields) / sizeof(fields[0]))
		fprintf(stdout, "DIFFER at frame %" PRIu64 ": padding bytes\n", frame);
	fputs("  replay: ", stdout);
	lq_print_record(stdout, LQ_FMT_JSONL, &ctx, u);
	fputs("  kernel: ", stdout);
	lq_print_record(stdout, LQ_FMT_JSONL, &ctx, k);
	fprintf(stdout, "  frame as run (%u bytes):\n", len);
	lq_hexdump(stdout, pkt, len);
	return 1;
}

/* Compares one map entry by entry; prints the first difference. */
static int diff_map(const struct emu_map *u, const struct emu_map *k)
{
	uint32_t pos = 0;
	const void *key;
	void *val, *kval;

	if (u->count != k->count) {
		fprintf(stdout, "DIFFER in %s: replay has %u entries, kernel %u\n", u->name, u->count,
			k->count);
		return 1;
	}
	while (emu_map_next(u, &pos, &key, &val) >= 0) {
		kval = emu_map_lookup((struct emu_map *)k, key);
		if (kval && !memcmp(val, kval, u->value_size))
			continue;
		fprintf(stdout, "DIFFER in %s: key ", u->name);
		print_bytes(stdout, key, u->key_size);
		fputs("\n  replay: ", stdout);
		print_bytes(stdout, val, u->value_size);
		fputs("\n  kernel: ", stdout);
		if (kval)
			print_bytes(stdout, kval, k->value_size);
		else
			fputs("(no such key)", stdout);
		fputc('\n', stdout);
		return 1;
	}
	return 0;
}

/* One open capture through the loaded program k (and, for --compare,
 * through the user-space maps umaps), closed at the end: 0 when it was
 * read to its end and nothing differs. The maps start empty. */
static int replay_one(const struct replay_opts *o, struct lq_kernel *k, struct lq_maps *umaps,
		      struct capture *cap)
{
	static uint8_t eth[LQ_TEST_RUN_MAX];
	struct lq_maps kmaps;
	struct replay_sink sink;
	struct lq_result kr, ur;
	const uint8_t *data;
	uint32_t caplen, len;
	uint64_t ts, cut = 0;
	struct lq_connrec *cr = NULL;
	uint16_t proto;
	int rc, err, status = 0, compare = o->mode == REPLAY_COMPARE, oom = 0, l3;

	/* --compare prints differences only: its sink counts the frames */
	if (replay_sink_init(&sink, o)) {
		fprintf(stderr, "linkquic-replay: cannot allocate the connection table: out of memory\n");
		capture_close(cap);
		return 1;
	}
	if (!compare)
		cr = replay_connrec_new(o, &sink, &oom);
	if (oom)
		fputs("linkquic-replay: out of memory for the per-connection records\n", stderr);
	if (!compare)
		lq_print_record_header(stdout, o->format, 0);
	while ((rc = capture_next(cap, &data, &caplen, &ts)) == 1) {
		len = to_ethernet(cap, data, caplen, eth);
		if (caplen > len)
			cut += cap->dlt == DLT_EN10MB || caplen - len > 14 ? 1 : 0;
		err = lq_kernel_test_run(k, eth, len, ts, &kr);
		if (err) {
			fprintf(stderr, "linkquic-replay: frame %" PRIu64 ": bpf_prog_test_run: %s\n",
				cap->frame, strerror(-err));
			status = 1;
			break;
		}
		kr.hook = 0; /* where the kernel ran it is no part of the verdict */
		kr.ifindex = 0;
		if (compare) {
			lq_classify_eth(umaps, &o->cfg, ts, eth, len, &ur);
			if (diff_results(cap->frame, &ur, &kr, eth, len)) {
				status = 1;
				break;
			}
		}
		/* the frame as the program saw it, as linkquic-live's records carry it */
		l3 = lq_link_l3(DLT_EN10MB, eth, len, &proto);
		if (cr && lq_connrec_add(cr, &kr, eth, len, l3 < 0 ? 0 : (uint32_t)l3) && !oom++)
			fprintf(stderr, "linkquic-replay: frame %" PRIu64 ": out of memory for the "
					"per-connection records (some are incomplete)\n", cap->frame);
		if (compare)
			lq_stats_add(&sink.st, &kr);
		else
			replay_sink_push(&sink, cap->frame, &kr);
		if (cap->live)
			fflush(stdout);
	}
	replay_sink_end(&sink);
	if (cr)
		lq_connrec_finish(cr, rc < 0 ? LQ_END_READ_ERROR : *o->stop ? LQ_END_EXIT : LQ_END_INPUT);
	if (rc < 0)
		fprintf(stderr, "linkquic-replay: %s\n", cap->err);
	err = lq_kernel_read_maps(k, &kmaps);
	if (err) {
		fprintf(stderr, "linkquic-replay: cannot read the kernel's maps: %s\n", strerror(-err));
		status = 1;
	} else {
		if (compare && !status) {
			unsigned m;

			for (m = 0; m < LQ_MAPID__COUNT && !status; m++)
				status = diff_map(lq_maps_at(umaps, m), lq_maps_at(&kmaps, m));
			if (!status) {
				printf("agree: %" PRIu64 " frames, same verdict, label, event and every "
				       "field; map entries identical:",
				       sink.st.frames);
				for (m = 0; m < LQ_MAPID__COUNT; m++)
					printf(" %s %u", lq_map_infos[m].name, lq_maps_at(&kmaps, m)->count);
				printf("%s\n", cut ? " (frames cut to the test-run size limit)" : "");
			}
		} else if (!compare) {
			replay_finish(o, &sink.st, &kmaps, sink.ct);
		}
		lq_maps_free(&kmaps);
	}
	replay_interrupted(o, cap);
	lq_connrec_free(cr);
	replay_sink_free(&sink);
	capture_close(cap);
	return status || rc < 0 ? 1 : 0;
}

int replay_kernel(const struct replay_opts *o)
{
	struct lq_kernel_opts ko;
	struct lq_kernel k;
	struct lq_maps umaps;
	struct capture cap;
	struct replay_opts one = *o;
	int compare = o->mode == REPLAY_COMPARE, status = 0, i;

	if (lq_kernel_check_caps("linkquic-replay"))
		return 1;
	/* one file: one that cannot be read is told before the program loads */
	if (!o->batch && replay_open(o, &cap))
		return 1;
	memset(&ko, 0, sizeof(ko));
	ko.tool = "linkquic-replay";
	ko.cfg = o->cfg;
	ko.cfg.flags |= LQ_CF_REPORT_ALL;
	ko.sizes = o->sizes;
	ko.test_clock = 1;
	ko.verbose = o->verbose;
	memset(&umaps, 0, sizeof(umaps));
	if (lq_kernel_open(&k, &ko)) {
		if (!o->batch)
			capture_close(&cap);
		return 1;
	}
	if (compare && lq_maps_init(&umaps, &o->sizes)) {
		fprintf(stderr, "linkquic-replay: cannot allocate the maps: out of memory\n");
		lq_kernel_close(&k);
		if (!o->batch)
			capture_close(&cap);
		return 1;
	}
	if (!o->batch) {
		status = replay_one(o, &k, &umaps, &cap);
	} else {
		/* each file as if it were the only one, the program loaded once */
		for (i = 0; i < o->nfiles && !*o->stop; i++) {
			one.file = o->files[i];
			printf("== %s\n", one.file);
			fflush(stdout);
			if (i) {
				lq_kernel_clear_maps(&k);
				lq_maps_clear(&umaps);
			}
			if (replay_open(&one, &cap)) {
				status = 1;
				continue;
			}
			status |= replay_one(&one, &k, &umaps, &cap);
			fflush(stdout);
		}
	}
	if (compare)
		lq_maps_free(&umaps);
	lq_kernel_close(&k);
	return status;
}
