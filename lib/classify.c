// SPDX-License-Identifier: BSD-2-Clause
/*
 * classify.c - binds the header-only classifier to emulated maps. The code
 * that runs is the very code of parser/, as in the BPF programs.
 */
#include "classify.h"

#include <stddef.h>
#include <string.h>

static struct lq_maps *lq_cur;

static inline void *lq_map_lookup(void *map, const void *key)
{
	return emu_map_lookup(map, key);
}

static inline long lq_map_update(void *map, const void *key, const void *val, unsigned long long f)
{
	return emu_map_update(map, key, val, f);
}

static inline long lq_map_delete(void *map, const void *key)
{
	return emu_map_delete(map, key);
}

static inline void lq_map_prefetch_key(void *map, const void *key)
{
	emu_map_prefetch_key(map, key);
}

#define LQ_MAP_PREFETCHES 1
#define lq_map_prefetch(map, key) lq_map_prefetch_key(map, key)
#define LQ_MAP(member) (&lq_cur->member)

#include "../parser/linkquic.h"

#define LQ__MAP_INFO(m, kname, kt, vt, def, opt, desc)                                      \
	{ #kname, opt, desc, sizeof(kt), sizeof(vt), def, offsetof(struct lq_maps, m),         \
	  offsetof(struct lq_map_sizes, m) },
const struct lq_map_info lq_map_infos[LQ_MAPID__COUNT] = { LQ_MAP_LIST(LQ__MAP_INFO) };
#undef LQ__MAP_INFO

/* what lib/kernel.c's copy_map() reads a map's entries into */
#define LQ__MAP_FITS(m, kname, kt, vt, def, opt, desc)                                      \
	_Static_assert(sizeof(kt) <= 64 && sizeof(vt) <= 1024, #kname ": key or value too large");
LQ_MAP_LIST(LQ__MAP_FITS)
#undef LQ__MAP_FITS

void lq_map_sizes_default(struct lq_map_sizes *sz)
{
	unsigned i;

	for (i = 0; i < LQ_MAPID__COUNT; i++)
		*lq_sizes_at(sz, i) = lq_map_infos[i].def_entries;
}

int lq_maps_init(struct lq_maps *m, const struct lq_map_sizes *sz)
{
	const struct lq_map_info *mi;
	unsigned i;
	int err = 0;

	memset(m, 0, sizeof(*m));
	for (i = 0; i < LQ_MAPID__COUNT && !err; i++) {
		mi = &lq_map_infos[i];
		err = emu_map_init(lq_maps_at(m, i), mi->name, mi->key_size, mi->value_size,
				   *lq_sizes_at((struct lq_map_sizes *)sz, i), 1);
	}
	if (err)
		lq_maps_free(m);
	return err;
}

void lq_maps_free(struct lq_maps *m)
{
	unsigned i;

	for (i = 0; i < LQ_MAPID__COUNT; i++)
		emu_map_free(lq_maps_at(m, i));
}

void lq_maps_clear(struct lq_maps *m)
{
	unsigned i;

	for (i = 0; i < LQ_MAPID__COUNT; i++)
		emu_map_clear(lq_maps_at(m, i));
}

uint8_t lq_classify(struct lq_maps *maps, const struct lq_config *cfg, uint64_t now_ns,
		    const uint8_t *frame, uint32_t caplen, uint32_t l3, uint16_t proto,
		    struct lq_result *res)
{
	struct lq_buf buf = { frame, frame + caplen, caplen, 0, 0, 0 };
	struct lq_scratch s;
	uint8_t act;

	lq_cur = maps;
	act = lq_process(cfg, now_ns, &buf, l3, proto, &s);
	*res = s.res;
	return act;
}

int lq_frame_path_key(const uint8_t *frame, uint32_t caplen, uint32_t l3, uint16_t proto,
		      struct lq_path_key *key)
{
	struct lq_buf buf = { frame, frame + caplen, caplen, 0, 0, 0 };
	struct lq_pkt pkt;

	memset(&pkt, 0, sizeof(pkt));
	if (lq_parse_l3(&pkt, &buf, l3, proto) != LQ_L3_UDP)
		return -1;
	lq_path_key_make(&pkt.src, &pkt.dst, key);
	/* A long header: the datagram's coalesced packets are walked by
	 * their lengths, deep into it (an Initial's is 1200 bytes or more),
	 * each header a miss of its own unless fetched now. */
	if (buf.cap && (frame[buf.qoff] & 0x80)) {
		uint32_t off;

		for (off = 64; off < buf.cap; off += 64)
			__builtin_prefetch(frame + buf.qoff + off);
	}
	return 0;
}

uint8_t lq_classify_eth(struct lq_maps *maps, const struct lq_config *cfg, uint64_t now_ns,
			const uint8_t *frame, uint32_t caplen, struct lq_result *res)
{
	struct lq_buf buf = { frame, frame + caplen, caplen, 0, 0, 0 };
	lq_u16 proto = 0;
	int l3 = lq_parse_eth(&buf, &proto);

	if (l3 < 0) {
		proto = 0;
		l3 = 0;
	}
	return lq_classify(maps, cfg, now_ns, frame, caplen, (uint32_t)l3, proto, res);
}
