/* Private to src/net: the transports. Thin: they read bytes, hand them
 * to the protocol core and write what it answers. */
#ifndef TURNPIKE_NET_H
#define TURNPIKE_NET_H

#include <pthread.h>
#include <stdint.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <event2/event.h>
#include <event2/bufferevent.h>
#include <event2/listener.h>

#include "conf.h"
#include "turn.h"

/* Every connection handle given to the core starts with this. */
enum net_kind { NET_UDP, NET_TCP, NET_UDP_RELAY, NET_TCP_RELAY, NET_DTLS };
struct net_conn {
	enum net_kind kind;
};

struct server;
struct worker;
struct tls_ctxs;
struct dtls_listener;
struct net_batch;
struct net_txq;

struct udp_listener {
	struct net_conn hdr;
	int fd;
	struct event *ev;
	struct sockaddr_storage local;
	bool wildcard;                    /* 0.0.0.0 or [::]: replies set their source */
	struct server *srv;
	struct worker *w;                 /* the thread that reads it */
	struct net_txq *txq;              /* replies queued during a read batch */
};

/*
 * A worker thread: its own event loop, its own SO_REUSEPORT socket on
 * every UDP listen address, its own TURN core (allocations and relay
 * sockets of the clients the kernel hashes to it). Worker 0 is the main
 * thread; it also runs TCP, TLS, DTLS, HTTP, the admin listener and the
 * signals. The others talk to it only through mu and the wake event.
 */
struct worker {
	unsigned id;
	struct server *srv;
	struct event_base *base;          /* worker 0: srv->base */
	struct turn_server *core;         /* worker 0: &srv->core */
	struct turn_io io;                /* arg: this worker */
	struct udp_listener *udp[CONF_MAX_LISTEN];
	size_t nudp;
	/* workers 1.. only */
	struct turn_server own_core;
	struct event *tick, *wake;
	int efd;                          /* eventfd: mail waiting */
	pthread_t thread;
	bool started;
	pthread_mutex_t mu;               /* guards the rest */
	const struct conf *new_conf;      /* a reload to apply */
	struct auth *new_auth;
	uint64_t new_gen;
	bool stop;
	uint64_t gen;                     /* last reload applied */
	struct turn_stats snap;           /* counters at the last tick */
	uint64_t snap_allocs[4][3];
	struct net_batch *batch;          /* batch.c: this thread's scratch */
};

/* The server behind a turn_io arg (a worker). */
static inline struct server *
io_srv(void *arg)
{
	return ((struct worker *)arg)->srv;
}

/* RFC 6062: a peer data connection, and once bound, the pipe between it
 * and the client data connection. */
struct tcp_pipe {
	struct bufferevent *peer, *client;
	uint32_t id;                      /* CONNECTION-ID */
	bool connecting;
	/* Half-close: [0] the peer side, [1] the client side. */
	bool eof[2];                      /* its input ended */
	bool shut[2];                     /* its output flushed and shut */
	struct event *linger;             /* deadline once a side ended */
	struct server *srv;
	TAILQ_ENTRY(tcp_pipe) link;
};
TAILQ_HEAD(tcp_pipe_list, tcp_pipe);

struct tcp_conn {
	struct net_conn hdr;              /* NET_TCP, for TLS too */
	enum turn_transport tp;           /* TP_TCP or TP_TLS */
	struct bufferevent *bev;
	struct tcp_pipe *pipe;            /* set by ConnectionBind */
	struct event *deadline;           /* until the first STUN message */
	struct sockaddr_storage client, local;
	struct server *srv;
	TAILQ_ENTRY(tcp_conn) link;
};
TAILQ_HEAD(tcp_conn_list, tcp_conn);

struct tcp_listener {
	struct evconnlistener *lev;
	struct sockaddr_storage local;
	struct server *srv;
};

struct server {
	struct event_base *base;
	const struct conf *conf;
	struct turn_server core;          /* worker 0's */
	struct turn_shared *sh;           /* every worker's core shares it */
	struct worker *w[CONF_MAX_WORKERS];
	unsigned nworkers;
	uint64_t gen;                     /* reloads so far */
	struct turn_stats sum;            /* a scrape's total */
	uint64_t w_allocs[CONF_MAX_WORKERS], w_pkts[CONF_MAX_WORKERS];
	struct tcp_listener *tcp[CONF_MAX_LISTEN];
	size_t ntcp;
	struct tcp_conn_list conns;
	struct tcp_pipe_list pipes;
	size_t nconns;
	struct event *sig[4];
	struct event *tick;               /* 1 s sweep of allocations */
	struct event *drain;              /* stopping: WebSockets closing */
	unsigned drain_left;              /* its ticks before exit anyway */
	struct auth *auth;
	struct httpd *http;               /* HTTP listener and signaling */
	struct httpd *admin;              /* admin listener: /metrics */
	uint8_t nonce_key[32];            /* kept across reloads: nonces stay valid */
	int argc;                         /* the command line, for reloads */
	char **argv;
	struct conf_retired *retired;     /* configs replaced by reloads */
	/* tls.c: TLS and DTLS listeners at tls-listen (RFC 8656 §3.1) */
	struct tls_ctxs *tls;             /* NULL: no tls-listen */
	struct tcp_listener *tlsl[CONF_MAX_LISTEN];
	size_t ntlsl;
	struct dtls_listener *dtls[CONF_MAX_LISTEN];
	size_t ndtls;
};

/* reload.c: SIGHUP */
void server_reload(struct server *s);
void server_reload_free(struct server *s);
/* Free the credentials replaced by reloads every worker has applied. */
void server_reload_reap(struct server *s);

/* worker.c */
int worker_new(struct server *srv, unsigned id, struct worker **out);
int worker_start(struct worker *w);
void worker_tick(struct worker *w);
/* Hand a reloaded conf and auth to worker w (id >= 1) and wake it. */
void worker_post_reload(struct worker *w, const struct conf *conf,
			struct auth *auth, uint64_t gen);
/* The reload generation w has applied. */
uint64_t worker_gen(struct worker *w);
/* Add w's counters (as of its last tick; live for worker 0) to sum. */
void worker_add_stats(struct worker *w, struct turn_stats *sum,
		      uint64_t allocs[4][3]);
/* Stop its loop, join the thread, free it (and its core). */
void worker_free(struct worker *w);
/* Open addr's UDP listener on every worker (SO_REUSEPORT when several). */
int workers_listen_udp(struct server *s, const struct sockaddr_storage *addr);

/* sock.c */
int sock_bind(const struct sockaddr_storage *addr, int type, int *fd_out);
int sock_bind_reuseport(const struct sockaddr_storage *addr, bool listening,
			int *fd_out);
int sock_bind_udp_shared(const struct sockaddr_storage *addr, int *fd_out);
void net_clock(uint64_t *now_ms, int64_t *wall_s);
void sock_warn_port_range(uint16_t lo, uint16_t hi);
void sock_set_buffers(int fd, unsigned rcv, unsigned snd);

/* udp.c: fd bound already (workers_listen_udp) */
int udp_listener_new(struct worker *w, const struct sockaddr_storage *addr,
		     int fd, struct udp_listener **out);
void udp_listener_free(struct udp_listener *l);
int udp_send(struct udp_listener *l, const struct sockaddr *to,
	     const struct sockaddr *from, const uint8_t *buf, size_t len);

/* relay.c: the relay half of struct turn_io */
int relay_open(void *arg, const struct sockaddr *addr, struct alloc *owner,
	       void **handle);
int relay_send(void *arg, void *handle, const struct sockaddr *peer,
	       const uint8_t *buf, size_t len);
void relay_close(void *arg, void *handle);

/* tcp_relay.c: RFC 6062 */
struct tcp_relay;
int tcp_relay_open(void *arg, const struct sockaddr *addr,
		   struct alloc *owner, void **handle);
void tcp_relay_close(struct tcp_relay *r);
int tcp_peer_connect(void *arg, void *handle, const struct sockaddr *peer,
		     uint32_t id);
void tcp_peer_close(void *arg, void *peer_conn);
void tcp_pipe_attach(struct tcp_pipe *p, struct bufferevent *client);
void tcp_pipes_free(struct server *srv);
int tcp_pipe_start(void *arg, void *data_conn, void *peer_conn, uint32_t id);

/* admit.c: connection hygiene */
bool net_admit(struct server *srv, const struct sockaddr *client);

/* tcp.c */
int tcp_listener_new(struct server *srv, const struct sockaddr_storage *addr,
		     struct tcp_listener **out);
int tcp_listener_open(struct server *srv, const struct sockaddr_storage *addr,
		      evconnlistener_cb accept_cb, struct tcp_listener **out);
void tcp_listener_free(struct tcp_listener *l);
void tcp_conn_free(struct tcp_conn *c);
int tcp_conn_start(struct server *srv, struct bufferevent *bev,
		   const struct sockaddr *client,
		   const struct sockaddr_storage *local, enum turn_transport tp);
int tcp_send(struct tcp_conn *c, const uint8_t *buf, size_t len);

/* udp.c helpers shared with dtls.c and batch.c */
void udp_dest_addr(const struct sockaddr_storage *bound, struct msghdr *mh,
		   struct sockaddr_storage *local);
int udp_want_pktinfo(int fd, const struct sockaddr_storage *addr);
void udp_src_cmsg(struct msghdr *mh, void *buf, size_t cap,
		  const struct sockaddr *from);

/* batch.c: the UDP data path in batches. A read batch is one recvmmsg
 * (NET_BATCH datagrams at most) into per-worker scratch, each datagram
 * handed to fn; what is sent meanwhile (udp_send, relay_send) waits in
 * per-socket queues and leaves by sendmmsg when the batch ends, or when a
 * queue fills. Datagrams read are left in place until then: a queued
 * message that points into them is not copied. */
#define NET_BATCH 32
struct net_dgram {
	uint8_t *data;            /* TURN_PEER_HEADROOM before, _TAILROOM after */
	size_t len;
	const struct sockaddr *from;
	struct msghdr *mh;        /* its ancillary data (udp_dest_addr) */
};
typedef void net_dgram_fn(void *arg, const struct net_dgram *d,
			  uint64_t now_ms, int64_t wall_s);
typedef void net_txq_err_fn(void *arg, int err);
int net_batch_ref(struct worker *w);
void net_batch_unref(struct worker *w);
void net_batch_read(struct worker *w, int fd, unsigned max_calls, bool ctl,
		    net_dgram_fn *fn, void *arg);
bool net_batch_open(const struct worker *w);
struct net_txq *net_batch_relay_txq(struct worker *w);
struct net_txq *net_txq_new(struct worker *w, int fd, net_txq_err_fn *err,
			    void *arg);
void net_txq_free(struct net_txq *q);
void net_txq_bind(struct net_txq *q, int fd, net_txq_err_fn *err, void *arg);
bool net_txq_bound(const struct net_txq *q, const void *arg);
int net_txq_add(struct net_txq *q, const struct sockaddr *to,
		const struct sockaddr *src, const uint8_t *buf, size_t len);
void net_txq_flush(struct net_txq *q);

/* tls.c */
int tls_server_start(struct server *s);
void tls_reload(struct server *s);
void tls_server_stop(struct server *s);

/* dtls.c */
int dtls_listener_new(struct server *srv, const struct sockaddr_storage *addr,
		      struct dtls_listener **out);
void dtls_listener_free(struct dtls_listener *l);
struct dtls_sess;
int dtls_send(struct dtls_sess *s, const uint8_t *buf, size_t len);

#endif
