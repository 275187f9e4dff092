/**
 * @file quota.c  Allocations per key and in all, RFC 8656 §7.2 (486 over
 * a key's limit, 508 over the total). Two tables use it (shared.c): every
 * allocation by username (user-quota, off by default; total-quota, by
 * default the relay port count), and the allocations of scoped
 * (anonymous) credentials by source address, an IPv6 source by its /64
 * (anonymous-quota-per-ip, anonymous-quota). Not locked: shared.c holds
 * its mutex around every call.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

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

/*
 * The limits a config means: [0] per user, [1] in all, [2] scoped
 * credentials in all, [3] scoped per source. Defaults (0) follow the
 * relay port range (one port a family per allocation): the total is the
 * range, scoped ones get half of it, and one source at most half of the
 * range whatever is configured, so that a scoped flood leaves room for
 * static users and app credentials.
 */
void
quota_limits_of(const struct conf *c, unsigned out[4])
{
	unsigned ports = (unsigned)c->relay_port_max - c->relay_port_min + 1;
	unsigned half = ports / 2 ? ports / 2 : 1;

	out[0] = c->user_quota;
	out[1] = c->total_quota ? c->total_quota : ports;
	out[2] = c->anon_quota ? c->anon_quota : (out[1] / 2 ? out[1] / 2 : 1);
	out[3] = c->anon_quota_per_ip;
	if (out[3] == 0 || out[3] > out[2])
		out[3] = out[2];
	if (out[3] > half)
		out[3] = half;
}

/* The key of a source (addr_src_key: an IPv6 address by its /64), as
 * text for the table. */
void
quota_src_key(const struct sockaddr *sa, char *out, size_t cap)
{
	uint8_t k[16];

	addr_src_key(sa, k);
	if (inet_ntop(AF_INET6, k, out, (socklen_t)cap) == NULL)
		snprintf(out, cap, "?");
}
