// SPDX-License-Identifier: BSD-2-Clause
#include <stdio.h>
#include <string.h>

#include "replay.h"

int replay_wants_record(const struct replay_opts *o, const struct lq_result *r)
{
	if (o->format == LQ_FMT_TABLE)
		return 0;
	if (!o->events_only)
		return 1;
	return r->event != LQ_E_NONE || r->verdict == LQ_V_GARBAGE || r->verdict == LQ_V_PENDING;
}

int replay_wants_table(const struct replay_opts *o)
{
	return o->format == LQ_FMT_TABLE && !o->quiet;
}

void replay_finish(const struct replay_opts *o, const struct lq_stats *st,
		   const struct lq_maps *maps, const struct lq_conntab *ct)
{
	FILE *f = o->format == LQ_FMT_TABLE ? stdout : stderr;

	if (!o->quiet) {
		if (o->format == LQ_FMT_TABLE) {
			if (ct)
				lq_conntab_print(f, ct);
			else
				lq_print_conn_table(f, maps);
			fputc('\n', f);
		}
		lq_print_summary(f, st, maps, ct ? (long)lq_conntab_count(ct) : -1);
	}
	if (o->maps) {
		if (!o->quiet)
			fputc('\n', f);
		lq_print_maps(f, maps);
	}
	fflush(stdout);
}

int replay_user(const struct replay_opts *o)
{
	struct capture cap;
	struct lq_maps maps;
	struct lq_stats st;
	struct lq_result r;
	struct lq_rec_ctx ctx = { 0, NULL };
	struct lq_conntab *ct = NULL;
	const uint8_t *data;
	uint32_t caplen;
	uint64_t ts;
	int rc, l3;
	uint16_t proto;

	memset(&st, 0, sizeof(st));
	if (capture_open(&cap, o->file, o->filter))
		return 1;
	if (lq_maps_init(&maps, &o->sizes) ||
	    (replay_wants_table(o) && !(ct = lq_conntab_new()))) {
		fprintf(stderr, "linkquic-replay: cannot allocate the maps: out of memory\n");
		capture_close(&cap);
		return 1;
	}
	lq_print_record_header(stdout, o->format, 0);
	while ((rc = capture_next(&cap, &data, &caplen, &ts)) == 1) {
		if (cap.dlt == DLT_EN10MB) {
			lq_classify_eth(&maps, &o->cfg, ts, data, caplen, &r);
		} else {
			l3 = capture_l3(&cap, data, caplen, &proto);
			if (l3 < 0) {
				l3 = 0;
				proto = 0;
			}
			lq_classify(&maps, &o->cfg, ts, data, caplen, (uint32_t)l3, proto, &r);
		}
		lq_stats_add(&st, &r);
		if (ct && lq_conntab_add(ct, &r)) {
			fprintf(stderr, "linkquic-replay: out of memory for the connection table\n");
			lq_conntab_free(ct);
			ct = NULL;
		}
		if (replay_wants_record(o, &r)) {
			ctx.frame = cap.frame;
			lq_print_record(stdout, o->format, &ctx, &r);
		}
	}
	replay_finish(o, &st, &maps, ct);
	if (rc < 0)
		fprintf(stderr, "linkquic-replay: %s\n", cap.err);
	lq_conntab_free(ct);
	lq_maps_free(&maps);
	capture_close(&cap);
	return rc < 0 ? 1 : 0;
}
