/**
 * @file test_policy.c  policy.h: the peer policy. Built-in ranges, the
 * never-allowed addresses, the listener rule, allow/deny precedence and
 * every IPv6 spelling of an IPv4 address. Table driven.
 */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "policy.h"

#define N(a) (sizeof(a) / sizeof(*(a)))

enum { ALLOW = POLICY_ALLOW, NEVER = POLICY_DENY_NEVER,
       LISTENER = POLICY_DENY_LISTENER, CONFIG = POLICY_DENY_CONFIG,
       DEFAULT = POLICY_DENY_DEFAULT, HOST = POLICY_DENY_HOST };

struct row {
	const char *peer;   /* "IP", "IP:PORT" or "[IPv6]:PORT"; port 5000 */
	int want;
};

static int
setup(void **state)
{
	struct conf *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return -1;
	conf_defaults(c);   /* listens on 0.0.0.0:3478 and [::]:3478 */
	*state = c;
	return 0;
}

static int
teardown(void **state)
{
	conf_free(*state);
	free(*state);
	return 0;
}

static void
add(struct cidr *list, size_t *n, const char *s)
{
	assert_true(*n < CONF_MAX_CIDRS);
	assert_int_equal(cidr_parse(s, &list[*n]), 0);
	(*n)++;
}

static void
allow(struct conf *c, const char *s)
{
	add(c->allow_peer, &c->nallow_peer, s);
}

static void
deny(struct conf *c, const char *s)
{
	add(c->deny_peer, &c->ndeny_peer, s);
}

static void
listen_only(struct conf *c, const char *s)
{
	assert_int_equal(addr_parse(s, 3478, &c->listen[0]), 0);
	c->nlisten = 1;
}

static struct sockaddr_storage
sa(const char *s)
{
	struct sockaddr_storage ss;

	assert_int_equal(addr_parse(s, 5000, &ss), 0);
	return ss;
}

static enum policy_verdict
check(const struct conf *c, const char *peer)
{
	struct policy p;
	struct sockaddr_storage ss = sa(peer);

	policy_init(&p, c, NULL, 0);
	return policy_check(&p, (struct sockaddr *)&ss);
}

static void
run_rows(const struct conf *c, const struct row *rows, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		enum policy_verdict got = check(c, rows[i].peer);

		if ((int)got != rows[i].want)
			fail_msg("%s: got %s, want %s", rows[i].peer,
				 policy_verdict_name(got),
				 policy_verdict_name(rows[i].want));
	}
}

/* One address inside every built-in range, and some just outside. */
static const struct row default_rows[] = {
	{ "0.0.0.1", NEVER }, { "10.1.2.3", DEFAULT },
	{ "100.64.0.1", DEFAULT }, { "100.127.255.254", DEFAULT },
	{ "127.0.0.1", DEFAULT }, { "127.255.255.254", DEFAULT },
	{ "169.254.169.254", DEFAULT }, { "172.16.0.1", DEFAULT },
	{ "172.31.255.255", DEFAULT }, { "192.0.0.8", DEFAULT },
	{ "192.0.2.1", DEFAULT }, { "192.88.99.1", DEFAULT },
	{ "192.168.1.1", DEFAULT }, { "198.18.0.1", DEFAULT },
	{ "198.19.255.255", DEFAULT }, { "198.51.100.7", DEFAULT },
	{ "203.0.113.9", DEFAULT }, { "224.0.0.1", DEFAULT },
	{ "239.255.255.250", DEFAULT }, { "240.0.0.1", DEFAULT },
	{ "255.255.255.255", DEFAULT },
	{ "::", NEVER }, { "::1", DEFAULT }, { "64:ff9b::808:808", DEFAULT },
	{ "64:ff9b:1::1", DEFAULT }, { "100::1", DEFAULT },
	{ "2001::1", DEFAULT }, { "2001:2::1", DEFAULT },
	{ "2001:10::1", DEFAULT }, { "2001:20::1", DEFAULT },
	{ "2001:db8::1", DEFAULT }, { "2002:c000:201::1", DEFAULT },
	{ "3fff::1", DEFAULT }, { "5f00::1", DEFAULT }, { "fc00::1", DEFAULT },
	{ "fd12:3456::1", DEFAULT }, { "fe80::1", DEFAULT },
	{ "[fe80::1%2]:5000", DEFAULT }, { "fec0::1", DEFAULT },
	{ "ff02::1", DEFAULT },
	/* IPv6 spellings of IPv4 */
	{ "::ffff:127.0.0.1", DEFAULT }, { "::ffff:169.254.169.254", DEFAULT },
	{ "::127.0.0.1", DEFAULT }, { "::ffff:10.1.2.3", DEFAULT },
	{ "::ffff:0.0.0.0", NEVER }, { "::0.0.0.2", NEVER },
	/* just outside */
	{ "172.32.0.1", ALLOW }, { "172.15.255.255", ALLOW },
	{ "100.128.0.1", ALLOW }, { "100.63.255.255", ALLOW },
	{ "11.0.0.1", ALLOW }, { "9.255.255.255", ALLOW },
	{ "8.8.8.8", ALLOW }, { "1.1.1.1", ALLOW }, { "128.0.0.1", ALLOW },
	{ "169.255.0.1", ALLOW }, { "192.0.1.1", ALLOW },
	{ "192.169.0.1", ALLOW }, { "198.17.255.255", ALLOW },
	{ "198.20.0.1", ALLOW }, { "223.255.255.255", ALLOW },
	{ "2a00:1450::1", ALLOW }, { "2001:4860:4860::8888", ALLOW },
	{ "2001:db9::1", ALLOW }, { "2003::1", ALLOW }, { "64:ff9a::1", ALLOW },
	{ "::ffff:8.8.8.8", ALLOW }, { "::8.8.8.8", ALLOW },
	{ "::2", NEVER },  /* ::0.0.0.2 */
};

static void
test_default_list(void **state)
{
	run_rows(*state, default_rows, N(default_rows));
}

static void
test_never(void **state)
{
	struct conf *c = *state;
	static const struct row rows[] = {
		{ "0.0.0.0", NEVER }, { "0.1.2.3", NEVER }, { "::", NEVER },
		{ "::ffff:0.0.0.0", NEVER }, { "10.1.2.3", ALLOW },
		{ "::1", ALLOW },
	};
	struct sockaddr_storage ss = sa("8.8.8.8");
	struct policy p;

	allow(c, "0.0.0.0/0");
	allow(c, "::/0");
	run_rows(c, rows, N(rows));
	policy_init(&p, c, NULL, 0);
	addr_set_port((struct sockaddr *)&ss, 0);
	assert_int_equal(policy_check(&p, (struct sockaddr *)&ss), NEVER);
	ss = sa("[2a00::1]:1");
	addr_set_port((struct sockaddr *)&ss, 0);
	assert_int_equal(policy_check(&p, (struct sockaddr *)&ss), NEVER);
	assert_int_equal(policy_check(&p, NULL), NEVER);
	memset(&ss, 0, sizeof(ss));
	ss.ss_family = AF_UNIX;
	assert_int_equal(policy_check(&p, (struct sockaddr *)&ss), NEVER);
}

static void
test_allow_loopback(void **state)
{
	static const struct row rows[] = {
		{ "127.0.0.1", ALLOW }, { "::ffff:127.0.0.1", ALLOW },
		{ "::127.0.0.1", ALLOW }, { "127.0.0.2", DEFAULT },
		{ "::1", DEFAULT },
	};

	allow(*state, "127.0.0.1/32");
	run_rows(*state, rows, N(rows));
}

/* A config CIDR in IPv4-mapped or -compatible form is its IPv4 CIDR. */
static void
test_config_cidr_normalised(void **state)
{
	struct conf *c = *state;
	static const struct row rows[] = {
		{ "127.0.0.1", ALLOW }, { "::ffff:127.0.0.1", ALLOW },
		{ "10.9.9.9", ALLOW }, { "192.168.1.1", ALLOW },
		{ "192.168.2.1", DEFAULT }, { "8.8.8.8", CONFIG },
		{ "::ffff:8.8.4.4", CONFIG }, { "1.1.1.1", ALLOW },
		{ "::1", ALLOW }, { "::2", NEVER },
	};

	allow(c, "::ffff:127.0.0.1/128");
	allow(c, "::ffff:10.0.0.0/104");
	allow(c, "::192.168.1.0/120");
	allow(c, "::/96");   /* holds :: and ::1: stays IPv6 */
	deny(c, "::ffff:8.8.0.0/112");
	run_rows(c, rows, N(rows));
}

static void
test_deny_peer(void **state)
{
	struct conf *c = *state;
	static const struct row rows[] = {
		{ "8.8.8.8", CONFIG }, { "::ffff:8.8.8.8", CONFIG },
		{ "::8.8.8.8", CONFIG }, { "8.8.4.4", ALLOW },
		{ "2a00:1450::1", CONFIG }, { "2a00:1451::1", ALLOW },
		{ "10.1.2.3", DEFAULT },
	};

	deny(c, "8.8.8.0/24");
	deny(c, "2a00:1450::/32");
	run_rows(c, rows, N(rows));
}

/* ::ffff:0:0/96 holds every IPv4 address. */
static void
test_deny_all_mapped(void **state)
{
	static const struct row rows[] = {
		{ "8.8.8.8", CONFIG }, { "::ffff:1.1.1.1", CONFIG },
		{ "2a00:1450::1", ALLOW }, { "10.0.0.1", CONFIG },
	};

	deny(*state, "::ffff:0:0/96");
	run_rows(*state, rows, N(rows));
}

static void
test_allow_beats_deny(void **state)
{
	struct conf *c = *state;
	static const struct row rows[] = {
		{ "8.8.8.8", ALLOW }, { "8.8.4.4", CONFIG },
		{ "10.1.2.3", ALLOW }, { "10.2.0.1", CONFIG },
		{ "10.2.0.1:3478", LISTENER }, { "192.168.0.1", DEFAULT },
	};

	deny(c, "8.8.0.0/16");
	allow(c, "8.8.8.8");
	deny(c, "10.0.0.0/8");
	allow(c, "10.1.0.0/16");
	run_rows(c, rows, N(rows));
}

static void
test_listener(void **state)
{
	struct conf *c = *state;
	static const struct row rows[] = {
		{ "127.0.0.1:3478", LISTENER }, { "[::ffff:127.0.0.1]:3478", LISTENER },
		{ "[::127.0.0.1]:3478", LISTENER }, { "127.0.0.1:3479", ALLOW },
		{ "127.0.0.2:3478", ALLOW }, { "8.8.8.8:3478", ALLOW },
	};

	allow(c, "127.0.0.0/8");
	listen_only(c, "127.0.0.1:3478");
	run_rows(c, rows, N(rows));
	listen_only(c, "[::ffff:127.0.0.1]:3478");
	run_rows(c, rows, N(rows));
}

static void
test_wildcard_listener(void **state)
{
	struct conf *c = *state;
	static const struct row v4[] = {
		{ "8.8.8.8:3478", LISTENER }, { "[::ffff:8.8.8.8]:3478", LISTENER },
		{ "8.8.8.8:3479", ALLOW }, { "[2a00:1450::1]:3478", ALLOW },
	};
	static const struct row v6[] = {
		{ "[2a00:1450::1]:3478", LISTENER }, { "8.8.8.8:3478", ALLOW },
		{ "[2a00:1450::1]:3479", ALLOW },
	};
	static const struct row both[] = {
		{ "8.8.8.8:3478", LISTENER }, { "[2a00:1450::1]:3478", LISTENER },
		{ "8.8.8.8:3479", ALLOW },
	};

	run_rows(c, both, N(both));   /* conf_defaults(): both wildcards */
	listen_only(c, "0.0.0.0:3478");
	run_rows(c, v4, N(v4));
	listen_only(c, "[::]:3478");
	run_rows(c, v6, N(v6));
	c->nlisten = 0;
	assert_int_equal(check(c, "8.8.8.8:3478"), ALLOW);
}

/* Every listener of the server is refused, not only TURN's: TLS/DTLS,
 * HTTP and admin too, even inside an allowed range. */
static void
test_all_listeners(void **state)
{
	struct conf *c = *state;
	static const struct row rows[] = {
		{ "127.0.0.1:9641", LISTENER },      /* admin (default) */
		{ "8.8.8.8:8080", LISTENER },        /* http (0.0.0.0:8080) */
		{ "127.0.0.1:8080", LISTENER },
		{ "127.0.0.1:5349", LISTENER },      /* tls-listen, and DTLS */
		{ "127.0.0.2:5349", ALLOW },
		{ "127.0.0.1:5350", ALLOW },
		{ "[::1]:8080", ALLOW },             /* http is IPv4 only */
	};

	allow(c, "127.0.0.0/8");
	allow(c, "::1/128");
	assert_int_equal(addr_parse("127.0.0.1:5349", 0, &c->tls_listen[0]), 0);
	c->ntls_listen = 1;
	run_rows(c, rows, N(rows));
}

static enum policy_verdict
check_host(const struct conf *c, const struct cidr *host, size_t n,
	   const char *peer)
{
	struct policy p;
	struct sockaddr_storage ss = sa(peer);

	policy_init(&p, c, host, n);
	return policy_check(&p, (struct sockaddr *)&ss);
}

/* The host's own addresses: refused even when allow-peer covers the
 * range around them, allowed only when allow-peer names the address
 * itself; relay-to-relay is the TURN core's (test_turn_data.c). */
static void
test_host_addresses(void **state)
{
	struct conf *c = *state;
	struct cidr host[3];

	assert_int_equal(cidr_parse("127.0.0.1", &host[0]), 0);
	assert_int_equal(cidr_parse("93.184.216.99", &host[1]), 0);
	assert_int_equal(cidr_parse("::1", &host[2]), 0);
	/* a public address of the host: no allow-peer needed to refuse it */
	assert_int_equal(check_host(c, host, 3, "93.184.216.99"), HOST);
	assert_int_equal(check_host(c, host, 3, "[::ffff:93.184.216.99]:5000"),
			 HOST);
	assert_int_equal(check_host(c, host, 3, "93.184.216.98"), ALLOW);
	assert_int_equal(check_host(c, host, 3, "127.0.0.2"), DEFAULT);
	allow(c, "127.0.0.0/8");
	allow(c, "0.0.0.0/0");
	allow(c, "::/0");
	assert_int_equal(check_host(c, host, 3, "127.0.0.1"), HOST);
	assert_int_equal(check_host(c, host, 3, "127.0.0.9"), ALLOW);
	assert_int_equal(check_host(c, host, 3, "93.184.216.99"), HOST);
	assert_int_equal(check_host(c, host, 3, "[::1]:5000"), HOST);
	allow(c, "127.0.0.1/32");                  /* exactly: allowed */
	allow(c, "::ffff:93.184.216.99/128");
	assert_int_equal(check_host(c, host, 3, "127.0.0.1"), ALLOW);
	assert_int_equal(check_host(c, host, 3, "93.184.216.99"), ALLOW);
	/* never the listeners, named exactly or not */
	assert_int_equal(check_host(c, host, 3, "127.0.0.1:9641"), LISTENER);
	assert_string_equal(policy_verdict_name(POLICY_DENY_HOST), "host");
}

/* The machine's real interfaces: loopback's 127.0.0.1 is there. */
static void
test_host_cidrs_of_this_machine(void **state)
{
	struct cidr h[64], lo;
	size_t n = addr_host_cidrs(h, 64);
	bool found = false;

	(void)state;
	assert_true(n > 0);
	assert_int_equal(cidr_parse("127.0.0.1", &lo), 0);
	for (size_t i = 0; i < n; i++)
		found |= h[i].family == AF_INET && h[i].prefix == 32 &&
			 memcmp(h[i].ip, lo.ip, 4) == 0;
	assert_true(found);
}

/* 64:ff9b::a.b.c.d, once allowed, must pass as a.b.c.d too. */
static void
test_nat64(void **state)
{
	struct conf *c = *state;
	static const struct row rows[] = {
		{ "64:ff9b::8.8.8.8", ALLOW }, { "64:ff9b::10.1.2.3", DEFAULT },
		{ "64:ff9b::127.0.0.1", DEFAULT }, { "64:ff9b::0.0.0.0", NEVER },
		{ "[64:ff9b::8.8.8.8]:3478", LISTENER },
		{ "64:ff9b::1.1.1.1", CONFIG }, { "64:ff9b::172.16.0.1", ALLOW },
	};

	allow(c, "64:ff9b::/96");
	allow(c, "172.16.0.0/12");
	deny(c, "1.1.1.1");
	run_rows(c, rows, N(rows));
}

static void
test_normalise(void **state)
{
	struct sockaddr_storage in, out;
	char buf[ADDR_STRLEN];
	static const char *const cases[][2] = {
		{ "[::ffff:1.2.3.4]:99", "1.2.3.4:99" },
		{ "[::1.2.3.4]:99", "1.2.3.4:99" },
		{ "[::]:99", "[::]:99" },
		{ "[::1]:99", "[::1]:99" },
		{ "[::ffff:0.0.0.0]:99", "0.0.0.0:99" },
		{ "[fe80::1%3]:99", "[fe80::1%3]:99" },
		{ "[::fffe:1.2.3.4]:99", "[::fffe:102:304]:99" },
		{ "1.2.3.4:99", "1.2.3.4:99" },
	};

	(void)state;
	for (size_t i = 0; i < N(cases); i++) {
		assert_int_equal(addr_parse(cases[i][0], 1, &in), 0);
		memset(&out, 0xa5, sizeof(out));
		policy_normalise((struct sockaddr *)&in, &out);
		assert_string_equal(addr_str((struct sockaddr *)&out, buf,
					     sizeof(buf)), cases[i][1]);
	}
}

static void
test_names(void **state)
{
	(void)state;
	assert_string_equal(policy_verdict_name(POLICY_ALLOW), "allow");
	assert_string_equal(policy_verdict_name(POLICY_DENY_NEVER), "never");
	assert_string_equal(policy_verdict_name(POLICY_DENY_LISTENER),
			    "listener");
	assert_string_equal(policy_verdict_name(POLICY_DENY_CONFIG),
			    "deny-peer");
	assert_string_equal(policy_verdict_name(POLICY_DENY_DEFAULT),
			    "default-deny");
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_default_list), T(test_never), T(test_allow_loopback),
		T(test_config_cidr_normalised), T(test_deny_peer), T(test_deny_all_mapped),
		T(test_allow_beats_deny), T(test_listener),
		T(test_wildcard_listener), T(test_nat64),
		T(test_all_listeners), T(test_host_addresses),
		cmocka_unit_test(test_host_cidrs_of_this_machine),
		cmocka_unit_test(test_normalise), cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
