/**
 * @file stunprobe.c  A small STUN client for the integration tests: the
 * cases turnutils_stunclient cannot make (TCP framing, RFC 3489, odd
 * attributes, garbage).
 *
 *   stunprobe udp   ADDR PORT [plain|fp|classic|unknown|badfp]
 *   stunprobe tcp   ADDR PORT [one|split|multi]
 *   stunprobe garbage-udp ADDR PORT COUNT
 *   stunprobe garbage-tcp ADDR PORT
 *   stunprobe turn  ADDR PORT USER PASS ACTION
 *     ACTION: perm PEER | chanbind PEER | connect PEER | stale | refresh0
 *             | refresh (a Refresh, then the allocation is left to expire)
 *             | data PERM_PEER [TARGET [hold]] | burst COUNT
 *             | reserve (EVEN-PORT R, then its token from two sockets)
 *             | pipe-peer-close N | pipe-client-close N (RFC 6062 end to
 *               end with this process as the peer: see t_pipe)
 *             | tls-connect PEER | tls-pipe-...: the same over TLS
 *     PEER: IP, IP:PORT or [IPv6]:PORT. The relay is of PEER's family
 *     (REQUESTED-ADDRESS-FAMILY for IPv6). connect: over TCP, a TCP
 *     allocation (RFC 6062) and a Connect. Prints "ALLOCATE code", then
 *     "PERM code", "CHANBIND code", "CONNECT code". data: see t_data.
 *     burst: see t_burst.
 *     PASS "rest:SECRET" derives the TURN REST password.
 *
 * Prints one line per answer: "local A", then "XOR-MAPPED-ADDRESS A",
 * "MAPPED-ADDRESS A", "ERROR CODE" (and "UNKNOWN 0xTTTT"), "FINGERPRINT",
 * "SOFTWARE S", "SIZE N". Exit 0 if every expected answer came, 1 if not.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <openssl/ssl.h>

#include "addr.h"
#include "auth.h"
#include "stun.h"

#define TIMEOUT_MS 2000

static int
connect_to(const char *ip, const char *port, int type)
{
	struct sockaddr_storage ss;
	int fd;

	if (addr_parse_ip(ip, &ss) != 0)
		return -1;
	addr_set_port((struct sockaddr *)&ss, (uint16_t)atoi(port));
	fd = socket(ss.ss_family, type, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&ss,
			      addr_len((struct sockaddr *)&ss)) != 0)
		return -1;
	return fd;
}

static void
print_local(int fd)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	char b[ADDR_STRLEN];

	getsockname(fd, (struct sockaddr *)&ss, &sl);
	printf("local %s\n", addr_str((struct sockaddr *)&ss, b, sizeof(b)));
}

/* Build a Binding request in buf; returns its length. */
static size_t
make_request(uint8_t *buf, size_t cap, const char *kind, int seq)
{
	uint8_t tid[16];
	struct stun_enc e;
	size_t len = 0;

	for (int i = 0; i < 16; i++)
		tid[i] = (uint8_t)(rand() ^ seq);
	if (strcmp(kind, "classic") != 0) {
		tid[0] = 0x21; tid[1] = 0x12; tid[2] = 0xA4; tid[3] = 0x42;
	}
	stun_enc_begin(&e, buf, cap, STUN_BINDING, STUN_REQUEST, tid);
	if (strcmp(kind, "unknown") == 0)
		stun_enc_u32(&e, 0x7777, 1);
	if (strcmp(kind, "fp") == 0 || strcmp(kind, "badfp") == 0)
		stun_enc_fingerprint(&e);
	stun_enc_finish(&e, &len);
	if (strcmp(kind, "badfp") == 0)
		buf[len - 1] ^= 0xFF;
	return len;
}

static void
print_answer(const uint8_t *buf, size_t len)
{
	struct stun_msg m;
	struct sockaddr_storage ss;
	char b[ADDR_STRLEN];
	const struct stun_attr *a;
	int code;
	const char *reason;
	size_t rlen;

	printf("SIZE %zu\n", len);
	if (stun_decode(&m, buf, len) != 0) {
		printf("MALFORMED\n");
		return;
	}
	for (unsigned i = 0; i < m.nattrs; i++) {
		a = &m.attrs[i];
		if (a->type == STUN_A_XOR_MAPPED_ADDRESS &&
		    stun_attr_addr(&m, a, true, &ss) == 0)
			printf("XOR-MAPPED-ADDRESS %s\n",
			       addr_str((struct sockaddr *)&ss, b, sizeof(b)));
		if (a->type == STUN_A_MAPPED_ADDRESS &&
		    stun_attr_addr(&m, a, false, &ss) == 0)
			printf("MAPPED-ADDRESS %s\n",
			       addr_str((struct sockaddr *)&ss, b, sizeof(b)));
		if (a->type == STUN_A_ERROR_CODE &&
		    stun_attr_error(&m, a, &code, &reason, &rlen) == 0)
			printf("ERROR %d\n", code);
		if (a->type == STUN_A_UNKNOWN_ATTRIBUTES && a->len >= 2) {
			const uint8_t *v = stun_attr_val(&m, a);
			printf("UNKNOWN 0x%04x\n", (v[0] << 8) | v[1]);
		}
		if (a->type == STUN_A_SOFTWARE)
			printf("SOFTWARE %.*s\n", (int)a->len,
			       (const char *)stun_attr_val(&m, a));
	}
	if (m.fp >= 0)
		printf("FINGERPRINT %s\n",
		       stun_check_fingerprint(&m) == 0 ? "ok" : "bad");
}

static int
wait_readable(int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	return poll(&pfd, 1, TIMEOUT_MS) == 1 ? 0 : ETIMEDOUT;
}

static int
cmd_udp(char **av)
{
	uint8_t buf[2048];
	const char *kind = av[2] ? av[2] : "plain";
	int fd = connect_to(av[0], av[1], SOCK_DGRAM);
	ssize_t n;

	if (fd < 0)
		return 1;
	print_local(fd);
	for (int tries = 0; tries < 3; tries++) {
		size_t len = make_request(buf, sizeof(buf), kind, tries);
		if (send(fd, buf, len, 0) < 0)
			return 1;
		if (wait_readable(fd) != 0)
			continue;
		n = recv(fd, buf, sizeof(buf), 0);
		if (n > 0) {
			print_answer(buf, (size_t)n);
			return 0;
		}
	}
	printf("NO ANSWER\n");
	return 1;
}

/* A stream to the server: plain, or TLS over fd when ssl is set. */
static ssize_t
s_send(int fd, SSL *ssl, const void *buf, size_t len)
{
	int n;

	if (ssl == NULL)
		return send(fd, buf, len, MSG_NOSIGNAL);
	n = SSL_write(ssl, buf, (int)len);
	return n > 0 ? n : -1;
}

/* Up to len bytes within TIMEOUT_MS: > 0, 0 at the end of the stream
 * (TLS: close_notify), -1 on a timeout or an error. */
static ssize_t
s_recv(int fd, SSL *ssl, void *buf, size_t len)
{
	int n;

	if ((ssl == NULL || SSL_pending(ssl) == 0) && wait_readable(fd) != 0)
		return -1;
	if (ssl == NULL)
		return recv(fd, buf, len, 0);
	n = SSL_read(ssl, buf, (int)len);
	if (n > 0)
		return n;
	return SSL_get_error(ssl, n) == SSL_ERROR_ZERO_RETURN ? 0 : -1;
}

/* TLS over a connected fd (the certificate is not checked), reads
 * bounded by SO_RCVTIMEO; NULL if the handshake fails. */
static SSL *
tls_wrap(int fd)
{
	struct timeval tv = { TIMEOUT_MS / 1000, 0 };
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
	SSL *ssl = ctx != NULL ? SSL_new(ctx) : NULL;

	SSL_CTX_free(ctx);                      /* ssl holds a reference */
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (ssl != NULL && (SSL_set_fd(ssl, fd) != 1 || SSL_connect(ssl) != 1)) {
		SSL_free(ssl);
		return NULL;
	}
	return ssl;
}

/* Read exactly one STUN frame from a stream. */
static ssize_t
read_frame(int fd, SSL *ssl, uint8_t *buf, size_t cap)
{
	size_t have = 0, need = 4, flen;

	while (have < need) {
		ssize_t n = s_recv(fd, ssl, buf + have, need - have);

		if (n <= 0)
			return -1;
		have += (size_t)n;
		if (have == 4) {
			if (stun_frame_len(buf, 4, &flen) != 0 || flen > cap)
				return -1;
			need = flen;
		}
	}
	return (ssize_t)have;
}

static int
cmd_tcp(char **av)
{
	uint8_t req[3][256], buf[2048];
	size_t len[3], total = 0;
	const char *mode = av[2] ? av[2] : "one";
	int nmsg = strcmp(mode, "multi") == 0 ? 3 : 1;
	int fd = connect_to(av[0], av[1], SOCK_STREAM);
	uint8_t all[768];

	if (fd < 0)
		return 1;
	print_local(fd);
	for (int i = 0; i < nmsg; i++) {
		len[i] = make_request(req[i], sizeof(req[i]), "fp", i);
		memcpy(all + total, req[i], len[i]);
		total += len[i];
	}
	if (strcmp(mode, "split") == 0) {
		/* One message in three segments, with pauses between. */
		struct timespec ts = { 0, 50 * 1000 * 1000 };
		size_t cut[4] = { 0, 3, 13, total };
		for (int i = 0; i < 3; i++) {
			send(fd, all + cut[i], cut[i + 1] - cut[i], 0);
			nanosleep(&ts, NULL);
		}
	} else if (send(fd, all, total, 0) != (ssize_t)total) {
		return 1;
	}
	for (int i = 0; i < nmsg; i++) {
		ssize_t n = read_frame(fd, NULL, buf, sizeof(buf));
		if (n < 0) {
			printf("NO ANSWER\n");
			return 1;
		}
		print_answer(buf, (size_t)n);
	}
	close(fd);
	return 0;
}

static int
cmd_garbage_udp(char **av)
{
	uint8_t buf[1500];
	int fd = connect_to(av[0], av[1], SOCK_DGRAM);
	int count = av[2] ? atoi(av[2]) : 1000;

	if (fd < 0)
		return 1;
	for (int i = 0; i < count; i++) {
		size_t len = (size_t)(rand() % (int)sizeof(buf));
		for (size_t j = 0; j < len; j++)
			buf[j] = (uint8_t)rand();
		if (i % 3 == 0 && len >= 20) {
			/* Looks like STUN: valid start, lying length. */
			make_request(buf, sizeof(buf), "plain", i);
			buf[3] = (uint8_t)(rand() & 0xFC);
		}
		send(fd, buf, len, 0);
	}
	printf("sent %d\n", count);
	return 0;
}

/* A truncated frame, then a non-STUN stream: the server must close it. */
static int
cmd_garbage_tcp(char **av)
{
	uint8_t buf[64];
	int fd = connect_to(av[0], av[1], SOCK_STREAM);
	size_t len = make_request(buf, sizeof(buf), "plain", 0);

	if (fd < 0)
		return 1;
	send(fd, buf, len - 4, 0);        /* truncated: server waits */
	memset(buf, 0xEE, sizeof(buf));   /* then bytes that are not STUN */
	send(fd, buf, sizeof(buf), 0);
	if (wait_readable(fd) != 0) {
		printf("NOT CLOSED\n");
		return 1;
	}
	printf(recv(fd, buf, sizeof(buf), 0) <= 0 ? "CLOSED\n" : "DATA\n");
	return 0;
}

/* A minimal authenticated TURN client, over UDP or (connect) TCP. */
struct tclient {
	int fd;
	SSL *ssl;                   /* TLS on fd (tcp), or NULL */
	bool tcp;
	int family;                 /* of the relay asked for */
	const char *user;
	char pass[128];
	char realm[128], nonce[128];
	struct auth_key key;
	int extra;                  /* 1: EVEN-PORT R; 2: RESERVATION-TOKEN */
	uint8_t token[8];           /* the one given (1) or to send (2) */
	struct sockaddr_storage relayed;  /* XOR-RELAYED-ADDRESS */
};

static int
t_xchg(struct tclient *c, uint16_t method, struct stun_enc *e, uint8_t *buf,
       size_t *len)
{
	uint8_t req[1024];
	struct stun_msg m;
	const struct stun_attr *a;
	int code = 0;
	const char *reason;
	size_t rlen, qlen;
	ssize_t n = -1;

	if (c->nonce[0] != '\0') {
		stun_enc_str(e, STUN_A_USERNAME, c->user);
		stun_enc_str(e, STUN_A_REALM, c->realm);
		stun_enc_str(e, STUN_A_NONCE, c->nonce);
		stun_enc_integrity(e, c->key.key, c->key.len);
	}
	stun_enc_fingerprint(e);
	if (stun_enc_finish(e, &qlen) != 0)
		return -1;
	memcpy(req, e->buf, qlen);
	if (s_send(c->fd, c->ssl, req, qlen) < 0)
		return -1;
	/* Skip what is not the answer (Data indications, ChannelData). Over
	 * UDP, retransmit the same request on a timeout (RFC 8489 §6.2.1:
	 * the server answers a retransmission the same way), 3 times. */
	for (int skip = 0, tries = 0; skip < 8; skip++) {
		if (c->tcp) {
			n = read_frame(c->fd, c->ssl, buf, 2048);
		} else {
			if (wait_readable(c->fd) != 0) {
				if (++tries > 3 || send(c->fd, req, qlen, 0) < 0)
					return -1;
				skip--;
				continue;
			}
			n = recv(c->fd, buf, 2048, 0);
		}
		if (n <= 0)
			return -1;
		if (stun_decode(&m, buf, (size_t)n) == 0 &&
		    m.method == method && m.cls != STUN_INDICATION)
			break;
		if (skip == 7)
			return -1;
	}
	*len = (size_t)n;
	if ((a = stun_find(&m, STUN_A_ERROR_CODE)) != NULL)
		stun_attr_error(&m, a, &code, &reason, &rlen);
	if ((a = stun_find(&m, STUN_A_REALM)) != NULL)
		snprintf(c->realm, sizeof(c->realm), "%.*s", (int)a->len,
			 (const char *)stun_attr_val(&m, a));
	if ((a = stun_find(&m, STUN_A_NONCE)) != NULL)
		snprintf(c->nonce, sizeof(c->nonce), "%.*s", (int)a->len,
			 (const char *)stun_attr_val(&m, a));
	auth_ltc_key(AUTH_ALG_MD5, c->user, c->realm, c->pass, &c->key);
	return code == 0 ? 200 : code;
}

static void
t_begin(struct stun_enc *e, uint8_t *buf, uint16_t method, uint8_t cls)
{
	uint8_t tid[16] = { 0x21, 0x12, 0xA4, 0x42 };

	for (int i = 4; i < 16; i++)
		tid[i] = (uint8_t)rand();
	stun_enc_begin(e, buf, 1024, method, cls, tid);
}

/* Allocate: a UDP relay (TCP on a TCP control connection) of c->family. */
static int
t_allocate(struct tclient *c)
{
	uint8_t buf[2048], rt[4] = { c->tcp ? 6 : 17, 0, 0, 0 };
	uint8_t fam[4] = { 0x02, 0, 0, 0 };
	struct stun_enc e;
	size_t len;
	int code = 0;

	for (int i = 0; i < 2; i++) {
		t_begin(&e, buf, STUN_ALLOCATE, STUN_REQUEST);
		stun_enc_attr(&e, STUN_A_REQUESTED_TRANSPORT, rt, 4);
		if (c->family == AF_INET6)
			stun_enc_attr(&e, STUN_A_REQUESTED_ADDRESS_FAMILY,
				      fam, 4);
		if (c->extra == 1)
			stun_enc_attr(&e, STUN_A_EVEN_PORT, "\x80", 1);
		if (c->extra == 2)
			stun_enc_attr(&e, STUN_A_RESERVATION_TOKEN, c->token, 8);
		code = t_xchg(c, STUN_ALLOCATE, &e, buf, &len);
		if (code != 401 || i == 1)
			break;
	}
	if (code == 200) {
		struct stun_msg m;
		const struct stun_attr *a;

		if (stun_decode(&m, buf, len) != 0 ||
		    (a = stun_find(&m, STUN_A_XOR_RELAYED_ADDRESS)) == NULL ||
		    stun_attr_addr(&m, a, true, &c->relayed) != 0)
			return -1;
		if (c->extra == 1 &&
		    (a = stun_find(&m, STUN_A_RESERVATION_TOKEN)) != NULL &&
		    a->len == 8)
			memcpy(c->token, stun_attr_val(&m, a), 8);
	}
	return code;
}

/* PEER: "IP", "IP:PORT" or "[IPv6]:PORT"; a bare IPv6 address with an
 * embedded dot or several colons has no port (port 9). */
static int
peer_parse(const char *peer, struct sockaddr_storage *ss)
{
	return addr_parse(peer, 9, ss);
}

/* One request carrying XOR-PEER-ADDRESS (and a channel number); the
 * answer's CONNECTION-ID into *id when id is not NULL. */
static int
t_peer_req_id(struct tclient *c, uint16_t method, const char *peer, int chan,
	      uint32_t *id)
{
	uint8_t buf[2048], cn[4] = { (uint8_t)(chan >> 8), (uint8_t)chan };
	struct sockaddr_storage ss;
	struct stun_enc e;
	struct stun_msg m;
	size_t len;
	int code;

	if (peer_parse(peer, &ss) != 0)
		return -1;
	t_begin(&e, buf, method, STUN_REQUEST);
	if (chan)
		stun_enc_attr(&e, STUN_A_CHANNEL_NUMBER, cn, 4);
	stun_enc_addr(&e, STUN_A_XOR_PEER_ADDRESS, (struct sockaddr *)&ss,
		      true);
	code = t_xchg(c, method, &e, buf, &len);
	if (code == 200 && id != NULL &&
	    (stun_decode(&m, buf, len) != 0 ||
	     stun_attr_u32(&m, stun_find(&m, STUN_A_CONNECTION_ID), id) != 0))
		return -1;
	return code;
}

static int
t_peer_req(struct tclient *c, uint16_t method, const char *peer, int chan)
{
	return t_peer_req_id(c, method, peer, chan, NULL);
}

static int
t_perm(struct tclient *c, const char *peer)
{
	return t_peer_req(c, STUN_CREATE_PERMISSION, peer, 0);
}

static int
t_refresh(struct tclient *c, uint32_t lifetime)
{
	uint8_t buf[2048];
	struct stun_enc e;
	size_t len;

	t_begin(&e, buf, STUN_REFRESH, STUN_REQUEST);
	stun_enc_u32(&e, STUN_A_LIFETIME, lifetime);
	return t_xchg(c, STUN_REFRESH, &e, buf, &len);
}

/*
 * Data to PEER through the relay, as a Send indication (chan 0) or as
 * ChannelData, carrying a STUN Binding request: an echo peer sends it
 * back, and so does the server itself were it let through to one of its
 * own listeners (its Binding answer). 1 if anything came back through
 * the relay within TIMEOUT_MS, 0 if not.
 */
static int
t_data(struct tclient *c, const char *peer, int chan)
{
	uint8_t bind[64], buf[2048];
	struct sockaddr_storage ss;
	struct stun_enc e;
	size_t blen, len;
	ssize_t n;

	if (peer_parse(peer, &ss) != 0)
		return -1;
	blen = make_request(bind, sizeof(bind), "plain", 7);
	if (chan) {
		chandata_hdr(buf, (uint16_t)chan, (uint16_t)blen);
		memcpy(buf + 4, bind, blen);
		len = 4 + blen;
	} else {
		t_begin(&e, buf, STUN_SEND, STUN_INDICATION);
		stun_enc_addr(&e, STUN_A_XOR_PEER_ADDRESS,
			      (struct sockaddr *)&ss, true);
		stun_enc_attr(&e, STUN_A_DATA, bind, blen);
		if (stun_enc_finish(&e, &len) != 0)
			return -1;
	}
	if (send(c->fd, buf, len, 0) < 0)
		return -1;
	while (wait_readable(c->fd) == 0) {
		struct stun_msg m;
		n = recv(c->fd, buf, sizeof(buf), 0);
		if (n <= 0)
			return 0;
		if (buf[0] >= 0x40 && buf[0] <= 0x7F)
			return 1;            /* ChannelData */
		if (stun_decode(&m, buf, (size_t)n) == 0 &&
		    m.method == STUN_DATA)
			return 1;
	}
	return 0;
}

/* Burst datagrams: seq in the first 4 bytes, the rest a pattern of it. */
#define BURST_ROUND 32
static size_t
burst_fill(uint8_t *p, uint32_t seq)
{
	size_t len = 4 + (seq * 37) % 1197;     /* 4..1200, odd ones too */

	memcpy(p, &seq, 4);
	for (size_t i = 4; i < len; i++)
		p[i] = (uint8_t)(seq + i);
	return len;
}

/* The payload of a datagram from the relay: Data indication or
 * ChannelData; NULL if it is neither. */
static const uint8_t *
burst_payload(const uint8_t *buf, size_t n, int chan, size_t *len)
{
	struct stun_msg m;
	struct chandata cd;
	const struct stun_attr *a;

	if (chan) {
		if (chandata_decode(&cd, buf, n) != 0 || cd.chan != chan)
			return NULL;
		*len = cd.len;
		return cd.data;
	}
	if (stun_decode(&m, buf, n) != 0 || m.method != STUN_DATA ||
	    (a = stun_find(&m, STUN_A_DATA)) == NULL)
		return NULL;
	*len = a->len;
	return stun_attr_val(&m, a);
}

/* from sends count datagrams to `to` in rounds of BURST_ROUND, each
 * round sent back to back (read in batches by the server), then read
 * at rx: the number that came complete and in order. wrap: the client
 * side, which sends ChannelData on chan and receives Data indications
 * (chan 0) or ChannelData. */
static uint32_t
t_burst_run(int from, int rx, const struct sockaddr_storage *to,
	    uint32_t count, int chan, bool wrap)
{
	uint8_t out[1300], in[2048], want[1300];
	uint32_t ok = 0;

	for (uint32_t base = 0; base < count; base += BURST_ROUND) {
		uint32_t end = base + BURST_ROUND < count ? base + BURST_ROUND
							  : count;
		for (uint32_t i = base; i < end; i++) {
			size_t len = burst_fill(out + (wrap ? 4 : 0), i);

			if (wrap)
				chandata_hdr(out, (uint16_t)chan, (uint16_t)len);
			if (sendto(from, out, len + (wrap ? 4 : 0), 0,
				   (const struct sockaddr *)to,
				   addr_len((const struct sockaddr *)to)) < 0)
				return ok;
		}
		for (uint32_t i = base; i < end; i++) {
			size_t wl = burst_fill(want, i), pl = 0;
			const uint8_t *p;
			ssize_t n;

			if (wait_readable(rx) != 0 ||
			    (n = recv(rx, in, sizeof(in), 0)) <= 0)
				return ok;
			p = wrap ? in : burst_payload(in, (size_t)n, chan, &pl);
			if (wrap)
				pl = (size_t)n;
			if (p == NULL || pl != wl || memcmp(p, want, wl) != 0)
				return ok;          /* lost, reordered or bad */
			ok++;
		}
	}
	return ok;
}

/*
 * burst COUNT: a peer socket of our own on 127.0.0.1; COUNT datagrams
 * from it to the relayed address come back as Data indications, then
 * (after a ChannelBind) as ChannelData; then COUNT ChannelData from the
 * client reach the peer. Prints "BURST-IND n/COUNT", "BURST-CHAN
 * n/COUNT", "BURST-OUT n/COUNT": n arrived complete and in order.
 */
static int
t_burst(struct tclient *c, uint32_t count)
{
	struct sockaddr_storage pa = { 0 }, relay_to = c->relayed;
	socklen_t pl = sizeof(pa);
	char peer[ADDR_STRLEN];
	int pfd = socket(AF_INET, SOCK_DGRAM, 0), cb;

	addr_parse_ip("127.0.0.1", &pa);
	if (pfd < 0 || bind(pfd, (struct sockaddr *)&pa, sizeof(struct sockaddr_in)) != 0 ||
	    getsockname(pfd, (struct sockaddr *)&pa, &pl) != 0)
		return 1;
	addr_str((struct sockaddr *)&pa, peer, sizeof(peer));
	printf("PERM %d\n", t_perm(c, peer));
	printf("BURST-IND %u/%u\n",
	       t_burst_run(pfd, c->fd, &relay_to, count, 0, false), count);
	cb = t_peer_req(c, STUN_CHANNEL_BIND, peer, 0x4003);
	printf("CHANBIND %d\n", cb);
	printf("BURST-CHAN %u/%u\n",
	       t_burst_run(pfd, c->fd, &relay_to, count, 0x4003, false), count);
	/* The client socket is connected to the server. */
	pl = sizeof(relay_to);
	getpeername(c->fd, (struct sockaddr *)&relay_to, &pl);
	printf("BURST-OUT %u/%u\n",
	       t_burst_run(c->fd, pfd, &relay_to, count, 0x4003, true), count);
	close(pfd);
	return 0;
}

/* forged: N signed Refreshes with a nonce the server never issued, from
 * N new sockets on c's IP (a forged UDP source as loopback can have it),
 * sent without waiting; then c's own signed Refresh: "FORGED-REFRESH
 * CODE" (200 when the forgeries cost c nothing). */
static int
t_forged(struct tclient *c, char **av, int n)
{
	uint8_t buf[1024];
	struct stun_enc e;
	size_t len;

	for (int i = 0; i < n; i++) {
		struct tclient f = *c;

		f.fd = connect_to(av[0], av[1], SOCK_DGRAM);
		if (f.fd < 0)
			return 1;
		snprintf(f.nonce, sizeof(f.nonce), "obMatJos2wAAAAAAAAAAAAAA");
		t_begin(&e, buf, STUN_REFRESH, STUN_REQUEST);
		stun_enc_u32(&e, STUN_A_LIFETIME, 600);
		stun_enc_str(&e, STUN_A_USERNAME, f.user);
		stun_enc_str(&e, STUN_A_REALM, f.realm);
		stun_enc_str(&e, STUN_A_NONCE, f.nonce);
		stun_enc_integrity(&e, f.key.key, f.key.len);
		if (stun_enc_finish(&e, &len) == 0)
			(void)send(f.fd, buf, len, 0);
		close(f.fd);
	}
	usleep(200 * 1000);
	printf("FORGED-REFRESH %d\n", t_refresh(c, 600));
	return 0;
}

static bool
hold_for_line(void)
{
	struct pollfd pfd = { .fd = 0, .events = POLLIN };
	char line[64];

	printf("HOLD\n");
	return poll(&pfd, 1, 20000) == 1 &&
	       fgets(line, sizeof(line), stdin) != NULL;
}

/* reserve: the token of c's EVEN-PORT R Allocate, sent from two new
 * sockets (on a server with workers, likely to other workers): "TOKEN
 * first second" (200 and then 508 when it is spent once). */
static int
t_redeem(const struct tclient *c, char **av)
{
	int codes[2];

	for (int i = 0; i < 2; i++) {
		struct tclient r = *c;
		r.extra = 2;
		r.nonce[0] = '\0';
		r.fd = connect_to(av[0], av[1], SOCK_DGRAM);
		if (r.fd < 0)
			return 1;
		codes[i] = t_allocate(&r);
		close(r.fd);
	}
	printf("TOKEN %d %d\n", codes[0], codes[1]);
	return 0;
}

/* ---- RFC 6062 end to end, this process as the peer ---- */

/* Bytes until EOF (or 2 s of silence; 4096 reads at most); those that
 * break the pattern offset & 0xff are counted in *bad. */
static size_t
drain_count(int fd, SSL *ssl, size_t *bad, bool *eof)
{
	uint8_t buf[4096];
	size_t got = 0;
	ssize_t n = 0;

	*bad = 0;
	for (int i = 0; i < 4096; i++) {
		if ((n = s_recv(fd, ssl, buf, sizeof(buf))) <= 0)
			break;
		for (ssize_t k = 0; k < n; k++)
			*bad += buf[k] != (uint8_t)(got + (size_t)k);
		got += (size_t)n;
	}
	*eof = n == 0;
	return got;
}

/* A child process sends n bytes of the pattern on fd (over ssl if set)
 * and closes it at once (TLS: close_notify first; each send bounded by
 * SO_SNDTIMEO); our copies of fd and ssl are freed, so the close is the
 * child's. Its pid, or -1. */
static pid_t
writer_spawn(int fd, SSL *ssl, size_t n)
{
	struct timeval tv = { 5, 0 };
	uint8_t buf[4096];
	pid_t pid;

	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if ((pid = fork()) == 0) {
		for (size_t off = 0; off < n;) {
			size_t k = n - off < sizeof(buf) ? n - off : sizeof(buf);
			for (size_t i = 0; i < k; i++)
				buf[i] = (uint8_t)(off + i);
			if (s_send(fd, ssl, buf, k) != (ssize_t)k)
				break;
			off += k;
		}
		if (ssl != NULL)
			SSL_shutdown(ssl);
		close(fd);
		_exit(0);
	}
	SSL_free(ssl);                  /* sends nothing */
	close(fd);
	return pid;
}

/* A listener on the relay's IP (any port) as "IP:PORT" in out. */
static int
peer_listen(const struct tclient *c, char *out, size_t cap)
{
	struct sockaddr_storage ss = c->relayed;
	socklen_t sl = sizeof(ss);
	int fd;

	addr_set_port((struct sockaddr *)&ss, 0);
	fd = socket(ss.ss_family, SOCK_STREAM, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&ss,
			   addr_len((struct sockaddr *)&ss)) != 0 ||
	    listen(fd, 4) != 0 ||
	    getsockname(fd, (struct sockaddr *)&ss, &sl) != 0)
		return -1;
	addr_str((struct sockaddr *)&ss, out, cap);
	return fd;
}

/* ConnectionBind for id on a new data connection d (same credentials). */
static int
t_conn_bind(const struct tclient *c, char **av, uint32_t id,
	    struct tclient *d)
{
	uint8_t buf[2048];
	struct stun_enc e;
	size_t len;

	*d = *c;
	d->ssl = NULL;
	if ((d->fd = connect_to(av[0], av[1], SOCK_STREAM)) < 0 ||
	    (c->ssl != NULL && (d->ssl = tls_wrap(d->fd)) == NULL))
		return -1;
	t_begin(&e, buf, STUN_CONNECTION_BIND, STUN_REQUEST);
	stun_enc_u32(&e, STUN_A_CONNECTION_ID, id);
	return t_xchg(d, STUN_CONNECTION_BIND, &e, buf, &len);
}

/*
 * pipe-peer-close N: Connect to a peer this process accepts; the peer
 * (a child process) sends N bytes and closes at once, without waiting
 * for the data connection to be bound; the client's data connection
 * reads until EOF. pipe-client-close N: the client (a child) sends N
 * bytes on the bound data connection and closes it at once; the peer
 * reads until EOF. Prints "CONNECT code", "BIND code" and
 * "PIPE got N bad B eof E" (bytes received, bytes out of pattern, EOF).
 */
static int
t_pipe(struct tclient *c, char **av, bool peer_closes, size_t n)
{
	char peer[ADDR_STRLEN];
	struct tclient d = { .fd = -1 };
	int lfd = peer_listen(c, peer, sizeof(peer)), pfd = -1, code;
	size_t got = 0, bad = 0;
	pid_t pid = -1;
	uint32_t id = 0;
	bool eof = false;

	if (lfd < 0)
		return 1;
	code = t_peer_req_id(c, STUN_CONNECT, peer, 0, &id);
	printf("CONNECT %d\n", code);
	if (code == 200 && wait_readable(lfd) == 0)
		pfd = accept(lfd, NULL, NULL);
	if (pfd >= 0 && peer_closes) {
		pid = writer_spawn(pfd, NULL, n);
		pfd = -1;
	}
	code = pid >= 0 || pfd >= 0 ? t_conn_bind(c, av, id, &d) : -1;
	printf("BIND %d\n", code);
	if (code == 200 && peer_closes)
		got = drain_count(d.fd, d.ssl, &bad, &eof);
	if (code == 200 && !peer_closes) {
		pid = writer_spawn(d.fd, d.ssl, n);
		d.fd = -1;
		d.ssl = NULL;
		got = drain_count(pfd, NULL, &bad, &eof);
	}
	printf("PIPE got %zu bad %zu eof %d\n", got, bad, eof);
	if (pid > 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
	SSL_free(d.ssl);
	if (d.fd >= 0)
		close(d.fd);
	if (pfd >= 0)
		close(pfd);
	close(lfd);
	return 0;
}

static int
cmd_turn(char **av)
{
	struct tclient c = { .user = av[2], .family = AF_INET };
	const char *act = av[4], *peer = av[5];
	struct sockaddr_storage ss;
	bool tls;
	int code;

	if (act == NULL)
		return 2;
	if ((tls = strncmp(act, "tls-", 4) == 0))
		act += 4;
	if (peer != NULL && peer_parse(peer, &ss) == 0)
		c.family = ss.ss_family;
	c.tcp = strcmp(act, "connect") == 0 || strncmp(act, "pipe-", 5) == 0;
	c.fd = connect_to(av[0], av[1], c.tcp ? SOCK_STREAM : SOCK_DGRAM);
	if (c.fd < 0 || (tls && (!c.tcp || (c.ssl = tls_wrap(c.fd)) == NULL)))
		return 1;
	if (strncmp(av[3], "rest:", 5) == 0)
		auth_rest_password(av[3] + 5, c.user, c.pass, sizeof(c.pass));
	else
		snprintf(c.pass, sizeof(c.pass), "%s", av[3]);
	if (strcmp(act, "stale") == 0) {
		code = t_allocate(&c);    /* 200 with a nonce; let it age */
		printf("ALLOCATE %d\n", code);
		sleep(4);
		printf("STALE %d\n", t_refresh(&c, 600));
		return 0;
	}
	c.extra = strcmp(act, "reserve") == 0;
	code = t_allocate(&c);
	printf("ALLOCATE %d\n", code);
	if (code != 200)
		return 0;
	if (c.extra == 1)
		return t_redeem(&c, av);
	if (strcmp(act, "perm") == 0 && peer != NULL)
		printf("PERM %d\n", t_perm(&c, peer));
	if (strcmp(act, "chanbind") == 0 && peer != NULL)
		printf("CHANBIND %d\n",
		       t_peer_req(&c, STUN_CHANNEL_BIND, peer, 0x4001));
	if (strcmp(act, "connect") == 0 && peer != NULL)
		printf("CONNECT %d\n", t_peer_req(&c, STUN_CONNECT, peer, 0));
	if (strcmp(act, "data") == 0 && peer != NULL) {
		/* data PERM_PEER [TARGET [hold]]: a permission for
		 * PERM_PEER, a channel to TARGET, then a Send indication
		 * and ChannelData to TARGET; with hold, both again after
		 * a line on stdin (say, once the server reloaded). */
		const char *target = av[6] != NULL ? av[6] : peer;
		bool hold = av[6] != NULL && av[7] != NULL &&
			    strcmp(av[7], "hold") == 0;
		int cb;

		printf("PERM %d\n", t_perm(&c, peer));
		cb = t_peer_req(&c, STUN_CHANNEL_BIND, target, 0x4002);
		printf("CHANBIND %d\n", cb);
		printf("SEND-ECHO %d\n", t_data(&c, target, 0));
		if (cb == 200)
			printf("CHAN-ECHO %d\n", t_data(&c, target, 0x4002));
		if (hold && hold_for_line()) {
			printf("SEND-ECHO-AFTER %d\n", t_data(&c, target, 0));
			if (cb == 200)
				printf("CHAN-ECHO-AFTER %d\n",
				       t_data(&c, target, 0x4002));
		}
	}
	if (strncmp(act, "pipe-", 5) == 0 && peer != NULL)
		return t_pipe(&c, av, strcmp(act, "pipe-peer-close") == 0,
			      (size_t)atoi(peer));
	if (strcmp(act, "burst") == 0 && peer != NULL)
		return t_burst(&c, (uint32_t)atoi(peer));
	if (strcmp(act, "forged") == 0)
		return t_forged(&c, av, peer != NULL ? atoi(peer) : 100);
	if (strcmp(act, "refresh") == 0)      /* then left to expire */
		printf("REFRESH %d\n", t_refresh(&c, 600));
	if (strcmp(act, "refresh0") == 0) {
		printf("REFRESH0 %d\n", t_refresh(&c, 0));
		printf("REFRESH-AFTER-DELETE %d\n", t_refresh(&c, 600));
	}
	return 0;
}

int
main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	srand((unsigned)time(NULL) ^ (unsigned)getpid());
	if (argc < 4) {
		fprintf(stderr, "usage: stunprobe udp|tcp|garbage-udp|"
			"garbage-tcp ADDR PORT [ARG]\n");
		return 2;
	}
	if (strcmp(argv[1], "udp") == 0)
		return cmd_udp(argv + 2);
	if (strcmp(argv[1], "tcp") == 0)
		return cmd_tcp(argv + 2);
	if (strcmp(argv[1], "garbage-udp") == 0)
		return cmd_garbage_udp(argv + 2);
	if (strcmp(argv[1], "garbage-tcp") == 0)
		return cmd_garbage_tcp(argv + 2);
	if (strcmp(argv[1], "turn") == 0 && argc >= 7)
		return cmd_turn(argv + 2);
	return 2;
}
