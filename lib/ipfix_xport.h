/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ipfix_xport.h - how the exporter's messages (lib/ipfix.c, encoded by
 * libfixbuf) reach the collector: a connected UDP socket, a TCP connection
 * or a file. Never waits on the network: sockets are non-blocking, a UDP
 * message the socket refuses is dropped, TCP messages wait in a bounded
 * queue while the collector is slow and are dropped past it or while the
 * connection is down, which is re-made with exponential back-off. Every
 * drop is counted.
 */
#ifndef LQ_IPFIX_XPORT_H
#define LQ_IPFIX_XPORT_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "ipfix.h"

/* lq_ipfix_stats as counters another thread may read. */
struct lq_ipfix_counters {
	_Atomic uint64_t records, connections, records_sent, records_dropped;
	_Atomic uint64_t messages_sent, messages_dropped, bytes_sent, template_sends;
	_Atomic uint64_t connects, connect_failures, disconnects, send_errors;
	_Atomic uint64_t queued_bytes, up;
};

#define LQ_CNT_ADD(c, n) atomic_fetch_add_explicit(&(c), (uint64_t)(n), memory_order_relaxed)
#define LQ_CNT_SET(c, n) atomic_store_explicit(&(c), (uint64_t)(n), memory_order_relaxed)
#define LQ_CNT_GET(c) atomic_load_explicit(&(c), memory_order_relaxed)

struct lq_xport;

/* Resolves and opens (see lq_ipfix_open for strict). NULL with one line
 * printed. */
struct lq_xport *lq_xport_open(const char *tool, const char *url, size_t queue_max, int strict,
			       struct lq_ipfix_counters *st);
enum lq_ipfix_kind lq_xport_kind(const struct lq_xport *xp);

/* The templates must go (again) before any data message: a new TCP
 * connection, a UDP collector that refused (it may have restarted), the
 * start of a file. Data messages are dropped until lq_xport_templates_sent. */
int lq_xport_want_templates(const struct lq_xport *xp);
void lq_xport_templates_sent(struct lq_xport *xp);

/* One whole message of `records` data records (0: templates). 0 sent or
 * queued, -1 dropped (counted). */
int lq_xport_send(struct lq_xport *xp, const uint8_t *msg, size_t len, uint32_t records,
		  int templates);

/* Connects, reconnects, writes the queue; never waits. now: CLOCK_MONOTONIC ns. */
void lq_xport_poll(struct lq_xport *xp, uint64_t now);

/* Waits up to ms for a TCP connection and its queue to be written; a UDP
 * socket is checked for an error the collector's host sent back. */
void lq_xport_drain(struct lq_xport *xp, unsigned ms);
/* Why the last failure happened ("" when none). */
const char *lq_xport_error(const struct lq_xport *xp);
void lq_xport_free(struct lq_xport *xp);

uint64_t lq_mono_ns(void);

#endif
