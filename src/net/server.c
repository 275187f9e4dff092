/**
 * @file server.c  The daemon: the main event loop (worker 0), its
 * listeners and signals, and the other workers (worker.c).
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/rand.h>

#include "addr.h"
#include "auth.h"
#include "httpd.h"
#include "log.h"
#include "metrics.h"
#include "net.h"
#include "server.h"

/* How long a stop waits for the WebSockets' close frames to leave. */
#define DRAIN_TICK_MS  50
#define DRAIN_TICKS    20             /* 1 s at most */

/* Stopping: exit once the HTTP connections are gone (their close frames
 * written and answered) or DRAIN_TICKS ticks have passed. */
static void
on_drain(evutil_socket_t fd, short what, void *arg)
{
	struct server *s = arg;

	(void)fd; (void)what;
	if (httpd_nconns(s->http) == 0 || s->drain_left-- == 0)
		event_base_loopexit(s->base, NULL);
}

/* SIGTERM, SIGINT: tell the WebSockets we go away (close 1001, so pages
 * reconnect instead of reporting an abnormal 1006) and exit when that is
 * out, within DRAIN_TICKS * DRAIN_TICK_MS. A second signal exits now. */
static void
server_stop(struct server *s)
{
	struct timeval tv = { 0, DRAIN_TICK_MS * 1000 };

	if (s->drain != NULL || httpd_going_away(s->http) == 0) {
		event_base_loopexit(s->base, NULL);
		return;
	}
	s->drain_left = DRAIN_TICKS;
	s->drain = event_new(s->base, -1, EV_PERSIST, on_drain, s);
	if (s->drain == NULL || event_add(s->drain, &tv) != 0)
		event_base_loopexit(s->base, NULL);
}

static void
on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct server *s = arg;

	(void)what;
	if (sig == SIGHUP) {
		server_reload(s);
		return;
	}
	if (sig == SIGUSR1) {             /* logrotate moved the file */
		int err = log_reopen();

		if (err != 0)
			log_error("SIGUSR1: cannot reopen the log file: %s",
				  strerror(err));
		return;
	}
	log_info("signal %d: stopping", (int)sig);
	server_stop(s);
}

/* A host without IPv6 still serves IPv4: skip, with a warning, the
 * listeners of a family the kernel does not have. */
static int
add_listeners(struct server *s, const struct sockaddr_storage *a)
{
	char buf[ADDR_STRLEN];
	int err;

	addr_str((const struct sockaddr *)a, buf, sizeof(buf));
	err = workers_listen_udp(s, a);
	if (err == 0)
		err = tcp_listener_new(s, a, &s->tcp[s->ntcp]);
	if (err == 0) {
		s->ntcp++;
		log_info("listening on %s (udp, tcp)", buf);
		return 0;
	}
	if (err == EAFNOSUPPORT) {
		log_warn("listen %s: address family not supported, skipped",
			 buf);
		return 0;
	}
	log_error("listen %s: %s", buf, strerror(err));
	return err;
}

static void
on_tick(evutil_socket_t fd, short what, void *arg)
{
	struct server *s = arg;

	(void)fd; (void)what;
	worker_tick(s->w[0]);
	server_reload_reap(s);
}

/* A scrape of the admin listener: what the daemon holds. */
static void
collect_metrics(void *arg, struct metrics_src *m)
{
	struct server *s = arg;

	memset(&s->sum, 0, sizeof(s->sum));
	memset(m->allocs, 0, sizeof(m->allocs));
	for (unsigned i = 0; i < s->nworkers; i++) {
		uint64_t a0 = metrics_allocs_total(m);
		uint64_t p0 = s->sum.relay_pkts_in + s->sum.relay_pkts_out;

		worker_add_stats(s->w[i], &s->sum, m->allocs);
		s->w_allocs[i] = metrics_allocs_total(m) - a0;
		s->w_pkts[i] = s->sum.relay_pkts_in + s->sum.relay_pkts_out - p0;
	}
	m->turn = &s->sum;
	m->nworkers = s->nworkers;
	m->worker_allocs = s->w_allocs;
	m->worker_pkts = s->w_pkts;
	m->tcp_conns = s->nconns;
	httpd_metrics(s->http, m);
}

static unsigned
workers_wanted(const struct conf *conf)
{
	long n = conf->workers;

	if (n == 0)
		n = sysconf(_SC_NPROCESSORS_ONLN);
	if (n < 1)
		n = 1;
	return n > CONF_MAX_WORKERS ? CONF_MAX_WORKERS : (unsigned)n;
}

/* The host's own addresses, which no relay may reach (peer policy). */
static void
host_addrs(struct turn_shared *sh)
{
	struct cidr host[TURN_MAX_HOST_ADDRS];
	size_t n = addr_host_cidrs(host, TURN_MAX_HOST_ADDRS);

	if (n == 0)
		log_warn("getifaddrs: the host's own addresses are unknown to "
			 "the peer policy");
	turn_shared_set_host(sh, host, n);
}

/* The authenticator, the state the cores share, and one core per
 * worker; TURN stays closed without users. */
static int
setup_core(struct server *s, const struct conf *conf)
{
	uint8_t key[16];
	char err[256] = "";
	int rc;

	if (RAND_bytes(s->nonce_key, sizeof(s->nonce_key)) != 1 ||
	    RAND_bytes(key, sizeof(key)) != 1)
		return EIO;
	rc = auth_new(&s->auth, conf, s->nonce_key, err, sizeof(err));
	if (rc != 0) {
		log_error("auth: %s", err);
		return rc;
	}
	if (!auth_enabled(s->auth))
		log_warn("no users and no auth-secrets: TURN allocations are "
			 "refused (STUN Binding works)");
	if ((rc = turn_shared_new(&s->sh, conf, key)) != 0)
		return rc;
	host_addrs(s->sh);
	s->nworkers = workers_wanted(conf);
	for (unsigned i = 0; i < s->nworkers; i++)
		if ((rc = worker_new(s, i, &s->w[i])) != 0) {
			s->nworkers = i;
			return rc;
		}
	return 0;
}

static int
add_signals(struct server *s)
{
	static const int sigs[4] = { SIGTERM, SIGINT, SIGHUP, SIGUSR1 };

	for (int i = 0; i < 4; i++) {
		s->sig[i] = evsignal_new(s->base, sigs[i], on_signal, s);
		if (s->sig[i] == NULL || event_add(s->sig[i], NULL) != 0)
			return ENOMEM;
	}
	return 0;
}

int
server_new(struct server **out, const struct conf *conf)
{
	struct server *s;
	int err = ENOMEM;

	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return ENOMEM;
	TAILQ_INIT(&s->conns);
	TAILQ_INIT(&s->pipes);
	s->conf = conf;
	s->base = event_base_new();
	if (s->base == NULL || (err = add_signals(s)) != 0 ||
	    (err = setup_core(s, conf)) != 0)
		goto fail;
	s->tick = event_new(s->base, -1, EV_PERSIST, on_tick, s);
	if (s->tick == NULL ||
	    event_add(s->tick, &(struct timeval){ 1, 0 }) != 0) {
		err = ENOMEM;
		goto fail;
	}
	for (size_t i = 0; i < conf->nlisten; i++)
		if ((err = add_listeners(s, &conf->listen[i])) != 0)
			goto fail;
	if ((err = tls_server_start(s)) != 0)
		goto fail;
	if (s->w[0]->nudp == 0) {
		log_error("no listener could be opened");
		err = EADDRNOTAVAIL;
		goto fail;
	}
	if ((err = httpd_new(&s->http, s->base, conf)) != 0)
		goto fail;
	if ((err = httpd_admin_new(&s->admin, s->base, conf, collect_metrics,
				   s)) != 0)
		goto fail;
	signal(SIGPIPE, SIG_IGN);
	sock_warn_port_range(conf->relay_port_min, conf->relay_port_max);
	log_info("%u worker thread%s", s->nworkers, s->nworkers > 1 ? "s" : "");
	*out = s;
	return 0;
fail:
	server_free(s);
	return err;
}

void
server_set_args(struct server *s, int argc, char **argv)
{
	s->argc = argc;
	s->argv = argv;
}

/* The workers start here, after the privileges are dropped. */
int
server_run(struct server *s)
{
	int err;

	for (unsigned i = 1; i < s->nworkers; i++)
		if ((err = worker_start(s->w[i])) != 0) {
			log_error("worker %u: %s", i, strerror(err));
			return err;
		}
	if (event_base_dispatch(s->base) < 0)
		return EIO;
	return 0;
}

void
server_free(struct server *s)
{
	struct tcp_conn *c;

	if (s == NULL)
		return;
	for (unsigned i = s->nworkers; i-- > 1;)
		worker_free(s->w[i]);     /* stops and joins the thread */
	while ((c = TAILQ_FIRST(&s->conns)) != NULL)
		tcp_conn_free(c);
	httpd_free(s->admin);
	httpd_free(s->http);
	tls_server_stop(s);
	if (s->nworkers > 0)
		worker_free(s->w[0]);
	turn_shared_free(s->sh);
	tcp_pipes_free(s);
	auth_free(s->auth);
	if (s->tick != NULL)
		event_free(s->tick);
	if (s->drain != NULL)
		event_free(s->drain);
	for (size_t i = 0; i < s->ntcp; i++)
		tcp_listener_free(s->tcp[i]);
	for (size_t i = 0; i < sizeof(s->sig) / sizeof(*s->sig); i++)
		if (s->sig[i] != NULL)
			event_free(s->sig[i]);
	if (s->base != NULL)
		event_base_free(s->base);
	server_reload_free(s);
	free(s);
}
