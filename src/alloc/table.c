/**
 * @file table.c  The allocation table: two hashes (5-tuple, relayed
 * address) and a list of all for sweeps. Quotas are counted across
 * workers, in src/turn/quota.c.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "alloc_int.h"

#define INITIAL_BUCKETS 256

static size_t
ft_bucket(const struct alloc_table *t, const struct five_tuple *ft)
{
	uint32_t h = sau_hash(&ft->client, 2166136261u);

	h = sau_hash(&ft->server, h) ^ ft->proto;
	return h & (t->nbuckets - 1);
}

static size_t
relay_bucket(const struct alloc_table *t, const sockaddr_u *a)
{
	return sau_hash(a, 2166136261u) & (t->nbuckets - 1);
}

static bool
ft_eq(const struct five_tuple *a, const struct five_tuple *b)
{
	return a->proto == b->proto && sau_eq(&a->client, &b->client) &&
	       sau_eq(&a->server, &b->server);
}

static int
alloc_buckets(struct alloc_table *t, size_t n)
{
	t->by_ft = calloc(n, sizeof(*t->by_ft));
	t->by_relay = calloc(n, sizeof(*t->by_relay));
	t->nbuckets = n;
	if (t->by_ft == NULL || t->by_relay == NULL)
		return ENOMEM;
	return 0;
}

static void
link_hashes(struct alloc_table *t, struct alloc *a)
{
	size_t b = ft_bucket(t, &a->ft);

	a->next_ft = t->by_ft[b];
	t->by_ft[b] = a;
	if (a->nrelay > 0) {
		/* Dual allocations are chained under their first address;
		 * alloc_by_relay scans for the second (rare). */
		b = relay_bucket(t, &a->relay[0]);
		a->next_relay = t->by_relay[b];
		t->by_relay[b] = a;
	}
}

/* Double the buckets when the chains get long; keeps lookups O(1). */
static void
maybe_grow(struct alloc_table *t)
{
	struct alloc_table n = *t;

	if (t->count < 2 * t->nbuckets)
		return;
	if (alloc_buckets(&n, t->nbuckets * 2) != 0) {
		free(n.by_ft); free(n.by_relay);
		return;                 /* keep working with long chains */
	}
	for (struct alloc *a = t->all; a != NULL; a = a->next)
		link_hashes(&n, a);
	free(t->by_ft); free(t->by_relay);
	*t = n;
}

void
alloc_table_set_limits(struct alloc_table *t, const struct alloc_limits *l)
{
	t->lim = *l;
}

int
alloc_table_new(struct alloc_table **out, const struct alloc_limits *l)
{
	struct alloc_table *t = calloc(1, sizeof(*t));

	if (t == NULL)
		return ENOMEM;
	t->lim = *l;
	if (alloc_buckets(t, INITIAL_BUCKETS) != 0) {
		alloc_table_free(t);
		return ENOMEM;
	}
	*out = t;
	return 0;
}

void
alloc_table_free(struct alloc_table *t)
{
	if (t == NULL)
		return;
	while (t->all != NULL)
		alloc_free(t, t->all);
	free(t->by_ft);
	free(t->by_relay);
	free(t);
}

size_t
alloc_count(const struct alloc_table *t)
{
	return t->count;
}

struct alloc *
alloc_first(struct alloc_table *t)
{
	return t->all;
}

struct alloc *
alloc_find(const struct alloc_table *t, const struct five_tuple *ft)
{
	struct alloc *a = t->by_ft[ft_bucket(t, ft)];

	while (a != NULL && !ft_eq(&a->ft, ft))
		a = a->next_ft;
	return a;
}

struct alloc *
alloc_by_relay(const struct alloc_table *t, const struct sockaddr *addr)
{
	sockaddr_u k;
	struct alloc *a;

	sau_set(&k, addr);
	a = t->by_relay[relay_bucket(t, &k)];
	for (; a != NULL; a = a->next_relay)
		if (sau_eq(&a->relay[0], &k))
			return a;
	/* The second address of a dual allocation: rare, scan. */
	for (a = t->all; a != NULL; a = a->next)
		if (a->nrelay > 1 && sau_eq(&a->relay[1], &k))
			return a;
	return NULL;
}

int
alloc_create(struct alloc_table *t, const struct five_tuple *ft,
	     const char *user, uint32_t lifetime_s, uint64_t now_ms,
	     struct alloc **out)
{
	struct alloc *a;

	if (alloc_find(t, ft) != NULL)
		return EEXIST;
	a = calloc(1, sizeof(*a));
	if (a == NULL || (a->user = strdup(user)) == NULL) {
		free(a);
		return ENOMEM;
	}
	a->ft = *ft;
	alloc_refresh(a, lifetime_s, now_ms);
	maybe_grow(t);
	link_hashes(t, a);
	a->next = t->all;
	if (t->all != NULL)
		t->all->prev = a;
	t->all = a;
	t->count++;
	*out = a;
	return 0;
}

static void
unlink_chain(struct alloc **head, struct alloc *a, bool relay)
{
	for (struct alloc **pp = head; *pp != NULL;
	     pp = relay ? &(*pp)->next_relay : &(*pp)->next_ft)
		if (*pp == a) {
			*pp = relay ? a->next_relay : a->next_ft;
			return;
		}
}

int
alloc_add_relay(struct alloc_table *t, struct alloc *a,
		const struct sockaddr *relay, void *handle)
{
	size_t b;

	if (a->nrelay >= ALLOC_MAX_RELAYS)
		return ENOSPC;
	sau_set(&a->relay[a->nrelay], relay);
	a->relay_handle[a->nrelay] = handle;
	if (a->nrelay++ == 0) {
		b = relay_bucket(t, &a->relay[0]);
		a->next_relay = t->by_relay[b];
		t->by_relay[b] = a;
	}
	return 0;
}

void
alloc_free(struct alloc_table *t, struct alloc *a)
{
	unlink_chain(&t->by_ft[ft_bucket(t, &a->ft)], a, false);
	if (a->nrelay > 0)
		unlink_chain(&t->by_relay[relay_bucket(t, &a->relay[0])], a,
			     true);
	if (a->prev != NULL)
		a->prev->next = a->next;
	else
		t->all = a->next;
	if (a->next != NULL)
		a->next->prev = a->prev;
	t->count--;
	free(a->user);
	free(a->perms);
	free(a->chans);
	free(a);
}

void
alloc_refresh(struct alloc *a, uint32_t lifetime_s, uint64_t now_ms)
{
	a->expires_ms = now_ms + (uint64_t)lifetime_s * 1000;
}
