// SPDX-License-Identifier: BSD-2-Clause
/*
 * tls.h - the TLS 1.3 ClientHello and ServerHello (RFC 8446 §4.1.2, §4.1.3)
 * of a QUIC handshake, with the QUIC transport parameters (RFC 9000 §18,
 * ext 0x39; drafts' 0xffa5), and Google QUIC's CHLO for Q050 (its SNI).
 *
 * Everything is copied into fixed arrays: the parsed hello owns no memory.
 * A list longer than its array is counted whole and kept in part, with
 * *_truncated set (JA4 then refuses to be computed rather than be wrong).
 */
#ifndef LQ_META_TLS_H
#define LQ_META_TLS_H

#include <stddef.h>
#include <stdint.h>

#include "initial.h"

#define LQ_TLS_MAX_CIPHERS 128
#define LQ_TLS_MAX_EXTS 64
#define LQ_TLS_MAX_SIGALGS 64
#define LQ_TLS_MAX_VERSIONS 16
#define LQ_TLS_MAX_GROUPS 32
#define LQ_ALPN_MAX 32	     /* protocols kept */
#define LQ_ALPN_BYTES 512    /* their bytes, all together */
#define LQ_SNI_MAX 255
#define LQ_TP_MAX_IDS 64

/* Transport parameters of interest (RFC 9000 §18.2 and extensions). */
enum {
	LQ_TP_MAX_IDLE_TIMEOUT = 0x01,
	LQ_TP_MAX_UDP_PAYLOAD_SIZE = 0x03,
	LQ_TP_DISABLE_ACTIVE_MIGRATION = 0x0c,
	LQ_TP_ACTIVE_CONNECTION_ID_LIMIT = 0x0e,
	LQ_TP_INITIAL_SOURCE_CONNECTION_ID = 0x0f,
	LQ_TP_VERSION_INFORMATION = 0x11,	   /* RFC 9368 §3 */
	LQ_TP_VERSION_INFORMATION_DRAFT = 0xff73db, /* draft-ietf-quic-version-negotiation */
	LQ_TP_GREASE_QUIC_BIT = 0x2ab2,		   /* RFC 9287 §3 */
};

/* Bits of lq_tp.have. */
enum {
	LQ_TPH_MAX_IDLE = 1 << 0,
	LQ_TPH_MAX_UDP = 1 << 1,
	LQ_TPH_ACID_LIMIT = 1 << 2,
	LQ_TPH_DISABLE_MIGRATION = 1 << 3,
	LQ_TPH_ISCID = 1 << 4,
	LQ_TPH_GREASE_BIT = 1 << 5,
	LQ_TPH_VERSION_INFO = 1 << 6,
	LQ_TPH_MULTIPATH = 1 << 7,
};

struct lq_tp {
	uint8_t present;	/* the extension was there and parsed whole */
	uint8_t old_format;	/* 16-bit ids and lengths (drafts <= 27) */
	uint16_t ext;		/* 0x0039 or 0xffa5 */
	uint16_t have;		/* LQ_TPH_* */
	uint64_t max_idle_timeout;	     /* ms */
	uint64_t max_udp_payload_size;
	uint64_t active_connection_id_limit;
	uint8_t iscid[LQ_CID_MAX];
	uint8_t iscid_len;
	uint32_t vi_chosen;		     /* version_information */
	uint32_t vi_available[8];
	uint8_t vi_count;		     /* kept, of vi_total */
	uint8_t vi_total;
	uint8_t vi_draft;		     /* sent as 0xff73db */
	uint64_t mp_id;			     /* the multipath parameter's id */
	uint64_t mp_value;		     /* its value (0 when empty) */
	const char *mp_name;		     /* what that draft called it */
	uint16_t nids;			     /* ids kept */
	uint16_t total_ids;
	uint64_t ids[LQ_TP_MAX_IDS];	     /* in the order sent */
};

struct lq_client_hello {
	uint16_t legacy_version;
	uint16_t nciphers, total_ciphers;
	uint16_t ciphers[LQ_TLS_MAX_CIPHERS];
	uint16_t nexts, total_exts;
	uint16_t exts[LQ_TLS_MAX_EXTS];	  /* in the order sent */
	uint16_t nversions, total_versions;
	uint16_t versions[LQ_TLS_MAX_VERSIONS]; /* supported_versions */
	uint16_t nsigalgs, total_sigalgs;
	uint16_t sigalgs[LQ_TLS_MAX_SIGALGS];	/* signature_algorithms */
	uint16_t ngroups, total_groups;
	uint16_t groups[LQ_TLS_MAX_GROUPS];	/* supported_groups */
	uint8_t has_sni;	   /* server_name was sent (JA4 "d") */
	uint8_t sni_len;	   /* 0 when none or over LQ_SNI_MAX */
	char sni[LQ_SNI_MAX + 1];  /* the host_name's bytes, NUL after */
	uint8_t has_alpn;
	uint8_t nalpn, total_alpn;	   /* kept, sent (nalpn < total_alpn: cut) */
	uint8_t alpn_len[LQ_ALPN_MAX];
	uint16_t alpn_off[LQ_ALPN_MAX];
	uint8_t alpn[LQ_ALPN_BYTES];
	uint8_t first_alpn_len;	   /* the first protocol, for JA4, even if long */
	uint8_t first_alpn_first, first_alpn_last;
	uint8_t chlo;		   /* a Google QUIC CHLO (only sni is filled) */
	struct lq_tp tp;
};

struct lq_server_hello {
	uint16_t legacy_version;
	uint16_t cipher;
	uint16_t selected_version; /* supported_versions; 0 when absent */
	uint16_t key_share_group;
	uint8_t hrr;		   /* a HelloRetryRequest (RFC 8446 §4.1.3) */
	uint16_t nexts, total_exts;
	uint16_t exts[LQ_TLS_MAX_EXTS];
};

/* GREASE (RFC 8701): 0x?a?a with both bytes equal. */
static inline int lq_tls_grease(uint16_t v)
{
	return (v & 0x0f0f) == 0x0a0a && (v >> 8) == (v & 0xff);
}

/* msg: the whole handshake message (4-byte header included). 0 or an
 * enum lq_meta_reason (LQ_MR_BAD_TLS, LQ_MR_NOT_HELLO). old_tp: the version
 * sends 16-bit transport parameters (tried first on 0xffa5). */
int lq_tls_client_hello(const uint8_t *msg, size_t len, int old_tp, struct lq_client_hello *ch);
int lq_tls_server_hello(const uint8_t *msg, size_t len, struct lq_server_hello *sh);
/* A Q050 CHLO: its SNI tag. */
int lq_gquic_chlo(const uint8_t *msg, size_t len, struct lq_client_hello *ch);

/* Parses a transport parameter list (the extension's body). 0 or -1. */
int lq_tp_parse(const uint8_t *p, size_t n, int old_format, struct lq_tp *tp);

#endif
