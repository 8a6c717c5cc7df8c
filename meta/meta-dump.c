// SPDX-License-Identifier: BSD-2-Clause
/*
 * meta-dump - the metadata of every QUIC connection in a capture, one JSON
 * line each, through lqmeta. A test driver for tests/meta_check.py: its
 * grouping of datagrams into connections is its own simple rule (below),
 * not the tracker's; the real tools will feed lqmeta by the tracker's labels.
 *
 * Grouping: by UDP 4-tuple. The client is the sender of the first datagram
 * with a long header of a non-zero version, else of the first datagram. A
 * client Initial to a DCID the connection never used (not its original DCID,
 * not the Retry's SCID), once the connection's ClientHello was parsed and
 * no Version Negotiation came, starts a new connection on that 4-tuple.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <pcap/pcap.h>

#include "meta.h"

struct endpoint {
	uint8_t family; /* 4 or 6 */
	uint8_t addr[16];
	uint16_t port;
};

struct conn {
	struct endpoint client, server;
	uint64_t first_ts;
	uint32_t frames;
	struct lq_meta meta;
};

static struct conn **conns;
static size_t nconns, cap_conns;
static const char *file_name;

/* ---- output --------------------------------------------------------------- */

static void json_str(FILE *f, const uint8_t *s, size_t n)
{
	fputc('"', f);
	for (size_t i = 0; i < n; i++) {
		uint8_t c = s[i];
		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static void json_hex(FILE *f, const uint8_t *s, size_t n)
{
	fputc('"', f);
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%02x", s[i]);
	fputc('"', f);
}

static void json_endpoint(FILE *f, const struct endpoint *e)
{
	char a[INET6_ADDRSTRLEN];

	inet_ntop(e->family == 6 ? AF_INET6 : AF_INET, e->addr, a, sizeof(a));
	fprintf(f, e->family == 6 ? "\"[%s]:%u\"" : "\"%s:%u\"", a, e->port);
}

static void json_int_or_null(FILE *f, int have, uint64_t v)
{
	if (have)
		fprintf(f, "%" PRIu64, v);
	else
		fputs("null", f);
}

static void print_tp(FILE *f, const struct lq_tp *tp, int8_t iscid_match)
{
	if (!tp->present) {
		fputs("null", f);
		return;
	}
	fprintf(f, "{\"ext\":\"0x%04x\",\"format\":\"%s\",\"max_idle_timeout\":", tp->ext,
		tp->old_format ? "draft16" : "varint");
	json_int_or_null(f, tp->have & LQ_TPH_MAX_IDLE, tp->max_idle_timeout);
	fputs(",\"max_udp_payload_size\":", f);
	json_int_or_null(f, tp->have & LQ_TPH_MAX_UDP, tp->max_udp_payload_size);
	fputs(",\"active_connection_id_limit\":", f);
	json_int_or_null(f, tp->have & LQ_TPH_ACID_LIMIT, tp->active_connection_id_limit);
	fprintf(f, ",\"disable_active_migration\":%s,\"grease_quic_bit\":%s",
		tp->have & LQ_TPH_DISABLE_MIGRATION ? "true" : "false",
		tp->have & LQ_TPH_GREASE_BIT ? "true" : "false");
	fputs(",\"initial_source_connection_id\":", f);
	if (tp->have & LQ_TPH_ISCID)
		json_hex(f, tp->iscid, tp->iscid_len);
	else
		fputs("null", f);
	fprintf(f, ",\"iscid_match\":%s",
		iscid_match < 0 ? "null" : iscid_match ? "true" : "false");
	fputs(",\"version_information\":", f);
	if (tp->have & LQ_TPH_VERSION_INFO) {
		fprintf(f, "{\"chosen\":\"0x%08x\",\"available\":[", tp->vi_chosen);
		for (unsigned i = 0; i < tp->vi_count; i++)
			fprintf(f, "%s\"0x%08x\"", i ? "," : "", tp->vi_available[i]);
		fprintf(f, "],\"draft\":%s}", tp->vi_draft ? "true" : "false");
	} else {
		fputs("null", f);
	}
	fputs(",\"multipath\":", f);
	if (tp->have & LQ_TPH_MULTIPATH)
		fprintf(f, "{\"id\":\"0x%" PRIx64 "\",\"name\":\"%s\",\"value\":%" PRIu64 "}",
			tp->mp_id, tp->mp_name, tp->mp_value);
	else
		fputs("null", f);
	fputs(",\"ids\":[", f);
	for (unsigned i = 0; i < tp->nids; i++)
		fprintf(f, "%s\"0x%" PRIx64 "\"", i ? "," : "", tp->ids[i]);
	fputs("]}", f);
}

static void print_cid(FILE *f, const char *name, const struct lq_meta_cid *c, int have)
{
	fprintf(f, ",\"%s\":", name);
	if (have)
		json_hex(f, c->id, c->len);
	else
		fputs("null", f);
}

static void print_conn(FILE *f, struct conn *c)
{
	const struct lq_meta_info *i;

	lq_meta_finish(&c->meta);
	i = lq_meta_info(&c->meta);
	if (!i->initials[0] && !i->initials[1] && i->client_reason != LQ_MR_UNSUPPORTED)
		return; /* no Initial of a version we know: nothing to say about it */
	fputs("{\"file\":", f);
	json_str(f, (const uint8_t *)file_name, strlen(file_name));
	fputs(",\"client\":", f);
	json_endpoint(f, &c->client);
	fputs(",\"server\":", f);
	json_endpoint(f, &c->server);
	fprintf(f, ",\"first_ts\":%" PRIu64 ".%09" PRIu64 ",\"frames\":%u", c->first_ts / 1000000000,
		c->first_ts % 1000000000, c->frames);
	fputs(",\"version\":", f);
	if (i->version)
		fprintf(f, "\"0x%08x\"", i->version);
	else
		fputs("null", f);
	fputs(",\"versions\":[", f);
	for (unsigned k = 0; k < i->nversions; k++)
		fprintf(f, "%s\"0x%08x\"", k ? "," : "", i->versions[k]);
	fputs("]", f);
	print_cid(f, "original_dcid", &i->original_dcid, i->version != 0);
	print_cid(f, "client_scid", &i->client_scid, i->version != 0);
	print_cid(f, "server_scid", &i->server_scid, i->server_version != 0);
	fprintf(f, ",\"vn\":%s,\"retry\":%s", i->vn_seen ? "true" : "false",
		i->retry_seen ? "true" : "false");
	print_cid(f, "retry_scid", &i->retry_scid, i->retry_seen);
	fputs(",\"sni\":", f);
	if (i->has_ch && i->ch.sni_len)
		json_str(f, (const uint8_t *)i->ch.sni, i->ch.sni_len);
	else
		fputs("null", f);
	fputs(",\"alpn\":", f);
	if (i->has_ch && i->ch.has_alpn) {
		fputc('[', f);
		for (unsigned k = 0; k < i->ch.nalpn; k++) {
			if (k)
				fputc(',', f);
			json_str(f, i->ch.alpn + i->ch.alpn_off[k], i->ch.alpn_len[k]);
		}
		fputc(']', f);
	} else {
		fputs("null", f);
	}
	fputs(",\"ja4\":", f);
	if (i->ja4[0])
		fprintf(f, "\"%s\"", i->ja4);
	else
		fputs("null", f);
	fputs(",\"ja4s\":", f);
	if (i->ja4s[0])
		fprintf(f, "\"%s\"", i->ja4s);
	else
		fputs("null", f);
	fputs(",\"exts\":[", f);
	for (unsigned k = 0; i->has_ch && k < i->ch.nexts; k++)
		fprintf(f, "%s\"0x%04x\"", k ? "," : "", i->ch.exts[k]);
	fputs("]", f);
	fputs(",\"sh_exts\":[", f);
	for (unsigned k = 0; i->has_sh && k < i->sh.nexts; k++)
		fprintf(f, "%s\"0x%04x\"", k ? "," : "", i->sh.exts[k]);
	fputs("]", f);
	fputs(",\"tls_cipher\":", f);
	if (i->has_sh)
		fprintf(f, "\"0x%04x\"", i->sh.cipher);
	else
		fputs("null", f);
	fputs(",\"tp\":", f);
	print_tp(f, &i->ch.tp, i->iscid_match);
	fprintf(f, ",\"rtt_server_ns\":%" PRId64 ",\"rtt_client_ns\":%" PRId64
		   ",\"handshake_rtt_ns\":%" PRId64,
		i->rtt_server_ns, i->rtt_client_ns, i->handshake_rtt_ns);
	fprintf(f, ",\"client_reason\":\"%s\",\"server_reason\":\"%s\"",
		lq_meta_reason_name(i->client_reason), lq_meta_reason_name(i->server_reason));
	fprintf(f, ",\"initials\":[%u,%u],\"opened\":[%u,%u],\"failed\":[%u,%u]}\n", i->initials[0],
		i->initials[1], i->initials_opened[0], i->initials_opened[1], i->initials_failed[0],
		i->initials_failed[1]);
}

/* ---- packets ------------------------------------------------------------- */

struct udp_view {
	struct endpoint src, dst;
	const uint8_t *payload;
	size_t len;
};

static int ip_udp(const uint8_t *p, size_t n, struct udp_view *u)
{
	size_t l4, ulen;
	unsigned proto;

	if (n < 1)
		return -1;
	if ((p[0] >> 4) == 4) {
		size_t ihl = (size_t)(p[0] & 15) * 4, tot;
		if (n < 20 || ihl < 20 || n < ihl)
			return -1;
		if ((p[6] & 0x3f) || p[7]) /* a fragment (MF or an offset): no whole datagram */
			return -1;
		tot = (size_t)p[2] << 8 | p[3];
		if (tot < n)
			n = tot;
		proto = p[9];
		u->src.family = u->dst.family = 4;
		memcpy(u->src.addr, p + 12, 4);
		memcpy(u->dst.addr, p + 16, 4);
		l4 = ihl;
	} else if ((p[0] >> 4) == 6) {
		size_t plen;
		if (n < 40)
			return -1;
		plen = (size_t)p[4] << 8 | p[5];
		if (40 + plen < n)
			n = 40 + plen;
		proto = p[6];
		l4 = 40;
		/* hop-by-hop, routing, destination options: skip; a fragment: give up */
		while ((proto == 0 || proto == 43 || proto == 60) && l4 + 8 <= n) {
			proto = p[l4];
			l4 += 8 + (size_t)p[l4 + 1] * 8;
		}
		u->src.family = u->dst.family = 6;
		memcpy(u->src.addr, p + 8, 16);
		memcpy(u->dst.addr, p + 24, 16);
	} else {
		return -1;
	}
	if (proto != 17 || l4 + 8 > n)
		return -1;
	u->src.port = (uint16_t)(p[l4] << 8 | p[l4 + 1]);
	u->dst.port = (uint16_t)(p[l4 + 2] << 8 | p[l4 + 3]);
	ulen = (size_t)p[l4 + 4] << 8 | p[l4 + 5];
	u->payload = p + l4 + 8;
	u->len = n - l4 - 8;
	if (ulen >= 8 && ulen - 8 < u->len)
		u->len = ulen - 8;
	return 0;
}

/* The IP packet inside a frame of the given link type. */
static int link_ip(int dlt, const uint8_t *p, size_t n, const uint8_t **ip, size_t *ip_len)
{
	size_t o;
	unsigned et;

	switch (dlt) {
	case DLT_EN10MB:
		if (n < 14)
			return -1;
		o = 12;
		et = (unsigned)(p[o] << 8 | p[o + 1]);
		while ((et == 0x8100 || et == 0x88a8) && o + 6 <= n) { /* 802.1Q, 802.1ad */
			o += 4;
			et = (unsigned)(p[o] << 8 | p[o + 1]);
		}
		o += 2;
		if (et != 0x0800 && et != 0x86dd)
			return -1;
		break;
	case DLT_LINUX_SLL:
		o = 16;
		break;
#ifdef DLT_LINUX_SLL2
	case DLT_LINUX_SLL2:
		o = 20;
		break;
#endif
	case DLT_NULL:
	case DLT_LOOP:
		o = 4;
		break;
	case DLT_RAW:
#ifdef DLT_IPV4
	case DLT_IPV4:
	case DLT_IPV6:
#endif
		o = 0;
		break;
	default:
		return -1;
	}
	if (o > n)
		return -1;
	*ip = p + o;
	*ip_len = n - o;
	return 0;
}

static int same_ep(const struct endpoint *a, const struct endpoint *b)
{
	return a->family == b->family && a->port == b->port &&
	       !memcmp(a->addr, b->addr, a->family == 6 ? 16 : 4);
}

static void emit_all(FILE *f)
{
	for (size_t k = 0; k < nconns; k++) {
		print_conn(f, conns[k]);
		lq_meta_free(&conns[k]->meta);
		free(conns[k]);
	}
	free(conns);
	conns = NULL;
	nconns = cap_conns = 0;
}

/* The last connection on this 4-tuple; *dir set. */
static struct conn *find(const struct udp_view *u, int *dir)
{
	for (size_t k = nconns; k-- > 0;) {
		struct conn *c = conns[k];
		if (same_ep(&c->client, &u->src) && same_ep(&c->server, &u->dst)) {
			*dir = LQ_META_C2S;
			return c;
		}
		if (same_ep(&c->client, &u->dst) && same_ep(&c->server, &u->src)) {
			*dir = LQ_META_S2C;
			return c;
		}
	}
	return NULL;
}

static struct conn *add(const struct endpoint *client, const struct endpoint *server,
			const struct lq_meta_limits *lim, uint64_t ts)
{
	struct conn *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	if (nconns == cap_conns) {
		size_t ncap = cap_conns ? 2 * cap_conns : 64;
		struct conn **nc = realloc(conns, ncap * sizeof(*nc));
		if (!nc) {
			free(c);
			return NULL;
		}
		conns = nc;
		cap_conns = ncap;
	}
	c->client = *client;
	c->server = *server;
	c->first_ts = ts;
	lq_meta_init(&c->meta, lim);
	conns[nconns++] = c;
	return c;
}

/* A client Initial's DCID, when the datagram starts with one (any version's
 * Initial type: v1 0b00, v2 0b01; long header, non-zero version). */
static int initial_dcid(const uint8_t *p, size_t n, const uint8_t **dcid, size_t *dcil)
{
	if (n < 7 || !(p[0] & 0x80) || !(p[1] | p[2] | p[3] | p[4]))
		return 0;
	*dcil = p[5];
	if (*dcil > 20 || n < 6 + *dcil)
		return 0;
	*dcid = p + 6;
	return 1;
}

static int is_known_dcid(const struct lq_meta_info *i, const uint8_t *d, size_t l)
{
	return (i->original_dcid.len == l && !memcmp(i->original_dcid.id, d, l)) ||
	       (i->retry_seen && i->retry_scid.len == l && !memcmp(i->retry_scid.id, d, l));
}

static void on_udp(const struct udp_view *u, uint64_t ts, const struct lq_meta_limits *lim)
{
	const uint8_t *dcid;
	size_t dcil;
	int dir = 0, lh = u->len >= 5 && (u->payload[0] & 0x80) &&
			  (u->payload[1] | u->payload[2] | u->payload[3] | u->payload[4]);
	struct conn *c = find(u, &dir);

	if (c && dir == LQ_META_C2S && initial_dcid(u->payload, u->len, &dcid, &dcil)) {
		const struct lq_meta_info *i = lq_meta_info(&c->meta);
		if (i->client_reason == LQ_MR_OK && !i->vn_seen && !is_known_dcid(i, dcid, dcil) &&
		    i->initials[1] == 0 && i->datagrams[1] == 0)
			c = NULL; /* a second client on the port, never answered */
		else if (i->client_reason == LQ_MR_OK && !i->vn_seen &&
			 !is_known_dcid(i, dcid, dcil) && i->server_scid.len &&
			 !(i->server_scid.len == dcil && !memcmp(i->server_scid.id, dcid, dcil)))
			c = NULL; /* a new handshake on a known 4-tuple */
	}
	if (!c) {
		/* a Version Negotiation comes from the server: its sender is not the client */
		int vn = u->len >= 5 && (u->payload[0] & 0x80) && !lh;

		c = vn ? add(&u->dst, &u->src, lim, ts) : add(&u->src, &u->dst, lim, ts);
		if (!c)
			return;
		dir = vn ? LQ_META_S2C : LQ_META_C2S;
	}
	c->frames++;
	if (!lq_meta_done(&c->meta))
		lq_meta_feed(&c->meta, dir, ts, u->payload, u->len, u->len);
}

static void usage(FILE *f)
{
	fputs("usage: meta-dump [OPTIONS] FILE...\n"
	      "Prints the metadata of every QUIC connection in the captures, one JSON line\n"
	      "each: versions, CIDs, SNI, ALPN, JA4, JA4S, transport parameters, handshake\n"
	      "RTT and why a hello was not learned. Datagrams are grouped by UDP 4-tuple.\n"
	      "  -b, --max-hello=BYTES   bound on a hello (default 16384)\n"
	      "  -n, --max-datagrams=N   datagrams fed per connection at most (default 64)\n"
	      "  -h, --help\n"
	      "Examples:\n"
	      "  meta-dump pcaps/ngtcp2/handshake.pcap\n"
	      "  meta-dump -b 1024 capture.pcapng | jq -r .sni\n",
	      f);
}

static int number(const char *s, const char *what, unsigned long lo, unsigned long hi,
		  uint32_t *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || end == s || v < lo || v > hi) {
		fprintf(stderr, "meta-dump: bad %s '%s': a number from %lu to %lu\n", what, s, lo,
			hi);
		return -1;
	}
	*out = (uint32_t)v;
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {{"max-hello", required_argument, NULL, 'b'},
					     {"max-datagrams", required_argument, NULL, 'n'},
					     {"help", no_argument, NULL, 'h'},
					     {NULL, 0, NULL, 0}};
	struct lq_meta_limits lim = {LQ_META_DEFAULT_HELLO_BYTES, LQ_META_DEFAULT_DATAGRAMS, 0};
	char err[PCAP_ERRBUF_SIZE];
	int o, rc = 0;

	while ((o = getopt_long(argc, argv, "b:n:h", opts, NULL)) != -1) {
		switch (o) {
		case 'b':
			if (number(optarg, "--max-hello", 64, 1 << 20, &lim.max_hello_bytes))
				return 2;
			break;
		case 'n':
			if (number(optarg, "--max-datagrams", 1, 1 << 20, &lim.max_datagrams))
				return 2;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return 2;
	}
	for (int a = optind; a < argc; a++) {
		struct pcap_pkthdr *h;
		const u_char *data;
		pcap_t *pc;
		int dlt, r;

		file_name = argv[a];
		pc = pcap_open_offline_with_tstamp_precision(argv[a], PCAP_TSTAMP_PRECISION_NANO,
							     err);
		if (!pc) {
			fprintf(stderr, "meta-dump: cannot read '%s': %s\n", argv[a], err);
			rc = 1;
			continue;
		}
		dlt = pcap_datalink(pc);
		while ((r = pcap_next_ex(pc, &h, &data)) == 1) {
			const uint8_t *ip;
			size_t ip_len;
			struct udp_view u;
			uint64_t ts = (uint64_t)h->ts.tv_sec * 1000000000 + (uint64_t)h->ts.tv_usec;

			if (link_ip(dlt, data, h->caplen, &ip, &ip_len) ||
			    ip_udp(ip, ip_len, &u))
				continue;
			on_udp(&u, ts, &lim);
		}
		if (r == -1) {
			fprintf(stderr, "meta-dump: '%s': %s\n", argv[a], pcap_geterr(pc));
			rc = 1;
		}
		emit_all(stdout);
		pcap_close(pc);
	}
	lq_meta_thread_cleanup();
	return rc;
}
