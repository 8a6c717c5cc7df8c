/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ipfix.h - the per-connection records (lib/connrec.h) exported over IPFIX
 * (RFC 7011) to a collector, as flow exporters do: --export
 * ipfix://HOST:PORT (UDP), ipfix+tcp://HOST:PORT or ipfix-file:PATH, in
 * both tools. libfixbuf encodes (templates, sets, sequence numbers); this
 * exporter chooses what goes in a record, when (an active timeout, idle
 * expiry, the exit) and moves the messages without ever waiting for the
 * collector: sockets are non-blocking, a message the collector cannot take
 * now is dropped and counted, TCP reconnects with back-off.
 *
 * Records (templates 256 and 257, IPv4 and IPv6): the connection's first
 * path as the flow key (client = source, RFC 5103's initiator), its
 * start and end in nanoseconds, packets and octets both ways as delta
 * counters (since this connection's previous export) and as totals,
 * flowEndReason, observationDomainId, and the QUIC fields as
 * enterprise-specific elements (ipfix_ie.h). A connection of more than one
 * path also gets one record per path (templates 258 and 259) carrying its
 * label: every collector reads those, where a subTemplateList needs one
 * that decodes RFC 6313. Path records carry totals only, so that a
 * collector summing octetDeltaCount counts each connection once.
 */
#ifndef LQ_IPFIX_H
#define LQ_IPFIX_H

#include <stdint.h>
#include <stdio.h>

#include "connrec.h"

/* RFC 5612's enterprise number for documentation: a placeholder, see
 * --export-pen and the README. */
#define LQ_IPFIX_PEN_DEFAULT 32473
#define LQ_IPFIX_PORT_DEFAULT "4739" /* IANA's port for IPFIX */

enum lq_ipfix_kind {
	LQ_IPFIX_UDP = 0,
	LQ_IPFIX_TCP = 1,
	LQ_IPFIX_FILE = 2,
};

struct lq_ipfix_opts {
	const char *url;	  /* --export; NULL: no export */
	uint32_t domain;	  /* --observation-domain */
	uint32_t pen;		  /* --export-pen */
	uint32_t active_s;	  /* --export-active-timeout, seconds */
	uint32_t refresh_s;	  /* --export-template-refresh (UDP), seconds */
	uint32_t queue_kib;	  /* --export-queue (TCP), KiB waiting for the socket */
};

/* The exporter's counters, for the exit summary and for metrics. Each is
 * read atomically (lq_ipfix_get_stats may be called from another thread). */
struct lq_ipfix_stats {
	uint64_t records;	  /* connection and path records made */
	uint64_t connections;	  /* of them, connection records */
	uint64_t records_sent;	  /* of them, in messages the socket or file took */
	uint64_t records_dropped; /* in messages it could not take: collector down or slow */
	uint64_t messages_sent, messages_dropped, bytes_sent;
	uint64_t template_sends;  /* the templates went out (UDP refresh, each TCP connection) */
	uint64_t connects;	  /* TCP connections made */
	uint64_t connect_failures;/* TCP connection attempts that failed */
	uint64_t disconnects;	  /* TCP connections lost */
	uint64_t send_errors;	  /* sends and writes that failed */
	uint64_t queued_bytes;	  /* TCP: bytes waiting for the socket now */
	uint64_t up;		  /* 1: the collector took the last message (TCP: connected) */
};

struct lq_ipfix;

/* --export's getopt_long values: above any tool's own (LQ_OPT__TOOL + n). */
enum {
	LQ_OPT_EXPORT = 0x1000,
	LQ_OPT_EXPORT_DOMAIN,
	LQ_OPT_EXPORT_PEN,
	LQ_OPT_EXPORT_ACTIVE,
	LQ_OPT_EXPORT_REFRESH,
	LQ_OPT_EXPORT_QUEUE,
	LQ_OPT_EXPORT_ELEMENTS,
};

#define LQ_EXPORT_LONGOPTS                                                                   \
	{ "export", required_argument, NULL, LQ_OPT_EXPORT },                                \
	{ "observation-domain", required_argument, NULL, LQ_OPT_EXPORT_DOMAIN },             \
	{ "export-pen", required_argument, NULL, LQ_OPT_EXPORT_PEN },                        \
	{ "export-active-timeout", required_argument, NULL, LQ_OPT_EXPORT_ACTIVE },          \
	{ "export-template-refresh", required_argument, NULL, LQ_OPT_EXPORT_REFRESH },       \
	{ "export-queue", required_argument, NULL, LQ_OPT_EXPORT_QUEUE },                    \
	{ "export-elements", required_argument, NULL, LQ_OPT_EXPORT_ELEMENTS }

void lq_ipfix_opts_default(struct lq_ipfix_opts *o);
/* Option c with argument arg, if it is one of LQ_EXPORT_LONGOPTS: 0 taken,
 * -1 bad value (one line printed), 1 not one of them, 2 --export-elements
 * printed what was asked (the tool exits 0). */
int lq_opt_export(const char *tool, int c, const char *arg, struct lq_ipfix_opts *o);
/* Their help, descriptions from column col. */
void lq_opt_help_export(FILE *f, int col);
/* After every option: the others need --export. 0, or -1 with one line. */
int lq_opt_export_check(const char *tool, const struct lq_ipfix_opts *o);

/* The information elements for collectors: "xml" (libfixbuf's XML, the
 * CERT form of IANA's registry: ipfixDump -e, fbInfoModelReadXMLFile) or
 * "pmacct" (an aggregate_primitives file for nfacctd), under pen. -1 when
 * the format is neither. */
int lq_ipfix_print_elements(FILE *f, const char *format, uint32_t pen);

/* Parses --export's URL: 0, or -1 with why in err. */
int lq_ipfix_parse_url(const char *url, enum lq_ipfix_kind *kind, char *host, size_t hostlen,
		       char *port, size_t portlen, const char **path, char *err, size_t errlen);

/*
 * Opens the exporter: the URL resolved, the file created, a TCP connection
 * begun (up to a second waited for it). strict (linkquic-replay): a
 * collector that cannot be reached is an error; otherwise (linkquic-live)
 * it is one warning line and the exporter keeps trying. NULL with one line
 * printed, naming the URL and the reason.
 */
struct lq_ipfix *lq_ipfix_open(const char *tool, const struct lq_ipfix_opts *o, int strict);

/* The records' sink (struct lq_connrec_opts: sink, sink_ctx; sink_update_ns
 * from lq_ipfix_active_ns). */
void lq_ipfix_record(void *ctx, const struct cr_conn *c, const struct cr_meta *m, int update,
		     enum lq_conn_end why);
uint64_t lq_ipfix_active_ns(const struct lq_ipfix *x);

/* Timers: a message older than a second goes out, templates are refreshed
 * (UDP), a TCP connection is made or re-made, the queue is written. Never
 * waits; call it every few hundred ms (linkquic-live's loop does). */
void lq_ipfix_poll(struct lq_ipfix *x);

/* Everything made goes out, waiting up to drain_ms for a TCP collector;
 * the summary line on f (NULL: none). 0, or -1 when records were not
 * exported (the summary says how many and why). */
int lq_ipfix_close(struct lq_ipfix *x, unsigned drain_ms, FILE *f);
void lq_ipfix_free(struct lq_ipfix *x);

void lq_ipfix_get_stats(const struct lq_ipfix *x, struct lq_ipfix_stats *s);
/* The summary: "export URL: N records in M messages, ..." (one line). */
void lq_ipfix_print_summary(FILE *f, const struct lq_ipfix *x);

#endif
