// SPDX-License-Identifier: BSD-2-Clause
#include "undecided.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "../parser/lq_label.h"

/* One kept frame: what it adds to its path's counts. */
struct undec_frame {
	uint64_t ts;
	uint16_t len;	/* IP length, as the tables count bytes */
	uint8_t from_a; /* sent by endpoint a of the path key */
	uint8_t event;
	uint32_t pad;
};

/* Frames pushed out of the ring, summed: folded only when a link covers
 * them all (which ones a smaller count means, a sum cannot tell). */
struct undec_spill {
	uint64_t pkts[2], bytes[2]; /* by from_a */
	uint64_t first, last;
	uint32_t frames;
	uint16_t events;
};

struct undec_entry {
	struct lq_path_key key;
	uint64_t last_use;
	uint32_t older, newer; /* the use list: entry index + 1, 0 at its ends */
	uint32_t head, n; /* the ring: oldest at head */
	uint32_t used;	  /* 1 when the entry holds a 4-tuple */
	struct undec_spill spill;
	struct undec_frame ring[LQ_UNDEC_FRAMES];
};

struct lq_undec {
	struct undec_entry *e;
	uint32_t max, count;
	uint32_t *free_list, nfree;
	uint32_t *slots; /* open addressing, linear probing: entry index + 1, 0 empty */
	uint32_t nslots;
	uint32_t oldest, newest; /* the use list's ends: entry index + 1, 0 when empty */
	uint64_t idle_ns;
	uint64_t dropped;
};

struct lq_undec *lq_undec_new(uint32_t max_paths, uint64_t idle_ns)
{
	struct lq_undec *u = calloc(1, sizeof(*u));
	uint32_t i;

	if (!u)
		return NULL;
	u->max = max_paths ? max_paths : LQ_UNDEC_PATHS;
	for (u->nslots = 16; u->nslots < 2 * u->max; u->nslots *= 2)
		;
	u->idle_ns = idle_ns;
	/* calloc: the entries' pages are only touched when paths are kept */
	u->e = calloc(u->max, sizeof(*u->e));
	u->slots = calloc(u->nslots, sizeof(*u->slots));
	u->free_list = calloc(u->max, sizeof(*u->free_list));
	if (!u->e || !u->slots || !u->free_list) {
		lq_undec_free(u);
		return NULL;
	}
	for (i = 0; i < u->max; i++)
		u->free_list[i] = u->max - 1 - i;
	u->nfree = u->max;
	return u;
}

void lq_undec_free(struct lq_undec *u)
{
	if (!u)
		return;
	free(u->e);
	free(u->slots);
	free(u->free_list);
	free(u);
}

uint32_t lq_undec_count(const struct lq_undec *u)
{
	return u ? u->count : 0;
}

uint64_t lq_undec_dropped(const struct lq_undec *u)
{
	return u ? u->dropped : 0;
}

static uint32_t slot_of(const struct lq_path_key *k, uint32_t nslots)
{
	const uint8_t *p = (const uint8_t *)k;
	uint64_t h = 0xcbf29ce484222325ULL;
	size_t i;

	for (i = 0; i < sizeof(*k); i++)
		h = (h ^ p[i]) * 0x100000001b3ULL;
	return (uint32_t)(h ^ (h >> 32)) & (nslots - 1);
}

static void key_of(const struct lq_result *r, struct lq_path_key *k)
{
	memset(k, 0, sizeof(*k));
	lq_path_key_make(&r->src, &r->dst, k);
}

/* The slot holding k, or the empty slot where it would go. */
static uint32_t probe(const struct lq_undec *u, const struct lq_path_key *k)
{
	uint32_t s = slot_of(k, u->nslots);

	while (u->slots[s] && memcmp(&u->e[u->slots[s] - 1].key, k, sizeof(*k)))
		s = (s + 1) & (u->nslots - 1);
	return s;
}

/* The use list, least recently used first: the entry a full table gives up
 * is its head, found without a scan (a busy trace fills the table and then
 * gives one up for nearly every new undecided path). */
static void use_unlink(struct lq_undec *u, uint32_t i)
{
	struct undec_entry *e = &u->e[i];

	if (e->older)
		u->e[e->older - 1].newer = e->newer;
	else
		u->oldest = e->newer;
	if (e->newer)
		u->e[e->newer - 1].older = e->older;
	else
		u->newest = e->older;
	e->older = e->newer = 0;
}

static void use_append(struct lq_undec *u, uint32_t i)
{
	struct undec_entry *e = &u->e[i];

	e->older = u->newest;
	e->newer = 0;
	if (u->newest)
		u->e[u->newest - 1].newer = i + 1;
	else
		u->oldest = i + 1;
	u->newest = i + 1;
}

/* Removes entry i: its slot is emptied with backward-shift deletion, so no
 * tombstones are needed. */
static void remove_entry(struct lq_undec *u, uint32_t i)
{
	uint32_t s = probe(u, &u->e[i].key), j, home;

	use_unlink(u, i);

	u->slots[s] = 0;
	for (j = (s + 1) & (u->nslots - 1); u->slots[j]; j = (j + 1) & (u->nslots - 1)) {
		home = slot_of(&u->e[u->slots[j] - 1].key, u->nslots);
		/* the entry at j may move to s if its home is not in (s, j] */
		if ((j > s && (home <= s || home > j)) || (j < s && home <= s && home > j)) {
			u->slots[s] = u->slots[j];
			u->slots[j] = 0;
			s = j;
		}
	}
	u->e[i].used = 0;
	u->free_list[u->nfree++] = i;
	u->count--;
}

static void drop_entry(struct lq_undec *u, uint32_t i)
{
	u->dropped += u->e[i].n + u->e[i].spill.frames;
	remove_entry(u, i);
}

/* The least recently used entry, when all are taken. */
static uint32_t lru_entry(const struct lq_undec *u)
{
	return u->oldest - 1;
}

int lq_undec_add(struct lq_undec *u, const struct lq_result *r)
{
	struct lq_path_key k;
	struct undec_entry *e;
	struct undec_frame *fr;
	uint32_t s, i;

	if (r->conn || !r->ip_ver)
		return 0;
	key_of(r, &k);
	s = probe(u, &k);
	if (!u->slots[s]) {
		if (!(r->flags & LQ_RF_UNDECIDED))
			return 0; /* a pending frame of no undecided path */
		if (!u->nfree) {
			drop_entry(u, lru_entry(u));
			s = probe(u, &k);
		}
		i = u->free_list[--u->nfree];
		e = &u->e[i];
		memset(e, 0, offsetof(struct undec_entry, ring));
		e->key = k;
		e->used = 1;
		e->spill.first = UINT64_MAX;
		u->slots[s] = i + 1;
		u->count++;
		use_append(u, i);
	} else if (u->newest != u->slots[s]) {
		use_unlink(u, u->slots[s] - 1);
		use_append(u, u->slots[s] - 1);
	}
	e = &u->e[u->slots[s] - 1];
	if (e->n == LQ_UNDEC_FRAMES) { /* the oldest goes into the sum */
		struct undec_frame *o = &e->ring[e->head];

		e->spill.pkts[o->from_a]++;
		e->spill.bytes[o->from_a] += o->len;
		if (o->ts < e->spill.first)
			e->spill.first = o->ts;
		if (o->ts > e->spill.last)
			e->spill.last = o->ts;
		if (o->event && o->event < LQ_E__COUNT)
			e->spill.events |= (uint16_t)(1u << o->event);
		e->spill.frames++;
		e->head = (e->head + 1) % LQ_UNDEC_FRAMES;
		e->n--;
	}
	fr = &e->ring[(e->head + e->n) % LQ_UNDEC_FRAMES];
	fr->ts = r->ts;
	fr->len = r->ip_len;
	fr->from_a = !memcmp(&r->src, &k.a, sizeof(k.a));
	fr->event = r->event;
	e->n++;
	if (r->ts > e->last_use)
		e->last_use = r->ts;
	return 0;
}

static void fold_one(struct lq_undec_fold *f, int dir, uint64_t ts, uint64_t len, unsigned event)
{
	f->pkts[dir]++;
	f->bytes[dir] += len;
	if (ts < f->first)
		f->first = ts;
	if (ts > f->last)
		f->last = ts;
	if (event && event < LQ_E__COUNT)
		f->events |= (uint16_t)(1u << event);
	f->frames++;
}

int lq_undec_take(struct lq_undec *u, const struct lq_result *r, struct lq_undec_fold *f)
{
	const struct lq_endpoint *client;
	struct lq_path_key k;
	struct undec_entry *e;
	uint32_t s, want, take, j;
	int client_is_a;

	memset(f, 0, sizeof(*f));
	f->first = UINT64_MAX;
	want = r->covers;
	f->missing = want;
	if (r->event != LQ_E_LINK || !r->conn || r->dir > LQ_S2C || !r->ip_ver)
		return 0;
	key_of(r, &k);
	s = probe(u, &k);
	if (!u->slots[s])
		return 0;
	e = &u->e[u->slots[s] - 1];
	client = r->dir == LQ_C2S ? &r->src : &r->dst;
	client_is_a = !memcmp(client, &k.a, sizeof(k.a));
	/* the most recent `covers` frames: those the tracker counted on the path */
	take = want < e->n ? want : e->n;
	for (j = e->n - take; j < e->n; j++) {
		const struct undec_frame *fr = &e->ring[(e->head + j) % LQ_UNDEC_FRAMES];

		fold_one(f, fr->from_a == client_is_a ? LQ_C2S : LQ_S2C, fr->ts, fr->len, fr->event);
	}
	if (e->spill.frames && want >= take + e->spill.frames) {
		const struct undec_spill *sp = &e->spill;
		int d;

		for (d = 0; d < 2; d++) {
			int dir = d == client_is_a ? LQ_C2S : LQ_S2C;

			f->pkts[dir] += sp->pkts[d];
			f->bytes[dir] += sp->bytes[d];
		}
		f->first = sp->first < f->first ? sp->first : f->first;
		f->last = sp->last > f->last ? sp->last : f->last;
		f->events |= sp->events;
		f->frames += sp->frames;
	}
	f->missing = want > f->frames ? want - f->frames : 0;
	/* what the link did not cover was no frame of this path's connection */
	u->dropped += e->n + e->spill.frames - f->frames;
	remove_entry(u, u->slots[s] - 1);
	return f->frames != 0;
}

void lq_undec_expire(struct lq_undec *u, uint64_t now)
{
	uint32_t i;

	if (!u->count)
		return;
	for (i = 0; i < u->max; i++)
		if (u->e[i].used && now > u->e[i].last_use && now - u->e[i].last_use > u->idle_ns)
			drop_entry(u, i);
}
