/**
 * @file table.c  The allocation table: hashes of 5-tuples and of relayed
 * addresses (one per relay slot, so the second address of a dual
 * allocation is found as fast as the first) and a list of all for sweeps. Quotas are counted across
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

static void
free_buckets(struct alloc_table *t)
{
	free(t->by_ft);
	for (int i = 0; i < ALLOC_MAX_RELAYS; i++)
		free(t->by_relay[i]);
}

static int
alloc_buckets(struct alloc_table *t, size_t n)
{
	int err = 0;

	t->by_ft = calloc(n, sizeof(*t->by_ft));
	for (int i = 0; i < ALLOC_MAX_RELAYS; i++)
		if ((t->by_relay[i] = calloc(n, sizeof(**t->by_relay))) == NULL)
			err = ENOMEM;
	t->nbuckets = n;
	return t->by_ft == NULL ? ENOMEM : err;
}

static void
link_relay(struct alloc_table *t, struct alloc *a, unsigned i)
{
	size_t b = relay_bucket(t, &a->relay[i]);

	a->next_relay[i] = t->by_relay[i][b];
	t->by_relay[i][b] = a;
}

static void
link_hashes(struct alloc_table *t, struct alloc *a)
{
	size_t b = ft_bucket(t, &a->ft);

	a->next_ft = t->by_ft[b];
	t->by_ft[b] = a;
	for (unsigned i = 0; i < a->nrelay; i++)
		link_relay(t, a, i);
}

/* Double the buckets when the chains get long; keeps lookups O(1). */
static void
maybe_grow(struct alloc_table *t)
{
	struct alloc_table n = *t;

	if (t->count < 2 * t->nbuckets)
		return;
	if (alloc_buckets(&n, t->nbuckets * 2) != 0) {
		free_buckets(&n);
		return;                 /* keep working with long chains */
	}
	for (struct alloc *a = t->all; a != NULL; a = a->next)
		link_hashes(&n, a);
	free_buckets(t);
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
	free_buckets(t);
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
	for (unsigned i = 0; i < ALLOC_MAX_RELAYS; i++)
		for (a = t->by_relay[i][relay_bucket(t, &k)]; a != NULL;
		     a = a->next_relay[i])
			if (sau_eq(&a->relay[i], &k))
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

/* The link of chain which (-1: 5-tuples, i: relay[i]) in a. */
static struct alloc **
link_of(struct alloc *a, int which)
{
	return which < 0 ? &a->next_ft : &a->next_relay[which];
}

static void
unlink_chain(struct alloc **head, struct alloc *a, int which)
{
	for (struct alloc **pp = head; *pp != NULL; pp = link_of(*pp, which))
		if (*pp == a) {
			*pp = *link_of(a, which);
			return;
		}
}

int
alloc_add_relay(struct alloc_table *t, struct alloc *a,
		const struct sockaddr *relay, void *handle)
{
	if (a->nrelay >= ALLOC_MAX_RELAYS)
		return ENOSPC;
	sau_set(&a->relay[a->nrelay], relay);
	a->relay_handle[a->nrelay] = handle;
	link_relay(t, a, a->nrelay++);
	return 0;
}

void
alloc_free(struct alloc_table *t, struct alloc *a)
{
	unlink_chain(&t->by_ft[ft_bucket(t, &a->ft)], a, -1);
	for (unsigned i = 0; i < a->nrelay; i++)
		unlink_chain(&t->by_relay[i][relay_bucket(t, &a->relay[i])],
			     a, (int)i);
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
