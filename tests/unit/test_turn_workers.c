/*
 * Two TURN cores sharing one turn_shared, as two worker threads do:
 * what must hold across them (relay ports, quotas, reservation tokens,
 * the relay-to-relay exemption for another worker's relayed address)
 * through the fake I/O port and clock. The second core is swapped into
 * f->srv to take requests.
 */
#include "turn_fx.h"

struct worker2 {
	struct turn_server core;
	bool up;
};

static void
other_up(struct fx *f, struct worker2 *w)
{
	assert_int_equal(turn_server_init_shared(&w->core, &f->conf, &f->port,
						 f->auth, 43,
						 server(f)->sh), 0);
	w->up = true;
}

/* Requests from now on go to the other core (call again to go back). */
static void
swap(struct fx *f, struct worker2 *w)
{
	struct turn_server t = f->srv;

	f->srv = w->core;
	w->core = t;
}

/* The other core goes first: the shared state is the first core's. */
static void
other_down(struct worker2 *w)
{
	if (w->up)
		turn_server_fini(&w->core);
	w->up = false;
}

/* Loopback relays, denied by the default policy: only the relay-to-relay
 * exemption lets a permission through, for the other core's allocation
 * too, and only while it lives. */
static void
test_relay_to_relay_across_cores(void **state)
{
	struct fx *f = *state;
	struct worker2 w = { 0 };
	struct client a, b;
	struct sockaddr_storage ra, rb, unbound;
	uint16_t port;

	other_up(f, &w);
	cli(&a, "192.0.2.10", 40000, "alice", "alice-pw");
	cli(&b, "192.0.2.11", 40000, "bob", "bob-pw");
	assert_int_equal(allocate(f, &a), 200);   /* on core 1 */
	ra = a.relay[0];
	swap(f, &w);
	assert_int_equal(allocate(f, &b), 200);   /* on core 2 */
	rb = b.relay[0];
	assert_int_not_equal(addr_port(SA(&ra)), addr_port(SA(&rb)));
	assert_int_equal(create_perm(f, &b, &ra, 1), 200);
	/* Data to it leaves through the kernel (the fake relay_send). */
	assert_int_equal(send_ind(f, &b, &ra, "ping", 4), 0);
	assert_int_equal(f->io.relay_sends, 1);
	assert_int_equal(f->srv.stats.relay_internal, 0);
	for (port = PORT_MIN; port == addr_port(SA(&ra)) ||
	     port == addr_port(SA(&rb)); port++)
		;
	unbound = ipp("127.0.0.1", port);
	assert_int_equal(create_perm(f, &b, &unbound, 1), 403);
	swap(f, &w);
	assert_int_equal(create_perm(f, &a, &rb, 1), 200);
	assert_int_equal(refresh(f, &a, 0), 200); /* a's relay is gone */
	swap(f, &w);
	assert_int_equal(create_perm(f, &b, &ra, 1), 403);
	swap(f, &w);
	other_down(&w);
}

/* external-ip = "203.0.113.5", or "203.0.113.5/127.0.0.1" (private). */
static void
external_ip(struct fx *f, bool with_private)
{
	struct conf_external_ip *x = &f->conf.external_ip[0];

	assert_int_equal(addr_parse("203.0.113.5", 0, &x->public_ip), 0);
	if (with_private)
		assert_int_equal(addr_parse("127.0.0.1", 0, &x->private_ip), 0);
	else
		x->private_ip.ss_family = AF_UNSPEC;
	f->conf.nexternal_ip = 1;
}

/* With external-ip the clients know each relay by its advertised
 * address; the kernel by the bound one. Across cores a Send to an
 * advertised relay leaves for the bound address, and what arrives from a
 * bound relay address is mapped back to the advertised one (only for an
 * address a relay is bound on); on one core it is delivered inside. */
static void
external_ip_relay_to_relay(struct fx *f, bool with_private)
{
	struct worker2 w = { 0 };
	struct client a, a2, b;
	struct sockaddr_storage ra, ra2, rb, bound, unbound, outside;
	uint16_t port;

	external_ip(f, with_private);
	other_up(f, &w);
	cli(&a, "192.0.2.10", 40000, "alice", "alice-pw");
	cli(&a2, "192.0.2.10", 40001, "alice", "alice-pw");
	cli(&b, "192.0.2.11", 40000, "bob", "bob-pw");
	assert_int_equal(allocate(f, &a), 200);   /* on core 1 */
	assert_int_equal(allocate(f, &a2), 200);  /* on core 1 */
	ra = a.relay[0];
	ra2 = a2.relay[0];
	swap(f, &w);
	assert_int_equal(allocate(f, &b), 200);   /* on core 2 */
	rb = b.relay[0];
	bound = ipp("203.0.113.5", addr_port(SA(&rb)));
	assert_true(addr_eq(SA(&rb), SA(&bound)));      /* advertised */
	/* b -> a: out through the kernel, to a's bound address. */
	assert_int_equal(create_perm(f, &b, &ra, 1), 200);
	assert_int_equal(send_ind(f, &b, &ra, "ping", 4), 0);
	assert_int_equal(f->io.relay_sends, 1);
	bound = ipp("127.0.0.1", addr_port(SA(&ra)));
	assert_true(addr_eq(SA(&f->io.rs_peer), SA(&bound)));
	swap(f, &w);
	/* ... and back in on core 1 from b's bound address. */
	assert_int_equal(create_perm(f, &a, &rb, 1), 200);
	bound = ipp("127.0.0.1", addr_port(SA(&rb)));
	assert_int_equal(from_peer(f, alloc_of(f, &a), &bound, "pong", 4), 1);
	assert_data_ind(f, &a, &rb, "pong", 4);
	/* a -> a2 on the same core: inside, seen from a's advertised one. */
	assert_int_equal(create_perm(f, &a2, &ra, 1), 200);
	assert_int_equal(create_perm(f, &a, &ra2, 1), 200);
	assert_int_equal(send_ind(f, &a, &ra2, "in", 2), 1);
	assert_int_equal(f->srv.stats.relay_internal, 1);
	assert_data_ind(f, &a2, &ra, "in", 2);
	/* In the range but no relay bound there; outside the range. */
	for (port = PORT_MIN; port == addr_port(SA(&ra)) ||
	     port == addr_port(SA(&ra2)) || port == addr_port(SA(&rb)); port++)
		;
	unbound = ipp("127.0.0.1", port);
	outside = ipp("127.0.0.1", PORT_MAX + 1);
	assert_int_equal(from_peer(f, alloc_of(f, &a), &unbound, "x", 1), 0);
	assert_int_equal(from_peer(f, alloc_of(f, &a), &outside, "x", 1), 0);
	assert_int_equal(f->srv.stats.no_perm_drops, 2);
	/* b's allocation goes: its bound address is no longer mapped. */
	swap(f, &w);
	assert_int_equal(refresh(f, &b, 0), 200);
	swap(f, &w);
	assert_int_equal(from_peer(f, alloc_of(f, &a), &bound, "x", 1), 0);
	assert_int_equal(f->srv.stats.no_perm_drops, 3);
	other_down(&w);
}

static void
test_external_ip_public_only(void **state)
{
	external_ip_relay_to_relay(*state, false);
}

static void
test_external_ip_public_private(void **state)
{
	external_ip_relay_to_relay(*state, true);
}

/* user-quota and total-quota count every core's allocations. */
static void
test_quota_across_cores(void **state)
{
	struct fx *f = *state;
	struct worker2 w = { 0 };
	struct client a1, a2, b;

	f->conf.user_quota = 1;
	f->conf.total_quota = 2;
	other_up(f, &w);
	cli(&a1, "192.0.2.10", 40001, "alice", "alice-pw");
	cli(&a2, "192.0.2.10", 40002, "alice", "alice-pw");
	cli(&b, "192.0.2.10", 40003, "bob", "bob-pw");
	assert_int_equal(allocate(f, &a1), 200);
	swap(f, &w);
	assert_int_equal(allocate(f, &a2), 486);
	assert_int_equal(allocate(f, &b), 200);
	swap(f, &w);
	assert_int_equal(refresh(f, &a1, 0), 200);
	swap(f, &w);
	assert_int_equal(allocate(f, &a2), 200);  /* given back on core 1 */
	swap(f, &w);
	other_down(&w);                           /* its two go with it */
	assert_int_equal(allocate(f, &a1), 200);
}

/* Relay ports come from one pool: the cores never share one, and the
 * range runs out for both at once. */
static void
test_ports_shared(void **state)
{
	struct fx *f = *state;
	struct worker2 w = { 0 };
	struct client c[PORT_MAX - PORT_MIN + 2];
	bool seen[PORT_MAX - PORT_MIN + 1] = { false };

	f->conf.user_quota = 0;
	other_up(f, &w);
	for (unsigned i = 0; i <= PORT_MAX - PORT_MIN; i++) {
		if (i % 2)
			swap(f, &w);
		cli(&c[i], "192.0.2.10", (uint16_t)(40000 + i), "alice",
		    "alice-pw");
		assert_int_equal(allocate(f, &c[i]), 200);
		assert_false(seen[relayed_port(&c[i]) - PORT_MIN]);
		seen[relayed_port(&c[i]) - PORT_MIN] = true;
		if (i % 2)
			swap(f, &w);
	}
	cli(&c[PORT_MAX - PORT_MIN + 1], "192.0.2.10", 41000, "alice",
	    "alice-pw");
	assert_int_equal(allocate(f, &c[PORT_MAX - PORT_MIN + 1]), 508);
	swap(f, &w);
	assert_int_equal(allocate(f, &c[PORT_MAX - PORT_MIN + 1]), 508);
	swap(f, &w);
	other_down(&w);
}

/* EVEN-PORT R on one core; its RESERVATION-TOKEN on the other gets the
 * held port, once. */
static void
test_token_across_cores(void **state)
{
	struct fx *f = *state;
	struct worker2 w = { 0 };
	struct client a, b, c;
	uint8_t token[8];
	uint16_t port;

	other_up(f, &w);
	cli(&a, "192.0.2.10", 40001, "alice", "alice-pw");
	cli(&b, "192.0.2.10", 40002, "bob", "bob-pw");
	cli(&c, "192.0.2.10", 40003, "bob", "bob-pw");
	stun_enc_attr(alloc_req(f, &a), STUN_A_EVEN_PORT, "\x80", 1);
	assert_int_equal(xmit(f, &a), 200);
	port = relayed_port(&a);
	memcpy(token, attr_of(&a, STUN_A_RESERVATION_TOKEN, 8), 8);
	swap(f, &w);
	stun_enc_attr(alloc_req(f, &b), STUN_A_RESERVATION_TOKEN, token, 8);
	assert_int_equal(xmit(f, &b), 200);
	assert_int_equal(relayed_port(&b), port + 1);
	swap(f, &w);
	stun_enc_attr(alloc_req(f, &c), STUN_A_RESERVATION_TOKEN, token, 8);
	assert_int_equal(xmit(f, &c), 508);       /* spent */
	other_down(&w);
}

/* Session ids stay unique across cores. */
static void
test_session_ids_unique(void **state)
{
	struct fx *f = *state;
	struct worker2 w = { 0 };
	struct client a, b;
	uint64_t ida;

	other_up(f, &w);
	cli(&a, "192.0.2.10", 40001, "alice", "alice-pw");
	cli(&b, "192.0.2.10", 40002, "bob", "bob-pw");
	assert_int_equal(allocate(f, &a), 200);
	ida = alloc_of(f, &a)->id;
	swap(f, &w);
	assert_int_equal(allocate(f, &b), 200);
	assert_int_not_equal(alloc_of(f, &b)->id, ida);
	swap(f, &w);
	other_down(&w);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_relay_to_relay_across_cores),
		T(test_external_ip_public_only),
		T(test_external_ip_public_private),
		T(test_quota_across_cores),
		T(test_ports_shared),
		T(test_token_across_cores),
		T(test_session_ids_unique),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
