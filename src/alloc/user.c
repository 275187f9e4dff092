/**
 * @file user.c  Allocations per username, for the per-user quota.
 */
#include <stdlib.h>
#include <string.h>

#include "alloc_int.h"

static struct ucount **
ucount_slot(const struct alloc_table *t, const char *user)
{
	struct ucount **pp = &t->by_user[str_hash(user) & (t->nbuckets - 1)];

	while (*pp != NULL && strcmp((*pp)->user, user) != 0)
		pp = &(*pp)->next;
	return pp;
}

unsigned
alloc_user_count(const struct alloc_table *t, const char *user)
{
	struct ucount *u = *ucount_slot(t, user);

	return u != NULL ? u->n : 0;
}

/* delta +1 on create, -1 on free; an entry at zero is removed. Failure to
 * allocate an entry only loses quota accounting for that user. */
void
ucount_add(struct alloc_table *t, const char *user, int delta)
{
	struct ucount **pp = ucount_slot(t, user), *u = *pp;

	if (u == NULL) {
		if (delta < 0 || (u = calloc(1, sizeof(*u))) == NULL)
			return;
		if ((u->user = strdup(user)) == NULL) {
			free(u);
			return;
		}
		*pp = u;
	}
	u->n = (unsigned)((int)u->n + delta);
	if (u->n == 0) {
		*pp = u->next;
		free(u->user);
		free(u);
	}
}
