// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * empty.bpf.c - an XDP program that only passes: the baseline the benchmark
 * subtracts, measured in the same run as the classifier.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

SEC("xdp")
int lq_empty(struct xdp_md *ctx)
{
	(void)ctx;
	return XDP_PASS;
}
