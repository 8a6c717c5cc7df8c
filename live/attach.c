// SPDX-License-Identifier: BSD-2-Clause
#include "attach.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <linux/if_arp.h>
#include <linux/if_link.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../parser/lq_types.h"
#include "orphans.h"

/* tcx attach types (kernel 6.6, include/uapi/linux/bpf.h); this system's
 * headers predate them, the numbers are ABI. */
#define LIVE_BPF_TCX_INGRESS 46
#define LIVE_BPF_TCX_EGRESS 47

int live_iface_lookup(const char *tool, const char *name, int *ifindex)
{
	struct ifreq ifr;
	int fd, idx, err = 0;

	if (strlen(name) >= IF_NAMESIZE) {
		fprintf(stderr, "%s: interface '%s': name longer than %d characters\n", tool, name,
			IF_NAMESIZE - 1);
		return -EINVAL;
	}
	idx = (int)if_nametoindex(name);
	if (!idx) {
		err = -errno;
		fprintf(stderr, "%s: interface '%s': %s\n", tool, name, strerror(-err));
		return err;
	}
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		err = -errno;
		fprintf(stderr, "%s: interface '%s': cannot open a socket: %s\n", tool, name,
			strerror(-err));
		return err;
	}
	memset(&ifr, 0, sizeof(ifr));
	memcpy(ifr.ifr_name, name, strlen(name));
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0) {
		err = -errno;
		fprintf(stderr, "%s: interface '%s': %s\n", tool, name, strerror(-err));
		goto cleanup;
	}
	if (!(ifr.ifr_flags & IFF_UP)) {
		fprintf(stderr, "%s: interface '%s' is down (ip link set %s up)\n", tool, name, name);
		err = -ENETDOWN;
		goto cleanup;
	}
	if (ioctl(fd, SIOCGIFHWADDR, &ifr) < 0) {
		err = -errno;
		fprintf(stderr, "%s: interface '%s': %s\n", tool, name, strerror(-err));
		goto cleanup;
	}
	/* The programs parse Ethernet frames (loopback has a zeroed one). */
	if (ifr.ifr_hwaddr.sa_family != ARPHRD_ETHER && ifr.ifr_hwaddr.sa_family != ARPHRD_LOOPBACK) {
		fprintf(stderr, "%s: interface '%s': not an Ethernet interface (link type %u)\n", tool,
			name, ifr.ifr_hwaddr.sa_family);
		err = -EPROTONOSUPPORT;
		goto cleanup;
	}
	*ifindex = idx;
cleanup:
	close(fd);
	return err;
}

void live_prog_name(uint32_t id, char *buf, size_t n)
{
	struct bpf_prog_info info;
	uint32_t len = sizeof(info);
	int fd = bpf_prog_get_fd_by_id(id);

	buf[0] = 0;
	if (fd < 0)
		return;
	memset(&info, 0, sizeof(info));
	if (!bpf_obj_get_info_by_fd(fd, &info, &len))
		snprintf(buf, n, "%s", info.name);
	close(fd);
}

int live_is_our_tc_prog(const char *name)
{
	return !strcmp(name, "lq_tc_in") || !strcmp(name, "lq_tc_out");
}

static uint32_t prog_id(int prog_fd)
{
	struct bpf_prog_info info;
	uint32_t len = sizeof(info);

	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(prog_fd, &info, &len))
		return 0;
	return info.id;
}

static const char *xdp_mode_name(enum live_xdp_mode mode)
{
	return mode == LIVE_XDP_NATIVE ? "native" : mode == LIVE_XDP_GENERIC ? "generic" : "";
}

/* Says which XDP program holds the interface. */
static void report_xdp_holder(const char *tool, const struct live_attachment *a, int err)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	uint32_t id = 0;
	char name[BPF_OBJ_NAME_LEN];
	const char *mode = "";

	if (!bpf_xdp_query(a->ifindex, 0, &q)) {
		if (q.drv_prog_id) {
			id = q.drv_prog_id;
			mode = "native";
		} else if (q.skb_prog_id) {
			id = q.skb_prog_id;
			mode = "generic";
		} else if (q.hw_prog_id) {
			id = q.hw_prog_id;
			mode = "offloaded";
		}
	}
	if (!id) {
		fprintf(stderr, "%s: %s: cannot attach XDP: %s (%d)\n", tool, a->ifname,
			strerror(-err), err);
		return;
	}
	live_prog_name(id, name, sizeof(name));
	if (!strcmp(name, "lq_xdp"))
		fprintf(stderr,
			"%s: %s: already monitored: XDP program lq_xdp (id %u, %s) of another "
			"linkquic-live is attached\n",
			tool, a->ifname, id, mode);
	else
		fprintf(stderr,
			"%s: %s: cannot attach XDP: XDP program '%s' (id %u, %s) is attached and "
			"is not replaced\n",
			tool, a->ifname, name[0] ? name : "?", id, mode);
}

int live_attach_xdp(const char *tool, struct live_attachment *a, int prog_fd,
		    enum live_xdp_mode mode)
{
	LIBBPF_OPTS(bpf_link_create_opts, opts);
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	int fd;

	a->hook = LQ_HOOK_XDP;
	a->link_fd = -1;
	a->tc_filter = 0;
	a->tc_qdisc_created = 0;
	opts.flags = mode == LIVE_XDP_NATIVE	? XDP_FLAGS_DRV_MODE
		     : mode == LIVE_XDP_GENERIC ? XDP_FLAGS_SKB_MODE
						: 0;
	fd = bpf_link_create(prog_fd, a->ifindex, BPF_XDP, &opts);
	if (fd < 0) {
		if (fd == -EBUSY || fd == -EEXIST)
			report_xdp_holder(tool, a, fd);
		else if (fd == -EOPNOTSUPP && mode == LIVE_XDP_NATIVE)
			fprintf(stderr,
				"%s: %s: cannot attach XDP: the driver has no native XDP "
				"(try --xdp-mode generic)\n",
				tool, a->ifname);
		else
			fprintf(stderr, "%s: %s: cannot attach XDP%s%s: %s (%d)\n", tool, a->ifname,
				mode == LIVE_XDP_AUTO ? "" : " in mode ", xdp_mode_name(mode),
				strerror(-fd), fd);
		return fd;
	}
	a->link_fd = fd;
	if (!bpf_xdp_query(a->ifindex, 0, &q) && q.attach_mode == XDP_ATTACHED_SKB)
		snprintf(a->how, sizeof(a->how), "xdp generic");
	else
		snprintf(a->how, sizeof(a->how), "xdp native");
	return 0;
}

/* ---- tc ------------------------------------------------------------------------- */

static void tc_hook_init(struct bpf_tc_hook *h, int ifindex, int egress)
{
	memset(h, 0, sizeof(*h));
	h->sz = sizeof(*h);
	h->ifindex = ifindex;
	h->attach_point = egress ? BPF_TC_EGRESS : BPF_TC_INGRESS;
}

static void tc_opts_init(struct bpf_tc_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->sz = sizeof(*o);
	o->handle = LIVE_TC_HANDLE;
	o->priority = LIVE_TC_PRIO;
}

/* Is another linkquic program on this tc hook? Looks at the tcx list (a
 * program of the same name and another id) and at our clsact slot. Prints
 * the error and returns -EEXIST if so. */
static int tc_other_instance(const char *tool, const struct live_attachment *a, int egress,
			     const char *name, uint32_t own_id, int own_clsact)
{
	LIBBPF_OPTS(bpf_prog_query_opts, q);
	struct bpf_tc_hook hook;
	struct bpf_tc_opts o;
	uint32_t ids[64], i;
	char other[BPF_OBJ_NAME_LEN];
	const char *dir = egress ? "egress" : "ingress";

	q.prog_ids = ids;
	q.prog_cnt = sizeof(ids) / sizeof(ids[0]);
	if (!bpf_prog_query_opts(a->ifindex,
				 (enum bpf_attach_type)(egress ? LIVE_BPF_TCX_EGRESS
							       : LIVE_BPF_TCX_INGRESS),
				 &q)) {
		for (i = 0; i < q.prog_cnt && i < sizeof(ids) / sizeof(ids[0]); i++) {
			if (ids[i] == own_id)
				continue;
			live_prog_name(ids[i], other, sizeof(other));
			if (strcmp(other, name))
				continue;
			fprintf(stderr,
				"%s: %s: already monitored: tc %s program %s (id %u, tcx) of another "
				"linkquic-live is attached\n",
				tool, a->ifname, dir, name, ids[i]);
			return -EEXIST;
		}
	}
	if (own_clsact)
		return 0;
	tc_hook_init(&hook, a->ifindex, egress);
	tc_opts_init(&o);
	if (!bpf_tc_query(&hook, &o)) {
		int pid = live_prog_holder(o.prog_id);

		live_prog_name(o.prog_id, other, sizeof(other));
		if (!live_is_our_tc_prog(other))
			fprintf(stderr,
				"%s: %s: cannot attach the tc %s filter: program '%s' (id %u) holds "
				"our slot, handle 0x%x prio 0x%x, and is not replaced\n",
				tool, a->ifname, dir, other[0] ? other : "?", o.prog_id, LIVE_TC_HANDLE,
				LIVE_TC_PRIO);
		else if (pid > 0)
			fprintf(stderr,
				"%s: %s: already monitored: tc %s filter handle 0x%x prio 0x%x (%s, id "
				"%u) of another linkquic-live (pid %d) is attached\n",
				tool, a->ifname, dir, LIVE_TC_HANDLE, LIVE_TC_PRIO, other, o.prog_id, pid);
		else /* no process seen to hold it, but /proc could not all be read */
			fprintf(stderr,
				"%s: %s: already monitored: tc %s filter handle 0x%x prio 0x%x (%s, id "
				"%u) of another linkquic-live is attached (if none runs: tc filter del "
				"dev %s %s handle 0x%x prio 0x%x bpf)\n",
				tool, a->ifname, dir, LIVE_TC_HANDLE, LIVE_TC_PRIO, other, o.prog_id,
				a->ifname, dir, LIVE_TC_HANDLE, LIVE_TC_PRIO);
		return -EEXIST;
	}
	return 0;
}

static int attach_clsact(const char *tool, struct live_attachment *a, int prog_fd, int egress)
{
	struct bpf_tc_hook hook;
	struct bpf_tc_opts o;
	int err;

	tc_hook_init(&hook, a->ifindex, egress);
	err = bpf_tc_hook_create(&hook);
	if (err && err != -EEXIST) {
		fprintf(stderr, "%s: %s: cannot create the clsact qdisc: %s (%d)\n", tool, a->ifname,
			strerror(-err), err);
		return err;
	}
	a->tc_qdisc_created = err == 0;
	tc_opts_init(&o);
	o.prog_fd = prog_fd;
	err = bpf_tc_attach(&hook, &o);
	if (err) {
		if (err == -EEXIST)
			tc_other_instance(tool, a, egress, "", 0, 0);
		else
			fprintf(stderr, "%s: %s: cannot attach the tc %s filter: %s (%d)\n", tool,
				a->ifname, egress ? "egress" : "ingress", strerror(-err), err);
		live_detach(a);
		return err;
	}
	a->tc_filter = 1;
	snprintf(a->how, sizeof(a->how), "tc clsact");
	return 0;
}

int live_attach_tc(const char *tool, struct live_attachment *a, int prog_fd, int egress,
		   enum live_tc_api api)
{
	char name[BPF_OBJ_NAME_LEN];
	uint32_t own = prog_id(prog_fd);
	int fd, err;

	a->hook = egress ? LQ_HOOK_TC_OUT : LQ_HOOK_TC_IN;
	a->link_fd = -1;
	a->tc_filter = 0;
	a->tc_qdisc_created = 0;
	live_prog_name(own, name, sizeof(name));

	if (api == LIVE_TC_TCX) {
		fd = bpf_link_create(prog_fd, a->ifindex,
				     (enum bpf_attach_type)(egress ? LIVE_BPF_TCX_EGRESS
								   : LIVE_BPF_TCX_INGRESS),
				     NULL);
		if (fd >= 0) {
			a->link_fd = fd;
			snprintf(a->how, sizeof(a->how), "tcx");
		} else if (fd != -EINVAL) {
			fprintf(stderr, "%s: %s: cannot attach the tcx %s link: %s (%d)\n", tool,
				a->ifname, egress ? "egress" : "ingress", strerror(-fd), fd);
			return fd;
		}
		/* -EINVAL: a kernel without tcx; clsact below */
	}
	if (a->link_fd < 0) {
		err = attach_clsact(tool, a, prog_fd, egress);
		if (err)
			return err;
	}
	/* tcx runs any number of programs side by side: a second instance would
	 * attach silently, so look after attaching (two racing starts both fail
	 * rather than both run). */
	err = tc_other_instance(tool, a, egress, name, own, a->tc_filter);
	if (err) {
		live_detach(a);
		return err;
	}
	return 0;
}

void live_detach(struct live_attachment *a)
{
	struct bpf_tc_hook hook;
	struct bpf_tc_opts o;

	if (a->link_fd >= 0) {
		close(a->link_fd); /* an unpinned link goes with its last descriptor */
		a->link_fd = -1;
	}
	if (a->tc_filter) {
		tc_hook_init(&hook, a->ifindex, a->hook == LQ_HOOK_TC_OUT);
		tc_opts_init(&o);
		bpf_tc_detach(&hook, &o);
		a->tc_filter = 0;
	}
	if (a->tc_qdisc_created) {
		tc_hook_init(&hook, a->ifindex, 0);
		hook.attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS; /* the clsact qdisc itself */
		bpf_tc_hook_destroy(&hook);
		a->tc_qdisc_created = 0;
	}
}
