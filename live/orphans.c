// SPDX-License-Identifier: BSD-2-Clause
#include "orphans.h"

#include <bpf/libbpf.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/netlink.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "attach.h"

/* Does descriptor fd of process pid (its /proc directory open as procfd)
 * refer to program id? Programs and links to them both show "prog_id:" in
 * fdinfo. */
static int fd_holds_prog(int procfd, const char *fd, uint32_t id)
{
	char path[NAME_MAX + 16], link[64], line[128];
	ssize_t n;
	FILE *f;
	int fdi, found = 0;
	unsigned v;

	snprintf(path, sizeof(path), "fd/%s", fd);
	n = readlinkat(procfd, path, link, sizeof(link) - 1);
	if (n < 0)
		return 0;
	link[n] = 0;
	if (strcmp(link, "anon_inode:bpf-prog") && strcmp(link, "anon_inode:bpf_link"))
		return 0;
	snprintf(path, sizeof(path), "fdinfo/%s", fd);
	fdi = openat(procfd, path, O_RDONLY | O_CLOEXEC);
	if (fdi < 0)
		return 0;
	f = fdopen(fdi, "r");
	if (!f) {
		close(fdi);
		return 0;
	}
	while (!found && fgets(line, sizeof(line), f))
		found = sscanf(line, "prog_id: %u", &v) == 1 && v == id;
	fclose(f);
	return found;
}

int live_prog_holder(uint32_t id)
{
	DIR *proc = opendir("/proc"), *fds;
	struct dirent *p, *d;
	int procfd, fdsfd, holder = 0, unknown = 0;
	char path[NAME_MAX + 16];

	if (!proc)
		return -errno;
	while (!holder && (p = readdir(proc))) {
		if (p->d_name[0] < '1' || p->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s", p->d_name);
		procfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (procfd < 0)
			continue; /* gone meanwhile */
		fdsfd = openat(procfd, "fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fdsfd < 0) {
			unknown |= errno == EACCES || errno == EPERM;
			close(procfd);
			continue;
		}
		fds = fdopendir(fdsfd);
		if (!fds) {
			close(fdsfd);
			close(procfd);
			continue;
		}
		while (!holder && (d = readdir(fds)))
			if (d->d_name[0] != '.' && fd_holds_prog(procfd, d->d_name, id))
				holder = atoi(p->d_name);
		closedir(fds);
		close(procfd);
	}
	closedir(proc);
	return holder ? holder : unknown ? -EACCES : 0;
}

/* Does the clsact qdisc of ifindex hold any filter at parent (its ingress or
 * egress)? 1 yes, 0 no, -errno when the kernel's list cannot be read. */
static int tc_has_filters(int ifindex, uint32_t parent)
{
	struct {
		struct nlmsghdr n;
		struct tcmsg t;
	} req;
	char buf[16384];
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	int fd, err = 0, found = 0, done = 0;
	ssize_t len;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0)
		return -errno;
	memset(&req, 0, sizeof(req));
	req.n.nlmsg_len = NLMSG_LENGTH(sizeof(req.t));
	req.n.nlmsg_type = RTM_GETTFILTER;
	req.n.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	req.n.nlmsg_seq = 1;
	req.t.tcm_family = AF_UNSPEC;
	req.t.tcm_ifindex = ifindex;
	req.t.tcm_parent = parent;
	if (sendto(fd, &req, req.n.nlmsg_len, 0, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		err = -errno;
		goto cleanup;
	}
	while (!done) {
		struct nlmsghdr *h;

		len = recv(fd, buf, sizeof(buf), 0);
		if (len < 0) {
			err = -errno;
			goto cleanup;
		}
		for (h = (struct nlmsghdr *)buf; NLMSG_OK(h, (size_t)len); h = NLMSG_NEXT(h, len)) {
			if (h->nlmsg_type == NLMSG_DONE) {
				done = 1;
				break;
			}
			if (h->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = NLMSG_DATA(h);

				err = e->error;
				goto cleanup;
			}
			found |= h->nlmsg_type == RTM_NEWTFILTER;
		}
		if (len == 0)
			break;
	}
cleanup:
	close(fd);
	return err ? err : found;
}

int live_remove_orphans(const char *tool, const char *ifname, int ifindex)
{
	char what[2][96], name[BPF_OBJ_NAME_LEN];
	int egress, n = 0, err, in, out, qdisc = 0;

	for (egress = 0; egress < 2; egress++) {
		const char *dir = egress ? "egress" : "ingress";
		LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex,
			    .attach_point = egress ? BPF_TC_EGRESS : BPF_TC_INGRESS);
		LIBBPF_OPTS(bpf_tc_opts, o, .handle = LIVE_TC_HANDLE, .priority = LIVE_TC_PRIO);
		LIBBPF_OPTS(bpf_tc_opts, del, .handle = LIVE_TC_HANDLE, .priority = LIVE_TC_PRIO);

		if (bpf_tc_query(&hook, &o))
			continue; /* no clsact qdisc, or nothing at our slot */
		live_prog_name(o.prog_id, name, sizeof(name));
		/* someone else's program: the attach says so; ours, held by a
		 * process: another instance (or cannot tell), which it refuses */
		if (!live_is_our_tc_prog(name) || live_prog_holder(o.prog_id) != 0)
			continue;
		err = bpf_tc_detach(&hook, &del);
		if (err && err != -ENOENT) {
			fprintf(stderr,
				"%s: %s: cannot remove the tc %s filter (program %s, id %u) a killed "
				"linkquic-live left: %s (%d)\n",
				tool, ifname, dir, name, o.prog_id, strerror(-err), err);
			return err;
		}
		snprintf(what[n++], sizeof(what[0]), "the tc %s filter handle 0x%x prio 0x%x (%s, id %u)",
			 dir, LIVE_TC_HANDLE, LIVE_TC_PRIO, name, o.prog_id);
	}
	if (!n)
		return 0;
	/* the qdisc too, when nothing else is on it: the killed instance made
	 * it, or it is an empty one that does nothing */
	in = tc_has_filters(ifindex, TC_H_MAKE(TC_H_CLSACT, TC_H_MIN_INGRESS));
	out = tc_has_filters(ifindex, TC_H_MAKE(TC_H_CLSACT, TC_H_MIN_EGRESS));
	if (in == 0 && out == 0) {
		LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex,
			    .attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS);

		qdisc = bpf_tc_hook_destroy(&hook) == 0;
	}
	fprintf(stderr, "%s: %s: removed what a killed linkquic-live left attached: %s%s%s%s\n",
		tool, ifname, what[0], n > 1 ? ", " : "", n > 1 ? what[1] : "",
		qdisc ? ", and its clsact qdisc" : "");
	return 0;
}
