// SPDX-License-Identifier: BSD-2-Clause
/*
 * pcapng_read.c - the pcapng reader. Its checks and its timestamp arithmetic
 * are libpcap's (sf-pcapng.c, 1.10), so that a file both read gives the
 * same frames and times, but each interface keeps its own link type and
 * snapshot length, and each section its own byte order.
 */
#include "pcapng_read.h"

#include <errno.h>
#include <pcap/pcap.h>
#include <stdlib.h>
#include <string.h>

#define BT_SHB 0x0A0D0D0Au
#define BT_IDB 0x00000001u
#define BT_PB 0x00000002u
#define BT_SPB 0x00000003u
#define BT_EPB 0x00000006u
#define BYTE_ORDER_MAGIC 0x1A2B3C4Du

#define OPT_ENDOFOPT 0
#define IF_TSRESOL 9
#define IF_TSOFFSET 14

#define MAX_BLOCK (16u << 20) /* libpcap's INITIAL_MAX_BLOCKSIZE */
#define USER_TSRESOL 1000000000ULL

struct pcapng_if {
	int dlt;
	uint32_t snapshot;
	uint64_t tsresol; /* units per second */
	int binary;	  /* tsresol is a power of 2 */
	uint64_t tsoffset;
};

struct lq_pcapng {
	FILE *f;
	const uint8_t *mem; /* or the file in memory: blocks are read where they lie */
	size_t mem_size, mem_off;
	int swapped;
	uint8_t *buf;
	size_t bufsize;
	struct pcapng_if *ifs;
	uint32_t nif, cap_if;
};

static uint32_t swap32(uint32_t v)
{
	return __builtin_bswap32(v);
}

static uint32_t get32(const struct lq_pcapng *p, const uint8_t *b)
{
	uint32_t v;

	memcpy(&v, b, 4);
	return p->swapped ? swap32(v) : v;
}

static uint16_t get16(const struct lq_pcapng *p, const uint8_t *b)
{
	uint16_t v;

	memcpy(&v, b, 2);
	return p->swapped ? __builtin_bswap16(v) : v;
}

int lq_linktype_to_dlt(int linktype)
{
	if (linktype == 101) /* LINKTYPE_RAW */
		return DLT_RAW;
	if (linktype == 100) /* LINKTYPE_ATM_RFC1483 */
		return DLT_ATM_RFC1483;
	return linktype;
}

/* libpcap's pcap_adjust_snapshot() */
static uint32_t adjust_snapshot(int dlt, uint32_t snaplen)
{
	uint32_t max = 262144;

	if (dlt == 231) /* DLT_DBUS */
		max = 128u << 20;
	else if (dlt == 279) /* DLT_EBHSCR */
		max = 8u << 20;
	else if (dlt == 249) /* DLT_USBPCAP */
		max = 1u << 20;
	return snaplen == 0 || snaplen > max ? max : snaplen;
}

/* n bytes: 1, 0 at the end of the file (only when nothing was read and
 * eof_ok), -1 an error. */
static int read_bytes(struct lq_pcapng *p, void *buf, size_t n, int eof_ok, char *err,
		      size_t errlen)
{
	size_t got = fread(buf, 1, n, p->f);

	if (got == n)
		return 1;
	if (ferror(p->f)) {
		snprintf(err, errlen, "error reading the file: %s", strerror(errno ? errno : EIO));
		return -1;
	}
	if (got == 0 && eof_ok)
		return 0;
	snprintf(err, errlen, "truncated pcapng file: a block needs %zu more bytes, only %zu follow",
		 n, got);
	return -1;
}

/* From memory: as read_bytes(), but the bytes are where they lie (*at). */
static int mem_bytes(struct lq_pcapng *p, const uint8_t **at, size_t n, int eof_ok, char *err,
		     size_t errlen)
{
	size_t left = p->mem_size - p->mem_off;

	if (left >= n) {
		*at = p->mem + p->mem_off;
		p->mem_off += n;
		return 1;
	}
	if (left == 0 && eof_ok)
		return 0;
	snprintf(err, errlen, "truncated pcapng file: a block needs %zu more bytes, only %zu follow",
		 n, left);
	p->mem_off = p->mem_size;
	return -1;
}

/* n bytes into buf, from the file or from memory */
static int get_bytes(struct lq_pcapng *p, uint8_t *buf, size_t n, int eof_ok, char *err,
		     size_t errlen)
{
	const uint8_t *at;
	int rc;

	if (!p->mem)
		return read_bytes(p, buf, n, eof_ok, err, errlen);
	rc = mem_bytes(p, &at, n, eof_ok, err, errlen);
	if (rc == 1)
		memcpy(buf, at, n);
	return rc;
}

/* The next block: its type, and its body (between the length fields). A
 * Section Header Block sets the byte order from its own magic. */
static int read_block(struct lq_pcapng *p, uint32_t *type, const uint8_t **body, size_t *len,
		      char *err, size_t errlen)
{
	uint8_t h[12];
	uint32_t total, raw_type, trailer;
	size_t have = 8, start = p->mem_off;
	const uint8_t *blk;
	int rc;

	rc = get_bytes(p, h, 8, 1, err, errlen);
	if (rc <= 0)
		return rc;
	memcpy(&raw_type, h, 4);
	if (raw_type == BT_SHB) { /* \n\r\r\n reads the same in both orders */
		uint32_t bom;

		if (get_bytes(p, h + 8, 4, 0, err, errlen) < 0)
			return -1;
		memcpy(&bom, h + 8, 4);
		if (bom == BYTE_ORDER_MAGIC)
			p->swapped = 0;
		else if (bom == swap32(BYTE_ORDER_MAGIC))
			p->swapped = 1;
		else {
			snprintf(err, errlen, "a section has a bad byte order magic field");
			return -1;
		}
		have = 12;
	}
	*type = get32(p, h);
	total = get32(p, h + 4);
	if (total < 12 || total < have + 4) {
		snprintf(err, errlen, "a block of type %u has a length of %u < %zu", *type, total,
			 have + 4);
		return -1;
	}
	if (total % 4) {
		snprintf(err, errlen, "a block of type %u has a length of %u, not a multiple of 4",
			 *type, total);
		return -1;
	}
	if (total > MAX_BLOCK) {
		snprintf(err, errlen, "a block of type %u is %u bytes long, over the %u this reader "
				      "takes", *type, total, MAX_BLOCK);
		return -1;
	}
	if (p->mem) { /* the block where it lies: no copy */
		if (mem_bytes(p, &blk, total - have, 0, err, errlen) < 0)
			return -1;
		blk = p->mem + start;
		trailer = get32(p, blk + total - 4);
		if (trailer != total) {
			snprintf(err, errlen, "a block of type %u: total length in header (%u) and "
					      "trailer (%u) differ", *type, total, trailer);
			return -1;
		}
		*body = blk + 8;
		*len = total - 12;
		return 1;
	}
	if (p->bufsize < total) {
		uint8_t *b = realloc(p->buf, total);

		if (!b) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		p->buf = b;
		p->bufsize = total;
	}
	memcpy(p->buf, h, have);
	if (read_bytes(p, p->buf + have, total - have, 0, err, errlen) < 0)
		return -1;
	trailer = get32(p, p->buf + total - 4);
	if (trailer != total) {
		snprintf(err, errlen, "a block of type %u: total length in header (%u) and trailer "
				      "(%u) differ", *type, total, trailer);
		return -1;
	}
	*body = p->buf + 8;
	*len = total - 12;
	return 1;
}

static int too_short(uint32_t type, char *err, size_t errlen)
{
	snprintf(err, errlen, "a block of type %u is too short", type);
	return -1;
}

/* A Section Header Block: version 1.0 or 1.2, as libpcap takes. */
static int section(struct lq_pcapng *p, const uint8_t *b, size_t len, char *err, size_t errlen)
{
	uint16_t major, minor;

	if (len < 16)
		return too_short(BT_SHB, err, errlen);
	major = get16(p, b + 4);
	minor = get16(p, b + 6);
	if (major != 1 || (minor != 0 && minor != 2)) {
		snprintf(err, errlen, "unsupported pcapng version %u.%u", major, minor);
		return -1;
	}
	p->nif = 0; /* a section has its own interfaces */
	return 0;
}

/* An Interface Description Block: its link type, snapshot length and
 * timestamp options. */
static int add_interface(struct lq_pcapng *p, const uint8_t *b, size_t len, char *err,
			 size_t errlen)
{
	struct pcapng_if ifc;
	int saw_resol = 0, saw_offset = 0;
	size_t off = 8;

	if (len < 8)
		return too_short(BT_IDB, err, errlen);
	memset(&ifc, 0, sizeof(ifc));
	ifc.dlt = lq_linktype_to_dlt(get16(p, b));
	ifc.snapshot = adjust_snapshot(ifc.dlt, get32(p, b + 4));
	ifc.tsresol = 1000000; /* microseconds unless told */
	while (off < len) {
		uint16_t code, olen;
		size_t padded;

		if (len - off < 4)
			return too_short(BT_IDB, err, errlen);
		code = get16(p, b + off);
		olen = get16(p, b + off + 2);
		padded = ((size_t)olen + 3) / 4 * 4;
		off += 4;
		if (len - off < padded)
			return too_short(BT_IDB, err, errlen);
		if (code == OPT_ENDOFOPT) {
			if (olen) {
				snprintf(err, errlen, "an Interface Description Block has opt_endofopt "
						      "with length %u", olen);
				return -1;
			}
			break;
		}
		if (code == IF_TSRESOL) {
			uint8_t r = b[off];
			unsigned i;

			if (olen != 1 || saw_resol) {
				snprintf(err, errlen, "an Interface Description Block has a bad "
						      "if_tsresol option");
				return -1;
			}
			saw_resol = 1;
			if (r & 0x80) {
				if ((r & 0x7f) > 63) {
					snprintf(err, errlen, "if_tsresol 2^-%u is too fine", r & 0x7f);
					return -1;
				}
				ifc.binary = 1;
				ifc.tsresol = 1ULL << (r & 0x7f);
			} else {
				if (r > 19) {
					snprintf(err, errlen, "if_tsresol 10^-%u is too fine", r);
					return -1;
				}
				ifc.tsresol = 1;
				for (i = 0; i < r; i++)
					ifc.tsresol *= 10;
			}
		} else if (code == IF_TSOFFSET) {
			uint64_t v;

			if (olen != 8 || saw_offset) {
				snprintf(err, errlen, "an Interface Description Block has a bad "
						      "if_tsoffset option");
				return -1;
			}
			saw_offset = 1;
			memcpy(&v, b + off, 8);
			ifc.tsoffset = p->swapped ? __builtin_bswap64(v) : v;
		}
		off += padded;
	}
	if (p->nif == p->cap_if) {
		uint32_t n = p->cap_if ? p->cap_if * 2 : 4;
		struct pcapng_if *v;

		if (n > (1u << 20)) {
			snprintf(err, errlen, "more than %u interfaces in a section", 1u << 20);
			return -1;
		}
		v = realloc(p->ifs, n * sizeof(*v));
		if (!v) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		p->ifs = v;
		p->cap_if = n;
	}
	p->ifs[p->nif++] = ifc;
	return 0;
}

/* Units of the interface's resolution to nanoseconds, as libpcap scales. */
static uint64_t to_ns(const struct pcapng_if *ifc, uint64_t t)
{
	uint64_t sec = t / ifc->tsresol + ifc->tsoffset, frac = t % ifc->tsresol;

	if (ifc->tsresol == USER_TSRESOL)
		return sec * 1000000000ULL + frac;
	if (ifc->binary)
		frac = frac * USER_TSRESOL / ifc->tsresol;
	else if (ifc->tsresol > USER_TSRESOL)
		frac /= ifc->tsresol / USER_TSRESOL;
	else
		frac *= USER_TSRESOL / ifc->tsresol;
	return sec * 1000000000ULL + frac;
}

static struct lq_pcapng *open_any(FILE *f, const uint8_t *mem, size_t size, char *err,
				  size_t errlen)
{
	struct lq_pcapng *p = calloc(1, sizeof(*p));
	const uint8_t *b;
	uint32_t type;
	size_t len;
	int rc;

	if (!p) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	p->f = f;
	p->mem = mem;
	p->mem_size = size;
	rc = read_block(p, &type, &b, &len, err, errlen);
	if (rc == 0)
		snprintf(err, errlen, "empty file");
	if (rc <= 0)
		goto fail;
	if (type != BT_SHB) {
		snprintf(err, errlen, "not a pcapng file (no Section Header Block first)");
		goto fail;
	}
	if (section(p, b, len, err, errlen))
		goto fail;
	for (;;) {
		rc = read_block(p, &type, &b, &len, err, errlen);
		if (rc == 0)
			snprintf(err, errlen, "the capture file has no Interface Description Block");
		if (rc <= 0)
			goto fail;
		if (type == BT_IDB) {
			if (add_interface(p, b, len, err, errlen))
				goto fail;
			return p;
		}
		if (type == BT_EPB || type == BT_SPB || type == BT_PB) {
			snprintf(err, errlen, "a packet block comes before any Interface Description "
					      "Block");
			goto fail;
		}
		if (type == BT_SHB && section(p, b, len, err, errlen))
			goto fail;
	}
fail:
	lq_pcapng_close(p);
	return NULL;
}

struct lq_pcapng *lq_pcapng_open(FILE *f, char *err, size_t errlen)
{
	return open_any(f, NULL, 0, err, errlen);
}

struct lq_pcapng *lq_pcapng_open_mem(const uint8_t *mem, size_t size, char *err, size_t errlen)
{
	return open_any(NULL, mem, size, err, errlen);
}

size_t lq_pcapng_offset(const struct lq_pcapng *p)
{
	return p->mem_off;
}

int lq_pcapng_first_dlt(const struct lq_pcapng *p)
{
	return p->ifs[0].dlt;
}

int lq_pcapng_next(struct lq_pcapng *p, struct lq_pcapng_frame *fr, char *err, size_t errlen)
{
	const uint8_t *b;
	uint32_t type, ifid;
	size_t len, hdr;
	uint64_t t;
	int rc;

	for (;;) {
		rc = read_block(p, &type, &b, &len, err, errlen);
		if (rc <= 0)
			return rc;
		switch (type) {
		case BT_EPB:
		case BT_PB: /* the obsolete Packet Block: a 16-bit interface, drops count after */
			if (len < 20)
				return too_short(type, err, errlen);
			ifid = type == BT_EPB ? get32(p, b) : get16(p, b);
			t = (uint64_t)get32(p, b + 4) << 32 | get32(p, b + 8);
			fr->caplen = get32(p, b + 12);
			fr->len = get32(p, b + 16);
			hdr = 20;
			break;
		case BT_SPB: /* on the first interface, no time, cut to its snapshot */
			if (len < 4)
				return too_short(type, err, errlen);
			ifid = 0;
			t = 0;
			fr->len = get32(p, b);
			fr->caplen = fr->len;
			if (p->nif && fr->caplen > p->ifs[0].snapshot)
				fr->caplen = p->ifs[0].snapshot;
			hdr = 4;
			break;
		case BT_IDB:
			if (add_interface(p, b, len, err, errlen))
				return -1;
			continue;
		case BT_SHB:
			if (section(p, b, len, err, errlen))
				return -1;
			continue;
		default:
			continue; /* statistics, name resolution, comments... */
		}
		if (ifid >= p->nif) {
			snprintf(err, errlen, "a packet on interface %u, which has no Interface "
					      "Description Block", ifid);
			return -1;
		}
		if (fr->caplen > p->ifs[ifid].snapshot) {
			snprintf(err, errlen, "a packet's capture length %u is over its interface's "
					      "snapshot length %u", fr->caplen, p->ifs[ifid].snapshot);
			return -1;
		}
		if (len - hdr < fr->caplen)
			return too_short(type, err, errlen);
		fr->data = b + hdr;
		fr->ts_ns = to_ns(&p->ifs[ifid], t);
		fr->dlt = p->ifs[ifid].dlt;
		fr->iface = ifid;
		return 1;
	}
}

void lq_pcapng_close(struct lq_pcapng *p)
{
	if (!p)
		return;
	free(p->buf);
	free(p->ifs);
	free(p);
}
