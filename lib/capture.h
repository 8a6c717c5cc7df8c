/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * capture.h - reading capture files frame by frame: pcap through libpcap,
 * pcapng through our own reader (lib/pcapng_read.h: each interface with its
 * own link type), either of them compressed with gzip or zstd
 * (lib/input.h), from a file, standard input or a pipe; an uncompressed
 * file is read in place instead (lib/pcap_inplace.h). A libpcap filter is
 * applied per frame, compiled for each link type, so that frame numbers
 * stay the file's.
 */
#ifndef LQ_CAPTURE_H
#define LQ_CAPTURE_H

#include <pcap/pcap.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>

#define CAPTURE_IOBUF (1u << 20)
#define CAPTURE_MAX_DLTS 8 /* link types of one file that a filter is compiled for */

struct lq_input;
struct lq_pcapng;
struct lq_pcap_inplace;

struct capture_filter {
	int dlt;
	struct bpf_program prog;
};

struct capture {
	struct lq_input *in; /* the bytes, decompressed */
	pcap_t *pcap;	     /* a pcap file: libpcap reads it */
	struct lq_pcapng *ng; /* a pcapng file: our reader */
	struct lq_pcap_inplace *inplace; /* a plain pcap file, read in place */
	int stable;	     /* a frame's bytes stay where they are until close */
	const char *file;
	const char *filter;  /* the expression, NULL for none */
	int dlt;	     /* the link type of the frame read last (pcapng: per interface) */
	struct capture_filter filt[CAPTURE_MAX_DLTS];
	int nfilt;
	int live;	     /* standard input, a pipe: flush records as they come */
	volatile sig_atomic_t *stop; /* set by a signal: the input ends */
	uint64_t frame; /* 1-based index of the last frame read */
	char err[5120];   /* a file name, its codec and why */
};

/* Opens FILE ('-': stdin); prints one line and returns -1 on failure. stop
 * (may be NULL): a signal handler's flag; once set, the input ends. */
int capture_open(struct capture *cap, const char *file, const char *filter,
		 volatile sig_atomic_t *stop);
/* 1: a frame (matching the filter), 0: end of file (or stopped), -1: read
 * error (cap->err). cap->dlt is the frame's link type. */
int capture_next(struct capture *cap, const uint8_t **data, uint32_t *caplen, uint64_t *ts_ns);
void capture_close(struct capture *cap);
/* How the file is read, for -v: "pcap, in place", "pcap, libpcap, gzip"... */
const char *capture_how(const struct capture *cap, char *buf, size_t n);

/* Network header of a frame of link type cap->dlt: offset and ethertype; -1
 * if not decodable. */
int capture_l3(const struct capture *cap, const uint8_t *data, uint32_t caplen, uint16_t *proto);

/* What FILE may be, for --help: "pcap or pcapng, also compressed..." */
#define CAPTURE_FORMATS                                                                      \
	"pcap or pcapng (interfaces of different link types too), either of them "           \
	"compressed with gzip (.gz) or zstd (.zst), told by their first bytes"

#endif
