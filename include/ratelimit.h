/**
 * @file ratelimit.h  Per-source-IP rate limits in a bounded table.
 *
 * Pure: no clock reads (the caller passes now_ms), no I/O, one
 * allocation at creation and none after, so a flood of spoofed sources
 * cannot grow memory: the table has a fixed number of entries, 4-way
 * set-associative, indexed by a keyed hash (SipHash-2-4) of the source
 * so an attacker cannot aim at one set; a full set forgets its least
 * recently used entry.
 *
 * Each entry holds one bucket per kind of event, kept as GCRA (the
 * virtual-scheduling form of a token bucket): "rate events per period,
 * bursts of burst". Sources are IPv4 addresses (an IPv4-mapped IPv6
 * address is the IPv4 address) and IPv6 /64 prefixes (one host usually
 * holds a whole /64).
 */
#ifndef TURNPIKE_RATELIMIT_H
#define TURNPIKE_RATELIMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

enum rl_kind {
	RL_ERROR,        /* unauthenticated error answers (400, 401, ...) */
	RL_AUTH_FAIL,    /* failed authentications */
	RL_KINDS
};

/* rate events per period_ms, in bursts of at most burst; rate 0: off. */
struct rl_rate {
	unsigned rate;
	unsigned period_ms;
	unsigned burst;
};

#define RL_DEFAULT_ENTRIES 4096

struct ratelimit;

/**
 * A table of entries sources (rounded down to a multiple of 4, at least
 * 4), hashed with key.
 * @return 0, EINVAL (a rate with period 0 or burst 0), ENOMEM.
 */
int rl_new(struct ratelimit **out, const struct rl_rate rates[RL_KINDS],
	   size_t entries, const uint8_t key[16]);
void rl_free(struct ratelimit *rl);

/** Count one event of kind k from src at now_ms. @return true if it is
 *  within the limit (or the kind is off), false if over: drop it. */
bool rl_take(struct ratelimit *rl, enum rl_kind k, const struct sockaddr *src,
	     uint64_t now_ms);
/** Whether one more event of kind k from src would be over the limit.
 *  Changes nothing, and never creates an entry. */
bool rl_over(const struct ratelimit *rl, enum rl_kind k,
	     const struct sockaddr *src, uint64_t now_ms);

/** Entries in use, and the fixed capacity (memory is capacity-bound). */
size_t rl_used(const struct ratelimit *rl);
size_t rl_capacity(const struct ratelimit *rl);

#endif
