/**
 * @file ssl_ctx.c  OpenSSL contexts for the TLS and DTLS listeners:
 * certificates from the config, protocol floor, cipher list, ALPN
 * (RFC 7443), SNI selection among several certificates, and reload.
 *
 * A reload (SIGHUP) builds a whole new generation first; only if every
 * file loads is it swapped in. SSL objects hold a reference to their
 * SSL_CTX, so connections made before the reload keep their certificate
 * and are not dropped.
 */
#include <errno.h>
#include <string.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "log.h"
#include "tls.h"

static const unsigned char sid_ctx[] = "turnpike";

/* "what 'file': the first OpenSSL reason" into err; clears the queue. */
static int
ssl_fail(char *err, size_t errlen, const char *what, const char *file)
{
	char reason[160] = "unknown error";
	unsigned long e = ERR_get_error();

	if (e != 0)
		ERR_error_string_n(e, reason, sizeof(reason));
	ERR_clear_error();
	snprintf(err, errlen, "%s '%s': %s", what, file ? file : "", reason);
	return EINVAL;
}

/*
 * RFC 7443: "stun.turn" and "stun.nat-discovery". We take the first one
 * the client offers that we know. A client offering ALPN but none of
 * these gets no_application_protocol (RFC 7301 §3.2); a client without
 * ALPN never reaches this callback and is served as before.
 */
static int
alpn_cb(SSL *ssl, const unsigned char **out, unsigned char *outlen,
	const unsigned char *in, unsigned int inlen, void *arg)
{
	(void)ssl; (void)arg;
	for (unsigned i = 0; i < inlen; i += 1u + in[i]) {
		unsigned len = in[i];

		if (i + 1 + len > inlen)
			break;
		if ((len == 9 && memcmp(in + i + 1, "stun.turn", 9) == 0) ||
		    (len == 18 &&
		     memcmp(in + i + 1, "stun.nat-discovery", 18) == 0)) {
			*out = in + i + 1;
			*outlen = (unsigned char)len;
			return SSL_TLSEXT_ERR_OK;
		}
	}
	return SSL_TLSEXT_ERR_ALERT_FATAL;
}

/* SNI: switch to the current context whose certificate matches the name
 * (SAN DNS, else CN). No name or no match: keep the default. */
static int
sni_cb(SSL *ssl, int *alert, void *arg)
{
	const struct tls_ctxs *cur = arg;
	const char *name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
	SSL_CTX *const *set = SSL_is_dtls(ssl) ? cur->dtls : cur->tls;

	(void)alert;
	if (name == NULL)
		return SSL_TLSEXT_ERR_NOACK;
	for (size_t i = 0; i < cur->n; i++) {
		X509 *x = SSL_CTX_get0_certificate(set[i]);

		if (x != NULL && X509_check_host(x, name, 0, 0, NULL) == 1) {
			if (SSL_get_SSL_CTX(ssl) != set[i])
				SSL_set_SSL_CTX(ssl, set[i]);
			return SSL_TLSEXT_ERR_OK;
		}
	}
	return SSL_TLSEXT_ERR_NOACK;
}

static int
ctx_protocol(SSL_CTX *ctx, bool dtls, const struct conf *c, char *err,
	     size_t errlen)
{
	int min = dtls ? DTLS1_2_VERSION :
		  c->tls_min_version == 13 ? TLS1_3_VERSION : TLS1_2_VERSION;

	if (SSL_CTX_set_min_proto_version(ctx, min) != 1)
		return ssl_fail(err, errlen, "tls-min-version", NULL);
	SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION |
			    SSL_OP_CIPHER_SERVER_PREFERENCE |
			    SSL_OP_NO_RENEGOTIATION);
	if (c->tls_ciphers != NULL &&
	    SSL_CTX_set_cipher_list(ctx, c->tls_ciphers) != 1)
		return ssl_fail(err, errlen, "tls-ciphers", c->tls_ciphers);
	return 0;
}

/* key NULL: the key is in the cert file (a `certs` entry). */
static int
ctx_new(SSL_CTX **out, bool dtls, const struct conf *c, const char *cert,
	const char *key, struct tls_ctxs *cur, char *err, size_t errlen)
{
	SSL_CTX *ctx = SSL_CTX_new(dtls ? DTLS_server_method() :
				   TLS_server_method());
	int rc;

	if (ctx == NULL)
		return ssl_fail(err, errlen, "SSL_CTX_new", NULL);
	rc = ctx_protocol(ctx, dtls, c, err, errlen);
	if (rc == 0 && SSL_CTX_use_certificate_chain_file(ctx, cert) != 1)
		rc = ssl_fail(err, errlen, "cannot load certificate", cert);
	if (rc == 0 && SSL_CTX_use_PrivateKey_file(ctx, key ? key : cert,
						   SSL_FILETYPE_PEM) != 1)
		rc = ssl_fail(err, errlen, "cannot load private key",
			      key ? key : cert);
	if (rc == 0 && SSL_CTX_check_private_key(ctx) != 1)
		rc = ssl_fail(err, errlen, "key does not match certificate",
			      cert);
	if (rc != 0) {
		SSL_CTX_free(ctx);
		return rc;
	}
	SSL_CTX_set_session_id_context(ctx, sid_ctx, sizeof(sid_ctx) - 1);
	SSL_CTX_set_alpn_select_cb(ctx, alpn_cb, NULL);
	SSL_CTX_set_tlsext_servername_callback(ctx, sni_cb);
	SSL_CTX_set_tlsext_servername_arg(ctx, cur);
	if (dtls)
		dtls_cookie_setup(ctx);
	*out = ctx;
	return 0;
}

void
ssl_ctxs_free(struct tls_ctxs *x)
{
	for (size_t i = 0; i < x->n; i++) {
		SSL_CTX_free(x->tls[i]);
		SSL_CTX_free(x->dtls[i]);
	}
	memset(x, 0, sizeof(*x));
}

int
ssl_ctxs_load(struct tls_ctxs *cur, const struct conf *c, char *err,
	      size_t errlen)
{
	struct tls_ctxs next = { .n = 0 };
	int rc = 0;

	for (size_t i = 0; rc == 0 && i <= c->ncerts; i++) {
		const char *cert = i == 0 ? c->cert : c->certs[i - 1];
		const char *key = i == 0 ? c->key : NULL;

		rc = ctx_new(&next.tls[i], false, c, cert, key, cur, err,
			     errlen);
		if (rc == 0 && (rc = ctx_new(&next.dtls[i], true, c, cert, key,
					     cur, err, errlen)) != 0)
			SSL_CTX_free(next.tls[i]);
		if (rc == 0)
			next.n++;
	}
	if (rc != 0) {
		ssl_ctxs_free(&next);
		return rc;
	}
	ssl_ctxs_free(cur);
	*cur = next;
	return 0;
}
