/**
 * @file bw.c  Per-allocation bandwidth cap: a token bucket per direction,
 * refilled from the injected clock. No timers, no state outside the
 * allocation.
 */
#include "alloc.h"

bool
alloc_bw_take(struct alloc *a, int dir, size_t len, unsigned bps,
	      uint64_t now_ms)
{
	uint64_t *tok = &a->bw_tokens[dir], *last = &a->bw_ms[dir];

	if (bps == 0)
		return true;
	if (*last == 0) {
		*tok = bps;               /* a full second of burst to start */
	} else if (now_ms > *last) {
		*tok += (now_ms - *last) * bps / 1000;
		if (*tok > bps)
			*tok = bps;
	}
	*last = now_ms;
	if (*tok < len)
		return false;
	*tok -= len;
	return true;
}
