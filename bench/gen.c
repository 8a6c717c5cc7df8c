// SPDX-License-Identifier: BSD-2-Clause
/*
 * linkquic-gen - builds a large benchmark capture from the real captures in
 * pcaps/ngtcp2/: many copies of real connections, each with its own client
 * and server addresses, ports and connection IDs, interleaved in time, with
 * non-QUIC UDP among them.
 *
 * A copy keeps its source's packets byte for byte except for what makes it a
 * distinct connection: addresses and ports are mapped per copy (every
 * address of the source gets its own new address, so a migration or a NAT
 * rebinding still moves to a new 4-tuple), and every CID is XORed with a
 * per-copy key wherever a header carries one, lengths kept, so the copy
 * changes CIDs exactly where its source did. Its Initials are sealed again
 * with keys from its own DCID (reseal.c), so that they decrypt as the
 * source's do and a benchmark with metadata measures real decryption.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "classify.h"
#include "reseal.h"

static const char usage[] =
	"Usage: linkquic-gen -n PACKETS -c CONNECTIONS -o FILE [OPTIONS]\n"
	"Writes a benchmark capture (pcap, Ethernet, nanosecond timestamps) of exactly\n"
	"PACKETS frames built from the real ngtcp2 captures: CONNECTIONS copies of their\n"
	"QUIC connections, taken in turn so that migration, NAT rebinding, preferred\n"
	"address, Retry, Version Negotiation, QUIC v2 and IPv6 all appear, plus non-QUIC\n"
	"UDP copied from the frames of no connection (mixed-udp, concurrent).\n"
	"\n"
	"Each copy gets client addresses from 198.18.0.0/15 (or 2001:db8:c1::/48),\n"
	"several copies to an address, its own client ports, a server from a pool in\n"
	"198.19.240.0/20 (or 2001:db8:5e::/48), port kept, and its CIDs XORed with a\n"
	"key of its own in every long and short header. When the packet budget per\n"
	"connection is below the source's length, a copy takes the handshake and then a\n"
	"window of the rest around the source's first change of path; above it, the\n"
	"last short-header packets repeat. Copies start at random times over the\n"
	"duration and are merged by timestamp. IPv4 UDP checksums are zeroed (RFC 768),\n"
	"IPv6 ones recomputed. Deterministic for a given seed.\n"
	"\n"
	"Options:\n"
	"  -n, --packets=N       frames to write (1 to 100000000)\n"
	"  -c, --connections=N   QUIC connections (1 to 4194304; at most PACKETS)\n"
	"  -o, --output=FILE     where to write ('-': standard output)\n"
	"  -s, --seed=S          random seed (default 1)\n"
	"      --nonquic=PCT     share of non-QUIC UDP frames, 0 to 90 (default 5)\n"
	"      --size-mean=BYTES resize datagrams of one short-header packet so that the\n"
	"                        mean frame is about BYTES (default: keep sizes); off\n"
	"                        the handshake's path they stay on their side of 1200\n"
	"                        bytes, the size of a path probe\n"
	"      --duration=S      connections start over S seconds (default 10)\n"
	"      --concurrent      stretch every connection past the end of the start\n"
	"                        period, so all are alive at once\n"
	"      --per-client=N    mean connections per client address (default 8)\n"
	"      --src=DIR         the real captures (default pcaps/ngtcp2)\n"
	"      --map-sizes       print key, value and emulated slot sizes of the\n"
	"                        maps (what a tracked entry costs) and exit\n"
	"  -q, --quiet           no summary on stderr\n"
	"  -h, --help            this text\n"
	"\n"
	"Examples:\n"
	"  linkquic-gen -n 2000000 -c 100000 -o /tmp/bench.pcap\n"
	"  linkquic-gen -n 12000000 -c 1000000 --concurrent --nonquic 0 -o big.pcap\n"
	"  linkquic-gen -n 100000 -c 1000 --size-mean 800 --seed 7 -o - | tshark -r - -Y quic\n";

#define PROG "linkquic-gen"
#define MAX_SPANS 8	  /* CIDs rewritten per frame: 2 per long header, coalesced */
#define MAX_ADDRS 4	  /* distinct client or server addresses in one source conn */
#define MAX_EPS 16	  /* distinct client endpoints in one source conn */
#define LOOP_MAX 32	  /* short-header frames repeated past the end of a source */
#define HS_SCAN 12	  /* the handshake is the frames up to the last long header among these */
#define PROBE_MIN 1200	  /* RFC 9000 §8.2.1: probe-sized datagram */
#define TS_BASE 1795000000ULL /* seconds: the trace starts in November 2026 */
#define V4_CLIENTS 125984u /* 198.18.0.0 - 198.19.239.255 without .0 and .255 */
#define V4_SERVERS 4064u   /* 198.19.240.0/20 without .0 and .255 */

/* ---- sources ---------------------------------------------------------------- */

struct span {
	uint16_t off;
	uint8_t len;
};

/* One frame of a source, with what a copy rewrites in it. */
struct tframe {
	const uint8_t *data;
	uint32_t caplen;
	uint32_t wirelen;
	uint64_t ts; /* ns */
	uint16_t l3, l4;
	uint8_t ipv;
	uint8_t src_is_server;
	uint8_t cli_ip;	   /* ordinal of the client address in the unit */
	uint8_t cli_ep;	   /* ordinal of the client endpoint (address, port) */
	uint8_t srv_ip;	   /* ordinal of the server address */
	uint8_t long_hdr;  /* has a long header */
	uint8_t short1;	   /* the first QUIC packet is a short header */
	uint8_t min_ulen;  /* smallest UDP length it may shrink to */
	uint16_t max_ulen; /* largest UDP length it may grow to; 0: keep its size */
	uint8_t nspans;
	struct span span[MAX_SPANS];
	struct reseal_set *seal; /* its Initials and Retry, to seal again in a copy */
};

/* A unit: one source connection, or the non-QUIC frames of one file. */
struct unit {
	char name[64];
	struct tframe *f;
	uint32_t n;
	uint32_t hs;	    /* handshake: frames [0, hs) */
	uint32_t ev;	    /* first frame on a new 4-tuple; n when none */
	uint32_t loop_first; /* frames [loop_first, loop_first + loop_n) repeat */
	uint32_t loop_n;
	uint64_t loop_period; /* ns one repetition lasts */
	uint8_t quic;
	uint8_t n_cli_ip, n_cli_ep, n_srv_ip;
	uint8_t ipv;
};

struct source_file {
	char path[4096];
	uint8_t *blob; /* all frames back to back */
	size_t blob_len;
	uint32_t nframes;
	struct tframe *frames; /* index = frame number - 1 */
	int *conn;	       /* truth: connection, or -1 */
};

/* ---- output plan ------------------------------------------------------------ */

struct copy {
	uint64_t start; /* ns from the start of the trace */
	uint64_t key;	/* seed of the CID key */
	double stretch; /* time scale after frame pivot (--concurrent) */
	uint32_t pivot;
	uint32_t unit;
	uint32_t budget; /* frames */
	uint32_t h, s;	 /* window: frames [0, h) then [s, ...) */
	uint32_t cli[MAX_ADDRS];
	uint32_t srv[MAX_ADDRS];
	uint16_t port_base[MAX_ADDRS];
};

struct event {
	uint64_t ts;
	uint32_t copy;
	uint32_t k; /* k-th frame of the copy */
};

struct opts {
	uint64_t packets;
	uint32_t conns;
	const char *out;
	uint64_t seed;
	double nonquic;
	double size_mean;
	double duration;
	int concurrent;
	uint32_t per_client;
	const char *src;
	int quiet;
};

struct gen {
	struct opts o;
	struct source_file *files;
	int nfiles;
	struct unit *units;
	uint32_t nunits;
	uint32_t *quic_units, n_quic_units;
	uint64_t resealed; /* source packets each copy seals again */
	uint32_t *other_units, n_other_units;
	struct copy *copies;
	uint32_t ncopies;
	uint32_t pool_clients, pool_servers;
	uint16_t *port_next; /* per client address */
	uint16_t *conns_at;  /* per client address: copies placed there */
	struct event *ev;
	uint64_t nev;
	double resize; /* UDP payload factor of resizable frames, 0: none */
	uint8_t filler[4096]; /* growth: up to an MTU, from an offset below 1024 */
};

static uint64_t splitmix64(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t mix64(uint64_t x)
{
	uint64_t s = x;

	return splitmix64(&s);
}

/* uniform in [0, n) */
static uint64_t rnd_below(uint64_t *s, uint64_t n)
{
	return n ? (uint64_t)(((unsigned __int128)splitmix64(s) * n) >> 64) : 0;
}

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + t.tv_nsec / 1e9;
}

/* ---- reading the sources ---------------------------------------------------- */

static int read_truth(struct source_file *sf)
{
	char tpath[4200], line[256];
	size_t len = strlen(sf->path);
	FILE *f;
	uint32_t i;

	if (len < 5 || strcmp(sf->path + len - 5, ".pcap"))
		return -1;
	snprintf(tpath, sizeof(tpath), "%.*s.truth", (int)(len - 5), sf->path);
	f = fopen(tpath, "r");
	if (!f) {
		fprintf(stderr, PROG ": cannot read '%s': %s\n", tpath, strerror(errno));
		return -1;
	}
	for (i = 0; i < sf->nframes; i++)
		sf->conn[i] = -1;
	while (fgets(line, sizeof(line), f)) {
		unsigned long fr;
		char c[32];

		if (sscanf(line, "%lu %31s", &fr, c) != 2 || fr < 1 || fr > sf->nframes)
			continue;
		sf->conn[fr - 1] = strcmp(c, "-") ? atoi(c) : -1;
	}
	fclose(f);
	return 0;
}

static int read_pcap(struct source_file *sf)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *d;
	size_t cap = 1 << 20, used = 0;
	uint32_t n = 0, maxn = 1024, i;
	uint32_t *lens, *wire;
	uint64_t *ts;
	pcap_t *p;
	int rc;

	p = pcap_open_offline_with_tstamp_precision(sf->path, PCAP_TSTAMP_PRECISION_NANO, errbuf);
	if (!p) {
		fprintf(stderr, PROG ": cannot read '%s': %s\n", sf->path, errbuf);
		return -1;
	}
	if (pcap_datalink(p) != DLT_EN10MB) {
		fprintf(stderr, PROG ": '%s': not Ethernet\n", sf->path);
		pcap_close(p);
		return -1;
	}
	sf->blob = malloc(cap);
	lens = malloc(maxn * sizeof(*lens));
	wire = malloc(maxn * sizeof(*wire));
	ts = malloc(maxn * sizeof(*ts));
	if (!sf->blob || !lens || !wire || !ts)
		goto oom;
	while ((rc = pcap_next_ex(p, &h, &d)) == 1) {
		if (n == maxn) {
			maxn *= 2;
			lens = realloc(lens, maxn * sizeof(*lens));
			wire = realloc(wire, maxn * sizeof(*wire));
			ts = realloc(ts, maxn * sizeof(*ts));
			if (!lens || !wire || !ts)
				goto oom;
		}
		while (used + h->caplen > cap) {
			cap *= 2;
			sf->blob = realloc(sf->blob, cap);
			if (!sf->blob)
				goto oom;
		}
		memcpy(sf->blob + used, d, h->caplen);
		used += h->caplen;
		lens[n] = h->caplen;
		wire[n] = h->len;
		ts[n] = (uint64_t)h->ts.tv_sec * 1000000000ULL + (uint64_t)h->ts.tv_usec;
		n++;
	}
	if (rc != PCAP_ERROR_BREAK) {
		fprintf(stderr, PROG ": '%s': %s\n", sf->path, pcap_geterr(p));
		goto fail;
	}
	pcap_close(p);
	p = NULL;
	sf->blob_len = used;
	sf->nframes = n;
	sf->frames = calloc(n ? n : 1, sizeof(*sf->frames));
	sf->conn = calloc(n ? n : 1, sizeof(*sf->conn));
	if (!sf->frames || !sf->conn)
		goto oom;
	used = 0;
	for (i = 0; i < n; i++) {
		sf->frames[i].data = sf->blob + used;
		sf->frames[i].caplen = lens[i];
		sf->frames[i].wirelen = wire[i];
		sf->frames[i].ts = ts[i];
		used += lens[i];
	}
	free(lens);
	free(wire);
	free(ts);
	return read_truth(sf);
oom:
	fprintf(stderr, PROG ": '%s': out of memory\n", sf->path);
fail:
	if (p)
		pcap_close(p);
	free(lens);
	free(wire);
	free(ts);
	return -1;
}

/* ---- QUIC header layout ------------------------------------------------------ */

/* RFC 9000 §16 variable-length integer; bytes used, or 0 past end. */
static int varint(const uint8_t *p, const uint8_t *end, uint64_t *v)
{
	int n, i;

	if (p >= end)
		return 0;
	n = 1 << (p[0] >> 6);
	if (end - p < n)
		return 0;
	*v = p[0] & 0x3f;
	for (i = 1; i < n; i++)
		*v = *v << 8 | p[i];
	return n;
}

/* Long-header type bits to a QUIC v1 type number (0 Initial, 1 0-RTT,
 * 2 Handshake, 3 Retry), -1 for a version whose layout is not known. */
static int long_type(uint32_t version, uint8_t b0)
{
	int t = (b0 >> 4) & 3;

	if (version == 1 || (version >> 8) == 0xff0000)
		return t; /* v1 and drafts */
	if (version == 0x6b3343cf || version == 0x709a50c4 || version == 0xff020000)
		return (t + 3) & 3; /* RFC 9369 §3.2: v2 rotates the types by one */
	return -1;
}

static void add_span(struct tframe *t, uint32_t off, uint32_t len)
{
	if (len && t->nspans < MAX_SPANS && off + len <= t->caplen) {
		t->span[t->nspans].off = (uint16_t)off;
		t->span[t->nspans].len = (uint8_t)len;
		t->nspans++;
	}
}

/*
 * Walks the QUIC packets of the datagram and records where CIDs are.
 * short_len: DCID length of a short header in this direction, 0 if unknown;
 * *scid_len gets the first long header's SCID length. Returns the number of
 * QUIC packets seen.
 */
static int walk_quic(struct tframe *t, uint32_t ulen, int short_len, int *scid_len)
{
	const uint8_t *p = t->data, *end = t->data + t->caplen;
	uint32_t off = t->l4 + 8, dend = t->l4 + ulen;
	int npk = 0, last_dcid = -1;

	if (dend > t->caplen)
		dend = t->caplen;
	end = p + dend;
	while (off < dend && npk < 4) {
		uint8_t b0 = p[off];

		if (b0 & 0x80) {
			uint32_t version, dcil, scil, o;
			uint64_t v;
			int tp, n;

			if (off + 6 > dend)
				break;
			version = be32(p + off + 1);
			dcil = p[off + 5];
			o = off + 6;
			if (dcil > 20 || o + dcil + 1 > dend)
				break;
			add_span(t, o, dcil);
			last_dcid = (int)dcil;
			o += dcil;
			scil = p[o++];
			if (scil > 20 || o + scil > dend)
				break;
			add_span(t, o, scil);
			if (npk == 0)
				*scid_len = (int)scil;
			o += scil;
			t->long_hdr = 1;
			npk++;
			if (version == 0)
				break; /* Version Negotiation: versions fill the rest */
			tp = long_type(version, b0);
			if (tp < 0 || tp == 3)
				break; /* unknown layout, or Retry: token and tag fill the rest */
			if (tp == 0) {
				n = varint(p + o, end, &v); /* token */
				if (!n || v > dend - o - n)
					break;
				o += n + (uint32_t)v;
			}
			n = varint(p + o, end, &v); /* Length */
			if (!n || v > dend - o - n)
				break;
			off = o + n + (uint32_t)v;
		} else {
			int len = last_dcid >= 0 ? last_dcid : short_len;

			if (len > 0)
				add_span(t, off + 1, (uint32_t)len);
			npk++;
			if (npk == 1) {
				t->short1 = 1;
				t->min_ulen = (uint8_t)(8 + 1 + len + 24); /* header, PN, tag */
			}
			break; /* a short header runs to the end */
		}
	}
	return npk;
}

/* IP and UDP offsets; 0 when the frame is not plain Ethernet + IP + UDP. */
static int locate(struct tframe *t, uint32_t *ulen)
{
	const uint8_t *p = t->data;
	uint16_t et;

	if (t->caplen < 14 + 20 + 8)
		return 0;
	et = be16(p + 12);
	t->l3 = 14;
	if (et == 0x0800) {
		uint32_t ihl = (uint32_t)(p[14] & 0x0f) * 4;

		if ((p[14] >> 4) != 4 || ihl < 20 || p[14 + 9] != 17 || (be16(p + 20) & 0x1fff) ||
		    14 + ihl + 8 > t->caplen)
			return 0;
		t->ipv = 4;
		t->l4 = (uint16_t)(14 + ihl);
	} else if (et == 0x86dd) {
		if (t->caplen < 14 + 40 + 8 || p[14 + 6] != 17)
			return 0;
		t->ipv = 6;
		t->l4 = 14 + 40;
	} else {
		return 0;
	}
	*ulen = be16(p + t->l4 + 4);
	return *ulen >= 8;
}

static int ip_equal(const struct tframe *a, int a_src, const struct tframe *b, int b_src)
{
	uint32_t la = a->ipv == 4 ? 4 : 16;
	uint32_t oa = a->l3 + (a->ipv == 4 ? (a_src ? 12 : 16) : (a_src ? 8 : 24));
	uint32_t ob = b->l3 + (b->ipv == 4 ? (b_src ? 12 : 16) : (b_src ? 8 : 24));

	return a->ipv == b->ipv && !memcmp(a->data + oa, b->data + ob, la);
}

static int ep_equal(const struct tframe *a, int a_src, const struct tframe *b, int b_src)
{
	return ip_equal(a, a_src, b, b_src) &&
	       !memcmp(a->data + a->l4 + (a_src ? 0 : 2), b->data + b->l4 + (b_src ? 0 : 2), 2);
}

/* The same unordered 4-tuple. */
static int same_path(const struct tframe *a, const struct tframe *b)
{
	return (ep_equal(a, 1, b, 1) && ep_equal(a, 0, b, 0)) ||
	       (ep_equal(a, 1, b, 0) && ep_equal(a, 0, b, 1));
}

/* Client/server sides and ordinals of the addresses and endpoints of a unit. */
static int number_endpoints(struct unit *u, const struct source_file *sf)
{
	const struct tframe *cip[MAX_ADDRS], *sip[MAX_ADDRS], *cep[MAX_EPS];
	uint8_t cip_src[MAX_ADDRS], sip_src[MAX_ADDRS], cep_src[MAX_EPS];
	uint32_t i, j, k;

	for (i = 0; i < u->n; i++) {
		struct tframe *t = &u->f[i];
		int cs = !t->src_is_server; /* the client end is the source */

		for (j = 0; j < u->n_cli_ip; j++)
			if (ip_equal(t, cs, cip[j], cip_src[j]))
				break;
		if (j == u->n_cli_ip) {
			if (j == MAX_ADDRS)
				goto many;
			cip[j] = t;
			cip_src[j] = (uint8_t)cs;
			u->n_cli_ip++;
		}
		t->cli_ip = (uint8_t)j;
		for (k = 0; k < u->n_cli_ep; k++)
			if (ep_equal(t, cs, cep[k], cep_src[k]))
				break;
		if (k == u->n_cli_ep) {
			if (k == MAX_EPS)
				goto many;
			cep[k] = t;
			cep_src[k] = (uint8_t)cs;
			u->n_cli_ep++;
		}
		t->cli_ep = (uint8_t)k;
		for (j = 0; j < u->n_srv_ip; j++)
			if (ip_equal(t, !cs, sip[j], sip_src[j]))
				break;
		if (j == u->n_srv_ip) {
			if (j == MAX_ADDRS)
				goto many;
			sip[j] = t;
			sip_src[j] = (uint8_t)!cs;
			u->n_srv_ip++;
		}
		t->srv_ip = (uint8_t)j;
	}
	return 0;
many:
	fprintf(stderr, PROG ": '%s': %s has too many addresses or ports to copy\n", sf->path,
		u->name);
	return -1;
}

/* Is this address (of frame t, source or destination) a QUIC server's, i.e.
 * seen with UDP port 443 anywhere in the file? */
static int is_server_addr(const struct source_file *sf, const struct tframe *t, int src)
{
	uint32_t i;

	for (i = 0; i < sf->nframes; i++) {
		const struct tframe *o = &sf->frames[i];

		if (!o->ipv)
			continue;
		if (be16(o->data + o->l4) == 443 && ip_equal(o, 1, t, src))
			return 1;
		if (be16(o->data + o->l4 + 2) == 443 && ip_equal(o, 0, t, src))
			return 1;
	}
	return 0;
}

static struct unit *new_unit(struct gen *g)
{
	struct unit *u;

	u = realloc(g->units, (g->nunits + 1) * sizeof(*g->units));
	if (!u)
		return NULL;
	g->units = u;
	u = &g->units[g->nunits++];
	memset(u, 0, sizeof(*u));
	return u;
}

/* Handshake end, first change of path, and the part that may repeat. */
static void unit_shape(struct unit *u)
{
	uint32_t i, cand = 0, first = u->n;

	u->hs = 0;
	for (i = 0; i < u->n && i < HS_SCAN; i++)
		if (u->f[i].long_hdr)
			u->hs = i + 1;
	if (!u->quic)
		u->hs = 0;
	u->ev = u->n;
	for (i = 1; i < u->n; i++) {
		if (!same_path(&u->f[0], &u->f[i])) {
			u->ev = i;
			break;
		}
	}
	/* the last short-header-only frames, up to LOOP_MAX of them */
	for (i = u->n; i > u->hs && cand < LOOP_MAX; i--) {
		const struct tframe *t = &u->f[i - 1];

		if (t->long_hdr || !t->nspans)
			break;
		cand++;
		first = i - 1;
	}
	u->loop_first = first;
	u->loop_n = u->quic ? cand : 0;
	if (u->loop_n) {
		uint64_t d = u->f[u->n - 1].ts - u->f[first].ts;

		u->loop_period = d + (u->loop_n > 1 ? d / (u->loop_n - 1) : 1000000) + 1000;
	}
}

/*
 * Which frames --size-mean may resize: datagrams of one short-header packet
 * whose bytes are all captured. Sizes matter to the tracker only around a
 * path probe (RFC 9000 §8.2.1: probes are padded to 1200 bytes), so a frame
 * keeps its side of 1200 unless it is on the handshake's own path.
 */
static void set_resizable(struct unit *u)
{
	uint32_t i;

	for (i = 0; i < u->n; i++) {
		struct tframe *t = &u->f[i];
		uint32_t ulen = be16(t->data + t->l4 + 4);

		t->max_ulen = 0;
		if (!t->short1 || t->caplen != t->wirelen || t->l4 + ulen != t->caplen)
			continue;
		if (ulen - 8 < PROBE_MIN)
			t->max_ulen = 8 + PROBE_MIN - 1;
		else if (same_path(&u->f[0], t))
			t->max_ulen = (uint16_t)(1500 - (t->l4 - t->l3)); /* the MTU */
	}
}

/* What each Initial of the unit needs to be sealed again in a copy. */
static int learn_seals(struct gen *g, struct unit *u)
{
	struct reseal_dgram *d = calloc(u->n ? u->n : 1, sizeof(*d));
	struct reseal_set **out = calloc(u->n ? u->n : 1, sizeof(*out));
	uint32_t i;
	int n = -1;

	if (d && out) {
		for (i = 0; i < u->n; i++) {
			const struct tframe *t = &u->f[i];
			uint32_t ulen = be16(t->data + t->l4 + 4), have = t->caplen - t->l4 - 8;

			d[i].payload = t->data + t->l4 + 8;
			d[i].len = ulen >= 8 && ulen - 8 < have ? ulen - 8 : have;
			d[i].from_server = t->src_is_server;
		}
		n = reseal_learn(d, u->n, out);
		for (i = 0; n >= 0 && i < u->n; i++)
			u->f[i].seal = out[i];
	}
	free(d);
	free(out);
	if (n < 0) {
		fprintf(stderr, PROG ": out of memory\n");
		return -1;
	}
	g->resealed += (uint64_t)n;
	return 0;
}

static int load_file(struct gen *g, struct source_file *sf)
{
	struct lq_map_sizes sz;
	struct lq_config cfg;
	struct lq_maps maps;
	struct lq_result r;
	int *dir, *nq, maxconn = -1, c;
	uint32_t i, j;

	if (read_pcap(sf))
		return -1;
	/* a few connections a file: small maps (the defaults would cost more
	 * to set up than the file to classify) */
	lq_map_sizes_default(&sz);
	sz.paths = sz.cids = sz.servers = sz.clients = sz.pending = 4096;
	dir = calloc(sf->nframes + 1, sizeof(*dir));
	nq = calloc(sf->nframes + 1, sizeof(*nq));
	if (!dir || !nq || lq_maps_init(&maps, &sz)) {
		fprintf(stderr, PROG ": out of memory\n");
		free(dir);
		free(nq);
		return -1;
	}
	lq_config_default(&cfg);
	/* the classifier says which way each packet goes (its own view of the
	 * connection); the CIDs' places come from the header walk below */
	for (i = 0; i < sf->nframes; i++) {
		struct tframe *t = &sf->frames[i];
		uint32_t ulen;

		lq_classify_eth(&maps, &cfg, t->ts, t->data, t->caplen, &r);
		dir[i] = r.dir;
		if (!locate(t, &ulen))
			t->ipv = 0;
		if (sf->conn[i] > maxconn)
			maxconn = sf->conn[i];
	}
	lq_maps_free(&maps);

	/* QUIC units: one per connection of the truth */
	for (c = 0; c <= maxconn; c++) {
		struct unit *u = new_unit(g);
		int slen[2] = { 0, 0 }; /* short-header DCID length by direction */

		if (!u)
			goto oom;
		snprintf(u->name, sizeof(u->name), "connection %d", c);
		u->quic = 1;
		for (i = 0; i < sf->nframes; i++)
			if (sf->conn[i] == c && sf->frames[i].ipv)
				u->n++;
		u->f = calloc(u->n ? u->n : 1, sizeof(*u->f));
		if (!u->f)
			goto oom;
		for (i = 0, j = 0; i < sf->nframes; i++) {
			struct tframe *t;
			int c2s;

			if (sf->conn[i] != c || !sf->frames[i].ipv)
				continue;
			t = &u->f[j++];
			*t = sf->frames[i];
			c2s = dir[i] == LQ_C2S ||
			      (dir[i] == LQ_DIR_UNKNOWN && be16(t->data + t->l4 + 2) == 443);
			t->src_is_server = !c2s;
			nq[j - 1] = c2s;
		}
		/* pass 1: long headers teach the lengths of the IDs each side
		 * issued; short headers towards a side carry that side's IDs */
		for (i = 0; i < u->n; i++) {
			struct tframe tmp = u->f[i];
			int scid_len = -1;
			uint32_t ulen = be16(tmp.data + tmp.l4 + 4);

			tmp.nspans = 0;
			walk_quic(&tmp, ulen, 0, &scid_len);
			if (tmp.long_hdr && scid_len > 0)
				slen[nq[i] ? LQ_S2C : LQ_C2S] = scid_len;
		}
		for (i = 0; i < u->n; i++) {
			struct tframe *t = &u->f[i];
			int scid_len = -1;
			uint32_t ulen = be16(t->data + t->l4 + 4);

			t->nspans = 0;
			walk_quic(t, ulen, slen[nq[i] ? LQ_C2S : LQ_S2C], &scid_len);
		}
		if (number_endpoints(u, sf) || learn_seals(g, u))
			goto fail;
		u->ipv = u->n ? u->f[0].ipv : 4;
		unit_shape(u);
		set_resizable(u);
		if (!u->n)
			g->nunits--;
	}

	/* the non-QUIC UDP of the file, one unit */
	for (i = 0, j = 0; i < sf->nframes; i++)
		if (sf->conn[i] < 0 && sf->frames[i].ipv)
			j++;
	if (j) {
		struct unit *u = new_unit(g);

		if (!u)
			goto oom;
		snprintf(u->name, sizeof(u->name), "non-QUIC UDP");
		u->n = j;
		u->f = calloc(j, sizeof(*u->f));
		if (!u->f)
			goto oom;
		for (i = 0, j = 0; i < sf->nframes; i++) {
			struct tframe *t;

			if (sf->conn[i] >= 0 || !sf->frames[i].ipv)
				continue;
			t = &u->f[j++];
			*t = sf->frames[i];
			t->src_is_server = is_server_addr(sf, t, 1) && !is_server_addr(sf, t, 0);
		}
		if (number_endpoints(u, sf))
			goto fail;
		u->ipv = u->f[0].ipv;
		unit_shape(u);
	}
	free(dir);
	free(nq);
	return 0;
oom:
	fprintf(stderr, PROG ": out of memory\n");
fail:
	free(dir);
	free(nq);
	return -1;
}

static int has_suffix(const char *s, const char *suf)
{
	size_t a = strlen(s), b = strlen(suf);

	return a >= b && !strcmp(s + a - b, suf);
}

static int load_sources(struct gen *g)
{
	struct dirent **ents;
	int n, i, rc = 0;
	uint32_t u;

	n = scandir(g->o.src, &ents, NULL, alphasort);
	if (n < 0) {
		fprintf(stderr, PROG ": cannot read '%s': %s\n", g->o.src, strerror(errno));
		return -1;
	}
	g->files = calloc((size_t)n + 1, sizeof(*g->files));
	if (!g->files) {
		fprintf(stderr, PROG ": out of memory\n");
		rc = -1;
	}
	for (i = 0; i < n; i++) {
		if (!rc && has_suffix(ents[i]->d_name, ".pcap")) {
			struct source_file *sf = &g->files[g->nfiles++];

			snprintf(sf->path, sizeof(sf->path), "%s/%s", g->o.src, ents[i]->d_name);
			if (load_file(g, sf))
				rc = -1;
		}
		free(ents[i]);
	}
	free(ents);
	if (rc)
		return rc;
	g->quic_units = calloc(g->nunits + 1, sizeof(uint32_t));
	g->other_units = calloc(g->nunits + 1, sizeof(uint32_t));
	if (!g->quic_units || !g->other_units) {
		fprintf(stderr, PROG ": out of memory\n");
		return -1;
	}
	for (u = 0; u < g->nunits; u++) {
		if (g->units[u].quic)
			g->quic_units[g->n_quic_units++] = u;
		else
			g->other_units[g->n_other_units++] = u;
	}
	if (!g->n_quic_units) {
		fprintf(stderr, PROG ": '%s': no QUIC connection in any *.pcap with a .truth\n",
			g->o.src);
		return -1;
	}
	return 0;
}

/* ---- planning --------------------------------------------------------------- */

/* Frames a copy of the unit can have: its length, or any number once a part
 * of it repeats. */
static uint64_t unit_capacity(const struct unit *u)
{
	return u->loop_n ? UINT64_MAX : u->n;
}

/* Frame of the unit for the copy's k-th frame, and its time from the unit's
 * first frame. */
static const struct tframe *copy_frame(const struct gen *g, const struct copy *cp, uint32_t k,
				       uint64_t *rel)
{
	const struct unit *u = &g->units[cp->unit];
	const struct tframe *t;
	uint64_t ts0 = u->f[0].ts;

	if (cp->budget <= u->n) {
		t = k < cp->h ? &u->f[k] : &u->f[cp->s + (k - cp->h)];
		*rel = t->ts - ts0;
	} else if (k < u->n) {
		t = &u->f[k];
		*rel = t->ts - ts0;
	} else {
		uint32_t e = k - u->n, it = e / u->loop_n, j = e % u->loop_n;

		t = &u->f[u->loop_first + j];
		*rel = (u->f[u->n - 1].ts - ts0) + (uint64_t)it * u->loop_period +
		       (t->ts - u->f[u->loop_first].ts) + (u->loop_period - (u->f[u->n - 1].ts -
									     u->f[u->loop_first].ts));
	}
	return t;
}

/* Time of the copy's k-th frame from the trace start, after stretching. */
static uint64_t copy_time(const struct gen *g, const struct copy *cp, uint32_t k)
{
	uint64_t rel, rel_hs;

	copy_frame(g, cp, k, &rel);
	if (cp->stretch > 1.0) {
		copy_frame(g, cp, cp->pivot, &rel_hs);
		if (rel > rel_hs)
			rel = rel_hs + (uint64_t)((double)(rel - rel_hs) * cp->stretch);
	}
	return cp->start + rel;
}

static void v4_addr(uint8_t *p, uint32_t idx, int server)
{
	/* 254 usable hosts per /24: .1 to .254 */
	uint32_t a = (idx / 254) * 256 + idx % 254 + 1;
	uint32_t base = server ? (198u << 24 | 19u << 16 | 240u << 8) : (198u << 24 | 18u << 16);

	a += base;
	p[0] = (uint8_t)(a >> 24);
	p[1] = (uint8_t)(a >> 16);
	p[2] = (uint8_t)(a >> 8);
	p[3] = (uint8_t)a;
}

static void v6_addr(uint8_t *p, uint32_t idx, int server)
{
	static const uint8_t pre[6] = { 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00 };

	memcpy(p, pre, 6);
	p[5] = server ? 0x5e : 0xc1;
	memset(p + 6, 0, 6);
	p[12] = (uint8_t)(idx >> 24);
	p[13] = (uint8_t)(idx >> 16);
	p[14] = (uint8_t)(idx >> 8);
	p[15] = (uint8_t)(idx + 1);
	if (p[15] == 0)
		p[11] = 1; /* never the all-zero interface ID */
}

/* Client ports: a block per copy and address, from Linux's ephemeral range
 * (ip_local_port_range 32768-60999), not reused unless an address runs out. */
#define PORT_LO 32768
#define PORT_HI 60999
static uint16_t take_ports(struct gen *g, uint32_t cli, uint32_t n)
{
	uint16_t b = g->port_next[cli];

	if ((uint32_t)b + n - 1 > PORT_HI)
		b = PORT_LO;
	g->port_next[cli] = (uint16_t)(b + n);
	return b;
}

static void place_copy(struct gen *g, struct copy *cp, uint32_t unit, uint64_t *rng)
{
	const struct unit *u = &g->units[unit];
	uint32_t home = (uint32_t)rnd_below(rng, g->pool_clients);
	uint32_t srv, i;

	cp->unit = unit;
	cp->key = splitmix64(rng);
	cp->start = rnd_below(rng, (uint64_t)(g->o.duration * 1e9));
	cp->stretch = 1.0;
	/* the copies of one client address go to different servers, so an
	 * address and a server share one connection, as one browser tab would */
	srv = (uint32_t)((mix64(home ^ g->o.seed) + g->conns_at[home]) % g->pool_servers);
	if (g->conns_at[home] < UINT16_MAX)
		g->conns_at[home]++;
	for (i = 0; i < MAX_ADDRS; i++) {
		cp->cli[i] = i == 0 ? home : (uint32_t)rnd_below(rng, g->pool_clients);
		if (i && cp->cli[i] == home)
			cp->cli[i] = (home + 1) % g->pool_clients;
		cp->srv[i] = (srv + i) % g->pool_servers; /* another address of the farm */
		cp->port_base[i] = i < u->n_cli_ip ? take_ports(g, cp->cli[i], u->n_cli_ep) : 0;
	}
}

/* Window of a copy of budget frames: the handshake, then a slice that holds
 * the first change of path when there is one. */
static void set_window(const struct unit *u, struct copy *cp)
{
	uint32_t b = cp->budget, r, s;

	if (b >= u->n) {
		cp->h = u->n;
		cp->s = u->n;
		return;
	}
	cp->h = u->hs < b ? u->hs : b;
	r = b - cp->h;
	s = cp->h;
	if (u->ev < u->n && u->ev > cp->h + r / 4)
		s = u->ev - r / 4;
	if (s + r > u->n)
		s = u->n - r;
	if (s < cp->h)
		s = cp->h;
	cp->s = s;
}

static int plan(struct gen *g)
{
	uint64_t rng = g->o.seed * 0x2545f4914f6cdd1dULL + 1;
	uint64_t nonquic = (uint64_t)llround((double)g->o.packets * g->o.nonquic / 100.0);
	uint64_t quic, base, left, want, total = 0;
	uint32_t i, nother = 0, eligible;
	uint64_t k, e;

	if (!g->n_other_units)
		nonquic = 0;
	quic = g->o.packets - nonquic;
	if (quic < g->o.conns) {
		fprintf(stderr,
			PROG ": %" PRIu64 " QUIC frames cannot hold %u connections (one frame "
			     "each at least)\n",
			quic, g->o.conns);
		return -1;
	}
	/* non-QUIC copies: whole units until the share is used up */
	for (left = nonquic, i = 0; left; i++) {
		const struct unit *u = &g->units[g->other_units[i % g->n_other_units]];

		left -= left < u->n ? left : u->n;
		nother++;
	}
	g->ncopies = g->o.conns + nother;
	g->copies = calloc(g->ncopies, sizeof(*g->copies));
	g->pool_clients = (g->o.conns + g->o.per_client - 1) / g->o.per_client;
	if (g->pool_clients > V4_CLIENTS)
		g->pool_clients = V4_CLIENTS;
	if (!g->pool_clients)
		g->pool_clients = 1;
	g->pool_servers = (g->o.conns + 63) / 64;
	if (g->pool_servers < 16)
		g->pool_servers = 16;
	if (g->pool_servers > V4_SERVERS)
		g->pool_servers = V4_SERVERS;
	g->port_next = calloc(g->pool_clients, sizeof(uint16_t));
	g->conns_at = calloc(g->pool_clients, sizeof(uint16_t));
	if (!g->copies || !g->port_next || !g->conns_at) {
		fprintf(stderr, PROG ": out of memory\n");
		return -1;
	}
	for (i = 0; i < g->pool_clients; i++)
		g->port_next[i] = (uint16_t)(PORT_LO + mix64(i ^ (g->o.seed << 32)) % 24000);

	/* QUIC copies: the sources in turn; equal budgets, what a short source
	 * cannot take goes to those that can repeat */
	base = quic / g->o.conns;
	for (i = 0; i < g->o.conns; i++) {
		struct copy *cp = &g->copies[i];
		uint64_t cap;

		place_copy(g, cp, g->quic_units[i % g->n_quic_units], &rng);
		cap = unit_capacity(&g->units[cp->unit]);
		want = base + (i < quic % g->o.conns ? 1 : 0);
		cp->budget = (uint32_t)(want < cap ? want : cap);
		total += cp->budget;
	}
	while (total < quic) {
		eligible = 0;
		for (i = 0; i < g->o.conns; i++)
			if (unit_capacity(&g->units[g->copies[i].unit]) > g->copies[i].budget)
				eligible++;
		if (!eligible) {
			fprintf(stderr, PROG ": the sources cannot fill %" PRIu64 " QUIC frames\n",
				quic);
			return -1;
		}
		left = quic - total;
		for (i = 0; i < g->o.conns && left; i++) {
			struct copy *cp = &g->copies[i];
			uint64_t cap = unit_capacity(&g->units[cp->unit]);
			uint64_t add = (left + eligible - 1) / eligible;

			if (cap <= cp->budget)
				continue;
			if (add > cap - cp->budget)
				add = cap - cp->budget;
			if (add > left)
				add = left;
			cp->budget += (uint32_t)add;
			total += add;
			left -= add;
		}
	}
	for (left = nonquic, i = 0; i < nother; i++) {
		struct copy *cp = &g->copies[g->o.conns + i];
		const struct unit *u = &g->units[g->other_units[i % g->n_other_units]];

		place_copy(g, cp, g->other_units[i % g->n_other_units], &rng);
		cp->budget = (uint32_t)(left < u->n ? left : u->n);
		left -= cp->budget;
	}
	for (i = 0; i < g->ncopies; i++)
		set_window(&g->units[g->copies[i].unit], &g->copies[i]);

	/* --concurrent: every QUIC copy still sends after the start period. The
	 * handshake keeps its pace, what follows is slowed down; a copy that is
	 * all handshake is slowed down as a whole. */
	if (g->o.concurrent) {
		uint64_t R = (uint64_t)(g->o.duration * 1e9) + 1000000;

		for (i = 0; i < g->o.conns; i++) {
			struct copy *cp = &g->copies[i];
			uint64_t rel_hs, rel_end;

			cp->pivot = cp->h && cp->budget > cp->h ? cp->h - 1 : 0;
			copy_frame(g, cp, cp->pivot, &rel_hs);
			copy_frame(g, cp, cp->budget - 1, &rel_end);
			if (rel_end > rel_hs && cp->start + rel_end < R)
				cp->stretch = (double)(R - cp->start - rel_hs) /
					      (double)(rel_end - rel_hs);
		}
	}

	/* the frames, in time order */
	g->nev = g->o.packets;
	g->ev = malloc(g->nev * sizeof(*g->ev));
	if (!g->ev) {
		fprintf(stderr, PROG ": out of memory for %" PRIu64 " frames\n", g->nev);
		return -1;
	}
	for (e = 0, i = 0; i < g->ncopies; i++) {
		for (k = 0; k < g->copies[i].budget; k++, e++) {
			g->ev[e].ts = copy_time(g, &g->copies[i], (uint32_t)k);
			g->ev[e].copy = i;
			g->ev[e].k = (uint32_t)k;
		}
	}
	return e == g->nev ? 0 : -1;
}

/* Stable LSD radix sort on the timestamp, 11 bits a pass. */
static int sort_events(struct gen *g)
{
	struct event *tmp, *a = g->ev, *b;
	uint64_t max = 0, i;
	int shift, bits = 0;

	for (i = 0; i < g->nev; i++)
		if (a[i].ts > max)
			max = a[i].ts;
	while (bits < 64 && (max >> bits))
		bits++;
	tmp = malloc(g->nev * sizeof(*tmp));
	if (!tmp) {
		fprintf(stderr, PROG ": out of memory\n");
		return -1;
	}
	b = tmp;
	for (shift = 0; shift < bits; shift += 11) {
		uint64_t cnt[2048] = { 0 }, sum = 0;
		struct event *t;

		for (i = 0; i < g->nev; i++)
			cnt[(a[i].ts >> shift) & 2047]++;
		for (i = 0; i < 2048; i++) {
			uint64_t c = cnt[i];

			cnt[i] = sum;
			sum += c;
		}
		for (i = 0; i < g->nev; i++)
			b[cnt[(a[i].ts >> shift) & 2047]++] = a[i];
		t = a;
		a = b;
		b = t;
	}
	g->ev = a;
	free(b);
	return 0;
}

/* ---- sizes ------------------------------------------------------------------- */

static uint32_t resize_one(double f, uint32_t ulen, uint32_t min_ulen, uint32_t max_ulen)
{
	double want = floor((double)(ulen - 8) * f + 0.5) + 8;

	/* never below the header and tag, never grown only to reach them */
	if (want < min_ulen)
		want = min_ulen < ulen ? min_ulen : ulen;
	if (want > max_ulen)
		want = max_ulen;
	return (uint32_t)want;
}

static uint32_t resized_ulen(const struct gen *g, const struct tframe *t, uint32_t ulen)
{
	if (!g->resize || !t->max_ulen)
		return ulen;
	return resize_one(g->resize, ulen, t->min_ulen, t->max_ulen);
}

#define SIZE_CLASSES 4 /* distinct max_ulen values: below 1200, IPv4 MTU, IPv6 MTU */

/* The payload factor that brings the mean frame to --size-mean: the total is
 * monotonic in the factor, so bisect over a histogram of the resizable
 * frames by UDP length and limit. */
static void choose_resize(struct gen *g)
{
	static uint64_t cnt[1501][SIZE_CLASSES], minsum[1501][SIZE_CLASSES];
	uint32_t cls_max[SIZE_CLASSES] = { 0 }, ncls = 0, u, c;
	uint64_t fixed = 0, overhead = 0, i;
	double lo = 0.0, hi = 64.0, target = g->o.size_mean * (double)g->nev;
	int it;

	if (g->o.size_mean <= 0)
		return;
	memset(cnt, 0, sizeof(cnt));
	memset(minsum, 0, sizeof(minsum));
	for (i = 0; i < g->nev; i++) {
		uint64_t rel;
		const struct copy *cp = &g->copies[g->ev[i].copy];
		const struct tframe *t = copy_frame(g, cp, g->ev[i].k, &rel);
		uint32_t ulen = be16(t->data + t->l4 + 4);

		for (c = 0; c < ncls && cls_max[c] != t->max_ulen; c++)
			;
		if (c == ncls && ncls < SIZE_CLASSES && t->max_ulen)
			cls_max[ncls++] = t->max_ulen;
		if (!t->max_ulen || c == ncls || ulen > 1500) {
			fixed += t->caplen;
			continue;
		}
		cnt[ulen][c]++;
		minsum[ulen][c] += t->min_ulen;
		overhead += t->l4;
	}
	for (it = 0; it < 60; it++) {
		double f = (lo + hi) / 2, sum = (double)fixed + (double)overhead;

		for (u = 8; u <= 1500; u++) {
			for (c = 0; c < ncls; c++) {
				if (!cnt[u][c])
					continue;
				sum += (double)cnt[u][c] *
				       resize_one(f, u, (uint32_t)(minsum[u][c] / cnt[u][c]),
						  cls_max[c]);
			}
		}
		if (sum < target)
			lo = f;
		else
			hi = f;
	}
	g->resize = (lo + hi) / 2;
}

/* ---- writing ----------------------------------------------------------------- */

static uint32_t csum_add(uint32_t sum, const uint8_t *p, uint32_t n)
{
	uint32_t i;

	for (i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (n & 1)
		sum += (uint32_t)p[n - 1] << 8;
	return sum;
}

static uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* Builds the copy's k-th frame in buf; returns its captured length. */
static uint32_t build_frame(const struct gen *g, uint32_t ci, uint32_t k, uint8_t *buf,
			    uint32_t *wirelen)
{
	const struct copy *cp = &g->copies[ci];
	uint64_t rel, ks = cp->key;
	const struct tframe *t = copy_frame(g, cp, k, &rel);
	uint32_t ulen = be16(t->data + t->l4 + 4), nulen, caplen = t->caplen;
	uint8_t key[24], *ip = buf + t->l3, *udp = buf + t->l4;
	uint32_t i, j, cli_port;
	int cli_src = !t->src_is_server;
	uint8_t *cli_addr, *srv_addr, *cli_portp;

	memcpy(buf, t->data, caplen);
	*wirelen = t->wirelen;

	/* CIDs: the same key everywhere in the copy */
	for (i = 0; i < 3; i++) {
		uint64_t w = splitmix64(&ks);

		memcpy(key + 8 * i, &w, 8);
	}
	for (i = 0; i < t->nspans; i++) {
		uint8_t *c = buf + t->span[i].off;

		for (j = 0; j < t->span[i].len; j++)
			c[j] ^= key[j];
	}
	if (t->seal) /* its Initials: keys from the copy's own DCID */
		reseal_apply(t->seal, buf + t->l4 + 8, caplen - t->l4 - 8, key);

	/* addresses and the client port */
	if (t->ipv == 4) {
		cli_addr = ip + (cli_src ? 12 : 16);
		srv_addr = ip + (cli_src ? 16 : 12);
		v4_addr(cli_addr, cp->cli[t->cli_ip % MAX_ADDRS], 0);
		v4_addr(srv_addr, cp->srv[t->srv_ip % MAX_ADDRS], 1);
	} else {
		cli_addr = ip + (cli_src ? 8 : 24);
		srv_addr = ip + (cli_src ? 24 : 8);
		v6_addr(cli_addr, cp->cli[t->cli_ip % MAX_ADDRS], 0);
		v6_addr(srv_addr, cp->srv[t->srv_ip % MAX_ADDRS], 1);
	}
	cli_portp = udp + (cli_src ? 0 : 2);
	cli_port = cp->port_base[t->cli_ip % MAX_ADDRS] + t->cli_ep;
	put16(cli_portp, (uint16_t)cli_port);

	/* size */
	nulen = resized_ulen(g, t, ulen);
	if (nulen != ulen && t->caplen == t->wirelen && t->l4 + ulen == t->caplen) {
		if (nulen > ulen) {
			uint32_t add = nulen - ulen, off = (uint32_t)(cp->key + k) & 1023;

			memcpy(buf + caplen, g->filler + off, add);
		}
		caplen = t->l4 + nulen;
		*wirelen = caplen;
		put16(udp + 4, (uint16_t)nulen);
		if (t->ipv == 4)
			put16(ip + 2, (uint16_t)(t->l4 - t->l3 + nulen));
		else
			put16(ip + 4, (uint16_t)nulen);
		ulen = nulen;
	}

	/* checksums */
	if (t->ipv == 4) {
		uint32_t ihl = t->l4 - t->l3;

		ip[10] = ip[11] = 0;
		put16(ip + 10, csum_fold(csum_add(0, ip, ihl)));
		udp[6] = udp[7] = 0; /* RFC 768: no checksum */
	} else {
		uint32_t sum = csum_add(0, ip + 8, 32), n = ulen <= caplen - t->l4 ? ulen
										   : caplen - t->l4;
		uint16_t c;

		sum += ulen + 17;
		udp[6] = udp[7] = 0;
		c = csum_fold(csum_add(sum, udp, n));
		put16(udp + 6, c ? c : 0xffff);
	}
	return caplen;
}

static int write_trace(struct gen *g, uint64_t *bytes)
{
	pcap_t *dead = pcap_open_dead_with_tstamp_precision(DLT_EN10MB, 262144,
							    PCAP_TSTAMP_PRECISION_NANO);
	pcap_dumper_t *d = NULL;
	FILE *f = NULL;
	static uint8_t buf[65536 + 4096];
	static char fbuf[1 << 22];
	struct pcap_pkthdr h;
	uint64_t i;
	int rc = -1;

	*bytes = 24;
	if (!dead) {
		fprintf(stderr, PROG ": libpcap: cannot open a dead handle\n");
		return -1;
	}
	f = strcmp(g->o.out, "-") ? fopen(g->o.out, "wb") : stdout;
	if (!f) {
		fprintf(stderr, PROG ": cannot write '%s': %s\n", g->o.out, strerror(errno));
		goto cleanup;
	}
	setvbuf(f, fbuf, _IOFBF, sizeof(fbuf));
	d = pcap_dump_fopen(dead, f);
	if (!d) {
		fprintf(stderr, PROG ": cannot write '%s': %s\n", g->o.out, pcap_geterr(dead));
		goto cleanup;
	}
	f = NULL; /* the dumper owns it now */
	for (i = 0; i < g->nev; i++) {
		uint64_t ts = g->ev[i].ts;
		uint32_t wirelen;

		h.caplen = build_frame(g, g->ev[i].copy, g->ev[i].k, buf, &wirelen);
		h.len = wirelen;
		h.ts.tv_sec = (time_t)(TS_BASE + ts / 1000000000ULL);
		h.ts.tv_usec = (suseconds_t)(ts % 1000000000ULL); /* nanoseconds here */
		pcap_dump((u_char *)d, &h, buf);
		*bytes += 16 + h.caplen;
	}
	if (pcap_dump_flush(d)) {
		fprintf(stderr, PROG ": cannot write '%s': %s\n", g->o.out, strerror(errno));
		goto cleanup;
	}
	rc = 0;
cleanup:
	if (d)
		pcap_dump_close(d);
	if (f && f != stdout)
		fclose(f);
	pcap_close(dead);
	return rc;
}

/* ---- main -------------------------------------------------------------------- */

static int parse_num(const char *opt, const char *s, double min, double max, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !(v >= min && v <= max)) {
		fprintf(stderr, PROG ": %s: '%s' is not a number from %g to %g\n", opt, s, min, max);
		return -1;
	}
	*out = v;
	return 0;
}

static int print_map_sizes(void)
{
	struct lq_map_sizes sz;
	struct lq_maps m;
	unsigned i;

	lq_map_sizes_default(&sz);
	if (lq_maps_init(&m, &sz)) {
		fprintf(stderr, PROG ": out of memory\n");
		return 1;
	}
	/* name, key bytes, value bytes, bytes per slot in the emulated map */
	for (i = 0; i < LQ_MAPID__COUNT; i++) {
		const struct emu_map *e = lq_maps_at_c(&m, i);

		printf("%s %u %u %u\n", e->name, e->key_size, e->value_size, e->stride);
	}
	lq_maps_free(&m);
	return 0;
}

enum {
	OPT_NONQUIC = 256,
	OPT_SIZE_MEAN,
	OPT_DURATION,
	OPT_CONCURRENT,
	OPT_PER_CLIENT,
	OPT_SRC,
	OPT_MAP_SIZES,
};

int main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "packets", required_argument, NULL, 'n' },
		{ "connections", required_argument, NULL, 'c' },
		{ "output", required_argument, NULL, 'o' },
		{ "seed", required_argument, NULL, 's' },
		{ "nonquic", required_argument, NULL, OPT_NONQUIC },
		{ "size-mean", required_argument, NULL, OPT_SIZE_MEAN },
		{ "duration", required_argument, NULL, OPT_DURATION },
		{ "concurrent", no_argument, NULL, OPT_CONCURRENT },
		{ "per-client", required_argument, NULL, OPT_PER_CLIENT },
		{ "src", required_argument, NULL, OPT_SRC },
		{ "map-sizes", no_argument, NULL, OPT_MAP_SIZES },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	static struct gen g;
	double v, t0, t1, t2;
	uint64_t bytes, s;
	uint32_t i;
	int c;

	g.o.seed = 1;
	g.o.nonquic = 5;
	g.o.duration = 10;
	g.o.per_client = 8;
	g.o.src = "pcaps/ngtcp2";
	while ((c = getopt_long(argc, argv, "n:c:o:s:qh", lopts, NULL)) != -1) {
		switch (c) {
		case 'n':
			if (parse_num("--packets", optarg, 1, 1e8, &v))
				return 1;
			g.o.packets = (uint64_t)v;
			break;
		case 'c':
			if (parse_num("--connections", optarg, 1, 4194304, &v))
				return 1;
			g.o.conns = (uint32_t)v;
			break;
		case 'o':
			g.o.out = optarg;
			break;
		case 's':
			if (parse_num("--seed", optarg, 0, 1e18, &v))
				return 1;
			g.o.seed = (uint64_t)v;
			break;
		case OPT_NONQUIC:
			if (parse_num("--nonquic", optarg, 0, 90, &g.o.nonquic))
				return 1;
			break;
		case OPT_SIZE_MEAN:
			if (parse_num("--size-mean", optarg, 64, 1500, &g.o.size_mean))
				return 1;
			break;
		case OPT_DURATION:
			if (parse_num("--duration", optarg, 0.001, 3600, &g.o.duration))
				return 1;
			break;
		case OPT_CONCURRENT:
			g.o.concurrent = 1;
			break;
		case OPT_PER_CLIENT:
			if (parse_num("--per-client", optarg, 1, 1000, &v))
				return 1;
			g.o.per_client = (uint32_t)v;
			break;
		case OPT_SRC:
			g.o.src = optarg;
			break;
		case OPT_MAP_SIZES:
			return print_map_sizes();
		case 'q':
			g.o.quiet = 1;
			break;
		case 'h':
			fputs(usage, stdout);
			return 0;
		default:
			fputs("Try '" PROG " --help'.\n", stderr);
			return 1;
		}
	}
	if (!g.o.packets || !g.o.conns || !g.o.out || optind < argc) {
		fputs(PROG ": -n PACKETS, -c CONNECTIONS and -o FILE are needed, nothing else\n"
		      "Try '" PROG " --help'.\n",
		      stderr);
		return 1;
	}
	if (g.o.conns > g.o.packets) {
		fprintf(stderr, PROG ": %u connections need at least as many packets\n", g.o.conns);
		return 1;
	}
	s = g.o.seed ^ 0x5bd1e995;
	for (i = 0; i < sizeof(g.filler); i++)
		g.filler[i] = (uint8_t)splitmix64(&s);

	t0 = now_s();
	if (load_sources(&g) || plan(&g) || sort_events(&g))
		return 1;
	choose_resize(&g);
	t1 = now_s();
	if (write_trace(&g, &bytes))
		return 1;
	t2 = now_s();
	if (!g.o.quiet) {
		uint64_t q = 0;

		for (i = 0; i < g.o.conns; i++)
			q += g.copies[i].budget;
		fprintf(stderr,
			PROG ": %" PRIu64 " frames (%" PRIu64 " QUIC in %u connections from %u "
			     "sources, %" PRIu64 " non-QUIC), %" PRIu64 " bytes, %.0f bytes/frame, "
			     "%.1f s of traffic%s, %" PRIu64 " Initials and Retries of the sources "
			     "sealed again in each copy; planned in %.2f s, written in %.2f s: %s\n",
			g.nev, q, g.o.conns, g.n_quic_units, g.nev - q, bytes,
			(double)(bytes - 24) / (double)g.nev - 16,
			g.nev ? (double)g.ev[g.nev - 1].ts / 1e9 : 0.0,
			g.o.concurrent ? ", all connections concurrent" : "", g.resealed, t1 - t0, t2 - t1,
			g.o.out);
	}
	return 0;
}
