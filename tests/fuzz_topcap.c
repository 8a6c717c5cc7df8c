// SPDX-License-Identifier: BSD-2-Clause
/*
 * fuzz_topcap.c - writes inputs of the tracker's fuzz harnesses as a capture,
 * so that linkquic-replay (--compare: user space against the BPF program)
 * replays the very frames, times and settings a harness classified.
 *
 * Usage: fuzz_topcap pkt|seq|gen OUT.pcap INPUT...
 *   Writes the inputs' frames to OUT.pcap (nanosecond times, Ethernet), one
 *   input after the other, and prints the linkquic-replay options to replay
 *   them under: one line per seq or gen input (its settings; inputs put in
 *   one capture should share them), two for pkt inputs (the default settings,
 *   then the guard). Each seq or gen input starts 1000 s after the one before
 *   (longer than any idle timeout: what it meets of the others is stale), each
 *   pkt input 1 ms after. On stderr, which frames came from which input.
 * Exit: 0, 1 on an unreadable input or an unwritable capture, 2 usage.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_track.h"

struct out {
	FILE *f;
	uint64_t shift; /* added to the times of the input being written */
	unsigned frames;
};

static void put32(FILE *f, uint32_t v)
{
	fwrite(&v, 4, 1, f); /* a capture's own byte order: the magic tells */
}

static int write_frame(void *ctx, const struct fz_frame *fr)
{
	struct out *o = ctx;
	uint64_t ts = fr->ts + o->shift;

	put32(o->f, (uint32_t)(ts / 1000000000ULL));
	put32(o->f, (uint32_t)(ts % 1000000000ULL));
	put32(o->f, fr->len);
	put32(o->f, fr->len);
	fwrite(fr->data, 1, fr->len, o->f);
	o->frames++;
	return 0;
}

static uint8_t *read_all(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL, *nb;
	size_t cap = 0, got;

	*n = 0;
	if (!f)
		return NULL;
	for (;;) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 65536;
			nb = realloc(buf, cap);
			if (!nb)
				break;
			buf = nb;
		}
		got = fread(buf + *n, 1, cap - *n, f);
		*n += got;
		if (!got)
			break;
	}
	if (ferror(f) || !buf) {
		fclose(f);
		free(buf);
		return NULL;
	}
	fclose(f);
	return buf;
}

int main(int argc, char **argv)
{
	static const char *names[FZ_FORMATS] = { "pkt", "seq", "gen" };
	struct out o = { NULL, 0, 0 };
	struct fz_setup su;
	char opts[512];
	int fmt, i, rc = 0;

	for (fmt = 0; fmt < FZ_FORMATS; fmt++)
		if (argc > 1 && !strcmp(argv[1], names[fmt]))
			break;
	if (argc < 4 || fmt == FZ_FORMATS) {
		fputs("usage: fuzz_topcap pkt|seq|gen OUT.pcap INPUT...\n", stderr);
		return 2;
	}
	o.f = fopen(argv[2], "wb");
	if (!o.f) {
		fprintf(stderr, "fuzz_topcap: cannot write '%s': %s\n", argv[2], strerror(errno));
		return 1;
	}
	put32(o.f, 0xa1b23c4d); /* pcap, nanosecond times */
	put32(o.f, 2 | 4u << 16);
	put32(o.f, 0);
	put32(o.f, 0);
	put32(o.f, 65535);
	put32(o.f, 1); /* Ethernet */
	for (i = 3; i < argc && !rc; i++) {
		size_t n;
		uint8_t *d = read_all(argv[i], &n);
		unsigned first = o.frames + 1;

		if (!d) {
			fprintf(stderr, "fuzz_topcap: cannot read '%s': %s\n", argv[i],
				errno ? strerror(errno) : "out of memory");
			rc = 1;
			break;
		}
		if (fmt == FZ_PKT)
			fz_pkt_frames(d, n, write_frame, &o);
		else if (fmt == FZ_SEQ)
			fz_seq_frames(d, n, write_frame, &o);
		else
			fz_gen_frames(d, n, write_frame, &o);
		o.shift += fmt == FZ_PKT ? 1000000ULL : 1000000000000ULL;
		fprintf(stderr, "fuzz_topcap: %s: frames %u-%u\n", argv[i], first, o.frames);
		if (fmt != FZ_PKT) {
			fz_setup_decode(d, n, &su);
			fz_setup_options(&su, opts, sizeof(opts));
			printf("%s\n", opts);
		}
		free(d);
	}
	if (fmt == FZ_PKT && !rc) {
		for (i = 0; i < 2; i++) {
			fz_pkt_setup(i, &su);
			fz_setup_options(&su, opts, sizeof(opts));
			printf("%s\n", opts);
		}
	}
	if (fclose(o.f) && !rc) {
		fprintf(stderr, "fuzz_topcap: cannot write '%s': %s\n", argv[2], strerror(errno));
		rc = 1;
	}
	return rc;
}
