/* The per-allocation bandwidth cap (max-bps), with an injected clock. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "alloc.h"

static void
test_zero_means_no_cap(void **state)
{
	struct alloc a;

	(void)state;
	memset(&a, 0, sizeof(a));
	for (int i = 0; i < 1000; i++)
		assert_true(alloc_bw_take(&a, 0, 65535, 0, 1000));
}

static void
test_burst_then_refill(void **state)
{
	struct alloc a;
	uint64_t now = 5000;

	(void)state;
	memset(&a, 0, sizeof(a));
	/* 10000 B/s: one second of burst, then nothing until time passes. */
	for (int i = 0; i < 10; i++)
		assert_true(alloc_bw_take(&a, 0, 1000, 10000, now));
	assert_false(alloc_bw_take(&a, 0, 1000, 10000, now));
	assert_false(alloc_bw_take(&a, 0, 1000, 10000, now + 99));
	assert_true(alloc_bw_take(&a, 0, 1000, 10000, now + 100));
	assert_false(alloc_bw_take(&a, 0, 1, 10000, now + 100));
	/* A long pause refills at most one second's worth. */
	now += 60000;
	for (int i = 0; i < 10; i++)
		assert_true(alloc_bw_take(&a, 0, 1000, 10000, now));
	assert_false(alloc_bw_take(&a, 0, 1000, 10000, now));
}

static void
test_directions_are_separate(void **state)
{
	struct alloc a;

	(void)state;
	memset(&a, 0, sizeof(a));
	assert_true(alloc_bw_take(&a, 0, 5000, 5000, 1000));
	assert_false(alloc_bw_take(&a, 0, 1, 5000, 1000));
	assert_true(alloc_bw_take(&a, 1, 5000, 5000, 1000));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_zero_means_no_cap),
		cmocka_unit_test(test_burst_then_refill),
		cmocka_unit_test(test_directions_are_separate),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
