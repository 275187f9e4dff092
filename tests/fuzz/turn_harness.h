/**
 * @file turn_harness.h  The fake world of fuzz_turn.c: a TURN core over a
 * fake I/O port and a fake clock, with one static user and one TURN REST
 * secret, four clients, and a signer that turns any request into one
 * with valid credentials (the nonce taken from the last 401/438 the
 * client received: nonces are stateless HMACs, RFC 8489 §9.2).
 *
 * The port records nothing but the nonce; it checks every message the
 * core sends (length, framing) and every relay handle it is given, and
 * aborts on anything wrong. Everything is freed by th_fini() (ASan's
 * leak check runs after every input).
 */
#ifndef TURN_HARNESS_H
#define TURN_HARNESS_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "addr.h"
#include "auth.h"
#include "conf.h"
#include "stun.h"
#include "turn.h"

#define TH_REALM    "example.org"
#define TH_USER     "alice"
#define TH_PASS     "alice-pw"
#define TH_SECRET   "fuzz-secret"
#define TH_CLIENTS  4
#define TH_RELAYS   64
#define TH_PENDING  16
#define TH_MSG_MAX  (STUN_HDR_LEN + 65535 + TURN_PEER_HEADROOM)

struct th_client {
	struct sockaddr_storage addr;
	char nonce[AUTH_NONCE_MAX];
	size_t nonce_len;
};

struct th_relay {
	struct alloc *owner;
	bool open, tcp;
};

struct th {
	struct conf conf;
	struct turn_io io;
	struct auth *auth;
	struct turn_server srv;
	struct sockaddr_storage local[2];   /* IPv4, IPv6 */
	struct th_client cli[TH_CLIENTS];
	int conns[TH_CLIENTS][2];           /* opaque conn handles: UDP, TCP */
	struct th_relay relays[TH_RELAYS];
	unsigned nrelays;
	uint32_t connecting[TH_PENDING];    /* peer_connect ids, unanswered */
	uint32_t piped[TH_PENDING];         /* pipe ids, still open */
	int peer_conn;                      /* the one fake peer connection */
	uint64_t now_ms;
	int64_t wall_s;
	uint32_t cid;                       /* the last CONNECTION-ID sent */
	uint64_t sent;
	bool debug;                         /* FUZZ_TURN_DEBUG: print answers */
};

/* Nonces are bound to the client's IP: every client of that IP keeps it. */
static void
th_keep_nonce(struct th *h, const struct sockaddr *to, const uint8_t *buf,
	      size_t len)
{
	const struct stun_attr *n;
	struct stun_msg m;

	if (stun_decode(&m, buf, len) != 0)
		return;
	if ((n = stun_find(&m, STUN_A_CONNECTION_ID)) != NULL)
		(void)stun_attr_u32(&m, n, &h->cid);
	if (m.cls != STUN_ERROR || (n = stun_find(&m, STUN_A_NONCE)) == NULL ||
	    n->len >= AUTH_NONCE_MAX)
		return;
	for (unsigned i = 0; i < TH_CLIENTS; i++) {
		if (!addr_ip_eq(to, (struct sockaddr *)&h->cli[i].addr))
			continue;
		memcpy(h->cli[i].nonce, stun_attr_val(&m, n), n->len);
		h->cli[i].nonce_len = n->len;
	}
}

/* Every message to a client: a whole STUN message or ChannelData. */
static int
th_send(void *arg, void *conn, const struct sockaddr *to,
	const struct sockaddr *from, const uint8_t *buf, size_t len)
{
	struct th *h = arg;
	struct chandata cd;
	struct stun_msg m;

	if (conn == NULL || to == NULL || from == NULL || buf == NULL || len < 4 ||
	    len > TH_MSG_MAX)
		abort();
	if ((buf[0] & 0xC0) == 0x40) {
		if (chandata_decode(&cd, buf, len) != 0 || len < 4u + cd.len)
			abort();
	} else if (stun_decode(&m, buf, len) != 0) {
		abort();
	}
	th_keep_nonce(h, to, buf, len);
	if (h->debug && (buf[0] & 0xC0) == 0)
		fprintf(stderr, "  -> %s class %u, %zu bytes\n",
			stun_method_name(m.method), m.cls, len);
	h->sent++;
	return 0;
}

static struct th_relay *
th_relay_of(struct th *h, void *handle)
{
	struct th_relay *r = handle;

	if (r < h->relays || r >= h->relays + h->nrelays || !r->open)
		abort();
	return r;
}

static int
th_open(struct th *h, struct alloc *owner, void **handle, bool tcp)
{
	struct th_relay *r;

	if (owner == NULL || h->nrelays == TH_RELAYS)
		return ENOMEM;
	r = &h->relays[h->nrelays++];
	*r = (struct th_relay){ .owner = owner, .open = true, .tcp = tcp };
	*handle = r;
	return 0;
}

static int
th_relay_open(void *arg, const struct sockaddr *addr, struct alloc *owner,
	      void **handle)
{
	(void)addr;
	return th_open(arg, owner, handle, false);
}

static int
th_tcp_relay_open(void *arg, const struct sockaddr *addr, struct alloc *owner,
		  void **handle)
{
	(void)addr;
	return th_open(arg, owner, handle, true);
}

static int
th_relay_send(void *arg, void *handle, const struct sockaddr *peer,
	      const uint8_t *buf, size_t len)
{
	(void)th_relay_of(arg, handle);
	if (peer == NULL || (buf == NULL && len > 0) || len > 65535)
		abort();
	return 0;
}

static void
th_relay_close(void *arg, void *handle)
{
	th_relay_of(arg, handle)->open = false;
}

static bool
th_id_put(uint32_t *ids, uint32_t id)
{
	for (unsigned i = 0; i < TH_PENDING; i++) {
		if (ids[i] == 0) {
			ids[i] = id;
			return true;
		}
	}
	return false;
}

/* The n-th live id of a list, taken out; 0 if none. */
static uint32_t
th_id_take(uint32_t *ids, unsigned n)
{
	unsigned live = 0, i;

	for (i = 0; i < TH_PENDING; i++)
		live += ids[i] != 0;
	for (i = 0; live > 0 && i < TH_PENDING; i++) {
		if (ids[i] != 0 && n-- % live == 0) {
			uint32_t id = ids[i];
			ids[i] = 0;
			return id;
		}
	}
	return 0;
}

static int
th_peer_connect(void *arg, void *handle, const struct sockaddr *peer,
		uint32_t id)
{
	struct th *h = arg;

	if (!th_relay_of(h, handle)->tcp || peer == NULL || id == 0)
		abort();
	return th_id_put(h->connecting, id) ? 0 : ENOBUFS;
}

static int
th_pipe(void *arg, void *data_conn, void *peer_conn, uint32_t id)
{
	struct th *h = arg;

	if (data_conn == NULL || peer_conn == NULL || id == 0)
		abort();
	return th_id_put(h->piped, id) ? 0 : ENOBUFS;
}

static void
th_peer_close(void *arg, void *peer_conn)
{
	(void)arg;
	if (peer_conn == NULL)
		abort();
}

static void
th_client_addr(struct th *h, unsigned i, const char *ip, uint16_t port)
{
	if (addr_parse_ip(ip, &h->cli[i].addr) != 0)
		abort();
	addr_set_port((struct sockaddr *)&h->cli[i].addr, port);
}

static void
th_conf(struct conf *c)
{
	conf_defaults(c);
	c->realm = strdup(TH_REALM);
	c->users[0].name = strdup(TH_USER);
	c->users[0].password = strdup(TH_PASS);
	c->nusers = 1;
	c->auth_secrets[0] = strdup(TH_SECRET);
	c->nsecrets = 1;
	c->relay_port_min = 50000;
	c->relay_port_max = 50015;
	c->user_quota = 8;
	c->max_permissions = 4;
	if (addr_parse("127.0.0.1:3478", 0, &c->listen[0]) != 0 ||
	    addr_parse("[::1]:3478", 0, &c->listen[1]) != 0 ||
	    cidr_parse("127.0.0.1/32", &c->allow_peer[0]) != 0)
		abort();
	c->nallow_peer = 1;
}

static void
th_init(struct th *h)
{
	static const uint8_t key[32] = { 1, 2, 3 };

	memset(h, 0, sizeof(*h));
	th_conf(&h->conf);
	h->io = (struct turn_io){
		.arg = h, .send = th_send, .relay_open = th_relay_open,
		.relay_send = th_relay_send, .relay_close = th_relay_close,
		.tcp_relay_open = th_tcp_relay_open,
		.peer_connect = th_peer_connect, .pipe = th_pipe,
		.peer_close = th_peer_close,
	};
	h->local[0] = h->conf.listen[0];
	h->local[1] = h->conf.listen[1];
	th_client_addr(h, 0, "192.0.2.1", 40000);
	th_client_addr(h, 1, "192.0.2.1", 40001);
	th_client_addr(h, 2, "198.51.100.7", 40000);
	th_client_addr(h, 3, "2001:db8::7", 40000);
	h->now_ms = 1000000;
	h->wall_s = 1700000000;
	h->debug = getenv("FUZZ_TURN_DEBUG") != NULL;
	if (auth_new(&h->auth, &h->conf, key, NULL, 0) != 0 ||
	    turn_server_init(&h->srv, &h->conf, &h->io, h->auth, 42) != 0)
		abort();
}

static void
th_fini(struct th *h)
{
	turn_server_fini(&h->srv);
	for (unsigned i = 0; i < h->nrelays; i++)
		if (h->relays[i].open)
			abort();       /* every relay socket closed at the end */
	auth_free(h->auth);
	conf_free(&h->conf);
}

/* The packet of client i over UDP (tcp false) or its TCP connection. */
static struct turn_pkt
th_pkt(struct th *h, unsigned i, bool tcp)
{
	const struct sockaddr *c = (struct sockaddr *)&h->cli[i].addr;

	return (struct turn_pkt){
		.conn = &h->conns[i][tcp], .tp = tcp ? TP_TCP : TP_UDP,
		.client = c,
		.local = (struct sockaddr *)&h->local[c->sa_family == AF_INET6],
		.now_ms = h->now_ms, .wall_s = h->wall_s,
	};
}

static bool
th_is_cred(uint16_t type)
{
	return type == STUN_A_USERNAME || type == STUN_A_USERHASH ||
	       type == STUN_A_REALM || type == STUN_A_NONCE ||
	       type == STUN_A_MESSAGE_INTEGRITY ||
	       type == STUN_A_MESSAGE_INTEGRITY_SHA256 ||
	       type == STUN_A_FINGERPRINT;
}

/*
 * Rebuild message in[0..len) with valid credentials for client i: its
 * other attributes kept (a CONNECTION-ID replaced by the last one the
 * server gave out, RFC 6062 §4.3), then USERNAME (the static user, or a live TURN
 * REST name when rest), REALM, NONCE, MESSAGE-INTEGRITY (or -SHA256 if
 * the original had it) and FINGERPRINT if it had one (RFC 8489 §9.2.4).
 * @return the new length, or 0 if in is not a STUN message.
 */
static size_t
th_sign(struct th *h, unsigned i, bool rest, const uint8_t *in, size_t len,
	uint8_t *out, size_t cap)
{
	char user[64], pass[64];
	struct auth_key key;
	struct stun_enc e;
	struct stun_msg m;
	size_t n;

	if (stun_decode(&m, in, len) != 0)
		return 0;
	if (rest) {
		snprintf(user, sizeof(user), "%lld:fuzz",
			 (long long)h->wall_s + 3600);
		auth_rest_password(TH_SECRET, user, pass, sizeof(pass));
	} else {
		snprintf(user, sizeof(user), "%s", TH_USER);
		snprintf(pass, sizeof(pass), "%s", TH_PASS);
	}
	if (auth_ltc_key(AUTH_ALG_MD5, user, TH_REALM, pass, &key) != 0)
		abort();
	stun_enc_begin(&e, out, cap, m.method, m.cls, m.tid);
	for (unsigned k = 0; k < m.nattrs; k++) {
		const struct stun_attr *a = &m.attrs[k];

		if (a->type == STUN_A_CONNECTION_ID && h->cid != 0)
			stun_enc_u32(&e, a->type, h->cid);
		else if (!th_is_cred(a->type))
			stun_enc_attr(&e, a->type, stun_attr_val(&m, a),
				      a->len);
	}
	stun_enc_str(&e, STUN_A_USERNAME, user);
	stun_enc_str(&e, STUN_A_REALM, TH_REALM);
	stun_enc_attr(&e, STUN_A_NONCE, h->cli[i].nonce, h->cli[i].nonce_len);
	if (m.mi256 >= 0)
		stun_enc_integrity_sha256(&e, key.key, key.len);
	else
		stun_enc_integrity(&e, key.key, key.len);
	if (m.fp >= 0)
		stun_enc_fingerprint(&e);
	return stun_enc_finish(&e, &n) == 0 ? n : 0;
}

#endif /* TURN_HARNESS_H */
