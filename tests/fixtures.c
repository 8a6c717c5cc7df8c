// SPDX-License-Identifier: BSD-2-Clause
/*
 * fixtures.c - scenarios of hand-built frames and what each frame must get.
 * Each case proves one rule of parsing, linking or the guard, and is named
 * after it.
 */
#include "fixtures.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "output.h"
#include "pkt.h"
#include "vocab.h"

#define ANY (-2)
#define NONE (-1)

struct fx {
	const struct fx_runner *r;
	const char *cname;
	uint64_t now;
	uint64_t label[32];
	int failures;
	int step;
	uint8_t frame[PKT_MAX];
	uint8_t pl[PKT_MAX];
};

/* What a frame must get. conn: label group, NONE for no label. */
struct want {
	int verdict;
	int conn;
	int event;
	int reason;
	int types;	/* bitmask of (1 << enum lq_ptype), 0: not checked */
	int npackets;	/* 0: not checked */
	int flags;	/* LQ_RF_* bits that must be set */
	uint32_t version; /* 0: not checked */
	int action;	/* enum lq_action */
	int dir;	/* enum lq_dir + 1, 0: not checked */
};

static struct want Q(int g)
{
	return (struct want){ .verdict = LQ_V_QUIC, .conn = g, .event = LQ_E_NONE };
}

static struct want QE(int g, int event)
{
	return (struct want){ .verdict = LQ_V_QUIC, .conn = g, .event = event };
}

static struct want NQ(int verdict)
{
	return (struct want){ .verdict = verdict, .conn = NONE, .event = LQ_E_NONE };
}

static struct want G(int reason)
{
	return (struct want){ .verdict = LQ_V_GARBAGE, .conn = NONE, .reason = reason };
}

static struct want P(void)
{
	return (struct want){ .verdict = LQ_V_PENDING, .conn = NONE };
}

/* a frame of an undecided path: pending until its link event (QE(g,
 * LQ_E_LINK)) names the connection */
static struct want U(int event)
{
	return (struct want){ .verdict = LQ_V_PENDING, .conn = NONE, .event = event,
			      .flags = LQ_RF_UNDECIDED };
}

/* dropped by the guard */
static struct want D(struct want w)
{
	w.action = LQ_ACT_DROP;
	return w;
}

static struct want L(int reason)
{
	return D((struct want){ .verdict = LQ_V_LIMITED, .conn = NONE, .event = ANY, .reason = reason });
}

/* A short dump: the headers and the start of the QUIC packet are what
 * tell; the rest is padding or ciphertext. */
#define DUMP_MAX 96

static void hexdump(const uint8_t *p, size_t n)
{
	size_t i, m = n < DUMP_MAX ? n : DUMP_MAX;

	for (i = 0; i < m; i++)
		fprintf(stderr, "%s%02x%s", i % 16 ? "" : "      ", p[i],
			i % 16 == 15 || i + 1 == m ? "\n" : " ");
	if (n > m)
		fprintf(stderr, "      ... %zu more bytes\n", n - m);
}

static const char *nz(const char *s)
{
	return s ? s : "none";
}

static void flag_names(unsigned flags, char *buf, size_t n)
{
	unsigned b;
	size_t used = 0;

	snprintf(buf, n, "none");
	for (b = 0; b < LQ_RFB__COUNT; b++)
		if (flags & (1u << b))
			used += (size_t)snprintf(buf + used, n > used ? n - used : 0, "%s%s",
						 used ? "+" : "", lq_word_name(LQ_LIST_RFLAG, b));
}

/* Appends "field: expected E, actual A" to why. */
#define MISMATCH(...)                                                                       \
	do {                                                                                \
		size_t u_ = strlen(why);                                                    \
		snprintf(why + u_, sizeof(why) - u_, "%s", u_ ? "; " : "");                 \
		u_ = strlen(why);                                                           \
		snprintf(why + u_, sizeof(why) - u_, __VA_ARGS__);                          \
	} while (0)

/* Sends frame[0..len) at the next millisecond and checks every field the
 * case expects; a failure names each mismatched field, then prints the
 * record as JSON and a short dump of the frame. */
static void check(struct fx *f, const char *what, size_t len, struct want w)
{
	struct lq_result r;
	struct lq_rec_ctx rc = { 0, NULL };
	char why[1024] = "", fe[64], fa[64];
	int err, g;

	f->now += 1000000;
	f->step++;
	memset(&r, 0, sizeof(r));
	err = f->r->classify(f->r->ctx, f->frame, (uint32_t)len, f->now, &r);
	if (err) {
		MISMATCH("classify failed: %d", err);
		goto report;
	}
	if (r.verdict != w.verdict)
		MISMATCH("verdict: expected %s, actual %s", lq_verdict_name((unsigned)w.verdict),
			 lq_verdict_name(r.verdict));
	if (w.conn == NONE && r.conn)
		MISMATCH("label: expected none, actual %016" PRIx64, r.conn);
	else if (w.conn >= 0 && !r.conn)
		MISMATCH("label: expected group %d, actual none", w.conn);
	else if (w.conn >= 0 && f->label[w.conn] && f->label[w.conn] != r.conn)
		MISMATCH("label: expected %016" PRIx64 " (group %d), actual %016" PRIx64,
			 f->label[w.conn], w.conn, r.conn);
	if (w.event != ANY && r.event != w.event)
		MISMATCH("event: expected %s, actual %s", nz(lq_event_name((unsigned)w.event)),
			 nz(lq_event_name(r.event)));
	if (r.reason != w.reason)
		MISMATCH("reason: expected %s, actual %s", nz(lq_reason_name((unsigned)w.reason)),
			 nz(lq_reason_name(r.reason)));
	if (w.types && r.types != w.types)
		MISMATCH("types: expected 0x%x, actual 0x%x", w.types, r.types);
	if (w.npackets && r.npackets != w.npackets)
		MISMATCH("packets: expected %d, actual %d", w.npackets, r.npackets);
	if ((r.flags & w.flags) != w.flags) {
		flag_names((unsigned)w.flags, fe, sizeof(fe));
		flag_names(r.flags, fa, sizeof(fa));
		MISMATCH("flags: expected %s set, actual %s", fe, fa);
	}
	if (w.version && r.version != w.version)
		MISMATCH("version: expected 0x%08x, actual 0x%08x", w.version, r.version);
	if (w.dir && r.dir != w.dir - 1)
		MISMATCH("dir: expected %s, actual %s", nz(lq_dir_name((unsigned)w.dir - 1)),
			 nz(lq_dir_name(r.dir)));
	if (r.action != w.action)
		MISMATCH("action: expected %s, actual %s", w.action ? "drop" : "pass",
			 r.action ? "drop" : "pass");
	if (!why[0] && w.conn >= 0) {
		/* a new group must not reuse another group's label */
		for (g = 0; g < 32 && !f->label[w.conn]; g++) {
			if (g != w.conn && f->label[g] == r.conn) {
				MISMATCH("label: group %d got %016" PRIx64 ", already group %d's (a merge)",
					 w.conn, r.conn, g);
				break;
			}
		}
		if (!why[0])
			f->label[w.conn] = r.conn;
	}
report:
	if (why[0]) {
		f->failures++;
		fprintf(stderr, "  FAIL [%s] %s / step %d (%s): %s\n", f->r->name, f->cname, f->step,
			what, why);
		rc.frame = (uint64_t)f->step;
		fputs("    record: ", stderr);
		lq_print_record(stderr, LQ_FMT_JSONL, &rc, &r);
		fprintf(stderr, "    frame (%zu bytes):\n", len);
		hexdump(f->frame, len);
	}
}

static void send(struct fx *f, const char *what, const struct pkt_ep *src, const struct pkt_ep *dst,
		 size_t plen, const struct pkt_opts *o, struct want w)
{
	size_t len = pkt_frame(f->frame, src, dst, f->pl, plen, o);

	check(f, what, len, w);
}

static void sleep_s(struct fx *f, unsigned s)
{
	f->now += (uint64_t)s * 1000000000ULL;
}

static void sleep_ms(struct fx *f, unsigned ms)
{
	f->now += (uint64_t)ms * 1000000ULL;
}

/* ---- one connection --------------------------------------------------------- */

#define V1 0x00000001u
#define V2 0x6b3343cfu
#define V2DRAFT 0x709a50c4u
#define GREASE 0x1a2a3a4au

struct conn {
	struct pkt_ep cli, srv;
	struct pkt_cid odcid, ccid, scid;
	uint32_t v;
	const struct pkt_opts *o;
};

static void conn_init(struct conn *c, const char *cip, uint16_t cport, const char *sip,
		      uint16_t sport, uint8_t clen, uint8_t slen, uint32_t seed)
{
	memset(c, 0, sizeof(*c));
	c->cli.ip = cip;
	c->cli.port = cport;
	c->srv.ip = sip;
	c->srv.port = sport;
	c->odcid = pkt_cid(8, seed * 16 + 1);
	c->ccid = pkt_cid(clen, seed * 16 + 2);
	c->scid = pkt_cid(slen, seed * 16 + 3);
	c->v = V1;
}

/* wire type bits: v2 and its later draft renumbered them (RFC 9369 §3.2) */
static uint8_t tb(const struct conn *c, int t)
{
	int v2 = c->v == V2 || c->v == V2DRAFT;

	return (uint8_t)(v2 ? (t + 1) & 3 : t); /* t: 0 Initial, 1 0-RTT, 2 Handshake */
}

static size_t client_initial_pl(struct fx *f, const struct conn *c, const struct pkt_cid *dcid,
				size_t token)
{
	size_t n = quic_long(f->pl, tb(c, 0), c->v, dcid, &c->ccid, token, 1000, 1);

	return quic_pad(f->pl, n, 1200);
}

static void client_initial(struct fx *f, struct conn *c, struct want w)
{
	send(f, "client Initial", &c->cli, &c->srv, client_initial_pl(f, c, &c->odcid, 0), c->o, w);
}

/* server Initial + Handshake, coalesced */
static void server_initial(struct fx *f, struct conn *c, struct want w)
{
	size_t n = quic_long(f->pl, tb(c, 0), c->v, &c->ccid, &c->scid, 0, 120, 1);

	n += quic_long(f->pl + n, tb(c, 2), c->v, &c->ccid, &c->scid, (size_t)-1, 900, 1);
	send(f, "server Initial+Handshake", &c->srv, &c->cli, n, c->o, w);
}

/* client Handshake + 1-RTT, coalesced */
static void client_finished(struct fx *f, struct conn *c, struct want w)
{
	size_t n = quic_long(f->pl, tb(c, 2), c->v, &c->scid, &c->ccid, (size_t)-1, 60, 1);

	n += quic_short(f->pl + n, &c->scid, 40, 1);
	send(f, "client Handshake+1-RTT", &c->cli, &c->srv, n, c->o, w);
}

static void c2s(struct fx *f, struct conn *c, size_t size, struct want w)
{
	size_t hdr = 1 + (size_t)c->scid.len, n = quic_short(f->pl, &c->scid, size > hdr ? size - hdr : 0, 1);

	send(f, "client 1-RTT", &c->cli, &c->srv, n, c->o, w);
}

static void s2c(struct fx *f, struct conn *c, size_t size, struct want w)
{
	size_t hdr = 1 + (size_t)c->ccid.len, n = quic_short(f->pl, &c->ccid, size > hdr ? size - hdr : 0, 1);

	send(f, "server 1-RTT", &c->srv, &c->cli, n, c->o, w);
}

/* A whole handshake and two 1-RTT packets each way, all in group g. */
static void handshake(struct fx *f, struct conn *c, int g)
{
	client_initial(f, c, QE(g, LQ_E_NEW_CONN));
	server_initial(f, c, Q(g));
	client_finished(f, c, Q(g));
	s2c(f, c, 900, Q(g));
	c2s(f, c, 50, Q(g));
	s2c(f, c, 1300, Q(g));
	c2s(f, c, 45, Q(g));
}

/* ---- cases -------------------------------------------------------------------- */

static void both_directions(struct fx *f)
{
	struct conn c;

	conn_init(&c, "198.18.0.10", 50000, "198.18.1.1", 443, 8, 8, 1);
	handshake(f, &c, 0);
	s2c(f, &c, 1200, Q(0));
	c2s(f, &c, 60, Q(0));
}

static void versions(struct fx *f)
{
	static const uint32_t vs[] = { V1, V2, V2DRAFT, 0xff020000, 0xff00001d, 0xff000017,
				       0xfaceb002, 0x54303531 /* T051 */, 0x51303530 /* Q050 */ };
	struct conn c;
	struct want w;
	size_t i, n;

	for (i = 0; i < sizeof(vs) / sizeof(vs[0]); i++) {
		conn_init(&c, "198.18.0.20", (uint16_t)(50000 + i), "198.18.1.1", 443, 8, 8,
			  (uint32_t)(10 + i));
		c.v = vs[i];
		w = QE((int)i, LQ_E_NEW_CONN);
		w.version = vs[i];
		w.types = 1 << LQ_PT_INITIAL;
		client_initial(f, &c, w);
		w = Q((int)i);
		w.version = vs[i];
		w.types = (1 << LQ_PT_INITIAL) | (1 << LQ_PT_HANDSHAKE);
		w.npackets = 2;
		server_initial(f, &c, w);
		client_finished(f, &c, Q((int)i));
		s2c(f, &c, 300, Q((int)i));
	}
	/* a version nobody knows, to the known server: garbage; elsewhere: not QUIC */
	conn_init(&c, "198.18.0.21", 40000, "198.18.1.1", 443, 8, 8, 30);
	n = quic_pad(f->pl, quic_long(f->pl, 0, 0x12345678, &c.odcid, &c.ccid, 0, 1000, 1), 1200);
	send(f, "unknown version to a QUIC server", &c.cli, &c.srv, n, NULL,
	     G(LQ_R_UNSUPPORTED_VERSION));
	n = quic_long(f->pl, 0, 0x12345678, &c.odcid, &c.ccid, 0, 250, 1);
	send(f, "unknown version, under 1200 bytes", &c.cli, &c.srv, n, NULL,
	     G(LQ_R_UNKNOWN_VERSION));
	c.srv.ip = "198.18.5.5";
	send(f, "unknown version elsewhere", &c.cli, &c.srv, n, NULL, NQ(LQ_V_NOT_QUIC));
}

static void grease_then_vn(struct fx *f)
{
	static const uint32_t offered[] = { V1, V2 };
	struct conn c;
	struct pkt_cid new_odcid = pkt_cid(8, 999);
	size_t n;

	conn_init(&c, "198.18.0.11", 50001, "198.18.1.1", 443, 8, 8, 2);
	c.v = GREASE; /* forces version negotiation (RFC 9000 §15) */
	client_initial(f, &c, QE(0, LQ_E_NEW_CONN));
	n = quic_vn(f->pl, &c.ccid, &c.odcid, offered, 2);
	send(f, "Version Negotiation", &c.srv, &c.cli, n, NULL, QE(0, LQ_E_VN));
	c.v = V1;
	c.odcid = new_odcid; /* the restart may pick a new DCID: same 4-tuple, same connection */
	client_initial(f, &c, Q(0));
	server_initial(f, &c, Q(0));
	client_finished(f, &c, Q(0));
	s2c(f, &c, 500, Q(0));
}

static void retry_keeps_label(struct fx *f)
{
	struct conn c;
	struct pkt_cid retry_scid = pkt_cid(8, 777);
	size_t n;

	conn_init(&c, "198.18.0.12", 50002, "198.18.1.1", 443, 8, 8, 3);
	client_initial(f, &c, QE(0, LQ_E_NEW_CONN));
	n = quic_retry(f->pl, V1, &c.ccid, &retry_scid, 32);
	send(f, "Retry", &c.srv, &c.cli, n, NULL, QE(0, LQ_E_RETRY));
	n = quic_pad(f->pl, quic_long(f->pl, 0, V1, &retry_scid, &c.ccid, 32, 1000, 1), 1200);
	send(f, "Initial with the Retry token", &c.cli, &c.srv, n, NULL, Q(0));
	server_initial(f, &c, Q(0));
	/* a retransmission that passed the server's answer: still this one */
	n = quic_pad(f->pl, quic_long(f->pl, 0, V1, &retry_scid, &c.ccid, 32, 1000, 1), 1200);
	send(f, "Initial with the Retry token, again", &c.cli, &c.srv, n, NULL, Q(0));
	client_finished(f, &c, Q(0));
	c2s(f, &c, 80, Q(0));
}

static void new_handshake_same_tuple(struct fx *f)
{
	struct conn a, b;

	conn_init(&a, "198.18.0.13", 50003, "198.18.1.1", 443, 8, 8, 4);
	handshake(f, &a, 0);
	b = a;
	b.odcid = pkt_cid(8, 401);
	b.ccid = pkt_cid(8, 402);
	b.scid = pkt_cid(8, 403);
	handshake(f, &b, 1); /* a new handshake is a new connection */
}

/* A server tells connections apart by their Initials' DCID: once it has
 * answered, a client Initial with a fresh DCID is a new connection even with
 * the same SCID. Before any answer is seen (a monitor that sees one
 * direction), the SCID is what ties the client's Initials together. */
static void initial_dcid_decides(struct fx *f)
{
	struct conn a, b, o;
	size_t n;

	conn_init(&a, "198.18.0.14", 50004, "198.18.1.1", 443, 8, 8, 5);
	handshake(f, &a, 0);
	b = a;
	b.odcid = pkt_cid(8, 501); /* same SCID, fresh DCID */
	client_initial(f, &b, QE(1, LQ_E_NEW_CONN));
	/* one direction only: the server's answer is never seen, and the
	 * client's next Initial carries the server's SCID as its DCID */
	conn_init(&o, "198.18.0.15", 50005, "198.18.1.1", 443, 8, 8, 6);
	client_initial(f, &o, QE(2, LQ_E_NEW_CONN));
	n = quic_pad(f->pl, quic_long(f->pl, 0, V1, &o.scid, &o.ccid, 0, 1000, 1), 1200);
	send(f, "client Initial to the server's SCID, answer unseen", &o.cli, &o.srv, n, NULL, Q(2));
	client_finished(f, &o, Q(2));
	c2s(f, &o, 60, Q(2));
}

/* A probed path the server has not answered: a second new DCID from the
 * prober is no CID change of the connection (a prober keeps one ID until the
 * path is validated); once the server answered, a new ID is one. */
static void probe_unanswered_second_dcid(struct fx *f)
{
	struct conn c, x;

	conn_init(&c, "198.18.0.16", 50006, "198.18.1.1", 443, 8, 8, 7);
	handshake(f, &c, 0);
	c.cli.port = 41006;
	c.scid = pkt_cid(8, 701); /* from NEW_CONNECTION_ID, never seen */
	c.ccid = pkt_cid(8, 702);
	c2s(f, &c, 1200, U(LQ_E_PROBING));
	x = c;
	x.scid = pkt_cid(8, 703); /* a random ID from the same 4-tuple */
	c2s(f, &x, 1200, P());
	c2s(f, &x, 1200, P()); /* and it was not learned */
	s2c(f, &c, 1200, U(LQ_E_NONE)); /* PATH_RESPONSE: the path is validated */
	c2s(f, &c, 60, U(LQ_E_MIGRATION));
	s2c(f, &c, 300, QE(0, LQ_E_LINK));
	c.scid = pkt_cid(8, 704);
	c2s(f, &c, 60, QE(0, LQ_E_CID_CHANGE)); /* now a change of ID */
	x.cli.port = 41106; /* the random ID taught nothing */
	c2s(f, &x, 60, G(LQ_R_UNKNOWN_DCID));
}

/* Every version the parser knows is QUIC: v1, v2, the drafts, VN. */
static void versions_known(struct fx *f)
{
	versions(f);
}

/* CIDs up to 20 bytes are valid (RFC 9000 §17.2); 21 is garbage. */
static void cids_up_to_twenty(struct fx *f)
{
	struct conn c;
	struct pkt_cid c21 = pkt_cid(21, 5);
	size_t n;

	conn_init(&c, "198.18.0.14", 50004, "198.18.1.1", 443, 20, 20, 5);
	c.odcid = pkt_cid(20, 501);
	handshake(f, &c, 0);
	c.cli.port = 50104; /* NAT rebinding: same 20-byte DCID from a new port */
	c2s(f, &c, 60, QE(0, LQ_E_REBINDING));
	s2c(f, &c, 1200, Q(0));
	n = quic_pad(f->pl, quic_long(f->pl, 0, V1, &c21, &c.ccid, 0, 1000, 1), 1200);
	c.cli.port = 50204;
	send(f, "21-byte DCID", &c.cli, &c.srv, n, NULL, G(LQ_R_CID_TOO_LONG));
}

/* A stored CID key is exactly its length: a shorter new DCID leaves no
 * bytes of the longer one behind. */
static void cid_key_exact_length(struct fx *f)
{
	struct conn c;

	conn_init(&c, "198.18.0.15", 50005, "198.18.1.1", 443, 8, 5, 6);
	c.odcid = pkt_cid(20, 601); /* 20-byte original DCID, then the server's 5-byte ID */
	handshake(f, &c, 0);
	c.cli.port = 50105;
	c2s(f, &c, 70, QE(0, LQ_E_REBINDING)); /* found by the exact 5-byte key */
	s2c(f, &c, 400, Q(0));
}

/* Headers are parsed to their end, and bounded by the datagram. */
static void header_to_its_end(struct fx *f)
{
	struct conn c;
	struct want w;
	size_t n, len;

	conn_init(&c, "198.18.0.16", 50006, "198.18.1.1", 443, 20, 20, 7);
	c.odcid = pkt_cid(20, 701);
	/* Initial with a 60-byte token: the Length is far past byte 48 */
	n = quic_pad(f->pl, quic_long(f->pl, 0, V1, &c.odcid, &c.ccid, 60, 1000, 1), 1200);
	w = QE(0, LQ_E_NEW_CONN);
	w.types = 1 << LQ_PT_INITIAL;
	send(f, "Initial, 20-byte CIDs and a token", &c.cli, &c.srv, n, NULL, w);
	/* Initial + Handshake + 1-RTT in one datagram */
	n = quic_long(f->pl, 0, V1, &c.ccid, &c.scid, 0, 100, 1);
	n += quic_long(f->pl + n, 2, V1, &c.ccid, &c.scid, (size_t)-1, 300, 1);
	n += quic_short(f->pl + n, &c.ccid, 50, 1);
	w = Q(0);
	w.types = (1 << LQ_PT_INITIAL) | (1 << LQ_PT_HANDSHAKE) | (1 << LQ_PT_1RTT);
	w.npackets = 3;
	w.flags = LQ_RF_COALESCED;
	send(f, "server Initial+Handshake+1-RTT", &c.srv, &c.cli, n, NULL, w);
	client_finished(f, &c, Q(0));
	/* a short header cut by the capture inside its DCID: the path still
	 * tells, nothing is read past the end */
	n = quic_short(f->pl, &c.scid, 200, 1);
	len = pkt_frame(f->frame, &c.cli, &c.srv, f->pl, n, NULL);
	w = Q(0);
	w.flags = LQ_RF_CUT;
	check(f, "1-RTT cut after 10 DCID bytes", len - n + 11, w);
	/* a Length running past the datagram */
	n = quic_long(f->pl, 2, V1, &c.scid, &c.ccid, (size_t)-1, 300, 1);
	f->pl[1 + 4 + 21 + 21] = 0x47; /* Length 0x7ff0 */
	f->pl[1 + 4 + 21 + 21 + 1] = 0xf0;
	send(f, "Handshake whose Length overruns", &c.cli, &c.srv, n, NULL,
	     G(LQ_R_LENGTH_OVERRUN));
}

/* IPv4 with options, VLAN and QinQ tags, IPv6 with extension headers. */
static void encapsulations(struct fx *f)
{
	static const struct pkt_opts opt4 = { .vlan = 1, .ip_options = 3 };
	static const struct pkt_opts qinq = { .vlan = 2 };
	static const struct pkt_opts ext6 = { .ext_headers = 1 };
	struct conn a, b;

	conn_init(&a, "198.18.0.17", 50007, "198.18.1.1", 443, 8, 8, 8);
	a.o = &opt4;
	handshake(f, &a, 0);
	a.o = &qinq;
	c2s(f, &a, 90, Q(0));
	s2c(f, &a, 1300, Q(0));
	conn_init(&b, "2001:db8::17", 50007, "2001:db8:1::1", 443, 8, 8, 9);
	b.o = &ext6;
	handshake(f, &b, 1);
	b.o = &qinq;
	s2c(f, &b, 700, Q(1));
}

/* Every packet of a datagram is walked (RFC 9000 §12.2), its type reported. */
static void coalesced_walked(struct fx *f)
{
	struct conn c;
	struct want w;
	size_t n;

	conn_init(&c, "198.18.0.18", 50008, "198.18.1.1", 443, 8, 8, 11);
	/* client Initial + 0-RTT */
	n = quic_long(f->pl, 0, V1, &c.odcid, &c.ccid, 0, 600, 1);
	n += quic_long(f->pl + n, 1, V1, &c.odcid, &c.ccid, (size_t)-1, 400, 1);
	n = quic_pad(f->pl, n, 1200);
	w = QE(0, LQ_E_NEW_CONN);
	w.types = (1 << LQ_PT_INITIAL) | (1 << LQ_PT_0RTT);
	w.npackets = 2;
	send(f, "client Initial+0-RTT", &c.cli, &c.srv, n, NULL, w);
	w = Q(0);
	w.types = (1 << LQ_PT_INITIAL) | (1 << LQ_PT_HANDSHAKE);
	w.npackets = 2;
	server_initial(f, &c, w);
	w.types = (1 << LQ_PT_HANDSHAKE) | (1 << LQ_PT_1RTT);
	client_finished(f, &c, w);
}

/* A move to a new client address with a new CID links by the anchors, and
 * the server's packets to the new address follow it. */
static void address_migration_by_anchor(struct fx *f)
{
	struct conn c;

	conn_init(&c, "198.18.0.19", 50009, "198.18.1.1", 443, 8, 8, 12);
	handshake(f, &c, 0);
	c.cli.ip = "198.18.0.119";
	c.cli.port = 41000;
	c.scid = pkt_cid(8, 1201); /* from NEW_CONNECTION_ID, never seen */
	c.ccid = pkt_cid(8, 1202);
	c2s(f, &c, 1200, U(LQ_E_PROBING)); /* PATH_CHALLENGE, padded */
	s2c(f, &c, 1200, U(LQ_E_NONE));	   /* PATH_RESPONSE + challenge */
	c2s(f, &c, 1200, U(LQ_E_NONE));
	c2s(f, &c, 60, U(LQ_E_MIGRATION)); /* non-probing: moved */
	/* the server again, with the same DCID: the server keeps the path,
	 * and the connection is the only one there */
	s2c(f, &c, 1300, QE(0, LQ_E_LINK));
	c2s(f, &c, 60, Q(0));
}

/* Pending state is per 4-tuple: one flow's DCID confirms no other flow. */
static void pending_per_flow(struct fx *f)
{
	struct conn c, p1, p2;
	struct pkt_cid x;

	conn_init(&c, "198.18.0.20", 50010, "198.18.1.1", 443, 8, 8, 13);
	handshake(f, &c, 0);
	conn_init(&p1, "198.18.0.50", 7000, "198.18.1.1", 443, 8, 8, 14);
	conn_init(&p2, "198.18.0.51", 7001, "198.18.1.1", 443, 8, 8, 15);
	x = p1.scid;
	c2s(f, &p1, 300, G(LQ_R_UNKNOWN_DCID));
	c2s(f, &p2, 300, G(LQ_R_UNKNOWN_DCID));
	p2.scid = x; /* p1's DCID on p2's 4-tuple */
	c2s(f, &p2, 300, G(LQ_R_UNKNOWN_DCID));
	s2c(f, &p1, 300, P());
	c2s(f, &c, 50, Q(0));
}

/* A 1-byte DCID match alone links nothing: it matches 1 in 256 unrelated
 * packets. */
static void short_cid_alone(struct fx *f)
{
	struct conn c, junk;
	char ip[32][20];
	int i;

	conn_init(&c, "198.18.0.21", 50011, "198.18.1.1", 443, 8, 1, 16);
	handshake(f, &c, 0);
	for (i = 0; i < 20; i++) {
		snprintf(ip[i], sizeof(ip[i]), "198.18.7.%d", i + 1);
		conn_init(&junk, ip[i], (uint16_t)(30000 + i), "198.18.1.1", 443, 8, 1, 16);
		/* same first byte as the connection's 1-byte ID */
		c2s(f, &junk, (size_t)(40 + i * 3), G(LQ_R_UNKNOWN_DCID));
	}
	conn_init(&junk, "198.18.7.99", 30099, "198.18.1.1", 443, 8, 1, 16);
	c2s(f, &junk, 1250, G(LQ_R_UNKNOWN_DCID)); /* probe-sized, still no evidence */
	c.cli.port = 50111; /* the connection's own NAT rebinding: same client address */
	c2s(f, &c, 50, QE(0, LQ_E_REBINDING));
	s2c(f, &c, 1200, Q(0));
}

/* Idle entries expire, and a dead connection links nothing (full maps
 * evict rather than refuse: test_maps' full_lru_evicts_unused). */
static void idle_expiry(struct fx *f)
{
	struct conn c, m;

	conn_init(&c, "198.18.0.22", 50012, "198.18.1.1", 443, 8, 8, 17);
	handshake(f, &c, 0);
	sleep_s(f, 61); /* beyond the 60 s idle timeout */
	/* a probe from a new address: the dead connection's anchors no longer
	 * count, so it links to nothing */
	m = c;
	m.cli.ip = "198.18.0.122";
	m.scid = pkt_cid(8, 1701);
	c2s(f, &m, 1200, G(LQ_R_UNKNOWN_DCID));
	/* the same DCID on the same 4-tuple resumes the idle path */
	c2s(f, &c, 80, Q(0));
	s2c(f, &c, 80, Q(0));
	sleep_s(f, 61);
	conn_init(&c, "198.18.0.22", 50012, "198.18.1.1", 443, 8, 8, 19);
	handshake(f, &c, 1); /* the old 4-tuple starts afresh */
}

/* Both directions of a connection carry one label. */
static void both_directions_one_label(struct fx *f)
{
	both_directions(f);
}

/* A DCID change on a known 4-tuple (NEW_CONNECTION_ID in use) is recorded. */
static void cid_rotation_recorded(struct fx *f)
{
	struct conn c;

	conn_init(&c, "198.18.0.24", 50014, "198.18.1.1", 443, 8, 8, 20);
	handshake(f, &c, 0);
	c.scid = pkt_cid(8, 2001);
	c2s(f, &c, 70, QE(0, LQ_E_CID_CHANGE));
	c2s(f, &c, 70, Q(0));
	c.ccid = pkt_cid(8, 2002);
	s2c(f, &c, 900, QE(0, LQ_E_CID_CHANGE));
	c.cli.port = 50114; /* the rotated ID, known now, links a rebinding */
	c2s(f, &c, 70, QE(0, LQ_E_REBINDING));
}

static void ambiguous_never_merged(struct fx *f)
{
	struct conn a, b, m;

	conn_init(&a, "198.18.0.25", 50015, "198.18.1.1", 443, 8, 8, 21);
	conn_init(&b, "198.18.0.26", 50016, "198.18.1.1", 443, 8, 8, 22);
	handshake(f, &a, 0);
	handshake(f, &b, 1);
	conn_init(&m, "198.18.0.125", 41015, "198.18.1.1", 443, 8, 8, 23);
	c2s(f, &m, 1200, U(LQ_E_PROBING)); /* a or b moved? */
	s2c(f, &m, 1200, U(LQ_E_NONE));
	c2s(f, &m, 60, U(LQ_E_MIGRATION));
	s2c(f, &m, 300, U(LQ_E_NONE)); /* the server keeps the path: but whose? */
	/* both keep using their own paths: neither moved */
	c2s(f, &a, 50, Q(0));
	s2c(f, &b, 50, Q(1));
	c2s(f, &b, 50, Q(1));
	sleep_ms(f, 100);
	c2s(f, &a, 50, Q(0));
	s2c(f, &b, 50, Q(1));
	c2s(f, &b, 50, Q(1));
	sleep_ms(f, 100);
	c2s(f, &m, 60, U(LQ_E_NONE));
	s2c(f, &m, 300, U(LQ_E_NONE));
}

static void preferred_address(struct fx *f)
{
	struct conn c, x;

	conn_init(&c, "198.18.0.27", 50017, "198.18.1.1", 443, 8, 8, 24);
	handshake(f, &c, 0);
	c.srv.ip = "198.18.1.2"; /* the server's preferred address; the client
				   * keeps its endpoint (RFC 9000 §9.6) */
	c.srv.port = 4433;
	c.scid = pkt_cid(8, 2401); /* from the preferred_address parameter */
	c.ccid = pkt_cid(8, 2402);
	c2s(f, &c, 1200, U(LQ_E_PROBING));
	/* the new address is no confirmed server until its path is linked:
	 * a stranger's unknown ID to it is not garbage */
	conn_init(&x, "198.18.0.127", 50217, "198.18.1.2", 4433, 8, 8, 124);
	c2s(f, &x, 60, NQ(LQ_V_NOT_QUIC));
	s2c(f, &c, 1200, U(LQ_E_NONE));
	c2s(f, &x, 60, NQ(LQ_V_NOT_QUIC));
	c2s(f, &c, 60, U(LQ_E_MIGRATION));
	s2c(f, &c, 1000, QE(0, LQ_E_LINK));
	c2s(f, &x, 60, G(LQ_R_UNKNOWN_DCID)); /* now it is a server */
	c2s(f, &c, 60, Q(0));
}

/* One direction in view: the server's packets only. Its first flight
 * (Initial and Handshake in one datagram, from the lower port) tells it is
 * the server, greased fixed bit or not (RFC 9287: the client agreed, out of
 * view). Its connections stay tentative (no client completes them in
 * view), so it is no confirmed server: packets that claim its address are
 * no proof of anything (one spoofed from a DNS server's would make it a
 * QUIC server). A path it seems to open to an ID never seen then relates
 * to nothing, and links by no anchor anyway: only clients open paths
 * (RFC 9000 §9). */
static void one_direction_server(struct fx *f)
{
	struct conn a, b, x;
	struct want w;
	size_t n;

	conn_init(&a, "198.18.0.44", 50044, "198.18.1.4", 443, 8, 8, 44);
	w = QE(0, LQ_E_NEW_CONN);
	w.dir = LQ_S2C + 1;
	server_initial(f, &a, w);
	w = Q(0);
	w.dir = LQ_S2C + 1;
	s2c(f, &a, 900, w);
	s2c(f, &a, 1300, w);
	x = a; /* probe-sized, to a new port, an ID never seen: not a's */
	x.cli.port = 50244;
	x.ccid = pkt_cid(8, 4403);
	s2c(f, &x, 1300, NQ(LQ_V_NOT_QUIC));
	s2c(f, &x, 1300, NQ(LQ_V_NOT_QUIC));
	s2c(f, &a, 60, w);
	b = a;
	b.cli.port = 50144;
	b.ccid = pkt_cid(8, 4401);
	b.scid = pkt_cid(8, 4402);
	n = quic_long(f->pl, 0, V1, &b.ccid, &b.scid, 0, 120, 0);
	n += quic_long(f->pl + n, 2, V1, &b.ccid, &b.scid, (size_t)-1, 1100, 0);
	w = QE(1, LQ_E_NEW_CONN);
	w.dir = LQ_S2C + 1;
	w.flags = LQ_RF_FIXED_CLEAR;
	send(f, "server Initial+Handshake, fixed bit greased", &b.srv, &b.cli, n, NULL, w);
	w = Q(1);
	w.dir = LQ_S2C + 1;
	s2c(f, &b, 300, w);
}

/* One direction in view (asymmetric routing): the client's packets only.
 * Its Handshake to the server's ID says the server answered, and its
 * anchors take the connection; but that is not enough to make the server a
 * confirmed one, whose unknown traffic would be garbage (and dropped by the
 * guard): only a server's packets do. Nor to link its move to a new port:
 * who else talks to that server is out of view. */
static void one_direction_client(struct fx *f)
{
	struct conn c, x;

	conn_init(&c, "198.18.0.42", 50042, "198.18.1.3", 443, 8, 8, 42);
	client_initial(f, &c, QE(0, LQ_E_NEW_CONN));
	client_finished(f, &c, Q(0));
	c2s(f, &c, 50, Q(0));
	conn_init(&x, "198.18.0.43", 50043, "198.18.1.3", 443, 8, 8, 43);
	c2s(f, &x, 60, NQ(LQ_V_NOT_QUIC));
	c.cli.port = 50142;
	c.scid = pkt_cid(8, 4201); /* from NEW_CONNECTION_ID, never seen */
	c2s(f, &c, 1200, U(LQ_E_PROBING));
	c2s(f, &c, 60, U(LQ_E_MIGRATION));
	c2s(f, &x, 60, NQ(LQ_V_NOT_QUIC));
	/* Its old path fell silent at the switch and the new one goes on, but
	 * with the server out of view nobody knows who else talks to it: a
	 * client of another address may have moved here just as this one's
	 * connection ended. Undecided, not guessed. */
	sleep_s(f, 20); /* past the anchors' refresh, a quarter of the idle time */
	c2s(f, &c, 45, U(LQ_E_NONE));
	c2s(f, &x, 60, NQ(LQ_V_NOT_QUIC));
}

static void multipath_both_paths(struct fx *f)
{
	struct conn p1, p2;

	conn_init(&p1, "198.18.0.28", 50018, "198.18.1.1", 443, 8, 8, 25);
	handshake(f, &p1, 0);
	p2 = p1;
	p2.cli.ip = "198.18.0.128";
	p2.cli.port = 50118;
	p2.scid = pkt_cid(8, 2501);
	p2.ccid = pkt_cid(8, 2502);
	c2s(f, &p2, 1200, U(LQ_E_PROBING));
	s2c(f, &p2, 1200, U(LQ_E_NONE));
	c2s(f, &p1, 60, Q(0));
	c2s(f, &p2, 1300, U(LQ_E_NONE));
	s2c(f, &p1, 1300, Q(0));
	/* the one connection at the server, and the server keeps the path:
	 * both paths alive is no obstacle */
	s2c(f, &p2, 1300, QE(0, LQ_E_LINK));
	c2s(f, &p2, 60, QE(0, LQ_E_MIGRATION));
	c2s(f, &p1, 60, Q(0));
}

static void zero_length_client_cids(struct fx *f)
{
	struct conn a, b;

	conn_init(&a, "198.18.0.29", 50019, "198.18.1.1", 443, 0, 8, 26);
	conn_init(&b, "198.18.0.29", 50020, "198.18.1.1", 443, 0, 8, 27);
	handshake(f, &a, 0);
	handshake(f, &b, 1);
	s2c(f, &a, 300, Q(0)); /* empty DCID: the 4-tuple tells */
	s2c(f, &b, 300, Q(1));
	c2s(f, &a, 60, Q(0));
	/* a port change with an empty DCID has nothing to link it by */
	a.cli.port = 50119;
	s2c(f, &a, 300, P());
}

static void fixed_bit(struct fx *f)
{
	struct conn c;
	struct want w;
	size_t n;

	conn_init(&c, "198.18.0.30", 50021, "198.18.1.1", 443, 8, 8, 28);
	handshake(f, &c, 0);
	n = quic_short(f->pl, &c.scid, 60, 0); /* RFC 9287 grease on a known connection */
	w = Q(0);
	w.flags = LQ_RF_FIXED_CLEAR;
	send(f, "greased 1-RTT", &c.cli, &c.srv, n, NULL, w);
	conn_init(&c, "198.18.0.31", 50022, "198.18.1.1", 443, 8, 8, 29);
	n = quic_pad(f->pl, quic_long(f->pl, 0, V1, &c.odcid, &c.ccid, 0, 1000, 0), 1200);
	send(f, "Initial, fixed bit clear, to a server", &c.cli, &c.srv, n, NULL, G(LQ_R_FIXED_BIT));
	c.srv.ip = "198.18.5.6";
	send(f, "the same elsewhere", &c.cli, &c.srv, n, NULL, NQ(LQ_V_NOT_QUIC));
}

static void not_quic(struct fx *f)
{
	static const struct pkt_opts tcp = { .proto = 6 };
	static const struct pkt_opts frag = { .frag_off = 185 };
	struct pkt_ep a = { "198.18.0.40", 53000 }, b = { "198.18.0.41", 53 };
	struct conn c;
	size_t len;

	memset(f->pl, 0xab, 120);
	send(f, "TCP", &a, &b, 120, &tcp, NQ(LQ_V_NOT_UDP));
	send(f, "non-first IPv4 fragment", &a, &b, 120, &frag, NQ(LQ_V_FRAGMENT));
	memcpy(f->pl, "\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00", 12);
	send(f, "DNS query", &a, &b, 40, NULL, NQ(LQ_V_NOT_QUIC));
	send(f, "empty UDP payload", &a, &b, 0, NULL, NQ(LQ_V_NOT_QUIC));
	memset(f->pl, 0x41, 300);
	send(f, "short-header-like bytes, no QUIC around", &a, &b, 300, NULL, NQ(LQ_V_NOT_QUIC));
	memset(f->frame, 0, 60);
	f->frame[12] = 0x08, f->frame[13] = 0x06; /* ARP */
	check(f, "ARP", 60, NQ(LQ_V_NOT_IP));
	/* a client Initial in a small datagram (RFC 9000 §14.1) */
	conn_init(&c, "198.18.0.42", 50023, "198.18.1.1", 443, 8, 8, 30);
	handshake(f, &c, 0);
	conn_init(&c, "198.18.0.43", 50024, "198.18.1.1", 443, 8, 8, 31);
	len = quic_long(f->pl, 0, V1, &c.odcid, &c.ccid, 0, 600, 1);
	send(f, "Initial in 650 bytes, to a server", &c.cli, &c.srv, len, NULL,
	     G(LQ_R_INITIAL_TOO_SMALL));
	c.srv.ip = "198.18.5.7";
	send(f, "the same elsewhere", &c.cli, &c.srv, len, NULL, NQ(LQ_V_NOT_QUIC));
}

static void unsolicited_vn_retry(struct fx *f)
{
	static const uint32_t offered[] = { V1 };
	struct conn c, x;
	size_t n;

	conn_init(&c, "198.18.0.44", 50025, "198.18.1.1", 443, 8, 8, 32);
	handshake(f, &c, 0);
	conn_init(&x, "198.18.0.45", 50026, "198.18.1.1", 443, 8, 8, 33);
	n = quic_retry(f->pl, V1, &x.ccid, &x.scid, 16);
	send(f, "Retry sent to a server", &x.cli, &x.srv, n, NULL, G(LQ_R_BAD_TYPE));
	n = quic_vn(f->pl, &x.ccid, &x.odcid, offered, 1);
	send(f, "VN from nowhere", &x.srv, &x.cli, n, NULL, NQ(LQ_V_NOT_QUIC));
	n = quic_vn(f->pl, &c.scid, &c.ccid, offered, 1);
	send(f, "VN from the client of a connection", &c.cli, &c.srv, n, NULL, G(LQ_R_BAD_TYPE));
	c2s(f, &c, 50, Q(0));
}

static void shared_four_tuple(struct fx *f)
{
	struct conn a, b;
	size_t n;

	conn_init(&a, "198.18.0.46", 50027, "198.18.1.1", 443, 8, 8, 34);
	handshake(f, &a, 0);
	b = a;
	b.odcid = pkt_cid(8, 3401);
	b.ccid = pkt_cid(8, 3402);
	b.scid = pkt_cid(8, 3403);
	client_initial(f, &b, QE(1, LQ_E_NEW_CONN)); /* a second connection on one socket */
	server_initial(f, &b, Q(1));
	client_finished(f, &b, Q(1));
	c2s(f, &a, 60, QE(0, LQ_E_SHARED)); /* a's ID: a's packet */
	c2s(f, &b, 60, Q(1));
	c2s(f, &a, 60, Q(0));
	a.scid = pkt_cid(8, 3404); /* an ID nobody has shown: either could own it */
	n = quic_short(f->pl, &a.scid, 50, 1);
	send(f, "unknown ID on a shared 4-tuple", &a.cli, &a.srv, n, NULL, P());
}

static void gquic(struct fx *f)
{
	struct pkt_ep cli = { "198.18.0.47", 50028 }, srv = { "198.18.1.3", 443 };
	struct pkt_cid cid = pkt_cid(8, 35);
	struct want w;
	size_t n;

	/* Q046: IETF-style long header with nibble CID lengths, no Length */
	f->pl[0] = 0xc3;
	memcpy(f->pl + 1, "Q046", 4);
	f->pl[5] = 0x50; /* DCID 5+3 = 8 bytes, no SCID */
	memcpy(f->pl + 6, cid.id, 8);
	memset(f->pl + 14, 0x21, 1336);
	w = QE(0, LQ_E_NEW_CONN);
	w.version = 0x51303436;
	send(f, "Q046 client hello", &cli, &srv, 1350, NULL, w);
	f->pl[5] = 0x05; /* server: SCID 8 bytes */
	send(f, "Q046 server hello", &srv, &cli, 1350, NULL, Q(0));
	f->pl[0] = 0x43;
	memcpy(f->pl + 1, cid.id, 8);
	send(f, "Q046 client short", &cli, &srv, 100, NULL, Q(0));
	f->pl[0] = 0x40; /* server short headers carry no ID */
	send(f, "Q046 server short", &srv, &cli, 100, NULL, Q(0));
	/* Q043 and older: the public header */
	cli.port = 50029;
	cid = pkt_cid(8, 36);
	f->pl[0] = 0x0d;
	memcpy(f->pl + 1, cid.id, 8);
	memcpy(f->pl + 9, "Q043", 4);
	memset(f->pl + 13, 0x22, 1000);
	w = QE(1, LQ_E_NEW_CONN);
	w.types = 1 << LQ_PT_GQUIC;
	send(f, "Q043 client hello", &cli, &srv, 1013, NULL, w);
	f->pl[0] = 0x08;
	n = 300;
	send(f, "Q043 server packet", &srv, &cli, n, NULL, Q(1));
	send(f, "Q043 client packet", &cli, &srv, n, NULL, Q(1));
}

static void handshake_on_new_path(struct fx *f)
{
	struct conn c;
	size_t n;

	conn_init(&c, "198.18.0.48", 50030, "198.18.1.1", 443, 8, 8, 37);
	client_initial(f, &c, QE(0, LQ_E_NEW_CONN));
	server_initial(f, &c, Q(0));
	c.cli.port = 50130; /* rebinding mid-handshake: the Handshake's DCID is known */
	n = quic_long(f->pl, 2, V1, &c.scid, &c.ccid, (size_t)-1, 60, 1);
	send(f, "client Handshake from a new port", &c.cli, &c.srv, n, NULL,
	     QE(0, LQ_E_REBINDING));
	s2c(f, &c, 300, Q(0));
}

/* ---- crowds: several connections could own a new path -------------------------- */

/* Three connections from one client address to one server (a browser's,
 * or clients behind one NAT address); the second moves to a new port with
 * IDs never seen. */
struct crowd {
	struct conn c[3];
	struct conn m; /* c[1] on its new path */
};

static void crowd_start(struct fx *f, struct crowd *k, uint32_t seed)
{
	int i;

	for (i = 0; i < 3; i++) {
		conn_init(&k->c[i], "198.18.0.60", (uint16_t)(50060 + seed * 4 + i), "198.18.1.1", 443,
			  8, 8, seed * 4 + (uint32_t)i);
		handshake(f, &k->c[i], i);
	}
	k->m = k->c[1];
	k->m.cli.port = (uint16_t)(41060 + seed);
	k->m.scid = pkt_cid(8, seed * 100 + 1);
	k->m.ccid = pkt_cid(8, seed * 100 + 2);
}

/* the mover's probe, the server's answer, its switch to the new path and
 * the server following it there: all undecided, three candidates */
static void crowd_move(struct fx *f, struct crowd *k)
{
	c2s(f, &k->m, 1200, U(LQ_E_PROBING));
	s2c(f, &k->c[1], 1300, Q(1)); /* in flight on its old path */
	s2c(f, &k->m, 1200, U(LQ_E_NONE));
	c2s(f, &k->m, 60, U(LQ_E_MIGRATION));
	s2c(f, &k->m, 1300, U(LQ_E_NONE));
}

/* The two that keep using their own paths are not the mover; the one
 * whose path fell silent at the switch is, once a window of round trips
 * has shown it. */
static void crowd_switch_over(struct fx *f)
{
	struct crowd k;
	int i;

	crowd_start(f, &k, 1);
	c2s(f, &k.c[1], 50, Q(1)); /* the mover is busy up to its move */
	s2c(f, &k.c[1], 1300, Q(1));
	crowd_move(f, &k);
	for (i = 0; i < 10; i++) { /* 23 ms a round: the window (250 ms) not over */
		sleep_ms(f, 20);
		c2s(f, &k.c[0], 50, Q(0));
		s2c(f, &k.c[2], 300, Q(2));
		s2c(f, &k.m, 1300, U(LQ_E_NONE));
	}
	sleep_ms(f, 20);
	c2s(f, &k.c[0], 50, Q(0));
	s2c(f, &k.c[2], 300, Q(2));
	s2c(f, &k.m, 1300, QE(1, LQ_E_LINK));
	c2s(f, &k.m, 50, Q(1));
	c2s(f, &k.c[0], 50, Q(0));
}

/* The monitor behind a slow link (on the client's side of a queue): after
 * the switch the mover's server packets on its old path keep coming out of
 * the queue for 300 ms, while its client is silent there. That candidate
 * is draining, not keeping its path: it is noted again and judged a
 * window (230 ms) later, until its path is silent, then linked. Without
 * that it would look like one still in use, and no candidate would fit. */
#define LQ_DRAIN_ROUNDS 27 /* the link comes in the next: the drain's end plus a window */
static void crowd_drain(struct fx *f)
{
	struct crowd k;
	int i;

	crowd_start(f, &k, 9);
	c2s(f, &k.c[1], 50, Q(1)); /* the mover is busy up to its move */
	s2c(f, &k.c[1], 1300, Q(1));
	crowd_move(f, &k);
	for (i = 1; i <= LQ_DRAIN_ROUNDS; i++) { /* 20 ms a round */
		sleep_ms(f, 20);
		c2s(f, &k.c[0], 50, Q(0)); /* the others go on both ways */
		s2c(f, &k.c[0], 300, Q(0));
		c2s(f, &k.c[2], 50, Q(2));
		s2c(f, &k.c[2], 300, Q(2));
		if (i <= 15) /* the queue drains for 300 ms */
			s2c(f, &k.c[1], 1300, Q(1));
		s2c(f, &k.m, 1300, U(LQ_E_NONE));
		c2s(f, &k.m, 50, U(LQ_E_NONE));
	}
	sleep_ms(f, 20);
	s2c(f, &k.m, 1300, QE(1, LQ_E_LINK));
	c2s(f, &k.m, 50, Q(1));
	c2s(f, &k.c[0], 50, Q(0));
}

/* Two candidates fall silent at the same moment: either may have moved,
 * so the path stays undecided (a wrong link is worse than a missed one). */
static void crowd_two_silent(struct fx *f)
{
	struct crowd k;
	int i;

	crowd_start(f, &k, 2);
	c2s(f, &k.c[1], 50, Q(1));
	c2s(f, &k.c[2], 50, Q(2)); /* its last packet */
	crowd_move(f, &k);
	for (i = 0; i < 12; i++) {
		sleep_ms(f, 20);
		c2s(f, &k.c[0], 50, Q(0));
		s2c(f, &k.m, 1300, U(LQ_E_NONE));
	}
	sleep_s(f, 2);
	c2s(f, &k.m, 50, U(LQ_E_NONE));
}

/* A connection that ends just when another migrates, its last packets
 * right as the mover begins to probe: it fits the mover's evidence as well
 * as the mover does, so neither is taken. */
static void crowd_ender_at_switch(struct fx *f)
{
	struct crowd k;
	int i;

	crowd_start(f, &k, 3);
	c2s(f, &k.c[1], 50, Q(1));
	c2s(f, &k.c[2], 50, Q(2)); /* CONNECTION_CLOSE, say */
	s2c(f, &k.c[2], 50, Q(2));
	crowd_move(f, &k);
	for (i = 0; i < 12; i++) {
		sleep_ms(f, 20);
		c2s(f, &k.c[0], 50, Q(0));
		c2s(f, &k.m, 50, U(LQ_E_NONE));
		s2c(f, &k.m, 300, U(LQ_E_NONE));
	}
}

/* The same ender, but its last packet came a little earlier than the
 * mover's first probe: it had ended, and the mover is linked. */
static void crowd_ender_just_before(struct fx *f)
{
	struct crowd k;
	int i;

	crowd_start(f, &k, 7);
	c2s(f, &k.c[2], 50, Q(2)); /* its last packets */
	s2c(f, &k.c[2], 50, Q(2));
	sleep_ms(f, 8);
	c2s(f, &k.c[1], 50, Q(1));
	crowd_move(f, &k);
	for (i = 0; i < 11; i++) {
		sleep_ms(f, 20);
		c2s(f, &k.c[0], 50, Q(0));
		c2s(f, &k.m, 50, U(LQ_E_NONE));
	}
	sleep_ms(f, 20);
	c2s(f, &k.m, 50, QE(1, LQ_E_LINK));
}

/* The same ender at the switch, but the mover's server then probes the
 * path its client left (two PATH_CHALLENGEs, 1200 bytes: a server checking
 * whether its client is still there, RFC 9000 §9.3.2) while the ender's
 * stays silent: the connection that lives on is the mover. */
static void crowd_ender_probed(struct fx *f)
{
	struct crowd k;
	int i;

	crowd_start(f, &k, 8);
	c2s(f, &k.c[1], 50, Q(1));
	c2s(f, &k.c[2], 50, Q(2));
	s2c(f, &k.c[2], 50, Q(2));
	crowd_move(f, &k);
	for (i = 0; i < 11; i++) {
		sleep_ms(f, 20);
		c2s(f, &k.c[0], 50, Q(0));
		c2s(f, &k.m, 50, U(LQ_E_NONE));
		if (i == 4) { /* the server probes the mover's old path */
			s2c(f, &k.c[1], 1200, Q(1));
			s2c(f, &k.c[1], 1200, Q(1));
		}
	}
	sleep_ms(f, 20);
	c2s(f, &k.m, 50, QE(1, LQ_E_LINK));
}

/* Several connections from one client address, to one server; two move to
 * the server's preferred address at once, each from the port it had: the
 * candidate whose path has that client endpoint is the one (the client did
 * not move, the server did), once the server keeps the new path. */
static void crowd_preferred(struct fx *f)
{
	struct crowd k;
	struct conn m0, m2;

	crowd_start(f, &k, 9);
	m0 = k.c[0];
	m2 = k.c[2];
	m0.srv.ip = m2.srv.ip = "198.18.1.5"; /* the preferred address */
	m0.srv.port = m2.srv.port = 4433;
	m0.scid = pkt_cid(8, 9901);
	m2.scid = pkt_cid(8, 9902);
	m0.ccid = pkt_cid(8, 9903);
	m2.ccid = pkt_cid(8, 9904);
	c2s(f, &m0, 1200, U(LQ_E_PROBING));
	c2s(f, &m2, 1200, U(LQ_E_PROBING));
	s2c(f, &m0, 1200, U(LQ_E_NONE));
	s2c(f, &m2, 1200, U(LQ_E_NONE));
	c2s(f, &k.c[0], 50, Q(0)); /* both still use their old paths meanwhile */
	c2s(f, &k.c[2], 50, Q(2));
	s2c(f, &m2, 1200, QE(2, LQ_E_LINK));
	s2c(f, &m0, 1200, QE(0, LQ_E_LINK));
	c2s(f, &m0, 60, QE(0, LQ_E_MIGRATION));
	c2s(f, &m2, 60, QE(2, LQ_E_MIGRATION));
}

/* A connection that ended well before the move (silent since long before
 * the switch) is not the mover, and does not stand in its way. */
static void crowd_ender_before(struct fx *f)
{
	struct crowd k;
	int i;

	crowd_start(f, &k, 4);
	sleep_ms(f, 400); /* c[2] is done */
	c2s(f, &k.c[0], 50, Q(0));
	c2s(f, &k.c[1], 50, Q(1));
	crowd_move(f, &k);
	for (i = 0; i < 11; i++) {
		sleep_ms(f, 20);
		c2s(f, &k.c[0], 50, Q(0));
		c2s(f, &k.m, 50, U(LQ_E_NONE));
	}
	sleep_ms(f, 20);
	c2s(f, &k.m, 50, QE(1, LQ_E_LINK));
}

/* The candidate that opened the path keeps its old one alive too
 * (multipath): every candidate is still using its own path, none fits,
 * and the new path stays undecided rather than merged into a guess. */
static void crowd_multipath(struct fx *f)
{
	struct crowd k;
	int i;

	crowd_start(f, &k, 5);
	crowd_move(f, &k);
	for (i = 0; i < 12; i++) {
		sleep_ms(f, 20);
		c2s(f, &k.c[0], 50, Q(0));
		c2s(f, &k.c[1], 50, Q(1));
		c2s(f, &k.c[2], 50, Q(2));
		c2s(f, &k.m, 50, U(LQ_E_NONE));
		s2c(f, &k.m, 300, U(LQ_E_NONE));
	}
}

/* Probe-sized short headers with random DCIDs from many spoofed sources
 * while a crowd's connection moves: each is an undecided path that no
 * server answers and no candidate's silence explains, so none is linked;
 * the mover still is, and the others keep their labels. */
static void crowd_probe_flood(struct fx *f)
{
	struct crowd k;
	struct conn x;
	char ip[32];
	int i;

	crowd_start(f, &k, 6);
	c2s(f, &k.c[1], 50, Q(1));
	for (i = 0; i < 40; i++) {
		snprintf(ip, sizeof(ip), "198.19.%d.%d", 10 + i / 200, 1 + i % 200);
		conn_init(&x, ip, (uint16_t)(20000 + i), "198.18.1.1", 443, 8, 8, 7000 + (uint32_t)i);
		c2s(f, &x, 1200, U(LQ_E_PROBING));
	}
	crowd_move(f, &k);
	for (i = 0; i < 11; i++) {
		sleep_ms(f, 20);
		c2s(f, &k.c[0], 50, Q(0));
		s2c(f, &k.c[2], 300, Q(2));
		snprintf(ip, sizeof(ip), "198.19.%d.%d", 20, 1 + i);
		conn_init(&x, ip, 30000, "198.18.1.1", 443, 8, 8, 8000 + (uint32_t)i);
		c2s(f, &x, 1200, U(LQ_E_PROBING));
		c2s(f, &x, 60, U(LQ_E_MIGRATION)); /* a spoofer's "switch": no answer */
	}
	s2c(f, &k.m, 1300, QE(1, LQ_E_LINK));
	c2s(f, &k.c[0], 50, Q(0));
	s2c(f, &k.c[2], 300, Q(2));
}

/* ---- the guard (run with fx_guard_config()) --------------------------------------- */

void fx_guard_config(struct lq_config *cfg)
{
	lq_config_default(cfg);
	cfg->flags |= LQ_CF_GUARD;
	cfg->guard_drop = LQ_GUARD_DROP_ALL;
	cfg->lh_interval_ns = 100000000ULL; /* 10 a second */
	cfg->lh_tolerance_ns = 2 * cfg->lh_interval_ns; /* burst 3 */
	cfg->conn_interval_ns = 500000000ULL; /* 2 a second */
	cfg->conn_tolerance_ns = cfg->conn_interval_ns; /* burst 2 */
	cfg->nversions = 2;
	cfg->versions[0] = V1;
	cfg->versions[1] = V2;
}

static void guard_drops_garbage(struct fx *f)
{
	struct conn c, x;
	size_t n;

	conn_init(&c, "198.18.0.70", 50070, "198.18.1.1", 443, 8, 8, 70);
	handshake(f, &c, 0); /* a real connection passes untouched */
	sleep_s(f, 1);
	conn_init(&x, "198.18.0.71", 50071, "198.18.1.1", 443, 8, 8, 71);
	n = quic_long(f->pl, 0, V1, &x.odcid, &x.ccid, 0, 600, 1);
	send(f, "Initial in 650 bytes", &x.cli, &x.srv, n, NULL, D(G(LQ_R_INITIAL_TOO_SMALL)));
	n = quic_pad(f->pl, quic_long(f->pl, 0, 0xff00001d, &x.odcid, &x.ccid, 0, 1000, 1), 1200);
	/* RFC 9000 §6: a server may answer it with Version Negotiation */
	send(f, "draft-29, not accepted, 1200 bytes", &x.cli, &x.srv, n, NULL,
	     G(LQ_R_UNSUPPORTED_VERSION));
	n = quic_long(f->pl, 0, 0xff00001d, &x.odcid, &x.ccid, 0, 250, 1);
	x.cli.ip = "198.18.0.72"; /* a source of its own: the guard limits x's long headers */
	send(f, "draft-29, not accepted, 300 bytes", &x.cli, &x.srv, n, NULL,
	     D(G(LQ_R_UNKNOWN_VERSION)));
	x.cli.ip = "198.18.0.71";
	n = quic_retry(f->pl, V1, &x.ccid, &x.scid, 16);
	x.cli.port++;
	send(f, "Retry to a server", &x.cli, &x.srv, n, NULL, D(G(LQ_R_BAD_TYPE)));
	/* reported, never dropped: a connection's migration to IDs no monitor
	 * saw looks so (RFC 9000 §5.1.1), and so does a greasing one's (RFC 9287) */
	c2s(f, &x, 200, G(LQ_R_UNKNOWN_DCID));
	n = quic_short(f->pl, &x.scid, 200, 0);
	x.cli.port++;
	send(f, "unknown short header, fixed bit clear", &x.cli, &x.srv, n, NULL,
	     G(LQ_R_FIXED_BIT));
	x.cli.port++;
	send(f, "empty datagram", &x.cli, &x.srv, 0, NULL, D(G(LQ_R_EMPTY)));
	c2s(f, &c, 60, Q(0));
	s2c(f, &c, 1300, Q(0));
}

static void guard_rates(struct fx *f)
{
	struct conn a, b, c, d, e, g;

	/* new connections: 2 a second, burst 2, per source */
	conn_init(&a, "198.18.0.80", 50080, "198.18.1.1", 443, 8, 8, 80);
	conn_init(&b, "198.18.0.80", 50081, "198.18.1.1", 443, 8, 8, 81);
	conn_init(&c, "198.18.0.80", 50082, "198.18.1.1", 443, 8, 8, 82);
	client_initial(f, &a, QE(0, LQ_E_NEW_CONN));
	server_initial(f, &a, Q(0)); /* servers are not limited */
	f->now += 200000000ULL;
	client_initial(f, &b, QE(1, LQ_E_NEW_CONN));
	f->now += 200000000ULL;
	client_initial(f, &c, L(LQ_R_CONN_RATE)); /* the third within a second */
	c2s(f, &a, 60, Q(0)); /* short headers are never limited */
	s2c(f, &a, 1200, Q(0));
	sleep_s(f, 1);
	client_initial(f, &c, QE(2, LQ_E_NEW_CONN)); /* a second later: allowed */
	/* long headers: 10 a second, burst 3, per source */
	conn_init(&d, "198.18.0.81", 50085, "198.18.1.1", 443, 8, 8, 85);
	conn_init(&g, "198.18.0.81", 50086, "198.18.1.1", 443, 8, 8, 86);
	client_initial(f, &d, QE(3, LQ_E_NEW_CONN));
	server_initial(f, &d, Q(3));
	client_initial(f, &g, QE(4, LQ_E_NEW_CONN));
	client_initial(f, &g, Q(4));
	client_initial(f, &g, L(LQ_R_RATE_LIMIT)); /* the source's 4th in 4 ms */
	/* d's Handshake to its server's ID: only a real client of that server
	 * has seen it, so it is never charged (a spoofer's flood cannot spend
	 * it), and the source is verified from then on */
	client_finished(f, &d, Q(3));
	c2s(f, &d, 60, Q(3));
	client_initial(f, &g, Q(4));
	/* IPv6 sources count per /64: two hosts of one /64 share the buckets */
	conn_init(&d, "2001:db8:5::1", 50083, "2001:db8:1::1", 443, 8, 8, 87);
	conn_init(&e, "2001:db8:5::2", 50084, "2001:db8:1::1", 443, 8, 8, 88);
	client_initial(f, &d, QE(5, LQ_E_NEW_CONN));
	client_initial(f, &e, QE(6, LQ_E_NEW_CONN));
	e.cli.port++;
	e.odcid = pkt_cid(8, 8801);
	client_initial(f, &e, L(LQ_R_CONN_RATE));
}

/* Under the guard an unverified source's probe of a new path costs a new
 * connection: each makes state (tentative) before the server answers. */
static void guard_probe_costs_a_connection(struct fx *f)
{
	struct conn c, p;
	int i;

	conn_init(&c, "198.18.0.90", 50090, "198.18.1.1", 443, 8, 8, 90);
	handshake(f, &c, 0);
	p = c; /* probes from an address no client completed a handshake at */
	p.cli.ip = "198.18.0.91";
	p.cli.port = 41090;
	p.scid = pkt_cid(8, 9001);
	c2s(f, &p, 1200, U(LQ_E_PROBING)); /* the source's first this second */
	p.cli.port = 41091;
	p.scid = pkt_cid(8, 9002);
	c2s(f, &p, 1200, U(LQ_E_PROBING)); /* its second */
	p.cli.port = 41092;
	p.scid = pkt_cid(8, 9003);
	/* a third within the second: let through (it may be the client's
	 * real path), but it makes no state */
	c2s(f, &p, 1200, P());
	c2s(f, &c, 60, Q(0));
	sleep_s(f, 1);
	c2s(f, &p, 1200, U(LQ_E_PROBING)); /* a second later: allowed */
	/* the client that completed its handshake is verified: its own probes
	 * cost nothing (a spoofer claiming its address spends no budget of
	 * its) */
	for (i = 0; i < 3; i++) {
		p = c;
		p.cli.port = (uint16_t)(42090 + i);
		p.scid = pkt_cid(8, (uint32_t)(9010 + i));
		c2s(f, &p, 1200, U(LQ_E_PROBING));
	}
}

/* A client's first 1-RTT packet to its server's ID completes the handshake
 * as its Handshake packet does (this one missed by the tap, or the capture
 * begun late): its source is verified, so its probes of new paths cost no
 * new-connection budget. Unpromoted, the third probe (with the Initial,
 * past the burst of 2) would be let through without state. */
static void guard_short_header_completes(struct fx *f)
{
	struct conn c, p;
	int i;

	conn_init(&c, "198.18.0.92", 50092, "198.18.1.1", 443, 8, 8, 92);
	client_initial(f, &c, QE(0, LQ_E_NEW_CONN));
	server_initial(f, &c, Q(0));
	c2s(f, &c, 60, Q(0)); /* no client Handshake in view */
	s2c(f, &c, 1200, Q(0));
	for (i = 0; i < 3; i++) {
		p = c;
		p.cli.port = (uint16_t)(43092 + i);
		p.scid = pkt_cid(8, (uint32_t)(9020 + i));
		c2s(f, &p, 1200, U(LQ_E_PROBING));
	}
}

/* Garbage makes no state, under the guard either: it is not charged to its
 * source (a flood of it from spoofed sources would otherwise fill the
 * guard's map and evict real sources' state), so a source's budget is
 * whole for what does make state. Charged, the fourth small Initial would
 * be limited, and so would the source's real Initial after them. */
static void guard_garbage_uncharged(struct fx *f)
{
	struct conn c, x;
	size_t n;
	int i;

	conn_init(&c, "198.18.0.95", 50095, "198.18.1.1", 443, 8, 8, 95);
	handshake(f, &c, 0);
	conn_init(&x, "198.18.0.96", 50096, "198.18.1.1", 443, 8, 8, 96);
	n = quic_long(f->pl, 0, V1, &x.odcid, &x.ccid, 0, 600, 1);
	for (i = 0; i < 10; i++)
		send(f, "Initial in 650 bytes", &x.cli, &x.srv, n, NULL,
		     D(G(LQ_R_INITIAL_TOO_SMALL)));
	x.cli.port++;
	client_initial(f, &x, QE(1, LQ_E_NEW_CONN));
	x.cli.port++;
	x.odcid = pkt_cid(8, 9601);
	client_initial(f, &x, QE(2, LQ_E_NEW_CONN));
	x.cli.port++;
	x.odcid = pkt_cid(8, 9602);
	client_initial(f, &x, L(LQ_R_CONN_RATE)); /* what makes state is still charged */
	c2s(f, &c, 60, Q(0));
}

const struct fx_case fx_cases[] = {
	{ "versions_known", "v1, v2, v2 drafts, IETF drafts, mvfst, gQUIC T/Q05x are QUIC",
	  versions_known, 0 },
	{ "cids_up_to_twenty", "CIDs up to 20 bytes; 21 is garbage", cids_up_to_twenty, 0 },
	{ "cid_key_exact_length", "a stored CID key is exactly its length", cid_key_exact_length, 0 },
	{ "header_to_its_end", "headers parsed to their end, bounded by the datagram",
	  header_to_its_end, 0 },
	{ "encapsulations", "IPv4 options, VLAN, QinQ, IPv6 extension headers",
	  encapsulations, 0 },
	{ "coalesced_walked", "coalesced packets walked, their types reported", coalesced_walked, 0 },
	{ "address_migration_by_anchor", "a new address with a new CID links by anchors",
	  address_migration_by_anchor, 0 },
	{ "pending_per_flow", "pending state is per 4-tuple", pending_per_flow, 0 },
	{ "short_cid_alone", "a 1-byte DCID match alone links nothing", short_cid_alone, 0 },
	{ "idle_expiry", "idle entries expire; a dead connection links nothing",
	  idle_expiry, 0 },
	{ "both_directions_one_label", "both directions share one label", both_directions_one_label, 0 },
	{ "cid_rotation_recorded", "a CID change on a known path is recorded", cid_rotation_recorded, 0 },
	{ "grease_then_vn", "version negotiation keeps the label", grease_then_vn, 0 },
	{ "retry_keeps_label", "Retry keeps the label", retry_keeps_label, 0 },
	{ "new_handshake_same_tuple", "a new handshake is a new connection", new_handshake_same_tuple, 0 },
	{ "initial_dcid_decides", "a fresh Initial DCID after the server answered: a new connection",
	  initial_dcid_decides, 0 },
	{ "probe_unanswered_second_dcid", "a second new ID on an unanswered probe links nothing",
	  probe_unanswered_second_dcid, 0 },
	{ "ambiguous_never_merged", "two candidates: no link", ambiguous_never_merged, 0 },
	{ "preferred_address", "a server's new address links by the client's", preferred_address, 0 },
	{ "one_direction_client", "the client's packets alone: linked, and no server confirmed by them",
	  one_direction_client, 0 },
	{ "one_direction_server", "the server's packets alone: its role known, no path it opens linked",
	  one_direction_server, 0 },
	{ "multipath_both_paths", "two paths in use at once keep one label", multipath_both_paths, 0 },
	{ "crowd_switch_over", "in a crowd, the candidate whose path fell silent at the switch is the mover",
	  crowd_switch_over, 0 },
	{ "crowd_drain", "in a crowd behind a queue, the mover's old path drains, then it is linked",
	  crowd_drain, 0 },
	{ "crowd_two_silent", "two candidates silent at the switch: the path stays undecided",
	  crowd_two_silent, 0 },
	{ "crowd_ender_at_switch", "a connection ending at another's switch is never taken for the mover",
	  crowd_ender_at_switch, 0 },
	{ "crowd_ender_just_before", "a connection that ended 8 ms before the move is not the mover",
	  crowd_ender_just_before, 0 },
	{ "crowd_ender_probed", "an ender at the switch, but the mover's server probes its old path",
	  crowd_ender_probed, 0 },
	{ "crowd_preferred", "moves to a preferred address link by the client endpoint they keep",
	  crowd_preferred, 0 },
	{ "crowd_ender_before", "a connection that ended before the switch neither moved nor blocks",
	  crowd_ender_before, 0 },
	{ "crowd_multipath", "a crowd's second path that keeps both alive is never merged",
	  crowd_multipath, 0 },
	{ "crowd_probe_flood", "spoofed probes in a crowd link to nothing; the mover still links",
	  crowd_probe_flood, 0 },
	{ "zero_length_client_cids", "empty CIDs: the 4-tuple tells, nothing else links",
	  zero_length_client_cids, 0 },
	{ "fixed_bit", "fixed bit: grease on a connection, garbage without one", fixed_bit, 0 },
	{ "not_quic", "non-QUIC and malformed traffic", not_quic, 0 },
	{ "unsolicited_vn_retry", "VN and Retry only answer a client", unsolicited_vn_retry, 0 },
	{ "shared_four_tuple", "two connections on one 4-tuple stay apart", shared_four_tuple, 0 },
	{ "gquic", "Google QUIC Q046 and the Q043 public header", gquic, 0 },
	{ "handshake_on_new_path", "a known DCID in a long header links a new path",
	  handshake_on_new_path, 0 },
	{ "guard_drops_garbage", "the guard drops every garbage class, nothing else",
	  guard_drops_garbage, 1 },
	{ "guard_rates", "per-source rates of long headers and new connections, IPv6 per /64",
	  guard_rates, 1 },
	{ "guard_probe_costs_a_connection", "under the guard a client's probe counts as a new connection",
	  guard_probe_costs_a_connection, 1 },
	{ "guard_short_header_completes",
	  "a client's 1-RTT packet to the server's ID completes the handshake",
	  guard_short_header_completes, 1 },
	{ "guard_garbage_uncharged", "garbage is not charged to its source: its budget stays whole",
	  guard_garbage_uncharged, 1 },
};

const size_t fx_ncases = sizeof(fx_cases) / sizeof(fx_cases[0]);

int fx_run_case(const struct fx_runner *r, const struct fx_case *c)
{
	static struct fx f;

	if (!!(r->cfg->flags & LQ_CF_GUARD) != !!c->guard)
		return 0;
	memset(&f, 0, sizeof(f));
	f.r = r;
	f.cname = c->name;
	f.now = 1700000000ULL * 1000000000ULL;
	r->reset(r->ctx);
	c->run(&f);
	return f.failures;
}
