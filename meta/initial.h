// SPDX-License-Identifier: BSD-2-Clause
/*
 * initial.h - QUIC Initial packet protection without keys: the secrets
 * every observer can derive from the client's first Destination Connection
 * ID (RFC 9001 §5.2, RFC 9369 §3.3), header protection (RFC 9001 §5.4),
 * packet number decoding (RFC 9000 §A.3) and AES-128-GCM with the tag checked.
 *
 * The AES contexts are per thread and re-keyed when another key comes in
 * (a few ns when the key is the same as last time); a connection keeps only
 * its 88 bytes of raw keys. Call lq_initial_thread_cleanup() at exit.
 */
#ifndef LQ_META_INITIAL_H
#define LQ_META_INITIAL_H

#include <stddef.h>
#include <stdint.h>

#define LQ_CID_MAX 20 /* RFC 9000 §17.2: at most 20 bytes in v1 */

/* How a version protects its Initials. */
struct lq_initial_version {
	uint32_t version;
	uint8_t known;	  /* 0: not a version whose Initials we can open */
	uint8_t v2types;  /* long header types as RFC 9369 §3.2 */
	uint8_t v2labels; /* "quicv2 key/iv/hp" (RFC 9369 §3.3.2) */
	uint8_t nibble_cids; /* drafts <= 21: one byte with both CID lengths */
	uint8_t old_tp;	     /* transport parameters with 16-bit ids and lengths
			      * (drafts <= 27, RFC 9000 §18 came with draft-28) */
	uint8_t gquic;	     /* Google QUIC: Q050 carries a CHLO, not TLS */
	uint8_t crypto_frame; /* the CRYPTO frame's type: 0x06, Google's 0x08 */
	const uint8_t *salt; /* 20 bytes */
	const uint8_t *retry_key;   /* 16 bytes, RFC 9001 §5.8; NULL: no tag */
	const uint8_t *retry_nonce; /* 12 bytes */
	const char *name;	    /* "v1", "v2", "draft-29", "T051", ... */
};

/* Fills *v for version; returns v->known. */
int lq_initial_version_info(uint32_t version, struct lq_initial_version *v);

/* A reserved version (0x?a?a?a?a, RFC 9000 §15) forces Version Negotiation;
 * its Initial may be protected as any version's. The candidates to try (v1,
 * draft-29), at most max; the tag tells which one it was. Returns the count,
 * 0 for a version that is not reserved. */
int lq_initial_reserved_candidates(uint32_t version, struct lq_initial_version *out, int max);

/* Long header packet types, whatever the version numbers them. */
enum lq_long_type { LQ_LT_INITIAL, LQ_LT_0RTT, LQ_LT_HANDSHAKE, LQ_LT_RETRY };
enum lq_long_type lq_initial_long_type(const struct lq_initial_version *v, uint8_t b0);

struct lq_initial_keys {
	uint8_t key[16];
	uint8_t iv[12];
	uint8_t hp[16];
};

/* Both directions' Initial keys from the client's DCID (dcid_len <= 20);
 * server NULL: the client's alone (four HMACs fewer). Returns 0, or -1 when
 * the version is not known. */
int lq_initial_derive(const struct lq_initial_version *v, const uint8_t *dcid, size_t dcid_len,
		      struct lq_initial_keys *client, struct lq_initial_keys *server);

/* The intermediate secrets too (for the RFC test vectors). */
int lq_initial_secrets(const struct lq_initial_version *v, const uint8_t *dcid, size_t dcid_len,
		       uint8_t initial_secret[32], uint8_t client_secret[32],
		       uint8_t server_secret[32]);

/* RFC 8446 §7.1 HKDF-Expand-Label with an empty context, "tls13 " prefix. */
void lq_hkdf_expand_label(const uint8_t *secret, size_t secret_len, const char *label,
			  uint8_t *out, size_t out_len);
void lq_hkdf_extract(const uint8_t *salt, size_t salt_len, const uint8_t *ikm, size_t ikm_len,
		     uint8_t prk[32]);

/* The 5-byte header protection mask of a 16-byte sample (RFC 9001 §5.4.3). */
int lq_initial_hp_mask(const struct lq_initial_keys *k, const uint8_t sample[16], uint8_t mask[5]);

/* RFC 9000 §A.3: the full packet number nearest the one expected. */
uint64_t lq_decode_pn(uint64_t largest, int have_largest, uint64_t truncated, unsigned pn_len);

/* What opening one protected long header packet gave. */
struct lq_opened {
	uint8_t b0;	     /* first byte, header protection removed */
	unsigned pn_len;     /* 1..4 */
	uint64_t pn;	     /* full packet number */
	const uint8_t *plain; /* the payload, in the caller's buffer */
	size_t plain_len;
};

enum lq_open_result {
	LQ_OPEN_OK = 0,
	LQ_OPEN_SHORT,	   /* too short to hold a sample and a tag */
	LQ_OPEN_BAD_TAG,   /* authentication failed: nothing of it may be used */
	LQ_OPEN_CRYPTO_ERR /* libcrypto failed (no memory) */
};

/*
 * Opens the packet pkt[0..pkt_len) whose packet number starts at pn_off
 * (after the Length field). largest/have_largest: the largest packet number
 * seen in this packet number space so far. out must hold pkt_len bytes; the
 * plaintext is written there and is trusted only when LQ_OPEN_OK comes back.
 */
enum lq_open_result lq_initial_open(const struct lq_initial_keys *k, const uint8_t *pkt,
				    size_t pkt_len, size_t pn_off, uint64_t largest,
				    int have_largest, uint8_t *out, struct lq_opened *res);

/*
 * Seals a packet: hdr[0..hdr_len) is the unprotected header (its last pn_len
 * bytes are the truncated packet number, its Length already counts the tag),
 * payload is the plaintext. Writes hdr_len + payload_len + 16 bytes to out
 * (header protection applied). Returns the length, or 0 on error (the sample
 * needs 4 - pn_len + 16 bytes of ciphertext).
 */
size_t lq_initial_seal(const struct lq_initial_keys *k, const uint8_t *hdr, size_t hdr_len,
		       unsigned pn_len, uint64_t pn, const uint8_t *payload, size_t payload_len,
		       uint8_t *out);

/*
 * RFC 9001 §5.8: checks a Retry packet's integrity tag against the client's
 * original DCID. 1 valid, 0 invalid, -1 the version has no tag we know.
 */
int lq_initial_retry_valid(const struct lq_initial_version *v, const uint8_t *odcid,
			   size_t odcid_len, const uint8_t *retry, size_t retry_len);

/* Frees this thread's AES contexts (they are made again when needed). */
void lq_initial_thread_cleanup(void);

#endif
