// SPDX-License-Identifier: BSD-2-Clause
#include "output.h"

#include <arpa/inet.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../parser/lq_packet.h"
#include "vocab.h"

/* ---- names ------------------------------------------------------------------ */

const char *lq_verdict_name(unsigned v)
{
	return lq_word_name(LQ_LIST_VERDICT, v);
}

const char *lq_reason_name(unsigned r)
{
	return lq_word_name(LQ_LIST_REASON, r);
}

const char *lq_event_name(unsigned e)
{
	return lq_word_name(LQ_LIST_EVENT, e);
}

const char *lq_type_name(unsigned t)
{
	return lq_word_name(LQ_LIST_PTYPE, t);
}

const char *lq_dir_name(unsigned d)
{
	return d == LQ_C2S ? "c2s" : d == LQ_S2C ? "s2c" : NULL;
}

const char *lq_version_name(uint32_t v, char *buf, size_t n)
{
	uint8_t fmt;
	unsigned c = lq_version_class(v, &fmt);

	switch (c) {
	case LQ_VC_VN:
		snprintf(buf, n, "vn");
		break;
	case LQ_VC_V1:
		snprintf(buf, n, "v1");
		break;
	case LQ_VC_V2:
		snprintf(buf, n, "v2");
		break;
	case LQ_VC_V2_DRAFT:
		snprintf(buf, n, v == 0xff020000 ? "v2-draft-00" : "v2-draft");
		break;
	case LQ_VC_DRAFT:
		snprintf(buf, n, "draft-%u", v & 0xff);
		break;
	case LQ_VC_MVFST:
		snprintf(buf, n, "mvfst-%x", v & 0xf);
		break;
	case LQ_VC_GQUIC:
	case LQ_VC_GQUIC_OLD:
		snprintf(buf, n, "%c%c%c%c", (char)(v >> 24), (char)(v >> 16), (char)(v >> 8), (char)v);
		break;
	case LQ_VC_RESERVED:
		snprintf(buf, n, "grease-%08x", v);
		break;
	default:
		snprintf(buf, n, "0x%08x", v);
		break;
	}
	return buf;
}

/* ---- addresses -------------------------------------------------------------- */

char *lq_fmt_ip(const struct lq_ip *ip, char *buf, size_t n)
{
	if (lq_ip_is_v4(ip) && n >= 16) {
		/* by hand: inet_ntop goes through printf, and tables and records
		 * print two addresses a line */
		char *p = buf;
		int i;

		for (i = 12; i < 16; i++) {
			unsigned v = ip->b[i];

			if (i > 12)
				*p++ = '.';
			if (v >= 100)
				*p++ = (char)('0' + v / 100);
			if (v >= 10)
				*p++ = (char)('0' + v / 10 % 10);
			*p++ = (char)('0' + v % 10);
		}
		*p = 0;
	} else if (lq_ip_is_v4(ip)) {
		inet_ntop(AF_INET, ip->b + 12, buf, (socklen_t)n);
	} else {
		inet_ntop(AF_INET6, ip->b, buf, (socklen_t)n);
	}
	return buf;
}

size_t lq_fmt_u64(uint64_t v, char d[21])
{
	char t[20];
	size_t k = 0, i;

	do {
		t[k++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	for (i = 0; i < k; i++)
		d[i] = t[k - 1 - i];
	d[k] = 0;
	return k;
}

char *lq_fmt_ep(const struct lq_endpoint *ep, char *buf, size_t n)
{
	char a[INET6_ADDRSTRLEN + 24], *p;
	int v4 = lq_ip_is_v4(&ep->ip);
	size_t len;

	/* by hand, as lq_fmt_ip: "[%s]:%u" costs a table line more than the rest */
	p = a;
	if (!v4)
		*p++ = '[';
	lq_fmt_ip(&ep->ip, p, INET6_ADDRSTRLEN);
	p += strlen(p);
	if (!v4)
		*p++ = ']';
	*p++ = ':';
	p += lq_fmt_u64(ep->port, p);
	len = (size_t)(p - a);
	if (n) { /* cut to n - 1 as snprintf would */
		len = len < n - 1 ? len : n - 1;
		memcpy(buf, a, len);
		buf[len] = 0;
	}
	return buf;
}

char *lq_fmt_cid(const struct lq_cid *cid, char *buf, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t i, len = cid->len > LQ_CID_MAX ? LQ_CID_MAX : cid->len;

	if (n < 2 * len + 1) {
		if (n)
			buf[0] = 0;
		return buf;
	}
	for (i = 0; i < len; i++) {
		buf[2 * i] = hex[cid->id[i] >> 4];
		buf[2 * i + 1] = hex[cid->id[i] & 15];
	}
	buf[2 * len] = 0;
	return buf;
}

void lq_hexdump(FILE *f, const uint8_t *p, size_t n)
{
	size_t i, j;

	for (i = 0; i < n; i += 16) {
		fprintf(f, "    %04zx ", i);
		for (j = i; j < i + 16; j++) {
			if (j < n)
				fprintf(f, " %02x", p[j]);
			else
				fputs("   ", f);
		}
		fputs("  ", f);
		for (j = i; j < i + 16 && j < n; j++)
			fputc(p[j] >= 0x20 && p[j] < 0x7f ? p[j] : '.', f);
		fputc('\n', f);
	}
}

/* ---- records ---------------------------------------------------------------- */

/* Joins the names of the bits set in mask from a word list with '+'. */
static void fmt_bits(enum lq_list_id list, unsigned first, unsigned mask, char *buf, size_t n)
{
	const struct lq_wordlist *l = &lq_lists[list];
	unsigned i;
	size_t used = 0;

	buf[0] = 0;
	for (i = first; i < l->n; i++) {
		if (!(mask & (1u << i)))
			continue;
		used += (size_t)snprintf(buf + used, n - used, "%s%s", used ? "+" : "",
					 l->words[i].name);
		if (used >= n)
			break;
	}
}

/* A record being printed: the result and what its fields are made of. */
struct rec_view {
	const struct lq_rec_ctx *ctx;
	const struct lq_result *r;
	int quic;    /* QUIC-shaped: type, CIDs, version apply */
	int has_ip;  /* addresses apply */
	int has_udp; /* ports apply */
};

/* A field's value: none (JSON null, CSV empty), a string (quoted in JSON,
 * possibly empty) or a number (as it is). */
enum fv_kind { FV_NULL, FV_STR, FV_NUM };

struct fv {
	enum fv_kind kind;
	const char *s; /* the text; often buf */
	char buf[96];
};

static void fv_str(struct fv *v, const char *s)
{
	v->kind = s ? FV_STR : FV_NULL;
	v->s = s;
}

/* a string, null when empty */
static void fv_str_nonempty(struct fv *v, const char *s)
{
	fv_str(v, s && *s ? s : NULL);
}

static void fv_num(struct fv *v, uint64_t x)
{
	snprintf(v->buf, sizeof(v->buf), "%" PRIu64, x);
	v->kind = FV_NUM;
	v->s = v->buf;
}

static void f_frame(const struct rec_view *w, struct fv *v)
{
	fv_num(v, w->ctx->frame);
}

static void f_ts(const struct rec_view *w, struct fv *v)
{
	snprintf(v->buf, sizeof(v->buf), "%" PRIu64 ".%09" PRIu64,
		 (uint64_t)(w->r->ts / 1000000000u), (uint64_t)(w->r->ts % 1000000000u));
	v->kind = FV_NUM;
	v->s = v->buf;
}

/* the same time, lossless where JSON numbers are doubles (jq, JavaScript,
 * Python's float): nanoseconds since the epoch as a string of digits */
static void f_ts_ns(const struct rec_view *w, struct fv *v)
{
	snprintf(v->buf, sizeof(v->buf), "%" PRIu64, (uint64_t)w->r->ts);
	fv_str(v, v->buf);
}

static void f_src(const struct rec_view *w, struct fv *v)
{
	fv_str(v, w->has_ip ? lq_fmt_ip(&w->r->src.ip, v->buf, sizeof(v->buf)) : NULL);
}

static void f_sport(const struct rec_view *w, struct fv *v)
{
	if (w->has_udp)
		fv_num(v, w->r->src.port);
	else
		fv_str(v, NULL);
}

static void f_dst(const struct rec_view *w, struct fv *v)
{
	fv_str(v, w->has_ip ? lq_fmt_ip(&w->r->dst.ip, v->buf, sizeof(v->buf)) : NULL);
}

static void f_dport(const struct rec_view *w, struct fv *v)
{
	if (w->has_udp)
		fv_num(v, w->r->dst.port);
	else
		fv_str(v, NULL);
}

static void f_verdict(const struct rec_view *w, struct fv *v)
{
	fv_str(v, lq_verdict_name(w->r->verdict));
}

static void f_reason(const struct rec_view *w, struct fv *v)
{
	fv_str(v, lq_reason_name(w->r->reason));
}

static void f_conn(const struct rec_view *w, struct fv *v)
{
	snprintf(v->buf, sizeof(v->buf), "%016" PRIx64, w->r->conn);
	fv_str(v, w->r->conn ? v->buf : NULL);
}

static void f_dir(const struct rec_view *w, struct fv *v)
{
	fv_str(v, w->quic ? lq_dir_name(w->r->dir) : NULL);
}

/* every long header's version, also one the parser does not know (a
 * reserved one, or one refused as unknown_version); 0 is VN's */
static void f_version(const struct rec_view *w, struct fv *v)
{
	const struct lq_result *r = w->r;

	snprintf(v->buf, sizeof(v->buf), "0x%08x", r->version);
	fv_str(v, w->quic && (r->version || (r->type != LQ_PT_1RTT && r->type != LQ_PT_NONE))
			  ? v->buf
			  : NULL);
}

static void f_type(const struct rec_view *w, struct fv *v)
{
	fv_str(v, w->quic ? lq_type_name(w->r->type) : NULL);
}

static void f_types(const struct rec_view *w, struct fv *v)
{
	v->buf[0] = 0;
	if (w->quic)
		fmt_bits(LQ_LIST_PTYPE, 1, w->r->types, v->buf, sizeof(v->buf));
	fv_str_nonempty(v, v->buf);
}

static void f_packets(const struct rec_view *w, struct fv *v)
{
	fv_num(v, w->quic ? w->r->npackets : 0);
}

static void f_dcid(const struct rec_view *w, struct fv *v)
{
	const struct lq_result *r = w->r;

	fv_str(v, w->quic && (r->dcid.len || r->type != LQ_PT_NONE)
			  ? lq_fmt_cid(&r->dcid, v->buf, sizeof(v->buf))
			  : NULL);
}

/* a short header (and gQUIC's public header) has no source ID */
static void f_scid(const struct rec_view *w, struct fv *v)
{
	const struct lq_result *r = w->r;

	fv_str(v, w->quic && r->type != LQ_PT_1RTT && r->type != LQ_PT_GQUIC && r->type != LQ_PT_NONE
			  ? lq_fmt_cid(&r->scid, v->buf, sizeof(v->buf))
			  : NULL);
}

static void f_event(const struct rec_view *w, struct fv *v)
{
	fv_str(v, lq_event_name(w->r->event));
}

static void f_covers(const struct rec_view *w, struct fv *v)
{
	if (w->r->event == LQ_E_LINK)
		fv_num(v, w->r->covers);
	else
		fv_str(v, NULL);
}

static void f_len(const struct rec_view *w, struct fv *v)
{
	fv_num(v, w->r->ip_len);
}

static void f_udp_len(const struct rec_view *w, struct fv *v)
{
	fv_num(v, w->has_udp ? w->r->udp_len : 0);
}

static void f_flags(const struct rec_view *w, struct fv *v)
{
	fmt_bits(LQ_LIST_RFLAG, 0, w->r->flags, v->buf, sizeof(v->buf));
	fv_str_nonempty(v, v->buf);
}

static void f_action(const struct rec_view *w, struct fv *v)
{
	fv_str(v, w->r->action == LQ_ACT_DROP ? "drop" : "pass");
}

/* Linux limits interface names to printable characters without '/', so no
 * JSON string here needs escaping. */
static void f_iface(const struct rec_view *w, struct fv *v)
{
	fv_str_nonempty(v, w->ctx->iface);
}

static void f_hook(const struct rec_view *w, struct fv *v)
{
	fv_str(v, lq_word_name(LQ_LIST_HOOK, w->r->hook));
}

/* The record's fields, in order: the one list JSON, CSV and the CSV header
 * are written from (and the README's field table is checked against). */
static const struct rec_field {
	const char *name;
	void (*get)(const struct rec_view *, struct fv *);
	int live_only;
	const char *desc;
} rec_fields[] = {
	{ "frame", f_frame, 0, "1-based index of the frame in the input" },
	{ "ts", f_ts, 0, "capture time, seconds with nanoseconds" },
	{ "ts_ns", f_ts_ns, 0, "the same, nanoseconds since the epoch as a string: lossless" },
	{ "src", f_src, 0, "source address" },
	{ "sport", f_sport, 0, "source UDP port (null when not UDP)" },
	{ "dst", f_dst, 0, "destination address" },
	{ "dport", f_dport, 0, "destination UDP port (null when not UDP)" },
	{ "verdict", f_verdict, 0, "what the frame is" },
	{ "reason", f_reason, 0, "for garbage and limited: why" },
	{ "conn", f_conn, 0, "connection label, 16 hex digits" },
	{ "dir", f_dir, 0, "c2s or s2c" },
	{ "version", f_version, 0, "every long header's version, 0x%08x" },
	{ "type", f_type, 0, "first QUIC packet type of the datagram" },
	{ "types", f_types, 0, "every packet type in the datagram, joined by +" },
	{ "packets", f_packets, 0, "QUIC packets in the datagram" },
	{ "dcid", f_dcid, 0, "destination connection ID, hex" },
	{ "scid", f_scid, 0, "source connection ID, hex (long headers)" },
	{ "event", f_event, 0, "what this frame changed" },
	{ "covers", f_covers, 0, "a link event: the path's earlier frames it now links" },
	{ "len", f_len, 0, "IP total length" },
	{ "udp_len", f_udp_len, 0, "UDP payload length" },
	{ "flags", f_flags, 0, "record flags, joined by +" },
	{ "action", f_action, 0, "pass, or drop when the guard drops it" },
	{ "iface", f_iface, 1, "linkquic-live: the interface" },
	{ "hook", f_hook, 1, "linkquic-live: xdp, tc-ingress or tc-egress" },
};

#define NFIELDS (sizeof(rec_fields) / sizeof(rec_fields[0]))

void lq_print_record_fields(FILE *f, int live)
{
	size_t i;

	for (i = 0; i < NFIELDS; i++)
		if (live || !rec_fields[i].live_only)
			fprintf(f, "%-8s %-20s %-20s %s\n", "field", rec_fields[i].name,
				rec_fields[i].live_only ? "live" : "-", rec_fields[i].desc);
}

void lq_print_record_header(FILE *f, enum lq_format fmt, int live)
{
	size_t i;

	if (fmt != LQ_FMT_CSV)
		return;
	for (i = 0; i < NFIELDS; i++)
		if (live || !rec_fields[i].live_only)
			fprintf(f, "%s%s", i ? "," : "", rec_fields[i].name);
	fputc('\n', f);
}

void lq_print_record(FILE *f, enum lq_format fmt, const struct lq_rec_ctx *ctx,
		     const struct lq_result *r)
{
	struct rec_view w;
	struct fv v;
	size_t i;

	if (fmt != LQ_FMT_JSONL && fmt != LQ_FMT_CSV)
		return;
	w.ctx = ctx;
	w.r = r;
	w.quic = r->verdict < LQ_V__COUNT && ((LQ_VERDICTS_QUIC >> r->verdict) & 1);
	w.has_udp = r->verdict < LQ_V__COUNT && ((LQ_VERDICTS_UDP >> r->verdict) & 1);
	w.has_ip = r->ip_ver != 0;
	if (fmt == LQ_FMT_JSONL)
		fputc('{', f);
	for (i = 0; i < NFIELDS; i++) {
		if (rec_fields[i].live_only && !ctx->iface)
			continue;
		rec_fields[i].get(&w, &v);
		if (fmt == LQ_FMT_CSV) {
			if (i)
				fputc(',', f);
			if (v.kind != FV_NULL)
				fputs(v.s, f);
		} else if (v.kind == FV_STR) {
			fprintf(f, "%s\"%s\":\"%s\"", i ? "," : "", rec_fields[i].name, v.s);
		} else {
			fprintf(f, "%s\"%s\":%s", i ? "," : "", rec_fields[i].name,
				v.kind == FV_NULL ? "null" : v.s);
		}
	}
	fputs(fmt == LQ_FMT_JSONL ? "}\n" : "\n", f);
}

/* ---- summary ---------------------------------------------------------------- */

void lq_stats_add(struct lq_stats *s, const struct lq_result *r)
{
	if (!s->frames || r->ts < s->first_ts)
		s->first_ts = r->ts;
	if (r->ts > s->last_ts)
		s->last_ts = r->ts;
	s->frames++;
	if (r->verdict < LQ_V__COUNT)
		s->verdicts[r->verdict]++;
	if (r->reason && r->reason < LQ_R__COUNT)
		s->reasons[r->reason]++;
	if (r->event && r->event < LQ_E__COUNT)
		s->events[r->event]++;
	if (r->action == LQ_ACT_DROP) {
		s->drops++;
		if (r->reason < LQ_R__COUNT)
			s->drops_by_reason[r->reason]++;
	}
}

static uint64_t count_conns(const struct lq_maps *maps);

void lq_print_summary(FILE *f, const struct lq_stats *s, const struct lq_maps *maps, long nconns)
{
	unsigned i;
	int first = 1, pass;

	fprintf(f, "%" PRIu64 " frames%s", s->frames, s->frames ? ":" : "");
	for (i = 0; i < LQ_V__COUNT; i++) {
		if (!s->verdicts[i])
			continue;
		fprintf(f, "%s %s %" PRIu64, first ? "" : ",", lq_verdict_name(i), s->verdicts[i]);
		first = 0;
	}
	fputc('\n', f);
	if (maps)
		fprintf(f, "%" PRIu64 " connections, %u paths, %u connection IDs, %u servers, "
			   "%u pending flows\n",
			nconns >= 0 ? (uint64_t)nconns : count_conns(maps),
			maps->paths.count + maps->tentative.count, maps->cids.count + maps->tent_cids.count,
			maps->servers.count, maps->pending.count);
	first = 1;
	for (i = 1; i < LQ_E__COUNT; i++) {
		if (!s->events[i])
			continue;
		fprintf(f, "%s%s %" PRIu64, first ? "events: " : ", ", lq_event_name(i), s->events[i]);
		first = 0;
	}
	if (!first)
		fputc('\n', f);
	/* why frames were garbage, then why they were limited (the guard's
	 * rates): two verdicts, two lines */
	for (pass = 0; pass < 2; pass++) {
		first = 1;
		for (i = 1; i < LQ_R__COUNT; i++) {
			int limit = (LQ_REASONS_LIMIT >> i) & 1;

			if (!s->reasons[i] || limit != pass)
				continue;
			fprintf(f, "%s%s %" PRIu64, first ? (pass ? "limited: " : "garbage: ") : ", ",
				lq_reason_name(i), s->reasons[i]);
			first = 0;
		}
		if (!first)
			fputc('\n', f);
	}
	if (s->drops) {
		fprintf(f, "dropped: %" PRIu64, s->drops);
		for (i = 1, first = 1; i < LQ_R__COUNT; i++) {
			if (!s->drops_by_reason[i])
				continue;
			fprintf(f, "%s%s %" PRIu64, first ? " (" : ", ", lq_reason_name(i),
				s->drops_by_reason[i]);
			first = 0;
		}
		fputs(first ? "\n" : ")\n", f);
	}
	if (maps && (maps->paths.evictions || maps->cids.evictions || maps->pending.evictions ||
		     maps->tentative.evictions || maps->tent_cids.evictions))
		fprintf(f, "evicted: %" PRIu64 " paths, %" PRIu64 " connection IDs, %" PRIu64
			   " pending flows; of handshakes: %" PRIu64 " paths, %" PRIu64
			   " connection IDs (maps full)\n",
			maps->paths.evictions, maps->cids.evictions, maps->pending.evictions,
			maps->tentative.evictions, maps->tent_cids.evictions);
}

/* ---- connection table -------------------------------------------------------- */

struct pathref {
	const struct lq_path_key *key;
	const struct lq_path_val *val;
};

static int cmp_path_by_conn(const void *x, const void *y)
{
	const struct pathref *a = x, *b = y;

	if (a->val->conn != b->val->conn)
		return a->val->conn < b->val->conn ? -1 : 1;
	if (a->val->first_seen != b->val->first_seen)
		return a->val->first_seen < b->val->first_seen ? -1 : 1;
	return memcmp(a->key, b->key, sizeof(*a->key));
}

struct connref {
	size_t start, n;
	uint64_t first_seen;
	uint64_t conn;
};

static int cmp_conn(const void *x, const void *y)
{
	const struct connref *a = x, *b = y;

	if (a->first_seen != b->first_seen)
		return a->first_seen < b->first_seen ? -1 : 1;
	return a->conn < b->conn ? -1 : a->conn > b->conn;
}

/* The paths of connections, completed (paths) or not (tentative); an
 * undecided path is no connection's yet. */
static struct pathref *collect_paths(const struct lq_maps *maps, size_t *n)
{
	size_t max = (size_t)maps->paths.count + maps->tentative.count;
	struct pathref *v = calloc(max ? max : 1, sizeof(*v));
	const struct emu_map *m[2] = { &maps->paths, &maps->tentative };
	const void *k;
	void *val;
	size_t i = 0;
	int j;

	if (!v)
		return NULL;
	for (j = 0; j < 2; j++) {
		uint32_t pos = 0;

		while (emu_map_next(m[j], &pos, &k, &val) >= 0 && i < max) {
			if (((const struct lq_path_val *)val)->state == LQ_PS_UNDECIDED)
				continue;
			v[i].key = k;
			v[i].val = val;
			i++;
		}
	}
	qsort(v, i, sizeof(*v), cmp_path_by_conn);
	*n = i;
	return v;
}

static uint64_t count_conns(const struct lq_maps *maps)
{
	size_t n = 0, i;
	uint64_t c = 0;
	struct pathref *v = collect_paths(maps, &n);

	if (!v)
		return 0;
	for (i = 0; i < n; i++)
		if (i == 0 || v[i].val->conn != v[i - 1].val->conn)
			c++;
	free(v);
	return c;
}

static void path_ends(const struct pathref *p, const struct lq_endpoint **client,
		      const struct lq_endpoint **server)
{
	*client = p->val->client_is_b ? &p->key->b : &p->key->a;
	*server = p->val->client_is_b ? &p->key->a : &p->key->b;
}

void lq_print_conn_table(FILE *f, const struct lq_maps *maps)
{
	size_t n = 0, i, j, nc = 0;
	struct pathref *v = collect_paths(maps, &n);
	struct connref *c;
	struct lq_table *t;

	if (!v)
		return;
	c = calloc(n ? n : 1, sizeof(*c));
	t = lq_table_new();
	if (!c || !t) {
		free(c);
		lq_table_free(t);
		free(v);
		return;
	}
	for (i = 0; i < n; i++) {
		if (i == 0 || v[i].val->conn != v[i - 1].val->conn) {
			c[nc].start = i;
			c[nc].conn = v[i].val->conn;
			c[nc].first_seen = v[i].val->first_seen;
			nc++;
		}
		c[nc - 1].n++;
	}
	qsort(c, nc, sizeof(*c), cmp_conn);

	for (i = 0; i < nc; i++) {
		struct lq_table_line l;

		memset(&l, 0, sizeof(l));
		l.conn = c[i].conn;
		l.first = UINT64_MAX;
		l.npaths = (unsigned)c[i].n;
		for (j = 0; j < c[i].n; j++) {
			const struct lq_path_val *pv = v[c[i].start + j].val;

			l.pkts[0] += pv->pkts[0];
			l.pkts[1] += pv->pkts[1];
			l.bytes[0] += pv->bytes[0];
			l.bytes[1] += pv->bytes[1];
			l.first = pv->first_seen < l.first ? pv->first_seen : l.first;
			l.last = pv->last_seen > l.last ? pv->last_seen : l.last;
			if (pv->version && !l.version)
				l.version = pv->version;
			l.events |= pv->events;
			l.cid_changes += pv->cid_changes;
		}
		path_ends(&v[c[i].start], &l.client, &l.server);
		lq_table_add(t, &l);
		if (c[i].n < 2)
			continue;
		for (j = 0; j < c[i].n; j++) {
			const struct pathref *p = &v[c[i].start + j];

			memset(&l, 0, sizeof(l));
			path_ends(p, &l.client, &l.server);
			l.path = (unsigned)j + 1;
			l.via = lq_word_name(LQ_LIST_LINK, p->val->origin);
			l.pkts[0] = p->val->pkts[0];
			l.pkts[1] = p->val->pkts[1];
			l.bytes[0] = p->val->bytes[0];
			l.bytes[1] = p->val->bytes[1];
			l.first = p->val->first_seen;
			l.last = p->val->last_seen;
			l.events = p->val->events;
			l.cid_changes = p->val->cid_changes;
			lq_table_add(t, &l);
		}
	}
	lq_table_print(f, t);
	lq_table_free(t);
	free(c);
	free(v);
}

/* ---- maps as text -------------------------------------------------------------- */

struct kv {
	const void *key;
	const void *val;
	uint32_t ksize;
};

static int cmp_kv(const void *x, const void *y)
{
	const struct kv *a = x, *b = y;

	return memcmp(a->key, b->key, a->ksize);
}

/* IDs by length, then bytes: the order of the wire's length-prefixed form,
 * whatever the key's layout in memory. */
static int cmp_cid_kv(const void *x, const void *y)
{
	const struct lq_cid *a = ((const struct kv *)x)->key, *b = ((const struct kv *)y)->key;

	if (a->len != b->len)
		return a->len < b->len ? -1 : 1;
	return memcmp(a->id, b->id, sizeof(a->id));
}

static struct kv *sorted_entries_by(const struct emu_map *m, size_t *n,
				    int (*cmp)(const void *, const void *))
{
	struct kv *v = calloc(m->count ? m->count : 1, sizeof(*v));
	uint32_t pos = 0;
	const void *k;
	void *val;
	size_t i = 0;

	if (!v)
		return NULL;
	while (emu_map_next(m, &pos, &k, &val) >= 0 && i < m->count) {
		v[i].key = k;
		v[i].val = val;
		v[i].ksize = m->key_size;
		i++;
	}
	qsort(v, i, sizeof(*v), cmp);
	*n = i;
	return v;
}

static struct kv *sorted_entries(const struct emu_map *m, size_t *n)
{
	return sorted_entries_by(m, n, cmp_kv);
}


static void fmt_lens(const uint8_t *lens, char *buf, size_t n)
{
	if (lens[0] == LQ_NO_LEN)
		snprintf(buf, n, "-");
	else if (lens[1] == LQ_NO_LEN)
		snprintf(buf, n, "%u", lens[0]);
	else
		snprintf(buf, n, "%u,%u", lens[0], lens[1]);
}

static void fmt_anchor(const struct lq_anchor *a, char *buf, size_t n)
{
	char c0[24] = "-", c1[24] = "-";

	if (a->conn[0])
		snprintf(c0, sizeof(c0), "%016" PRIx64, a->conn[0]);
	if (a->conn[1])
		snprintf(c1, sizeof(c1), "%016" PRIx64, a->conn[1]);
	snprintf(buf, n, "conns=%s@%u,%s@%u crowded@%u lens=%u/%u", c0, a->tick[0], c1, a->tick[1],
		 a->crowded_tick, a->server_cid_len, a->client_cid_len);
}

/* seconds.nanoseconds, exactly (a double would round the nanoseconds) */
static const char *secs(uint64_t ns, char *buf, size_t n)
{
	snprintf(buf, n, "%" PRIu64 ".%09" PRIu64, ns / 1000000000u, ns % 1000000000u);
	return buf;
}

static void print_paths(FILE *f, const struct emu_map *m)
{
	struct kv *v;
	size_t n = 0, i;
	char a[64], b[64], c0[2 * LQ_CID_MAX + 1], c1[2 * LQ_CID_MAX + 1], t0[32], t1[32];

	v = sorted_entries(m, &n);
	fprintf(f, "%s: %zu entries (max %u)\n", m->name, n, m->max_entries);
	for (i = 0; v && i < n; i++) {
		const struct lq_path_key *k = v[i].key;
		const struct lq_path_val *p = v[i].val;

		fprintf(f,
			"  %s <-> %s conn=%016" PRIx64 " client=%c state=%s via=%s version=0x%08x "
			"dcid>=%s dcid<=%s pkts=%u/%u bytes=%" PRIu64 "/%" PRIu64
			" first=%s last=%s flags=0x%02x events=0x%04x\n",
			lq_fmt_ep(&k->a, a, sizeof(a)), lq_fmt_ep(&k->b, b, sizeof(b)), p->conn,
			p->client_is_b ? 'b' : 'a', lq_word_name(LQ_LIST_PSTATE, p->state),
			lq_word_name(LQ_LIST_LINK, p->origin), p->version,
			lq_fmt_cid(&p->dcid[0], c0, sizeof(c0)), lq_fmt_cid(&p->dcid[1], c1, sizeof(c1)),
			p->pkts[0], p->pkts[1], p->bytes[0], p->bytes[1],
			secs(p->first_seen, t0, sizeof(t0)), secs(p->last_seen, t1, sizeof(t1)), p->flags,
			p->events);
	}
	free(v);
}

static void print_cids(FILE *f, const struct emu_map *m)
{
	struct kv *v;
	size_t n = 0, i;
	char c0[2 * LQ_CID_MAX + 1];

	v = sorted_entries_by(m, &n, cmp_cid_kv);
	fprintf(f, "%s: %zu entries (max %u)\n", m->name, n, m->max_entries);
	for (i = 0; v && i < n; i++) {
		const struct lq_cid_val *cv = v[i].val;

		fprintf(f, "  %s conn=%016" PRIx64 " dir=%s peer_len=%u\n",
			lq_fmt_cid(v[i].key, c0, sizeof(c0)), cv->conn,
			lq_dir_name(cv->dir) ? lq_dir_name(cv->dir) : "?", cv->peer_cid_len);
	}
	free(v);
}

void lq_print_maps(FILE *f, const struct lq_maps *maps)
{
	struct kv *v;
	size_t n = 0, i;
	char a[64], b[64], c0[2 * LQ_CID_MAX + 1], c1[2 * LQ_CID_MAX + 1], an[160], t0[32], t1[32];

	print_paths(f, &maps->paths);
	print_cids(f, &maps->cids);
	print_paths(f, &maps->tentative);
	print_cids(f, &maps->tent_cids);

	v = sorted_entries(&maps->servers, &n);
	fprintf(f, "%s: %zu entries (max %u)\n", maps->servers.name, n, maps->servers.max_entries);
	for (i = 0; v && i < n; i++) {
		const struct lq_dest_val *d = v[i].val;

		fmt_lens(d->server_cid_len, c0, sizeof(c0));
		fmt_lens(d->client_cid_len, c1, sizeof(c1));
		fmt_anchor(&d->anchor, an, sizeof(an));
		fprintf(f, "  %s server_cid_lens=%s client_cid_lens=%s %s\n",
			lq_fmt_ep(v[i].key, a, sizeof(a)), c0, c1, an);
	}
	free(v);

	v = sorted_entries(&maps->clients, &n);
	fprintf(f, "%s: %zu entries (max %u)\n", maps->clients.name, n, maps->clients.max_entries);
	for (i = 0; v && i < n; i++) {
		const struct lq_sip_key *k = v[i].key;
		static const struct lq_endpoint zero;

		fmt_anchor(v[i].val, an, sizeof(an));
		if (memcmp(&k->server, &zero, sizeof(zero)) == 0)
			snprintf(b, sizeof(b), "*");
		else
			lq_fmt_ep(&k->server, b, sizeof(b));
		fprintf(f, "  %s -> %s %s\n", lq_fmt_ip(&k->client, a, sizeof(a)), b, an);
	}
	free(v);

	v = sorted_entries(&maps->pending, &n);
	fprintf(f, "%s: %zu entries (max %u)\n", maps->pending.name, n, maps->pending.max_entries);
	for (i = 0; v && i < n; i++) {
		const struct lq_path_key *k = v[i].key;
		const struct lq_pending_val *p = v[i].val;

		fprintf(f, "  %s <-> %s server=%c dcid=%s pkts=%u/%u first=%s last=%s\n",
			lq_fmt_ep(&k->a, a, sizeof(a)), lq_fmt_ep(&k->b, b, sizeof(b)),
			p->server_is_b ? 'b' : 'a', lq_fmt_cid(&p->dcid, c0, sizeof(c0)), p->pkts[0],
			p->pkts[1], secs(p->first_seen, t0, sizeof(t0)), secs(p->last_seen, t1, sizeof(t1)));
	}
	free(v);

	v = sorted_entries(&maps->guard, &n);
	fprintf(f, "%s: %zu entries (max %u)\n", maps->guard.name, n, maps->guard.max_entries);
	for (i = 0; v && i < n; i++) {
		const struct lq_guard_key *k = v[i].key;
		const struct lq_guard_val *g = v[i].val;

		fprintf(f, "  %s%s long_headers_tat=%s new_conns_tat=%s verified=%s\n",
			lq_fmt_ip(&k->src, a, sizeof(a)), lq_ip_is_v4(&k->src) ? "" : "/64",
			secs(g->lh_tat, t0, sizeof(t0)), secs(g->conn_tat, t1, sizeof(t1)),
			g->verified ? "yes" : "no");
	}
	free(v);

	v = sorted_entries(&maps->conns, &n);
	fprintf(f, "%s: %zu entries (max %u)\n", maps->conns.name, n, maps->conns.max_entries);
	for (i = 0; v && i < n; i++) {
		const struct lq_conn_val *c = v[i].val;

		fprintf(f, "  %016" PRIx64 " path=%s<->%s rtt_us=%u lens=%u/%u paths=%u flags=0x%02x\n",
			*(const uint64_t *)v[i].key, lq_fmt_ep(&c->path.a, a, sizeof(a)),
			lq_fmt_ep(&c->path.b, b, sizeof(b)), c->rtt_us, c->server_cid_len,
			c->client_cid_len, c->npaths, c->flags);
	}
	free(v);

	v = sorted_entries(&maps->undecided, &n);
	fprintf(f, "%s: %zu entries (max %u)\n", maps->undecided.name, n,
		maps->undecided.max_entries);
	for (i = 0; v && i < n; i++) {
		const struct lq_path_key *k = v[i].key;
		const struct lq_undecided_val *u = v[i].val;
		unsigned j;

		fprintf(f, "  %s <-> %s first=%s switch=%s answers=%u flags=0x%02x same_ep=0x%x "
			   "active=0x%x candidates=",
			lq_fmt_ep(&k->a, a, sizeof(a)), lq_fmt_ep(&k->b, b, sizeof(b)),
			secs(u->first_seen, t0, sizeof(t0)), secs(u->switch_ts, t1, sizeof(t1)),
			u->s2c_same, u->flags, u->same_ep, u->active);
		for (j = 0; j < u->ncand && j < LQ_ANCHOR_SLOTS; j++)
			fprintf(f, "%s%016" PRIx64 "(%u/%u/%u)", j ? "," : "", u->cand[j], u->snap_c2s[j],
				u->snap_s2c[j], u->snap_probes[j]);
		fputc('\n', f);
	}
	free(v);

	v = sorted_entries(&maps->rivals, &n);
	fprintf(f, "%s: %zu entries (max %u)\n", maps->rivals.name, n, maps->rivals.max_entries);
	for (i = 0; v && i < n; i++) {
		const struct lq_path_key *k = v[i].val;

		fprintf(f, "  %016" PRIx64 " %s <-> %s\n", *(const uint64_t *)v[i].key,
			lq_fmt_ep(&k->a, a, sizeof(a)), lq_fmt_ep(&k->b, b, sizeof(b)));
	}
	free(v);
}
