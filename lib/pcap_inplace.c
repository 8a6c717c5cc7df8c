// SPDX-License-Identifier: BSD-2-Clause
#include "pcap_inplace.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "linklayer.h"
#include "pcapng_read.h"

#define FILE_HDR 24
#define REC_HDR 16
/* libpcap's largest snapshot for the link types read here
 * (MAXIMUM_SNAPLEN): a bigger caplen is a damaged file */
#define MAX_SNAPLEN 262144u
#define MAX_MAPS 8
#define PCAPNG_MAGIC 0x0A0D0D0Au /* a Section Header Block: the same in both orders */
/* Pages this far behind the frame being read are let go (they are read
 * again from the file if a frame there is looked at once more): the
 * process keeps a window of the file, not all of it, in its memory. */
#define KEEP_BEHIND ((size_t)8 << 20)
#define AHEAD ((size_t)4 << 20) /* page tables made this far ahead of the reader */
#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22 /* Linux 5.14; an older kernel says EINVAL: no harm */
#endif

struct lq_pcap_inplace {
	const uint8_t *base;
	size_t size, off;
	size_t released; /* pages before this offset are let go */
	size_t populated; /* pages before this offset are mapped in */
	int swapped, nsec, dlt;
	uint32_t snapshot;
	struct lq_pcapng *ng; /* a pcapng file: its reader, on the mapping */
	int fd;
	volatile sig_atomic_t shrank; /* set by the SIGBUS handler */
};

/* The mappings a SIGBUS may fall in: a file cut while mapped. */
static struct lq_pcap_inplace *volatile mapped[MAX_MAPS];
static struct sigaction old_bus;
static int bus_installed;

static void on_bus(int sig, siginfo_t *si, void *uc)
{
	uintptr_t a = (uintptr_t)si->si_addr;
	long pg = sysconf(_SC_PAGESIZE);
	int i;

	(void)uc;
	for (i = 0; i < MAX_MAPS; i++) {
		struct lq_pcap_inplace *r = mapped[i];
		uintptr_t b, e, p;

		if (!r)
			continue;
		b = (uintptr_t)r->base;
		e = b + r->size;
		if (a < b || a >= e)
			continue;
		/* zeros from here to the end: the reader sees the flag and stops */
		p = a & ~(uintptr_t)(pg - 1);
		if (mmap((void *)p, e - p, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) ==
		    MAP_FAILED)
			break;
		r->shrank = 1;
		return;
	}
	/* not ours: what would have happened without us */
	sigaction(sig, &old_bus, NULL);
	raise(sig);
}

static int watch(struct lq_pcap_inplace *r)
{
	struct sigaction sa;
	int i;

	if (!bus_installed) {
		memset(&sa, 0, sizeof(sa));
		sa.sa_sigaction = on_bus;
		sa.sa_flags = SA_SIGINFO;
		sigemptyset(&sa.sa_mask);
		if (sigaction(SIGBUS, &sa, &old_bus))
			return -1;
		bus_installed = 1;
	}
	for (i = 0; i < MAX_MAPS; i++) {
		if (!mapped[i]) {
			mapped[i] = r;
			return 0;
		}
	}
	return -1;
}

static void unwatch(struct lq_pcap_inplace *r)
{
	int i;

	for (i = 0; i < MAX_MAPS; i++)
		if (mapped[i] == r)
			mapped[i] = NULL;
}

static uint32_t rd32(const uint8_t *p, int swapped)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return swapped ? __builtin_bswap32(v) : v;
}

static uint16_t rd16(const uint8_t *p, int swapped)
{
	uint16_t v;

	memcpy(&v, p, 2);
	return swapped ? __builtin_bswap16(v) : v;
}

struct lq_pcap_inplace *lq_pcap_inplace_open(const char *file)
{
	struct lq_pcap_inplace *r = NULL;
	const uint8_t *h;
	struct stat st;
	uint32_t magic, snap;
	void *base;
	int fd;

	if (!strcmp(file, "-"))
		return NULL;
	fd = open(file, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_size < FILE_HDR ||
	    (unsigned long long)st.st_size > (size_t)-1 / 2) {
		close(fd);
		return NULL;
	}
	base = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (base == MAP_FAILED) {
		close(fd);
		return NULL;
	}
	r = calloc(1, sizeof(*r));
	if (!r) {
		close(fd);
		goto decline;
	}
	r->fd = fd; /* kept: is the file still as long as it was? */
	r->base = base;
	r->size = (size_t)st.st_size;
	if (watch(r))
		goto decline;
	h = r->base;
	memcpy(&magic, h, 4);
	if (magic == PCAPNG_MAGIC) {
		char err[256];

		/* one the reader refuses is declined: the stream reader says why */
		r->ng = lq_pcapng_open_mem(r->base, r->size, err, sizeof(err));
		if (!r->ng)
			goto decline;
		r->dlt = lq_pcapng_first_dlt(r->ng);
		goto opened;
	}
	switch (magic) {
	case 0xa1b2c3d4: break;
	case 0xd4c3b2a1: r->swapped = 1; break;
	case 0xa1b23c4d: r->nsec = 1; break;
	case 0x4d3cb2a1: r->swapped = r->nsec = 1; break;
	default: goto decline;
	}
	/* version 2.4 only: libpcap reads 2.3 and older with quirks */
	if (rd16(h + 4, r->swapped) != 2 || rd16(h + 6, r->swapped) != 4)
		goto decline;
	snap = rd32(h + 16, r->swapped);
	/* the low 26 bits are the link type, the rest the FCS length; one
	 * not decoded here is libpcap's to name, as it maps link types */
	r->dlt = lq_linktype_to_dlt((int)(rd32(h + 20, r->swapped) & 0x03FFFFFFu));
	if (!lq_link_supported(r->dlt))
		goto decline;
	r->snapshot = snap == 0 || snap > MAX_SNAPLEN ? MAX_SNAPLEN : snap;
	r->off = FILE_HDR;
opened:
	(void)madvise(base, r->size, MADV_SEQUENTIAL); /* a hint: read ahead */
	return r;
decline:
	if (r) {
		unwatch(r);
		close(r->fd);
	}
	munmap(base, (size_t)st.st_size);
	free(r);
	return NULL;
}

int lq_pcap_inplace_dlt(const struct lq_pcap_inplace *r)
{
	return r->dlt;
}

/* Pages well behind the reader are let go, and the next record's first
 * lines fetched while this frame is classified: a miss per frame otherwise,
 * as a record's header names where the next one starts. */
static void advance(struct lq_pcap_inplace *r)
{
	if (r->off - r->released >= 2 * KEEP_BEHIND) {
		size_t upto = (r->off - KEEP_BEHIND) & ~(size_t)4095;

		(void)madvise((void *)(r->base + r->released), upto - r->released, MADV_DONTNEED);
		r->released = upto;
	}
	if (r->off + AHEAD / 2 >= r->populated && r->populated < r->size) {
		size_t from = r->populated, len = r->size - from < AHEAD ? r->size - from : AHEAD;

		/* page tables ahead of the reader in one call: else a fault
		 * each 16 pages, and the prefetches below, which a missing
		 * page table entry drops, fetch nothing there */
		(void)madvise((void *)(r->base + from), len, MADV_POPULATE_READ);
		r->populated = from + len;
	}
	if (r->size - r->off >= 128) {
		__builtin_prefetch(r->base + r->off);
		__builtin_prefetch(r->base + r->off + 64);
		__builtin_prefetch(r->base + r->off + 127);
	}
}

/* Has the file been cut since it was mapped? Past its new end the rest of
 * its last page reads as zeros without a fault (then pages fault: SIGBUS),
 * so zeros where a header should be, or a block that does not hold
 * together, are asked about. */
static int shrank(struct lq_pcap_inplace *r, char *why, size_t n)
{
	struct stat st;

	if (!r->shrank && !fstat(r->fd, &st) && (unsigned long long)st.st_size < r->size)
		r->shrank = 1;
	if (!r->shrank)
		return 0;
	snprintf(why, n, "the file shrank while it was read");
	return 1;
}

static int next_pcap(struct lq_pcap_inplace *r, struct lq_pcapng_frame *fr, char *why, size_t n)
{
	const uint8_t *h = r->base + r->off;
	size_t left = r->size - r->off;
	uint32_t sec, frac, cap;

	if (!left)
		return 0;
	if (left < REC_HDR) {
		snprintf(why, n, "truncated dump file; tried to read %d header bytes, only got %zu",
			 REC_HDR, left);
		return -1;
	}
	sec = rd32(h, r->swapped);
	frac = rd32(h + 4, r->swapped);
	cap = rd32(h + 8, r->swapped);
	fr->len = rd32(h + 12, r->swapped);
	if (!(sec | frac | cap | fr->len) && shrank(r, why, n))
		return -1;
	if (cap > MAX_SNAPLEN) {
		if (shrank(r, why, n))
			return -1;
		snprintf(why, n, "invalid packet capture length %u, bigger than maximum of %u", cap,
			 MAX_SNAPLEN);
		return -1;
	}
	if (cap > left - REC_HDR) {
		if (shrank(r, why, n))
			return -1;
		snprintf(why, n, "truncated dump file; tried to read %u captured bytes, only got %zu",
			 cap, left - REC_HDR);
		return -1;
	}
	if (r->shrank && shrank(r, why, n)) /* a fault while this header was read */
		return -1;
	fr->data = h + REC_HDR;
	/* as libpcap: a frame longer than the snapshot is cut to it */
	fr->caplen = cap > r->snapshot ? r->snapshot : cap;
	fr->ts_ns = (uint64_t)sec * 1000000000ULL + (r->nsec ? frac : (uint64_t)frac * 1000u);
	fr->dlt = r->dlt;
	fr->iface = 0;
	r->off += REC_HDR + cap;
	return 1;
}

int lq_pcap_inplace_next(struct lq_pcap_inplace *r, struct lq_pcapng_frame *fr, char *why,
			 size_t n)
{
	int rc;

	if (!r->ng) {
		rc = next_pcap(r, fr, why, n);
	} else {
		rc = lq_pcapng_next(r->ng, fr, why, n);
		r->off = lq_pcapng_offset(r->ng);
		/* past the new end, blocks read as zeros: the words of a bad
		 * block would not say why */
		if ((rc < 0 || r->shrank) && shrank(r, why, n))
			return -1;
	}
	if (rc == 1)
		advance(r);
	return rc;
}

int lq_pcap_inplace_is_pcapng(const struct lq_pcap_inplace *r)
{
	return r->ng != NULL;
}

void lq_pcap_inplace_close(struct lq_pcap_inplace *r)
{
	if (!r)
		return;
	unwatch(r);
	lq_pcapng_close(r->ng);
	munmap((void *)r->base, r->size);
	close(r->fd);
	free(r);
}
