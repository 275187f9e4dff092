/**
 * @file tlsprobe.c  STUN over TLS and DTLS for the integration tests.
 *
 *   tlsprobe tls        ADDR PORT   Binding over TLS (RFC 8489 §6.2.3)
 *   tlsprobe dtls       ADDR PORT   Binding over DTLS 1.2
 *   tlsprobe tls-hold   ADDR PORT   two Bindings 3 s apart on one TLS
 *                                   connection (a reload in between)
 *   tlsprobe dtls-hello ADDR PORT   send one ClientHello without a cookie
 *                                   and never answer (a spoofed source)
 *   tlsprobe dtls ADDR PORT SRC     the Binding from source address SRC
 *   tlsprobe dtls-flood ADDR PORT SRC N stall|complete
 *                                   N DTLS handshakes from SRC, each from
 *                                   its own port, through the cookie
 *                                   exchange; stall: left there once the
 *                                   server answers (ServerHello), 32
 *                                   started every 5 ms; complete: to the
 *                                   end, 8 at a time. A flight not
 *                                   answered in 300 ms is sent again, 4
 *                                   times at most. Prints "started S
 *                                   answered A up U" (A: got a
 *                                   ServerHello, U: handshake finished)
 *
 * Prints "local A", then "PROTOCOL P" and "XOR-MAPPED-ADDRESS A" for a
 * Binding, or "HELLO-VERIFY-REQUEST" when the server asked for a cookie.
 * The server's certificate is not verified. Exit 0 if the answer came.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "addr.h"
#include "stun.h"

#define TIMEOUT_MS 3000

/* A socket of type connected to ip:port, from src (any port) unless
 * src is NULL; its local address printed when verbose. */
static int
connect_to(const char *ip, const char *port, int type, const char *src,
	   bool verbose)
{
	struct sockaddr_storage ss, local;
	socklen_t sl = sizeof(local);
	char b[ADDR_STRLEN];
	int fd;

	if (addr_parse_ip(ip, &ss) != 0 ||
	    (src != NULL && addr_parse_ip(src, &local) != 0))
		return -1;
	addr_set_port((struct sockaddr *)&ss, (uint16_t)atoi(port));
	fd = socket(ss.ss_family, type, 0);
	if (fd >= 0 && ((src != NULL &&
			 bind(fd, (struct sockaddr *)&local,
			      addr_len((struct sockaddr *)&local)) != 0) ||
			connect(fd, (struct sockaddr *)&ss,
				addr_len((struct sockaddr *)&ss)) != 0)) {
		close(fd);
		return -1;
	}
	getsockname(fd, (struct sockaddr *)&local, &sl);
	if (verbose)
		printf("local %s\n",
		       addr_str((struct sockaddr *)&local, b, sizeof(b)));
	return fd;
}

static size_t
binding_request(uint8_t *buf, size_t cap)
{
	uint8_t tid[16] = { 0x21, 0x12, 0xA4, 0x42 };
	struct stun_enc e;
	size_t len = 0;

	for (int i = 4; i < 16; i++)
		tid[i] = (uint8_t)rand();
	stun_enc_begin(&e, buf, cap, STUN_BINDING, STUN_REQUEST, tid);
	stun_enc_fingerprint(&e);
	stun_enc_finish(&e, &len);
	return len;
}

static int
print_answer(SSL *ssl, const uint8_t *buf, size_t len)
{
	struct sockaddr_storage ss;
	struct stun_msg m;
	char b[ADDR_STRLEN];

	printf("PROTOCOL %s\n", SSL_get_version(ssl));
	if (stun_decode(&m, buf, len) != 0) {
		printf("MALFORMED\n");
		return 1;
	}
	for (unsigned i = 0; i < m.nattrs; i++)
		if (m.attrs[i].type == STUN_A_XOR_MAPPED_ADDRESS &&
		    stun_attr_addr(&m, &m.attrs[i], true, &ss) == 0)
			printf("XOR-MAPPED-ADDRESS %s\n",
			       addr_str((struct sockaddr *)&ss, b, sizeof(b)));
	return 0;
}

/* One Binding on a connected SSL; 0 if answered. */
static int
binding_once(SSL *ssl, bool dtls)
{
	uint8_t req[128], buf[2048];
	size_t len = binding_request(req, sizeof(req)), got = 0;
	int n;

	if (SSL_write(ssl, req, (int)len) != (int)len)
		return 1;
	/* A stream may cut the answer anywhere; a DTLS record is whole. */
	while ((n = SSL_read(ssl, buf + got, (int)(sizeof(buf) - got))) > 0) {
		got += (size_t)n;
		if (dtls || (got >= 20 && got >= 20u + (buf[2] << 8 | buf[3])))
			break;
	}
	return got > 0 ? print_answer(ssl, buf, got) : 1;
}

/* count Bindings, pause_s apart, over one SSL connected on fd. */
static int
binding(SSL_CTX *ctx, int fd, bool dtls, int count, unsigned pause_s)
{
	struct timeval tv = { TIMEOUT_MS / 1000, 0 };
	SSL *ssl = SSL_new(ctx);
	int rc = 1;

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (dtls) {
		BIO *bio = BIO_new_dgram(fd, BIO_NOCLOSE);
		struct sockaddr_storage peer;   /* BIO_ADDR is a sockaddr union */

		getpeername(fd, (struct sockaddr *)&peer,
			    &(socklen_t){ sizeof(peer) });
		BIO_ctrl(bio, BIO_CTRL_DGRAM_SET_CONNECTED, 0, &peer);
		SSL_set_bio(ssl, bio, bio);
	} else {
		SSL_set_fd(ssl, fd);
	}
	if (SSL_connect(ssl) == 1) {
		for (int i = 0; i < count; i++) {
			if (i > 0) {
				fflush(stdout);
				sleep(pause_s);
			}
			if ((rc = binding_once(ssl, dtls)) != 0)
				break;
		}
		SSL_shutdown(ssl);
	}
	ERR_print_errors_fp(stderr);
	SSL_free(ssl);
	return rc;
}

/* A ClientHello taken from a memory BIO, sent once; the reply is only
 * looked at (RFC 6347 §4.2.1: HelloVerifyRequest is handshake type 3). */
static int
dtls_hello(SSL_CTX *ctx, int fd)
{
	SSL *ssl = SSL_new(ctx);
	BIO *rbio = BIO_new(BIO_s_mem()), *wbio = BIO_new(BIO_s_mem());
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	uint8_t buf[4096];
	int n, rc = 1;

	BIO_set_mem_eof_return(rbio, -1);
	SSL_set_bio(ssl, rbio, wbio);
	SSL_connect(ssl);                       /* writes the ClientHello */
	n = BIO_read(wbio, buf, sizeof(buf));
	if (n > 0 && send(fd, buf, (size_t)n, 0) == n &&
	    poll(&pfd, 1, TIMEOUT_MS) == 1 &&
	    (n = (int)recv(fd, buf, sizeof(buf), 0)) > 13 &&
	    buf[0] == 22 && buf[13] == 3) {
		printf("HELLO-VERIFY-REQUEST\n");
		rc = 0;
	}
	SSL_free(ssl);
	return rc;
}

/* ---- dtls-flood: many handshakes from one address ---- */

#define FLOOD_MAX   8192
#define FLOOD_QUIET 300      /* ms without an answer: send again */
#define FLOOD_TRIES 4        /* sends of one flight: then refused */

struct hs {
	int fd;
	SSL *ssl;
	uint64_t last_ms;
	bool done, answered, up;
	unsigned tries;
	uint8_t last[1500];  /* the last flight sent, for retransmission */
	size_t nlast;
};

static uint64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* What the SSL wrote to its memory BIO, as one datagram (kept to be
 * sent again: a loaded server drops datagrams and mem BIOs have no
 * retransmission timer). */
static void
hs_flush(struct hs *h)
{
	int n = BIO_read(SSL_get_wbio(h->ssl), h->last, sizeof(h->last));

	if (n > 0) {
		h->nlast = (size_t)n;
		h->tries = 0;
	}
	if (h->nlast > 0)
		(void)send(h->fd, h->last, h->nlast, 0);
	h->tries++;
	h->last_ms = mono_ms();
}

static bool
hs_start(struct hs *h, SSL_CTX *ctx, char **av)
{
	BIO *rbio = BIO_new(BIO_s_mem()), *wbio = BIO_new(BIO_s_mem());

	h->fd = connect_to(av[0], av[1], SOCK_DGRAM, av[2], false);
	h->ssl = SSL_new(ctx);
	if (h->fd < 0 || h->ssl == NULL || rbio == NULL || wbio == NULL)
		return false;
	BIO_set_mem_eof_return(rbio, -1);
	SSL_set_bio(h->ssl, rbio, wbio);
	SSL_set_options(h->ssl, SSL_OP_NO_QUERY_MTU);
	SSL_set_mtu(h->ssl, 1200);
	SSL_connect(h->ssl);                    /* the first ClientHello */
	hs_flush(h);
	return true;
}

/* A datagram for h: a ServerHello (handshake type 2) means the server
 * made a session; stalled handshakes stop there. */
static void
hs_input(struct hs *h, bool complete)
{
	uint8_t buf[8192];
	ssize_t n = recv(h->fd, buf, sizeof(buf), 0);
	int rc;

	if (n <= 13)
		return;
	if (buf[0] == 22 && buf[13] == 2)
		h->answered = true;
	if (h->answered && !complete) {
		h->done = true;
		return;
	}
	BIO_write(SSL_get_rbio(h->ssl), buf, (int)n);
	rc = SSL_do_handshake(h->ssl);
	hs_flush(h);
	if (rc == 1)
		h->up = h->done = true;
	else if (SSL_get_error(h->ssl, rc) != SSL_ERROR_WANT_READ)
		h->done = true;
	ERR_clear_error();
}

static int
dtls_flood(SSL_CTX *ctx, char **av, unsigned n, bool complete)
{
	static struct hs h[FLOOD_MAX];
	static struct pollfd pfd[FLOOD_MAX];
	unsigned started = 0, done = 0, answered = 0, up = 0;
	unsigned burst = complete ? 1 : 32, inflight = complete ? 8 : n;
	uint64_t end = mono_ms() + 60000;
	struct rlimit rl;

	if (n == 0 || n > FLOOD_MAX)
		return 2;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	while (done < n && mono_ms() < end) {
		for (unsigned k = 0; k < burst && started < n &&
		     started - done < inflight; k++, started++) {
			if (!hs_start(&h[started], ctx, av))
				return 1;
			pfd[started] = (struct pollfd){ h[started].fd, POLLIN, 0 };
		}
		if (poll(pfd, started, 5) < 0)
			return 1;
		for (unsigned i = 0; i < started; i++) {
			if (h[i].done)
				continue;
			if (pfd[i].revents & POLLIN)
				hs_input(&h[i], complete);
			else if (mono_ms() - h[i].last_ms > FLOOD_QUIET &&
				 h[i].tries >= FLOOD_TRIES)
				h[i].done = true;
			else if (mono_ms() - h[i].last_ms > FLOOD_QUIET)
				hs_flush(&h[i]);     /* nothing new: again */
			if (h[i].done) {
				done++;
				answered += h[i].answered;
				up += h[i].up;
				pfd[i].fd = -1;
			}
		}
	}
	printf("started %u answered %u up %u\n", started, answered, up);
	for (unsigned i = 0; i < started; i++) {
		SSL_free(h[i].ssl);
		close(h[i].fd);
	}
	return 0;
}

int
main(int argc, char **argv)
{
	bool dtls = argc >= 4 && strncmp(argv[1], "dtls", 4) == 0;
	bool hold = argc == 4 && strcmp(argv[1], "tls-hold") == 0;
	bool flood = argc == 7 && strcmp(argv[1], "dtls-flood") == 0;
	SSL_CTX *ctx;
	int fd = -1, rc;

	if ((argc != 4 && !(argc == 5 && strcmp(argv[1], "dtls") == 0) &&
	     !flood) ||
	    (!dtls && !hold && strcmp(argv[1], "tls") != 0)) {
		fprintf(stderr, "usage: tlsprobe tls|tls-hold|dtls|dtls-hello "
			"ADDR PORT | dtls ADDR PORT SRC | dtls-flood ADDR PORT "
			"SRC N stall|complete\n");
		return 2;
	}
	if (!flood)
		fd = connect_to(argv[2], argv[3], dtls ? SOCK_DGRAM : SOCK_STREAM,
				argc == 5 ? argv[4] : NULL, true);
	ctx = SSL_CTX_new(dtls ? DTLS_client_method() : TLS_client_method());
	if ((!flood && fd < 0) || ctx == NULL)
		return 1;
	if (dtls)
		SSL_CTX_set_min_proto_version(ctx, DTLS1_2_VERSION);
	if (flood)
		rc = dtls_flood(ctx, argv + 2, (unsigned)atoi(argv[5]),
				strcmp(argv[6], "complete") == 0);
	else if (strcmp(argv[1], "dtls-hello") == 0)
		rc = dtls_hello(ctx, fd);
	else
		rc = binding(ctx, fd, dtls, hold ? 2 : 1, 3);
	SSL_CTX_free(ctx);
	if (fd >= 0)
		close(fd);
	return rc;
}
