/*
 * The TURN core through a fake I/O port and a fake clock: Allocate
 * quotas, ports, EVEN-PORT and RESERVATION-TOKEN; Refresh and expiry.
 */
#include "turn_fx.h"
#include "../../src/turn/turn_int.h"

/* ---- Allocate: quotas and ports ---- */

static void
test_486_user_quota(void **state)
{
	struct fx *f = *state;
	struct client a1, a2, b;

	f->conf.user_quota = 1;
	cli(&a1, "192.0.2.10", 40001, "alice", "alice-pw");
	cli(&a2, "192.0.2.10", 40002, "alice", "alice-pw");
	cli(&b, "192.0.2.10", 40003, "bob", "bob-pw");
	assert_int_equal(allocate(f, &a1), 200);
	assert_int_equal(allocate(f, &a2), 486);
	assert_int_equal(allocate(f, &b), 200);      /* per user */
	assert_int_equal(refresh(f, &a1, 0), 200);
	assert_int_equal(allocate(f, &a2), 200);     /* quota given back */
	assert_int_equal(alloc_count(f->srv.allocs), 2);
}

/* No per-user limit by default: one static user shared by many clients
 * (a web app's browsers, turnutils runs left to expire) is bounded by the
 * total only, which is the relay port count. */
static void
test_no_user_quota_by_default(void **state)
{
	struct fx *f = *state;
	struct client c[11];

	assert_int_equal(f->conf.user_quota, 0);
	for (int i = 0; i < 10; i++) {
		cli(&c[i], "192.0.2.10", (uint16_t)(40000 + i), "alice",
		    "alice-pw");
		assert_int_equal(allocate(f, &c[i]), 200);
	}
	cli(&c[10], "192.0.2.11", 40000, "bob", "bob-pw");
	assert_int_equal(allocate(f, &c[10]), 508);    /* 10 relay ports */
}

/* What a config means: the total from the port range, half of it for
 * scoped credentials, a source never over half the ports. */
static void
test_quota_defaults(void **state)
{
	struct fx *f = *state;
	unsigned q[4];

	f->conf.relay_port_min = 50000;
	f->conf.relay_port_max = 50099;               /* 100 ports */
	f->conf.relay_port_max = 50999;               /* 1000 ports */
	quota_limits_of(&f->conf, q);
	assert_int_equal(q[0], 0);
	assert_int_equal(q[1], 1000);
	assert_int_equal(q[2], 500);
	assert_int_equal(q[3], 256);
	f->conf.relay_port_max = 50099;               /* 100 ports */
	quota_limits_of(&f->conf, q);
	assert_int_equal(q[1], 100);
	assert_int_equal(q[2], 50);
	assert_int_equal(q[3], 50);                   /* half the ports */
	f->conf.anon_quota_per_ip = 1000;
	quota_limits_of(&f->conf, q);
	assert_int_equal(q[3], 50);                   /* half the ports */
	f->conf.anon_quota = 90;
	quota_limits_of(&f->conf, q);
	assert_int_equal(q[3], 50);
	f->conf.relay_port_max = 50019;               /* 20 ports */
	f->conf.anon_quota = 0;
	quota_limits_of(&f->conf, q);
	assert_int_equal(q[1], 20);
	assert_int_equal(q[2], 10);
	assert_int_equal(q[3], 10);
	f->conf.total_quota = 7;
	quota_limits_of(&f->conf, q);
	assert_int_equal(q[2], 3);
	assert_int_equal(q[3], 3);
}

/* An Allocate for an IPv6 relay. */
static int
allocate6(struct fx *f, struct client *c)
{
	stun_enc_u32(alloc_req(f, c), STUN_A_REQUESTED_ADDRESS_FAMILY,
		     0x02u << 24);
	return xmit(f, c);
}

/* Scoped credentials count by source, an IPv6 source by its /64: one
 * source over anonymous-quota-per-ip gets 486, its /64 neighbour too, and
 * another /64 and a static user from the same source still allocate;
 * released allocations give their place back. */
static void
test_486_anon_per_source(void **state)
{
	struct fx *f = *state;
	struct client c[8], st;
	char names[8][96], pass[8][64];

	with_secret(f);
	with_v6(f);
	assert_int_equal(addr_parse("[2001:db8::1]:3478", 0, &f->local), 0);
	f->conf.relay_port_max = PORT_MIN + 39;
	f->conf.anon_quota_per_ip = 3;
	for (int i = 0; i < 3; i++) {
		rest_cli(f, &c[i], "2001:db8:1:1::1", (uint16_t)(40000 + i),
			 true, names[i], pass[i]);
		assert_int_equal(allocate6(f, &c[i]), 200);
	}
	rest_cli(f, &c[3], "2001:db8:1:1::1", 40003, true, names[3], pass[3]);
	assert_int_equal(allocate6(f, &c[3]), 486);
	rest_cli(f, &c[4], "2001:db8:1:1:ffff::2", 40000, true, names[4],
		 pass[4]);
	assert_int_equal(allocate6(f, &c[4]), 486);     /* same /64 */
	rest_cli(f, &c[5], "2001:db8:1:2::1", 40000, true, names[5], pass[5]);
	assert_int_equal(allocate6(f, &c[5]), 200);     /* another /64 */
	cli(&st, "2001:db8:1:1::1", 41000, "alice", "alice-pw");
	assert_int_equal(allocate6(f, &st), 200);       /* static: not scoped */
	assert_int_equal(refresh(f, &c[0], 0), 200);
	assert_int_equal(allocate6(f, &c[3]), 200);     /* place given back */
}

/* Scoped credentials from many sources stop at anonymous-quota (half
 * the total by default), leaving the rest to static users. */
static void
test_508_anon_total(void **state)
{
	struct fx *f = *state;
	struct client c[21], st;
	char names[21][96], pass[21][64], ip[32];

	with_secret(f);
	f->conf.relay_port_max = PORT_MIN + 39;       /* 40: 20 anonymous */
	for (int i = 0; i < 21; i++) {
		snprintf(ip, sizeof(ip), "198.51.100.%d", i + 1);
		rest_cli(f, &c[i], ip, 40000, true, names[i], pass[i]);
		assert_int_equal(allocate(f, &c[i]), i < 20 ? 200 : 508);
	}
	cli(&st, "198.51.100.1", 41000, "alice", "alice-pw");
	assert_int_equal(allocate(f, &st), 200);
}

static void
test_508_total_quota(void **state)
{
	struct fx *f = *state;
	struct client a, b;

	f->conf.total_quota = 1;
	cli(&a, "192.0.2.10", 40001, "alice", "alice-pw");
	cli(&b, "192.0.2.10", 40002, "bob", "bob-pw");
	assert_int_equal(allocate(f, &a), 200);
	assert_int_equal(allocate(f, &b), 508);
	assert_int_equal(f->io.open_calls, 1);
	assert_int_equal(alloc_count(f->srv.allocs), 1);
}

static void
test_508_ports_exhausted(void **state)
{
	struct fx *f = *state;
	struct client c[3];
	uint16_t port;

	f->conf.relay_port_max = PORT_MIN + 1;
	for (int i = 0; i < 3; i++)
		cli(&c[i], "192.0.2.10", (uint16_t)(40000 + i), "alice",
		    "alice-pw");
	assert_int_equal(allocate(f, &c[0]), 200);
	assert_int_equal(allocate(f, &c[1]), 200);
	assert_int_equal(relayed_port(&c[0]) + relayed_port(&c[1]),
			 2 * PORT_MIN + 1);
	assert_int_equal(allocate(f, &c[2]), 508);
	assert_int_equal(f->io.open_calls, 2);
	assert_int_equal(alloc_count(f->srv.allocs), 2);
	assert_int_equal(turn_sh_quota_user(f->srv.sh, "alice"), 2);
	port = relayed_port(&c[0]);
	assert_int_equal(refresh(f, &c[0], 0), 200);
	assert_int_equal(allocate(f, &c[2]), 200);   /* the port came back */
	assert_int_equal(relayed_port(&c[2]), port);
}

static void
test_eaddrinuse_then_success(void **state)
{
	struct fx *f = *state;
	struct client c;

	f->io.fail_opens = 3;
	f->io.fail_errno = EADDRINUSE;
	cli(&c, "192.0.2.10", 40000, "alice", "alice-pw");
	assert_int_equal(allocate(f, &c), 200);
	assert_int_equal(f->io.open_calls, 4);
	assert_int_equal(relayed_port(&c), addr_port(&f->io.last_open.sa));
	assert_int_equal(ports_used(f, AF_INET), 1);
	assert_true(turn_sh_port_in_use(f->srv.sh, AF_INET, relayed_port(&c)));
}

/* Any other bind error is final: 508 at once, nothing kept. */
static void
test_relay_open_error(void **state)
{
	struct fx *f = *state;
	struct client c;

	f->io.fail_opens = 1;
	f->io.fail_errno = EACCES;
	cli(&c, "192.0.2.10", 40000, "alice", "alice-pw");
	assert_int_equal(allocate(f, &c), 508);
	assert_int_equal(f->io.open_calls, 1);
	assert_int_equal(ports_used(f, AF_INET), 0);
	assert_int_equal(alloc_count(f->srv.allocs), 0);
	assert_int_equal(f->srv.stats.allocs_created, 0);
	assert_int_equal(allocate(f, &c), 200);
}

static void
test_even_port(void **state)
{
	struct fx *f = *state;
	struct client c;

	for (unsigned i = 0; i < 5; i++) {           /* 50000..50008 */
		cli(&c, "192.0.2.10", (uint16_t)(40000 + i), "alice", "alice-pw");
		stun_enc_attr(alloc_req(f, &c), STUN_A_EVEN_PORT, "\x00", 1);
		assert_int_equal(xmit(f, &c), 200);
		assert_int_equal(relayed_port(&c) % 2, 0);
		assert_null(stun_find(&c.rep, STUN_A_RESERVATION_TOKEN));
	}
	cli(&c, "192.0.2.10", 40009, "alice", "alice-pw");
	stun_enc_attr(alloc_req(f, &c), STUN_A_EVEN_PORT, "\x00", 1);
	assert_int_equal(xmit(f, &c), 508);          /* only odd ones left */
	assert_int_equal(ports_used(f, AF_INET), 5);
}

/* EVEN-PORT with R: port N now, N+1 held for the token's Allocate. */
static void
test_reservation_token(void **state)
{
	struct fx *f = *state;
	struct client a, b, c;
	uint8_t token[8];
	uint16_t port;

	cli(&a, "192.0.2.10", 40001, "alice", "alice-pw");
	cli(&b, "192.0.2.10", 40002, "bob", "bob-pw");
	cli(&c, "192.0.2.10", 40003, "alice", "alice-pw");
	stun_enc_attr(alloc_req(f, &a), STUN_A_EVEN_PORT, "\x80", 1);
	assert_int_equal(xmit(f, &a), 200);
	port = relayed_port(&a);
	assert_int_equal(port % 2, 0);
	memcpy(token, attr_of(&a, STUN_A_RESERVATION_TOKEN, 8), 8);
	assert_int_equal(ports_used(f, AF_INET), 2);
	assert_true(turn_sh_port_in_use(f->srv.sh, AF_INET, port + 1));

	stun_enc_attr(alloc_req(f, &b), STUN_A_RESERVATION_TOKEN, token, 8);
	assert_int_equal(xmit(f, &b), 200);
	assert_int_equal(relayed_port(&b), port + 1);
	assert_int_equal(ports_used(f, AF_INET), 2);
	stun_enc_attr(alloc_req(f, &c), STUN_A_RESERVATION_TOKEN, token, 8);
	assert_int_equal(xmit(f, &c), 508);          /* used up */
}

static void
test_reservation_token_errors(void **state)
{
	struct fx *f = *state;
	struct client a, c;
	uint8_t token[8];

	cli(&a, "192.0.2.10", 40001, "alice", "alice-pw");
	cli(&c, "192.0.2.10", 40002, "alice", "alice-pw");
	stun_enc_attr(alloc_req(f, &c), STUN_A_RESERVATION_TOKEN,
		      "\x01\x02\x03\x04\x05\x06\x07\x08", 8);
	assert_int_equal(xmit(f, &c), 508);          /* never issued */
	stun_enc_attr(alloc_req(f, &a), STUN_A_EVEN_PORT, "\x80", 1);
	assert_int_equal(xmit(f, &a), 200);
	memcpy(token, attr_of(&a, STUN_A_RESERVATION_TOKEN, 8), 8);
	alloc_req(f, &c);
	stun_enc_attr(&c.e, STUN_A_RESERVATION_TOKEN, token, 8);
	stun_enc_attr(&c.e, STUN_A_EVEN_PORT, "\x00", 1);
	assert_int_equal(xmit(f, &c), 400);
	alloc_req(f, &c);
	stun_enc_attr(&c.e, STUN_A_RESERVATION_TOKEN, token, 8);
	stun_enc_u32(&c.e, STUN_A_REQUESTED_ADDRESS_FAMILY, 0x01u << 24);
	assert_int_equal(xmit(f, &c), 400);
	/* Held 30 s, then the sweep gives port+1 back. */
	f->now_ms += 30 * 1000;
	turn_server_tick(&f->srv, f->now_ms);
	assert_int_equal(ports_used(f, AF_INET), 1);
	stun_enc_attr(alloc_req(f, &c), STUN_A_RESERVATION_TOKEN, token, 8);
	assert_int_equal(xmit(f, &c), 508);
}

/* RFC 8656 §7.2 step 8: EVEN-PORT with R and ADDITIONAL-ADDRESS-FAMILY
 * is a 400 (else the IPv6 port+1 is taken and never given back). */
static void
test_400_reserve_with_dual(void **state)
{
	struct fx *f = *state;
	struct client c;

	with_v6(f);
	cli(&c, "192.0.2.10", 40000, "alice", "alice-pw");
	alloc_req(f, &c);
	stun_enc_attr(&c.e, STUN_A_EVEN_PORT, "\x80", 1);
	stun_enc_u32(&c.e, STUN_A_ADDITIONAL_ADDRESS_FAMILY, 0x02u << 24);
	assert_int_equal(xmit(f, &c), 400);
	assert_int_equal(ports_used(f, AF_INET) + ports_used(f, AF_INET6), 0);
}

/* A token whose Allocate failed to bind keeps its port reserved, or is
 * spent: never both a live token and a free port, which would hand one
 * relayed address to two allocations. */
static void
test_token_bind_failure_keeps_port(void **state)
{
	struct fx *f = *state;
	struct client a, b, c;
	uint8_t token[8];

	f->conf.relay_port_max = PORT_MIN + 1;
	cli(&a, "192.0.2.10", 40001, "alice", "alice-pw");
	cli(&b, "192.0.2.10", 40002, "alice", "alice-pw");
	cli(&c, "192.0.2.10", 40003, "alice", "alice-pw");
	stun_enc_attr(alloc_req(f, &a), STUN_A_EVEN_PORT, "\x80", 1);
	assert_int_equal(xmit(f, &a), 200);
	memcpy(token, attr_of(&a, STUN_A_RESERVATION_TOKEN, 8), 8);
	f->io.fail_opens = 1;
	f->io.fail_errno = EADDRINUSE;
	stun_enc_attr(alloc_req(f, &b), STUN_A_RESERVATION_TOKEN, token, 8);
	assert_int_equal(xmit(f, &b), 508);
	allocate(f, &c);                             /* 508 or PORT_MIN+1 */
	stun_enc_attr(alloc_req(f, &b), STUN_A_RESERVATION_TOKEN, token, 8);
	xmit(f, &b);                                 /* PORT_MIN+1 or 508 */
	assert_false(b.code == 200 && c.code == 200);
}

/* ---- Refresh ---- */

static void
test_refresh_437_no_allocation(void **state)
{
	struct fx *f = *state;
	struct client c;

	cli(&c, "192.0.2.10", 40000, "alice", "alice-pw");
	assert_int_equal(refresh(f, &c, 600), 437);
}

static void
test_refresh_441_other_user(void **state)
{
	struct fx *f = *state;
	struct client a, b;

	cli(&a, "192.0.2.10", 40000, "alice", "alice-pw");
	cli(&b, "192.0.2.10", 40000, "bob", "bob-pw");     /* same 5-tuple */
	assert_int_equal(allocate(f, &a), 200);
	assert_int_equal(refresh(f, &b, 0), 441);
	assert_int_equal(f->io.closes, 0);
	assert_int_equal(refresh(f, &a, -1), 200);
}

static void
test_refresh_zero_deletes(void **state)
{
	struct fx *f = *state;
	struct client c;

	cli(&c, "192.0.2.10", 40000, "alice", "alice-pw");
	assert_int_equal(allocate(f, &c), 200);
	assert_int_equal(refresh(f, &c, 0), 200);
	assert_int_equal(u32_of(&c, STUN_A_LIFETIME), 0);
	assert_int_equal(f->io.closes, 1);
	assert_int_equal(f->io.relays[0].closes, 1);
	assert_int_equal(alloc_count(f->srv.allocs), 0);
	assert_int_equal(ports_used(f, AF_INET), 0);
	assert_int_equal(f->srv.stats.allocs_deleted, 1);
	assert_int_equal(refresh(f, &c, 600), 437);
	assert_int_equal(allocate(f, &c), 200);      /* the 5-tuple is free */
}

static void
test_refresh_lifetime(void **state)
{
	struct fx *f = *state;
	struct client c;

	cli(&c, "192.0.2.10", 40000, "alice", "alice-pw");
	assert_int_equal(allocate(f, &c), 200);
	assert_int_equal(refresh(f, &c, -1), 200);
	assert_int_equal(u32_of(&c, STUN_A_LIFETIME), 600);
	assert_int_equal(refresh(f, &c, 100000), 200);
	assert_int_equal(u32_of(&c, STUN_A_LIFETIME), 3600);
	assert_int_equal(refresh(f, &c, 30), 200);
	assert_int_equal(u32_of(&c, STUN_A_LIFETIME), 30);
	f->now_ms += 29999;
	turn_server_tick(&f->srv, f->now_ms);
	assert_int_equal(f->io.closes, 0);
	f->now_ms += 1;
	assert_int_equal(refresh(f, &c, -1), 437);   /* expired, not swept */
	turn_server_tick(&f->srv, f->now_ms);
	assert_int_equal(f->io.closes, 1);
}

static void
test_expiry_closes_relays(void **state)
{
	struct fx *f = *state;
	struct client c;

	cli(&c, "192.0.2.10", 40000, "alice", "alice-pw");
	assert_int_equal(allocate(f, &c), 200);
	turn_server_tick(&f->srv, T0_MS + 599999);
	assert_int_equal(f->io.closes, 0);
	turn_server_tick(&f->srv, T0_MS + 600000);
	assert_int_equal(f->io.closes, 1);
	assert_int_equal(f->srv.stats.allocs_expired, 1);
	assert_int_equal(alloc_count(f->srv.allocs), 0);
	assert_int_equal(ports_used(f, AF_INET), 0);
	f->now_ms = T0_MS + 600000;
	assert_int_equal(refresh(f, &c, -1), 437);
}

/* An attribute after MESSAGE-INTEGRITY is not covered by it: ignored
 * (coturn took a LIFETIME 0 appended there and deleted allocations). */
static void
test_refresh_ignores_attributes_after_mi(void **state)
{
	struct fx *f = *state;
	struct client c;

	cli(&c, "192.0.2.10", 40000, "alice", "alice-pw");
	assert_int_equal(allocate(f, &c), 200);
	req(&c, STUN_REFRESH);
	sign(&c);
	stun_enc_u32(&c.e, STUN_A_LIFETIME, 0);
	assert_int_equal(transact(f, &c), 200);
	assert_int_equal(u32_of(&c, STUN_A_LIFETIME), 600);
	assert_int_equal(f->io.closes, 0);
	assert_int_equal(alloc_count(f->srv.allocs), 1);
}

/* A stream connection's allocation ends with it (RFC 8656 §5). */
static void
test_tcp_connection_closed(void **state)
{
	struct fx *f = *state;
	struct client c;
	struct turn_pkt p;

	cli(&c, "192.0.2.10", 40000, "alice", "alice-pw");
	c.tp = TP_TCP;
	assert_int_equal(allocate(f, &c), 200);
	p = pkt(f, &c);
	turn_conn_closed(&f->srv, &p);
	assert_int_equal(f->io.closes, 1);
	assert_int_equal(alloc_count(f->srv.allocs), 0);
}

/* quota.c alone: per user and in all, given back, and many users (one
 * REST name per allocation) through the table's growth. */
static void
test_quota_counts(void **state)
{
	struct quota *q;
	char name[32];

	(void)state;
	assert_int_equal(quota_new(&q), 0);
	quota_set_limits(q, 2, 3);
	assert_int_equal(quota_take(q, "alice"), 0);
	assert_int_equal(quota_take(q, "alice"), 0);
	assert_int_equal(quota_take(q, "alice"), EDQUOT);
	assert_int_equal(quota_user(q, "alice"), 2);
	assert_int_equal(quota_take(q, "bob"), 0);
	assert_int_equal(quota_take(q, "carol"), ENOSPC);
	assert_int_equal(quota_user(q, "carol"), 0);
	quota_put(q, "alice");
	assert_int_equal(quota_user(q, "alice"), 1);
	assert_int_equal(quota_take(q, "carol"), 0);
	quota_put(q, "nobody");                      /* ignored */
	quota_set_limits(q, 0, 0);
	for (int i = 0; i < 5000; i++) {
		snprintf(name, sizeof(name), "%d:user", 1700000000 + i);
		assert_int_equal(quota_take(q, name), 0);
	}
	for (int i = 0; i < 5000; i++) {
		snprintf(name, sizeof(name), "%d:user", 1700000000 + i);
		assert_int_equal(quota_user(q, name), 1);
		quota_put(q, name);
		assert_int_equal(quota_user(q, name), 0);
	}
	assert_int_equal(quota_user(q, "alice"), 1);
	quota_free(q);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_quota_counts),
		T(test_486_user_quota),
		T(test_no_user_quota_by_default),
		T(test_quota_defaults),
		T(test_486_anon_per_source),
		T(test_508_anon_total),
		T(test_508_total_quota),
		T(test_508_ports_exhausted),
		T(test_eaddrinuse_then_success),
		T(test_relay_open_error),
		T(test_even_port),
		T(test_reservation_token),
		T(test_reservation_token_errors),
		T(test_400_reserve_with_dual),
		T(test_token_bind_failure_keeps_port),
		T(test_refresh_437_no_allocation),
		T(test_refresh_441_other_user),
		T(test_refresh_zero_deletes),
		T(test_refresh_lifetime),
		T(test_expiry_closes_relays),
		T(test_refresh_ignores_attributes_after_mi),
		T(test_tcp_connection_closed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
