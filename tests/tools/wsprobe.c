/**
 * @file wsprobe.c  A small scripted WebSocket/HTTP client for the
 * integration tests of the signaling endpoint (loopback only).
 *
 *   wsprobe HOST PORT < SCRIPT
 *
 * One command per line; every wait is bounded (3 s). Output lines:
 *   NAME open 101 | NAME status CODE      after open
 *   NAME< TEXT                            each text frame received
 *   NAME pong | NAME close CODE | NAME eof
 *   EXPECT-OK NAME WHAT | EXPECT-FAIL NAME WHAT
 *   HTTP CODE, then BODY LINE ...         after http
 *
 * Commands (NAME: a connection, up to 8):
 *   open NAME [ORIGIN]      handshake on GET /ws (Origin header if given)
 *   send NAME TEXT          a masked text frame; {{X}} becomes X's peer id
 *                           and {{X.token}} its session token (from the
 *                           last welcome X received)
 *   frag NAME TEXT          the same text as two fragments
 *   binary NAME TEXT        a binary frame
 *   unmasked NAME TEXT      an unmasked text frame (a protocol error)
 *   big NAME N              a text frame of N bytes
 *   ping NAME               a ping frame
 *   expect NAME SUBSTR      read until a text frame contains SUBSTR
 *   expect-close NAME       read until a close frame or EOF
 *   quiet NAME SUBSTR       read 300 ms: EXPECT-OK if SUBSTR never came
 *   close NAME | drop NAME  close frame then close, or just close
 *   http RAW                a raw request (\r \n escapes) on a new
 *                           connection; prints the status and the body
 *   sleep MS
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "tool.h"

#define NCONN   8
#define WAIT_MS 3000

struct wconn {
	char name[16];
	int fd;
	char id[64], token[64];
	uint8_t *buf;
	size_t len, cap;
};

static struct wconn conns[NCONN];
static const char *host, *port;
static int failures;

/* Read more into c->buf within the deadline. 0, or -1 EOF/timeout. */
static int
fill(struct wconn *c, uint64_t deadline)
{
	struct pollfd p = { c->fd, POLLIN, 0 };
	uint64_t now = tool_now_ms();
	ssize_t n;

	if (c->fd < 0 || now >= deadline ||
	    poll(&p, 1, (int)(deadline - now)) <= 0)
		return -1;
	if (c->len + 65536 > c->cap) {
		c->cap = c->len + 65536;
		c->buf = realloc(c->buf, c->cap);
	}
	n = read(c->fd, c->buf + c->len, c->cap - c->len);
	if (n <= 0)
		return -1;
	c->len += (size_t)n;
	return 0;
}

static void
consume(struct wconn *c, size_t n)
{
	memmove(c->buf, c->buf + n, c->len - n);
	c->len -= n;
}

/* One frame: opcode and payload (NUL-terminated, malloc'd). */
static int
read_frame(struct wconn *c, uint64_t deadline, int *op, char **out,
	   size_t *olen)
{
	for (;;) {
		size_t hl = 2, plen;

		if (c->len >= 2) {
			plen = c->buf[1] & 0x7f;
			if (plen == 126)
				hl = 4;
			else if (plen == 127)
				hl = 10;
			if (c->len >= hl) {
				if (plen == 126)
					plen = (size_t)c->buf[2] << 8 | c->buf[3];
				else if (plen == 127)
					for (int i = 0, j = 2; i < 8; i++, j++)
						plen = (i ? plen << 8 : 0) | c->buf[j];
				if (c->len >= hl + plen) {
					*op = c->buf[0] & 0x0f;
					*out = malloc(plen + 1);
					memcpy(*out, c->buf + hl, plen);
					(*out)[plen] = '\0';
					*olen = plen;
					consume(c, hl + plen);
					return 0;
				}
			}
		}
		if (fill(c, deadline) != 0)
			return -1;
	}
}

static void
send_frame(struct wconn *c, int op, bool fin, bool masked, const char *p,
	   size_t n)
{
	uint8_t *f = malloc(n + 14), mask[4];
	size_t hl = 2;

	f[0] = (uint8_t)((fin ? 0x80 : 0) | op);
	if (n < 126) {
		f[1] = (uint8_t)n;
	} else if (n < 65536) {
		f[1] = 126;
		f[2] = (uint8_t)(n >> 8);
		f[3] = (uint8_t)n;
		hl = 4;
	} else {
		f[1] = 127;
		for (int i = 0; i < 8; i++)
			f[2 + i] = (uint8_t)((uint64_t)n >> (56 - 8 * i));
		hl = 10;
	}
	if (masked) {
		f[1] |= 0x80;
		for (int i = 0; i < 4; i++)
			f[hl + (size_t)i] = mask[i] = (uint8_t)rand();
		hl += 4;
	}
	for (size_t i = 0; i < n; i++)
		f[hl + i] = (uint8_t)(masked ? p[i] ^ mask[i & 3] : p[i]);
	if (c->fd >= 0 && write(c->fd, f, hl + n) < 0)
		perror("write");
	free(f);
}

static struct wconn *
conn_named(const char *name)
{
	struct wconn *free_slot = NULL;

	for (int i = 0; i < NCONN; i++) {
		if (strcmp(conns[i].name, name) == 0)
			return &conns[i];
		if (free_slot == NULL && conns[i].name[0] == '\0')
			free_slot = &conns[i];
	}
	if (free_slot != NULL) {
		snprintf(free_slot->name, sizeof(free_slot->name), "%s", name);
		free_slot->fd = -1;
	}
	return free_slot;
}

/* Remember the id of the last welcome. */
static void
note_welcome(struct wconn *c, const char *text)
{
	const char *p;

	if (strstr(text, "\"type\":\"welcome\"") == NULL ||
	    (p = strstr(text, "\"id\":\"")) == NULL)
		return;
	p += 6;
	snprintf(c->id, sizeof(c->id), "%.*s", (int)strcspn(p, "\""), p);
	if ((p = strstr(text, "\"token\":\"")) != NULL) {
		p += 9;
		snprintf(c->token, sizeof(c->token), "%.*s",
			 (int)strcspn(p, "\""), p);
	}
}

/* Print frames until one matches; want NULL: a close frame or EOF. */
static bool
read_until(struct wconn *c, const char *want, uint64_t wait)
{
	uint64_t deadline = tool_now_ms() + wait;
	char *p;
	size_t n;
	int op;

	while (read_frame(c, deadline, &op, &p, &n) == 0) {
		bool hit = false;

		if (op == 1) {
			printf("%s< %s\n", c->name, p);
			note_welcome(c, p);
			hit = want != NULL && strstr(p, want) != NULL;
		} else if (op == 10) {
			printf("%s pong\n", c->name);
			hit = want != NULL && strcmp(want, "pong") == 0;
		} else if (op == 8) {
			printf("%s close %d\n", c->name, n >= 2 ?
			       ((uint8_t)p[0] << 8 | (uint8_t)p[1]) : 1005);
			hit = want == NULL;
		}
		free(p);
		if (hit)
			return true;
	}
	if (want == NULL && c->fd >= 0 && tool_now_ms() < deadline) {
		printf("%s eof\n", c->name);
		return true;
	}
	return false;
}

static void
do_open(struct wconn *c, const char *origin)
{
	char req[1024];
	uint64_t deadline = tool_now_ms() + WAIT_MS;
	char *end;
	int n;

	c->fd = tool_dial(host, port);
	c->len = 0;
	n = snprintf(req, sizeof(req), "GET /ws HTTP/1.1\r\nHost: %s:%s\r\n"
		     "Upgrade: websocket\r\nConnection: Upgrade\r\n"
		     "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
		     "Sec-WebSocket-Version: 13\r\n%s%s%s\r\n", host, port,
		     origin ? "Origin: " : "", origin ? origin : "",
		     origin ? "\r\n" : "");
	if (c->fd < 0 || write(c->fd, req, (size_t)n) != n) {
		printf("%s status 0\n", c->name);
		return;
	}
	while ((c->len < 4 || (end = memmem(c->buf, c->len, "\r\n\r\n", 4))
		== NULL) && fill(c, deadline) == 0)
		;
	if (c->len < 12 || (end = memmem(c->buf, c->len, "\r\n\r\n", 4)) ==
	    NULL) {
		printf("%s status 0\n", c->name);
		return;
	}
	if (memcmp(c->buf + 9, "101", 3) == 0 &&
	    memmem(c->buf, c->len, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", 28)) {
		printf("%s open 101\n", c->name);
	} else {
		printf("%s status %.3s\n", c->name, c->buf + 9);
		close(c->fd);
		c->fd = -1;
	}
	consume(c, (size_t)(end + 4 - (char *)c->buf));
}

/* {{X}} -> X's id, {{X.token}} -> its session token */
static void
substitute(const char *in, char *out, size_t cap)
{
	size_t o = 0;

	while (*in != '\0' && o + 1 < cap) {
		const char *end;

		if (strncmp(in, "{{", 2) == 0 && (end = strstr(in, "}}"))) {
			char name[16], *dot;
			struct wconn *c;

			snprintf(name, sizeof(name), "%.*s",
				 (int)(end - in - 2), in + 2);
			if ((dot = strchr(name, '.')) != NULL)
				*dot = '\0';
			c = conn_named(name);
			o += (size_t)snprintf(out + o, cap - o, "%s",
					      c == NULL ? "" : dot ? c->token :
					      c->id);
			in = end + 2;
			continue;
		}
		out[o++] = *in++;
	}
	out[o < cap ? o : cap - 1] = '\0';
}

static void
do_http(const char *raw)
{
	char req[16384], resp[65536];
	size_t n = 0, len = 0;
	uint64_t deadline = tool_now_ms() + WAIT_MS;
	int fd = tool_dial(host, port);
	char *body;

	for (const char *p = raw; *p && n + 1 < sizeof(req); p++) {
		if (p[0] == '\\' && (p[1] == 'r' || p[1] == 'n')) {
			req[n++] = p[1] == 'r' ? '\r' : '\n';
			p++;
		} else {
			req[n++] = *p;
		}
	}
	if (fd < 0 || write(fd, req, n) < 0) {
		printf("HTTP 0\n");
		return;
	}
	for (;;) {
		struct pollfd pf = { fd, POLLIN, 0 };
		uint64_t now = tool_now_ms();
		ssize_t r;

		if (now >= deadline || poll(&pf, 1, (int)(deadline - now)) <= 0)
			break;
		r = read(fd, resp + len, sizeof(resp) - 1 - len);
		if (r <= 0)
			break;
		len += (size_t)r;
	}
	close(fd);
	resp[len] = '\0';
	printf("HTTP %.3s\n", len >= 12 ? resp + 9 : "000");
	body = strstr(resp, "\r\n\r\n");
	for (char *l = body ? strtok(body + 4, "\n") : NULL; l != NULL;
	     l = strtok(NULL, "\n"))
		printf("BODY %s\n", l);
}

static void
expect_result(bool ok, const char *name, const char *what)
{
	printf("EXPECT-%s %s %s\n", ok ? "OK" : "FAIL", name, what);
	failures += !ok;
}

static void
command(char *line)
{
	char *cmd = strtok(line, " "), *name = strtok(NULL, " ");
	char *rest = strtok(NULL, ""), text[65536];
	struct wconn *c;

	if (cmd == NULL || cmd[0] == '#')
		return;
	if (strcmp(cmd, "sleep") == 0) {
		usleep((useconds_t)atoi(name ? name : "0") * 1000);
		return;
	}
	if (strcmp(cmd, "http") == 0) {
		snprintf(text, sizeof(text), "%s%s%s", name ? name : "",
			 rest ? " " : "", rest ? rest : "");
		do_http(text);
		return;
	}
	if (name == NULL || (c = conn_named(name)) == NULL)
		return;
	substitute(rest ? rest : "", text, sizeof(text));
	if (strcmp(cmd, "open") == 0)
		do_open(c, rest);
	else if (strcmp(cmd, "send") == 0)
		send_frame(c, 1, true, true, text, strlen(text));
	else if (strcmp(cmd, "frag") == 0) {
		size_t half = strlen(text) / 2;

		send_frame(c, 1, false, true, text, half);
		send_frame(c, 0, true, true, text + half, strlen(text) - half);
	} else if (strcmp(cmd, "binary") == 0)
		send_frame(c, 2, true, true, text, strlen(text));
	else if (strcmp(cmd, "unmasked") == 0)
		send_frame(c, 1, true, false, text, strlen(text));
	else if (strcmp(cmd, "big") == 0) {
		size_t n = (size_t)atol(text);
		char *b = malloc(n);

		memset(b, 'x', n);
		send_frame(c, 1, true, true, b, n);
		free(b);
	} else if (strcmp(cmd, "ping") == 0)
		send_frame(c, 9, true, true, "hi", 2);
	else if (strcmp(cmd, "expect") == 0)
		expect_result(read_until(c, text, WAIT_MS), name, text);
	else if (strcmp(cmd, "expect-close") == 0)
		expect_result(read_until(c, NULL, WAIT_MS), name, "close");
	else if (strcmp(cmd, "quiet") == 0)
		expect_result(!read_until(c, text, 300), name, text);
	else if (strcmp(cmd, "close") == 0 || strcmp(cmd, "drop") == 0) {
		if (cmd[0] == 'c')
			send_frame(c, 8, true, true, "\x03\xe8", 2);
		if (c->fd >= 0)
			close(c->fd);
		c->fd = -1;
	}
	fflush(stdout);
}

int
main(int argc, char **argv)
{
	char line[70000];

	if (argc != 3) {
		fprintf(stderr, "usage: wsprobe HOST PORT < SCRIPT\n");
		return 2;
	}
	host = argv[1];
	port = argv[2];
	srand((unsigned)time(NULL));
	while (fgets(line, sizeof(line), stdin) != NULL) {
		line[strcspn(line, "\r\n")] = '\0';
		command(line);
		fflush(stdout);
	}
	return failures ? 1 : 0;
}
