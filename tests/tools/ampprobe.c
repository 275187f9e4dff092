/**
 * @file ampprobe.c  Measure reflection amplification over UDP: send each
 * kind of request a stranger can send without credentials, and count the
 * bytes that come back.
 *
 *   ampprobe ADDR PORT [CASE]
 *   ampprobe ADDR PORT flood N    (N unsigned Allocates, 100 source ports)
 *
 * For each case (or the one named), from a fresh UDP socket: one
 * request, then every answer that arrives within 300 ms. Prints
 *
 *   CASE out OUT in IN ratio R code C
 *
 * with OUT the request's bytes, IN the answers' bytes (UDP payloads),
 * R = IN / OUT, and C the answer's code (200, the ERROR-CODE, 0 for no
 * answer). Exit 0 if every case could be sent, 1 if not.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>

#include "addr.h"
#include "stun.h"

#define WAIT_MS 300

struct probe {
	const char *name;
	uint16_t method;
	void (*attrs)(struct stun_enc *e, const struct sockaddr *srv);
	bool classic;              /* RFC 3489: no magic cookie */
};

static void
none(struct stun_enc *e, const struct sockaddr *srv)
{
	(void)e; (void)srv;
}

static void
fingerprint(struct stun_enc *e, const struct sockaddr *srv)
{
	(void)srv;
	stun_enc_fingerprint(e);
}

/* RFC 5780 §7.6: PADDING asks for a padded answer; never honoured. */
static void
padding(struct stun_enc *e, const struct sockaddr *srv)
{
	(void)srv;
	stun_enc_attr(e, STUN_A_PADDING, NULL, 0);
}

static void
padding_big(struct stun_enc *e, const struct sockaddr *srv)
{
	static const uint8_t pad[512];

	(void)srv;
	stun_enc_attr(e, STUN_A_PADDING, pad, sizeof(pad));
}

/* Comprehension-optional attributes nobody knows, odd lengths. */
static void
odd_optional(struct stun_enc *e, const struct sockaddr *srv)
{
	(void)srv;
	stun_enc_attr(e, 0x8F01, "x", 1);
	stun_enc_attr(e, 0xC0DE, NULL, 0);
}

/* RFC 5780 §7.2: CHANGE-REQUEST, change IP and port. */
static void
change_request(struct stun_enc *e, const struct sockaddr *srv)
{
	(void)srv;
	stun_enc_u32(e, STUN_A_CHANGE_REQUEST, 0x06);
}

static void
unknown_required(struct stun_enc *e, const struct sockaddr *srv)
{
	(void)srv;
	stun_enc_attr(e, 0x7F01, NULL, 0);
}

static void
transport(struct stun_enc *e, const struct sockaddr *srv)
{
	(void)srv;
	stun_enc_u32(e, STUN_A_REQUESTED_TRANSPORT, 17u << 24);
}

static void
transport_fp(struct stun_enc *e, const struct sockaddr *srv)
{
	transport(e, srv);
	stun_enc_fingerprint(e);
}

static void
lifetime(struct stun_enc *e, const struct sockaddr *srv)
{
	(void)srv;
	stun_enc_u32(e, STUN_A_LIFETIME, 600);
}

static void
peer(struct stun_enc *e, const struct sockaddr *srv)
{
	stun_enc_addr(e, STUN_A_XOR_PEER_ADDRESS, srv, true);
}

static void
channel(struct stun_enc *e, const struct sockaddr *srv)
{
	stun_enc_u32(e, STUN_A_CHANNEL_NUMBER, 0x4000u << 16);
	peer(e, srv);
}

static void
connection_id(struct stun_enc *e, const struct sockaddr *srv)
{
	(void)srv;
	stun_enc_u32(e, STUN_A_CONNECTION_ID, 1);
}

static void
transport_tcp(struct stun_enc *e, const struct sockaddr *srv)
{
	(void)srv;
	stun_enc_u32(e, STUN_A_REQUESTED_TRANSPORT, 6u << 24);
}

static const struct probe probes[] = {
	{ "binding",                 STUN_BINDING, none, false },
	{ "binding-classic",         STUN_BINDING, none, true },
	{ "binding-fingerprint",     STUN_BINDING, fingerprint, false },
	{ "binding-padding",         STUN_BINDING, padding, false },
	{ "binding-padding-512",     STUN_BINDING, padding_big, false },
	{ "binding-odd-optional",    STUN_BINDING, odd_optional, false },
	{ "binding-change-request",  STUN_BINDING, change_request, false },
	{ "unknown-required-420",    STUN_BINDING, unknown_required, false },
	{ "unknown-method-400",      0x0FF, none, false },
	{ "allocate",                STUN_ALLOCATE, transport, false },
	{ "allocate-fingerprint",    STUN_ALLOCATE, transport_fp, false },
	{ "allocate-bare",           STUN_ALLOCATE, none, false },
	{ "refresh",                 STUN_REFRESH, none, false },
	{ "refresh-lifetime",        STUN_REFRESH, lifetime, false },
	{ "create-permission",       STUN_CREATE_PERMISSION, peer, false },
	{ "create-permission-bare",  STUN_CREATE_PERMISSION, none, false },
	{ "channel-bind",            STUN_CHANNEL_BIND, channel, false },
	{ "channel-bind-bare",       STUN_CHANNEL_BIND, none, false },
	/* RFC 6062 methods, meaningless over UDP (§5.1, §5.4) */
	{ "allocate-tcp",            STUN_ALLOCATE, transport_tcp, false },
	{ "connect",                 STUN_CONNECT, peer, false },
	{ "connect-bare",            STUN_CONNECT, none, false },
	{ "connection-bind",         STUN_CONNECTION_BIND, connection_id, false },
	{ "connection-bind-bare",    STUN_CONNECTION_BIND, none, false },
	{ "connection-attempt-req",  STUN_CONNECTION_ATTEMPT, connection_id, false },
	/* indication-only methods sent as requests, RFC 3489 Shared Secret */
	{ "send-req",                STUN_SEND, peer, false },
	{ "data-req",                STUN_DATA, peer, false },
	{ "shared-secret-req",       0x002, none, false },
};

static size_t
build(const struct probe *p, const struct sockaddr *srv, uint8_t *buf,
      size_t cap)
{
	uint8_t tid[16];
	struct stun_enc e;
	size_t len = 0;

	for (int i = 0; i < 16; i++)
		tid[i] = (uint8_t)rand();
	if (!p->classic)
		memcpy(tid, "\x21\x12\xA4\x42", 4);
	stun_enc_begin(&e, buf, cap, p->method, STUN_REQUEST, tid);
	p->attrs(&e, srv);
	return stun_enc_finish(&e, &len) == 0 ? len : 0;
}

static int
code_of(const uint8_t *buf, size_t len)
{
	const char *reason;
	size_t rlen;
	struct stun_msg m;
	int code = 0;

	if (stun_decode(&m, buf, len) != 0)
		return -1;
	if (m.cls == STUN_SUCCESS)
		return 200;
	(void)stun_attr_error(&m, stun_find(&m, STUN_A_ERROR_CODE), &code,
			      &reason, &rlen);
	return code;
}

/* One case: @return 0, or -1 if it could not be sent. */
static int
run(const struct probe *p, const struct sockaddr *srv)
{
	uint8_t out[1024], in[2048];
	size_t olen = build(p, srv, out, sizeof(out)), total = 0;
	struct pollfd pfd;
	int code = 0, fd;
	ssize_t n;

	fd = socket(srv->sa_family, SOCK_DGRAM, 0);
	if (olen == 0 || fd < 0 || connect(fd, srv, addr_len(srv)) != 0 ||
	    send(fd, out, olen, 0) != (ssize_t)olen) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	pfd = (struct pollfd){ .fd = fd, .events = POLLIN };
	while (poll(&pfd, 1, WAIT_MS) > 0 &&
	       (n = recv(fd, in, sizeof(in), 0)) > 0) {
		if (total == 0)
			code = code_of(in, (size_t)n);
		total += (size_t)n;
	}
	close(fd);
	printf("%s out %zu in %zu ratio %.2f code %d\n", p->name, olen, total,
	       (double)total / (double)olen, code);
	return 0;
}

static const struct probe flood_probe = {
	"flood", STUN_ALLOCATE, transport, false,
};

/* n unsigned Allocates from 100 sockets (source ports), paced so the
 * socket buffers keep up; answers are read and thrown away. */
static int
flood(const struct sockaddr *srv, long n)
{
	uint8_t out[64], in[2048];
	int fds[100];
	size_t len;

	for (int i = 0; i < 100; i++) {
		fds[i] = socket(srv->sa_family, SOCK_DGRAM, 0);
		if (fds[i] < 0 || connect(fds[i], srv, addr_len(srv)) != 0)
			return 1;
	}
	for (long k = 0; k < n; k++) {
		int fd = fds[k % 100];

		len = build(&flood_probe, srv, out, sizeof(out));
		if (send(fd, out, len, 0) < 0 && errno != ENOBUFS)
			return 1;
		while (recv(fd, in, sizeof(in), MSG_DONTWAIT) > 0)
			;
		if (k % 100 == 99)
			usleep(2000);
	}
	for (int i = 0; i < 100; i++)
		close(fds[i]);
	printf("flood sent %ld\n", n);
	return 0;
}

int
main(int argc, char **argv)
{
	struct sockaddr_storage srv;
	int rc = 0;

	if (argc < 3 || addr_parse_ip(argv[1], &srv) != 0) {
		fprintf(stderr, "usage: ampprobe ADDR PORT [CASE]\n");
		return 2;
	}
	addr_set_port((struct sockaddr *)&srv, (uint16_t)atoi(argv[2]));
	srand((unsigned)time(NULL) ^ (unsigned)getpid());
	if (argc > 4 && strcmp(argv[3], "flood") == 0)
		return flood((struct sockaddr *)&srv, atol(argv[4]));
	for (size_t i = 0; i < sizeof(probes) / sizeof(probes[0]); i++) {
		if (argc > 3 && strcmp(argv[3], probes[i].name) != 0)
			continue;
		if (run(&probes[i], (struct sockaddr *)&srv) != 0)
			rc = 1;
	}
	return rc;
}
