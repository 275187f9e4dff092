/*
 * connflood — open N idle TCP connections to a server and report what it
 * does with them (connection hygiene tests).
 *
 *   connflood SRC_IP HOST PORT N SECONDS [FILE [TRICKLE_MS]]
 *
 * Connects N times from SRC_IP (port chosen by the kernel), sends
 * nothing (or, with FILE, its first 4 KiB once: say, half a TLS
 * ClientHello, then nothing more; with TRICKLE_MS too, those bytes one
 * at a time on every open connection, a byte every TRICKLE_MS: a
 * slowloris request head), and prints:
 *   "connected C"              connections established
 *   "refused R"                closed by the server within 500 ms
 *   "closed K open O last MS"  after waiting at most SECONDS: closed in
 *                              all, still open, and when the last one
 *                              closed (ms since the connects)
 *   "first MS"                 when the first one after the refused
 *                              closed (0: none)
 * Every wait is bounded; exit status 0 unless arguments or sockets fail.
 */
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>

#include "tool.h"

#define MAXN 4096

static int
connect_from(const char *src, const char *host, const char *port)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *dst, *loc;
	int fd = -1;

	if (getaddrinfo(host, port, &hints, &dst) != 0)
		return -1;
	hints.ai_family = dst->ai_family;
	if (getaddrinfo(src, NULL, &hints, &loc) != 0) {
		freeaddrinfo(dst);
		return -1;
	}
	fd = socket(dst->ai_family, SOCK_STREAM, 0);
	if (fd >= 0 && (bind(fd, loc->ai_addr, loc->ai_addrlen) != 0 ||
			connect(fd, dst->ai_addr, dst->ai_addrlen) != 0)) {
		close(fd);
		fd = -1;
	}
	freeaddrinfo(dst);
	freeaddrinfo(loc);
	return fd;
}

/* Send byte i of pre[0..npre) on every open connection. */
static void
trickle(const struct pollfd *p, unsigned n, const char *pre, size_t npre,
	size_t i)
{
	for (unsigned k = 0; k < n && i < npre; k++)
		if (p[k].fd >= 0)
			(void)send(p[k].fd, pre + i, 1, MSG_NOSIGNAL);
}

/* Mark connections the server has closed (EOF or reset). */
static unsigned
reap(struct pollfd *p, unsigned n, int wait_ms)
{
	unsigned closed = 0;
	char b[64];

	if (poll(p, n, wait_ms) < 0)
		return 0;
	for (unsigned i = 0; i < n; i++) {
		if (p[i].fd < 0 || p[i].revents == 0)
			continue;
		if (read(p[i].fd, b, sizeof(b)) <= 0) {
			close(p[i].fd);
			p[i].fd = -1;
			closed++;
		}
	}
	return closed;
}

int
main(int argc, char **argv)
{
	static struct pollfd p[MAXN];
	unsigned n, secs, up = 0, closed = 0, refused = 0, tms = 0;
	uint64_t t0, last = 0, first = 0, deadline, next;
	static char pre[4096];
	size_t npre = 0, sent = 0;

	if (argc < 6 || argc > 8) {
		fprintf(stderr, "usage: connflood SRC_IP HOST PORT N SECONDS "
			"[FILE [TRICKLE_MS]]\n");
		return 2;
	}
	if (argc == 8 && (tms = (unsigned)atoi(argv[7])) == 0)
		return 2;
	if (argc >= 7) {
		FILE *f = fopen(argv[6], "rb");
		if (f == NULL)
			return 2;
		npre = fread(pre, 1, sizeof(pre), f);
		fclose(f);
	}
	n = (unsigned)atoi(argv[4]);
	secs = (unsigned)atoi(argv[5]);
	if (n == 0 || n > MAXN || secs > 600)
		return 2;
	for (unsigned i = 0; i < n; i++) {
		p[i].fd = connect_from(argv[1], argv[2], argv[3]);
		p[i].events = POLLIN;
		up += p[i].fd >= 0;
		if (p[i].fd >= 0 && npre > 0)   /* a refusal shows in reap */
			(void)send(p[i].fd, pre, tms ? 1 : npre, MSG_NOSIGNAL);
	}
	printf("connected %u\n", up);
	t0 = tool_now_ms();
	while (tool_now_ms() < t0 + 500)
		refused += reap(p, n, 50);
	printf("refused %u\n", refused);
	fflush(stdout);
	closed = refused;
	deadline = t0 + (uint64_t)secs * 1000;
	sent = 1;
	next = t0 + tms;
	while (closed < up && tool_now_ms() < deadline) {
		unsigned k = reap(p, n, 100);
		if (k > 0) {
			closed += k;
			last = tool_now_ms() - t0;
			first = first ? first : last;
		}
		if (tms != 0 && tool_now_ms() >= next) {
			trickle(p, n, pre, npre, sent++);
			next += tms;
		}
	}
	printf("closed %u open %u last %llu\nfirst %llu\n", closed,
	       up - closed, (unsigned long long)last,
	       (unsigned long long)first);
	for (unsigned i = 0; i < n; i++)
		if (p[i].fd >= 0)
			close(p[i].fd);
	return 0;
}
