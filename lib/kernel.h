/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * kernel.h - loading the BPF programs and talking to them: settings and map
 * sizes before load, frames through bpf_prog_test_run with the capture's
 * clock, records from the ring buffer, maps and counters back into user
 * space. Used by linkquic-replay (--kernel, --compare) and linkquic-live.
 */
#ifndef LQ_KERNEL_H
#define LQ_KERNEL_H

#include <stdint.h>

#include "classify.h"

struct linkquic_bpf;
struct ring_buffer;

/* Largest frame bpf_prog_test_run takes for XDP here (one page minus head
 * and tail room); longer frames are cut to this in --kernel and --compare. */
#define LQ_TEST_RUN_MAX 3500

/* One record: the result and, with a snaplen, the first caplen bytes of the
 * frame (wirelen on the wire). */
typedef void (*lq_record_fn)(void *ctx, const struct lq_result *r, const uint8_t *frame,
			     uint32_t caplen, uint32_t wirelen);

struct lq_kernel {
	struct linkquic_bpf *skel;
	struct ring_buffer *rb;
	lq_record_fn on_record;
	void *on_record_ctx;
	int test_clock;
	/* test-run mode: the record of the last frame */
	struct lq_result last;
	int have_last;
	uint64_t records;
	/* lq_kernel_test_run_gso(): where records go */
	struct lq_result *collect_to;
	int collect_max, collected;
	uint8_t (*collect_frames)[LQ_SNAP_MAX + 128]; /* optional: the snapshots */
	uint32_t *collect_caplen;
};

struct lq_kernel_opts {
	const char *tool; /* names the messages: "linkquic-replay", "linkquic-live" */
	struct lq_config cfg;
	struct lq_map_sizes sizes;
	int test_clock;	 /* replaying: the clock is set per frame */
	uint64_t clock_step; /* benchmarks: the test clock's step after each run */
	int verbose;	 /* show libbpf's messages */
	uint32_t snaplen; /* bytes of each reported frame to deliver, 0..LQ_SNAP_MAX */
	uint32_t snap_long; /* ... of a connection's frames whose first QUIC packet has a
			     * long header (metadata: its Initials whole), if more */
	int immediate;	 /* wake the reader for each record, not for each batch of
			  * LQ_WAKE_BATCH bytes (live --immediate-mode) */
	uint32_t ring_bytes; /* the record ring's size, a power of 2 pages; 0: as built
			      * (LQ_RING_BYTES; benchmarks make it hold a whole run's records) */
	lq_record_fn on_record; /* live: called for each record (NULL in test runs) */
	void *on_record_ctx;
};

/* Opens, configures and loads the programs. On failure prints one line (and
 * the verifier's log when the kernel rejected a program), returns -errno. */
int lq_kernel_open(struct lq_kernel *k, const struct lq_kernel_opts *o);
void lq_kernel_close(struct lq_kernel *k);

/* Runs one Ethernet frame through the XDP program at time ts (ns) and
 * returns its record in *res. */
int lq_kernel_test_run(struct lq_kernel *k, const uint8_t *frame, uint32_t len, uint64_t ts,
		       struct lq_result *res);

/* The same through any of the programs (lq_kernel_prog_fd()). */
int lq_kernel_test_run_fd(struct lq_kernel *k, int prog_fd, const uint8_t *frame, uint32_t len,
			  uint64_t ts, struct lq_result *res);
/* Runs a frame through the tc egress program as a UDP GSO super-packet of
 * gso_segs segments of gso_size bytes; stores up to max records (one per
 * segment) in res and returns how many came, or -errno. */
int lq_kernel_test_run_gso(struct lq_kernel *k, const uint8_t *frame, uint32_t len, uint64_t ts,
			   uint32_t gso_segs, uint32_t gso_size, struct lq_result *res, int max);
/* Deletes every entry of the tracker's maps. */
void lq_kernel_clear_maps(struct lq_kernel *k);

/* Unless asked to wake it for each record, the program wakes the ring's
 * reader for each batch of this many bytes of records (a power of two);
 * smaller batches wait for the reader's poll to time out. */
#define LQ_WAKE_BATCH (64u << 10)

/* Waits up to timeout_ms for a batch of records, then delivers every record
 * there is to on_record (a batch or not); returns how many, or -errno. */
int lq_kernel_poll(struct lq_kernel *k, int timeout_ms);

/* Copies the tracker's maps into emulated maps (initialised here with the same
 * sizes), so that printing and comparing work on one representation. */
int lq_kernel_read_maps(struct lq_kernel *k, struct lq_maps *out);
/* Sums the per-CPU counters: of every slot (every packet), or of one (0: the
 * packets of no attachment named; a slot lq_kernel_att_name() gave an attachment). */
int lq_kernel_counters(struct lq_kernel *k, struct lq_counters *out);
int lq_kernel_counters_slot(struct lq_kernel *k, uint32_t slot, struct lq_counters *out);
/* With LQ_CF_ATT_STATS the programs count the packets of (ifindex, hook) in
 * lq_stats slot (1..LQ_STATS_SLOTS); slot 0 forgets the name. */
int lq_kernel_att_name(struct lq_kernel *k, uint32_t ifindex, uint8_t hook, uint32_t slot);

int lq_kernel_prog_fd(struct lq_kernel *k, const char *which); /* "xdp", "tc_in", "tc_out" */

/* Tells the programs that their monitor lives (LQ_CF_HEARTBEAT): ns is now
 * on the programs' clock (CLOCK_MONOTONIC, or the test clock); the guard
 * drops only while the last heartbeat is under LQ_HEARTBEAT_STALE_NS old. */
void lq_kernel_heartbeat(struct lq_kernel *k, uint64_t ns);

/* Is the effective user allowed to load BPF? 0, or -EPERM with a message. */
int lq_kernel_check_caps(const char *tool);

#endif
