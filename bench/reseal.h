/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * reseal.h - linkquic-gen's copies keep their Initials decryptable.
 *
 * A copy XORs every CID of its source with a per-copy key. Initial packets
 * are protected with keys derived from the client's first DCID (RFC 9001
 * §5.2) and their header is the AEAD's associated data, so a copied Initial
 * would fail its tag and a benchmark would measure no decryption at all.
 * Here each source Initial is opened once, with the keys of whichever of its
 * connection's client DCIDs (or Retry SCID) opens it; a copy then seals the
 * same plaintext under its own header, with keys from the copy's DCID (the
 * source's XOR the key). The client's initial_source_connection_id in the
 * ClientHello is rewritten too, so it still equals the header's SCID, and a
 * Retry gets its integrity tag (RFC 9001 §5.8) over the copy's DCID.
 */
#ifndef LQ_BENCH_RESEAL_H
#define LQ_BENCH_RESEAL_H

#include <stddef.h>
#include <stdint.h>

/* One datagram of a source connection, in order. */
struct reseal_dgram {
	const uint8_t *payload; /* UDP payload */
	uint32_t len;
	int from_server;
};

/* What a datagram needs to be resealed; NULL when it holds no Initial or
 * Retry that could be opened. */
struct reseal_set;

/* Learns every datagram of one connection: out[i] for dgram[i]. Returns the
 * number of packets that will be resealed, or -1 when out of memory. */
int reseal_learn(const struct reseal_dgram *d, uint32_t n, struct reseal_set **out);

/* Reseals, in place, a copy of the datagram whose CIDs were XORed with key
 * (key[j] for the j-th byte of every CID). */
void reseal_apply(const struct reseal_set *s, uint8_t *payload, uint32_t len,
		  const uint8_t key[24]);

#endif
