/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * lq_bpf_maps.h - the tracker's maps and the record ring, as the BPF
 * programs define them: linkquic.bpf.c, and bench_kernel's floor
 * (floor.bpf.c), which must cost what the same maps cost.
 */
#ifndef LQ_BPF_MAPS_H
#define LQ_BPF_MAPS_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "../parser/lq_types.h"

/* The tracker's maps (parser/lq_vocab.h; sizes set by the loader). Every
 * one an LRU hash: the tracker keeps working for ever, and what goes first
 * under pressure is what was used least. */
#define LQ_BPF_MAP(m, kname, ktype, vtype, def, opt, desc)                                  \
	struct {                                                                             \
		__uint(type, BPF_MAP_TYPE_LRU_HASH);                                         \
		__uint(max_entries, def);                                                    \
		__type(key, ktype);                                                          \
		__type(value, vtype);                                                        \
	} kname SEC(".maps");
LQ_MAP_LIST(LQ_BPF_MAP)
#undef LQ_BPF_MAP

/* The records handed to user space (struct lq_record). */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, LQ_RING_BYTES);
} lq_records SEC(".maps");

#endif
