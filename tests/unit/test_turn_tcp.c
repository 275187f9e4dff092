/*
 * RFC 6062 TCP relays in the TURN core through the fake I/O port
 * (turn_fx.h, with_tcp()): Allocate with REQUESTED-TRANSPORT TCP,
 * Connect (§4.3), ConnectionAttempt for peers connecting in (§4.4 and
 * server side §5.3), ConnectionBind (§4.4), the 30 s deadlines of §5 and
 * what closing the control connection takes with it.
 */
#include "turn_fx.h"

/* Peers the default policy allows, on a port that is no listener's. */
#define PEER          "93.184.216.34"
#define PEER2         "151.101.1.69"
#define PEER6         "2a00:1450:4001:800::200e"
#define PPORT         5000
#define TCP_TRANSPORT (6u << 24)
#define DEADLINE_MS   30000u

/* Stand-ins for the transport's peer data connections (only addresses). */
static int pconn_a, pconn_b;

/* A client on a TCP connection from 192.0.2.10:port. */
static void
tcp_cli(struct client *c, uint16_t port, const char *user, const char *pass)
{
	cli(c, "192.0.2.10", port, user, pass);
	c->tp = TP_TCP;
}

/* A signed Allocate for a TCP relay under construction. */
static struct stun_enc *
tcp_alloc_req(struct fx *f, struct client *c)
{
	if (!c->authed)
		login(f, c);
	stun_enc_u32(req(c, STUN_ALLOCATE), STUN_A_REQUESTED_TRANSPORT,
		     TCP_TRANSPORT);
	return &c->e;
}

/* alice on a TCP control connection, with a TCP relay. */
static void
tcp_ready(struct fx *f, struct client *c)
{
	with_tcp(f);
	tcp_cli(c, 40000, "alice", "alice-pw");
	tcp_alloc_req(f, c);
	assert_int_equal(xmit(f, c), 200);
	assert_int_equal(f->io.tcp_opens, 1);
}

/* Connect to ip:port: the code answered at once, 0 if none (yet). */
static int
connect1(struct fx *f, struct client *c, const char *ip, uint16_t port)
{
	struct sockaddr_storage p = ipp(ip, port);

	if (!c->authed)
		login(f, c);
	req(c, STUN_CONNECT);
	stun_enc_addr(&c->e, STUN_A_XOR_PEER_ADDRESS, SA(&p), true);
	return xmit(f, c);
}

/* The deferred answer to c's last Connect: the last message sent. */
static int
connect_answer(struct fx *f, struct client *c)
{
	struct sent *s = last_sent(f);

	assert_ptr_equal(s->conn, c);
	assert_true(addr_eq(&s->to.sa, SA(&c->addr)));
	memcpy(c->rbuf, s->buf, s->len);
	assert_int_equal(stun_decode(&c->rep, c->rbuf, s->len), 0);
	assert_memory_equal(c->rep.tid, c->buf + 4, 16);
	assert_int_equal(c->rep.method, STUN_CONNECT);
	assert_int_equal(stun_check_integrity(&c->rep, false, c->key.key,
					      c->key.len), 0);
	return c->code = c->rep.cls == STUN_SUCCESS ? 200 : error_code(&c->rep);
}

/* A Connect the transport completes with peer_conn: its CONNECTION-ID. */
static uint32_t
connected(struct fx *f, struct client *c, const char *ip, uint16_t port,
	  void *peer_conn)
{
	unsigned n;
	uint32_t id;

	assert_int_equal(connect1(f, c, ip, port), 0);
	n = f->io.nsent;
	id = f->io.pc_id;
	assert_true(turn_on_peer_connect(server(f), id, peer_conn, f->now_ms));
	assert_int_equal(f->io.nsent, n + 1);
	assert_int_equal(connect_answer(f, c), 200);
	assert_int_equal(u32_of(c, STUN_A_CONNECTION_ID), id);
	return id;
}

/* A peer connects in to c's TCP relay from ip:port. */
static uint32_t
accept1(struct fx *f, struct client *c, const char *ip, uint16_t port,
	void *peer_conn)
{
	struct sockaddr_storage p = ipp(ip, port);

	return turn_on_peer_accept(server(f), alloc_of(f, c), SA(&p), peer_conn,
				   f->now_ms);
}

/* A new data connection d: an unsigned ConnectionBind fetches its nonce. */
static void
data_login(struct fx *f, struct client *d)
{
	req(d, STUN_CONNECTION_BIND);
	stun_enc_u32(&d->e, STUN_A_CONNECTION_ID, 1);
	assert_int_equal(transact(f, d), 401);
	take_challenge(d);
}

/* ConnectionBind on d; id 0: without CONNECTION-ID. */
static int
conn_bind(struct fx *f, struct client *d, uint32_t id)
{
	if (!d->authed)
		data_login(f, d);
	req(d, STUN_CONNECTION_BIND);
	if (id != 0)
		stun_enc_u32(&d->e, STUN_A_CONNECTION_ID, id);
	return xmit(f, d);
}

/* ---- Allocate with REQUESTED-TRANSPORT TCP ---- */

/* RFC 6062 §5.1: a TCP relay only for a client on TCP or TLS. */
static void
test_alloc_tcp_over_udp_400(void **state)
{
	struct fx *f = *state;
	struct client c;

	with_tcp(f);
	cli(&c, "192.0.2.10", 40000, "alice", "alice-pw");
	tcp_alloc_req(f, &c);
	assert_int_equal(xmit(f, &c), 400);
	assert_int_equal(f->io.tcp_opens, 0);
	assert_int_equal(f->io.open_calls, 0);
	assert_int_equal(alloc_count(f->srv.allocs), 0);
}

static void
test_alloc_tcp_200(void **state)
{
	struct fx *f = *state;
	struct client c;
	struct alloc *a;

	tcp_ready(f, &c);
	assert_int_equal(f->io.open_calls, 1);      /* the TCP one, no UDP */
	assert_int_equal(c.nrelay, 1);
	assert_true(addr_eq(SA(&c.relay[0]), &f->io.last_open.sa));
	a = alloc_of(f, &c);
	assert_non_null(a);
	assert_true(a->tcp);
	assert_ptr_equal(a->conn, &c);
}

/* RFC 6062 §5.1: EVEN-PORT, RESERVATION-TOKEN and DONT-FRAGMENT are
 * UDP-only: 400, and no relay opened. */
static void
test_alloc_tcp_400_udp_extras(void **state)
{
	struct fx *f = *state;
	static const uint8_t zero[8];
	struct client c;

	with_tcp(f);
	tcp_cli(&c, 40000, "alice", "alice-pw");
	stun_enc_attr(tcp_alloc_req(f, &c), STUN_A_EVEN_PORT, zero, 1);
	assert_int_equal(xmit(f, &c), 400);
	stun_enc_attr(tcp_alloc_req(f, &c), STUN_A_DONT_FRAGMENT, zero, 0);
	assert_int_equal(xmit(f, &c), 400);
	stun_enc_attr(tcp_alloc_req(f, &c), STUN_A_RESERVATION_TOKEN, zero, 8);
	assert_int_equal(xmit(f, &c), 400);
	assert_int_equal(f->io.tcp_opens, 0);
	assert_int_equal(alloc_count(f->srv.allocs), 0);
	/* The same request without them is fine. */
	tcp_alloc_req(f, &c);
	assert_int_equal(xmit(f, &c), 200);
	assert_int_equal(f->io.tcp_opens, 1);
}

/* ---- Connect (active peer) ---- */

/* RFC 6062 §5.2: the answer waits for the connection to the peer. */
static void
test_connect_200(void **state)
{
	struct fx *f = *state;
	struct client c;
	unsigned n;
	uint32_t id;

	tcp_ready(f, &c);
	n = f->io.nsent;
	assert_int_equal(connect1(f, &c, PEER, PPORT), 0);
	assert_int_equal(f->io.nsent, n);            /* nothing answered yet */
	assert_int_equal(f->io.peer_connects, 1);
	assert_ptr_equal(f->io.pc_handle, alloc_of(f, &c)->relay_handle[0]);
	{
		struct sockaddr_storage p = ipp(PEER, PPORT);
		assert_true(addr_eq(&f->io.pc_peer.sa, SA(&p)));
	}
	id = f->io.pc_id;
	assert_true(id != 0);
	assert_true(turn_on_peer_connect(server(f), id, &pconn_a, f->now_ms));
	assert_int_equal(f->io.nsent, n + 1);
	assert_int_equal(connect_answer(f, &c), 200);
	assert_int_equal(u32_of(&c, STUN_A_CONNECTION_ID), id);
	/* Reported twice: the second report is nobody's. */
	assert_false(turn_on_peer_connect(server(f), id, &pconn_b, f->now_ms));
	assert_int_equal(f->io.nsent, n + 1);
	assert_int_equal(f->io.peer_closes, 0);
}

/* RFC 6062 §5.2: a failed connection is 447, at once or reported later;
 * either way the entry goes and the same peer may be tried again. */
static void
test_connect_447_failure(void **state)
{
	struct fx *f = *state;
	struct client c;
	unsigned n;

	tcp_ready(f, &c);
	f->io.connect_errno = ENETUNREACH;
	assert_int_equal(connect1(f, &c, PEER, PPORT), 447);
	assert_null(stun_find(&c.rep, STUN_A_CONNECTION_ID));
	f->io.connect_errno = 0;

	assert_int_equal(connect1(f, &c, PEER, PPORT), 0);
	n = f->io.nsent;
	assert_false(turn_on_peer_connect(server(f), f->io.pc_id, NULL,
					  f->now_ms));
	assert_int_equal(f->io.nsent, n + 1);
	assert_int_equal(connect_answer(f, &c), 447);
	assert_int_equal(f->io.peer_connects, 2);

	assert_int_equal(connect1(f, &c, PEER, PPORT), 0);   /* not 446 */
	assert_int_equal(f->io.peer_connects, 3);
	assert_int_equal(f->io.peer_closes, 0);
}

/* RFC 6062 §5.2: no connection within 30 s is 447 (on the next tick). */
static void
test_connect_447_timeout(void **state)
{
	struct fx *f = *state;
	struct client c;
	unsigned n;
	uint32_t id;

	tcp_ready(f, &c);
	assert_int_equal(connect1(f, &c, PEER, PPORT), 0);
	id = f->io.pc_id;
	n = f->io.nsent;
	f->now_ms += DEADLINE_MS - 1;
	turn_server_tick(server(f), f->now_ms);
	assert_int_equal(f->io.nsent, n);
	f->now_ms += 1;
	turn_server_tick(server(f), f->now_ms);
	assert_int_equal(f->io.nsent, n + 1);
	assert_int_equal(connect_answer(f, &c), 447);
	/* Too late: the transport must close what it made. */
	assert_false(turn_on_peer_connect(server(f), id, &pconn_a, f->now_ms));
	assert_int_equal(f->io.nsent, n + 1);
	turn_server_tick(server(f), f->now_ms + 1000);
	assert_int_equal(f->io.nsent, n + 1);           /* answered once */
}

/* RFC 6062 §5.2: a second connection to the same peer is 446. */
static void
test_connect_446_dup(void **state)
{
	struct fx *f = *state;
	struct client c;

	tcp_ready(f, &c);
	assert_int_equal(connect1(f, &c, PEER, PPORT), 0);     /* connecting */
	assert_int_equal(connect1(f, &c, PEER, PPORT), 446);
	assert_int_equal(f->io.peer_connects, 1);
	(void)connected(f, &c, PEER2, PPORT, &pconn_a);        /* pending */
	assert_int_equal(connect1(f, &c, PEER2, PPORT), 446);
	assert_int_equal(f->io.peer_connects, 2);
	assert_int_equal(connect1(f, &c, PEER2, PPORT + 1), 0); /* other port */
	assert_int_equal(f->io.peer_connects, 3);
}

static void
test_connect_403_denied(void **state)
{
	struct fx *f = *state;
	struct client c;

	tcp_ready(f, &c);
	assert_int_equal(connect1(f, &c, "10.0.0.1", PPORT), 403);
	assert_int_equal(connect1(f, &c, "127.0.0.1", PPORT), 403);
	assert_int_equal(f->io.peer_connects, 0);
	assert_int_equal(f->srv.stats.peer_denied, 2);
}

static void
test_connect_443_family(void **state)
{
	struct fx *f = *state;
	struct client c;

	tcp_ready(f, &c);
	assert_int_equal(connect1(f, &c, PEER6, PPORT), 443);
	assert_int_equal(f->io.peer_connects, 0);
}

/* RFC 6062 §5.2: Connect on an allocation that is not TCP is 400, even
 * from a TCP control connection; so is one without XOR-PEER-ADDRESS. */
static void
test_connect_400(void **state)
{
	struct fx *f = *state;
	struct client c, u;

	with_tcp(f);
	tcp_cli(&u, 40001, "alice", "alice-pw");
	assert_int_equal(allocate(f, &u), 200);             /* a UDP relay */
	assert_int_equal(f->io.tcp_opens, 0);
	assert_int_equal(connect1(f, &u, PEER, PPORT), 400);
	assert_int_equal(f->io.peer_connects, 0);

	tcp_ready(f, &c);
	req(&c, STUN_CONNECT);
	assert_int_equal(xmit(f, &c), 400);
	assert_int_equal(f->io.peer_connects, 0);
}

static void
test_connect_437_no_allocation(void **state)
{
	struct fx *f = *state;
	struct client c;

	with_tcp(f);
	tcp_cli(&c, 40000, "alice", "alice-pw");
	assert_int_equal(connect1(f, &c, PEER, PPORT), 437);   /* signed */
	req(&c, STUN_CONNECT);
	assert_int_equal(transact(f, &c), 437);                /* unsigned */
	assert_int_equal(f->io.peer_connects, 0);
}

/* ---- a peer connecting in ---- */

/* RFC 6062 §5.3: only a peer with a permission may connect in; the
 * client hears of it by a ConnectionAttempt on its control connection. */
static void
test_accept_needs_permission(void **state)
{
	struct fx *f = *state;
	struct client c;
	struct sockaddr_storage from, p = ipp(PEER, 7000);
	unsigned n;
	uint32_t id;

	tcp_ready(f, &c);
	n = f->io.nsent;
	assert_int_equal(accept1(f, &c, PEER, 7000, &pconn_a), 0);
	assert_int_equal(f->io.nsent, n);
	assert_int_equal(f->io.peer_closes, 0);     /* the transport's to close */

	assert_int_equal(perm1(f, &c, PEER, 0), 200);
	n = f->io.nsent;
	id = accept1(f, &c, PEER, 7000, &pconn_a);
	assert_true(id != 0);
	assert_int_equal(f->io.nsent, n + 1);
	assert_ptr_equal(last_sent(f)->conn, &c);
	assert_true(addr_eq(&last_sent(f)->to.sa, SA(&c.addr)));
	memcpy(c.rbuf, last_sent(f)->buf, last_sent(f)->len);
	assert_int_equal(stun_decode(&c.rep, c.rbuf, last_sent(f)->len), 0);
	assert_int_equal(c.rep.method, STUN_CONNECTION_ATTEMPT);
	assert_int_equal(c.rep.cls, STUN_INDICATION);
	assert_int_equal(u32_of(&c, STUN_A_CONNECTION_ID), id);
	assert_int_equal(stun_attr_addr(&c.rep, stun_find(&c.rep,
				STUN_A_XOR_PEER_ADDRESS), true, &from), 0);
	assert_true(addr_eq(SA(&from), SA(&p)));
	/* Another peer IP still has none. */
	assert_int_equal(accept1(f, &c, PEER2, 7000, &pconn_b), 0);
	assert_int_equal(f->io.nsent, n + 1);
}

/* ---- ConnectionBind ---- */

/* RFC 6062 §5.4: on a new connection, the CONNECTION-ID of a connected
 * peer joins the two; the same id cannot be bound twice. */
static void
test_bind_200_pipe(void **state)
{
	struct fx *f = *state;
	struct client c, d, d2;
	uint32_t id;

	tcp_ready(f, &c);
	id = connected(f, &c, PEER, PPORT, &pconn_a);
	tcp_cli(&d, 40001, "alice", "alice-pw");
	assert_int_equal(conn_bind(f, &d, id), 200);
	assert_int_equal(f->io.pipes, 1);
	assert_ptr_equal(f->io.pipe_data, &d);
	assert_ptr_equal(f->io.pipe_peer, &pconn_a);
	assert_int_equal(f->io.pipe_id, id);

	tcp_cli(&d2, 40002, "alice", "alice-pw");
	assert_int_equal(conn_bind(f, &d2, id), 400);
	assert_int_equal(f->io.pipes, 1);
	/* The transport reports the pipe's end: the id is gone for good. */
	turn_on_pipe_closed(server(f), id);
	assert_int_equal(conn_bind(f, &d2, id), 400);
	assert_int_equal(f->io.peer_closes, 0);
}

/* The passive side: the ConnectionAttempt's id binds the same way. */
static void
test_bind_accepted_peer(void **state)
{
	struct fx *f = *state;
	struct client c, d;
	uint32_t id;

	tcp_ready(f, &c);
	assert_int_equal(perm1(f, &c, PEER, 0), 200);
	id = accept1(f, &c, PEER, 7000, &pconn_b);
	assert_true(id != 0);
	tcp_cli(&d, 40001, "alice", "alice-pw");
	assert_int_equal(conn_bind(f, &d, id), 200);
	assert_int_equal(f->io.pipes, 1);
	assert_ptr_equal(f->io.pipe_data, &d);
	assert_ptr_equal(f->io.pipe_peer, &pconn_b);
	assert_int_equal(f->io.pipe_id, id);
}

/* RFC 6062 §5.4: an unknown CONNECTION-ID, none, one still connecting,
 * or a ConnectionBind over UDP is 400. */
static void
test_bind_400(void **state)
{
	struct fx *f = *state;
	struct client c, d, u;
	uint32_t id, connecting;

	tcp_ready(f, &c);
	id = connected(f, &c, PEER, PPORT, &pconn_a);
	assert_int_equal(connect1(f, &c, PEER2, PPORT), 0);
	connecting = f->io.pc_id;
	tcp_cli(&d, 40001, "alice", "alice-pw");
	assert_int_equal(conn_bind(f, &d, id ^ 0x5a5a5a5a), 400);
	assert_int_equal(conn_bind(f, &d, 0), 400);
	assert_int_equal(conn_bind(f, &d, connecting), 400);
	cli(&u, "192.0.2.10", 40002, "alice", "alice-pw");  /* UDP */
	login(f, &u);
	assert_int_equal(conn_bind(f, &u, id), 400);
	assert_int_equal(f->io.pipes, 0);
	/* None of that used the id up. */
	assert_int_equal(conn_bind(f, &d, id), 200);
	assert_int_equal(f->io.pipes, 1);
}

/* Unsigned ConnectionBind over UDP or DTLS: a short 400 (ERROR-CODE
 * only), never a 401 challenge, which is 4.6x the request and a
 * reflection for a forged source (RFC 6062 §5.4: TCP/TLS only). */
static void
test_bind_400_unsigned_datagram(void **state)
{
	static const enum turn_transport tps[] = { TP_UDP, TP_DTLS };
	struct fx *f = *state;
	struct client u;

	with_tcp(f);
	for (size_t i = 0; i < sizeof(tps) / sizeof(tps[0]); i++) {
		cli(&u, "192.0.2.10", (uint16_t)(40002 + i), "alice", "alice-pw");
		u.tp = tps[i];
		req(&u, STUN_CONNECTION_BIND);
		stun_enc_u32(&u.e, STUN_A_CONNECTION_ID, 1);
		assert_int_equal(transact(f, &u), 400);
		assert_null(stun_find(&u.rep, STUN_A_NONCE));
		assert_null(stun_find(&u.rep, STUN_A_REALM));
		assert_true(last_sent(f)->len <= u.len * 2);
	}
	assert_int_equal(f->io.pipes, 0);
}

/* RFC 6062 §5.4: the data connection's user must be the allocation's. */
static void
test_bind_441_other_user(void **state)
{
	struct fx *f = *state;
	struct client c, b, d;
	uint32_t id;

	tcp_ready(f, &c);
	id = connected(f, &c, PEER, PPORT, &pconn_a);
	tcp_cli(&b, 40001, "bob", "bob-pw");
	assert_int_equal(conn_bind(f, &b, id), 441);
	assert_int_equal(f->io.pipes, 0);
	assert_int_equal(f->io.peer_closes, 0);
	tcp_cli(&d, 40002, "alice", "alice-pw");
	assert_int_equal(conn_bind(f, &d, id), 200);
	assert_int_equal(f->io.pipes, 1);
}

/* RFC 6062 §5.2/§5.3: a peer connection not bound within 30 s is closed
 * (on the tick), silently, and its id then binds to nothing. */
static void
test_bind_400_after_deadline(void **state)
{
	struct fx *f = *state;
	struct client c, d;
	unsigned n;
	uint32_t id;

	tcp_ready(f, &c);
	id = connected(f, &c, PEER, PPORT, &pconn_a);
	tcp_cli(&d, 40001, "alice", "alice-pw");
	data_login(f, &d);
	n = f->io.nsent;
	f->now_ms += DEADLINE_MS - 1;
	turn_server_tick(server(f), f->now_ms);
	assert_int_equal(f->io.peer_closes, 0);
	f->now_ms += 1;
	turn_server_tick(server(f), f->now_ms);
	assert_int_equal(f->io.peer_closes, 1);
	assert_ptr_equal(f->io.closed_peer, &pconn_a);
	assert_int_equal(f->io.nsent, n);
	assert_int_equal(conn_bind(f, &d, id), 400);
	assert_int_equal(f->io.pipes, 0);
	assert_int_equal(f->io.peer_closes, 1);
}

/* §5.2: the 30 s hold ends at 30 s, even before the sweep runs; and
 * §5.4: a ConnectionBind on the control connection itself is 400. */
static void
test_bind_400_late_or_on_control(void **state)
{
	struct fx *f = *state;
	struct client c, d;
	uint32_t id;

	tcp_ready(f, &c);
	id = connected(f, &c, PEER, PPORT, &pconn_a);
	assert_int_equal(conn_bind(f, &c, id), 400);     /* control conn */
	assert_int_equal(f->io.pipes, 0);
	tcp_cli(&d, 40001, "alice", "alice-pw");
	data_login(f, &d);
	f->now_ms += DEADLINE_MS;                         /* no tick yet */
	assert_int_equal(conn_bind(f, &d, id), 400);
	assert_int_equal(f->io.pipes, 0);
}

/* ---- the control connection closes ---- */

/* The allocation goes with its control connection (RFC 8656 §5), and
 * RFC 6062 §5's peer connections not yet bound go with the allocation. */
static void
test_conn_closed_drops_peers(void **state)
{
	struct fx *f = *state;
	struct client c, d;
	struct turn_pkt p;
	uint32_t active, connecting, passive;

	tcp_ready(f, &c);
	active = connected(f, &c, PEER, PPORT, &pconn_a);
	assert_int_equal(connect1(f, &c, PEER, PPORT + 1), 0);
	connecting = f->io.pc_id;
	assert_int_equal(perm1(f, &c, PEER2, 0), 200);
	passive = accept1(f, &c, PEER2, 7000, &pconn_b);
	assert_true(passive != 0);
	tcp_cli(&d, 40001, "alice", "alice-pw");
	data_login(f, &d);

	p = pkt(f, &c);
	turn_conn_closed(server(f), &p);
	assert_null(alloc_of(f, &c));
	assert_int_equal(f->io.closes, 1);                 /* the TCP relay */
	assert_int_equal(f->io.peer_closes, 2);            /* a and b */
	assert_true(f->io.closed_peer == &pconn_a ||
		    f->io.closed_peer == &pconn_b);
	assert_false(turn_on_peer_connect(server(f), connecting, &pconn_a,
					  f->now_ms));
	assert_int_equal(conn_bind(f, &d, active), 400);
	assert_int_equal(conn_bind(f, &d, passive), 400);
	assert_int_equal(f->io.pipes, 0);
	assert_int_equal(f->io.peer_closes, 2);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_alloc_tcp_over_udp_400),
		T(test_alloc_tcp_200),
		T(test_alloc_tcp_400_udp_extras),
		T(test_connect_200),
		T(test_connect_447_failure),
		T(test_connect_447_timeout),
		T(test_connect_446_dup),
		T(test_connect_403_denied),
		T(test_connect_443_family),
		T(test_connect_400),
		T(test_connect_437_no_allocation),
		T(test_accept_needs_permission),
		T(test_bind_200_pipe),
		T(test_bind_accepted_peer),
		T(test_bind_400),
		T(test_bind_400_unsigned_datagram),
		T(test_bind_441_other_user),
		T(test_bind_400_after_deadline),
		T(test_bind_400_late_or_on_control),
		T(test_conn_closed_drops_peers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
