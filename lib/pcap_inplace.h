/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pcap_inplace.h - an uncompressed capture file read in place: the file is
 * mapped and each frame is handed out as a pointer into the mapping, with
 * no copy. Reading a capture through stdio copies every byte once from the
 * page cache and runs it through the caches; classifying needs only each
 * frame's first bytes, so most of the file is never touched at all.
 *
 * pcap: only what is read here exactly as libpcap reads it (version 2.4,
 * one of the four standard magic numbers, a link type decoded here);
 * pcapng: lib/pcapng_read.c's reader on the mapping. For anything
 * else, or a file whose first blocks that reader refuses,
 * lq_pcap_inplace_open() declines and the caller reads the file as a stream
 * (which then says what is wrong). Errors are the stream readers' own words.
 * If the file shrinks while it is mapped, the pages past its new end read
 * as zeros (a SIGBUS handler maps them) and the next frame fails with "the
 * file shrank while it was read".
 */
#ifndef LQ_PCAP_INPLACE_H
#define LQ_PCAP_INPLACE_H

#include <stddef.h>
#include <stdint.h>

struct lq_pcap_inplace;

struct lq_pcapng_frame;

/* A regular file in a format read here: the reader. NULL otherwise (not an
 * error), or on an error mapping it. */
struct lq_pcap_inplace *lq_pcap_inplace_open(const char *file);
int lq_pcap_inplace_dlt(const struct lq_pcap_inplace *r); /* the first interface's */
int lq_pcap_inplace_is_pcapng(const struct lq_pcap_inplace *r);
/* 1: a frame (its bytes stay valid until close), 0: end of file, -1: a
 * damaged file (why). */
int lq_pcap_inplace_next(struct lq_pcap_inplace *r, struct lq_pcapng_frame *fr, char *why,
			 size_t n);
void lq_pcap_inplace_close(struct lq_pcap_inplace *r);

#endif
