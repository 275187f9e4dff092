/**
 * @file ws.c  The signaling WebSocket: the RFC 6455 handshake on GET /ws,
 * then wslay (server side: it enforces client masking, reassembles
 * fragments, answers pings and close frames, and closes with 1009 over
 * sig-max-message) over the connection's bufferevent, and the port
 * through which the signaling core sends and closes.
 *
 * The core is never re-entered: while it runs, output is queued (a flush
 * of wslay's queue at most), and closing or dropping a connection is
 * deferred to the connection's service event. Binary messages are
 * refused with 1003.
 *
 * Output is bounded: what waits for one client (the bufferevent's output
 * and wslay's queue, the pongs wslay queues by itself for each ping
 * included, RFC 6455 §5.5.2) is at most about HTTPD_OUT_CAP bytes. Over
 * it, a client that sends faster than it reads (pings it never takes the
 * pongs of, messages of a busy room) is read no more and closed with
 * 1008 (policy, RFC 6455 §7.4.1), and dropped if it does not take even
 * that within HTTPD_CLOSE_GRACE_S; other members of its room carry on.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <openssl/rand.h>

#include "httpd_int.h"
#include "log.h"

/* Bytes waiting for the peer: the socket's output, wslay's queue, and
 * each queued message's bookkeeping (a ping with no payload still costs
 * a queued pong). */
static size_t
ws_out_bytes(const struct hconn *c)
{
	return evbuffer_get_length(bufferevent_get_output(c->bev)) +
	       wslay_event_get_queued_msg_length(c->ws) +
	       wslay_event_get_queued_msg_count(c->ws) * HTTPD_MSG_COST;
}

/* Over the cap: read and queue no more; the service event closes. */
static bool
ws_over_cap(struct hconn *c, size_t more)
{
	if (!c->doomed && ws_out_bytes(c) + more <= HTTPD_OUT_CAP)
		return false;
	if (!c->doomed)
		log_debug("ws %s: output over %u bytes: closed", c->ip,
			  HTTPD_OUT_CAP);
	c->doomed = true;
	event_active(c->service, EV_TIMEOUT, 0);
	return true;
}

/* wslay reads through here: nothing more once the output is over its
 * cap, so the pongs of one read (a few KiB of pings) are all it adds. */
static ssize_t
ws_recv_cb(wslay_event_context_ptr ctx, uint8_t *buf, size_t len,
	   int flags, void *user)
{
	struct hconn *c = user;
	int n = ws_over_cap(c, 0) ? 0 :
		evbuffer_remove(bufferevent_get_input(c->bev), buf, len);

	(void)flags;
	if (n <= 0) {
		wslay_event_set_error(ctx, WSLAY_ERR_WOULDBLOCK);
		return -1;
	}
	return n;
}

static ssize_t
ws_send_cb(wslay_event_context_ptr ctx, const uint8_t *data, size_t len,
	   int flags, void *user)
{
	struct hconn *c = user;

	(void)flags;
	if (bufferevent_write(c->bev, data, len) != 0) {
		wslay_event_set_error(ctx, WSLAY_ERR_CALLBACK_FAILURE);
		return -1;
	}
	return (ssize_t)len;
}

static void
ws_msg_cb(wslay_event_context_ptr ctx,
	  const struct wslay_event_on_msg_recv_arg *arg, void *user)
{
	struct hconn *c = user;
	static const char why[] = "text frames only";

	if (arg->opcode == WSLAY_TEXT_FRAME && c->sc != NULL)
		sig_input(c->h->sig, c->sc, (const char *)arg->msg,
			  arg->msg_length);
	else if (arg->opcode == WSLAY_BINARY_FRAME)
		wslay_event_queue_close(ctx, WSLAY_CODE_UNSUPPORTED_DATA,
					(const uint8_t *)why, sizeof(why) - 1);
}

static const struct wslay_event_callbacks ws_callbacks = {
	.recv_callback = ws_recv_cb,
	.send_callback = ws_send_cb,
	.on_msg_recv_callback = ws_msg_cb,
};

void
ws_conn_free(struct hconn *c)
{
	if (c->sc != NULL)
		sig_closed(c->h->sig, c->sc);
	c->sc = NULL;
	if (c->ws != NULL)
		wslay_event_context_free(c->ws);
	c->ws = NULL;
}

/* Over its output cap (outside the core): the core forgets it, a close
 * frame goes after what is queued, and the connection is freed once that
 * is written or HTTPD_CLOSE_GRACE_S from now. */
static void
ws_cut(struct hconn *c)
{
	static const char why[] = "output over its cap: read what you get";

	if (c->sc != NULL)
		sig_closed(c->h->sig, c->sc);
	c->sc = NULL;
	if (!wslay_event_get_close_sent(c->ws)) {
		wslay_event_queue_close(c->ws, WSLAY_CODE_POLICY_VIOLATION,
					(const uint8_t *)why, sizeof(why) - 1);
		(void)wslay_event_send(c->ws);
	}
	hconn_cut(c);
}

/* Shutting down: a close frame 1001 (going away, RFC 6455 §7.4.1) after
 * what is queued, then a lingering close like a cut-off connection. The
 * core keeps the connection (it forgets it when it is freed), but no
 * message reaches it any more (port_send wants HC_WS), so the peer-left
 * of the others, closed at the same time, never goes out: a restart
 * must not look like everyone leaving. */
void
ws_going_away(struct hconn *c)
{
	static const char why[] = "server restarting: reconnect";

	if (!wslay_event_get_close_sent(c->ws)) {
		wslay_event_queue_close(c->ws, WSLAY_CODE_GOING_AWAY,
					(const uint8_t *)why, sizeof(why) - 1);
		(void)wslay_event_send(c->ws);
	}
	hconn_cut(c);
}

/* Outside the core: write what wslay queued; once a close frame went out
 * (ours or the answer to the peer's), the core forgets the connection
 * and it closes when the output drains. */
void
ws_service(struct hconn *c)
{
	if (wslay_event_want_write(c->ws) && !c->doomed &&
	    wslay_event_send(c->ws) != 0) {
		hconn_free(c);
		return;
	}
	if (c->doomed || ws_over_cap(c, 0)) {
		ws_cut(c);
		return;
	}
	if (wslay_event_get_close_sent(c->ws) ||
	    !wslay_event_want_read(c->ws)) {
		if (c->sc != NULL)
			sig_closed(c->h->sig, c->sc);
		c->sc = NULL;
		hconn_closing(c);
	}
}

void
ws_on_read(struct hconn *c)
{
	int rv;

	c->in_recv = true;
	rv = wslay_event_recv(c->ws);
	c->in_recv = false;
	if (rv != 0) {
		hconn_free(c);
		return;
	}
	ws_service(c);
}

static void
refuse(struct hconn *c, struct http_req *r, int status, const char *extra)
{
	char body[64];
	int n = snprintf(body, sizeof(body), "%d %s\n", status,
			 http_reason(status));

	hconn_respond(c, r, status, "text/plain; charset=utf-8", body,
		      (size_t)n, extra);
}

void
ws_upgrade(struct hconn *c, struct http_req *r)
{
	struct httpd *h = c->h;
	struct timeval wt = { HTTPD_WRITE_TIMEOUT_S, 0 };
	char host[SIG_HOST_MAX], acc[WS_ACCEPT_LEN + 1];
	int st = ws_check_handshake(r);

	if (st != 0) {
		refuse(c, r, st, st == 426 ? "Sec-WebSocket-Version: 13\r\n" :
		       NULL);
		return;
	}
	if (!http_origin_ok(http_header(r, "Origin"), http_header(r, "Host"),
			    h->conf->allowed_origins, h->conf->norigins)) {
		refuse(c, r, 403, NULL);
		return;
	}
	httpd_url_host(h, r, host, sizeof(host));
	if ((c->sc = sig_open(h->sig, c, c->ip, host)) == NULL) {
		refuse(c, r, 503, NULL);
		return;
	}
	if (wslay_event_context_server_init(&c->ws, &ws_callbacks, c) != 0) {
		c->ws = NULL;
		refuse(c, r, 500, NULL);
		return;
	}
	wslay_event_config_set_max_recv_msg_length(c->ws,
						   h->conf->sig_max_message);
	ws_accept(http_header(r, "Sec-WebSocket-Key"), acc);
	evbuffer_add_printf(bufferevent_get_output(c->bev),
			    "HTTP/1.1 101 Switching Protocols\r\n"
			    "Upgrade: websocket\r\nConnection: Upgrade\r\n"
			    "Sec-WebSocket-Accept: %s\r\n\r\n", acc);
	c->state = HC_WS;
	event_del(c->deadline);         /* the head came in time */
	bufferevent_set_timeouts(c->bev, NULL, &wt);
	log_debug("ws %s: open", c->ip);
	if (evbuffer_get_length(bufferevent_get_input(c->bev)) > 0)
		ws_on_read(c);
}

/* The port of the signaling core. */

static int
port_send(void *arg, void *conn, const char *text, size_t len)
{
	struct hconn *c = conn;
	struct wslay_event_msg m = { WSLAY_TEXT_FRAME, (const uint8_t *)text,
				     len };

	(void)arg;
	if (c->state != HC_WS || ws_over_cap(c, len + HTTPD_MSG_COST))
		return -1;
	if (wslay_event_queue_msg(c->ws, &m) != 0)
		return -1;
	if (!c->in_recv)
		wslay_event_send(c->ws);
	return 0;
}

static void
port_close(void *arg, void *conn, int code)
{
	struct hconn *c = conn;

	(void)arg;
	c->sc = NULL;
	wslay_event_queue_close(c->ws, (uint16_t)code, NULL, 0);
	event_active(c->service, EV_TIMEOUT, 0);
}

static uint64_t
port_now(void *arg)
{
	struct timespec ts;

	(void)arg;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static int64_t
port_wall(void *arg)
{
	struct timespec ts;

	(void)arg;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
port_random(void *arg, uint8_t *buf, size_t len)
{
	(void)arg;
	if (RAND_bytes(buf, (int)len) != 1)
		abort();        /* ids and tokens must not be guessable */
}

const struct sig_port httpd_sig_port = {
	NULL, port_send, port_close, port_now, port_wall, port_random,
};
