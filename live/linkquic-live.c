// SPDX-License-Identifier: BSD-2-Clause
/*
 * linkquic-live - the linkquic programs on live interfaces: an endpoint
 * monitor (this host's traffic, both directions) or a middlebox monitor
 * (forwarded traffic), with the same output as linkquic-replay.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <net/if.h>
#include <pcap/dlt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "attach.h"
#include "caps.h"
#include "classify.h"
#include "connrec.h"
#include "conntab.h"
#include "ipfix.h"
#include "kernel.h"
#include "linklayer.h"
#include "metrics.h"
#include "netlink.h"
#include "options.h"
#include "orphans.h"
#include "output.h"
#include "pcapng.h"

#define TOOL "linkquic-live"
#define LIVE_MAX_IFACES 32
#define LIVE_MAX_ATT (2 * LIVE_MAX_IFACES)
/* The table on exit from the records is bounded, since a monitor may run
 * for ever: ~300 bytes a connection, 256 paths each (spoofed probes can
 * add paths to a connection). Past that it comes from the maps. */
#define LIVE_TABLE_MAX 1000000
#define LIVE_TABLE_PATHS 256
/* The longest the poll waits: what the programs hand over without waking
 * this process (a batch not full, lib/kernel.h) waits at most this long. */
#define LIVE_POLL_MS 100

/* Exit status when the session ran but records were lost. */
#define LIVE_EXIT_LOST 3
/* ... when a monitored interface was deleted and --iface-gone exit. */
#define LIVE_EXIT_IFACE_GONE 4

static const char usage_head[] =
	"Usage: linkquic-live --endpoint IFACE... [OPTIONS]\n"
	"       linkquic-live --middlebox IFACE... [OPTIONS]\n"
	"Follows QUIC connections on live interfaces, across connection ID changes, NAT\n"
	"rebinding, migration and new paths, without keys, and prints the connection table\n"
	"when stopped (Ctrl-C, SIGTERM or --duration). The output is linkquic-replay's.\n"
	"\n"
	"Monitors (one of):\n"
	"  -E, --endpoint IFACE...   this host's own traffic: XDP on the ingress and tc on\n"
	"                            the egress of each IFACE (UDP GSO super-packets count\n"
	"                            as the packets they are on the wire)\n"
	"  -M, --middlebox IFACE...  forwarded traffic: XDP on each IFACE, which both\n"
	"                            directions cross on their way in\n"
	"      --hook=HOOK           xdp (default) or tc: tc ingress instead of XDP, for\n"
	"                            devices where XDP is not wanted\n"
	"      --xdp-mode=MODE       native or generic (default: native where the driver\n"
	"                            has it, generic otherwise)\n"
	"      --tc-attach=API       tcx (default; kernels before 6.6 fall back to clsact)\n"
	"                            or clsact (a clsact qdisc this process creates is\n"
	"                            removed on exit, an existing one is kept)\n"
	"Output:\n"
	"  -f, --format=FMT          table (default: connection table and summary at the\n"
	"                            end), jsonl or csv (a record per packet on stdout as\n"
	"                            it arrives, with iface and hook; the table and the\n"
	"                            summary go to stderr), or conn (one JSON object per\n"
	"                            connection when it ends: idle, or the exit)\n"
	"      --conn-file=FILE      also write -f conn's records to FILE, whatever -f is\n"
	"  -e, --events              records only for notable packets: events, pending,\n"
	"                            garbage, limited (the only ones sent when no record\n"
	"                            is printed)\n"
	"  -m, --maps                print the maps at the end (as linkquic-replay -m)\n"
	"      --maps-every=SECONDS  print the maps every SECONDS too\n"
	"  -w, --write=FILE          also write every reported packet to FILE (pcapng; an\n"
	"                            interface per monitored interface and hook), to be\n"
	"                            replayed with linkquic-replay later; '-' writes it\n"
	"                            to standard output (the table and summary then go\n"
	"                            to stderr): linkquic-live -w - ... | tcpdump -r -\n"
	"  -s, --snaplen=N           bytes of each packet --write keeps (default and at\n"
	"                            most 1536)\n"
	"  -d, --duration=SECONDS    stop by itself after SECONDS\n"
	"      --immediate-mode      hand each record over as its packet passes (as\n"
	"                            tcpdump's --immediate-mode); by default the\n"
	"                            programs hand them over in batches (64 KiB, or\n"
	"                            what came in 100 ms), so that a busy link does not\n"
	"                            cost a wake-up of this process per packet\n"
	"  -q, --quiet               no connection table or summary\n"
	"      --metrics=ADDR:PORT   counters for Prometheus at http://ADDR:PORT/metrics\n"
	"                            (OpenMetrics or Prometheus text; :PORT for every\n"
	"                            address, port 0 a free one): packets per interface\n"
	"                            and hook by verdict, reason, event and guard drop,\n"
	"                            maps, records lost, connections, uptime, --export's\n"
	"                            counters. The programs then report every packet\n"
	"      --iface-gone=WHAT     when a monitored interface is deleted: wait\n"
	"                            (default: say so, attach again when an interface of\n"
	"                            that name is up) or exit (say so, stop, exit 4)\n"
	"      --table-max=N         connections the table on exit keeps from the records\n"
	"                            (default 1000000, and 256 paths each; past that the\n"
	"                            table is the maps' live entries, as when records\n"
	"                            were lost)\n"
	;

static const char usage_tail[] =
	"Other:\n"
	"  -v, --verbose             show libbpf's messages\n"
	"      --version             print the version (and libpcap's, zlib's, zstd's)\n"
	"  -h, --help                this text\n"
	"\n"
	"Needs root, or CAP_BPF + CAP_NET_ADMIN + CAP_PERFMON. Nothing stays attached\n"
	"after it exits. Exit status: 0 done, 1 error, 3 done but records were lost\n"
	"(ring buffer full: the records and --write miss packets, the table does not),\n"
	"4 a monitored interface was deleted (--iface-gone exit).\n"
	"\n"
	"Examples:\n"
	"  sudo linkquic-live --endpoint eth0\n"
	"  sudo linkquic-live --middlebox eth1 eth2 -f jsonl > records.jsonl\n"
	"  sudo linkquic-live --endpoint eth0 -f conn --conn-update 60 > connections.jsonl\n"
	"  sudo linkquic-live --middlebox eth1 eth2 -q --export ipfix://198.18.0.1:4739 \\\n"
	"      --observation-domain 7          # one collector, many monitors\n"
	"  sudo linkquic-live --middlebox eth1 eth2 --hook tc --maps-every 10\n"
	"  sudo linkquic-live --endpoint eth0 -w - | tshark -r - -Y quic\n"
	"  sudo linkquic-live --endpoint eth0 -q --metrics 127.0.0.1:9464\n"
	"  sudo linkquic-live --endpoint eth0 -w session.pcapng -d 60\n"
	"  linkquic-replay session.pcapng      # the same session, replayed\n";

static void usage(void)
{
	fputs(usage_head, stdout);
	lq_opt_help_output(stdout, 28);
	lq_opt_help_tracking(stdout, 28);
	lq_opt_help_export(stdout, 28);
	lq_opt_help_guard(stdout, 28,
			  "drop garbage (see --guard-drop) and what is over the rates: the programs "
			  "drop those packets (action \"drop\") on the way in only (XDP or tc "
			  "ingress), unless --guard-egress");
	lq_opt_help_line(stdout, 28, "    --guard-egress",
			 "with --endpoint: drop the host's own outgoing garbage too, at tc egress "
			 "(GSO super-packets always pass)");
	fputs(usage_tail, stdout);
}

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
	stop_signal = sig;
}

struct live_opts {
	int endpoint; /* 1 endpoint, 0 middlebox, -1 not chosen */
	const char *ifnames[LIVE_MAX_IFACES];
	int nif;
	int tc_hook; /* --hook tc */
	enum live_xdp_mode xdp_mode;
	enum live_tc_api tc_api;
	enum lq_format format;
	int events_only;
	int maps;	     /* -m: the maps at the end */
	int iface_gone_exit; /* --iface-gone exit: stop when an interface is deleted */
	uint32_t maps_every; /* --maps-every: seconds, 0 none */
	const char *write;
	const char *conn_file; /* --conn-file */
	const char *metrics;   /* --metrics ADDR:PORT */
	struct lq_out_opts out;
	struct lq_ipfix_opts export; /* --export and its options */
	uint32_t snaplen;
	uint32_t duration;
	uint32_t table_max;
	int quiet;
	int verbose;
	int immediate; /* --immediate-mode */
	struct lq_config cfg;
	struct lq_map_sizes sizes;
};

struct live {
	const struct live_opts *o;
	struct lq_kernel k;
	struct live_attachment att[LIVE_MAX_ATT];
	uint64_t att_records[LIVE_MAX_ATT];
	uint32_t pcap_if[LIVE_MAX_ATT];
	int natt;
	struct lq_conntab *ct; /* the table from the records, when all are reported */
	struct lq_connrec *cr; /* per-connection records and metadata, when all are reported */
	FILE *conn_out;	       /* --conn-file */
	struct lq_ipfix *ipfix; /* --export: the records to a collector */
	struct pcapng_writer pcap;
	int writing;
	uint64_t clock_offset; /* CLOCK_REALTIME - CLOCK_MONOTONIC (bpf_ktime_get_ns) */
	uint64_t records;
	int failed; /* an output failed: stop, exit 1 */
	struct live_netlink nl; /* interfaces deleted and back (live/netlink.h) */
	struct live_metrics *mx; /* --metrics (live/metrics.h), NULL without */
	int ifindex[LIVE_MAX_IFACES]; /* each interface's, 0 while it is gone */
	int iface_gone; /* one was deleted and --iface-gone exit: stop, exit 4 */
};

/* Where what people read goes: stdout for the table, unless the records or
 * the pcapng (-w -) take it. */
static FILE *people_out(const struct live_opts *o)
{
	return o->format == LQ_FMT_TABLE && !(o->write && !strcmp(o->write, "-")) ? stdout : stderr;
}

static const char *write_name(const struct live_opts *o)
{
	return strcmp(o->write, "-") ? o->write : "standard output";
}

static uint64_t now_ns(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* Wall clock minus the programs' clock, from the closest of a few readings. */
static uint64_t clock_offset(void)
{
	uint64_t best = 0, gap = UINT64_MAX;
	int i;

	for (i = 0; i < 5; i++) {
		uint64_t m0 = now_ns(CLOCK_MONOTONIC), r = now_ns(CLOCK_REALTIME);
		uint64_t m1 = now_ns(CLOCK_MONOTONIC);

		if (m1 - m0 < gap) {
			gap = m1 - m0;
			best = r - (m0 + (m1 - m0) / 2);
		}
	}
	return best;
}

static const char *hook_label(uint8_t hook)
{
	return hook == LQ_HOOK_XDP ? "xdp" : hook == LQ_HOOK_TC_IN ? "tc-ingress" : "tc-egress";
}

static int find_att(const struct live *L, uint32_t ifindex, uint8_t hook)
{
	int i;

	for (i = 0; i < L->natt; i++)
		if ((uint32_t)L->att[i].ifindex == ifindex && L->att[i].hook == hook)
			return i;
	return -1;
}

static void on_record(void *ctx, const struct lq_result *res, const uint8_t *frame,
		      uint32_t caplen, uint32_t wirelen)
{
	struct live *L = ctx;
	struct lq_result r = *res;
	struct lq_rec_ctx rc;
	char name[IF_NAMESIZE];
	int a = find_att(L, r.ifindex, r.hook), err;

	L->records++;
	r.ts += L->clock_offset;
	if (a >= 0)
		L->att_records[a]++;
	if (L->ct && lq_conntab_add(L->ct, &r)) {
		fputs(TOOL ": out of memory for the connection table\n", stderr);
		L->failed = 1;
	}
	if (L->cr) {
		uint16_t proto;
		int l3 = frame ? lq_link_l3(DLT_EN10MB, frame, caplen, &proto) : 0;

		if (lq_connrec_add(L->cr, &r, frame, frame ? caplen : 0, l3 < 0 ? 0 : (uint32_t)l3)) {
			fputs(TOOL ": out of memory for the per-connection records\n", stderr);
			L->failed = 1;
		}
	}
	/* --metrics has every packet reported: -e then applies here */
	if (L->o->events_only && !lq_notable(&r))
		return;
	if (L->o->format == LQ_FMT_JSONL || L->o->format == LQ_FMT_CSV) {
		rc.frame = L->records;
		rc.iface = a >= 0 ? L->att[a].ifname : if_indextoname(r.ifindex, name);
		if (!rc.iface)
			rc.iface = "?";
		lq_print_record(stdout, L->o->format, &rc, &r);
	}
	if (L->writing && a >= 0 && !L->failed) {
		err = pcapng_write_packet(&L->pcap, L->pcap_if[a], r.ts, frame, frame ? caplen : 0,
					  wirelen,
					  r.hook == LQ_HOOK_TC_OUT ? PCAPNG_DIR_OUTBOUND
								   : PCAPNG_DIR_INBOUND);
		if (err) {
			fprintf(stderr, TOOL ": %s: %s\n", write_name(L->o), strerror(-err));
			L->failed = 1;
		}
	}
}

static void on_named(void *ctx, uint64_t conn, const char *sni)
{
	struct live *L = ctx;

	if (L->ct && lq_conntab_set_sni(L->ct, conn, sni)) {
		fputs(TOOL ": out of memory for the connection table\n", stderr);
		L->failed = 1;
	}
}

/* The per-connection records' other sink with --metrics: how many ended,
 * and why (evicted: the bound), then the collector's, if any. */
static void conn_ended(void *ctx, const struct cr_conn *c, const struct cr_meta *m, int update,
		       enum lq_conn_end why)
{
	struct live *L = ctx;

	if (!update)
		live_metrics_conn_ended(L->mx, why);
	if (L->ipfix)
		lq_ipfix_record(L->ipfix, c, m, update, why);
}

/* Per-connection records (-f conn, --conn-file) and the table's SNI column:
 * when every packet is reported, unless --no-meta leaves only the records.
 * The kernel then sends the frames of a connection whose first QUIC packet
 * has a long header whole (its Initials), its short headers as records
 * alone. 0, or -1 with one line printed. */
static int open_connrec(struct live *L, struct lq_kernel_opts *ko)
{
	const struct live_opts *o = L->o;
	struct lq_connrec_opts co;
	int records = o->format == LQ_FMT_CONN || o->conn_file || o->export.url;

	if (!(o->cfg.flags & LQ_CF_REPORT_ALL) ||
	    (!records && !L->mx && (o->out.no_meta || !L->ct)))
		return 0;
	if (o->conn_file && !(L->conn_out = fopen(o->conn_file, "w"))) {
		fprintf(stderr, TOOL ": %s: %s\n", o->conn_file, strerror(errno));
		return -1;
	}
	memset(&co, 0, sizeof(co));
	co.idle_ns = o->cfg.idle_ns;
	co.update_ns = (uint64_t)o->out.conn_update * 1000000000ULL;
	co.meta = !o->out.no_meta && (records || L->ct); /* --metrics alone: no metadata */
	co.max_conns = o->table_max;
	co.out = L->conn_out ? L->conn_out : o->format == LQ_FMT_CONN ? stdout : NULL;
	co.named = on_named;
	co.named_ctx = L;
	if (o->export.url) { /* the collector never holds up the packets: lib/ipfix.h */
		L->ipfix = lq_ipfix_open(TOOL, &o->export, 0);
		if (!L->ipfix)
			return -1;
		co.sink = lq_ipfix_record;
		co.sink_ctx = L->ipfix;
		co.sink_update_ns = lq_ipfix_active_ns(L->ipfix);
	}
	if (L->mx) { /* counts why each connection ended, then on to the collector */
		co.sink = conn_ended;
		co.sink_ctx = L;
	}
	L->cr = lq_connrec_new(&co);
	if (!L->cr) {
		fputs(TOOL ": out of memory\n", stderr);
		return -1;
	}
	if (co.meta)
		ko->snap_long = LQ_SNAP_MAX;
	return 0;
}

/* Times in the maps are the programs' clock; people read wall-clock time. */
static void maps_to_wall_clock(struct lq_maps *m, uint64_t off)
{
	uint32_t pos = 0;
	const void *k;
	void *v;

	while (emu_map_next(&m->paths, &pos, &k, &v) >= 0) {
		struct lq_path_val *p = v;

		p->first_seen += off;
		p->last_seen += off;
	}
	pos = 0;
	while (emu_map_next(&m->pending, &pos, &k, &v) >= 0) {
		struct lq_pending_val *p = v;

		p->first_seen += off;
		p->last_seen += off;
	}
	pos = 0;
	while (emu_map_next(&m->guard, &pos, &k, &v) >= 0) {
		struct lq_guard_val *g = v;

		g->lh_tat += g->lh_tat ? off : 0;
		g->conn_tat += g->conn_tat ? off : 0;
	}
}

static int read_maps(struct live *L, struct lq_maps *maps)
{
	int err = lq_kernel_read_maps(&L->k, maps);

	if (err) {
		fprintf(stderr, TOOL ": cannot read the maps: %s\n", strerror(-err));
		return err;
	}
	maps_to_wall_clock(maps, L->clock_offset);
	return 0;
}

static void print_maps_now(struct live *L, FILE *f)
{
	struct lq_maps maps;
	char when[32];
	time_t t = time(NULL);
	struct tm tm;

	if (read_maps(L, &maps))
		return;
	gmtime_r(&t, &tm);
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", &tm);
	fprintf(f, "--- maps at %s ---\n", when);
	lq_print_maps(f, &maps);
	fflush(f);
	lq_maps_free(&maps);
}

static void stats_from_counters(const struct lq_counters *c, struct lq_stats *s)
{
	unsigned i;

	memset(s, 0, sizeof(*s));
	s->frames = c->packets;
	for (i = 0; i < LQ_V__COUNT; i++)
		s->verdicts[i] = c->verdicts[i];
	for (i = 1; i < LQ_R__COUNT; i++) {
		s->reasons[i] = c->reasons[i];
		s->drops_by_reason[i] = c->drops_by_reason[i];
	}
	for (i = 1; i < LQ_E__COUNT; i++)
		s->events[i] = c->events[i];
	s->drops = c->drops;
}

/* Table, summary and maps at the end; returns the records lost. With every
 * record reported and none lost, the table comes from the records, as in
 * linkquic-replay (connections whose map entries were replaced or evicted
 * stay in it); otherwise from connections_map. */
static uint64_t finish(struct live *L)
{
	const struct live_opts *o = L->o;
	FILE *f = people_out(o);
	struct lq_counters c;
	struct lq_stats st;
	struct lq_maps maps;
	int i, err, have_maps, from_records;

	err = lq_kernel_counters(&L->k, &c);
	if (err) {
		fprintf(stderr, TOOL ": cannot read the counters: %s\n", strerror(-err));
		memset(&c, 0, sizeof(c));
		L->failed = 1;
	}
	stats_from_counters(&c, &st);
	have_maps = read_maps(L, &maps) == 0;
	if (!have_maps)
		L->failed = 1;
	from_records = L->ct && !c.lost && !lq_conntab_incomplete(L->ct);
	if (L->ct && lq_conntab_incomplete(L->ct) && !o->quiet)
		fprintf(stderr,
			TOOL ": the table is the maps' live entries: over %" PRIu32
			" connections, or %d paths of one, were reported (--table-max)\n",
			o->table_max, LIVE_TABLE_PATHS);
	if (!o->quiet) {
		if (from_records)
			lq_conntab_print(f, L->ct);
		else if (have_maps)
			lq_print_conn_table(f, &maps);
		fputc('\n', f);
		lq_print_summary(f, &st, have_maps ? &maps : NULL,
				 from_records ? (long)lq_conntab_count(L->ct) : -1);
		fputs("records:", f);
		for (i = 0; i < L->natt; i++)
			fprintf(f, "%s %s %s %" PRIu64, i ? "," : "", L->att[i].ifname,
				hook_label(L->att[i].hook), L->att_records[i]);
		fprintf(f, " (%" PRIu64 " delivered, %" PRIu64 " lost)\n", L->records, c.lost);
		if (L->writing)
			fprintf(f, "written: %" PRIu64 " packets to %s\n", L->pcap.packets,
				write_name(o));
	}
	if ((o->maps || o->maps_every) && have_maps) {
		if (!o->quiet)
			fputc('\n', f);
		lq_print_maps(f, &maps);
	}
	fflush(f);
	if (have_maps)
		lq_maps_free(&maps);
	if (c.lost)
		fprintf(stderr,
			TOOL ": warning: %" PRIu64 " records lost (ring buffer full): the records%s "
			     "miss packets, the connection table (from the maps) does not\n",
			c.lost, L->writing ? " and the --write file" : "");
	return c.lost;
}

static void detach_all(struct live *L)
{
	int i;

	for (i = L->natt - 1; i >= 0; i--)
		live_detach(&L->att[i]);
}

/* --metrics: the programs count attachment i's packets in lq_stats slot
 * i + 1, named before they see a packet there (slot 0: forgotten). */
static int name_slot(struct live *L, int i, int ifindex, uint8_t hook, int on)
{
	int err;

	if (!L->mx)
		return 0;
	err = lq_kernel_att_name(&L->k, (uint32_t)ifindex, hook, on ? (uint32_t)i + 1 : 0);
	if (err)
		fprintf(stderr, TOOL ": %s: cannot name its counters: %s\n", L->att[i].ifname,
			strerror(-err));
	return err;
}

/* Attaches the programs to every interface, after removing what a killed
 * instance left there; on any failure nothing stays. */
static int attach_all(struct live *L, const int *ifindex)
{
	const struct live_opts *o = L->o;
	int i, err, xdp = lq_kernel_prog_fd(&L->k, "xdp");
	int tc_in = lq_kernel_prog_fd(&L->k, "tc_in"), tc_out = lq_kernel_prog_fd(&L->k, "tc_out");

	for (i = 0; i < o->nif && !stop_signal; i++) {
		struct live_attachment *a = &L->att[L->natt];

		/* what a killed instance left here first (--tc-attach clsact) */
		err = live_remove_orphans(TOOL, o->ifnames[i], ifindex[i]);
		if (err)
			goto fail;
		memset(a, 0, sizeof(*a));
		a->link_fd = -1;
		snprintf(a->ifname, sizeof(a->ifname), "%s", o->ifnames[i]);
		a->ifindex = ifindex[i];
		err = name_slot(L, L->natt, ifindex[i], o->tc_hook ? LQ_HOOK_TC_IN : LQ_HOOK_XDP, 1);
		if (err)
			goto fail;
		if (o->tc_hook)
			err = live_attach_tc(TOOL, a, tc_in, 0, o->tc_api);
		else
			err = live_attach_xdp(TOOL, a, xdp, o->xdp_mode);
		if (err)
			goto fail;
		L->natt++;
		if (!o->endpoint)
			continue;
		a = &L->att[L->natt];
		memset(a, 0, sizeof(*a));
		a->link_fd = -1;
		snprintf(a->ifname, sizeof(a->ifname), "%s", o->ifnames[i]);
		a->ifindex = ifindex[i];
		err = name_slot(L, L->natt, ifindex[i], LQ_HOOK_TC_OUT, 1);
		if (!err)
			err = live_attach_tc(TOOL, a, tc_out, 1, o->tc_api);
		if (err)
			goto fail;
		L->natt++;
	}
	return 0;
fail:
	detach_all(L);
	L->natt = 0;
	return err;
}

static int open_write(struct live *L)
{
	const struct live_opts *o = L->o;
	uint32_t snap = o->snaplen;
	int i, j, err, n = 0;
	uint8_t hooks[2];

	err = pcapng_open(&L->pcap, o->write, TOOL);
	if (err) {
		fprintf(stderr, TOOL ": %s: %s\n", write_name(o), strerror(-err));
		return err;
	}
	/* Interface ids follow the attachments, made in the same order. */
	hooks[0] = o->tc_hook ? LQ_HOOK_TC_IN : LQ_HOOK_XDP;
	hooks[1] = LQ_HOOK_TC_OUT;
	for (i = 0; i < o->nif; i++) {
		for (j = 0; j < (o->endpoint ? 2 : 1); j++, n++) {
			err = pcapng_add_interface(&L->pcap, o->ifnames[i], hook_label(hooks[j]),
						   PCAPNG_LINKTYPE_ETHERNET, snap, &L->pcap_if[n]);
			if (err) {
				fprintf(stderr, TOOL ": %s: %s\n", write_name(o), strerror(-err));
				pcapng_close(&L->pcap);
				if (strcmp(o->write, "-"))
					unlink(o->write);
				return err;
			}
		}
	}
	L->writing = 1;
	return 0;
}

/* A monitored interface deleted, or one of a deleted one's name back (an
 * rtnetlink event): one line, then its programs attached again (or the
 * monitor stops: --iface-gone exit). */
static void on_link(void *ctx, int gone, int ifindex, const char *name, unsigned flags)
{
	struct live *L = ctx;
	const struct live_opts *o = L->o;
	struct live_reattach r = { TOOL,
				   lq_kernel_prog_fd(&L->k, "xdp"),
				   lq_kernel_prog_fd(&L->k, "tc_in"),
				   lq_kernel_prog_fd(&L->k, "tc_out"),
				   o->xdp_mode,
				   o->tc_api };
	int j, i, had;

	for (j = 0; j < o->nif; j++) {
		if (gone && L->ifindex[j] == ifindex) {
			for (i = 0; i < L->natt; i++) /* the old index may come back as another's */
				if (L->att[i].ifindex == ifindex)
					name_slot(L, i, ifindex, L->att[i].hook, 0);
			had = live_forget_iface(L->att, L->natt, ifindex);
			L->ifindex[j] = 0;
			live_metrics_iface_up(L->mx, j, 0);
			if (o->iface_gone_exit) {
				L->iface_gone = 1;
				fprintf(stderr, TOOL ": %s: interface deleted (ifindex %d): stopping "
						   "(--iface-gone exit)\n", o->ifnames[j], ifindex);
			} else {
				fprintf(stderr, TOOL ": %s: interface deleted (ifindex %d), %d program%s "
						   "with it: attaching again when an interface of that "
						   "name is up\n", o->ifnames[j], ifindex, had,
					had == 1 ? "" : "s");
			}
		} else if (!gone && !L->ifindex[j] && !L->iface_gone && (flags & IFF_UP) &&
			   !strcmp(name, o->ifnames[j])) {
			for (i = 0; i < L->natt; i++) /* its counters under its new index */
				if (!strcmp(L->att[i].ifname, name))
					name_slot(L, i, ifindex, L->att[i].hook, 1);
			if (live_reattach_iface(&r, L->att, L->natt, name, ifindex))
				continue; /* said why; tried again at its next change */
			L->ifindex[j] = ifindex;
			live_metrics_iface_up(L->mx, j, 1);
			fprintf(stderr, TOOL ": %s: interface back (ifindex %d): monitoring it again (",
				name, ifindex);
			for (i = 0, had = 0; i < L->natt; i++)
				if (!strcmp(L->att[i].ifname, name))
					fprintf(stderr, "%s%s", had++ ? ", " : "", L->att[i].how);
			fputs(")\n", stderr);
		}
	}
}

/* Events lost (the socket's buffer overflowed): each interface by its name. */
static void links_again(struct live *L)
{
	const struct live_opts *o = L->o;
	int j, idx;

	fputs(TOOL ": interface events were lost (netlink: No buffer space): looking at the "
		   "interfaces again\n", stderr);
	for (j = 0; j < o->nif; j++) {
		idx = (int)if_nametoindex(o->ifnames[j]);
		if (L->ifindex[j] && idx != L->ifindex[j])
			on_link(L, 1, L->ifindex[j], o->ifnames[j], 0);
		if (!L->ifindex[j] && idx)
			on_link(L, 0, idx, o->ifnames[j], IFF_UP);
	}
}

/* Polls the ring buffer until a signal, --duration or an output failure;
 * prints the maps every --maps-every seconds. */
static int run(struct live *L)
{
	const struct live_opts *o = L->o;
	FILE *info = people_out(o);
	uint64_t start = now_ns(CLOCK_MONOTONIC), next_maps = UINT64_MAX, end = UINT64_MAX;
	int n;

	if (o->maps_every)
		next_maps = start + (uint64_t)o->maps_every * 1000000000ULL;
	if (o->duration)
		end = start + (uint64_t)o->duration * 1000000000ULL;
	while (!stop_signal && !L->failed && !L->iface_gone) {
		uint64_t now = now_ns(CLOCK_MONOTONIC), wake = next_maps < end ? next_maps : end;
		int timeout = LIVE_POLL_MS;

		if (now >= end)
			break;
		if (wake != UINT64_MAX && wake - now < LIVE_POLL_MS * 1000000ULL)
			timeout = (int)((wake - now) / 1000000ULL) + 1;
		n = lq_kernel_poll(&L->k, timeout);
		if (n < 0 && n != -EINTR) {
			fprintf(stderr, TOOL ": ring buffer: %s\n", strerror(-n));
			return -1;
		}
		if (live_netlink_poll(&L->nl, on_link, L) == -ENOBUFS)
			links_again(L);
		if (fflush(stdout) || ferror(stdout)) {
			fprintf(stderr, TOOL ": standard output: %s\n", strerror(errno ? errno : EIO));
			return -1;
		}
		if (L->writing && !L->failed && pcapng_flush(&L->pcap)) {
			fprintf(stderr, TOOL ": %s: %s\n", write_name(o), strerror(errno));
			return -1;
		}
		now = now_ns(CLOCK_MONOTONIC);
		lq_kernel_heartbeat(&L->k, now); /* each round: the guard may drop */
		if (L->cr) { /* connections idle for the timeout end on this clock too */
			lq_connrec_tick(L->cr, now + L->clock_offset);
			live_metrics_conns_open(L->mx, lq_connrec_open(L->cr));
		}
		if (L->ipfix) /* messages due, templates, reconnects: never waits */
			lq_ipfix_poll(L->ipfix);
		if (now >= next_maps) {
			print_maps_now(L, info);
			next_maps += (uint64_t)o->maps_every * 1000000000ULL;
			if (next_maps < now)
				next_maps = now + (uint64_t)o->maps_every * 1000000000ULL;
		}
	}
	return L->failed ? -1 : 0;
}

static int add_iface(struct live_opts *o, const char *name)
{
	int i;

	for (i = 0; i < o->nif; i++) {
		if (!strcmp(o->ifnames[i], name)) {
			fprintf(stderr, TOOL ": interface '%s' given twice\n", name);
			return -1;
		}
	}
	if (o->nif == LIVE_MAX_IFACES) {
		fprintf(stderr, TOOL ": interface '%s': at most %d interfaces\n", name,
			LIVE_MAX_IFACES);
		return -1;
	}
	o->ifnames[o->nif++] = name;
	return 0;
}

enum {
	OPT_HOOK = LQ_OPT__TOOL,
	OPT_XDP_MODE,
	OPT_TC_ATTACH,
	OPT_TABLE_MAX,
	OPT_CONN_FILE,
	OPT_GUARD_EGRESS,
	OPT_MAPS_EVERY,
	OPT_IFACE_GONE,
	OPT_METRICS,
	OPT_IMMEDIATE,
};

/* -m was --maps=SECONDS before it meant what it means in linkquic-replay:
 * say so to whoever still gives it a value. */
static int maps_value_given(const char *value)
{
	fprintf(stderr,
		TOOL ": -m, --maps: takes no value (as in linkquic-replay, the maps at the end); "
		     "every %s seconds: --maps-every %s\n",
		value, value);
	return 1;
}

static int all_digits(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return 0;
	return 1;
}

static int parse_args(int argc, char **argv, struct live_opts *o)
{
	static const struct option opts[] = {
		{ "endpoint", required_argument, NULL, 'E' },
		{ "middlebox", required_argument, NULL, 'M' },
		{ "hook", required_argument, NULL, OPT_HOOK },
		{ "xdp-mode", required_argument, NULL, OPT_XDP_MODE },
		{ "tc-attach", required_argument, NULL, OPT_TC_ATTACH },
		{ "format", required_argument, NULL, 'f' },
		{ "events", no_argument, NULL, 'e' },
		{ "maps", optional_argument, NULL, 'm' },
		{ "maps-every", required_argument, NULL, OPT_MAPS_EVERY },
		{ "iface-gone", required_argument, NULL, OPT_IFACE_GONE },
		{ "metrics", required_argument, NULL, OPT_METRICS },
		{ "write", required_argument, NULL, 'w' },
		{ "conn-file", required_argument, NULL, OPT_CONN_FILE },
		{ "snaplen", required_argument, NULL, 's' },
		{ "duration", required_argument, NULL, 'd' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "table-max", required_argument, NULL, OPT_TABLE_MAX },
		{ "guard-egress", no_argument, NULL, OPT_GUARD_EGRESS },
		{ "immediate-mode", no_argument, NULL, OPT_IMMEDIATE },
		LQ_TRACKING_LONGOPTS,
		LQ_OUTPUT_LONGOPTS,
		LQ_EXPORT_LONGOPTS,
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int c, snaplen_set = 0;

	memset(o, 0, sizeof(*o));
	o->endpoint = -1;
	o->format = LQ_FMT_TABLE;
	o->snaplen = LQ_SNAP_MAX;
	o->table_max = LIVE_TABLE_MAX;
	lq_config_default(&o->cfg);
	lq_map_sizes_default(&o->sizes);
	lq_ipfix_opts_default(&o->export);

	opterr = 0; /* our own one-line messages, named after the tool */
	while ((c = getopt_long(argc, argv, ":E:M:f:elm::w:s:d:qt:uvh", opts, NULL)) != -1) {
		int taken = lq_opt_tracking(TOOL, c, optarg, &o->cfg, &o->sizes);

		if (taken < 0)
			return 1;
		if (taken == 2)
			return -1; /* --vocabulary: printed, exit 0 */
		if (taken == 0)
			continue;
		taken = lq_opt_export(TOOL, c, optarg, &o->export);
		if (taken < 0)
			return 1;
		if (taken == 2)
			return -1; /* --export-elements: printed, exit 0 */
		if (taken == 0)
			continue;
		taken = lq_opt_output(TOOL, c, optarg, &o->out);
		if (taken < 0)
			return 1;
		if (taken == 2)
			return -1; /* --version: printed, exit 0 */
		if (taken == 0)
			continue;
		switch (c) {
		case 'E':
		case 'M':
			if (o->endpoint >= 0 && o->endpoint != (c == 'E')) {
				fputs(TOOL ": --endpoint and --middlebox: choose one (one set of maps "
					   "serves one kind of monitor)\n",
				      stderr);
				return 1;
			}
			o->endpoint = c == 'E';
			if (add_iface(o, optarg))
				return 1;
			break;
		case OPT_HOOK:
			if (!strcmp(optarg, "xdp"))
				o->tc_hook = 0;
			else if (!strcmp(optarg, "tc"))
				o->tc_hook = 1;
			else {
				fprintf(stderr, TOOL ": --hook: '%s' is not xdp or tc\n", optarg);
				return 1;
			}
			break;
		case OPT_XDP_MODE:
			if (!strcmp(optarg, "native") || !strcmp(optarg, "drv"))
				o->xdp_mode = LIVE_XDP_NATIVE;
			else if (!strcmp(optarg, "generic") || !strcmp(optarg, "skb"))
				o->xdp_mode = LIVE_XDP_GENERIC;
			else {
				fprintf(stderr, TOOL ": --xdp-mode: '%s' is not native or generic\n",
					optarg);
				return 1;
			}
			break;
		case OPT_TC_ATTACH:
			if (!strcmp(optarg, "tcx"))
				o->tc_api = LIVE_TC_TCX;
			else if (!strcmp(optarg, "clsact"))
				o->tc_api = LIVE_TC_CLSACT;
			else {
				fprintf(stderr, TOOL ": --tc-attach: '%s' is not tcx or clsact\n",
					optarg);
				return 1;
			}
			break;
		case 'f':
			if (lq_opt_format(TOOL, optarg, &o->format))
				return 1;
			break;
		case 'e':
			o->events_only = 1;
			break;
		case 'm':
			if (optarg)
				return maps_value_given(optarg);
			o->maps = 1;
			break;
		case OPT_IFACE_GONE:
			if (!strcmp(optarg, "wait"))
				o->iface_gone_exit = 0;
			else if (!strcmp(optarg, "exit"))
				o->iface_gone_exit = 1;
			else {
				fprintf(stderr, TOOL ": --iface-gone: '%s' is not wait or exit\n", optarg);
				return 1;
			}
			break;
		case OPT_METRICS:
			o->metrics = optarg;
			break;
		case OPT_MAPS_EVERY:
			if (lq_opt_u32(TOOL, "--maps-every", optarg, 1, 86400, &o->maps_every))
				return 1;
			break;
		case 'w':
			o->write = optarg;
			break;
		case OPT_CONN_FILE:
			o->conn_file = optarg;
			break;
		case 's':
			if (lq_opt_u32(TOOL, "--snaplen", optarg, 64, LQ_SNAP_MAX, &o->snaplen))
				return 1;
			snaplen_set = 1;
			break;
		case 'd':
			if (lq_opt_u32(TOOL, "--duration", optarg, 1, 31536000, &o->duration))
				return 1;
			break;
		case 'q':
			o->quiet = 1;
			break;
		case OPT_TABLE_MAX:
			if (lq_opt_u32(TOOL, "--table-max", optarg, 1, 100000000, &o->table_max))
				return 1;
			break;
		case OPT_GUARD_EGRESS:
			o->cfg.flags |= LQ_CF_GUARD_EGRESS;
			break;
		case OPT_IMMEDIATE:
			o->immediate = 1;
			break;
		case 'v':
			o->verbose = 1;
			break;
		case 'h':
			usage();
			return -1;
		case ':':
		default:
			return lq_opt_bad(TOOL, c, argv);
		}
	}
	if (o->endpoint < 0) {
		fputs(TOOL ": no monitor given: --endpoint IFACE... or --middlebox IFACE... "
			   "(see --help)\n",
		      stderr);
		return 1;
	}
	/* "--middlebox eth1 eth2": the interfaces after the first; "-m 10" of
	 * old would make an interface of the number */
	for (; optind < argc; optind++) {
		if (o->maps && all_digits(argv[optind]) && !if_nametoindex(argv[optind]))
			return maps_value_given(argv[optind]);
		if (add_iface(o, argv[optind]))
			return 1;
	}
	if ((o->cfg.flags & LQ_CF_GUARD_EGRESS) && !(o->cfg.flags & LQ_CF_GUARD)) {
		fputs(TOOL ": --guard-egress: only with --guard\n", stderr);
		return 1;
	}
	if ((o->cfg.flags & LQ_CF_GUARD_EGRESS) && !o->endpoint) {
		fputs(TOOL ": --guard-egress: only with --endpoint (a middlebox's hooks are "
			   "all on the way in)\n",
		      stderr);
		return 1;
	}
	/* an orphan a kill -9 leaves attached drops nothing for long */
	o->cfg.flags |= LQ_CF_HEARTBEAT;
	if (snaplen_set && !o->write) {
		fputs(TOOL ": --snaplen: only with --write\n", stderr);
		return 1;
	}
	if (o->write && !strcmp(o->write, "-") && o->format != LQ_FMT_TABLE) {
		fprintf(stderr,
			TOOL ": -w -: standard output carries the pcapng; -f %s would go there too "
			     "(-f conn's records can go to --conn-file)\n",
			o->format == LQ_FMT_JSONL ? "jsonl" : o->format == LQ_FMT_CSV ? "csv" : "conn");
		return 1;
	}
	if (o->format == LQ_FMT_CONN && o->events_only) {
		fputs(TOOL ": --events: not with -f conn (a connection's record needs all its "
			   "packets)\n",
		      stderr);
		return 1;
	}
	/* Records go to the ring buffer for every packet when someone reads them
	 * (--format jsonl/csv/conn, --conn-file) or they are written; a table
	 * alone comes from the maps, so then only notable packets are sent. */
	if (lq_opt_export_check(TOOL, &o->export))
		return 1;
	if (o->export.url && o->events_only) {
		fputs(TOOL ": --events: not with --export (a connection's record needs all its "
			   "packets)\n",
		      stderr);
		return 1;
	}
	/* --metrics: the programs count by interface and hook themselves (exact
	 * when records are lost); its connection counts come from the
	 * per-connection records, which need every packet */
	if (o->metrics)
		o->cfg.flags |= LQ_CF_ATT_STATS;
	if (o->metrics || (!o->events_only && (o->format != LQ_FMT_TABLE || o->write ||
					       o->conn_file || o->export.url)))
		o->cfg.flags |= LQ_CF_REPORT_ALL;
	return 0;
}

int main(int argc, char **argv)
{
	struct live_opts o;
	struct live L;
	struct lq_kernel_opts ko;
	struct sigaction sa;
	int ifindex[LIVE_MAX_IFACES], i, rc = 1, err, loaded = 0;
	uint64_t lost;

	err = parse_args(argc, argv, &o);
	if (err)
		return err < 0 ? 0 : 1;
	memset(&L, 0, sizeof(L));
	L.o = &o;
	L.nl.fd = -1;
	for (i = 0; i < o.nif; i++)
		if (live_iface_lookup(TOOL, o.ifnames[i], &ifindex[i]))
			return 1;
	if (live_check_caps(TOOL))
		return 1;
	/* first: a port taken is said before anything is loaded */
	if (o.metrics && !(L.mx = live_metrics_open(TOOL, o.metrics)))
		return 1;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal; /* no SA_RESTART: the poll returns at once */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN); /* a closed stdout is an error we report, then detach */

	L.clock_offset = clock_offset();
	if (o.write && open_write(&L))
		return 1;

	memset(&ko, 0, sizeof(ko));
	ko.tool = TOOL;
	ko.cfg = o.cfg;
	ko.sizes = o.sizes;
	ko.verbose = o.verbose;
	ko.snaplen = o.write ? o.snaplen : 0;
	ko.immediate = o.immediate;
	ko.on_record = on_record;
	ko.on_record_ctx = &L;
	if ((o.cfg.flags & LQ_CF_REPORT_ALL) && !o.quiet && !(L.ct = lq_conntab_new())) {
		fputs(TOOL ": out of memory\n", stderr);
		goto cleanup;
	}
	if (L.ct)
		lq_conntab_limit(L.ct, o.table_max, LIVE_TABLE_PATHS);
	if (open_connrec(&L, &ko))
		goto cleanup;
	if (lq_kernel_open(&L.k, &ko))
		goto cleanup;
	loaded = 1;
	lq_kernel_heartbeat(&L.k, now_ns(CLOCK_MONOTONIC));
	/* before attaching: a deletion right after is not missed */
	if (live_netlink_open(TOOL, &L.nl))
		goto cleanup;
	memcpy(L.ifindex, ifindex, sizeof(L.ifindex));
	if (attach_all(&L, ifindex))
		goto cleanup;
	if (stop_signal) { /* stopped while loading: nothing was monitored */
		rc = 0;
		goto cleanup;
	}
	if (L.mx) {
		struct live_metrics_src src = { &L.k, L.ipfix, L.att, L.natt, o.ifnames, o.nif };

		for (i = 0; i < o.nif; i++)
			live_metrics_iface_up(L.mx, i, 1);
		if (live_metrics_start(L.mx, &src))
			goto cleanup;
		fprintf(stderr, TOOL ": metrics at %s\n", live_metrics_url(L.mx));
	}

	fprintf(stderr, TOOL ": %s monitor on", o.endpoint ? "endpoint" : "middlebox");
	for (i = 0; i < L.natt; i++)
		fprintf(stderr, "%s %s (%s%s)", i ? "," : "", L.att[i].ifname, L.att[i].how,
			L.att[i].hook == LQ_HOOK_TC_OUT	 ? " egress"
			: L.att[i].hook == LQ_HOOK_TC_IN ? " ingress"
							 : "");
	fprintf(stderr, "; %s\n",
		o.duration ? "stops after --duration or on Ctrl-C" : "Ctrl-C stops");
	lq_print_record_header(stdout, o.format, 1);

	rc = run(&L) ? 1 : 0;

	/* Off the interfaces first, then what is still in the ring buffer. */
	detach_all(&L);
	while (lq_kernel_poll(&L.k, rc ? 0 : 20) > 0)
		;
	if (L.cr) /* before the table: its SNI column */
		lq_connrec_finish(L.cr, LQ_END_EXIT);
	if (L.conn_out && (fflush(L.conn_out) || ferror(L.conn_out))) {
		fprintf(stderr, TOOL ": %s: %s\n", o.conn_file, strerror(errno ? errno : EIO));
		rc = 1;
	}
	live_metrics_close(L.mx); /* it reads the exporter's counters and the maps */
	L.mx = NULL;
	/* a collector down costs records, counted there, not the exit status */
	if (L.ipfix)
		lq_ipfix_close(L.ipfix, 2000, stderr);
	fflush(stdout);
	lost = finish(&L);
	if (L.failed)
		rc = 1;
	else if (L.iface_gone && rc == 0)
		rc = LIVE_EXIT_IFACE_GONE;
	else if (lost && rc == 0)
		rc = LIVE_EXIT_LOST;
	if (L.writing) {
		err = pcapng_close(&L.pcap);
		L.writing = 0;
		if (err) {
			fprintf(stderr, TOOL ": %s: %s\n", write_name(&o), strerror(-err));
			rc = 1;
		}
	}
cleanup:
	detach_all(&L);
	live_netlink_close(&L.nl);
	live_metrics_close(L.mx);
	if (loaded)
		lq_kernel_close(&L.k);
	lq_conntab_free(L.ct);
	lq_connrec_free(L.cr);
	lq_ipfix_free(L.ipfix);
	if (L.conn_out)
		fclose(L.conn_out);
	if (L.writing) {
		/* never started: no file left behind */
		pcapng_close(&L.pcap);
		unlink(o.write);
	}
	return rc;
}
