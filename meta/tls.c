// SPDX-License-Identifier: BSD-2-Clause
/*
 * tls.c - ClientHello, ServerHello, transport parameters, Q050 CHLO.
 */
#include "tls.h"

#include <string.h>

#include "reason.h"
#include "wire.h"

/* TLS extension types (IANA TLS ExtensionType Values). */
enum {
	EXT_SERVER_NAME = 0x0000,
	EXT_SUPPORTED_GROUPS = 0x000a,
	EXT_SIGNATURE_ALGORITHMS = 0x000d,
	EXT_ALPN = 0x0010,
	EXT_SUPPORTED_VERSIONS = 0x002b,
	EXT_KEY_SHARE = 0x0033,
	EXT_QUIC_TP = 0x0039,	    /* RFC 9001 §8.2 */
	EXT_QUIC_TP_DRAFT = 0xffa5, /* drafts before 33 */
};

/* Multipath's parameter through the drafts (draft-ietf-quic-multipath's IANA
 * sections; checked in each draft): the experiments' 0xbabf (drafts 00-03),
 * then 0x0f739bbc1b666dXX. */
static const struct {
	uint64_t id;
	const char *name;
} multipath_ids[] = {
	{0xbabf, "enable_multipath"},		   /* drafts 00-03 */
	{0x0f739bbc1b666d04, "enable_multipath"},  /* draft-04 */
	{0x0f739bbc1b666d05, "enable_multipath"},  /* draft-05 */
	{0x0f739bbc1b666d06, "enable_multipath"},  /* draft-06 */
	{0x0f739bbc1b666d07, "initial_max_paths"}, /* drafts 07-08 */
	{0x0f739bbc1b666d09, "initial_max_path_id"}, /* drafts 09-10 */
	{0x0f739bbc1b666d11, "initial_max_path_id"}, /* draft-11 */
	{0x0f739bbc1b666d0c, "initial_max_path_id"}, /* drafts 12-13 */
	{0x0f739bbc1b666d0d, "initial_max_path_id"}, /* drafts 13 onwards */
};

/* An integer parameter: a varint filling its value (RFC 9000 §18), or in
 * the oldest drafts a 16/32-bit number. */
static int tp_int(const uint8_t *p, size_t n, uint64_t *v)
{
	struct lq_cur c = lq_cur(p, n);

	*v = lq_cur_varint(&c);
	if (!c.bad && c.n == 0)
		return 0;
	c = lq_cur(p, n);
	if (n == 2 || n == 4) {
		*v = lq_cur_be(&c, n);
		return 0;
	}
	return -1;
}

static void tp_value(struct lq_tp *tp, uint64_t id, const uint8_t *p, size_t n)
{
	uint64_t v;

	switch (id) {
	case LQ_TP_MAX_IDLE_TIMEOUT:
		if (!tp_int(p, n, &v)) {
			tp->max_idle_timeout = v;
			tp->have |= LQ_TPH_MAX_IDLE;
		}
		return;
	case LQ_TP_MAX_UDP_PAYLOAD_SIZE:
		if (!tp_int(p, n, &v)) {
			tp->max_udp_payload_size = v;
			tp->have |= LQ_TPH_MAX_UDP;
		}
		return;
	case LQ_TP_ACTIVE_CONNECTION_ID_LIMIT:
		if (!tp_int(p, n, &v)) {
			tp->active_connection_id_limit = v;
			tp->have |= LQ_TPH_ACID_LIMIT;
		}
		return;
	case LQ_TP_DISABLE_ACTIVE_MIGRATION:
		if (n == 0)
			tp->have |= LQ_TPH_DISABLE_MIGRATION;
		return;
	case LQ_TP_GREASE_QUIC_BIT:
		if (n == 0)
			tp->have |= LQ_TPH_GREASE_BIT;
		return;
	case LQ_TP_INITIAL_SOURCE_CONNECTION_ID:
		if (n <= LQ_CID_MAX) {
			memcpy(tp->iscid, p, n);
			tp->iscid_len = (uint8_t)n;
			tp->have |= LQ_TPH_ISCID;
		}
		return;
	case LQ_TP_VERSION_INFORMATION:
	case LQ_TP_VERSION_INFORMATION_DRAFT: {
		/* RFC 9368 §3: Chosen Version, then Available Versions, 4 bytes each */
		struct lq_cur c = lq_cur(p, n);

		if (n < 4 || n % 4)
			return;
		tp->vi_chosen = lq_cur_u32(&c);
		tp->vi_count = tp->vi_total = 0;
		while (c.n >= 4) {
			uint32_t av = lq_cur_u32(&c);
			if (tp->vi_count < 8)
				tp->vi_available[tp->vi_count++] = av;
			if (tp->vi_total < 255)
				tp->vi_total++;
		}
		tp->vi_draft = id == LQ_TP_VERSION_INFORMATION_DRAFT;
		tp->have |= LQ_TPH_VERSION_INFO;
		return;
	}
	}
	for (size_t i = 0; i < sizeof(multipath_ids) / sizeof(multipath_ids[0]); i++) {
		if (multipath_ids[i].id != id)
			continue;
		tp->mp_id = id;
		tp->mp_name = multipath_ids[i].name;
		tp->mp_value = 0;
		if (n)
			tp_int(p, n, &tp->mp_value);
		tp->have |= LQ_TPH_MULTIPATH;
		return;
	}
}

int lq_tp_parse(const uint8_t *p, size_t n, int old_format, struct lq_tp *tp)
{
	struct lq_cur c = lq_cur(p, n);

	memset(tp, 0, sizeof(*tp));
	tp->old_format = (uint8_t)(old_format != 0);
	if (old_format) { /* drafts <= 27: a 16-bit length, then 16-bit ids and lengths */
		size_t total = lq_cur_u16(&c);
		if (c.bad || total != c.n)
			return -1;
	}
	while (c.n && !c.bad) {
		uint64_t id = old_format ? lq_cur_u16(&c) : lq_cur_varint(&c);
		uint64_t len = old_format ? lq_cur_u16(&c) : lq_cur_varint(&c);
		const uint8_t *v;

		if (c.bad || len > c.n)
			return -1;
		v = lq_cur_take(&c, (size_t)len);
		if (tp->nids < LQ_TP_MAX_IDS)
			tp->ids[tp->nids++] = id;
		if (tp->total_ids < UINT16_MAX)
			tp->total_ids++;
		tp_value(tp, id, v, (size_t)len);
	}
	if (c.bad)
		return -1;
	tp->present = 1;
	return 0;
}

/* Keeps a 16-bit list entry, counting it whole. */
static void keep16(uint16_t *arr, uint16_t *n, uint16_t *total, unsigned cap, uint16_t v)
{
	if (*n < cap)
		arr[(*n)++] = v;
	if (*total < UINT16_MAX)
		(*total)++;
}

static int sni_ext(struct lq_cur e, struct lq_client_hello *ch)
{
	struct lq_cur list = lq_cur_sub(&e, lq_cur_u16(&e));

	ch->has_sni = 1;
	while (list.n && !list.bad) { /* RFC 6066 §3: the first host_name counts */
		unsigned type = lq_cur_u8(&list);
		size_t len = lq_cur_u16(&list);
		const uint8_t *name = lq_cur_take(&list, len);

		if (!name)
			break;
		if (type == 0 && ch->sni_len == 0 && len >= 1 && len <= LQ_SNI_MAX) {
			memcpy(ch->sni, name, len);
			ch->sni[len] = 0;
			ch->sni_len = (uint8_t)len;
		}
	}
	return list.bad || e.bad ? -1 : 0;
}

static int alpn_ext(struct lq_cur e, struct lq_client_hello *ch)
{
	struct lq_cur list = lq_cur_sub(&e, lq_cur_u16(&e));
	size_t used = 0;

	ch->has_alpn = 1;
	while (list.n && !list.bad) { /* RFC 7301 §3.1: 1-byte lengths, never empty */
		size_t len = lq_cur_u8(&list);
		const uint8_t *proto = lq_cur_take(&list, len);

		if (!proto || len == 0)
			return -1;
		if (ch->total_alpn == 0) {
			ch->first_alpn_len = (uint8_t)len;
			ch->first_alpn_first = proto[0];
			ch->first_alpn_last = proto[len - 1];
		}
		if (ch->nalpn < LQ_ALPN_MAX && used + len <= LQ_ALPN_BYTES) {
			memcpy(ch->alpn + used, proto, len);
			ch->alpn_off[ch->nalpn] = (uint16_t)used;
			ch->alpn_len[ch->nalpn] = (uint8_t)len;
			ch->nalpn++;
			used += len;
		}
		if (ch->total_alpn < 255)
			ch->total_alpn++;
	}
	return list.bad || e.bad ? -1 : 0;
}

static int tp_ext(uint16_t type, struct lq_cur e, int old_tp, struct lq_client_hello *ch)
{
	int first = type == EXT_QUIC_TP ? 0 : old_tp;

	/* 0x39 always has varints; 0xffa5 had 16-bit fields up to draft-27,
	 * varints from draft-28: the version says which comes first, and a list
	 * must parse whole to count. */
	if (!lq_tp_parse(e.p, e.n, first, &ch->tp) ||
	    (type == EXT_QUIC_TP_DRAFT && !lq_tp_parse(e.p, e.n, !first, &ch->tp))) {
		ch->tp.ext = type;
		return 0;
	}
	memset(&ch->tp, 0, sizeof(ch->tp));
	return 0; /* a parameter list we cannot read does not spoil the hello */
}

int lq_tls_client_hello(const uint8_t *msg, size_t len, int old_tp, struct lq_client_hello *ch)
{
	struct lq_cur c = lq_cur(msg, len), body, list;
	size_t n;

	memset(ch, 0, sizeof(*ch));
	if (lq_cur_u8(&c) != 1) /* client_hello */
		return c.bad ? LQ_MR_BAD_TLS : LQ_MR_NOT_HELLO;
	body = lq_cur_sub(&c, lq_cur_u24(&c));
	ch->legacy_version = (uint16_t)lq_cur_u16(&body);
	lq_cur_take(&body, 32);			 /* random */
	lq_cur_take(&body, lq_cur_u8(&body));	 /* legacy_session_id */
	n = lq_cur_u16(&body);
	if (n % 2)
		return LQ_MR_BAD_TLS;
	list = lq_cur_sub(&body, n);
	while (list.n >= 2)
		keep16(ch->ciphers, &ch->nciphers, &ch->total_ciphers, LQ_TLS_MAX_CIPHERS,
		       (uint16_t)lq_cur_u16(&list));
	lq_cur_take(&body, lq_cur_u8(&body)); /* legacy_compression_methods */
	if (body.bad)
		return LQ_MR_BAD_TLS;
	if (body.n == 0)
		return 0; /* no extensions at all (RFC 8446 §4.1.2 allows it for TLS 1.2) */
	list = lq_cur_sub(&body, lq_cur_u16(&body));
	while (list.n && !list.bad) {
		uint16_t type = (uint16_t)lq_cur_u16(&list);
		struct lq_cur e = lq_cur_sub(&list, lq_cur_u16(&list)), l2;
		int bad = 0;

		if (list.bad)
			break;
		keep16(ch->exts, &ch->nexts, &ch->total_exts, LQ_TLS_MAX_EXTS, type);
		switch (type) {
		case EXT_SERVER_NAME:
			bad = sni_ext(e, ch);
			break;
		case EXT_ALPN:
			bad = alpn_ext(e, ch);
			break;
		case EXT_SUPPORTED_VERSIONS:
			l2 = lq_cur_sub(&e, lq_cur_u8(&e));
			while (l2.n >= 2)
				keep16(ch->versions, &ch->nversions, &ch->total_versions,
				       LQ_TLS_MAX_VERSIONS, (uint16_t)lq_cur_u16(&l2));
			bad = e.bad || l2.n;
			break;
		case EXT_SIGNATURE_ALGORITHMS:
			l2 = lq_cur_sub(&e, lq_cur_u16(&e));
			while (l2.n >= 2)
				keep16(ch->sigalgs, &ch->nsigalgs, &ch->total_sigalgs,
				       LQ_TLS_MAX_SIGALGS, (uint16_t)lq_cur_u16(&l2));
			bad = e.bad || l2.n;
			break;
		case EXT_SUPPORTED_GROUPS:
			l2 = lq_cur_sub(&e, lq_cur_u16(&e));
			while (l2.n >= 2)
				keep16(ch->groups, &ch->ngroups, &ch->total_groups,
				       LQ_TLS_MAX_GROUPS, (uint16_t)lq_cur_u16(&l2));
			bad = e.bad || l2.n;
			break;
		case EXT_QUIC_TP:
		case EXT_QUIC_TP_DRAFT:
			if (!ch->tp.present)
				tp_ext(type, e, old_tp, ch);
			break;
		}
		if (bad)
			return LQ_MR_BAD_TLS;
	}
	return list.bad || body.bad ? LQ_MR_BAD_TLS : 0;
}

/* RFC 8446 §4.1.3: SHA-256 of "HelloRetryRequest". */
static const uint8_t hrr_random[32] = {
	0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
	0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c};

int lq_tls_server_hello(const uint8_t *msg, size_t len, struct lq_server_hello *sh)
{
	struct lq_cur c = lq_cur(msg, len), body, list;
	const uint8_t *random;

	memset(sh, 0, sizeof(*sh));
	if (lq_cur_u8(&c) != 2) /* server_hello */
		return c.bad ? LQ_MR_BAD_TLS : LQ_MR_NOT_HELLO;
	body = lq_cur_sub(&c, lq_cur_u24(&c));
	sh->legacy_version = (uint16_t)lq_cur_u16(&body);
	random = lq_cur_take(&body, 32);
	sh->hrr = random && !memcmp(random, hrr_random, 32);
	lq_cur_take(&body, lq_cur_u8(&body)); /* legacy_session_id_echo */
	sh->cipher = (uint16_t)lq_cur_u16(&body);
	lq_cur_u8(&body); /* legacy_compression_method */
	if (body.bad)
		return LQ_MR_BAD_TLS;
	if (body.n == 0)
		return 0;
	list = lq_cur_sub(&body, lq_cur_u16(&body));
	while (list.n && !list.bad) {
		uint16_t type = (uint16_t)lq_cur_u16(&list);
		struct lq_cur e = lq_cur_sub(&list, lq_cur_u16(&list));

		if (list.bad)
			break;
		keep16(sh->exts, &sh->nexts, &sh->total_exts, LQ_TLS_MAX_EXTS, type);
		if (type == EXT_SUPPORTED_VERSIONS && e.n == 2)
			sh->selected_version = (uint16_t)lq_cur_u16(&e);
		else if (type == EXT_KEY_SHARE && e.n >= 2)
			sh->key_share_group = (uint16_t)lq_cur_u16(&e);
	}
	return list.bad || body.bad ? LQ_MR_BAD_TLS : 0;
}

int lq_gquic_chlo(const uint8_t *msg, size_t len, struct lq_client_hello *ch)
{
	struct lq_cur c = lq_cur(msg, len);
	const uint8_t *tag = lq_cur_take(&c, 4), *table;
	size_t n, values, prev = 0;

	memset(ch, 0, sizeof(*ch));
	ch->chlo = 1;
	if (!tag || memcmp(tag, "CHLO", 4))
		return c.bad ? LQ_MR_BAD_TLS : LQ_MR_NOT_HELLO;
	n = lq_cur_u8(&c) | (size_t)lq_cur_u8(&c) << 8;
	lq_cur_take(&c, 2);
	table = lq_cur_take(&c, 8 * n);
	if (!table)
		return LQ_MR_BAD_TLS;
	values = c.n;
	for (size_t i = 0; i < n; i++) { /* end offsets grow, each within the values */
		const uint8_t *t = table + 8 * i;
		size_t end = (size_t)t[4] | (size_t)t[5] << 8 | (size_t)t[6] << 16 | (size_t)t[7] << 24;

		if (end < prev || end > values)
			return LQ_MR_BAD_TLS;
		if (!memcmp(t, "SNI\0", 4)) {
			size_t l = end - prev;
			ch->has_sni = 1;
			if (l >= 1 && l <= LQ_SNI_MAX) {
				memcpy(ch->sni, c.p + prev, l);
				ch->sni[l] = 0;
				ch->sni_len = (uint8_t)l;
			}
		}
		prev = end;
	}
	return 0;
}
