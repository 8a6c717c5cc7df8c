// SPDX-License-Identifier: BSD-2-Clause
/*
 * ja4.h - JA4 of a ClientHello in its QUIC form ("q"), and JA4S of a
 * ServerHello, as FoxIO's technical_details/JA4.md specifies them
 * (github.com/FoxIO-LLC/ja4). JA4 is BSD-3-Clause; JA4S is under the
 * FoxIO License 1.1, which does not allow selling it as a product feature
 * without their licence (see the README of that repository).
 */
#ifndef LQ_META_JA4_H
#define LQ_META_JA4_H

#include "tls.h"

#define LQ_JA4_LEN 36	/* q13d0310h3_55b375c5d22e_cd85d2d88918 */
#define LQ_JA4S_LEN 25	/* q130200_1301_234ea6891581 */

/* Writes the fingerprint and a NUL; returns 0, or -1 when a list was longer
 * than the hello's arrays (then out is ""). */
int lq_ja4(const struct lq_client_hello *ch, char out[LQ_JA4_LEN + 1]);
int lq_ja4s(const struct lq_server_hello *sh, char out[LQ_JA4S_LEN + 1]);

/* The 2-character TLS version code of JA4 ("13", "12", ..., "00"). */
const char *lq_ja4_version(uint16_t v);

#endif
