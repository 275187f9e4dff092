/* Private to src/alloc. */
#ifndef TURNPIKE_ALLOC_INT_H
#define TURNPIKE_ALLOC_INT_H

#include "alloc.h"

struct ucount {
	char *user;
	unsigned n;
	struct ucount *next;
};

struct alloc_table {
	struct alloc_limits lim;
	struct alloc **by_ft;         /* hash of 5-tuples */
	struct alloc **by_relay;      /* hash of relayed addresses */
	struct ucount **by_user;      /* allocations per username */
	size_t nbuckets;              /* power of two, same for all three */
	size_t count;
	struct alloc *all;            /* list head */
};

uint32_t sau_hash(const sockaddr_u *a, uint32_t h);
uint32_t str_hash(const char *s);

void ucount_add(struct alloc_table *t, const char *user, int delta);

#endif
