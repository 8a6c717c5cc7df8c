// SPDX-License-Identifier: BSD-2-Clause
/*
 * fuzz_gen.c - the gen format: operations that drive a generator of
 * real-looking QUIC datagrams between 2-4 clients and 1-2 servers, so that
 * the tracker's state builds up as it does on real traffic: handshakes
 * answered or not, Retry and Version Negotiation, new connection IDs, paths
 * probed, answered and switched to, NAT rebinding, a server's preferred
 * address, the old path's last packets, stateless resets; and beside them
 * what an attacker sends: spoofed packets with a connection's IDs, the
 * garbage classes, raw datagrams.
 *
 * Input: the settings header (fuzz_track.h), then operations, each an op
 * byte (low 5 bits: the operation, top 3: the time before it) and its
 * argument bytes; missing bytes read as 0. tests/FUZZING.md lists them.
 *
 * Connection IDs are unique per connection by construction (the first byte
 * names the connection and the side, at every length), so the truth the
 * generator keeps (which connection a frame is of) is what a perfect
 * tracker would say.
 */
#include "fuzz_track.h"

#include <string.h>

#define NSLOT 6	      /* connections at a time */
#define TRUTH_MAX 32  /* connections an input may start with unique IDs */

enum {
	OP_C_INITIAL,
	OP_S_INITIAL,
	OP_C_HANDSHAKE,
	OP_S_HANDSHAKE,
	OP_S_RETRY,
	OP_S_VN,
	OP_C_SHORT,
	OP_S_SHORT,
	OP_C_NEWCID,
	OP_S_NEWCID,
	OP_C_PROBE,
	OP_S_PROBE,
	OP_C_SWITCH,
	OP_S_OLDPATH,
	OP_C_REBIND,
	OP_END,
	OP_SPOOF,
	OP_GARBAGE,
	OP_RAW,
	OP_S_RESET,
	OP__COUNT,
};

/* long header packet types, as enum lq_ptype numbers them */
enum { T_INITIAL, T_0RTT, T_HANDSHAKE, T_RETRY };

/* A path of a connection: client host and port, server, its port, and
 * whether the server is at its preferred address. */
struct gpath {
	uint8_t host, cport, srv, sport, pref;
};

struct gep {
	uint8_t ip[16];
	uint16_t port;
};

struct gconn {
	int live, truth;
	uint32_t version;
	uint8_t ccl, scl, odl; /* the client's and the server's ID lengths, original DCID's */
	uint16_t cseq, sseq;   /* the IDs in use each way: the client's, the server's */
	uint16_t attempt;      /* which original DCID */
	int answered, retried, vn;
	int confirmed; /* the client's Handshake after the server's answer */
	struct gpath cur, probe, old;
	int has_probe, has_old;
};

struct gen {
	const uint8_t *d;
	size_t n, o;
	uint64_t ts, rng;
	int v6, vlan, nclients, nservers, cgnat, own64, guard;
	const struct lq_config *cfg;
	uint8_t server_scl[2];
	int honest, next_truth, count, stop;
	struct gconn c[NSLOT];
	struct {
		struct gpath path;
		int truth;
	} used[64]; /* the paths taken so far, by whom */
	unsigned nused;
	fz_emit_fn emit;
	void *ctx;
	uint8_t frame[FZ_FRAME_MAX];
	uint8_t pl[FZ_FRAME_MAX];
};

static const uint8_t cid_lens[8] = { 0, 1, 4, 8, 8, 16, 18, 20 };
static const uint32_t gen_versions[8] = { 0x00000001, 0x00000001, 0x6b3343cf, 0x6b3343cf,
					  0x709a50c4, 0xff00001d, 0x51303530, 0x1a2a3a4a };

static uint8_t rd(struct gen *g)
{
	return g->o < g->n ? g->d[g->o++] : 0;
}

static uint64_t rnd(struct gen *g)
{
	g->rng ^= g->rng << 13;
	g->rng ^= g->rng >> 7;
	g->rng ^= g->rng << 17;
	return g->rng;
}

/* ciphertext: bytes that look random */
static void fill(struct gen *g, uint8_t *p, size_t n)
{
	size_t i;
	uint64_t r = 0;

	for (i = 0; i < n; i++) {
		if (!(i & 7))
			r = rnd(g);
		p[i] = (uint8_t)(r >> (8 * (i & 7)));
	}
}

/* ---- connection IDs --------------------------------------------------------- */

enum { SIDE_SERVER, SIDE_CLIENT, SIDE_ORIGINAL };

/* An ID of a connection: the first byte holds its truth and side, so no two
 * connections share an ID, nor a prefix of one, at any length. */
static void make_cid(uint8_t *out, uint8_t len, int truth, int side, unsigned seq)
{
	uint64_t h = 0x243f6a8885a308d3ULL ^ (uint64_t)truth * 0x9e3779b97f4a7c15ULL ^
		     (uint64_t)side << 40 ^ seq;
	uint8_t i;

	for (i = 0; i < len; i++) {
		h ^= h >> 31;
		h *= 0xbf58476d1ce4e5b9ULL;
		out[i] = (uint8_t)(h >> 32);
	}
	if (len >= 1)
		out[0] = (uint8_t)((truth & 31) << 3 | side << 1 | (seq & 1));
	if (len >= 2)
		out[1] = (uint8_t)seq;
}

struct gcid {
	uint8_t len, id[20];
};

static struct gcid server_cid(const struct gconn *c, unsigned seq)
{
	struct gcid x = { c->scl, { 0 } };

	make_cid(x.id, x.len, c->truth, SIDE_SERVER, seq);
	return x;
}

static struct gcid client_cid(const struct gconn *c)
{
	struct gcid x = { c->ccl, { 0 } };

	make_cid(x.id, x.len, c->truth, SIDE_CLIENT, c->cseq);
	return x;
}

/* The DCID of the client's long headers: the original one until the server
 * answered (or the Retry's SCID), then the server's own. */
static struct gcid client_dcid(const struct gconn *c)
{
	struct gcid x = { c->odl, { 0 } };

	if (c->answered || c->retried)
		return server_cid(c, c->sseq);
	make_cid(x.id, x.len, c->truth, SIDE_ORIGINAL, c->attempt);
	return x;
}

static struct gcid original_dcid(const struct gconn *c)
{
	struct gcid x = { c->odl, { 0 } };

	make_cid(x.id, x.len, c->truth, SIDE_ORIGINAL, c->attempt);
	return x;
}

/* ---- endpoints and frames ------------------------------------------------------ */

static void ip_of(const struct gen *g, struct gep *e, uint8_t net, uint8_t sub, uint8_t host)
{
	memset(e->ip, 0, sizeof(e->ip));
	if (g->v6) {
		e->ip[0] = 0x20, e->ip[1] = 0x01, e->ip[2] = 0x0d, e->ip[3] = 0xb8;
		e->ip[5] = net;
		e->ip[7] = sub;
		e->ip[15] = host;
	} else {
		e->ip[0] = 198, e->ip[1] = 18, e->ip[2] = net, e->ip[3] = host;
	}
}

static void client_ep(const struct gen *g, uint8_t host, uint8_t cport, struct gep *e)
{
	/* behind a carrier-grade NAT every client has the one address */
	ip_of(g, e, 1, g->own64 ? host : 0, (uint8_t)(10 + (g->cgnat ? 0 : host)));
	e->port = (uint16_t)(40000 + host * 16 + (cport & 15));
}

static void server_ep(const struct gen *g, uint8_t srv, uint8_t sport, uint8_t pref, struct gep *e)
{
	ip_of(g, e, 2, 0, (uint8_t)(1 + srv + (pref ? 100 : 0)));
	e->port = sport ? 4433 : 443;
}

/* Any endpoint: a client, a server (at its preferred address too), a DNS
 * server, an attacker. */
static void any_ep(const struct gen *g, uint8_t sel, struct gep *e)
{
	switch (sel >> 5) {
	case 0:
	case 1:
		client_ep(g, (uint8_t)((sel & 3) % g->nclients), (sel >> 2) & 7, e);
		break;
	case 2:
	case 3:
		server_ep(g, (uint8_t)((sel & 1) % g->nservers), (sel >> 1) & 1, (sel >> 5) & 1, e);
		break;
	case 4:
		ip_of(g, e, 3, 0, 53);
		e->port = 53;
		break;
	default:
		ip_of(g, e, 9, (uint8_t)(sel & 3), (uint8_t)(sel & 31));
		e->port = (uint16_t)(1024 + sel * 7);
		break;
	}
}

static void path_eps(const struct gen *g, const struct gpath *p, struct gep *cl, struct gep *sv)
{
	client_ep(g, p->host, p->cport, cl);
	server_ep(g, p->srv, p->sport, p->pref, sv);
}

static int path_eq(const struct gen *g, const struct gpath *a, const struct gpath *b)
{
	struct gep ac, as, bc, bs;

	path_eps(g, a, &ac, &as);
	path_eps(g, b, &bc, &bs);
	return !memcmp(&ac, &bc, sizeof(ac)) && !memcmp(&as, &bs, sizeof(as));
}

/* A connection takes path p: traffic of real peers has no 4-tuple that two
 * live connections use, nor, under the guard, one that another connection
 * used before (the guard may limit the new one's Initial: then nothing
 * tells the two apart there). */
static void take_path(struct gen *g, int k, const struct gpath *p)
{
	const struct gconn *c = &g->c[k];
	unsigned i;
	int j;

	for (j = 0; j < NSLOT; j++) {
		const struct gconn *o = &g->c[j];

		if (j == k || !o->live)
			continue;
		if (path_eq(g, p, &o->cur) || (o->has_probe && path_eq(g, p, &o->probe)) ||
		    (o->has_old && path_eq(g, p, &o->old)))
			g->honest = 0;
	}
	for (i = 0; i < g->nused && g->guard; i++)
		if (g->used[i].truth != c->truth && path_eq(g, p, &g->used[i].path))
			g->honest = 0;
	if (g->nused < sizeof(g->used) / sizeof(g->used[0])) {
		g->used[g->nused].path = *p;
		g->used[g->nused].truth = c->truth;
		g->nused++;
	} else {
		g->honest = 0; /* no longer known */
	}
}

static void put16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, v >> 16);
	put16(p + 2, v & 0xffff);
}

/* Ethernet (a VLAN tag when the world has them), IP, UDP around g->pl. */
static void send_udp(struct gen *g, const struct gep *src, const struct gep *dst, size_t plen,
		     int truth)
{
	static const uint8_t macs[12] = { 2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1 };
	struct fz_frame f;
	uint8_t *p = g->frame;
	size_t o = 12;

	if (g->stop)
		return;
	if (plen > FZ_FRAME_MAX - 70)
		plen = FZ_FRAME_MAX - 70;
	memcpy(p, macs, 12);
	if (g->vlan) {
		put16(p + o, 0x8100);
		put16(p + o + 2, 10);
		o += 4;
	}
	put16(p + o, g->v6 ? 0x86dd : 0x0800);
	o += 2;
	if (g->v6) {
		memset(p + o, 0, 40);
		p[o] = 0x60;
		put16(p + o + 4, (unsigned)(8 + plen));
		p[o + 6] = 17;
		p[o + 7] = 64;
		memcpy(p + o + 8, src->ip, 16);
		memcpy(p + o + 24, dst->ip, 16);
		o += 40;
	} else {
		memset(p + o, 0, 20);
		p[o] = 0x45;
		put16(p + o + 2, (unsigned)(28 + plen));
		p[o + 6] = 0x40; /* DF */
		p[o + 8] = 64;
		p[o + 9] = 17;
		memcpy(p + o + 12, src->ip, 4);
		memcpy(p + o + 16, dst->ip, 4);
		o += 20;
	}
	put16(p + o, src->port);
	put16(p + o + 2, dst->port);
	put16(p + o + 4, (unsigned)(8 + plen));
	put16(p + o + 6, 0);
	o += 8;
	memcpy(p + o, g->pl, plen);
	f.ts = g->ts;
	f.data = p;
	f.len = (uint32_t)(o + plen);
	f.truth = truth;
	f.honest = g->honest;
	g->count++;
	if (g->emit(g->ctx, &f) || g->count >= FZ_FRAMES_MAX)
		g->stop = 1;
}

/* ---- QUIC packets ---------------------------------------------------------------- */

static int v2_types(uint32_t v)
{
	return v == 0x6b3343cf || v == 0x709a50c4;
}

static uint8_t type_bits(uint32_t v, int t)
{
	return (uint8_t)(v2_types(v) ? (t + 1) & 3 : t); /* RFC 9369 §3.2 */
}

/* A long header packet of size bytes (at least its header, a packet number
 * and a tag): Length in 2 bytes, then random bytes. */
static size_t long_pkt(struct gen *g, uint8_t *o, uint32_t ver, int type, const struct gcid *dcid,
		       const struct gcid *scid, size_t token, size_t size, int fixed)
{
	size_t h = 0, body;

	o[h++] = (uint8_t)(0x80 | (fixed ? 0x40 : 0) | type_bits(ver, type) << 4 | 0x03);
	put32(o + h, ver);
	h += 4;
	o[h++] = dcid->len;
	memcpy(o + h, dcid->id, dcid->len);
	h += dcid->len;
	o[h++] = scid->len;
	memcpy(o + h, scid->id, scid->len);
	h += scid->len;
	if (type == T_INITIAL) {
		o[h++] = (uint8_t)token; /* a 1-byte varint: at most 63 */
		fill(g, o + h, token);
		h += token;
	}
	body = size > h + 2 + 20 ? size - h - 2 : 20;
	o[h++] = (uint8_t)(0x40 | (body >> 8));
	o[h++] = (uint8_t)body;
	fill(g, o + h, body);
	return h + body;
}

/* A 1-RTT packet of size bytes. */
static size_t short_pkt(struct gen *g, uint8_t *o, const struct gcid *dcid, size_t size, int fixed)
{
	size_t h = 1;

	if (size < (size_t)dcid->len + 21)
		size = (size_t)dcid->len + 21;
	o[0] = (uint8_t)((fixed ? 0x40 : 0) | (rnd(g) & 0x24) | 0x03); /* spin, key phase */
	memcpy(o + h, dcid->id, dcid->len);
	h += dcid->len;
	fill(g, o + h, size - h);
	return size;
}

/* Pads a datagram to n bytes with zeros (PADDING after the packets). */
static size_t pad_to(uint8_t *p, size_t len, size_t n)
{
	if (len < n) {
		memset(p + len, 0, n - len);
		len = n;
	}
	return len;
}

/* Datagram sizes of 1-RTT traffic: an ACK or a little data, more data,
 * exactly a probe's padding (RFC 9000 §8.2.1), a full datagram. */
static size_t short_size(struct gen *g, unsigned cls)
{
	switch (cls & 3) {
	case 0:
		return 30 + rnd(g) % 120;
	case 1:
		return 300 + rnd(g) % 800;
	case 2:
		return 1200;
	default:
		return 1252;
	}
}

/* ---- the connections' operations ------------------------------------------------- */

static int version_accepted(const struct gen *g, uint32_t v)
{
	unsigned i;

	if (!g->cfg->nversions || (v & 0x0f0f0f0f) == 0x0a0a0a0a)
		return 1; /* a reserved version only asks for Version Negotiation */
	for (i = 0; i < g->cfg->nversions; i++)
		if (g->cfg->versions[i] == v)
			return 1;
	return 0;
}

static void start(struct gen *g, int k, int in_view)
{
	struct gconn *c = &g->c[k];
	uint8_t a = rd(g), b = rd(g);

	memset(c, 0, sizeof(*c));
	c->live = 1;
	c->truth = g->next_truth++;
	if (c->truth >= TRUTH_MAX || !in_view)
		g->honest = 0; /* IDs repeat; or a connection begun out of view */
	c->cur.host = (uint8_t)((a & 3) % g->nclients);
	c->cur.cport = (a >> 2) & 15;
	c->cur.srv = (uint8_t)(((a >> 6) & 1) % g->nservers);
	c->cur.sport = (a >> 7) & 1;
	c->version = gen_versions[b & 7];
	if (!version_accepted(g, c->version))
		g->honest = 0; /* the operator asked for it to be refused */
	c->ccl = cid_lens[(b >> 3) & 7];
	c->scl = g->server_scl[c->cur.srv]; /* a server's IDs have one length */
	c->odl = (uint8_t)(8 + (b >> 6) * 4);
	take_path(g, k, &c->cur);
}

static struct gconn *conn(struct gen *g, int *k, int start_if_dead)
{
	*k = rd(g) % NSLOT;
	if (!g->c[*k].live) {
		if (!start_if_dead)
			return NULL;
		start(g, *k, 0);
	}
	return &g->c[*k];
}

static void c_initial(struct gen *g)
{
	int k = rd(g) % NSLOT, fixed;
	struct gconn *c = &g->c[k];
	struct gep cl, sv;
	struct gcid dcid, scid;
	uint8_t f;
	size_t n = 0, target, zrtt = 0;

	if (!c->live)
		start(g, k, 1);
	f = rd(g);
	if ((f & 0x10) && !c->answered && !c->retried) {
		c->attempt++; /* another attempt from the same socket */
		if (!c->vn) {
			/* a new DCID on a known 4-tuple is a new connection (RFC 9000
			 * §7.2), unless Version Negotiation asked for a restart */
			c->truth = g->next_truth++;
			if (c->truth >= TRUTH_MAX)
				g->honest = 0;
			take_path(g, k, &c->cur);
		}
	}
	if (f & 0x09)
		g->honest = 0; /* too small, or the fixed bit cleared: no real client */
	fixed = !(f & 0x08);
	dcid = client_dcid(c);
	scid = client_cid(c);
	target = (f & 0x01) ? 80 + (f >> 5) * 40 : (f & 0x20) ? 1252 : 1200;
	if (f & 0x02)
		zrtt = 60 + (f >> 6) * 100; /* 0-RTT coalesced */
	if (f & 0x04) { /* PADDING after the packets, not inside */
		n = long_pkt(g, g->pl, c->version, T_INITIAL, &dcid, &scid, c->retried ? 24 : 0, 300,
			     fixed);
		if (zrtt)
			n += long_pkt(g, g->pl + n, c->version, T_0RTT, &dcid, &scid, 0, zrtt, fixed);
		n = pad_to(g->pl, n, target);
	} else {
		size_t first = target > zrtt + 100 ? target - zrtt : 100;

		n = long_pkt(g, g->pl, c->version, T_INITIAL, &dcid, &scid, c->retried ? 24 : 0, first,
			     fixed);
		if (zrtt)
			n += long_pkt(g, g->pl + n, c->version, T_0RTT, &dcid, &scid, 0, zrtt, fixed);
	}
	path_eps(g, &c->cur, &cl, &sv);
	send_udp(g, &cl, &sv, n, c->truth);
}

static void s_initial(struct gen *g)
{
	int k;
	struct gconn *c = conn(g, &k, 1);
	struct gep cl, sv;
	struct gcid dcid, scid;
	uint8_t f = rd(g);
	uint32_t v = c->version;
	size_t n;

	if ((v & 0x0f0f0f0f) == 0x0a0a0a0a)
		v = 1; /* a server does not answer in a reserved version */
	if (c->retried && !c->answered && (f & 0x10))
		c->sseq++; /* a new ID of its own after the Retry */
	c->answered = 1;
	dcid = client_cid(c);
	scid = server_cid(c, c->sseq);
	n = long_pkt(g, g->pl, v, T_INITIAL, &dcid, &scid, 0, 150 + (f >> 5) * 20, !(f & 0x08));
	if (f & 0x01) /* its first flight: Initial and Handshake in one datagram */
		n += long_pkt(g, g->pl + n, v, T_HANDSHAKE, &dcid, &scid, 0, 900, !(f & 0x08));
	if (f & 0x02)
		n += short_pkt(g, g->pl + n, &dcid, 60, 1);
	if (f & 0x04)
		n = pad_to(g->pl, n, 1200);
	path_eps(g, &c->cur, &cl, &sv);
	send_udp(g, &sv, &cl, n, c->truth);
}

static void handshake(struct gen *g, int from_server)
{
	int k;
	struct gconn *c = conn(g, &k, 1);
	struct gep cl, sv;
	struct gcid dcid, scid, sh;
	uint8_t f = rd(g);
	size_t n;

	if (from_server) {
		dcid = client_cid(c);
		scid = server_cid(c, c->sseq);
	} else {
		dcid = client_dcid(c);
		scid = client_cid(c);
	}
	if (!from_server && c->answered)
		c->confirmed = 1;
	n = long_pkt(g, g->pl, c->version, T_HANDSHAKE, &dcid, &scid, 0, 60 + (f >> 4) * 30, 1);
	if (f & 0x01) { /* the first 1-RTT packet behind it */
		sh = from_server ? client_cid(c) : server_cid(c, c->sseq);
		n += short_pkt(g, g->pl + n, &sh, 50 + (f >> 4) * 10, 1);
	}
	path_eps(g, &c->cur, &cl, &sv);
	if (from_server)
		send_udp(g, &sv, &cl, n, c->truth);
	else
		send_udp(g, &cl, &sv, n, c->truth);
}

static void s_retry(struct gen *g)
{
	int k;
	struct gconn *c = conn(g, &k, 1);
	struct gep cl, sv;
	struct gcid dcid, scid;
	size_t n = 0;
	uint8_t f = rd(g);

	if (c->answered)
		g->honest = 0; /* a Retry answers a first Initial only */
	c->sseq++;
	c->retried = 1;
	dcid = client_cid(c);
	scid = server_cid(c, c->sseq);
	g->pl[n++] = (uint8_t)(0xc0 | type_bits(c->version, T_RETRY) << 4 | (f & 15));
	put32(g->pl + n, c->version);
	n += 4;
	g->pl[n++] = dcid.len;
	memcpy(g->pl + n, dcid.id, dcid.len);
	n += dcid.len;
	g->pl[n++] = scid.len;
	memcpy(g->pl + n, scid.id, scid.len);
	n += scid.len;
	fill(g, g->pl + n, 24 + 16); /* token and integrity tag */
	n += 40;
	path_eps(g, &c->cur, &cl, &sv);
	send_udp(g, &sv, &cl, n, c->truth);
}

static void s_vn(struct gen *g)
{
	int k;
	struct gconn *c = conn(g, &k, 1);
	struct gep cl, sv;
	struct gcid dcid, scid;
	size_t n = 0;
	uint8_t f = rd(g);

	if (c->answered)
		g->honest = 0;
	dcid = client_cid(c);
	scid = original_dcid(c); /* RFC 8999 §6: the client's IDs, echoed */
	g->pl[n++] = (uint8_t)(0x80 | (f & 0x7f));
	put32(g->pl + n, 0);
	n += 4;
	g->pl[n++] = dcid.len;
	memcpy(g->pl + n, dcid.id, dcid.len);
	n += dcid.len;
	g->pl[n++] = scid.len;
	memcpy(g->pl + n, scid.id, scid.len);
	n += scid.len;
	put32(g->pl + n, 0x00000001);
	put32(g->pl + n + 4, 0x6b3343cf);
	put32(g->pl + n + 8, 0x5a6a7a8a);
	n += 12;
	c->vn = 1;
	c->version = 1; /* the client tries again in a version the server has */
	if (!version_accepted(g, 1))
		g->honest = 0;
	path_eps(g, &c->cur, &cl, &sv);
	send_udp(g, &sv, &cl, n, c->truth);
}

/* A 1-RTT datagram of connection c, on its probed path (f & 8), its old one
 * (f & 16), else its current one. */
static void one_rtt(struct gen *g, struct gconn *c, int from_server, uint8_t f)
{
	const struct gpath *p = &c->cur;
	struct gep cl, sv;
	struct gcid dcid;
	size_t n;

	if ((f & 0x08) && c->has_probe)
		p = &c->probe;
	else if ((f & 0x10) && c->has_old)
		p = &c->old; /* multipath, or a straggler */
	dcid = from_server ? client_cid(c) : server_cid(c, c->sseq);
	n = short_pkt(g, g->pl, &dcid, short_size(g, f), !(f & 0x04)); /* RFC 9287 grease */
	path_eps(g, p, &cl, &sv);
	if (from_server)
		send_udp(g, &sv, &cl, n, c->truth);
	else
		send_udp(g, &cl, &sv, n, c->truth);
}

static void op_short(struct gen *g, int from_server, int new_cid)
{
	int k;
	struct gconn *c = conn(g, &k, 1);
	uint8_t f = rd(g);

	/* no 1-RTT keys before the server's first flight (RFC 9001 §4.1.1) */
	if (!c->answered)
		g->honest = 0;
	if (new_cid) { /* NEW_CONNECTION_ID in use (RFC 9000 §5.1.1) */
		if (from_server)
			c->cseq++;
		else
			c->sseq++;
	}
	one_rtt(g, c, from_server, f);
}

static void c_probe(struct gen *g)
{
	int k;
	struct gconn *c = conn(g, &k, 1);
	uint8_t f = rd(g), e = rd(g);
	struct gpath p = c->cur;
	struct gep cl, sv;
	struct gcid dcid;
	size_t n;

	if (!c->confirmed)
		g->honest = 0; /* no migration before the handshake (RFC 9000 §9) */
	switch (f & 3) {
	case 0: /* a new port */
		p.cport = (uint8_t)((p.cport + 1 + (e & 7)) & 15);
		break;
	case 1: /* a new address */
		p.host = (uint8_t)((p.host + 1 + e) % g->nclients);
		p.cport = (e >> 3) & 15;
		break;
	case 2: /* the server's preferred address (RFC 9000 §9.6) */
		p.pref = 1;
		break;
	default:
		p.host = (uint8_t)((p.host + 1 + e) % g->nclients);
		p.cport = (uint8_t)((p.cport + 1 + (e >> 4)) & 15);
		break;
	}
	if (!(f & 0x04))
		c->sseq++; /* a new ID for a new path (§9.5) */
	c->probe = p;
	c->has_probe = 1;
	take_path(g, k, &p);
	dcid = server_cid(c, c->sseq);
	/* PATH_CHALLENGE, padded to 1200 bytes (§8.2.1) */
	n = short_pkt(g, g->pl, &dcid, (f & 0x08) ? 1252 : 1200, 1);
	path_eps(g, &p, &cl, &sv);
	send_udp(g, &cl, &sv, n, c->truth);
}

static void s_probe(struct gen *g)
{
	int k;
	struct gconn *c = conn(g, &k, 1);
	uint8_t f = rd(g);
	const struct gpath *p = c->has_probe ? &c->probe : &c->cur;
	struct gep cl, sv;
	struct gcid dcid;
	size_t n;

	if (f & 0x02)
		c->cseq++; /* the server takes a new ID of the client's there too */
	dcid = client_cid(c);
	/* PATH_RESPONSE (and its own PATH_CHALLENGE), or data */
	n = short_pkt(g, g->pl, &dcid, (f & 0x01) ? short_size(g, f >> 4) : 1200, 1);
	path_eps(g, p, &cl, &sv);
	send_udp(g, &sv, &cl, n, c->truth);
}

static void c_switch(struct gen *g)
{
	int k;
	struct gconn *c = conn(g, &k, 1);
	uint8_t f = rd(g);

	if (c->has_probe) {
		c->old = c->cur;
		c->has_old = 1;
		c->cur = c->probe;
		c->has_probe = 0;
	}
	one_rtt(g, c, 0, (uint8_t)(f & 0x05)); /* non-probing: not probe-sized */
}

static void s_oldpath(struct gen *g)
{
	int k;
	struct gconn *c = conn(g, &k, 1);
	uint8_t f = rd(g);
	struct gep cl, sv;
	struct gcid dcid;
	size_t n;

	if (!c->has_old)
		return;
	dcid = client_cid(c);
	/* the PATH_CHALLENGE a server sends on the path its client left
	 * (§9.3.2), or what was in flight there */
	n = short_pkt(g, g->pl, &dcid, (f & 0x01) ? short_size(g, 0) : 1200, 1);
	path_eps(g, &c->old, &cl, &sv);
	send_udp(g, &sv, &cl, n, c->truth);
}

static void c_rebind(struct gen *g)
{
	int k;
	struct gconn *c = conn(g, &k, 1);
	uint8_t f = rd(g);
	struct gpath p = c->cur;

	if (!c->confirmed)
		g->honest = 0;
	/* a NAT's new binding: the same ID from a new port (or address) */
	p.cport = (uint8_t)((p.cport + 1 + (f & 7)) & 15);
	if (f & 0x08)
		p.host = (uint8_t)((p.host + 1) % g->nclients);
	c->old = c->cur;
	c->has_old = 1;
	c->cur = p;
	take_path(g, k, &p);
	one_rtt(g, c, 0, (uint8_t)(f & 0x04 ? 1 : 0));
}

static void s_reset(struct gen *g)
{
	int k;
	struct gconn *c = conn(g, &k, 0);
	uint8_t f = rd(g);
	struct gep cl, sv;
	size_t n = (f & 0x02) ? 43 : 1200;

	if (!c)
		return;
	/* a Stateless Reset: random bytes where the DCID would be (§10.3) */
	fill(g, g->pl, n);
	g->pl[0] = (uint8_t)(0x40 | (g->pl[0] & 0x3f));
	path_eps(g, (f & 0x01) && c->has_probe ? &c->probe : &c->cur, &cl, &sv);
	send_udp(g, &sv, &cl, n, -1); /* of no connection: its server has no state for the ID */
}

/* ---- what an attacker sends ---------------------------------------------------------- */

static void spoof(struct gen *g)
{
	int k;
	struct gconn *c = conn(g, &k, 0);
	uint8_t f = rd(g), e = rd(g), e2 = rd(g);
	struct gep src, dst, cl, sv;
	struct gcid dcid;
	size_t n;

	g->honest = 0;
	if (!c)
		return;
	/* a connection's ID (one it used before, with f & 2) from anywhere */
	if (f & 0x01)
		dcid = server_cid(c, (f & 0x02) && c->sseq ? c->sseq - 1u : c->sseq);
	else
		dcid = client_cid(c);
	any_ep(g, e, &src);
	path_eps(g, &c->cur, &cl, &sv);
	if (f & 0x04)
		any_ep(g, e2, &dst);
	else
		dst = (f & 0x01) ? sv : cl;
	n = short_pkt(g, g->pl, &dcid, short_size(g, f >> 3), !(f & 0x20));
	send_udp(g, &src, &dst, n, -1);
}

static void garbage(struct gen *g)
{
	uint8_t cls = rd(g), e = rd(g), e2 = rd(g);
	struct gep src, dst;
	struct gcid rid = { 20, { 0 } }, rid8 = { 8, { 0 } };
	size_t n = 0;

	g->honest = 0;
	fill(g, rid.id, 20);
	fill(g, rid8.id, 8);
	any_ep(g, (uint8_t)(e | 0xa0), &src); /* an attacker by default */
	if (e & 0x40)
		any_ep(g, e, &src);
	if (e2 < 0x80)
		server_ep(g, (uint8_t)((e2 & 1) % g->nservers), (e2 >> 1) & 1, (e2 >> 2) & 1, &dst);
	else
		any_ep(g, e2, &dst);
	switch (cls % 14) {
	case 0: /* a short header with a random DCID */
		rid.len = cid_lens[(cls >> 4) & 7];
		n = short_pkt(g, g->pl, &rid, 41, 1);
		break;
	case 1: /* the same, probe-sized */
		rid.len = cid_lens[(cls >> 4) & 7];
		n = short_pkt(g, g->pl, &rid, 1200, 1);
		break;
	case 2: /* a client Initial under 1200 bytes */
		n = long_pkt(g, g->pl, 1, T_INITIAL, &rid8, &rid8, 0, 200, 1);
		break;
	case 3: /* a version nobody knows */
		n = long_pkt(g, g->pl, 0x12345678, T_INITIAL, &rid8, &rid8, 0, 1200, 1);
		break;
	case 4: /* a CID of 21 bytes or more */
		n = long_pkt(g, g->pl, 1, T_INITIAL, &rid8, &rid8, 0, 1200, 1);
		g->pl[5] = (uint8_t)(21 + (cls >> 4));
		break;
	case 5: /* a Length past the datagram */
		n = long_pkt(g, g->pl, 1, T_INITIAL, &rid8, &rid8, 0, 1200, 1);
		g->pl[6 + 8 + 1 + 8 + 1] = 0x7f;
		break;
	case 6: /* the fixed bit cleared */
		n = long_pkt(g, g->pl, 1, T_INITIAL, &rid8, &rid8, 0, 1200, 0);
		break;
	case 7: /* Version Negotiation sent to a server */
		n = long_pkt(g, g->pl, 1, T_HANDSHAKE, &rid8, &rid8, 0, 60, 1);
		put32(g->pl + 1, 0);
		break;
	case 8: /* Retry sent to a server */
		n = long_pkt(g, g->pl, 1, T_RETRY, &rid8, &rid8, 0, 60, 1);
		break;
	case 9: /* an empty datagram */
		n = 0;
		break;
	case 10: /* DNS, or anything that is not QUIC */
		fill(g, g->pl, 40);
		g->pl[0] &= 0x3f;
		n = 40;
		break;
	case 11: /* the Google QUIC public header (Q043) */
		g->pl[0] = 0x09;
		memcpy(g->pl + 1, rid8.id, 8);
		memcpy(g->pl + 9, "Q043", 4);
		fill(g, g->pl + 13, 1187);
		n = 1200;
		break;
	case 12: /* a Handshake to a random ID */
		n = long_pkt(g, g->pl, 1, T_HANDSHAKE, &rid8, &rid8, 0, 300, 1);
		break;
	default: /* 0-RTT from a server's address */
		n = long_pkt(g, g->pl, 1, T_0RTT, &rid8, &rid8, 0, 300, 1);
		server_ep(g, 0, 0, 0, &src);
		any_ep(g, e2 & 0x1f, &dst);
		break;
	}
	send_udp(g, &src, &dst, n, -1);
}

static void raw(struct gen *g)
{
	uint8_t e = rd(g), e2 = rd(g);
	size_t n = (size_t)rd(g) * 5, i;
	struct gep src, dst;

	g->honest = 0;
	any_ep(g, e, &src);
	any_ep(g, e2, &dst);
	for (i = 0; i < n; i++)
		g->pl[i] = rd(g);
	send_udp(g, &src, &dst, n, -1);
}

int fz_gen_frames(const uint8_t *d, size_t n, fz_emit_fn emit, void *ctx)
{
	static struct gen gen;
	static const uint64_t dt[7] = { 0, 200000ULL, 2000000ULL, 15000000ULL, 60000000ULL,
					300000000ULL, 1500000000ULL };
	struct gen *g = &gen;
	struct fz_setup su;
	uint8_t op, k;

	fz_setup_decode(d, n, &su);
	memset(g, 0, sizeof(*g));
	g->d = d;
	g->n = n;
	g->o = FZ_SETUP_LEN;
	g->ts = FZ_T0;
	g->emit = emit;
	g->ctx = ctx;
	g->rng = 0x2545f4914f6cdd1dULL ^ su.seed;
	g->v6 = su.world & 1;
	g->vlan = (su.world >> 1) & 1;
	g->nclients = 2 + ((su.world >> 2) & 3) % 3;
	g->nservers = 1 + ((su.world >> 4) & 1);
	g->cgnat = !g->v6 && ((su.world >> 5) & 1);
	g->own64 = g->v6 && ((su.world >> 5) & 1);
	g->server_scl[0] = cid_lens[(su.seed >> 2) & 7];
	g->server_scl[1] = cid_lens[(su.seed >> 5) & 7];
	g->guard = (su.cfg.flags & LQ_CF_GUARD) != 0;
	g->cfg = &su.cfg;
	g->honest = 1;
	while (g->o < g->n && !g->stop) {
		op = rd(g);
		k = op >> 5;
		g->ts += k < 7 ? dt[k] : (1 + (uint64_t)rd(g)) * 1000000000ULL;
		switch ((op & 31) % OP__COUNT) {
		case OP_C_INITIAL:
			c_initial(g);
			break;
		case OP_S_INITIAL:
			s_initial(g);
			break;
		case OP_C_HANDSHAKE:
			handshake(g, 0);
			break;
		case OP_S_HANDSHAKE:
			handshake(g, 1);
			break;
		case OP_S_RETRY:
			s_retry(g);
			break;
		case OP_S_VN:
			s_vn(g);
			break;
		case OP_C_SHORT:
			op_short(g, 0, 0);
			break;
		case OP_S_SHORT:
			op_short(g, 1, 0);
			break;
		case OP_C_NEWCID:
			op_short(g, 0, 1);
			break;
		case OP_S_NEWCID:
			op_short(g, 1, 1);
			break;
		case OP_C_PROBE:
			c_probe(g);
			break;
		case OP_S_PROBE:
			s_probe(g);
			break;
		case OP_C_SWITCH:
			c_switch(g);
			break;
		case OP_S_OLDPATH:
			s_oldpath(g);
			break;
		case OP_C_REBIND:
			c_rebind(g);
			break;
		case OP_END:
			g->c[rd(g) % NSLOT].live = 0;
			break;
		case OP_SPOOF:
			spoof(g);
			break;
		case OP_GARBAGE:
			garbage(g);
			break;
		case OP_RAW:
			raw(g);
			break;
		default:
			s_reset(g);
			break;
		}
	}
	return g->count;
}
