/**
 * @file worker.c  Worker threads: each has its own event loop, its own
 * SO_REUSEPORT socket on every UDP listen address and its own TURN core,
 * so the relay path of an allocation takes no lock: the Allocate, its
 * relay socket and every packet after it live on the worker the kernel
 * hashed the client's 5-tuple to.
 *
 * Worker 0 is the main thread (its loop is the server's). The others
 * hear from it only through a mailbox (mu) and an eventfd: a reload to
 * apply, or stop. Each publishes its counters once a second (its tick)
 * for the admin listener to sum.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/eventfd.h>

#include <openssl/rand.h>

#include "addr.h"
#include "log.h"
#include "net.h"

_Static_assert(sizeof(struct turn_stats) % sizeof(uint64_t) == 0,
	       "turn_stats is summed as an array of uint64_t");

static int
io_send(void *arg, void *conn, const struct sockaddr *to,
	const struct sockaddr *from, const uint8_t *buf, size_t len)
{
	struct net_conn *nc = conn;

	(void)arg;
	if (nc->kind == NET_UDP)
		return udp_send(conn, to, from, buf, len);
	if (nc->kind == NET_DTLS)
		return dtls_send(conn, buf, len);
	return tcp_send(conn, buf, len);
}

static void
io_init(struct worker *w)
{
	w->io = (struct turn_io){
		.arg = w,
		.send = io_send,
		.relay_open = relay_open,
		.relay_send = relay_send,
		.relay_close = relay_close,
		/* Only worker 0 has stream clients; the same port everywhere
		 * keeps every worker's answers alike. */
		.tcp_relay_open = tcp_relay_open,
		.peer_connect = tcp_peer_connect,
		.pipe = tcp_pipe_start,
		.peer_close = tcp_peer_close,
	};
}

static void
snapshot(struct worker *w)
{
	pthread_mutex_lock(&w->mu);
	w->snap = w->core->stats;
	turn_alloc_counts(w->core, w->snap_allocs);
	pthread_mutex_unlock(&w->mu);
}

/* Once a second on every worker: the expiry sweep, and the counters
 * published (worker 0's are read live). */
void
worker_tick(struct worker *w)
{
	uint64_t now_ms;
	int64_t wall_s;

	net_clock(&now_ms, &wall_s);
	turn_server_tick(w->core, now_ms);
	if (w->id != 0)
		snapshot(w);
}

static void
on_tick(evutil_socket_t fd, short what, void *arg)
{
	(void)fd; (void)what;
	worker_tick(arg);
}

/* Mail from the main thread: a reload, or stop. */
static void
on_wake(evutil_socket_t fd, short what, void *arg)
{
	struct worker *w = arg;
	const struct conf *conf;
	struct auth *auth;
	uint64_t v, gen;
	bool stop;

	(void)what;
	(void)!read(fd, &v, sizeof(v));
	pthread_mutex_lock(&w->mu);
	conf = w->new_conf;
	auth = w->new_auth;
	gen = w->new_gen;
	w->new_conf = NULL;
	stop = w->stop;
	pthread_mutex_unlock(&w->mu);
	if (conf != NULL) {
		turn_server_reconfigure(w->core, conf, auth);
		pthread_mutex_lock(&w->mu);
		w->gen = gen;
		pthread_mutex_unlock(&w->mu);
	}
	if (stop)
		event_base_loopexit(w->base, NULL);
}

static int
own_loop(struct worker *w)
{
	w->base = event_base_new();
	if (w->base == NULL)
		return ENOMEM;
	w->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (w->efd < 0)
		return errno;
	w->wake = event_new(w->base, w->efd, EV_READ | EV_PERSIST, on_wake, w);
	w->tick = event_new(w->base, -1, EV_PERSIST, on_tick, w);
	if (w->wake == NULL || w->tick == NULL ||
	    event_add(w->wake, NULL) != 0 ||
	    event_add(w->tick, &(struct timeval){ 1, 0 }) != 0)
		return ENOMEM;
	return 0;
}

int
worker_new(struct server *srv, unsigned id, struct worker **out)
{
	struct worker *w = calloc(1, sizeof(*w));
	uint64_t seed;
	int err;

	if (w == NULL)
		return ENOMEM;
	w->id = id;
	w->srv = srv;
	w->efd = -1;
	pthread_mutex_init(&w->mu, NULL);
	io_init(w);
	if (id == 0) {
		w->base = srv->base;
		w->core = &srv->core;
	} else {
		w->core = &w->own_core;
		if ((err = own_loop(w)) != 0) {
			worker_free(w);
			return err;
		}
	}
	if (RAND_bytes((uint8_t *)&seed, sizeof(seed)) != 1) {
		worker_free(w);
		return EIO;
	}
	err = turn_server_init_shared(w->core, srv->conf, &w->io, srv->auth,
				      seed, srv->sh);
	if (err != 0) {
		w->core = NULL;
		worker_free(w);
		return err;
	}
	*out = w;
	return 0;
}

static void *
worker_main(void *arg)
{
	struct worker *w = arg;

	if (event_base_dispatch(w->base) < 0)
		log_error("worker %u: event loop failed", w->id);
	return NULL;
}

/* Signals stay with the main thread: the workers block them all. */
int
worker_start(struct worker *w)
{
	sigset_t all, old;
	int err;

	if (w->id == 0)
		return 0;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	err = pthread_create(&w->thread, NULL, worker_main, w);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err == 0)
		w->started = true;
	return err;
}

static void
mail(struct worker *w)
{
	uint64_t one = 1;

	(void)!write(w->efd, &one, sizeof(one));
}

void
worker_post_reload(struct worker *w, const struct conf *conf,
		   struct auth *auth, uint64_t gen)
{
	pthread_mutex_lock(&w->mu);
	w->new_conf = conf;
	w->new_auth = auth;
	w->new_gen = gen;
	pthread_mutex_unlock(&w->mu);
	mail(w);
}

uint64_t
worker_gen(struct worker *w)
{
	uint64_t g;

	pthread_mutex_lock(&w->mu);
	g = w->gen;
	pthread_mutex_unlock(&w->mu);
	return g;
}

static void
add_u64(uint64_t *sum, const uint64_t *x, size_t n)
{
	for (size_t i = 0; i < n; i++)
		sum[i] += x[i];
}

void
worker_add_stats(struct worker *w, struct turn_stats *sum,
		 uint64_t allocs[4][3])
{
	uint64_t a[4][3];

	if (w->id == 0) {             /* the caller's own thread: live */
		turn_alloc_counts(w->core, a);
		add_u64((uint64_t *)sum, (const uint64_t *)&w->core->stats,
			sizeof(*sum) / sizeof(uint64_t));
		add_u64(&allocs[0][0], &a[0][0], 12);
		return;
	}
	pthread_mutex_lock(&w->mu);
	add_u64((uint64_t *)sum, (const uint64_t *)&w->snap,
		sizeof(*sum) / sizeof(uint64_t));
	add_u64(&allocs[0][0], &w->snap_allocs[0][0], 12);
	pthread_mutex_unlock(&w->mu);
}

void
worker_free(struct worker *w)
{
	if (w == NULL)
		return;
	if (w->started) {
		pthread_mutex_lock(&w->mu);
		w->stop = true;
		pthread_mutex_unlock(&w->mu);
		mail(w);
		pthread_join(w->thread, NULL);
	}
	for (size_t i = 0; i < w->nudp; i++)
		udp_listener_free(w->udp[i]);
	if (w->core != NULL)
		turn_server_fini(w->core);    /* its relay sockets: on base */
	if (w->id != 0) {
		if (w->tick != NULL)
			event_free(w->tick);
		if (w->wake != NULL)
			event_free(w->wake);
		if (w->base != NULL)
			event_base_free(w->base);
		if (w->efd >= 0)
			close(w->efd);
	}
	pthread_mutex_destroy(&w->mu);
	free(w);
}

/* One UDP socket per worker on addr. With several, SO_REUSEPORT: first
 * a plain bind proves no other program holds the address (it would
 * otherwise share it silently). */
int
workers_listen_udp(struct server *s, const struct sockaddr_storage *addr)
{
	int fd, err;

	err = sock_bind(addr, SOCK_DGRAM, &fd);
	if (err != 0)
		return err;
	if (s->nworkers > 1) {
		close(fd);
		fd = -1;
	}
	for (unsigned i = 0; i < s->nworkers; i++) {
		struct worker *w = s->w[i];
		if (fd < 0 && (err = sock_bind_udp_shared(addr, &fd)) != 0)
			return err;
		err = udp_listener_new(w, addr, fd, &w->udp[w->nudp]);
		fd = -1;
		if (err != 0)
			return err;
		w->nudp++;
	}
	return 0;
}
