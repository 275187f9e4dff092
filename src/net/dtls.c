/**
 * @file dtls.c  TURN over DTLS 1.2 (RFC 8656 §3.1 and §5) on the UDP
 * socket of each tls-listen address.
 *
 * A datagram from an unknown source goes through DTLSv1_listen() on a
 * throw-away SSL with memory BIOs: without a valid cookie we answer the
 * HelloVerifyRequest and forget the source (RFC 6347 §4.2.1); with one,
 * the SSL becomes a session keyed by the client's address and finishes
 * its handshake. Each decrypted record (a STUN message or ChannelData)
 * goes to the core as TP_DTLS with the session as its connection handle;
 * replies are encrypted with SSL_write and sent from the same socket.
 * Sessions closed by the client (close_notify or an alert), idle for 300 s
 * or stuck in their handshake for 30 s are freed with their allocation.
 * One source (an IPv4 address, an IPv6 /64) may hold DTLS_HS_PER_SRC
 * handshakes in progress and max-conns-per-ip sessions, so that one
 * address that answers its cookies cannot fill the table for others.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <openssl/err.h>

#include "addr.h"
#include "dtls_int.h"
#include "log.h"

#define DTLS_BATCH 64
#define DTLS_RX    65536

static void
sess_pkt(struct dtls_sess *s, struct turn_pkt *p)
{
	memset(p, 0, sizeof(*p));
	p->conn = s;
	p->tp = TP_DTLS;
	p->client = (struct sockaddr *)&s->client;
	p->local = (struct sockaddr *)&s->local;
	net_clock(&p->now_ms, &p->wall_s);
}

static void
sess_free(struct dtls_sess *s, const char *why)
{
	char a[ADDR_STRLEN];
	struct turn_pkt p;

	log_debug("dtls %s: closed (%s)",
		  addr_str((struct sockaddr *)&s->client, a, sizeof(a)), why);
	if (s->up) {
		sess_pkt(s, &p);
		turn_conn_closed(&s->l->srv->core, &p);
	}
	dtls_sess_remove(s->l, s);
	SSL_free(s->ssl);
	free(s);
}

/* A new SSL reading from and writing to memory BIOs. */
static SSL *
ssl_new_mem(struct dtls_listener *l)
{
	SSL *ssl = SSL_new(l->srv->tls->dtls[0]);
	BIO *rbio = BIO_new(BIO_s_mem()), *wbio = BIO_new(BIO_s_mem());

	if (ssl == NULL || rbio == NULL || wbio == NULL) {
		SSL_free(ssl);
		BIO_free(rbio);
		BIO_free(wbio);
		return NULL;
	}
	BIO_set_mem_eof_return(rbio, -1);       /* empty: "retry", not EOF */
	SSL_set_bio(ssl, rbio, wbio);
	SSL_set_options(ssl, SSL_OP_NO_QUERY_MTU);
	SSL_set_mtu(ssl, DTLS_MTU);
	return ssl;
}

/* Decrypted records to the core, one message per record. false: the
 * session ended (close_notify, alert, error). */
static bool
read_records(struct dtls_sess *s)
{
	static _Thread_local uint8_t buf[DTLS_RX];   /* scratch */
	struct turn_pkt p;
	int n;

	for (;;) {
		n = SSL_read(s->ssl, buf, sizeof(buf));
		if (n <= 0)
			break;
		sess_pkt(s, &p);
		turn_on_client(&s->l->srv->core, &p, buf, (size_t)n);
	}
	switch (SSL_get_error(s->ssl, n)) {
	case SSL_ERROR_WANT_READ:
		return true;
	case SSL_ERROR_ZERO_RETURN:
		SSL_shutdown(s->ssl);           /* our close_notify */
		return false;
	default:
		return false;
	}
}

/* Feed one datagram to a session; false: free it. */
static bool
sess_input(struct dtls_sess *s, const uint8_t *buf, size_t len)
{
	if (len > 0)
		BIO_write(SSL_get_rbio(s->ssl), buf, (int)len);
	if (!s->up) {
		int rc = SSL_do_handshake(s->ssl);

		if (rc != 1 && SSL_get_error(s->ssl, rc) != SSL_ERROR_WANT_READ) {
			log_debug("dtls: handshake: %s",
				  ERR_reason_error_string(ERR_peek_error()));
			return false;
		}
		s->up = rc == 1;
		if (s->up)
			log_debug("dtls: handshake done (%s)",
				  SSL_get_cipher_name(s->ssl));
	}
	return !s->up || read_records(s);
}

/* Stateless until the cookie checks out: see the file comment. */
static void
dtls_new_source(struct dtls_listener *l, const struct sockaddr_storage *from,
		const struct sockaddr_storage *local, const uint8_t *buf,
		size_t len, uint64_t now_ms)
{
	char a[ADDR_STRLEN];
	const char *why;
	struct dtls_sess *s;
	BIO_ADDR *peer;
	SSL *ssl;
	bool ok;
	int rc;

	/* RFC 7983: DTLS is 20..63; only a handshake record starts one. */
	if (len < 13 || buf[0] != 22 || l->nsess >= DTLS_MAX_SESS ||
	    (ssl = ssl_new_mem(l)) == NULL)
		return;
	SSL_set_app_data(ssl, (void *)from);    /* for the cookie */
	BIO_write(SSL_get_rbio(ssl), buf, (int)len);
	peer = BIO_ADDR_new();
	rc = peer != NULL ? DTLSv1_listen(ssl, peer) : -1;
	BIO_ADDR_free(peer);
	addr_str((const struct sockaddr *)from, a, sizeof(a));
	if (rc == 1 && (why = dtls_sess_admit(l, (const void *)from)) != NULL) {
		l->refused++;
		log_debug("dtls %s: refused (%s reached)", a, why);
		rc = -1;
	}
	if (rc != 1 || (s = calloc(1, sizeof(*s))) == NULL) {
		if (rc == 0) {
			dtls_flush(l->fd, ssl, (const struct sockaddr *)from);
			l->cookie_sent++;
			log_debug("dtls %s: HelloVerifyRequest, no state kept", a);
		}
		ERR_clear_error();
		SSL_free(ssl);
		return;
	}
	s->hdr.kind = NET_DTLS;
	s->ssl = ssl;
	s->client = *from;
	s->local = *local;
	s->l = l;
	s->start_ms = s->last_ms = now_ms;
	SSL_set_app_data(ssl, &s->client);
	dtls_sess_add(l, s);
	log_debug("dtls %s: cookie ok, session created (%zu)", a, l->nsess);
	ok = sess_input(s, NULL, 0);
	dtls_flush(l->fd, ssl, (struct sockaddr *)&s->client); /* or alert */
	if (!ok) {
		ERR_clear_error();
		sess_free(s, "handshake failed");
	}
}

static void
dtls_datagram(struct dtls_listener *l, const struct sockaddr_storage *from,
	      const struct sockaddr_storage *local, const uint8_t *buf,
	      size_t len, uint64_t now_ms)
{
	struct dtls_sess *s = dtls_sess_find(l, (const struct sockaddr *)from);
	bool ok;

	if (s == NULL) {
		dtls_new_source(l, from, local, buf, len, now_ms);
		return;
	}
	s->last_ms = now_ms;
	ok = sess_input(s, buf, len);
	dtls_flush(l->fd, s->ssl, (struct sockaddr *)&s->client);
	if (!ok) {
		ERR_clear_error();
		sess_free(s, "closed by peer or alert");
	}
}

static void
dtls_read_cb(evutil_socket_t fd, short what, void *arg)
{
	struct dtls_listener *l = arg;
	static _Thread_local uint8_t buf[DTLS_RX];   /* scratch */
	union { struct cmsghdr h; uint8_t b[128]; } cbuf;
	struct sockaddr_storage from, local;
	struct iovec iov = { buf, sizeof(buf) };
	struct msghdr mh = { .msg_name = &from, .msg_iov = &iov,
			     .msg_iovlen = 1 };
	uint64_t now_ms;
	int64_t wall_s;

	(void)what;
	net_clock(&now_ms, &wall_s);
	for (int i = 0; i < DTLS_BATCH; i++) {
		mh.msg_namelen = sizeof(from);
		mh.msg_control = &cbuf;
		mh.msg_controllen = sizeof(cbuf);
		ssize_t n = recvmsg(fd, &mh, 0);
		if (n < 0)
			break;
		udp_dest_addr(&l->local, &mh, &local);
		dtls_datagram(l, &from, &local, buf, (size_t)n, now_ms);
	}
}

/* Once a second: retransmit handshake flights, drop idle sessions. */
static void
dtls_sweep_cb(evutil_socket_t fd, short what, void *arg)
{
	struct dtls_listener *l = arg;
	struct dtls_sess *s, *next;
	uint64_t now_ms;
	int64_t wall_s;

	(void)fd; (void)what;
	net_clock(&now_ms, &wall_s);
	for (s = TAILQ_FIRST(&l->all); s != NULL; s = next) {
		next = TAILQ_NEXT(s, link);
		if (now_ms - s->last_ms >= DTLS_IDLE_MS ||
		    (!s->up && now_ms - s->start_ms >= DTLS_HS_MS)) {
			SSL_shutdown(s->ssl);
			dtls_flush(l->fd, s->ssl, (struct sockaddr *)&s->client);
			sess_free(s, "idle");
		} else if (!s->up && DTLSv1_handle_timeout(s->ssl) > 0) {
			dtls_flush(l->fd, s->ssl, (struct sockaddr *)&s->client);
		}
	}
}

/* io->send for a DTLS session: one record, one datagram. */
int
dtls_send(struct dtls_sess *s, const uint8_t *buf, size_t len)
{
	if (!s->up)
		return ENOTCONN;
	if (SSL_write(s->ssl, buf, (int)len) != (int)len) {
		ERR_clear_error();
		return EIO;
	}
	return dtls_flush(s->l->fd, s->ssl, (struct sockaddr *)&s->client);
}

int
dtls_listener_new(struct server *srv, const struct sockaddr_storage *addr,
		  struct dtls_listener **out)
{
	struct dtls_listener *l;
	int err;

	l = calloc(1, sizeof(*l));
	if (l == NULL)
		return ENOMEM;
	TAILQ_INIT(&l->all);
	l->srv = srv;
	l->local = *addr;
	err = sock_bind(addr, SOCK_DGRAM, &l->fd);
	if (err == 0 && udp_want_pktinfo(l->fd, addr) != 0) {
		err = errno;
		close(l->fd);
	}
	if (err != 0) {
		free(l);
		return err;
	}
	l->ev = event_new(srv->base, l->fd, EV_READ | EV_PERSIST,
			  dtls_read_cb, l);
	l->sweep = event_new(srv->base, -1, EV_PERSIST, dtls_sweep_cb, l);
	if (l->ev == NULL || l->sweep == NULL || event_add(l->ev, NULL) != 0 ||
	    event_add(l->sweep, &(struct timeval){ 1, 0 }) != 0) {
		dtls_listener_free(l);
		return ENOMEM;
	}
	*out = l;
	return 0;
}

void
dtls_listener_free(struct dtls_listener *l)
{
	struct dtls_sess *s;

	if (l == NULL)
		return;
	while ((s = TAILQ_FIRST(&l->all)) != NULL)
		sess_free(s, "server stopping");
	if (l->ev != NULL)
		event_free(l->ev);
	if (l->sweep != NULL)
		event_free(l->sweep);
	close(l->fd);
	free(l);
}
