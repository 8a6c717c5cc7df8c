/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * lq_bpf_shim.h - the classifier's map shim in the kernel: plain BPF map
 * helpers on the maps of linkquic.bpf.c.
 */
#ifndef LQ_BPF_SHIM_H
#define LQ_BPF_SHIM_H

#include <bpf/bpf_helpers.h>

static __always_inline void *lq_map_lookup(void *map, const void *key)
{
	return bpf_map_lookup_elem(map, key);
}

static __always_inline long lq_map_update(void *map, const void *key, const void *val,
					  __u64 flags)
{
	return bpf_map_update_elem(map, key, val, flags);
}

static __always_inline long lq_map_delete(void *map, const void *key)
{
	return bpf_map_delete_elem(map, key);
}

#define LQ_MAP_CONNS (&connections_map)
#define LQ_MAP_DCIDS (&dcids_map)
#define LQ_MAP_DEST (&dest_map)
#define LQ_MAP_SIP (&sip_map)
#define LQ_MAP_PENDING (&potential_quic)
#define LQ_MAP_GUARD (&lq_guard)

#endif
