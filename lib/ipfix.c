// SPDX-License-Identifier: BSD-2-Clause
/*
 * ipfix.c - the per-connection records as IPFIX records (see ipfix.h):
 * libfixbuf's information model with our enterprise elements, the
 * templates, a record per connection (and per path), and the messages
 * libfixbuf makes of them handed to the transport (ipfix_xport.c).
 *
 * libfixbuf writes each message into our buffer (fbExporterAllocBuffer),
 * in manual mode: at the end of a message it says so (FB_ERROR_EOM), we
 * take the message and append again. So every message is ours to send or
 * drop, and nothing in libfixbuf touches a socket.
 */
#include "ipfix.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <fixbuf/public.h>

#include "conntab.h"
#include "connrec_priv.h"
#include "ipfix_ie.h"
#include "ipfix_xport.h"
#include "output.h"

#define TID_CONN4 256
#define TID_CONN6 257
#define TID_PATH4 258
#define TID_PATH6 259
#define TID_TYPES 260 /* RFC 5610 type records of our elements */
#define TID_CONN_INT 256
#define TID_PATH_INT 258

#define MTU_UDP 1420 /* libfixbuf's own for UDP: one datagram in a 1500-byte path */
#define MTU_STREAM 8192
#define FLUSH_NS 1000000000ULL /* a message waits at most a second for more records */
#define TEXT_MAX 255	       /* strings from the wire are cut there: a record fits a datagram */

/* Spec flags: which template an element is in. */
enum { SF_V4 = 1, SF_V6 = 2, SF_INT = 4 };

/* ---- the records, as libfixbuf reads them (the internal templates) ------------------- */

/* Sorted by size: libfixbuf packs the fields of an internal template
 * without gaps, so the struct must have none. */
struct conn_rec {
	uint64_t start, end; /* NTP format (RFC 7011 §6.1.10) */
	uint64_t start_ms, end_ms; /* the same in ms: what most collectors read (nfacctd) */
	uint64_t octets, packets, rev_octets, rev_packets;
	uint64_t octets_total, packets_total, rev_octets_total, rev_packets_total;
	uint64_t label, handshake_rtt;
	fbVarfield_t odcid, cscid, sscid, sni, alpn, ja4, ja4s, events;
	uint8_t sip6[16], dip6[16];
	uint32_t sip4, dip4, domain, version, paths, migrations, rebindings, cid_changes;
	uint16_t sport, dport, tls_cipher;
	uint8_t proto, end_reason, biflow_dir;
	uint8_t pad[7];
};
_Static_assert(sizeof(struct conn_rec) == offsetof(struct conn_rec, pad) + 7,
	       "conn_rec has no implicit padding");

static fbInfoElementSpec_t conn_spec[] = {
	{ "flowStartNanoseconds", 8, 0 },
	{ "flowEndNanoseconds", 8, 0 },
	{ "flowStartMilliseconds", 8, 0 },
	{ "flowEndMilliseconds", 8, 0 },
	{ "octetDeltaCount", 8, 0 },
	{ "packetDeltaCount", 8, 0 },
	{ "reverseOctetDeltaCount", 8, 0 },
	{ "reversePacketDeltaCount", 8, 0 },
	{ "octetTotalCount", 8, 0 },
	{ "packetTotalCount", 8, 0 },
	{ "reverseOctetTotalCount", 8, 0 },
	{ "reversePacketTotalCount", 8, 0 },
	{ "quicConnectionLabel", 8, 0 },
	{ "quicHandshakeRtt", 8, 0 },
	{ "quicOriginalDcid", FB_IE_VARLEN, 0 },
	{ "quicClientScid", FB_IE_VARLEN, 0 },
	{ "quicServerScid", FB_IE_VARLEN, 0 },
	{ "quicServerName", FB_IE_VARLEN, 0 },
	{ "quicAlpn", FB_IE_VARLEN, 0 },
	{ "quicJa4", FB_IE_VARLEN, 0 },
	{ "quicJa4s", FB_IE_VARLEN, 0 },
	{ "quicEvents", FB_IE_VARLEN, 0 },
	{ "sourceIPv6Address", 16, SF_V6 },
	{ "destinationIPv6Address", 16, SF_V6 },
	{ "sourceIPv4Address", 4, SF_V4 },
	{ "destinationIPv4Address", 4, SF_V4 },
	{ "observationDomainId", 4, 0 },
	{ "quicVersion", 4, 0 },
	{ "quicPathCount", 4, 0 },
	{ "quicMigrations", 4, 0 },
	{ "quicRebindings", 4, 0 },
	{ "quicCidChanges", 4, 0 },
	{ "sourceTransportPort", 2, 0 },
	{ "destinationTransportPort", 2, 0 },
	{ "quicTlsCipher", 2, 0 },
	{ "protocolIdentifier", 1, 0 },
	{ "flowEndReason", 1, 0 },
	{ "biflowDirection", 1, 0 },
	{ "paddingOctets", 7, SF_INT },
	FB_IESPEC_NULL
};

struct path_rec {
	uint64_t start, end, start_ms, end_ms;
	uint64_t octets_total, packets_total, rev_octets_total, rev_packets_total;
	uint64_t label;
	fbVarfield_t via, events;
	uint8_t sip6[16], dip6[16];
	uint32_t sip4, dip4, domain, cid_changes;
	uint16_t sport, dport, index;
	uint8_t proto, end_reason;
};
_Static_assert(sizeof(struct path_rec) == offsetof(struct path_rec, end_reason) + 1,
	       "path_rec has no implicit padding");

static fbInfoElementSpec_t path_spec[] = {
	{ "flowStartNanoseconds", 8, 0 },
	{ "flowEndNanoseconds", 8, 0 },
	{ "flowStartMilliseconds", 8, 0 },
	{ "flowEndMilliseconds", 8, 0 },
	{ "octetTotalCount", 8, 0 },
	{ "packetTotalCount", 8, 0 },
	{ "reverseOctetTotalCount", 8, 0 },
	{ "reversePacketTotalCount", 8, 0 },
	{ "quicConnectionLabel", 8, 0 },
	{ "quicPathVia", FB_IE_VARLEN, 0 },
	{ "quicEvents", FB_IE_VARLEN, 0 },
	{ "sourceIPv6Address", 16, SF_V6 },
	{ "destinationIPv6Address", 16, SF_V6 },
	{ "sourceIPv4Address", 4, SF_V4 },
	{ "destinationIPv4Address", 4, SF_V4 },
	{ "observationDomainId", 4, 0 },
	{ "quicCidChanges", 4, 0 },
	{ "sourceTransportPort", 2, 0 },
	{ "destinationTransportPort", 2, 0 },
	{ "quicPathIndex", 2, 0 },
	{ "protocolIdentifier", 1, 0 },
	{ "flowEndReason", 1, 0 },
	FB_IESPEC_NULL
};

/* ---- what was exported of a connection before (delta counters) ------------------------- */

struct sent_counts {
	uint64_t conn; /* 0: empty slot */
	uint64_t pkts[2], bytes[2];
};

/* Only connections that had an update exported are here, until their end. */
struct sent_table {
	struct sent_counts *slots;
	uint32_t nslots, n;
};

static uint32_t sent_home(uint64_t conn, uint32_t nslots)
{
	return (uint32_t)((conn * 0x9e3779b97f4a7c15ULL) >> 32) & (nslots - 1);
}

static struct sent_counts *sent_find(struct sent_table *t, uint64_t conn)
{
	uint32_t s;

	if (!t->nslots)
		return NULL;
	for (s = sent_home(conn, t->nslots); t->slots[s].conn; s = (s + 1) & (t->nslots - 1))
		if (t->slots[s].conn == conn)
			return &t->slots[s];
	return NULL;
}

static struct sent_counts *sent_add(struct sent_table *t, uint64_t conn)
{
	struct sent_counts *e = sent_find(t, conn);
	uint32_t s, i, ns;

	if (e)
		return e;
	if ((t->n + 1) * 2 > t->nslots) {
		struct sent_counts *old = t->slots;

		ns = t->nslots ? 2 * t->nslots : 256;
		t->slots = calloc(ns, sizeof(*t->slots));
		if (!t->slots) {
			t->slots = old;
			return NULL;
		}
		for (i = 0; i < t->nslots; i++) {
			if (!old[i].conn)
				continue;
			for (s = sent_home(old[i].conn, ns); t->slots[s].conn; s = (s + 1) & (ns - 1))
				;
			t->slots[s] = old[i];
		}
		free(old);
		t->nslots = ns;
	}
	for (s = sent_home(conn, t->nslots); t->slots[s].conn; s = (s + 1) & (t->nslots - 1))
		;
	t->slots[s].conn = conn;
	t->n++;
	return &t->slots[s];
}

/* Backward-shift deletion, as connrec's table. */
static void sent_remove(struct sent_table *t, struct sent_counts *e)
{
	uint32_t s = (uint32_t)(e - t->slots), j, home;

	e->conn = 0;
	for (j = (s + 1) & (t->nslots - 1); t->slots[j].conn; j = (j + 1) & (t->nslots - 1)) {
		home = sent_home(t->slots[j].conn, t->nslots);
		if ((j > s && (home <= s || home > j)) || (j < s && home <= s && home > j)) {
			t->slots[s] = t->slots[j];
			t->slots[j].conn = 0;
			s = j;
		}
	}
	t->n--;
}

/* ---- the exporter ------------------------------------------------------------------------ */

struct lq_ipfix {
	struct lq_ipfix_opts o;
	const char *tool;
	fbInfoModel_t *model;
	fBuf_t *fbuf; /* owns the session and the exporter */
	fbSession_t *session;
	fbExporter_t *exporter;
	uint8_t *msg; /* where libfixbuf writes each message */
	uint16_t mtu;
	uint32_t msg_records; /* data records in the message being made */
	uint64_t msg_started, next_refresh, refresh_ns;
	int broken; /* libfixbuf refused something: nothing more is made */
	struct lq_xport *xp;
	struct sent_table sent;
	struct lq_ipfix_counters st;
};

static void fb_failed(struct lq_ipfix *x, const char *what, GError *err)
{
	fprintf(stderr, "%s: --export %s: %s: %s\n", x->tool, x->o.url, what,
		err ? err->message : "failed");
	g_clear_error(&err);
	x->broken = 1;
}

/* NTP time (seconds since 1900 and a binary fraction) from ns since 1970. */
static uint64_t ntp_time(uint64_t ns)
{
	uint64_t s = ns / 1000000000ULL + 2208988800ULL, frac = ns % 1000000000ULL;

	return s << 32 | ((frac << 32) / 1000000000ULL);
}

/* The message libfixbuf has made goes to the transport. */
static void emit(struct lq_ipfix *x, int templates)
{
	GError *err = NULL;
	uint32_t records = x->msg_records;

	x->msg[0] = x->msg[1] = 0;
	if (!fBufEmit(x->fbuf, &err)) {
		fb_failed(x, "cannot make a message", err);
		return;
	}
	x->msg_records = 0;
	if (x->msg[0] != 0 || x->msg[1] != 10) /* no message was open */
		return;
	lq_xport_send(x->xp, x->msg, fbExporterGetMsgLen(x->exporter), records, templates);
}

static int is_eom(const GError *err)
{
	return g_error_matches(err, FB_ERROR_DOMAIN, FB_ERROR_EOM);
}

/* The templates, and the type records of our elements (RFC 5610: a
 * collector learns their names and types), in messages of their own. */
static void send_templates(struct lq_ipfix *x)
{
	static const uint16_t tids[] = { TID_CONN4, TID_CONN6, TID_PATH4, TID_PATH6, TID_TYPES };
#define LQ__IE_ID(id, name, kind, sem, units, pname, psem, desc) id,
	static const uint16_t ies[] = { LQ_IPFIX_IE_LIST(LQ__IE_ID) };
#undef LQ__IE_ID
	GError *err = NULL;
	unsigned i, tries;

	if (x->msg_records)
		emit(x, 0);
	for (i = 0; i < sizeof(tids) / sizeof(tids[0]) && !x->broken; i++) {
		for (tries = 0; !fbSessionExportTemplate(x->session, tids[i], &err); tries++) {
			if (!is_eom(err) || tries) {
				fb_failed(x, "cannot export the templates", err);
				return;
			}
			g_clear_error(&err);
			emit(x, 1);
		}
	}
	for (i = 0; i < sizeof(ies) / sizeof(ies[0]) && !x->broken; i++) {
		const fbInfoElement_t *ie = fbInfoModelGetElementByID(x->model, ies[i], x->o.pen);

		for (tries = 0; !fbInfoElementWriteOptionsRecord(x->fbuf, ie, TID_TYPES, TID_TYPES, &err);
		     tries++) {
			if (!is_eom(err) || tries) {
				fb_failed(x, "cannot export the element types", err);
				return;
			}
			g_clear_error(&err);
			emit(x, 1);
		}
	}
	if (x->broken)
		return;
	emit(x, 1);
	lq_xport_templates_sent(x->xp);
	x->next_refresh = lq_mono_ns() + x->refresh_ns;
}

static int templates_due(struct lq_ipfix *x, uint64_t now)
{
	return lq_xport_want_templates(x->xp) ||
	       (x->refresh_ns && lq_xport_kind(x->xp) == LQ_IPFIX_UDP && now >= x->next_refresh);
}

/* Appends one record; a full message goes out first. */
static void append(struct lq_ipfix *x, uint16_t itid, uint16_t etid, void *rec, size_t len)
{
	GError *err = NULL;
	unsigned tries;

	LQ_CNT_ADD(x->st.records, 1);
	if (x->broken) {
		LQ_CNT_ADD(x->st.records_dropped, 1);
		return;
	}
	if (!x->msg_records) {
		uint64_t now = lq_mono_ns();

		if (templates_due(x, now))
			send_templates(x);
		x->msg_started = now;
	}
	for (tries = 0;; tries++) {
		if (!fBufSetInternalTemplate(x->fbuf, itid, &err) ||
		    !fBufSetExportTemplate(x->fbuf, etid, &err)) {
			fb_failed(x, "template", err);
			LQ_CNT_ADD(x->st.records_dropped, 1);
			return;
		}
		if (fBufAppend(x->fbuf, rec, len, &err))
			break;
		if (!is_eom(err) || tries) {
			fb_failed(x, "cannot append a record", err);
			LQ_CNT_ADD(x->st.records_dropped, 1);
			return;
		}
		g_clear_error(&err);
		emit(x, 0);
		x->msg_started = lq_mono_ns();
	}
	x->msg_records++;
}

/* ---- a connection's records ------------------------------------------------------------------- */

static void set_var(fbVarfield_t *v, const void *p, size_t n)
{
	v->buf = (uint8_t *)(uintptr_t)p;
	v->len = n > TEXT_MAX ? TEXT_MAX : n;
}

static void set_cstr(fbVarfield_t *v, const char *s)
{
	set_var(v, s ? s : "", s ? strlen(s) : 0);
}

/* Names joined by commas, cut at TEXT_MAX. */
static void join_events(char *b, size_t n, uint16_t events)
{
	size_t at = 0;
	unsigned e;

	b[0] = 0;
	for (e = 1; e < LQ_E__COUNT; e++) {
		if (!(events & (1u << e)))
			continue;
		at += (size_t)snprintf(b + at, n - at, "%s%s", at ? "," : "", lq_event_name(e));
		if (at >= n)
			break;
	}
}

static void join_alpn(char *b, size_t n, const struct cr_meta *m)
{
	const uint8_t *p = m->text + m->sni_len;
	size_t at = 0;
	unsigned i;

	b[0] = 0;
	for (i = 0; i < m->nalpn && at + 1 < n; i++) {
		size_t k = p[0];

		if (at)
			b[at++] = ',';
		if (k > n - 1 - at)
			k = n - 1 - at;
		memcpy(b + at, p + 1, k);
		at += k;
		b[at] = 0;
		p += 1 + p[0];
	}
}

static void set_endpoints(const struct cr_path *p, uint8_t *sip6, uint8_t *dip6, uint32_t *sip4,
			  uint32_t *dip4, uint16_t *sport, uint16_t *dport)
{
	const uint8_t *c = p->client.ip.b, *s = p->server.ip.b;

	if (lq_ip_is_v4(&p->client.ip)) {
		*sip4 = (uint32_t)c[12] << 24 | (uint32_t)c[13] << 16 | (uint32_t)c[14] << 8 | c[15];
		*dip4 = (uint32_t)s[12] << 24 | (uint32_t)s[13] << 16 | (uint32_t)s[14] << 8 | s[15];
	} else {
		memcpy(sip6, c, 16);
		memcpy(dip6, s, 16);
	}
	*sport = p->client.port;
	*dport = p->server.port;
}

/* RFC 7012 flowEndReason */
static uint8_t end_reason(int update, enum lq_conn_end why)
{
	if (update)
		return 2; /* active timeout */
	switch (why) {
	case LQ_END_IDLE:
		return 1; /* idle timeout */
	case LQ_END_EVICTED:
		return 5; /* lack of resources */
	default:
		return 4; /* forced end: the input ended, the monitor stopped */
	}
}

static void path_record(struct lq_ipfix *x, const struct cr_conn *c, uint32_t i, uint8_t reason)
{
	const struct cr_path *p = &c->paths[i];
	struct path_rec r;
	char events[TEXT_MAX + 1];
	int v4 = lq_ip_is_v4(&p->client.ip);

	memset(&r, 0, sizeof(r));
	r.start = ntp_time(p->first);
	r.end = ntp_time(p->last);
	r.start_ms = p->first / 1000000ULL;
	r.end_ms = p->last / 1000000ULL;
	r.octets_total = p->bytes[LQ_C2S];
	r.packets_total = p->pkts[LQ_C2S];
	r.rev_octets_total = p->bytes[LQ_S2C];
	r.rev_packets_total = p->pkts[LQ_S2C];
	r.label = c->conn;
	set_cstr(&r.via, lq_path_via(p->events));
	join_events(events, sizeof(events), p->events);
	set_cstr(&r.events, events);
	set_endpoints(p, r.sip6, r.dip6, &r.sip4, &r.dip4, &r.sport, &r.dport);
	r.domain = x->o.domain;
	r.cid_changes = p->cid_changes;
	r.index = (uint16_t)(i + 1);
	r.proto = 17;
	r.end_reason = reason;
	append(x, TID_PATH_INT, v4 ? TID_PATH4 : TID_PATH6, &r, sizeof(r));
}

static const struct lq_cid *pick_cid(const struct cr_conn *c, unsigned have,
				     const struct lq_cid *ours, int meta_has,
				     const struct lq_cid *meta)
{
	if (c->have & have)
		return ours;
	return meta_has ? meta : NULL;
}

static void set_cid(fbVarfield_t *v, const struct lq_cid *cid)
{
	if (cid)
		set_var(v, cid->id, cid->len > LQ_CID_MAX ? LQ_CID_MAX : cid->len);
	else
		set_var(v, "", 0);
}

void lq_ipfix_record(void *ctx, const struct cr_conn *c, const struct cr_meta *m, int update,
		     enum lq_conn_end why)
{
	struct lq_ipfix *x = ctx;
	const struct cr_path *p0 = &c->paths[0];
	struct sent_counts *prev = sent_find(&x->sent, c->conn);
	struct conn_rec r;
	char events[TEXT_MAX + 1], alpn[TEXT_MAX + 1];
	uint32_t i;
	int v4 = lq_ip_is_v4(&p0->client.ip);

	memset(&r, 0, sizeof(r));
	r.start = ntp_time(c->first);
	r.end = ntp_time(c->last);
	r.start_ms = c->first / 1000000ULL;
	r.end_ms = c->last / 1000000ULL;
	r.octets_total = c->bytes[LQ_C2S];
	r.packets_total = c->pkts[LQ_C2S];
	r.rev_octets_total = c->bytes[LQ_S2C];
	r.rev_packets_total = c->pkts[LQ_S2C];
	/* deltas since this connection's previous export (RFC 7012's
	 * deltaCounter: a collector adds them up) */
	r.octets = r.octets_total - (prev ? prev->bytes[LQ_C2S] : 0);
	r.packets = r.packets_total - (prev ? prev->pkts[LQ_C2S] : 0);
	r.rev_octets = r.rev_octets_total - (prev ? prev->bytes[LQ_S2C] : 0);
	r.rev_packets = r.rev_packets_total - (prev ? prev->pkts[LQ_S2C] : 0);
	r.label = c->conn;
	r.handshake_rtt = m && m->handshake_rtt_ns > 0 ? (uint64_t)m->handshake_rtt_ns : 0;
	set_cid(&r.odcid, pick_cid(c, CR_HAVE_ODCID, &c->odcid, m && m->has_odcid, m ? &m->odcid : NULL));
	set_cid(&r.cscid, pick_cid(c, CR_HAVE_CSCID, &c->cscid, m && m->has_odcid, m ? &m->cscid : NULL));
	set_cid(&r.sscid, pick_cid(c, CR_HAVE_SSCID | CR_HAVE_SSCID_HS, &c->sscid,
				   m && m->has_sscid, m ? &m->sscid : NULL));
	if (m && m->has_sni)
		set_var(&r.sni, m->text, m->sni_len);
	else
		set_cstr(&r.sni, NULL);
	alpn[0] = 0;
	if (m && m->has_alpn)
		join_alpn(alpn, sizeof(alpn), m);
	set_cstr(&r.alpn, alpn);
	set_cstr(&r.ja4, m ? m->ja4 : NULL);
	set_cstr(&r.ja4s, m ? m->ja4s : NULL);
	join_events(events, sizeof(events), c->events);
	set_cstr(&r.events, events);
	set_endpoints(p0, r.sip6, r.dip6, &r.sip4, &r.dip4, &r.sport, &r.dport);
	r.domain = x->o.domain;
	r.version = c->version;
	r.paths = c->npaths + c->paths_left_out;
	for (i = 0; i < c->npaths; i++) {
		r.migrations += !!(c->paths[i].events & (1u << LQ_E_MIGRATION));
		r.rebindings += !!(c->paths[i].events & (1u << LQ_E_REBINDING));
	}
	r.cid_changes = c->cid_changes;
	r.tls_cipher = m && m->has_sh ? m->tls_cipher : 0;
	r.proto = 17;
	r.end_reason = end_reason(update, why);
	r.biflow_dir = 1; /* RFC 5103: the source is the initiator, the client */
	LQ_CNT_ADD(x->st.connections, 1);
	append(x, TID_CONN_INT, v4 ? TID_CONN4 : TID_CONN6, &r, sizeof(r));
	if (c->npaths > 1)
		for (i = 0; i < c->npaths; i++)
			path_record(x, c, i, r.end_reason);
	/* what the next delta counts from */
	if (update && (prev || (prev = sent_add(&x->sent, c->conn)))) {
		prev->pkts[0] = c->pkts[0];
		prev->pkts[1] = c->pkts[1];
		prev->bytes[0] = c->bytes[0];
		prev->bytes[1] = c->bytes[1];
	} else if (!update && prev) {
		sent_remove(&x->sent, prev);
	}
	lq_ipfix_poll(x);
}

uint64_t lq_ipfix_active_ns(const struct lq_ipfix *x)
{
	return (uint64_t)x->o.active_s * 1000000000ULL;
}

/* ---- set-up --------------------------------------------------------------------------------- */

/* Our elements into libfixbuf's model (IANA's and CERT's are there). */
static void add_elements(fbInfoModel_t *model, uint32_t pen)
{
#define LQ__FB_TYPE_U8 FB_UINT_8, 1, FB_IE_F_ENDIAN
#define LQ__FB_TYPE_U16 FB_UINT_16, 2, FB_IE_F_ENDIAN
#define LQ__FB_TYPE_U32 FB_UINT_32, 4, FB_IE_F_ENDIAN
#define LQ__FB_TYPE_U64 FB_UINT_64, 8, FB_IE_F_ENDIAN
#define LQ__FB_TYPE_STR FB_STRING, FB_IE_VARLEN, 0
#define LQ__FB_TYPE_OCT FB_OCTET_ARRAY, FB_IE_VARLEN, 0
#define LQ__FB_SEM_default FB_IE_DEFAULT
#define LQ__FB_SEM_identifier FB_IE_IDENTIFIER
#define LQ__FB_SEM_quantity FB_IE_QUANTITY
#define LQ__FB_UNITS_none 0
#define LQ__FB_UNITS_nanoseconds FB_UNITS_NANOSECONDS
	struct ie_def {
		const char *name;
		uint16_t id;
		uint8_t type;
		uint16_t len;
		uint32_t flags;
		const char *desc;
	};
#define LQ__IE_DEF3(name, id, type, len, endian, sem, units, desc)                                \
	{ name, id, type, len, (endian) | (sem) | (units), desc },
#define LQ__IE_DEF2(...) LQ__IE_DEF3(__VA_ARGS__)
#define LQ__IE_DEF(id, name, kind, sem, units, pname, psem, desc)                                 \
	LQ__IE_DEF2(#name, id, LQ__FB_TYPE_##kind, LQ__FB_SEM_##sem, LQ__FB_UNITS_##units, desc)
	static const struct ie_def defs[] = { LQ_IPFIX_IE_LIST(LQ__IE_DEF) };
#undef LQ__IE_DEF
#undef LQ__IE_DEF2
#undef LQ__IE_DEF3
	unsigned i;

	for (i = 0; i < sizeof(defs) / sizeof(defs[0]); i++) {
		fbInfoElement_t ie;

		memset(&ie, 0, sizeof(ie));
		ie.ref.name = defs[i].name;
		ie.ent = pen;
		ie.num = defs[i].id;
		ie.len = defs[i].len;
		ie.flags = defs[i].flags;
		ie.type = defs[i].type;
		ie.description = defs[i].desc;
		fbInfoModelAddElement(model, &ie);
	}
}

/* A template from a spec, with the elements flags selects. */
static int add_template(struct lq_ipfix *x, fbInfoElementSpec_t *spec, uint32_t flags,
			int internal, uint16_t tid, size_t memlen)
{
	fbTemplate_t *t = fbTemplateAlloc(x->model);
	GError *err = NULL;

	if (!fbTemplateAppendSpecArray(t, spec, flags, &err)) {
		fbTemplateFreeUnused(t);
		fb_failed(x, "cannot make a template", err);
		return -1;
	}
	if (internal && fbTemplateGetIELenOfMemBuffer(t) != memlen) {
		fbTemplateFreeUnused(t);
		fprintf(stderr, "%s: --export %s: internal error: a record's layout is not its "
				"template's\n", x->tool, x->o.url);
		return -1;
	}
	if (!fbSessionAddTemplate(x->session, internal, tid, t, &err)) {
		fbTemplateFreeUnused(t);
		fb_failed(x, "cannot add a template", err);
		return -1;
	}
	return 0;
}

static int setup_fixbuf(struct lq_ipfix *x)
{
	GError *err = NULL;
	fbTemplate_t *types;

	x->model = fbInfoModelAlloc();
	add_elements(x->model, x->o.pen);
	x->session = fbSessionAlloc(x->model);
	fbSessionSetDomain(x->session, x->o.domain);
	if (add_template(x, conn_spec, SF_V4 | SF_V6 | SF_INT, 1, TID_CONN_INT,
			 sizeof(struct conn_rec)) ||
	    add_template(x, conn_spec, SF_V4, 0, TID_CONN4, 0) ||
	    add_template(x, conn_spec, SF_V6, 0, TID_CONN6, 0) ||
	    add_template(x, path_spec, SF_V4 | SF_V6 | SF_INT, 1, TID_PATH_INT,
			 sizeof(struct path_rec)) ||
	    add_template(x, path_spec, SF_V4, 0, TID_PATH4, 0) ||
	    add_template(x, path_spec, SF_V6, 0, TID_PATH6, 0))
		return -1;
	types = fbInfoElementAllocTypeTemplate(x->model, &err);
	if (!types) {
		fb_failed(x, "cannot make the type template", err);
		return -1;
	}
	if (!fbSessionAddTemplate(x->session, TRUE, TID_TYPES, types, &err) ||
	    !fbSessionAddTemplate(x->session, FALSE, TID_TYPES, types, &err)) {
		fb_failed(x, "cannot add the type template", err);
		return -1;
	}
	x->msg = malloc(x->mtu);
	if (!x->msg)
		return -1;
	x->exporter = fbExporterAllocBuffer(x->msg, x->mtu);
	x->fbuf = fBufAllocForExport(x->session, x->exporter);
	fBufSetAutomaticMode(x->fbuf, FALSE);
	return 0;
}

struct lq_ipfix *lq_ipfix_open(const char *tool, const struct lq_ipfix_opts *o, int strict)
{
	struct lq_ipfix *x = calloc(1, sizeof(*x));

	if (!x) {
		fprintf(stderr, "%s: --export %s: out of memory\n", tool, o->url);
		return NULL;
	}
	x->o = *o;
	x->tool = tool;
	x->refresh_ns = (uint64_t)o->refresh_s * 1000000000ULL;
	x->xp = lq_xport_open(tool, o->url, (size_t)o->queue_kib * 1024, strict, &x->st);
	if (!x->xp) {
		free(x);
		return NULL;
	}
	x->mtu = lq_xport_kind(x->xp) == LQ_IPFIX_UDP ? MTU_UDP : MTU_STREAM;
	if (setup_fixbuf(x)) {
		lq_ipfix_free(x);
		return NULL;
	}
	/* a file and a TCP connection begin with the templates */
	if (lq_xport_want_templates(x->xp))
		send_templates(x);
	return x;
}

void lq_ipfix_poll(struct lq_ipfix *x)
{
	uint64_t now = lq_mono_ns();

	lq_xport_poll(x->xp, now);
	if (x->broken)
		return;
	if (x->msg_records && now - x->msg_started >= FLUSH_NS)
		emit(x, 0);
	if (templates_due(x, now))
		send_templates(x); /* a message being made goes first */
}

int lq_ipfix_close(struct lq_ipfix *x, unsigned drain_ms, FILE *f)
{
	struct lq_ipfix_stats s;

	if (!x->broken && x->msg_records)
		emit(x, 0);
	lq_xport_drain(x->xp, drain_ms);
	if (!x->broken && lq_xport_want_templates(x->xp)) { /* connected while draining */
		send_templates(x);
		lq_xport_drain(x->xp, drain_ms);
	}
	if (f)
		lq_ipfix_print_summary(f, x);
	lq_ipfix_get_stats(x, &s);
	return s.records_dropped || !s.up ? -1 : 0;
}

void lq_ipfix_free(struct lq_ipfix *x)
{
	if (!x)
		return;
	if (x->fbuf)
		fBufFree(x->fbuf); /* the session and the exporter too */
	else if (x->session)
		fbSessionFree(x->session);
	if (x->model)
		fbInfoModelFree(x->model);
	free(x->msg);
	free(x->sent.slots);
	lq_xport_free(x->xp);
	free(x);
}

void lq_ipfix_get_stats(const struct lq_ipfix *x, struct lq_ipfix_stats *s)
{
	const struct lq_ipfix_counters *c = &x->st;

	memset(s, 0, sizeof(*s));
	s->records = LQ_CNT_GET(c->records);
	s->connections = LQ_CNT_GET(c->connections);
	s->records_sent = LQ_CNT_GET(c->records_sent);
	s->records_dropped = LQ_CNT_GET(c->records_dropped);
	s->messages_sent = LQ_CNT_GET(c->messages_sent);
	s->messages_dropped = LQ_CNT_GET(c->messages_dropped);
	s->bytes_sent = LQ_CNT_GET(c->bytes_sent);
	s->template_sends = LQ_CNT_GET(c->template_sends);
	s->connects = LQ_CNT_GET(c->connects);
	s->connect_failures = LQ_CNT_GET(c->connect_failures);
	s->disconnects = LQ_CNT_GET(c->disconnects);
	s->send_errors = LQ_CNT_GET(c->send_errors);
	s->queued_bytes = LQ_CNT_GET(c->queued_bytes);
	s->up = LQ_CNT_GET(c->up);
}

void lq_ipfix_print_summary(FILE *f, const struct lq_ipfix *x)
{
	struct lq_ipfix_stats s;
	const char *why = lq_xport_error(x->xp);

	lq_ipfix_get_stats(x, &s);
	fprintf(f,
		"%s: export %s: %llu records (%llu connections) in %llu messages, %llu dropped; "
		"templates sent %llu times",
		x->tool, x->o.url, (unsigned long long)s.records_sent,
		(unsigned long long)s.connections, (unsigned long long)s.messages_sent,
		(unsigned long long)s.records_dropped, (unsigned long long)s.template_sends);
	if (lq_xport_kind(x->xp) == LQ_IPFIX_TCP)
		fprintf(f, "; %llu connections made, %llu lost, %llu attempts failed",
			(unsigned long long)s.connects, (unsigned long long)s.disconnects,
			(unsigned long long)s.connect_failures);
	if ((s.records_dropped || !s.up) && why[0])
		fprintf(f, "; last error: %s", why);
	fputc('\n', f);
}
