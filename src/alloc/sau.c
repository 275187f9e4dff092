/**
 * @file sau.c  Compact socket addresses: copy, compare, hash.
 */
#include <string.h>

#include "alloc_int.h"

void
sau_set(sockaddr_u *dst, const struct sockaddr *src)
{
	memset(dst, 0, sizeof(*dst));
	if (src->sa_family == AF_INET)
		dst->v4 = *(const struct sockaddr_in *)src;
	else if (src->sa_family == AF_INET6)
		dst->v6 = *(const struct sockaddr_in6 *)src;
}

/* FNV-1a over the bytes that matter. Only authenticated allocations are
 * inserted, so an attacker cannot flood the tables for free. */
static uint32_t
fnv(const void *p, size_t n, uint32_t h)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 16777619u;
	return h;
}

uint32_t
sau_hash(const sockaddr_u *a, uint32_t h)
{
	if (a->sa.sa_family == AF_INET) {
		h = fnv(&a->v4.sin_addr, 4, h);
		return fnv(&a->v4.sin_port, 2, h);
	}
	h = fnv(&a->v6.sin6_addr, 16, h);
	return fnv(&a->v6.sin6_port, 2, h);
}

bool
sau_ip_eq(const sockaddr_u *a, const sockaddr_u *b)
{
	if (a->sa.sa_family != b->sa.sa_family)
		return false;
	if (a->sa.sa_family == AF_INET)
		return a->v4.sin_addr.s_addr == b->v4.sin_addr.s_addr;
	return memcmp(&a->v6.sin6_addr, &b->v6.sin6_addr, 16) == 0;
}

bool
sau_eq(const sockaddr_u *a, const sockaddr_u *b)
{
	if (!sau_ip_eq(a, b))
		return false;
	if (a->sa.sa_family == AF_INET)
		return a->v4.sin_port == b->v4.sin_port;
	return a->v6.sin6_port == b->v6.sin6_port;
}
