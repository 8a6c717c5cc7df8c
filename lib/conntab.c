// SPDX-License-Identifier: BSD-2-Clause
#include "conntab.h"

#include <stdlib.h>
#include <string.h>

#include "output.h"

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
};

struct lq_conntab {
	struct ct_conn *conns;
	uint32_t n, cap;
	uint32_t *slots; /* open addressing: index + 1, 0 empty */
	uint32_t nslots;
	uint32_t max_conns, max_paths; /* 0: no bound */
	int incomplete;
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
	for (i = 0; i < t->n; i++)
		free(t->conns[i].paths);
	free(t->conns);
	free(t->slots);
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
	return t ? t->n : 0;
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
	uint32_t i;
	int d, full = 0;

	if (!r->conn || r->dir > LQ_S2C)
		return 0;
	c = find(t, r->conn, &full);
	if (!c) {
		t->incomplete |= full;
		return full ? 0 : -1;
	}
	d = r->dir;
	client = d == LQ_C2S ? &r->src : &r->dst;
	server = d == LQ_C2S ? &r->dst : &r->src;
	for (i = 0; i < c->npaths; i++) {
		if (!memcmp(&c->paths[i].client, client, sizeof(*client)) &&
		    !memcmp(&c->paths[i].server, server, sizeof(*server))) {
			p = &c->paths[i];
			break;
		}
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
		p = &c->paths[c->npaths++];
		memset(p, 0, sizeof(*p));
		p->client = *client;
		p->server = *server;
		p->first = r->ts;
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

/* How a path joined its connection, from its first event. */
static const char *path_via(uint16_t events)
{
	if (events & (1u << LQ_E_NEW_CONN))
		return "handshake";
	if (events & (1u << LQ_E_REBINDING))
		return "cid";
	if (events & (1u << LQ_E_PROBING))
		return "probe";
	return "handshake";
}

void lq_conntab_print(FILE *f, const struct lq_conntab *t)
{
	struct ct_conn **v;
	char cl[64], sv[64];
	int wc = 6, ws = 6, w;
	uint32_t i, j;

	v = calloc(t->n ? t->n : 1, sizeof(*v));
	if (!v)
		return;
	for (i = 0; i < t->n; i++) {
		v[i] = &t->conns[i];
		qsort(v[i]->paths, v[i]->npaths, sizeof(v[i]->paths[0]), cmp_path);
		for (j = 0; j < v[i]->npaths; j++) {
			w = (int)strlen(lq_fmt_ep(&v[i]->paths[j].client, cl, sizeof(cl)));
			wc = w > wc ? w : wc;
			w = (int)strlen(lq_fmt_ep(&v[i]->paths[j].server, sv, sizeof(sv)));
			ws = w > ws ? w : ws;
		}
	}
	qsort(v, t->n, sizeof(*v), cmp_conn);
	lq_table_header(f, wc, ws);
	for (i = 0; i < t->n; i++) {
		const struct ct_conn *c = v[i];
		struct lq_table_line l;

		memset(&l, 0, sizeof(l));
		l.conn = c->conn;
		l.version = c->version;
		l.npaths = c->npaths;
		l.client = &c->paths[0].client;
		l.server = &c->paths[0].server;
		l.first = UINT64_MAX;
		for (j = 0; j < c->npaths; j++) {
			const struct ct_path *p = &c->paths[j];

			l.pkts[0] += p->pkts[0];
			l.pkts[1] += p->pkts[1];
			l.bytes[0] += p->bytes[0];
			l.bytes[1] += p->bytes[1];
			l.first = p->first < l.first ? p->first : l.first;
			l.last = p->last > l.last ? p->last : l.last;
			l.events |= p->events;
			l.cid_changes += p->cid_changes;
		}
		lq_table_row(f, wc, ws, &l);
		if (c->npaths < 2)
			continue;
		for (j = 0; j < c->npaths; j++) {
			const struct ct_path *p = &c->paths[j];

			memset(&l, 0, sizeof(l));
			l.path = j + 1;
			l.via = path_via(p->events);
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
			lq_table_row(f, wc, ws, &l);
		}
	}
	free(v);
}
