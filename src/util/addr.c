/**
 * @file addr.c  Socket address helpers: numeric parsing, formatting, CIDR.
 *
 * Pure: inet_pton/inet_ntop only, no socket is opened and no name is
 * resolved. Accepted forms:
 *
 *	1.2.3.4            bare IPv4, port = default
 *	1.2.3.4:3478       IPv4 and port
 *	::1                bare IPv6 (more than one ':'), port = default
 *	[::1]  [::1]:3478  bracketed IPv6, optional port
 *	fe80::1%2          IPv6 with a numeric scope id (names need a socket)
 *
 * Ports are decimal, 1..65535. No whitespace anywhere.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "addr.h"

#define ADDR_INPUT_MAX 80   /* longer text cannot be a numeric address */

/* Parse a decimal number of at most maxdigits digits, nothing else. */
static int
parse_uint(const char *s, size_t len, size_t maxdigits, unsigned long *out)
{
	unsigned long v = 0;

	if (len == 0 || len > maxdigits)
		return EINVAL;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return EINVAL;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	*out = v;
	return 0;
}

static int
parse_port(const char *s, size_t len, uint16_t *out)
{
	unsigned long v;

	if (parse_uint(s, len, 5, &v) != 0 || v < 1 || v > 65535)
		return EINVAL;
	*out = (uint16_t)v;
	return 0;
}

/* s[0..len) is an IPv6 address, optionally with "%SCOPE" (numeric). */
static int
parse_ip6(const char *s, size_t len, struct sockaddr_in6 *sin6)
{
	char buf[INET6_ADDRSTRLEN];
	const char *pct = memchr(s, '%', len);
	size_t iplen = pct ? (size_t)(pct - s) : len;
	unsigned long scope = 0;

	if (iplen == 0 || iplen >= sizeof(buf))
		return EINVAL;
	if (pct && parse_uint(pct + 1, len - iplen - 1, 10, &scope) != 0)
		return EINVAL;
	if (scope > UINT32_MAX)
		return EINVAL;
	memcpy(buf, s, iplen);
	buf[iplen] = '\0';
	if (inet_pton(AF_INET6, buf, &sin6->sin6_addr) != 1)
		return EINVAL;
	sin6->sin6_family = AF_INET6;
	sin6->sin6_scope_id = (uint32_t)scope;
	return 0;
}

static int
parse_ip4(const char *s, size_t len, struct sockaddr_in *sin)
{
	char buf[INET_ADDRSTRLEN];

	if (len == 0 || len >= sizeof(buf))
		return EINVAL;
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (inet_pton(AF_INET, buf, &sin->sin_addr) != 1)
		return EINVAL;
	sin->sin_family = AF_INET;
	return 0;
}

/* "[IPv6]" or "[IPv6]:PORT". */
static int
parse_bracketed(const char *s, size_t len, uint16_t port,
		struct sockaddr_storage *ss)
{
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
	const char *close = memchr(s, ']', len);
	size_t rest;

	if (close == NULL)
		return EINVAL;
	rest = len - (size_t)(close - s) - 1;
	if (parse_ip6(s + 1, (size_t)(close - s) - 1, sin6) != 0)
		return EINVAL;
	if (rest > 0 && (close[1] != ':' ||
			 parse_port(close + 2, rest - 1, &port) != 0))
		return EINVAL;
	sin6->sin6_port = htons(port);
	return 0;
}

int
addr_parse(const char *s, uint16_t default_port, struct sockaddr_storage *out)
{
	struct sockaddr_storage ss;
	const char *colon;
	size_t len;
	uint16_t port = default_port;

	if (s == NULL || out == NULL)
		return EINVAL;
	len = strnlen(s, ADDR_INPUT_MAX + 1);
	if (len == 0 || len > ADDR_INPUT_MAX)
		return EINVAL;
	memset(&ss, 0, sizeof(ss));
	colon = strchr(s, ':');
	if (s[0] == '[') {
		if (parse_bracketed(s, len, port, &ss) != 0)
			return EINVAL;
	} else if (colon != NULL && strchr(colon + 1, ':') != NULL) {
		if (parse_ip6(s, len, (struct sockaddr_in6 *)&ss) != 0)
			return EINVAL;
		((struct sockaddr_in6 *)&ss)->sin6_port = htons(port);
	} else {
		size_t iplen = colon ? (size_t)(colon - s) : len;

		if (colon && parse_port(colon + 1, len - iplen - 1, &port) != 0)
			return EINVAL;
		if (parse_ip4(s, iplen, (struct sockaddr_in *)&ss) != 0)
			return EINVAL;
		((struct sockaddr_in *)&ss)->sin_port = htons(port);
	}
	*out = ss;
	return 0;
}

int
addr_parse_ip(const char *s, struct sockaddr_storage *out)
{
	struct sockaddr_storage ss;
	size_t len;
	int err;

	if (s == NULL || out == NULL)
		return EINVAL;
	len = strnlen(s, ADDR_INPUT_MAX + 1);
	if (len == 0 || len > ADDR_INPUT_MAX)
		return EINVAL;
	memset(&ss, 0, sizeof(ss));
	if (strchr(s, ':') != NULL)
		err = parse_ip6(s, len, (struct sockaddr_in6 *)&ss);
	else
		err = parse_ip4(s, len, (struct sockaddr_in *)&ss);
	if (err == 0)
		*out = ss;
	return err;
}

const char *
addr_ip_str(const struct sockaddr *sa, char *buf, size_t len)
{
	const void *ip = NULL;
	char tmp[INET6_ADDRSTRLEN];

	if (buf == NULL || len == 0)
		return "";
	if (sa != NULL && sa->sa_family == AF_INET)
		ip = &((const struct sockaddr_in *)sa)->sin_addr;
	else if (sa != NULL && sa->sa_family == AF_INET6)
		ip = &((const struct sockaddr_in6 *)sa)->sin6_addr;
	if (ip == NULL || inet_ntop(sa->sa_family, ip, tmp, sizeof(tmp)) == NULL)
		snprintf(buf, len, "?");
	else
		snprintf(buf, len, "%s", tmp);
	return buf;
}

const char *
addr_str(const struct sockaddr *sa, char *buf, size_t len)
{
	char ip[INET6_ADDRSTRLEN];
	const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)sa;

	if (buf == NULL || len == 0)
		return "";
	addr_ip_str(sa, ip, sizeof(ip));
	if (sa == NULL || (sa->sa_family != AF_INET &&
			   sa->sa_family != AF_INET6))
		snprintf(buf, len, "?");
	else if (sa->sa_family == AF_INET)
		snprintf(buf, len, "%s:%u", ip, addr_port(sa));
	else if (sin6->sin6_scope_id != 0)
		snprintf(buf, len, "[%s%%%u]:%u", ip,
			 (unsigned)sin6->sin6_scope_id, addr_port(sa));
	else
		snprintf(buf, len, "[%s]:%u", ip, addr_port(sa));
	return buf;
}

socklen_t
addr_len(const struct sockaddr *sa)
{
	if (sa == NULL)
		return 0;
	if (sa->sa_family == AF_INET)
		return sizeof(struct sockaddr_in);
	if (sa->sa_family == AF_INET6)
		return sizeof(struct sockaddr_in6);
	return 0;
}

uint16_t
addr_port(const struct sockaddr *sa)
{
	if (sa == NULL)
		return 0;
	if (sa->sa_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)sa)->sin_port);
	if (sa->sa_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)sa)->sin6_port);
	return 0;
}

void
addr_set_port(struct sockaddr *sa, uint16_t port)
{
	if (sa == NULL)
		return;
	if (sa->sa_family == AF_INET)
		((struct sockaddr_in *)sa)->sin_port = htons(port);
	else if (sa->sa_family == AF_INET6)
		((struct sockaddr_in6 *)sa)->sin6_port = htons(port);
}

/* The IP bytes of an AF_INET/AF_INET6 address and their length, or 0. */
static size_t
ip_bytes(const struct sockaddr *sa, const uint8_t **ip)
{
	if (sa == NULL)
		return 0;
	if (sa->sa_family == AF_INET) {
		*ip = (const uint8_t *)&((const struct sockaddr_in *)sa)->sin_addr;
		return 4;
	}
	if (sa->sa_family == AF_INET6) {
		*ip = ((const struct sockaddr_in6 *)sa)->sin6_addr.s6_addr;
		return 16;
	}
	return 0;
}

bool
addr_ip_eq(const struct sockaddr *a, const struct sockaddr *b)
{
	const uint8_t *ia = NULL, *ib = NULL;
	size_t la = ip_bytes(a, &ia), lb = ip_bytes(b, &ib);

	return la != 0 && la == lb && a->sa_family == b->sa_family &&
	       memcmp(ia, ib, la) == 0;
}

bool
addr_eq(const struct sockaddr *a, const struct sockaddr *b)
{
	return addr_ip_eq(a, b) && addr_port(a) == addr_port(b);
}

bool
addr_is_any(const struct sockaddr *sa)
{
	static const uint8_t zero[16];
	const uint8_t *ip = NULL;
	size_t len = ip_bytes(sa, &ip);

	return len != 0 && memcmp(ip, zero, len) == 0;
}

bool
addr_source_key(const struct sockaddr *sa, uint8_t out[ADDR_KEY_LEN])
{
	static const uint8_t mapped[12] = { [10] = 0xff, [11] = 0xff };

	memset(out, 0, ADDR_KEY_LEN);
	if (sa == NULL)
		return false;
	if (sa->sa_family == AF_INET) {
		memcpy(out, mapped, sizeof(mapped));
		memcpy(out + 12,
		       &((const struct sockaddr_in *)(const void *)sa)->sin_addr, 4);
		return true;
	}
	if (sa->sa_family != AF_INET6)
		return false;
	memcpy(out, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr,
	       16);
	if (memcmp(out, mapped, sizeof(mapped)) != 0)
		memset(out + 8, 0, 8);  /* the /64: one host's usual share */
	return true;
}

/* Clear every bit of ip[0..len) past the first prefix bits. */
static void
clear_host_bits(uint8_t *ip, size_t len, unsigned prefix)
{
	for (size_t i = 0; i < len; i++) {
		unsigned first = (unsigned)i * 8;

		if (prefix <= first)
			ip[i] = 0;
		else if (prefix < first + 8)
			ip[i] &= (uint8_t)(0xff00u >> (prefix - first));
	}
}

int
cidr_parse(const char *s, struct cidr *out)
{
	struct sockaddr_storage ss;
	struct cidr c;
	char ipbuf[ADDR_INPUT_MAX + 1];
	const char *slash;
	const uint8_t *ip = NULL;
	unsigned long prefix;
	size_t iplen, len;

	if (s == NULL || out == NULL)
		return EINVAL;
	len = strnlen(s, ADDR_INPUT_MAX + 1);
	if (len == 0 || len > ADDR_INPUT_MAX)
		return EINVAL;
	slash = strchr(s, '/');
	iplen = slash ? (size_t)(slash - s) : len;
	memcpy(ipbuf, s, iplen);
	ipbuf[iplen] = '\0';
	if (strchr(ipbuf, '%') != NULL || addr_parse_ip(ipbuf, &ss) != 0)
		return EINVAL;
	memset(&c, 0, sizeof(c));
	c.family = ss.ss_family;
	iplen = ip_bytes((const struct sockaddr *)&ss, &ip);
	memcpy(c.ip, ip, iplen);
	prefix = iplen * 8;
	if (slash && (parse_uint(slash + 1, len - (size_t)(slash - s) - 1, 3,
				 &prefix) != 0 || prefix > iplen * 8))
		return EINVAL;
	c.prefix = (uint8_t)prefix;
	clear_host_bits(c.ip, iplen, c.prefix);
	*out = c;
	return 0;
}

/* Whether the first prefix bits of a and b are equal. */
static bool
prefix_eq(const uint8_t *a, const uint8_t *b, unsigned prefix)
{
	unsigned whole = prefix / 8, rest = prefix % 8;

	if (memcmp(a, b, whole) != 0)
		return false;
	if (rest == 0)
		return true;
	return ((a[whole] ^ b[whole]) & (uint8_t)(0xff00u >> rest)) == 0;
}

bool
cidr_match(const struct cidr *c, const struct sockaddr *sa)
{
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
					    0xff, 0xff };
	const uint8_t *ip = NULL;
	size_t len = ip_bytes(sa, &ip);

	if (c == NULL || len == 0)
		return false;
	/* ::ffff:a.b.c.d is a.b.c.d: a deny list must not be bypassed. */
	if (c->family == AF_INET && len == 16 &&
	    memcmp(ip, mapped, sizeof(mapped)) == 0) {
		ip += 12;
		len = 4;
	}
	if ((c->family == AF_INET && len != 4) ||
	    (c->family == AF_INET6 && len != 16) ||
	    (c->family != AF_INET && c->family != AF_INET6) ||
	    c->prefix > len * 8)
		return false;
	return prefix_eq(c->ip, ip, c->prefix);
}

const char *
cidr_str(const struct cidr *c, char *buf, size_t len)
{
	char ip[INET6_ADDRSTRLEN];

	if (buf == NULL || len == 0)
		return "";
	if (c == NULL || (c->family != AF_INET && c->family != AF_INET6) ||
	    inet_ntop(c->family, c->ip, ip, sizeof(ip)) == NULL)
		snprintf(buf, len, "?");
	else
		snprintf(buf, len, "%s/%u", ip, (unsigned)c->prefix);
	return buf;
}
