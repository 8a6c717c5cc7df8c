// SPDX-License-Identifier: BSD-2-Clause
#include "options.h"

#include <errno.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../parser/lq_packet.h"
#include "connrec.h"
#include "input.h"
#include "output.h"
#include "vocab.h"

int lq_opt_u32(const char *tool, const char *opt, const char *s, uint32_t min, uint32_t max,
	       uint32_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s || *end || *s == '-' || v < min || v > max) {
		fprintf(stderr, "%s: %s: '%s' is not a number from %u to %u\n", tool, opt, s, min,
			max);
		return -1;
	}
	*out = (uint32_t)v;
	return 0;
}

int lq_opt_rate(const char *tool, const char *opt, const char *s, uint64_t *interval,
		uint64_t *tolerance)
{
	char buf[64], *colon;
	uint32_t rate, burst;

	if (strlen(s) >= sizeof(buf)) {
		fprintf(stderr, "%s: %s: '%s' is not RATE or RATE:BURST\n", tool, opt, s);
		return -1;
	}
	strcpy(buf, s);
	colon = strchr(buf, ':');
	if (colon)
		*colon = 0;
	if (lq_opt_u32(tool, opt, buf, 1, 100000000, &rate))
		return -1;
	burst = rate;
	if (colon && lq_opt_u32(tool, opt, colon + 1, 1, 100000000, &burst))
		return -1;
	*interval = 1000000000ULL / rate;
	*tolerance = (uint64_t)(burst - 1) * *interval;
	return 0;
}

int lq_opt_reasons(const char *tool, const char *opt, const char *s, uint32_t *mask)
{
	char buf[256], *tok, *save = NULL;

	if (!strcmp(s, "all")) {
		*mask = LQ_GUARD_DROP_ALL;
		return 0;
	}
	if (!strcmp(s, "none")) {
		*mask = 0;
		return 0;
	}
	if (strlen(s) >= sizeof(buf)) {
		fprintf(stderr, "%s: %s: list too long\n", tool, opt);
		return -1;
	}
	strcpy(buf, s);
	*mask = 0;
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		int r = lq_word_find(LQ_LIST_REASON, tok);

		if (r < 0 || !((1U << r) & LQ_REASONS_GARBAGE)) {
			fprintf(stderr, "%s: %s: '%s' is no garbage class (see --help)\n", tool, opt, tok);
			return -1;
		}
		if (!((1U << r) & LQ_GUARD_DROP_ALL)) {
			fprintf(stderr,
				"%s: %s: '%s' is never dropped: a real connection's packets can look so "
				"(see the README's guard section)\n",
				tool, opt, tok);
			return -1;
		}
		*mask |= 1U << r;
	}
	return 0;
}

int lq_opt_versions(const char *tool, const char *opt, const char *s, struct lq_config *cfg)
{
	char buf[512], *tok, *save = NULL, *end;
	unsigned long long v;
	uint8_t fmt;

	if (strlen(s) >= sizeof(buf)) {
		fprintf(stderr, "%s: %s: list too long\n", tool, opt);
		return -1;
	}
	strcpy(buf, s);
	cfg->nversions = 0;
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (!strcmp(tok, "v1")) {
			v = 0x00000001;
		} else if (!strcmp(tok, "v2")) {
			v = 0x6b3343cf;
		} else if (!strcmp(tok, "v2draft")) {
			v = 0x709a50c4;
		} else {
			errno = 0;
			v = strtoull(tok, &end, 16);
			if (errno || end == tok || *end || v > 0xffffffffULL) {
				fprintf(stderr, "%s: %s: '%s' is not a version (hex, v1, v2 or v2draft)\n",
					tool, opt, tok);
				return -1;
			}
		}
		if (lq_version_class((uint32_t)v, &fmt) == LQ_VC_UNKNOWN ||
		    lq_version_class((uint32_t)v, &fmt) == LQ_VC_VN) {
			fprintf(stderr, "%s: %s: 0x%08llx is no QUIC version this classifier parses\n", tool,
				opt, v);
			return -1;
		}
		if (cfg->nversions >= LQ_MAX_VERSIONS) {
			fprintf(stderr, "%s: %s: more than %d versions\n", tool, opt, LQ_MAX_VERSIONS);
			return -1;
		}
		cfg->versions[cfg->nversions++] = (uint32_t)v;
	}
	if (!cfg->nversions) {
		fprintf(stderr, "%s: %s: no version given\n", tool, opt);
		return -1;
	}
	return 0;
}

int lq_opt_tracking(const char *tool, int c, const char *arg, struct lq_config *cfg,
		    struct lq_map_sizes *sizes)
{
	char opt[48];
	uint32_t v32;

	if (c >= LQ_OPT_MAX_BASE && c < LQ_OPT_MAX_BASE + LQ_MAPID__COUNT) {
		unsigned id = (unsigned)(c - LQ_OPT_MAX_BASE);

		snprintf(opt, sizeof(opt), "--%s", lq_map_infos[id].option);
		return lq_opt_u32(tool, opt, arg, 16, 1u << 26, lq_sizes_at(sizes, id)) ? -1 : 0;
	}
	switch (c) {
	case 't':
		if (lq_opt_u32(tool, "--idle-timeout", arg, 1, 86400, &v32))
			return -1;
		cfg->idle_ns = (uint64_t)v32 * 1000000000ULL;
		return 0;
	case LQ_OPT_ACCEPT:
		return lq_opt_versions(tool, "--accept-versions", arg, cfg) ? -1 : 0;
	case LQ_OPT_GUARD:
		cfg->flags |= LQ_CF_GUARD;
		return 0;
	case LQ_OPT_GUARD_DROP:
		return lq_opt_reasons(tool, "--guard-drop", arg, &cfg->guard_drop) ? -1 : 0;
	case LQ_OPT_GUARD_RATE:
		return lq_opt_rate(tool, "--guard-rate", arg, &cfg->lh_interval_ns,
				   &cfg->lh_tolerance_ns) ? -1 : 0;
	case LQ_OPT_GUARD_CONN_RATE:
		return lq_opt_rate(tool, "--guard-conn-rate", arg, &cfg->conn_interval_ns,
				   &cfg->conn_tolerance_ns) ? -1 : 0;
	case LQ_OPT_VOCABULARY:
		lq_print_vocabulary(stdout);
		lq_print_record_fields(stdout, 1);
		lq_connrec_print_fields(stdout);
		return 2;
	default:
		return 1;
	}
}

void lq_opt_help_line(FILE *f, int col, const char *opt, const char *desc)
{
	const int width = 80;
	int at = fprintf(f, "  %s", opt);
	const char *p = desc;

	if (at + 1 > col) {
		fputc('\n', f);
		at = 0;
	}
	while (*p) {
		const char *brk = NULL, *q;
		int room = width - col;

		/* the longest run that fits, broken at a space or after a comma
		 * (lists of names have no spaces), or one word that does not fit */
		for (q = p; *q && q - p < room; q++)
			if (*q == ' ' || (*q == ',' && q - p + 1 < room))
				brk = *q == ',' ? q + 1 : q;
		if (!*q)
			brk = q;
		if (!brk) {
			brk = strpbrk(p, " ,");
			brk = !brk ? p + strlen(p) : *brk == ',' ? brk + 1 : brk;
		}
		fprintf(f, "%*s%.*s\n", col - at, "", (int)(brk - p), p);
		at = 0;
		p = *brk == ' ' ? brk + 1 : brk;
	}
}

void lq_opt_help_tracking(FILE *f, int col)
{
	char opt[64], desc[256];
	unsigned i;

	fputs("Tracking:\n", f);
	lq_opt_help_line(f, col, "-t, --idle-timeout=S",
			 "seconds after which an unused path, pending flow or anchor is dead "
			 "(default 60)");
	lq_opt_help_line(f, col, "    --accept-versions=LIST",
			 "versions accepted (hex, v1, v2, v2draft; comma-separated); others are not "
			 "QUIC (garbage towards a known server). Default: every known one");
	for (i = 0; i < LQ_MAPID__COUNT; i++) {
		snprintf(opt, sizeof(opt), "    --%s=N", lq_map_infos[i].option);
		snprintf(desc, sizeof(desc), "%s entries (default %u): %s", lq_map_infos[i].name,
			 lq_map_infos[i].def_entries, lq_map_infos[i].desc);
		lq_opt_help_line(f, col, opt, desc);
	}
	lq_opt_help_line(f, col, "    --vocabulary",
			 "print every verdict, reason, event, flag and map with what it means, "
			 "and exit");
}

void lq_opt_help_guard(FILE *f, int col, const char *guard_what)
{
	char names[256], desc[384];

	fputs("Guard (a monitor drops nothing unless asked to):\n", f);
	lq_opt_help_line(f, col, "    --guard", guard_what);
	snprintf(desc, sizeof(desc), "garbage classes to drop: all (default), none, or any of %s",
		 lq_reason_names_with(LQ_RP_DROP, names, sizeof(names)));
	lq_opt_help_line(f, col, "    --guard-drop=LIST", desc);
	lq_opt_help_line(f, col, "    --guard-rate=R[:B]",
			 "long-header packets per second per source (IPv6: per /64), burst B "
			 "(default R); off unless given");
	lq_opt_help_line(f, col, "    --guard-conn-rate=R[:B]",
			 "new connections per second per source");
}

int lq_opt_bad(const char *tool, int c, char *const *argv)
{
	if (c == ':')
		fprintf(stderr, "%s: %s: needs a value (see --help)\n", tool, argv[optind - 1]);
	else if (optopt)
		fprintf(stderr, "%s: -%c: unknown option (see --help)\n", tool, optopt);
	else
		fprintf(stderr, "%s: %s: unknown option (see --help)\n", tool, argv[optind - 1]);
	return 1;
}

int lq_opt_format(const char *tool, const char *s, enum lq_format *out)
{
	if (!strcmp(s, "table"))
		*out = LQ_FMT_TABLE;
	else if (!strcmp(s, "jsonl") || !strcmp(s, "json"))
		*out = LQ_FMT_JSONL;
	else if (!strcmp(s, "csv"))
		*out = LQ_FMT_CSV;
	else if (!strcmp(s, "conn"))
		*out = LQ_FMT_CONN;
	else {
		fprintf(stderr, "%s: --format: '%s' is not table, jsonl, csv or conn\n", tool, s);
		return -1;
	}
	return 0;
}

int lq_opt_output(const char *tool, int c, const char *arg, struct lq_out_opts *o)
{
	switch (c) {
	case 'u':
		o->utc = 1;
		lq_table_set_utc(1);
		return 0;
	case LQ_OPT_NO_META:
		o->no_meta = 1;
		return 0;
	case LQ_OPT_CONN_UPDATE:
		return lq_opt_u32(tool, "--conn-update", arg, 1, 86400 * 365, &o->conn_update) ? -1
												: 0;
	case 'l':
		o->line_buffered = 1;
		setvbuf(stdout, NULL, _IOLBF, 0);
		return 0;
	case LQ_OPT_VERSION:
		lq_print_version(stdout, tool);
		return 2;
	default:
		return 1;
	}
}

void lq_print_version(FILE *f, const char *tool)
{
	char codecs[128];

	lq_input_versions(codecs, sizeof(codecs));
	fprintf(f, "%s %s\n%s\n%s\n", tool, LQ_VERSION, pcap_lib_version(), codecs);
}

void lq_opt_help_output(FILE *f, int col)
{
	lq_opt_help_line(f, col, "-l, --line-buffered",
			 "standard output line-buffered, as tcpdump's -l: each record is written "
			 "as it is made (linkquic-replay does so anyway when it reads a pipe or "
			 "standard input)");
	lq_opt_help_line(f, col, "-u, --utc",
			 "START in UTC (default: local time, as tcpdump prints it; with the date "
			 "when the table spans days or is not of today)");
	lq_opt_help_line(f, col, "    --no-meta",
			 "no metadata from the connections' Initials (SNI, ALPN, JA4, transport "
			 "parameters, handshake RTT): -f conn leaves those fields null, the table "
			 "its SNI column empty");
	lq_opt_help_line(f, col, "    --conn-update=S",
			 "-f conn: also write a record, marked \"update\": true, every S seconds "
			 "of a connection's life");
}
