// SPDX-License-Identifier: BSD-2-Clause
#include "netlink.h"

#include <errno.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../parser/lq_types.h"

int live_netlink_open(const char *tool, struct live_netlink *nl)
{
	struct sockaddr_nl sa;
	int err;

	nl->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (nl->fd < 0) {
		err = -errno;
		fprintf(stderr, "%s: cannot watch the interfaces (netlink socket): %s\n", tool,
			strerror(-err));
		return err;
	}
	memset(&sa, 0, sizeof(sa));
	sa.nl_family = AF_NETLINK;
	sa.nl_groups = RTMGRP_LINK;
	if (bind(nl->fd, (struct sockaddr *)&sa, sizeof(sa))) {
		err = -errno;
		fprintf(stderr, "%s: cannot watch the interfaces (netlink RTMGRP_LINK): %s\n", tool,
			strerror(-err));
		close(nl->fd);
		nl->fd = -1;
		return err;
	}
	return 0;
}

static void link_event(const struct nlmsghdr *h, live_link_fn fn, void *ctx)
{
	const struct ifinfomsg *ifi = NLMSG_DATA(h);
	const struct rtattr *a;
	char name[IF_NAMESIZE] = "";
	int len;

	if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*ifi)))
		return;
	len = (int)(h->nlmsg_len - NLMSG_LENGTH(sizeof(*ifi)));
	for (a = IFLA_RTA(ifi); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
		if (a->rta_type != IFLA_IFNAME)
			continue;
		snprintf(name, sizeof(name), "%.*s", (int)RTA_PAYLOAD(a), (const char *)RTA_DATA(a));
	}
	fn(ctx, h->nlmsg_type == RTM_DELLINK, ifi->ifi_index, name, ifi->ifi_flags);
}

int live_netlink_poll(struct live_netlink *nl, live_link_fn fn, void *ctx)
{
	union {
		struct nlmsghdr h;
		char b[16384];
	} buf;
	const struct nlmsghdr *h;
	ssize_t n;

	if (nl->fd < 0)
		return 0;
	for (;;) {
		n = recv(nl->fd, buf.b, sizeof(buf.b), 0);
		if (n < 0)
			return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : errno == EINTR ? 0 : -errno;
		for (h = &buf.h; NLMSG_OK(h, (size_t)n); h = NLMSG_NEXT(h, n))
			if (h->nlmsg_type == RTM_NEWLINK || h->nlmsg_type == RTM_DELLINK)
				link_event(h, fn, ctx);
	}
}

void live_netlink_close(struct live_netlink *nl)
{
	if (nl->fd >= 0)
		close(nl->fd);
	nl->fd = -1;
}

int live_forget_iface(struct live_attachment *att, int n, int ifindex)
{
	int i, k = 0;

	for (i = 0; i < n; i++) {
		if (att[i].ifindex != ifindex)
			continue;
		/* the device took its filter and qdisc along: touching its old
		 * index again could reach another device */
		att[i].tc_filter = 0;
		att[i].tc_qdisc_created = 0;
		live_detach(&att[i]); /* the links are defunct: their descriptors go */
		att[i].ifindex = 0;
		k++;
	}
	return k;
}

int live_reattach_iface(const struct live_reattach *r, struct live_attachment *att, int n,
			const char *name, int ifindex)
{
	int i, j, err = 0;

	for (i = 0; i < n; i++) {
		if (strcmp(att[i].ifname, name))
			continue;
		att[i].ifindex = ifindex;
		if (att[i].hook == LQ_HOOK_XDP)
			err = live_attach_xdp(r->tool, &att[i], r->xdp_fd, r->xdp_mode);
		else
			err = live_attach_tc(r->tool, &att[i],
					     att[i].hook == LQ_HOOK_TC_OUT ? r->tc_out_fd : r->tc_in_fd,
					     att[i].hook == LQ_HOOK_TC_OUT, r->tc_api);
		if (err)
			break;
	}
	if (!err)
		return 0;
	for (j = 0; j <= i && j < n; j++) /* none of them stays */
		if (!strcmp(att[j].ifname, name)) {
			live_detach(&att[j]);
			att[j].ifindex = 0;
		}
	return err;
}
