// SPDX-License-Identifier: BSD-2-Clause
/*
 * bench_meta - what lqmeta costs per connection (prints figures; not a test).
 *
 * Builds N connections, each with its own random DCID: the ClientHello of
 * RFC 9001 A.2 grown with a padding extension to the size asked (1 Initial
 * for ~250 bytes, 2 for a post-quantum ~1.8 KB one, 3 for ~2.5 KB), the
 * ServerHello of A.3 in the server's first Initial, and the client's next
 * datagram; seals them with each DCID's keys (lq_initial_seal), then times
 * init + feed of every datagram + finish + free, per connection, CPU time,
 * best of the rounds. Also times the key derivation alone, against HKDF
 * through OpenSSL 3's EVP_KDF (what "derive per call" would cost).
 *
 * Usage: bench_meta [CONNECTIONS [ROUNDS]]   (default 2000 5)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>

#include "meta.h"

/* RFC 9001 A.2's ClientHello (the CRYPTO frame's data) and A.3's ServerHello */
static const char CH_HEX[] =
	"010000ed0303ebf8fa56f12939b9584a3896472ec40bb863cfd3e86804fe3a47f06a2b69484c000004130113"
	"02010000c000000010000e00000b6578616d706c652e636f6dff01000100000a00080006001d001700180010"
	"0007000504616c706e000500050100000000003300260024001d00209370b2c9caa47fbabaf4559fedba753d"
	"e171fa71f50f1ce15d43e994ec74d748002b0003020304000d0010000e040305030603020308040805080600"
	"2d00020101001c00024001003900320408ffffffffffffffff05048000ffff07048000ffff08011001048000"
	"75300901100f088394c8f03e51570806048000ffff";
static const char SH_HEX[] =
	"020000560303eefce7f7b37ba1d1632e96677825ddf73988cfc79825df566dc5430b9a045a1200130100002e"
	"00330024001d00209d3c940d89690b84d08a60993c144eca684d1081287c834d5311bcf32bb9da1a002b0002"
	"0304";

static size_t unhex(const char *h, uint8_t *out)
{
	size_t n = strlen(h) / 2;

	for (size_t i = 0; i < n; i++) {
		unsigned v;
		sscanf(h + 2 * i, "%2x", &v);
		out[i] = (uint8_t)v;
	}
	return n;
}

static uint64_t cpu_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
	return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

struct dgram {
	uint8_t dir;
	uint16_t len;
	uint8_t *b;
};

struct conn {
	int n;
	struct dgram d[5];
};

/* The RFC's ClientHello with a padding extension (RFC 7685) making it size bytes. */
static size_t grow_hello(uint8_t *out, size_t size)
{
	size_t n = unhex(CH_HEX, out), pad, ext_total;

	if (size < n + 4)
		return n;
	pad = size - n - 4;
	out[n++] = 0x00, out[n++] = 0x15;
	out[n++] = (uint8_t)(pad >> 8), out[n++] = (uint8_t)pad;
	memset(out + n, 0, pad);
	n += pad;
	out[1] = (uint8_t)((n - 4) >> 16), out[2] = (uint8_t)((n - 4) >> 8), out[3] = (uint8_t)(n - 4);
	/* the extensions' length is at 4 + 2 + 32 + 1 + 2 + 4 + 2 (= 47) */
	ext_total = n - 49;
	out[47] = (uint8_t)(ext_total >> 8), out[48] = (uint8_t)ext_total;
	return n;
}

static size_t initial(const struct lq_initial_keys *k, const uint8_t *dcid, size_t dcil,
		      const uint8_t *scid, uint64_t pn, const uint8_t *frames, size_t fn,
		      uint8_t *out)
{
	uint8_t hdr[64];
	size_t h = 0, len = 4 + fn + 16;

	hdr[h++] = 0xc3;
	hdr[h++] = 0, hdr[h++] = 0, hdr[h++] = 0, hdr[h++] = 1;
	hdr[h++] = (uint8_t)dcil;
	memcpy(hdr + h, dcid, dcil);
	h += dcil;
	hdr[h++] = 8;
	memcpy(hdr + h, scid, 8);
	h += 8;
	hdr[h++] = 0;
	hdr[h++] = (uint8_t)(0x40 | len >> 8);
	hdr[h++] = (uint8_t)len;
	for (int i = 3; i >= 0; i--)
		hdr[h++] = (uint8_t)(pn >> (8 * i));
	return lq_initial_seal(k, hdr, h, 4, pn, frames, fn, out);
}

/* One connection: the hello cut into Initials of at most 1150 bytes of CRYPTO,
 * each padded to a 1200-byte datagram, the last sent first (as Chrome may). */
static void build(struct conn *c, const uint8_t *hello, size_t hn, const uint8_t *sh, size_t shn)
{
	struct lq_initial_version v;
	struct lq_initial_keys ck, sk;
	uint8_t dcid[8], scid[8], frames[1400];
	size_t npk = (hn + 1149) / 1150;

	for (int i = 0; i < 8; i++)
		dcid[i] = (uint8_t)rand(), scid[i] = (uint8_t)rand();
	lq_initial_version_info(1, &v);
	lq_initial_derive(&v, dcid, 8, &ck, &sk);
	c->n = 0;
	for (size_t p = npk; p-- > 0;) {
		size_t off = p * 1150, len = hn - off > 1150 ? 1150 : hn - off, f = 0;
		frames[f++] = 0x06;
		frames[f++] = (uint8_t)(0x40 | off >> 8), frames[f++] = (uint8_t)off;
		frames[f++] = (uint8_t)(0x40 | len >> 8), frames[f++] = (uint8_t)len;
		memcpy(frames + f, hello + off, len);
		f += len;
		if (f < 1200 - 45) {
			memset(frames + f, 0, 1200 - 45 - f);
			f = 1200 - 45;
		}
		c->d[c->n].b = malloc(1300);
		c->d[c->n].len = (uint16_t)initial(&ck, dcid, 8, scid, p, frames, f, c->d[c->n].b);
		c->d[c->n++].dir = LQ_META_C2S;
	}
	{ /* the server's Initial: ACK + CRYPTO(ServerHello) */
		size_t f = 0;
		memcpy(frames, "\x02\x00\x00\x00\x00\x06\x00", 7);
		f = 7;
		frames[f++] = (uint8_t)(0x40 | shn >> 8), frames[f++] = (uint8_t)shn;
		memcpy(frames + f, sh, shn);
		f += shn;
		c->d[c->n].b = malloc(1300);
		c->d[c->n].len = (uint16_t)initial(&sk, scid, 8, scid, 0, frames, f, c->d[c->n].b);
		c->d[c->n++].dir = LQ_META_S2C;
	}
	{ /* the client's next datagram: an ACK in an Initial */
		c->d[c->n].b = malloc(1300);
		c->d[c->n].len = (uint16_t)initial(&ck, scid, 8, scid, npk,
						   (const uint8_t *)"\x02\x00\x00\x00\x00\x00\x00\x00", 8,
						   c->d[c->n].b);
		c->d[c->n++].dir = LQ_META_C2S;
	}
}

static double run(struct conn *cs, int nconn, int rounds, int *ok)
{
	uint64_t best = UINT64_MAX;

	for (int r = 0; r < rounds; r++) {
		uint64_t t0 = cpu_ns();
		*ok = 0;
		for (int k = 0; k < nconn; k++) {
			struct lq_meta m;
			lq_meta_init(&m, NULL);
			for (int d = 0; d < cs[k].n && !lq_meta_done(&m); d++)
				lq_meta_feed(&m, cs[k].d[d].dir, (uint64_t)d * 1000, cs[k].d[d].b,
					     cs[k].d[d].len, cs[k].d[d].len);
			lq_meta_finish(&m);
			*ok += lq_meta_info(&m)->client_reason == LQ_MR_OK &&
			       lq_meta_info(&m)->server_reason == LQ_MR_OK;
			lq_meta_free(&m);
		}
		uint64_t t = cpu_ns() - t0;
		if (t < best)
			best = t;
	}
	return (double)best / nconn;
}

/* HKDF-Extract + 8 Expand-Labels through EVP_KDF, fetching each time. */
static void evp_derive(const uint8_t *salt, const uint8_t *dcid, uint8_t out[32])
{
	static const char *labels[] = {"client in", "server in", "quic key", "quic iv",
				       "quic hp", "quic key", "quic iv", "quic hp"};
	uint8_t prk[32], info[64];

	for (int step = 0; step < 9; step++) {
		EVP_KDF *kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
		EVP_KDF_CTX *ctx = EVP_KDF_CTX_new(kdf);
		OSSL_PARAM p[6], *q = p;
		int mode = step ? EVP_KDF_HKDF_MODE_EXPAND_ONLY : EVP_KDF_HKDF_MODE_EXTRACT_ONLY;
		size_t il = 0;

		*q++ = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, "SHA256", 0);
		*q++ = OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode);
		if (step == 0) {
			*q++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, (void *)salt, 20);
			*q++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)dcid, 8);
		} else {
			const char *l = labels[step - 1];
			info[il++] = 0, info[il++] = 32, info[il++] = (uint8_t)(6 + strlen(l));
			memcpy(info + il, "tls13 ", 6), il += 6;
			memcpy(info + il, l, strlen(l)), il += strlen(l);
			info[il++] = 0;
			*q++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, prk, 32);
			*q++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, info, il);
		}
		*q = OSSL_PARAM_construct_end();
		EVP_KDF_derive(ctx, step ? out : prk, 32, p);
		EVP_KDF_CTX_free(ctx);
		EVP_KDF_free(kdf);
	}
}

int main(int argc, char **argv)
{
	int nconn = argc > 1 ? atoi(argv[1]) : 2000, rounds = argc > 2 ? atoi(argv[2]) : 5;
	static const size_t sizes[] = {0, 1800, 2500};
	static const char *names[] = {"ClientHello 241 B, 1 Initial", "ClientHello 1800 B, 2 Initials",
				      "ClientHello 2500 B, 3 Initials"};
	uint8_t hello[4096], sh[256], dcid[8] = {1, 2, 3, 4, 5, 6, 7, 8}, out[32];
	size_t shn = unhex(SH_HEX, sh);
	struct conn *cs;

	if (nconn < 1 || nconn > 1000000 || rounds < 1 || rounds > 1000) {
		fprintf(stderr, "usage: bench_meta [CONNECTIONS (1-1000000) [ROUNDS (1-1000)]]\n");
		return 2;
	}
	cs = calloc((size_t)nconn, sizeof(*cs));
	if (!cs)
		return 1;
	srand(11);
	printf("bench_meta: %d connections, best of %d rounds, CPU time\n", nconn, rounds);
	printf("%-34s %12s %8s\n", "CONNECTION", "ns/conn", "parsed");
	for (int s = 0; s < 3; s++) {
		size_t hn = grow_hello(hello, sizes[s]);
		int ok = 0;
		for (int k = 0; k < nconn; k++)
			build(&cs[k], hello, hn, sh, shn);
		double ns = run(cs, nconn, rounds, &ok);
		printf("%-34s %12.0f %7d/%d\n", names[s], ns, ok, nconn);
		for (int k = 0; k < nconn; k++)
			for (int d = 0; d < cs[k].n; d++)
				free(cs[k].d[d].b);
	}
	{
		struct lq_initial_version v;
		struct lq_initial_keys c, s;
		uint64_t t0, t1;
		int reps = 20000;

		lq_initial_version_info(1, &v);
		t0 = cpu_ns();
		for (int r = 0; r < reps; r++) {
			dcid[0] = (uint8_t)r;
			lq_initial_derive(&v, dcid, 8, &c, &s);
		}
		t1 = cpu_ns();
		printf("%-34s %12.0f\n", "keys, both directions (lqmeta)", (double)(t1 - t0) / reps);
		t0 = cpu_ns();
		for (int r = 0; r < reps / 10; r++) {
			dcid[0] = (uint8_t)r;
			evp_derive(v.salt, dcid, out);
		}
		t1 = cpu_ns();
		printf("%-34s %12.0f\n", "keys via EVP_KDF, fetch per call", (double)(t1 - t0) / (reps / 10));
	}
	free(cs);
	lq_meta_thread_cleanup();
	return 0;
}
