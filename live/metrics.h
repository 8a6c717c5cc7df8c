/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * metrics.h - linkquic-live --metrics ADDR:PORT: the monitor's counters for
 * Prometheus, served over HTTP at /metrics in the OpenMetrics text format
 * (to a scraper that asks for it) or the Prometheus text format 0.0.4.
 *
 * A thread of its own serves them. The record loop never waits for it: it
 * counts each record into counters that only it writes (relaxed atomic
 * stores, read with relaxed atomic loads), and publishes what it alone
 * knows (connections open, interfaces up) the same way. What the kernel
 * knows (its own counters, map occupancy) the serving thread reads from the
 * maps itself, and the exporter's counters through lq_ipfix_get_stats.
 */
#ifndef LQ_LIVE_METRICS_H
#define LQ_LIVE_METRICS_H

#include <stdint.h>

#include "attach.h"
#include "classify.h"
#include "connrec.h"

struct lq_kernel;
struct lq_ipfix;
struct live_metrics;

/* What the serving thread reads: set before live_metrics_start, left
 * unchanged (the attachments' names and hooks; their links may change). */
struct live_metrics_src {
	struct lq_kernel *k;
	struct lq_ipfix *ipfix; /* NULL: no --export */
	const struct live_attachment *att;
	int natt;
	const char *const *ifnames;
	int nif;
};

/* Binds and listens on ADDR:PORT ("198.18.0.1:9464", "[2001:db8::1]:9464",
 * ":9464" for every address; port 0 takes a free one). NULL with one line
 * printed. */
struct live_metrics *live_metrics_open(const char *tool, const char *addr);
/* "http://ADDR:PORT/metrics", the port the socket got. */
const char *live_metrics_url(const struct live_metrics *m);
/* Starts the serving thread; 0, or -errno with one line printed. */
int live_metrics_start(struct live_metrics *m, const struct live_metrics_src *src);
/* Stops the thread (a scrape being answered is finished first), closes. */
void live_metrics_close(struct live_metrics *m);

/* A per-connection record was written, ended for why (evicted: the bound). */
void live_metrics_conn_ended(struct live_metrics *m, enum lq_conn_end why);
/* Connections open now (the per-connection records' view, idle timeout). */
void live_metrics_conns_open(struct live_metrics *m, uint64_t n);
/* Interface i (of src.ifnames) is there with our programs (1) or gone (0). */
void live_metrics_iface_up(struct live_metrics *m, int i, int up);

#endif
