/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * classify.h - the classifier run in user space over emulated maps.
 */
#ifndef LQ_CLASSIFY_H
#define LQ_CLASSIFY_H

#include "emu_map.h"
#include "../parser/lq_types.h"

/* max_entries of the five maps; the BPF loader uses the same numbers. */
struct lq_map_sizes {
	uint32_t conns;
	uint32_t dcids;
	uint32_t dest;
	uint32_t sip;
	uint32_t pending;
	uint32_t guard;
};

struct lq_maps {
	struct emu_map conns;	/* connections_map */
	struct emu_map dcids;	/* dcids_map */
	struct emu_map dest;	/* dest_map */
	struct emu_map sip;	/* sip_map */
	struct emu_map pending; /* potential_quic */
	struct emu_map guard;	/* lq_guard: the guard's per-source rates */
};

void lq_map_sizes_default(struct lq_map_sizes *sz);
int lq_maps_init(struct lq_maps *maps, const struct lq_map_sizes *sz);
void lq_maps_free(struct lq_maps *maps);

/* Classifies one frame whose network header is at l3 (ethertype proto). */
uint8_t lq_classify(struct lq_maps *maps, const struct lq_config *cfg, uint64_t now_ns,
		    const uint8_t *frame, uint32_t caplen, uint32_t l3, uint16_t proto,
		    struct lq_result *res);

/* The connections_map key of a frame's path, for prefetching; -1 if the
 * frame is no UDP. Parsing only, no state. */
int lq_frame_path_key(const uint8_t *frame, uint32_t caplen, uint32_t l3, uint16_t proto,
		      struct lq_path_key *key);

/* Same, for an Ethernet frame (VLAN tags allowed), as the XDP program sees it. */
uint8_t lq_classify_eth(struct lq_maps *maps, const struct lq_config *cfg, uint64_t now_ns,
			const uint8_t *frame, uint32_t caplen, struct lq_result *res);

#endif
