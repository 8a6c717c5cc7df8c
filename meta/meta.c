// SPDX-License-Identifier: BSD-2-Clause
/*
 * meta.c - the per-connection state machine of lqmeta (see meta.h): walks
 * each datagram's long header packets by their Length (RFC 9000 §12.2),
 * opens the Initials, feeds their CRYPTO frames to each direction's stream
 * and parses the hellos once whole.
 */
#include "meta.h"

#include <string.h>

#include "wire.h"

const char *lq_meta_reason_name(enum lq_meta_reason r)
{
	static const char *const names[] = {
#define LQ_MR_NAME(id, text) text,
		LQ_META_REASONS(LQ_MR_NAME)
#undef LQ_MR_NAME
	};
	_Static_assert(sizeof(names) / sizeof(names[0]) == LQ_MR_COUNT, "one name per reason");
	return (unsigned)r < LQ_MR_COUNT ? names[r] : "?";
}

/* One datagram's plaintext at a time, per thread (UDP payloads < 64 KiB). */
static _Thread_local uint8_t plain[65536];

void lq_meta_thread_cleanup(void)
{
	lq_initial_thread_cleanup();
}

void lq_meta_init(struct lq_meta *m, const struct lq_meta_limits *lim)
{
	memset(m, 0, sizeof(*m));
	m->lim.max_hello_bytes = lim && lim->max_hello_bytes ? lim->max_hello_bytes
							     : LQ_META_DEFAULT_HELLO_BYTES;
	m->lim.max_datagrams = lim && lim->max_datagrams ? lim->max_datagrams
							 : LQ_META_DEFAULT_DATAGRAMS;
	m->lim.client_only = lim && lim->client_only;
	m->info.client_reason = m->info.server_reason = LQ_MR_PENDING;
	m->info.iscid_match = -1;
	m->info.retry_verified = -1;
	m->info.rtt_server_ns = m->info.rtt_client_ns = m->info.handshake_rtt_ns = -1;
	lq_crypto_init(&m->stream[0], m->lim.max_hello_bytes, 0);
	lq_crypto_init(&m->stream[1], m->lim.max_hello_bytes, 0);
}

void lq_meta_free(struct lq_meta *m)
{
	lq_crypto_free(&m->stream[0]);
	lq_crypto_free(&m->stream[1]);
}

const struct lq_meta_info *lq_meta_info(const struct lq_meta *m)
{
	return &m->info;
}

static void set_cid(struct lq_meta_cid *c, const uint8_t *id, size_t len)
{
	c->len = (uint8_t)len;
	memcpy(c->id, id, len);
}

static void note_version(struct lq_meta_info *i, uint32_t v)
{
	for (unsigned k = 0; k < i->nversions; k++)
		if (i->versions[k] == v)
			return;
	if (i->nversions < LQ_META_MAX_VERSIONS)
		i->versions[i->nversions++] = v;
}

/* (Re)starts key and stream state from dcid for version v. */
static void start_keys(struct lq_meta *m, const struct lq_initial_version *v, const uint8_t *dcid,
		       size_t dcid_len, int reset_streams)
{
	m->ver = *v;
	set_cid(&m->key_dcid, dcid, dcid_len);
	/* client_only opens no server Initial: the client's keys alone */
	m->have_keys = !lq_initial_derive(v, dcid, dcid_len, &m->keys[0],
					  m->lim.client_only ? NULL : &m->keys[1]);
	m->have_alt = 0;
	if (reset_streams) {
		for (int d = 0; d < 2; d++) {
			lq_crypto_free(&m->stream[d]);
			lq_crypto_init(&m->stream[d], m->lim.max_hello_bytes, v->gquic);
			m->have_pn[d] = 0;
		}
	}
}

static void client_hello(struct lq_meta *m, const uint8_t *msg, size_t len)
{
	struct lq_meta_info *i = &m->info;
	int r = m->ver.gquic ? lq_gquic_chlo(msg, len, &i->ch)
			     : lq_tls_client_hello(msg, len, m->ver.old_tp, &i->ch);

	if (r) {
		memset(&i->ch, 0, sizeof(i->ch));
		i->client_reason = (uint8_t)r;
		return;
	}
	i->has_ch = 1;
	i->client_reason = LQ_MR_OK;
	i->hello_version = m->ver.version;
	lq_ja4(&i->ch, i->ja4);
	if (i->ch.tp.have & LQ_TPH_ISCID) /* RFC 9000 §7.3: must equal the long header's SCID */
		i->iscid_match = i->ch.tp.iscid_len == i->client_scid.len &&
				 !memcmp(i->ch.tp.iscid, i->client_scid.id, i->client_scid.len);
}

static void server_hello(struct lq_meta *m, const uint8_t *msg, size_t len)
{
	struct lq_meta_info *i = &m->info;
	int r = lq_tls_server_hello(msg, len, &i->sh);

	if (r) {
		memset(&i->sh, 0, sizeof(i->sh));
		i->server_reason = (uint8_t)r;
		return;
	}
	i->has_sh = 1;
	i->server_reason = LQ_MR_OK;
	lq_ja4s(&i->sh, i->ja4s);
}

/* The keys for a packet of version v in direction dir, or NULL. */
static const struct lq_initial_keys *keys_for(struct lq_meta *m, int dir,
					      const struct lq_initial_version *v)
{
	if (!m->have_keys || (dir == LQ_META_S2C && m->lim.client_only))
		return NULL;
	if (v->version == m->ver.version)
		return &m->keys[dir];
	if (!m->have_alt || m->alt_ver.version != v->version) {
		m->alt_ver = *v;
		m->have_alt = !lq_initial_derive(v, m->key_dcid.id, m->key_dcid.len, &m->alt_keys[0],
						 m->lim.client_only ? NULL : &m->alt_keys[1]);
		if (!m->have_alt)
			return NULL;
	}
	return &m->alt_keys[dir];
}

static void initial(struct lq_meta *m, int dir, const struct lq_initial_version *v,
		    const uint8_t *pkt, size_t pkt_len, size_t pn_off, const uint8_t *dcid,
		    size_t dcid_len, const uint8_t *scid, size_t scid_len)
{
	struct lq_meta_info *i = &m->info;
	struct lq_crypto_stream *s = &m->stream[dir];
	const struct lq_initial_keys *k;
	struct lq_frames_seen seen;
	struct lq_opened o;
	int r;

	i->initials[dir]++;
	if (dir == LQ_META_C2S) {
		if (!i->version) { /* the first client Initial names the connection */
			i->version = v->version;
			set_cid(&i->original_dcid, dcid, dcid_len);
			set_cid(&i->client_scid, scid, scid_len);
			start_keys(m, v, dcid, dcid_len, 1);
		} else if (v->version != m->ver.version && i->vn_seen && !m->vn_restarted) {
			/* A new attempt after Version Negotiation (RFC 9000 §6.2): keys
			 * from its DCID, and its hellos are the ones that count. */
			m->vn_restarted = 1;
			set_cid(&i->client_scid, scid, scid_len);
			start_keys(m, v, dcid, dcid_len, 1);
			i->has_ch = i->has_sh = 0;
			memset(&i->ch, 0, sizeof(i->ch));
			memset(&i->sh, 0, sizeof(i->sh));
			i->ja4[0] = i->ja4s[0] = 0;
			i->iscid_match = -1;
			i->client_reason = i->server_reason = LQ_MR_PENDING;
			i->hello_version = 0;
		}
	} else if (!i->server_scid.len && !i->server_version) {
		i->server_version = v->version;
		set_cid(&i->server_scid, scid, scid_len);
	}
	k = keys_for(m, dir, v);
	if (!k)
		return;
	if (v->version != m->ver.version && s->reason == LQ_MR_PENDING && !s->nranges &&
	    s->chlo != v->gquic)
		lq_crypto_init(s, m->lim.max_hello_bytes, v->gquic);

	switch (lq_initial_open(k, pkt, pkt_len, pn_off, m->largest_pn[dir], m->have_pn[dir],
				plain, &o)) {
	case LQ_OPEN_OK:
		break;
	case LQ_OPEN_CRYPTO_ERR:
		return;
	default:
		i->initials_failed[dir]++;
		return;
	}
	i->initials_opened[dir]++;
	if (!m->have_pn[dir] || o.pn > m->largest_pn[dir])
		m->largest_pn[dir] = o.pn;
	m->have_pn[dir] = 1;

	r = lq_frames_walk(o.plain, o.plain_len, v->crypto_frame, s, &seen);
	if (seen.crypto_frames)
		m->crypto_seen[dir] = 1;
	if (seen.close) {
		i->close_seen = 1;
		i->close_error = seen.close_error;
	}
	if (seen.bad && r == 0 && s->reason == LQ_MR_PENDING) {
		/* a frame that lies about its length: the stream is not trusted further */
		s->reason = LQ_MR_BAD_FRAME;
		lq_crypto_free(s);
		r = -1;
	}
	if (r == 1 && (dir ? i->server_reason : i->client_reason) == LQ_MR_PENDING) {
		if (dir == LQ_META_C2S)
			client_hello(m, s->msg, s->need);
		else
			server_hello(m, s->msg, s->need);
		lq_crypto_free(s); /* the hello is parsed: its bytes are not kept */
	} else if (r < 0) {
		uint8_t *reason = dir ? &i->server_reason : &i->client_reason;
		if (*reason == LQ_MR_PENDING)
			*reason = s->reason;
	}
}

static void retry(struct lq_meta *m, const struct lq_initial_version *v, const uint8_t *pkt,
		  size_t len, const uint8_t *scid, size_t scid_len)
{
	struct lq_meta_info *i = &m->info;
	int valid;

	/* RFC 9000 §17.2.5.2: a client takes one Retry, and none once it has
	 * an Initial from the server; the others change nothing here either. */
	if (i->retry_seen || i->initials[LQ_META_S2C] || !i->version) {
		i->retries_ignored++;
		return;
	}
	valid = lq_initial_retry_valid(v, i->original_dcid.id, i->original_dcid.len, pkt, len);
	if (valid == 0) {
		i->retries_ignored++;
		return;
	}
	i->retry_seen = 1;
	i->retry_verified = (int8_t)(valid == 1);
	set_cid(&i->retry_scid, scid, scid_len);
	/* RFC 9001 §5.2: the client's Initials now go to the Retry's SCID, and
	 * both directions' Initial keys come from it. Packet numbers go on. */
	m->ver = *v;
	set_cid(&m->key_dcid, scid, scid_len);
	m->have_keys = !lq_initial_derive(v, scid, scid_len, &m->keys[0], &m->keys[1]);
	m->have_alt = 0;
	if (i->client_reason == LQ_MR_PENDING) {
		lq_crypto_free(&m->stream[0]);
		lq_crypto_init(&m->stream[0], m->lim.max_hello_bytes, v->gquic);
	}
}

static void rtt(struct lq_meta *m, int dir, int64_t ts, int long_header)
{
	struct lq_meta_info *i = &m->info;

	if (dir == LQ_META_S2C && long_header && !m->answered && i->initials[0]) {
		m->answered = 1;
		m->t_answer = ts;
		i->rtt_server_ns = ts - m->t_client_initial;
	} else if (dir == LQ_META_C2S && m->answered && i->rtt_client_ns < 0 && ts >= m->t_answer) {
		i->rtt_client_ns = ts - m->t_answer;
		if (i->rtt_server_ns >= 0)
			i->handshake_rtt_ns = i->rtt_server_ns + i->rtt_client_ns;
	}
}

/* Which candidate protects a reserved version's client Initial: the one
 * whose tag checks (then *v is it). Non-zero when none does. */
static int reserved_version(struct lq_meta *m, int dir, struct lq_initial_version *v,
			    const struct lq_initial_version *cand, int ncand, const uint8_t *pkt,
			    size_t pkt_len, size_t pn_off, const uint8_t *dcid, size_t dcil)
{
	struct lq_initial_keys ck, sk;
	struct lq_opened o;

	if (m->have_keys && m->ver.version == v->version) {
		*v = m->ver; /* found with an earlier Initial */
		return 0;
	}
	if (dir != LQ_META_C2S || m->info.version)
		return -1;
	for (int j = 0; j < ncand; j++) {
		if (lq_initial_derive(&cand[j], dcid, dcil, &ck, &sk))
			continue;
		if (lq_initial_open(&ck, pkt, pkt_len, pn_off, 0, 0, plain, &o) == LQ_OPEN_OK) {
			*v = cand[j];
			return 0;
		}
	}
	m->info.initials[dir]++;
	m->info.initials_failed[dir]++;
	return -1;
}

/* Google QUIC before Q046 has a public header with a version flag
 * (0x01) and an 8-byte connection ID (0x08): version at byte 9. */
static int gquic_public_header(const uint8_t *p, size_t n)
{
	return n >= 13 && (p[0] & 0x89) == 0x09 && p[9] == 'Q' && p[10] == '0';
}

static void datagram(struct lq_meta *m, int dir, int64_t ts, const uint8_t *p, size_t n)
{
	struct lq_meta_info *i = &m->info;
	size_t off = 0;
	int first = 1;

	for (int k = 0; k < LQ_META_MAX_COALESCED && off < n; k++, first = 0) {
		struct lq_cur c = lq_cur(p + off, n - off);
		struct lq_initial_version v;
		const uint8_t *dcid, *scid;
		size_t dcil, scil, pn_off, pkt_len;
		uint8_t b0 = (uint8_t)lq_cur_u8(&c);
		uint32_t version;
		enum lq_long_type t;
		uint64_t length;
		struct lq_initial_version cand[2];
		int ncand = 0;

		if (!(b0 & 0x80)) { /* short header: nothing more in this datagram */
			if (first) {
				if (dir == LQ_META_C2S && !i->version && gquic_public_header(p, n))
					m->unsupported = 1;
				rtt(m, dir, ts, 0);
			}
			return;
		}
		version = lq_cur_u32(&c);
		if (c.bad)
			return;
		if (first)
			rtt(m, dir, ts, 1);
		if (version == 0) { /* Version Negotiation (RFC 9000 §17.2.1) */
			if (dir == LQ_META_S2C && i->version)
				i->vn_seen = 1;
			return;
		}
		if (!lq_initial_version_info(version, &v) &&
		    (ncand = lq_initial_reserved_candidates(version, cand, 2)) > 0) {
			v = cand[0]; /* the invariant layout; which protection, the tag tells */
		} else if (!v.known) {
			/* RFC 8999 §5.1: any version's long header has CIDs of at most
			 * 255 bytes; a client's first ones have the fixed bit and at most
			 * 20 (RFC 9000 §17.2). Reserved versions (0x?a?a?a?a) only draw a
			 * VN; other versions we cannot open. */
			size_t d = lq_cur_u8(&c), s2;
			int google = (version >> 16) == 0x5130 || (version >> 16) == 0x5430; /* Q0, T0 */

			lq_cur_take(&c, d);
			s2 = lq_cur_u8(&c);
			if (!(b0 & 0x40) || (!google && (c.bad || d > LQ_CID_MAX || s2 > LQ_CID_MAX)))
				return;
			note_version(i, version);
			/* Versions of QUIC's families that we cannot open: Google's, the
			 * IETF drafts before header protection, mvfst's others. */
			if (dir == LQ_META_C2S && (google || (version >> 8) == 0xff0000 ||
						   (version >> 12) == 0xfaceb))
				m->unsupported = 1;
			return;
		}
		note_version(i, version);
		if (v.nibble_cids) { /* drafts <= 21: DCIL and SCIL in one byte, 0 or 3..18 */
			unsigned b = lq_cur_u8(&c);
			dcil = (b >> 4) ? (b >> 4) + 3 : 0;
			scil = (b & 15) ? (b & 15) + 3 : 0;
			dcid = lq_cur_take(&c, dcil);
			scid = lq_cur_take(&c, scil);
		} else {
			dcil = lq_cur_u8(&c);
			dcid = lq_cur_take(&c, dcil);
			scil = lq_cur_u8(&c);
			scid = lq_cur_take(&c, scil);
		}
		if (c.bad || dcil > LQ_CID_MAX || scil > LQ_CID_MAX)
			return;
		t = lq_initial_long_type(&v, b0);
		if (t == LQ_LT_RETRY) { /* the rest of the datagram is the Retry */
			if (dir == LQ_META_S2C)
				retry(m, &v, p + off, n - off, scid, scil);
			return;
		}
		if (t == LQ_LT_INITIAL)
			lq_cur_take(&c, (size_t)lq_cur_varint(&c)); /* token */
		length = lq_cur_varint(&c);
		if (c.bad || length > c.n)
			return; /* a Length past the datagram: nothing after it can be found */
		pn_off = (size_t)(c.p - (p + off));
		pkt_len = pn_off + (size_t)length;
		if (t == LQ_LT_INITIAL && ncand &&
		    reserved_version(m, dir, &v, cand, ncand, p + off, pkt_len, pn_off, dcid, dcil))
			t = LQ_LT_0RTT; /* opened by none of them: nothing to learn from it */
		if (t == LQ_LT_INITIAL)
			initial(m, dir, &v, p + off, pkt_len, pn_off, dcid, dcil, scid, scil);
		off += pkt_len;
	}
}

/* What is still pending gets the reason that explains it. */
static void settle(struct lq_meta *m)
{
	struct lq_meta_info *i = &m->info;

	for (int d = 0; d < 2; d++) {
		uint8_t *r = d ? &i->server_reason : &i->client_reason;
		if (*r != LQ_MR_PENDING)
			continue;
		if (!i->initials[d])
			*r = (d == LQ_META_C2S && m->unsupported) || (d && m->unsupported && !i->version)
				     ? LQ_MR_UNSUPPORTED : LQ_MR_NO_INITIAL;
		else if (!i->initials_opened[d])
			*r = LQ_MR_DECRYPT_FAILED;
		else if (!m->crypto_seen[d])
			*r = LQ_MR_NO_CRYPTO;
		else
			*r = LQ_MR_CRYPTO_GAP;
		lq_crypto_free(&m->stream[d]);
	}
}

static int learned_all(const struct lq_meta *m)
{
	const struct lq_meta_info *i = &m->info;

	if (m->lim.client_only)
		return i->client_reason != LQ_MR_PENDING;
	return i->client_reason != LQ_MR_PENDING && i->server_reason != LQ_MR_PENDING &&
	       (i->rtt_client_ns >= 0 || !m->answered);
}

void lq_meta_feed(struct lq_meta *m, int dir, uint64_t ts_ns, const uint8_t *udp_payload,
		  size_t len, size_t wire_len)
{
	struct lq_meta_info *i = &m->info;

	(void)wire_len; /* a cut datagram simply fails its tag */
	if (m->done || m->finished || !udp_payload || (dir != LQ_META_C2S && dir != LQ_META_S2C))
		return;
	if (len > sizeof(plain))
		len = sizeof(plain);
	m->fed++;
	i->datagrams[dir]++;
	if (dir == LQ_META_C2S && !i->initials[0])
		m->t_client_initial = (int64_t)ts_ns; /* overwritten until the first Initial */
	datagram(m, dir, (int64_t)ts_ns, udp_payload, len);
	/* A side that gave up cannot be helped by the other's: the client's
	 * unsupported version means no server Initial will open either. */
	if (m->unsupported && !i->initials[0]) {
		settle(m);
	}
	if (learned_all(m) || m->fed >= m->lim.max_datagrams) {
		settle(m);
		m->done = 1;
	}
}

int lq_meta_done(const struct lq_meta *m)
{
	return m->done || m->finished;
}

void lq_meta_finish(struct lq_meta *m)
{
	settle(m);
	m->finished = 1;
}
