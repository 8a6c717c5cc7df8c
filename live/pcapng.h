/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pcapng.h - a small pcapng writer (draft-ietf-opsawg-pcapng): one Section
 * Header Block, an Interface Description Block per monitored interface and
 * hook (name, description, nanosecond timestamps), an Enhanced Packet Block
 * per frame with its direction in epb_flags. Host byte order, as the format
 * allows; libpcap, tcpdump, Wireshark and linkquic-replay read it.
 */
#ifndef LQ_LIVE_PCAPNG_H
#define LQ_LIVE_PCAPNG_H

#include <stdint.h>
#include <stdio.h>

#define PCAPNG_LINKTYPE_ETHERNET 1

/* epb_flags direction bits */
#define PCAPNG_DIR_INBOUND 1
#define PCAPNG_DIR_OUTBOUND 2

struct pcapng_writer {
	FILE *f;
	uint32_t interfaces;
	uint64_t packets;
};

/* path "-" is standard output. 0, or -errno (nothing is printed: the
 * caller names the file). */
int pcapng_open(struct pcapng_writer *w, const char *path, const char *application);
/* Adds an interface; its id (0, 1, ...) is returned in *id. */
int pcapng_add_interface(struct pcapng_writer *w, const char *name, const char *description,
			 uint16_t linktype, uint32_t snaplen, uint32_t *id);
/* ts_ns: nanoseconds since the epoch. */
int pcapng_write_packet(struct pcapng_writer *w, uint32_t id, uint64_t ts_ns,
			const uint8_t *data, uint32_t caplen, uint32_t wirelen, uint32_t direction);
int pcapng_flush(struct pcapng_writer *w);
/* Flushes and closes; 0 or -errno. */
int pcapng_close(struct pcapng_writer *w);

#endif
