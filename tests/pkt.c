// SPDX-License-Identifier: BSD-2-Clause
#include "pkt.h"

#include <arpa/inet.h>
#include <string.h>

struct pkt_cid pkt_cid(uint8_t len, uint32_t seed)
{
	struct pkt_cid c;
	uint32_t x = seed * 2654435761u + 0x9e3779b9u;
	uint8_t i;

	memset(&c, 0, sizeof(c));
	c.len = len;
	for (i = 0; i < len && i < sizeof(c.id); i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		c.id[i] = (uint8_t)(x >> 24);
	}
	return c;
}

static size_t put_varint(uint8_t *out, uint64_t v)
{
	if (v < 64) {
		out[0] = (uint8_t)v;
		return 1;
	}
	if (v < 16384) {
		out[0] = (uint8_t)(0x40 | (v >> 8));
		out[1] = (uint8_t)v;
		return 2;
	}
	out[0] = (uint8_t)(0x80 | (v >> 24));
	out[1] = (uint8_t)(v >> 16);
	out[2] = (uint8_t)(v >> 8);
	out[3] = (uint8_t)v;
	return 4;
}

static size_t put_be32(uint8_t *out, uint32_t v)
{
	out[0] = (uint8_t)(v >> 24);
	out[1] = (uint8_t)(v >> 16);
	out[2] = (uint8_t)(v >> 8);
	out[3] = (uint8_t)v;
	return 4;
}

static size_t put_cid(uint8_t *out, const struct pkt_cid *c)
{
	out[0] = c->len;
	memcpy(out + 1, c->id, c->len);
	return 1 + (size_t)c->len;
}

static void fill(uint8_t *p, size_t n, uint8_t seed)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (uint8_t)(seed + i * 7);
}

size_t quic_long(uint8_t *out, uint8_t type_bits, uint32_t version, const struct pkt_cid *dcid,
		 const struct pkt_cid *scid, size_t token_len, size_t length, int fixed)
{
	size_t o = 0;

	out[o++] = (uint8_t)(0x80 | (fixed ? 0x40 : 0) | ((type_bits & 3) << 4) | 0x01);
	o += put_be32(out + o, version);
	o += put_cid(out + o, dcid);
	o += put_cid(out + o, scid);
	/* Initial (v1 type 0, v2 type 1) carries a token; the caller says so by
	 * passing token_len != (size_t)-1 */
	if (token_len != (size_t)-1) {
		o += put_varint(out + o, token_len);
		fill(out + o, token_len, 0x11);
		o += token_len;
	}
	o += put_varint(out + o, length);
	fill(out + o, length, 0x5a);
	return o + length;
}

size_t quic_short(uint8_t *out, const struct pkt_cid *dcid, size_t rest, int fixed)
{
	out[0] = (uint8_t)((fixed ? 0x40 : 0) | 0x01);
	memcpy(out + 1, dcid->id, dcid->len);
	fill(out + 1 + dcid->len, rest, 0x33);
	return 1 + dcid->len + rest;
}

size_t quic_vn(uint8_t *out, const struct pkt_cid *dcid, const struct pkt_cid *scid,
	       const uint32_t *versions, size_t n)
{
	size_t o = 0, i;

	out[o++] = 0x80 | 0x2a;
	o += put_be32(out + o, 0);
	o += put_cid(out + o, dcid);
	o += put_cid(out + o, scid);
	for (i = 0; i < n; i++)
		o += put_be32(out + o, versions[i]);
	return o;
}

size_t quic_retry(uint8_t *out, uint32_t version, const struct pkt_cid *dcid,
		  const struct pkt_cid *scid, size_t token_len)
{
	size_t o = 0;
	uint8_t t = version == 0x6b3343cf ? 0 : 3; /* RFC 9369 §3.2 */

	out[o++] = (uint8_t)(0xc0 | (t << 4));
	o += put_be32(out + o, version);
	o += put_cid(out + o, dcid);
	o += put_cid(out + o, scid);
	fill(out + o, token_len + 16, 0x77); /* token, integrity tag */
	return o + token_len + 16;
}

size_t quic_pad(uint8_t *buf, size_t len, size_t n)
{
	if (len < n) {
		memset(buf + len, 0, n - len);
		len = n;
	}
	return len;
}

static uint16_t csum(const uint8_t *p, size_t n)
{
	uint32_t s = 0;
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		s += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		s += (uint32_t)(p[n - 1] << 8);
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

size_t pkt_frame(uint8_t *out, const struct pkt_ep *src, const struct pkt_ep *dst,
		 const uint8_t *payload, size_t len, const struct pkt_opts *o)
{
	static const struct pkt_opts none;
	uint8_t s6[16], d6[16];
	int v6 = strchr(src->ip, ':') != NULL;
	size_t off = 12, ip, l4, udp_total = 8 + len;
	uint8_t proto;

	if (!o)
		o = &none;
	proto = o->proto ? o->proto : 17;
	memset(out, 0, 14);
	out[0] = 0x02;
	out[6] = 0x02;
	out[11] = 1;
	if (o->vlan == 2) {
		out[off++] = 0x88, out[off++] = 0xa8, out[off++] = 0, out[off++] = 100;
		out[off++] = 0x81, out[off++] = 0x00, out[off++] = 0, out[off++] = 200;
	} else if (o->vlan == 1) {
		out[off++] = 0x81, out[off++] = 0x00, out[off++] = 0, out[off++] = 10;
	}
	out[off++] = v6 ? 0x86 : 0x08;
	out[off++] = v6 ? 0xdd : 0x00;
	ip = off;
	if (!v6) {
		size_t ihl = 20 + 4 * (size_t)o->ip_options;
		uint16_t tot = (uint16_t)(ihl + udp_total), frag;

		memset(out + ip, 0, ihl);
		out[ip] = (uint8_t)(0x40 | (ihl / 4));
		out[ip + 2] = (uint8_t)(tot >> 8);
		out[ip + 3] = (uint8_t)tot;
		out[ip + 4] = 0x12;
		frag = (uint16_t)(o->frag_off | (o->more_frags ? 0x2000 : 0));
		out[ip + 6] = (uint8_t)(frag >> 8);
		out[ip + 7] = (uint8_t)frag;
		out[ip + 8] = 64;
		out[ip + 9] = proto;
		inet_pton(AF_INET, src->ip, out + ip + 12);
		inet_pton(AF_INET, dst->ip, out + ip + 16);
		if (o->ip_options)
			memset(out + ip + 20, 1, ihl - 20); /* NOP options */
		{
			uint16_t c = csum(out + ip, ihl);

			out[ip + 10] = (uint8_t)(c >> 8);
			out[ip + 11] = (uint8_t)c;
		}
		l4 = ip + ihl;
		if (o->frag_off) { /* a later fragment: payload bytes only */
			memcpy(out + l4, payload, len);
			return l4 + len;
		}
	} else {
		size_t ext = o->ext_headers ? 16 : 0;
		uint16_t plen = (uint16_t)(ext + udp_total);

		memset(out + ip, 0, 40 + ext);
		out[ip] = 0x60;
		out[ip + 4] = (uint8_t)(plen >> 8);
		out[ip + 5] = (uint8_t)plen;
		out[ip + 6] = o->ext_headers ? 0 : proto;
		out[ip + 7] = 64;
		inet_pton(AF_INET6, src->ip, s6);
		inet_pton(AF_INET6, dst->ip, d6);
		memcpy(out + ip + 8, s6, 16);
		memcpy(out + ip + 24, d6, 16);
		if (o->ext_headers) {
			/* hop-by-hop (8 bytes, PadN) then destination options (8) */
			out[ip + 40] = 60;
			out[ip + 41] = 0;
			out[ip + 42] = 1, out[ip + 43] = 4;
			out[ip + 48] = proto;
			out[ip + 49] = 0;
			out[ip + 50] = 1, out[ip + 51] = 4;
		}
		l4 = ip + 40 + ext;
	}
	if (proto != 17) {
		memcpy(out + l4, payload, len);
		return l4 + len;
	}
	{
		uint16_t ulen = o->udp_len ? o->udp_len : (uint16_t)udp_total;

		out[l4] = (uint8_t)(src->port >> 8);
		out[l4 + 1] = (uint8_t)src->port;
		out[l4 + 2] = (uint8_t)(dst->port >> 8);
		out[l4 + 3] = (uint8_t)dst->port;
		out[l4 + 4] = (uint8_t)(ulen >> 8);
		out[l4 + 5] = (uint8_t)ulen;
		out[l4 + 6] = 0;
		out[l4 + 7] = 0; /* no checksum: fine for IPv4, ignored by us for IPv6 */
	}
	memcpy(out + l4 + 8, payload, len);
	return l4 + 8 + len;
}
