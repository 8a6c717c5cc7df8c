/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * caps.h - may this process run the monitor? Loading the programs needs
 * CAP_BPF, reading packet memory from them (frame snapshots, pointer
 * arithmetic on packet data) CAP_PERFMON, attaching to interfaces
 * CAP_NET_ADMIN; CAP_SYS_ADMIN (root) stands for all three.
 */
#ifndef LQ_LIVE_CAPS_H
#define LQ_LIVE_CAPS_H

/* 0, or -EPERM after one line that names what is missing. */
int live_check_caps(const char *tool);

#endif
