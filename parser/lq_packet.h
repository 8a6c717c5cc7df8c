/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * lq_packet.h - stateless parsing: Ethernet/VLAN, IPv4/IPv6, UDP and the
 * version-independent parts of QUIC headers.
 *
 * Everything is read at an integer offset from the start of the frame.
 * Each read is checked twice: against the real end pointer (what the BPF
 * verifier tracks; the same check keeps user space safe) and against an
 * integer limit with a meaning. Two limits matter in a datagram: the UDP
 * length, which is what the sender meant, and the captured bytes. A header
 * running past the UDP length is malformed (garbage); one running past the
 * captured bytes only is cut (snaplen), which is not the sender's fault.
 */
#ifndef LQ_PACKET_H
#define LQ_PACKET_H

#include "lq_types.h"

#ifndef LQ_MAX_OFF
#define LQ_MAX_OFF 0x3fff /* largest offset read in a frame */
#endif
#ifndef LQ_MAX_VLAN
#define LQ_MAX_VLAN 2 /* 802.1ad + 802.1Q */
#endif
#ifndef LQ_MAX_EXTHDR
#define LQ_MAX_EXTHDR 6 /* IPv6 extension headers skipped before giving up */
#endif
#ifndef LQ_MAX_COALESCED
#define LQ_MAX_COALESCED 4 /* long-header packets walked in one datagram */
#endif
#ifndef LQ_MAX_TOKEN
#define LQ_MAX_TOKEN 2048 /* a larger Initial token is treated as malformed */
#endif

#define LQ_ETH_P_IP 0x0800
#define LQ_ETH_P_IPV6 0x86DD
#define LQ_ETH_P_8021Q 0x8100
#define LQ_ETH_P_8021AD 0x88A8
#define LQ_IPPROTO_UDP 17

/* The frame being parsed. len is the number of captured bytes (end - data,
 * computed by the caller as an integer: BPF cannot subtract from pkt_end).
 * It holds the only pointers of a packet and lives on the stack: the BPF
 * verifier forbids storing packet pointers in map memory. */
struct lq_buf {
	const lq_u8 *data;
	const lq_u8 *end;
	lq_u32 len;
	lq_u32 qoff; /* offset of the UDP payload, once found */
	lq_u32 cap;  /* readable payload bytes: min(UDP length, IP payload, captured) */
	/* 1 only for a BPF buffer in map memory at least LQ_MAX_OFF + 64 bytes
	 * long: every masked offset is inside it, so the end pointer is not
	 * compared (the verifier cannot decide such comparisons, and they would
	 * double its work at every read). Never set for packet memory. */
	lq_u32 trusted;
};

/* Reads a byte back from scratch memory. In BPF, memory of a map value is
 * not tracked by the verifier, so a value stored and read back is just "a
 * byte": the many constant outcomes of a classification then merge into one
 * verifier state instead of multiplying every later branch. */
LQ_INLINE lq_u8 lq_reload8(const lq_u8 *p)
{
	return *(const volatile lq_u8 *)p;
}

LQ_INLINE lq_s32 lq_reload_s32(const lq_s32 *p)
{
	return *(const volatile lq_s32 *)p;
}

LQ_INLINE lq_u32 lq_reload_u32(const lq_u32 *p)
{
	return *(const volatile lq_u32 *)p;
}

/* Passes v through memory slot p: what comes out is "some u32" to the
 * verifier, whichever branch produced it. */
LQ_INLINE lq_u32 lq_hold(lq_u32 *p, lq_u32 v)
{
	*(volatile lq_u32 *)p = v;
	return *(const volatile lq_u32 *)p;
}

/* ---- bounded readers ------------------------------------------------------ */

LQ_INLINE int lq_rd8(const struct lq_buf *b, lq_u32 off, lq_u8 *v)
{
	const lq_u8 *p;

	if (off > LQ_MAX_OFF || off + 1 > b->len)
		return -1;
	lq_barrier_var(off);
	p = b->data + (off & LQ_MAX_OFF); /* the mask shows the verifier the bound */
	if (!b->trusted && p + 1 > b->end)
		return -1;
	*v = p[0];
	return 0;
}

LQ_INLINE int lq_rd16(const struct lq_buf *b, lq_u32 off, lq_u16 *v)
{
	const lq_u8 *p;

	if (off > LQ_MAX_OFF || off + 2 > b->len)
		return -1;
	lq_barrier_var(off);
	p = b->data + (off & LQ_MAX_OFF); /* the mask shows the verifier the bound */
	if (!b->trusted && p + 2 > b->end)
		return -1;
	*v = lq_get_be16(p);
	return 0;
}

LQ_INLINE int lq_rd32(const struct lq_buf *b, lq_u32 off, lq_u32 *v)
{
	const lq_u8 *p;

	if (off > LQ_MAX_OFF || off + 4 > b->len)
		return -1;
	lq_barrier_var(off);
	p = b->data + (off & LQ_MAX_OFF); /* the mask shows the verifier the bound */
	if (!b->trusted && p + 4 > b->end)
		return -1;
	*v = lq_get_be32(p);
	return 0;
}

LQ_INLINE int lq_rd_ip6(const struct lq_buf *b, lq_u32 off, struct lq_ip *ip)
{
	const lq_u8 *p;

	if (off > LQ_MAX_OFF || off + 16 > b->len)
		return -1;
	lq_barrier_var(off);
	p = b->data + (off & LQ_MAX_OFF); /* the mask shows the verifier the bound */
	if (p + 16 > b->end)
		return -1;
	lq_copy(ip->b, p, 16);
	return 0;
}

/* IPv4 kept IPv4-mapped, RFC 4291 §2.5.5.2 */
LQ_INLINE int lq_rd_ip4(const struct lq_buf *b, lq_u32 off, struct lq_ip *ip)
{
	const lq_u8 *p;

	if (off > LQ_MAX_OFF || off + 4 > b->len)
		return -1;
	lq_barrier_var(off);
	p = b->data + (off & LQ_MAX_OFF); /* the mask shows the verifier the bound */
	if (p + 4 > b->end)
		return -1;
	lq_zero(ip, sizeof(*ip));
	ip->b[10] = 0xff;
	ip->b[11] = 0xff;
	ip->b[12] = p[0];
	ip->b[13] = p[1];
	ip->b[14] = p[2];
	ip->b[15] = p[3];
	return 0;
}

/* n bytes at off (n a constant, at most 64), or NULL: one bound check for a
 * whole header. */
LQ_INLINE const lq_u8 *lq_span(const struct lq_buf *b, lq_u32 off, lq_u32 n)
{
	const lq_u8 *p;

	if (off > LQ_MAX_OFF || off + n > b->len)
		return LQ_NULL;
	lq_barrier_var(off);
	p = b->data + (off & LQ_MAX_OFF); /* the mask shows the verifier the bound */
	if (!b->trusted && p + n > b->end)
		return LQ_NULL;
	return p;
}

/* The address at p (which has 4 or 16 bytes), as words. */
LQ_INLINE void lq_ip4_at(struct lq_ip *ip, const lq_u8 *p)
{
	ip->w[0] = 0;
	ip->w[1] = 0;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	ip->w[2] = 0x0000ffffU; /* ::ffff:0:0/96 */
#else
	ip->w[2] = 0xffff0000U;
#endif
	ip->w[3] = lq_load32u(p);
}

LQ_INLINE void lq_ip6_at(struct lq_ip *ip, const lq_u8 *p)
{
	ip->w[0] = lq_load32u(p);
	ip->w[1] = lq_load32u(p + 4);
	ip->w[2] = lq_load32u(p + 8);
	ip->w[3] = lq_load32u(p + 12);
}

/* ---- link layer ----------------------------------------------------------- */

/* Skips an Ethernet header and up to LQ_MAX_VLAN tags. Returns the offset of
 * the network header and sets *proto, or -1. */
LQ_INLINE int lq_parse_eth(const struct lq_buf *b, lq_u16 *proto)
{
	lq_u32 off = 12;
	lq_u16 type;
	int i;

	if (lq_rd16(b, off, &type))
		return -1;
	off += 2;
	LQ_UNROLL
	for (i = 0; i < LQ_MAX_VLAN; i++) {
		if (type != LQ_ETH_P_8021Q && type != LQ_ETH_P_8021AD)
			break;
		if (lq_rd16(b, off + 2, &type))
			return -1;
		off += 4;
	}
	*proto = type;
	return (int)off;
}

/* ---- network and transport ---------------------------------------------- */

enum lq_l3_status {
	LQ_L3_UDP = 0,
	LQ_L3_NOT_IP,
	LQ_L3_NOT_UDP,
	LQ_L3_FRAGMENT,
	LQ_L3_TRUNCATED,
};

/* What one datagram says, before any state is consulted. */
struct lq_pkt {
	struct lq_endpoint src;
	struct lq_endpoint dst;
	lq_u32 ulen;   /* UDP payload length the UDP header gives */
	lq_u16 ip_len; /* IP total length */
	lq_u8 ip_ver;
	/* QUIC, filled by lq_parse_quic() */
	lq_u8 form;	 /* enum lq_form */
	lq_u8 b0;	 /* first byte */
	lq_u8 type;	 /* enum lq_ptype of the first packet */
	lq_u8 types;	 /* bitmask of enum lq_ptype present */
	lq_u8 npackets;	 /* QUIC packets found */
	lq_u8 reason;	 /* enum lq_reason when a long header is malformed */
	lq_u8 flags;	 /* LQ_RF_* */
	lq_u8 vclass;	 /* enum lq_vclass of the first packet */
	lq_u8 vfmt;	 /* LQ_VF_* of the first packet's version */
	lq_u8 has_short; /* a 1-RTT packet is in the datagram */
	lq_u32 version;
	lq_u32 short_off;   /* payload offset of the short-header packet */
	lq_u32 token_len;   /* Initial token length of the first packet */
	lq_s32 walk;	    /* offset of the next coalesced packet (scratch) */
	lq_u32 hold[2];	    /* values passed through memory, see lq_reload8() */
	/* The bytes after the short header's first byte, where its DCID is:
	 * the tracker reads DCIDs of learned lengths from here, so it needs
	 * no access to the packet (and the BPF verifier checks it alone). */
	union {
		lq_u8 sh[24];	/* LQ_CID_MAX bytes and zeros: three words */
		lq_u64 shw[3];
	};
	lq_u8 sh_len;	    /* bytes of sh that are in the capture */
	lq_u8 sh_room;	    /* bytes the datagram has there (UDP length), capped at 255 */
	struct lq_cid dcid; /* first long header's, or the short header's once known */
	struct lq_cid scid;
};

/* Parses IPv4 or IPv6 at l3 (per ethertype proto) and UDP. */
LQ_INLINE int lq_parse_l3(struct lq_pkt *pkt, struct lq_buf *b, lq_u32 l3, lq_u16 proto)
{
	lq_u32 off, ip_end, cap;
	lq_u16 ulen16;
	lq_u8 nh;

	if (proto == LQ_ETH_P_IP) {
		const lq_u8 *h = lq_span(b, l3, 20);
		lq_u8 vihl, ihl;
		lq_u16 tot, frag;

		if (h) { /* the whole fixed header: read at once */
			vihl = h[0];
			if ((vihl >> 4) != 4)
				return LQ_L3_NOT_IP;
			ihl = (lq_u8)((vihl & 0x0f) * 4);
			if (ihl < 20)
				return LQ_L3_NOT_IP;
			tot = lq_get_be16(h + 2);
			frag = lq_get_be16(h + 6);
			nh = h[9];
			pkt->ip_ver = 4;
			pkt->ip_len = tot;
			lq_ip4_at(&pkt->src.ip, h + 12);
			lq_ip4_at(&pkt->dst.ip, h + 16);
		} else { /* cut short: what can be read, field by field */
			if (lq_rd8(b, l3, &vihl))
				return LQ_L3_TRUNCATED;
			if ((vihl >> 4) != 4)
				return LQ_L3_NOT_IP;
			ihl = (lq_u8)((vihl & 0x0f) * 4);
			if (ihl < 20)
				return LQ_L3_NOT_IP;
			if (lq_rd16(b, l3 + 2, &tot) || lq_rd16(b, l3 + 6, &frag) ||
			    lq_rd8(b, l3 + 9, &nh))
				return LQ_L3_TRUNCATED;
			pkt->ip_ver = 4;
			pkt->ip_len = tot;
			if (lq_rd_ip4(b, l3 + 12, &pkt->src.ip) || lq_rd_ip4(b, l3 + 16, &pkt->dst.ip))
				return LQ_L3_TRUNCATED;
		}
		if (frag & 0x1fff)
			return LQ_L3_FRAGMENT; /* not the first fragment: no UDP header */
		if (nh != LQ_IPPROTO_UDP)
			return LQ_L3_NOT_UDP;
		if (tot < ihl)
			return LQ_L3_TRUNCATED;
		off = l3 + ihl;
		ip_end = l3 + tot; /* Ethernet pads short frames: IP says where it ends */
	} else if (proto == LQ_ETH_P_IPV6) {
		lq_u8 vtc;
		lq_u16 plen;
		int i;

		const lq_u8 *h = lq_span(b, l3, 40);

		if (h) { /* the whole fixed header: read at once */
			vtc = h[0];
			if ((vtc >> 4) != 6)
				return LQ_L3_NOT_IP;
			plen = lq_get_be16(h + 4);
			nh = h[6];
			lq_ip6_at(&pkt->src.ip, h + 8);
			lq_ip6_at(&pkt->dst.ip, h + 24);
		} else { /* cut short: what can be read, field by field */
			if (lq_rd8(b, l3, &vtc))
				return LQ_L3_TRUNCATED;
			if ((vtc >> 4) != 6)
				return LQ_L3_NOT_IP;
			if (lq_rd16(b, l3 + 4, &plen) || lq_rd8(b, l3 + 6, &nh) ||
			    lq_rd_ip6(b, l3 + 8, &pkt->src.ip) || lq_rd_ip6(b, l3 + 24, &pkt->dst.ip))
				return LQ_L3_TRUNCATED;
		}
		pkt->ip_ver = 6;
		pkt->ip_len = (lq_u16)(plen + 40);
		off = l3 + 40;
		LQ_UNROLL
		for (i = 0; i < LQ_MAX_EXTHDR; i++) {
			lq_u8 next, hl;
			lq_u16 fo;

			if (nh == LQ_IPPROTO_UDP)
				break;
			/* each round from one verifier state */
			pkt->hold[0] = off;
			pkt->hold[1] = nh;
			off = lq_reload_u32(&pkt->hold[0]);
			nh = (lq_u8)lq_reload_u32(&pkt->hold[1]);
			if (nh == 0 || nh == 43 || nh == 60) { /* hop-by-hop, routing, dest opts */
				if (lq_rd8(b, off, &next) || lq_rd8(b, off + 1, &hl))
					return LQ_L3_TRUNCATED;
				nh = next;
				off += ((lq_u32)hl + 1) * 8;
			} else if (nh == 44) { /* fragment header, RFC 8200 §4.5 */
				if (lq_rd8(b, off, &next) || lq_rd16(b, off + 2, &fo))
					return LQ_L3_TRUNCATED;
				if (fo & 0xfff8)
					return LQ_L3_FRAGMENT;
				nh = next;
				off += 8;
			} else if (nh == 51) { /* AH: length in 4-byte units minus 2 */
				if (lq_rd8(b, off, &next) || lq_rd8(b, off + 1, &hl))
					return LQ_L3_TRUNCATED;
				nh = next;
				off += ((lq_u32)hl + 2) * 4;
			} else {
				return LQ_L3_NOT_UDP;
			}
		}
		if (nh != LQ_IPPROTO_UDP)
			return LQ_L3_NOT_UDP;
		ip_end = plen ? l3 + 40 + plen : b->len; /* 0: jumbogram */
	} else {
		return LQ_L3_NOT_IP;
	}

	/* UDP header (RFC 768) */
	{
		const lq_u8 *h = lq_span(b, off, 8);

		if (!h)
			return LQ_L3_TRUNCATED;
		pkt->src.port = lq_get_be16(h);
		pkt->dst.port = lq_get_be16(h + 2);
		ulen16 = lq_get_be16(h + 4);
	}
	if (ulen16 < 8)
		ulen16 = 8; /* a bogus length: treat as empty */
	pkt->ulen = (lq_u32)ulen16 - 8;
	b->qoff = off + 8;
	cap = b->len - b->qoff;
	if (ip_end >= b->qoff && ip_end - b->qoff < cap)
		cap = ip_end - b->qoff;
	else if (ip_end < b->qoff)
		cap = 0;
	if (pkt->ulen < cap)
		cap = pkt->ulen;
	b->cap = cap;
	return LQ_L3_UDP;
}

/* ---- QUIC payload readers ------------------------------------------------- */

/* Reads at a payload offset; fails past b->cap. */
LQ_INLINE int lq_q8(const struct lq_buf *b, lq_u32 off, lq_u8 *v)
{
	if (off + 1 > b->cap)
		return -1;
	return lq_rd8(b, b->qoff + off, v);
}

LQ_INLINE int lq_q32(const struct lq_buf *b, lq_u32 off, lq_u32 *v)
{
	if (off + 4 > b->cap)
		return -1;
	return lq_rd32(b, b->qoff + off, v);
}

/* QUIC variable-length integer (RFC 9000 §16). Returns its size or -1.
 * One straight read per size: no loop whose length depends on the data. */
LQ_INLINE int lq_q_varint(const struct lq_buf *b, lq_u32 off, lq_u64 *v)
{
	lq_u8 b0;
	lq_u32 w;

	if (lq_q8(b, off, &b0))
		return -1;
	switch (b0 >> 6) {
	case 0:
		*v = b0;
		return 1;
	case 1: {
		lq_u8 c;

		if (lq_q8(b, off + 1, &c))
			return -1;
		*v = ((lq_u64)(b0 & 0x3f) << 8) | c;
		return 2;
	}
	case 2:
		if (lq_q32(b, off, &w))
			return -1;
		*v = w & 0x3fffffff;
		return 4;
	default: {
		lq_u32 lo;

		if (lq_q32(b, off, &w) || lq_q32(b, off + 4, &lo))
			return -1;
		*v = ((lq_u64)(w & 0x3fffffff) << 32) | lo;
		return 8;
	}
	}
}

/* Copies a CID of len <= LQ_CID_MAX bytes at payload offset off, zero-padded.
 * Usually the packet goes on for 24 bytes past the ID's start (a QUIC packet
 * ends with a 16-byte AEAD tag), so three words are copied and the bytes
 * past len masked off without a branch; otherwise lq_load_bytes() copies
 * exactly len bytes. Either way the verifier sees no loop that depends on
 * len. */
LQ_INLINE int lq_q_cid(const struct lq_buf *b, lq_u32 off, lq_u8 len, struct lq_cid *cid)
{
	const lq_u8 *p;
	lq_u32 at = b->qoff + off;

	lq_zero(cid, sizeof(*cid));
	if (len > LQ_CID_MAX || at > LQ_MAX_OFF || off + len > b->cap || at + len > b->len)
		return -1;
	cid->len = len;
	if (len == 0)
		return 0;
	lq_barrier_var(at);
	p = b->data + (at & LQ_MAX_OFF);
	if (b->trusted || p + 24 <= b->end) {
		lq_load_masked24(cid->w, p, len);
		cid->len = len; /* the mask cleared it */
		return 0;
	}
	if (p + 1 > b->end)
		return -1;
	/* len <= LQ_CID_MAX was checked above; the clamp says so to compilers */
	return lq_load_bytes(cid->id, p, len < LQ_CID_MAX ? len : LQ_CID_MAX);
}

LQ_INLINE int lq_cid_eq(const struct lq_cid *a, const struct lq_cid *b)
{
	/* both zero-padded: the length and every byte, no data-dependent exit */
	return ((a->w[0] ^ b->w[0]) | (a->w[1] ^ b->w[1]) | (a->w[2] ^ b->w[2])) == 0;
}

/* ---- QUIC headers --------------------------------------------------------- */

enum lq_form {
	LQ_FORM_NONE = 0,  /* empty datagram */
	LQ_FORM_LONG = 1,
	LQ_FORM_SHORT = 2,
	LQ_FORM_GQUIC = 3, /* legacy Google QUIC public header */
};

enum lq_vclass {
	LQ_VC_UNKNOWN = 0,
	LQ_VC_VN = 1,	     /* 0x00000000: Version Negotiation */
	LQ_VC_V1 = 2,	     /* RFC 9000 */
	LQ_VC_V2 = 3,	     /* RFC 9369 */
	LQ_VC_V2_DRAFT = 4,  /* 0x709a50c4, 0xff020000 */
	LQ_VC_DRAFT = 5,     /* 0xff0000xx IETF drafts */
	LQ_VC_MVFST = 6,     /* 0xfaceb00x Facebook */
	LQ_VC_GQUIC = 7,     /* Q0xx/T0xx with IETF-invariant long headers (Q046 on) */
	LQ_VC_RESERVED = 8,  /* 0x?a?a?a?a: forces version negotiation (RFC 9000 §15) */
	LQ_VC_GQUIC_OLD = 9, /* Q0xx up to Q043: public header */
	LQ_VC__COUNT = 10,
};

/* Header formats of the known versions. */
#define LQ_VF_V2TYPES 0x01 /* long packet types as RFC 9369 §3.2 */
#define LQ_VF_NIBBLE 0x02  /* CID lengths as two nibbles, +3 (drafts <= 21, Q046) */
#define LQ_VF_NOLEN 0x04   /* no Length field: nothing coalesced (Q046) */
#define LQ_VF_NOTOKEN 0x08 /* Initial carries no token (drafts < 13, Q046) */

LQ_INLINE int lq_is_digit(lq_u8 c)
{
	return c >= '0' && c <= '9';
}

/* Classifies a version number; *fmt gets LQ_VF_* flags. */
LQ_INLINE lq_u8 lq_version_class(lq_u32 v, lq_u8 *fmt)
{
	lq_u8 c0 = (lq_u8)(v >> 24), c1 = (lq_u8)(v >> 16), c2 = (lq_u8)(v >> 8), c3 = (lq_u8)v;

	*fmt = 0;
	if (v == 0)
		return LQ_VC_VN;
	if (v == 0x00000001)
		return LQ_VC_V1;
	if (v == 0x6b3343cf) {
		*fmt = LQ_VF_V2TYPES;
		return LQ_VC_V2;
	}
	if (v == 0x709a50c4) { /* draft-ietf-quic-v2-01 onwards */
		*fmt = LQ_VF_V2TYPES;
		return LQ_VC_V2_DRAFT;
	}
	if (v == 0xff020000) /* draft-ietf-quic-v2-00 still used the v1 types */
		return LQ_VC_V2_DRAFT;
	if ((v & 0xffffff00) == 0xff000000 && c3 >= 1 && c3 <= 34) {
		if (c3 <= 21)
			*fmt = LQ_VF_NIBBLE;
		if (c3 < 13)
			*fmt |= LQ_VF_NOTOKEN;
		return LQ_VC_DRAFT;
	}
	if ((v & 0xfffffff0) == 0xfaceb000)
		return LQ_VC_MVFST;
	if ((c0 == 'Q' || c0 == 'T') && c1 == '0' && lq_is_digit(c2) && lq_is_digit(c3)) {
		lq_u32 n = (lq_u32)(c2 - '0') * 10 + (lq_u32)(c3 - '0');

		if (c0 == 'Q' && n <= 43)
			return LQ_VC_GQUIC_OLD;
		if (n <= 46)
			*fmt = LQ_VF_NIBBLE | LQ_VF_NOLEN | LQ_VF_NOTOKEN;
		return LQ_VC_GQUIC;
	}
	if ((v & 0x0f0f0f0f) == 0x0a0a0a0a)
		return LQ_VC_RESERVED;
	return LQ_VC_UNKNOWN;
}

LQ_INLINE lq_u8 lq_long_type(lq_u8 b0, lq_u8 fmt)
{
	lq_u8 t = (b0 >> 4) & 3;

	if (fmt & LQ_VF_V2TYPES) /* RFC 9369 §3.2: Initial 01, 0-RTT 10, Handshake 11, Retry 00 */
		t = (lq_u8)((t + 3) & 3);
	if (t == 0)
		return LQ_PT_INITIAL;
	if (t == 1)
		return LQ_PT_0RTT;
	if (t == 2)
		return LQ_PT_HANDSHAKE;
	return LQ_PT_RETRY;
}

/* A read at need-1 failed: past the sender's datagram is malformed, past
 * the captured bytes only is cut. */
LQ_INLINE lq_s32 lq_short_read(struct lq_pkt *pkt, lq_u32 need)
{
	if (need > pkt->ulen)
		pkt->reason = LQ_R_LENGTH_OVERRUN;
	else
		pkt->flags |= LQ_RF_CUT;
	return -1;
}

/* Reads the CID lengths and CIDs of a long header from o (just after the
 * version). copy: keep the IDs in pkt. Returns the offset after the SCID or
 * -1. */
LQ_INLINE lq_s32 lq_long_cids(const struct lq_buf *b, struct lq_pkt *pkt, lq_u32 o, lq_u8 fmt,
			      int copy)
{
	lq_u8 dcil, scil, lens;

	if (fmt & LQ_VF_NIBBLE) {
		if (lq_q8(b, o, &lens))
			return lq_short_read(pkt, o + 1);
		dcil = lens >> 4;
		scil = lens & 0x0f;
		dcil = (lq_u8)(dcil + (dcil ? 3 : 0));
		scil = (lq_u8)(scil + (scil ? 3 : 0));
		o += 1;
	} else {
		if (lq_q8(b, o, &dcil))
			return lq_short_read(pkt, o + 1);
		o += 1;
		if (dcil > LQ_CID_MAX) {
			pkt->reason = LQ_R_CID_TOO_LONG;
			return -1;
		}
		if (lq_q8(b, o + dcil, &scil))
			return lq_short_read(pkt, o + dcil + 1);
		if (scil > LQ_CID_MAX) {
			pkt->reason = LQ_R_CID_TOO_LONG;
			return -1;
		}
	}
	if (copy && lq_q_cid(b, o, dcil, &pkt->dcid))
		return lq_short_read(pkt, o + dcil);
	o += dcil;
	if (!(fmt & LQ_VF_NIBBLE))
		o += 1;
	if (copy && lq_q_cid(b, o, scil, &pkt->scid))
		return lq_short_read(pkt, o + scil);
	return (lq_s32)(o + scil);
}

/* After the CIDs of a packet of type t: token (Initial) and Length.
 * Returns the offset of the next packet, pkt->ulen when this one fills the
 * datagram, or -1. */
LQ_INLINE lq_s32 lq_long_rest(const struct lq_buf *b, struct lq_pkt *pkt, lq_u32 o, lq_u8 fmt,
			      lq_u8 t, int first)
{
	lq_u64 len;
	int n;

	if (t == LQ_PT_RETRY || (fmt & LQ_VF_NOLEN))
		return (lq_s32)pkt->ulen; /* Retry and Q046 packets fill the datagram */
	if (t == LQ_PT_INITIAL && !(fmt & LQ_VF_NOTOKEN)) {
		n = lq_q_varint(b, o, &len);
		if (n < 0)
			return lq_short_read(pkt, o + 1);
		if (len > LQ_MAX_TOKEN || o + (lq_u32)n + (lq_u32)len > pkt->ulen) {
			pkt->reason = LQ_R_LENGTH_OVERRUN;
			return -1;
		}
		if (first)
			pkt->token_len = (lq_u32)len;
		o = lq_hold(&pkt->hold[0], o + (lq_u32)n + (lq_u32)len);
	}
	n = lq_q_varint(b, o, &len);
	if (n < 0)
		return lq_short_read(pkt, o + 1);
	if (len > pkt->ulen)
		len = pkt->ulen + 1;
	o = lq_hold(&pkt->hold[0], o + (lq_u32)n);
	len = lq_hold(&pkt->hold[1], (lq_u32)len);
	/* RFC 9000 §17.2: Length covers the packet number and the payload */
	if (len > pkt->ulen || o + (lq_u32)len > pkt->ulen) {
		pkt->reason = LQ_R_LENGTH_OVERRUN;
		return -1;
	}
	return (lq_s32)(o + (lq_u32)len);
}

/* The first long header of a datagram: version, type and CIDs are kept.
 * Returns as lq_long_rest(). */
LQ_INLINE lq_s32 lq_parse_long_first(const struct lq_buf *b, struct lq_pkt *pkt)
{
	lq_u8 fmt, vc, t;
	lq_u32 version;
	lq_s32 o;

	if (lq_q32(b, 1, &version))
		return lq_short_read(pkt, 5);
	pkt->version = version;
	pkt->vclass = lq_version_class(version, &pkt->vfmt);
	vc = lq_reload8(&pkt->vclass);
	fmt = lq_reload8(&pkt->vfmt);
	if (vc == LQ_VC_UNKNOWN || vc == LQ_VC_RESERVED || vc == LQ_VC_GQUIC_OLD) {
		/* RFC 8999 §5.1: CIDs of up to 255 bytes; nothing else is known */
		o = lq_long_cids(b, pkt, 5, 0, 1);
		if (o < 0 && pkt->reason == LQ_R_CID_TOO_LONG)
			pkt->reason = 0; /* legal for a version we don't know */
		return (lq_s32)pkt->ulen;
	}
	o = lq_long_cids(b, pkt, 5, fmt, 1);
	if (o < 0)
		return -1;
	o = (lq_s32)lq_hold(&pkt->hold[0], (lq_u32)o);
	if (vc == LQ_VC_VN) {
		pkt->type = LQ_PT_VN;
		pkt->types |= 1 << LQ_PT_VN;
		pkt->npackets = 1;
		return (lq_s32)pkt->ulen; /* the list of versions fills the rest */
	}
	t = lq_long_type(pkt->b0, fmt);
	pkt->type = t;
	pkt->types |= (lq_u8)(1 << t);
	pkt->npackets = 1;
	return lq_long_rest(b, pkt, (lq_u32)o, fmt, lq_reload8(&pkt->type), 1);
}

/* A long header coalesced after the first (RFC 9000 §12.2): only its type
 * and length matter. A different version ends the walk. */
LQ_INLINE lq_s32 lq_skip_long(const struct lq_buf *b, struct lq_pkt *pkt, lq_u32 off)
{
	lq_u8 b0, fmt = lq_reload8(&pkt->vfmt), t;
	lq_u32 version;
	lq_s32 o;

	if (lq_q8(b, off, &b0) || lq_q32(b, off + 1, &version))
		return lq_short_read(pkt, off + 5);
	if (version != pkt->version)
		return (lq_s32)pkt->ulen;
	o = lq_long_cids(b, pkt, off + 5, fmt, 0);
	if (o < 0)
		return -1;
	o = (lq_s32)lq_hold(&pkt->hold[0], (lq_u32)o);
	t = lq_long_type(b0, fmt);
	pkt->types |= (lq_u8)(1 << t);
	pkt->npackets++;
	return lq_long_rest(b, pkt, (lq_u32)o, fmt, t, 0);
}

/* Legacy Google QUIC (<= Q043) public header: flags, an 8-byte connection ID
 * when flag 0x08 is set, then the version when flag 0x01 is set (client
 * packets before the version is agreed). */
LQ_INLINE int lq_parse_gquic_old(const struct lq_buf *b, struct lq_pkt *pkt)
{
	lq_u8 b0 = pkt->b0, fmt;
	lq_u32 v;

	if ((b0 & 0xc0) != 0 || (b0 & 0x09) != 0x09)
		return -1;
	if (lq_q32(b, 9, &v))
		return -1;
	if (lq_version_class(v, &fmt) != LQ_VC_GQUIC_OLD)
		return -1;
	if (lq_q_cid(b, 1, 8, &pkt->dcid))
		return -1;
	pkt->version = v;
	pkt->vclass = LQ_VC_GQUIC_OLD;
	return 0;
}

/* Copies the window after the short header's first byte at payload offset
 * off into pkt->sh. */
LQ_INLINE void lq_short_window(const struct lq_buf *b, struct lq_pkt *pkt, lq_u32 off)
{
	const lq_u8 *p;
	lq_u32 at = b->qoff + off, avail, room;

	room = off < pkt->ulen ? pkt->ulen - off : 0;
	pkt->sh_room = (lq_u8)(room > 255 ? 255 : room);
	avail = off < b->cap ? b->cap - off : 0;
	if (at + avail > b->len)
		avail = at < b->len ? b->len - at : 0;
	if (avail > LQ_CID_MAX)
		avail = LQ_CID_MAX;
	pkt->sh_len = 0;
	if (!avail || at > LQ_MAX_OFF)
		return;
	lq_barrier_var(at);
	p = b->data + (at & LQ_MAX_OFF);
	if (b->trusted || p + 24 <= b->end) {
		lq_load_masked24(pkt->shw, p, (lq_s32)avail);
	} else {
		/* 64-bit and behind a barrier: the bound is checked on the very
		 * register the helper gets (clang otherwise checks a copy) */
		lq_u64 n = avail;

		lq_barrier_var(n);
		if (n > LQ_CID_MAX || p + 1 > b->end || lq_load_bytes(pkt->sh, p, n))
			return;
	}
	pkt->sh_len = (lq_u8)avail;
}

/* What a datagram says about QUIC without any state: the form; for long
 * headers the version, type and CIDs of the first packet, then the packets
 * coalesced after it (RFC 9000 §12.2). A short header's DCID needs the
 * connection's CID length, which only the tracker knows. */
LQ_INLINE void lq_parse_quic(const struct lq_buf *b, struct lq_pkt *pkt)
{
	lq_s32 next;
	lq_u32 off = 0;
	lq_u8 first;
	int i;

	if (pkt->ulen >= 1200)
		pkt->flags |= LQ_RF_PROBE_SIZE;
	if (pkt->ulen == 0 || lq_q8(b, 0, &pkt->b0)) {
		pkt->form = LQ_FORM_NONE;
		if (pkt->ulen)
			pkt->flags |= LQ_RF_CUT;
		return;
	}
	if (!(pkt->b0 & 0x80)) {
		pkt->form = LQ_FORM_SHORT;
		pkt->type = LQ_PT_1RTT;
		pkt->types = 1 << LQ_PT_1RTT;
		pkt->npackets = 1;
		pkt->has_short = 1;
		if (lq_parse_gquic_old(b, pkt) == 0) {
			pkt->form = LQ_FORM_GQUIC;
			pkt->type = LQ_PT_GQUIC;
			pkt->types = 1 << LQ_PT_GQUIC;
			pkt->has_short = 0;
		}
		lq_short_window(b, pkt, 1);
		return;
	}
	pkt->form = LQ_FORM_LONG;
	pkt->walk = lq_parse_long_first(b, pkt);
	for (i = 1; i < LQ_MAX_COALESCED; i++) {
		/* through memory: each round starts from one verifier state */
		next = lq_reload_s32(&pkt->walk);
		if (next < 0 || (lq_u32)next >= pkt->ulen)
			break;
		off = (lq_u32)next;
		if (lq_q8(b, off, &first)) {
			pkt->flags |= LQ_RF_CUT;
			break;
		}
		if (!(first & 0x80)) {
			/* a 1-RTT packet ends the datagram; anything else is padding */
			if (first & 0x40) {
				pkt->has_short = 1;
				pkt->short_off = off;
				pkt->types |= 1 << LQ_PT_1RTT;
				pkt->npackets++;
			}
			break;
		}
		pkt->walk = lq_skip_long(b, pkt, off);
	}
	if (pkt->has_short)
		lq_short_window(b, pkt, pkt->short_off + 1);
	if (pkt->npackets > 1)
		pkt->flags |= LQ_RF_COALESCED;
}

#endif /* LQ_PACKET_H */
