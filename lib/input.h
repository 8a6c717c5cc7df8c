/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * input.h - the bytes of a capture: a file, standard input or a pipe,
 * compressed with gzip or zstd or not (told by its first bytes, not by its
 * name, as tshark does), as one stdio stream that libpcap and the pcapng
 * reader read. A read blocks only until some bytes are there, so a capture
 * fed through a pipe is read as it comes.
 */
#ifndef LQ_INPUT_H
#define LQ_INPUT_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum lq_codec {
	LQ_CODEC_NONE = 0,
	LQ_CODEC_GZIP = 1, /* RFC 1952, one member or several in a row */
	LQ_CODEC_ZSTD = 2, /* RFC 8878, one frame or several */
};

struct lq_input;

/* Opens FILE ('-': standard input) and looks at its first bytes. NULL with
 * the reason in err (not naming the file: the caller does). stop: when set
 * (a signal handler's flag), a read interrupted by the signal ends the
 * input instead of failing. */
struct lq_input *lq_input_open(const char *file, volatile sig_atomic_t *stop, char *err,
			       size_t errlen);
/* The decompressed bytes, buffered (bufsize; 0: stdio's default). */
FILE *lq_input_stream(struct lq_input *in, size_t bufsize);
/* The first n bytes of the stream, left in it: how many there were (fewer
 * at its end), or -1 on an error (lq_input_error). */
int lq_input_peek(struct lq_input *in, uint8_t *buf, size_t n);
/* Why the last read failed when it was the decompression or the read
 * itself ("gzip: ...", "zstd: ...", "read error: ..."); NULL when not. */
const char *lq_input_error(const struct lq_input *in);
enum lq_codec lq_input_codec(const struct lq_input *in);
const char *lq_codec_name(enum lq_codec c); /* "gzip", "zstd", NULL */
/* Is the input a live stream (standard input, a pipe, a socket, a
 * terminal): records are then flushed as they are made. */
int lq_input_is_live(const struct lq_input *in);
/* The stream has been closed by its reader (pcap_close): only the rest. */
void lq_input_stream_closed(struct lq_input *in);
void lq_input_close(struct lq_input *in);

/* "zlib 1.2.13, zstd 1.5.4": the decompressors' versions, for --version. */
void lq_input_versions(char *buf, size_t n);

#endif
