/* SPDX-License-Identifier: GPL-2.0-only */
/* The SGV buffer cache: classes, reuse, counters, cap, purge, direct allocations. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "scst/sgv.h"

static struct scst_sgv_stats snap(void)
{
	struct scst_sgv_stats st;

	scst_sgv_get_stats(&st);
	return st;
}

static void test_class_rounding(void **state)
{
	static const struct {
		size_t len;
		uint32_t size;
		int cls;
	} cases[] = {
		{ 1, 4096, 0 },
		{ 4096, 4096, 0 },
		{ 4097, 8192, 1 },
		{ 65536, 65536, 4 },
		{ 65537, 131072, 5 },
		{ 1 << 20, 1 << 20, 8 },
		{ (8 << 20) - 1, 8 << 20, 11 },
		{ 8 << 20, 8 << 20, 11 },
	};
	struct scst_sgv_cache *c = scst_sgv_cache_create();
	struct scst_buffer b;
	unsigned i;

	(void)state;
	assert_non_null(c);
	for (i = 0; i < SCST_ARRAY_SIZE(cases); i++) {
		assert_int_equal(scst_sgv_get(c, cases[i].len, &b), 0);
		assert_int_equal(b.size, cases[i].size);
		assert_int_equal(b.cls, cases[i].cls);
		/* Page aligned, and the whole buffer is writable. */
		assert_int_equal((uintptr_t)b.data & 4095, 0);
		memset(b.data, 0xa5, b.size);
		scst_sgv_put(c, &b);
		assert_null(b.data);
		assert_int_equal(b.cls, -2);
	}
	assert_int_equal(scst_sgv_get(c, 0, &b), 0);
	assert_null(b.data);
	assert_int_equal(b.size, 0);
	assert_int_equal(b.cls, -2);
	scst_sgv_put(c, &b);
	scst_sgv_cache_destroy(c);
}

static void test_reuse_and_counters(void **state)
{
	struct scst_sgv_cache *c = scst_sgv_cache_create();
	struct scst_sgv_stats s0, s1;
	struct scst_buffer a, b, d;
	uint8_t *first;

	(void)state;
	s0 = snap();
	assert_int_equal(scst_sgv_get(c, 10000, &a), 0); /* 16 KiB class: a miss */
	first = a.data;
	s1 = snap();
	assert_int_equal(s1.misses - s0.misses, 1);
	assert_int_equal(s1.allocs - s0.allocs, 1);
	assert_int_equal(s1.hits - s0.hits, 0);
	assert_int_equal(s1.bytes_in_use - s0.bytes_in_use, 16384);

	scst_sgv_put(c, &a);
	s1 = snap();
	assert_int_equal(s1.bytes_held - s0.bytes_held, 16384);
	assert_int_equal(s1.bytes_in_use - s0.bytes_in_use, 0);

	/* Same class again: the same buffer comes back, no new mapping. */
	assert_int_equal(scst_sgv_get(c, 16384, &b), 0);
	assert_ptr_equal(b.data, first);
	s1 = snap();
	assert_int_equal(s1.hits - s0.hits, 1);
	assert_int_equal(s1.allocs - s0.allocs, 1);
	assert_int_equal(s1.bytes_held - s0.bytes_held, 0);

	/* A second one while the first is out is a new buffer (LIFO of one is empty). */
	assert_int_equal(scst_sgv_get(c, 16384, &d), 0);
	assert_ptr_not_equal(d.data, b.data);
	s1 = snap();
	assert_int_equal(s1.misses - s0.misses, 2);
	assert_int_equal(s1.bytes_in_use - s0.bytes_in_use, 32768);

	/* LIFO: the last put is the next get. */
	scst_sgv_put(c, &b);
	scst_sgv_put(c, &d);
	assert_int_equal(scst_sgv_get(c, 16384, &a), 0);
	assert_ptr_not_equal(a.data, first);
	scst_sgv_put(c, &a);

	scst_sgv_cache_destroy(c);
	s1 = snap();
	/* Destroy frees what the free lists held; totals survive the cache. */
	assert_int_equal(s1.bytes_held - s0.bytes_held, 0);
	assert_int_equal(s1.frees - s0.frees, 2);
	assert_int_equal(s1.hits - s0.hits, 2);
}

static void test_cap(void **state)
{
	struct scst_sgv_cache *c = scst_sgv_cache_create();
	struct scst_buffer b[3];
	struct scst_sgv_stats s0, s1;
	unsigned i;

	(void)state;
	s0 = snap();
	scst_sgv_set_cap(s0.bytes_held + 2 * 65536);
	assert_int_equal(snap().cap, s0.bytes_held + 2 * 65536);
	for (i = 0; i < 3; i++)
		assert_int_equal(scst_sgv_get(c, 65536, &b[i]), 0);
	for (i = 0; i < 3; i++)
		scst_sgv_put(c, &b[i]);
	s1 = snap();
	/* The third put would exceed the cap: freed at once and counted as a purge. */
	assert_int_equal(s1.bytes_held - s0.bytes_held, 2 * 65536);
	assert_int_equal(s1.purges - s0.purges, 1);
	assert_int_equal(s1.frees - s0.frees, 1);
	assert_int_equal(s1.bytes_in_use - s0.bytes_in_use, 0);

	scst_sgv_set_cap(0); /* back to the default */
	assert_int_equal(snap().cap, 1ull << 30);
	scst_sgv_cache_destroy(c);
}

static void test_purge(void **state)
{
	struct scst_sgv_cache *c = scst_sgv_cache_create();
	struct scst_buffer b[3];
	struct scst_sgv_stats s0, s1;
	uint8_t *used;
	unsigned i;

	(void)state;
	s0 = snap();
	for (i = 0; i < 3; i++)
		assert_int_equal(scst_sgv_get(c, 8192, &b[i]), 0);
	for (i = 0; i < 3; i++)
		scst_sgv_put(c, &b[i]);
	/* Put after the last purge: not idle for a whole interval yet. */
	scst_sgv_purge(c, false);
	s1 = snap();
	assert_int_equal(s1.purges - s0.purges, 0);
	assert_int_equal(s1.bytes_held - s0.bytes_held, 3 * 8192);

	/* One buffer used during the interval; the two others stayed idle. */
	assert_int_equal(scst_sgv_get(c, 8192, &b[0]), 0);
	used = b[0].data;
	scst_sgv_put(c, &b[0]);
	scst_sgv_purge(c, false);
	s1 = snap();
	assert_int_equal(s1.purges - s0.purges, 2);
	assert_int_equal(s1.frees - s0.frees, 2);
	assert_int_equal(s1.bytes_held - s0.bytes_held, 8192);

	/* The survivor is the one just used: it is a hit. */
	assert_int_equal(scst_sgv_get(c, 8192, &b[1]), 0);
	assert_ptr_equal(b[1].data, used);
	assert_int_equal(snap().hits - s0.hits, 2);
	scst_sgv_put(c, &b[1]);

	scst_sgv_purge(c, true);
	s1 = snap();
	assert_int_equal(s1.purges - s0.purges, 3);
	assert_int_equal(s1.bytes_held - s0.bytes_held, 0);
	scst_sgv_cache_destroy(c);
}

static void test_direct(void **state)
{
	struct scst_sgv_cache *c = scst_sgv_cache_create();
	struct scst_sgv_stats s0, s1;
	struct scst_buffer b;

	(void)state;
	s0 = snap();
	assert_int_equal(scst_sgv_get(c, (8u << 20) + 1, &b), 0);
	assert_int_equal(b.cls, -1);
	assert_int_equal(b.size, (8u << 20) + 4096);
	assert_int_equal((uintptr_t)b.data & 4095, 0);
	b.data[b.size - 1] = 1;
	s1 = snap();
	assert_int_equal(s1.misses - s0.misses, 1);
	assert_int_equal(s1.bytes_in_use - s0.bytes_in_use, (8u << 20) + 4096);
	scst_sgv_put(c, &b);
	s1 = snap();
	/* Never kept on a free list. */
	assert_int_equal(s1.bytes_held - s0.bytes_held, 0);
	assert_int_equal(s1.frees - s0.frees, 1);
	assert_int_equal(s1.bytes_in_use - s0.bytes_in_use, 0);

	assert_int_equal(scst_sgv_get(c, SCST_SGV_MAX_ALLOC, &b), 0);
	assert_int_equal(b.size, SCST_SGV_MAX_ALLOC);
	scst_sgv_put(c, &b);
	assert_int_equal(scst_sgv_get(c, SCST_SGV_MAX_ALLOC + 1ull, &b), -ENOMEM);
	scst_sgv_cache_destroy(c);
}

static void test_two_caches(void **state)
{
	struct scst_sgv_cache *c1 = scst_sgv_cache_create(), *c2 = scst_sgv_cache_create();
	struct scst_sgv_stats s0, s1;
	struct scst_buffer b;

	(void)state;
	s0 = snap();
	/* Got from one cache, given back to another: it lands on the second's list. */
	assert_int_equal(scst_sgv_get(c1, 4096, &b), 0);
	scst_sgv_put(c2, &b);
	assert_int_equal(scst_sgv_get(c2, 4096, &b), 0);
	s1 = snap();
	assert_int_equal(s1.hits - s0.hits, 1);
	assert_int_equal(s1.misses - s0.misses, 1);
	scst_sgv_put(c2, &b);
	scst_sgv_cache_destroy(c1);
	scst_sgv_cache_destroy(c2);
	s1 = snap();
	assert_int_equal(s1.bytes_held - s0.bytes_held, 0);
	assert_int_equal(s1.frees - s0.frees, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_class_rounding),
		cmocka_unit_test(test_reuse_and_counters),
		cmocka_unit_test(test_cap),
		cmocka_unit_test(test_purge),
		cmocka_unit_test(test_direct),
		cmocka_unit_test(test_two_caches),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
