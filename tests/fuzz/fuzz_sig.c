/**
 * @file fuzz_sig.c  libFuzzer target for the signaling core.
 *
 * The input is a script of lines. The first byte of a line picks one of
 * four connections ('0'..'3', others modulo 4), the second byte an action:
 * 'm' the rest of the line is a message, 'c' the transport loses the
 * connection, 't' time passes (rest: seconds, digits) and the core ticks.
 * Any other line is sent as a message to connection 0. Tight limits make
 * capacity, rate and grace paths reachable.
 *
 * Invariants: every message the core sends is a JSON object with a
 * string "type"; the core never sends to a connection it closed.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sig.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NC 4

static struct sig_conn *sc[NC];
static int ids[NC];
static bool closed[NC];
static uint64_t now = 1000;
static uint8_t rnd;

static int
p_send(void *arg, void *conn, const char *text, size_t len)
{
	int i = *(int *)conn;
	json_error_t e;
	json_t *m = json_loadb(text, len, 0, &e);

	(void)arg;
	if (closed[i] || !json_is_object(m) ||
	    !json_is_string(json_object_get(m, "type")))
		abort();
	json_decref(m);
	return 0;
}

static void
p_close(void *arg, void *conn, int code)
{
	int i = *(int *)conn;

	(void)arg;
	if (code != 1001 && code != 1008)
		abort();
	closed[i] = true;
	sc[i] = NULL;
}

static uint64_t p_now(void *arg) { (void)arg; return now; }
static int64_t p_wall(void *arg) { (void)arg; return 1700000000000LL + (int64_t)now; }

static void
p_random(void *arg, uint8_t *buf, size_t len)
{
	(void)arg;
	for (size_t i = 0; i < len; i++)
		buf[i] = (uint8_t)(rnd++ % 3);   /* collisions on purpose */
}

static void
line(struct sig *s, const uint8_t *p, size_t n)
{
	int c = n > 0 ? (p[0] - '0') & 3 : 0;
	char act = n > 1 ? (char)p[1] : 'm';
	const uint8_t *arg = p + 2;
	size_t alen = n - 2;
	unsigned secs = 0;

	if (n < 2 || (act != 'm' && act != 'c' && act != 't')) {
		act = 'm';
		c = 0;
		arg = p;
		alen = n;
	}
	if (sc[c] == NULL) {
		closed[c] = false;
		sc[c] = sig_open(s, &ids[c], c & 1 ? "192.0.2.1" : "192.0.2.2",
				 "[2001:db8::1]");
		if (sc[c] == NULL)
			return;
	}
	if (act == 'm') {
		sig_input(s, sc[c], (const char *)arg, alen);
	} else if (act == 'c') {
		sig_closed(s, sc[c]);
		sc[c] = NULL;
	} else {
		for (size_t i = 0; i < alen && i < 6 && arg[i] >= '0' &&
		     arg[i] <= '9'; i++)
			secs = secs * 10 + (unsigned)(arg[i] - '0');
		now += (uint64_t)secs * 1000;
		sig_tick(s);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct sig_port port = { NULL, p_send, p_close, p_now,
					      p_wall, p_random };
	struct sig_limits lim = { .capacity = 3, .max_rooms = 2,
		.max_conns = 3, .history = 2, .max_msg = 1024, .rate = 50,
		.idle_s = 30, .grace_s = 10, .join_rate = 20,
		.join_secret = size > 0 && data[0] == 'T' ? "k" : NULL };
	struct sig_ice ice = { 3478, size > 1 && data[1] == 'S' ? 5349 : 0,
			       "secret", 600,
			       size > 2 ? (enum sig_cred)(data[2] % 3)
					: SIG_CRED_RELAY };
	struct sig *s;
	size_t start = 0;

	for (int i = 0; i < NC; i++) {
		ids[i] = i;
		sc[i] = NULL;
		closed[i] = false;
	}
	now = 1000;
	rnd = 0;
	if (sig_new(&s, &lim, &ice, &port) != 0)
		return 0;
	for (size_t i = 0; i <= size; i++) {
		if (i == size || data[i] == '\n') {
			if (i > start)
				line(s, data + start, i - start);
			start = i + 1;
		}
	}
	sig_free(s);
	return 0;
}
