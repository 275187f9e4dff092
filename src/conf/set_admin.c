/**
 * @file set_admin.c  The admin listener's keys: admin-listen (the
 * addresses of GET /metrics and GET /api/status, default 127.0.0.1:9641)
 * and admin-token (a secret: wiped when freed); and the fingerprint of
 * the configuration file that /api/status reports.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/evp.h>

#include "conf_int.h"

#define ADMIN_DEFAULT_PORT 9641

void
admin_conf_defaults(struct conf *c)
{
	addr_parse("127.0.0.1", ADMIN_DEFAULT_PORT, &c->admin_listen[0]);
	c->nadmin_listen = 1;
	c->admin_listen_default = true;
}

void
admin_conf_free(struct conf *c)
{
	if (c->admin_token != NULL)
		explicit_bzero(c->admin_token, strlen(c->admin_token));
	free(c->admin_token);
	c->admin_token = NULL;
}

/* "IP:PORT", "[IPv6]:PORT", a bare IP (port 9641); "off" or "" add none. */
int
set_admin_listen(struct conf *c, const struct conf_key *k, const char *v,
		 char *why, size_t whylen)
{
	struct sockaddr_storage ss;

	(void)k;
	c->admin_listen_default = false;
	if (v[0] == '\0' || strcmp(v, "off") == 0)
		return 0;
	if (addr_parse(v, ADMIN_DEFAULT_PORT, &ss) != 0) {
		conf_errf(why, whylen, "bad address '%.64s' (want IP:PORT, "
			  "[IPv6]:PORT, a bare IP or \"off\")", v);
		return EINVAL;
	}
	for (size_t i = 0; i < c->nadmin_listen; i++) {
		if (addr_eq((struct sockaddr *)&c->admin_listen[i],
			    (struct sockaddr *)&ss)) {
			conf_errf(why, whylen, "duplicate address '%.64s'", v);
			return EINVAL;
		}
	}
	if (c->nadmin_listen >= CONF_MAX_LISTEN) {
		conf_errf(why, whylen, "more than %d addresses",
			  CONF_MAX_LISTEN);
		return EINVAL;
	}
	c->admin_listen[c->nadmin_listen++] = ss;
	return 0;
}

void
reset_admin_listen(struct conf *c)
{
	c->nadmin_listen = 0;
	c->admin_listen_default = false;
}

void
conf_hash_file(struct conf *c, const char *path)
{
	unsigned char md[EVP_MAX_MD_SIZE], buf[8192];
	unsigned mdlen = 0;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	FILE *fp = fopen(path, "re");
	size_t n;
	bool ok = ctx != NULL && fp != NULL &&
		  EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1;

	while (ok && (n = fread(buf, 1, sizeof(buf), fp)) > 0)
		ok = EVP_DigestUpdate(ctx, buf, n) == 1;
	ok = ok && !ferror(fp) && EVP_DigestFinal_ex(ctx, md, &mdlen) == 1;
	c->file_sha256[0] = '\0';
	for (unsigned i = 0; ok && i < mdlen && i < 32; i++)
		snprintf(c->file_sha256 + 2 * i, 3, "%02x", md[i]);
	if (fp != NULL)
		fclose(fp);
	EVP_MD_CTX_free(ctx);
}
