// SPDX-License-Identifier: BSD-2-Clause
/*
 * linkquic-replay - runs a capture file through the linkquic classifier with
 * emulated maps, the capture's timestamps as the clock.
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "classify.h"
#include "ipfix.h"
#include "options.h"
#include "output.h"
#include "replay.h"

#define TOOL "linkquic-replay"

static const char usage_head[] =
	"Usage: linkquic-replay [OPTIONS] FILE [FILTER...]\n"
	"       linkquic-replay --compare --batch [OPTIONS] FILE...\n"
	"Follows QUIC connections in a capture across connection ID changes, NAT\n"
	"rebinding, migration and new paths, without keys. FILTER is a libpcap\n"
	"expression, as tcpdump takes it.\n"
	"\n"
	"FILE: pcap or pcapng (interfaces of different link types too), either of them\n"
	"compressed with gzip (.pcap.gz) or zstd (.pcap.zst): told by its first bytes.\n"
	"'-' reads standard input. From a pipe or standard input each record is written\n"
	"as its frame comes. Ctrl-C (SIGINT) or SIGTERM stops the reading: what was read\n"
	"is reported in full (records, table, summary) and the exit status is 130\n"
	"(SIGTERM: 143).\n"
	"\n"
	"Output:\n"
	"  -f, --format=FMT      table (default: connection table and summary),\n"
	"                        jsonl or csv (one record per frame on stdout;\n"
	"                        the summary goes to stderr), or conn (one JSON\n"
	"                        object per connection when it ends: idle, or the\n"
	"                        end of the input; with its SNI, ALPN, JA4...)\n"
	"  -e, --events          records only for notable frames: events, pending,\n"
	"                        garbage, limited\n"
	"  -m, --maps            also print the maps at the end (linkquic-live takes it\n"
	"                        too; every N seconds there: --maps-every N)\n"
	"  -q, --quiet           no connection table or summary\n"
	"      --stream          each record as its frame is classified: the frames of a\n"
	"                        new path whose connection is still undecided stay\n"
	"                        pending, and the frame that links it says so (event\n"
	"                        link); by default they are held back (up to 65536\n"
	"                        records or 10 s of capture time) and printed with\n"
	"                        their connection's label\n"
	"      --timing          print on stderr the CPU and wall time the frames took\n"
	"                        (start-up and the output at the end left out), for\n"
	"                        benchmarks; user-space replay only\n";

static const char usage_tail[] =
	"Kernel:\n"
	"      --kernel          run every frame through the loaded XDP program\n"
	"                        (bpf_prog_test_run) instead of user space\n"
	"      --compare         run both and report the first difference\n"
	"      --batch           with --compare: every argument is a capture, each\n"
	"                        compared on its own (the maps emptied between them)\n"
	"                        under one load of the program; each one's report\n"
	"                        follows a line '== FILE'\n"
	"  -v, --verbose         show libbpf's messages, and how the file is read\n"
	"      --version         print the version (and libpcap's, zlib's, zstd's)\n"
	"  -h, --help            this text\n"
	"\n"
	"Exit status: 0 done, 1 an error (after what could be read was reported),\n"
	"130 stopped by SIGINT, 143 by SIGTERM.\n"
	"\n"
	"Examples:\n"
	"  linkquic-replay capture.pcapng\n"
	"  linkquic-replay -f conn capture.pcap.zst\n"
	"  linkquic-replay -f jsonl capture.pcap 'udp port 443' > records.jsonl\n"
	"  linkquic-replay -f conn capture.pcapng | jq -r '.sni'\n"
	"  linkquic-replay -q --export ipfix://collector.example:4739 capture.pcapng\n"
	"  tcpdump -i eth0 -U -w - udp | linkquic-replay -f csv -e -\n"
	"  linkquic-replay --guard --guard-rate 20:40 -f jsonl -e capture.pcap\n"
	"  sudo linkquic-replay --compare capture.pcap\n";

static void usage(void)
{
	fputs(usage_head, stdout);
	lq_opt_help_output(stdout, 24);
	lq_opt_help_tracking(stdout, 24);
	lq_opt_help_export(stdout, 24);
	lq_opt_help_guard(stdout, 24,
			  "report what linkquic-live --guard would drop, as action \"drop\": the "
			  "garbage classes of --guard-drop and what is over the rates");
	fputs(usage_tail, stdout);
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

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
	stop_signal = sig;
}

/* SIGINT and SIGTERM end the input, as tcpdump stops; no SA_RESTART, so
 * that a read waiting on a pipe returns. A second one kills at once. */
static void catch_stop_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sa.sa_flags = SA_RESETHAND;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

enum {
	OPT_KERNEL = LQ_OPT__TOOL,
	OPT_TIMING,
	OPT_COMPARE,
	OPT_BATCH,
	OPT_STREAM,
};

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "events", no_argument, NULL, 'e' },
		{ "maps", no_argument, NULL, 'm' },
		{ "quiet", no_argument, NULL, 'q' },
		LQ_TRACKING_LONGOPTS,
		LQ_OUTPUT_LONGOPTS,
		LQ_EXPORT_LONGOPTS,
		{ "kernel", no_argument, NULL, OPT_KERNEL },
		{ "timing", no_argument, NULL, OPT_TIMING },
		{ "compare", no_argument, NULL, OPT_COMPARE },
		{ "batch", no_argument, NULL, OPT_BATCH },
		{ "stream", no_argument, NULL, OPT_STREAM },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct replay_opts o;
	int c, rc;

	memset(&o, 0, sizeof(o));
	o.format = LQ_FMT_TABLE;
	lq_config_default(&o.cfg);
	lq_map_sizes_default(&o.sizes);
	lq_ipfix_opts_default(&o.export);

	opterr = 0; /* our own one-line messages, named after the tool */
	while ((c = getopt_long(argc, argv, ":f:elmqt:uvh", opts, NULL)) != -1) {
		rc = lq_opt_tracking(TOOL, c, optarg, &o.cfg, &o.sizes);
		if (rc < 0)
			return 1;
		if (rc == 2)
			return 0; /* --vocabulary */
		if (rc == 0)
			continue;
		rc = lq_opt_output(TOOL, c, optarg, &o.out);
		if (rc < 0)
			return 1;
		if (rc == 2)
			return 0; /* --version */
		if (rc == 0)
			continue;
		rc = lq_opt_export(TOOL, c, optarg, &o.export);
		if (rc < 0)
			return 1;
		if (rc == 2)
			return 0; /* --export-elements */
		if (rc == 0)
			continue;
		switch (c) {
		case 'f':
			if (lq_opt_format(TOOL, optarg, &o.format))
				return 1;
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
		case OPT_KERNEL:
			o.mode = REPLAY_KERNEL;
			break;
		case OPT_COMPARE:
			o.mode = REPLAY_COMPARE;
			break;
		case OPT_BATCH:
			o.batch = 1;
			break;
		case OPT_STREAM:
			o.stream = 1;
			break;
		case OPT_TIMING:
			o.timing = 1;
			break;
		case 'v':
			o.verbose = 1;
			break;
		case 'h':
			usage();
			return 0;
		case ':':
		default:
			return lq_opt_bad(TOOL, c, argv);
		}
	}
	if (optind >= argc) {
		fputs(TOOL ": no capture file given (see --help)\n", stderr);
		return 1;
	}
	o.file = argv[optind];
	if (o.batch && o.mode != REPLAY_COMPARE) {
		fputs(TOOL ": --batch: only with --compare\n", stderr);
		return 1;
	}
	if (o.batch) { /* the arguments are files, not a filter */
		o.files = (const char *const *)argv + optind;
		o.nfiles = argc - optind;
		optind = argc;
	}
	/* -f conn prints no per-frame record: none is held back for its label
	 * (lib/connrec.c counts an undecided path's frames when its link comes) */
	if (o.format == LQ_FMT_CONN)
		o.stream = 1;
	if (o.timing && o.mode != REPLAY_USER) {
		fputs(TOOL ": --timing: only for user-space replay (not with --kernel or "
		      "--compare)\n", stderr);
		return 1;
	}
	if (optind + 1 < argc) {
		o.filter = join_args(argc - optind - 1, argv + optind + 1);
		if (!o.filter) {
			fputs(TOOL ": out of memory\n", stderr);
			return 1;
		}
	}
	if (lq_opt_export_check(TOOL, &o.export))
		return 1;
	if (o.export.url && o.mode == REPLAY_COMPARE) {
		fputs(TOOL ": --export: not with --compare (it prints differences only)\n", stderr);
		return 1;
	}
	/* a collector that cannot be reached is an error here: the records
	 * are the run's whole point */
	if (o.export.url && !(o.ipfix = lq_ipfix_open(TOOL, &o.export, 1))) {
		free(o.filter);
		return 1;
	}
	o.stop = &stop_signal;
	catch_stop_signals();
	if (o.mode == REPLAY_USER)
		rc = replay_user(&o);
	else
		rc = replay_kernel(&o);
	if (o.ipfix) {
		if (lq_ipfix_close(o.ipfix, 3000, o.quiet ? NULL : stderr)) {
			if (o.quiet)
				lq_ipfix_print_summary(stderr, o.ipfix);
			rc = rc ? rc : 1;
		}
		lq_ipfix_free(o.ipfix);
	}
	free(o.filter);
	if (stop_signal) /* as a shell reports a process a signal ended */
		return rc ? rc : 128 + stop_signal;
	return rc;
}
