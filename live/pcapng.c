// SPDX-License-Identifier: BSD-2-Clause
#include "pcapng.h"

#include <errno.h>
#include <string.h>

#define BT_SHB 0x0A0D0D0Au
#define BT_IDB 0x00000001u
#define BT_EPB 0x00000006u
#define BYTE_ORDER_MAGIC 0x1A2B3C4Du

#define OPT_END 0
#define SHB_USERAPPL 4
#define IF_NAME 2
#define IF_DESCRIPTION 3
#define IF_TSRESOL 9
#define EPB_FLAGS 2

static uint32_t pad4(uint32_t n)
{
	return (n + 3u) & ~3u;
}

/* Bytes an option takes: header and value padded to 4. */
static uint32_t opt_len(uint32_t vlen)
{
	return 4 + pad4(vlen);
}

static int put(struct pcapng_writer *w, const void *p, size_t n)
{
	errno = 0;
	if (n && fwrite(p, 1, n, w->f) != n)
		return -(errno ? errno : EIO);
	return 0;
}

static int put32(struct pcapng_writer *w, uint32_t v)
{
	return put(w, &v, 4);
}

static int put_opt(struct pcapng_writer *w, uint16_t code, const void *v, uint16_t len)
{
	static const uint8_t zero[4];
	uint16_t h[2] = { code, len };
	int err;

	if ((err = put(w, h, 4)) || (err = put(w, v, len)))
		return err;
	return put(w, zero, pad4(len) - len);
}

static int put_end(struct pcapng_writer *w)
{
	return put32(w, OPT_END); /* code 0, length 0 */
}

int pcapng_open(struct pcapng_writer *w, const char *path, const char *application)
{
	uint16_t alen = (uint16_t)strlen(application);
	uint32_t total = 28 + opt_len(alen) + 4;
	uint64_t section_len = UINT64_MAX; /* not given */
	uint16_t version[2] = { 1, 0 };
	int err;

	memset(w, 0, sizeof(*w));
	/* "-": standard output, as tcpdump -w - */
	w->f = strcmp(path, "-") ? fopen(path, "wbe") : stdout;
	if (!w->f)
		return -errno;
	if ((err = put32(w, BT_SHB)) || (err = put32(w, total)) ||
	    (err = put32(w, BYTE_ORDER_MAGIC)) || (err = put(w, version, 4)) ||
	    (err = put(w, &section_len, 8)) || (err = put_opt(w, SHB_USERAPPL, application, alen)) ||
	    (err = put_end(w)) || (err = put32(w, total))) {
		fclose(w->f);
		w->f = NULL;
		return err;
	}
	return 0;
}

int pcapng_add_interface(struct pcapng_writer *w, const char *name, const char *description,
			 uint16_t linktype, uint32_t snaplen, uint32_t *id)
{
	uint16_t nlen = (uint16_t)strlen(name), dlen = (uint16_t)strlen(description);
	uint8_t tsresol = 9; /* 10^-9 s */
	uint32_t total = 20 + opt_len(nlen) + opt_len(dlen) + opt_len(1) + 4;
	uint16_t lt[2] = { linktype, 0 };
	int err;

	if ((err = put32(w, BT_IDB)) || (err = put32(w, total)) || (err = put(w, lt, 4)) ||
	    (err = put32(w, snaplen)) || (err = put_opt(w, IF_NAME, name, nlen)) ||
	    (err = put_opt(w, IF_DESCRIPTION, description, dlen)) ||
	    (err = put_opt(w, IF_TSRESOL, &tsresol, 1)) || (err = put_end(w)) ||
	    (err = put32(w, total)))
		return err;
	*id = w->interfaces++;
	return 0;
}

int pcapng_write_packet(struct pcapng_writer *w, uint32_t id, uint64_t ts_ns,
			const uint8_t *data, uint32_t caplen, uint32_t wirelen, uint32_t direction)
{
	static const uint8_t zero[4];
	uint32_t total = 28 + pad4(caplen) + (direction ? opt_len(4) + 4 : 0) + 4;
	uint32_t head[5] = { id, (uint32_t)(ts_ns >> 32), (uint32_t)ts_ns, caplen, wirelen };
	int err;

	if ((err = put32(w, BT_EPB)) || (err = put32(w, total)) || (err = put(w, head, 20)) ||
	    (err = put(w, data, caplen)) || (err = put(w, zero, pad4(caplen) - caplen)))
		return err;
	if (direction &&
	    ((err = put_opt(w, EPB_FLAGS, &direction, 4)) || (err = put_end(w))))
		return err;
	if ((err = put32(w, total)))
		return err;
	w->packets++;
	return 0;
}

int pcapng_flush(struct pcapng_writer *w)
{
	return fflush(w->f) ? -errno : 0;
}

int pcapng_close(struct pcapng_writer *w)
{
	int err = 0;

	if (!w->f)
		return 0;
	if (fflush(w->f))
		err = -errno;
	if (fclose(w->f) && !err)
		err = -errno;
	w->f = NULL;
	return err;
}
