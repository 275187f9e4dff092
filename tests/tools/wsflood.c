/*
 * wsflood — a WebSocket client that sends pings and never reads the
 * pongs, to check that the server bounds what it queues for a client
 * that does not read (integration tests, loopback only).
 *
 *   wsflood HOST PORT MIB SECONDS
 *
 * Opens GET /ws, then sends masked 125-byte pings, without reading,
 * until MIB MiB are sent, SECONDS have passed, the server has taken
 * nothing for 500 ms (it stopped reading), or a send fails. Then it
 * reads (at most 10 s) until EOF or a reset, and prints:
 *   "open 101"                      the handshake (else "status CODE")
 *   "sent BYTES ms MS"              what the server took, and how long
 *   "pongs N close CODE"            pongs read, the close frame's code
 *                                   (0: none came)
 *   "closed MS" | "open"            EOF/reset, ms after the reading began;
 *                                   or still open after 10 s
 * Every wait is bounded; exit status 0 unless arguments or sockets fail.
 */
#include <errno.h>
#include <fcntl.h>
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

#define PING_LEN  125                   /* the largest control frame */
#define FRAME_LEN (2 + 4 + PING_LEN)    /* masked */
#define BATCH     500                   /* frames per write */
#define STALL_MS  500
#define READ_MS   10000

/* The handshake: 0 on 101 (the rest of the answer's head read). */
static int
handshake(int fd, const char *host, const char *port)
{
	char req[512], resp[2048];
	size_t len = 0;
	uint64_t end = tool_now_ms() + 3000;
	int n = snprintf(req, sizeof(req), "GET /ws HTTP/1.1\r\nHost: %s:%s\r\n"
			 "Upgrade: websocket\r\nConnection: Upgrade\r\n"
			 "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
			 "Sec-WebSocket-Version: 13\r\n\r\n", host, port);

	if (write(fd, req, (size_t)n) != n)
		return -1;
	/* A byte at a time: nothing after the head is taken. */
	while (len < sizeof(resp) - 1 && tool_now_ms() < end &&
	       (len < 4 || memcmp(resp + len - 4, "\r\n\r\n", 4) != 0)) {
		struct pollfd p = { fd, POLLIN, 0 };

		if (poll(&p, 1, 100) > 0 && read(fd, resp + len, 1) != 1)
			break;
		len += p.revents != 0;
	}
	resp[len] = '\0';
	if (len < 12 || memcmp(resp + 9, "101", 3) != 0) {
		printf("status %.3s\n", len >= 12 ? resp + 9 : "000");
		return -1;
	}
	printf("open 101\n");
	return 0;
}

static void
make_pings(uint8_t *buf, size_t nframes)
{
	for (size_t i = 0; i < nframes; i++) {
		uint8_t *f = buf + i * FRAME_LEN;

		f[0] = 0x89;                    /* FIN, ping */
		f[1] = 0x80 | PING_LEN;         /* masked */
		for (int k = 0; k < 4; k++)
			f[2 + k] = (uint8_t)rand();
		for (int k = 0; k < PING_LEN; k++)
			f[6 + k] = (uint8_t)('p' ^ f[2 + (k & 3)]);
	}
}

/* Send pings until max bytes, secs, a stall or an error; bytes sent. */
static uint64_t
flood(int fd, uint64_t max, unsigned secs)
{
	static uint8_t buf[BATCH * FRAME_LEN];
	uint64_t sent = 0, end = tool_now_ms() + (uint64_t)secs * 1000;
	uint64_t took = tool_now_ms();
	size_t off = 0;

	make_pings(buf, BATCH);
	while (sent < max && tool_now_ms() < end && tool_now_ms() < took + STALL_MS) {
		struct pollfd p = { fd, POLLOUT, 0 };
		ssize_t n;

		if (poll(&p, 1, 50) <= 0)
			continue;
		n = send(fd, buf + off, sizeof(buf) - off,
			 MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0 && errno != EAGAIN && errno != EINTR)
			break;                  /* closed under us */
		if (n <= 0)
			continue;
		sent += (uint64_t)n;
		off = (off + (size_t)n) % sizeof(buf);
		took = tool_now_ms();
	}
	return sent;
}

/* Frames in b[0..len): pongs counted, a close frame's code kept; the
 * bytes of an incomplete frame are left at the start. */
static size_t
parse(uint8_t *b, size_t len, unsigned *pongs, unsigned *code)
{
	size_t at = 0;

	while (len - at >= 2) {
		size_t plen = b[at + 1] & 0x7f, hl = 2;

		if (plen >= 126) {              /* a data frame: none expected */
			hl = plen == 126 ? 4 : 10;
			if (len - at < hl)
				break;
			plen = plen == 126 ? (size_t)b[at + 2] << 8 | b[at + 3] :
			       SIZE_MAX / 2;
		}
		if (len - at < hl + plen)
			break;
		if ((b[at] & 0x0f) == 0xa)
			(*pongs)++;
		else if ((b[at] & 0x0f) == 0x8 && plen >= 2)
			*code = (unsigned)b[at + hl] << 8 | b[at + hl + 1];
		at += hl + plen;
	}
	memmove(b, b + at, len - at);
	return len - at;
}

int
main(int argc, char **argv)
{
	static uint8_t buf[65536];
	unsigned secs, pongs = 0, code = 0;
	uint64_t t0, sent, end;
	size_t len = 0;
	int fd, closed = 0;

	if (argc != 5 || (secs = (unsigned)atoi(argv[4])) == 0 || secs > 60) {
		fprintf(stderr, "usage: wsflood HOST PORT MIB SECONDS\n");
		return 2;
	}
	if ((fd = tool_dial(argv[1], argv[2])) < 0 ||
	    handshake(fd, argv[1], argv[2]) != 0)
		return 1;
	t0 = tool_now_ms();
	sent = flood(fd, (uint64_t)atoi(argv[3]) << 20, secs);
	printf("sent %llu ms %llu\n", (unsigned long long)sent,
	       (unsigned long long)(tool_now_ms() - t0));
	fflush(stdout);
	t0 = tool_now_ms();
	end = t0 + READ_MS;
	while (!closed && tool_now_ms() < end) {
		struct pollfd p = { fd, POLLIN, 0 };
		ssize_t n;

		if (poll(&p, 1, 100) <= 0)
			continue;
		n = read(fd, buf + len, sizeof(buf) - len);
		closed = n <= 0;
		if (n > 0)
			len = parse(buf, len + (size_t)n, &pongs, &code);
		if (len == sizeof(buf))
			break;                  /* not WebSocket frames */
	}
	printf("pongs %u close %u\n", pongs, code);
	if (closed)
		printf("closed %llu\n", (unsigned long long)(tool_now_ms() - t0));
	else
		printf("open\n");
	close(fd);
	return 0;
}
