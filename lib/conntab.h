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
/* Counts a record; records without a connection label are ignored. */
int lq_conntab_add(struct lq_conntab *t, const struct lq_result *r);
unsigned long lq_conntab_count(const struct lq_conntab *t);
/* One row per connection, ordered by first packet, then its paths. */
void lq_conntab_print(FILE *f, const struct lq_conntab *t);

#endif
