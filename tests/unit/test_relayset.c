/**
 * @file test_relayset.c  src/turn/relayset.c: bound relayed addresses by
 * port and family, the IP table's limit, and readers racing a writer.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "addr.h"
#include "../../src/turn/relayset.h"

static struct sockaddr_storage
ap(const char *s)
{
	struct sockaddr_storage a;

	assert_int_equal(addr_parse(s, 0, &a), 0);
	return a;
}

#define SA(x) ((const struct sockaddr *)&(x))

static void
test_set_has_at(void **state)
{
	struct relayset *rs = relayset_new(1000, 1009);
	struct sockaddr_storage v4 = ap("10.0.0.5:1003"),
				v6 = ap("[2001:db8::5]:1003"),
				other = ap("10.0.0.6:1003"),
				low = ap("10.0.0.5:999"), high = ap("10.0.0.5:1010");
	sockaddr_u k;

	(void)state;
	assert_non_null(rs);
	assert_false(relayset_has(rs, SA(v4)));
	relayset_set(rs, SA(v4), true);
	relayset_set(rs, SA(low), true);          /* outside: ignored */
	relayset_set(rs, SA(high), true);
	assert_true(relayset_has(rs, SA(v4)));
	assert_false(relayset_has(rs, SA(other)));  /* same port, other IP */
	assert_false(relayset_has(rs, SA(v6)));     /* families apart */
	assert_false(relayset_has(rs, SA(low)));
	assert_false(relayset_has(rs, SA(high)));
	assert_true(relayset_at(rs, AF_INET, 1003, &k));
	assert_true(addr_eq(&k.sa, SA(v4)));
	assert_false(relayset_at(rs, AF_INET, 1004, &k));
	assert_false(relayset_at(rs, AF_INET6, 1003, &k));
	assert_false(relayset_at(rs, AF_INET, 65535, &k));
	relayset_set(rs, SA(v6), true);
	assert_true(relayset_at(rs, AF_INET6, 1003, &k));
	assert_true(addr_eq(&k.sa, SA(v6)));
	relayset_set(rs, SA(v4), false);
	assert_false(relayset_has(rs, SA(v4)));
	assert_true(relayset_has(rs, SA(v6)));
	relayset_free(rs);
}

/* 255 distinct IPs are recorded; the 256th is not (it only loses the
 * exemption); a known IP still is. */
static void
test_ip_table_full(void **state)
{
	struct relayset *rs = relayset_new(1000, 1299);
	struct sockaddr_storage a;
	char buf[64];

	(void)state;
	assert_non_null(rs);
	for (int i = 0; i < 256; i++) {
		snprintf(buf, sizeof(buf), "10.0.%d.%d:%d", i / 200, i % 200 + 1,
			 1000 + i);
		a = ap(buf);
		relayset_set(rs, SA(a), true);
		assert_int_equal(relayset_has(rs, SA(a)), i < 255);
	}
	a = ap("10.0.0.1:1290");                    /* the first IP again */
	relayset_set(rs, SA(a), true);
	assert_true(relayset_has(rs, SA(a)));
	relayset_free(rs);
}

struct race {
	struct relayset *rs;
	atomic_int stop;
	unsigned bad;
};

static void *
reader(void *arg)
{
	struct race *r = arg;
	struct sockaddr_storage x = ap("10.9.0.1:1000"), y = ap("10.9.0.2:1000");
	sockaddr_u k;

	while (!r->stop)
		if (relayset_at(r->rs, AF_INET, 1000, &k) &&
		    !addr_eq(&k.sa, SA(x)) && !addr_eq(&k.sa, SA(y)))
			r->bad++;
	return NULL;
}

/* A reader sees either address or none, never a torn one (run under
 * TSan/ASan builds too). */
static void
test_readers_race_writer(void **state)
{
	struct race r = { .rs = relayset_new(1000, 1000) };
	struct sockaddr_storage x = ap("10.9.0.1:1000"), y = ap("10.9.0.2:1000");
	pthread_t t;

	(void)state;
	assert_non_null(r.rs);
	assert_int_equal(pthread_create(&t, NULL, reader, &r), 0);
	for (int i = 0; i < 200000; i++) {
		relayset_set(r.rs, i % 2 ? SA(x) : SA(y), true);
		relayset_set(r.rs, SA(x), false);
	}
	r.stop = 1;
	pthread_join(t, NULL);
	assert_int_equal(r.bad, 0);
	relayset_free(r.rs);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_set_has_at),
		cmocka_unit_test(test_ip_table_full),
		cmocka_unit_test(test_readers_race_writer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
