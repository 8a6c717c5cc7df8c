// SPDX-License-Identifier: BSD-2-Clause
#include "holdback.h"

#include <stdlib.h>
#include <string.h>

#include "../parser/lq_label.h"

/* Undecided paths with frames held, each with how many. */
#define HOLD_PATHS 1024

struct held {
	uint64_t frame;
	struct lq_result r;
};

struct held_path {
	struct lq_path_key key;
	uint32_t count; /* 0: a free entry */
};

struct lq_holdback {
	struct held *ring;
	uint32_t cap, head, n;
	struct held_path paths[HOLD_PATHS];
	uint32_t npaths; /* entries in use */
	uint64_t max_ns;
	lq_hold_emit_fn emit;
	void *ctx;
	uint64_t relabelled, released;
};

struct lq_holdback *lq_holdback_new(uint32_t max_records, uint64_t max_ns, lq_hold_emit_fn emit,
				    void *ctx)
{
	struct lq_holdback *h = calloc(1, sizeof(*h));

	if (!h)
		return NULL;
	h->cap = max_records ? max_records : 1;
	h->ring = calloc(h->cap, sizeof(*h->ring));
	if (!h->ring) {
		free(h);
		return NULL;
	}
	h->max_ns = max_ns;
	h->emit = emit;
	h->ctx = ctx;
	return h;
}

void lq_holdback_free(struct lq_holdback *h)
{
	if (!h)
		return;
	free(h->ring);
	free(h);
}

static struct held *at(struct lq_holdback *h, uint32_t i)
{
	return &h->ring[(h->head + i) % h->cap];
}

static void path_of(const struct lq_result *r, struct lq_path_key *k)
{
	memset(k, 0, sizeof(*k));
	lq_path_key_make(&r->src, &r->dst, k);
}

/* The entry of r's path, or NULL; add: make one if there is none. */
static struct held_path *find_path(struct lq_holdback *h, const struct lq_result *r, int add)
{
	struct lq_path_key k;
	struct held_path *spare = NULL;
	uint32_t i;
	uint32_t seen = 0;

	path_of(r, &k);
	for (i = 0; i < HOLD_PATHS; i++) {
		struct held_path *p = &h->paths[i];

		if (!p->count) {
			if (!spare)
				spare = p;
			if (seen == h->npaths && (spare || !add))
				break; /* every entry in use was looked at */
			continue;
		}
		seen++;
		if (!memcmp(&p->key, &k, sizeof(k)))
			return p;
	}
	if (!add || !spare)
		return NULL;
	spare->key = k;
	h->npaths++;
	return spare;
}

static void path_release(struct lq_holdback *h, struct held_path *p)
{
	if (p && p->count && !--p->count)
		h->npaths--;
}

static void emit_head(struct lq_holdback *h)
{
	struct held *e = at(h, 0);

	if (e->r.flags & LQ_RF_UNDECIDED) {
		path_release(h, find_path(h, &e->r, 0));
		h->released++;
	}
	h->emit(h->ctx, e->frame, &e->r);
	h->head = (h->head + 1) % h->cap;
	h->n--;
}

/* The held frames of path p wait no more: relabelled to conn when the path
 * was linked, else left as they are (pending). */
static void settle_path(struct lq_holdback *h, struct held_path *p, uint64_t conn)
{
	struct lq_path_key k;
	uint32_t i;

	for (i = 0; i < h->n && p->count; i++) {
		struct held *e = at(h, i);

		if (!(e->r.flags & LQ_RF_UNDECIDED))
			continue;
		path_of(&e->r, &k);
		if (memcmp(&k, &p->key, sizeof(k)))
			continue;
		e->r.flags &= (uint8_t)~LQ_RF_UNDECIDED;
		path_release(h, p);
		if (conn) {
			e->r.conn = conn;
			e->r.verdict = LQ_V_QUIC;
			h->relabelled++;
		}
	}
}

void lq_holdback_push(struct lq_holdback *h, uint64_t frame, const struct lq_result *r)
{
	struct held_path *p;
	struct held *e;

	if (h->npaths && r->ip_ver && (p = find_path(h, r, 0))) {
		if (r->event == LQ_E_LINK)
			settle_path(h, p, r->conn);
		else if (!(r->flags & LQ_RF_UNDECIDED))
			settle_path(h, p, 0); /* its path is decided otherwise, or gone */
	}
	/* the bounds: the oldest held record goes out as it is */
	while (h->n && (h->n >= h->cap ||
			(r->ts > at(h, 0)->r.ts && r->ts - at(h, 0)->r.ts > h->max_ns)))
		emit_head(h);
	if (r->flags & LQ_RF_UNDECIDED) {
		p = find_path(h, r, 1);
		while (!p && h->n) { /* too many undecided paths at once */
			emit_head(h);
			p = find_path(h, r, 1);
		}
		if (p)
			p->count++;
	} else if (!h->n) {
		h->emit(h->ctx, frame, r); /* nothing waits: straight through */
		return;
	}
	e = at(h, h->n);
	e->frame = frame;
	e->r = *r;
	h->n++;
	while (h->n && !(at(h, 0)->r.flags & LQ_RF_UNDECIDED))
		emit_head(h);
}

void lq_holdback_flush(struct lq_holdback *h)
{
	while (h->n)
		emit_head(h);
}

uint64_t lq_holdback_relabelled(const struct lq_holdback *h)
{
	return h->relabelled;
}

uint64_t lq_holdback_released(const struct lq_holdback *h)
{
	return h->released;
}
