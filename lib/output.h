/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * output.h - what people and programs read: per-packet records (JSON Lines
 * or CSV), the connection table built from the paths map, the maps
 * as text, and the summary. Shared by linkquic-replay and linkquic-live so
 * that both print exactly the same thing for the same state.
 */
#ifndef LQ_OUTPUT_H
#define LQ_OUTPUT_H

#include <stdint.h>
#include <stdio.h>

#include "classify.h"

enum lq_format {
	LQ_FMT_TABLE = 0,
	LQ_FMT_JSONL = 1,
	LQ_FMT_CSV = 2,
	LQ_FMT_CONN = 3, /* one JSON object per connection, when it ends (lib/connrec.h) */
};

const char *lq_verdict_name(unsigned v);
const char *lq_reason_name(unsigned r); /* NULL for none */
const char *lq_event_name(unsigned e);	/* NULL for none */
const char *lq_type_name(unsigned t);	/* NULL for none */
const char *lq_dir_name(unsigned d);	/* NULL for unknown */
/* Human name of a version: "v1", "draft-29", "Q046", ... */
const char *lq_version_name(uint32_t v, char *buf, size_t n);

/* "198.18.0.1" or "2001:db8::1" */
char *lq_fmt_ip(const struct lq_ip *ip, char *buf, size_t n);
/* "198.18.0.1:443" or "[2001:db8::1]:443" */
char *lq_fmt_ep(const struct lq_endpoint *ep, char *buf, size_t n);
char *lq_fmt_cid(const struct lq_cid *cid, char *buf, size_t n);
/* v in decimal, as "%" PRIu64 writes it, into d (21 bytes); its length. */
size_t lq_fmt_u64(uint64_t v, char d[21]);

/* Extra per-record context: live mode names the interface. */
struct lq_rec_ctx {
	uint64_t frame;	    /* 1-based index in the input */
	const char *iface;  /* NULL in replay */
};

void lq_print_record_header(FILE *f, enum lq_format fmt, int live);
/* The record's fields, one a line in --vocabulary's form, in order (live:
 * with iface and hook). */
void lq_print_record_fields(FILE *f, int live);
void lq_print_record(FILE *f, enum lq_format fmt, const struct lq_rec_ctx *ctx,
		     const struct lq_result *r);

struct lq_stats {
	uint64_t frames;
	uint64_t verdicts[LQ_V__COUNT];
	uint64_t reasons[LQ_R__COUNT];
	uint64_t events[LQ_E__COUNT];
	uint64_t drops;
	uint64_t drops_by_reason[LQ_R__COUNT];
	uint64_t first_ts, last_ts;
};

void lq_stats_add(struct lq_stats *s, const struct lq_result *r);
/* nconns: connections seen (from the records), or -1 to count them in
 * connections_map. */
void lq_print_summary(FILE *f, const struct lq_stats *s, const struct lq_maps *maps, long nconns);

/* Classic hex dump, 16 bytes a line, each line indented. */
void lq_hexdump(FILE *f, const uint8_t *p, size_t n);

/* A line of the connection table: a connection (path 0) or one of its
 * paths (path n, joined "via" how). Strings and endpoints are the caller's
 * and must live until the table is printed. */
struct lq_table_line {
	uint64_t conn;
	uint32_t version;
	unsigned path, npaths;
	const char *via;
	const struct lq_endpoint *client, *server;
	const char *sni; /* the connection's server name, NULL when not known */
	uint64_t pkts[2], bytes[2], first, last;
	uint16_t events;
	uint32_t cid_changes;
};

/* The connection table (lib/table.c): lines gathered, then laid out to fit
 * the width of the stream it is printed to (its terminal's, or 100 columns
 * when it is no terminal; COLUMNS overrides both), columns left out by
 * priority and long values cut (marked '~') when they do not fit. Full
 * values are in the machine formats (-f conn, jsonl, csv). */
struct lq_table;

struct lq_table *lq_table_new(void);
/* -1 when out of memory (the line is not added). */
int lq_table_add(struct lq_table *t, const struct lq_table_line *l);
void lq_table_print(FILE *f, const struct lq_table *t);
void lq_table_free(struct lq_table *t);

/* START in UTC (-u, --utc) instead of local time, for every table printed. */
void lq_table_set_utc(int utc);
/* The width tables printed to f fit: COLUMNS when set, else f's terminal's
 * (TIOCGWINSZ), else 100. */
int lq_table_width(FILE *f);
/* A version's name short enough for the table ("grease", "v2-d-00", ...). */
const char *lq_version_short(uint32_t v, char *buf, size_t n);

/* One row per connection (label) from connections_map, with its paths. */
void lq_print_conn_table(FILE *f, const struct lq_maps *maps);
/* Every map, entries sorted by key, one line each. */
void lq_print_maps(FILE *f, const struct lq_maps *maps);

#endif
