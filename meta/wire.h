// SPDX-License-Identifier: BSD-2-Clause
/*
 * wire.h - a bounded read cursor for the metadata parsers: every read checks
 * what is left first and, when it does not fit, marks the cursor bad and
 * reads nothing (xdp-tools' hdr_cursor, tcpdump's GET_BE_U_*). Once bad, a
 * cursor stays bad, so a parser may check once at the end of a step.
 */
#ifndef LQ_META_WIRE_H
#define LQ_META_WIRE_H

#include <stddef.h>
#include <stdint.h>

struct lq_cur {
	const uint8_t *p;
	size_t n;   /* bytes left at p */
	int bad;
};

static inline struct lq_cur lq_cur(const uint8_t *p, size_t n)
{
	struct lq_cur c = {p, n, 0};
	return c;
}

static inline int lq_cur_has(struct lq_cur *c, size_t k)
{
	if (c->bad || c->n < k) {
		c->bad = 1;
		return 0;
	}
	return 1;
}

static inline const uint8_t *lq_cur_take(struct lq_cur *c, size_t k)
{
	const uint8_t *p;

	if (!lq_cur_has(c, k))
		return NULL;
	p = c->p;
	c->p += k;
	c->n -= k;
	return p;
}

static inline uint64_t lq_cur_be(struct lq_cur *c, size_t k) /* k <= 8 */
{
	const uint8_t *p = lq_cur_take(c, k);
	uint64_t v = 0;

	for (size_t i = 0; p && i < k; i++)
		v = v << 8 | p[i];
	return v;
}

static inline unsigned lq_cur_u8(struct lq_cur *c) { return (unsigned)lq_cur_be(c, 1); }
static inline unsigned lq_cur_u16(struct lq_cur *c) { return (unsigned)lq_cur_be(c, 2); }
static inline unsigned lq_cur_u24(struct lq_cur *c) { return (unsigned)lq_cur_be(c, 3); }
static inline uint32_t lq_cur_u32(struct lq_cur *c) { return (uint32_t)lq_cur_be(c, 4); }

/* RFC 9000 §16: variable-length integer, 1, 2, 4 or 8 bytes. */
static inline uint64_t lq_cur_varint(struct lq_cur *c)
{
	uint64_t v;
	size_t k;

	if (!lq_cur_has(c, 1))
		return 0;
	k = (size_t)1 << (c->p[0] >> 6);
	if (!lq_cur_has(c, k))
		return 0;
	v = lq_cur_be(c, k);
	return v & (((uint64_t)1 << (8 * k - 2)) - 1);
}

/* A sub-cursor over the next k bytes (skipped in c). */
static inline struct lq_cur lq_cur_sub(struct lq_cur *c, size_t k)
{
	const uint8_t *p = lq_cur_take(c, k);
	struct lq_cur s = {p, p ? k : 0, p == NULL};
	return s;
}

#endif
