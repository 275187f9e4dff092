/**
 * @file tlsprobe.c  STUN over TLS and DTLS for the integration tests.
 *
 *   tlsprobe tls        ADDR PORT   Binding over TLS (RFC 8489 §6.2.3)
 *   tlsprobe dtls       ADDR PORT   Binding over DTLS 1.2
 *   tlsprobe tls-hold   ADDR PORT   two Bindings 3 s apart on one TLS
 *                                   connection (a reload in between)
 *   tlsprobe dtls-hello ADDR PORT   send one ClientHello without a cookie
 *                                   and never answer (a spoofed source)
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
#include <unistd.h>
#include <sys/socket.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "addr.h"
#include "stun.h"

#define TIMEOUT_MS 3000

static int
connect_to(const char *ip, const char *port, int type)
{
	struct sockaddr_storage ss, local;
	socklen_t sl = sizeof(local);
	char b[ADDR_STRLEN];
	int fd;

	if (addr_parse_ip(ip, &ss) != 0)
		return -1;
	addr_set_port((struct sockaddr *)&ss, (uint16_t)atoi(port));
	fd = socket(ss.ss_family, type, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&ss,
			      addr_len((struct sockaddr *)&ss)) != 0)
		return -1;
	getsockname(fd, (struct sockaddr *)&local, &sl);
	printf("local %s\n", addr_str((struct sockaddr *)&local, b, sizeof(b)));
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

int
main(int argc, char **argv)
{
	bool dtls = argc == 4 && strncmp(argv[1], "dtls", 4) == 0;
	SSL_CTX *ctx;
	int fd, rc;

	bool hold = argc == 4 && strcmp(argv[1], "tls-hold") == 0;

	if (argc != 4 || (!dtls && !hold && strcmp(argv[1], "tls") != 0)) {
		fprintf(stderr, "usage: tlsprobe tls|tls-hold|dtls|dtls-hello "
			"ADDR PORT\n");
		return 2;
	}
	fd = connect_to(argv[2], argv[3], dtls ? SOCK_DGRAM : SOCK_STREAM);
	ctx = SSL_CTX_new(dtls ? DTLS_client_method() : TLS_client_method());
	if (fd < 0 || ctx == NULL)
		return 1;
	if (dtls)
		SSL_CTX_set_min_proto_version(ctx, DTLS1_2_VERSION);
	if (strcmp(argv[1], "dtls-hello") == 0)
		rc = dtls_hello(ctx, fd);
	else
		rc = binding(ctx, fd, dtls, hold ? 2 : 1, 3);
	SSL_CTX_free(ctx);
	close(fd);
	return rc;
}
