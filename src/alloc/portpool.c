/**
 * @file portpool.c  Relay ports handed out, as a bitmap over [lo, hi].
 * A port is released exactly once, when its relay socket closes, so the
 * pool never leaks (portpool_used() is checked by the tests).
 */
#include <errno.h>
#include <stdlib.h>

#include "alloc.h"

struct portpool {
	uint16_t lo, hi;
	unsigned used;
	uint8_t bits[8192];           /* one bit per port number */
};

int
portpool_new(struct portpool **out, uint16_t lo, uint16_t hi)
{
	struct portpool *p;

	if (lo == 0 || lo > hi)
		return EINVAL;
	p = calloc(1, sizeof(*p));
	if (p == NULL)
		return ENOMEM;
	p->lo = lo;
	p->hi = hi;
	*out = p;
	return 0;
}

void
portpool_free(struct portpool *p)
{
	free(p);
}

bool
portpool_in_use(const struct portpool *p, uint16_t port)
{
	return (p->bits[port >> 3] >> (port & 7)) & 1;
}

static void
mark(struct portpool *p, uint16_t port, bool on)
{
	if (on) {
		p->bits[port >> 3] |= (uint8_t)(1u << (port & 7));
		p->used++;
	} else {
		p->bits[port >> 3] &= (uint8_t)~(1u << (port & 7));
		p->used--;
	}
}

int
portpool_take(struct portpool *p, uint32_t hint, bool even, uint16_t *port)
{
	uint32_t n = (uint32_t)p->hi - p->lo + 1;

	for (uint32_t i = 0; i < n; i++) {
		uint16_t cand = (uint16_t)(p->lo + (hint + i) % n);
		if (even && (cand & 1))
			continue;
		if (!portpool_in_use(p, cand)) {
			mark(p, cand, true);
			*port = cand;
			return 0;
		}
	}
	return ENOSPC;
}

int
portpool_take_exact(struct portpool *p, uint16_t port)
{
	if (port < p->lo || port > p->hi)
		return EINVAL;
	if (portpool_in_use(p, port))
		return EBUSY;
	mark(p, port, true);
	return 0;
}

void
portpool_release(struct portpool *p, uint16_t port)
{
	if (port >= p->lo && port <= p->hi && portpool_in_use(p, port))
		mark(p, port, false);
}

unsigned
portpool_used(const struct portpool *p)
{
	return p->used;
}
