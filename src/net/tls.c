/**
 * @file tls.c  TURN over TLS (RFC 8656 §3.1): a TCP listener whose
 * connections are wrapped in libevent's OpenSSL bufferevent and then run
 * by the TCP transport's code (tcp_conn_start: STUN framing, output cap,
 * idle timeout, RFC 6062 data connections), marked TP_TLS for the core.
 * Also starts the DTLS listeners at the same addresses, and reloads the
 * certificates on SIGHUP.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <event2/bufferevent_ssl.h>

#include "addr.h"
#include "log.h"
#include "tls.h"

static void
tls_accept_cb(struct evconnlistener *lev, evutil_socket_t fd,
	      struct sockaddr *sa, int salen, void *arg)
{
	struct tcp_listener *l = arg;
	struct server *srv = l->srv;
	struct bufferevent *bev;
	SSL *ssl;

	(void)lev; (void)salen;
	if (!net_admit(srv, sa)) {        /* before any TLS state */
		evutil_closesocket(fd);
		return;
	}
	ssl = SSL_new(srv->tls->tls[0]);
	if (ssl == NULL) {
		evutil_closesocket(fd);
		return;
	}
	bev = bufferevent_openssl_socket_new(srv->base, fd, ssl,
					     BUFFEREVENT_SSL_ACCEPTING,
					     BEV_OPT_CLOSE_ON_FREE);
	if (bev == NULL) {
		SSL_free(ssl);
		evutil_closesocket(fd);
		return;
	}
	/* Clients that just close the socket are the common case. */
	bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
	tcp_conn_start(srv, bev, sa, &l->local, TP_TLS);
}

static int
tls_listener_new(struct server *srv, const struct sockaddr_storage *addr,
		 struct tcp_listener **out)
{
	return tcp_listener_open(srv, addr, tls_accept_cb, out);
}

/* TLS on TCP and DTLS on UDP at one address; a missing family is
 * skipped with a warning, as for the plain listeners. */
static int
add_tls_listeners(struct server *s, const struct sockaddr_storage *a)
{
	char buf[ADDR_STRLEN];
	int err;

	addr_str((const struct sockaddr *)a, buf, sizeof(buf));
	err = tls_listener_new(s, a, &s->tlsl[s->ntlsl]);
	if (err == 0) {
		s->ntlsl++;
		err = dtls_listener_new(s, a, &s->dtls[s->ndtls]);
	}
	if (err == 0) {
		s->ndtls++;
		log_info("listening on %s (tls, dtls)", buf);
		return 0;
	}
	if (err == EAFNOSUPPORT) {
		log_warn("tls-listen %s: address family not supported, "
			 "skipped", buf);
		return 0;
	}
	log_error("tls-listen %s: %s", buf, strerror(err));
	return err;
}

int
tls_server_start(struct server *s)
{
	char err[512] = "";
	int rc;

	if (s->conf->ntls_listen == 0)
		return 0;
	if ((rc = dtls_cookie_init()) != 0)
		return rc;
	s->tls = calloc(1, sizeof(*s->tls));
	if (s->tls == NULL)
		return ENOMEM;
	if (ssl_ctxs_load(s->tls, s->conf, err, sizeof(err)) != 0) {
		log_error("tls: %s", err);
		return EINVAL;
	}
	for (size_t i = 0; i < s->conf->ntls_listen; i++)
		if ((rc = add_tls_listeners(s, &s->conf->tls_listen[i])) != 0)
			return rc;
	return 0;
}

/* SIGHUP: new connections get the new certificates; live ones keep
 * theirs. A failure keeps the old ones. */
void
tls_reload(struct server *s)
{
	char err[512] = "";

	if (s->tls == NULL) {
		log_debug("reload: no TLS certificates to reload");
		return;
	}
	if (ssl_ctxs_load(s->tls, s->conf, err, sizeof(err)) != 0)
		log_error("SIGHUP: certificate reload failed, keeping the "
			  "old certificates: %s", err);
	else
		log_info("SIGHUP: TLS/DTLS certificates reloaded");
}

/* Before the core goes: DTLS sessions report their allocations closed. */
void
tls_server_stop(struct server *s)
{
	for (size_t i = 0; i < s->ndtls; i++)
		dtls_listener_free(s->dtls[i]);
	for (size_t i = 0; i < s->ntlsl; i++)
		tcp_listener_free(s->tlsl[i]);
	s->ndtls = s->ntlsl = 0;
	if (s->tls != NULL) {
		ssl_ctxs_free(s->tls);
		free(s->tls);
		s->tls = NULL;
	}
}
