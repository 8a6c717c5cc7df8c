// SPDX-License-Identifier: BSD-2-Clause
/*
 * fuzz_meta.c - libFuzzer harness for lqmeta: arbitrary datagram sequences
 * into lq_meta_feed. Random bytes never pass an AEAD tag, so half the inputs
 * are turned into frames sealed in real Initials first (the keys of RFC 9001
 * A.1), which puts the frame walk, the CRYPTO reassembly and the hello parsers
 * under the fuzzer too.
 *
 * Input: a mode byte, then records of [flags][len][len bytes] (flags bit 0:
 * the direction; len one byte, times 8 when flags bit 1 is set).
 *   mode even: each record is a datagram, fed as is;
 *   mode odd:  each record is an Initial's frames, sealed (client or server
 *              keys, packet number = record index), then fed.
 * Build: clang -fsanitize=fuzzer,address,undefined (tests/meta.cmake's fuzz_meta).
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "meta.h"

static const uint8_t dcid[8] = {0x83, 0x94, 0xc8, 0xf0, 0x3e, 0x51, 0x57, 0x08};
static const uint8_t scid[4] = {0xc0, 0xff, 0xee, 0x01};

static size_t seal(const struct lq_initial_keys *k, int server, uint64_t pn, const uint8_t *f,
		   size_t n, uint8_t *out)
{
	uint8_t hdr[64], frames[2100];
	size_t h = 0, len;

	if (n > sizeof(frames))
		n = sizeof(frames);
	memcpy(frames, f, n);
	if (n < 4) { /* the sample needs 4 bytes of ciphertext beyond the packet number */
		memset(frames + n, 0, 4 - n);
		n = 4;
	}
	len = 4 + n + 16;
	hdr[h++] = 0xc3;
	hdr[h++] = 0, hdr[h++] = 0, hdr[h++] = 0, hdr[h++] = 1;
	hdr[h++] = server ? 4 : 8;
	memcpy(hdr + h, server ? scid : dcid, server ? 4 : 8);
	h += server ? 4 : 8;
	hdr[h++] = 4;
	memcpy(hdr + h, server ? (const uint8_t *)"\x5e\x4e\x4e\x01" : scid, 4);
	h += 4;
	if (!server)
		hdr[h++] = 0; /* token */
	hdr[h++] = (uint8_t)(0x40 | len >> 8);
	hdr[h++] = (uint8_t)len;
	for (int i = 3; i >= 0; i--)
		hdr[h++] = (uint8_t)(pn >> (8 * i));
	return lq_initial_seal(k, hdr, h, 4, pn, frames, n, out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct lq_initial_keys ck, sk;
	static int keyed;
	static uint8_t out[2300];
	struct lq_meta_limits lim = {.max_hello_bytes = 4096, .max_datagrams = 64};
	struct lq_meta m;
	size_t o = 1;
	uint64_t ts = 0, pn = 0;
	int sealed;

	if (!keyed) {
		struct lq_initial_version v;
		lq_initial_version_info(1, &v);
		lq_initial_derive(&v, dcid, sizeof(dcid), &ck, &sk);
		keyed = 1;
	}
	if (size < 1)
		return 0;
	sealed = data[0] & 1;
	lq_meta_init(&m, (data[0] & 2) ? &lim : NULL);
	while (o + 2 <= size) {
		int dir = data[o] & 1;
		size_t len = data[o + 1] * ((data[o] & 2) ? 8u : 1u);

		o += 2;
		if (len > size - o)
			len = size - o;
		ts += 1000;
		if (sealed) {
			size_t n = seal(dir ? &sk : &ck, dir, pn++, data + o, len, out);
			if (n)
				lq_meta_feed(&m, dir, ts, out, n, n);
		} else {
			lq_meta_feed(&m, dir, ts, data + o, len, len);
		}
		o += len;
	}
	lq_meta_finish(&m);
	(void)lq_meta_info(&m);
	lq_meta_free(&m);
	return 0;
}
