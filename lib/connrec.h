/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * connrec.h - per-connection records (-f conn): one JSON object per
 * connection, written when it ends, built from the stream of per-frame
 * results and, for the metadata, each frame's bytes.
 *
 * One code path for both tools: linkquic-replay feeds the frames of a
 * capture with their capture times, linkquic-live the records of the ring
 * buffer with the bytes they carry. The tracker's verdicts, labels and maps
 * never depend on what is learned here; what is learned depends only on the
 * records and on the bytes of the frames whose first QUIC packet has a long
 * header (those the kernel copies whole when metadata is asked for), so the
 * two tools write the same records for the same frames.
 *
 * A connection ends when it was idle for the tracker's idle timeout (in the
 * clock of the records: capture time in replay), when the input ends or the
 * tool exits, or when the bound on connections pushes it out; with an update
 * interval, a connection that lives longer is also written every so often,
 * marked as an update.
 *
 * Metadata (lqmeta, meta/meta.h): each connection's datagrams are fed, both
 * ways, while lq_meta_done() is false, so its cost is per connection. The
 * frames of an undecided path (lib/undecided.h) are counted in their path
 * when its link comes, but their bytes are not kept: a new path's frames
 * hold no Initial.
 */
#ifndef LQ_CONNREC_H
#define LQ_CONNREC_H

#include <stdint.h>
#include <stdio.h>

#include "../parser/lq_types.h"

/* Why a record was written: the "ended" field. X(ID, "name", "description") */
#define LQ_CONN_END_LIST(X)                                                                         \
	X(IDLE, "idle", "no packet for the idle timeout (--idle-timeout)")                           \
	X(INPUT, "end_of_input", "linkquic-replay: the capture ended")                               \
	X(EXIT, "exit", "linkquic-live: the monitor stopped")                                        \
	X(EVICTED, "evicted", "written early: more live connections than the bound")                 \
	X(READ_ERROR, "read_error", "linkquic-replay: the capture is damaged; nothing after it was read")

#define LQ__CONN_END_ENUM(id, name, desc) LQ_END_##id,
enum lq_conn_end { LQ_CONN_END_LIST(LQ__CONN_END_ENUM) LQ_END__COUNT };
#undef LQ__CONN_END_ENUM

#define LQ_CONNREC_PATHS 256 /* default bound on the paths listed per connection */

/* The connection's server name is known (for the table's SNI column). */
typedef void (*lq_connrec_named_fn)(void *ctx, uint64_t conn, const char *sni);

/* Another sink of the records (lib/ipfix.h): each connection as it ends,
 * and, every sink_update_ns of its life, as an update. c and m as
 * connrec_priv.h keeps them (m NULL with metadata off). */
struct cr_conn;
struct cr_meta;
typedef void (*lq_connrec_sink_fn)(void *ctx, const struct cr_conn *c, const struct cr_meta *m,
				   int update, enum lq_conn_end why);

struct lq_connrec_opts {
	uint64_t idle_ns;   /* a connection unused this long has ended */
	uint64_t update_ns; /* --conn-update: an update record this often, 0 none */
	int meta;	    /* learn metadata from the Initials (0: --no-meta) */
	uint32_t max_conns; /* live connections kept, 0 no bound: past it the
			     * longest idle are written early, ended "evicted" */
	uint32_t max_paths; /* paths listed per connection, 0: LQ_CONNREC_PATHS */
	FILE *out;	    /* where the records go; NULL: none are written */
	lq_connrec_named_fn named;
	void *named_ctx;
	lq_connrec_sink_fn sink; /* NULL: none */
	void *sink_ctx;
	uint64_t sink_update_ns; /* the sink's updates (its active timeout), 0 none */
};

struct lq_connrec;

/* NULL when out of memory. */
struct lq_connrec *lq_connrec_new(const struct lq_connrec_opts *o);

/*
 * One frame's result, and the frame: caplen bytes of it, its network header
 * at offset l3 (frame may be NULL when no bytes came). Frames without a
 * connection label count only when they belong to an undecided path. Also
 * moves the clock to r->ts (lq_connrec_tick). -1 when out of memory (that
 * frame is then not counted), else 0.
 */
int lq_connrec_add(struct lq_connrec *cr, const struct lq_result *r, const uint8_t *frame,
		   uint32_t caplen, uint32_t l3);

/* The clock is now `now` (ns, the records' clock): connections idle for the
 * timeout end, updates that are due are written. Cheap to call often: the
 * connections are looked at once a second of that clock at most. */
void lq_connrec_tick(struct lq_connrec *cr, uint64_t now);

/* Every connection still open is written, ended for `why`, oldest first. */
void lq_connrec_finish(struct lq_connrec *cr, enum lq_conn_end why);
void lq_connrec_free(struct lq_connrec *cr);

/* Records written, and connections open now. */
uint64_t lq_connrec_written(const struct lq_connrec *cr);
unsigned long lq_connrec_open(const struct lq_connrec *cr);

/* The record's fields, one a line in --vocabulary's form ("conn_field name
 * - description"), and the values of "ended" ("conn_end ..."). */
void lq_connrec_print_fields(FILE *f);

/* The UDP payload of an IPv4 or IPv6 packet at frame + l3 (the bytes the
 * capture holds, at most udp_len): 0 and *p, *n set, or -1. */
int lq_udp_payload(const uint8_t *frame, uint32_t caplen, uint32_t l3, uint32_t udp_len,
		   const uint8_t **p, uint32_t *n);

#endif
