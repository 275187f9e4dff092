/**
 * @file relayset.h  The relayed addresses bound by every worker, by port:
 * what the relay-to-relay exemption and the external-ip mapping ask on
 * the packet path, without a lock.
 */
#ifndef TURNPIKE_RELAYSET_H
#define TURNPIKE_RELAYSET_H

#include <stdbool.h>
#include <stdint.h>

#include "alloc.h"

struct relayset;

/* A set for relay ports lo..hi; NULL when out of memory. */
struct relayset *relayset_new(uint16_t lo, uint16_t hi);
void relayset_free(struct relayset *rs);
/* Record (on) or forget a relay bound on a. Writers are serialised by
 * the caller or by the set's own lock (it takes one); readers never. */
void relayset_set(struct relayset *rs, const struct sockaddr *a, bool on);
/* Whether a relay was ever bound on a's IP (any port). */
bool relayset_has_ip(const struct relayset *rs, const struct sockaddr *a);
/* Whether a relay is bound on exactly a (IP and port). */
bool relayset_has(const struct relayset *rs, const struct sockaddr *a);
/* The address of the relay bound on port in family, in *out; false when
 * there is none. */
bool relayset_at(const struct relayset *rs, int family, uint16_t port,
		 sockaddr_u *out);

#endif
