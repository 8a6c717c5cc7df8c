// SPDX-License-Identifier: BSD-2-Clause
/*
 * input.c - a capture's bytes through a stdio stream of our own
 * (fopencookie): the file descriptor read as it is, or through zlib or
 * libzstd. Each read of the stream is one read(2) of what is there (plus
 * what decompresses from it), never a wait for a full buffer.
 */
#include "input.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#define RAW_BUF (256u << 10) /* compressed bytes read at a time */
#define PEEK_MAX 16

struct lq_input {
	int fd, own_fd;
	int live;
	enum lq_codec codec;
	volatile sig_atomic_t *stop;
	uint8_t *raw; /* compressed bytes (and the first bytes read of a plain file) */
	size_t raw_len, raw_off;
	int raw_eof;
	z_stream z;
	int z_init, member_done;
	ZSTD_DCtx *zd;
	int zstd_pending; /* a zstd frame is not complete */
	uint8_t peek[PEEK_MAX]; /* decompressed bytes looked at, read again first */
	size_t npeek, peek_off;
	FILE *stream;
	int stream_closed;
	char err[160];
};

enum { RD_INTERRUPTED = -2 };

/* One read(2) into the raw buffer: its bytes, 0 at the end, -1 an error,
 * RD_INTERRUPTED when a stop signal came. */
static ssize_t raw_read(struct lq_input *in, void *buf, size_t n)
{
	ssize_t r;

	for (;;) {
		r = read(in->fd, buf, n);
		if (r >= 0)
			return r;
		if (errno != EINTR) {
			snprintf(in->err, sizeof(in->err), "read error: %s", strerror(errno));
			return -1;
		}
		if (in->stop && *in->stop)
			return RD_INTERRUPTED;
	}
}

static ssize_t raw_fill(struct lq_input *in)
{
	ssize_t r;

	in->raw_off = in->raw_len = 0;
	r = raw_read(in, in->raw, RAW_BUF);
	if (r > 0)
		in->raw_len = (size_t)r;
	else if (r == 0)
		in->raw_eof = 1;
	return r;
}

static ssize_t fail(struct lq_input *in, const char *codec, const char *why)
{
	snprintf(in->err, sizeof(in->err), "%s: %s", codec, why);
	return -1;
}

static ssize_t decode_gzip(struct lq_input *in, uint8_t *buf, size_t size)
{
	size_t produced;
	ssize_t r;
	int zr;

	for (;;) {
		if (in->raw_off == in->raw_len && !in->raw_eof && (r = raw_fill(in)) < 0)
			return r;
		if (in->member_done) {
			/* members in a row (gzip a b, pigz) are one stream (RFC 1952 §2.2) */
			if (in->raw_off == in->raw_len)
				return 0;
			if (in->raw[in->raw_off] != 0x1f)
				return fail(in, "gzip", "bytes after the end of the compressed data");
			inflateReset(&in->z);
			in->member_done = 0;
		}
		in->z.next_in = in->raw + in->raw_off;
		in->z.avail_in = (uInt)(in->raw_len - in->raw_off);
		in->z.next_out = buf;
		in->z.avail_out = (uInt)(size > UINT32_MAX ? UINT32_MAX : size);
		zr = inflate(&in->z, Z_NO_FLUSH);
		produced = (size > UINT32_MAX ? UINT32_MAX : size) - in->z.avail_out;
		in->raw_off = in->raw_len - in->z.avail_in;
		if (zr == Z_STREAM_END)
			in->member_done = 1;
		else if (zr != Z_OK && zr != Z_BUF_ERROR)
			return fail(in, "gzip", in->z.msg ? in->z.msg : "invalid compressed data");
		if (produced)
			return (ssize_t)produced;
		if (in->raw_eof && in->raw_off == in->raw_len && !in->member_done)
			return fail(in, "gzip", "the compressed data ends early (a cut file?)");
	}
}

static ssize_t decode_zstd(struct lq_input *in, uint8_t *buf, size_t size)
{
	ZSTD_inBuffer zin;
	ZSTD_outBuffer zout;
	size_t zr;
	ssize_t r;

	for (;;) {
		if (in->raw_off == in->raw_len && !in->raw_eof && (r = raw_fill(in)) < 0)
			return r;
		zin.src = in->raw + in->raw_off;
		zin.size = in->raw_len - in->raw_off;
		zin.pos = 0;
		zout.dst = buf;
		zout.size = size;
		zout.pos = 0;
		zr = ZSTD_decompressStream(in->zd, &zout, &zin);
		in->raw_off += zin.pos;
		if (ZSTD_isError(zr))
			return fail(in, "zstd", ZSTD_getErrorName(zr));
		/* 0: a frame is complete and flushed (a call that took and gave
		 * nothing, at the end, says nothing of it) */
		if (zin.pos || zout.pos)
			in->zstd_pending = zr != 0;
		if (zout.pos)
			return (ssize_t)zout.pos;
		if (in->raw_eof && in->raw_off == in->raw_len) {
			if (in->zstd_pending)
				return fail(in, "zstd", "the compressed data ends early (a cut file?)");
			return 0;
		}
	}
}

/* The next bytes of the stream, past what was peeked. */
static ssize_t decode(struct lq_input *in, uint8_t *buf, size_t size)
{
	size_t n;

	switch (in->codec) {
	case LQ_CODEC_GZIP:
		return decode_gzip(in, buf, size);
	case LQ_CODEC_ZSTD:
		return decode_zstd(in, buf, size);
	default:
		if (in->raw_off < in->raw_len) { /* the bytes read to tell the format */
			n = in->raw_len - in->raw_off < size ? in->raw_len - in->raw_off : size;
			memcpy(buf, in->raw + in->raw_off, n);
			in->raw_off += n;
			return (ssize_t)n;
		}
		return raw_read(in, buf, size);
	}
}

static ssize_t cookie_read(void *cookie, char *buf, size_t size)
{
	struct lq_input *in = cookie;
	ssize_t r;

	if (in->peek_off < in->npeek) {
		size_t n = in->npeek - in->peek_off < size ? in->npeek - in->peek_off : size;

		memcpy(buf, in->peek + in->peek_off, n);
		in->peek_off += n;
		return (ssize_t)n;
	}
	r = decode(in, (uint8_t *)buf, size);
	if (r == RD_INTERRUPTED)
		return 0; /* stopped: the input ends here */
	if (r < 0)
		errno = EIO;
	return r;
}

static int cookie_close(void *cookie)
{
	(void)cookie; /* lq_input_close frees what the stream used */
	return 0;
}

struct lq_input *lq_input_open(const char *file, volatile sig_atomic_t *stop, char *err,
			       size_t errlen)
{
	struct lq_input *in = calloc(1, sizeof(*in));
	struct stat st;
	ssize_t r;

	if (!in || !(in->raw = malloc(RAW_BUF))) {
		snprintf(err, errlen, "out of memory");
		free(in);
		return NULL;
	}
	in->stop = stop;
	if (strcmp(file, "-")) {
		in->fd = open(file, O_RDONLY | O_CLOEXEC);
		if (in->fd < 0)
			goto sys_fail;
		in->own_fd = 1;
	}
	if (fstat(in->fd, &st))
		goto sys_fail;
	if (S_ISDIR(st.st_mode)) {
		errno = EISDIR;
		goto sys_fail;
	}
	in->live = !in->own_fd || !S_ISREG(st.st_mode);
	/* the first bytes tell the codec: gzip 1f 8b, zstd 28 b5 2f fd */
	while (in->raw_len < 4 && !in->raw_eof) {
		r = raw_read(in, in->raw + in->raw_len, 4 - in->raw_len);
		if (r < 0) {
			snprintf(err, errlen, "%s", r == RD_INTERRUPTED ? "interrupted" : in->err);
			lq_input_close(in);
			return NULL;
		}
		in->raw_len += (size_t)r;
		in->raw_eof = r == 0;
	}
	if (in->raw_len >= 2 && in->raw[0] == 0x1f && in->raw[1] == 0x8b) {
		in->codec = LQ_CODEC_GZIP;
		if (inflateInit2(&in->z, 16 + MAX_WBITS) != Z_OK) {
			snprintf(err, errlen, "gzip: cannot start zlib");
			lq_input_close(in);
			return NULL;
		}
		in->z_init = 1;
	} else if (in->raw_len >= 4 && in->raw[0] == 0x28 && in->raw[1] == 0xb5 &&
		   in->raw[2] == 0x2f && in->raw[3] == 0xfd) {
		in->codec = LQ_CODEC_ZSTD;
		in->zd = ZSTD_createDCtx();
		if (!in->zd) {
			snprintf(err, errlen, "zstd: out of memory");
			lq_input_close(in);
			return NULL;
		}
		in->zstd_pending = 1;
	}
	return in;
sys_fail:
	snprintf(err, errlen, "%s", strerror(errno));
	lq_input_close(in);
	return NULL;
}

int lq_input_peek(struct lq_input *in, uint8_t *buf, size_t n)
{
	ssize_t r;

	if (n > PEEK_MAX)
		n = PEEK_MAX;
	while (in->npeek < n) {
		r = decode(in, in->peek + in->npeek, n - in->npeek);
		if (r == RD_INTERRUPTED || r == 0)
			break;
		if (r < 0)
			return -1;
		in->npeek += (size_t)r;
	}
	n = in->npeek < n ? in->npeek : n;
	memcpy(buf, in->peek, n);
	return (int)n;
}

FILE *lq_input_stream(struct lq_input *in, size_t bufsize)
{
	static const cookie_io_functions_t io = { cookie_read, NULL, NULL, cookie_close };

	if (in->stream)
		return in->stream;
	in->stream = fopencookie(in, "r", io);
	if (in->stream && bufsize)
		setvbuf(in->stream, NULL, _IOFBF, bufsize);
	return in->stream;
}

const char *lq_input_error(const struct lq_input *in)
{
	return in && in->err[0] ? in->err : NULL;
}

enum lq_codec lq_input_codec(const struct lq_input *in)
{
	return in->codec;
}

const char *lq_codec_name(enum lq_codec c)
{
	return c == LQ_CODEC_GZIP ? "gzip" : c == LQ_CODEC_ZSTD ? "zstd" : NULL;
}

int lq_input_is_live(const struct lq_input *in)
{
	return in->live;
}

void lq_input_stream_closed(struct lq_input *in)
{
	in->stream = NULL;
	in->stream_closed = 1;
}

void lq_input_close(struct lq_input *in)
{
	if (!in)
		return;
	if (in->stream && !in->stream_closed)
		fclose(in->stream);
	if (in->z_init)
		inflateEnd(&in->z);
	ZSTD_freeDCtx(in->zd);
	if (in->own_fd)
		close(in->fd);
	free(in->raw);
	free(in);
}

void lq_input_versions(char *buf, size_t n)
{
	snprintf(buf, n, "zlib %s, zstd %s", zlibVersion(), ZSTD_versionString());
}
