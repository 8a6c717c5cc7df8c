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

/* LQ_MAP(member): the map the list in parser/lq_vocab.h names member, by
 * its kernel name (an inline function folds to the map's address). */
#define LQ_BPF_MAP_REF(m, kname, ktype, vtype, def, opt, desc)                              \
	static __always_inline void *lq_map_ref_##m(void)                                    \
	{                                                                                    \
		return &kname;                                                               \
	}
LQ_MAP_LIST(LQ_BPF_MAP_REF)
#undef LQ_BPF_MAP_REF
#define LQ_MAP(member) lq_map_ref_##member()

#endif
