/**
 * @file set_addr.c  Setters for the address-valued keys: listen,
 * allow-peer, deny-peer, relay-ips, relay-ports, external-ip.
 */
#include <errno.h>
#include <string.h>

#include "conf_int.h"

/* listen: "IP:PORT", "[IPv6]:PORT" or a bare IP (port 3478). */
int
set_listen(struct conf *c, const struct conf_key *k, const char *v,
	   char *why, size_t whylen)
{
	struct sockaddr_storage ss;
	char buf[ADDR_STRLEN];

	(void)k;
	if (addr_parse(v, CONF_DEFAULT_PORT, &ss) != 0) {
		conf_errf(why, whylen, "bad address '%.64s' (want IP:PORT, "
			  "[IPv6]:PORT or a bare IP)", v);
		return EINVAL;
	}
	for (size_t i = 0; i < c->nlisten; i++) {
		if (addr_eq((struct sockaddr *)&c->listen[i],
			    (struct sockaddr *)&ss)) {
			conf_errf(why, whylen, "duplicate address %s",
				  addr_str((struct sockaddr *)&ss, buf,
					   sizeof(buf)));
			return EINVAL;
		}
	}
	if (c->nlisten >= CONF_MAX_LISTEN) {
		conf_errf(why, whylen, "more than %d addresses",
			  CONF_MAX_LISTEN);
		return EINVAL;
	}
	c->listen[c->nlisten++] = ss;
	return 0;
}

void
reset_listen(struct conf *c)
{
	c->nlisten = 0;
}

static int
add_cidr(struct cidr *list, size_t *n, const char *v, char *why,
	 size_t whylen)
{
	struct cidr c;

	if (cidr_parse(v, &c) != 0) {
		conf_errf(why, whylen, "bad CIDR '%.64s' (want IP/PREFIX or "
			  "IP)", v);
		return EINVAL;
	}
	if (*n >= CONF_MAX_CIDRS) {
		conf_errf(why, whylen, "more than %d blocks", CONF_MAX_CIDRS);
		return EINVAL;
	}
	list[(*n)++] = c;
	return 0;
}

int
set_allow_peer(struct conf *c, const struct conf_key *k, const char *v,
	       char *why, size_t whylen)
{
	(void)k;
	return add_cidr(c->allow_peer, &c->nallow_peer, v, why, whylen);
}

void
reset_allow_peer(struct conf *c)
{
	c->nallow_peer = 0;
}

int
set_deny_peer(struct conf *c, const struct conf_key *k, const char *v,
	      char *why, size_t whylen)
{
	(void)k;
	return add_cidr(c->deny_peer, &c->ndeny_peer, v, why, whylen);
}

void
reset_deny_peer(struct conf *c)
{
	c->ndeny_peer = 0;
}

int
set_relay_ip(struct conf *c, const struct conf_key *k, const char *v,
	     char *why, size_t whylen)
{
	struct sockaddr_storage ss;

	(void)k;
	if (addr_parse_ip(v, &ss) != 0) {
		conf_errf(why, whylen, "bad IP address '%.64s'", v);
		return EINVAL;
	}
	if (c->nrelay_ip >= CONF_MAX_RELAY_IP) {
		conf_errf(why, whylen, "more than %d addresses",
			  CONF_MAX_RELAY_IP);
		return EINVAL;
	}
	c->relay_ip[c->nrelay_ip++] = ss;
	return 0;
}

void
reset_relay_ip(struct conf *c)
{
	c->nrelay_ip = 0;
}

/* A port 1..65535 in s[0..len), decimal digits only. */
static int
parse_port(const char *s, size_t len, uint16_t *out)
{
	unsigned v = 0;

	if (len == 0 || len > 5)
		return EINVAL;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return EINVAL;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	if (v < 1 || v > 65535)
		return EINVAL;
	*out = (uint16_t)v;
	return 0;
}

int
conf_parse_port_range(const char *s, uint16_t *lo, uint16_t *hi)
{
	const char *dash = strchr(s, '-');
	uint16_t a, b;

	if (dash == NULL || parse_port(s, (size_t)(dash - s), &a) != 0 ||
	    parse_port(dash + 1, strlen(dash + 1), &b) != 0 || a > b)
		return EINVAL;
	*lo = a;
	*hi = b;
	return 0;
}

int
set_relay_ports(struct conf *c, const struct conf_key *k, const char *v,
		char *why, size_t whylen)
{
	(void)k;
	if (conf_parse_port_range(v, &c->relay_port_min,
				  &c->relay_port_max) != 0) {
		conf_errf(why, whylen, "bad range '%.64s' (want LO-HI with "
			  "1 <= LO <= HI <= 65535)", v);
		return EINVAL;
	}
	return 0;
}

/* "PUBLIC" or "PUBLIC/PRIVATE": two IPs of one family, PUBLIC not any. */
static int
parse_external(const char *v, struct conf_external_ip *x)
{
	char pub[ADDR_STRLEN];
	const char *slash = strchr(v, '/');
	size_t plen = slash ? (size_t)(slash - v) : strlen(v);

	memset(x, 0, sizeof(*x));
	x->private_ip.ss_family = AF_UNSPEC;
	if (plen >= sizeof(pub))
		return EINVAL;
	memcpy(pub, v, plen);
	pub[plen] = '\0';
	if (addr_parse_ip(pub, &x->public_ip) != 0 ||
	    addr_is_any((struct sockaddr *)&x->public_ip))
		return EINVAL;
	if (slash == NULL)
		return 0;
	if (addr_parse_ip(slash + 1, &x->private_ip) != 0 ||
	    x->private_ip.ss_family != x->public_ip.ss_family)
		return EINVAL;
	return 0;
}

int
set_external_ip(struct conf *c, const struct conf_key *k, const char *v,
		char *why, size_t whylen)
{
	struct conf_external_ip x;

	(void)k;
	if (parse_external(v, &x) != 0) {
		conf_errf(why, whylen, "bad value '%.64s' (want PUBLIC or "
			  "PUBLIC/PRIVATE, two IPs of one family)", v);
		return EINVAL;
	}
	if (c->nexternal_ip >= CONF_MAX_RELAY_IP) {
		conf_errf(why, whylen, "more than %d entries",
			  CONF_MAX_RELAY_IP);
		return EINVAL;
	}
	c->external_ip[c->nexternal_ip++] = x;
	return 0;
}

void
reset_external_ip(struct conf *c)
{
	c->nexternal_ip = 0;
}
