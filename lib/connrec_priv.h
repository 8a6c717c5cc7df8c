/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * connrec_priv.h - what lib/connrec.c (the connections) and
 * lib/connrec_json.c (their records) share: a connection as it is kept.
 * lib/ipfix.c, the records' other sink, reads it too.
 */
#ifndef LQ_CONNREC_PRIV_H
#define LQ_CONNREC_PRIV_H

#include <stddef.h>
#include <stdint.h>

#include "connrec.h"
#include "meta.h"

#define CR_VERSIONS 8 /* distinct versions listed per connection */

/* ---- what lqmeta learned, kept compact once it is done --------------------- */

/* client_reason / server_reason beyond lqmeta's: metadata was not asked for */
#define CR_META_OFF 0xff

struct cr_tp {
	uint8_t present, old_format;
	uint16_t ext, have; /* LQ_TPH_* */
	uint64_t max_idle_timeout, max_udp_payload_size, active_connection_id_limit;
	uint8_t iscid[LQ_CID_MAX], iscid_len;
	int8_t iscid_match;
	uint8_t vi_count, vi_draft;
	uint32_t vi_chosen, vi_available[8];
	uint64_t mp_id, mp_value;
	const char *mp_name; /* static, lqmeta's */
};

struct cr_meta {
	uint8_t client_reason, server_reason; /* enum lq_meta_reason, or CR_META_OFF */
	uint8_t has_ch, has_sh;
	uint16_t tls_cipher;
	int64_t rtt_server_ns, rtt_client_ns, handshake_rtt_ns;
	char ja4[LQ_JA4_LEN + 1], ja4s[LQ_JA4S_LEN + 1];
	struct cr_tp tp;
	/* the IDs as lqmeta read them (it also reads the long headers of
	 * versions the tracker does not parse: a reserved one, say) */
	uint8_t has_odcid, has_sscid;
	struct lq_cid odcid, cscid, sscid;
	uint8_t has_sni, has_alpn, nalpn;
	uint16_t sni_len, alpn_bytes;
	uint8_t text[]; /* the SNI's bytes, then each ALPN as a length byte and its bytes */
};

/* ---- connections -------------------------------------------------------------- */

struct cr_path {
	struct lq_endpoint client, server;
	uint64_t first, last, pkts[2], bytes[2];
	uint16_t events;
	uint16_t cid_changes;
};

enum cr_meta_state {
	CR_M_WAIT,     /* no long header yet: nothing to learn from */
	CR_M_LEARNING, /* feeding lqmeta */
	CR_M_DONE,     /* learned: meta freed, sum kept */
};

/* which IDs of the long headers are known */
#define CR_HAVE_ODCID 0x01
#define CR_HAVE_CSCID 0x02
#define CR_HAVE_SSCID 0x04 /* from the server's Initial */
#define CR_HAVE_SSCID_HS 0x08 /* from its Handshake, no Initial of it seen */
#define CR_HAVE_RSCID 0x10

/* What every frame touches comes first, with the first path inline: with
 * many connections each of these is a cache miss. */
struct cr_conn {
	uint64_t conn;
	uint64_t first, last, last_update;
	uint64_t pkts[2], bytes[2];
	struct cr_path *paths; /* path0, or an array once there are more */
	uint32_t npaths, cap, paths_left_out;
	uint32_t version; /* the one it settled on */
	uint16_t events;
	uint8_t have, vn, retry, state, nversions;
	uint32_t cid_changes;
	struct cr_path path0;
	uint32_t versions[CR_VERSIONS];
	struct lq_cid odcid, cscid, sscid, rscid;
	struct lq_meta *meta;
	struct cr_meta *sum;
};

/* A slot of the table: the label beside the connection, so a probe that
 * misses reads no connection. */
struct cr_slot {
	uint64_t conn;
	struct cr_conn *c; /* NULL: empty */
};

struct lq_connrec {
	struct lq_connrec_opts o;
	struct cr_slot *slots; /* open addressing by label, linear probing */
	uint32_t nslots, n;
	uint64_t next_scan, now;
	uint64_t last_scan; /* the sink's updates are due from one scan to the next */
	uint64_t written;
	struct lq_undec *undec;
	char *buf; /* one record as it is written */
	size_t len, cap;
	int oom;
	int names_only; /* no out, no sink: lqmeta for the names alone */
	struct lq_meta_limits lim;
};

/* The record of c: an update, or its end for why; m is what lqmeta learned
 * (NULL: metadata off). Written to cr->o.out as one JSON line. */
void cr_write_json(struct lq_connrec *cr, const struct cr_conn *c, const struct cr_meta *m,
		   int update, enum lq_conn_end why);

#endif
