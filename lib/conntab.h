/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * conntab.h - the connection table from the records: every connection a
 * record named, with its paths, packets and events, even when its map
 * entries were since replaced (a new handshake on its 4-tuple) or evicted.
 * Used where every record is seen: linkquic-replay (user space and
 * --kernel) and linkquic-live when it reports all records.
 */
#ifndef LQ_CONNTAB_H
#define LQ_CONNTAB_H

#include <stdint.h>
#include <stdio.h>

#include "../parser/lq_types.h"

struct lq_conntab;

struct lq_conntab *lq_conntab_new(void);
void lq_conntab_free(struct lq_conntab *t);
/* Bounds the table (0: no bound): a record of a connection past the
 * max_conns-th, or of a path past its connection's max_paths-th, is left
 * out, and the table is then incomplete. For a monitor that runs for ever. */
void lq_conntab_limit(struct lq_conntab *t, uint32_t max_conns, uint32_t max_paths);
/* Some record was left out by the bounds. */
int lq_conntab_incomplete(const struct lq_conntab *t);
/* Counts a record. A record without a connection label is kept aside when it
 * is a frame of an undecided path (LQ_RF_UNDECIDED, lib/undecided.h) and
 * counted in its connection's path when the path's link event comes (the
 * last `covers` of them); other records without a label are ignored. */
int lq_conntab_add(struct lq_conntab *t, const struct lq_result *r);
unsigned long lq_conntab_count(const struct lq_conntab *t);
/* The connection's server name (its SNI column); -1 when out of memory. */
int lq_conntab_set_sni(struct lq_conntab *t, uint64_t conn, const char *sni);
/* One row per connection, ordered by first packet, then its paths; laid out
 * to fit f (lib/output.h, lq_table_print). */
void lq_conntab_print(FILE *f, const struct lq_conntab *t);

/* A path of a connection as counted so far (paths in the order they came),
 * for tests; -1 when there is no such connection or path. */
struct lq_conntab_path {
	struct lq_endpoint client, server;
	uint64_t first, last, pkts[2], bytes[2];
	uint16_t events;
	uint32_t npaths; /* of the connection */
};
int lq_conntab_get(const struct lq_conntab *t, uint64_t conn, unsigned path,
		   struct lq_conntab_path *out);

/* How a path joined its connection, from its events: "handshake", "cid"
 * (rebinding), "probe", "link". */
const char *lq_path_via(uint16_t events);

#endif
