// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * floor.bpf.c - the map operations and the record each packet class of
 * linkquic.bpf.c needs, and nothing else: what that class would cost with
 * no classifier around them. bench_kernel measures each beside the class,
 * so that its figures split into what the kernel's maps and ring cost and
 * what the program's own code costs.
 *
 * The maps are linkquic.bpf.c's (lq_bpf_maps.h: types, keys, values,
 * sizes), the record the same struct lq_record. Keys come from
 * the frame's IPv4 and UDP headers (the benchmark's frames: Ethernet, IPv4
 * without options, UDP); what the classifier would find in its values is
 * not looked at. Not a monitor: never attached by any tool.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "lq_bpf_maps.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* The clock: the benchmark runs the classifier on a test clock (a global it
 * reads), and so does the floor. */
__u64 floor_clock_ns = 1;

/* What the keys, the new value and the record are built in. */
struct floor_scratch {
	struct lq_path_key key;
	struct lq_endpoint src, dst;
	struct lq_sip_key sip;
	struct lq_path_val path;
	struct lq_result res;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct floor_scratch);
} floor_scratch SEC(".maps");

/* The frame's endpoints and path key; NULL when it is not the Ethernet,
 * IPv4 and UDP frame every class of the benchmark is. */
static __always_inline struct floor_scratch *floor_keys(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	__u8 *p = data;
	struct floor_scratch *s;
	__u32 zero = 0;

	if (data + 14 + 20 + 8 > end || p[12] != 0x08 || p[13] != 0 || p[23] != 17)
		return NULL;
	s = bpf_map_lookup_elem(&floor_scratch, &zero);
	if (!s)
		return NULL;
	__builtin_memset(&s->src, 0, sizeof(s->src));
	__builtin_memset(&s->dst, 0, sizeof(s->dst));
	s->src.ip.b[10] = s->src.ip.b[11] = 0xff;
	s->dst.ip.b[10] = s->dst.ip.b[11] = 0xff;
	__builtin_memcpy(&s->src.ip.b[12], p + 26, 4);
	__builtin_memcpy(&s->dst.ip.b[12], p + 30, 4);
	s->src.port = (__u16)(p[34] << 8 | p[35]);
	s->dst.port = (__u16)(p[36] << 8 | p[37]);
	s->key.a = s->src;
	s->key.b = s->dst;
	return s;
}

/* A record of the frame, written in place in the ring. */
static __always_inline void floor_record(struct floor_scratch *s, __u32 len)
{
	struct lq_record *r = bpf_ringbuf_reserve(&lq_records, sizeof(*r), 0);

	if (!r)
		return;
	s->res.src = s->src;
	s->res.dst = s->dst;
	r->res = s->res;
	r->caplen = 0;
	r->wirelen = (__u16)len;
	r->seg = 0;
	bpf_ringbuf_submit(r, BPF_RB_NO_WAKEUP);
}

/* The first steps of a packet of no known path: its paths entry (none),
 * its tentative one, and whether ep is a server. 1 when they found
 * nothing, as for the classes below. A lookup whose value the classifier
 * would read is compared with (void *)1, which no lookup returns: it is
 * made, and its result decides nothing. */
static __always_inline int floor_no_path(struct floor_scratch *s, const struct lq_endpoint *ep)
{
	return !bpf_map_lookup_elem(&connections_map, &s->key) &&
	       bpf_map_lookup_elem(&lq_tentative, &s->key) != (void *)1 &&
	       bpf_map_lookup_elem(&dest_map, ep) != (void *)1;
}

/* A known connection's short header: its path found and counted. */
SEC("xdp")
int floor_short_known(struct xdp_md *ctx)
{
	struct floor_scratch *s = floor_keys(ctx);
	struct lq_path_val *v;

	if (!s)
		return XDP_PASS;
	v = bpf_map_lookup_elem(&connections_map, &s->key);
	if (v) {
		v->pkts[0]++;
		v->bytes[0] += ctx->data_end - ctx->data;
		v->last_seen = floor_clock_ns;
	} else { /* the first run: the connection the others find */
		__builtin_memset(&s->path, 0, sizeof(s->path));
		bpf_map_update_elem(&connections_map, &s->key, &s->path, BPF_ANY);
	}
	return XDP_PASS;
}

/* A client's Initial of a new connection: no path in either map, is its
 * source a server, the handshake's path made, the record. */
SEC("xdp")
int floor_initial(struct xdp_md *ctx)
{
	struct floor_scratch *s = floor_keys(ctx);

	if (!s)
		return XDP_PASS;
	if (!floor_no_path(s, &s->src))
		return XDP_PASS;
	__builtin_memset(&s->path, 0, sizeof(s->path));
	s->path.first_seen = s->path.last_seen = floor_clock_ns;
	s->path.pkts[0] = 1;
	bpf_map_update_elem(&lq_tentative, &s->key, &s->path, BPF_ANY);
	floor_record(s, ctx->data_end - ctx->data);
	return XDP_PASS;
}

/* Garbage to a known server (an Initial in a small datagram): no path in
 * either map, is its source a server, is its destination one (yes), the
 * record, the drop. */
SEC("xdp")
int floor_garbage(struct xdp_md *ctx)
{
	struct floor_scratch *s = floor_keys(ctx);
	struct lq_dest_val *d;

	if (!s)
		return XDP_PASS;
	if (!floor_no_path(s, &s->src))
		return XDP_PASS;
	d = bpf_map_lookup_elem(&dest_map, &s->dst);
	if (!d) { /* the first run: the server the others find */
		struct lq_dest_val nd;

		__builtin_memset(&nd, 0, sizeof(nd));
		bpf_map_update_elem(&dest_map, &s->dst, &nd, BPF_ANY);
		return XDP_PASS;
	}
	floor_record(s, ctx->data_end - ctx->data);
	return XDP_DROP;
}

/* UDP between hosts nothing is known of, whose first byte could start a
 * short header: no path in either map, neither end a server, neither
 * address a client. */
SEC("xdp")
int floor_not_quic(struct xdp_md *ctx)
{
	struct floor_scratch *s = floor_keys(ctx);

	if (!s)
		return XDP_PASS;
	if (!floor_no_path(s, &s->dst) || bpf_map_lookup_elem(&dest_map, &s->src) == (void *)1)
		return XDP_PASS;
	__builtin_memset(&s->sip, 0, sizeof(s->sip));
	s->sip.client = s->src.ip;
	if (bpf_map_lookup_elem(&sip_map, &s->sip) == (void *)1)
		return XDP_PASS;
	s->sip.client = s->dst.ip;
	if (bpf_map_lookup_elem(&sip_map, &s->sip) == (void *)1)
		return XDP_PASS;
	return XDP_PASS;
}
