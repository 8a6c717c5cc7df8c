// SPDX-License-Identifier: BSD-2-Clause
/*
 * ja4.c - JA4 and JA4S (see ja4.h). GREASE (RFC 8701) is left out
 * everywhere, signature algorithms included, as the specification says.
 */
#define OPENSSL_SUPPRESS_DEPRECATED /* SHA256_Init: no algorithm fetch per call */
#include "ja4.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/sha.h>

const char *lq_ja4_version(uint16_t v)
{
	switch (v) {
	case 0x0304: return "13";
	case 0x0303: return "12";
	case 0x0302: return "11";
	case 0x0301: return "10";
	case 0x0300: return "s3";
	case 0x0002: return "s2";
	case 0xfeff: return "d1";
	case 0xfefd: return "d2";
	case 0xfefc: return "d3";
	}
	return "00";
}

/* Insertion sort: the lists are short (tens), and qsort allocates. */
static void sort16(uint16_t *a, size_t n)
{
	for (size_t i = 1; i < n; i++) {
		uint16_t v = a[i];
		size_t j = i;
		for (; j > 0 && a[j - 1] > v; j--)
			a[j] = a[j - 1];
		a[j] = v;
	}
}

static const char hexd[] = "0123456789abcdef";

/* Appends "xxxx" items, sep before each but the first. */
static size_t put_list(char *o, const uint16_t *a, size_t n, char first_sep)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++) {
		if (i || first_sep)
			o[k++] = i ? ',' : first_sep;
		o[k++] = hexd[a[i] >> 12];
		o[k++] = hexd[(a[i] >> 8) & 15];
		o[k++] = hexd[(a[i] >> 4) & 15];
		o[k++] = hexd[a[i] & 15];
	}
	return k;
}

/* SHA-256 of "xxxx,xxxx,..." (then "_" and a second list when b is given),
 * its first 12 hex digits; "000000000000" for an empty first list. */
static void hash12(const uint16_t *a, size_t na, const uint16_t *b, size_t nb, char out[13])
{
	char text[5 * (LQ_TLS_MAX_CIPHERS + LQ_TLS_MAX_EXTS + LQ_TLS_MAX_SIGALGS) + 2];
	uint8_t md[SHA256_DIGEST_LENGTH];
	size_t k;
	SHA256_CTX c;

	if (na == 0) {
		memcpy(out, "000000000000", 13);
		return;
	}
	k = put_list(text, a, na, 0);
	k += put_list(text + k, b, nb, '_');
	SHA256_Init(&c);
	SHA256_Update(&c, text, k);
	SHA256_Final(md, &c);
	for (int i = 0; i < 6; i++) {
		out[2 * i] = hexd[md[i] >> 4];
		out[2 * i + 1] = hexd[md[i] & 15];
	}
	out[12] = 0;
}

static int alnum(uint8_t c)
{
	return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

/* JA4.md "ALPN Extension Value": first and last character of the first
 * protocol; if either is not ASCII alphanumeric, the first and last hex
 * digits of the protocol's bytes instead; "00" when there is none. */
static void alpn2(const struct lq_client_hello *ch, char out[3])
{
	uint8_t f = ch->first_alpn_first, l = ch->first_alpn_last;

	if (!ch->has_alpn || ch->total_alpn == 0 || ch->first_alpn_len == 0) {
		memcpy(out, "00", 3);
		return;
	}
	if (alnum(f) && alnum(l)) {
		out[0] = (char)f;
		out[1] = (char)l;
	} else {
		out[0] = hexd[f >> 4];
		out[1] = hexd[l & 15];
	}
	out[2] = 0;
}

int lq_ja4(const struct lq_client_hello *ch, char out[LQ_JA4_LEN + 1])
{
	uint16_t ciphers[LQ_TLS_MAX_CIPHERS], exts[LQ_TLS_MAX_EXTS], sigs[LQ_TLS_MAX_SIGALGS];
	size_t nc = 0, ne = 0, ne_all = 0, ns = 0;
	uint16_t best = 0;
	int have_sv = 0;
	char a[3], hb[13], hc[13];

	out[0] = 0;
	if (ch->chlo || ch->total_ciphers > ch->nciphers || ch->total_exts > ch->nexts ||
	    ch->total_sigalgs > ch->nsigalgs || ch->total_versions > ch->nversions)
		return -1;
	for (unsigned i = 0; i < ch->nciphers; i++)
		if (!lq_tls_grease(ch->ciphers[i]))
			ciphers[nc++] = ch->ciphers[i];
	for (unsigned i = 0; i < ch->nexts; i++) {
		uint16_t e = ch->exts[i];
		if (lq_tls_grease(e))
			continue;
		ne_all++;
		if (e == 0x002b)
			have_sv = 1;
		if (e != 0x0000 && e != 0x0010) /* SNI and ALPN are in the first part */
			exts[ne++] = e;
	}
	for (unsigned i = 0; i < ch->nsigalgs; i++)
		if (!lq_tls_grease(ch->sigalgs[i]))
			sigs[ns++] = ch->sigalgs[i];
	/* The highest supported_versions entry, else the legacy version. */
	if (have_sv) {
		for (unsigned i = 0; i < ch->nversions; i++)
			if (!lq_tls_grease(ch->versions[i]) && ch->versions[i] > best)
				best = ch->versions[i];
	} else {
		best = ch->legacy_version;
	}
	sort16(ciphers, nc);
	sort16(exts, ne);
	alpn2(ch, a);
	hash12(ciphers, nc, NULL, 0, hb);
	hash12(exts, ne, sigs, ns, hc);
	snprintf(out, LQ_JA4_LEN + 1, "q%s%c%02u%02u%s_%s_%s", lq_ja4_version(best),
		 ch->has_sni ? 'd' : 'i', (unsigned)(nc > 99 ? 99 : nc),
		 (unsigned)(ne_all > 99 ? 99 : ne_all), a, hb, hc);
	return 0;
}

int lq_ja4s(const struct lq_server_hello *sh, char out[LQ_JA4S_LEN + 1])
{
	uint16_t v = sh->selected_version ? sh->selected_version : sh->legacy_version;
	char hc[13];

	out[0] = 0;
	if (sh->total_exts > sh->nexts)
		return -1;
	/* In QUIC the chosen ALPN is in EncryptedExtensions, out of a keyless
	 * observer's sight: the ALPN part is "00". Extensions in their order. */
	hash12(sh->exts, sh->nexts, NULL, 0, hc);
	snprintf(out, LQ_JA4S_LEN + 1, "q%s%02u00_%04x_%s", lq_ja4_version(v),
		 (unsigned)(sh->nexts > 99 ? 99 : sh->nexts), sh->cipher, hc);
	return 0;
}
