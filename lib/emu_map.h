/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * emu_map.h - BPF hash maps emulated in user space, with the kernel's
 * semantics: values are copied in and out, max_entries is enforced,
 * BPF_NOEXIST/BPF_EXIST are honoured, and an LRU map evicts a little-used
 * entry instead of refusing an insert. Storage is preallocated like the
 * kernel's (memory is touched only as entries are used), and a pointer from
 * lookup stays valid memory even after the entry is deleted, as under RCU.
 *
 * Eviction is second-chance (CLOCK) on an access bit, close to what the
 * kernel's LRU does; which entry goes first under pressure may differ from
 * the kernel, so kernel and replay agree exactly only while maps are not full.
 */
#ifndef LQ_EMU_MAP_H
#define LQ_EMU_MAP_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define EMU_ANY 0
#define EMU_NOEXIST 1
#define EMU_EXIST 2

struct emu_map {
	const char *name;
	uint32_t key_size;
	uint32_t value_size;
	uint32_t max_entries;
	uint32_t stride;	/* bytes per slot: header, key, value */
	uint32_t nbuckets;	/* power of two */
	uint32_t used;		/* slots ever handed out */
	uint32_t count;		/* live entries */
	uint32_t free_head;	/* free-slot list, UINT32_MAX when empty */
	uint32_t hand;		/* CLOCK hand */
	int lru;
	uint32_t *buckets;	/* slot index + 1, 0 for empty */
	unsigned char *slots;
	uint64_t evictions;
};

int emu_map_init(struct emu_map *m, const char *name, uint32_t key_size, uint32_t value_size,
		 uint32_t max_entries, int lru);
void emu_map_free(struct emu_map *m);
void *emu_map_lookup(struct emu_map *m, const void *key);
/* 0, or -EEXIST / -ENOENT / -E2BIG (full, not LRU) like bpf_map_update_elem */
long emu_map_update(struct emu_map *m, const void *key, const void *value, uint64_t flags);
long emu_map_delete(struct emu_map *m, const void *key);
void emu_map_clear(struct emu_map *m);

/* Iteration over live entries in slot order: returns the next slot index
 * >= *pos with a live entry, and its key and value, or -1 at the end. */
int emu_map_next(const struct emu_map *m, uint32_t *pos, const void **key, void **value);

/* Prefetching, for callers that know their next keys: the key's hash, then
 * its bucket, then (once the bucket is in cache) the slot it names. */
uint32_t emu_map_hash(const struct emu_map *m, const void *key);
void emu_map_prefetch_bucket(const struct emu_map *m, uint32_t hash);
void emu_map_prefetch_slot(const struct emu_map *m, uint32_t hash);
/* Both steps for a key, for a caller that asks for several at once: the
 * bucket now, the slot at the next lookup, update or delete of any map,
 * which reads all the buckets asked for so far (up to 16) and fetches their
 * slots together: one wait for memory, not one per key. */
void emu_map_prefetch_key(const struct emu_map *m, const void *key);

/* The maps' hash of a key's bytes: 64-bit multiply-xorshift, 8 bytes at a
 * time. Also for user space's own tables of fixed-size keys. */
static inline uint32_t emu_key_hash(const void *key, uint32_t n)
{
	const unsigned char *p = key;
	uint64_t h = 0x9e3779b97f4a7c15ULL ^ n;
	uint64_t w;

	while (n >= 8) {
		memcpy(&w, p, 8);
		h = (h ^ w) * 0xff51afd7ed558ccdULL;
		h ^= h >> 32;
		p += 8;
		n -= 8;
	}
	if (n) {
		w = 0;
		memcpy(&w, p, n);
		h = (h ^ w) * 0xc4ceb9fe1a85ec53ULL;
	}
	h ^= h >> 29;
	h *= 0xbf58476d1ce4e5b9ULL;
	h ^= h >> 32;
	return (uint32_t)h;
}

/* Bytes the map's storage can occupy at max_entries. */
size_t emu_map_bytes(const struct emu_map *m);

#endif
