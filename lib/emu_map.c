// SPDX-License-Identifier: BSD-2-Clause
#include "emu_map.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

/* Slot header; key and value follow, 8-byte aligned. */
struct slot_hdr {
	uint32_t next;	/* next slot index + 1 in the bucket chain / free list */
	uint32_t hash;
	uint8_t live;
	uint8_t ref;	/* accessed since the CLOCK hand last passed */
	uint8_t pad[6];
};

#define NONE UINT32_MAX
#define HUGE_SZ ((size_t)2 << 20)

/* Zeroed anonymous memory, with transparent huge pages asked for when the
 * area spans one; populate: fault it all in now. NULL on failure. */
static void *area_map(size_t len, int populate)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	size_t off;

	if (p == MAP_FAILED)
		return NULL;
#ifdef MADV_HUGEPAGE
	if (len >= HUGE_SZ)
		(void)madvise(p, len, MADV_HUGEPAGE); /* a hint: no THP is fine */
#endif
	if (populate) {
#ifdef MADV_POPULATE_WRITE
		if (madvise(p, len, MADV_POPULATE_WRITE) == 0)
			return p;
#endif
		for (off = 0; off < len; off += 4096) /* kernels before 5.14 */
			((volatile unsigned char *)p)[off] = 0;
	}
	return p;
}

static void area_unmap(void *p, size_t len)
{
	if (p)
		munmap(p, len);
}

static inline struct slot_hdr *slot(const struct emu_map *m, uint32_t i)
{
	return (struct slot_hdr *)(m->slots + (size_t)i * m->stride);
}

static inline unsigned char *slot_key(const struct emu_map *m, uint32_t i)
{
	return m->slots + (size_t)i * m->stride + sizeof(struct slot_hdr);
}

static inline unsigned char *slot_val(const struct emu_map *m, uint32_t i)
{
	return slot_key(m, i) + ((m->key_size + 7) & ~7u);
}

/* Keys asked for with emu_map_prefetch_key(): their buckets are on the way;
 * the next map operation reads them and asks for their slots, all at once. */
#define PF_MAX 16
static _Thread_local struct {
	const struct emu_map *m;
	uint32_t h;
} pf_q[PF_MAX];
static _Thread_local unsigned pf_n;

static void pf_flush(void)
{
	unsigned k;

	for (k = 0; k < pf_n; k++)
		emu_map_prefetch_slot(pf_q[k].m, pf_q[k].h);
	pf_n = 0;
}

int emu_map_init(struct emu_map *m, const char *name, uint32_t key_size, uint32_t value_size,
		 uint32_t max_entries, int lru)
{
	uint32_t nb = 1;

	memset(m, 0, sizeof(*m));
	if (!max_entries || !key_size || !value_size)
		return -EINVAL;
	while (nb < max_entries && nb < (1u << 31))
		nb <<= 1;
	m->name = name;
	m->key_size = key_size;
	m->value_size = value_size;
	m->max_entries = max_entries;
	m->stride = (uint32_t)(sizeof(struct slot_hdr) + ((key_size + 7) & ~7u) +
			       ((value_size + 7) & ~7u));
	m->nbuckets = nb;
	m->free_head = NONE;
	m->lru = lru;
	/* The bucket array is mapped in whole now, as the kernel preallocates
	 * its maps: hashing touches it at random, and taking its pages one
	 * fault at a time would cost each of the first thousands of
	 * connections a fault. Slots are used in order and touched as they are
	 * used. Both ask for transparent huge pages: a first touch then costs
	 * one fault per 2 MiB instead of per 4 KiB (on a VM a fault is tens of
	 * microseconds). */
	m->buckets = area_map((size_t)nb * sizeof(uint32_t), 1);
	m->slots = area_map((size_t)max_entries * m->stride, 0);
	if (!m->buckets || !m->slots) {
		emu_map_free(m);
		return -ENOMEM;
	}
	return 0;
}

void emu_map_free(struct emu_map *m)
{
	pf_n = 0; /* none may name a map that is gone */
	area_unmap(m->buckets, (size_t)m->nbuckets * sizeof(uint32_t));
	area_unmap(m->slots, (size_t)m->max_entries * m->stride);
	m->buckets = NULL;
	m->slots = NULL;
}

void emu_map_clear(struct emu_map *m)
{
	pf_n = 0;
	memset(m->buckets, 0, (size_t)m->nbuckets * sizeof(uint32_t));
	memset(m->slots, 0, (size_t)m->used * m->stride);
	m->used = 0;
	m->count = 0;
	m->free_head = NONE;
	m->hand = 0;
}

static uint32_t find(const struct emu_map *m, const void *key, uint32_t h)
{
	uint32_t i;

	if (pf_n)
		pf_flush();
	i = m->buckets[h & (m->nbuckets - 1)];

	while (i) {
		struct slot_hdr *s = slot(m, i - 1);

		if (s->hash == h && memcmp(slot_key(m, i - 1), key, m->key_size) == 0)
			return i - 1;
		i = s->next;
	}
	return NONE;
}

void *emu_map_lookup(struct emu_map *m, const void *key)
{
	uint32_t h = emu_key_hash(key, m->key_size);
	uint32_t i = find(m, key, h);

	if (i == NONE)
		return NULL;
	slot(m, i)->ref = 1;
	return slot_val(m, i);
}

static void unlink_slot(struct emu_map *m, uint32_t idx)
{
	struct slot_hdr *s = slot(m, idx);
	uint32_t *pp = &m->buckets[s->hash & (m->nbuckets - 1)];

	while (*pp && *pp != idx + 1)
		pp = &slot(m, *pp - 1)->next;
	if (*pp)
		*pp = s->next;
	s->live = 0;
	s->next = m->free_head == NONE ? 0 : m->free_head + 1;
	m->free_head = idx;
	m->count--;
}

/* CLOCK: the first live slot whose access bit is clear goes. */
static void evict_one(struct emu_map *m)
{
	uint32_t n;

	for (n = 0; n < 2 * m->used + 1; n++) {
		uint32_t i = m->hand;
		struct slot_hdr *s = slot(m, i);

		m->hand = (m->hand + 1) % m->used;
		if (!s->live)
			continue;
		if (s->ref) {
			s->ref = 0;
			continue;
		}
		unlink_slot(m, i);
		m->evictions++;
		return;
	}
}

long emu_map_update(struct emu_map *m, const void *key, const void *value, uint64_t flags)
{
	uint32_t h = emu_key_hash(key, m->key_size);
	uint32_t i = find(m, key, h), b;
	struct slot_hdr *s;

	if (flags > EMU_EXIST)
		return -EINVAL;
	if (i != NONE) {
		if (flags == EMU_NOEXIST)
			return -EEXIST;
		memcpy(slot_val(m, i), value, m->value_size);
		slot(m, i)->ref = 1;
		return 0;
	}
	if (flags == EMU_EXIST)
		return -ENOENT;
	if (m->count >= m->max_entries) {
		if (!m->lru)
			return -E2BIG;
		evict_one(m);
	}
	if (m->free_head != NONE) {
		i = m->free_head;
		s = slot(m, i);
		m->free_head = s->next ? s->next - 1 : NONE;
	} else {
		i = m->used++;
		s = slot(m, i);
	}
	memcpy(slot_key(m, i), key, m->key_size);
	memcpy(slot_val(m, i), value, m->value_size);
	b = h & (m->nbuckets - 1);
	s->hash = h;
	s->live = 1;
	/* not referenced yet: it usually sits where the hand just evicted, so it
	 * is the last the hand reaches, and its first use will mark it */
	s->ref = 0;
	s->next = m->buckets[b];
	m->buckets[b] = i + 1;
	m->count++;
	return 0;
}

long emu_map_delete(struct emu_map *m, const void *key)
{
	uint32_t h = emu_key_hash(key, m->key_size);
	uint32_t i = find(m, key, h);

	if (i == NONE)
		return -ENOENT;
	unlink_slot(m, i);
	return 0;
}

int emu_map_next(const struct emu_map *m, uint32_t *pos, const void **key, void **value)
{
	uint32_t i;

	for (i = *pos; i < m->used; i++) {
		if (slot(m, i)->live) {
			*key = slot_key(m, i);
			*value = slot_val(m, i);
			*pos = i + 1;
			return (int)i;
		}
	}
	*pos = m->used;
	return -1;
}

uint32_t emu_map_hash(const struct emu_map *m, const void *key)
{
	return emu_key_hash(key, m->key_size);
}

void emu_map_prefetch_bucket(const struct emu_map *m, uint32_t hash)
{
	__builtin_prefetch(&m->buckets[hash & (m->nbuckets - 1)]);
}

void emu_map_prefetch_slot(const struct emu_map *m, uint32_t hash)
{
	uint32_t i = m->buckets[hash & (m->nbuckets - 1)];
	const unsigned char *p;
	uint32_t off;

	if (!i)
		return;
	p = m->slots + (size_t)(i - 1) * m->stride;
	for (off = 0; off < m->stride; off += 64)
		__builtin_prefetch(p + off, 1);
}

void emu_map_prefetch_key(const struct emu_map *m, const void *key)
{
	uint32_t h = emu_key_hash(key, m->key_size);

	emu_map_prefetch_bucket(m, h);
	if (pf_n < PF_MAX) {
		pf_q[pf_n].m = m;
		pf_q[pf_n].h = h;
		pf_n++;
	}
}

size_t emu_map_bytes(const struct emu_map *m)
{
	return (size_t)m->nbuckets * sizeof(uint32_t) + (size_t)m->max_entries * m->stride;
}
