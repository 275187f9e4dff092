/*
 * The TURN core (src/turn) through a fake I/O port and a fake clock:
 * authentication and Allocate, every error they answer (turn_fx.h).
 */
#include "turn_fx.h"

/* ---- authentication ---- */

static void
test_401_challenge(void **state)
{
	struct fx *f = *state;
	struct client c;
	char nonce[AUTH_NONCE_MAX];
	size_t n;

	cli(&c, "192.0.2.10", 40000, "alice", "alice-pw");
	login(f, &c);
	n = auth_nonce_make(f->auth, SA(&c.addr), f->wall_s, nonce,
			    sizeof(nonce));
	assert_true(n > 0);
	assert_string_equal(c.nonce, nonce);
	assert_int_equal(c.rep.mi, -1);
	assert_null(stun_find(&c.rep, STUN_A_XOR_RELAYED_ADDRESS));
	/* Amplification: a small answer to an unauthenticated source. */
	assert_true(last_sent(f)->len <= 128);
	assert_int_equal(f->srv.stats.auth_fail[1], 1);
	assert_int_equal(f->io.open_calls, 0);
	assert_int_equal(alloc_count(f->srv.allocs), 0);
}

static void
test_401_wrong_password(void **state)
{
	struct fx *f = *state;
	struct client c;

	cli(&c, "192.0.2.10", 40000, "alice", "not-alice-pw");
	assert_int_equal(allocate(f, &c), 401);
	assert_int_equal(c.rep.mi, -1);              /* no key to sign with */
	assert_non_null(stun_find(&c.rep, STUN_A_NONCE));
	assert_int_equal(f->srv.stats.auth_fail[1], 2);
	assert_int_equal(f->io.open_calls, 0);
	assert_int_equal(alloc_count(f->srv.allocs), 0);
	assert_int_equal(ports_used(f, AF_INET), 0);

	c.user = "mallory";                          /* unknown user */
	assert_int_equal(allocate(f, &c), 401);
}

static void
test_438_stale_nonce(void **state)
{
	struct fx *f = *state;
	struct client c;
	char old[AUTH_NONCE_MAX];

	cli(&c, "192.0.2.10", 40000, "alice", "alice-pw");
	login(f, &c);
	strcpy(old, c.nonce);
	f->wall_s += f->conf.nonce_lifetime + 1;
	assert_int_equal(allocate(f, &c), 438);
	assert_int_equal(f->srv.stats.auth_fail[2], 1);
	assert_int_equal(alloc_count(f->srv.allocs), 0);
	take_challenge(&c);                          /* a fresh nonce */
	assert_string_not_equal(c.nonce, old);
	assert_int_equal(allocate(f, &c), 200);
}

/* A Refresh with lifetime 0 signed with the wrong key deletes nothing. */
static void
test_failed_auth_changes_nothing(void **state)
{
	struct fx *f = *state;
	struct client c, m;

	cli(&c, "192.0.2.10", 40000, "alice", "alice-pw");
	assert_int_equal(allocate(f, &c), 200);
	m = c;                                       /* same 5-tuple, nonce */
	assert_int_equal(auth_ltc_key(AUTH_ALG_MD5, "alice", REALM, "guess",
				      &m.key), 0);
	assert_int_equal(refresh(f, &m, 0), 401);
	assert_int_equal(f->io.closes, 0);
	assert_int_equal(alloc_count(f->srv.allocs), 1);
	assert_int_equal(f->srv.stats.allocs_deleted, 0);
	assert_int_equal(refresh(f, &c, -1), 200);
}

static void
test_420_unknown_attribute(void **state)
{
	struct fx *f = *state;
	struct client c;

	cli(&c, "192.0.2.10", 40000, "alice", "alice-pw");
	stun_enc_u32(alloc_req(f, &c), 0x7abc, 0);
	assert_int_equal(xmit(f, &c), 420);
	assert_memory_equal(attr_of(&c, STUN_A_UNKNOWN_ATTRIBUTES, 2),
			    "\x7a\xbc", 2);
	assert_int_equal(f->io.open_calls, 0);
	assert_int_equal(alloc_count(f->srv.allocs), 0);
}

/* ---- Allocate: attribute errors ---- */

static void
test_400_no_requested_transport(void **state)
{
	struct fx *f = *state;
	struct client c;

	cli(&c, "192.0.2.10", 40000, "alice", "alice-pw");
	login(f, &c);
	req(&c, STUN_ALLOCATE);
	assert_int_equal(xmit(f, &c), 400);
	assert_int_equal(alloc_count(f->srv.allocs), 0);
	req(&c, STUN_ALLOCATE);                      /* malformed: 2 bytes */
	stun_enc_attr(&c.e, STUN_A_REQUESTED_TRANSPORT, "\x11\x00", 2);
	assert_int_equal(xmit(f, &c), 400);
}

static void
test_442_unsupported_transport(void **state)
{
	struct fx *f = *state;
	struct client c;

	cli(&c, "192.0.2.10", 40000, "alice", "alice-pw");
	login(f, &c);
	req(&c, STUN_ALLOCATE);
	stun_enc_u32(&c.e, STUN_A_REQUESTED_TRANSPORT, 6u << 24);   /* TCP */
	assert_int_equal(xmit(f, &c), 442);
	req(&c, STUN_ALLOCATE);
	stun_enc_u32(&c.e, STUN_A_REQUESTED_TRANSPORT, 1u << 24);   /* ICMP */
	assert_int_equal(xmit(f, &c), 442);
	assert_int_equal(f->io.open_calls, 0);
	assert_int_equal(alloc_count(f->srv.allocs), 0);
}

static void
test_440_address_family(void **state)
{
	struct fx *f = *state;
	struct client c;

	cli(&c, "192.0.2.10", 40000, "alice", "alice-pw");
	stun_enc_u32(alloc_req(f, &c), STUN_A_REQUESTED_ADDRESS_FAMILY,
		     0x03u << 24);
	assert_int_equal(xmit(f, &c), 440);
	/* IPv6 with no IPv6 address to relay on (listen is [::] only). */
	stun_enc_u32(alloc_req(f, &c), STUN_A_REQUESTED_ADDRESS_FAMILY,
		     0x02u << 24);
	assert_int_equal(xmit(f, &c), 440);
	assert_int_equal(f->io.open_calls, 0);
	assert_int_equal(alloc_count(f->srv.allocs), 0);
}

/* An IPv6 client of the wildcard listeners that asks no family gets an
 * IPv4 relay (RFC 8656 §7.2): a loopback one for ::1 (a browser on the
 * server's own machine), else one of the host's addresses. With no
 * IPv4 listener there is none to give: 440. */
static void
test_ipv6_client_default_ipv4_relay(void **state)
{
	struct fx *f = *state;
	struct client c, d;
	struct sockaddr_storage r[2];
	struct cidr host[2];

	assert_int_equal(addr_parse("[::1]:3478", 0, &f->local), 0);
	cli(&c, "::1", 40000, "alice", "alice-pw");
	assert_int_equal(allocate(f, &c), 200);
	assert_int_equal(relayed(&c, r), 1);
	assert_int_equal(r[0].ss_family, AF_INET);
	assert_string_equal(inet_ntoa(((struct sockaddr_in *)&r[0])->sin_addr),
			    "127.0.0.1");
	assert_int_equal(cidr_parse("127.0.0.0/8", &host[0]), 0);
	assert_int_equal(cidr_parse("203.0.113.7", &host[1]), 0);
	turn_shared_set_host(server(f)->sh, host, 2);
	assert_int_equal(addr_parse("[2001:db8::1]:3478", 0, &f->local), 0);
	cli(&d, "2001:db8::5", 40000, "alice", "alice-pw");
	assert_int_equal(allocate(f, &d), 200);
	assert_int_equal(relayed(&d, r), 1);
	assert_string_equal(inet_ntoa(((struct sockaddr_in *)&r[0])->sin_addr),
			    "203.0.113.7");
}

static void
test_ipv6_client_no_ipv4_listener(void **state)
{
	struct fx *f = *state;
	struct client c;

	assert_int_equal(addr_parse("[::]:3478", 0, &f->conf.listen[0]), 0);
	f->conf.nlisten = 1;
	assert_int_equal(addr_parse("[::1]:3478", 0, &f->local), 0);
	cli(&c, "::1", 40000, "alice", "alice-pw");
	assert_int_equal(allocate(f, &c), 440);
}

static void
test_400_family_attribute_combinations(void **state)
{
	struct fx *f = *state;
	struct client c;

	with_v6(f);
	cli(&c, "192.0.2.10", 40000, "alice", "alice-pw");
	alloc_req(f, &c);
	stun_enc_u32(&c.e, STUN_A_REQUESTED_ADDRESS_FAMILY, 0x01u << 24);
	stun_enc_u32(&c.e, STUN_A_ADDITIONAL_ADDRESS_FAMILY, 0x02u << 24);
	assert_int_equal(xmit(f, &c), 400);
	stun_enc_u32(alloc_req(f, &c), STUN_A_ADDITIONAL_ADDRESS_FAMILY,
		     0x01u << 24);
	assert_int_equal(xmit(f, &c), 400);
	assert_int_equal(f->io.open_calls, 0);
}

/* ---- Allocate: success paths ---- */

static void
test_allocate_ok(void **state)
{
	struct fx *f = *state;
	struct client c;
	struct sockaddr_storage r[2], mapped;

	cli(&c, "192.0.2.10", 40000, "alice", "alice-pw");
	assert_int_equal(allocate(f, &c), 200);
	assert_int_equal(relayed(&c, r), 1);
	assert_int_equal(r[0].ss_family, AF_INET);
	assert_true(addr_ip_eq(SA(&r[0]), SA(&f->local)));
	assert_in_range(addr_port(SA(&r[0])), PORT_MIN, PORT_MAX);
	assert_true(addr_eq(SA(&r[0]), &f->io.relays[0].addr.sa));
	assert_int_equal(u32_of(&c, STUN_A_LIFETIME), 600);
	assert_int_equal(stun_attr_addr(&c.rep, stun_find(&c.rep,
				STUN_A_XOR_MAPPED_ADDRESS), true, &mapped), 0);
	assert_true(addr_eq(SA(&mapped), SA(&c.addr)));
	assert_null(stun_find(&c.rep, STUN_A_RESERVATION_TOKEN));
	assert_int_equal(f->io.open_calls, 1);
	assert_ptr_equal(f->io.relays[0].owner, alloc_by_relay(f->srv.allocs,
							      SA(&r[0])));
	assert_int_equal(ports_used(f, AF_INET), 1);
	assert_int_equal(f->srv.stats.allocs_created, 1);
	assert_int_equal(f->srv.stats.resp[200], 1);
}

static void
test_dual_allocation(void **state)
{
	struct fx *f = *state;
	struct client c;
	struct sockaddr_storage r[2], v6 = ipp("2001:db8::1", 0);

	with_v6(f);
	cli(&c, "192.0.2.10", 40000, "alice", "alice-pw");
	stun_enc_u32(alloc_req(f, &c), STUN_A_ADDITIONAL_ADDRESS_FAMILY,
		     0x02u << 24);
	assert_int_equal(xmit(f, &c), 200);
	assert_int_equal(relayed(&c, r), 2);
	assert_int_equal(r[0].ss_family, AF_INET);
	assert_int_equal(r[1].ss_family, AF_INET6);
	assert_true(addr_ip_eq(SA(&r[1]), SA(&v6)));
	assert_in_range(addr_port(SA(&r[1])), PORT_MIN, PORT_MAX);
	assert_null(stun_find(&c.rep, STUN_A_ADDRESS_ERROR_CODE));
	assert_int_equal(f->io.open_calls, 2);
	assert_int_equal(ports_used(f, AF_INET6), 1);
	assert_int_equal(refresh(f, &c, 0), 200);    /* closes both */
	assert_int_equal(f->io.closes, 2);
	assert_int_equal(ports_used(f, AF_INET) + ports_used(f, AF_INET6), 0);
}

/* Dual without an IPv6 address: IPv4 only, ADDRESS-ERROR-CODE 440. */
static void
test_dual_partial_440(void **state)
{
	struct fx *f = *state;
	struct client c;
	struct sockaddr_storage r[2];

	cli(&c, "192.0.2.10", 40000, "alice", "alice-pw");
	stun_enc_u32(alloc_req(f, &c), STUN_A_ADDITIONAL_ADDRESS_FAMILY,
		     0x02u << 24);
	assert_int_equal(xmit(f, &c), 200);
	assert_int_equal(relayed(&c, r), 1);
	assert_int_equal(r[0].ss_family, AF_INET);
	assert_memory_equal(attr_of(&c, STUN_A_ADDRESS_ERROR_CODE, 4),
			    "\x02\x00\x04\x28", 4);
}

/* RFC 8656 §7.2 step 9: IPv6 is supported but no port could be bound:
 * ADDRESS-ERROR-CODE says 508, not 440. */
static void
test_dual_partial_508(void **state)
{
	struct fx *f = *state;
	struct client c;
	struct sockaddr_storage r[2];

	with_v6(f);
	f->io.fail_opens = 1000;
	f->io.fail_errno = EADDRINUSE;
	f->io.fail_family = AF_INET6;
	cli(&c, "192.0.2.10", 40000, "alice", "alice-pw");
	stun_enc_u32(alloc_req(f, &c), STUN_A_ADDITIONAL_ADDRESS_FAMILY,
		     0x02u << 24);
	assert_int_equal(xmit(f, &c), 200);
	assert_int_equal(relayed(&c, r), 1);
	assert_int_equal(ports_used(f, AF_INET6), 0);
	assert_memory_equal(attr_of(&c, STUN_A_ADDRESS_ERROR_CODE, 4),
			    "\x02\x00\x05\x08", 4);
}

static void
test_437_second_allocate(void **state)
{
	struct fx *f = *state;
	struct client c;

	cli(&c, "192.0.2.10", 40000, "alice", "alice-pw");
	assert_int_equal(allocate(f, &c), 200);
	assert_int_equal(allocate(f, &c), 437);      /* new transaction id */
	assert_int_equal(alloc_count(f->srv.allocs), 1);
	assert_int_equal(f->io.open_calls, 1);
}

static void
test_retransmitted_allocate(void **state)
{
	struct fx *f = *state;
	struct client c;
	uint16_t port;

	cli(&c, "192.0.2.10", 40000, "alice", "alice-pw");
	assert_int_equal(allocate(f, &c), 200);
	port = relayed_port(&c);
	assert_int_equal(roundtrip(f, &c), 200);     /* same bytes, same tid */
	assert_int_equal(relayed_port(&c), port);
	assert_int_equal(u32_of(&c, STUN_A_LIFETIME), 600);
	assert_int_equal(f->io.open_calls, 1);
	assert_int_equal(f->srv.stats.allocs_created, 1);
}

static void
test_lifetime_clamped(void **state)
{
	struct fx *f = *state;
	static const uint32_t want[] = { 10, 1200, 100000 }, got[] = { 600, 1200, 3600 };
	struct client c;

	for (unsigned i = 0; i < 3; i++) {
		cli(&c, "192.0.2.10", (uint16_t)(40000 + i), "alice", "alice-pw");
		stun_enc_u32(alloc_req(f, &c), STUN_A_LIFETIME, want[i]);
		assert_int_equal(xmit(f, &c), 200);
		assert_int_equal(u32_of(&c, STUN_A_LIFETIME), got[i]);
	}
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_401_challenge),
		T(test_401_wrong_password),
		T(test_438_stale_nonce),
		T(test_failed_auth_changes_nothing),
		T(test_420_unknown_attribute),
		T(test_400_no_requested_transport),
		T(test_442_unsupported_transport),
		T(test_440_address_family),
		T(test_ipv6_client_default_ipv4_relay),
		T(test_ipv6_client_no_ipv4_listener),
		T(test_400_family_attribute_combinations),
		T(test_allocate_ok),
		T(test_dual_allocation),
		T(test_dual_partial_440),
		T(test_dual_partial_508),
		T(test_437_second_allocate),
		T(test_retransmitted_allocate),
		T(test_lifetime_clamped),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
