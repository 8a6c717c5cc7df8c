// SPDX-License-Identifier: BSD-2-Clause
/*
 * connrec.c - per-connection records (see connrec.h): the connections of the
 * record stream, each with its paths and counts, its IDs from the long
 * headers, and what lqmeta learns from its Initials; written as one JSON
 * object when it ends.
 */
#include "connrec.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "meta.h"
#include "output.h"
#include "conntab.h"
#include "undecided.h"
#include "vocab.h"

#define CR_VERSIONS 8		/* distinct versions listed per connection */
#define CR_SCAN_NS 1000000000ULL /* look for ended connections at most once a second */

/* ---- what lqmeta learned, kept compact once it is done --------------------- */

/* client_reason / server_reason beyond lqmeta's: metadata was not asked for */
#define CR_META_OFF 0xff

struct cr_tp {
	uint8_t present, old_format;
	uint16_t ext, have; /* LQ_TPH_* */
	uint64_t max_idle_timeout, max_udp_payload_size, active_connection_id_limit;
	uint8_t iscid[LQ_CID_MAX], iscid_len;
	int8_t iscid_match;
	uint8_t vi_count, vi_draft;
	uint32_t vi_chosen, vi_available[8];
	uint64_t mp_id, mp_value;
	const char *mp_name; /* static, lqmeta's */
};

struct cr_meta {
	uint8_t client_reason, server_reason; /* enum lq_meta_reason, or CR_META_OFF */
	uint8_t has_ch, has_sh;
	uint16_t tls_cipher;
	int64_t rtt_server_ns, rtt_client_ns, handshake_rtt_ns;
	char ja4[LQ_JA4_LEN + 1], ja4s[LQ_JA4S_LEN + 1];
	struct cr_tp tp;
	/* the IDs as lqmeta read them (it also reads the long headers of
	 * versions the tracker does not parse: a reserved one, say) */
	uint8_t has_odcid, has_sscid;
	struct lq_cid odcid, cscid, sscid;
	uint8_t has_sni, has_alpn, nalpn;
	uint16_t sni_len, alpn_bytes;
	uint8_t text[]; /* the SNI's bytes, then each ALPN as a length byte and its bytes */
};

/* ---- connections -------------------------------------------------------------- */

struct cr_path {
	struct lq_endpoint client, server;
	uint64_t first, last, pkts[2], bytes[2];
	uint16_t events;
	uint16_t cid_changes;
};

enum cr_meta_state {
	CR_M_WAIT,     /* no long header yet: nothing to learn from */
	CR_M_LEARNING, /* feeding lqmeta */
	CR_M_DONE,     /* learned: meta freed, sum kept */
};

/* which IDs of the long headers are known */
#define CR_HAVE_ODCID 0x01
#define CR_HAVE_CSCID 0x02
#define CR_HAVE_SSCID 0x04 /* from the server's Initial */
#define CR_HAVE_SSCID_HS 0x08 /* from its Handshake, no Initial of it seen */
#define CR_HAVE_RSCID 0x10

struct cr_conn {
	uint64_t conn;
	uint64_t first, last, last_update;
	uint64_t pkts[2], bytes[2];
	uint32_t version; /* the one it settled on */
	uint32_t versions[CR_VERSIONS];
	uint8_t nversions;
	uint8_t have, vn, retry, state;
	uint16_t events;
	uint32_t cid_changes;
	uint32_t npaths, cap, paths_left_out;
	struct cr_path *paths;
	struct lq_cid odcid, cscid, sscid, rscid;
	struct lq_meta *meta;
	struct cr_meta *sum;
};

struct lq_connrec {
	struct lq_connrec_opts o;
	struct cr_conn **slots; /* open addressing by label, linear probing */
	uint32_t nslots, n;
	uint64_t next_scan, now;
	uint64_t written;
	struct lq_undec *undec;
	char *buf; /* one record as it is written */
	size_t len, cap;
	int oom;
};

/* ---- JSON ------------------------------------------------------------------------ */

/* The record is built in one buffer, grown when needed (rarely: it keeps
 * its size from one record to the next). */
static __attribute__((noinline)) int jb_grow(struct lq_connrec *cr, size_t k)
{
	size_t cap;
	char *p;

	if (cr->oom)
		return -1;
	for (cap = cr->cap ? cr->cap : 16384; cap < cr->len + k; cap *= 2)
		;
	p = realloc(cr->buf, cap);
	if (!p) {
		cr->oom = 1;
		return -1;
	}
	cr->buf = p;
	cr->cap = cap;
	return 0;
}

static inline int jb_need(struct lq_connrec *cr, size_t k)
{
	return cr->len + k <= cr->cap ? 0 : jb_grow(cr, k);
}

static inline void jb_raw(struct lq_connrec *cr, const char *s, size_t k)
{
	if (jb_need(cr, k))
		return;
	memcpy(cr->buf + cr->len, s, k);
	cr->len += k;
}

#define JB_LIT(cr, s) jb_raw(cr, s, sizeof(s) - 1)

static inline void jb_c(struct lq_connrec *cr, char c)
{
	if (jb_need(cr, 1))
		return;
	cr->buf[cr->len++] = c;
}

static void jb_u64(struct lq_connrec *cr, uint64_t v)
{
	char b[24], *p = b + sizeof(b);

	do {
		*--p = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	jb_raw(cr, p, (size_t)(b + sizeof(b) - p));
}

static void jb_i64_or_null(struct lq_connrec *cr, int64_t v)
{
	if (v < 0)
		JB_LIT(cr, "null");
	else
		jb_u64(cr, (uint64_t)v);
}

static void jb_bool(struct lq_connrec *cr, int v)
{
	if (v)
		JB_LIT(cr, "true");
	else
		JB_LIT(cr, "false");
}

/* seconds with nanoseconds, as the per-frame records' ts */
static void jb_ts(struct lq_connrec *cr, uint64_t ns)
{
	uint32_t frac = (uint32_t)(ns % 1000000000u);
	char b[10];
	int i;

	jb_u64(cr, ns / 1000000000u);
	b[0] = '.';
	for (i = 9; i > 0; i--, frac /= 10)
		b[i] = (char)('0' + frac % 10);
	jb_raw(cr, b, 10);
}

/* Bytes from the wire as a JSON string: '"' and '\' escaped, anything not
 * printable ASCII as \u00XX (as meta-dump writes them). */
static void jb_str(struct lq_connrec *cr, const uint8_t *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t i;

	if (jb_need(cr, n * 6 + 2))
		return;
	cr->buf[cr->len++] = '"';
	for (i = 0; i < n; i++) {
		uint8_t c = s[i];

		if (c == '"' || c == '\\') {
			cr->buf[cr->len++] = '\\';
			cr->buf[cr->len++] = (char)c;
		} else if (c < 0x20 || c >= 0x7f) {
			memcpy(cr->buf + cr->len, "\\u00", 4);
			cr->buf[cr->len + 4] = hex[c >> 4];
			cr->buf[cr->len + 5] = hex[c & 15];
			cr->len += 6;
		} else {
			cr->buf[cr->len++] = (char)c;
		}
	}
	cr->buf[cr->len++] = '"';
}

static void jb_cstr(struct lq_connrec *cr, const char *s)
{
	if (!s) {
		JB_LIT(cr, "null");
		return;
	}
	jb_str(cr, (const uint8_t *)s, strlen(s));
}

static void jb_hex(struct lq_connrec *cr, const uint8_t *p, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t i;

	if (jb_need(cr, 2 * n + 2))
		return;
	cr->buf[cr->len++] = '"';
	for (i = 0; i < n; i++) {
		cr->buf[cr->len++] = hex[p[i] >> 4];
		cr->buf[cr->len++] = hex[p[i] & 15];
	}
	cr->buf[cr->len++] = '"';
}

static void jb_hexword(struct lq_connrec *cr, uint64_t v, int digits)
{
	static const char hex[] = "0123456789abcdef";
	char b[16];
	int i;

	for (i = digits - 1; i >= 0; i--, v >>= 4)
		b[i] = hex[v & 15];
	jb_raw(cr, b, (size_t)digits);
}

static void jb_version(struct lq_connrec *cr, uint32_t v)
{
	JB_LIT(cr, "\"0x");
	jb_hexword(cr, v, 8);
	jb_c(cr, '"');
}

/* An address as lq_fmt_ip writes it; IPv4 without the printf machinery of
 * inet_ntop (a record has two a path). */
static void jb_ip(struct lq_connrec *cr, const struct lq_ip *ip)
{
	char a[64];
	int i;

	jb_c(cr, '"');
	if (lq_ip_is_v4(ip)) {
		for (i = 12; i < 16; i++) {
			if (i > 12)
				jb_c(cr, '.');
			jb_u64(cr, ip->b[i]);
		}
	} else {
		lq_fmt_ip(ip, a, sizeof(a));
		jb_raw(cr, a, strlen(a));
	}
	jb_c(cr, '"');
}

static void jb_events(struct lq_connrec *cr, uint16_t events)
{
	unsigned e, first = 1;

	jb_c(cr, '[');
	for (e = 1; e < LQ_E__COUNT; e++) {
		if (!(events & (1u << e)))
			continue;
		if (!first)
			jb_c(cr, ',');
		first = 0;
		jb_cstr(cr, lq_event_name(e));
	}
	jb_c(cr, ']');
}

/* ---- the record's fields: one table for the output, --vocabulary and the
 * README ------------------------------------------------------------------------ */

struct cr_view {
	struct lq_connrec *cr;
	const struct cr_conn *c;
	const struct cr_meta *m; /* NULL: metadata was not asked for */
	const struct cr_path *p; /* a path's fields */
	int update;
	enum lq_conn_end why;
};

struct conn_field {
	const char *name;
	const char *key; /* "name": */
	size_t keylen;
	void (*put)(const struct cr_view *);
	const char *desc;
};

#define CR_FIELD(name, put, desc) { name, "\"" name "\":", sizeof(name) + 2, put, desc }

static const char *const end_names[LQ_END__COUNT] = {
#define LQ__END_NAME(id, name, desc) name,
	LQ_CONN_END_LIST(LQ__END_NAME)
#undef LQ__END_NAME
};

static void f_conn(const struct cr_view *v)
{
	jb_c(v->cr, '"');
	jb_hexword(v->cr, v->c->conn, 16);
	jb_c(v->cr, '"');
}

static void f_update(const struct cr_view *v)
{
	jb_bool(v->cr, v->update);
}

static void f_ended(const struct cr_view *v)
{
	jb_cstr(v->cr, v->update ? NULL : end_names[v->why]);
}

static void f_version(const struct cr_view *v)
{
	if (v->c->version)
		jb_version(v->cr, v->c->version);
	else
		JB_LIT(v->cr, "null");
}

static void f_versions(const struct cr_view *v)
{
	unsigned i;

	jb_c(v->cr, '[');
	for (i = 0; i < v->c->nversions; i++) {
		if (i)
			jb_c(v->cr, ',');
		jb_version(v->cr, v->c->versions[i]);
	}
	jb_c(v->cr, ']');
}

static const struct cr_path *first_path(const struct cr_view *v)
{
	return v->p ? v->p : &v->c->paths[0];
}

static void f_client(const struct cr_view *v)
{
	jb_ip(v->cr, &first_path(v)->client.ip);
}

static void f_client_port(const struct cr_view *v)
{
	jb_u64(v->cr, first_path(v)->client.port);
}

static void f_server(const struct cr_view *v)
{
	jb_ip(v->cr, &first_path(v)->server.ip);
}

static void f_server_port(const struct cr_view *v)
{
	jb_u64(v->cr, first_path(v)->server.port);
}

static void f_first(const struct cr_view *v)
{
	jb_ts(v->cr, v->p ? v->p->first : v->c->first);
}

static void f_last(const struct cr_view *v)
{
	jb_ts(v->cr, v->p ? v->p->last : v->c->last);
}

static void f_pkts_c2s(const struct cr_view *v)
{
	jb_u64(v->cr, v->p ? v->p->pkts[LQ_C2S] : v->c->pkts[LQ_C2S]);
}

static void f_pkts_s2c(const struct cr_view *v)
{
	jb_u64(v->cr, v->p ? v->p->pkts[LQ_S2C] : v->c->pkts[LQ_S2C]);
}

static void f_bytes_c2s(const struct cr_view *v)
{
	jb_u64(v->cr, v->p ? v->p->bytes[LQ_C2S] : v->c->bytes[LQ_C2S]);
}

static void f_bytes_s2c(const struct cr_view *v)
{
	jb_u64(v->cr, v->p ? v->p->bytes[LQ_S2C] : v->c->bytes[LQ_S2C]);
}

static void f_events(const struct cr_view *v)
{
	jb_events(v->cr, v->p ? v->p->events : v->c->events);
}

static void f_cid_changes(const struct cr_view *v)
{
	jb_u64(v->cr, v->p ? v->p->cid_changes : v->c->cid_changes);
}

static void f_via(const struct cr_view *v)
{
	jb_cstr(v->cr, lq_path_via(v->p->events));
}

static void put_object(const struct cr_view *v, const struct conn_field *fields, size_t n);

static void f_paths(const struct cr_view *v);

static void f_paths_left_out(const struct cr_view *v)
{
	jb_u64(v->cr, v->c->paths_left_out);
}

static void put_cid(const struct cr_view *v, const struct lq_cid *c, int have)
{
	if (have)
		jb_hex(v->cr, c->id, c->len > LQ_CID_MAX ? LQ_CID_MAX : c->len);
	else
		JB_LIT(v->cr, "null");
}

/* The IDs: from the records' long headers, or lqmeta's reading of them
 * when the tracker could not parse them (a reserved version's Initial). */
static void f_original_dcid(const struct cr_view *v)
{
	if (!(v->c->have & CR_HAVE_ODCID) && v->m && v->m->has_odcid)
		put_cid(v, &v->m->odcid, 1);
	else
		put_cid(v, &v->c->odcid, v->c->have & CR_HAVE_ODCID);
}

static void f_client_scid(const struct cr_view *v)
{
	if (!(v->c->have & CR_HAVE_CSCID) && v->m && v->m->has_odcid)
		put_cid(v, &v->m->cscid, 1);
	else
		put_cid(v, &v->c->cscid, v->c->have & CR_HAVE_CSCID);
}

static void f_server_scid(const struct cr_view *v)
{
	if (!(v->c->have & CR_HAVE_SSCID) && v->m && v->m->has_sscid)
		put_cid(v, &v->m->sscid, 1);
	else
		put_cid(v, &v->c->sscid, v->c->have & (CR_HAVE_SSCID | CR_HAVE_SSCID_HS));
}

static void f_retry_scid(const struct cr_view *v)
{
	put_cid(v, &v->c->rscid, v->c->have & CR_HAVE_RSCID);
}

static void f_retry(const struct cr_view *v)
{
	jb_bool(v->cr, v->c->retry);
}

static void f_vn(const struct cr_view *v)
{
	jb_bool(v->cr, v->c->vn);
}

static void f_sni(const struct cr_view *v)
{
	if (v->m && v->m->has_sni)
		jb_str(v->cr, v->m->text, v->m->sni_len);
	else
		JB_LIT(v->cr, "null");
}

static void f_alpn(const struct cr_view *v)
{
	const uint8_t *p;
	unsigned i;

	if (!v->m || !v->m->has_alpn) {
		JB_LIT(v->cr, "null");
		return;
	}
	p = v->m->text + v->m->sni_len;
	jb_c(v->cr, '[');
	for (i = 0; i < v->m->nalpn; i++) {
		if (i)
			jb_c(v->cr, ',');
		jb_str(v->cr, p + 1, p[0]);
		p += 1 + p[0];
	}
	jb_c(v->cr, ']');
}

static void f_ja4(const struct cr_view *v)
{
	jb_cstr(v->cr, v->m && v->m->ja4[0] ? v->m->ja4 : NULL);
}

static void f_ja4s(const struct cr_view *v)
{
	jb_cstr(v->cr, v->m && v->m->ja4s[0] ? v->m->ja4s : NULL);
}

static void f_tls_cipher(const struct cr_view *v)
{
	if (!v->m || !v->m->has_sh) {
		JB_LIT(v->cr, "null");
		return;
	}
	JB_LIT(v->cr, "\"0x");
	jb_hexword(v->cr, v->m->tls_cipher, 4);
	jb_c(v->cr, '"');
}

static void tp_num(const struct cr_view *v, const char *name, int have, uint64_t x)
{
	jb_c(v->cr, ',');
	jb_cstr(v->cr, name);
	jb_c(v->cr, ':');
	if (have)
		jb_u64(v->cr, x);
	else
		JB_LIT(v->cr, "null");
}

static void f_tp(const struct cr_view *v)
{
	const struct cr_tp *tp;
	struct lq_connrec *cr = v->cr;
	char b[24];
	unsigned i;

	if (!v->m || !v->m->tp.present) {
		JB_LIT(cr, "null");
		return;
	}
	tp = &v->m->tp;
	JB_LIT(cr, "{\"ext\":\"0x");
	jb_hexword(cr, tp->ext, 4);
	jb_c(cr, '"');
	tp_num(v, "max_idle_timeout", tp->have & LQ_TPH_MAX_IDLE, tp->max_idle_timeout);
	tp_num(v, "max_udp_payload_size", tp->have & LQ_TPH_MAX_UDP, tp->max_udp_payload_size);
	tp_num(v, "active_connection_id_limit", tp->have & LQ_TPH_ACID_LIMIT,
	       tp->active_connection_id_limit);
	JB_LIT(cr, ",\"disable_active_migration\":");
	jb_bool(cr, tp->have & LQ_TPH_DISABLE_MIGRATION);
	JB_LIT(cr, ",\"grease_quic_bit\":");
	jb_bool(cr, tp->have & LQ_TPH_GREASE_BIT);
	JB_LIT(cr, ",\"initial_source_connection_id\":");
	if (tp->have & LQ_TPH_ISCID)
		jb_hex(cr, tp->iscid, tp->iscid_len);
	else
		JB_LIT(cr, "null");
	JB_LIT(cr, ",\"iscid_match\":");
	if (tp->iscid_match < 0)
		JB_LIT(cr, "null");
	else
		jb_bool(cr, tp->iscid_match);
	JB_LIT(cr, ",\"version_information\":");
	if (tp->have & LQ_TPH_VERSION_INFO) {
		JB_LIT(cr, "{\"chosen\":");
		jb_version(cr, tp->vi_chosen);
		JB_LIT(cr, ",\"available\":[");
		for (i = 0; i < tp->vi_count; i++) {
			if (i)
				jb_c(cr, ',');
			jb_version(cr, tp->vi_available[i]);
		}
		JB_LIT(cr, "]}");
	} else {
		JB_LIT(cr, "null");
	}
	JB_LIT(cr, ",\"multipath\":");
	if (tp->have & LQ_TPH_MULTIPATH) {
		snprintf(b, sizeof(b), "{\"id\":\"0x%" PRIx64 "\"", tp->mp_id);
		jb_raw(cr, b, strlen(b));
		JB_LIT(cr, ",\"name\":");
		jb_cstr(cr, tp->mp_name);
		JB_LIT(cr, ",\"value\":");
		jb_u64(cr, tp->mp_value);
		jb_c(cr, '}');
	} else {
		JB_LIT(cr, "null");
	}
	jb_c(cr, '}');
}

static void f_rtt_server(const struct cr_view *v)
{
	jb_i64_or_null(v->cr, v->m ? v->m->rtt_server_ns : -1);
}

static void f_rtt_client(const struct cr_view *v)
{
	jb_i64_or_null(v->cr, v->m ? v->m->rtt_client_ns : -1);
}

static void f_handshake_rtt(const struct cr_view *v)
{
	jb_i64_or_null(v->cr, v->m ? v->m->handshake_rtt_ns : -1);
}

static const char *reason_name(unsigned r)
{
	return r == CR_META_OFF ? "off" : lq_meta_reason_name((enum lq_meta_reason)r);
}

static void f_client_hello(const struct cr_view *v)
{
	jb_cstr(v->cr, v->m ? reason_name(v->m->client_reason) : "off");
}

static void f_server_hello(const struct cr_view *v)
{
	jb_cstr(v->cr, v->m ? reason_name(v->m->server_reason) : "off");
}

/* A path's fields, in "paths". */
static const struct conn_field path_fields[] = {
	CR_FIELD("client", f_client, "the client's address on this path"),
	CR_FIELD("client_port", f_client_port, "its UDP port"),
	CR_FIELD("server", f_server, "the server's address on this path"),
	CR_FIELD("server_port", f_server_port, "its UDP port"),
	CR_FIELD("via", f_via, "how the path joined: handshake, cid (rebinding), probe, link"),
	CR_FIELD("first", f_first, "its first packet, seconds with nanoseconds"),
	CR_FIELD("last", f_last, "its last packet"),
	CR_FIELD("pkts_c2s", f_pkts_c2s, "datagrams client to server"),
	CR_FIELD("pkts_s2c", f_pkts_s2c, "datagrams server to client"),
	CR_FIELD("bytes_c2s", f_bytes_c2s, "IP bytes client to server"),
	CR_FIELD("bytes_s2c", f_bytes_s2c, "IP bytes server to client"),
	CR_FIELD("events", f_events, "events seen on the path"),
	CR_FIELD("cid_changes", f_cid_changes, "DCID changes seen on the path"),
};

/* The record's fields, in order. */
static const struct conn_field conn_fields[] = {
	CR_FIELD("conn", f_conn, "connection label, 16 hex digits: the per-frame records' conn"),
	CR_FIELD("update", f_update, "true for a periodic update (--conn-update) of a live connection"),
	CR_FIELD("ended", f_ended, "why it was written (see conn_end); null in an update"),
	CR_FIELD("version", f_version, "the version it settled on, 0x%08x"),
	CR_FIELD("versions", f_versions, "every long header's version, in order"),
	CR_FIELD("client", f_client, "the client's address on the first path"),
	CR_FIELD("client_port", f_client_port, "its UDP port"),
	CR_FIELD("server", f_server, "the server's address on the first path"),
	CR_FIELD("server_port", f_server_port, "its UDP port"),
	CR_FIELD("first", f_first, "its first packet, seconds with nanoseconds"),
	CR_FIELD("last", f_last, "its last packet"),
	CR_FIELD("pkts_c2s", f_pkts_c2s, "datagrams client to server, every path"),
	CR_FIELD("pkts_s2c", f_pkts_s2c, "datagrams server to client"),
	CR_FIELD("bytes_c2s", f_bytes_c2s, "IP bytes client to server"),
	CR_FIELD("bytes_s2c", f_bytes_s2c, "IP bytes server to client"),
	CR_FIELD("events", f_events, "every event of the connection"),
	CR_FIELD("cid_changes", f_cid_changes, "DCID changes seen"),
	CR_FIELD("paths", f_paths, "every path (see conn_path_field), in the order they came"),
	CR_FIELD("paths_left_out", f_paths_left_out, "paths past the bound, counted above but not listed"),
	CR_FIELD("original_dcid", f_original_dcid, "DCID of the client's first Initial, hex"),
	CR_FIELD("client_scid", f_client_scid, "SCID of the client's Initial"),
	CR_FIELD("server_scid", f_server_scid, "SCID of the server's Initial (or Handshake)"),
	CR_FIELD("retry_scid", f_retry_scid, "SCID of the server's Retry"),
	CR_FIELD("retry", f_retry, "the server sent Retry"),
	CR_FIELD("vn", f_vn, "the server sent Version Negotiation"),
	CR_FIELD("sni", f_sni, "server_name of the ClientHello"),
	CR_FIELD("alpn", f_alpn, "ALPN list of the ClientHello, an array"),
	CR_FIELD("ja4", f_ja4, "JA4 of the ClientHello (FoxIO, QUIC form)"),
	CR_FIELD("ja4s", f_ja4s, "JA4S of the ServerHello"),
	CR_FIELD("tls_cipher", f_tls_cipher, "the cipher suite the ServerHello chose"),
	CR_FIELD("tp", f_tp, "the client's transport parameters (see conn_tp)"),
	CR_FIELD("rtt_server_ns", f_rtt_server, "client's first Initial to the server's answer, ns"),
	CR_FIELD("rtt_client_ns", f_rtt_client, "that answer to the client's next datagram, ns"),
	CR_FIELD("handshake_rtt_ns", f_handshake_rtt, "their sum: the handshake RTT the monitor sees, ns"),
	CR_FIELD("client_hello", f_client_hello, "ok, or why the ClientHello was not learned"),
	CR_FIELD("server_hello", f_server_hello, "ok, or why the ServerHello was not learned"),
};

/* The transport parameters' fields, in "tp" (written by f_tp). */
static const char *const tp_fields[][2] = {
	{ "ext", "the extension's code: 0x0039 or the drafts' 0xffa5" },
	{ "max_idle_timeout", "ms" },
	{ "max_udp_payload_size", "bytes" },
	{ "active_connection_id_limit", "" },
	{ "disable_active_migration", "true when sent" },
	{ "grease_quic_bit", "true when sent (RFC 9287)" },
	{ "initial_source_connection_id", "hex" },
	{ "iscid_match", "it equals the Initial's SCID (RFC 9000 §7.3); null when not sent" },
	{ "version_information", "{chosen, available} (RFC 9368)" },
	{ "multipath", "{id, name, value}: the multipath draft's parameter" },
};

#define NFIELDS(a) (sizeof(a) / sizeof((a)[0]))

static void put_object(const struct cr_view *v, const struct conn_field *fields, size_t n)
{
	size_t i;

	jb_c(v->cr, '{');
	for (i = 0; i < n; i++) {
		if (i)
			jb_c(v->cr, ',');
		jb_raw(v->cr, fields[i].key, fields[i].keylen);
		fields[i].put(v);
	}
	jb_c(v->cr, '}');
}

static void f_paths(const struct cr_view *v)
{
	struct cr_view pv = *v;
	uint32_t i;

	jb_c(v->cr, '[');
	for (i = 0; i < v->c->npaths; i++) {
		if (i)
			jb_c(v->cr, ',');
		pv.p = &v->c->paths[i];
		put_object(&pv, path_fields, NFIELDS(path_fields));
	}
	jb_c(v->cr, ']');
}

void lq_connrec_print_fields(FILE *f)
{
	size_t i;

	for (i = 0; i < NFIELDS(conn_fields); i++)
		fprintf(f, "%-8s %-20s %-20s %s\n", "conn_field", conn_fields[i].name, "-",
			conn_fields[i].desc);
	for (i = 0; i < NFIELDS(path_fields); i++)
		fprintf(f, "%-8s %-20s %-20s %s\n", "conn_path_field", path_fields[i].name, "-",
			path_fields[i].desc);
	for (i = 0; i < NFIELDS(tp_fields); i++)
		fprintf(f, "%-8s %-20s %-20s %s\n", "conn_tp", tp_fields[i][0], "-",
			tp_fields[i][1][0] ? tp_fields[i][1] : "-");
#define LQ__END_LINE(id, name, desc) fprintf(f, "%-8s %-20s %-20s %s\n", "conn_end", name, "-", desc);
	LQ_CONN_END_LIST(LQ__END_LINE)
#undef LQ__END_LINE
	/* client_hello and server_hello: lqmeta's reasons, and metadata off */
	for (i = 0; i < LQ_MR_COUNT; i++)
		fprintf(f, "%-8s %-20s %-20s %s\n", "conn_hello",
			lq_meta_reason_name((enum lq_meta_reason)i), "-", "meta/reason.h");
	fprintf(f, "%-8s %-20s %-20s %s\n", "conn_hello", "off", "-", "--no-meta");
}

/* ---- metadata ---------------------------------------------------------------------- */

/* What is printed of lqmeta's view, compact (one allocation, ~250 bytes
 * plus the SNI and ALPN). NULL when out of memory. */
static struct cr_meta *summarize(const struct lq_meta_info *i)
{
	const struct lq_client_hello *ch = &i->ch;
	const struct lq_tp *tp = &ch->tp;
	size_t sni = i->has_ch && ch->sni_len ? ch->sni_len : 0, alpn = 0;
	struct cr_meta *m;
	uint8_t *p;
	unsigned k;

	if (i->has_ch && ch->has_alpn)
		for (k = 0; k < ch->nalpn; k++)
			alpn += 1u + ch->alpn_len[k];
	m = calloc(1, sizeof(*m) + sni + alpn);
	if (!m)
		return NULL;
	m->client_reason = i->client_reason;
	m->server_reason = i->server_reason;
	m->has_ch = i->has_ch;
	m->has_sh = i->has_sh;
	m->tls_cipher = i->has_sh ? i->sh.cipher : 0;
	if (i->version) {
		m->has_odcid = 1;
		m->odcid.len = i->original_dcid.len;
		memcpy(m->odcid.id, i->original_dcid.id, i->original_dcid.len);
		m->cscid.len = i->client_scid.len;
		memcpy(m->cscid.id, i->client_scid.id, i->client_scid.len);
	}
	if (i->server_version) {
		m->has_sscid = 1;
		m->sscid.len = i->server_scid.len;
		memcpy(m->sscid.id, i->server_scid.id, i->server_scid.len);
	}
	m->rtt_server_ns = i->rtt_server_ns;
	m->rtt_client_ns = i->rtt_client_ns;
	m->handshake_rtt_ns = i->handshake_rtt_ns;
	memcpy(m->ja4, i->ja4, sizeof(m->ja4));
	memcpy(m->ja4s, i->ja4s, sizeof(m->ja4s));
	if (i->has_ch && tp->present) {
		m->tp.present = 1;
		m->tp.old_format = tp->old_format;
		m->tp.ext = tp->ext;
		m->tp.have = tp->have;
		m->tp.max_idle_timeout = tp->max_idle_timeout;
		m->tp.max_udp_payload_size = tp->max_udp_payload_size;
		m->tp.active_connection_id_limit = tp->active_connection_id_limit;
		m->tp.iscid_len = tp->iscid_len > LQ_CID_MAX ? LQ_CID_MAX : tp->iscid_len;
		memcpy(m->tp.iscid, tp->iscid, m->tp.iscid_len);
		m->tp.iscid_match = i->iscid_match;
		m->tp.vi_chosen = tp->vi_chosen;
		m->tp.vi_count = tp->vi_count > 8 ? 8 : tp->vi_count;
		memcpy(m->tp.vi_available, tp->vi_available, m->tp.vi_count * sizeof(uint32_t));
		m->tp.vi_draft = tp->vi_draft;
		m->tp.mp_id = tp->mp_id;
		m->tp.mp_value = tp->mp_value;
		m->tp.mp_name = tp->mp_name;
	}
	m->has_sni = sni != 0;
	m->sni_len = (uint16_t)sni;
	memcpy(m->text, ch->sni, sni);
	if (i->has_ch && ch->has_alpn) {
		m->has_alpn = 1;
		m->nalpn = ch->nalpn;
		p = m->text + sni;
		for (k = 0; k < ch->nalpn; k++) {
			*p++ = ch->alpn_len[k];
			memcpy(p, ch->alpn + ch->alpn_off[k], ch->alpn_len[k]);
			p += ch->alpn_len[k];
		}
	}
	m->alpn_bytes = (uint16_t)alpn;
	return m;
}

/* lqmeta has learned all it can (or the connection ended): keep the
 * summary, free the rest. */
static void meta_done(struct lq_connrec *cr, struct cr_conn *c)
{
	if (c->state != CR_M_LEARNING)
		return;
	c->sum = summarize(lq_meta_info(c->meta));
	if (!c->sum)
		cr->oom = 1;
	lq_meta_free(c->meta);
	free(c->meta);
	c->meta = NULL;
	c->state = CR_M_DONE;
	if (c->sum && c->sum->has_sni && cr->o.named) {
		char sni[LQ_SNI_MAX + 1];

		memcpy(sni, c->sum->text, c->sum->sni_len);
		sni[c->sum->sni_len] = 0;
		cr->o.named(cr->o.named_ctx, c->conn, sni);
	}
}

int lq_udp_payload(const uint8_t *frame, uint32_t caplen, uint32_t l3, uint32_t udp_len,
		   const uint8_t **p, uint32_t *n)
{
	const uint8_t *ip;
	uint32_t len, off, proto, hops;

	if (!frame || l3 >= caplen)
		return -1;
	ip = frame + l3;
	len = caplen - l3;
	if ((ip[0] >> 4) == 4) {
		if (len < 20 || (ip[0] & 15) < 5 || (ip[6] & 0x3f) || ip[7])
			return -1; /* short, or a fragment */
		off = (uint32_t)(ip[0] & 15) * 4;
		proto = ip[9];
	} else if ((ip[0] >> 4) == 6) {
		if (len < 40)
			return -1;
		off = 40;
		proto = ip[6];
		/* hop-by-hop, routing, destination options (RFC 8200 §4) */
		for (hops = 0; (proto == 0 || proto == 43 || proto == 60) && hops < 8; hops++) {
			if (off + 8 > len)
				return -1;
			proto = ip[off];
			off += 8 + (uint32_t)ip[off + 1] * 8;
		}
	} else {
		return -1;
	}
	if (proto != 17 || off + 8 > len)
		return -1;
	off += 8;
	*p = ip + off;
	*n = len - off < udp_len ? len - off : udp_len;
	return 0;
}

/* Feeds the frame to lqmeta. A short header is only a time to lqmeta (its
 * first byte says "short"), and the kernel sends no bytes of one: it is fed
 * as that one byte, in both tools alike. */
static void meta_feed(struct lq_connrec *cr, struct cr_conn *c, const struct lq_result *r,
		      const uint8_t *frame, uint32_t caplen, uint32_t l3)
{
	static const uint8_t short_header = 0x40;
	const uint8_t *p;
	uint32_t n;

	if (c->state == CR_M_WAIT) {
		if (r->type == LQ_PT_1RTT)
			return; /* nothing to learn before a long header */
		c->meta = malloc(sizeof(*c->meta));
		if (!c->meta) {
			cr->oom = 1;
			return;
		}
		lq_meta_init(c->meta, NULL);
		c->state = CR_M_LEARNING;
	}
	if (c->state != CR_M_LEARNING)
		return;
	if (r->type == LQ_PT_1RTT)
		lq_meta_feed(c->meta, r->dir, r->ts, &short_header, 1, r->udp_len);
	else if (!lq_udp_payload(frame, caplen, l3, r->udp_len, &p, &n))
		lq_meta_feed(c->meta, r->dir, r->ts, p, n, r->udp_len);
	if (lq_meta_done(c->meta))
		meta_done(cr, c);
}

/* ---- the table of connections ---------------------------------------------------------- */

static uint32_t slot_of(uint64_t conn, uint32_t nslots)
{
	return (uint32_t)((conn * 0x9e3779b97f4a7c15ULL) >> 32) & (nslots - 1);
}

static uint32_t probe(const struct lq_connrec *cr, uint64_t conn)
{
	uint32_t s = slot_of(conn, cr->nslots);

	while (cr->slots[s] && cr->slots[s]->conn != conn)
		s = (s + 1) & (cr->nslots - 1);
	return s;
}

static int grow(struct lq_connrec *cr)
{
	uint32_t ns = cr->nslots ? 2 * cr->nslots : 1024, i, s;
	struct cr_conn **slots = calloc(ns, sizeof(*slots));

	if (!slots)
		return -1;
	for (i = 0; i < cr->nslots; i++) {
		if (!cr->slots[i])
			continue;
		for (s = slot_of(cr->slots[i]->conn, ns); slots[s]; s = (s + 1) & (ns - 1))
			;
		slots[s] = cr->slots[i];
	}
	free(cr->slots);
	cr->slots = slots;
	cr->nslots = ns;
	return 0;
}

/* Backward-shift deletion: no tombstones. */
static void unlink_conn(struct lq_connrec *cr, uint64_t conn)
{
	uint32_t s = probe(cr, conn), j, home;

	if (!cr->slots[s])
		return;
	cr->slots[s] = NULL;
	for (j = (s + 1) & (cr->nslots - 1); cr->slots[j]; j = (j + 1) & (cr->nslots - 1)) {
		home = slot_of(cr->slots[j]->conn, cr->nslots);
		if ((j > s && (home <= s || home > j)) || (j < s && home <= s && home > j)) {
			cr->slots[s] = cr->slots[j];
			cr->slots[j] = NULL;
			s = j;
		}
	}
	cr->n--;
}

static void free_conn(struct cr_conn *c)
{
	if (c->meta) {
		lq_meta_free(c->meta);
		free(c->meta);
	}
	free(c->sum);
	free(c->paths);
	free(c);
}

/* Writes the record of c (an update, or its end for `why`). */
static void write_record(struct lq_connrec *cr, struct cr_conn *c, int update,
			 enum lq_conn_end why)
{
	struct cr_meta *tmp = NULL;
	struct cr_view v;

	if (!cr->o.out || !c->npaths)
		return;
	memset(&v, 0, sizeof(v));
	v.cr = cr;
	v.c = c;
	v.update = update;
	v.why = why;
	if (cr->o.meta) {
		if (c->state == CR_M_LEARNING)
			v.m = tmp = summarize(lq_meta_info(c->meta)); /* as far as it got */
		else if (c->state == CR_M_DONE)
			v.m = c->sum;
		if (!v.m) { /* no long header was seen: nothing lqmeta could learn */
			tmp = calloc(1, sizeof(*tmp));
			if (tmp) {
				tmp->client_reason = tmp->server_reason = LQ_MR_NO_INITIAL;
				tmp->rtt_server_ns = tmp->rtt_client_ns = tmp->handshake_rtt_ns = -1;
			}
			v.m = tmp;
		}
	}
	cr->len = 0;
	put_object(&v, conn_fields, NFIELDS(conn_fields));
	jb_c(cr, '\n');
	if (!cr->oom) {
		fwrite(cr->buf, 1, cr->len, cr->o.out);
		cr->written++;
	}
	free(tmp);
}

/* The connection ends: its metadata settled, its record written, freed. */
static void end_conn(struct lq_connrec *cr, struct cr_conn *c, enum lq_conn_end why)
{
	if (c->state == CR_M_LEARNING) {
		lq_meta_finish(c->meta);
		meta_done(cr, c);
	}
	write_record(cr, c, 0, why);
	unlink_conn(cr, c->conn);
	free_conn(c);
}

static int cmp_by_first(const void *x, const void *y)
{
	const struct cr_conn *a = *(const struct cr_conn *const *)x;
	const struct cr_conn *b = *(const struct cr_conn *const *)y;

	if (a->first != b->first)
		return a->first < b->first ? -1 : 1;
	return a->conn < b->conn ? -1 : a->conn > b->conn;
}

static int cmp_by_last(const void *x, const void *y)
{
	const struct cr_conn *a = *(const struct cr_conn *const *)x;
	const struct cr_conn *b = *(const struct cr_conn *const *)y;

	if (a->last != b->last)
		return a->last < b->last ? -1 : 1;
	return cmp_by_first(x, y);
}

/* Every open connection, in a new array (NULL when there are none or no
 * memory: the caller then does nothing this time). */
static struct cr_conn **all_conns(const struct lq_connrec *cr, uint32_t *n)
{
	struct cr_conn **v;
	uint32_t i, k = 0;

	*n = 0;
	if (!cr->n)
		return NULL;
	v = malloc(cr->n * sizeof(*v));
	if (!v)
		return NULL;
	for (i = 0; i < cr->nslots; i++)
		if (cr->slots[i])
			v[k++] = cr->slots[i];
	*n = k;
	return v;
}

/* The bound on connections is reached: the longest idle sixteenth goes. */
static void evict(struct lq_connrec *cr)
{
	uint32_t n, i, k;
	struct cr_conn **v = all_conns(cr, &n);

	if (!v)
		return;
	qsort(v, n, sizeof(*v), cmp_by_last);
	k = n / 16 ? n / 16 : 1;
	for (i = 0; i < k; i++)
		end_conn(cr, v[i], LQ_END_EVICTED);
	free(v);
}

static struct cr_conn *find_or_add(struct lq_connrec *cr, uint64_t conn)
{
	struct cr_conn *c;
	uint32_t s;

	if (cr->nslots) {
		s = probe(cr, conn);
		if (cr->slots[s])
			return cr->slots[s];
	}
	if (cr->o.max_conns && cr->n >= cr->o.max_conns)
		evict(cr);
	if ((cr->n + 1) * 2 > cr->nslots && grow(cr))
		return NULL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->conn = conn;
	c->first = UINT64_MAX;
	c->state = cr->o.meta ? CR_M_WAIT : CR_M_DONE;
	cr->slots[probe(cr, conn)] = c;
	cr->n++;
	return c;
}

static struct cr_path *find_path(struct lq_connrec *cr, struct cr_conn *c,
				 const struct lq_endpoint *client, const struct lq_endpoint *server)
{
	uint32_t i, max = cr->o.max_paths ? cr->o.max_paths : LQ_CONNREC_PATHS;
	struct cr_path *p;

	for (i = 0; i < c->npaths; i++)
		if (!memcmp(&c->paths[i].client, client, sizeof(*client)) &&
		    !memcmp(&c->paths[i].server, server, sizeof(*server)))
			return &c->paths[i];
	if (c->npaths >= max)
		return NULL;
	if (c->npaths == c->cap) {
		uint32_t cap = c->cap ? 2 * c->cap : 2;
		struct cr_path *np = realloc(c->paths, cap * sizeof(*np));

		if (!np) {
			cr->oom = 1;
			return NULL;
		}
		c->paths = np;
		c->cap = cap;
	}
	p = &c->paths[c->npaths++];
	memset(p, 0, sizeof(*p));
	p->client = *client;
	p->server = *server;
	p->first = UINT64_MAX;
	return p;
}

static void note_version(struct cr_conn *c, const struct lq_result *r)
{
	unsigned i;

	if (!r->version || r->type == LQ_PT_VN)
		return;
	/* the version the connection settled on: a greased first attempt
	 * (RFC 9000 §15) gives way to what follows it (as the table says) */
	if (!c->version || (c->version & 0x0f0f0f0f) == 0x0a0a0a0a)
		c->version = r->version;
	for (i = 0; i < c->nversions; i++)
		if (c->versions[i] == r->version)
			return;
	if (c->nversions < CR_VERSIONS)
		c->versions[c->nversions++] = r->version;
}

/* The IDs the long headers show: the first client Initial's, the server's
 * first Initial's (or Handshake's), a Retry's. From the records, so they
 * are there with metadata off too. */
static void note_cids(struct cr_conn *c, const struct lq_result *r)
{
	if (r->type == LQ_PT_VN && r->dir == LQ_S2C) {
		c->vn = 1;
		return;
	}
	if (r->type == LQ_PT_RETRY && r->dir == LQ_S2C) {
		c->retry = 1;
		if (!(c->have & CR_HAVE_RSCID)) {
			c->rscid = r->scid;
			c->have |= CR_HAVE_RSCID;
		}
		return;
	}
	if (r->dir == LQ_C2S && r->type == LQ_PT_INITIAL && !(c->have & CR_HAVE_ODCID)) {
		c->odcid = r->dcid;
		c->cscid = r->scid;
		c->have |= CR_HAVE_ODCID | CR_HAVE_CSCID;
	} else if (r->dir == LQ_S2C && r->type == LQ_PT_INITIAL && !(c->have & CR_HAVE_SSCID)) {
		c->sscid = r->scid;
		c->have |= CR_HAVE_SSCID;
	} else if (r->dir == LQ_S2C && r->type == LQ_PT_HANDSHAKE &&
		   !(c->have & (CR_HAVE_SSCID | CR_HAVE_SSCID_HS))) {
		c->sscid = r->scid;
		c->have |= CR_HAVE_SSCID_HS;
	}
}

static void count_path(struct cr_path *p, int d, uint64_t ts, uint64_t len)
{
	if (ts < p->first)
		p->first = ts;
	if (ts > p->last)
		p->last = ts;
	p->pkts[d]++;
	p->bytes[d] += len;
}

/* The link r brings what its path's undecided frames counted. */
static void fold_link(struct lq_connrec *cr, struct cr_conn *c, struct cr_path *p,
		      const struct lq_result *r)
{
	struct lq_undec_fold f;
	int d;

	if (!cr->undec || !lq_undec_take(cr->undec, r, &f))
		return;
	if (!f.frames)
		return;
	for (d = 0; d < 2; d++) {
		c->pkts[d] += f.pkts[d];
		c->bytes[d] += f.bytes[d];
		if (p) {
			p->pkts[d] += f.pkts[d];
			p->bytes[d] += f.bytes[d];
		}
	}
	c->first = f.first < c->first ? f.first : c->first;
	c->last = f.last > c->last ? f.last : c->last;
	c->events |= f.events;
	if (p) {
		p->first = f.first < p->first ? f.first : p->first;
		p->last = f.last > p->last ? f.last : p->last;
		p->events |= f.events;
	}
}

struct lq_connrec *lq_connrec_new(const struct lq_connrec_opts *o)
{
	struct lq_connrec *cr = calloc(1, sizeof(*cr));

	if (!cr)
		return NULL;
	cr->o = *o;
	if (!cr->o.idle_ns)
		cr->o.idle_ns = LQ_DEF_IDLE_NS;
	return cr;
}

int lq_connrec_add(struct lq_connrec *cr, const struct lq_result *r, const uint8_t *frame,
		   uint32_t caplen, uint32_t l3)
{
	const struct lq_endpoint *client, *server;
	struct cr_conn *c;
	struct cr_path *p;
	int d;

	lq_connrec_tick(cr, r->ts);
	cr->oom = 0;
	if (!r->conn) {
		if (!(r->flags & LQ_RF_UNDECIDED) && !lq_undec_count(cr->undec))
			return 0;
		if (!cr->undec && !(cr->undec = lq_undec_new(0, cr->o.idle_ns)))
			return -1;
		return lq_undec_add(cr->undec, r);
	}
	if (r->dir > LQ_S2C)
		return 0;
	c = find_or_add(cr, r->conn);
	if (!c)
		return -1;
	d = r->dir;
	client = d == LQ_C2S ? &r->src : &r->dst;
	server = d == LQ_C2S ? &r->dst : &r->src;
	p = find_path(cr, c, client, server);
	if (!p && !cr->oom)
		c->paths_left_out++; /* counted in the connection, not listed */
	if (r->event == LQ_E_LINK)
		fold_link(cr, c, p, r);
	if (p) {
		count_path(p, d, r->ts, r->ip_len);
		if (r->event && r->event < LQ_E__COUNT)
			p->events |= (uint16_t)(1u << r->event);
		if (r->event == LQ_E_CID_CHANGE)
			p->cid_changes++;
	}
	if (r->ts < c->first)
		c->first = r->ts;
	if (r->ts > c->last)
		c->last = r->ts;
	if (!c->last_update)
		c->last_update = r->ts;
	c->pkts[d]++;
	c->bytes[d] += r->ip_len;
	if (r->event && r->event < LQ_E__COUNT)
		c->events |= (uint16_t)(1u << r->event);
	if (r->event == LQ_E_CID_CHANGE)
		c->cid_changes++;
	note_version(c, r);
	note_cids(c, r);
	if (c->state != CR_M_DONE)
		meta_feed(cr, c, r, frame, caplen, l3);
	return cr->oom ? -1 : 0;
}

void lq_connrec_tick(struct lq_connrec *cr, uint64_t now)
{
	struct cr_conn **v;
	uint32_t n, i, k;
	uint64_t step = cr->o.idle_ns / 4 < CR_SCAN_NS ? cr->o.idle_ns / 4 : CR_SCAN_NS;

	if (now > cr->now)
		cr->now = now;
	if (now < cr->next_scan)
		return;
	cr->next_scan = now + (step ? step : 1);
	if (cr->undec)
		lq_undec_expire(cr->undec, now);
	v = all_conns(cr, &n);
	if (!v)
		return;
	/* the ones to write, in the order they began (the same for the same input) */
	for (i = k = 0; i < n; i++)
		if ((now > v[i]->last && now - v[i]->last > cr->o.idle_ns) ||
		    (cr->o.update_ns && now - v[i]->last_update >= cr->o.update_ns))
			v[k++] = v[i];
	qsort(v, k, sizeof(*v), cmp_by_first);
	for (i = 0; i < k; i++) {
		struct cr_conn *c = v[i];

		if (now > c->last && now - c->last > cr->o.idle_ns) {
			end_conn(cr, c, LQ_END_IDLE);
			continue;
		}
		write_record(cr, c, 1, LQ_END_IDLE);
		c->last_update = now;
	}
	free(v);
}

void lq_connrec_finish(struct lq_connrec *cr, enum lq_conn_end why)
{
	struct cr_conn **v;
	uint32_t n, i;

	v = all_conns(cr, &n);
	if (!v)
		return;
	qsort(v, n, sizeof(*v), cmp_by_first);
	for (i = 0; i < n; i++)
		end_conn(cr, v[i], why);
	free(v);
}

void lq_connrec_free(struct lq_connrec *cr)
{
	uint32_t i;

	if (!cr)
		return;
	for (i = 0; i < cr->nslots; i++)
		if (cr->slots[i])
			free_conn(cr->slots[i]);
	free(cr->slots);
	free(cr->buf);
	lq_undec_free(cr->undec);
	lq_meta_thread_cleanup();
	free(cr);
}

uint64_t lq_connrec_written(const struct lq_connrec *cr)
{
	return cr ? cr->written : 0;
}

unsigned long lq_connrec_open(const struct lq_connrec *cr)
{
	return cr ? cr->n : 0;
}
