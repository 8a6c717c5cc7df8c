// SPDX-License-Identifier: BSD-2-Clause
/*
 * connrec.c - per-connection records (see connrec.h): the connections of the
 * record stream, each with its paths and counts, its IDs from the long
 * headers, and what lqmeta learns from its Initials, until each ends; its
 * record is written by connrec_json.c.
 */
#include "connrec.h"

#include <stdlib.h>
#include <string.h>

#include "connrec_priv.h"
#include "conntab.h"
#include "output.h"
#include "undecided.h"

#define CR_SCAN_NS 1000000000ULL /* look for ended connections at most once a second */

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

/* lqmeta has learned all it can (or the connection ended): its name to
 * `named`, the summary kept for the record (none when no record is written
 * anywhere: names_only), the rest freed. */
static void meta_done(struct lq_connrec *cr, struct cr_conn *c)
{
	const struct lq_meta_info *i;

	if (c->state != CR_M_LEARNING)
		return;
	i = lq_meta_info(c->meta);
	if (!cr->names_only) {
		c->sum = summarize(i);
		if (!c->sum)
			cr->oom = 1;
	}
	if (i->has_ch && i->ch.sni_len && cr->o.named) {
		char sni[LQ_SNI_MAX + 1];

		memcpy(sni, i->ch.sni, i->ch.sni_len);
		sni[i->ch.sni_len] = 0;
		cr->o.named(cr->o.named_ctx, c->conn, sni);
	}
	lq_meta_free(c->meta);
	free(c->meta);
	c->meta = NULL;
	c->state = CR_M_DONE;
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
		lq_meta_init(c->meta, &cr->lim);
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

	while (cr->slots[s].c && cr->slots[s].conn != conn)
		s = (s + 1) & (cr->nslots - 1);
	return s;
}

static int grow(struct lq_connrec *cr)
{
	uint32_t ns = cr->nslots ? 2 * cr->nslots : 1024, i, s;
	struct cr_slot *slots = calloc(ns, sizeof(*slots));

	if (!slots)
		return -1;
	for (i = 0; i < cr->nslots; i++) {
		if (!cr->slots[i].c)
			continue;
		for (s = slot_of(cr->slots[i].conn, ns); slots[s].c; s = (s + 1) & (ns - 1))
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

	if (!cr->slots[s].c)
		return;
	cr->slots[s].c = NULL;
	for (j = (s + 1) & (cr->nslots - 1); cr->slots[j].c; j = (j + 1) & (cr->nslots - 1)) {
		home = slot_of(cr->slots[j].conn, cr->nslots);
		if ((j > s && (home <= s || home > j)) || (j < s && home <= s && home > j)) {
			cr->slots[s] = cr->slots[j];
			cr->slots[j].c = NULL;
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
	if (c->paths != &c->path0)
		free(c->paths);
	free(c);
}

/* where a record goes: -f conn's JSON, the other sink (lib/ipfix.c) */
#define CR_TO_OUT 1u
#define CR_TO_SINK 2u

/* Writes the record of c (an update, or its end for `why`) to the sinks
 * of `to` that there are. */
static void write_record(struct lq_connrec *cr, struct cr_conn *c, int update,
			 enum lq_conn_end why, unsigned to)
{
	struct cr_meta *tmp = NULL;
	const struct cr_meta *m = NULL;

	if (!cr->o.out)
		to &= ~CR_TO_OUT;
	if (!cr->o.sink)
		to &= ~CR_TO_SINK;
	if (!to || !c->npaths)
		return;
	if (cr->o.meta) {
		if (c->state == CR_M_LEARNING)
			m = tmp = summarize(lq_meta_info(c->meta)); /* as far as it got */
		else if (c->state == CR_M_DONE)
			m = c->sum;
		if (!m) { /* no long header was seen: nothing lqmeta could learn */
			tmp = calloc(1, sizeof(*tmp));
			if (tmp) {
				tmp->client_reason = tmp->server_reason = LQ_MR_NO_INITIAL;
				tmp->rtt_server_ns = tmp->rtt_client_ns = tmp->handshake_rtt_ns = -1;
			}
			m = tmp;
		}
	}
	if (to & CR_TO_OUT)
		cr_write_json(cr, c, m, update, why);
	if (to & CR_TO_SINK)
		cr->o.sink(cr->o.sink_ctx, c, m, update, why);
	free(tmp);
}

/* The sink's update is due when the connection's life crossed a multiple
 * of its interval since the last scan: no time to keep per connection. */
static int sink_update_due(const struct lq_connrec *cr, const struct cr_conn *c, uint64_t prev,
			   uint64_t now)
{
	uint64_t iv = cr->o.sink_update_ns;

	if (!cr->o.sink || !iv || now <= c->first)
		return 0;
	return (now - c->first) / iv > (prev > c->first ? (prev - c->first) / iv : 0);
}

/* The connection ends: its metadata settled, its record written, freed. */
static void end_conn(struct lq_connrec *cr, struct cr_conn *c, enum lq_conn_end why)
{
	if (c->state == CR_M_LEARNING) {
		lq_meta_finish(c->meta);
		meta_done(cr, c);
	}
	write_record(cr, c, 0, why, CR_TO_OUT | CR_TO_SINK);
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
		if (cr->slots[i].c)
			v[k++] = cr->slots[i].c;
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
		if (cr->slots[s].c)
			return cr->slots[s].c;
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
	c->paths = &c->path0;
	c->cap = 1;
	s = probe(cr, conn);
	cr->slots[s].conn = conn;
	cr->slots[s].c = c;
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
	if (c->npaths == c->cap) { /* more than path0: an array */
		uint32_t cap = 2 * c->cap;
		struct cr_path *np = realloc(c->paths == &c->path0 ? NULL : c->paths,
					     cap * sizeof(*np));

		if (!np) {
			cr->oom = 1;
			return NULL;
		}
		if (c->paths == &c->path0)
			np[0] = c->path0;
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
	/* no record is written anywhere: only the names are wanted (a table's
	 * SNI column), from the client's side of the handshake alone */
	cr->names_only = !o->out && !o->sink;
	cr->lim.client_only = (uint32_t)cr->names_only;
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
	/* names alone: only long headers can name a connection (its client's
	 * Initials), and client_only needs no short header's time; an
	 * undecided path's frame has nothing to count for a name */
	if (cr->names_only && (!r->conn || r->type == LQ_PT_1RTT))
		return 0;
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
	if (cr->names_only) {
		/* its times alone, for when it ends (or is evicted) */
		c->first = r->ts < c->first ? r->ts : c->first;
		c->last = r->ts > c->last ? r->ts : c->last;
		if (c->state != CR_M_DONE)
			meta_feed(cr, c, r, frame, caplen, l3);
		return cr->oom ? -1 : 0;
	}
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
	uint64_t step = cr->o.idle_ns / 4 < CR_SCAN_NS ? cr->o.idle_ns / 4 : CR_SCAN_NS, prev;

	if (now > cr->now)
		cr->now = now;
	if (now < cr->next_scan)
		return;
	cr->next_scan = now + (step ? step : 1);
	prev = cr->last_scan;
	cr->last_scan = now;
	if (cr->undec)
		lq_undec_expire(cr->undec, now);
	v = all_conns(cr, &n);
	if (!v)
		return;
	/* the ones to write, in the order they began (the same for the same input) */
	for (i = k = 0; i < n; i++)
		if ((now > v[i]->last && now - v[i]->last > cr->o.idle_ns) ||
		    (cr->o.update_ns && now - v[i]->last_update >= cr->o.update_ns) ||
		    sink_update_due(cr, v[i], prev, now))
			v[k++] = v[i];
	qsort(v, k, sizeof(*v), cmp_by_first);
	for (i = 0; i < k; i++) {
		struct cr_conn *c = v[i];

		if (now > c->last && now - c->last > cr->o.idle_ns) {
			end_conn(cr, c, LQ_END_IDLE);
			continue;
		}
		if (cr->o.update_ns && now - c->last_update >= cr->o.update_ns) {
			write_record(cr, c, 1, LQ_END_IDLE, CR_TO_OUT);
			c->last_update = now;
		}
		if (sink_update_due(cr, c, prev, now))
			write_record(cr, c, 1, LQ_END_IDLE, CR_TO_SINK);
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
		if (cr->slots[i].c)
			free_conn(cr->slots[i].c);
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
