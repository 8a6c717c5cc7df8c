/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pkt.h - builds test frames: Ethernet (optionally VLAN-tagged), IPv4 (with
 * options, fragments) or IPv6 (with extension headers), UDP, and QUIC long
 * and short headers with given CIDs, sizes and bits.
 */
#ifndef LQ_TEST_PKT_H
#define LQ_TEST_PKT_H

#include <stddef.h>
#include <stdint.h>

#define PKT_MAX 2048

struct pkt_ep {
	const char *ip; /* "198.18.0.1" or "2001:db8::1" */
	uint16_t port;
};

struct pkt_cid {
	uint8_t len;
	uint8_t id[32];
};

/* A CID of len bytes, derived from seed (distinct seeds, distinct CIDs). */
struct pkt_cid pkt_cid(uint8_t len, uint32_t seed);

/* QUIC payloads. Each returns the number of bytes written to out. */

/* Long header. type: the 2 type bits as on the wire; length: the Length
 * field's value, bytes of packet number and payload that follow (filled
 * with a pattern); fixed: the fixed bit. */
size_t quic_long(uint8_t *out, uint8_t type_bits, uint32_t version, const struct pkt_cid *dcid,
		 const struct pkt_cid *scid, size_t token_len, size_t length, int fixed);
size_t quic_short(uint8_t *out, const struct pkt_cid *dcid, size_t rest, int fixed);
size_t quic_vn(uint8_t *out, const struct pkt_cid *dcid, const struct pkt_cid *scid,
	       const uint32_t *versions, size_t n);
size_t quic_retry(uint8_t *out, uint32_t version, const struct pkt_cid *dcid,
		  const struct pkt_cid *scid, size_t token_len);
/* Pads a datagram to at least n bytes with zeros (RFC 9000 §14.1 padding
 * after the packets); returns the new length. */
size_t quic_pad(uint8_t *buf, size_t len, size_t n);

struct pkt_opts {
	int vlan;	    /* 0, 1 (802.1Q) or 2 (802.1ad + 802.1Q) */
	int ip_options;	    /* IPv4: 4-byte option words */
	int ext_headers;    /* IPv6: hop-by-hop + destination options */
	uint16_t frag_off;  /* IPv4 fragment offset (8-byte units) */
	int more_frags;
	uint8_t proto;	    /* 0: UDP; else another IP protocol */
	uint16_t udp_len;   /* 0: right; else this value in the UDP header */
};

/* Ethernet + IP + UDP frame around a payload; returns the frame length. */
size_t pkt_frame(uint8_t *out, const struct pkt_ep *src, const struct pkt_ep *dst,
		 const uint8_t *payload, size_t len, const struct pkt_opts *o);

#endif
