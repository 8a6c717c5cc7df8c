// SPDX-License-Identifier: BSD-2-Clause
/*
 * linkquic-floor - the floor of a capture benchmark: reads every frame of a
 * file with libpcap and does nothing else. Frames and bytes are counted and
 * printed so the compiler cannot drop the loop. The file is opened with
 * nanosecond timestamps, as linkquic-replay opens it, so both pay the same
 * libpcap costs.
 */
#include <inttypes.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static const char usage[] =
	"Usage: linkquic-floor FILE\n"
	"Reads every frame of FILE (pcap or pcapng) with pcap_next_ex and nothing more:\n"
	"the fastest any tool built on libpcap can go through it. Prints frames, bytes,\n"
	"seconds and frames per second, and the CPU and wall time of the read loop\n"
	"alone (opening the file left out), as linkquic-replay --timing does.\n"
	"\n"
	"Example:\n"
	"  linkquic-floor /tmp/bench.pcap\n";

int main(int argc, char **argv)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *d;
	uint64_t frames = 0, bytes = 0;
	struct timespec t0, t1, l0, l1, c0, c1;
	double secs;
	pcap_t *p;
	int rc;

	if (argc != 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		fputs(usage, argc == 2 ? stdout : stderr);
		return argc == 2 ? 0 : 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	p = pcap_open_offline_with_tstamp_precision(argv[1], PCAP_TSTAMP_PRECISION_NANO, errbuf);
	if (!p) {
		fprintf(stderr, "linkquic-floor: cannot read '%s': %s\n", argv[1], errbuf);
		return 1;
	}
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c0);
	clock_gettime(CLOCK_MONOTONIC, &l0);
	while ((rc = pcap_next_ex(p, &h, &d)) == 1) {
		frames++;
		bytes += h->caplen + d[0]; /* touch the frame, as any reader would */
	}
	clock_gettime(CLOCK_MONOTONIC, &l1);
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c1);
	if (rc != PCAP_ERROR_BREAK) {
		fprintf(stderr, "linkquic-floor: '%s': %s (after frame %" PRIu64 ")\n", argv[1],
			pcap_geterr(p), frames);
		pcap_close(p);
		return 1;
	}
	pcap_close(p);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("%" PRIu64 " frames, %" PRIu64 " bytes, %.6f s, %.0f frames/s\n", frames, bytes,
	       secs, secs > 0 ? (double)frames / secs : 0.0);
	printf("timing: %" PRIu64 " frames, cpu %" PRId64 " ns, wall %" PRId64 " ns\n", frames,
	       (int64_t)(c1.tv_sec - c0.tv_sec) * 1000000000 + (c1.tv_nsec - c0.tv_nsec),
	       (int64_t)(l1.tv_sec - l0.tv_sec) * 1000000000 + (l1.tv_nsec - l0.tv_nsec));
	return 0;
}
