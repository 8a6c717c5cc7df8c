/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * capture.h - reading capture files (pcap, pcapng) frame by frame through
 * libpcap, with a libpcap filter applied per frame so that frame numbers
 * stay the file's.
 */
#ifndef LQ_CAPTURE_H
#define LQ_CAPTURE_H

#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>

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

#endif
