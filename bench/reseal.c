// SPDX-License-Identifier: BSD-2-Clause
/*
 * reseal.c - the Initials of linkquic-gen's copies, sealed again under the
 * copy's CIDs (see reseal.h).
 */
#include "reseal.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "initial.h"

#define MAX_CANDS 8	/* key DCIDs tried per connection */
#define MAX_PKTS 4	/* long header packets walked per datagram */

struct reseal_pkt {
	uint32_t off, len, pn_off; /* in the datagram */
	uint8_t retry, server, pn_len, b0;
	uint64_t pn;
	uint8_t key_len, key_dcid[LQ_CID_MAX]; /* the source CID its keys (a Retry: its tag) come from */
	int32_t iscid_off;		       /* the client's SCID in the plaintext, -1 none */
	uint8_t iscid_len;
	struct lq_initial_version v;
	uint8_t *plain;
	uint32_t plain_len;
};

struct reseal_set {
	uint32_t n;
	struct reseal_pkt p[];
};

struct cid {
	uint8_t len, id[LQ_CID_MAX];
};

/* A long header packet of a datagram. */
struct lh {
	uint32_t off, len, pn_off;
	int type; /* enum lq_long_type, -1 not one we reseal */
	struct lq_initial_version v[2];
	int nv;
	struct cid dcid, scid;
};

static uint64_t varint(const uint8_t **p, const uint8_t *end, int *bad)
{
	uint64_t v;
	unsigned n, i;

	if (*p >= end) {
		*bad = 1;
		return 0;
	}
	n = 1u << (**p >> 6);
	if ((size_t)(end - *p) < n) {
		*bad = 1;
		return 0;
	}
	v = **p & 0x3f;
	for (i = 1; i < n; i++)
		v = v << 8 | (*p)[i];
	*p += n;
	return v;
}

/* The long header packets of a datagram, up to MAX_PKTS. */
static int walk(const uint8_t *d, uint32_t n, struct lh *out)
{
	uint32_t off = 0;
	int k = 0;

	while (off + 7 <= n && k < MAX_PKTS && (d[off] & 0x80)) {
		const uint8_t *p = d + off + 5, *end = d + n;
		uint32_t version = (uint32_t)d[off + 1] << 24 | (uint32_t)d[off + 2] << 16 |
				   (uint32_t)d[off + 3] << 8 | d[off + 4];
		struct lh *h = &out[k];
		int bad = 0;
		uint64_t len;

		memset(h, 0, sizeof(*h));
		h->off = off;
		h->type = -1;
		if (!version)
			break; /* Version Negotiation: nothing sealed */
		if (lq_initial_version_info(version, &h->v[0]))
			h->nv = 1;
		else
			h->nv = lq_initial_reserved_candidates(version, h->v, 2);
		h->dcid.len = *p++;
		if (h->dcid.len > LQ_CID_MAX || p + h->dcid.len + 1 > end)
			break;
		memcpy(h->dcid.id, p, h->dcid.len);
		p += h->dcid.len;
		h->scid.len = *p++;
		if (h->scid.len > LQ_CID_MAX || p + h->scid.len > end)
			break;
		memcpy(h->scid.id, p, h->scid.len);
		p += h->scid.len;
		if (!h->nv)
			break; /* a version we cannot open: its Length layout is unknown too */
		h->type = (int)lq_initial_long_type(&h->v[0], d[off]);
		if (h->type == LQ_LT_RETRY) {
			h->len = n - off; /* the rest of the datagram */
			k++;
			break;
		}
		if (h->type == LQ_LT_INITIAL)
			p += varint(&p, end, &bad); /* token */
		len = varint(&p, end, &bad);
		if (bad || p > end || len > (uint64_t)(end - p))
			break;
		h->pn_off = (uint32_t)(p - (d + off));
		h->len = h->pn_off + (uint32_t)len;
		off += h->len;
		k++;
	}
	return k;
}

static void add_cand(struct cid *c, int *nc, const struct cid *x)
{
	int i;

	for (i = 0; i < *nc; i++)
		if (c[i].len == x->len && !memcmp(c[i].id, x->id, x->len))
			return;
	if (*nc < MAX_CANDS)
		c[(*nc)++] = *x;
}

/* Opens the Initial h of datagram d with the first candidate whose keys
 * check its tag; fills p. 0, or -1 when none does. */
static int open_initial(const uint8_t *d, const struct lh *h, int server, const struct cid *c,
			int nc, uint64_t largest, int have, struct reseal_pkt *p)
{
	static uint8_t plain[65536];
	struct lq_initial_keys ck, sk;
	struct lq_opened o;
	int i, j;

	for (i = 0; i < nc; i++) {
		for (j = 0; j < h->nv; j++) {
			if (lq_initial_derive(&h->v[j], c[i].id, c[i].len, &ck, &sk))
				continue;
			if (lq_initial_open(server ? &sk : &ck, d + h->off, h->len, h->pn_off, largest,
					    have, plain, &o) != LQ_OPEN_OK)
				continue;
			p->off = h->off;
			p->len = h->len;
			p->pn_off = h->pn_off;
			p->server = (uint8_t)server;
			p->pn_len = (uint8_t)o.pn_len;
			p->pn = o.pn;
			p->b0 = o.b0;
			p->key_len = c[i].len;
			memcpy(p->key_dcid, c[i].id, c[i].len);
			p->v = h->v[j];
			p->plain_len = (uint32_t)o.plain_len;
			p->plain = malloc(o.plain_len ? o.plain_len : 1);
			if (!p->plain)
				return -2;
			memcpy(p->plain, o.plain, o.plain_len);
			p->iscid_off = -1;
			if (!server && h->scid.len >= 4) {
				const uint8_t *at = memmem(o.plain, o.plain_len, h->scid.id, h->scid.len);

				if (at) {
					p->iscid_off = (int32_t)(at - o.plain);
					p->iscid_len = h->scid.len;
				}
			}
			return 0;
		}
	}
	return -1;
}

int reseal_learn(const struct reseal_dgram *d, uint32_t n, struct reseal_set **out)
{
	struct cid cand[MAX_CANDS], last_client;
	struct lh h[MAX_PKTS];
	uint64_t largest[2] = { 0, 0 };
	int nc = 0, have[2] = { 0, 0 }, total = 0, k, np;
	uint32_t i;

	memset(&last_client, 0, sizeof(last_client));
	/* the CIDs keys may come from: every client Initial's DCID (the first,
	 * a new one after Version Negotiation), every Retry's SCID */
	for (i = 0; i < n; i++) {
		np = walk(d[i].payload, d[i].len, h);
		for (k = 0; k < np; k++) {
			if (!d[i].from_server && h[k].type == LQ_LT_INITIAL)
				add_cand(cand, &nc, &h[k].dcid);
			if (d[i].from_server && h[k].type == LQ_LT_RETRY)
				add_cand(cand, &nc, &h[k].scid);
		}
	}
	for (i = 0; i < n; i++) {
		struct reseal_pkt pk[MAX_PKTS];
		int m = 0, s = d[i].from_server;

		out[i] = NULL;
		np = walk(d[i].payload, d[i].len, h);
		for (k = 0; k < np; k++) {
			struct reseal_pkt *p = &pk[m];

			memset(p, 0, sizeof(*p));
			if (!s && h[k].type == LQ_LT_INITIAL && !last_client.len)
				last_client = h[k].dcid;
			if (s && h[k].type == LQ_LT_RETRY && h[k].v[0].retry_key && h[k].len > 16 &&
			    last_client.len) {
				/* its tag is over the DCID of the Initial it answers */
				p->retry = 1;
				p->server = 1;
				p->off = h[k].off;
				p->len = h[k].len;
				p->v = h[k].v[0];
				p->key_len = last_client.len;
				memcpy(p->key_dcid, last_client.id, last_client.len);
				m++;
				continue;
			}
			if (h[k].type != LQ_LT_INITIAL)
				continue;
			switch (open_initial(d[i].payload, &h[k], s, cand, nc, largest[s], have[s], p)) {
			case 0:
				if (!have[s] || p->pn > largest[s])
					largest[s] = p->pn;
				have[s] = 1;
				m++;
				break;
			case -2:
				return -1;
			default:
				break; /* not opened by any: left as it is (it fails in the copy too) */
			}
		}
		if (!s && np && h[0].type == LQ_LT_INITIAL)
			last_client = h[0].dcid;
		if (!m)
			continue;
		out[i] = malloc(sizeof(struct reseal_set) + (size_t)m * sizeof(struct reseal_pkt));
		if (!out[i])
			return -1;
		out[i]->n = (uint32_t)m;
		memcpy(out[i]->p, pk, (size_t)m * sizeof(pk[0]));
		total += m;
	}
	return total;
}

/* RFC 9001 §5.8: the Retry's tag over the pseudo-packet (ODCID, then the
 * Retry without its tag), AES-128-GCM with the version's fixed key. */
static void retry_tag(const struct reseal_pkt *p, const uint8_t *odcid, uint8_t *pkt)
{
	static uint8_t pseudo[1 + LQ_CID_MAX + 65536];
	uint8_t tag[16], none[16];
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	size_t n = 1 + p->key_len + p->len - 16;
	int outl;

	if (!ctx)
		return;
	pseudo[0] = p->key_len;
	memcpy(pseudo + 1, odcid, p->key_len);
	memcpy(pseudo + 1 + p->key_len, pkt, p->len - 16);
	if (EVP_EncryptInit_ex(ctx, EVP_aes_128_gcm(), NULL, p->v.retry_key, p->v.retry_nonce) == 1 &&
	    EVP_EncryptUpdate(ctx, NULL, &outl, pseudo, (int)n) == 1 &&
	    EVP_EncryptFinal_ex(ctx, none, &outl) == 1 &&
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, 16, tag) == 1)
		memcpy(pkt + p->len - 16, tag, 16);
	EVP_CIPHER_CTX_free(ctx);
}

void reseal_apply(const struct reseal_set *s, uint8_t *payload, uint32_t len, const uint8_t key[24])
{
	static uint8_t plain[65536], hdr[128];
	struct lq_initial_keys ck, sk;
	uint8_t dcid[LQ_CID_MAX];
	uint32_t i, j;

	if (!s)
		return;
	for (i = 0; i < s->n; i++) {
		const struct reseal_pkt *p = &s->p[i];

		if (p->off + p->len > len)
			continue;
		for (j = 0; j < p->key_len; j++)
			dcid[j] = p->key_dcid[j] ^ key[j];
		if (p->retry) {
			retry_tag(p, dcid, payload + p->off);
			continue;
		}
		if (p->pn_off + p->pn_len > sizeof(hdr) ||
		    lq_initial_derive(&p->v, dcid, p->key_len, &ck, &sk))
			continue;
		/* the copy's header (its CIDs rewritten already), unprotected */
		memcpy(hdr, payload + p->off, p->pn_off);
		hdr[0] = p->b0;
		for (j = 0; j < p->pn_len; j++)
			hdr[p->pn_off + j] = (uint8_t)(p->pn >> (8 * (p->pn_len - 1 - j)));
		memcpy(plain, p->plain, p->plain_len);
		if (p->iscid_off >= 0)
			for (j = 0; j < p->iscid_len; j++)
				plain[p->iscid_off + (int32_t)j] ^= key[j];
		lq_initial_seal(p->server ? &sk : &ck, hdr, p->pn_off + p->pn_len, p->pn_len, p->pn,
				plain, p->plain_len, payload + p->off);
	}
}
