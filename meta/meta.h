// SPDX-License-Identifier: BSD-2-Clause
/*
 * meta.h - lqmeta: the metadata of ONE QUIC connection from its datagrams,
 * without keys. The caller decides which datagrams belong to the connection
 * (the tools use the tracker's labels) and feeds each one's UDP payload, in
 * order, both directions, with its direction and time:
 *
 *     struct lq_meta m;
 *     lq_meta_init(&m, NULL);                  // default limits
 *     for each datagram of the connection, while !lq_meta_done(&m):
 *         lq_meta_feed(&m, dir, ts_ns, payload, len, wire_len);
 *     lq_meta_finish(&m);                      // no more will come
 *     const struct lq_meta_info *i = lq_meta_info(&m);
 *     ... i->ch.sni, i->ja4, i->client_reason ...
 *     lq_meta_free(&m);
 *
 * Keys: the DCID of the client's first Initial keys every Initial of the
 * connection in both directions; after a Retry (its integrity tag checked
 * when the version has one), the Retry's SCID does (RFC 9001 §5.2). After
 * Version Negotiation, a client Initial of another version starts again
 * with that Initial's DCID (RFC 9000 §6.2); a server Initial of another
 * version without one (compatible negotiation, RFC 9368 §2.3) is opened
 * with that version's keys from the same DCID.
 *
 * Trust: every value in lq_meta_info comes from Initials whose AEAD tag
 * checked, or from long headers (CIDs, versions, times). A hello whose
 * CRYPTO data disagreed with itself is never parsed.
 *
 * Cost: keys are derived once per DCID; a connection's state is this struct
 * (a few KiB, no allocation) plus, only while a hello spans several
 * packets, one buffer of at most limits.max_hello_bytes per direction,
 * freed as soon as the hello is parsed or given up.
 *
 * Handshake RTT, as a monitor between the two sees it (the TCP 3-way split
 * that tcptrace and Zeek make for SYN, SYN/ACK, ACK):
 *   rtt_server_ns  the client's first Initial -> the server's first answer
 *                  (the first server datagram with a long header: Initial,
 *                  Retry or Version Negotiation): monitor to server and back;
 *   rtt_client_ns  that answer -> the client's next datagram: monitor to
 *                  client and back, the client's ACK delay included;
 *   handshake_rtt_ns their sum, an estimate of the client-server RTT.
 * Each is -1 when not seen. The timestamps are the caller's (capture time).
 */
#ifndef LQ_META_META_H
#define LQ_META_META_H

#include <stddef.h>
#include <stdint.h>

#include "frames.h"
#include "initial.h"
#include "ja4.h"
#include "reason.h"
#include "tls.h"

enum { LQ_META_C2S = 0, LQ_META_S2C = 1 };

#define LQ_META_DEFAULT_HELLO_BYTES 16384
#define LQ_META_DEFAULT_DATAGRAMS 64
#define LQ_META_MAX_VERSIONS 4
#ifndef LQ_META_MAX_COALESCED
#define LQ_META_MAX_COALESCED 8 /* long header packets walked in a datagram */
#endif

struct lq_meta_limits {
	uint32_t max_hello_bytes; /* per direction; over it: over_bound */
	uint32_t max_datagrams;	  /* stop learning after this many */
	/* done once the client's side is settled (its ClientHello parsed, or
	 * given up): for a reader of the SNI and ALPN alone (the table), which
	 * then pays for no server Initial, JA4S or handshake RTT (they stay
	 * unknown). The client's side gives what it gives without the limit,
	 * but for a client that starts again after Version Negotiation: its
	 * first ClientHello, parsed before the VN came, is the one kept. */
	uint32_t client_only;
};

struct lq_meta_cid {
	uint8_t len;
	uint8_t id[LQ_CID_MAX];
};

struct lq_meta_info {
	uint32_t version;	/* of the client's first Initial (0: none seen) */
	uint32_t hello_version; /* of the Initials whose ClientHello was parsed */
	uint32_t server_version; /* of the server's first Initial */
	uint8_t nversions;
	uint32_t versions[LQ_META_MAX_VERSIONS]; /* every long header version, in order */
	uint8_t vn_seen, retry_seen;
	int8_t retry_verified;	/* 1 tag checked, 0 the version has none, -1 no Retry */
	uint16_t retries_ignored; /* Retries a client would drop (a second, bad tag, late) */
	struct lq_meta_cid original_dcid, client_scid, server_scid, retry_scid;
	uint8_t client_reason, server_reason; /* enum lq_meta_reason */
	uint8_t has_ch, has_sh;
	struct lq_client_hello ch;
	struct lq_server_hello sh;
	char ja4[LQ_JA4_LEN + 1];   /* "" when not known */
	char ja4s[LQ_JA4S_LEN + 1];
	int8_t iscid_match;	    /* 1 the TP equals the client's SCID, 0 differs, -1 not sent */
	int64_t rtt_server_ns, rtt_client_ns, handshake_rtt_ns;
	uint32_t datagrams[2];
	uint32_t initials[2];	    /* Initial packets seen each way */
	uint32_t initials_opened[2]; /* ... whose tag checked */
	uint32_t initials_failed[2]; /* ... whose tag did not: nothing used */
	uint8_t close_seen;	    /* a CONNECTION_CLOSE in an Initial */
	uint64_t close_error;
};

struct lq_meta {
	struct lq_meta_limits lim;
	struct lq_meta_info info;
	struct lq_initial_version ver;	     /* of the keys */
	struct lq_initial_keys keys[2];	     /* client's, server's */
	struct lq_initial_version alt_ver;   /* a second version's keys (RFC 9368) */
	struct lq_initial_keys alt_keys[2];
	struct lq_meta_cid key_dcid;	     /* what the keys come from */
	uint64_t largest_pn[2];
	uint8_t have_pn[2];
	uint8_t have_keys, have_alt;
	uint8_t unsupported;		     /* a version we cannot open was sent */
	uint8_t crypto_seen[2];		     /* a CRYPTO frame came each way */
	uint8_t done, finished;
	uint8_t vn_restarted;		     /* the attempt after VN has begun */
	uint8_t answered;		     /* the server's first answer was seen */
	int64_t t_client_initial, t_answer;
	uint32_t fed;
	struct lq_crypto_stream stream[2];
};

void lq_meta_init(struct lq_meta *m, const struct lq_meta_limits *lim /* NULL: defaults */);

/* dir: LQ_META_C2S or LQ_META_S2C. wire_len: the datagram's length on the
 * wire (len may be less when the capture cut it; a cut packet fails its tag). */
void lq_meta_feed(struct lq_meta *m, int dir, uint64_t ts_ns, const uint8_t *udp_payload,
		  size_t len, size_t wire_len);

/* 1 when nothing more can be learned: both hellos parsed or given up and
 * the RTT measured or out of reach, or the datagram limit reached. */
int lq_meta_done(const struct lq_meta *m);

/* No more datagrams will come: what is still pending gets its reason. */
void lq_meta_finish(struct lq_meta *m);

const struct lq_meta_info *lq_meta_info(const struct lq_meta *m);

/* Frees what a connection holds (nothing once done); m may be reused after init. */
void lq_meta_free(struct lq_meta *m);

/* Frees this thread's AES contexts and buffers (made again when needed). */
void lq_meta_thread_cleanup(void);

#endif
