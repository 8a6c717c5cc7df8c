// SPDX-License-Identifier: BSD-2-Clause
#include "holdback.h"

#include <stdlib.h>
#include <string.h>

#include "../parser/lq_label.h"
#include "emu_map.h"

/* Undecided paths with frames held, each with how many and where they are:
 * an open-addressing table (linear probing, deletion by backward shift)
 * looked up on every frame while any path is held, and for each path a
 * chain through its held frames, so that settling a path costs its own
 * frames, not a scan of everything held. */
#define HOLD_PATHS 1024
#define HOLD_SLOTS (2 * HOLD_PATHS) /* a power of two, at most half full */
#define NO_SEQ UINT64_MAX

struct held {
	uint64_t frame;
	uint64_t next; /* the sequence number of its path's next held frame, NO_SEQ */
	struct lq_result r;
};

struct held_path {
	struct lq_path_key key;
	uint32_t count;	     /* its undecided frames held; 0: a free slot */
	uint32_t hash;	     /* of key */
	uint64_t first, last; /* sequence numbers of the first and last of them */
};

/* Held paths by the low bits of their hash, counted: most records are of no
 * held path, and this says so from 16 KiB, without a probe of the table. */
#define HOLD_FILTER 8192

/* Records are numbered in input order (seq); the ring holds seq head ..
 * head + n - 1, record seq at ring[seq % cap]. */
struct lq_holdback {
	struct held *ring;
	uint32_t cap, n;
	uint64_t head;
	struct held_path paths[HOLD_SLOTS];
	uint16_t filter[HOLD_FILTER]; /* held paths whose hash ends so */
	uint32_t npaths; /* slots in use */
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

static struct held *seq_at(struct lq_holdback *h, uint64_t seq)
{
	return &h->ring[seq % h->cap];
}

static struct held *at(struct lq_holdback *h, uint32_t i)
{
	return seq_at(h, h->head + i);
}

static void path_of(const struct lq_result *r, struct lq_path_key *k)
{
	memset(k, 0, sizeof(*k));
	lq_path_key_make(&r->src, &r->dst, k);
}

/* The entry of r's path, or NULL; add: make one (count 0) if there is none
 * and fewer than HOLD_PATHS are held. */
static struct held_path *find_path(struct lq_holdback *h, const struct lq_result *r, int add)
{
	struct lq_path_key k;
	uint32_t i, hash;

	path_of(r, &k);
	hash = emu_key_hash(&k, sizeof(k));
	if (!add && !h->filter[hash & (HOLD_FILTER - 1)])
		return NULL;
	for (i = hash & (HOLD_SLOTS - 1);; i = (i + 1) & (HOLD_SLOTS - 1)) {
		struct held_path *p = &h->paths[i];

		if (!p->count) {
			if (!add || h->npaths >= HOLD_PATHS)
				return NULL;
			p->key = k;
			p->hash = hash;
			p->first = p->last = NO_SEQ;
			return p;
		}
		if (!memcmp(&p->key, &k, sizeof(k)))
			return p;
	}
}

/* p holds no frame any more: its slot is free, and the entries after it in
 * its probe run move back, so that no lookup stops short. p is not valid
 * after it. */
static void path_free(struct lq_holdback *h, struct held_path *p)
{
	uint32_t i = (uint32_t)(p - h->paths), j;

	p->count = 0;
	h->npaths--;
	h->filter[p->hash & (HOLD_FILTER - 1)]--;
	for (j = (i + 1) & (HOLD_SLOTS - 1); h->paths[j].count; j = (j + 1) & (HOLD_SLOTS - 1)) {
		uint32_t home = h->paths[j].hash & (HOLD_SLOTS - 1);

		/* j's entry may fill the hole at i unless its home lies in (i, j] */
		if (((j - home) & (HOLD_SLOTS - 1)) >= ((j - i) & (HOLD_SLOTS - 1))) {
			h->paths[i] = h->paths[j];
			h->paths[j].count = 0;
			i = j;
		}
	}
}

static void emit_head(struct lq_holdback *h)
{
	struct held *e = at(h, 0);

	if (e->r.flags & LQ_RF_UNDECIDED) {
		/* the oldest held frame of its path: its chain starts after it */
		struct held_path *p = find_path(h, &e->r, 0);

		if (p && !--p->count)
			path_free(h, p);
		else if (p)
			p->first = e->next;
		h->released++;
	}
	h->emit(h->ctx, e->frame, &e->r);
	h->head++;
	h->n--;
}

/* The held frames of path p wait no more: relabelled to conn when the path
 * was linked, else left as they are (pending). */
static void settle_path(struct lq_holdback *h, struct held_path *p, uint64_t conn)
{
	uint64_t seq = p->first;
	uint32_t left = p->count;

	while (left-- && seq != NO_SEQ && seq >= h->head && seq < h->head + h->n) {
		struct held *e = seq_at(h, seq);

		e->r.flags &= (uint8_t)~LQ_RF_UNDECIDED;
		if (conn) {
			e->r.conn = conn;
			e->r.verdict = LQ_V_QUIC;
			h->relabelled++;
		}
		seq = e->next;
	}
	path_free(h, p);
}

void lq_holdback_push(struct lq_holdback *h, uint64_t frame, const struct lq_result *r)
{
	struct held_path *p = NULL;
	struct held *e;
	uint64_t seq;

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
	} else if (!h->n) {
		h->emit(h->ctx, frame, r); /* nothing waits: straight through */
		return;
	} else {
		p = NULL;
	}
	seq = h->head + h->n;
	e = seq_at(h, seq);
	e->frame = frame;
	e->next = NO_SEQ;
	e->r = *r;
	h->n++;
	if (p) {
		if (!p->count++) {
			h->npaths++;
			h->filter[p->hash & (HOLD_FILTER - 1)]++;
			p->first = seq;
		} else {
			seq_at(h, p->last)->next = seq;
		}
		p->last = seq;
	}
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
