/**
 * @file hostaddr.c  The host's own addresses, for the peer policy: a
 * relay must not reach the machine it runs on (docs/security.md).
 */
#include <ifaddrs.h>
#include <net/if.h>
#include <string.h>

#include "addr.h"

/* The prefix length of a netmask (contiguous ones). */
static uint8_t
mask_len(const struct sockaddr *m)
{
	const uint8_t *b = m->sa_family == AF_INET
		? (const uint8_t *)&((const struct sockaddr_in *)m)->sin_addr
		: ((const struct sockaddr_in6 *)m)->sin6_addr.s6_addr;
	size_t n = m->sa_family == AF_INET ? 4 : 16;
	uint8_t len = 0;

	for (size_t i = 0; i < n && b[i] != 0; i++)
		for (int bit = 7; bit >= 0 && (b[i] >> bit) & 1; bit--)
			len++;
	return len;
}

/* One interface address: the address itself, or on a loopback
 * interface its whole prefix (Linux answers all of 127.0.0.0/8). */
static void
to_cidr(const struct ifaddrs *i, struct cidr *c)
{
	const struct sockaddr *sa = i->ifa_addr;
	bool v4 = sa->sa_family == AF_INET;

	memset(c, 0, sizeof(*c));
	c->family = sa->sa_family;
	memcpy(c->ip, v4 ? (const void *)&((const struct sockaddr_in *)sa)->sin_addr
			 : (const void *)&((const struct sockaddr_in6 *)sa)->sin6_addr,
	       v4 ? 4 : 16);
	c->prefix = v4 ? 32 : 128;
	if ((i->ifa_flags & IFF_LOOPBACK) && i->ifa_netmask != NULL &&
	    i->ifa_netmask->sa_family == sa->sa_family) {
		char buf[ADDR_STRLEN + 8];
		struct cidr masked;

		c->prefix = mask_len(i->ifa_netmask);
		/* cidr_parse clears the host bits */
		if (cidr_str(c, buf, sizeof(buf)) != NULL &&
		    cidr_parse(buf, &masked) == 0)
			*c = masked;
	}
}

size_t
addr_host_cidrs(struct cidr *out, size_t cap)
{
	struct ifaddrs *all, *i;
	size_t n = 0;

	if (getifaddrs(&all) != 0)
		return 0;
	for (i = all; i != NULL && n < cap; i = i->ifa_next) {
		if (i->ifa_addr == NULL || (i->ifa_addr->sa_family != AF_INET &&
					    i->ifa_addr->sa_family != AF_INET6))
			continue;
		to_cidr(i, &out[n++]);
	}
	freeifaddrs(all);
	return n;
}
