/**
 * @file set_http.c  Setters, defaults and freeing for the keys of the HTTP
 * listener and the signaling endpoint: http-listen, allowed-origins,
 * public-host, api-key, join-secret (the integer keys are plain rows of
 * keys.c; www-dir uses set_path).
 *
 * api-key and join-secret are secrets: never quoted, wiped when freed.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "conf_int.h"

#define HTTP_DEFAULT_PORT 8080
#define ORIGIN_MAX        255
#define HOST_MAX          253

void
http_conf_defaults(struct conf *c)
{
	addr_parse("0.0.0.0", HTTP_DEFAULT_PORT, &c->http_listen[0]);
	c->nhttp_listen = 1;
	c->http_listen_default = true;
	c->http_head_timeout = 10;
	c->http_max_conns_per_ip = 64;
	c->room_capacity = 6;
	c->max_rooms = 1000;
	c->max_sig_conns = 1000;
	c->chat_history = 50;
	c->sig_max_message = 65536;
	c->sig_rate = 20;
	c->sig_idle = 60;
	c->sig_grace = 30;
	c->ice_ttl = 3600;
	c->join_rate = 30;
}

static void
free_secret(char **s)
{
	if (*s != NULL)
		explicit_bzero(*s, strlen(*s));
	free(*s);
	*s = NULL;
}

void
http_conf_free(struct conf *c)
{
	free(c->www_dir);
	free(c->public_host);
	c->www_dir = c->public_host = NULL;
	free_secret(&c->api_key);
	free_secret(&c->join_secret);
	reset_origins(c);
}

/* "IP:PORT", "[IPv6]:PORT", a bare IP (port 8080); "off" or "" add none. */
int
set_http_listen(struct conf *c, const struct conf_key *k, const char *v,
		char *why, size_t whylen)
{
	struct sockaddr_storage ss;

	(void)k;
	c->http_listen_default = false;
	if (v[0] == '\0' || strcmp(v, "off") == 0)
		return 0;
	if (addr_parse(v, HTTP_DEFAULT_PORT, &ss) != 0) {
		conf_errf(why, whylen, "bad address '%.64s' (want IP:PORT, "
			  "[IPv6]:PORT, a bare IP or \"off\")", v);
		return EINVAL;
	}
	for (size_t i = 0; i < c->nhttp_listen; i++) {
		if (addr_eq((struct sockaddr *)&c->http_listen[i],
			    (struct sockaddr *)&ss)) {
			conf_errf(why, whylen, "duplicate address '%.64s'", v);
			return EINVAL;
		}
	}
	if (c->nhttp_listen >= CONF_MAX_LISTEN) {
		conf_errf(why, whylen, "more than %d addresses",
			  CONF_MAX_LISTEN);
		return EINVAL;
	}
	c->http_listen[c->nhttp_listen++] = ss;
	return 0;
}

void
reset_http_listen(struct conf *c)
{
	c->nhttp_listen = 0;
	c->http_listen_default = false;
}

/* Printable ASCII without spaces, quotes or backslashes. */
static bool
plain_text(const char *v)
{
	for (const char *p = v; *p != '\0'; p++)
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f ||
		    *p == '"' || *p == '\\')
			return false;
	return true;
}

/* "*", or "scheme://host[:port]" as browsers send it. */
int
set_origin(struct conf *c, const struct conf_key *k, const char *v,
	   char *why, size_t whylen)
{
	const char *sep = strstr(v, "://");

	(void)k;
	if (strlen(v) > ORIGIN_MAX || !plain_text(v) ||
	    (strcmp(v, "*") != 0 && (sep == NULL || sep == v ||
				     sep[3] == '\0'))) {
		conf_errf(why, whylen, "bad origin '%.64s' (want "
			  "\"scheme://host[:port]\" or \"*\")", v);
		return EINVAL;
	}
	if (c->norigins >= CONF_MAX_ORIGINS) {
		conf_errf(why, whylen, "more than %d origins",
			  CONF_MAX_ORIGINS);
		return EINVAL;
	}
	if ((c->allowed_origins[c->norigins] = strdup(v)) == NULL)
		return conf_oom(why, whylen);
	c->norigins++;
	return 0;
}

void
reset_origins(struct conf *c)
{
	for (size_t i = 0; i < c->norigins; i++) {
		free(c->allowed_origins[i]);
		c->allowed_origins[i] = NULL;
	}
	c->norigins = 0;
}

/* A DNS name or an IP (IPv6 without brackets): it goes into URLs. */
int
set_public_host(struct conf *c, const struct conf_key *k, const char *v,
		char *why, size_t whylen)
{
	size_t n = strlen(v);

	if (n == 0 || n > HOST_MAX ||
	    strspn(v, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		   "0123456789.-:") != n) {
		conf_errf(why, whylen, "bad host '%.64s' (want a DNS name or "
			  "an IP, IPv6 without brackets)", v);
		return EINVAL;
	}
	return conf_store_string(c, k->off, v, false, why, whylen);
}

/* api-key, join-secret: non-empty printable text, never quoted. */
int
set_secret_text(struct conf *c, const struct conf_key *k, const char *v,
		char *why, size_t whylen)
{
	char **field = (char **)((char *)c + k->off);

	if (v[0] == '\0' || strlen(v) > 1024 || !plain_text(v)) {
		conf_errf(why, whylen, "must be 1 to 1024 printable characters "
			  "without spaces");
		return EINVAL;
	}
	free_secret(field);
	return conf_store_string(c, k->off, v, false, why, whylen);
}

/* anonymous-relay: "relay", "any" or "off". */
int
set_anonymous_relay(struct conf *c, const struct conf_key *k, const char *v,
		    char *why, size_t whylen)
{
	static const char *const names[] = { "relay", "any", "off" };

	(void)k;
	for (size_t i = 0; i < sizeof(names) / sizeof(*names); i++)
		if (strcmp(v, names[i]) == 0) {
			c->anonymous_relay = (enum conf_anon)i;
			return 0;
		}
	conf_errf(why, whylen, "'%.64s' is not one of relay, any, off", v);
	return EINVAL;
}
