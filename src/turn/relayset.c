/**
 * @file relayset.c  Bound relayed addresses by port, read lock-free.
 *
 * A server binds its relays on a handful of IPs (relay-ips, or the local
 * addresses requests arrive on). Each distinct IP gets an entry in an
 * append-only table, published with a release store and never changed
 * after; each port of the relay range holds, per family, one byte: the
 * entry's index + 1, or 0 when no relay is bound there. A reader loads
 * the byte (acquire) and compares against an entry that can no longer
 * change. A relay bound while the table is full (255 distinct IPs) is
 * not recorded: it loses only the relay-to-relay exemption.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "relayset.h"

#define MAX_IPS 255

struct relayset {
	pthread_mutex_t mu;               /* writers: appends and slots */
	uint16_t lo, hi;
	_Atomic unsigned nips;
	sockaddr_u ips[MAX_IPS];          /* port 0; set before published */
	_Atomic uint8_t *slot[2];         /* [family index][port - lo] */
};

static int
fam(int family)
{
	return family == AF_INET6 ? 1 : 0;
}

struct relayset *
relayset_new(uint16_t lo, uint16_t hi)
{
	struct relayset *rs = calloc(1, sizeof(*rs));
	size_t n = (size_t)hi - lo + 1;

	if (rs == NULL)
		return NULL;
	pthread_mutex_init(&rs->mu, NULL);
	rs->lo = lo;
	rs->hi = hi;
	for (int i = 0; i < 2; i++)
		if ((rs->slot[i] = calloc(n, sizeof(*rs->slot[i]))) == NULL) {
			relayset_free(rs);
			return NULL;
		}
	return rs;
}

void
relayset_free(struct relayset *rs)
{
	if (rs == NULL)
		return;
	free(rs->slot[0]);
	free(rs->slot[1]);
	pthread_mutex_destroy(&rs->mu);
	free(rs);
}

/* a's port slot; NULL when a is no relay address of the range. */
static _Atomic uint8_t *
slot_of(const struct relayset *rs, const struct sockaddr *a)
{
	uint16_t port;

	if (a->sa_family != AF_INET && a->sa_family != AF_INET6)
		return NULL;
	port = addr_port(a);
	if (port < rs->lo || port > rs->hi)
		return NULL;
	return &rs->slot[fam(a->sa_family)][port - rs->lo];
}

/* The entry for a's IP (index + 1), appended if new; 0 when full.
 * Under rs->mu. */
static uint8_t
ip_index(struct relayset *rs, const struct sockaddr *a)
{
	unsigned n = atomic_load_explicit(&rs->nips, memory_order_relaxed);
	sockaddr_u ip;

	sau_set(&ip, a);
	if (ip.sa.sa_family == AF_INET)
		ip.v4.sin_port = 0;
	else
		ip.v6.sin6_port = 0;
	for (unsigned i = 0; i < n; i++)
		if (rs->ips[i].sa.sa_family == ip.sa.sa_family &&
		    sau_ip_eq(&rs->ips[i], &ip))
			return (uint8_t)(i + 1);
	if (n == MAX_IPS)
		return 0;
	rs->ips[n] = ip;
	atomic_store_explicit(&rs->nips, n + 1, memory_order_release);
	return (uint8_t)(n + 1);
}

void
relayset_set(struct relayset *rs, const struct sockaddr *a, bool on)
{
	_Atomic uint8_t *slot = slot_of(rs, a);

	if (slot == NULL)
		return;
	pthread_mutex_lock(&rs->mu);
	atomic_store_explicit(slot, on ? ip_index(rs, a) : 0,
			      memory_order_release);
	pthread_mutex_unlock(&rs->mu);
}

bool
relayset_at(const struct relayset *rs, int family, uint16_t port,
	    sockaddr_u *out)
{
	uint8_t v;

	if (port < rs->lo || port > rs->hi ||
	    (family != AF_INET && family != AF_INET6))
		return false;
	v = atomic_load_explicit(&rs->slot[fam(family)][port - rs->lo],
				 memory_order_acquire);
	if (v == 0)
		return false;
	*out = rs->ips[v - 1];
	if (family == AF_INET)
		out->v4.sin_port = htons(port);
	else
		out->v6.sin6_port = htons(port);
	return true;
}

bool
relayset_has(const struct relayset *rs, const struct sockaddr *a)
{
	sockaddr_u b, k;

	if (slot_of(rs, a) == NULL ||
	    !relayset_at(rs, a->sa_family, addr_port(a), &b))
		return false;
	sau_set(&k, a);
	return sau_ip_eq(&b, &k);
}

bool
relayset_has_ip(const struct relayset *rs, const struct sockaddr *a)
{
	unsigned n = atomic_load_explicit(&rs->nips, memory_order_acquire);
	sockaddr_u k;

	sau_set(&k, a);
	for (unsigned i = 0; i < n; i++)
		if (rs->ips[i].sa.sa_family == k.sa.sa_family &&
		    sau_ip_eq(&rs->ips[i], &k))
			return true;
	return false;
}
