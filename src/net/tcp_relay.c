/**
 * @file tcp_relay.c  RFC 6062 on the wire: a listening TCP socket per
 * TCP relay, outgoing connections to peers from the relayed address, and
 * the byte pipe between a client data connection and a peer data
 * connection (le-proxy's pattern: stop reading while the other side's
 * output is over a mark, resume at half).
 *
 * A side that ends (EOF) is a half-close: what it sent is flushed to the
 * other side, whose write half is then shut down (TLS: close_notify
 * first), while the other direction goes on. The pipe goes when both
 * directions are done, on an error, or PIPE_LINGER_S after the first
 * EOF, whichever comes first: nothing a side sent before closing is
 * dropped, and a side that never closes cannot hold the pipe.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <event2/buffer.h>
#include <event2/bufferevent_ssl.h>
#include <openssl/ssl.h>

#include "addr.h"
#include "log.h"
#include "net.h"

#define PIPE_OUT_MAX (256 * 1024)
#define PIPE_LINGER_S 10      /* from the first EOF to the end, at most */

struct tcp_relay {
	enum net_kind kind;               /* NET_TCP_RELAY */
	struct evconnlistener *lev;
	struct sockaddr_storage local;
	struct alloc *owner;
	struct server *srv;
};

static void
pipe_free(struct tcp_pipe *p)
{
	TAILQ_REMOVE(&p->srv->pipes, p, link);
	if (p->linger != NULL)
		event_free(p->linger);
	if (p->peer != NULL)
		bufferevent_free(p->peer);
	if (p->client != NULL)
		bufferevent_free(p->client);
	free(p);
}

/* Either side ended: both go, and the core forgets the connection. */
static void
pipe_end(struct tcp_pipe *p)
{
	struct server *srv = p->srv;
	uint32_t id = p->id;

	pipe_free(p);
	turn_on_pipe_closed(&srv->core, id);
}

static struct bufferevent *
other(const struct tcp_pipe *p, const struct bufferevent *bev)
{
	return bev == p->peer ? p->client : p->peer;
}

static unsigned
side(const struct tcp_pipe *p, const struct bufferevent *bev)
{
	return bev == p->peer ? 0 : 1;
}

static void
pipe_linger_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd; (void)what;
	pipe_end(arg);
}

/* to's source ended: once to's output has drained, shut its write half
 * (a TLS connection says close_notify first). true: the pipe is done,
 * both directions ended and flushed. */
static bool
pipe_try_shut(struct tcp_pipe *p, struct bufferevent *to)
{
	unsigned t = side(p, to);
	SSL *ssl;

	if (!p->shut[t] && p->eof[!t] &&
	    evbuffer_get_length(bufferevent_get_output(to)) == 0) {
		if ((ssl = bufferevent_openssl_get_ssl(to)) != NULL)
			SSL_shutdown(ssl);
		shutdown(bufferevent_getfd(to), SHUT_WR);
		p->shut[t] = true;
	}
	return p->shut[0] && p->shut[1];
}

static void
pipe_read_cb(struct bufferevent *from, void *arg)
{
	struct tcp_pipe *p = arg;
	struct bufferevent *to = other(p, from);

	if (to == NULL)
		return;
	evbuffer_add_buffer(bufferevent_get_output(to),
			    bufferevent_get_input(from));
	if (evbuffer_get_length(bufferevent_get_output(to)) >= PIPE_OUT_MAX) {
		/* Back-pressure: resume when the slow side drained half. */
		bufferevent_disable(from, EV_READ);
		bufferevent_setwatermark(to, EV_WRITE, PIPE_OUT_MAX / 2,
					 PIPE_OUT_MAX);
	}
}

static void
pipe_write_cb(struct bufferevent *to, void *arg)
{
	struct tcp_pipe *p = arg;
	struct bufferevent *from = other(p, to);

	bufferevent_setwatermark(to, EV_WRITE, 0, 0);
	if (from != NULL && !p->eof[side(p, from)])
		bufferevent_enable(from, EV_READ);
	if (pipe_try_shut(p, to))
		pipe_end(p);
}

/* from ended (EOF): the rest of its input goes to the other side, and
 * that side is shut once flushed (pipe_try_shut, here or on drain). */
static void
pipe_half_close(struct tcp_pipe *p, struct bufferevent *from)
{
	struct bufferevent *to = other(p, from);
	struct timeval tv = { PIPE_LINGER_S, 0 };

	if (to == NULL) {
		pipe_end(p);
		return;
	}
	p->eof[side(p, from)] = true;
	bufferevent_disable(from, EV_READ);
	evbuffer_add_buffer(bufferevent_get_output(to),
			    bufferevent_get_input(from));
	bufferevent_setwatermark(to, EV_WRITE, 0, 0);
	if (p->linger == NULL &&
	    ((p->linger = evtimer_new(p->srv->base, pipe_linger_cb, p)) == NULL ||
	     evtimer_add(p->linger, &tv) != 0)) {
		pipe_end(p);
		return;
	}
	if (pipe_try_shut(p, to))
		pipe_end(p);
}

static void
pipe_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct tcp_pipe *p = arg;

	if (what & BEV_EVENT_CONNECTED) {
		uint64_t now_ms;
		int64_t wall_s;

		net_clock(&now_ms, &wall_s);
		p->connecting = false;
		if (!turn_on_peer_connect(&p->srv->core, p->id, p, now_ms))
			pipe_free(p);
		return;
	}
	if (!(what & (BEV_EVENT_EOF | BEV_EVENT_ERROR | BEV_EVENT_TIMEOUT)))
		return;
	if (p->client == NULL && bev == p->peer && p->connecting) {
		/* The connect failed: 447 to the client. */
		struct server *srv = p->srv;
		uint32_t id = p->id;
		pipe_free(p);
		turn_on_peer_connect(&srv->core, id, NULL, 0);  /* no deadline */
		return;
	}
	if ((what & BEV_EVENT_EOF) && !(what & BEV_EVENT_ERROR) &&
	    p->client != NULL)
		pipe_half_close(p, bev);
	else
		pipe_end(p);
}

static struct tcp_pipe *
pipe_new(struct server *srv, evutil_socket_t fd, uint32_t id)
{
	struct tcp_pipe *p = calloc(1, sizeof(*p));

	if (p == NULL)
		return NULL;
	p->srv = srv;
	p->id = id;
	p->peer = bufferevent_socket_new(srv->base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (p->peer == NULL) {
		free(p);
		return NULL;
	}
	TAILQ_INSERT_TAIL(&srv->pipes, p, link);
	bufferevent_setcb(p->peer, pipe_read_cb, pipe_write_cb, pipe_event_cb,
			  p);
	/* Not read until piped: the kernel buffers the peer's bytes and its
	 * window closes (RFC 6062 §5.3's "buffer ... adjust the window"). */
	bufferevent_disable(p->peer, EV_READ);
	return p;
}

static void
accept_cb(struct evconnlistener *lev, evutil_socket_t fd,
	  struct sockaddr *sa, int salen, void *arg)
{
	struct tcp_relay *r = arg;
	struct tcp_pipe *p = pipe_new(r->srv, fd, 0);
	uint64_t now_ms;
	int64_t wall_s;

	(void)lev; (void)salen;
	if (p == NULL) {
		evutil_closesocket(fd);
		return;
	}
	net_clock(&now_ms, &wall_s);
	p->id = turn_on_peer_accept(&r->srv->core, r->owner, sa, p, now_ms);
	if (p->id == 0)
		pipe_free(p);
}

int
tcp_relay_open(void *arg, const struct sockaddr *addr, struct alloc *owner,
	       void **handle)
{
	struct server *srv = io_srv(arg);
	struct tcp_relay *r = calloc(1, sizeof(*r));
	int fd, err;

	if (r == NULL)
		return ENOMEM;
	r->kind = NET_TCP_RELAY;
	memcpy(&r->local, addr, addr_len(addr));
	err = sock_bind_reuseport(&r->local, true, &fd);
	if (err != 0) {
		free(r);
		return err;
	}
	r->srv = srv;
	r->owner = owner;
	r->lev = evconnlistener_new(srv->base, accept_cb, r,
				    LEV_OPT_CLOSE_ON_FREE, -1, fd);
	if (r->lev == NULL) {
		close(fd);
		free(r);
		return ENOMEM;
	}
	*handle = r;
	return 0;
}

void
tcp_relay_close(struct tcp_relay *r)
{
	evconnlistener_free(r->lev);
	free(r);
}

int
tcp_peer_connect(void *arg, void *handle, const struct sockaddr *peer,
		 uint32_t id)
{
	struct tcp_relay *r = handle;
	struct tcp_pipe *p;
	int fd, err;

	/* From the relayed transport address itself (RFC 6062 §4.3). */
	err = sock_bind_reuseport(&r->local, false, &fd);
	if (err != 0)
		return err;
	p = pipe_new(io_srv(arg), fd, id);
	if (p == NULL) {
		close(fd);
		return ENOMEM;
	}
	p->connecting = true;
	if (bufferevent_socket_connect(p->peer, (struct sockaddr *)peer,
				       (int)addr_len(peer)) != 0) {
		pipe_free(p);
		return ECONNREFUSED;
	}
	return 0;
}

void
tcp_peer_close(void *arg, void *peer_conn)
{
	(void)arg;
	pipe_free(peer_conn);
}

/* Called by tcp.c once the ConnectionBind answer is queued: the client
 * connection's bufferevent joins the pipe, with whatever it has already
 * buffered after the ConnectionBind. */
void
tcp_pipe_attach(struct tcp_pipe *p, struct bufferevent *client)
{
	p->client = client;
	p->connecting = false;
	bufferevent_setcb(client, pipe_read_cb, pipe_write_cb, pipe_event_cb, p);
	bufferevent_setwatermark(client, EV_READ, 0, 0);
	bufferevent_set_timeouts(client, NULL, NULL);
	bufferevent_enable(client, EV_READ | EV_WRITE);
	bufferevent_enable(p->peer, EV_READ | EV_WRITE);
	pipe_read_cb(client, p);
	pipe_read_cb(p->peer, p);
}

void
tcp_pipes_free(struct server *srv)
{
	struct tcp_pipe *p;

	while ((p = TAILQ_FIRST(&srv->pipes)) != NULL)
		pipe_free(p);
}
