/**
 * @file server.c  The HTTP listener: evconnlistener + one bufferevent per
 * connection. A connection reads one request head (at most HTTP_HEAD_MAX
 * bytes within http-head-timeout of its accept: a deadline, so a client
 * trickling a byte at a time cannot hold it), answers it and closes
 * ("Connection: close": no keep-alive, no pipelining), or becomes a
 * WebSocket (ws.c). One source (IPv4 address, IPv6 /64) holds at most
 * http-max-conns-per-ip connections. libevent's evhttp cannot hand its
 * connection over to a WebSocket, hence this small server around the
 * pure parser. The admin listener (admin.c) is the same server.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "addr.h"
#include "httpd_int.h"
#include "log.h"

void
hconn_free(struct hconn *c)
{
	struct httpd *h = c->h;

	ws_conn_free(c);
	if (c->service != NULL)
		event_free(c->service);
	if (c->deadline != NULL)
		event_free(c->deadline);
	if (c->bev != NULL)
		bufferevent_free(c->bev);
	TAILQ_REMOVE(&h->conns, c, link);
	h->nconns--;
	free(c);
}

/* Stop reading; free once what is queued has been written. */
void
hconn_closing(struct hconn *c)
{
	struct timeval wt = { HTTPD_WRITE_TIMEOUT_S, 0 };

	c->state = HC_CLOSING;
	bufferevent_disable(c->bev, EV_READ);
	bufferevent_set_timeouts(c->bev, NULL, &wt);
	event_del(c->deadline);
	if (evbuffer_get_length(bufferevent_get_output(c->bev)) == 0)
		event_active(c->service, EV_TIMEOUT, 0);
}

/* Cut off (a head past its deadline, output over its cap): as closing,
 * but freed HTTPD_CLOSE_GRACE_S from now at the latest, however slowly
 * the peer takes what is left (a write timeout alone restarts with every
 * byte it takes). */
void
hconn_cut(struct hconn *c)
{
	struct timeval g = { HTTPD_CLOSE_GRACE_S, 0 };

	hconn_closing(c);
	c->cut = true;
	event_add(c->deadline, &g);
}

/* All written. A connection cut off may still be sending (pings, a
 * head): closed now, with its input unread, the kernel would answer a
 * reset and drop what it has not delivered yet, our last words (close
 * 1008, 408) included. So it half-closes and reads (and discards) until
 * the peer's EOF or the end of its grace instead. */
static void
hconn_done(struct hconn *c)
{
	if (!c->cut) {
		hconn_free(c);
		return;
	}
	if (c->lingering)       /* on_write and on_service both saw it */
		return;
	c->lingering = true;
	shutdown(bufferevent_getfd(c->bev), SHUT_WR);
	bufferevent_enable(c->bev, EV_READ);
}

void
hconn_respond(struct hconn *c, const struct http_req *r, int status,
	      const char *ctype, const char *body, size_t len,
	      const char *extra)
{
	struct evbuffer *out = bufferevent_get_output(c->bev);

	evbuffer_add_printf(out, "HTTP/1.1 %d %s\r\nContent-Type: %s\r\n"
			    "Content-Length: %zu\r\nConnection: close\r\n"
			    "X-Content-Type-Options: nosniff\r\n"
			    "Cache-Control: no-store\r\n%s\r\n", status,
			    http_reason(status), ctype, len,
			    extra ? extra : "");
	if (body != NULL && (r == NULL || r->method != HTTP_HEAD))
		evbuffer_add(out, body, len);
	log_debug("http %s %s %s: %d", c->ip, r ? r->path : "-",
		  r && r->method == HTTP_HEAD ? "HEAD" : "GET", status);
	hconn_closing(c);
}

static void
respond_error(struct hconn *c, const struct http_req *r, int status)
{
	char body[96];
	int n = snprintf(body, sizeof(body), "%d %s\n", status,
			 http_reason(status));

	hconn_respond(c, r, status, "text/plain; charset=utf-8", body,
		      (size_t)n, status == 405 ? "Allow: GET, HEAD\r\n" : NULL);
}

/* The head, once complete: parse and route (or refuse). */
static void
read_head(struct hconn *c)
{
	struct evbuffer *in = bufferevent_get_input(c->bev);
	size_t len = evbuffer_get_length(in), hl = 0;
	size_t n = len < HTTP_HEAD_MAX ? len : HTTP_HEAD_MAX;
	uint8_t *data = evbuffer_pullup(in, (ev_ssize_t)n);
	struct http_req *r;
	int st;

	st = http_head_len(data, n, &hl);
	if (st == EAGAIN)
		return;
	if (st == EMSGSIZE) {
		respond_error(c, NULL, 431);
		return;
	}
	if ((r = malloc(sizeof(*r))) == NULL) {
		respond_error(c, NULL, 500);
		return;
	}
	st = http_parse(r, data, hl);
	evbuffer_drain(in, hl);
	if (st != 0)
		respond_error(c, st == 400 ? NULL : r, st);
	else
		route_request(c, r);
	free(r);
}

static void
on_read(struct bufferevent *bev, void *arg)
{
	struct hconn *c = arg;

	if (c->state == HC_HEAD)
		read_head(c);
	else if (c->state == HC_WS)
		ws_on_read(c);
	else
		evbuffer_drain(bufferevent_get_input(bev), SIZE_MAX);
}

static void
on_write(struct bufferevent *bev, void *arg)
{
	struct hconn *c = arg;

	(void)bev;
	if (c->state == HC_CLOSING)
		hconn_done(c);
	else if (c->state == HC_WS)
		ws_service(c);
}

static void
on_event(struct bufferevent *bev, short what, void *arg)
{
	struct hconn *c = arg;

	(void)bev;
	if (what == BEV_EVENT_CONNECTED)  /* the TLS handshake is done */
		return;
	hconn_free(c);      /* EOF, error, or a write timeout */
}

/* The head's deadline (408, then the close grace), or the end of the
 * close grace of a connection cut off. */
static void
on_deadline(evutil_socket_t fd, short what, void *arg)
{
	struct hconn *c = arg;

	(void)fd; (void)what;
	if (c->state != HC_HEAD) {
		hconn_free(c);
		return;
	}
	log_debug("http %s: no request head within %u s", c->ip,
		  c->h->conf->http_head_timeout);
	respond_error(c, NULL, 408);
	hconn_cut(c);
}

/* Deferred work: a WebSocket to service, or a closed one to free. */
static void
on_service(evutil_socket_t fd, short what, void *arg)
{
	struct hconn *c = arg;

	(void)fd; (void)what;
	if (c->state == HC_CLOSING &&
	    evbuffer_get_length(bufferevent_get_output(c->bev)) == 0)
		hconn_done(c);
	else if (c->state == HC_WS)
		ws_service(c);
}

/* Connections h holds from the source src (a walk bounded by the cap on
 * h->nconns). */
static size_t
conns_from(const struct httpd *h, const uint8_t src[ADDR_KEY_LEN])
{
	const struct hconn *c;
	size_t n = 0;

	TAILQ_FOREACH(c, &h->conns, link)
		n += memcmp(c->src, src, ADDR_KEY_LEN) == 0;
	return n;
}

/* Whether one more connection from src fits: the listener's total and
 * http-max-conns-per-ip (IPv6 counted by its /64); on the admin listener
 * at most HTTPD_ADMIN_PER_IP too, so that one source cannot fill it. */
static bool
admit(const struct httpd *h, const uint8_t src[ADDR_KEY_LEN])
{
	size_t max = (h->admin ? 0 : (size_t)h->conf->max_sig_conns) +
		     HTTPD_EXTRA_CONNS;
	unsigned per_ip = h->conf->http_max_conns_per_ip;

	if (h->admin && (per_ip == 0 || per_ip > HTTPD_ADMIN_PER_IP))
		per_ip = HTTPD_ADMIN_PER_IP;

	return h->nconns < max &&
	       (per_ip == 0 || conns_from(h, src) < per_ip);
}

static void
on_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa,
	  int salen, void *arg)
{
	struct httpd *h = arg;
	struct timeval ht = { h->conf->http_head_timeout, 0 };
	uint8_t src[ADDR_KEY_LEN];
	struct hconn *c;

	(void)l; (void)salen;
	addr_src_key(sa, src);
	if (!admit(h, src) || (c = calloc(1, sizeof(*c))) == NULL) {
		evutil_closesocket(fd);
		return;
	}
	c->h = h;
	memcpy(c->src, src, sizeof(src));
	addr_ip_str(sa, c->ip, sizeof(c->ip));
	c->bev = https_wrap(h, fd);       /* plain, or TLS with a cert */
	c->service = event_new(h->base, -1, 0, on_service, c);
	c->deadline = evtimer_new(h->base, on_deadline, c);
	TAILQ_INSERT_TAIL(&h->conns, c, link);
	h->nconns++;
	if (c->bev == NULL || c->service == NULL || c->deadline == NULL) {
		if (c->bev == NULL)
			evutil_closesocket(fd);
		hconn_free(c);
		return;
	}
	bufferevent_setcb(c->bev, on_read, on_write, on_event, c);
	event_add(c->deadline, &ht);      /* from accept: not an idle timer */
	bufferevent_enable(c->bev, EV_READ);
}

static int
add_listener(struct httpd *h, const struct sockaddr_storage *ss)
{
	const struct sockaddr *sa = (const struct sockaddr *)ss;
	unsigned flags = LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC |
			 LEV_OPT_REUSEABLE;
	char buf[ADDR_STRLEN];
	int err;

	if (sa->sa_family == AF_INET6)
		flags |= LEV_OPT_BIND_IPV6ONLY;
	addr_str(sa, buf, sizeof(buf));
	h->lev[h->nlev] = evconnlistener_new_bind(h->base, on_accept, h, flags,
						  128, sa, (int)addr_len(sa));
	if (h->lev[h->nlev] != NULL) {
		h->nlev++;
		log_info("listening on %s (%s)", buf, h->admin ?
			 "admin: /metrics, /api/status" : "http, signaling");
		if (!h->admin && h->nlev == 1) /* wildcard: localhost may use the camera */
			log_info("demo page: %s://%s%s/",
				 h->ssl != NULL ? "https" : "http",
				 addr_is_any(sa) ? "localhost" : buf,
				 addr_is_any(sa) ? strrchr(buf, ':') : "");
		return 0;
	}
	err = errno ? errno : EADDRNOTAVAIL;
	if (h->admin ? h->conf->admin_listen_default :
	    h->conf->http_listen_default) {
		log_warn("%s %s: %s; the %s listener is off", h->admin ?
			 "admin-listen" : "http-listen", buf, strerror(err),
			 h->admin ? "admin" : "HTTP");
		return 0;
	}
	log_error("%s %s: %s", h->admin ? "admin-listen" : "http-listen", buf,
		  strerror(err));
	return err;
}

static void
on_tick(evutil_socket_t fd, short what, void *arg)
{
	struct httpd *h = arg;

	(void)fd; (void)what;
	sig_tick(h->sig);
}

/* The key of signed session tokens: one the next process has too (so a
 * restart keeps sessions), never the secret generated for this run. */
static const char *
resume_key(const struct conf *cf)
{
	if (cf->join_secret != NULL)
		return cf->join_secret;
	if (cf->nsecrets > 0 && !cf->generated_secret)
		return cf->auth_secrets[0];
	return NULL;
}

static void
limits_of(const struct conf *cf, struct sig_limits *lim)
{
	*lim = (struct sig_limits){
		.capacity = cf->room_capacity, .max_rooms = cf->max_rooms,
		.max_conns = cf->max_sig_conns, .history = cf->chat_history,
		.max_msg = cf->sig_max_message, .rate = cf->sig_rate,
		.idle_s = cf->sig_idle, .grace_s = cf->sig_grace,
		.join_rate = cf->join_rate, .join_secret = cf->join_secret,
		.resume_key = resume_key(cf),
	};
}

void
httpd_reconfigure(struct httpd *h, const struct conf *conf)
{
	struct sig_limits lim;

	h->conf = conf;
	if (h->sig == NULL)
		return;
	https_reload(h);
	limits_of(conf, &lim);
	httpd_ice_setup(h);
	sig_reconfigure(h->sig, &lim, &h->ice);
}

static int
setup_sig(struct httpd *h)
{
	struct sig_limits lim;

	limits_of(h->conf, &lim);
	httpd_ice_setup(h);
	if (sig_new(&h->sig, &lim, &h->ice, &httpd_sig_port) != 0)
		return ENOMEM;
	h->tick = event_new(h->base, -1, EV_PERSIST, on_tick, h);
	if (h->tick == NULL ||
	    event_add(h->tick, &(struct timeval){ 1, 0 }) != 0)
		return ENOMEM;
	return 0;
}

int
httpd_new(struct httpd **out, struct event_base *base,
	  const struct conf *conf)
{
	struct httpd *h = calloc(1, sizeof(*h));
	int err;

	if (h == NULL)
		return ENOMEM;
	h->base = base;
	h->conf = conf;
	TAILQ_INIT(&h->conns);
	*out = h;
	if (conf->nhttp_listen == 0)
		return 0;
	if ((err = setup_sig(h)) != 0) {
		log_error("http: %s", strerror(err));
		return err;
	}
	if ((err = https_setup(h)) != 0)
		return err;
	for (size_t i = 0; i < conf->nhttp_listen; i++)
		if ((err = add_listener(h, &conf->http_listen[i])) != 0)
			return err;
	return 0;
}

int
httpd_admin_new(struct httpd **out, struct event_base *base,
		const struct conf *conf, httpd_collect_fn collect, void *arg)
{
	struct httpd *h = calloc(1, sizeof(*h));
	int err;

	if (h == NULL)
		return ENOMEM;
	h->base = base;
	h->conf = conf;
	h->admin = true;
	h->collect = collect;
	h->collect_arg = arg;
	h->start_s = (int64_t)time(NULL);
	clock_gettime(CLOCK_MONOTONIC, &h->start_mono);
	TAILQ_INIT(&h->conns);
	*out = h;
	for (size_t i = 0; i < conf->nadmin_listen; i++)
		if ((err = add_listener(h, &conf->admin_listen[i])) != 0)
			return err;
	return 0;
}

size_t
httpd_going_away(struct httpd *h)
{
	struct hconn *c, *next;
	size_t nws = 0;

	if (h == NULL)
		return 0;
	for (size_t i = 0; i < h->nlev; i++)
		evconnlistener_free(h->lev[i]);
	h->nlev = 0;
	/* Closes first: a WebSocket that ends now must not tell the others
	 * of its room (still open) that it left. */
	TAILQ_FOREACH(c, &h->conns, link)
		if (c->state == HC_WS) {
			ws_going_away(c);
			nws++;
		}
	for (c = TAILQ_FIRST(&h->conns); c != NULL; c = next) {
		next = TAILQ_NEXT(c, link);
		if (c->state == HC_HEAD)  /* no request yet: nothing to say */
			hconn_free(c);
	}
	if (nws > 0)
		log_info("http: closing %zu WebSocket%s (1001 going away)",
			 nws, nws > 1 ? "s" : "");
	return h->nconns;
}

size_t
httpd_nconns(const struct httpd *h)
{
	return h == NULL ? 0 : h->nconns;
}

void
httpd_free(struct httpd *h)
{
	struct hconn *c;

	if (h == NULL)
		return;
	for (size_t i = 0; i < h->nlev; i++)
		evconnlistener_free(h->lev[i]);
	while ((c = TAILQ_FIRST(&h->conns)) != NULL)
		hconn_free(c);
	if (h->tick != NULL)
		event_free(h->tick);
	sig_free(h->sig);
	https_free(h);
	free(h);
}
