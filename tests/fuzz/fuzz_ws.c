/**
 * @file fuzz_ws.c  libFuzzer target for WebSocket input: the bytes after
 * a handshake go through a wslay server context configured like src/http/
 * ws.c (max message length, text to the signaling core, binary refused)
 * into a signaling core whose port queues its answers on the same
 * context. The input arrives in chunks of varying size, as from a socket.
 *
 * Invariants: wslay never hands over a message longer than the limit;
 * whatever the core sends is a JSON object; nothing crashes or leaks.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <wslay/wslay.h>

#include "sig.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_MSG 1024

struct feed {
	const uint8_t *p;
	size_t len, pos, chunk;
	struct sig *sig;
	struct sig_conn *sc;
	wslay_event_context_ptr ws;
};

static ssize_t
recv_cb(wslay_event_context_ptr ctx, uint8_t *buf, size_t len, int flags,
	void *user)
{
	struct feed *f = user;
	size_t n = f->len - f->pos;

	(void)flags;
	if (n > len)
		n = len;
	if (n > f->chunk)
		n = f->chunk;
	if (n == 0) {
		wslay_event_set_error(ctx, WSLAY_ERR_WOULDBLOCK);
		return -1;
	}
	memcpy(buf, f->p + f->pos, n);
	f->pos += n;
	f->chunk = f->chunk % 7 + 1;
	return (ssize_t)n;
}

static ssize_t
send_cb(wslay_event_context_ptr ctx, const uint8_t *data, size_t len,
	int flags, void *user)
{
	(void)ctx; (void)data; (void)flags; (void)user;
	return (ssize_t)len;
}

static void
msg_cb(wslay_event_context_ptr ctx,
       const struct wslay_event_on_msg_recv_arg *arg, void *user)
{
	struct feed *f = user;

	if (arg->msg_length > MAX_MSG && arg->opcode != WSLAY_CONNECTION_CLOSE)
		abort();
	if (arg->opcode == WSLAY_TEXT_FRAME && f->sc != NULL)
		sig_input(f->sig, f->sc, (const char *)arg->msg,
			  arg->msg_length);
	else if (arg->opcode == WSLAY_BINARY_FRAME)
		wslay_event_queue_close(ctx, 1003, NULL, 0);
}

static int
p_send(void *arg, void *conn, const char *text, size_t len)
{
	struct feed *f = conn;
	struct wslay_event_msg m = { WSLAY_TEXT_FRAME, (const uint8_t *)text,
				     len };
	json_error_t e;
	json_t *j = json_loadb(text, len, 0, &e);

	(void)arg;
	if (!json_is_object(j))
		abort();
	json_decref(j);
	return wslay_event_queue_msg(f->ws, &m) == 0 ? 0 : -1;
}

static void
p_close(void *arg, void *conn, int code)
{
	struct feed *f = conn;

	(void)arg;
	f->sc = NULL;
	wslay_event_queue_close(f->ws, (uint16_t)code, NULL, 0);
}

static uint64_t p_now(void *arg) { (void)arg; return 5000; }
static int64_t p_wall(void *arg) { (void)arg; return 1700000000000LL; }

static void
p_random(void *arg, uint8_t *buf, size_t len)
{
	(void)arg;
	memset(buf, 7, len);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct wslay_event_callbacks cb = {
		.recv_callback = recv_cb, .send_callback = send_cb,
		.on_msg_recv_callback = msg_cb,
	};
	static const struct sig_port port = { NULL, p_send, p_close, p_now,
					      p_wall, p_random };
	struct sig_limits lim = { .capacity = 4, .max_rooms = 4,
		.max_conns = 4, .history = 4, .max_msg = MAX_MSG, .rate = 100,
		.idle_s = 60, .grace_s = 0, .join_rate = 100 };
	struct sig_ice ice = { 3478, 0, "secret", 600, SIG_CRED_RELAY };
	struct feed f = { data, size, 0, 1, NULL, NULL, NULL };

	if (sig_new(&f.sig, &lim, &ice, &port) != 0)
		return 0;
	if (wslay_event_context_server_init(&f.ws, &cb, &f) != 0) {
		sig_free(f.sig);
		return 0;
	}
	wslay_event_config_set_max_recv_msg_length(f.ws, MAX_MSG);
	f.sc = sig_open(f.sig, &f, "192.0.2.1", "h");
	while (f.pos < f.len && wslay_event_want_read(f.ws)) {
		size_t before = f.pos;

		if (wslay_event_recv(f.ws) != 0)
			break;
		if (wslay_event_want_write(f.ws) && wslay_event_send(f.ws) != 0)
			break;
		if (f.pos == before)
			break;
	}
	if (f.sc != NULL)
		sig_closed(f.sig, f.sc);
	wslay_event_context_free(f.ws);
	sig_free(f.sig);
	return 0;
}
