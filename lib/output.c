// SPDX-License-Identifier: BSD-2-Clause
#include "output.h"

#include <arpa/inet.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../parser/lq_packet.h"

/* ---- names ------------------------------------------------------------------ */

static const char *const verdict_names[LQ_V__COUNT] = {
	"not_ip", "not_udp", "fragment", "truncated", "not_quic", "quic", "pending", "garbage",
	"limited",
};

static const char *const reason_names[LQ_R__COUNT] = {
	NULL,		   "initial_too_small", "unknown_version", "cid_too_long",
	"length_overrun",  "bad_type",		"fixed_bit",	   "unknown_dcid",
	"empty",	   "rate_limit",	"conn_rate",
};

static const char *const event_names[LQ_E__COUNT] = {
	NULL,	     "new_conn",  "retry",     "version_negotiation", "cid_change",
	"rebinding", "probing",	  "migration", "shared_path",
};

static const char *const type_names[LQ_PT__COUNT] = {
	NULL, "initial", "0rtt", "handshake", "retry", "vn", "1rtt", "gquic",
};

static const char *const link_names[] = { "handshake", "cid", "client+server", "client", "server" };

const char *lq_verdict_name(unsigned v)
{
	return v < LQ_V__COUNT ? verdict_names[v] : "?";
}

const char *lq_reason_name(unsigned r)
{
	return r < LQ_R__COUNT ? reason_names[r] : "?";
}

const char *lq_event_name(unsigned e)
{
	return e < LQ_E__COUNT ? event_names[e] : "?";
}

const char *lq_type_name(unsigned t)
{
	return t < LQ_PT__COUNT ? type_names[t] : "?";
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
	if (lq_ip_is_v4(ip))
		inet_ntop(AF_INET, ip->b + 12, buf, (socklen_t)n);
	else
		inet_ntop(AF_INET6, ip->b, buf, (socklen_t)n);
	return buf;
}

char *lq_fmt_ep(const struct lq_endpoint *ep, char *buf, size_t n)
{
	char a[INET6_ADDRSTRLEN];

	lq_fmt_ip(&ep->ip, a, sizeof(a));
	if (lq_ip_is_v4(&ep->ip))
		snprintf(buf, n, "%s:%u", a, ep->port);
	else
		snprintf(buf, n, "[%s]:%u", a, ep->port);
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

static const char *const csv_fields_common =
	"frame,ts,src,sport,dst,dport,verdict,reason,conn,dir,version,type,types,packets,"
	"dcid,scid,event,len,udp_len,flags,action";

void lq_print_record_header(FILE *f, enum lq_format fmt, int live)
{
	if (fmt != LQ_FMT_CSV)
		return;
	fprintf(f, "%s%s\n", csv_fields_common, live ? ",iface,hook" : "");
}

static void fmt_types(uint8_t types, char *buf, size_t n)
{
	unsigned t;
	size_t used = 0;

	buf[0] = 0;
	for (t = 1; t < LQ_PT__COUNT; t++) {
		if (!(types & (1u << t)))
			continue;
		used += (size_t)snprintf(buf + used, n - used, "%s%s", used ? "+" : "", type_names[t]);
		if (used >= n)
			break;
	}
}

static void fmt_flags(uint8_t flags, char *buf, size_t n)
{
	static const char *const names[] = { "fixed_clear", "cut", "probe_size", "coalesced",
					     "gso_segment" };
	unsigned i;
	size_t used = 0;

	buf[0] = 0;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!(flags & (1u << i)))
			continue;
		used += (size_t)snprintf(buf + used, n - used, "%s%s", used ? "+" : "", names[i]);
		if (used >= n)
			break;
	}
}

static const char *hook_name(unsigned h)
{
	switch (h) {
	case LQ_HOOK_XDP:
		return "xdp";
	case LQ_HOOK_TC_IN:
		return "tc-ingress";
	case LQ_HOOK_TC_OUT:
		return "tc-egress";
	default:
		return "replay";
	}
}

/* A JSON string value or null. Our strings never need escaping except the
 * interface name, which Linux limits to printable characters without '/'. */
static void json_str(FILE *f, const char *key, const char *v, int comma)
{
	if (v && *v)
		fprintf(f, "%s\"%s\":\"%s\"", comma ? "," : "", key, v);
	else
		fprintf(f, "%s\"%s\":null", comma ? "," : "", key);
}

static void csv_str(FILE *f, const char *v)
{
	fprintf(f, ",%s", v ? v : "");
}

void lq_print_record(FILE *f, enum lq_format fmt, const struct lq_rec_ctx *ctx,
		     const struct lq_result *r)
{
	char src[INET6_ADDRSTRLEN], dst[INET6_ADDRSTRLEN], conn[20], ver[12], types[64];
	char dcid[2 * LQ_CID_MAX + 1], scid[2 * LQ_CID_MAX + 1], flags[80];
	int quic = r->verdict == LQ_V_QUIC || r->verdict == LQ_V_PENDING ||
		   r->verdict == LQ_V_GARBAGE || r->verdict == LQ_V_LIMITED;
	int has_ip = r->ip_ver != 0;
	int has_udp = r->verdict >= LQ_V_NOT_QUIC;
	const char *type = quic ? lq_type_name(r->type) : NULL;

	src[0] = dst[0] = conn[0] = ver[0] = types[0] = dcid[0] = scid[0] = 0;
	if (has_ip) {
		lq_fmt_ip(&r->src.ip, src, sizeof(src));
		lq_fmt_ip(&r->dst.ip, dst, sizeof(dst));
	}
	if (r->conn)
		snprintf(conn, sizeof(conn), "%016" PRIx64, r->conn);
	/* every long header's version, also one the parser does not know (a
	 * reserved one, or one refused as unknown_version); 0 is VN's */
	if (quic && (r->version || (r->type != LQ_PT_1RTT && r->type != LQ_PT_NONE)))
		snprintf(ver, sizeof(ver), "0x%08x", r->version);
	if (quic) {
		fmt_types(r->types, types, sizeof(types));
		lq_fmt_cid(&r->dcid, dcid, sizeof(dcid));
		if (r->type != LQ_PT_1RTT && r->type != LQ_PT_GQUIC && r->type != LQ_PT_NONE)
			lq_fmt_cid(&r->scid, scid, sizeof(scid));
	}
	fmt_flags(r->flags, flags, sizeof(flags));

	if (fmt == LQ_FMT_JSONL) {
		fprintf(f, "{\"frame\":%" PRIu64 ",\"ts\":%" PRIu64 ".%09" PRIu64, ctx->frame,
			(uint64_t)(r->ts / 1000000000u), (uint64_t)(r->ts % 1000000000u));
		json_str(f, "src", has_ip ? src : NULL, 1);
		if (has_udp)
			fprintf(f, ",\"sport\":%u", r->src.port);
		else
			fprintf(f, ",\"sport\":null");
		json_str(f, "dst", has_ip ? dst : NULL, 1);
		if (has_udp)
			fprintf(f, ",\"dport\":%u", r->dst.port);
		else
			fprintf(f, ",\"dport\":null");
		json_str(f, "verdict", lq_verdict_name(r->verdict), 1);
		json_str(f, "reason", lq_reason_name(r->reason), 1);
		json_str(f, "conn", conn, 1);
		json_str(f, "dir", quic ? lq_dir_name(r->dir) : NULL, 1);
		json_str(f, "version", ver, 1);
		json_str(f, "type", type, 1);
		json_str(f, "types", types, 1);
		fprintf(f, ",\"packets\":%u", quic ? r->npackets : 0);
		if (quic && (r->dcid.len || r->type != LQ_PT_NONE))
			fprintf(f, ",\"dcid\":\"%s\"", dcid);
		else
			fprintf(f, ",\"dcid\":null");
		if (quic && r->type != LQ_PT_1RTT && r->type != LQ_PT_GQUIC && r->type != LQ_PT_NONE)
			fprintf(f, ",\"scid\":\"%s\"", scid);
		else
			fprintf(f, ",\"scid\":null");
		json_str(f, "event", lq_event_name(r->event), 1);
		fprintf(f, ",\"len\":%u,\"udp_len\":%u", r->ip_len, has_udp ? r->udp_len : 0);
		json_str(f, "flags", flags, 1);
		json_str(f, "action", r->action == LQ_ACT_DROP ? "drop" : "pass", 1);
		if (ctx->iface) {
			json_str(f, "iface", ctx->iface, 1);
			json_str(f, "hook", hook_name(r->hook), 1);
		}
		fputs("}\n", f);
	} else if (fmt == LQ_FMT_CSV) {
		fprintf(f, "%" PRIu64 ",%" PRIu64 ".%09" PRIu64, ctx->frame,
			(uint64_t)(r->ts / 1000000000u), (uint64_t)(r->ts % 1000000000u));
		csv_str(f, has_ip ? src : NULL);
		if (has_udp)
			fprintf(f, ",%u", r->src.port);
		else
			fputs(",", f);
		csv_str(f, has_ip ? dst : NULL);
		if (has_udp)
			fprintf(f, ",%u", r->dst.port);
		else
			fputs(",", f);
		csv_str(f, lq_verdict_name(r->verdict));
		csv_str(f, lq_reason_name(r->reason));
		csv_str(f, conn);
		csv_str(f, quic ? lq_dir_name(r->dir) : NULL);
		csv_str(f, ver);
		csv_str(f, type);
		csv_str(f, types);
		fprintf(f, ",%u", quic ? r->npackets : 0);
		csv_str(f, dcid);
		csv_str(f, scid);
		csv_str(f, lq_event_name(r->event));
		fprintf(f, ",%u,%u", r->ip_len, has_udp ? r->udp_len : 0);
		csv_str(f, flags);
		csv_str(f, r->action == LQ_ACT_DROP ? "drop" : "pass");
		if (ctx->iface) {
			csv_str(f, ctx->iface);
			csv_str(f, hook_name(r->hook));
		}
		fputc('\n', f);
	}
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
		fprintf(f, "%s %s %" PRIu64, first ? "" : ",", verdict_names[i], s->verdicts[i]);
		first = 0;
	}
	fputc('\n', f);
	if (maps)
		fprintf(f, "%" PRIu64 " connections, %u paths, %u connection IDs, %u servers, "
			   "%u pending flows\n",
			nconns >= 0 ? (uint64_t)nconns : count_conns(maps), maps->conns.count,
			maps->dcids.count, maps->dest.count, maps->pending.count);
	first = 1;
	for (i = 1; i < LQ_E__COUNT; i++) {
		if (!s->events[i])
			continue;
		fprintf(f, "%s%s %" PRIu64, first ? "events: " : ", ", event_names[i], s->events[i]);
		first = 0;
	}
	if (!first)
		fputc('\n', f);
	/* why frames were garbage, then why they were limited (the guard's
	 * rates): two verdicts, two lines */
	for (pass = 0; pass < 2; pass++) {
		first = 1;
		for (i = 1; i < LQ_R__COUNT; i++) {
			int limit = i == LQ_R_RATE_LIMIT || i == LQ_R_CONN_RATE;

			if (!s->reasons[i] || limit != pass)
				continue;
			fprintf(f, "%s%s %" PRIu64, first ? (pass ? "limited: " : "garbage: ") : ", ",
				reason_names[i], s->reasons[i]);
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
			fprintf(f, "%s%s %" PRIu64, first ? " (" : ", ", reason_names[i],
				s->drops_by_reason[i]);
			first = 0;
		}
		fputs(first ? "\n" : ")\n", f);
	}
	if (maps && (maps->conns.evictions || maps->dcids.evictions || maps->pending.evictions))
		fprintf(f, "evicted: %" PRIu64 " paths, %" PRIu64 " connection IDs, %" PRIu64
			   " pending flows (maps full)\n",
			maps->conns.evictions, maps->dcids.evictions, maps->pending.evictions);
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

static struct pathref *collect_paths(const struct lq_maps *maps, size_t *n)
{
	struct pathref *v = calloc(maps->conns.count ? maps->conns.count : 1, sizeof(*v));
	uint32_t pos = 0;
	const void *k;
	void *val;
	size_t i = 0;

	if (!v)
		return NULL;
	while (emu_map_next(&maps->conns, &pos, &k, &val) >= 0 && i < maps->conns.count) {
		v[i].key = k;
		v[i].val = val;
		i++;
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

static void fmt_time(uint64_t ns, char *buf, size_t n)
{
	time_t t = (time_t)(ns / 1000000000ULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	snprintf(buf, n, "%02d:%02d:%02d.%03u", tm.tm_hour, tm.tm_min, tm.tm_sec,
		 (unsigned)(ns % 1000000000ULL / 1000000));
}

static void fmt_events(uint16_t events, uint32_t cid_changes, char *buf, size_t n)
{
	unsigned e;
	size_t used = 0;

	buf[0] = 0;
	for (e = 1; e < LQ_E__COUNT && used < n; e++) {
		if (!(events & (1u << e)))
			continue;
		if (e == LQ_E_CID_CHANGE && cid_changes > 1)
			used += (size_t)snprintf(buf + used, n - used, "%s%s(%u)", used ? "," : "",
						 event_names[e], cid_changes);
		else
			used += (size_t)snprintf(buf + used, n - used, "%s%s", used ? "," : "",
						 event_names[e]);
	}
	if (!buf[0] && n > 1)
		snprintf(buf, n, "-");
}

/* The connection table's lines, for both of its sources (the records, the
 * maps): one format. */
void lq_table_header(FILE *f, int wc, int ws)
{
	fprintf(f, "%-16s  %-11s  %-*s  %-*s  %7s %7s %10s %10s  %-12s %9s %5s  %s\n", "CONNECTION",
		"VERSION", wc, "CLIENT", ws, "SERVER", "PKTS>", "PKTS<", "BYTES>", "BYTES<", "START",
		"SECONDS", "PATHS", "EVENTS");
}

void lq_table_row(FILE *f, int wc, int ws, const struct lq_table_line *l)
{
	char cl[64], sv[64], ver[24], t0[16], ev[160], name[48];

	fmt_time(l->first, t0, sizeof(t0));
	fmt_events(l->events, l->cid_changes, ev, sizeof(ev));
	if (!l->path) {
		fprintf(f,
			"%016" PRIx64 "  %-11s  %-*s  %-*s  %7" PRIu64 " %7" PRIu64 " %10" PRIu64
			" %10" PRIu64 "  %-12s %9.3f %5u  %s\n",
			l->conn, l->version ? lq_version_name(l->version, ver, sizeof(ver)) : "-", wc,
			lq_fmt_ep(l->client, cl, sizeof(cl)), ws, lq_fmt_ep(l->server, sv, sizeof(sv)),
			l->pkts[0], l->pkts[1], l->bytes[0], l->bytes[1], t0,
			(double)(l->last - l->first) / 1e9, l->npaths, ev);
		return;
	}
	snprintf(name, sizeof(name), "  path %u via %s", l->path, l->via);
	fprintf(f,
		"%-29s  %-*s  %-*s  %7" PRIu64 " %7" PRIu64 " %10" PRIu64 " %10" PRIu64
		"  %-12s %9.3f %5s  %s\n",
		name, wc, lq_fmt_ep(l->client, cl, sizeof(cl)), ws,
		lq_fmt_ep(l->server, sv, sizeof(sv)), l->pkts[0], l->pkts[1], l->bytes[0],
		l->bytes[1], t0, (double)(l->last - l->first) / 1e9, "", ev);
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
	int wc = 6, ws = 6;
	char cl[64], sv[64];

	if (!v)
		return;
	c = calloc(n ? n : 1, sizeof(*c));
	if (!c) {
		free(v);
		return;
	}
	for (i = 0; i < n; i++) {
		const struct lq_endpoint *ce, *se;
		int l;

		if (i == 0 || v[i].val->conn != v[i - 1].val->conn) {
			c[nc].start = i;
			c[nc].conn = v[i].val->conn;
			c[nc].first_seen = v[i].val->first_seen;
			nc++;
		}
		c[nc - 1].n++;
		path_ends(&v[i], &ce, &se);
		l = (int)strlen(lq_fmt_ep(ce, cl, sizeof(cl)));
		wc = l > wc ? l : wc;
		l = (int)strlen(lq_fmt_ep(se, sv, sizeof(sv)));
		ws = l > ws ? l : ws;
	}
	qsort(c, nc, sizeof(*c), cmp_conn);

	lq_table_header(f, wc, ws);
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
		lq_table_row(f, wc, ws, &l);
		if (c[i].n < 2)
			continue;
		for (j = 0; j < c[i].n; j++) {
			const struct pathref *p = &v[c[i].start + j];

			memset(&l, 0, sizeof(l));
			path_ends(p, &l.client, &l.server);
			l.path = (unsigned)j + 1;
			l.via = p->val->origin < 5 ? link_names[p->val->origin] : "?";
			l.pkts[0] = p->val->pkts[0];
			l.pkts[1] = p->val->pkts[1];
			l.bytes[0] = p->val->bytes[0];
			l.bytes[1] = p->val->bytes[1];
			l.first = p->val->first_seen;
			l.last = p->val->last_seen;
			l.events = p->val->events;
			l.cid_changes = p->val->cid_changes;
			lq_table_row(f, wc, ws, &l);
		}
	}
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

static struct kv *sorted_entries(const struct emu_map *m, size_t *n)
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
	qsort(v, i, sizeof(*v), cmp_kv);
	*n = i;
	return v;
}

static const char *state_name(unsigned s)
{
	static const char *const names[] = { "handshake", "retry", "vn", "established", "probing",
					     "migrated" };
	return s < 6 ? names[s] : "?";
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

void lq_print_maps(FILE *f, const struct lq_maps *maps)
{
	struct kv *v;
	size_t n = 0, i;
	char a[64], b[64], c0[2 * LQ_CID_MAX + 1], c1[2 * LQ_CID_MAX + 1], an[160], t0[32], t1[32];

	v = sorted_entries(&maps->conns, &n);
	fprintf(f, "connections_map: %zu entries (max %u)\n", n, maps->conns.max_entries);
	for (i = 0; v && i < n; i++) {
		const struct lq_path_key *k = v[i].key;
		const struct lq_path_val *p = v[i].val;

		fprintf(f,
			"  %s <-> %s conn=%016" PRIx64 " client=%c state=%s via=%s version=0x%08x "
			"dcid>=%s dcid<=%s pkts=%u/%u bytes=%" PRIu64 "/%" PRIu64
			" first=%s last=%s flags=0x%02x events=0x%04x\n",
			lq_fmt_ep(&k->a, a, sizeof(a)), lq_fmt_ep(&k->b, b, sizeof(b)), p->conn,
			p->client_is_b ? 'b' : 'a', state_name(p->state),
			p->origin < 5 ? link_names[p->origin] : "?", p->version,
			lq_fmt_cid(&p->dcid[0], c0, sizeof(c0)), lq_fmt_cid(&p->dcid[1], c1, sizeof(c1)),
			p->pkts[0], p->pkts[1], p->bytes[0], p->bytes[1],
			secs(p->first_seen, t0, sizeof(t0)), secs(p->last_seen, t1, sizeof(t1)), p->flags,
			p->events);
	}
	free(v);

	v = sorted_entries(&maps->dcids, &n);
	fprintf(f, "dcids_map: %zu entries (max %u)\n", n, maps->dcids.max_entries);
	for (i = 0; v && i < n; i++) {
		const struct lq_cid_val *cv = v[i].val;

		fprintf(f, "  %s conn=%016" PRIx64 " dir=%s peer_len=%u\n",
			lq_fmt_cid(v[i].key, c0, sizeof(c0)), cv->conn,
			lq_dir_name(cv->dir) ? lq_dir_name(cv->dir) : "?", cv->peer_cid_len);
	}
	free(v);

	v = sorted_entries(&maps->dest, &n);
	fprintf(f, "dest_map: %zu entries (max %u)\n", n, maps->dest.max_entries);
	for (i = 0; v && i < n; i++) {
		const struct lq_dest_val *d = v[i].val;

		fmt_lens(d->server_cid_len, c0, sizeof(c0));
		fmt_lens(d->client_cid_len, c1, sizeof(c1));
		fmt_anchor(&d->anchor, an, sizeof(an));
		fprintf(f, "  %s server_cid_lens=%s client_cid_lens=%s %s\n",
			lq_fmt_ep(v[i].key, a, sizeof(a)), c0, c1, an);
	}
	free(v);

	v = sorted_entries(&maps->sip, &n);
	fprintf(f, "sip_map: %zu entries (max %u)\n", n, maps->sip.max_entries);
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
	fprintf(f, "potential_quic: %zu entries (max %u)\n", n, maps->pending.max_entries);
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
	fprintf(f, "lq_guard: %zu entries (max %u)\n", n, maps->guard.max_entries);
	for (i = 0; v && i < n; i++) {
		const struct lq_guard_key *k = v[i].key;
		const struct lq_guard_val *g = v[i].val;

		fprintf(f, "  %s%s long_headers_tat=%s new_conns_tat=%s\n",
			lq_fmt_ip(&k->src, a, sizeof(a)), lq_ip_is_v4(&k->src) ? "" : "/64",
			secs(g->lh_tat, t0, sizeof(t0)), secs(g->conn_tat, t1, sizeof(t1)));
	}
	free(v);
}
