/**
 * @file perm.c  Permissions (RFC 8656 §9) and channels (§12) of one
 * allocation, and the expiry sweep. Small arrays: max-permissions bounds
 * them, and a scan of a few entries beats a hash at these sizes.
 */
#include <errno.h>
#include <stdlib.h>

#include "alloc_int.h"

static int
grow(void **arr, unsigned *cap, unsigned want, size_t elem, unsigned max)
{
	unsigned ncap = *cap ? *cap * 2 : 4;
	void *n;

	if (want <= *cap)
		return 0;
	if (want > max)
		return ENOSPC;
	if (ncap > max)
		ncap = max;
	n = realloc(*arr, (size_t)ncap * elem);
	if (n == NULL)
		return ENOMEM;
	*arr = n;
	*cap = ncap;
	return 0;
}

static struct perm *
perm_find(const struct alloc *a, const sockaddr_u *peer)
{
	for (unsigned i = 0; i < a->nperms; i++)
		if (sau_ip_eq(&a->perms[i].peer, peer))
			return &a->perms[i];
	return NULL;
}

int
perm_install(const struct alloc_table *t, struct alloc *a,
	     const struct sockaddr *peer, uint64_t now_ms)
{
	sockaddr_u k;
	struct perm *p;
	int err;

	sau_set(&k, peer);
	p = perm_find(a, &k);
	if (p == NULL) {
		err = grow((void **)&a->perms, &a->capperms, a->nperms + 1,
			   sizeof(*a->perms), t->lim.max_perms);
		if (err != 0)
			return err;
		p = &a->perms[a->nperms++];
		p->peer = k;
	}
	p->expires_ms = now_ms + ALLOC_PERM_LIFETIME_MS;
	return 0;
}

bool
perm_allows(const struct alloc *a, const struct sockaddr *peer,
	    uint64_t now_ms)
{
	sockaddr_u k;
	const struct perm *p;

	sau_set(&k, peer);
	p = perm_find(a, &k);
	return p != NULL && p->expires_ms > now_ms;
}

const struct chan *
chan_by_num(const struct alloc *a, uint16_t num, uint64_t now_ms)
{
	for (unsigned i = 0; i < a->nchans; i++)
		if (a->chans[i].num == num)
			return a->chans[i].expires_ms > now_ms ? &a->chans[i]
							       : NULL;
	return NULL;
}

const struct chan *
chan_by_peer(const struct alloc *a, const struct sockaddr *peer,
	     uint64_t now_ms)
{
	sockaddr_u k;

	sau_set(&k, peer);
	for (unsigned i = 0; i < a->nchans; i++)
		if (sau_eq(&a->chans[i].peer, &k))
			return a->chans[i].expires_ms > now_ms ? &a->chans[i]
							       : NULL;
	return NULL;
}

/* RFC 8656 §12.1: a channel number stays bound to its peer (and the peer
 * to its number) while the binding lives, and for 5 minutes after
 * (§12.2's guard); we keep expired bindings until the sweep removes
 * them, which only makes rebinding stricter, never looser. */
int
chan_bind(const struct alloc_table *t, struct alloc *a, uint16_t num,
	  const struct sockaddr *peer, uint64_t now_ms)
{
	sockaddr_u k;
	struct chan *c = NULL;
	int err;

	sau_set(&k, peer);
	for (unsigned i = 0; i < a->nchans; i++) {
		bool same_num = a->chans[i].num == num;
		bool same_peer = sau_eq(&a->chans[i].peer, &k);
		if (same_num != same_peer)
			return EBUSY;
		if (same_num)
			c = &a->chans[i];
	}
	/* Room for the channel first: a refused bind installs nothing. */
	if (c == NULL) {
		err = grow((void **)&a->chans, &a->capchans, a->nchans + 1,
			   sizeof(*a->chans), t->lim.max_chans);
		if (err != 0)
			return err;
	}
	err = perm_install(t, a, peer, now_ms);
	if (err != 0)
		return err;
	if (c == NULL) {
		c = &a->chans[a->nchans++];
		c->num = num;
		c->peer = k;
	}
	c->expires_ms = now_ms + ALLOC_CHAN_LIFETIME_MS;
	return 0;
}

static void
prune(struct alloc *a, uint64_t now_ms)
{
	unsigned j = 0;

	for (unsigned i = 0; i < a->nperms; i++)
		if (a->perms[i].expires_ms > now_ms)
			a->perms[j++] = a->perms[i];
	a->nperms = j;
	j = 0;
	/* §12.2: after a channel expires its number and peer may not be
	 * rebound elsewhere for 5 more minutes. */
	for (unsigned i = 0; i < a->nchans; i++)
		if (a->chans[i].expires_ms + ALLOC_PERM_LIFETIME_MS > now_ms)
			a->chans[j++] = a->chans[i];
	a->nchans = j;
}

size_t
alloc_expire(struct alloc_table *t, uint64_t now_ms,
	     alloc_expired_h on_expired, void *arg)
{
	struct alloc *a = t->all, *next;
	size_t n = 0;

	for (; a != NULL; a = next) {
		next = a->next;
		if (a->expires_ms > now_ms) {
			prune(a, now_ms);
			continue;
		}
		if (on_expired != NULL)
			on_expired(a, arg);
		alloc_free(t, a);
		n++;
	}
	return n;
}
