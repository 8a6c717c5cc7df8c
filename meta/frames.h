// SPDX-License-Identifier: BSD-2-Clause
/*
 * frames.h - the frames of a decrypted Initial (RFC 9000 §17.2.2: PADDING,
 * PING, ACK, CRYPTO, CONNECTION_CLOSE) and the CRYPTO stream of one
 * direction put back together from offset 0: out of order, with gaps,
 * duplicates and overlaps (overlapping bytes must agree), in bounded memory.
 *
 * The stream only keeps the first handshake message (ClientHello or
 * ServerHello, or Q050's CHLO): its header gives the length, so it is known when it
 * is whole. Memory: nothing until a message does not come whole in its first
 * frame, then one buffer of at most the limit, freed by lq_crypto_free().
 */
#ifndef LQ_META_FRAMES_H
#define LQ_META_FRAMES_H

#include <stddef.h>
#include <stdint.h>

#include "reason.h"

#ifndef LQ_CRYPTO_MAX_RANGES
#define LQ_CRYPTO_MAX_RANGES 24 /* received pieces not yet joined */
#endif

struct lq_crypto_stream {
	uint8_t *buf;	     /* cap bytes once needed */
	uint32_t cap;	     /* the bound on the message */
	uint32_t need;	     /* 4 + length of the first message; 0 until known */
	uint16_t nranges;
	uint8_t reason;	     /* enum lq_meta_reason: PENDING, OK or why not */
	uint8_t zero_copy;   /* the message is at msg, in the caller's frame */
	uint8_t chlo;	     /* a Google QUIC CHLO (Q050), not a TLS message */
	const uint8_t *msg;  /* the whole message once complete (reason OK) */
	struct {
		uint32_t lo, hi;
	} ranges[LQ_CRYPTO_MAX_RANGES]; /* sorted, disjoint, not touching */
};

/* chlo: the stream carries a Google QUIC CHLO (Q050) instead of TLS. */
void lq_crypto_init(struct lq_crypto_stream *s, uint32_t cap, int chlo);
void lq_crypto_free(struct lq_crypto_stream *s);

/*
 * Adds CRYPTO data at stream offset off. Returns 1 when the first message
 * is whole (s->msg, s->need bytes: valid until the next call, or the frame's
 * lifetime with zero_copy), 0 when more is needed, -1 when the stream gave
 * up (s->reason says why; later data is ignored).
 */
int lq_crypto_add(struct lq_crypto_stream *s, uint64_t off, const uint8_t *data, size_t len);

/* What the frames of one packet held, apart from CRYPTO data. */
struct lq_frames_seen {
	uint32_t crypto_frames;
	uint32_t padding_bytes;
	uint8_t ack, ping, close;
	uint8_t ecn;		/* an ACK with ECN counts (type 0x03) */
	uint8_t stopped;	/* a frame not allowed in an Initial: walk stopped there */
	uint8_t bad;		/* a frame ran past the packet */
	uint64_t close_error;	/* CONNECTION_CLOSE error code */
};

/*
 * Walks the frames of an Initial's plaintext, feeding CRYPTO data to s.
 * crypto_type: 0x06, or 0x08 for Google's T05x and Q050.
 * Returns what lq_crypto_add last returned (1 complete, 0, -1 gave up).
 */
int lq_frames_walk(const uint8_t *p, size_t n, unsigned crypto_type, struct lq_crypto_stream *s,
		   struct lq_frames_seen *seen);

#endif
