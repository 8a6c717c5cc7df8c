/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fuzz_track.h - the tracker's libFuzzer harnesses (tests/fuzz.cmake): their
 * input formats, decoded into frames with capture times, and the settings an
 * input chooses. Shared by the harnesses (fuzz_track.c) and by fuzz_topcap,
 * which writes an input as a capture for linkquic-replay --compare.
 *
 * Three formats, one harness each (tests/FUZZING.md has them byte by byte):
 *   pkt  one Ethernet frame, classified with fresh maps under the default
 *        settings, then again with fresh maps under the guard;
 *   seq  a settings header, then records: an Ethernet frame, or an earlier
 *        one again (as is, or turned around), each after a time delta;
 *   gen  a settings header, then operations that drive a generator of QUIC
 *        datagrams between 2-4 clients and 1-2 servers (fuzz_gen.c).
 */
#ifndef LQ_FUZZ_TRACK_H
#define LQ_FUZZ_TRACK_H

#include <stddef.h>
#include <stdint.h>

#include "classify.h"

#define FZ_FRAME_MAX 1600    /* largest frame an input makes */
#define FZ_FRAMES_MAX 512    /* frames of one input, at most */
#define FZ_SETUP_LEN 8	     /* bytes of the settings header (seq, gen) */
/* Capture time of an input's first frame: 2027-01-15, as a capture has it
 * (a clock at 0 is no clock the tracker ever runs on). */
#define FZ_T0 (1800000000ULL * 1000000000ULL)

enum fz_format { FZ_PKT, FZ_SEQ, FZ_GEN, FZ_FORMATS };

/* Map sizes: every map at 4 or 16 entries (LRU eviction all the time), a
 * mix of 2 to 32, or 1024 (no eviction in inputs of this size). */
enum { FZ_PROFILE_TINY, FZ_PROFILE_SMALL, FZ_PROFILE_MIXED, FZ_PROFILE_ROOMY, FZ_PROFILES };

/* What an input chooses besides its frames. The settings are the ones
 * linkquic-replay's options can express (fz_setup_options), so a capture
 * written from the input replays under the very same lq_config. */
struct fz_setup {
	struct lq_config cfg;
	unsigned profile;  /* FZ_PROFILE_* */
	uint32_t idle_s;   /* --idle-timeout */
	uint32_t lh_rate, lh_burst;	/* --guard-rate R:B, 0 when off */
	uint32_t conn_rate, conn_burst; /* --guard-conn-rate R:B, 0 when off */
	uint8_t world;	   /* gen: address families, hosts, tags (fuzz_gen.c) */
	uint8_t seed;	   /* gen: the payload bytes' generator */
};

/* One frame of an input. truth: the generator's connection it belongs to,
 * -1 for none (an attacker's) or not known (pkt, seq); honest: the gen
 * input so far is traffic of real peers only (no spoofing, no garbage,
 * every connection begun in view, no 4-tuple or CID shared). */
struct fz_frame {
	uint64_t ts;
	const uint8_t *data;
	uint32_t len;
	int truth;
	int honest;
};

/* Called for each frame in order; a nonzero return stops the input. */
typedef int (*fz_emit_fn)(void *ctx, const struct fz_frame *f);

void fz_profile_sizes(unsigned profile, struct lq_map_sizes *sz);

/* The settings header of a seq or gen input (FZ_SETUP_LEN bytes, missing
 * ones read as 0: the default settings). */
void fz_setup_decode(const uint8_t *d, size_t n, struct fz_setup *su);
/* The two settings a pkt input runs under: default, then the guard with
 * tight rates. */
void fz_pkt_setup(int guard, struct fz_setup *su);
/* The setup as linkquic-replay options, one line (map sizes left at their
 * defaults: kernel and emulated LRU maps agree only until they are full). */
void fz_setup_options(const struct fz_setup *su, char *buf, size_t n);

/* The frames of an input of each format (data: the whole input). Return
 * the number of frames emitted. */
int fz_pkt_frames(const uint8_t *d, size_t n, fz_emit_fn emit, void *ctx);
int fz_seq_frames(const uint8_t *d, size_t n, fz_emit_fn emit, void *ctx);
int fz_gen_frames(const uint8_t *d, size_t n, fz_emit_fn emit, void *ctx);

#endif
