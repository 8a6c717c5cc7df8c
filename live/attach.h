/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * attach.h - putting the loaded programs on interfaces and taking them off:
 * XDP through a bpf_link, tc through a tcx link (kernel 6.6 and later) or a
 * cls_bpf filter on a clsact qdisc. Links go away with the process, whatever
 * way it ends; a clsact qdisc is removed only if this process created it.
 * Every failure prints one line naming the interface and the reason.
 */
#ifndef LQ_LIVE_ATTACH_H
#define LQ_LIVE_ATTACH_H

#include <net/if.h>
#include <stddef.h>
#include <stdint.h>

/* Where our cls_bpf filter sits on a clsact qdisc: a fixed slot, so that a
 * second instance finds it taken (tc refuses the same handle and priority),
 * and the next start finds what a killed one left (orphans.h). */
#define LIVE_TC_HANDLE 0x4c51
#define LIVE_TC_PRIO 0x4c51

enum live_xdp_mode {
	LIVE_XDP_AUTO = 0, /* native where the driver has it, generic otherwise */
	LIVE_XDP_NATIVE = 1,
	LIVE_XDP_GENERIC = 2,
};

enum live_tc_api {
	LIVE_TC_TCX = 0,    /* tcx link; falls back to clsact where the kernel lacks tcx */
	LIVE_TC_CLSACT = 1, /* cls_bpf filter on a clsact qdisc */
};

/* One program on one interface. */
struct live_attachment {
	char ifname[IF_NAMESIZE];
	int ifindex;
	uint8_t hook;	/* LQ_HOOK_XDP, LQ_HOOK_TC_IN or LQ_HOOK_TC_OUT */
	int link_fd;	/* XDP or tcx link, -1 when none */
	int tc_filter;	/* a clsact filter of ours is in place */
	int tc_qdisc_created; /* this process created the clsact qdisc */
	char how[24];	/* "xdp native", "tcx", "tc clsact", ... for people */
};

/* The name of loaded program id in buf ("" when it cannot be read). */
void live_prog_name(uint32_t id, char *buf, size_t n);
/* Is it one of our tc programs? */
int live_is_our_tc_prog(const char *name);

/* Resolves NAME, and checks that it is up and carries Ethernet frames (what
 * the programs parse). */
int live_iface_lookup(const char *tool, const char *name, int *ifindex);

int live_attach_xdp(const char *tool, struct live_attachment *a, int prog_fd,
		    enum live_xdp_mode mode);
int live_attach_tc(const char *tool, struct live_attachment *a, int prog_fd, int egress,
		   enum live_tc_api api);
/* Safe on an attachment that is not (or no longer) in place. */
void live_detach(struct live_attachment *a);

#endif
