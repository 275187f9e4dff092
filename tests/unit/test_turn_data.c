/*
 * The TURN core's data path through a fake I/O port and a fake clock:
 * CreatePermission and each error it answers, Send indications, Data
 * indications from peers, permission expiry, relay to relay inside the
 * server (turn_fx.h). Channels are in test_turn_chan.c.
 */
#include "turn_fx.h"

/* Peers the default policy allows (not special-purpose ranges), on a
 * port that is not a listener's (a wildcard listener on 3478 stands for
 * every IP, so IP:3478 is refused as "listener"). */
#define PEER   "93.184.216.34"
#define PEER2  "151.101.1.69"
#define PEER6  "2a00:1450:4001:800::200e"
#define PPORT  5000

static void
ready(struct fx *f, struct client *c)
{
	cli(c, "192.0.2.10", 40000, "alice", "alice-pw");
	assert_int_equal(allocate(f, c), 200);
}

/* ---- CreatePermission: errors ---- */

/* RFC 8656 §10.2 (RFC 5766 §9.2): no XOR-PEER-ADDRESS is 400. */
static void
test_perm_400_no_peer(void **state)
{
	struct fx *f = *state;
	struct client c;

	ready(f, &c);
	assert_int_equal(create_perm(f, &c, NULL, 0), 400);
	assert_int_equal(alloc_of(f, &c)->nperms, 0);
}

/* §10.2: an invalid XOR-PEER-ADDRESS is 400: a length that is neither
 * IPv4's 8 nor IPv6's 20, a family byte that is neither 1 nor 2, or a
 * family that does not match the length. */
static void
test_perm_400_malformed_peer(void **state)
{
	static const struct {
		uint8_t v[20];
		size_t len;
	} bad[] = {
		{ { 0, 1, 0x12, 0x34, 1, 2, 3 }, 6 },            /* short */
		{ { 0, 1, 0x12, 0x34, 1, 2, 3, 4, 5, 6, 7, 8 }, 12 },
		{ { 0, 3, 0x12, 0x34, 1, 2, 3, 4 }, 8 },         /* family 3 */
		{ { 0, 0, 0x12, 0x34, 1, 2, 3, 4 }, 8 },         /* family 0 */
		{ { 0, 2, 0x12, 0x34, 1, 2, 3, 4 }, 8 },         /* v6, 8 bytes */
		{ { 0, 1, 0x12, 0x34, 1, 2, 3, 4 }, 20 },        /* v4, 20 */
	};
	struct fx *f = *state;
	struct client c;
	struct sockaddr_storage good = ipp(PEER, PPORT);

	ready(f, &c);
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		req(&c, STUN_CREATE_PERMISSION);
		stun_enc_attr(&c.e, STUN_A_XOR_PEER_ADDRESS, bad[i].v,
			      bad[i].len);
		assert_int_equal(xmit(f, &c), 400);
	}
	/* One bad among good ones spoils the request: nothing installed. */
	req(&c, STUN_CREATE_PERMISSION);
	stun_enc_addr(&c.e, STUN_A_XOR_PEER_ADDRESS, SA(&good), true);
	stun_enc_attr(&c.e, STUN_A_XOR_PEER_ADDRESS, bad[2].v, bad[2].len);
	assert_int_equal(xmit(f, &c), 400);
	assert_int_equal(alloc_of(f, &c)->nperms, 0);
}

/* RFC 8656 §10.1: "The port portion of each XOR-PEER-ADDRESS attribute
 * will be ignored and can be any arbitrary value" (the RFC's own example
 * in Appendix B sends 192.0.2.150:0). Port 0 used to be a 400. */
static void
test_perm_port_ignored(void **state)
{
	struct fx *f = *state;
	struct client c;
	struct sockaddr_storage p = ipp(PEER, 9);

	ready(f, &c);
	assert_int_equal(perm1(f, &c, PEER, 0), 200);
	assert_int_equal(send_ind(f, &c, &p, "x", 1), 0);
	assert_int_equal(f->io.relay_sends, 1);
	assert_relayed(f, &c, &p, "x", 1);
	/* Port 0 does not open a denied IP. */
	assert_int_equal(perm1(f, &c, "10.0.0.1", 0), 403);
	assert_int_equal(perm1(f, &c, "0.0.0.0", 0), 403);
	assert_int_equal(alloc_of(f, &c)->nperms, 1);
}

/* §10.2: the server MAY refuse peers: 403. The default policy refuses
 * loopback, private and link-local (cloud metadata) addresses in every
 * spelling, and installs nothing for a refused request. */
static void
test_perm_403_denied_peers(void **state)
{
	static const char *denied[] = {
		"127.0.0.1", "10.0.0.1", "169.254.169.254", "192.168.1.1",
		"172.16.0.1", "100.64.0.1", "224.0.0.1",
	};
	struct fx *f = *state;
	struct client c;
	struct sockaddr_storage p;

	ready(f, &c);
	for (size_t i = 0; i < sizeof(denied) / sizeof(*denied); i++) {
		assert_int_equal(perm1(f, &c, denied[i], PPORT), 403);
		p = ipp(denied[i], PPORT);
		assert_int_equal(send_ind(f, &c, &p, "x", 1), 0);
		assert_int_equal(from_peer(f, alloc_of(f, &c), &p, "y", 1), 0);
	}
	assert_int_equal(f->io.relay_sends, 0);
	assert_int_equal(alloc_of(f, &c)->nperms, 0);
	assert_int_equal(f->srv.stats.peer_denied, 7);
	assert_int_equal(f->srv.stats.resp[403], 7);
}

/* §10.2: the permissions of a request are installed all or none. */
static void
test_perm_403_installs_none(void **state)
{
	struct fx *f = *state;
	struct client c;
	struct sockaddr_storage p[2] = { ipp(PEER, PPORT), ipp("10.0.0.1", 1) };

	ready(f, &c);
	assert_int_equal(create_perm(f, &c, p, 2), 403);
	assert_int_equal(send_ind(f, &c, &p[0], "x", 1), 0);
	assert_int_equal(f->io.relay_sends, 0);
	assert_int_equal(f->srv.stats.no_perm_drops, 1);
	assert_int_equal(from_peer(f, alloc_of(f, &c), &p[0], "y", 1), 0);
}

/* IPv4 in IPv6 clothing is judged as IPv4; on an IPv4-only allocation
 * it is first a family mismatch (§10.2: 443). */
static void
test_perm_mapped_v4(void **state)
{
	struct fx *f = *state;
	struct client c;

	with_v6(f);
	cli(&c, "192.0.2.10", 40000, "alice", "alice-pw");
	assert_int_equal(allocate(f, &c), 200);
	assert_int_equal(perm1(f, &c, "::ffff:127.0.0.1", PPORT), 443);
	cli(&c, "192.0.2.10", 40001, "alice", "alice-pw");
	stun_enc_u32(alloc_req(f, &c), STUN_A_ADDITIONAL_ADDRESS_FAMILY,
		     0x02u << 24);
	assert_int_equal(xmit(f, &c), 200);
	assert_int_equal(perm1(f, &c, "::ffff:127.0.0.1", PPORT), 403);
	assert_int_equal(perm1(f, &c, "::ffff:169.254.169.254", PPORT), 403);
	assert_int_equal(perm1(f, &c, "::10.0.0.1", PPORT), 403);
	assert_int_equal(perm1(f, &c, "::1", PPORT), 403);
	assert_int_equal(perm1(f, &c, PEER6, PPORT), 200);
	assert_int_equal(alloc_of(f, &c)->nperms, 1);
}

/* §10.2: a peer of a family the allocation has no relayed address of. */
static void
test_perm_443_family(void **state)
{
	struct fx *f = *state;
	struct client c;
	struct sockaddr_storage p[2] = { ipp(PEER, PPORT), ipp(PEER6, PPORT) };

	ready(f, &c);
	assert_int_equal(perm1(f, &c, PEER6, PPORT), 443);
	assert_int_equal(create_perm(f, &c, p, 2), 443);
	assert_int_equal(alloc_of(f, &c)->nperms, 0);
	assert_int_equal(f->srv.stats.resp[443], 2);
}

/* RFC 8656 §5: a request other than Allocate with no allocation on its
 * 5-tuple is 437. */
static void
test_perm_437_no_allocation(void **state)
{
	struct fx *f = *state;
	struct client c, d;

	cli(&c, "192.0.2.10", 40000, "alice", "alice-pw");
	assert_int_equal(perm1(f, &c, PEER, PPORT), 437);
	/* An allocation elsewhere does not count. */
	ready(f, &d);
	cli(&c, "192.0.2.10", 40001, "alice", "alice-pw");
	assert_int_equal(perm1(f, &c, PEER, PPORT), 437);
	/* Nor one past its lifetime, swept or not. */
	f->now_ms += 600 * 1000;
	assert_int_equal(perm1(f, &d, PEER, PPORT), 437);
	assert_int_equal(f->srv.stats.resp[437], 3);
}

/* §5: requests on an allocation must carry its username: 441. */
static void
test_perm_441_wrong_user(void **state)
{
	struct fx *f = *state;
	struct client a, b;

	ready(f, &a);
	cli(&b, "192.0.2.10", 40000, "bob", "bob-pw");   /* same 5-tuple */
	assert_int_equal(perm1(f, &b, PEER, PPORT), 441);
	assert_int_equal(alloc_of(f, &a)->nperms, 0);
	assert_int_equal(perm1(f, &a, PEER, PPORT), 200);
}

/* RFC 8489 §9.2: unsigned, wrongly signed: 401; stale nonce: 438; no
 * permission is installed either way. */
static void
test_perm_401_438(void **state)
{
	struct fx *f = *state;
	struct client c, m;
	struct sockaddr_storage p = ipp(PEER, PPORT);

	ready(f, &c);
	req(&c, STUN_CREATE_PERMISSION);
	stun_enc_addr(&c.e, STUN_A_XOR_PEER_ADDRESS, SA(&p), true);
	assert_int_equal(transact(f, &c), 401);
	assert_non_null(stun_find(&c.rep, STUN_A_NONCE));
	m = c;
	assert_int_equal(auth_ltc_key(AUTH_ALG_MD5, "alice", REALM, "guess",
				      &m.key), 0);
	assert_int_equal(perm1(f, &m, PEER, PPORT), 401);
	f->wall_s += f->conf.nonce_lifetime + 1;
	assert_int_equal(perm1(f, &c, PEER, PPORT), 438);
	assert_int_equal(alloc_of(f, &c)->nperms, 0);
	take_challenge(&c);
	assert_int_equal(perm1(f, &c, PEER, PPORT), 200);
	assert_int_equal(alloc_of(f, &c)->nperms, 1);
}

/* §10.2: over max-permissions is 508, and a 508 installs nothing (it
 * used to install the peers before the one that did not fit). */
static void
test_perm_508_cap(void **state)
{
	struct fx *f = *state;
	struct client c;
	struct sockaddr_storage p[3] = {
		ipp(PEER, PPORT), ipp(PEER2, PPORT), ipp("8.8.8.8", PPORT),
	};

	f->conf.max_permissions = 2;
	ready(f, &c);
	assert_int_equal(create_perm(f, &c, &p[2], 1), 200);
	assert_int_equal(create_perm(f, &c, p, 2), 508);
	assert_int_equal(alloc_of(f, &c)->nperms, 1);
	assert_int_equal(send_ind(f, &c, &p[0], "x", 1), 0);
	assert_int_equal(f->io.relay_sends, 0);
	/* The same IP twice, or one already there, needs no new slot. */
	p[1] = ipp(PEER, PPORT + 1);
	assert_int_equal(create_perm(f, &c, p, 2), 200);
	assert_int_equal(create_perm(f, &c, p, 3), 200);
	assert_int_equal(alloc_of(f, &c)->nperms, 2);
	assert_int_equal(perm1(f, &c, PEER2, PPORT), 508);
}

/* More XOR-PEER-ADDRESSes in one request than the server handles. */
static void
test_perm_508_too_many_in_one(void **state)
{
	struct fx *f = *state;
	struct client c;
	struct sockaddr_storage p[17];

	ready(f, &c);
	for (int i = 0; i < 17; i++)
		p[i] = ipp(PEER, (uint16_t)(PPORT + i));
	assert_int_equal(create_perm(f, &c, p, 17), 508);
	assert_int_equal(alloc_of(f, &c)->nperms, 0);
	assert_int_equal(create_perm(f, &c, p, 16), 200);
}

/* ---- Send indications (RFC 8656 §11.2) ---- */

/* §11.2: no permission, no relay; with one, the DATA goes out from the
 * relayed address to the peer; a Send is never answered. */
static void
test_send_needs_permission(void **state)
{
	struct fx *f = *state;
	struct client c;
	struct sockaddr_storage p = ipp(PEER, PPORT), q = ipp(PEER2, PPORT);

	ready(f, &c);
	assert_int_equal(send_ind(f, &c, &p, "hello", 5), 0);
	assert_int_equal(f->io.relay_sends, 0);
	assert_int_equal(f->srv.stats.no_perm_drops, 1);
	assert_int_equal(perm1(f, &c, PEER, 1), 200);
	assert_int_equal(send_ind(f, &c, &p, "hello", 5), 0);
	assert_int_equal(f->io.relay_sends, 1);
	assert_relayed(f, &c, &p, "hello", 5);
	assert_int_equal(f->srv.stats.ind_out, 1);
	assert_int_equal(alloc_of(f, &c)->pkts_out, 1);
	assert_int_equal(alloc_of(f, &c)->bytes_out, 5);
	assert_int_equal(send_ind(f, &c, &q, "hello", 5), 0);
	assert_int_equal(f->io.relay_sends, 1);
	/* An empty DATA is relayed as an empty datagram. */
	assert_int_equal(send_ind(f, &c, &p, "", 0), 0);
	assert_int_equal(f->io.relay_sends, 2);
	assert_int_equal(f->io.rs_len, 0);
}

/* §11.2: a Send without XOR-PEER-ADDRESS or DATA, or from a client
 * without an allocation, is dropped silently. */
static void
test_send_malformed_dropped(void **state)
{
	struct fx *f = *state;
	struct client c, o;
	struct sockaddr_storage p = ipp(PEER, PPORT);

	ready(f, &c);
	assert_int_equal(perm1(f, &c, PEER, PPORT), 200);
	assert_int_equal(send_ind(f, &c, NULL, "x", 1), 0);
	assert_int_equal(send_ind(f, &c, &p, NULL, 0), 0);
	cli(&o, "192.0.2.10", 40001, "alice", "alice-pw");
	assert_int_equal(send_ind(f, &o, &p, "x", 1), 0);
	assert_int_equal(f->io.relay_sends, 0);
	assert_int_equal(f->srv.stats.ignored, 3);
}

/* The permission is per IP, but each datagram's port passes the policy:
 * a permission for a peer opens none of the server's own ports. */
static void
test_send_port_checked(void **state)
{
	struct fx *f = *state;
	struct client c;
	struct sockaddr_storage p = ipp(PEER, 3478), z = ipp(PEER, 0);

	ready(f, &c);
	assert_int_equal(perm1(f, &c, PEER, PPORT), 200);
	assert_int_equal(send_ind(f, &c, &p, "x", 1), 0);   /* a listener */
	assert_int_equal(send_ind(f, &c, &z, "x", 1), 0);   /* port 0 */
	assert_int_equal(f->io.relay_sends, 0);
	assert_int_equal(f->srv.stats.no_perm_drops, 2);
}

/* A failed relay send (ICMP unreachable & co) is counted, not fatal. */
static void
test_send_error_counted(void **state)
{
	struct fx *f = *state;
	struct client c;
	struct sockaddr_storage p = ipp(PEER, PPORT);

	ready(f, &c);
	assert_int_equal(perm1(f, &c, PEER, PPORT), 200);
	f->io.send_errno = ENETUNREACH;
	assert_int_equal(send_ind(f, &c, &p, "x", 1), 0);
	assert_int_equal(f->srv.stats.relay_send_errors, 1);
	assert_int_equal(alloc_of(f, &c)->send_errors, 1);
	f->io.send_errno = 0;
	assert_int_equal(send_ind(f, &c, &p, "y", 1), 0);
	assert_int_equal(f->io.relay_sends, 2);
	assert_int_equal(alloc_count(f->srv.allocs), 1);
}

/* ---- from peers: Data indications (RFC 8656 §11.3) ---- */

/* §11.3: a datagram from a peer with a permission reaches the client
 * as a Data indication (XOR-PEER-ADDRESS and DATA); from any other IP
 * it is dropped. Any port of a permitted IP will do (§9). */
static void
test_data_needs_permission(void **state)
{
	struct fx *f = *state;
	struct client c;
	struct sockaddr_storage p = ipp(PEER, 7000), q = ipp(PEER2, 7000);
	struct alloc *a;

	ready(f, &c);
	a = alloc_of(f, &c);
	assert_int_equal(from_peer(f, a, &p, "abc", 3), 0);
	assert_int_equal(perm1(f, &c, PEER, 1), 200);
	assert_int_equal(from_peer(f, a, &p, "abc", 3), 1);
	assert_data_ind(f, &c, &p, "abc", 3);
	assert_int_equal(from_peer(f, a, &q, "abc", 3), 0);
	assert_int_equal(f->srv.stats.ind_in, 1);
	assert_int_equal(f->srv.stats.no_perm_drops, 2);
	assert_int_equal(a->pkts_in, 1);
	assert_int_equal(a->bytes_in, 3);
}

/* The same over IPv6. */
static void
test_data_ipv6(void **state)
{
	struct fx *f = *state;
	struct client c;
	struct sockaddr_storage p = ipp(PEER6, 7000);

	with_v6(f);
	cli(&c, "192.0.2.10", 40000, "alice", "alice-pw");
	stun_enc_u32(alloc_req(f, &c), STUN_A_REQUESTED_ADDRESS_FAMILY,
		     0x02u << 24);
	assert_int_equal(xmit(f, &c), 200);
	assert_int_equal(perm1(f, &c, PEER6, PPORT), 200);
	assert_int_equal(send_ind(f, &c, &p, "v6", 2), 0);
	assert_relayed(f, &c, &p, "v6", 2);
	assert_int_equal(from_peer(f, alloc_of(f, &c), &p, "hello", 5), 1);
	assert_data_ind(f, &c, &p, "hello", 5);
}

/* §9: a permission lives 300 s and only CreatePermission (or
 * ChannelBind) refreshes it, not data. */
static void
test_permission_expiry(void **state)
{
	struct fx *f = *state;
	struct client c;
	struct sockaddr_storage p = ipp(PEER, PPORT), q = ipp(PEER2, PPORT);
	struct alloc *a;

	ready(f, &c);
	a = alloc_of(f, &c);
	assert_int_equal(perm1(f, &c, PEER, PPORT), 200);
	assert_int_equal(perm1(f, &c, PEER2, PPORT), 200);
	f->now_ms += 200 * 1000;
	assert_int_equal(perm1(f, &c, PEER2, PPORT), 200);    /* refresh */
	f->now_ms += 100 * 1000 - 1;                          /* T0+299.999 */
	assert_int_equal(send_ind(f, &c, &p, "x", 1), 0);
	assert_int_equal(from_peer(f, a, &p, "y", 1), 1);
	assert_int_equal(f->io.relay_sends, 1);
	f->now_ms += 1;                                       /* T0+300 s */
	assert_int_equal(send_ind(f, &c, &p, "x", 1), 0);
	assert_int_equal(from_peer(f, a, &p, "y", 1), 0);
	assert_int_equal(f->io.relay_sends, 1);
	assert_int_equal(send_ind(f, &c, &q, "x", 1), 0);     /* refreshed */
	assert_int_equal(f->io.relay_sends, 2);
	turn_server_tick(&f->srv, f->now_ms);
	assert_int_equal(a->nperms, 1);
	f->now_ms += 200 * 1000;                              /* T0+500 s */
	assert_int_equal(from_peer(f, a, &q, "y", 1), 0);
	/* The allocation outlives its permissions. */
	assert_int_equal(alloc_count(f->srv.allocs), 1);
	assert_int_equal(perm1(f, &c, PEER, PPORT), 200);
	assert_int_equal(from_peer(f, a, &p, "y", 1), 1);
}

/* ---- relay to relay inside the server ---- */

/* Two clients of this server talk through their relays (TURN-TURN ICE
 * pairs): the datagram never leaves the server, it is handed to the
 * other allocation as if it came from a peer, from the sender's relayed
 * address, and that allocation's permissions apply. Relayed addresses
 * are on 127.0.0.1 here, which the policy refuses for anyone else. */
static void
test_relay_to_relay(void **state)
{
	struct fx *f = *state;
	struct client a, b;
	struct sockaddr_storage ra, rb, other, lis;
	uint16_t port;

	cli(&a, "192.0.2.10", 40000, "alice", "alice-pw");
	cli(&b, "192.0.2.11", 40000, "bob", "bob-pw");
	assert_int_equal(allocate(f, &a), 200);
	assert_int_equal(allocate(f, &b), 200);
	ra = a.relay[0];
	rb = b.relay[0];
	assert_int_equal(create_perm(f, &a, &rb, 1), 200);
	/* b has no permission for a yet: dropped inside. */
	assert_int_equal(send_ind(f, &a, &rb, "ping", 4), 0);
	assert_int_equal(f->srv.stats.relay_internal, 1);
	assert_int_equal(f->srv.stats.no_perm_drops, 1);
	assert_int_equal(create_perm(f, &b, &ra, 1), 200);
	assert_int_equal(send_ind(f, &a, &rb, "ping", 4), 1);
	assert_data_ind(f, &b, &ra, "ping", 4);
	assert_int_equal(send_ind(f, &b, &ra, "pong", 4), 1);
	assert_data_ind(f, &a, &rb, "pong", 4);
	assert_int_equal(f->io.relay_sends, 0);        /* never left */
	assert_int_equal(f->srv.stats.relay_internal, 3);
	/* A permission for 127.0.0.1 opens no other port on it. */
	for (port = PORT_MIN; port == addr_port(SA(&ra)) ||
	     port == addr_port(SA(&rb)); port++)
		;
	other = ipp("127.0.0.1", port);
	lis = ipp("127.0.0.1", 3478);
	assert_int_equal(send_ind(f, &a, &other, "x", 1), 0);
	assert_int_equal(send_ind(f, &a, &lis, "x", 1), 0);
	assert_int_equal(f->io.relay_sends, 0);
	assert_int_equal(perm1(f, &a, "127.0.0.1", port), 403);
	/* Once b is gone its address is loopback again: refused. */
	assert_int_equal(refresh(f, &b, 0), 200);
	assert_int_equal(send_ind(f, &a, &rb, "x", 1), 0);
	assert_int_equal(f->io.relay_sends, 0);
	assert_int_equal(create_perm(f, &a, &rb, 1), 403);
}

/* ---- scoped credentials (anonymous-relay "relay") ---- */

/* A scoped credential relays to this server's allocations and nowhere
 * else, whatever allow-peer says: CreatePermission (with and without a
 * port), ChannelBind, Send; an unscoped one with the same secret is
 * judged by the policy as usual. */
static void
test_relay_only_scope(void **state)
{
	struct fx *f = *state;
	struct client a, b, u;
	char na[96], pa[64], nu[96], pu[64];
	struct sockaddr_storage rb, pub = ipp(PEER, PPORT);

	with_secret(f);
	assert_int_equal(cidr_parse("0.0.0.0/0", &f->conf.allow_peer[0]), 0);
	f->conf.nallow_peer = 1;
	rest_cli(f, &a, "192.0.2.10", 40000, true, na, pa);
	cli(&b, "192.0.2.11", 40000, "bob", "bob-pw");
	assert_int_equal(allocate(f, &a), 200);
	assert_true(alloc_of(f, &a)->relay_only);
	assert_int_equal(allocate(f, &b), 200);
	rb = b.relay[0];
	assert_int_equal(perm1(f, &a, PEER, PPORT), 403);
	assert_int_equal(perm1(f, &a, PEER, 0), 403);
	assert_int_equal(bind1(f, &a, 0x4000, PEER, PPORT), 403);
	assert_int_equal(alloc_of(f, &a)->nperms, 0);
	/* relay-to-relay: by relayed address, or by its IP alone */
	assert_int_equal(create_perm(f, &a, &rb, 1), 200);
	assert_int_equal(perm1(f, &a, "127.0.0.1", 0), 200);
	assert_int_equal(chan_bind_req(f, &a, 0x4001, &rb), 200);
	assert_int_equal(create_perm(f, &b, &a.relay[0], 1), 200);
	assert_int_equal(send_ind(f, &a, &rb, "ping", 4), 1);
	assert_data_ind(f, &b, &a.relay[0], "ping", 4);
	/* The permission for the relay IP opens no other port on it, and a
	 * Send to a public peer goes nowhere. */
	assert_int_equal(send_ind(f, &a, &pub, "x", 1), 0);
	assert_int_equal(f->io.relay_sends, 0);
	/* The same secret, no scope: allow-peer 0.0.0.0/0 applies. */
	rest_cli(f, &u, "192.0.2.12", 40000, false, nu, pu);
	assert_int_equal(allocate(f, &u), 200);
	assert_false(alloc_of(f, &u)->relay_only);
	assert_int_equal(perm1(f, &u, PEER, PPORT), 200);
}

/* The scope is in the username, under the HMAC: dropping it from the
 * name makes the password wrong (401), not the credential wider. */
static void
test_relay_only_cannot_widen(void **state)
{
	struct fx *f = *state;
	struct client c;
	char name[96], pass[64], wide[96];

	with_secret(f);
	rest_cli(f, &c, "192.0.2.10", 40000, true, name, pass);
	assert_true(auth_rest_relay_only(name));
	assert_true(auth_rest_username(wide, sizeof(wide), f->wall_s + 600,
				       false, "s1") > 0);
	assert_false(auth_rest_relay_only(wide));
	c.user = wide;                          /* the scoped password */
	assert_int_equal(allocate(f, &c), 401);
	assert_int_equal(alloc_count(server(f)->allocs), 0);
	c.user = name;
	c.authed = false;
	assert_int_equal(allocate(f, &c), 200);
	assert_true(alloc_of(f, &c)->relay_only);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_perm_400_no_peer),
		T(test_perm_400_malformed_peer),
		T(test_perm_port_ignored),
		T(test_perm_403_denied_peers),
		T(test_perm_403_installs_none),
		T(test_perm_mapped_v4),
		T(test_perm_443_family),
		T(test_perm_437_no_allocation),
		T(test_perm_441_wrong_user),
		T(test_perm_401_438),
		T(test_perm_508_cap),
		T(test_perm_508_too_many_in_one),
		T(test_send_needs_permission),
		T(test_send_malformed_dropped),
		T(test_send_port_checked),
		T(test_send_error_counted),
		T(test_data_needs_permission),
		T(test_data_ipv6),
		T(test_permission_expiry),
		T(test_relay_to_relay),
		T(test_relay_only_scope),
		T(test_relay_only_cannot_widen),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
