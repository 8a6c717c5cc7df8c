/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * netlink.h - interfaces that go and come while linkquic-live runs. An
 * rtnetlink socket (RTMGRP_LINK) tells when a monitored interface is
 * deleted (RTM_DELLINK: its XDP and tc programs went with it) and when an
 * interface of that name is there again and up (RTM_NEWLINK), so that the
 * monitor says so and attaches its programs to the new one.
 */
#ifndef LQ_LIVE_NETLINK_H
#define LQ_LIVE_NETLINK_H

#include "attach.h"

struct live_netlink {
	int fd; /* -1 when not open */
};

/* A link event: the interface ifindex was deleted (gone), or it exists
 * now with this name and these IFF_* flags. */
typedef void (*live_link_fn)(void *ctx, int gone, int ifindex, const char *name, unsigned flags);

/* Opens the socket (non-blocking); 0, or -errno with one line printed. */
int live_netlink_open(const char *tool, struct live_netlink *nl);
/* Hands every pending event to fn; 0, -ENOBUFS when events were lost (the
 * caller looks at its interfaces again), or another -errno. */
int live_netlink_poll(struct live_netlink *nl, live_link_fn fn, void *ctx);
void live_netlink_close(struct live_netlink *nl);

/* How the programs were attached, to attach them again. */
struct live_reattach {
	const char *tool;
	int xdp_fd, tc_in_fd, tc_out_fd;
	enum live_xdp_mode xdp_mode;
	enum live_tc_api tc_api;
};

/* The interface ifindex was deleted: its attachments among att[0..n) keep
 * their names and hooks but hold nothing now (its links are closed, its
 * clsact filter and qdisc went with it). How many were its. */
int live_forget_iface(struct live_attachment *att, int n, int ifindex);
/* Attaches again, at ifindex, every attachment named name (each with its
 * hook); 0, or -errno with one line printed and none of them attached. */
int live_reattach_iface(const struct live_reattach *r, struct live_attachment *att, int n,
			const char *name, int ifindex);

#endif
