// SPDX-License-Identifier: BSD-2-Clause
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "linklayer.h"
#include "capture.h"

int capture_open(struct capture *cap, const char *file, const char *filter)
{
	char errbuf[PCAP_ERRBUF_SIZE];

	memset(cap, 0, sizeof(*cap));
	cap->file = file;
	errbuf[0] = 0;
	/* libpcap reads through a stdio stream; with a large buffer it needs a
	 * few read() calls per megabyte instead of hundreds */
	if (strcmp(file, "-")) {
		cap->stream = fopen(file, "rb");
		if (!cap->stream) {
			fprintf(stderr, "linkquic-replay: cannot read '%s': %s\n", file, strerror(errno));
			return -1;
		}
	} else {
		cap->stream = stdin;
	}
	cap->iobuf = malloc(CAPTURE_IOBUF);
	if (cap->iobuf)
		setvbuf(cap->stream, cap->iobuf, _IOFBF, CAPTURE_IOBUF);
	cap->pcap = pcap_fopen_offline_with_tstamp_precision(cap->stream, PCAP_TSTAMP_PRECISION_NANO,
							      errbuf);
	if (!cap->pcap) {
		if (cap->stream != stdin)
			fclose(cap->stream);
		cap->stream = NULL;
		free(cap->iobuf);
		cap->iobuf = NULL;
		const char *why = errbuf;
		size_t n = strlen(file);

		/* libpcap often starts its message with the file name: say it once */
		if (!strncmp(why, file, n) && why[n] == ':' && why[n + 1] == ' ')
			why += n + 2;
		fprintf(stderr, "linkquic-replay: cannot read '%s': %s\n", file, why);
		return -1;
	}
	cap->dlt = pcap_datalink(cap->pcap);
	if (!lq_link_supported(cap->dlt)) {
		const char *name = pcap_datalink_val_to_name(cap->dlt);

		fprintf(stderr, "linkquic-replay: '%s': link type %d (%s) is not supported\n", file,
			cap->dlt, name ? name : "unknown");
		capture_close(cap);
		return -1;
	}
	if (filter) {
		if (pcap_compile(cap->pcap, &cap->prog, filter, 1, PCAP_NETMASK_UNKNOWN) < 0) {
			fprintf(stderr, "linkquic-replay: filter '%s': %s\n", filter,
				pcap_geterr(cap->pcap));
			capture_close(cap);
			return -1;
		}
		cap->has_filter = 1;
	}
	return 0;
}

int capture_next(struct capture *cap, const uint8_t **data, uint32_t *caplen, uint64_t *ts_ns)
{
	struct pcap_pkthdr *h;
	const u_char *d;
	int rc;

	for (;;) {
		rc = pcap_next_ex(cap->pcap, &h, &d);
		if (rc == PCAP_ERROR_BREAK)
			return 0;
		if (rc != 1) {
			snprintf(cap->err, sizeof(cap->err), "'%s': %s (after frame %llu)", cap->file,
				 pcap_geterr(cap->pcap), (unsigned long long)cap->frame);
			return -1;
		}
		cap->frame++;
		/* filter here, not in libpcap, so frame numbers stay the file's */
		if (cap->has_filter && !pcap_offline_filter(&cap->prog, h, d))
			continue;
		*data = d;
		*caplen = h->caplen;
		/* nanosecond precision was asked for: tv_usec holds nanoseconds */
		*ts_ns = (uint64_t)h->ts.tv_sec * 1000000000ULL + (uint64_t)h->ts.tv_usec;
		return 1;
	}
}

void capture_close(struct capture *cap)
{
	if (cap->has_filter)
		pcap_freecode(&cap->prog);
	if (cap->pcap)
		pcap_close(cap->pcap); /* closes the stream too */
	cap->pcap = NULL;
	cap->stream = NULL;
	free(cap->iobuf);
	cap->iobuf = NULL;
	cap->has_filter = 0;
}

int capture_l3(const struct capture *cap, const uint8_t *data, uint32_t caplen, uint16_t *proto)
{
	return lq_link_l3(cap->dlt, data, caplen, proto);
}
