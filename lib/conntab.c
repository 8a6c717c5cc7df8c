// SPDX-License-Identifier: BSD-2-Clause
#include "conntab.h"

#include <stdlib.h>
#include <string.h>

#include "emu_map.h"
#include "output.h"
#include "undecided.h"

struct ct_path {
	struct lq_endpoint client, server;
	uint64_t first, last;
	uint64_t pkts[2], bytes[2];
	uint16_t events;
	uint16_t cid_changes;
};

struct ct_conn {
	uint64_t conn;
	uint32_t version;
	uint32_t npaths, cap;
	struct ct_path *paths;
	char *sni; /* from the connection's ClientHello (lq_conntab_set_sni) */
};

struct lq_conntab {
	struct ct_conn *conns;
	uint32_t n, cap;
	uint32_t *slots; /* open addressing: index + 1, 0 empty */
	uint32_t nslots;
	/* every path of every connection, open addressing on (label, client,
	 * server): (connection index + 1) << 32 | path index, 0 empty. A
	 * connection with a million paths (a flood of rebindings) costs a
	 * lookup a frame, not a scan of its paths. */
	uint64_t *pslots;
	uint32_t npslots, npaths;
	uint32_t max_conns, max_paths; /* 0: no bound */
	int incomplete;
	struct lq_undec *undec; /* frames of undecided paths, made when the first comes */
};

struct lq_conntab *lq_conntab_new(void)
{
	return calloc(1, sizeof(struct lq_conntab));
}

void lq_conntab_free(struct lq_conntab *t)
{
	uint32_t i;

	if (!t)
		return;
	for (i = 0; i < t->n; i++) {
		free(t->conns[i].paths);
		free(t->conns[i].sni);
	}
	free(t->conns);
	lq_undec_free(t->undec);
	free(t->slots);
	free(t->pslots);
	free(t);
}

void lq_conntab_limit(struct lq_conntab *t, uint32_t max_conns, uint32_t max_paths)
{
	t->max_conns = max_conns;
	t->max_paths = max_paths;
}

int lq_conntab_incomplete(const struct lq_conntab *t)
{
	return t && t->incomplete;
}

unsigned long lq_conntab_count(const struct lq_conntab *t)
{
	unsigned long n = 0;
	uint32_t i;

	for (i = 0; t && i < t->n; i++)
		n += t->conns[i].npaths != 0; /* a name alone (set_sni) is no connection seen */
	return n;
}

static uint32_t slot_of(uint64_t conn, uint32_t nslots)
{
	return (uint32_t)((conn * 0x9e3779b97f4a7c15ULL) >> 32) & (nslots - 1);
}

static int grow(struct lq_conntab *t)
{
	uint32_t ns = t->nslots ? t->nslots * 2 : 1024, i, s;
	uint32_t *slots = calloc(ns, sizeof(*slots));

	if (!slots)
		return -1;
	for (i = 0; i < t->n; i++) {
		for (s = slot_of(t->conns[i].conn, ns); slots[s]; s = (s + 1) & (ns - 1))
			;
		slots[s] = i + 1;
	}
	free(t->slots);
	t->slots = slots;
	t->nslots = ns;
	return 0;
}

/* A connection's paths are looked up by scanning them while it has at
 * most this many (nearly all connections): one cache line or two already
 * in reach, where the path slots cost a miss or two a frame. */
#define CT_SCAN_PATHS 8

static uint32_t pslot_of(uint64_t conn, const struct lq_endpoint *client,
			 const struct lq_endpoint *server, uint32_t nslots)
{
	struct {
		uint64_t conn;
		struct lq_endpoint client, server;
	} k;

	memset(&k, 0, sizeof(k));
	k.conn = conn;
	k.client = *client;
	k.server = *server;
	return emu_key_hash(&k, sizeof(k)) & (nslots - 1);
}

static int path_is(const struct lq_conntab *t, uint64_t v, uint64_t conn,
		   const struct lq_endpoint *client, const struct lq_endpoint *server)
{
	const struct ct_conn *c = &t->conns[(v >> 32) - 1];
	const struct ct_path *p = &c->paths[(uint32_t)v];

	return c->conn == conn && !memcmp(&p->client, client, sizeof(*client)) &&
	       !memcmp(&p->server, server, sizeof(*server));
}

/* (Re)builds the path slots, ns of them: when they fill up, and when the
 * paths were sorted (their indices change). */
static int prehash(struct lq_conntab *t, uint32_t ns)
{
	uint32_t i, j, s;
	uint64_t *slots = calloc(ns, sizeof(*slots));

	if (!slots)
		return -1;
	for (i = 0; i < t->n; i++)
		for (j = 0; j < t->conns[i].npaths; j++) {
			const struct ct_path *p = &t->conns[i].paths[j];

			for (s = pslot_of(t->conns[i].conn, &p->client, &p->server, ns); slots[s];
			     s = (s + 1) & (ns - 1))
				;
			slots[s] = ((uint64_t)(i + 1) << 32) | j;
		}
	free(t->pslots);
	t->pslots = slots;
	t->npslots = ns;
	return 0;
}

static int pgrow(struct lq_conntab *t)
{
	return prehash(t, t->npslots ? t->npslots * 2 : 1024);
}

/* The slot of connection c's path (client, server): its entry, or the empty
 * slot where it would go; NULL when out of memory. */
static uint64_t *path_slot(struct lq_conntab *t, const struct ct_conn *c,
			   const struct lq_endpoint *client, const struct lq_endpoint *server)
{
	uint32_t s;

	if (t->npaths * 2 >= t->npslots && pgrow(t))
		return NULL;
	for (s = pslot_of(c->conn, client, server, t->npslots); t->pslots[s];
	     s = (s + 1) & (t->npslots - 1))
		if (path_is(t, t->pslots[s], c->conn, client, server))
			break;
	return &t->pslots[s];
}

/* The connection's entry, made if new; NULL with *full set when it is new
 * and the table holds max_conns already, NULL alone when out of memory. */
static struct ct_conn *find(struct lq_conntab *t, uint64_t conn, int *full)
{
	uint32_t s;

	if (t->n * 2 >= t->nslots && grow(t))
		return NULL;
	for (s = slot_of(conn, t->nslots); t->slots[s]; s = (s + 1) & (t->nslots - 1))
		if (t->conns[t->slots[s] - 1].conn == conn)
			return &t->conns[t->slots[s] - 1];
	if (t->max_conns && t->n >= t->max_conns) {
		*full = 1;
		return NULL;
	}
	if (t->n == t->cap) {
		uint32_t cap = t->cap ? t->cap * 2 : 256;
		struct ct_conn *c = realloc(t->conns, cap * sizeof(*c));

		if (!c)
			return NULL;
		t->conns = c;
		t->cap = cap;
	}
	memset(&t->conns[t->n], 0, sizeof(t->conns[0]));
	t->conns[t->n].conn = conn;
	t->slots[s] = ++t->n;
	return &t->conns[t->n - 1];
}

int lq_conntab_add(struct lq_conntab *t, const struct lq_result *r)
{
	const struct lq_endpoint *client, *server;
	struct ct_conn *c;
	struct ct_path *p = NULL;
	uint64_t *ps = NULL;
	int d, full = 0;

	if (!r->conn) {
		/* a frame of a path whose connection is not decided yet: kept until
		 * its link event says whose it is */
		if (!(r->flags & LQ_RF_UNDECIDED) && !lq_undec_count(t->undec))
			return 0;
		if (!t->undec && !(t->undec = lq_undec_new(0, 0)))
			return -1;
		return lq_undec_add(t->undec, r);
	}
	if (r->dir > LQ_S2C)
		return 0;
	c = find(t, r->conn, &full);
	if (!c) {
		t->incomplete |= full;
		return full ? 0 : -1;
	}
	d = r->dir;
	client = d == LQ_C2S ? &r->src : &r->dst;
	server = d == LQ_C2S ? &r->dst : &r->src;
	if (c->npaths <= CT_SCAN_PATHS) {
		uint32_t k;

		for (k = 0; k < c->npaths && !p; k++)
			if (!memcmp(&c->paths[k].client, client, sizeof(*client)) &&
			    !memcmp(&c->paths[k].server, server, sizeof(*server)))
				p = &c->paths[k];
	}
	if (!p) {
		ps = path_slot(t, c, client, server);
		if (!ps)
			return -1;
		if (*ps)
			p = &c->paths[(uint32_t)*ps];
	}
	if (!p && t->max_paths && c->npaths >= t->max_paths) {
		t->incomplete = 1;
		return 0;
	}
	if (!p) {
		if (c->npaths == c->cap) {
			uint32_t cap = c->cap ? c->cap * 2 : 2;
			struct ct_path *np = realloc(c->paths, cap * sizeof(*np));

			if (!np)
				return -1;
			c->paths = np;
			c->cap = cap;
		}
		*ps = ((uint64_t)(c - t->conns + 1) << 32) | c->npaths;
		t->npaths++;
		p = &c->paths[c->npaths++];
		memset(p, 0, sizeof(*p));
		p->client = *client;
		p->server = *server;
		p->first = r->ts;
	}
	if (r->event == LQ_E_LINK && t->undec) {
		struct lq_undec_fold fold;

		if (lq_undec_take(t->undec, r, &fold)) {
			p->first = fold.first < p->first ? fold.first : p->first;
			p->last = fold.last > p->last ? fold.last : p->last;
			p->pkts[0] += fold.pkts[0];
			p->pkts[1] += fold.pkts[1];
			p->bytes[0] += fold.bytes[0];
			p->bytes[1] += fold.bytes[1];
			p->events |= fold.events;
		}
	}
	if (r->ts < p->first)
		p->first = r->ts;
	if (r->ts > p->last)
		p->last = r->ts;
	p->pkts[d]++;
	p->bytes[d] += r->ip_len;
	if (r->event && r->event < LQ_E__COUNT)
		p->events |= (uint16_t)(1u << r->event);
	if (r->event == LQ_E_CID_CHANGE)
		p->cid_changes++;
	/* the version the connection settled on: a greased first attempt
	 * (RFC 9000 §15) gives way to what follows it */
	if (r->version && r->type != LQ_PT_VN &&
	    (!c->version || (c->version & 0x0f0f0f0f) == 0x0a0a0a0a))
		c->version = r->version;
	return 0;
}

static int cmp_conn(const void *x, const void *y)
{
	const struct ct_conn *a = *(const struct ct_conn *const *)x;
	const struct ct_conn *b = *(const struct ct_conn *const *)y;

	if (a->paths[0].first != b->paths[0].first)
		return a->paths[0].first < b->paths[0].first ? -1 : 1;
	return a->conn < b->conn ? -1 : a->conn > b->conn;
}

static int cmp_path(const void *x, const void *y)
{
	const struct ct_path *a = x, *b = y;

	if (a->first != b->first)
		return a->first < b->first ? -1 : 1;
	return memcmp(&a->client, &b->client, sizeof(a->client));
}

const char *lq_path_via(uint16_t events)
{
	if (events & (1u << LQ_E_NEW_CONN))
		return "handshake";
	if (events & (1u << LQ_E_REBINDING))
		return "cid";
	if (events & (1u << LQ_E_PROBING))
		return "probe";
	if (events & (1u << LQ_E_LINK))
		return "link";
	return "handshake";
}

int lq_conntab_set_sni(struct lq_conntab *t, uint64_t conn, const char *sni)
{
	struct ct_conn *c;
	char *s;
	int full = 0;

	if (!sni || !*sni)
		return 0;
	c = find(t, conn, &full);
	if (!c)
		return full ? 0 : -1;
	s = strdup(sni);
	if (!s)
		return -1;
	free(c->sni);
	c->sni = s;
	return 0;
}

static const struct ct_conn *find_const(const struct lq_conntab *t, uint64_t conn)
{
	uint32_t s;

	if (!t->nslots)
		return NULL;
	for (s = slot_of(conn, t->nslots); t->slots[s]; s = (s + 1) & (t->nslots - 1))
		if (t->conns[t->slots[s] - 1].conn == conn)
			return &t->conns[t->slots[s] - 1];
	return NULL;
}

int lq_conntab_get(const struct lq_conntab *t, uint64_t conn, unsigned path,
		   struct lq_conntab_path *out)
{
	const struct ct_conn *c = find_const(t, conn);
	const struct ct_path *p;

	memset(out, 0, sizeof(*out));
	if (!c || path >= c->npaths)
		return -1;
	p = &c->paths[path];
	out->client = p->client;
	out->server = p->server;
	out->first = p->first;
	out->last = p->last;
	out->pkts[0] = p->pkts[0];
	out->pkts[1] = p->pkts[1];
	out->bytes[0] = p->bytes[0];
	out->bytes[1] = p->bytes[1];
	out->events = p->events;
	out->npaths = c->npaths;
	return 0;
}

void lq_conntab_print(FILE *f, const struct lq_conntab *ct)
{
	/* printing sorts each connection's paths in place (and so moves the
	 * path slots): the table's order, not its content, changes */
	struct lq_conntab *t = (struct lq_conntab *)ct;
	struct ct_conn **v;
	struct lq_table *tab;
	uint32_t i, j;

	v = calloc(t->n ? t->n : 1, sizeof(*v));
	tab = lq_table_new();
	if (!v || !tab) {
		free(v);
		lq_table_free(tab);
		return;
	}
	for (i = 0; i < t->n; i++) {
		v[i] = &t->conns[i];
		qsort(v[i]->paths, v[i]->npaths, sizeof(v[i]->paths[0]), cmp_path);
	}
	/* the paths' indices moved: the slots follow (on failure, none: they
	 * are rebuilt at the next add) */
	if (t->npslots && prehash(t, t->npslots)) {
		free(t->pslots);
		t->pslots = NULL;
		t->npslots = 0;
	}
	/* a connection named by lq_conntab_set_sni alone has no path to show */
	for (i = j = 0; i < t->n; i++)
		if (v[i]->npaths)
			v[j++] = v[i];
	qsort(v, j, sizeof(*v), cmp_conn);
	for (i = 0; i < j; i++) {
		const struct ct_conn *c = v[i];
		struct lq_table_line l;
		uint32_t k;

		memset(&l, 0, sizeof(l));
		l.conn = c->conn;
		l.version = c->version;
		l.npaths = c->npaths;
		l.client = &c->paths[0].client;
		l.server = &c->paths[0].server;
		l.sni = c->sni;
		l.first = UINT64_MAX;
		for (k = 0; k < c->npaths; k++) {
			const struct ct_path *p = &c->paths[k];

			l.pkts[0] += p->pkts[0];
			l.pkts[1] += p->pkts[1];
			l.bytes[0] += p->bytes[0];
			l.bytes[1] += p->bytes[1];
			l.first = p->first < l.first ? p->first : l.first;
			l.last = p->last > l.last ? p->last : l.last;
			l.events |= p->events;
			l.cid_changes += p->cid_changes;
		}
		lq_table_add(tab, &l);
		if (c->npaths < 2)
			continue;
		for (k = 0; k < c->npaths; k++) {
			const struct ct_path *p = &c->paths[k];

			memset(&l, 0, sizeof(l));
			l.path = k + 1;
			l.via = lq_path_via(p->events);
			l.client = &p->client;
			l.server = &p->server;
			l.pkts[0] = p->pkts[0];
			l.pkts[1] = p->pkts[1];
			l.bytes[0] = p->bytes[0];
			l.bytes[1] = p->bytes[1];
			l.first = p->first;
			l.last = p->last;
			l.events = p->events;
			l.cid_changes = p->cid_changes;
			lq_table_add(tab, &l);
		}
	}
	lq_table_print(f, tab);
	lq_table_free(tab);
	free(v);
}
