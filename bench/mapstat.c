// SPDX-License-Identifier: BSD-2-Clause
/*
 * linkquic-mapstat - runs a capture through the classifier (lqcore, the code
 * linkquic-replay runs) and reports what its maps hold at the end:
 * entries, key and value bytes, emulated slot bytes. This is the state the
 * tracker keeps per connection, apart from how the emulation stores it.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "classify.h"
#include "capture.h"
#include "options.h"
#include "output.h"

static const char usage[] =
	"Usage: linkquic-mapstat [OPTIONS] FILE\n"
	"Classifies every frame of FILE with emulated maps, as linkquic-replay -q does,\n"
	"then prints one line per map (every map of parser/lq_vocab.h)\n"
	"and a total:\n"
	"  map NAME ENTRIES KEY_BYTES VALUE_BYTES SLOT_BYTES BUCKETS EVICTIONS\n"
	"  conns N            distinct connection labels in connections_map\n"
	"  frames N SECONDS   frames classified and the time the loop took\n"
	"and then linkquic-replay's summary (verdicts, map counts, events).\n"
	"\n"
	"Options: linkquic-replay's tracking options (--max-paths=N, ..., see its --help)\n"
	"  -h, --help            this text\n"
	"\n"
	"Example:\n"
	"  linkquic-mapstat --max-paths 2000000 /tmp/bench.pcap\n";

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static uint64_t count_labels(const struct emu_map *m)
{
	uint64_t *labels = malloc(((size_t)m->count + 1) * sizeof(*labels)), n = 0, d = 0, i;
	uint32_t pos = 0;
	const void *key;
	void *val;

	if (!labels)
		return 0;
	while (emu_map_next(m, &pos, &key, &val) >= 0)
		labels[n++] = ((const struct lq_path_val *)val)->conn;
	qsort(labels, n, sizeof(*labels), cmp_u64);
	for (i = 0; i < n; i++)
		if (!i || labels[i] != labels[i - 1])
			d++;
	free(labels);
	return d;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		LQ_TRACKING_LONGOPTS,
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct lq_map_sizes sz;
	struct lq_config cfg;
	struct lq_maps maps;
	struct lq_result r;
	struct lq_stats st;
	struct capture cap;
	struct timespec t0, t1;
	const uint8_t *data;
	uint32_t caplen;
	uint64_t ts, frames = 0;
	int c, rc;
	size_t i;

	lq_map_sizes_default(&sz);
	lq_config_default(&cfg);
	memset(&st, 0, sizeof(st));
	while ((c = getopt_long(argc, argv, "t:h", opts, NULL)) != -1) {
		rc = lq_opt_tracking("linkquic-mapstat", c, optarg, &cfg, &sz);
		if (rc < 0)
			return 1;
		if (rc == 2)
			return 0;
		if (rc == 0)
			continue;
		switch (c) {
		case 'h':
			fputs(usage, stdout);
			return 0;
		default:
			fputs("Try 'linkquic-mapstat --help'.\n", stderr);
			return 1;
		}
	}
	if (optind + 1 != argc) {
		fputs("linkquic-mapstat: one capture file is needed\n"
		      "Try 'linkquic-mapstat --help'.\n",
		      stderr);
		return 1;
	}
	if (capture_open(&cap, argv[optind], NULL, NULL))
		return 1;
	if (cap.dlt != DLT_EN10MB) {
		fprintf(stderr, "linkquic-mapstat: '%s': only Ethernet captures\n", argv[optind]);
		capture_close(&cap);
		return 1;
	}
	if (lq_maps_init(&maps, &sz)) {
		fprintf(stderr, "linkquic-mapstat: cannot allocate the maps: out of memory\n");
		capture_close(&cap);
		return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while ((rc = capture_next(&cap, &data, &caplen, &ts)) == 1) {
		lq_classify_eth(&maps, &cfg, ts, data, caplen, &r);
		lq_stats_add(&st, &r);
		frames++;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (rc < 0)
		fprintf(stderr, "linkquic-mapstat: %s\n", cap.err);
	for (i = 0; i < LQ_MAPID__COUNT; i++) {
		const struct emu_map *m = lq_maps_at_c(&maps, (unsigned)i);

		printf("map %s %u %u %u %u %u %" PRIu64 "\n", m->name, m->count, m->key_size,
		       m->value_size, m->stride, m->nbuckets, m->evictions);
	}
	printf("conns %" PRIu64 "\n", count_labels(&maps.paths));
	printf("frames %" PRIu64 " %.6f\n", frames,
	       (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	lq_print_summary(stdout, &st, &maps, -1);
	lq_maps_free(&maps);
	capture_close(&cap);
	return rc < 0 ? 1 : 0;
}
