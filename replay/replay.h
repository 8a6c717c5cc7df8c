/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * replay.h - reading captures and running them through the classifier, in
 * user space (emulated maps) or through the kernel program.
 */
#ifndef LQ_REPLAY_H
#define LQ_REPLAY_H

#include <pcap/pcap.h>
#include <stdint.h>

#include "classify.h"
#include "conntab.h"
#include "output.h"

enum replay_mode {
	REPLAY_USER = 0,
	REPLAY_KERNEL = 1,
	REPLAY_COMPARE = 2,
};

struct replay_opts {
	const char *file;
	char *filter;
	enum lq_format format;
	enum replay_mode mode;
	int events_only;
	int maps;
	int quiet;
	int verbose;
	int timing; /* --timing */
	struct lq_config cfg;
	struct lq_map_sizes sizes;
};

#define CAPTURE_IOBUF (1u << 20)

struct capture {
	pcap_t *pcap;
	FILE *stream;  /* what libpcap reads, with a large buffer */
	char *iobuf;
	const char *file;
	int dlt;
	int has_filter;
	struct bpf_program prog;
	uint64_t frame; /* 1-based index of the last frame read */
	char err[PCAP_ERRBUF_SIZE + 128];
};

/* Opens FILE ('-': stdin); prints one line and returns -1 on failure. */
int capture_open(struct capture *cap, const char *file, const char *filter);
/* 1: a frame (matching the filter), 0: end of file, -1: read error (cap->err). */
int capture_next(struct capture *cap, const uint8_t **data, uint32_t *caplen, uint64_t *ts_ns);
void capture_close(struct capture *cap);

/* Network header of a frame: offset and ethertype; -1 if not decodable. */
int capture_l3(const struct capture *cap, const uint8_t *data, uint32_t caplen, uint16_t *proto);

/* Should this record be printed under the options? */
int replay_wants_record(const struct replay_opts *o, const struct lq_result *r);
/* The connection table is wanted: count records into a conntab. */
int replay_wants_table(const struct replay_opts *o);
/* Table (from ct), maps and summary at the end, per the options. */
void replay_finish(const struct replay_opts *o, const struct lq_stats *st,
		   const struct lq_maps *maps, const struct lq_conntab *ct);

int replay_user(const struct replay_opts *o);
int replay_kernel(const struct replay_opts *o);

#endif
