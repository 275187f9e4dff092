/**
 * @file set_tls.c  Setters and checks for the TLS/DTLS keys: tls-listen,
 * certs, tls-ciphers, tls-min-version (cert and key use set_path).
 *
 * Each tls-listen address gets a TLS listener on TCP and a DTLS listener
 * on UDP (RFC 8656 §3.1: the same port serves both). A bare IP means port
 * 5349. Files are only checked for readability here; the server loads
 * and matches them (src/net/ssl_ctx.c).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf_int.h"

#define CIPHERS_MAX 1024

int
set_tls_listen(struct conf *c, const struct conf_key *k, const char *v,
	       char *why, size_t whylen)
{
	struct sockaddr_storage ss;
	char buf[ADDR_STRLEN];

	(void)k;
	if (addr_parse(v, CONF_TLS_PORT, &ss) != 0) {
		conf_errf(why, whylen, "bad address '%.64s' (want IP:PORT, "
			  "[IPv6]:PORT or a bare IP)", v);
		return EINVAL;
	}
	for (size_t i = 0; i < c->ntls_listen; i++) {
		if (addr_eq((struct sockaddr *)&c->tls_listen[i],
			    (struct sockaddr *)&ss)) {
			conf_errf(why, whylen, "duplicate address %s",
				  addr_str((struct sockaddr *)&ss, buf,
					   sizeof(buf)));
			return EINVAL;
		}
	}
	if (c->ntls_listen >= CONF_MAX_LISTEN) {
		conf_errf(why, whylen, "more than %d addresses",
			  CONF_MAX_LISTEN);
		return EINVAL;
	}
	c->tls_listen[c->ntls_listen++] = ss;
	return 0;
}

void
reset_tls_listen(struct conf *c)
{
	c->ntls_listen = 0;
	c->tls_listen_line = 0;
}

/* certs: one PEM file per entry holding the chain and its private key. */
int
set_cert_file(struct conf *c, const struct conf_key *k, const char *v,
	      char *why, size_t whylen)
{
	(void)k;
	if (v[0] == '\0') {
		conf_errf(why, whylen, "path must not be empty");
		return EINVAL;
	}
	if (c->ncerts >= CONF_MAX_CERTS) {
		conf_errf(why, whylen, "more than %d files", CONF_MAX_CERTS);
		return EINVAL;
	}
	if ((c->certs[c->ncerts] = strdup(v)) == NULL)
		return conf_oom(why, whylen);
	c->ncerts++;
	return 0;
}

void
reset_certs(struct conf *c)
{
	for (size_t i = 0; i < c->ncerts; i++) {
		free(c->certs[i]);
		c->certs[i] = NULL;
	}
	c->ncerts = 0;
}

int
set_tls_ciphers(struct conf *c, const struct conf_key *k, const char *v,
		char *why, size_t whylen)
{
	if (v[0] == '\0' || strlen(v) > CIPHERS_MAX) {
		conf_errf(why, whylen, "want a non-empty OpenSSL cipher list "
			  "of at most %d bytes", CIPHERS_MAX);
		return EINVAL;
	}
	return conf_store_string(c, k->off, v, false, why, whylen);
}

int
set_tls_min_version(struct conf *c, const struct conf_key *k, const char *v,
		    char *why, size_t whylen)
{
	(void)k;
	if (strcmp(v, "1.2") == 0) {
		c->tls_min_version = 12;
	} else if (strcmp(v, "1.3") == 0) {
		c->tls_min_version = 13;
	} else {
		conf_errf(why, whylen, "'%.16s' is not one of 1.2, 1.3", v);
		return EINVAL;
	}
	return 0;
}

void
conf_free_tls(struct conf *c)
{
	free(c->cert);
	free(c->key);
	free(c->tls_ciphers);
	c->cert = c->key = c->tls_ciphers = NULL;
	reset_certs(c);
}

static int
check_file(const char *path, char *why, size_t whylen)
{
	if (access(path, R_OK) == 0)
		return 0;
	conf_errf(why, whylen, "cannot read '%.96s': %s", path,
		  strerror(errno));
	return EINVAL;
}

/* tls-listen needs cert and key; each named file must be readable. */
int
conf_rule_tls(const struct conf *c, const char **key, char *why,
	      size_t whylen)
{
	*key = "tls-listen";
	if (c->ntls_listen > 0 && (c->cert == NULL || c->key == NULL)) {
		conf_errf(why, whylen, "needs both 'cert' and 'key'");
		return EINVAL;
	}
	*key = c->cert == NULL ? "cert" : "key";
	if ((c->cert == NULL) != (c->key == NULL)) {
		conf_errf(why, whylen, "'cert' and 'key' go together");
		return EINVAL;
	}
	*key = "cert";
	if (c->cert != NULL && check_file(c->cert, why, whylen) != 0)
		return EINVAL;
	*key = "key";
	if (c->key != NULL && check_file(c->key, why, whylen) != 0)
		return EINVAL;
	*key = "certs";
	for (size_t i = 0; i < c->ncerts; i++)
		if (check_file(c->certs[i], why, whylen) != 0)
			return EINVAL;
	if (c->ncerts > 0 && c->cert == NULL) {
		conf_errf(why, whylen, "needs a default 'cert' and 'key'");
		return EINVAL;
	}
	return 0;
}
