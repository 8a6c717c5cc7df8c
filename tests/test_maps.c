// SPDX-License-Identifier: BSD-2-Clause
/*
 * test_maps.c - the emulated maps keep the kernel's semantics; the
 * connection table from the records keeps its bounds.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "conntab.h"
#include "emu_map.h"

struct key {
	uint32_t a;
	uint8_t b[13];
};

static struct key K(uint32_t a)
{
	struct key k;

	memset(&k, 0, sizeof(k)); /* padding too: maps compare bytes */
	k.a = a;
	return k;
}

static void values_are_copied(void **state)
{
	struct emu_map m;
	struct key k = K(1);
	uint64_t v = 42, *p;

	(void)state;
	assert_int_equal(emu_map_init(&m, "t", sizeof(k), sizeof(v), 8, 0), 0);
	assert_int_equal(emu_map_update(&m, &k, &v, EMU_ANY), 0);
	v = 7; /* the map kept its own copy */
	p = emu_map_lookup(&m, &k);
	assert_non_null(p);
	assert_int_equal(*p, 42);
	*p = 43; /* a looked-up value is changed in place, as through a BPF pointer */
	assert_int_equal(*(uint64_t *)emu_map_lookup(&m, &k), 43);
	emu_map_free(&m);
}

static void flags_are_honoured(void **state)
{
	struct emu_map m;
	struct key k = K(1), j = K(2);
	uint64_t v = 1;

	(void)state;
	assert_int_equal(emu_map_init(&m, "t", sizeof(k), sizeof(v), 8, 0), 0);
	assert_int_equal(emu_map_update(&m, &k, &v, EMU_EXIST), -ENOENT);
	assert_int_equal(emu_map_update(&m, &k, &v, EMU_NOEXIST), 0);
	assert_int_equal(emu_map_update(&m, &k, &v, EMU_NOEXIST), -EEXIST);
	assert_int_equal(emu_map_update(&m, &k, &v, EMU_EXIST), 0);
	assert_int_equal(emu_map_update(&m, &k, &v, 7), -EINVAL);
	assert_int_equal(emu_map_delete(&m, &j), -ENOENT);
	assert_int_equal(emu_map_delete(&m, &k), 0);
	assert_null(emu_map_lookup(&m, &k));
	assert_int_equal(m.count, 0);
	emu_map_free(&m);
}

static void full_hash_refuses(void **state)
{
	struct emu_map m;
	struct key k;
	uint64_t v = 0;
	uint32_t i;

	(void)state;
	assert_int_equal(emu_map_init(&m, "t", sizeof(k), sizeof(v), 4, 0), 0);
	for (i = 0; i < 4; i++) {
		k = K(i);
		assert_int_equal(emu_map_update(&m, &k, &v, EMU_ANY), 0);
	}
	k = K(99);
	assert_int_equal(emu_map_update(&m, &k, &v, EMU_ANY), -E2BIG);
	k = K(2); /* replacing an existing key needs no room */
	assert_int_equal(emu_map_update(&m, &k, &v, EMU_ANY), 0);
	emu_map_free(&m);
}

static void full_lru_evicts_unused(void **state)
{
	struct emu_map m;
	struct key k;
	uint64_t v;
	uint32_t i, round;

	(void)state;
	assert_int_equal(emu_map_init(&m, "t", sizeof(k), sizeof(v), 16, 1), 0);
	for (i = 0; i < 16; i++) {
		k = K(i);
		v = i;
		assert_int_equal(emu_map_update(&m, &k, &v, EMU_ANY), 0);
	}
	/* keys 0..3 stay in use; 1000 inserts must never fail and never evict them */
	for (round = 0; round < 1000; round++) {
		for (i = 0; i < 4; i++) {
			k = K(i);
			assert_non_null(emu_map_lookup(&m, &k));
		}
		k = K(100 + round);
		v = round;
		assert_int_equal(emu_map_update(&m, &k, &v, EMU_ANY), 0);
		assert_true(m.count <= 16);
	}
	for (i = 0; i < 4; i++) {
		k = K(i);
		assert_non_null(emu_map_lookup(&m, &k));
	}
	k = K(100 + 999); /* the newest survives its own insert */
	assert_non_null(emu_map_lookup(&m, &k));
	assert_true(m.evictions >= 984);
	emu_map_free(&m);
}

static void iteration_sees_every_entry(void **state)
{
	struct emu_map m;
	struct key k;
	uint64_t v = 5, seen = 0;
	const void *kk;
	void *vv;
	uint32_t pos = 0, i;

	(void)state;
	assert_int_equal(emu_map_init(&m, "t", sizeof(k), sizeof(v), 64, 1), 0);
	for (i = 0; i < 50; i++) {
		k = K(i);
		emu_map_update(&m, &k, &v, EMU_ANY);
	}
	for (i = 0; i < 50; i += 2) {
		k = K(i);
		emu_map_delete(&m, &k);
	}
	while (emu_map_next(&m, &pos, &kk, &vv) >= 0) {
		assert_int_equal(((const struct key *)kk)->a % 2, 1);
		seen++;
	}
	assert_int_equal(seen, 25);
	emu_map_free(&m);
}

static void deleted_value_stays_readable(void **state)
{
	struct emu_map m;
	struct key k = K(9);
	uint64_t v = 77, *p;

	(void)state;
	assert_int_equal(emu_map_init(&m, "t", sizeof(k), sizeof(v), 4, 1), 0);
	emu_map_update(&m, &k, &v, EMU_ANY);
	p = emu_map_lookup(&m, &k);
	emu_map_delete(&m, &k);
	/* like RCU: the memory a lookup returned is still the map's, not freed */
	assert_int_equal(*p, 77);
	emu_map_free(&m);
}

/* A record of connection conn on the path from client port cport. */
static struct lq_result rec(uint64_t conn, uint16_t cport, uint64_t ts)
{
	struct lq_result r;

	memset(&r, 0, sizeof(r));
	r.conn = conn;
	r.dir = LQ_C2S;
	r.src.port = cport;
	r.dst.port = 443;
	r.ts = ts;
	r.ip_len = 100;
	return r;
}

static void conntab_keeps_its_bounds(void **state)
{
	struct lq_conntab *t = lq_conntab_new();
	struct lq_result r;
	uint16_t port;

	(void)state;
	assert_non_null(t);
	lq_conntab_limit(t, 2, 3);
	r = rec(1, 1000, 1);
	assert_int_equal(lq_conntab_add(t, &r), 0);
	r = rec(2, 2000, 2);
	assert_int_equal(lq_conntab_add(t, &r), 0);
	assert_false(lq_conntab_incomplete(t));
	r = rec(2, 2000, 3); /* a known connection and path: counted */
	assert_int_equal(lq_conntab_add(t, &r), 0);
	assert_false(lq_conntab_incomplete(t));
	r = rec(3, 3000, 4); /* a third connection: left out */
	assert_int_equal(lq_conntab_add(t, &r), 0);
	assert_true(lq_conntab_incomplete(t));
	assert_int_equal(lq_conntab_count(t), 2);
	lq_conntab_free(t);

	t = lq_conntab_new();
	assert_non_null(t);
	lq_conntab_limit(t, 2, 3);
	for (port = 1; port <= 3; port++) { /* three paths of one connection */
		r = rec(7, port, port);
		assert_int_equal(lq_conntab_add(t, &r), 0);
	}
	assert_false(lq_conntab_incomplete(t));
	r = rec(7, 4, 4); /* a fourth: left out */
	assert_int_equal(lq_conntab_add(t, &r), 0);
	assert_true(lq_conntab_incomplete(t));
	lq_conntab_free(t);

	t = lq_conntab_new(); /* no bound: everything counted */
	assert_non_null(t);
	for (port = 1; port <= 600; port++) {
		r = rec(port, port, port);
		assert_int_equal(lq_conntab_add(t, &r), 0);
	}
	assert_false(lq_conntab_incomplete(t));
	assert_int_equal(lq_conntab_count(t), 600);
	lq_conntab_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(values_are_copied),
		cmocka_unit_test(flags_are_honoured),
		cmocka_unit_test(full_hash_refuses),
		cmocka_unit_test(full_lru_evicts_unused),
		cmocka_unit_test(iteration_sees_every_entry),
		cmocka_unit_test(deleted_value_stays_readable),
		cmocka_unit_test(conntab_keeps_its_bounds),
	};

	return cmocka_run_group_tests_name("emulated maps", tests, NULL, NULL);
}
