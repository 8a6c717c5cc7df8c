// SPDX-License-Identifier: BSD-2-Clause
#include "linklayer.h"

#include <pcap/pcap.h>

#include "../parser/lq_packet.h"

#ifndef DLT_LINUX_SLL2
#define DLT_LINUX_SLL2 276
#endif
#ifndef DLT_IPV4
#define DLT_IPV4 228
#endif
#ifndef DLT_IPV6
#define DLT_IPV6 229
#endif

int lq_link_supported(int dlt)
{
	switch (dlt) {
	case DLT_EN10MB:
	case DLT_LINUX_SLL:
	case DLT_LINUX_SLL2:
	case DLT_RAW:
	case DLT_IPV4:
	case DLT_IPV6:
	case DLT_NULL:
	case DLT_LOOP:
	case DLT_PPP:
	case DLT_PPP_SERIAL:
	case DLT_PPP_ETHER:
		return 1;
	default:
		return 0;
	}
}

static uint16_t ip_version_proto(const uint8_t *p, uint32_t n)
{
	if (n < 1)
		return 0;
	if ((p[0] >> 4) == 4)
		return LQ_ETH_P_IP;
	if ((p[0] >> 4) == 6)
		return LQ_ETH_P_IPV6;
	return 0;
}

/* PPP protocol numbers (RFC 1661, RFC 5072) */
static uint16_t ppp_proto(uint16_t p)
{
	if (p == 0x0021)
		return LQ_ETH_P_IP;
	if (p == 0x0057)
		return LQ_ETH_P_IPV6;
	return 0;
}

static int ppp_l3(const uint8_t *f, uint32_t n, uint32_t off, uint16_t *proto)
{
	uint16_t p;

	if (n >= off + 2 && f[off] == 0xff && f[off + 1] == 0x03)
		off += 2; /* address and control (HDLC-like framing, RFC 1662) */
	if (n < off + 1)
		return -1;
	if (f[off] & 1) { /* protocol field compressed to one byte (RFC 1661 §6.5) */
		p = f[off];
		off += 1;
	} else {
		if (n < off + 2)
			return -1;
		p = (uint16_t)((f[off] << 8) | f[off + 1]);
		off += 2;
	}
	*proto = ppp_proto(p);
	return (int)off;
}

int lq_link_l3(int dlt, const uint8_t *f, uint32_t n, uint16_t *proto)
{
	uint32_t af;

	*proto = 0;
	switch (dlt) {
	case DLT_EN10MB: {
		struct lq_buf b = { f, f + n, n, 0, 0, 0 };

		return lq_parse_eth(&b, proto);
	}
	case DLT_LINUX_SLL: /* 16 bytes; protocol type last */
		if (n < 16)
			return -1;
		*proto = (uint16_t)((f[14] << 8) | f[15]);
		return 16;
	case DLT_LINUX_SLL2: /* 20 bytes; protocol type first */
		if (n < 20)
			return -1;
		*proto = (uint16_t)((f[0] << 8) | f[1]);
		return 20;
	case DLT_RAW:
	case DLT_IPV4:
	case DLT_IPV6:
		*proto = ip_version_proto(f, n);
		return n ? 0 : -1;
	case DLT_NULL:
	case DLT_LOOP:
		/* 4-byte address family; DLT_NULL in the writer's byte order */
		if (n < 4)
			return -1;
		af = dlt == DLT_LOOP ? (uint32_t)(f[0] << 24 | f[1] << 16 | f[2] << 8 | f[3])
				     : (uint32_t)(f[0] | f[1] << 8 | f[2] << 16 | (uint32_t)f[3] << 24);
		if (dlt == DLT_NULL && (af & 0xffff) == 0)
			af >>= 24; /* written big-endian */
		if (af == 2)
			*proto = LQ_ETH_P_IP;
		else if (af == 10 || af == 24 || af == 28 || af == 30)
			*proto = LQ_ETH_P_IPV6; /* Linux, NetBSD/OpenBSD, FreeBSD, Darwin */
		else
			*proto = ip_version_proto(f + 4, n - 4);
		return 4;
	case DLT_PPP:
	case DLT_PPP_SERIAL:
		return ppp_l3(f, n, 0, proto);
	case DLT_PPP_ETHER: /* PPPoE session header, RFC 2516 */
		if (n < 6)
			return -1;
		return ppp_l3(f, n, 6, proto);
	default:
		return -1;
	}
}
