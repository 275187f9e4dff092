/**
 * @file hostaddr.c  The host's own addresses, for the peer policy: a
 * relay must not reach the machine it runs on (docs/security.md).
 */
#include <ifaddrs.h>
#include <string.h>

#include "addr.h"

/* One interface address, as a full-length block. */
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
