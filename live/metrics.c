// SPDX-License-Identifier: BSD-2-Clause
#include "metrics.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "ipfix.h"
#include "kernel.h"
#include "linkquic.skel.h"
#include "vocab.h"

#ifndef LQ_VERSION
#define LQ_VERSION "0"
#endif

#define MX_MAX_ATT 64
#define MX_MAX_IFACES 32
#define MX_REQUEST_MAX 8192
#define MX_IO_TIMEOUT_S 2

struct live_metrics {
	int fd;	     /* listening socket */
	int stop[2]; /* a pipe: written to stop the thread */
	pthread_t thread;
	int running;
	char url[96];
	struct live_metrics_src src;
	uint64_t start_mono, start_real; /* ns */
	/* written by the record loop only (relaxed stores), read by the thread */
	uint64_t ended[LQ_END__COUNT];
	uint64_t conns_open;
	uint64_t iface_up[MX_MAX_IFACES];
};

/* Single writer: a relaxed load and store, no locked instruction. */
static inline void mx_inc(uint64_t *p)
{
	__atomic_store_n(p, __atomic_load_n(p, __ATOMIC_RELAXED) + 1, __ATOMIC_RELAXED);
}

static inline uint64_t mx_get(const uint64_t *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

static uint64_t now_ns(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

void live_metrics_conn_ended(struct live_metrics *m, enum lq_conn_end why)
{
	if (m && (unsigned)why < LQ_END__COUNT)
		mx_inc(&m->ended[why]);
}

void live_metrics_conns_open(struct live_metrics *m, uint64_t n)
{
	if (m)
		__atomic_store_n(&m->conns_open, n, __ATOMIC_RELAXED);
}

void live_metrics_iface_up(struct live_metrics *m, int i, int up)
{
	if (m && i >= 0 && i < MX_MAX_IFACES)
		__atomic_store_n(&m->iface_up[i], (uint64_t)!!up, __ATOMIC_RELAXED);
}

/* ---- the text -------------------------------------------------------------- */

/* A family's header. OpenMetrics names a counter (an info) without its
 * _total (_info); the Prometheus text format names it with, and has no info
 * type: a gauge of 1. */
static void family(FILE *f, int om, const char *name, const char *type, const char *help)
{
	const char *suffix = "";

	if (!om && !strcmp(type, "counter"))
		suffix = "_total";
	if (!om && !strcmp(type, "info")) {
		suffix = "_info";
		type = "gauge";
	}
	fprintf(f, "# HELP %s%s %s\n", name, suffix, help);
	fprintf(f, "# TYPE %s%s %s\n", name, suffix, type);
}

/* Label values here are interface names and our own words: only a
 * backslash or a quote could need escaping (an interface name may hold
 * them). */
static void label_value(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\' || *s == '"')
			fputc('\\', f);
		if (*s == '\n')
			fputs("\\n", f);
		else
			fputc(*s, f);
	}
}

static void att_labels(FILE *f, const struct live_metrics *m, int i)
{
	fputs("interface=\"", f);
	label_value(f, m->src.att[i].ifname);
	fprintf(f, "\",hook=\"%s\"", lq_word_name(LQ_LIST_HOOK, m->src.att[i].hook));
}

/* name_total{interface,hook,what="word"} for every attachment and word
 * (the zeros too: a series exists from the start, rate() needs that), from
 * the programs' own counters of each attachment (c[i]: its lq_stats slot). */
static void per_att(FILE *f, const struct live_metrics *m, const struct lq_counters *c,
		    const char *name, const char *what, enum lq_list_id list, size_t off, unsigned n,
		    unsigned from)
{
	int i;
	unsigned w;

	for (i = 0; i < m->src.natt && i < MX_MAX_ATT; i++) {
		const uint64_t *v = (const uint64_t *)((const char *)&c[i] + off);

		for (w = from; w < n; w++) {
			fprintf(f, "%s_total{", name);
			att_labels(f, m, i);
			fprintf(f, ",%s=\"%s\"} %llu\n", what, lq_word_name(list, w),
				(unsigned long long)v[w]);
		}
	}
}

/* Entries of a hash map now: walked key by key (the map may change under
 * the walk; the count is capped at its capacity). */
static uint64_t map_entries(int fd, uint32_t key_size, uint32_t max)
{
	uint8_t a[256], b[256];
	uint8_t *prev = NULL, *key = a;
	uint64_t n = 0;

	if (fd < 0 || key_size > sizeof(a))
		return 0;
	while (n < max && !bpf_map_get_next_key(fd, prev, key)) {
		n++;
		prev = key;
		key = key == a ? b : a;
	}
	return n;
}

static void kernel_part(FILE *f, int om, const struct live_metrics *m)
{
	struct lq_counters c;
	unsigned i;

	if (lq_kernel_counters(m->src.k, &c))
		memset(&c, 0, sizeof(c));
	family(f, om, "linkquic_kernel_packets", "counter",
	       "packets the programs saw, by verdict, all interfaces and hooks together (the "
	       "programs' own per-CPU counters: exact even when records are lost)");
	for (i = 0; i < LQ_V__COUNT; i++)
		fprintf(f, "linkquic_kernel_packets_total{verdict=\"%s\"} %llu\n",
			lq_word_name(LQ_LIST_VERDICT, i), (unsigned long long)c.verdicts[i]);
	family(f, om, "linkquic_kernel_guard_drops", "counter",
	       "packets the guard dropped, by reason, all interfaces and hooks together");
	for (i = 1; i < LQ_R__COUNT; i++)
		fprintf(f, "linkquic_kernel_guard_drops_total{reason=\"%s\"} %llu\n",
			lq_word_name(LQ_LIST_REASON, i), (unsigned long long)c.drops_by_reason[i]);
	family(f, om, "linkquic_records_lost", "counter",
	       "records the programs could not deliver (ring buffer full): the connection "
	       "counts miss these packets, the packet counts do not");
	fprintf(f, "linkquic_records_lost_total %llu\n", (unsigned long long)c.lost);

	family(f, om, "linkquic_map_entries", "gauge", "entries in each of the tracker's maps now");
	for (i = 0; i < LQ_MAPID__COUNT; i++) {
		struct bpf_map *map =
			bpf_object__find_map_by_name(m->src.k->skel->obj, lq_map_infos[i].name);

		if (map)
			fprintf(f, "linkquic_map_entries{map=\"%s\"} %llu\n", lq_map_infos[i].name,
				(unsigned long long)map_entries(bpf_map__fd(map),
								bpf_map__key_size(map),
								bpf_map__max_entries(map)));
	}
	family(f, om, "linkquic_map_capacity", "gauge",
	       "entries each map holds at most (its --max-... option); a full LRU map evicts");
	for (i = 0; i < LQ_MAPID__COUNT; i++) {
		struct bpf_map *map =
			bpf_object__find_map_by_name(m->src.k->skel->obj, lq_map_infos[i].name);

		if (map)
			fprintf(f, "linkquic_map_capacity{map=\"%s\"} %u\n", lq_map_infos[i].name,
				bpf_map__max_entries(map));
	}
}

static void ipfix_part(FILE *f, int om, const struct live_metrics *m)
{
	struct lq_ipfix_stats s;
	const struct {
		const char *name, *help;
		size_t off;
	} counters[] = {
#define MX_IPFIX(field, help) { "linkquic_ipfix_" #field, help, offsetof(struct lq_ipfix_stats, field) }
		MX_IPFIX(records, "IPFIX records made (connection and path records)"),
		MX_IPFIX(connections, "of them, connection records"),
		MX_IPFIX(records_sent, "records in messages the socket or file took"),
		MX_IPFIX(records_dropped, "records in messages it could not take: collector down or slow"),
		MX_IPFIX(messages_sent, "IPFIX messages sent"),
		MX_IPFIX(messages_dropped, "IPFIX messages dropped"),
		MX_IPFIX(bytes_sent, "bytes of IPFIX messages sent"),
		MX_IPFIX(template_sends, "times the templates went out"),
		MX_IPFIX(connects, "TCP connections to the collector made"),
		MX_IPFIX(connect_failures, "TCP connection attempts that failed"),
		MX_IPFIX(disconnects, "TCP connections to the collector lost"),
		MX_IPFIX(send_errors, "sends and writes that failed"),
#undef MX_IPFIX
	};
	size_t i;

	if (!m->src.ipfix)
		return;
	lq_ipfix_get_stats(m->src.ipfix, &s);
	for (i = 0; i < sizeof(counters) / sizeof(counters[0]); i++) {
		family(f, om, counters[i].name, "counter", counters[i].help);
		fprintf(f, "%s_total %llu\n", counters[i].name,
			(unsigned long long)*(const uint64_t *)((const char *)&s + counters[i].off));
	}
	family(f, om, "linkquic_ipfix_queued_bytes", "gauge", "TCP: bytes waiting for the socket");
	fprintf(f, "linkquic_ipfix_queued_bytes %llu\n", (unsigned long long)s.queued_bytes);
	family(f, om, "linkquic_ipfix_up", "gauge",
	       "1: the collector took the last message (TCP: connected)");
	fprintf(f, "linkquic_ipfix_up %llu\n", (unsigned long long)s.up);
}

/* The whole exposition, in the OpenMetrics (om) or the Prometheus format. */
static void write_metrics(FILE *f, int om, const struct live_metrics *m)
{
	static struct lq_counters c[MX_MAX_ATT]; /* the metrics thread's alone */
	uint64_t mono = now_ns(CLOCK_MONOTONIC);
	int i;

	/* each attachment's own counters: its slot of the programs' lq_stats */
	for (i = 0; i < m->src.natt && i < MX_MAX_ATT; i++)
		if (lq_kernel_counters_slot(m->src.k, (uint32_t)i + 1, &c[i]))
			memset(&c[i], 0, sizeof(c[i]));

	family(f, om, "linkquic_build", "info", "the version of linkquic-live");
	fprintf(f, "linkquic_build_info{version=\"%s\"} 1\n", LQ_VERSION);
	family(f, om, "linkquic_uptime_seconds", "gauge", "seconds since linkquic-live started");
	fprintf(f, "linkquic_uptime_seconds %.3f\n", (double)(mono - m->start_mono) / 1e9);
	family(f, om, "linkquic_start_time_seconds", "gauge",
	       "when linkquic-live started, seconds since the epoch");
	fprintf(f, "linkquic_start_time_seconds %.3f\n", (double)m->start_real / 1e9);
	family(f, om, "linkquic_interface_up", "gauge",
	       "1 while the interface is there with the programs on it, 0 while it is gone");
	for (i = 0; i < m->src.nif && i < MX_MAX_IFACES; i++) {
		fputs("linkquic_interface_up{interface=\"", f);
		label_value(f, m->src.ifnames[i]);
		fprintf(f, "\"} %llu\n", (unsigned long long)mx_get(&m->iface_up[i]));
	}

	family(f, om, "linkquic_packets", "counter",
	       "packets, by interface, hook and verdict (the programs' own counters: exact even "
	       "when records are lost)");
	per_att(f, m, c, "linkquic_packets", "verdict", LQ_LIST_VERDICT,
		offsetof(struct lq_counters, verdicts), LQ_V__COUNT, 0);
	family(f, om, "linkquic_reasons", "counter",
	       "packets with a reason (garbage, limited), by interface, hook and reason");
	per_att(f, m, c, "linkquic_reasons", "reason", LQ_LIST_REASON,
		offsetof(struct lq_counters, reasons), LQ_R__COUNT, 1);
	family(f, om, "linkquic_events", "counter",
	       "events (new_conn, migration, ...), by interface, hook and event");
	per_att(f, m, c, "linkquic_events", "event", LQ_LIST_EVENT,
		offsetof(struct lq_counters, events), LQ_E__COUNT, 1);
	family(f, om, "linkquic_guard_drops", "counter",
	       "packets the guard dropped, by interface, hook and reason");
	per_att(f, m, c, "linkquic_guard_drops", "reason", LQ_LIST_REASON,
		offsetof(struct lq_counters, drops_by_reason), LQ_R__COUNT, 1);

	family(f, om, "linkquic_connections_active", "gauge",
	       "connections with a packet within the idle timeout (--idle-timeout)");
	fprintf(f, "linkquic_connections_active %llu\n", (unsigned long long)mx_get(&m->conns_open));
	family(f, om, "linkquic_connections_ended", "counter",
	       "connections ended, by why: idle, exit, evicted (more live connections than "
	       "--table-max: the evictions)");
	for (i = 0; i < LQ_END__COUNT; i++)
		if (i == LQ_END_IDLE || i == LQ_END_EXIT || i == LQ_END_EVICTED)
			fprintf(f, "linkquic_connections_ended_total{ended=\"%s\"} %llu\n",
				i == LQ_END_IDLE ? "idle" : i == LQ_END_EXIT ? "exit" : "evicted",
				(unsigned long long)mx_get(&m->ended[i]));

	kernel_part(f, om, m);
	ipfix_part(f, om, m);
	if (om)
		fputs("# EOF\n", f);
}

/* ---- the server ------------------------------------------------------------ */

static void reply(int fd, const char *status, const char *type, const char *body, size_t len,
		  int head)
{
	char h[256];
	int n = snprintf(h, sizeof(h),
			 "HTTP/1.1 %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
			 "Connection: close\r\n\r\n",
			 status, type, len);

	if (send(fd, h, (size_t)n, MSG_NOSIGNAL) != n)
		return;
	while (!head && len) {
		ssize_t k = send(fd, body, len, MSG_NOSIGNAL);

		if (k <= 0)
			return;
		body += k;
		len -= (size_t)k;
	}
}

/* One request on fd: GET (or HEAD) /metrics. */
static void serve(struct live_metrics *m, int fd)
{
	char req[MX_REQUEST_MAX + 1], *body = NULL;
	struct timeval tv = { MX_IO_TIMEOUT_S, 0 };
	size_t n = 0, len = 0;
	int head, om;
	FILE *f;

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	while (n < MX_REQUEST_MAX) {
		ssize_t k = recv(fd, req + n, MX_REQUEST_MAX - n, 0);

		if (k <= 0)
			return;
		n += (size_t)k;
		req[n] = 0;
		if (strstr(req, "\r\n\r\n") || strstr(req, "\n\n"))
			break;
	}
	req[n] = 0;
	head = !strncmp(req, "HEAD ", 5);
	if (strncmp(req, "GET ", 4) && !head) {
		reply(fd, "405 Method Not Allowed", "text/plain", "GET /metrics\n", 13, 0);
		return;
	}
	{
		const char *p = req + (head ? 5 : 4);
		size_t plen = strcspn(p, " ?\r\n");

		if (!(plen == 8 && !strncmp(p, "/metrics", 8))) {
			reply(fd, "404 Not Found", "text/plain", "the metrics are at /metrics\n", 28,
			      head);
			return;
		}
	}
	om = strstr(req, "application/openmetrics-text") != NULL;
	f = open_memstream(&body, &len);
	if (!f) {
		reply(fd, "500 Internal Server Error", "text/plain", "out of memory\n", 14, head);
		return;
	}
	write_metrics(f, om, m);
	if (fclose(f)) {
		free(body);
		reply(fd, "500 Internal Server Error", "text/plain", "out of memory\n", 14, head);
		return;
	}
	reply(fd, "200 OK",
	      om ? "application/openmetrics-text; version=1.0.0; charset=utf-8"
		 : "text/plain; version=0.0.4; charset=utf-8",
	      body, len, head);
	free(body);
}

static void *serve_loop(void *arg)
{
	struct live_metrics *m = arg;
	struct pollfd p[2] = { { m->fd, POLLIN, 0 }, { m->stop[0], POLLIN, 0 } };

	for (;;) {
		int fd;

		if (poll(p, 2, -1) < 0 && errno != EINTR)
			break;
		if (p[1].revents)
			break;
		if (!(p[0].revents & POLLIN))
			continue;
		fd = accept4(m->fd, NULL, NULL, SOCK_CLOEXEC);
		if (fd < 0)
			continue;
		serve(m, fd);
		close(fd);
	}
	return NULL;
}

struct live_metrics *live_metrics_open(const char *tool, const char *addr)
{
	struct addrinfo hints, *ai = NULL;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	struct live_metrics *m;
	char host[64], port[16], shown[64];
	const char *colon = strrchr(addr, ':');
	int one = 1, err;
	size_t hl;

	if (!colon || !colon[1] || strlen(colon + 1) >= sizeof(port) ||
	    (hl = (size_t)(colon - addr)) >= sizeof(host)) {
		fprintf(stderr, "%s: --metrics: '%s' is not ADDR:PORT (198.18.0.1:9464, "
				"[2001:db8::1]:9464, :9464)\n", tool, addr);
		return NULL;
	}
	memcpy(host, addr, hl);
	host[hl] = 0;
	if (hl >= 2 && host[0] == '[' && host[hl - 1] == ']') { /* [v6]:port */
		memmove(host, host + 1, hl - 2);
		host[hl - 2] = 0;
	}
	strcpy(port, colon + 1);
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	err = getaddrinfo(host[0] ? host : NULL, port, &hints, &ai);
	if (err) {
		fprintf(stderr, "%s: --metrics: '%s': %s\n", tool, addr, gai_strerror(err));
		return NULL;
	}
	m = calloc(1, sizeof(*m));
	if (!m) {
		freeaddrinfo(ai);
		fprintf(stderr, "%s: out of memory\n", tool);
		return NULL;
	}
	m->stop[0] = m->stop[1] = -1;
	m->fd = -1;
	m->fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (m->fd < 0 || setsockopt(m->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(m->fd, ai->ai_addr, ai->ai_addrlen) || listen(m->fd, 16) ||
	    getsockname(m->fd, (struct sockaddr *)&ss, &sl) || pipe2(m->stop, O_CLOEXEC)) {
		fprintf(stderr, "%s: --metrics: cannot listen on %s: %s\n", tool, addr,
			strerror(errno));
		freeaddrinfo(ai);
		live_metrics_close(m);
		return NULL;
	}
	freeaddrinfo(ai);
	if (getnameinfo((struct sockaddr *)&ss, sl, shown, sizeof(shown), port, sizeof(port),
			NI_NUMERICHOST | NI_NUMERICSERV))
		strcpy(shown, "?");
	snprintf(m->url, sizeof(m->url), ss.ss_family == AF_INET6 ? "http://[%s]:%s/metrics"
								   : "http://%s:%s/metrics",
		 shown, port);
	m->start_mono = now_ns(CLOCK_MONOTONIC);
	m->start_real = now_ns(CLOCK_REALTIME);
	return m;
}

const char *live_metrics_url(const struct live_metrics *m)
{
	return m->url;
}

int live_metrics_start(struct live_metrics *m, const struct live_metrics_src *src)
{
	sigset_t all, old;
	int err;

	m->src = *src;
	/* the signals are the record loop's: its poll returns at once on them */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	err = pthread_create(&m->thread, NULL, serve_loop, m);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err) {
		fprintf(stderr, "linkquic-live: --metrics: cannot start its thread: %s\n",
			strerror(err));
		return -err;
	}
	m->running = 1;
	return 0;
}

void live_metrics_close(struct live_metrics *m)
{
	if (!m)
		return;
	if (m->running) {
		if (write(m->stop[1], "x", 1) != 1)
			pthread_cancel(m->thread);
		pthread_join(m->thread, NULL);
	}
	if (m->fd >= 0)
		close(m->fd);
	if (m->stop[0] >= 0)
		close(m->stop[0]);
	if (m->stop[1] >= 0)
		close(m->stop[1]);
	free(m);
}
