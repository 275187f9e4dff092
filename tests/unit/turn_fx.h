/*
 * turn_fx.h — the fixture shared by the TURN core unit tests
 * (test_turn*.c): a fake I/O port that records what the core sends and
 * opens, a fake clock, and a client that builds and signs requests.
 * Each test file includes it once; not every file uses every helper.
 */
#ifndef TURN_FX_H
#define TURN_FX_H
#pragma GCC diagnostic ignored "-Wunused-function"
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <setjmp.h>
#include <string.h>
#include <arpa/inet.h>
#include <cmocka.h>

#include "addr.h"
#include "alloc.h"
#include "auth.h"
#include "conf.h"
#include "stun.h"
#include "turn.h"

#define REALM         "example.org"
#define PORT_MIN      50000
#define PORT_MAX      50009
#define T0_MS         1000000u
#define T0_WALL       1700000000
#define NSENT         8
#define NRELAYS       64
#define UDP_TRANSPORT (17u << 24)
#define SA(x)         ((struct sockaddr *)(x))

/* ---- the fake I/O port ---- */

struct sent {                       /* one message to a client */
	uint8_t buf[2048];
	size_t len;
	sockaddr_u to;
	void *conn;
};

struct relay {                      /* a fake relay socket (the handle) */
	sockaddr_u addr;
	struct alloc *owner;
	unsigned closes;
};

struct fake {
	struct sent sent[NSENT];        /* ring: the last NSENT messages */
	unsigned nsent;
	struct relay relays[NRELAYS];
	unsigned nrelays, open_calls, closes;
	sockaddr_u last_open;           /* address of the last relay_open */
	unsigned fail_opens;            /* fail this many relay_open calls */
	int fail_errno;                 /* with this errno */
	int fail_family;                /* of this family only (0: any) */
	int send_errno;                 /* relay_send's answer */
	unsigned relay_sends;           /* the last relay_send: */
	struct relay *rs_handle;
	sockaddr_u rs_peer;
	uint8_t rs_buf[2048];
	size_t rs_len;
	/* RFC 6062 callbacks, installed by with_tcp() only. */
	unsigned tcp_opens;             /* tcp_relay_open calls */
	unsigned peer_connects;         /* the last peer_connect: */
	struct relay *pc_handle;
	sockaddr_u pc_peer;
	uint32_t pc_id;
	int connect_errno;              /* peer_connect's answer */
	unsigned pipes;                 /* the last pipe: */
	void *pipe_data, *pipe_peer;
	uint32_t pipe_id;
	int pipe_errno;                 /* pipe's answer */
	unsigned peer_closes;           /* the last peer_close: */
	void *closed_peer;
};

static int
fake_send(void *arg, void *conn, const struct sockaddr *to,
	  const struct sockaddr *from, const uint8_t *buf, size_t len)
{
	struct fake *io = arg;
	struct sent *s = &io->sent[io->nsent++ % NSENT];

	/* The server half of the 5-tuple goes with every message. */
	assert_non_null(from);
	assert_int_equal(from->sa_family, to->sa_family);
	assert_true(len <= sizeof(s->buf));
	memcpy(s->buf, buf, len);
	s->len = len;
	sau_set(&s->to, to);
	s->conn = conn;
	return 0;
}

static int
fake_relay_open(void *arg, const struct sockaddr *addr, struct alloc *owner,
		void **handle)
{
	struct fake *io = arg;
	struct relay *r;

	io->open_calls++;
	sau_set(&io->last_open, addr);
	if (io->fail_opens > 0 &&
	    (io->fail_family == 0 || io->fail_family == addr->sa_family)) {
		io->fail_opens--;
		return io->fail_errno;
	}
	assert_true(io->nrelays < NRELAYS);
	r = &io->relays[io->nrelays++];
	sau_set(&r->addr, addr);
	r->owner = owner;
	*handle = r;
	return 0;
}

static int
fake_relay_send(void *arg, void *handle, const struct sockaddr *peer,
		const uint8_t *buf, size_t len)
{
	struct fake *io = arg;

	io->relay_sends++;
	io->rs_handle = handle;
	sau_set(&io->rs_peer, peer);
	assert_true(len <= sizeof(io->rs_buf));
	memcpy(io->rs_buf, buf, len);
	io->rs_len = len;
	return io->send_errno;
}

static void
fake_relay_close(void *arg, void *handle)
{
	struct fake *io = arg;
	struct relay *r = handle;

	assert_true(r >= io->relays && r < io->relays + io->nrelays);
	r->closes++;
	io->closes++;
}

static int
fake_tcp_relay_open(void *arg, const struct sockaddr *addr,
		    struct alloc *owner, void **handle)
{
	struct fake *io = arg;

	io->tcp_opens++;
	return fake_relay_open(arg, addr, owner, handle);
}

static int
fake_peer_connect(void *arg, void *handle, const struct sockaddr *peer,
		  uint32_t id)
{
	struct fake *io = arg;

	io->peer_connects++;
	io->pc_handle = handle;
	sau_set(&io->pc_peer, peer);
	io->pc_id = id;
	return io->connect_errno;
}

static int
fake_pipe(void *arg, void *data_conn, void *peer_conn, uint32_t id)
{
	struct fake *io = arg;

	io->pipes++;
	io->pipe_data = data_conn;
	io->pipe_peer = peer_conn;
	io->pipe_id = id;
	return io->pipe_errno;
}

static void
fake_peer_close(void *arg, void *peer_conn)
{
	struct fake *io = arg;

	io->peer_closes++;
	io->closed_peer = peer_conn;
}

/* ---- the fixture: config, authenticator, core, clock ---- */

struct fx {
	struct conf conf;
	struct fake io;
	struct turn_io port;
	struct auth *auth;
	struct turn_server srv;
	bool up;
	uint64_t now_ms;                /* the fake clock */
	int64_t wall_s;
	struct sockaddr_storage local;  /* where requests arrive */
};

static void
add_user(struct conf *c, const char *name, const char *pass)
{
	c->users[c->nusers].name = strdup(name);
	c->users[c->nusers].password = strdup(pass);
	c->nusers++;
}

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	conf_defaults(&f->conf);
	f->conf.realm = strdup(REALM);
	add_user(&f->conf, "alice", "alice-pw");
	add_user(&f->conf, "bob", "bob-pw");
	f->conf.relay_port_min = PORT_MIN;
	f->conf.relay_port_max = PORT_MAX;
	f->port = (struct turn_io){
		.arg = &f->io, .send = fake_send,
		.relay_open = fake_relay_open, .relay_send = fake_relay_send,
		.relay_close = fake_relay_close,
	};
	f->now_ms = T0_MS;
	f->wall_s = T0_WALL;
	assert_int_equal(addr_parse("127.0.0.1:3478", 0, &f->local), 0);
	*state = f;
	return 0;
}

/* The core, started on first use so tests can edit f->conf before. */
static struct turn_server *
server(struct fx *f)
{
	static const uint8_t key[32] = { 7, 7, 7 };
	char err[128];

	if (!f->up) {
		assert_int_equal(auth_new(&f->auth, &f->conf, key, err,
					  sizeof(err)), 0);
		assert_int_equal(turn_server_init(&f->srv, &f->conf, &f->port,
						  f->auth, 42), 0);
		f->up = true;
	}
	return &f->srv;
}

/* Every relay socket ever opened is closed exactly once. */
static int
teardown(void **state)
{
	struct fx *f = *state;

	if (f->up) {
		turn_server_fini(&f->srv);
		for (unsigned i = 0; i < f->io.nrelays; i++)
			assert_int_equal(f->io.relays[i].closes, 1);
		auth_free(f->auth);
	}
	conf_free(&f->conf);
	free(f);
	return 0;
}

/* An IPv6 listen address: IPv6 relays become possible. */
static void
with_v6(struct fx *f)
{
	assert_int_equal(addr_parse("[2001:db8::1]:3478", 0,
				    &f->conf.listen[1]), 0);
}

/* RFC 6062: the port gets the TCP relay callbacks (before server()). */
static void
with_tcp(struct fx *f)
{
	f->port.tcp_relay_open = fake_tcp_relay_open;
	f->port.peer_connect = fake_peer_connect;
	f->port.pipe = fake_pipe;
	f->port.peer_close = fake_peer_close;
}

static struct sockaddr_storage
ipp(const char *ip, uint16_t port)
{
	struct sockaddr_storage ss;

	assert_int_equal(addr_parse_ip(ip, &ss), 0);
	addr_set_port(SA(&ss), port);
	return ss;
}

static unsigned
ports_used(struct fx *f, int family)
{
	return turn_shared_ports_used(server(f)->sh, family);
}

/* ---- a client: builds requests, signs them, reads the answers ---- */

struct client {
	struct sockaddr_storage addr;
	enum turn_transport tp;
	const char *user, *pass;
	char nonce[AUTH_NONCE_MAX];
	struct auth_key key;
	bool authed;                    /* has a nonce and a key */
	bool signed_req;                /* the request being built is signed */
	uint16_t method;
	struct stun_enc e;
	uint8_t buf[1024];
	size_t len;                     /* of the last request sent */
	uint8_t rbuf[2048];
	struct stun_msg rep;            /* the last answer */
	int code;                       /* 200, its error code, 0: none */
	struct sockaddr_storage relay[2];   /* from the Allocate success */
	unsigned nrelay;
};

static void
cli(struct client *c, const char *ip, uint16_t port, const char *user,
    const char *pass)
{
	memset(c, 0, sizeof(*c));
	c->addr = ipp(ip, port);
	c->tp = TP_UDP;
	c->user = user;
	c->pass = pass;
}

static struct turn_pkt
pkt(struct fx *f, struct client *c)
{
	return (struct turn_pkt){
		.conn = c, .tp = c->tp, .client = SA(&c->addr),
		.local = SA(&f->local), .now_ms = f->now_ms,
		.wall_s = f->wall_s,
	};
}

static void
deliver(struct fx *f, struct client *c, const uint8_t *buf, size_t len)
{
	struct turn_pkt p = pkt(f, c);

	turn_on_client(server(f), &p, buf, len);
}

static struct sent *
last_sent(struct fx *f)
{
	assert_true(f->io.nsent > 0);
	return &f->io.sent[(f->io.nsent - 1) % NSENT];
}

/* Start a message with a fresh transaction id. */
static struct stun_enc *
begin(struct client *c, uint16_t method, uint8_t cls)
{
	static uint32_t n;
	uint8_t tid[16] = { 0x21, 0x12, 0xA4, 0x42, 0x7e };

	n++;
	memcpy(tid + 8, &n, sizeof(n));
	c->method = method;
	c->signed_req = false;
	stun_enc_begin(&c->e, c->buf, sizeof(c->buf), method, cls, tid);
	return &c->e;
}

static struct stun_enc *
req(struct client *c, uint16_t method)
{
	return begin(c, method, STUN_REQUEST);
}

static void
sign(struct client *c)
{
	stun_enc_str(&c->e, STUN_A_USERNAME, c->user);
	stun_enc_str(&c->e, STUN_A_REALM, REALM);
	stun_enc_str(&c->e, STUN_A_NONCE, c->nonce);
	stun_enc_integrity(&c->e, c->key.key, c->key.len);
	c->signed_req = true;
}

static int
error_code(const struct stun_msg *m)
{
	const char *reason;
	size_t rlen;
	int code = 0;

	assert_int_equal(stun_attr_error(m, stun_find(m, STUN_A_ERROR_CODE),
					 &code, &reason, &rlen), 0);
	return code;
}

static unsigned relayed(const struct client *c, struct sockaddr_storage out[2]);

/* Send the request in c->buf again (as built, or retransmitted) and read
 * the answer: one message, to this client, same transaction, signed
 * with the client's key whenever the request was accepted as signed. */
static int
roundtrip(struct fx *f, struct client *c)
{
	unsigned before = f->io.nsent;
	struct sent *s;

	deliver(f, c, c->buf, c->len);
	if (f->io.nsent == before)
		return c->code = 0;
	assert_int_equal(f->io.nsent, before + 1);
	s = last_sent(f);
	assert_ptr_equal(s->conn, c);
	assert_true(addr_eq(&s->to.sa, SA(&c->addr)));
	memcpy(c->rbuf, s->buf, s->len);
	assert_int_equal(stun_decode(&c->rep, c->rbuf, s->len), 0);
	assert_memory_equal(c->rep.tid, c->buf + 4, 16);
	assert_int_equal(c->rep.method, c->method);
	c->code = c->rep.cls == STUN_SUCCESS ? 200 : error_code(&c->rep);
	if (!c->signed_req)
		assert_int_equal(c->rep.mi, -1);
	else if (c->code != 401 && c->code != 438 && c->code != 420)
		assert_int_equal(stun_check_integrity(&c->rep, false, c->key.key,
						      c->key.len), 0);
	if (c->code == 200 && c->method == STUN_ALLOCATE)
		c->nrelay = relayed(c, c->relay);
	return c->code;
}

static int
transact(struct fx *f, struct client *c)
{
	assert_int_equal(stun_enc_finish(&c->e, &c->len), 0);
	return roundtrip(f, c);
}

static int
xmit(struct fx *f, struct client *c)
{
	sign(c);
	return transact(f, c);
}

static const uint8_t *
attr_of(const struct client *c, uint16_t type, size_t len)
{
	const struct stun_attr *a = stun_find(&c->rep, type);

	assert_non_null(a);
	assert_int_equal(a->len, len);
	return stun_attr_val(&c->rep, a);
}

static uint32_t
u32_of(const struct client *c, uint16_t type)
{
	uint32_t v = 0;

	assert_int_equal(stun_attr_u32(&c->rep, stun_find(&c->rep, type), &v), 0);
	return v;
}

/* The 401 challenge: keep its nonce, derive the long-term key. */
static void
take_challenge(struct client *c)
{
	const struct stun_attr *n = stun_find(&c->rep, STUN_A_NONCE);

	assert_memory_equal(attr_of(c, STUN_A_REALM, strlen(REALM)), REALM,
			    strlen(REALM));
	assert_non_null(n);
	assert_true(n->len > 0 && n->len < sizeof(c->nonce));
	memcpy(c->nonce, stun_attr_val(&c->rep, n), n->len);
	c->nonce[n->len] = '\0';
	assert_int_equal(auth_ltc_key(AUTH_ALG_MD5, c->user, REALM, c->pass,
				      &c->key), 0);
	c->authed = true;
}

/* The first round trip: an unsigned Allocate, answered 401. */
static void
login(struct fx *f, struct client *c)
{
	stun_enc_u32(req(c, STUN_ALLOCATE), STUN_A_REQUESTED_TRANSPORT,
		     UDP_TRANSPORT);
	assert_int_equal(transact(f, c), 401);
	take_challenge(c);
}

/* A signed Allocate for UDP under construction: add attributes, xmit. */
static struct stun_enc *
alloc_req(struct fx *f, struct client *c)
{
	if (!c->authed)
		login(f, c);
	stun_enc_u32(req(c, STUN_ALLOCATE), STUN_A_REQUESTED_TRANSPORT,
		     UDP_TRANSPORT);
	return &c->e;
}

static int
allocate(struct fx *f, struct client *c)
{
	alloc_req(f, c);
	return xmit(f, c);
}

/* Refresh; lifetime < 0: without LIFETIME. */
static int
refresh(struct fx *f, struct client *c, long lifetime)
{
	if (!c->authed)
		login(f, c);
	req(c, STUN_REFRESH);
	if (lifetime >= 0)
		stun_enc_u32(&c->e, STUN_A_LIFETIME, (uint32_t)lifetime);
	return xmit(f, c);
}

/* The XOR-RELAYED-ADDRESSes of the last answer. */
static unsigned
relayed(const struct client *c, struct sockaddr_storage out[2])
{
	unsigned n = 0;

	for (unsigned i = 0; i < c->rep.nattrs; i++) {
		if (c->rep.attrs[i].type != STUN_A_XOR_RELAYED_ADDRESS)
			continue;
		assert_true(n < 2);
		assert_int_equal(stun_attr_addr(&c->rep, &c->rep.attrs[i],
						 true, &out[n]), 0);
		n++;
	}
	return n;
}

static uint16_t
relayed_port(const struct client *c)
{
	struct sockaddr_storage r[2];

	assert_int_equal(relayed(c, r), 1);
	return addr_port(SA(&r[0]));
}


/* ---- the data path: permissions, channels, Send, ChannelData, peers ---- */

/* The allocation of client c (NULL: none). */
static struct alloc *
alloc_of(struct fx *f, struct client *c)
{
	struct turn_pkt p = pkt(f, c);
	struct five_tuple ft;

	memset(&ft, 0, sizeof(ft));
	sau_set(&ft.client, p.client);
	sau_set(&ft.server, p.local);
	ft.proto = (uint8_t)p.tp;
	return alloc_find(server(f)->allocs, &ft);
}

/* CreatePermission for n peers. */
static int
create_perm(struct fx *f, struct client *c, const struct sockaddr_storage *peers,
	    unsigned n)
{
	if (!c->authed)
		login(f, c);
	req(c, STUN_CREATE_PERMISSION);
	for (unsigned i = 0; i < n; i++)
		stun_enc_addr(&c->e, STUN_A_XOR_PEER_ADDRESS, SA(&peers[i]), true);
	return xmit(f, c);
}

static int
perm1(struct fx *f, struct client *c, const char *ip, uint16_t port)
{
	struct sockaddr_storage p = ipp(ip, port);

	return create_perm(f, c, &p, 1);
}

/* ChannelBind; num < 0: no CHANNEL-NUMBER, peer NULL: no peer. */
static int
chan_bind_req(struct fx *f, struct client *c, long num,
	      const struct sockaddr_storage *peer)
{
	if (!c->authed)
		login(f, c);
	req(c, STUN_CHANNEL_BIND);
	if (num >= 0)
		stun_enc_u32(&c->e, STUN_A_CHANNEL_NUMBER, (uint32_t)num << 16);
	if (peer != NULL)
		stun_enc_addr(&c->e, STUN_A_XOR_PEER_ADDRESS, SA(peer), true);
	return xmit(f, c);
}

static int
bind1(struct fx *f, struct client *c, long num, const char *ip, uint16_t port)
{
	struct sockaddr_storage p = ipp(ip, port);

	return chan_bind_req(f, c, num, &p);
}

/* A Send indication (never answered): @return messages sent back. */
static unsigned
send_ind(struct fx *f, struct client *c, const struct sockaddr_storage *peer,
	 const void *data, size_t len)
{
	unsigned before = f->io.nsent;

	begin(c, STUN_SEND, STUN_INDICATION);
	if (peer != NULL)
		stun_enc_addr(&c->e, STUN_A_XOR_PEER_ADDRESS, SA(peer), true);
	if (data != NULL)
		stun_enc_attr(&c->e, STUN_A_DATA, data, len);
	assert_int_equal(stun_enc_finish(&c->e, &c->len), 0);
	deliver(f, c, c->buf, c->len);
	return f->io.nsent - before;
}

/* ChannelData from the client; wire_len lets a test lie in the header. */
static void
chandata_raw(struct fx *f, struct client *c, uint16_t num, uint16_t wire_len,
	     const void *data, size_t len)
{
	uint8_t buf[1024];

	assert_true(4 + len <= sizeof(buf));
	buf[0] = (uint8_t)(num >> 8);
	buf[1] = (uint8_t)num;
	buf[2] = (uint8_t)(wire_len >> 8);
	buf[3] = (uint8_t)wire_len;
	memcpy(buf + 4, data, len);
	deliver(f, c, buf, 4 + len);
}

static void
chandata(struct fx *f, struct client *c, uint16_t num, const void *data,
	 size_t len)
{
	chandata_raw(f, c, num, (uint16_t)len, data, len);
}

/* A datagram from peer to allocation a's relay: @return messages sent. */
static unsigned
from_peer(struct fx *f, struct alloc *a, const struct sockaddr_storage *peer,
	  const void *data, size_t len)
{
	static uint8_t buf[TURN_PEER_HEADROOM + 1024 + TURN_PEER_TAILROOM];
	unsigned before = f->io.nsent;

	assert_non_null(a);
	assert_true(len <= 1024);
	memcpy(buf + TURN_PEER_HEADROOM, data, len);
	turn_on_peer(server(f), a, SA(peer), buf + TURN_PEER_HEADROOM, len,
		     f->now_ms);
	return f->io.nsent - before;
}

/* The last message to c is a Data indication from peer carrying data. */
static void
assert_data_ind(struct fx *f, struct client *c,
		const struct sockaddr_storage *peer, const void *data, size_t len)
{
	struct sent *s = last_sent(f);
	struct sockaddr_storage from;
	const struct stun_attr *d;

	assert_ptr_equal(s->conn, c);
	assert_true(addr_eq(&s->to.sa, SA(&c->addr)));
	memcpy(c->rbuf, s->buf, s->len);
	assert_int_equal(stun_decode(&c->rep, c->rbuf, s->len), 0);
	assert_int_equal(c->rep.method, STUN_DATA);
	assert_int_equal(c->rep.cls, STUN_INDICATION);
	assert_int_equal(stun_attr_addr(&c->rep, stun_find(&c->rep,
				STUN_A_XOR_PEER_ADDRESS), true, &from), 0);
	assert_true(addr_eq(SA(&from), SA(peer)));
	d = stun_find(&c->rep, STUN_A_DATA);
	assert_non_null(d);
	assert_int_equal(d->len, len);
	assert_memory_equal(stun_attr_val(&c->rep, d), data, len);
}

/* The last message to c is ChannelData on num carrying data. */
static void
assert_chandata(struct fx *f, struct client *c, uint16_t num,
		const void *data, size_t len)
{
	struct sent *s = last_sent(f);

	assert_ptr_equal(s->conn, c);
	assert_true(s->len >= 4 + len);
	assert_int_equal(s->buf[0] << 8 | s->buf[1], num);
	assert_int_equal(s->buf[2] << 8 | s->buf[3], len);
	assert_memory_equal(s->buf + 4, data, len);
}

/* The last relay_send went from c's relay to peer with data. */
static void
assert_relayed(struct fx *f, struct client *c,
	       const struct sockaddr_storage *peer, const void *data, size_t len)
{
	struct alloc *a = alloc_of(f, c);
	unsigned i = 0;

	assert_non_null(a);
	while (i + 1 < a->nrelay && a->relay[i].sa.sa_family != peer->ss_family)
		i++;
	assert_ptr_equal(f->io.rs_handle, a->relay_handle[i]);
	assert_true(addr_eq(&f->io.rs_peer.sa, SA(peer)));
	assert_int_equal(f->io.rs_len, len);
	assert_memory_equal(f->io.rs_buf, data, len);
}

/* ---- scoped credentials (anonymous-relay "relay") ---- */

#define SECRET "scope-secret"

/* A REST credential as signaling hands out: "EXPIRY:relay:ID" when
 * relay_only; name and pass must outlive the client. */
static void
rest_cli(struct fx *f, struct client *c, const char *ip, uint16_t port,
	 bool relay_only, char name[96], char pass[64])
{
	assert_true(auth_rest_username(name, 96, f->wall_s + 600, relay_only,
				       "s1") > 0);
	assert_int_equal(auth_rest_password(SECRET, name, pass, 64), 28);
	cli(c, ip, port, name, pass);
}

static void
with_secret(struct fx *f)
{
	f->conf.auth_secrets[0] = strdup(SECRET);
	f->conf.nsecrets = 1;
}

#endif /* TURN_FX_H */
