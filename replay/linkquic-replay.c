// SPDX-License-Identifier: BSD-2-Clause
/*
 * linkquic-replay - runs a capture file through the linkquic classifier with
 * emulated maps, the capture's timestamps as the clock.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "classify.h"
#include "linklayer.h"
#include "output.h"
#include "replay.h"

static const char usage[] =
	"Usage: linkquic-replay [OPTIONS] FILE [FILTER...]\n"
	"Follows QUIC connections in a capture (pcap or pcapng; FILE '-' reads standard\n"
	"input) across connection ID changes, NAT rebinding, migration and new paths,\n"
	"without keys. FILTER is a libpcap expression, as tcpdump takes it.\n"
	"\n"
	"Output:\n"
	"  -f, --format=FMT      table (default: connection table and summary),\n"
	"                        jsonl or csv (one record per frame on stdout;\n"
	"                        the summary goes to stderr)\n"
	"  -e, --events          records only for notable frames: events, pending, garbage\n"
	"  -m, --maps            also print the five maps at the end\n"
	"  -q, --quiet           no connection table or summary\n"
	"Tracking:\n"
	"  -t, --idle-timeout=S  seconds after which an unused path, pending flow or\n"
	"                        anchor is dead (default 60)\n"
	"      --max-paths=N     connections_map entries (default 262144)\n"
	"      --max-cids=N      dcids_map entries (default 524288)\n"
	"      --max-servers=N   dest_map entries (default 65536)\n"
	"      --max-clients=N   sip_map entries (default 262144)\n"
	"      --max-pending=N   potential_quic entries (default 65536)\n"
	"Kernel:\n"
	"      --kernel          run every frame through the loaded XDP program\n"
	"                        (bpf_prog_test_run) instead of user space\n"
	"      --compare         run both and report the first difference\n"
	"  -v, --verbose         show libbpf's messages\n"
	"  -h, --help            this text\n"
	"\n"
	"Examples:\n"
	"  linkquic-replay capture.pcapng\n"
	"  linkquic-replay -f jsonl capture.pcap 'udp port 443' > records.jsonl\n"
	"  tcpdump -i eth0 -w - udp | linkquic-replay -f csv -e -\n"
	"  sudo linkquic-replay --compare capture.pcap\n";

static int parse_u32(const char *opt, const char *s, uint32_t min, uint32_t max, uint32_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max) {
		fprintf(stderr, "linkquic-replay: %s: '%s' is not a number from %u to %u\n", opt, s,
			min, max);
		return -1;
	}
	*out = (uint32_t)v;
	return 0;
}

static char *join_args(int argc, char **argv)
{
	size_t len = 1;
	char *s;
	int i;

	for (i = 0; i < argc; i++)
		len += strlen(argv[i]) + 1;
	s = calloc(1, len);
	if (!s)
		return NULL;
	for (i = 0; i < argc; i++) {
		if (i)
			strcat(s, " ");
		strcat(s, argv[i]);
	}
	return s;
}

enum {
	OPT_MAX_PATHS = 256,
	OPT_MAX_CIDS,
	OPT_MAX_SERVERS,
	OPT_MAX_CLIENTS,
	OPT_MAX_PENDING,
	OPT_KERNEL,
	OPT_COMPARE,
};

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "events", no_argument, NULL, 'e' },
		{ "maps", no_argument, NULL, 'm' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "idle-timeout", required_argument, NULL, 't' },
		{ "max-paths", required_argument, NULL, OPT_MAX_PATHS },
		{ "max-cids", required_argument, NULL, OPT_MAX_CIDS },
		{ "max-servers", required_argument, NULL, OPT_MAX_SERVERS },
		{ "max-clients", required_argument, NULL, OPT_MAX_CLIENTS },
		{ "max-pending", required_argument, NULL, OPT_MAX_PENDING },
		{ "kernel", no_argument, NULL, OPT_KERNEL },
		{ "compare", no_argument, NULL, OPT_COMPARE },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct replay_opts o;
	uint32_t v32;
	int c, rc;

	memset(&o, 0, sizeof(o));
	o.format = LQ_FMT_TABLE;
	lq_config_default(&o.cfg);
	lq_map_sizes_default(&o.sizes);

	while ((c = getopt_long(argc, argv, "f:emqt:vh", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			if (!strcmp(optarg, "table"))
				o.format = LQ_FMT_TABLE;
			else if (!strcmp(optarg, "jsonl") || !strcmp(optarg, "json"))
				o.format = LQ_FMT_JSONL;
			else if (!strcmp(optarg, "csv"))
				o.format = LQ_FMT_CSV;
			else {
				fprintf(stderr,
					"linkquic-replay: --format: '%s' is not table, jsonl or csv\n",
					optarg);
				return 1;
			}
			break;
		case 'e':
			o.events_only = 1;
			break;
		case 'm':
			o.maps = 1;
			break;
		case 'q':
			o.quiet = 1;
			break;
		case 't':
			if (parse_u32("--idle-timeout", optarg, 1, 86400, &v32))
				return 1;
			o.cfg.idle_ns = (uint64_t)v32 * 1000000000ULL;
			break;
		case OPT_MAX_PATHS:
			if (parse_u32("--max-paths", optarg, 16, 1u << 26, &o.sizes.conns))
				return 1;
			break;
		case OPT_MAX_CIDS:
			if (parse_u32("--max-cids", optarg, 16, 1u << 26, &o.sizes.dcids))
				return 1;
			break;
		case OPT_MAX_SERVERS:
			if (parse_u32("--max-servers", optarg, 16, 1u << 26, &o.sizes.dest))
				return 1;
			break;
		case OPT_MAX_CLIENTS:
			if (parse_u32("--max-clients", optarg, 16, 1u << 26, &o.sizes.sip))
				return 1;
			break;
		case OPT_MAX_PENDING:
			if (parse_u32("--max-pending", optarg, 16, 1u << 26, &o.sizes.pending))
				return 1;
			break;
		case OPT_KERNEL:
			o.mode = REPLAY_KERNEL;
			break;
		case OPT_COMPARE:
			o.mode = REPLAY_COMPARE;
			break;
		case 'v':
			o.verbose = 1;
			break;
		case 'h':
			fputs(usage, stdout);
			return 0;
		default:
			fputs("Try 'linkquic-replay --help'.\n", stderr);
			return 1;
		}
	}
	if (optind >= argc) {
		fputs("linkquic-replay: no capture file given\nTry 'linkquic-replay --help'.\n",
		      stderr);
		return 1;
	}
	o.file = argv[optind];
	if (optind + 1 < argc) {
		o.filter = join_args(argc - optind - 1, argv + optind + 1);
		if (!o.filter) {
			fputs("linkquic-replay: out of memory\n", stderr);
			return 1;
		}
	}
	if (o.mode == REPLAY_USER)
		rc = replay_user(&o);
	else
		rc = replay_kernel(&o);
	free(o.filter);
	return rc;
}
