/**
 * @file set_text.c  Setters for the text-valued keys: log-level,
 * log-target, log-file, users-file, realm, software, users, auth-secrets.
 *
 * users and auth-secrets hold secrets: their error text never quotes the
 * value, only what is wrong with it (the caller adds the entry number).
 * Passwords and secrets are wiped before they are freed.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "conf_int.h"

#define USER_NAME_MAX 512   /* RFC 8489 §14.3: USERNAME < 513 bytes */
#define TEXT_MAX      127   /* realm, software: fewer than 128 characters */

int
set_log_level(struct conf *c, const struct conf_key *k, const char *v,
	      char *why, size_t whylen)
{
	(void)k;
	if (log_level_parse(v, &c->log_level) != 0) {
		conf_errf(why, whylen, "'%.64s' is not one of error, warn, "
			  "info, debug", v);
		return EINVAL;
	}
	return 0;
}

int
set_log_target(struct conf *c, const struct conf_key *k, const char *v,
	       char *why, size_t whylen)
{
	(void)k;
	if (log_target_parse(v, &c->log_target) != 0) {
		conf_errf(why, whylen, "'%.64s' is not one of stderr, syslog, "
			  "file", v);
		return EINVAL;
	}
	return 0;
}

int
set_log_format(struct conf *c, const struct conf_key *k, const char *v,
	       char *why, size_t whylen)
{
	(void)k;
	if (log_format_parse(v, &c->log_format) != 0) {
		conf_errf(why, whylen, "'%.64s' is not one of text, json", v);
		return EINVAL;
	}
	return 0;
}

/* log-file, users-file: a non-empty path. */
int
set_path(struct conf *c, const struct conf_key *k, const char *v,
	 char *why, size_t whylen)
{
	if (v[0] == '\0') {
		conf_errf(why, whylen, "path must not be empty");
		return EINVAL;
	}
	return conf_store_string(c, k->off, v, false, why, whylen);
}

/* Fewer than 128 bytes, no control characters. */
static int
check_text(const char *v, char *why, size_t whylen)
{
	if (strlen(v) > TEXT_MAX) {
		conf_errf(why, whylen, "longer than %d bytes", TEXT_MAX);
		return EINVAL;
	}
	for (const char *p = v; *p != '\0'; p++) {
		if ((unsigned char)*p < 0x20 || *p == 0x7f) {
			conf_errf(why, whylen, "contains a control character");
			return EINVAL;
		}
	}
	return 0;
}

int
conf_check_realm(const char *realm, char *why, size_t whylen)
{
	if (realm == NULL || realm[0] == '\0') {
		conf_errf(why, whylen, "must not be empty");
		return EINVAL;
	}
	if (check_text(realm, why, whylen) != 0)
		return EINVAL;
	for (const char *p = realm; *p != '\0'; p++) {
		if ((unsigned char)*p > 0x7e || *p == '"' || *p == '\\') {
			conf_errf(why, whylen, "must be printable ASCII "
				  "without '\"' or '\\'");
			return EINVAL;
		}
	}
	return 0;
}

int
set_realm(struct conf *c, const struct conf_key *k, const char *v,
	  char *why, size_t whylen)
{
	if (conf_check_realm(v, why, whylen) != 0)
		return EINVAL;
	return conf_store_string(c, k->off, v, false, why, whylen);
}

/* software: "" means the attribute is not sent. */
int
set_software(struct conf *c, const struct conf_key *k, const char *v,
	     char *why, size_t whylen)
{
	if (check_text(v, why, whylen) != 0)
		return EINVAL;
	return conf_store_string(c, k->off, v, true, why, whylen);
}

/* Check a "NAME:PASSWORD" entry without ever quoting it. */
static int
check_user(const struct conf *c, const char *v, char *why, size_t whylen)
{
	const char *colon = strchr(v, ':');
	size_t nlen = colon ? (size_t)(colon - v) : 0;
	const char *what = NULL;

	if (colon == NULL)
		what = "missing ':' between name and password";
	else if (nlen == 0)
		what = "empty user name";
	else if (nlen > USER_NAME_MAX)
		what = "user name longer than 512 bytes";
	else if (colon[1] == '\0')
		what = "empty password";
	else if (c->nusers >= CONF_MAX_USERS)
		what = "too many users (max 256)";
	for (size_t i = 0; what == NULL && i < c->nusers; i++) {
		if (strlen(c->users[i].name) == nlen &&
		    memcmp(c->users[i].name, v, nlen) == 0)
			what = "duplicate user name";
	}
	if (what == NULL)
		return 0;
	conf_errf(why, whylen, "%s", what);
	return EINVAL;
}

int
set_user(struct conf *c, const struct conf_key *k, const char *v,
	 char *why, size_t whylen)
{
	const char *colon = strchr(v, ':');
	struct conf_user *u;

	(void)k;
	if (check_user(c, v, why, whylen) != 0)
		return EINVAL;
	u = &c->users[c->nusers];
	u->name = strndup(v, (size_t)(colon - v));
	u->password = strdup(colon + 1);
	if (u->name == NULL || u->password == NULL) {
		free(u->name);
		free(u->password);
		u->name = u->password = NULL;
		return conf_oom(why, whylen);
	}
	c->nusers++;
	return 0;
}

void
reset_users(struct conf *c)
{
	for (size_t i = 0; i < c->nusers; i++) {
		char *pw = c->users[i].password;

		free(c->users[i].name);
		if (pw != NULL)
			explicit_bzero(pw, strlen(pw));
		free(pw);
		c->users[i].name = c->users[i].password = NULL;
	}
	c->nusers = 0;
}

int
set_secret(struct conf *c, const struct conf_key *k, const char *v,
	   char *why, size_t whylen)
{
	(void)k;
	if (v[0] == '\0') {
		conf_errf(why, whylen, "empty secret");
		return EINVAL;
	}
	if (c->nsecrets >= CONF_MAX_SECRETS) {
		conf_errf(why, whylen, "too many secrets (max %d)",
			  CONF_MAX_SECRETS);
		return EINVAL;
	}
	if ((c->auth_secrets[c->nsecrets] = strdup(v)) == NULL)
		return conf_oom(why, whylen);
	c->nsecrets++;
	return 0;
}

void
reset_secrets(struct conf *c)
{
	for (size_t i = 0; i < c->nsecrets; i++) {
		if (c->auth_secrets[i] != NULL)
			explicit_bzero(c->auth_secrets[i],
				       strlen(c->auth_secrets[i]));
		free(c->auth_secrets[i]);
		c->auth_secrets[i] = NULL;
	}
	c->nsecrets = 0;
}

