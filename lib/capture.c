// SPDX-License-Identifier: BSD-2-Clause
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture.h"
#include "input.h"
#include "linklayer.h"
#include "pcap_inplace.h"
#include "pcapng_read.h"

#define PCAPNG_MAGIC 0x0A0D0D0Au
#define WHAT_MAX 4160 /* a file name and its codec */

static int is_pcap_magic(const uint8_t *m)
{
	static const uint8_t magics[4][4] = {
		{ 0xd4, 0xc3, 0xb2, 0xa1 }, { 0xa1, 0xb2, 0xc3, 0xd4 }, /* microseconds */
		{ 0x4d, 0x3c, 0xb2, 0xa1 }, { 0xa1, 0xb2, 0x3c, 0x4d }, /* nanoseconds */
	};
	int i;

	for (i = 0; i < 4; i++)
		if (!memcmp(m, magics[i], 4))
			return 1;
	return 0;
}

/* "'x.pcap.gz' (gzip)": the file, and how it is compressed. */
static const char *what(const struct capture *cap, char *buf, size_t n)
{
	const char *codec = cap->in ? lq_codec_name(lq_input_codec(cap->in)) : NULL;

	snprintf(buf, n, "'%s'%s%s%s", cap->file, codec ? " (" : "", codec ? codec : "",
		 codec ? ")" : "");
	return buf;
}

/* The filter, compiled for link type dlt (once per link type). */
static struct bpf_program *filter_for(struct capture *cap, int dlt, char *why, size_t n)
{
	pcap_t *dead;
	int i;

	for (i = 0; i < cap->nfilt; i++)
		if (cap->filt[i].dlt == dlt)
			return &cap->filt[i].prog;
	if (cap->nfilt == CAPTURE_MAX_DLTS) {
		snprintf(why, n, "more than %d link types", CAPTURE_MAX_DLTS);
		return NULL;
	}
	dead = cap->pcap ? NULL
			 : pcap_open_dead_with_tstamp_precision(dlt, 262144, PCAP_TSTAMP_PRECISION_NANO);
	if (!cap->pcap && !dead) {
		snprintf(why, n, "out of memory");
		return NULL;
	}
	if (pcap_compile(cap->pcap ? cap->pcap : dead, &cap->filt[cap->nfilt].prog, cap->filter, 1,
			 PCAP_NETMASK_UNKNOWN) < 0) {
		snprintf(why, n, "%s", pcap_geterr(cap->pcap ? cap->pcap : dead));
		if (dead)
			pcap_close(dead);
		return NULL;
	}
	if (dead)
		pcap_close(dead);
	cap->filt[cap->nfilt].dlt = dlt;
	return &cap->filt[cap->nfilt++].prog;
}

static int unsupported(const struct capture *cap, int dlt)
{
	const char *name = pcap_datalink_val_to_name(dlt);
	char w[WHAT_MAX];

	fprintf(stderr, "linkquic-replay: %s: link type %d (%s) is not supported\n",
		what(cap, w, sizeof(w)), dlt, name ? name : "unknown");
	return -1;
}

int capture_open(struct capture *cap, const char *file, const char *filter,
		 volatile sig_atomic_t *stop)
{
	char errbuf[PCAP_ERRBUF_SIZE + 64], w[WHAT_MAX];
	uint8_t magic[4];
	FILE *stream;
	int n;

	memset(cap, 0, sizeof(*cap));
	cap->file = file;
	cap->filter = filter;
	cap->stop = stop;
	errbuf[0] = 0;
	/* a pcap or pcapng file, not compressed: read in place, its frames
	 * never copied */
	cap->inplace = lq_pcap_inplace_open(file);
	if (cap->inplace) {
		cap->dlt = lq_pcap_inplace_dlt(cap->inplace);
		cap->stable = 1;
		goto opened;
	}
	cap->in = lq_input_open(file, stop, errbuf, sizeof(errbuf));
	if (!cap->in) {
		fprintf(stderr, "linkquic-replay: cannot read '%s': %s\n", file, errbuf);
		return -1;
	}
	cap->live = lq_input_is_live(cap->in);
	n = lq_input_peek(cap->in, magic, 4);
	if (n < 0) {
		fprintf(stderr, "linkquic-replay: cannot read %s: %s\n", what(cap, w, sizeof(w)),
			lq_input_error(cap->in));
		goto fail;
	}
	if (n < 4) {
		fprintf(stderr, "linkquic-replay: cannot read %s: %s\n", what(cap, w, sizeof(w)),
			n ? "too short for a capture file" : "empty file");
		goto fail;
	}
	/* libpcap reads through a stdio stream; with a large buffer it needs a
	 * few read() calls per megabyte instead of hundreds */
	stream = lq_input_stream(cap->in, CAPTURE_IOBUF);
	if (!stream) {
		fprintf(stderr, "linkquic-replay: cannot read '%s': %s\n", file, strerror(errno));
		goto fail;
	}
	if (!memcmp(magic, &(uint32_t){ PCAPNG_MAGIC }, 4)) {
		cap->ng = lq_pcapng_open(stream, errbuf, sizeof(errbuf));
		if (!cap->ng) {
			fprintf(stderr, "linkquic-replay: cannot read %s: %s\n", what(cap, w, sizeof(w)),
				lq_input_error(cap->in) ? lq_input_error(cap->in) : errbuf);
			goto fail;
		}
		cap->dlt = lq_pcapng_first_dlt(cap->ng);
	} else if (is_pcap_magic(magic)) {
		cap->pcap = pcap_fopen_offline_with_tstamp_precision(stream, PCAP_TSTAMP_PRECISION_NANO,
								      errbuf);
		if (!cap->pcap) {
			fprintf(stderr, "linkquic-replay: cannot read %s: %s\n", what(cap, w, sizeof(w)),
				lq_input_error(cap->in) ? lq_input_error(cap->in) : errbuf);
			goto fail;
		}
		lq_input_stream_closed(cap->in); /* pcap_close closes it */
		cap->dlt = pcap_datalink(cap->pcap);
	} else {
		fprintf(stderr, "linkquic-replay: cannot read %s: unknown file format (not pcap, "
				"pcapng, gzip or zstd)\n", what(cap, w, sizeof(w)));
		goto fail;
	}
opened:
	if (!lq_link_supported(cap->dlt)) {
		unsupported(cap, cap->dlt);
		goto fail;
	}
	if (filter && !filter_for(cap, cap->dlt, errbuf, sizeof(errbuf))) {
		fprintf(stderr, "linkquic-replay: filter '%s': %s\n", filter, errbuf);
		goto fail;
	}
	return 0;
fail:
	capture_close(cap);
	return -1;
}

/* One frame of the file, filter aside. */
static int next_raw(struct capture *cap, struct pcap_pkthdr *h, const uint8_t **d, char *why,
		    size_t n)
{
	struct pcap_pkthdr *ph;
	const u_char *pd;
	int rc;

	if (cap->inplace || cap->ng) {
		struct lq_pcapng_frame fr;

		rc = cap->inplace ? lq_pcap_inplace_next(cap->inplace, &fr, why, n)
				  : lq_pcapng_next(cap->ng, &fr, why, n);
		if (rc != 1)
			return rc;
		h->caplen = fr.caplen;
		h->len = fr.len;
		/* nanoseconds in tv_usec, as libpcap's nanosecond precision has it */
		h->ts.tv_sec = (time_t)(fr.ts_ns / 1000000000ULL);
		h->ts.tv_usec = (suseconds_t)(fr.ts_ns % 1000000000ULL);
		*d = fr.data;
		if (fr.dlt != cap->dlt && !lq_link_supported(fr.dlt)) {
			const char *name = pcap_datalink_val_to_name(fr.dlt);

			snprintf(why, n, "interface %u: link type %d (%s) is not supported", fr.iface,
				 fr.dlt, name ? name : "unknown");
			return -1;
		}
		cap->dlt = fr.dlt;
		return 1;
	}
	rc = pcap_next_ex(cap->pcap, &ph, &pd);
	if (rc == PCAP_ERROR_BREAK)
		return 0;
	if (rc != 1) {
		snprintf(why, n, "%s", pcap_geterr(cap->pcap));
		return -1;
	}
	*h = *ph;
	*d = pd;
	return 1;
}

int capture_next(struct capture *cap, const uint8_t **data, uint32_t *caplen, uint64_t *ts_ns)
{
	char why[PCAP_ERRBUF_SIZE + 64], w[WHAT_MAX];
	struct pcap_pkthdr h;
	struct bpf_program *prog;
	const uint8_t *d;
	int rc;

	for (;;) {
		if (cap->stop && *cap->stop)
			return 0;
		rc = next_raw(cap, &h, &d, why, sizeof(why));
		if (rc == 0)
			return 0;
		if (rc != 1) {
			if (cap->stop && *cap->stop)
				return 0; /* the read was cut by the signal */
			snprintf(cap->err, sizeof(cap->err), "%s: %s (after frame %llu)",
				 what(cap, w, sizeof(w)),
				 lq_input_error(cap->in) ? lq_input_error(cap->in) : why,
				 (unsigned long long)cap->frame);
			return -1;
		}
		cap->frame++;
		/* filter here, not in libpcap, so frame numbers stay the file's */
		if (cap->filter) {
			prog = filter_for(cap, cap->dlt, why, sizeof(why));
			if (!prog) {
				const char *name = pcap_datalink_val_to_name(cap->dlt);

				snprintf(cap->err, sizeof(cap->err),
					 "%s: filter '%s' for link type %d (%s): %s (at frame %llu)",
					 what(cap, w, sizeof(w)), cap->filter, cap->dlt,
					 name ? name : "unknown", why, (unsigned long long)cap->frame);
				return -1;
			}
			if (!pcap_offline_filter(prog, &h, d))
				continue;
		}
		*data = d;
		*caplen = h.caplen;
		/* nanosecond precision was asked for: tv_usec holds nanoseconds */
		*ts_ns = (uint64_t)h.ts.tv_sec * 1000000000ULL + (uint64_t)h.ts.tv_usec;
		return 1;
	}
}

void capture_close(struct capture *cap)
{
	int i;

	for (i = 0; i < cap->nfilt; i++)
		pcap_freecode(&cap->filt[i].prog);
	cap->nfilt = 0;
	if (cap->pcap)
		pcap_close(cap->pcap); /* closes the stream too */
	cap->pcap = NULL;
	lq_pcapng_close(cap->ng);
	cap->ng = NULL;
	lq_pcap_inplace_close(cap->inplace);
	cap->inplace = NULL;
	lq_input_close(cap->in);
	cap->in = NULL;
}

int capture_l3(const struct capture *cap, const uint8_t *data, uint32_t caplen, uint16_t *proto)
{
	return lq_link_l3(cap->dlt, data, caplen, proto);
}

const char *capture_how(const struct capture *cap, char *buf, size_t n)
{
	const char *codec = cap->in ? lq_codec_name(lq_input_codec(cap->in)) : NULL;

	snprintf(buf, n, "%s%s%s",
		 cap->inplace ? lq_pcap_inplace_is_pcapng(cap->inplace) ? "pcapng, read in place"
									: "pcap, read in place"
		 : cap->ng    ? "pcapng, read by linkquic"
			      : "pcap, read by libpcap",
		 codec ? ", " : "", codec ? codec : "");
	return buf;
}
