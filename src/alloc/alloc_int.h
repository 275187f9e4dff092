/* Private to src/alloc. */
#ifndef TURNPIKE_ALLOC_INT_H
#define TURNPIKE_ALLOC_INT_H

#include "alloc.h"

struct alloc_table {
	struct alloc_limits lim;
	struct alloc **by_ft;         /* hash of 5-tuples */
	/* Hashes of relayed addresses: [i] holds relay[i] of every
	 * allocation that has one ([1]: the second of a dual allocation). */
	struct alloc **by_relay[ALLOC_MAX_RELAYS];
	size_t nbuckets;              /* power of two, same for all */
	size_t count;
	struct alloc *all;            /* list head */
};

uint32_t sau_hash(const sockaddr_u *a, uint32_t h);


#endif
