/**
 * @file tls.h  Private to src/net: TLS (over TCP) and DTLS (over UDP)
 * listeners, RFC 8656 §3.1 and §5, and their OpenSSL contexts.
 */
#ifndef TURNPIKE_NET_TLS_H
#define TURNPIKE_NET_TLS_H

#include <openssl/ssl.h>

#include "net.h"

#define TLS_MAX_CTX (1 + CONF_MAX_CERTS)

/*
 * One generation of contexts: [0] from cert/key (the default), then one
 * per `certs` file (picked by SNI). New connections take the current
 * generation; a connection holds a reference to its SSL_CTX, so a reload
 * frees the old ones only when their last connection goes.
 */
struct tls_ctxs {
	SSL_CTX *tls[TLS_MAX_CTX];
	SSL_CTX *dtls[TLS_MAX_CTX];
	size_t n;
};

/* ssl_ctx.c */
/** Build a new generation from c's files; on success swap it into cur
 *  and drop the old one. On failure cur is unchanged and err says why. */
int ssl_ctxs_load(struct tls_ctxs *cur, const struct conf *c, char *err,
		  size_t errlen);
void ssl_ctxs_free(struct tls_ctxs *x);

/* dtls_sess.c: the RFC 6347 §4.2.1 stateless cookie */
int dtls_cookie_init(void);
void dtls_cookie_setup(SSL_CTX *ctx);

#endif
