/**
 * @file quota.c  Allocations per username and in all, for user-quota
 * (486) and total-quota (508), RFC 8656 §7.2. Not locked: shared.c
 * holds its mutex around every call.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "turn_int.h"

#define BUCKETS0 256

struct ucount {
	char *user;
	unsigned n;
	struct ucount *next;
};

struct quota {
	struct ucount **b;
	size_t nbuckets, nusers, total;
	unsigned user_max, total_max;     /* 0: none */
};

static uint32_t
hash(const char *s)
{
	uint32_t h = 2166136261u;

	while (*s != '\0')
		h = (h ^ (uint8_t)*s++) * 16777619u;
	return h;
}

int
quota_new(struct quota **out)
{
	struct quota *q = calloc(1, sizeof(*q));

	if (q == NULL || (q->b = calloc(BUCKETS0, sizeof(*q->b))) == NULL) {
		free(q);
		return ENOMEM;
	}
	q->nbuckets = BUCKETS0;
	*out = q;
	return 0;
}

void
quota_free(struct quota *q)
{
	struct ucount *u, *next;

	if (q == NULL)
		return;
	for (size_t i = 0; i < q->nbuckets; i++)
		for (u = q->b[i]; u != NULL; u = next) {
			next = u->next;
			free(u->user);
			free(u);
		}
	free(q->b);
	free(q);
}

void
quota_set_limits(struct quota *q, unsigned user_max, unsigned total_max)
{
	q->user_max = user_max;
	q->total_max = total_max;
}

static struct ucount **
slot(const struct quota *q, const char *user)
{
	struct ucount **pp = &q->b[hash(user) & (q->nbuckets - 1)];

	while (*pp != NULL && strcmp((*pp)->user, user) != 0)
		pp = &(*pp)->next;
	return pp;
}

/* Double the buckets when chains get long (REST names are all
 * different: one entry per allocation). */
static void
maybe_grow(struct quota *q)
{
	size_t n = q->nbuckets * 2;
	struct ucount **nb, *u, *next;

	if (q->nusers < 2 * q->nbuckets || (nb = calloc(n, sizeof(*nb))) == NULL)
		return;
	for (size_t i = 0; i < q->nbuckets; i++)
		for (u = q->b[i]; u != NULL; u = next) {
			next = u->next;
			u->next = nb[hash(u->user) & (n - 1)];
			nb[hash(u->user) & (n - 1)] = u;
		}
	free(q->b);
	q->b = nb;
	q->nbuckets = n;
}

unsigned
quota_user(const struct quota *q, const char *user)
{
	const struct ucount *u = *slot(q, user);

	return u != NULL ? u->n : 0;
}

int
quota_take(struct quota *q, const char *user)
{
	struct ucount **pp, *u;

	if (q->total_max != 0 && q->total >= q->total_max)
		return ENOSPC;
	pp = slot(q, user);
	u = *pp;
	if (q->user_max != 0 && u != NULL && u->n >= q->user_max)
		return EDQUOT;
	if (u == NULL) {
		if ((u = calloc(1, sizeof(*u))) == NULL ||
		    (u->user = strdup(user)) == NULL) {
			free(u);
			return ENOMEM;
		}
		*pp = u;
		q->nusers++;
	}
	u->n++;
	q->total++;
	maybe_grow(q);
	return 0;
}

void
quota_put(struct quota *q, const char *user)
{
	struct ucount **pp = slot(q, user), *u = *pp;

	if (u == NULL)
		return;
	q->total--;
	if (--u->n == 0) {
		*pp = u->next;
		free(u->user);
		free(u);
		q->nusers--;
	}
}
