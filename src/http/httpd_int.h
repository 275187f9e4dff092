/* Private to src/http: the HTTP listener's connections. Thin transport:
 * bytes in, the pure parser (parse.c) and signaling core (src/sig) decide,
 * bytes out. */
#ifndef TURNPIKE_HTTPD_INT_H
#define TURNPIKE_HTTPD_INT_H

#include <stdbool.h>
#include <sys/queue.h>
#include <time.h>
#include <event2/bufferevent.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <wslay/wslay.h>

#include "addr.h"
#include "conf.h"
#include "http.h"
#include "httpd.h"
#include "sig.h"

#define HTTPD_WRITE_TIMEOUT_S 30   /* a peer that reads nothing */
#define HTTPD_CLOSE_GRACE_S   2    /* to take the last words when cut off */
#define HTTPD_EXTRA_CONNS     64   /* plain HTTP beyond max-sig-conns */
#define HTTPD_ADMIN_PER_IP    16   /* of the admin listener's 64, per source */
#define HTTPD_OUT_CAP         (1u << 20) /* bytes queued to one socket */
#define HTTPD_MSG_COST        64   /* wslay's bookkeeping of one message */

enum hc_state {
	HC_HEAD,        /* reading the request head */
	HC_WS,          /* a WebSocket */
	HC_CLOSING,     /* answer written: closed once the output drains */
};

struct httpd;

struct hconn {
	struct httpd *h;
	struct bufferevent *bev;
	enum hc_state state;
	char ip[SIG_IP_MAX];
	uint8_t src[ADDR_KEY_LEN];  /* addr_src_key: IPv6 by its /64 */
	wslay_event_context_ptr ws;
	struct sig_conn *sc;        /* NULL once the core let it go */
	bool in_recv;               /* inside wslay_event_recv */
	bool doomed;                /* over its output cap: cut off */
	bool cut;                   /* hconn_cut: a lingering close */
	bool lingering;             /* half-closed, awaiting EOF or grace */
	struct event *service;      /* deferred work outside the core */
	struct event *deadline;     /* the head's, then the close grace's */
	TAILQ_ENTRY(hconn) link;
};
TAILQ_HEAD(hconn_list, hconn);

struct httpd {
	struct event_base *base;
	const struct conf *conf;
	struct evconnlistener *lev[CONF_MAX_LISTEN];
	size_t nlev;
	struct hconn_list conns;
	size_t nconns;
	struct sig *sig;
	struct sig_ice ice;
	struct event *tick;
	char host[SIG_HOST_MAX];    /* for URLs; "" = the request's Host */
	/* the admin listener (admin.c) */
	bool admin;
	httpd_collect_fn collect;
	void *collect_arg;
	int64_t start_s;            /* Unix time it started */
	struct timespec start_mono;
	struct ssl_ctx_st *ssl;     /* HTTPS when cert/key are set (https.c) */
};

/* server.c */
void hconn_respond(struct hconn *c, const struct http_req *r, int status,
		   const char *ctype, const char *body, size_t len,
		   const char *extra);
void hconn_free(struct hconn *c);
void hconn_closing(struct hconn *c);
void hconn_cut(struct hconn *c);

/* https.c */
int https_setup(struct httpd *h);
void https_reload(struct httpd *h);
struct bufferevent *https_wrap(struct httpd *h, evutil_socket_t fd);
void https_free(struct httpd *h);

/* routes.c */
void route_request(struct hconn *c, struct http_req *r);
void httpd_ice_setup(struct httpd *h);
void httpd_url_host(const struct httpd *h, const struct http_req *r,
		    char *out, size_t cap);

/* admin.c */
void admin_route(struct hconn *c, struct http_req *r);

/* ws.c */
void ws_upgrade(struct hconn *c, struct http_req *r);
void ws_on_read(struct hconn *c);
void ws_service(struct hconn *c);
void ws_conn_free(struct hconn *c);
void ws_going_away(struct hconn *c);
extern const struct sig_port httpd_sig_port;

#endif
