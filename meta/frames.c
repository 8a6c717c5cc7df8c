// SPDX-License-Identifier: BSD-2-Clause
/*
 * frames.c - Initial frames and CRYPTO reassembly (see frames.h).
 */
#include "frames.h"

#include <stdlib.h>
#include <string.h>

#include "wire.h"

void lq_crypto_init(struct lq_crypto_stream *s, uint32_t cap, int chlo)
{
	memset(s, 0, sizeof(*s));
	s->cap = cap;
	s->chlo = chlo != 0;
	s->reason = LQ_MR_PENDING;
}

void lq_crypto_free(struct lq_crypto_stream *s)
{
	free(s->buf);
	s->buf = NULL;
	s->msg = NULL;
	s->zero_copy = 0;
	s->nranges = 0;
}

static int give_up(struct lq_crypto_stream *s, enum lq_meta_reason r)
{
	s->reason = (uint8_t)r;
	lq_crypto_free(s);
	return -1;
}

/*
 * The size of the first message once avail bytes of it are in; 0 while
 * unknown. TLS 1.3 §4: type (1 byte), length (3 bytes). A Google QUIC CHLO
 * (Q050): tag, entry count (2 bytes, little-endian), 2 bytes of padding, then
 * count (tag, end offset) pairs, the last end offset ending the values.
 */
static uint64_t message_size(const struct lq_crypto_stream *s, const uint8_t *h, size_t avail)
{
	size_t n, e;

	if (!s->chlo)
		return avail >= 4 ? 4 + ((uint32_t)h[1] << 16 | (uint32_t)h[2] << 8 | h[3]) : 0;
	if (avail < 8)
		return 0;
	n = (size_t)h[4] | (size_t)h[5] << 8;
	if (n == 0)
		return 8;
	if (avail < 8 + 8 * n)
		return 0;
	e = 8 + 8 * (n - 1) + 4; /* the last end offset */
	return 8 + 8 * (uint64_t)n +
	       ((uint32_t)h[e] | (uint32_t)h[e + 1] << 8 | (uint32_t)h[e + 2] << 16 |
		(uint32_t)h[e + 3] << 24);
}

/* Once the first bytes are in, the message's size is known. */
static int learn_need(struct lq_crypto_stream *s)
{
	uint64_t size;

	if (s->need || !s->nranges || s->ranges[0].lo != 0)
		return 0;
	size = message_size(s, s->buf, s->ranges[0].hi);
	if (!size)
		return 0;
	if (size > s->cap)
		return give_up(s, LQ_MR_OVER_BOUND);
	s->need = (uint32_t)size;
	return 0;
}

/* Inserts [lo, hi) into the sorted range table, joining what it touches. */
static int add_range(struct lq_crypto_stream *s, uint32_t lo, uint32_t hi)
{
	unsigned i = 0, j;

	while (i < s->nranges && s->ranges[i].hi < lo)
		i++;
	j = i;
	while (j < s->nranges && s->ranges[j].lo <= hi) { /* touching or overlapping */
		if (s->ranges[j].lo < lo)
			lo = s->ranges[j].lo;
		if (s->ranges[j].hi > hi)
			hi = s->ranges[j].hi;
		j++;
	}
	if (i == j) { /* nothing joined: a new entry at i */
		if (s->nranges == LQ_CRYPTO_MAX_RANGES)
			return give_up(s, LQ_MR_TOO_FRAGMENTED);
		memmove(&s->ranges[i + 1], &s->ranges[i], (s->nranges - i) * sizeof(s->ranges[0]));
		s->nranges++;
	} else if (j > i + 1) { /* entries i..j-1 become one */
		memmove(&s->ranges[i + 1], &s->ranges[j], (s->nranges - j) * sizeof(s->ranges[0]));
		s->nranges -= (uint16_t)(j - i - 1);
	}
	s->ranges[i].lo = lo;
	s->ranges[i].hi = hi;
	return 0;
}

int lq_crypto_add(struct lq_crypto_stream *s, uint64_t off, const uint8_t *data, size_t len)
{
	uint64_t end = off + len, limit;
	uint32_t lo, hi;

	if (s->reason != LQ_MR_PENDING)
		return s->reason == LQ_MR_OK ? 1 : -1;
	if (off >= ((uint64_t)1 << 62) || len >= ((uint64_t)1 << 62) || end > ((uint64_t)1 << 62))
		return give_up(s, LQ_MR_BAD_FRAME); /* RFC 9000 §19.6: at most 2^62 - 1 */
	if (len == 0)
		return 0;

	/* The common case: the whole message in one frame at offset 0, read in
	 * place (a ClientHello in one Initial never costs an allocation). */
	if (off == 0 && !s->nranges && !s->buf) {
		uint64_t size = message_size(s, data, len);

		if (size > s->cap)
			return give_up(s, LQ_MR_OVER_BOUND);
		if (!size || size > len)
			goto copy;
		s->need = (uint32_t)size;
		s->msg = data;
		s->zero_copy = 1;
		s->reason = LQ_MR_OK;
		return 1;
	}

copy:
	limit = s->need ? s->need : s->cap;
	if (off >= limit) /* past the message, or past the bound while its size is unknown */
		return 0;
	if (end > limit)
		end = limit;
	lo = (uint32_t)off;
	hi = (uint32_t)end;
	if (!s->buf) {
		s->buf = malloc(s->cap);
		if (!s->buf)
			return give_up(s, LQ_MR_NO_MEMORY);
	}
	/* Overlaps must carry the same bytes (RFC 9000 §2.2 lets a receiver
	 * treat a difference as an error); a difference is never guessed at. */
	for (unsigned i = 0; i < s->nranges; i++) {
		uint32_t a = s->ranges[i].lo > lo ? s->ranges[i].lo : lo;
		uint32_t b = s->ranges[i].hi < hi ? s->ranges[i].hi : hi;
		if (a < b && memcmp(s->buf + a, data + (a - lo), b - a))
			return give_up(s, LQ_MR_CRYPTO_CONFLICT);
	}
	memcpy(s->buf + lo, data, hi - lo);
	if (add_range(s, lo, hi) || learn_need(s))
		return -1;
	if (s->need && s->ranges[0].lo == 0 && s->ranges[0].hi >= s->need) {
		s->msg = s->buf;
		s->reason = LQ_MR_OK;
		return 1;
	}
	return 0;
}

/* Frame types allowed in Initial packets (RFC 9000 §12.4, Table 3). */
enum {
	FT_PADDING = 0x00,
	FT_PING = 0x01,
	FT_ACK = 0x02,
	FT_ACK_ECN = 0x03,
	FT_CRYPTO = 0x06,
	FT_CLOSE = 0x1c,
};

int lq_frames_walk(const uint8_t *p, size_t n, unsigned crypto_type, struct lq_crypto_stream *s,
		   struct lq_frames_seen *seen)
{
	struct lq_cur c = lq_cur(p, n);
	int ret = s->reason == LQ_MR_OK ? 1 : s->reason == LQ_MR_PENDING ? 0 : -1;

	memset(seen, 0, sizeof(*seen));
	while (c.n && !c.bad) {
		uint64_t type = lq_cur_varint(&c), off, len, count;

		if (type == crypto_type)
			type = FT_CRYPTO;
		else if (type == FT_CRYPTO)
			type = 0x100; /* not a CRYPTO frame in this version */
		switch (type) {
		case FT_PADDING:
			seen->padding_bytes++;
			while (c.n >= 8) { /* a run of padding, 8 bytes at a time */
				uint64_t w;
				memcpy(&w, c.p, 8);
				if (w)
					break;
				c.p += 8;
				c.n -= 8;
				seen->padding_bytes += 8;
			}
			while (c.n && c.p[0] == 0) {
				c.p++;
				c.n--;
				seen->padding_bytes++;
			}
			break;
		case FT_PING:
			seen->ping = 1;
			break;
		case FT_ACK:
		case FT_ACK_ECN:
			seen->ack = 1;
			lq_cur_varint(&c); /* largest acknowledged */
			lq_cur_varint(&c); /* ACK delay */
			count = lq_cur_varint(&c);
			lq_cur_varint(&c); /* first ACK range */
			/* each range is two varints, so count is bounded by what is left */
			for (uint64_t i = 0; i < count && !c.bad; i++) {
				lq_cur_varint(&c);
				lq_cur_varint(&c);
			}
			if (type == FT_ACK_ECN) {
				seen->ecn = 1;
				lq_cur_varint(&c);
				lq_cur_varint(&c);
				lq_cur_varint(&c);
			}
			break;
		case FT_CRYPTO: {
			const uint8_t *data;

			off = lq_cur_varint(&c);
			len = lq_cur_varint(&c);
			if (c.bad || len > c.n) {
				c.bad = 1;
				break;
			}
			data = lq_cur_take(&c, (size_t)len);
			seen->crypto_frames++;
			ret = lq_crypto_add(s, off, data, (size_t)len);
			break;
		}
		case FT_CLOSE:
			seen->close = 1;
			seen->close_error = lq_cur_varint(&c);
			lq_cur_varint(&c); /* frame type */
			len = lq_cur_varint(&c);
			if (!c.bad && len <= c.n)
				lq_cur_take(&c, (size_t)len);
			else
				c.bad = 1;
			break;
		default:
			/* Nothing else belongs in an Initial: stop here, keep what came before. */
			seen->stopped = 1;
			return ret;
		}
	}
	if (c.bad)
		seen->bad = 1;
	return ret;
}
