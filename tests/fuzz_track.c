// SPDX-License-Identifier: BSD-2-Clause
/*
 * fuzz_track.c - libFuzzer harnesses of the tracker (tests/fuzz.cmake builds
 * this file three times, FZ_FORMAT naming the input format: fuzz_track_pkt,
 * fuzz_track_seq, fuzz_track_gen). Every frame goes through lq_classify_eth()
 * over emulated maps, as in linkquic-replay, and its record and the maps are
 * checked against invariants; a broken one prints its name, the settings,
 * the record and the frame, and aborts, which libFuzzer records as a crash.
 *
 * FZ_STRICT=1 in the environment adds checks against the generator's truth
 * (gen, traffic of real peers only): no label spans two connections, and
 * with maps that never fill the guard drops none of their packets.
 * FZ_TRACE=1 prints every frame's record (JSON Lines, with the truth) on
 * stderr: run one input as ./fuzz_track_gen INPUT.
 */
#include "fuzz_track.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../parser/lq_label.h"
#include "output.h"
#include "vocab.h"

#ifndef FZ_FORMAT
#define FZ_FORMAT FZ_GEN
#endif

struct fz_run {
	struct lq_maps *maps;
	const struct fz_setup *su;
	const char *pass; /* which of a pkt input's two runs */
	unsigned frame;	  /* 1-based, in this run */
	struct lq_result res;
	uint8_t action;
	/* strict: the labels seen, and whose frames they were */
	struct {
		uint64_t label;
		int truth;
	} seen[128];
	unsigned nseen;
};

static int fz_strict, fz_trace;

#define FZ__PROPS(id, name, desc, props) props,
static const unsigned verdict_props[LQ_V__COUNT] = { LQ_VERDICT_LIST(FZ__PROPS) };
static const unsigned reason_props[LQ_R__COUNT] = { LQ_REASON_LIST(FZ__PROPS) };
#undef FZ__PROPS

/* ---- reporting ------------------------------------------------------------ */

static void fz_fail(const struct fz_run *r, const struct fz_frame *f, const char *inv,
		    const char *fmt, ...)
{
	struct lq_rec_ctx ctx = { r->frame, NULL };
	char opts[512];
	va_list ap;

	fz_setup_options(r->su, opts, sizeof(opts));
	fprintf(stderr, "\nfuzz_track: invariant %s broken at frame %u%s%s: ", inv, r->frame,
		r->pass ? " of the run " : "", r->pass ? r->pass : "");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n  settings: %s (map sizes: profile %u)\n  record: ", opts, r->su->profile);
	lq_print_record(stderr, LQ_FMT_JSONL, &ctx, &r->res);
	fprintf(stderr, "  action %u, truth %d%s; the frame (%u bytes):\n", r->action, f->truth,
		f->honest ? " (honest)" : "", f->len);
	lq_hexdump(stderr, f->data, f->len < 160 ? f->len : 160);
	fflush(stderr);
	abort();
}

/* a bit mask of n-bit registry entries (a function: no compiler warns
 * that a mask of all 8 bits of a byte always fits) */
static int mask_fits(unsigned mask, unsigned n)
{
	return n >= 32 || (mask >> n) == 0;
}

static const char *vname(unsigned v)
{
	return v < LQ_V__COUNT ? lq_word_name(LQ_LIST_VERDICT, v) : "?";
}

/* ---- the record of every frame ------------------------------------------------- */

static void check_result(const struct fz_run *r, const struct fz_frame *f)
{
	const struct lq_result *res = &r->res;
	const struct lq_config *cfg = &r->su->cfg;
	unsigned v = res->verdict, rs = res->reason;

	/* every enum field within its registry (parser/lq_vocab.h) */
	if (v >= LQ_V__COUNT || rs >= LQ_R__COUNT || res->event >= LQ_E__COUNT ||
	    res->type >= LQ_PT__COUNT || !mask_fits(res->types, LQ_PT__COUNT) ||
	    !mask_fits(res->flags, LQ_RFB__COUNT) || res->dir > LQ_DIR_UNKNOWN ||
	    res->action > LQ_ACT_DROP || res->hook != LQ_HOOK_REPLAY)
		fz_fail(r, f, "enum_range",
			"verdict %u/%u reason %u/%u event %u/%u type %u/%u types 0x%x flags 0x%x dir %u "
			"action %u hook %u",
			v, LQ_V__COUNT, rs, LQ_R__COUNT, res->event, LQ_E__COUNT, res->type,
			LQ_PT__COUNT, res->types, res->flags, res->dir, res->action, res->hook);
	if (res->ip_ver != 0 && res->ip_ver != 4 && res->ip_ver != 6)
		fz_fail(r, f, "enum_range", "ip_ver %u", res->ip_ver);
	if (res->dcid.len > LQ_CID_MAX || res->scid.len > LQ_CID_MAX)
		fz_fail(r, f, "cid_len", "dcid %u, scid %u bytes", res->dcid.len, res->scid.len);
	if (r->action != res->action)
		fz_fail(r, f, "action_returned", "returned %u, record says %u", r->action, res->action);
	if (res->ts != f->ts)
		fz_fail(r, f, "ts", "record ts %llu, frame ts %llu", (unsigned long long)res->ts,
			(unsigned long long)f->ts);

	/* a label exactly when the verdict is quic, and never a pending flow's
	 * pseudo-label */
	if ((res->conn != 0) != (v == LQ_V_QUIC))
		fz_fail(r, f, "label_iff_quic", "verdict %s with label %016llx", vname(v),
			(unsigned long long)res->conn);
	if (res->conn & LQ_RIVAL)
		fz_fail(r, f, "label_not_pseudo", "label %016llx has the pseudo-label bit",
			(unsigned long long)res->conn);
	if (v == LQ_V_QUIC && res->dir > LQ_S2C)
		fz_fail(r, f, "quic_has_dir", "a quic frame with no direction");

	/* a reason for every garbage and limited verdict, of that kind, and
	 * none otherwise */
	if ((rs != LQ_R_NONE) != ((verdict_props[v] & LQ_VP_REASON) != 0))
		fz_fail(r, f, "reason_iff_garbage_or_limited", "verdict %s, reason %u (%s)", vname(v),
			rs, rs ? lq_word_name(LQ_LIST_REASON, rs) : "none");
	if (v == LQ_V_GARBAGE && !(reason_props[rs] & LQ_RP_GARBAGE))
		fz_fail(r, f, "reason_kind", "garbage for reason %s", lq_word_name(LQ_LIST_REASON, rs));
	if (v == LQ_V_LIMITED && !(reason_props[rs] & LQ_RP_LIMIT))
		fz_fail(r, f, "reason_kind", "limited for reason %s", lq_word_name(LQ_LIST_REASON, rs));

	/* no drop without the guard; with it, only what it was told to drop */
	if (res->action == LQ_ACT_DROP && !(cfg->flags & LQ_CF_GUARD))
		fz_fail(r, f, "no_drop_without_guard", "verdict %s dropped", vname(v));
	if (res->action == LQ_ACT_DROP && v != LQ_V_LIMITED &&
	    !(v == LQ_V_GARBAGE && ((cfg->guard_drop >> rs) & 1)))
		fz_fail(r, f, "drop_only_asked", "verdict %s (reason %s) dropped, guard_drop 0x%x",
			vname(v), rs ? lq_word_name(LQ_LIST_REASON, rs) : "none", cfg->guard_drop);

	/* undecided only while pending; a link only with its label; covers
	 * only with a link */
	if ((res->flags & LQ_RF_UNDECIDED) && v != LQ_V_PENDING)
		fz_fail(r, f, "undecided_only_pending", "verdict %s flagged undecided", vname(v));
	if (res->event == LQ_E_LINK && (v != LQ_V_QUIC || !res->conn))
		fz_fail(r, f, "link_only_quic", "a link event with verdict %s", vname(v));
	if (res->covers && res->event != LQ_E_LINK)
		fz_fail(r, f, "covers_only_link", "covers %u with event %u", res->covers, res->event);

	/* the QUIC fields are those of a QUIC-shaped verdict only */
	if (!(verdict_props[v] & LQ_VP_QUIC) &&
	    (res->type || res->types || res->npackets || res->version || res->dcid.len ||
	     res->scid.len))
		fz_fail(r, f, "quic_fields_only_quic", "verdict %s with QUIC fields", vname(v));
}

/* ---- the maps ---------------------------------------------------------------------- */

static void check_counts(const struct fz_run *r, const struct fz_frame *f)
{
	unsigned i;

	for (i = 0; i < LQ_MAPID__COUNT; i++) {
		const struct emu_map *m = lq_maps_at_c(r->maps, i);

		if (m->count > m->max_entries || m->used > m->max_entries)
			fz_fail(r, f, "map_count", "%s holds %u entries (%u slots used) of %u",
				lq_map_infos[i].name, m->count, m->used, m->max_entries);
	}
}

/* Entry checks, picked by the key's and the value's type (_Generic), so a
 * map added to parser/lq_vocab.h is checked as its types say. Each returns
 * a description of what is wrong, or NULL. */
typedef const char *(*fz_entry_fn)(const void *p);

static int cid_ok(const struct lq_cid *c, int may_be_empty)
{
	unsigned i;

	if (c->len > LQ_CID_MAX || (!c->len && !may_be_empty))
		return 0;
	for (i = c->len; i < LQ_CID_MAX; i++)
		if (c->id[i])
			return 0; /* hash maps compare bytes: IDs are zero-padded */
	for (i = 0; i < sizeof(c->pad); i++)
		if (c->pad[i])
			return 0;
	return 1;
}

static const char *no_check(const void *p)
{
	(void)p;
	return NULL;
}

static const char *check_cid_key(const void *p)
{
	return cid_ok(p, 0) ? NULL : "an ID key of a bad length or not zero-padded";
}

static const char *check_ep_key(const void *p)
{
	return ((const struct lq_endpoint *)p)->zero ? "an endpoint key with stray bytes" : NULL;
}

static const char *check_path_key(const void *p)
{
	const struct lq_path_key *k = p;

	if (k->a.zero || k->b.zero)
		return "a path key with stray bytes";
	if (lq_ep_less(&k->b, &k->a))
		return "a path key whose endpoints are out of order";
	return NULL;
}

static const char *check_path_val(const void *p)
{
	const struct lq_path_val *v = p;

	if (!v->conn)
		return "a path with no label";
	if (v->state >= LQ_PS__COUNT || v->origin >= LQ_LINK__COUNT || v->client_is_b > 1 ||
	    !mask_fits(v->events, LQ_E__COUNT))
		return "a path state, origin, side or event mask out of range";
	if (!cid_ok(&v->dcid[0], 1) || !cid_ok(&v->dcid[1], 1))
		return "a path's ID of a bad length or not zero-padded";
	if ((v->conn & LQ_RIVAL) && v->state != LQ_PS_UNDECIDED)
		return "a pseudo-label on a path that is not undecided";
	return NULL;
}

static const char *check_cid_val(const void *p)
{
	const struct lq_cid_val *v = p;

	if (!v->conn || (v->conn & LQ_RIVAL))
		return "an ID of no connection, or of a pending flow's pseudo-label";
	if (v->dir > LQ_S2C)
		return "an ID's direction out of range";
	if (v->peer_cid_len > LQ_CID_MAX && v->peer_cid_len != LQ_NO_LEN)
		return "an ID's peer length out of range";
	return NULL;
}

static int len_ok(lq_u8 l)
{
	return l <= LQ_CID_MAX || l == LQ_NO_LEN;
}

static const char *check_dest_val(const void *p)
{
	const struct lq_dest_val *v = p;

	if (!len_ok(v->server_cid_len[0]) || !len_ok(v->server_cid_len[1]) ||
	    !len_ok(v->client_cid_len[0]) || !len_ok(v->client_cid_len[1]))
		return "a server's ID lengths out of range";
	return NULL;
}

static const char *check_undecided_val(const void *p)
{
	const struct lq_undecided_val *v = p;

	if (v->ncand > LQ_ANCHOR_SLOTS || v->origin >= LQ_LINK__COUNT || !cid_ok(&v->s2c, 1))
		return "undecided evidence out of range";
	return NULL;
}

#define FZ_KEY_CHECK(kt)                                                                   \
	_Generic((kt *)0, struct lq_cid *: check_cid_key, struct lq_endpoint *: check_ep_key, \
		 struct lq_path_key *: check_path_key, default: no_check)
#define FZ_VAL_CHECK(vt)                                                                   \
	_Generic((vt *)0, struct lq_path_val *: check_path_val,                            \
		 struct lq_cid_val *: check_cid_val, struct lq_dest_val *: check_dest_val,      \
		 struct lq_undecided_val *: check_undecided_val, default: no_check)
#define FZ__CHECKS(m, kname, kt, vt, def, opt, desc) { FZ_KEY_CHECK(kt), FZ_VAL_CHECK(vt) },
static const struct {
	fz_entry_fn key, val;
} entry_checks[LQ_MAPID__COUNT] = { LQ_MAP_LIST(FZ__CHECKS) };
#undef FZ__CHECKS

static void check_maps(const struct fz_run *r, const struct fz_frame *f)
{
	unsigned i;

	for (i = 0; i < LQ_MAPID__COUNT; i++) {
		const struct emu_map *m = lq_maps_at_c(r->maps, i);
		uint32_t pos = 0, live = 0;
		const void *key;
		void *val;
		const char *why;

		while (emu_map_next(m, &pos, &key, &val) >= 0) {
			live++;
			why = entry_checks[i].key(key);
			if (!why)
				why = entry_checks[i].val(val);
			if (why)
				fz_fail(r, f, "map_entry", "%s: %s", lq_map_infos[i].name, why);
		}
		if (live != m->count)
			fz_fail(r, f, "map_count", "%s counts %u entries, holds %u",
				lq_map_infos[i].name, m->count, live);
	}
}

/* ---- strict: against the generator's truth ---------------------------------------- */

static void check_truth(struct fz_run *r, const struct fz_frame *f)
{
	const struct lq_result *res = &r->res;
	unsigned i;

	if (!f->honest || f->truth < 0)
		return;
	if (res->action == LQ_ACT_DROP && res->verdict == LQ_V_GARBAGE &&
	    r->su->profile == FZ_PROFILE_ROOMY)
		fz_fail(r, f, "strict_no_real_drop", "a real peer's packet dropped as %s",
			lq_word_name(LQ_LIST_REASON, res->reason));
	if (res->verdict != LQ_V_QUIC)
		return;
	for (i = 0; i < r->nseen; i++)
		if (r->seen[i].label == res->conn)
			break;
	if (i == r->nseen) {
		if (r->nseen < sizeof(r->seen) / sizeof(r->seen[0])) {
			r->seen[i].label = res->conn;
			r->seen[i].truth = f->truth;
			r->nseen++;
		}
		return;
	}
	if (r->seen[i].truth != f->truth)
		fz_fail(r, f, "strict_one_conn_per_label",
			"label %016llx given to connection %d's frames, and now to %d's",
			(unsigned long long)res->conn, r->seen[i].truth, f->truth);
}

/* ---- the harness -------------------------------------------------------------------- */

static int on_frame(void *ctx, const struct fz_frame *f)
{
	struct fz_run *r = ctx;

	r->frame++;
	r->action = lq_classify_eth(r->maps, &r->su->cfg, f->ts, f->data, f->len, &r->res);
	if (fz_trace) {
		struct lq_rec_ctx rc = { r->frame, NULL };

		fprintf(stderr, "truth %d%s ", f->truth, f->honest ? " honest" : "");
		lq_print_record(stderr, LQ_FMT_JSONL, &rc, &r->res);
	}
	check_result(r, f);
	check_counts(r, f);
	if (r->frame % 16 == 0)
		check_maps(r, f);
	if (fz_strict)
		check_truth(r, f);
	return 0;
}

static struct lq_maps *fresh_maps(unsigned profile)
{
	static struct lq_maps maps[FZ_PROFILES];
	static int ready[FZ_PROFILES];
	struct lq_map_sizes sz;

	profile %= FZ_PROFILES;
	if (ready[profile]) {
		lq_maps_clear(&maps[profile]);
		return &maps[profile];
	}
	fz_profile_sizes(profile, &sz);
	if (lq_maps_init(&maps[profile], &sz)) {
		fputs("fuzz_track: cannot allocate the maps\n", stderr);
		abort();
	}
	ready[profile] = 1;
	return &maps[profile];
}

static void run(const uint8_t *d, size_t n, const struct fz_setup *su, const char *pass)
{
	static struct fz_run r;
	struct fz_frame end = { 0, d, 0, -1, 0 };

	memset(&r, 0, sizeof(r));
	r.su = su;
	r.pass = pass;
	r.maps = fresh_maps(su->profile);
	switch (FZ_FORMAT) {
	case FZ_PKT:
		fz_pkt_frames(d, n, on_frame, &r);
		break;
	case FZ_SEQ:
		fz_seq_frames(d, n, on_frame, &r);
		break;
	default:
		fz_gen_frames(d, n, on_frame, &r);
		break;
	}
	check_maps(&r, &end);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *s = getenv("FZ_STRICT");

	(void)argc;
	(void)argv;
	fz_strict = s && *s && strcmp(s, "0");
	s = getenv("FZ_TRACE");
	fz_trace = s && *s && strcmp(s, "0");
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	struct fz_setup su;

	if (FZ_FORMAT == FZ_PKT) {
		fz_pkt_setup(0, &su);
		run(d, n, &su, "default");
		fz_pkt_setup(1, &su);
		run(d, n, &su, "guard");
		return 0;
	}
	fz_setup_decode(d, n, &su);
	run(d, n, &su, NULL);
	return 0;
}
