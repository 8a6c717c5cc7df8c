/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * orphans.h - what a killed linkquic-live left attached. XDP and tcx links
 * go with the process, whatever way it ends; a cls_bpf filter on a clsact
 * qdisc (--tc-attach clsact, kernels before 6.6) stays after a kill -9. The
 * next start removes such filters at our fixed slot whose program no
 * process holds any more, and then their clsact qdisc if nothing else is on
 * it. A filter whose program a process still holds is another instance's:
 * left alone, and the attach refuses.
 */
#ifndef LQ_LIVE_ORPHANS_H
#define LQ_LIVE_ORPHANS_H

#include <stdint.h>

/* The pid of a process that holds program id (an fd of it or of a link to
 * it), 0 when none does, -EACCES when some process's descriptors cannot be
 * read (then it cannot tell). */
int live_prog_holder(uint32_t id);

/* Removes the orphans on interface ifname, in both directions, and says so
 * in one line naming the interface and what was removed. 0 when none were
 * there or all were removed, -errno with one line printed otherwise. */
int live_remove_orphans(const char *tool, const char *ifname, int ifindex);

#endif
