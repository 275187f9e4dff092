/**
 * @file test_turn_abuse.c  Abuse resistance of the TURN core through the
 * fake port and clock: error answers per source (rate-limit), failed
 * authentications per source (auth-fail-limit), and no state for
 * requests that do not authenticate; failed authentications in the log.
 */
#include <stdio.h>
#include <unistd.h>

#include "log.h"
#include "turn_fx.h"

/* An unsigned Allocate from c: @return the answer's code, 0 if none. */
static int
unsigned_alloc(struct fx *f, struct client *c)
{
	stun_enc_u32(req(c, STUN_ALLOCATE), STUN_A_REQUESTED_TRANSPORT,
		     UDP_TRANSPORT);
	return transact(f, c);
}

static unsigned
flood(struct fx *f, struct client *c, unsigned n)
{
	unsigned answered = 0;

	for (unsigned i = 0; i < n; i++)
		answered += unsigned_alloc(f, c) == 401;
	return answered;
}

/* A flood from one IP gets its burst answered, then nothing; another IP
 * is answered all along; the source earns rate-limit answers a second. */
static void
test_error_answers_limited(void **state)
{
	struct fx *f = *state;
	struct client bad, good;

	f->conf.rate_limit = 20;
	f->conf.rate_limit_burst = 40;
	cli(&bad, "192.0.2.66", 40000, "alice", "x");
	cli(&good, "192.0.2.10", 40000, "alice", "alice-pw");
	assert_int_equal(flood(f, &bad, 1000), 40);
	assert_int_equal(f->srv.stats.rl_answers_dropped, 960);
	assert_int_equal(unsigned_alloc(f, &good), 401);
	assert_int_equal(allocate(f, &good), 200);
	/* another port of the same IP is the same source */
	cli(&bad, "192.0.2.66", 40001, "alice", "x");
	assert_int_equal(flood(f, &bad, 10), 0);
	f->now_ms += 1000;
	assert_int_equal(flood(f, &bad, 1000), 20);
	assert_int_equal(alloc_count(f->srv.allocs), 1);
}

/* Over TCP the source is not spoofed: answers are not limited. */
static void
test_tcp_not_limited(void **state)
{
	struct fx *f = *state;
	struct client c;

	f->conf.rate_limit = 1;
	f->conf.rate_limit_burst = 1;
	cli(&c, "192.0.2.66", 40000, "alice", "x");
	c.tp = TP_TCP;
	assert_int_equal(flood(f, &c, 50), 50);
	assert_int_equal(f->srv.stats.rl_answers_dropped, 0);
}

static void
test_rate_limit_off(void **state)
{
	struct fx *f = *state;
	struct client c;

	f->conf.rate_limit = 0;
	f->conf.auth_fail_limit = 0;
	cli(&c, "192.0.2.66", 40000, "alice", "x");
	assert_int_equal(flood(f, &c, 500), 500);
	assert_null(turn_shared_rl(server(f)->sh));
}

/* auth-fail-limit: wrong passwords are answered 401 up to the limit;
 * then the source is not heard, right password included, and another
 * source is; one attempt comes back per 60/limit seconds. */
static void
test_auth_failures_limited(void **state)
{
	struct fx *f = *state;
	struct client bad, right, other;

	f->conf.auth_fail_limit = 5;
	cli(&bad, "192.0.2.66", 40000, "alice", "wrong");
	cli(&right, "192.0.2.66", 40001, "alice", "alice-pw");
	cli(&other, "192.0.2.10", 40000, "alice", "alice-pw");
	for (int i = 0; i < 5; i++)
		assert_int_equal(allocate(f, &bad), 401);
	assert_int_equal(f->srv.stats.auth_failures, 5);
	assert_int_equal(allocate(f, &bad), 0);
	assert_int_equal(allocate(f, &right), 0);
	assert_int_equal(f->srv.stats.rl_auth_dropped, 2);
	assert_int_equal(allocate(f, &other), 200);
	/* unsigned requests still get their challenge */
	assert_int_equal(unsigned_alloc(f, &right), 401);
	f->now_ms += 12 * 1000;       /* 5 a minute: one per 12 s */
	assert_int_equal(allocate(f, &right), 200);
	assert_int_equal(alloc_count(f->srv.allocs), 2);
}

/* A stale nonce (438) is not a failed guess. */
static void
test_stale_nonce_not_a_failure(void **state)
{
	struct fx *f = *state;
	struct client c;

	f->conf.auth_fail_limit = 1;
	cli(&c, "192.0.2.10", 40000, "alice", "alice-pw");
	assert_int_equal(allocate(f, &c), 200);
	f->wall_s += 3 * 3600;
	f->now_ms += 1000;
	for (int i = 0; i < 3; i++)
		assert_int_equal(refresh(f, &c, 600), 438);
	assert_int_equal(f->srv.stats.auth_failures, 0);
}

/* Over UDP the source can be forged: a flood of signed requests with
 * nonces this server never gave the victim's address gets 438 (a fresh
 * nonce, to the victim: rate-limited like any error answer) and is no
 * failed authentication, so the victim's signed Refresh is answered. */
static void
test_forged_nonces_lock_nobody_out(void **state)
{
	struct fx *f = *state;
	struct client victim, forged;

	f->conf.auth_fail_limit = 5;
	cli(&victim, "192.0.2.10", 40000, "alice", "alice-pw");
	assert_int_equal(allocate(f, &victim), 200);
	forged = victim;
	snprintf(forged.nonce, sizeof(forged.nonce), "obMatJos2wAAAAAAAAAAAAAA");
	for (int i = 0; i < 100; i++) {
		forged.user = i % 2 ? "alice" : "mallory";
		(void)refresh(f, &forged, 600);
		assert_true(forged.code == 438 || forged.code == 0);
	}
	assert_int_equal(f->srv.stats.auth_failures, 0);
	assert_int_equal(refresh(f, &victim, 600), 200);
}

/* A source over auth-fail-limit (a guesser behind the victim's NAT, with
 * valid nonces for that IP) keeps its live allocation's signed requests
 * answered; guesses from it and from other ports are still not. */
static void
test_auth_limit_spares_live_allocation(void **state)
{
	struct fx *f = *state;
	struct client victim, bad, guess;

	f->conf.auth_fail_limit = 3;
	cli(&victim, "192.0.2.66", 40000, "alice", "alice-pw");
	cli(&bad, "192.0.2.66", 40001, "alice", "wrong");
	assert_int_equal(allocate(f, &victim), 200);
	for (int i = 0; i < 3; i++)
		assert_int_equal(allocate(f, &bad), 401);
	assert_int_equal(allocate(f, &bad), 0);           /* dropped */
	assert_int_equal(refresh(f, &victim, 600), 200);
	assert_int_equal(perm1(f, &victim, "93.184.216.34", 5000), 200);
	/* on the victim's 5-tuple, a wrong key or another user: no answer */
	guess = victim;
	assert_int_equal(auth_ltc_key(AUTH_ALG_MD5, "alice", REALM, "guess",
				      &guess.key), 0);
	assert_int_equal(refresh(f, &guess, 600), 0);
	cli(&guess, "192.0.2.66", 40000, "bob", "bob-pw");
	assert_int_equal(refresh(f, &guess, 600), 0);
	assert_int_equal(f->srv.stats.auth_failures, 3);
}

/* How many times needle is in the file at path. */
static unsigned
count_in(const char *path, const char *needle)
{
	static char text[64 * 1024];
	FILE *fp = fopen(path, "r");
	size_t n;
	unsigned hits = 0;

	assert_non_null(fp);
	n = fread(text, 1, sizeof(text) - 1, fp);
	fclose(fp);
	text[n] = '\0';
	for (const char *p = strstr(text, needle); p != NULL;
	     p = strstr(p + 1, needle))
		hits++;
	return hits;
}

/* A wrong password or unknown user: one auth.failed line at info with
 * the claimed name and the source, never the password; at most
 * TURN_AUTH_LOG_PER_S a second, the rest counted in one line the next
 * second. A made-up nonce (438) is no failure and logs nothing. */
static void
test_auth_failures_logged_capped(void **state)
{
	struct fx *f = *state;
	struct client bad, nobody, forged;
	char path[] = "/tmp/turnpike-authlog.XXXXXX";
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(log_open(LOG_TO_FILE, LOG_LVL_INFO, path), 0);
	f->conf.auth_fail_limit = 0;
	cli(&bad, "192.0.2.66", 40000, "alice", "hunter2-wrong");
	cli(&nobody, "192.0.2.67", 40000, "mallory", "mallory-pw");
	assert_int_equal(allocate(f, &bad), 401);
	assert_int_equal(allocate(f, &nobody), 401);
	forged = bad;
	snprintf(forged.nonce, sizeof(forged.nonce), "obMatJos2wAAAAAAAAAAAAAA");
	assert_int_equal(refresh(f, &forged, 600), 438);
	for (int i = 0; i < 25; i++)
		assert_int_equal(allocate(f, &bad), 401);
	f->now_ms += 1000;
	turn_server_tick(&f->srv, f->now_ms);
	assert_int_equal(allocate(f, &bad), 401);
	log_close();
	assert_int_equal(count_in(path, "info: auth.failed user=alice "
				  "client=192.0.2.66:40000 method=Allocate"),
			 TURN_AUTH_LOG_PER_S);
	assert_int_equal(count_in(path, "info: auth.failed user=mallory "
				  "client=192.0.2.67:40000"), 1);
	assert_int_equal(count_in(path, "auth.failed.dropped count=17"), 1);
	assert_int_equal(count_in(path, "auth.failed "),
			 TURN_AUTH_LOG_PER_S + 1);
	assert_int_equal(count_in(path, "hunter2"), 0);
	assert_int_equal(count_in(path, "mallory-pw"), 0);
	unlink(path);
}

/* No state for unauthenticated requests: 10,000 Allocates from varied
 * sources and ports, every request type without credentials, and wrong
 * passwords leave no allocation, no port, no relay socket; the
 * rate-limit table stays within its fixed capacity. */
static void
test_no_state_without_auth(void **state)
{
	static const uint16_t methods[] = {
		STUN_REFRESH, STUN_CREATE_PERMISSION, STUN_CHANNEL_BIND,
		STUN_CONNECT, STUN_CONNECTION_BIND,
	};
	struct fx *f = *state;
	struct client c;
	char ip[32];

	for (unsigned i = 0; i < 10000; i++) {
		snprintf(ip, sizeof(ip), "198.18.%u.%u", i / 200, i % 200 + 1);
		cli(&c, ip, (uint16_t)(1024 + i), "alice", "wrong");
		(void)unsigned_alloc(f, &c);
		stun_enc_addr(req(&c, methods[i % 5]), STUN_A_XOR_PEER_ADDRESS,
			      SA(&f->local), true);
		(void)transact(f, &c);
		if (i % 100 == 0)
			(void)allocate(f, &c);
	}
	assert_int_equal(alloc_count(f->srv.allocs), 0);
	assert_int_equal(ports_used(f, AF_INET), 0);
	assert_int_equal(f->io.open_calls, 0);
	assert_null(f->srv.tcp_peers);
	assert_true(rl_used(turn_shared_rl(f->srv.sh)) <= rl_capacity(turn_shared_rl(f->srv.sh)));
	assert_int_equal(rl_capacity(turn_shared_rl(f->srv.sh)), RL_DEFAULT_ENTRIES);
}

/* Unsigned requests that cannot succeed get the short answer (400 or
 * 437), not a 401 challenge; with an allocation, the challenge. */
static void
test_unsigned_short_answers(void **state)
{
	struct fx *f = *state;
	struct client c;

	cli(&c, "192.0.2.10", 40000, "alice", "alice-pw");
	req(&c, STUN_ALLOCATE);
	assert_int_equal(transact(f, &c), 400);
	assert_null(stun_find(&c.rep, STUN_A_NONCE));
	stun_enc_attr(req(&c, STUN_ALLOCATE), STUN_A_REQUESTED_TRANSPORT,
		      "\x11", 1);
	assert_int_equal(transact(f, &c), 400);     /* length 4 or nothing */
	req(&c, STUN_REFRESH);
	assert_int_equal(transact(f, &c), 437);
	req(&c, STUN_CHANNEL_BIND);
	assert_int_equal(transact(f, &c), 437);
	stun_enc_addr(req(&c, STUN_CREATE_PERMISSION), STUN_A_XOR_PEER_ADDRESS,
		      SA(&f->local), true);
	assert_int_equal(transact(f, &c), 437);
	assert_int_equal(allocate(f, &c), 200);
	req(&c, STUN_REFRESH);
	assert_int_equal(transact(f, &c), 401);
	assert_non_null(stun_find(&c.rep, STUN_A_NONCE));
	/* signed, the RFC 8489 §9.2.4 order: a signed 400 (another port:
	 * no allocation there) */
	addr_set_port(SA(&c.addr), 40001);
	req(&c, STUN_ALLOCATE);
	assert_int_equal(xmit(f, &c), 400);
	assert_true(c.rep.mi >= 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_error_answers_limited,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_tcp_not_limited, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_rate_limit_off, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_auth_failures_limited,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_forged_nonces_lock_nobody_out,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_auth_limit_spares_live_allocation,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_stale_nonce_not_a_failure,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_auth_failures_logged_capped,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_state_without_auth,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_unsigned_short_answers,
						setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
