// SPDX-License-Identifier: BSD-2-Clause
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "replay.h"

int replay_wants_record(const struct replay_opts *o, const struct lq_result *r)
{
	if (o->format == LQ_FMT_TABLE)
		return 0;
	if (!o->events_only)
		return 1;
	return lq_notable(r);
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

static void on_named(void *ctx, uint64_t conn, const char *sni)
{
	struct replay_sink *s = ctx;

	if (s->ct && lq_conntab_set_sni(s->ct, conn, sni))
		fprintf(stderr, "linkquic-replay: out of memory for the connection table\n");
}

struct lq_connrec *replay_connrec_new(const struct replay_opts *o, struct replay_sink *sink,
				      int *oom)
{
	struct lq_connrec_opts co;
	struct lq_connrec *cr;

	*oom = 0;
	if (o->format != LQ_FMT_CONN && !o->ipfix && (!sink->ct || o->out.no_meta))
		return NULL;
	memset(&co, 0, sizeof(co));
	co.idle_ns = o->cfg.idle_ns;
	co.update_ns = (uint64_t)o->out.conn_update * 1000000000ULL;
	co.meta = !o->out.no_meta;
	co.out = o->format == LQ_FMT_CONN ? stdout : NULL;
	co.named = on_named;
	co.named_ctx = sink;
	if (o->ipfix) { /* --export: another sink of the same records */
		co.sink = lq_ipfix_record;
		co.sink_ctx = o->ipfix;
		co.sink_update_ns = lq_ipfix_active_ns(o->ipfix);
	}
	cr = lq_connrec_new(&co);
	*oom = !cr;
	return cr;
}

/* A frame read ahead of the one being classified (a copy: libpcap reuses
 * its buffer; a file read in place needs none). */
#define AHEAD_MAX 262144

struct ahead {
	uint8_t *buf;
	const uint8_t *data;
	uint32_t caplen;
	uint64_t ts;
	uint64_t frame;
	int l3;
	uint16_t proto;
	int has_key;
	uint32_t hash;
};

/* Where its network header is, and a prefetch of its path's bucket. */
static void ahead_prepare(const struct capture *cap, struct lq_maps *maps, struct ahead *a)
{
	struct lq_path_key key;

	a->l3 = capture_l3(cap, a->data, a->caplen, &a->proto);
	if (a->l3 < 0) {
		a->l3 = 0;
		a->proto = 0;
	}
	a->has_key = !lq_frame_path_key(a->data, a->caplen, (uint32_t)a->l3, a->proto, &key);
	if (a->has_key) {
		/* one hash for both: the maps hash a key by its bytes alone */
		a->hash = emu_map_hash(&maps->paths, &key);
		emu_map_prefetch_bucket(&maps->paths, a->hash);
		/* a path not confirmed yet is looked up there next */
		emu_map_prefetch_bucket(&maps->tentative, a->hash);
	}
}

static uint64_t clock_ns(clockid_t id)
{
	struct timespec t;

	clock_gettime(id, &t);
	return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

/* --timing: the frame loop alone, without process start-up, map set-up and
 * the output at the end, which do not grow with the frames. */
static void print_timing(uint64_t frames, uint64_t cpu, uint64_t wall)
{
	double n = frames ? (double)frames : 1.0;

	fprintf(stderr,
		"linkquic-replay: timing: %" PRIu64 " frames, cpu %" PRIu64 " ns (%.1f ns/frame), "
		"wall %" PRIu64 " ns (%.1f ns/frame)\n",
		frames, cpu, (double)cpu / n, wall, (double)wall / n);
}

void replay_interrupted(const struct replay_opts *o, const struct capture *cap)
{
	if (*o->stop)
		fprintf(stderr, "linkquic-replay: %s: stopped by %s after frame %llu; what was read "
				"is above\n", cap->file, *o->stop == SIGTERM ? "SIGTERM" : "SIGINT",
			(unsigned long long)cap->frame);
}

int replay_open(const struct replay_opts *o, struct capture *cap)
{
	char how[64];

	if (capture_open(cap, o->file, o->filter, o->stop))
		return -1;
	if (o->verbose)
		fprintf(stderr, "linkquic-replay: '%s': %s\n", o->file,
			capture_how(cap, how, sizeof(how)));
	return 0;
}

int replay_user(const struct replay_opts *o)
{
	uint64_t cpu0, wall0, cpu1, wall1;
	struct capture cap;
	struct lq_maps maps;
	struct replay_sink sink;
	struct lq_result r;
	struct lq_connrec *cr;
	struct ahead q[3];
	int rc = 1, head = 0, n = 0, i, oom, depth;
	const uint8_t *d;

	if (replay_open(o, &cap))
		return 1;
	if (lq_maps_init(&maps, &o->sizes)) {
		fprintf(stderr, "linkquic-replay: cannot allocate the maps: out of memory\n");
		capture_close(&cap);
		return 1;
	}
	if (replay_sink_init(&sink, o)) {
		fprintf(stderr, "linkquic-replay: cannot allocate the connection table: out of memory\n");
		lq_maps_free(&maps);
		capture_close(&cap);
		return 1;
	}
	cr = replay_connrec_new(o, &sink, &oom);
	if (oom) {
		fprintf(stderr, "linkquic-replay: out of memory\n");
		rc = -2;
	}
	memset(q, 0, sizeof(q));
	for (i = 0; i < 3; i++) {
		q[i].buf = malloc(AHEAD_MAX);
		if (!q[i].buf) {
			fprintf(stderr, "linkquic-replay: out of memory\n");
			rc = -2;
		}
	}
	lq_print_record_header(stdout, o->format, 0);
	/* a live stream is classified frame by frame as it comes, each record
	 * flushed: no frame waits for the next ones to be read */
	depth = cap.live ? 1 : 3;
	cpu0 = clock_ns(CLOCK_PROCESS_CPUTIME_ID);
	wall0 = clock_ns(CLOCK_MONOTONIC);
	/* Memory latency is most of the cost with many connections: the path
	 * entry of the frame two ahead is fetched into the cache (bucket first,
	 * then slot) while this one is classified. */
	for (; rc != -2;) {
		while (n < depth && rc == 1) {
			struct ahead *a = &q[(head + n) % 3];

			rc = capture_next(&cap, &d, &a->caplen, &a->ts);
			if (rc != 1)
				break;
			if (cap.stable) { /* in place: the bytes stay until the end */
				a->data = d;
			} else {
				if (a->caplen > AHEAD_MAX)
					a->caplen = AHEAD_MAX;
				memcpy(a->buf, d, a->caplen);
				a->data = a->buf;
			}
			a->frame = cap.frame;
			ahead_prepare(&cap, &maps, a);
			n++;
		}
		if (!n)
			break;
		i = (head + 1) % 3;
		if (n > 1 && q[i].has_key) {
			emu_map_prefetch_slot(&maps.paths, q[i].hash);
			emu_map_prefetch_slot(&maps.tentative, q[i].hash);
		}
		lq_classify(&maps, &o->cfg, q[head].ts, q[head].data, q[head].caplen,
			    (uint32_t)q[head].l3, q[head].proto, &r);
		if (cr && lq_connrec_add(cr, &r, q[head].data, q[head].caplen, (uint32_t)q[head].l3) &&
		    !oom++)
			fprintf(stderr, "linkquic-replay: frame %" PRIu64 ": out of memory for the "
					"per-connection records (some are incomplete)\n", q[head].frame);
		replay_sink_push(&sink, q[head].frame, &r);
		if (cap.live)
			fflush(stdout);
		head = (head + 1) % 3;
		n--;
	}
	replay_sink_end(&sink);
	if (cr) /* before the table: its SNI column */
		lq_connrec_finish(cr, rc == -1	       ? LQ_END_READ_ERROR
				      : *o->stop ? LQ_END_EXIT
						 : LQ_END_INPUT);
	cpu1 = clock_ns(CLOCK_PROCESS_CPUTIME_ID);
	wall1 = clock_ns(CLOCK_MONOTONIC);
	replay_finish(o, &sink.st, &maps, sink.ct);
	if (o->timing)
		print_timing(sink.st.frames, cpu1 - cpu0, wall1 - wall0);
	if (rc == -1)
		fprintf(stderr, "linkquic-replay: %s\n", cap.err);
	replay_interrupted(o, &cap);
	for (i = 0; i < 3; i++)
		free(q[i].buf);
	lq_connrec_free(cr);
	replay_sink_free(&sink);
	lq_maps_free(&maps);
	capture_close(&cap);
	return rc < 0 ? 1 : 0;
}
