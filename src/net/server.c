/**
 * @file server.c  The daemon: one event loop, its listeners, its signals.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

#include "addr.h"
#include "auth.h"
#include "httpd.h"
#include "log.h"
#include "metrics.h"
#include "net.h"
#include "server.h"

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
	event_base_loopexit(s->base, NULL);
}

/* A host without IPv6 still serves IPv4: skip, with a warning, the
 * listeners of a family the kernel does not have. */
static int
add_listeners(struct server *s, const struct sockaddr_storage *a)
{
	char buf[ADDR_STRLEN];
	int err;

	addr_str((const struct sockaddr *)a, buf, sizeof(buf));
	err = udp_listener_new(s, a, &s->udp[s->nudp]);
	if (err == 0) {
		s->nudp++;
		err = tcp_listener_new(s, a, &s->tcp[s->ntcp]);
	}
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
	uint64_t now_ms;
	int64_t wall_s;

	(void)fd; (void)what;
	net_clock(&now_ms, &wall_s);
	turn_server_tick(&s->core, now_ms);
}

/* A scrape of the admin listener: what the daemon holds. */
static void
collect_metrics(void *arg, struct metrics_src *m)
{
	struct server *s = arg;

	m->turn = &s->core.stats;
	turn_alloc_counts(&s->core, m->allocs);
	m->tcp_conns = s->nconns;
	httpd_metrics(s->http, m);
}

/* The authenticator and the core; TURN stays closed without users. */
static int
setup_core(struct server *s, const struct conf *conf)
{
	uint64_t seed;
	char err[256] = "";
	int rc;

	if (RAND_bytes(s->nonce_key, sizeof(s->nonce_key)) != 1 ||
	    RAND_bytes((uint8_t *)&seed, sizeof(seed)) != 1)
		return EIO;
	rc = auth_new(&s->auth, conf, s->nonce_key, err, sizeof(err));
	if (rc != 0) {
		log_error("auth: %s", err);
		return rc;
	}
	if (!auth_enabled(s->auth))
		log_warn("no users and no auth-secrets: TURN allocations are "
			 "refused (STUN Binding works)");
	return turn_server_init(&s->core, conf, &s->io, s->auth, seed);
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
	s->io.arg = s;
	s->io.send = io_send;
	s->io.relay_open = relay_open;
	s->io.relay_send = relay_send;
	s->io.relay_close = relay_close;
	s->io.tcp_relay_open = tcp_relay_open;
	s->io.peer_connect = tcp_peer_connect;
	s->io.pipe = tcp_pipe_start;
	s->io.peer_close = tcp_peer_close;
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
	if (s->nudp == 0) {
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

int
server_run(struct server *s)
{
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
	while ((c = TAILQ_FIRST(&s->conns)) != NULL)
		tcp_conn_free(c);
	httpd_free(s->admin);
	httpd_free(s->http);
	tls_server_stop(s);
	turn_server_fini(&s->core);
	tcp_pipes_free(s);
	auth_free(s->auth);
	if (s->tick != NULL)
		event_free(s->tick);
	for (size_t i = 0; i < s->ntcp; i++)
		tcp_listener_free(s->tcp[i]);
	for (size_t i = 0; i < s->nudp; i++)
		udp_listener_free(s->udp[i]);
	for (size_t i = 0; i < sizeof(s->sig) / sizeof(*s->sig); i++)
		if (s->sig[i] != NULL)
			event_free(s->sig[i]);
	if (s->base != NULL)
		event_base_free(s->base);
	server_reload_free(s);
	free(s);
}
