// SPDX-License-Identifier: BSD-2-Clause
/*
 * ipfix_xport.c - the exporter's messages to the collector (see
 * ipfix_xport.h): non-blocking UDP and TCP, a bounded TCP queue, back-off
 * reconnects, or a file.
 */
#include "ipfix_xport.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define XP_BACKOFF_MIN_NS 1000000000ULL	  /* the first retry after a second */
#define XP_BACKOFF_MAX_NS 30000000000ULL  /* then doubling, up to 30 s */
#define XP_CONNECT_WAIT_MS 1000		  /* at open: how long the first connect is waited for */
#define XP_WARN_EVERY_NS 60000000000ULL	  /* UDP errors: at most a line a minute */

enum xp_state {
	XP_DOWN,       /* TCP: not connected; next attempt at next_try */
	XP_CONNECTING, /* TCP: connect() in progress */
	XP_UP,	       /* TCP connected; UDP and files always */
};

/* A TCP message waiting for the socket: data[off..len) is still to go. */
struct xp_msg {
	struct xp_msg *next;
	size_t len, off;
	uint32_t records;
	uint8_t data[];
};

struct lq_xport {
	const char *tool;
	const char *url;
	enum lq_ipfix_kind kind;
	struct lq_ipfix_counters *st;
	struct addrinfo *ai;
	int fd;
	FILE *file;
	int own_file;
	enum xp_state state;
	int want_templates;
	uint64_t next_try, backoff, down_since, last_warn;
	uint64_t dropped_at_down; /* records_dropped when the connection went down */
	struct xp_msg *head, *tail;
	size_t queued, queue_max;
	char err[160];
};

uint64_t lq_mono_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000ULL + (uint64_t)t.tv_nsec;
}

static void set_err(struct lq_xport *xp, const char *what, int e)
{
	snprintf(xp->err, sizeof(xp->err), "%s%s%s", what, e ? ": " : "", e ? strerror(e) : "");
}

/* ---- the TCP queue ------------------------------------------------------------------------ */

static void queue_drop_all(struct lq_xport *xp)
{
	struct xp_msg *m, *n;

	for (m = xp->head; m; m = n) {
		n = m->next;
		LQ_CNT_ADD(xp->st->messages_dropped, 1);
		LQ_CNT_ADD(xp->st->records_dropped, m->records);
		free(m);
	}
	xp->head = xp->tail = NULL;
	xp->queued = 0;
	LQ_CNT_SET(xp->st->queued_bytes, 0);
}

static void tcp_down(struct lq_xport *xp, uint64_t now, const char *what, int e)
{
	int was_up = xp->state == XP_UP;

	if (xp->fd >= 0)
		close(xp->fd);
	xp->fd = -1;
	queue_drop_all(xp); /* a message cut in the middle cannot be resumed on a new connection */
	if (was_up) {
		LQ_CNT_ADD(xp->st->disconnects, 1);
		xp->backoff = XP_BACKOFF_MIN_NS;
		xp->down_since = now;
		xp->dropped_at_down = LQ_CNT_GET(xp->st->records_dropped);
		set_err(xp, what, e);
		fprintf(stderr, "%s: --export %s: %s; reconnecting with back-off (records are "
				"dropped and counted meanwhile)\n",
			xp->tool, xp->url, xp->err);
	} else {
		LQ_CNT_ADD(xp->st->connect_failures, 1);
		set_err(xp, what, e);
		xp->backoff = xp->backoff ? 2 * xp->backoff : XP_BACKOFF_MIN_NS;
		if (xp->backoff > XP_BACKOFF_MAX_NS)
			xp->backoff = XP_BACKOFF_MAX_NS;
	}
	xp->next_try = now + xp->backoff;
	xp->state = XP_DOWN;
	LQ_CNT_SET(xp->st->up, 0);
}

static void tcp_connect(struct lq_xport *xp, uint64_t now)
{
	int one = 1;

	xp->fd = socket(xp->ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (xp->fd < 0) {
		tcp_down(xp, now, "socket", errno);
		return;
	}
	setsockopt(xp->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(xp->fd, xp->ai->ai_addr, xp->ai->ai_addrlen) && errno != EINPROGRESS) {
		tcp_down(xp, now, "cannot connect", errno);
		return;
	}
	xp->state = XP_CONNECTING;
}

static void tcp_connected(struct lq_xport *xp, uint64_t now)
{
	xp->state = XP_UP;
	xp->want_templates = 1; /* RFC 7011 §8.1: once per connection, first */
	LQ_CNT_ADD(xp->st->connects, 1);
	LQ_CNT_SET(xp->st->up, 1);
	if (xp->down_since) {
		fprintf(stderr, "%s: --export %s: connected again after %.1f s (%llu records "
				"dropped meanwhile)\n",
			xp->tool, xp->url, (double)(now - xp->down_since) / 1e9,
			(unsigned long long)(LQ_CNT_GET(xp->st->records_dropped) -
					     xp->dropped_at_down));
		xp->down_since = 0;
	}
	xp->backoff = 0;
}

/* A connect in progress: done, failed, or not yet. */
static void tcp_check_connect(struct lq_xport *xp, uint64_t now, int timeout_ms)
{
	struct pollfd p = { .fd = xp->fd, .events = POLLOUT };
	int e = 0;
	socklen_t el = sizeof(e);

	if (poll(&p, 1, timeout_ms) <= 0)
		return;
	if (getsockopt(xp->fd, SOL_SOCKET, SO_ERROR, &e, &el) || e)
		tcp_down(xp, now, "cannot connect", e ? e : errno);
	else
		tcp_connected(xp, now);
}

/* Writes what the socket takes now. */
static void tcp_flush(struct lq_xport *xp, uint64_t now)
{
	struct xp_msg *m;
	ssize_t n;

	while ((m = xp->head)) {
		n = send(xp->fd, m->data + m->off, m->len - m->off, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
				return;
			LQ_CNT_ADD(xp->st->send_errors, 1);
			tcp_down(xp, now, "connection lost", errno);
			return;
		}
		m->off += (size_t)n;
		xp->queued -= (size_t)n;
		LQ_CNT_SET(xp->st->queued_bytes, xp->queued);
		if (m->off < m->len)
			return;
		LQ_CNT_ADD(xp->st->messages_sent, 1);
		LQ_CNT_ADD(xp->st->records_sent, m->records);
		LQ_CNT_ADD(xp->st->bytes_sent, m->len);
		xp->head = m->next;
		if (!xp->head)
			xp->tail = NULL;
		free(m);
	}
}

/* The collector closed its end (it sends nothing of its own). */
static void tcp_check_peer(struct lq_xport *xp, uint64_t now)
{
	struct pollfd p = { .fd = xp->fd, .events = POLLIN | POLLRDHUP };
	char buf[512];
	ssize_t n;

	if (poll(&p, 1, 0) <= 0)
		return;
	if (p.revents & (POLLERR | POLLHUP | POLLRDHUP)) {
		int e = 0;
		socklen_t el = sizeof(e);

		getsockopt(xp->fd, SOL_SOCKET, SO_ERROR, &e, &el);
		tcp_down(xp, now, "the collector closed the connection", e);
		return;
	}
	n = recv(xp->fd, buf, sizeof(buf), MSG_DONTWAIT);
	if (n == 0)
		tcp_down(xp, now, "the collector closed the connection", 0);
}

/* ---- opening ---------------------------------------------------------------------------- */

static int resolve(struct lq_xport *xp, const char *host, const char *port, int socktype)
{
	struct addrinfo hints;
	int rc;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = socktype;
	hints.ai_flags = AI_ADDRCONFIG | AI_NUMERICSERV;
	rc = getaddrinfo(host, port, &hints, &xp->ai);
	if (rc == EAI_ADDRFAMILY || rc == EAI_NONAME) { /* a loopback-only host: no AI_ADDRCONFIG */
		hints.ai_flags = AI_NUMERICSERV;
		rc = getaddrinfo(host, port, &hints, &xp->ai);
	}
	if (rc) {
		fprintf(stderr, "%s: --export %s: cannot resolve '%s': %s\n", xp->tool, xp->url, host,
			rc == EAI_SYSTEM ? strerror(errno) : gai_strerror(rc));
		return -1;
	}
	return 0;
}

static int open_udp(struct lq_xport *xp)
{
	int sndbuf = 1 << 20;

	xp->fd = socket(xp->ai->ai_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (xp->fd < 0 || connect(xp->fd, xp->ai->ai_addr, xp->ai->ai_addrlen)) {
		fprintf(stderr, "%s: --export %s: %s\n", xp->tool, xp->url, strerror(errno));
		return -1;
	}
	/* a burst of records (the end of a replay, many connections ending at
	 * once) waits in the socket rather than being dropped */
	setsockopt(xp->fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
	xp->state = XP_UP;
	LQ_CNT_SET(xp->st->up, 1);
	return 0;
}

static int open_tcp(struct lq_xport *xp, int strict)
{
	uint64_t now = lq_mono_ns();

	tcp_connect(xp, now);
	if (xp->state == XP_CONNECTING)
		tcp_check_connect(xp, now, XP_CONNECT_WAIT_MS);
	if (xp->state == XP_DOWN) {
		if (strict) {
			fprintf(stderr, "%s: --export %s: %s\n", xp->tool, xp->url, xp->err);
			return -1;
		}
		fprintf(stderr, "%s: --export %s: %s; trying again with back-off (records are "
				"dropped and counted meanwhile)\n",
			xp->tool, xp->url, xp->err);
		xp->down_since = now;
	}
	return 0;
}

static int open_file(struct lq_xport *xp, const char *path)
{
	if (!strcmp(path, "-")) {
		xp->file = stdout;
	} else {
		xp->file = fopen(path, "wb");
		if (!xp->file) {
			fprintf(stderr, "%s: --export %s: %s\n", xp->tool, xp->url, strerror(errno));
			return -1;
		}
		xp->own_file = 1;
	}
	xp->state = XP_UP;
	LQ_CNT_SET(xp->st->up, 1);
	return 0;
}

struct lq_xport *lq_xport_open(const char *tool, const char *url, size_t queue_max, int strict,
			       struct lq_ipfix_counters *st)
{
	char host[256], port[8], err[128];
	const char *path;
	struct lq_xport *xp;
	int rc;

	xp = calloc(1, sizeof(*xp));
	if (!xp) {
		fprintf(stderr, "%s: --export %s: out of memory\n", tool, url);
		return NULL;
	}
	xp->tool = tool;
	xp->url = url;
	xp->st = st;
	xp->fd = -1;
	xp->queue_max = queue_max;
	xp->want_templates = 1;
	if (lq_ipfix_parse_url(url, &xp->kind, host, sizeof(host), port, sizeof(port), &path, err,
			       sizeof(err))) {
		fprintf(stderr, "%s: --export '%s': %s\n", tool, url, err);
		free(xp);
		return NULL;
	}
	if (xp->kind == LQ_IPFIX_FILE)
		rc = open_file(xp, path);
	else if (resolve(xp, host, port, xp->kind == LQ_IPFIX_TCP ? SOCK_STREAM : SOCK_DGRAM))
		rc = -1;
	else if (xp->kind == LQ_IPFIX_UDP)
		rc = open_udp(xp);
	else
		rc = open_tcp(xp, strict);
	if (rc) {
		lq_xport_free(xp);
		return NULL;
	}
	return xp;
}

enum lq_ipfix_kind lq_xport_kind(const struct lq_xport *xp)
{
	return xp->kind;
}

/* ---- sending -------------------------------------------------------------------------------- */

int lq_xport_want_templates(const struct lq_xport *xp)
{
	return xp->want_templates && xp->state == XP_UP;
}

void lq_xport_templates_sent(struct lq_xport *xp)
{
	xp->want_templates = 0;
	LQ_CNT_ADD(xp->st->template_sends, 1);
}

static void dropped(struct lq_xport *xp, uint32_t records)
{
	LQ_CNT_ADD(xp->st->messages_dropped, 1);
	LQ_CNT_ADD(xp->st->records_dropped, records);
}

static void sent(struct lq_xport *xp, size_t len, uint32_t records)
{
	LQ_CNT_ADD(xp->st->messages_sent, 1);
	LQ_CNT_ADD(xp->st->records_sent, records);
	LQ_CNT_ADD(xp->st->bytes_sent, len);
}

static int send_udp(struct lq_xport *xp, const uint8_t *msg, size_t len, uint32_t records)
{
	uint64_t now;

	if (send(xp->fd, msg, len, MSG_DONTWAIT | MSG_NOSIGNAL) == (ssize_t)len) {
		LQ_CNT_SET(xp->st->up, 1);
		sent(xp, len, records);
		return 0;
	}
	LQ_CNT_ADD(xp->st->send_errors, 1);
	dropped(xp, records);
	/* the collector's host said no one listens (ICMP): it may come back,
	 * without the templates; a full socket buffer only costs this message */
	if (errno == ECONNREFUSED) {
		xp->want_templates = 1;
		LQ_CNT_SET(xp->st->up, 0);
	}
	set_err(xp, "send", errno);
	now = lq_mono_ns();
	if (!xp->last_warn || now - xp->last_warn >= XP_WARN_EVERY_NS) {
		fprintf(stderr, "%s: --export %s: %s: records are dropped and counted while it "
				"lasts\n",
			xp->tool, xp->url, xp->err);
		xp->last_warn = now;
	}
	return -1;
}

static int send_tcp(struct lq_xport *xp, const uint8_t *msg, size_t len, uint32_t records)
{
	struct xp_msg *m;
	ssize_t n = 0;

	if (xp->state != XP_UP) {
		dropped(xp, records);
		return -1;
	}
	if (!xp->head) { /* straight to the socket: no copy while the collector keeps up */
		n = send(xp->fd, msg, len, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n == (ssize_t)len) {
			sent(xp, len, records);
			return 0;
		}
		if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
			LQ_CNT_ADD(xp->st->send_errors, 1);
			tcp_down(xp, lq_mono_ns(), "connection lost", errno);
			dropped(xp, records);
			return -1;
		}
		if (n < 0)
			n = 0;
	}
	/* the rest waits; a message not begun is dropped when the queue is full
	 * (one begun must go whole: the stream would be cut) */
	if (!n && xp->queued + len > xp->queue_max) {
		dropped(xp, records);
		return -1;
	}
	m = malloc(sizeof(*m) + len);
	if (!m) {
		if (n) /* part of it is on the wire: the stream cannot go on */
			tcp_down(xp, lq_mono_ns(), "out of memory", 0);
		dropped(xp, records);
		return -1;
	}
	m->next = NULL;
	m->len = len;
	m->off = (size_t)n;
	m->records = records;
	memcpy(m->data, msg, len);
	if (xp->tail)
		xp->tail->next = m;
	else
		xp->head = m;
	xp->tail = m;
	xp->queued += len - (size_t)n;
	LQ_CNT_SET(xp->st->queued_bytes, xp->queued);
	return 0;
}

static int send_file(struct lq_xport *xp, const uint8_t *msg, size_t len, uint32_t records)
{
	if (fwrite(msg, 1, len, xp->file) != len) {
		if (!xp->err[0])
			fprintf(stderr, "%s: --export %s: %s\n", xp->tool, xp->url, strerror(errno));
		set_err(xp, "write", errno);
		LQ_CNT_ADD(xp->st->send_errors, 1);
		LQ_CNT_SET(xp->st->up, 0);
		dropped(xp, records);
		return -1;
	}
	sent(xp, len, records);
	return 0;
}

int lq_xport_send(struct lq_xport *xp, const uint8_t *msg, size_t len, uint32_t records,
		  int templates)
{
	if (!templates && xp->want_templates) { /* the collector could not read it */
		dropped(xp, records);
		return -1;
	}
	switch (xp->kind) {
	case LQ_IPFIX_UDP:
		return send_udp(xp, msg, len, records);
	case LQ_IPFIX_TCP:
		return send_tcp(xp, msg, len, records);
	default:
		return send_file(xp, msg, len, records);
	}
}

void lq_xport_poll(struct lq_xport *xp, uint64_t now)
{
	if (xp->kind != LQ_IPFIX_TCP)
		return;
	if (xp->state == XP_DOWN && now >= xp->next_try)
		tcp_connect(xp, now);
	if (xp->state == XP_CONNECTING)
		tcp_check_connect(xp, now, 0);
	if (xp->state == XP_UP)
		tcp_check_peer(xp, now);
	if (xp->state == XP_UP && xp->head)
		tcp_flush(xp, now);
}

void lq_xport_drain(struct lq_xport *xp, unsigned ms)
{
	uint64_t now = lq_mono_ns(), end = now + (uint64_t)ms * 1000000ULL;
	struct pollfd p;

	if (xp->kind == LQ_IPFIX_FILE) {
		if (fflush(xp->file) && !xp->err[0]) {
			set_err(xp, "write", errno);
			fprintf(stderr, "%s: --export %s: %s\n", xp->tool, xp->url, strerror(errno));
			LQ_CNT_SET(xp->st->up, 0);
		}
		return;
	}
	if (xp->kind == LQ_IPFIX_UDP) {
		int e = 0;
		socklen_t el = sizeof(e);

		/* an ICMP error comes back within a round trip: the last messages
		 * found no collector */
		p.fd = xp->fd;
		p.events = 0;
		poll(&p, 1, ms < 50 ? (int)ms : 50);
		if (!getsockopt(xp->fd, SOL_SOCKET, SO_ERROR, &e, &el) && e) {
			set_err(xp, "send", e);
			LQ_CNT_SET(xp->st->up, 0);
			LQ_CNT_ADD(xp->st->send_errors, 1);
		}
		return;
	}
	/* TCP: one attempt now rather than at the back-off's time */
	if (xp->state == XP_DOWN)
		tcp_connect(xp, now);
	while (now < end && (xp->state == XP_CONNECTING || (xp->state == XP_UP && xp->head))) {
		int left = (int)((end - now) / 1000000ULL) + 1;

		if (xp->state == XP_CONNECTING) {
			tcp_check_connect(xp, now, left);
			if (xp->state == XP_UP && xp->want_templates)
				return; /* the exporter sends the templates, then drains again */
		} else {
			p.fd = xp->fd;
			p.events = POLLOUT;
			if (poll(&p, 1, left) > 0)
				tcp_flush(xp, lq_mono_ns());
		}
		now = lq_mono_ns();
	}
	if (xp->state == XP_CONNECTING)
		tcp_down(xp, now, "cannot connect", ETIMEDOUT);
	if (xp->head) /* not written in time */
		queue_drop_all(xp);
}

const char *lq_xport_error(const struct lq_xport *xp)
{
	return xp->err;
}

void lq_xport_free(struct lq_xport *xp)
{
	if (!xp)
		return;
	queue_drop_all(xp);
	if (xp->fd >= 0)
		close(xp->fd);
	if (xp->file && xp->own_file)
		fclose(xp->file);
	if (xp->ai)
		freeaddrinfo(xp->ai);
	free(xp);
}
