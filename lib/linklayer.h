/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * linklayer.h - where the network header starts in a captured frame, for
 * the link types libpcap reports.
 */
#ifndef LQ_LINKLAYER_H
#define LQ_LINKLAYER_H

#include <stdint.h>

/* Is the link type one we decode? */
int lq_link_supported(int dlt);

/* Offset of the network header and its ethertype (0x0800/0x86DD, or 0 when
 * not IP), or -1 when the frame is too short for its link header. */
int lq_link_l3(int dlt, const uint8_t *frame, uint32_t caplen, uint16_t *proto);

#endif
