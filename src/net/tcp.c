/**
 * @file tcp.c  TCP listener: STUN over a stream (RFC 8489 §6.2.2).
 *
 * Frames are cut with stun_frame_len(): several messages in one segment
 * and one message split over segments both work. Input is bounded by a
 * read watermark, output by a cap (a slow reader loses replies, it does
 * not make the server buffer without bound), and an idle connection is
 * closed by a read timeout.
 *
 * A read timeout alone does not stop slowloris: a byte every few seconds
 * keeps it from firing. So a new connection also has an absolute
 * deadline, tcp-idle-timeout from the accept, by which it must have
 * finished its TLS handshake and sent a whole STUN message; after that
 * the idle rule applies (and none while it holds an allocation).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <event2/buffer.h>

#include "addr.h"
#include "log.h"
#include "net.h"
#include "stun.h"

#define TCP_MAX_FRAME   (STUN_HDR_LEN + 65535)
#define TCP_OUT_MAX     (256 * 1024)

static void
tcp_conn_close(struct tcp_conn *c, const char *why)
{
	char a[ADDR_STRLEN];

	log_debug("%s %s: closed (%s)", c->tp == TP_TLS ? "tls" : "tcp",
		  addr_str((struct sockaddr *)&c->client, a, sizeof(a)), why);
	tcp_conn_free(c);
}

/* Hand every complete frame in the input buffer to the core. Returns
 * false if the stream is not STUN and the connection must close. */
static bool
drain_frames(struct tcp_conn *c)
{
	struct evbuffer *in = bufferevent_get_input(c->bev);
	struct turn_pkt p = {
		.conn = c, .tp = c->tp,
		.client = (struct sockaddr *)&c->client,
		.local = (struct sockaddr *)&c->local,
	};
	uint8_t hdr[4];
	size_t flen;

	net_clock(&p.now_ms, &p.wall_s);
	for (;;) {
		size_t have = evbuffer_get_length(in);

		if (have < sizeof(hdr))
			return true;
		evbuffer_copyout(in, hdr, sizeof(hdr));
		if (stun_frame_len(hdr, sizeof(hdr), &flen) != 0)
			return false;
		if (have < flen)
			return true;
		if (c->deadline != NULL && (hdr[0] & 0xC0) == 0) {
			event_free(c->deadline);  /* a STUN message came */
			c->deadline = NULL;
		}
		turn_on_client(&c->srv->core, &p, evbuffer_pullup(in, flen),
			       flen);
		evbuffer_drain(in, flen);
		if (c->pipe != NULL)
			return true;      /* ConnectionBind: raw bytes now */
	}
}

/* io->pipe: mark the connection; the handover happens when the frame
 * that asked for it has been consumed (tcp_read_cb). */
int
tcp_pipe_start(void *arg, void *data_conn, void *peer_conn, uint32_t id)
{
	struct net_conn *nc = data_conn;
	struct tcp_conn *c = data_conn;

	(void)arg; (void)id;
	if (nc->kind != NET_TCP || c->pipe != NULL)
		return EINVAL;
	c->pipe = peer_conn;
	return 0;
}

/* The client data connection leaves the STUN world: its bufferevent
 * moves into the pipe, and the connection object goes. */
static void
hand_over(struct tcp_conn *c)
{
	struct bufferevent *bev = c->bev;
	struct tcp_pipe *p = c->pipe;

	c->bev = NULL;
	tcp_conn_free(c);
	tcp_pipe_attach(p, bev);
}

static void
tcp_read_cb(struct bufferevent *bev, void *arg)
{
	struct tcp_conn *c = arg;

	(void)bev;
	if (!drain_frames(c)) {
		c->srv->core.stats.malformed++;
		tcp_conn_close(c, "not STUN");
	} else if (c->pipe != NULL) {
		hand_over(c);
	}
}

static void
tcp_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct tcp_conn *c = arg;
	struct turn_pkt p = {
		.conn = c, .tp = c->tp,
		.client = (struct sockaddr *)&c->client,
		.local = (struct sockaddr *)&c->local,
	};

	if (what & BEV_EVENT_TIMEOUT) {
		/* A connection with an allocation lives as long as it does
		 * (RFC 8656 §3.1); the others must not sit idle. */
		if (turn_conn_has_alloc(&c->srv->core, &p)) {
			bufferevent_enable(bev, EV_READ);
			return;
		}
		c->srv->core.stats.conns_idle_closed++;
		tcp_conn_close(c, "idle");
	} else if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR))
		tcp_conn_close(arg, "eof");
}

/* The first STUN message (and the TLS handshake) did not come in time. */
static void
tcp_deadline_cb(evutil_socket_t fd, short what, void *arg)
{
	struct tcp_conn *c = arg;

	(void)fd; (void)what;
	c->srv->core.stats.conns_idle_closed++;
	tcp_conn_close(c, "no STUN message by the deadline");
}

/*
 * Take over bev (a plain socket bufferevent, or a TLS one from tls.c) as
 * a STUN stream connection of transport tp. On failure bev is freed.
 */
int
tcp_conn_start(struct server *srv, struct bufferevent *bev,
	       const struct sockaddr *client,
	       const struct sockaddr_storage *local, enum turn_transport tp)
{
	struct timeval idle = { (time_t)srv->conf->tcp_idle_timeout, 0 };
	struct tcp_conn *c;

	if ((c = calloc(1, sizeof(*c))) == NULL) {
		bufferevent_free(bev);
		return ENOBUFS;
	}
	c->hdr.kind = NET_TCP;
	c->tp = tp;
	c->srv = srv;
	c->bev = bev;
	c->deadline = evtimer_new(srv->base, tcp_deadline_cb, c);
	if (c->deadline == NULL || evtimer_add(c->deadline, &idle) != 0) {
		if (c->deadline != NULL)
			event_free(c->deadline);
		free(c);
		bufferevent_free(bev);
		return ENOMEM;
	}
	memcpy(&c->client, client, addr_len(client));
	/* The concrete local address, even on a wildcard listener. */
	if (getsockname(bufferevent_getfd(bev), (struct sockaddr *)&c->local,
			&(socklen_t){ sizeof(c->local) }) != 0)
		c->local = *local;
	TAILQ_INSERT_TAIL(&srv->conns, c, link);
	srv->nconns++;
	bufferevent_setcb(c->bev, tcp_read_cb, NULL, tcp_event_cb, c);
	bufferevent_setwatermark(c->bev, EV_READ, 0, 2 * TCP_MAX_FRAME);
	bufferevent_set_timeouts(c->bev, &idle, NULL);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
	return 0;
}

static void
tcp_accept_cb(struct evconnlistener *lev, evutil_socket_t fd,
	      struct sockaddr *sa, int salen, void *arg)
{
	struct tcp_listener *l = arg;
	struct bufferevent *bev;

	(void)lev; (void)salen;
	if (!net_admit(l->srv, sa)) {
		evutil_closesocket(fd);
		return;
	}
	bev = bufferevent_socket_new(l->srv->base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (bev == NULL) {
		evutil_closesocket(fd);
		return;
	}
	tcp_conn_start(l->srv, bev, sa, &l->local, TP_TCP);
}

int
tcp_listener_new(struct server *srv, const struct sockaddr_storage *addr,
		 struct tcp_listener **out)
{
	return tcp_listener_open(srv, addr, tcp_accept_cb, out);
}

/* A listening socket at addr whose connections go to accept_cb (plain
 * TCP here, TLS in tls.c), with the tcp_listener as its argument. */
int
tcp_listener_open(struct server *srv, const struct sockaddr_storage *addr,
		  evconnlistener_cb accept_cb, struct tcp_listener **out)
{
	struct tcp_listener *l;
	int fd, err;

	l = calloc(1, sizeof(*l));
	if (l == NULL)
		return ENOMEM;
	l->srv = srv;
	l->local = *addr;
	err = sock_bind(addr, SOCK_STREAM, &fd);
	if (err != 0) {
		free(l);
		return err;
	}
	l->lev = evconnlistener_new(srv->base, accept_cb, l,
				    LEV_OPT_CLOSE_ON_FREE, -1, fd);
	if (l->lev == NULL) {
		evutil_closesocket(fd);
		free(l);
		return ENOMEM;
	}
	*out = l;
	return 0;
}

void
tcp_listener_free(struct tcp_listener *l)
{
	if (l == NULL)
		return;
	evconnlistener_free(l->lev);
	free(l);
}

void
tcp_conn_free(struct tcp_conn *c)
{
	struct turn_pkt p = {
		.conn = c, .tp = c->tp,
		.client = (struct sockaddr *)&c->client,
		.local = (struct sockaddr *)&c->local,
	};

	if (c->pipe == NULL)
		turn_conn_closed(&c->srv->core, &p);
	if (c->deadline != NULL)
		event_free(c->deadline);
	TAILQ_REMOVE(&c->srv->conns, c, link);
	c->srv->nconns--;
	if (c->bev != NULL)
		bufferevent_free(c->bev);
	free(c);
}

int
tcp_send(struct tcp_conn *c, const uint8_t *buf, size_t len)
{
	struct evbuffer *out = bufferevent_get_output(c->bev);

	struct evbuffer *one;
	int rc;

	if (evbuffer_get_length(out) + len > TCP_OUT_MAX)
		return ENOBUFS;
	if (c->tp != TP_TLS)
		return bufferevent_write(c->bev, buf, len) == 0 ? 0 : ENOMEM;
	/* TLS: a chain of its own, so the OpenSSL bufferevent writes it as
	 * its own record. Clients such as coturn's read one message per
	 * record and drop the rest of a record holding several. */
	if ((one = evbuffer_new()) == NULL)
		return ENOMEM;
	rc = evbuffer_add(one, buf, len) == 0 &&
	     evbuffer_add_buffer(out, one) == 0 ? 0 : ENOMEM;
	evbuffer_free(one);
	return rc;
}
