// SPDX-License-Identifier: BSD-2-Clause
/*
 * test_parser.c - the stateless parser: version table, varints, IP and UDP
 * edge cases, coalesced walking, CID copies at the end of the buffer, and a
 * bounded random-frame run through the whole classifier (meant for the
 * sanitizer build, where any read past a frame fails).
 */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../parser/lq_packet.h"
#include "classify.h"
#include "pkt.h"

static void version_table(void **state)
{
	static const struct {
		uint32_t v;
		uint8_t vc, fmt;
	} t[] = {
		{ 0x00000000, LQ_VC_VN, 0 },
		{ 0x00000001, LQ_VC_V1, 0 },
		{ 0x6b3343cf, LQ_VC_V2, LQ_VF_V2TYPES },
		{ 0x709a50c4, LQ_VC_V2_DRAFT, LQ_VF_V2TYPES },
		{ 0xff020000, LQ_VC_V2_DRAFT, 0 },
		{ 0xff00001d, LQ_VC_DRAFT, 0 },
		{ 0xff000015, LQ_VC_DRAFT, LQ_VF_NIBBLE },
		{ 0xff00000c, LQ_VC_DRAFT, LQ_VF_NIBBLE | LQ_VF_NOTOKEN },
		{ 0xff000023, LQ_VC_UNKNOWN, 0 }, /* draft 35 never existed */
		{ 0xfaceb001, LQ_VC_MVFST, 0 },
		{ 0xfaceb00e, LQ_VC_MVFST, 0 },
		{ 0x51303433, LQ_VC_GQUIC_OLD, 0 },			/* Q043 */
		{ 0x51303436, LQ_VC_GQUIC, LQ_VF_NIBBLE | LQ_VF_NOLEN | LQ_VF_NOTOKEN }, /* Q046 */
		{ 0x51303530, LQ_VC_GQUIC, 0 },				/* Q050 */
		{ 0x54303531, LQ_VC_GQUIC, 0 },				/* T051 */
		{ 0x1a2a3a4a, LQ_VC_RESERVED, 0 },
		{ 0xfafafafa, LQ_VC_RESERVED, 0 },
		{ 0x12345678, LQ_VC_UNKNOWN, 0 },
	};
	size_t i;
	uint8_t fmt;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		uint8_t vc = lq_version_class(t[i].v, &fmt);

		if (vc != t[i].vc || fmt != t[i].fmt)
			fail_msg("version 0x%08x: expected class %u fmt 0x%x, actual %u 0x%x", t[i].v,
				 t[i].vc, t[i].fmt, vc, fmt);
	}
	/* RFC 9369 §3.2: v2 renumbers the long packet types */
	assert_int_equal(lq_long_type(0xc0 | 0x10, LQ_VF_V2TYPES), LQ_PT_INITIAL);
	assert_int_equal(lq_long_type(0xc0 | 0x00, LQ_VF_V2TYPES), LQ_PT_RETRY);
	assert_int_equal(lq_long_type(0xc0 | 0x30, LQ_VF_V2TYPES), LQ_PT_HANDSHAKE);
	assert_int_equal(lq_long_type(0xc0 | 0x20, 0), LQ_PT_HANDSHAKE);
}

static struct lq_buf buf_of(const uint8_t *p, uint32_t n)
{
	struct lq_buf b = { p, p + n, n, 0, n, 0 };

	return b;
}

static void varints(void **state)
{
	/* RFC 9000 §A.1 examples */
	static const uint8_t v8[] = { 0xc2, 0x19, 0x7c, 0x5e, 0xff, 0x14, 0xe8, 0x8c };
	static const uint8_t v4[] = { 0x9d, 0x7f, 0x3e, 0x7d };
	static const uint8_t v2[] = { 0x7b, 0xbd };
	static const uint8_t v1[] = { 0x25 };
	struct lq_buf b;
	lq_u64 v;

	(void)state;
	b = buf_of(v8, 8);
	assert_int_equal(lq_q_varint(&b, 0, &v), 8);
	assert_true(v == 151288809941952652ULL);
	b = buf_of(v4, 4);
	assert_int_equal(lq_q_varint(&b, 0, &v), 4);
	assert_int_equal(v, 494878333);
	b = buf_of(v2, 2);
	assert_int_equal(lq_q_varint(&b, 0, &v), 2);
	assert_int_equal(v, 15293);
	b = buf_of(v1, 1);
	assert_int_equal(lq_q_varint(&b, 0, &v), 1);
	assert_int_equal(v, 37);
	b = buf_of(v8, 7); /* one byte short */
	assert_int_equal(lq_q_varint(&b, 0, &v), -1);
}

static int parse(const uint8_t *frame, size_t len, struct lq_pkt *pkt, struct lq_buf *b)
{
	lq_u16 proto = 0;
	int l3;

	*b = buf_of(frame, (uint32_t)len);
	b->cap = 0;
	memset(pkt, 0, sizeof(*pkt));
	l3 = lq_parse_eth(b, &proto);
	assert_true(l3 > 0);
	return lq_parse_l3(pkt, b, (lq_u32)l3, proto);
}

static void ip_edges(void **state)
{
	struct pkt_ep a = { "198.18.0.1", 1000 }, z = { "198.18.0.2", 2000 };
	struct pkt_ep a6 = { "2001:db8::1", 1000 }, z6 = { "2001:db8::2", 2000 };
	struct pkt_opts o;
	uint8_t pl[64], frame[PKT_MAX];
	struct lq_pkt pkt;
	struct lq_buf b;
	size_t n;

	(void)state;
	memset(pl, 0x40, sizeof(pl));
	memset(&o, 0, sizeof(o));
	o.ip_options = 10; /* IHL 15: a 60-byte header */
	n = pkt_frame(frame, &a, &z, pl, 20, &o);
	assert_int_equal(parse(frame, n, &pkt, &b), LQ_L3_UDP);
	assert_int_equal(b.cap, 20);
	assert_int_equal(pkt.src.port, 1000);
	/* Ethernet pads a short frame: the trailer is no payload */
	n = pkt_frame(frame, &a, &z, pl, 4, NULL);
	memset(frame + n, 0xee, 60 - n);
	assert_int_equal(parse(frame, 60, &pkt, &b), LQ_L3_UDP);
	assert_int_equal(b.cap, 4);
	/* a UDP length smaller than the IP payload wins */
	memset(&o, 0, sizeof(o));
	o.udp_len = 8 + 10;
	n = pkt_frame(frame, &a, &z, pl, 30, &o);
	assert_int_equal(parse(frame, n, &pkt, &b), LQ_L3_UDP);
	assert_int_equal(pkt.ulen, 10);
	assert_int_equal(b.cap, 10);
	/* a first fragment is parsed as far as it goes; a later one is not */
	memset(&o, 0, sizeof(o));
	o.more_frags = 1;
	n = pkt_frame(frame, &a, &z, pl, 30, &o);
	assert_int_equal(parse(frame, n, &pkt, &b), LQ_L3_UDP);
	o.frag_off = 3;
	n = pkt_frame(frame, &a, &z, pl, 30, &o);
	assert_int_equal(parse(frame, n, &pkt, &b), LQ_L3_FRAGMENT);
	/* cut inside the UDP header */
	n = pkt_frame(frame, &a, &z, pl, 30, NULL);
	assert_int_equal(parse(frame, 14 + 20 + 5, &pkt, &b), LQ_L3_TRUNCATED);
	/* IPv6 with extension headers */
	memset(&o, 0, sizeof(o));
	o.ext_headers = 1;
	n = pkt_frame(frame, &a6, &z6, pl, 25, &o);
	assert_int_equal(parse(frame, n, &pkt, &b), LQ_L3_UDP);
	assert_int_equal(b.cap, 25);
	assert_int_equal(pkt.ip_ver, 6);
	/* IPv4 addresses are kept IPv4-mapped */
	n = pkt_frame(frame, &a, &z, pl, 25, NULL);
	assert_int_equal(parse(frame, n, &pkt, &b), LQ_L3_UDP);
	assert_true(lq_ip_is_v4(&pkt.src.ip));
	assert_int_equal(pkt.src.ip.b[15], 1);
}

static void coalesced_walk(void **state)
{
	struct pkt_ep a = { "198.18.0.1", 1000 }, z = { "198.18.0.2", 443 };
	struct pkt_cid d = pkt_cid(8, 1), s = pkt_cid(8, 2);
	uint8_t pl[PKT_MAX], frame[PKT_MAX];
	struct lq_pkt pkt;
	struct lq_buf b;
	size_t n = 0, len;
	int i;

	(void)state;
	/* six Handshake packets: the walk stops at LQ_MAX_COALESCED */
	for (i = 0; i < 6; i++)
		n += quic_long(pl + n, 2, 1, &d, &s, (size_t)-1, 40, 1);
	len = pkt_frame(frame, &a, &z, pl, n, NULL);
	assert_int_equal(parse(frame, len, &pkt, &b), LQ_L3_UDP);
	lq_parse_quic(&b, &pkt);
	assert_int_equal(pkt.npackets, LQ_MAX_COALESCED);
	assert_int_equal(pkt.form, LQ_FORM_LONG);
	/* zero padding after a packet is no packet; a 1-RTT one is */
	n = quic_long(pl, 0, 1, &d, &s, 0, 100, 1);
	n = quic_pad(pl, n, 1200);
	len = pkt_frame(frame, &a, &z, pl, n, NULL);
	parse(frame, len, &pkt, &b);
	lq_parse_quic(&b, &pkt);
	assert_int_equal(pkt.npackets, 1);
	n = quic_long(pl, 2, 1, &d, &s, (size_t)-1, 100, 1);
	n += quic_short(pl + n, &d, 30, 1);
	len = pkt_frame(frame, &a, &z, pl, n, NULL);
	parse(frame, len, &pkt, &b);
	lq_parse_quic(&b, &pkt);
	assert_int_equal(pkt.npackets, 2);
	assert_int_equal(pkt.types, (1 << LQ_PT_HANDSHAKE) | (1 << LQ_PT_1RTT));
	/* the 1-RTT packet's first DCID bytes were kept for the tracker */
	assert_true(pkt.sh_len == LQ_CID_MAX || pkt.sh_len == 30 + 8);
	assert_memory_equal(pkt.sh, d.id, 8);
	/* a different version after the first packet ends the walk */
	n = quic_long(pl, 2, 1, &d, &s, (size_t)-1, 100, 1);
	n += quic_long(pl + n, 2, 0x6b3343cf, &d, &s, (size_t)-1, 100, 1);
	len = pkt_frame(frame, &a, &z, pl, n, NULL);
	parse(frame, len, &pkt, &b);
	lq_parse_quic(&b, &pkt);
	assert_int_equal(pkt.npackets, 1);
}

static void cid_at_the_very_end(void **state)
{
	uint8_t bytes[40];
	struct lq_buf b;
	struct lq_cid c;
	int i;

	(void)state;
	for (i = 0; i < 40; i++)
		bytes[i] = (uint8_t)(i + 1);
	/* 8 bytes ending exactly at the end: fewer than 20 remain, the exact
	 * copy is used; nothing past it is read (ASan would say) */
	b = buf_of(bytes, 40);
	assert_int_equal(lq_q_cid(&b, 32, 8, &c), 0);
	assert_int_equal(c.len, 8);
	assert_memory_equal(c.id, bytes + 32, 8);
	for (i = 8; i < LQ_CID_MAX; i++)
		assert_int_equal(c.id[i], 0);
	/* with room to spare, the masked 20-byte copy still zero-pads */
	assert_int_equal(lq_q_cid(&b, 2, 5, &c), 0);
	assert_memory_equal(c.id, bytes + 2, 5);
	for (i = 5; i < LQ_CID_MAX; i++)
		assert_int_equal(c.id[i], 0);
	assert_int_equal(lq_q_cid(&b, 36, 8, &c), -1); /* past the end */
	assert_int_equal(lq_q_cid(&b, 0, 21, &c), -1); /* over 20 */
}

/* Random frames through the whole classifier: bounded count, fixed seed. */
static void random_frames(void **state)
{
	struct lq_map_sizes sz;
	struct lq_maps maps;
	struct lq_config cfg;
	struct lq_result r;
	uint8_t frame[1600];
	uint32_t x = 12345, i, j, len;

	(void)state;
	lq_config_default(&cfg);
	lq_map_sizes_default(&sz);
	sz.paths = sz.cids = sz.servers = sz.clients = sz.pending = sz.guard = 256;
	assert_int_equal(lq_maps_init(&maps, &sz), 0);
	for (i = 0; i < 50000; i++) {
		x = x * 1103515245 + 12345;
		len = (x >> 8) % sizeof(frame);
		for (j = 0; j < len; j++) {
			x = x * 1103515245 + 12345;
			frame[j] = (uint8_t)(x >> 16);
		}
		if (len > 23) { /* mostly IPv4/UDP, so the QUIC code runs too */
			frame[12] = 0x08, frame[13] = 0x00, frame[14] = 0x45, frame[23] = 17;
			frame[20] &= 0x1f, frame[21] = 0;
			if (i & 1)
				frame[42] = (uint8_t)(0xc0 | (frame[42] & 0x3f));
			if (i % 3 == 0)
				frame[43] = 0, frame[44] = 0, frame[45] = 0, frame[46] = 1;
		}
		lq_classify_eth(&maps, &cfg, 1000000ULL * i, frame, len, &r);
		assert_true(r.verdict < LQ_V__COUNT);
	}
	lq_maps_free(&maps);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(version_table),     cmocka_unit_test(varints),
		cmocka_unit_test(ip_edges),	     cmocka_unit_test(coalesced_walk),
		cmocka_unit_test(cid_at_the_very_end), cmocka_unit_test(random_frames),
	};

	return cmocka_run_group_tests_name("parser", tests, NULL, NULL);
}
