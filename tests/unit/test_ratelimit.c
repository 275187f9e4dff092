/**
 * @file test_ratelimit.c  The per-source rate-limit table with a fake
 * clock: under and over the limit, refill, bursts, kinds apart, IPv6
 * /64 and IPv4-mapped sources, and a table that stays bounded under a
 * flood of distinct sources.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "addr.h"
#include "ratelimit.h"

#define SA(x) ((struct sockaddr *)(x))

static const uint8_t key[16] = { 1, 2, 3, 4 };

static struct sockaddr_storage
ip(const char *s)
{
	struct sockaddr_storage ss;

	assert_int_equal(addr_parse_ip(s, &ss), 0);
	return ss;
}

/* 10/s in bursts of 5 for errors; 3 per minute for auth failures. */
static struct ratelimit *
mk(size_t entries)
{
	const struct rl_rate rates[RL_KINDS] = {
		[RL_ERROR] = { 10, 1000, 5 },
		[RL_AUTH_FAIL] = { 3, 60000, 3 },
	};
	struct ratelimit *rl;

	assert_int_equal(rl_new(&rl, rates, entries, key), 0);
	return rl;
}

/* Events taken at now until the first refusal. */
static unsigned
drain(struct ratelimit *rl, enum rl_kind k, const struct sockaddr *src,
      uint64_t now)
{
	unsigned n = 0;

	while (rl_take(rl, k, src, now) && n < 1000)
		n++;
	return n;
}

static void
test_burst_then_over(void **state)
{
	struct ratelimit *rl = mk(64);
	struct sockaddr_storage a = ip("192.0.2.1");

	(void)state;
	assert_false(rl_over(rl, RL_ERROR, SA(&a), 1000));
	assert_int_equal(rl_used(rl), 0);       /* a peek makes nothing */
	assert_int_equal(drain(rl, RL_ERROR, SA(&a), 1000), 5);
	assert_true(rl_over(rl, RL_ERROR, SA(&a), 1000));
	assert_false(rl_take(rl, RL_ERROR, SA(&a), 1000));
	assert_int_equal(rl_used(rl), 1);
	rl_free(rl);
}

static void
test_refill(void **state)
{
	struct ratelimit *rl = mk(64);
	struct sockaddr_storage a = ip("192.0.2.1");

	(void)state;
	assert_int_equal(drain(rl, RL_ERROR, SA(&a), 1000), 5);
	/* 10/s: one more every 100 ms, not before */
	assert_false(rl_take(rl, RL_ERROR, SA(&a), 1099));
	assert_true(rl_take(rl, RL_ERROR, SA(&a), 1100));
	assert_false(rl_take(rl, RL_ERROR, SA(&a), 1100));
	/* a steady 10/s goes through indefinitely */
	for (uint64_t t = 1200; t < 5000; t += 100)
		assert_true(rl_take(rl, RL_ERROR, SA(&a), t));
	/* after a long quiet, the burst again, and no more */
	assert_int_equal(drain(rl, RL_ERROR, SA(&a), 60000), 5);
	rl_free(rl);
}

static void
test_kinds_and_sources_apart(void **state)
{
	struct ratelimit *rl = mk(64);
	struct sockaddr_storage a = ip("192.0.2.1"), b = ip("192.0.2.2");

	(void)state;
	assert_int_equal(drain(rl, RL_ERROR, SA(&a), 0), 5);
	assert_int_equal(drain(rl, RL_AUTH_FAIL, SA(&a), 0), 3);
	assert_int_equal(drain(rl, RL_ERROR, SA(&b), 0), 5);
	/* 3 per minute: one more after 20 s */
	assert_false(rl_take(rl, RL_AUTH_FAIL, SA(&a), 19999));
	assert_true(rl_take(rl, RL_AUTH_FAIL, SA(&a), 20000));
	rl_free(rl);
}

static void
test_ipv6_prefix_and_mapped(void **state)
{
	struct ratelimit *rl = mk(64);
	struct sockaddr_storage a = ip("2001:db8:1:2::1");
	struct sockaddr_storage a2 = ip("2001:db8:1:2:ffff::9");
	struct sockaddr_storage other = ip("2001:db8:1:3::1");
	struct sockaddr_storage v4 = ip("192.0.2.7"), m4 = ip("::ffff:192.0.2.7");

	(void)state;
	assert_int_equal(drain(rl, RL_ERROR, SA(&a), 0), 5);
	assert_false(rl_take(rl, RL_ERROR, SA(&a2), 0));    /* same /64 */
	assert_true(rl_take(rl, RL_ERROR, SA(&other), 0));
	assert_int_equal(drain(rl, RL_ERROR, SA(&v4), 0), 5);
	assert_false(rl_take(rl, RL_ERROR, SA(&m4), 0));    /* same IPv4 */
	rl_free(rl);
}

static void
test_off(void **state)
{
	const struct rl_rate rates[RL_KINDS] = { [RL_AUTH_FAIL] = { 1, 1000, 1 } };
	struct sockaddr_storage a = ip("192.0.2.1");
	struct ratelimit *rl;

	(void)state;
	assert_int_equal(rl_new(&rl, rates, 16, key), 0);
	assert_int_equal(drain(rl, RL_ERROR, SA(&a), 0), 1000);
	assert_int_equal(rl_used(rl), 0);
	assert_true(rl_take(NULL, RL_ERROR, SA(&a), 0));
	assert_false(rl_over(NULL, RL_ERROR, SA(&a), 0));
	rl_free(rl);
}

static void
test_bad_rates(void **state)
{
	const struct rl_rate no_burst[RL_KINDS] = { [RL_ERROR] = { 1, 1000, 0 } };
	const struct rl_rate no_period[RL_KINDS] = { [RL_ERROR] = { 1, 0, 1 } };
	struct ratelimit *rl;

	(void)state;
	assert_int_equal(rl_new(&rl, no_burst, 16, key), EINVAL);
	assert_int_equal(rl_new(&rl, no_period, 16, key), EINVAL);
}

/* 100,000 distinct sources: the table never holds more than its
 * capacity, and a source in use (between the flood's packets) keeps its
 * state: LRU forgets the flood first. */
static void
test_overflow_bounded(void **state)
{
	const struct rl_rate rates[RL_KINDS] = {
		[RL_ERROR] = { 10, 1000, 5 },
		[RL_AUTH_FAIL] = { 1, 3600 * 1000, 1 },   /* 1 an hour */
	};
	struct sockaddr_storage busy = ip("198.51.100.1"), src = ip("10.0.0.0");
	struct sockaddr_in *s4 = (struct sockaddr_in *)&src;
	struct ratelimit *rl;

	(void)state;
	assert_int_equal(rl_new(&rl, rates, 256, key), 0);
	assert_int_equal(rl_capacity(rl), 256);
	assert_true(rl_take(rl, RL_AUTH_FAIL, SA(&busy), 0));
	for (uint32_t i = 0; i < 100000; i++) {
		s4->sin_addr.s_addr = htonl(0x0A000000u + i);
		(void)rl_take(rl, RL_ERROR, SA(&src), i);
		assert_true(rl_used(rl) <= rl_capacity(rl));
		if (i % 2 == 0)   /* still over, so still remembered */
			assert_false(rl_take(rl, RL_AUTH_FAIL, SA(&busy), i));
	}
	assert_int_equal(rl_used(rl), rl_capacity(rl));
	/* a source quiet for long has its whole burst again */
	s4->sin_addr.s_addr = htonl(0x0A000000u);
	assert_int_equal(drain(rl, RL_ERROR, SA(&src), 100000), 5);
	rl_free(rl);
}

static void
test_capacity_rounding(void **state)
{
	struct ratelimit *rl = mk(4096);

	(void)state;
	assert_int_equal(rl_capacity(rl), 4096);
	rl_free(rl);
	rl = mk(1000);
	assert_int_equal(rl_capacity(rl), 512);
	rl_free(rl);
	rl = mk(1);
	assert_int_equal(rl_capacity(rl), 4);
	rl_free(rl);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_burst_then_over),
		cmocka_unit_test(test_refill),
		cmocka_unit_test(test_kinds_and_sources_apart),
		cmocka_unit_test(test_ipv6_prefix_and_mapped),
		cmocka_unit_test(test_off),
		cmocka_unit_test(test_bad_rates),
		cmocka_unit_test(test_overflow_bounded),
		cmocka_unit_test(test_capacity_rounding),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
