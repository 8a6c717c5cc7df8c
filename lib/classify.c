// SPDX-License-Identifier: BSD-2-Clause
/*
 * classify.c - binds the header-only classifier to emulated maps. The code
 * that runs is the very code of parser/, as in the BPF programs.
 */
#include "classify.h"

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

#define LQ_MAP_CONNS (&lq_cur->conns)
#define LQ_MAP_DCIDS (&lq_cur->dcids)
#define LQ_MAP_DEST (&lq_cur->dest)
#define LQ_MAP_SIP (&lq_cur->sip)
#define LQ_MAP_PENDING (&lq_cur->pending)
#define LQ_MAP_GUARD (&lq_cur->guard)

#include "../parser/linkquic.h"

void lq_map_sizes_default(struct lq_map_sizes *sz)
{
	sz->conns = LQ_DEF_CONNS;
	sz->dcids = LQ_DEF_DCIDS;
	sz->dest = LQ_DEF_DESTS;
	sz->sip = LQ_DEF_SIPS;
	sz->pending = LQ_DEF_PENDING;
	sz->guard = LQ_DEF_GUARD;
}

int lq_maps_init(struct lq_maps *m, const struct lq_map_sizes *sz)
{
	int err;

	err = emu_map_init(&m->conns, "connections_map", sizeof(struct lq_path_key),
			   sizeof(struct lq_path_val), sz->conns, 1);
	if (!err)
		err = emu_map_init(&m->dcids, "dcids_map", sizeof(struct lq_cid),
				   sizeof(struct lq_cid_val), sz->dcids, 1);
	if (!err)
		err = emu_map_init(&m->dest, "dest_map", sizeof(struct lq_endpoint),
				   sizeof(struct lq_dest_val), sz->dest, 1);
	if (!err)
		err = emu_map_init(&m->sip, "sip_map", sizeof(struct lq_sip_key),
				   sizeof(struct lq_anchor), sz->sip, 1);
	if (!err)
		err = emu_map_init(&m->pending, "potential_quic", sizeof(struct lq_path_key),
				   sizeof(struct lq_pending_val), sz->pending, 1);
	if (!err)
		err = emu_map_init(&m->guard, "lq_guard", sizeof(struct lq_guard_key),
				   sizeof(struct lq_guard_val), sz->guard, 1);
	if (err)
		lq_maps_free(m);
	return err;
}

void lq_maps_free(struct lq_maps *m)
{
	emu_map_free(&m->conns);
	emu_map_free(&m->dcids);
	emu_map_free(&m->dest);
	emu_map_free(&m->sip);
	emu_map_free(&m->pending);
	emu_map_free(&m->guard);
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
