/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pcapng_read.h - a pcapng reader (draft-ietf-opsawg-pcapng) that gives
 * each frame the link type of its own interface: libpcap refuses a file
 * whose interfaces differ in link type (or snapshot length), tshark reads
 * it, and so does this. Sections in either byte order, Enhanced, Simple
 * and (obsolete) Packet Blocks, if_tsresol and if_tsoffset; other blocks
 * are skipped. Timestamps come out in nanoseconds, as libpcap gives them.
 */
#ifndef LQ_PCAPNG_READ_H
#define LQ_PCAPNG_READ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct lq_pcapng;

/* A frame: valid until the next call. */
struct lq_pcapng_frame {
	const uint8_t *data;
	uint32_t caplen, len;
	uint64_t ts_ns;
	int dlt;	/* its interface's link type, as a DLT_ value */
	uint32_t iface; /* its interface, numbered within its section */
};

/* Reads the Section Header Block and the blocks up to the first Interface
 * Description Block from f (positioned at the file's start). NULL with the
 * reason in err. */
struct lq_pcapng *lq_pcapng_open(FILE *f, char *err, size_t errlen);
/* The first interface's link type (DLT_ value). */
/* The same from a file in memory (lib/pcap_inplace.h): frames point into
 * it, nothing is copied; lq_pcapng_offset() is how far it has been read. */
struct lq_pcapng *lq_pcapng_open_mem(const uint8_t *mem, size_t size, char *err, size_t errlen);
size_t lq_pcapng_offset(const struct lq_pcapng *p);
int lq_pcapng_first_dlt(const struct lq_pcapng *p);
/* 1 a frame, 0 the end of the file, -1 an error (the reason in err). */
int lq_pcapng_next(struct lq_pcapng *p, struct lq_pcapng_frame *fr, char *err, size_t errlen);
/* Does not close f. */
void lq_pcapng_close(struct lq_pcapng *p);

/* A pcapng file's link type number (LINKTYPE_) as a DLT_ value, as libpcap
 * maps them. */
int lq_linktype_to_dlt(int linktype);

#endif
