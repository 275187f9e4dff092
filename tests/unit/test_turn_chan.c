/*
 * The TURN core's channels through a fake I/O port and a fake clock:
 * ChannelBind and each error it answers, ChannelData both ways, channel
 * and permission expiry (turn_fx.h).
 */
#include <stdio.h>

#include "turn_fx.h"

#define PEER   "93.184.216.34"         /* allowed by the default policy */
#define PEER2  "151.101.1.69"
#define PEER6  "2a00:1450:4001:800::200e"
#define PPORT  5000

static void
ready(struct fx *f, struct client *c)
{
	cli(c, "192.0.2.10", 40000, "alice", "alice-pw");
	assert_int_equal(allocate(f, c), 200);
}

/* ---- ChannelBind: errors ---- */

/* RFC 8656 §12.2: the channel number must be in 0x4000-0x4FFF; the code
 * also takes RFC 5766's 0x5000-0x7FFF, which clients still send. Below
 * or above is 400, and so is a missing or short CHANNEL-NUMBER. */
static void
test_bind_400_channel_number(void **state)
{
	static const long ok[] = { 0x4000, 0x4FFF, 0x5000, 0x7FFF };
	static const long bad[] = { 0x0000, 0x3FFF, 0x8000, 0xFFFF, -1 };
	struct fx *f = *state;
	struct client c;
	struct sockaddr_storage p = ipp(PEER, PPORT);
	char ip[32];

	ready(f, &c);
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++)
		assert_int_equal(bind1(f, &c, bad[i], PEER, PPORT), 400);
	req(&c, STUN_CHANNEL_BIND);                 /* 2 bytes, not 4 */
	stun_enc_attr(&c.e, STUN_A_CHANNEL_NUMBER, "\x40\x00", 2);
	stun_enc_addr(&c.e, STUN_A_XOR_PEER_ADDRESS, SA(&p), true);
	assert_int_equal(xmit(f, &c), 400);
	assert_int_equal(alloc_of(f, &c)->nchans, 0);
	assert_int_equal(alloc_of(f, &c)->nperms, 0);
	for (size_t i = 0; i < sizeof(ok) / sizeof(*ok); i++) {
		snprintf(ip, sizeof(ip), "93.184.216.%zu", 40 + i);
		assert_int_equal(bind1(f, &c, ok[i], ip, PPORT), 200);
	}
	assert_int_equal(alloc_of(f, &c)->nchans, 4);
}

/* §12.2: a ChannelBind needs XOR-PEER-ADDRESS, a valid one, and a full
 * transport address (port 0 is no peer a channel can send to). */
static void
test_bind_400_peer(void **state)
{
	struct fx *f = *state;
	struct client c;

	ready(f, &c);
	assert_int_equal(chan_bind_req(f, &c, 0x4000, NULL), 400);
	assert_int_equal(bind1(f, &c, 0x4000, PEER, 0), 400);
	req(&c, STUN_CHANNEL_BIND);
	stun_enc_u32(&c.e, STUN_A_CHANNEL_NUMBER, 0x4000u << 16);
	stun_enc_attr(&c.e, STUN_A_XOR_PEER_ADDRESS,
		      "\x00\x03\x12\x34\x01\x02\x03\x04", 8);
	assert_int_equal(xmit(f, &c), 400);
	assert_int_equal(alloc_of(f, &c)->nchans, 0);
	assert_int_equal(alloc_of(f, &c)->nperms, 0);
}

/* §12.2: a number bound to another peer, or a peer bound to another
 * number, is 400; the same pair again is a refresh (200). */
static void
test_bind_400_conflicts(void **state)
{
	struct fx *f = *state;
	struct client c;
	struct sockaddr_storage q = ipp(PEER2, PPORT);

	ready(f, &c);
	assert_int_equal(bind1(f, &c, 0x4000, PEER, PPORT), 200);
	assert_int_equal(bind1(f, &c, 0x4000, PEER2, PPORT), 400);
	assert_int_equal(bind1(f, &c, 0x4000, PEER, PPORT + 1), 400);
	assert_int_equal(bind1(f, &c, 0x4001, PEER, PPORT), 400);
	assert_int_equal(bind1(f, &c, 0x4000, PEER, PPORT), 200);
	assert_int_equal(alloc_of(f, &c)->nchans, 1);
	/* The refused binds installed no permission for PEER2. */
	assert_int_equal(send_ind(f, &c, &q, "x", 1), 0);
	assert_int_equal(f->io.relay_sends, 0);
	/* The same IP on another port is another peer: its own channel. */
	assert_int_equal(bind1(f, &c, 0x4001, PEER, PPORT + 1), 200);
}

/* §12.2 refers to §10.2's rules: 403 by policy, 443 by family; nothing
 * is bound or permitted after either. */
static void
test_bind_403_443(void **state)
{
	struct fx *f = *state;
	struct client c;
	struct sockaddr_storage d = ipp("169.254.169.254", 80);

	ready(f, &c);
	assert_int_equal(bind1(f, &c, 0x4000, "169.254.169.254", 80), 403);
	assert_int_equal(bind1(f, &c, 0x4001, "127.0.0.1", PPORT), 403);
	assert_int_equal(bind1(f, &c, 0x4002, PEER, 3478), 403); /* listener */
	assert_int_equal(bind1(f, &c, 0x4003, PEER6, PPORT), 443);
	assert_int_equal(alloc_of(f, &c)->nchans, 0);
	assert_int_equal(alloc_of(f, &c)->nperms, 0);
	chandata(f, &c, 0x4000, "x", 1);
	assert_int_equal(send_ind(f, &c, &d, "x", 1), 0);
	assert_int_equal(f->io.relay_sends, 0);
	/* The number was not taken by the refused bind. */
	assert_int_equal(bind1(f, &c, 0x4000, PEER, PPORT), 200);
}

static void
test_bind_437_441_401(void **state)
{
	struct fx *f = *state;
	struct client a, b;

	cli(&a, "192.0.2.10", 40000, "alice", "alice-pw");
	assert_int_equal(bind1(f, &a, 0x4000, PEER, PPORT), 437);
	assert_int_equal(allocate(f, &a), 200);
	cli(&b, "192.0.2.10", 40000, "bob", "bob-pw");   /* same 5-tuple */
	assert_int_equal(bind1(f, &b, 0x4000, PEER, PPORT), 441);
	req(&a, STUN_CHANNEL_BIND);                      /* unsigned */
	stun_enc_u32(&a.e, STUN_A_CHANNEL_NUMBER, 0x4000u << 16);
	assert_int_equal(transact(f, &a), 401);
	assert_int_equal(alloc_of(f, &a)->nchans, 0);
	assert_int_equal(bind1(f, &a, 0x4000, PEER, PPORT), 200);
}

/* max-permissions bounds channels too: 508, nothing left behind. */
static void
test_bind_508(void **state)
{
	struct fx *f = *state;
	struct client c;
	struct sockaddr_storage q = ipp(PEER2, PPORT);

	f->conf.max_permissions = 1;
	ready(f, &c);
	assert_int_equal(bind1(f, &c, 0x4000, PEER, PPORT), 200);
	assert_int_equal(bind1(f, &c, 0x4001, PEER2, PPORT), 508);
	assert_int_equal(send_ind(f, &c, &q, "x", 1), 0);
	assert_int_equal(f->io.relay_sends, 0);
	assert_int_equal(bind1(f, &c, 0x4001, PEER, PPORT + 1), 508);
	assert_int_equal(alloc_of(f, &c)->nperms, 1);
	assert_int_equal(alloc_of(f, &c)->nchans, 1);
}

/* ---- ChannelData from the client (RFC 8656 §12.6) ---- */

/* §12: a bind also installs the permission for the peer's IP, so Send
 * indications to that IP work at once. */
static void
test_bind_installs_permission(void **state)
{
	struct fx *f = *state;
	struct client c;
	struct sockaddr_storage p = ipp(PEER, PPORT + 7);

	ready(f, &c);
	assert_int_equal(bind1(f, &c, 0x4000, PEER, PPORT), 200);
	assert_int_equal(alloc_of(f, &c)->nperms, 1);
	assert_int_equal(send_ind(f, &c, &p, "abc", 3), 0);
	assert_int_equal(f->io.relay_sends, 1);
	assert_relayed(f, &c, &p, "abc", 3);
}

/* §12.6: ChannelData on a bound channel goes to its peer; on an unbound
 * channel it is dropped; no answer either way. */
static void
test_chandata_relayed(void **state)
{
	struct fx *f = *state;
	struct client c;
	struct sockaddr_storage p = ipp(PEER, PPORT);
	unsigned sent;

	ready(f, &c);
	chandata(f, &c, 0x4000, "hello", 5);
	assert_int_equal(f->io.relay_sends, 0);
	assert_int_equal(f->srv.stats.no_perm_drops, 1);
	assert_int_equal(bind1(f, &c, 0x4000, PEER, PPORT), 200);
	sent = f->io.nsent;
	chandata(f, &c, 0x4000, "hello", 5);
	assert_int_equal(f->io.relay_sends, 1);
	assert_relayed(f, &c, &p, "hello", 5);
	chandata(f, &c, 0x4001, "hello", 5);             /* not bound */
	chandata(f, &c, 0x7FFF, "hello", 5);
	assert_int_equal(f->io.relay_sends, 1);
	assert_int_equal(f->io.nsent, sent);
	assert_int_equal(f->srv.stats.chandata_out, 1);
	assert_int_equal(f->srv.stats.no_perm_drops, 3);
}

/* §12.4: a length past the datagram is malformed, dropped; padding or
 * trailing bytes after the length are not relayed. */
static void
test_chandata_length(void **state)
{
	struct fx *f = *state;
	struct client c;
	struct sockaddr_storage p = ipp(PEER, PPORT);

	ready(f, &c);
	assert_int_equal(bind1(f, &c, 0x4000, PEER, PPORT), 200);
	chandata_raw(f, &c, 0x4000, 6, "hello", 5);
	chandata_raw(f, &c, 0x4000, 0xFFFF, "hello", 5);
	deliver(f, &c, (const uint8_t *)"\x40\x00\x00", 3);   /* short */
	assert_int_equal(f->io.relay_sends, 0);
	assert_int_equal(f->srv.stats.malformed, 3);
	chandata_raw(f, &c, 0x4000, 3, "hel\0\0", 5);
	assert_int_equal(f->io.relay_sends, 1);
	assert_relayed(f, &c, &p, "hel", 3);
	chandata_raw(f, &c, 0x4000, 0, "", 0);                /* empty */
	assert_int_equal(f->io.relay_sends, 2);
	assert_int_equal(f->io.rs_len, 0);
}

/* A bound channel still needs a live permission: the bind refreshes
 * it, but a permission lives 300 s against the channel's 600 s (§9,
 * §12); a CreatePermission brings it back. */
static void
test_chandata_needs_permission(void **state)
{
	struct fx *f = *state;
	struct client c;

	ready(f, &c);
	assert_int_equal(bind1(f, &c, 0x4000, PEER, PPORT), 200);
	f->now_ms += 300 * 1000;
	chandata(f, &c, 0x4000, "x", 1);
	assert_int_equal(f->io.relay_sends, 0);
	assert_int_equal(perm1(f, &c, PEER, 1), 200);
	chandata(f, &c, 0x4000, "x", 1);
	assert_int_equal(f->io.relay_sends, 1);
}

/* §12: a channel lives 600 s unless refreshed by another ChannelBind;
 * then its number and peer stay reserved 5 more minutes (§12.2). */
static void
test_channel_expiry(void **state)
{
	struct fx *f = *state;
	struct client c;

	ready(f, &c);
	assert_int_equal(refresh(f, &c, 3600), 200);
	assert_int_equal(bind1(f, &c, 0x4000, PEER, PPORT), 200);
	f->now_ms += 500 * 1000;
	assert_int_equal(bind1(f, &c, 0x4000, PEER, PPORT), 200);  /* refresh */
	f->now_ms += 500 * 1000;
	assert_int_equal(perm1(f, &c, PEER, PPORT), 200);  /* perm: 300 s */
	f->now_ms += 100 * 1000 - 1;                       /* T0+1099.999 */
	chandata(f, &c, 0x4000, "x", 1);
	assert_int_equal(f->io.relay_sends, 1);
	f->now_ms += 1;
	chandata(f, &c, 0x4000, "x", 1);
	assert_int_equal(f->io.relay_sends, 1);
	turn_server_tick(&f->srv, f->now_ms);
	assert_int_equal(bind1(f, &c, 0x4000, PEER2, PPORT), 400);
	assert_int_equal(bind1(f, &c, 0x4001, PEER, PPORT), 400);
	f->now_ms += 300 * 1000;
	turn_server_tick(&f->srv, f->now_ms);
	assert_int_equal(alloc_of(f, &c)->nchans, 0);
	assert_int_equal(bind1(f, &c, 0x4000, PEER2, PPORT), 200);
}

/* ---- from peers: ChannelData to the client (RFC 8656 §12.7) ---- */

/* §12.7: from a peer with a bound channel the client gets ChannelData;
 * from another port of the same IP (permission, no channel) a Data
 * indication; from an IP without a permission nothing. */
static void
test_peer_to_client(void **state)
{
	struct fx *f = *state;
	struct client c;
	struct sockaddr_storage p = ipp(PEER, PPORT), p2 = ipp(PEER, PPORT + 1);
	struct sockaddr_storage q = ipp(PEER2, PPORT);
	struct alloc *a;

	ready(f, &c);
	a = alloc_of(f, &c);
	assert_int_equal(bind1(f, &c, 0x4ABC, PEER, PPORT), 200);
	assert_int_equal(from_peer(f, a, &p, "hello", 5), 1);
	assert_chandata(f, &c, 0x4ABC, "hello", 5);
	assert_int_equal(last_sent(f)->len, 4 + 5);        /* UDP: no pad */
	assert_int_equal(from_peer(f, a, &p2, "hi", 2), 1);
	assert_data_ind(f, &c, &p2, "hi", 2);
	assert_int_equal(from_peer(f, a, &q, "no", 2), 0);
	assert_int_equal(f->srv.stats.chandata_in, 1);
	assert_int_equal(f->srv.stats.ind_in, 1);
	/* Without a live permission nothing, channel or not. */
	f->now_ms += 300 * 1000;
	assert_int_equal(from_peer(f, a, &p, "late", 4), 0);
}

/* §12.5: over TCP (a stream) ChannelData is padded to 4 bytes. */
static void
test_peer_to_client_tcp_padded(void **state)
{
	struct fx *f = *state;
	struct client c;
	struct sockaddr_storage p = ipp(PEER, PPORT);

	cli(&c, "192.0.2.10", 40000, "alice", "alice-pw");
	c.tp = TP_TCP;
	assert_int_equal(allocate(f, &c), 200);
	assert_int_equal(bind1(f, &c, 0x4000, PEER, PPORT), 200);
	assert_int_equal(from_peer(f, alloc_of(f, &c), &p, "hello", 5), 1);
	assert_chandata(f, &c, 0x4000, "hello", 5);
	assert_int_equal(last_sent(f)->len, 12);
	assert_memory_equal(last_sent(f)->buf + 9, "\0\0\0", 3);
	/* Padded ChannelData from a stream client is taken too. */
	chandata_raw(f, &c, 0x4000, 5, "hello\0\0\0", 8);
	assert_int_equal(f->io.relay_sends, 1);
	assert_relayed(f, &c, &p, "hello", 5);
}

/* Relay to relay over channels: a channel bound to another allocation's
 * relayed address delivers inside the server. */
static void
test_channel_relay_to_relay(void **state)
{
	struct fx *f = *state;
	struct client a, b;
	struct sockaddr_storage ra, rb;

	cli(&a, "192.0.2.10", 40000, "alice", "alice-pw");
	cli(&b, "192.0.2.11", 40000, "bob", "bob-pw");
	assert_int_equal(allocate(f, &a), 200);
	assert_int_equal(allocate(f, &b), 200);
	ra = a.relay[0];
	rb = b.relay[0];
	assert_int_equal(chan_bind_req(f, &a, 0x4000, &rb), 200);
	assert_int_equal(chan_bind_req(f, &b, 0x4001, &ra), 200);
	chandata(f, &a, 0x4000, "ping", 4);
	assert_chandata(f, &b, 0x4001, "ping", 4);
	chandata(f, &b, 0x4001, "pong", 4);
	assert_chandata(f, &a, 0x4000, "pong", 4);
	assert_int_equal(f->io.relay_sends, 0);
	assert_int_equal(f->srv.stats.relay_internal, 2);
	/* Once b is gone, rb is a loopback address again, which the policy
	 * refuses: a's channel to it must not send there (Send indications
	 * re-check each datagram; ChannelData did not). */
	assert_int_equal(refresh(f, &b, 0), 200);
	chandata(f, &a, 0x4000, "ping", 4);
	assert_int_equal(f->io.relay_sends, 0);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_bind_400_channel_number),
		T(test_bind_400_peer),
		T(test_bind_400_conflicts),
		T(test_bind_403_443),
		T(test_bind_437_441_401),
		T(test_bind_508),
		T(test_bind_installs_permission),
		T(test_chandata_relayed),
		T(test_chandata_length),
		T(test_chandata_needs_permission),
		T(test_channel_expiry),
		T(test_peer_to_client),
		T(test_peer_to_client_tcp_padded),
		T(test_channel_relay_to_relay),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
