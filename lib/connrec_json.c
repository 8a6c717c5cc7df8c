// SPDX-License-Identifier: BSD-2-Clause
/*
 * connrec_json.c - a per-connection record as JSON: one field table (the
 * record's, its paths', its transport parameters') drives the output,
 * --vocabulary and the README check; the line is built in one buffer,
 * without printf.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "connrec_priv.h"
#include "conntab.h"
#include "output.h"
#include "vocab.h"

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

void cr_write_json(struct lq_connrec *cr, const struct cr_conn *c, const struct cr_meta *m,
		   int update, enum lq_conn_end why)
{
	struct cr_view v;

	memset(&v, 0, sizeof(v));
	v.cr = cr;
	v.c = c;
	v.m = m;
	v.update = update;
	v.why = why;
	cr->len = 0;
	put_object(&v, conn_fields, NFIELDS(conn_fields));
	jb_c(cr, '\n');
	if (!cr->oom) {
		fwrite(cr->buf, 1, cr->len, cr->o.out);
		cr->written++;
	}
}
