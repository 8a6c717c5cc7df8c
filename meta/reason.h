// SPDX-License-Identifier: BSD-2-Clause
/*
 * reason.h - why a hello was or was not learned: the one list, as an X-macro
 * (name, text), so the enum, the names printed and the tests cannot drift.
 */
#ifndef LQ_META_REASON_H
#define LQ_META_REASON_H

#define LQ_META_REASONS(X)                                                          \
	X(PENDING, "pending")		  /* still learning: feed more */            \
	X(OK, "ok")			  /* parsed from authenticated bytes */      \
	X(NO_INITIAL, "not_initial_seen") /* no Initial of that side was seen */     \
	X(UNSUPPORTED, "unsupported_version") /* gQUIC Q043/Q046, unknown versions */ \
	X(DECRYPT_FAILED, "decrypt_failed")   /* Initials seen, none authenticated */ \
	X(NO_CRYPTO, "no_crypto")	  /* Initials opened, none with CRYPTO data */ \
	X(CRYPTO_GAP, "crypto_gap")	  /* the stream never filled from offset 0 */ \
	X(CRYPTO_CONFLICT, "crypto_conflict") /* overlapping CRYPTO data disagreed */ \
	X(OVER_BOUND, "over_bound")	  /* the hello is larger than the limit */   \
	X(TOO_FRAGMENTED, "too_fragmented") /* more holes than the range table */    \
	X(BAD_FRAME, "bad_frame")	  /* a frame ran past its packet */          \
	X(BAD_TLS, "bad_tls")		  /* the hello does not parse */             \
	X(NOT_HELLO, "not_hello")	  /* the first message is no Client/ServerHello */ \
	X(NO_MEMORY, "no_memory")

enum lq_meta_reason {
#define LQ_MR_ENUM(id, text) LQ_MR_##id,
	LQ_META_REASONS(LQ_MR_ENUM)
#undef LQ_MR_ENUM
	LQ_MR_COUNT
};

/* "ok", "crypto_gap", ...; "?" out of range. */
const char *lq_meta_reason_name(enum lq_meta_reason r);

#endif
