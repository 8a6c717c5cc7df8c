/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * classify.h - the classifier run in user space over emulated maps.
 */
#ifndef LQ_CLASSIFY_H
#define LQ_CLASSIFY_H

#include "emu_map.h"
#include "../parser/lq_types.h"

/* max_entries of each map (parser/lq_vocab.h lists them); the BPF loader
 * uses the same numbers. */
struct lq_map_sizes {
#define LQ__SIZE_MEMBER(m, kname, kt, vt, def, opt, desc) uint32_t m;
	LQ_MAP_LIST(LQ__SIZE_MEMBER)
#undef LQ__SIZE_MEMBER
};

/* The maps, one emulated map per entry of the list, named in the code by
 * its member and in what people read by its kernel name. */
struct lq_maps {
#define LQ__MAP_MEMBER(m, kname, kt, vt, def, opt, desc) struct emu_map m;
	LQ_MAP_LIST(LQ__MAP_MEMBER)
#undef LQ__MAP_MEMBER
};

/* One map's entry in the list, for code that walks all of them. */
struct lq_map_info {
	const char *name;   /* kernel name: "connections_map", ... */
	const char *option; /* "max-paths", ... */
	const char *desc;
	uint32_t key_size, value_size, def_entries;
	size_t maps_off;  /* offsetof(struct lq_maps, member) */
	size_t sizes_off; /* offsetof(struct lq_map_sizes, member) */
};

extern const struct lq_map_info lq_map_infos[LQ_MAPID__COUNT];

static inline struct emu_map *lq_maps_at(struct lq_maps *m, unsigned id)
{
	return (struct emu_map *)((char *)m + lq_map_infos[id].maps_off);
}

static inline const struct emu_map *lq_maps_at_c(const struct lq_maps *m, unsigned id)
{
	return (const struct emu_map *)((const char *)m + lq_map_infos[id].maps_off);
}

static inline uint32_t *lq_sizes_at(struct lq_map_sizes *s, unsigned id)
{
	return (uint32_t *)((char *)s + lq_map_infos[id].sizes_off);
}

void lq_map_sizes_default(struct lq_map_sizes *sz);
/* All maps at their sizes, empty; -errno (nothing allocated) on failure. */
int lq_maps_init(struct lq_maps *maps, const struct lq_map_sizes *sz);
void lq_maps_free(struct lq_maps *maps);
void lq_maps_clear(struct lq_maps *maps);

/* Classifies one frame whose network header is at l3 (ethertype proto). */
uint8_t lq_classify(struct lq_maps *maps, const struct lq_config *cfg, uint64_t now_ns,
		    const uint8_t *frame, uint32_t caplen, uint32_t l3, uint16_t proto,
		    struct lq_result *res);

/* The paths map key of a frame's path, for prefetching; -1 if the frame is
 * no UDP. Parsing only, no state; a long header's datagram is prefetched
 * too (its coalesced packets are walked by their lengths). */
int lq_frame_path_key(const uint8_t *frame, uint32_t caplen, uint32_t l3, uint16_t proto,
		      struct lq_path_key *key);

/* Same, for an Ethernet frame (VLAN tags allowed), as the XDP program sees it. */
uint8_t lq_classify_eth(struct lq_maps *maps, const struct lq_config *cfg, uint64_t now_ns,
			const uint8_t *frame, uint32_t caplen, struct lq_result *res);

#endif
