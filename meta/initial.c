// SPDX-License-Identifier: BSD-2-Clause
/*
 * initial.c - Initial secrets, header protection and AES-128-GCM for QUIC v1,
 * v2, the v2 drafts, IETF drafts 17-34, mvfst and Google's T050/T051/Q050.
 *
 * Speed: OpenSSL 3 fetches an algorithm on every EVP_KDF or EVP_CipherInit
 * that names one (EVP_aes_128_gcm() included), and HKDF through EVP_KDF
 * costs about 20x what the eight HMACs cost here (bench_meta prints both).
 * So HMAC-SHA256 is built on SHA256_CTX, whose inner and outer pad states are
 * computed once per secret and copied for each label, and the AES contexts
 * are made once per thread from ciphers fetched once, then only re-keyed.
 */
#define OPENSSL_SUPPRESS_DEPRECATED /* SHA256_Init & co: see above, measured */
#include "initial.h"

#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/sha.h>

/* ---- versions ----------------------------------------------------------- */

/* RFC 9001 §5.2 */
static const uint8_t salt_v1[20] = {0x38, 0x76, 0x2c, 0xf7, 0xf5, 0x59, 0x34, 0xb3, 0x4d, 0x17,
				    0x9a, 0xe6, 0xa4, 0xc8, 0x0c, 0xad, 0xcc, 0xbb, 0x7f, 0x0a};
/* RFC 9369 §3.3.1 */
static const uint8_t salt_v2[20] = {0x0d, 0xed, 0xe3, 0xde, 0xf7, 0x00, 0xa6, 0xdb, 0x81, 0x93,
				    0x81, 0xbe, 0x6e, 0x26, 0x9d, 0xcb, 0xf9, 0xbd, 0x2e, 0xd9};
/* draft-ietf-quic-v2-01 to -07 (0xff020000, then 0x709a50c4); -08 took the RFC's */
static const uint8_t salt_v2draft[20] = {0xa7, 0x07, 0xc2, 0x03, 0xa5, 0x9b, 0x47, 0x18, 0x4a, 0x1d,
					 0x62, 0xca, 0x57, 0x04, 0x06, 0xea, 0x7a, 0xe3, 0xe5, 0xd3};
/* draft-ietf-quic-tls-29 to -32 */
static const uint8_t salt_d29[20] = {0xaf, 0xbf, 0xec, 0x28, 0x99, 0x93, 0xd2, 0x4c, 0x9e, 0x97,
				     0x86, 0xf1, 0x9c, 0x61, 0x11, 0xe0, 0x43, 0x90, 0xa8, 0x99};
/* draft-ietf-quic-tls-23 to -28 */
static const uint8_t salt_d23[20] = {0xc3, 0xee, 0xf7, 0x12, 0xc7, 0x2e, 0xbb, 0x5a, 0x11, 0xa7,
				     0xd2, 0x43, 0x2b, 0xb4, 0x63, 0x65, 0xbe, 0xf9, 0xf5, 0x02};
/* draft-ietf-quic-tls-21 and -22 */
static const uint8_t salt_d21[20] = {0x7f, 0xbc, 0xdb, 0x0e, 0x7c, 0x66, 0xbb, 0xe9, 0x19, 0x3a,
				     0x96, 0xcd, 0x21, 0x51, 0x9e, 0xbd, 0x7a, 0x02, 0x64, 0x4a};
/* draft-ietf-quic-tls-17 to -20 (the first drafts with header protection) */
static const uint8_t salt_d17[20] = {0xef, 0x4f, 0xb0, 0xab, 0xb4, 0x74, 0x70, 0xc4, 0x1b, 0xef,
				     0xcf, 0x80, 0x31, 0x33, 0x4f, 0xae, 0x48, 0x5e, 0x09, 0xa0};
/* Google QUIC with IETF-style Initials (as Chromium and Wireshark use them) */
static const uint8_t salt_q050[20] = {0x50, 0x45, 0x74, 0xef, 0xd0, 0x66, 0xfe, 0x2f, 0x9d, 0x94,
				      0x5c, 0xfc, 0xdb, 0xd3, 0xa7, 0xf0, 0xd3, 0xb5, 0x6b, 0x45};
static const uint8_t salt_t050[20] = {0x7f, 0xf5, 0x79, 0xe5, 0xac, 0xd0, 0x72, 0x91, 0x55, 0x80,
				      0x30, 0x4c, 0x43, 0xa2, 0x36, 0x7c, 0x60, 0x48, 0x83, 0x10};
static const uint8_t salt_t051[20] = {0x7a, 0x4e, 0xde, 0xf4, 0xe7, 0xcc, 0xee, 0x5f, 0xa4, 0x50,
				      0x6c, 0x19, 0x12, 0x4f, 0xc8, 0xcc, 0xda, 0x6e, 0x03, 0x3d};

/* Retry Integrity Tag keys and nonces (RFC 9001 §5.8, RFC 9369 §3.3.3, drafts). */
static const uint8_t rk_v1[16] = {0xbe, 0x0c, 0x69, 0x0b, 0x9f, 0x66, 0x57, 0x5a,
				  0x1d, 0x76, 0x6b, 0x54, 0xe3, 0x68, 0xc8, 0x4e};
static const uint8_t rn_v1[12] = {0x46, 0x15, 0x99, 0xd3, 0x5d, 0x63, 0x2b, 0xf2, 0x23, 0x98, 0x25, 0xbb};
static const uint8_t rk_v2[16] = {0x8f, 0xb4, 0xb0, 0x1b, 0x56, 0xac, 0x48, 0xe2,
				  0x60, 0xfb, 0xcb, 0xce, 0xad, 0x7c, 0xcc, 0x92};
static const uint8_t rn_v2[12] = {0xd8, 0x69, 0x69, 0xbc, 0x2d, 0x7c, 0x6d, 0x99, 0x90, 0xef, 0xb0, 0x4a};
static const uint8_t rk_v2draft[16] = {0xba, 0x85, 0x8d, 0xc7, 0xb4, 0x3d, 0xe5, 0xdb,
				       0xf8, 0x76, 0x17, 0xff, 0x4a, 0xb2, 0x53, 0xdb};
static const uint8_t rn_v2draft[12] = {0x14, 0x1b, 0x99, 0xc2, 0x39, 0xb0,
				       0x3e, 0x78, 0x5d, 0x6a, 0x2e, 0x9f};
static const uint8_t rk_d29[16] = {0xcc, 0xce, 0x18, 0x7e, 0xd0, 0x9a, 0x09, 0xd0,
				   0x57, 0x28, 0x15, 0x5a, 0x6c, 0xb9, 0x6b, 0xe1};
static const uint8_t rn_d29[12] = {0xe5, 0x49, 0x30, 0xf9, 0x7f, 0x21, 0x36, 0xf0, 0x53, 0x0a, 0x8c, 0x1c};
static const uint8_t rk_d25[16] = {0x4d, 0x32, 0xec, 0xdb, 0x2a, 0x21, 0x33, 0xc8,
				   0x41, 0xe4, 0x04, 0x3d, 0xf2, 0x7d, 0x44, 0x30};
static const uint8_t rn_d25[12] = {0x4d, 0x16, 0x11, 0xd0, 0x55, 0x13, 0xa5, 0x52, 0xc5, 0x87, 0xd5, 0x75};

static void draft_info(unsigned n, struct lq_initial_version *v)
{
	static const char *names[] = {
		"draft-17", "draft-18", "draft-19", "draft-20", "draft-21", "draft-22",
		"draft-23", "draft-24", "draft-25", "draft-26", "draft-27", "draft-28",
		"draft-29", "draft-30", "draft-31", "draft-32", "draft-33", "draft-34"};
	v->name = names[n - 17];
	v->nibble_cids = n <= 21;
	v->old_tp = n <= 27;
	if (n <= 20) {
		v->salt = salt_d17;
	} else if (n <= 22) {
		v->salt = salt_d21;
	} else if (n <= 28) {
		v->salt = salt_d23;
		if (n >= 25) { /* the integrity tag came with draft-25 */
			v->retry_key = rk_d25;
			v->retry_nonce = rn_d25;
		}
	} else if (n <= 32) {
		v->salt = salt_d29;
		v->retry_key = rk_d29;
		v->retry_nonce = rn_d29;
	} else {
		v->salt = salt_v1;
		v->retry_key = rk_v1;
		v->retry_nonce = rn_v1;
	}
}

int lq_initial_version_info(uint32_t version, struct lq_initial_version *v)
{
	memset(v, 0, sizeof(*v));
	v->version = version;
	v->known = 1;
	v->crypto_frame = 0x06;
	switch (version) {
	case 0x00000001:
		v->name = "v1";
		v->salt = salt_v1;
		v->retry_key = rk_v1;
		v->retry_nonce = rn_v1;
		return 1;
	case 0x6b3343cf:
		v->name = "v2";
		v->salt = salt_v2;
		v->v2types = v->v2labels = 1;
		v->retry_key = rk_v2;
		v->retry_nonce = rn_v2;
		return 1;
	case 0x709a50c4: /* draft-ietf-quic-v2-03 to -07: v2's types already */
		v->name = "v2-draft";
		v->salt = salt_v2draft;
		v->v2types = v->v2labels = 1;
		v->retry_key = rk_v2draft;
		v->retry_nonce = rn_v2draft;
		return 1;
	case 0xff020000: /* draft-ietf-quic-v2-01 and -02: v1's types */
		v->name = "v2-draft-00";
		v->salt = salt_v2draft;
		v->v2labels = 1;
		v->retry_key = rk_v2draft;
		v->retry_nonce = rn_v2draft;
		return 1;
	case 0xfaceb001: /* mvfst, draft-22 */
		v->name = "mvfst-22";
		draft_info(22, v);
		return 1;
	case 0xfaceb002: /* mvfst, draft-27 */
	case 0xfaceb00e: /* mvfst experimental, draft-27 based */
		draft_info(27, v);
		v->name = version == 0xfaceb002 ? "mvfst-27" : "mvfst-exp";
		return 1;
	case 0x51303530:
		v->name = "Q050";
		v->crypto_frame = 0x08; /* Google's CRYPTO frame (as Chromium's T05x and Q050 send it) */
		v->salt = salt_q050;
		v->gquic = 1;
		return 1;
	case 0x54303530:
		v->name = "T050";
		v->crypto_frame = 0x08; /* Google's CRYPTO frame (as Chromium's T05x and Q050 send it) */
		v->salt = salt_t050;
		v->old_tp = 1;
		return 1;
	case 0x54303531:
		v->name = "T051";
		v->crypto_frame = 0x08; /* Google's CRYPTO frame (as Chromium's T05x and Q050 send it) */
		v->salt = salt_t051;
		return 1;
	}
	if ((version >> 8) == 0xff0000 && (version & 0xff) >= 17 && (version & 0xff) <= 34) {
		draft_info(version & 0xff, v);
		return 1;
	}
	v->known = 0;
	v->name = "unknown";
	return 0;
}

int lq_initial_reserved_candidates(uint32_t version, struct lq_initial_version *out, int max)
{
	static const uint32_t tries[] = {0x00000001, 0xff00001d};
	int n = 0;

	if ((version & 0x0f0f0f0f) != 0x0a0a0a0a)
		return 0;
	for (unsigned i = 0; i < sizeof(tries) / sizeof(tries[0]) && n < max; i++) {
		lq_initial_version_info(tries[i], &out[n]);
		out[n].version = version;
		out[n].name = i ? "reserved(draft-29)" : "reserved(v1)";
		out[n].retry_key = NULL; /* answered by VN, never by Retry */
		n++;
	}
	return n;
}

enum lq_long_type lq_initial_long_type(const struct lq_initial_version *v, uint8_t b0)
{
	unsigned t = (b0 >> 4) & 3;

	if (v->v2types) /* RFC 9369 §3.2: Initial 01, 0-RTT 10, Handshake 11, Retry 00 */
		return (enum lq_long_type)((t + 3) & 3);
	return (enum lq_long_type)t;
}

/* ---- HKDF over HMAC-SHA256 (RFC 5869, RFC 8446 §7.1) --------------------- */

struct hmac_key {
	SHA256_CTX inner, outer; /* after the ipad and opad blocks */
};

static void hmac_init(struct hmac_key *h, const uint8_t *key, size_t key_len)
{
	uint8_t k[64] = {0}, pad[64];

	if (key_len > sizeof(k))
		SHA256(key, key_len, k);
	else
		memcpy(k, key, key_len);
	for (int i = 0; i < 64; i++)
		pad[i] = k[i] ^ 0x36;
	SHA256_Init(&h->inner);
	SHA256_Update(&h->inner, pad, 64);
	for (int i = 0; i < 64; i++)
		pad[i] = k[i] ^ 0x5c;
	SHA256_Init(&h->outer);
	SHA256_Update(&h->outer, pad, 64);
	OPENSSL_cleanse(k, sizeof(k));
}

static void hmac(const struct hmac_key *h, const uint8_t *m, size_t n, uint8_t out[32])
{
	SHA256_CTX c = h->inner;

	SHA256_Update(&c, m, n);
	SHA256_Final(out, &c);
	c = h->outer;
	SHA256_Update(&c, out, 32);
	SHA256_Final(out, &c);
}

void lq_hkdf_extract(const uint8_t *salt, size_t salt_len, const uint8_t *ikm, size_t ikm_len,
		     uint8_t prk[32])
{
	struct hmac_key h;

	hmac_init(&h, salt, salt_len);
	hmac(&h, ikm, ikm_len, prk);
}

/* HKDF-Expand-Label(secret, label, "", out_len) for out_len <= 32: one block,
 * T(1) = HMAC(secret, HkdfLabel || 0x01). */
static void expand_label(const struct hmac_key *h, const char *label, uint8_t *out, size_t out_len)
{
	uint8_t info[2 + 1 + 6 + 32 + 1 + 1], t[32];
	size_t n = strlen(label), o = 0;

	info[o++] = (uint8_t)(out_len >> 8);
	info[o++] = (uint8_t)out_len;
	info[o++] = (uint8_t)(6 + n);
	memcpy(info + o, "tls13 ", 6);
	o += 6;
	memcpy(info + o, label, n);
	o += n;
	info[o++] = 0; /* empty context */
	info[o++] = 1; /* the block counter */
	hmac(h, info, o, t);
	memcpy(out, t, out_len);
}

void lq_hkdf_expand_label(const uint8_t *secret, size_t secret_len, const char *label,
			  uint8_t *out, size_t out_len)
{
	struct hmac_key h;

	if (out_len > 32 || strlen(label) > 32)
		return;
	hmac_init(&h, secret, secret_len);
	expand_label(&h, label, out, out_len);
}

int lq_initial_secrets(const struct lq_initial_version *v, const uint8_t *dcid, size_t dcid_len,
		       uint8_t initial_secret[32], uint8_t client_secret[32],
		       uint8_t server_secret[32])
{
	struct hmac_key h;

	if (!v->known || !v->salt || dcid_len > LQ_CID_MAX)
		return -1;
	lq_hkdf_extract(v->salt, 20, dcid, dcid_len, initial_secret);
	hmac_init(&h, initial_secret, 32);
	expand_label(&h, "client in", client_secret, 32);
	expand_label(&h, "server in", server_secret, 32);
	return 0;
}

static void derive_keys(const struct lq_initial_version *v, const uint8_t secret[32],
			struct lq_initial_keys *k)
{
	struct hmac_key h;

	hmac_init(&h, secret, 32);
	expand_label(&h, v->v2labels ? "quicv2 key" : "quic key", k->key, 16);
	expand_label(&h, v->v2labels ? "quicv2 iv" : "quic iv", k->iv, 12);
	expand_label(&h, v->v2labels ? "quicv2 hp" : "quic hp", k->hp, 16);
}

int lq_initial_derive(const struct lq_initial_version *v, const uint8_t *dcid, size_t dcid_len,
		      struct lq_initial_keys *client, struct lq_initial_keys *server)
{
	uint8_t initial[32], cs[32], ss[32];

	if (lq_initial_secrets(v, dcid, dcid_len, initial, cs, ss))
		return -1;
	derive_keys(v, cs, client);
	if (server)
		derive_keys(v, ss, server);
	OPENSSL_cleanse(initial, sizeof(initial));
	return 0;
}

/* ---- AES, per thread ---------------------------------------------------- */

struct aes_state {
	EVP_CIPHER *gcm_cipher, *ecb_cipher;
	EVP_CIPHER_CTX *dec, *enc, *ecb;
	uint8_t dec_key[16], enc_key[16], ecb_key[16];
	uint8_t dec_keyed, enc_keyed, ecb_keyed;
};

static _Thread_local struct aes_state aes;

void lq_initial_thread_cleanup(void)
{
	EVP_CIPHER_CTX_free(aes.dec);
	EVP_CIPHER_CTX_free(aes.enc);
	EVP_CIPHER_CTX_free(aes.ecb);
	EVP_CIPHER_free(aes.gcm_cipher);
	EVP_CIPHER_free(aes.ecb_cipher);
	memset(&aes, 0, sizeof(aes));
}

static int aes_ready(void)
{
	if (aes.ecb)
		return 0;
	aes.gcm_cipher = EVP_CIPHER_fetch(NULL, "AES-128-GCM", NULL);
	aes.ecb_cipher = EVP_CIPHER_fetch(NULL, "AES-128-ECB", NULL);
	aes.dec = EVP_CIPHER_CTX_new();
	aes.enc = EVP_CIPHER_CTX_new();
	EVP_CIPHER_CTX *ecb = EVP_CIPHER_CTX_new();
	if (!aes.gcm_cipher || !aes.ecb_cipher || !aes.dec || !aes.enc || !ecb ||
	    EVP_DecryptInit_ex(aes.dec, aes.gcm_cipher, NULL, NULL, NULL) != 1 ||
	    EVP_EncryptInit_ex(aes.enc, aes.gcm_cipher, NULL, NULL, NULL) != 1 ||
	    EVP_EncryptInit_ex(ecb, aes.ecb_cipher, NULL, NULL, NULL) != 1 ||
	    EVP_CIPHER_CTX_set_padding(ecb, 0) != 1) {
		EVP_CIPHER_CTX_free(ecb);
		lq_initial_thread_cleanup();
		return -1;
	}
	aes.ecb = ecb; /* set last: it says "ready" */
	return 0;
}

/* Keys ctx with key unless it holds it already. */
static int rekey(EVP_CIPHER_CTX *ctx, uint8_t held[16], uint8_t *keyed, const uint8_t key[16], int enc)
{
	if (*keyed && !memcmp(held, key, 16))
		return 0;
	*keyed = 0;
	if (EVP_CipherInit_ex(ctx, NULL, NULL, key, NULL, enc) != 1)
		return -1;
	memcpy(held, key, 16);
	*keyed = 1;
	return 0;
}

int lq_initial_hp_mask(const struct lq_initial_keys *k, const uint8_t sample[16], uint8_t mask[5])
{
	uint8_t block[32];
	int n = 0;

	if (aes_ready() || rekey(aes.ecb, aes.ecb_key, &aes.ecb_keyed, k->hp, 1) ||
	    EVP_EncryptUpdate(aes.ecb, block, &n, sample, 16) != 1 || n != 16)
		return -1;
	memcpy(mask, block, 5);
	return 0;
}

static void make_nonce(const uint8_t iv[12], uint64_t pn, uint8_t nonce[12])
{
	memcpy(nonce, iv, 12);
	for (int i = 0; i < 8; i++) /* RFC 9001 §5.3: the packet number, left-padded, XOR the IV */
		nonce[11 - i] ^= (uint8_t)(pn >> (8 * i));
}

uint64_t lq_decode_pn(uint64_t largest, int have_largest, uint64_t truncated, unsigned pn_len)
{
	uint64_t expected = have_largest ? largest + 1 : 0;
	uint64_t win = (uint64_t)1 << (8 * pn_len), hwin = win / 2, mask = win - 1;
	uint64_t candidate = (expected & ~mask) | truncated;

	/* RFC 9000 §A.3, with its bounds: nothing over 2^62 */
	if (candidate + hwin <= expected && candidate < ((uint64_t)1 << 62) - win)
		return candidate + win;
	if (candidate > expected + hwin && candidate >= win)
		return candidate - win;
	return candidate;
}

enum lq_open_result lq_initial_open(const struct lq_initial_keys *k, const uint8_t *pkt,
				    size_t pkt_len, size_t pn_off, uint64_t largest,
				    int have_largest, uint8_t *out, struct lq_opened *res)
{
	uint8_t mask[5], b0, pnb[4], nonce[12], tag[16];
	uint64_t truncated = 0;
	unsigned pn_len;
	size_t ct_off, ct_len;
	int n = 0, m = 0;

	memset(res, 0, sizeof(*res));
	/* RFC 9001 §5.4.2: the sample starts 4 bytes after the packet number's start */
	if (pn_off == 0 || pn_off > pkt_len || pkt_len - pn_off < 4 + 16 || pkt_len > INT32_MAX)
		return LQ_OPEN_SHORT;
	if (lq_initial_hp_mask(k, pkt + pn_off + 4, mask))
		return LQ_OPEN_CRYPTO_ERR;
	b0 = pkt[0] ^ (mask[0] & ((pkt[0] & 0x80) ? 0x0f : 0x1f));
	pn_len = (b0 & 3) + 1;
	for (unsigned i = 0; i < pn_len; i++) {
		pnb[i] = pkt[pn_off + i] ^ mask[1 + i];
		truncated = truncated << 8 | pnb[i];
	}
	ct_off = pn_off + pn_len;
	if (pkt_len - ct_off < 16)
		return LQ_OPEN_SHORT;
	ct_len = pkt_len - ct_off - 16;
	memcpy(tag, pkt + ct_off + ct_len, 16);
	res->pn = lq_decode_pn(largest, have_largest, truncated, pn_len);
	make_nonce(k->iv, res->pn, nonce);

	/* The AAD is the header as sent before protection: first byte and
	 * packet number unmasked (RFC 9001 §5.3), given in three pieces. */
	if (aes_ready() || rekey(aes.dec, aes.dec_key, &aes.dec_keyed, k->key, 0) ||
	    EVP_DecryptInit_ex(aes.dec, NULL, NULL, NULL, nonce) != 1 ||
	    EVP_DecryptUpdate(aes.dec, NULL, &n, &b0, 1) != 1 ||
	    EVP_DecryptUpdate(aes.dec, NULL, &n, pkt + 1, (int)(pn_off - 1)) != 1 ||
	    EVP_DecryptUpdate(aes.dec, NULL, &n, pnb, (int)pn_len) != 1 ||
	    EVP_DecryptUpdate(aes.dec, out, &n, pkt + ct_off, (int)ct_len) != 1 ||
	    EVP_CIPHER_CTX_ctrl(aes.dec, EVP_CTRL_GCM_SET_TAG, 16, tag) != 1)
		return LQ_OPEN_CRYPTO_ERR;
	if (EVP_DecryptFinal_ex(aes.dec, out + n, &m) != 1) {
		memset(out, 0, ct_len); /* nothing unauthenticated stays readable */
		return LQ_OPEN_BAD_TAG;
	}
	res->b0 = b0;
	res->pn_len = pn_len;
	res->plain = out;
	res->plain_len = (size_t)n + (size_t)m;
	return LQ_OPEN_OK;
}

size_t lq_initial_seal(const struct lq_initial_keys *k, const uint8_t *hdr, size_t hdr_len,
		       unsigned pn_len, uint64_t pn, const uint8_t *payload, size_t payload_len,
		       uint8_t *out)
{
	uint8_t nonce[12], mask[5];
	size_t pn_off;
	int n = 0, m = 0;

	if (pn_len < 1 || pn_len > 4 || hdr_len < pn_len + 1 || payload_len > INT32_MAX - 64 ||
	    payload_len + pn_len < 4)
		return 0;
	pn_off = hdr_len - pn_len;
	make_nonce(k->iv, pn, nonce);
	memmove(out, hdr, hdr_len);
	if (aes_ready() || rekey(aes.enc, aes.enc_key, &aes.enc_keyed, k->key, 1) ||
	    EVP_EncryptInit_ex(aes.enc, NULL, NULL, NULL, nonce) != 1 ||
	    EVP_EncryptUpdate(aes.enc, NULL, &n, out, (int)hdr_len) != 1 ||
	    EVP_EncryptUpdate(aes.enc, out + hdr_len, &n, payload, (int)payload_len) != 1 ||
	    EVP_EncryptFinal_ex(aes.enc, out + hdr_len + n, &m) != 1 ||
	    EVP_CIPHER_CTX_ctrl(aes.enc, EVP_CTRL_GCM_GET_TAG, 16, out + hdr_len + payload_len) != 1)
		return 0;
	if (lq_initial_hp_mask(k, out + pn_off + 4, mask))
		return 0;
	out[0] ^= mask[0] & ((out[0] & 0x80) ? 0x0f : 0x1f);
	for (unsigned i = 0; i < pn_len; i++)
		out[pn_off + i] ^= mask[1 + i];
	return hdr_len + payload_len + 16;
}

int lq_initial_retry_valid(const struct lq_initial_version *v, const uint8_t *odcid,
			   size_t odcid_len, const uint8_t *retry, size_t retry_len)
{
	uint8_t tag[16], odcil = (uint8_t)odcid_len;
	int n = 0;

	if (!v->retry_key)
		return -1;
	if (retry_len < 16 + 7 || odcid_len > LQ_CID_MAX || retry_len > INT32_MAX)
		return 0;
	/* The tag is AES-128-GCM over nothing, with the Retry Pseudo-Packet
	 * (ODCID length, ODCID, the Retry without its tag) as AAD. */
	if (aes_ready() || rekey(aes.enc, aes.enc_key, &aes.enc_keyed, v->retry_key, 1) ||
	    EVP_EncryptInit_ex(aes.enc, NULL, NULL, NULL, v->retry_nonce) != 1 ||
	    EVP_EncryptUpdate(aes.enc, NULL, &n, &odcil, 1) != 1 ||
	    (odcid_len && EVP_EncryptUpdate(aes.enc, NULL, &n, odcid, (int)odcid_len) != 1) ||
	    EVP_EncryptUpdate(aes.enc, NULL, &n, retry, (int)(retry_len - 16)) != 1 ||
	    EVP_EncryptFinal_ex(aes.enc, tag, &n) != 1 ||
	    EVP_CIPHER_CTX_ctrl(aes.enc, EVP_CTRL_GCM_GET_TAG, 16, tag) != 1)
		return 0;
	return CRYPTO_memcmp(tag, retry + retry_len - 16, 16) == 0;
}
