// SPDX-License-Identifier: BSD-2-Clause
/*
 * table.c - the connection table people read, laid out to fit a width.
 *
 * Every column has a natural width (its widest cell). When they do not all
 * fit, the label, the two endpoints and the server name always stay (the
 * label as its first 8 hex digits, as git abbreviates a hash: the full one
 * is in the machine formats), and then, most needed first, the bytes, the
 * start, the events, the whole label, the version, the packets, the
 * duration and the path count each come in if they fit; server names and
 * events are cut to what is left (marked '~'). An address is cut only when
 * the core alone does not fit, and only down to 21 characters: an IPv4
 * endpoint never is. Numbers are exact up to 99999, then three digits and a
 * unit.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "../parser/lq_packet.h"
#include "output.h"
#include "vocab.h"

#define TABLE_DEFAULT_WIDTH 100
#define TABLE_MIN_WIDTH 40

struct lq_table {
	struct lq_table_line *l;
	size_t n, cap;
};

static int table_utc;

void lq_table_set_utc(int utc)
{
	table_utc = utc;
}

int lq_table_width(FILE *f)
{
	const char *env = getenv("COLUMNS");
	struct winsize ws;
	int w = 0;

	if (env && *env)
		w = atoi(env);
	if (w <= 0 && isatty(fileno(f)) && ioctl(fileno(f), TIOCGWINSZ, &ws) == 0)
		w = ws.ws_col;
	if (w <= 0)
		w = TABLE_DEFAULT_WIDTH;
	return w < TABLE_MIN_WIDTH ? TABLE_MIN_WIDTH : w;
}

struct lq_table *lq_table_new(void)
{
	return calloc(1, sizeof(struct lq_table));
}

void lq_table_free(struct lq_table *t)
{
	if (!t)
		return;
	free(t->l);
	free(t);
}

int lq_table_add(struct lq_table *t, const struct lq_table_line *l)
{
	if (t->n == t->cap) {
		size_t cap = t->cap ? 2 * t->cap : 64;
		struct lq_table_line *nl = realloc(t->l, cap * sizeof(*nl));

		if (!nl)
			return -1;
		t->l = nl;
		t->cap = cap;
	}
	t->l[t->n++] = *l;
	return 0;
}

const char *lq_version_short(uint32_t v, char *buf, size_t n)
{
	uint8_t fmt;

	switch (lq_version_class(v, &fmt)) {
	case LQ_VC_RESERVED: /* 0x?a?a?a?a: which one is in the machine formats */
		snprintf(buf, n, "grease");
		return buf;
	case LQ_VC_V2_DRAFT:
		snprintf(buf, n, v == 0xff020000 ? "v2-d-00" : "v2-draft");
		return buf;
	default:
		return lq_version_name(v, buf, n);
	}
}

/* ---- cells --------------------------------------------------------------------- */

enum col {
	C_CONN,
	C_VER,
	C_CLIENT,
	C_SERVER,
	C_SNI,
	C_PKTS, /* two numbers: > and < */
	C_BYTES,
	C_START,
	C_SECS,
	C_PATHS,
	C_EVENTS,
	C__N,
};

static const char *const col_head[C__N] = {
	"CONNECTION", "VERSION", "CLIENT", "SERVER", "SNI", "PKTS>", "BYTES>",
	"START", "SECONDS", "PATHS", "EVENTS",
};
static const char *const col_head2[C__N] = { [C_PKTS] = "PKTS<", [C_BYTES] = "BYTES<" };

/* Which columns stay when not all fit, most needed first; the first
 * NCORE always do. */
static const enum col col_priority[C__N] = {
	C_CONN, C_CLIENT, C_SERVER, C_SNI, C_BYTES, C_START, C_EVENTS, C_VER, C_PKTS, C_SECS, C_PATHS,
};
#define NCORE 4
#define CONN_SHORT 8 /* hex digits of an abbreviated label */
#define EP_MIN 21    /* "255.255.255.255:65535" */

enum cut { CUT_NONE, CUT_TAIL, CUT_HEAD, CUT_ENDPOINT };

static const enum cut col_cut[C__N] = {
	[C_CLIENT] = CUT_ENDPOINT, [C_SERVER] = CUT_ENDPOINT, [C_SNI] = CUT_HEAD,
	[C_EVENTS] = CUT_TAIL,
};
/* the width a cut column may come down to (its natural one when smaller) */
static const int col_min[C__N] = { [C_SNI] = 10, [C_EVENTS] = 8 };
static const int col_right[C__N] = { [C_PKTS] = 1, [C_BYTES] = 1, [C_SECS] = 1, [C_PATHS] = 1 };

struct layout {
	int show[C__N];
	int w[C__N]; /* for C_PKTS and C_BYTES: each of the two numbers */
	int sep;
	int dates; /* START with the date */
};

/* By hand, as printf would write them: a table of 100 000 connections
 * formats its cells twice (widths, then lines) and printf was most of it. */

/* s appended to buf (n bytes, *used so far), cut as snprintf cuts. */
static void put_str(char *buf, size_t n, size_t *used, const char *s)
{
	while (*s && *used + 1 < n)
		buf[(*used)++] = *s++;
	if (*used < n)
		buf[*used] = 0;
}

static void put_u64(char *buf, size_t n, size_t *used, uint64_t v)
{
	char d[21];

	lq_fmt_u64(v, d);
	put_str(buf, n, used, d);
}

static void fmt_events(uint16_t events, uint32_t cid_changes, char *buf, size_t n)
{
	unsigned e;
	size_t used = 0;

	buf[0] = 0;
	for (e = 1; e < LQ_E__COUNT && used + 1 < n; e++) {
		if (!(events & (1u << e)))
			continue;
		if (used)
			put_str(buf, n, &used, ",");
		put_str(buf, n, &used, lq_event_name(e));
		if (e == LQ_E_CID_CHANGE && cid_changes > 1) {
			put_str(buf, n, &used, "(");
			put_u64(buf, n, &used, cid_changes);
			put_str(buf, n, &used, ")");
		}
	}
	if (!buf[0] && n > 1)
		snprintf(buf, n, "-");
}

/* Exact up to 99999, then three digits and a unit: 123k, 1.23M. */
static void fmt_count(uint64_t v, char *buf, size_t n)
{
	static const char units[] = "kMGTPE";
	double x = (double)v;
	int u = -1;

	if (v < 100000) {
		size_t used = 0;

		put_u64(buf, n, &used, v);
		return;
	}
	while (x >= 999.5 && u < 5) {
		x /= 1000;
		u++;
	}
	snprintf(buf, n, x < 9.995 ? "%.2f%c" : x < 99.95 ? "%.1f%c" : "%.0f%c", x, units[u]);
}

/* The time's fields, local or UTC; the last second's kept, since rows come
 * close in time and localtime_r looks at the zone each call. */
static void broken_down(uint64_t ns, struct tm *tm)
{
	static time_t last = -1;
	static int last_utc;
	static struct tm last_tm;
	time_t t = (time_t)(ns / 1000000000ULL);

	if (t != last || last_utc != table_utc) {
		if (table_utc)
			gmtime_r(&t, &last_tm);
		else
			localtime_r(&t, &last_tm);
		last = t;
		last_utc = table_utc;
	}
	*tm = last_tm;
}

/* v (0..99) as two digits; past them. */
static char *put2(char *p, unsigned v)
{
	p[0] = (char)('0' + v / 10);
	p[1] = (char)('0' + v % 10);
	return p + 2;
}

/* tcpdump's form: the time of day, and the date before it (-tttt) when the
 * table spans days or is not of today. */
static void fmt_start(uint64_t ns, int dates, char *buf, size_t n)
{
	struct tm tm;
	unsigned ms = (unsigned)(ns % 1000000000ULL / 1000000);

	broken_down(ns, &tm);
	if (n < 24 || tm.tm_year + 1900 < 0 || tm.tm_year + 1900 > 9999) {
		if (dates)
			snprintf(buf, n, "%04d-%02d-%02d %02d:%02d:%02d.%03u", tm.tm_year + 1900,
				 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
		else
			snprintf(buf, n, "%02d:%02d:%02d.%03u", tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
		return;
	}
	/* "2026-11-23 00:26:54.161" by hand (every field in its range) */
	{
		char *p = buf;

		if (dates) {
			p = put2(p, (unsigned)(tm.tm_year + 1900) / 100);
			p = put2(p, (unsigned)(tm.tm_year + 1900) % 100);
			*p++ = '-';
			p = put2(p, (unsigned)tm.tm_mon + 1);
			*p++ = '-';
			p = put2(p, (unsigned)tm.tm_mday);
			*p++ = ' ';
		}
		p = put2(p, (unsigned)tm.tm_hour);
		*p++ = ':';
		p = put2(p, (unsigned)tm.tm_min);
		*p++ = ':';
		p = put2(p, (unsigned)tm.tm_sec);
		*p++ = '.';
		*p++ = (char)('0' + ms / 100);
		p = put2(p, ms % 100);
		*p = 0;
	}
}

/* A server name from the wire, safe for a terminal: bytes that are not
 * printable ASCII become '?'. */
static void fmt_sni(const char *s, char *buf, size_t n)
{
	size_t i;

	for (i = 0; s[i] && i + 1 < n; i++)
		buf[i] = s[i] > 0x20 && s[i] < 0x7f ? s[i] : '?';
	buf[i] = 0;
}

/* The text of one cell (side: which of a pair's two numbers). */
static void cell(const struct lq_table_line *l, enum col c, int side, const struct layout *lo,
		 char *buf, size_t n)
{
	buf[0] = 0;
	switch (c) {
	case C_CONN: /* abbreviated by the column's width */
		{ /* "%016" PRIx64, cut to n - 1 as snprintf cuts */
			static const char hex[] = "0123456789abcdef";
			size_t k;

			for (k = 0; k < 16 && k + 1 < n; k++)
				buf[k] = hex[(l->conn >> (60 - 4 * k)) & 15];
			if (n)
				buf[k] = 0;
		}
		if (lo->w[C_CONN] < 16 && n > CONN_SHORT)
			buf[CONN_SHORT] = 0;
		break;
	case C_VER:
		if (!l->path) {
			if (l->version)
				lq_version_short(l->version, buf, n);
			else
				snprintf(buf, n, "-");
		}
		break;
	case C_CLIENT:
		lq_fmt_ep(l->client, buf, n);
		break;
	case C_SERVER:
		lq_fmt_ep(l->server, buf, n);
		break;
	case C_SNI:
		if (!l->path) {
			if (l->sni && *l->sni)
				fmt_sni(l->sni, buf, n);
			else
				snprintf(buf, n, "-");
		}
		break;
	case C_PKTS:
		fmt_count(l->pkts[side], buf, n);
		break;
	case C_BYTES:
		fmt_count(l->bytes[side], buf, n);
		break;
	case C_START:
		fmt_start(l->first, lo->dates, buf, n);
		break;
	case C_SECS: {
		double s = (double)(l->last - l->first) / 1e9;

		snprintf(buf, n, s < 99999.9995 ? "%.3f" : "%.0f", s);
		break;
	}
	case C_PATHS:
		if (!l->path) {
			size_t used = 0;

			put_u64(buf, n, &used, l->npaths);
		}
		break;
	case C_EVENTS:
		fmt_events(l->events, l->cid_changes, buf, n);
		break;
	default:
		break;
	}
}

/* ---- layout ---------------------------------------------------------------------- */

static int is_pair(enum col c)
{
	return c == C_PKTS || c == C_BYTES;
}

static int col_width(enum col c, int w)
{
	return is_pair(c) ? 2 * w + 1 : w;
}

static int total_width(const struct layout *lo)
{
	int c, t = 0, n = 0;

	for (c = 0; c < C__N; c++) {
		if (!lo->show[c])
			continue;
		t += col_width((enum col)c, lo->w[c]);
		n++;
	}
	return t + (n > 1 ? (n - 1) * lo->sep : 0);
}

static int spans_days(const struct lq_table *t)
{
	struct tm tm, today;
	uint64_t now = (uint64_t)time(NULL) * 1000000000ULL;
	size_t i;

	broken_down(now, &today);
	for (i = 0; i < t->n; i++) {
		broken_down(t->l[i].first, &tm);
		if (tm.tm_year != today.tm_year || tm.tm_yday != today.tm_yday)
			return 1;
	}
	return 0;
}

static void lay_out(const struct lq_table *t, int width, struct layout *lo)
{
	int nat[C__N], mn[C__N], c, k, room;
	char buf[320];
	size_t i;

	memset(lo, 0, sizeof(*lo));
	lo->dates = spans_days(t);
	for (c = 0; c < C__N; c++) {
		nat[c] = (int)strlen(col_head[c]);
		if (col_head2[c] && (int)strlen(col_head2[c]) > nat[c])
			nat[c] = (int)strlen(col_head2[c]);
	}
	for (i = 0; i < t->n; i++) {
		for (c = 0; c < C__N; c++) {
			int side, len;

			if (c == C_CONN || c == C_START)
				continue; /* 16 digits (path labels span what is there); a fixed form */
			for (side = 0; side < (is_pair((enum col)c) ? 2 : 1); side++) {
				cell(&t->l[i], (enum col)c, side, lo, buf, sizeof(buf));
				len = (int)strlen(buf);
				nat[c] = len > nat[c] ? len : nat[c];
			}
		}
	}
	nat[C_CONN] = 16;
	nat[C_START] = lo->dates ? 23 : 12; /* "2026-11-23 00:26:54.161" */
	for (c = 0; c < C__N; c++) {
		mn[c] = col_cut[c] && col_min[c] < nat[c] ? col_min[c] : nat[c];
		lo->show[c] = 1;
		lo->w[c] = nat[c];
	}
	mn[C_CONN] = CONN_SHORT;
	/* everything at its natural width, roomy */
	lo->sep = 2;
	if (total_width(lo) <= width)
		return;
	/* the core: the label abbreviated, the endpoints, the server name cut;
	 * the longer address gives when even that is too wide, down to EP_MIN */
	lo->sep = 1;
	for (c = 0; c < C__N; c++)
		lo->show[c] = 0;
	for (k = 0; k < NCORE; k++) {
		c = col_priority[k];
		lo->show[c] = 1;
		lo->w[c] = c == C_CLIENT || c == C_SERVER ? nat[c] : mn[c];
	}
	while (total_width(lo) > width) {
		c = lo->w[C_CLIENT] >= lo->w[C_SERVER] ? C_CLIENT : C_SERVER;
		if (lo->w[c] <= EP_MIN)
			c = c == C_CLIENT ? C_SERVER : C_CLIENT;
		if (lo->w[c] <= EP_MIN)
			break; /* no narrower: the lines will be longer */
		lo->w[c]--;
	}
	/* then, most needed first, each at its natural width if it fits, a cut
	 * column at what is left; the label whole once the events are in */
	room = width - total_width(lo);
	k = lo->w[C_SNI] < nat[C_SNI] && room > 0 ? nat[C_SNI] - lo->w[C_SNI] : 0;
	k = k < room ? k : room;
	lo->w[C_SNI] += k;
	room -= k;
	for (k = NCORE; k < C__N; k++) {
		c = col_priority[k];
		if (col_width((enum col)c, nat[c]) + 1 <= room) {
			lo->show[c] = 1;
			lo->w[c] = nat[c];
			room -= col_width((enum col)c, nat[c]) + 1;
		} else if (col_cut[c] && mn[c] + 1 <= room) {
			lo->show[c] = 1;
			lo->w[c] = room - 1;
			room = 0;
		}
		if (c == C_EVENTS && room >= nat[C_CONN] - lo->w[C_CONN]) {
			room -= nat[C_CONN] - lo->w[C_CONN];
			lo->w[C_CONN] = nat[C_CONN];
		}
	}
}

/* ---- printing ----------------------------------------------------------------------- */

/* buf cut to w characters, as column c cuts its values. */
static void cut_to(char *buf, int w, enum cut how)
{
	int len = (int)strlen(buf), keep;
	const char *port;

	if (len <= w || w < 1)
		return;
	switch (how) {
	case CUT_HEAD: /* a name's end says most: "~ogleapis.com" */
		memmove(buf + 1, buf + len - (w - 1), (size_t)w);
		buf[0] = '~';
		break;
	case CUT_ENDPOINT: /* the address cut inside, its port kept */
		port = strrchr(buf, ':');
		if (port && port > buf && port[-1] == ']')
			port--;
		keep = port ? w - 1 - (int)strlen(port) : 0;
		if (keep >= 1) {
			memmove(buf + keep + 1, port, strlen(port) + 1);
			buf[keep] = '~';
			break;
		}
		/* fall through */
	default:
		buf[w - 1] = '~';
		buf[w] = 0;
		break;
	}
}

/* A line as it is built, written to f in one piece (or in pieces when it
 * is longer than the buffer). */
struct line {
	FILE *f;
	size_t n;
	char b[2048];
};

static void line_put(struct line *ln, const char *s, size_t k)
{
	if (ln->n + k > sizeof(ln->b)) {
		fwrite(ln->b, 1, ln->n, ln->f);
		ln->n = 0;
		if (k > sizeof(ln->b)) {
			fwrite(s, 1, k, ln->f);
			return;
		}
	}
	memcpy(ln->b + ln->n, s, k);
	ln->n += k;
}

static void line_pad(struct line *ln, int k)
{
	static const char spaces[64] = "                                                                ";

	for (; k > 0; k -= (int)sizeof(spaces))
		line_put(ln, spaces, k < (int)sizeof(spaces) ? (size_t)k : sizeof(spaces));
}

static void line_end(struct line *ln)
{
	line_put(ln, "\n", 1);
	fwrite(ln->b, 1, ln->n, ln->f);
	ln->n = 0;
}

/* As "%*s" (right), "%s" (last) or "%-*s". */
static void put_cell(struct line *ln, const char *s, int w, int right, int last)
{
	int len = (int)strlen(s);

	if (right)
		line_pad(ln, w - len);
	line_put(ln, s, (size_t)len);
	if (!right && !last)
		line_pad(ln, w - len);
}

static int last_shown(const struct layout *lo)
{
	int c, last = 0;

	for (c = 0; c < C__N; c++)
		if (lo->show[c])
			last = c;
	return last;
}

static void print_header(struct line *ln, const struct layout *lo)
{
	int c, first = 1, last = last_shown(lo);

	for (c = 0; c < C__N; c++) {
		if (!lo->show[c])
			continue;
		if (!first)
			line_pad(ln, lo->sep);
		first = 0;
		if (is_pair((enum col)c)) {
			put_cell(ln, col_head[c], lo->w[c], 1, 0);
			line_put(ln, " ", 1);
			put_cell(ln, col_head2[c], lo->w[c], 1, 0);
			continue;
		}
		put_cell(ln, c == C_CONN && lo->w[c] < 16 ? "CONN" : col_head[c], lo->w[c],
			 col_right[c], c == last);
	}
	line_end(ln);
}

static void print_line(struct line *ln, const struct lq_table_line *l, const struct layout *lo)
{
	char buf[320], b2[64];
	int c, first = 1, last = last_shown(lo);

	for (c = 0; c < C__N; c++) {
		int w = lo->w[c];

		if (!lo->show[c])
			continue;
		if (!first)
			line_pad(ln, lo->sep);
		first = 0;
		if (c == C_CONN && l->path) {
			/* a path's label spans the version column, which paths leave empty */
			if (lo->show[C_VER]) {
				w += lo->sep + lo->w[C_VER];
				c = C_VER;
			}
			snprintf(buf, sizeof(buf), "  path %u via %s", l->path, l->via ? l->via : "?");
			if ((int)strlen(buf) > w)
				snprintf(buf, sizeof(buf), "  %u %s", l->path, l->via ? l->via : "?");
			if ((int)strlen(buf) > w)
				snprintf(buf, sizeof(buf), "  path %u", l->path);
			if ((int)strlen(buf) > w)
				snprintf(buf, sizeof(buf), "  %u", l->path);
			cut_to(buf, w, CUT_TAIL);
			put_cell(ln, buf, w, 0, c == last);
			continue;
		}
		if (is_pair((enum col)c)) {
			cell(l, (enum col)c, 0, lo, buf, sizeof(buf));
			cell(l, (enum col)c, 1, lo, b2, sizeof(b2));
			put_cell(ln, buf, w, 1, 0);
			line_put(ln, " ", 1);
			put_cell(ln, b2, w, 1, 0);
			continue;
		}
		cell(l, (enum col)c, 0, lo, buf, sizeof(buf));
		cut_to(buf, w, col_cut[c]);
		put_cell(ln, buf, w, col_right[c], c == last);
	}
	line_end(ln);
}

void lq_table_print(FILE *f, const struct lq_table *t)
{
	struct line ln;
	struct layout lo;
	size_t i;

	ln.f = f;
	ln.n = 0;
	lay_out(t, lq_table_width(f), &lo);
	print_header(&ln, &lo);
	for (i = 0; i < t->n; i++)
		print_line(&ln, &t->l[i], &lo);
}
