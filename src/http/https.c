/**
 * @file https.c  HTTPS for the HTTP listener (the demo page, /api and the
 * signaling WebSocket as wss:) when a certificate is configured (`cert`,
 * `key`: the same files as TURN over TLS). Its own SSL_CTX, because the
 * TURN one answers only the STUN ALPN names (RFC 7443) and browsers offer
 * h2 and http/1.1: here http/1.1 is selected when offered.
 * A reload builds a new context; connections keep the one they began with.
 */
#include <string.h>
#include <event2/bufferevent_ssl.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "httpd_int.h"
#include "log.h"

static int
alpn_http11(SSL *ssl, const unsigned char **out, unsigned char *outlen,
	    const unsigned char *in, unsigned int inlen, void *arg)
{
	static const unsigned char want[] = "\x08http/1.1";

	(void)ssl; (void)arg;
	if (SSL_select_next_proto((unsigned char **)out, outlen, want,
				  sizeof(want) - 1, in, inlen) ==
	    OPENSSL_NPN_NEGOTIATED)
		return SSL_TLSEXT_ERR_OK;
	return SSL_TLSEXT_ERR_NOACK;      /* no ALPN: plain HTTP/1.1 */
}

static SSL_CTX *
ctx_new(const struct conf *cf, char *err, size_t errlen)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
	int min = cf->tls_min_version == 13 ? TLS1_3_VERSION : TLS1_2_VERSION;

	if (ctx == NULL ||
	    SSL_CTX_set_min_proto_version(ctx, min) != 1 ||
	    (cf->tls_ciphers != NULL &&
	     SSL_CTX_set_cipher_list(ctx, cf->tls_ciphers) != 1) ||
	    SSL_CTX_use_certificate_chain_file(ctx, cf->cert) != 1 ||
	    SSL_CTX_use_PrivateKey_file(ctx, cf->key, SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_check_private_key(ctx) != 1) {
		unsigned long e = ERR_peek_last_error();
		const char *why = e ? ERR_reason_error_string(e) : NULL;

		snprintf(err, errlen, "%s", why ? why : "cannot build the context");
		ERR_clear_error();
		SSL_CTX_free(ctx);
		return NULL;
	}
	SSL_CTX_set_alpn_select_cb(ctx, alpn_http11, NULL);
	return ctx;
}

int
https_setup(struct httpd *h)
{
	char err[256] = "";
	SSL_CTX *ctx;

	if (h->admin || h->conf->cert == NULL || h->conf->key == NULL)
		return 0;
	if ((ctx = ctx_new(h->conf, err, sizeof(err))) == NULL) {
		log_error("https: %s", err);
		return EINVAL;
	}
	SSL_CTX_free(h->ssl);
	h->ssl = ctx;
	return 0;
}

void
https_reload(struct httpd *h)
{
	SSL_CTX *old = h->ssl;

	h->ssl = NULL;
	if (https_setup(h) != 0) {
		log_error("reload: HTTPS keeps its old certificate");
		h->ssl = old;
	} else if (old != NULL && h->ssl == NULL) {
		log_warn("reload: no cert any more: HTTPS stays on until a "
			 "restart");
		h->ssl = old;
	} else {
		SSL_CTX_free(old);        /* live connections hold references */
	}
}

struct bufferevent *
https_wrap(struct httpd *h, evutil_socket_t fd)
{
	struct bufferevent *bev;
	SSL *ssl;

	if (h->ssl == NULL)
		return bufferevent_socket_new(h->base, fd, BEV_OPT_CLOSE_ON_FREE);
	if ((ssl = SSL_new(h->ssl)) == NULL)
		return NULL;
	bev = bufferevent_openssl_socket_new(h->base, fd, ssl,
					     BUFFEREVENT_SSL_ACCEPTING,
					     BEV_OPT_CLOSE_ON_FREE);
	if (bev == NULL) {
		SSL_free(ssl);
		return NULL;
	}
	bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
	return bev;
}

void
https_free(struct httpd *h)
{
	SSL_CTX_free(h->ssl);
	h->ssl = NULL;
}
