// SPDX-License-Identifier: BSD-2-Clause
/*
 * ipfix_opt.c - --export and its options, the URL, and the information
 * element files collectors load, made from ipfix_ie.h's lists.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ipfix.h"
#include "ipfix_ie.h"
#include "options.h"

void lq_ipfix_opts_default(struct lq_ipfix_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->pen = LQ_IPFIX_PEN_DEFAULT;
	o->active_s = 60;
	o->refresh_s = 60;
	o->queue_kib = 1024;
}

int lq_ipfix_parse_url(const char *url, enum lq_ipfix_kind *kind, char *host, size_t hostlen,
		       char *port, size_t portlen, const char **path, char *err, size_t errlen)
{
	const char *p, *h, *he, *colon;
	size_t n;

	*path = NULL;
	if (!strncmp(url, "ipfix-file:", 11)) {
		*kind = LQ_IPFIX_FILE;
		*path = url + 11;
		if (!**path) {
			snprintf(err, errlen, "no file name after 'ipfix-file:'");
			return -1;
		}
		return 0;
	}
	if (!strncmp(url, "ipfix://", 8) || !strncmp(url, "ipfix+udp://", 12)) {
		*kind = LQ_IPFIX_UDP;
	} else if (!strncmp(url, "ipfix+tcp://", 12)) {
		*kind = LQ_IPFIX_TCP;
	} else {
		snprintf(err, errlen,
			 "not ipfix://HOST:PORT (UDP), ipfix+tcp://HOST:PORT or ipfix-file:PATH");
		return -1;
	}
	p = strstr(url, "://") + 3;
	if (*p == '[') { /* [2001:db8::1]:4739 */
		h = p + 1;
		he = strchr(h, ']');
		if (!he) {
			snprintf(err, errlen, "no ']' after the IPv6 address");
			return -1;
		}
		colon = he[1] == ':' ? he + 1 : NULL;
		if (he[1] && !colon) {
			snprintf(err, errlen, "'%s' after the address is not ':PORT'", he + 1);
			return -1;
		}
	} else {
		h = p;
		colon = strrchr(p, ':');
		if (colon && strchr(p, ':') != colon) {
			snprintf(err, errlen, "an IPv6 address goes in brackets: [ADDRESS]:PORT");
			return -1;
		}
		he = colon ? colon : p + strlen(p);
	}
	n = (size_t)(he - h);
	if (!n || n >= hostlen) {
		snprintf(err, errlen, n ? "host name too long" : "no host");
		return -1;
	}
	if (strchr(colon ? colon : he, '/')) {
		snprintf(err, errlen, "a path after HOST:PORT");
		return -1;
	}
	memcpy(host, h, n);
	host[n] = 0;
	if (!colon) {
		snprintf(port, portlen, "%s", LQ_IPFIX_PORT_DEFAULT);
		return 0;
	}
	colon++;
	n = strspn(colon, "0123456789");
	if (!n || colon[n] || n > 5 || atoi(colon) < 1 || atoi(colon) > 65535) {
		snprintf(err, errlen, "port '%s' is not a number from 1 to 65535", colon);
		return -1;
	}
	if (n >= portlen)
		return -1;
	memcpy(port, colon, n + 1);
	return 0;
}

int lq_opt_export(const char *tool, int c, const char *arg, struct lq_ipfix_opts *o)
{
	char host[256], port[8], err[128];
	enum lq_ipfix_kind kind;
	const char *path;

	switch (c) {
	case LQ_OPT_EXPORT:
		if (o->url) {
			fprintf(stderr, "%s: --export: given twice (one collector per monitor; "
					"the collector fans out)\n", tool);
			return -1;
		}
		if (lq_ipfix_parse_url(arg, &kind, host, sizeof(host), port, sizeof(port), &path, err,
				       sizeof(err))) {
			fprintf(stderr, "%s: --export '%s': %s\n", tool, arg, err);
			return -1;
		}
		o->url = arg;
		return 0;
	case LQ_OPT_EXPORT_DOMAIN:
		return lq_opt_u32(tool, "--observation-domain", arg, 0, UINT32_MAX, &o->domain) ? -1
												 : 0;
	case LQ_OPT_EXPORT_PEN:
		return lq_opt_u32(tool, "--export-pen", arg, 1, UINT32_MAX, &o->pen) ? -1 : 0;
	case LQ_OPT_EXPORT_ACTIVE:
		return lq_opt_u32(tool, "--export-active-timeout", arg, 1, 86400, &o->active_s) ? -1
												 : 0;
	case LQ_OPT_EXPORT_REFRESH:
		return lq_opt_u32(tool, "--export-template-refresh", arg, 1, 86400, &o->refresh_s)
			       ? -1
			       : 0;
	case LQ_OPT_EXPORT_QUEUE:
		return lq_opt_u32(tool, "--export-queue", arg, 64, 1048576, &o->queue_kib) ? -1 : 0;
	case LQ_OPT_EXPORT_ELEMENTS:
		if (lq_ipfix_print_elements(stdout, arg, o->pen)) {
			fprintf(stderr, "%s: --export-elements: '%s' is not xml or pmacct\n", tool, arg);
			return -1;
		}
		return 2;
	default:
		return 1;
	}
}

int lq_opt_export_check(const char *tool, const struct lq_ipfix_opts *o)
{
	struct lq_ipfix_opts d;

	lq_ipfix_opts_default(&d);
	if (!o->url && (o->domain != d.domain || o->active_s != d.active_s ||
			o->refresh_s != d.refresh_s || o->queue_kib != d.queue_kib)) {
		fprintf(stderr, "%s: --observation-domain, --export-active-timeout, "
				"--export-template-refresh, --export-queue: only with --export\n",
			tool);
		return -1;
	}
	return 0;
}

void lq_opt_help_export(FILE *f, int col)
{
	char desc[256];

	fputs("Export (IPFIX, RFC 7011: the per-connection records, as -f conn has them):\n", f);
	lq_opt_help_line(f, col, "    --export=URL",
			 "ipfix://HOST:PORT (UDP), ipfix+tcp://HOST:PORT or ipfix-file:PATH; PORT "
			 "defaults to 4739, an IPv6 HOST goes in brackets. A collector down or "
			 "slow costs records (counted, in the summary), never a wait");
	lq_opt_help_line(f, col, "    --observation-domain=N",
			 "the Observation Domain ID of this monitor's records (default 0): one "
			 "per monitor keeps several monitors' records apart at a collector");
	lq_opt_help_line(f, col, "    --export-active-timeout=S",
			 "a connection that lives on is exported every S seconds of its life too "
			 "(flowEndReason activeTimeout; default 60)");
	lq_opt_help_line(f, col, "    --export-template-refresh=S",
			 "UDP: the templates again every S seconds (RFC 7011 §8.4; default 60)");
	lq_opt_help_line(f, col, "    --export-queue=KIB",
			 "TCP: what may wait for a slow collector (default 1024 KiB); past it "
			 "records are dropped");
	snprintf(desc, sizeof(desc),
		 "the private enterprise number of the QUIC elements (default %u, RFC 5612's "
		 "number for documentation: a placeholder)",
		 LQ_IPFIX_PEN_DEFAULT);
	lq_opt_help_line(f, col, "    --export-pen=N", desc);
	lq_opt_help_line(f, col, "    --export-elements=FMT",
			 "print the QUIC elements for collectors and exit: xml (ipfixDump -e, "
			 "libfixbuf) or pmacct (nfacctd's aggregate_primitives); give "
			 "--export-pen first to change their number");
}

/* ---- the information elements for collectors ---------------------------------------- */

#define LQ__XML_TYPE_U8 "unsigned8"
#define LQ__XML_TYPE_U16 "unsigned16"
#define LQ__XML_TYPE_U32 "unsigned32"
#define LQ__XML_TYPE_U64 "unsigned64"
#define LQ__XML_TYPE_STR "string"
#define LQ__XML_TYPE_OCT "octetArray"
#define LQ__PM_LEN_U8 "1"
#define LQ__PM_LEN_U16 "2"
#define LQ__PM_LEN_U32 "4"
#define LQ__PM_LEN_U64 "8"
#define LQ__PM_LEN_STR "vlen"
#define LQ__PM_LEN_OCT "vlen"

static void print_xml(FILE *f, uint32_t pen)
{
	fprintf(f,
		"<?xml version='1.0' encoding='UTF-8'?>\n"
		"<!-- linkquic's enterprise-specific IPFIX information elements, under private\n"
		"     enterprise number %u (made by: linkquic-replay --export-pen %u\n"
		"     --export-elements xml). For ipfixDump -e FILE and libfixbuf's\n"
		"     fbInfoModelReadXMLFile(); IANA's registry format with CERT's\n"
		"     cert:enterpriseId. -->\n"
		"<registry id=\"linkquic_ipfix\"\n"
		"          xmlns=\"http://www.iana.org/assignments\"\n"
		"          xmlns:cert=\"http://www.cert.org/ipfix\">\n"
		"\n"
		"  <title>linkquic IPFIX Registry</title>\n"
		"\n"
		"  <registry id=\"linkquic-information-elements\">\n"
		"    <title>linkquic Enterprise IPFIX Elements (PEN %u)</title>\n",
		pen, pen, pen);
#define LQ__XML_REC(id, name, kind, sem, units, pname, psem, desc)                                \
	fprintf(f, "\n    <record>\n      <name>%s</name>\n      <dataType>%s</dataType>\n", #name,  \
		LQ__XML_TYPE_##kind);                                                                \
	if (strcmp(#sem, "default"))                                                                  \
		fprintf(f, "      <dataTypeSemantics>%s</dataTypeSemantics>\n", #sem);              \
	fprintf(f,                                                                                   \
		"      <cert:enterpriseId>%u</cert:enterpriseId>\n      <elementId>%d</elementId>\n" \
		"      <status>current</status>\n"                                                  \
		"      <description>\n        <paragraph>%s</paragraph>\n      </description>\n",    \
		pen, id, desc);                                                                      \
	if (strcmp(#units, "none"))                                                                  \
		fprintf(f, "      <units>%s</units>\n", #units);                                    \
	fputs("    </record>\n", f);
	LQ_IPFIX_IE_LIST(LQ__XML_REC)
#undef LQ__XML_REC
	fputs("  </registry>\n</registry>\n", f);
}

static void print_pmacct(FILE *f, uint32_t pen)
{
	fprintf(f,
		"! linkquic's IPFIX records for nfacctd: aggregate_primitives (made by:\n"
		"! linkquic-replay --export-pen %u --export-elements pmacct).\n"
		"! The QUIC elements, under private enterprise number %u:\n",
		pen, pen);
#define LQ__PM_REC(id, name, kind, sem, units, pname, psem, desc)                                 \
	fprintf(f, "name=%s\tfield_type=%u:%d\tlen=%s\tsemantics=%s\n", #pname, pen, id,          \
		LQ__PM_LEN_##kind, #psem);
	LQ_IPFIX_IE_LIST(LQ__PM_REC)
#undef LQ__PM_REC
	fputs("! Standard elements nfacctd does not read by itself (29305: RFC 5103's reverse):\n", f);
#define LQ__PM_STD(pname, type, len, psem, name)                                                  \
	fprintf(f, "name=%s\tfield_type=%s\tlen=%s\tsemantics=%s\n", #pname, type, len, #psem);
	LQ_IPFIX_PMACCT_STD_LIST(LQ__PM_STD)
#undef LQ__PM_STD
}

int lq_ipfix_print_elements(FILE *f, const char *format, uint32_t pen)
{
	if (!strcmp(format, "xml"))
		print_xml(f, pen);
	else if (!strcmp(format, "pmacct"))
		print_pmacct(f, pen);
	else
		return -1;
	return 0;
}
