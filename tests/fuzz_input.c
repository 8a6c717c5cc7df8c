// SPDX-License-Identifier: BSD-2-Clause
/*
 * fuzz_input.c - the harnesses' settings header, map size profiles, and the
 * pkt and seq formats (fuzz_track.h; tests/FUZZING.md has the bytes).
 */
#include "fuzz_track.h"

#include <stdio.h>
#include <string.h>

#include "vocab.h"

#define FZ_PKT_MAX (0x4000 + 64) /* a little past the parser's largest offset */

void fz_profile_sizes(unsigned profile, struct lq_map_sizes *sz)
{
	/* the mix: a few paths and IDs more than the rest, one or two slots
	 * where the tracker keeps evidence */
	static const uint32_t mixed[] = { 32, 8, 4, 16, 4, 2, 8, 2, 4, 16, 8, 4 };
	unsigned i;

	for (i = 0; i < LQ_MAPID__COUNT; i++) {
		uint32_t n = 1024;

		if (profile == FZ_PROFILE_TINY)
			n = 4;
		else if (profile == FZ_PROFILE_SMALL)
			n = 16;
		else if (profile == FZ_PROFILE_MIXED)
			n = mixed[i % (sizeof(mixed) / sizeof(mixed[0]))];
		*lq_sizes_at(sz, i) = n;
	}
}

/* Versions an input may restrict --accept-versions to (bit i of the mask). */
static const uint32_t fz_versions[] = { 0x00000001, 0x6b3343cf, 0x709a50c4,
					0xff00001d, 0x51303530, 0xfaceb002 };
static const uint32_t fz_idle_s[8] = { 1, 2, 3, 5, 10, 30, 60, 120 };

#define NVERSIONS (sizeof(fz_versions) / sizeof(fz_versions[0]))

/* The i-th garbage class the guard may drop (bit i of an input's mask). */
static int drop_class(unsigned i)
{
	unsigned r, seen = 0;

	for (r = 0; r < LQ_R__COUNT && r < 32; r++)
		if ((LQ_GUARD_DROP_ALL >> r) & 1) {
			if (seen == i)
				return (int)r;
			seen++;
		}
	return -1;
}

static void set_rate(uint32_t rate, uint32_t burst, uint64_t *interval, uint64_t *tolerance)
{
	/* as lib/options.c's lq_opt_rate computes --guard-rate R:B */
	*interval = 1000000000ULL / rate;
	*tolerance = (uint64_t)(burst - 1) * *interval;
}

void fz_setup_decode(const uint8_t *d, size_t n, struct fz_setup *su)
{
	uint8_t b[FZ_SETUP_LEN];
	unsigned i;

	memset(b, 0, sizeof(b));
	memcpy(b, d, n < sizeof(b) ? n : sizeof(b));
	memset(su, 0, sizeof(*su));
	lq_config_default(&su->cfg);
	su->profile = (b[0] >> 5) & 3;
	su->idle_s = fz_idle_s[b[1] & 7];
	su->cfg.idle_ns = (uint64_t)su->idle_s * 1000000000ULL;
	su->world = b[6];
	su->seed = b[7];
	if (b[0] & 0x10) { /* --accept-versions */
		for (i = 0; i < NVERSIONS; i++)
			if ((b[4] >> i) & 1)
				su->cfg.versions[su->cfg.nversions++] = fz_versions[i];
	}
	if (!(b[0] & 0x01))
		return;
	su->cfg.flags |= LQ_CF_GUARD;
	if (b[0] & 0x02) {
		su->lh_rate = 1 + (b[2] & 63);
		su->lh_burst = 1 + (b[2] >> 6);
		set_rate(su->lh_rate, su->lh_burst, &su->cfg.lh_interval_ns, &su->cfg.lh_tolerance_ns);
	}
	if (b[0] & 0x04) {
		su->conn_rate = 1 + (b[3] & 15);
		su->conn_burst = 1 + ((b[3] >> 4) & 7);
		set_rate(su->conn_rate, su->conn_burst, &su->cfg.conn_interval_ns,
			 &su->cfg.conn_tolerance_ns);
	}
	if (b[0] & 0x08) { /* --guard-drop: a subset of the classes */
		su->cfg.guard_drop = 0;
		for (i = 0; i < 8; i++) {
			int r = drop_class(i);

			if (r >= 0 && ((b[5] >> i) & 1))
				su->cfg.guard_drop |= 1U << r;
		}
	}
}

void fz_pkt_setup(int guard, struct fz_setup *su)
{
	/* guard: every class dropped, 2 long headers and 1 new connection a second */
	static const uint8_t hdr[2][FZ_SETUP_LEN] = { { 0x20, 6 }, { 0x27, 6, 0x01, 0x00 } };

	fz_setup_decode(hdr[guard ? 1 : 0], FZ_SETUP_LEN, su);
}

void fz_setup_options(const struct fz_setup *su, char *buf, size_t n)
{
	size_t o = 0;
	unsigned i, r;

#define PUT(...) (o += (size_t)snprintf(buf + o, o < n ? n - o : 0, __VA_ARGS__))
	buf[0] = 0;
	PUT("--idle-timeout=%u", su->idle_s);
	if (su->cfg.nversions) {
		PUT(" --accept-versions=");
		for (i = 0; i < su->cfg.nversions; i++)
			PUT("%s%x", i ? "," : "", su->cfg.versions[i]);
	}
	if (su->cfg.flags & LQ_CF_GUARD) {
		PUT(" --guard");
		if (su->lh_rate)
			PUT(" --guard-rate=%u:%u", su->lh_rate, su->lh_burst);
		if (su->conn_rate)
			PUT(" --guard-conn-rate=%u:%u", su->conn_rate, su->conn_burst);
		if (su->cfg.guard_drop != LQ_GUARD_DROP_ALL) {
			int first = 1;

			PUT(" --guard-drop=");
			for (r = 0; r < LQ_R__COUNT && r < 32; r++)
				if ((su->cfg.guard_drop >> r) & 1) {
					PUT("%s%s", first ? "" : ",", lq_word_name(LQ_LIST_REASON, r));
					first = 0;
				}
			if (first)
				PUT("none");
		}
	}
#undef PUT
}

int fz_pkt_frames(const uint8_t *d, size_t n, fz_emit_fn emit, void *ctx)
{
	struct fz_frame f = { FZ_T0, d, (uint32_t)(n < FZ_PKT_MAX ? n : FZ_PKT_MAX), -1, 0 };

	emit(ctx, &f);
	return 1;
}

/* ---- seq ------------------------------------------------------------------ */

/* The network header of an Ethernet frame (up to two VLAN tags): its
 * offset and ethertype, or -1. */
static int eth_l3(const uint8_t *f, uint32_t len, uint16_t *proto)
{
	uint32_t off = 12;
	int i;

	for (i = 0; i < 3; i++) {
		if (off + 2 > len)
			return -1;
		*proto = (uint16_t)(f[off] << 8 | f[off + 1]);
		off += 2;
		if (*proto != 0x8100 && *proto != 0x88a8)
			return (int)off;
		off += 2;
	}
	return -1;
}

/* The offsets of a frame's source and destination address (alen bytes
 * each) and of its UDP header; -1 when it is no IPv4/IPv6 UDP frame. */
static int udp_offsets(const uint8_t *f, uint32_t len, uint32_t *src, uint32_t *alen, uint32_t *udp)
{
	uint16_t proto;
	int l3 = eth_l3(f, len, &proto);

	if (l3 < 0 || (uint32_t)l3 + 40 > len)
		return -1;
	if (proto == 0x0800 && (f[l3] >> 4) == 4 && f[l3 + 9] == 17) {
		*src = (uint32_t)l3 + 12;
		*alen = 4;
		*udp = (uint32_t)l3 + (f[l3] & 15) * 4u;
	} else if (proto == 0x86dd && (f[l3] >> 4) == 6 && f[l3 + 6] == 17) {
		*src = (uint32_t)l3 + 8;
		*alen = 16;
		*udp = (uint32_t)l3 + 40;
	} else {
		return -1;
	}
	return *udp + 8 <= len ? 0 : -1;
}

/* The frame turned around (addresses and ports swapped: a reply), or, with
 * bump, its source port moved on by bump (a NAT's new binding). */
static void reshape(uint8_t *f, uint32_t len, unsigned bump)
{
	uint32_t src, alen, udp, i;
	uint8_t t;

	if (udp_offsets(f, len, &src, &alen, &udp))
		return;
	if (bump) {
		unsigned p = ((unsigned)f[udp] << 8 | f[udp + 1]) + bump;

		f[udp] = (uint8_t)(p >> 8);
		f[udp + 1] = (uint8_t)p;
		return;
	}
	for (i = 0; i < alen; i++) {
		t = f[src + i];
		f[src + i] = f[src + alen + i];
		f[src + alen + i] = t;
	}
	for (i = 0; i < 2; i++) {
		t = f[udp + i];
		f[udp + i] = f[udp + 2 + i];
		f[udp + 2 + i] = t;
	}
}

/* A time delta: value (low 6 bits) in units of 1 us, 1 ms, 100 ms or 1 s
 * (top 2 bits); 0xff steps back 5 ms (merged captures are not always in
 * order). */
static uint64_t seq_time(uint64_t ts, uint8_t dt)
{
	static const uint64_t unit[4] = { 1000ULL, 1000000ULL, 100000000ULL, 1000000000ULL };

	if (dt == 0xff)
		return ts - 5000000ULL;
	return ts + (uint64_t)(dt & 63) * unit[dt >> 6];
}

int fz_seq_frames(const uint8_t *d, size_t n, fz_emit_fn emit, void *ctx)
{
	static uint8_t buf[FZ_FRAME_MAX];
	const uint8_t *hist_p[64];
	uint32_t hist_len[64];
	struct fz_frame f = { FZ_T0, NULL, 0, -1, 0 };
	unsigned nhist = 0, count = 0, x;
	size_t o = FZ_SETUP_LEN;
	uint8_t op;

	while (o + 2 <= n && count < FZ_FRAMES_MAX) {
		op = d[o];
		f.ts = seq_time(f.ts, d[o + 1]);
		o += 2;
		x = op & 0x3f;
		if (op >> 6 == 0) { /* a frame: 14 bits of length */
			size_t len;

			if (o >= n)
				break;
			len = (size_t)x << 8 | d[o++];
			if (len > n - o)
				len = n - o;
			if (len > FZ_FRAME_MAX)
				len = FZ_FRAME_MAX;
			f.data = d + o;
			f.len = (uint32_t)len;
			o += len;
			hist_p[nhist % 64] = f.data;
			hist_len[nhist % 64] = f.len;
			nhist++;
		} else { /* an earlier frame x back: again, turned around, rebound */
			unsigned have = nhist < 64 ? nhist : 64, back = op >> 6 == 3 ? x & 7 : x, i;

			if (!have)
				continue;
			i = (nhist - 1 - back % have) % 64;
			memcpy(buf, hist_p[i], hist_len[i]);
			f.data = buf;
			f.len = hist_len[i];
			if (op >> 6 == 2)
				reshape(buf, f.len, 0);
			else if (op >> 6 == 3)
				reshape(buf, f.len, 1 + (x >> 3));
		}
		count++;
		if (emit(ctx, &f))
			break;
	}
	return (int)count;
}
