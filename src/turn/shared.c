/**
 * @file shared.c  What the cores of all worker threads share: relay
 * ports, EVEN-PORT reservation tokens, quotas, the per-source limits,
 * session ids and the set of bound relayed addresses.
 *
 * One mutex guards it all but the bound relayed addresses (relayset.c,
 * read without a lock on the packet path). Allocate, Refresh and error
 * answers take the lock for a few hundred nanoseconds.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "relayset.h"
#include "turn_int.h"

#define PORT_TRIES 32

struct turn_shared {
	pthread_mutex_t mu;
	struct portpool *ports[2];        /* [0] IPv4, [1] IPv6 */
	struct relayset *relays;          /* bound relayed addresses */
	struct cidr host[TURN_MAX_HOST_ADDRS]; /* the host's own addresses,
					     set once before the cores */
	size_t nhost;
	uint16_t lo;                      /* the relay range's first port */
	struct turn_token tokens[TURN_MAX_TOKENS];
	struct quota *quota;              /* allocations per username */
	struct quota *anon;               /* scoped ones per source */
	struct ratelimit *rl;             /* NULL: no limits */
	unsigned rates[3];                /* rate-limit, -burst, auth-fail-limit */
	uint8_t key[16];                  /* the table's hash key */
	uint64_t seq;                     /* last session id */
	uint64_t rng;                     /* token values */
};

/* The per-source limits of rate-limit and auth-fail-limit, in *out
 * (NULL when both are off). */
static int
ratelimit_from_conf(const struct turn_shared *sh, const struct conf *c,
		    struct ratelimit **out)
{
	struct rl_rate rates[RL_KINDS] = {
		[RL_ERROR] = { c->rate_limit, 1000, c->rate_limit_burst },
		[RL_AUTH_FAIL] = { c->auth_fail_limit, 60 * 1000,
				   c->auth_fail_limit },
	};

	*out = NULL;
	if (c->rate_limit == 0 && c->auth_fail_limit == 0)
		return 0;
	return rl_new(out, rates, RL_DEFAULT_ENTRIES, sh->key);
}

static void
rates_of(const struct conf *c, unsigned r[3])
{
	r[0] = c->rate_limit;
	r[1] = c->rate_limit_burst;
	r[2] = c->auth_fail_limit;
}

int
turn_shared_new(struct turn_shared **out, const struct conf *conf,
		const uint8_t key[16])
{
	struct turn_shared *sh = calloc(1, sizeof(*sh));
	int err = ENOMEM;

	if (sh == NULL)
		return ENOMEM;
	pthread_mutex_init(&sh->mu, NULL);
	sh->lo = conf->relay_port_min;
	memcpy(sh->key, key, sizeof(sh->key));
	memcpy(&sh->rng, key, sizeof(sh->rng));
	sh->rng |= 1;
	sh->relays = relayset_new(conf->relay_port_min, conf->relay_port_max);
	if (sh->relays == NULL)
		goto fail;
	for (int i = 0; i < 2; i++)
		if (portpool_new(&sh->ports[i], conf->relay_port_min,
				 conf->relay_port_max) != 0)
			goto fail;
	if ((err = quota_new(&sh->quota)) != 0 ||
	    (err = quota_new(&sh->anon)) != 0 ||
	    (err = ratelimit_from_conf(sh, conf, &sh->rl)) != 0)
		goto fail;
	rates_of(conf, sh->rates);
	turn_shared_reconfigure(sh, conf);
	*out = sh;
	return 0;
fail:
	turn_shared_free(sh);
	return err;
}

void
turn_shared_free(struct turn_shared *sh)
{
	if (sh == NULL)
		return;
	quota_free(sh->quota);
	quota_free(sh->anon);
	for (int i = 0; i < 2; i++) {
		portpool_free(sh->ports[i]);
	}
	relayset_free(sh->relays);
	rl_free(sh->rl);
	pthread_mutex_destroy(&sh->mu);
	free(sh);
}

/* Quotas, and new per-source limits: a new table when the rates change
 * (what the old one counted is forgotten; without memory the old one
 * stays). Every worker calls it; the first one does the work. */
void
turn_shared_reconfigure(struct turn_shared *sh, const struct conf *conf)
{
	struct ratelimit *rl;
	unsigned r[3], q[4];

	rates_of(conf, r);
	quota_limits_of(conf, q);
	pthread_mutex_lock(&sh->mu);
	quota_set_limits(sh->quota, q[0], q[1]);
	quota_set_limits(sh->anon, q[3], q[2]);
	if (memcmp(r, sh->rates, sizeof(r)) != 0 &&
	    ratelimit_from_conf(sh, conf, &rl) == 0) {
		rl_free(sh->rl);
		sh->rl = rl;
		memcpy(sh->rates, r, sizeof(r));
	}
	pthread_mutex_unlock(&sh->mu);
}

const struct ratelimit *
turn_shared_rl(const struct turn_shared *sh)
{
	return sh->rl;             /* tests: one thread */
}

unsigned
turn_shared_ports_used(struct turn_shared *sh, int family)
{
	unsigned n;

	pthread_mutex_lock(&sh->mu);
	n = portpool_used(sh->ports[turn_family_index(family)]);
	pthread_mutex_unlock(&sh->mu);
	return n;
}

/* ---- relay ports and reservations (RFC 8656 §7.2) ---- */

static int
port_take_locked(struct turn_shared *sh, int fi, uint32_t hint, bool even,
		 bool reserve, uint16_t *port)
{
	struct portpool *pool = sh->ports[fi];

	for (int i = 0; i < PORT_TRIES; i++) {
		if (portpool_take(pool, hint, even, port) != 0)
			return ENOSPC;
		if (!reserve || portpool_take_exact(pool, *port + 1) == 0)
			return 0;
		portpool_release(pool, *port);
		hint = *port + 2u - sh->lo;
	}
	return ENOSPC;
}

int
turn_sh_port_take(struct turn_shared *sh, int family, uint32_t hint,
		  bool even, bool reserve, uint16_t *port)
{
	int err;

	pthread_mutex_lock(&sh->mu);
	err = port_take_locked(sh, turn_family_index(family), hint, even,
			       reserve, port);
	pthread_mutex_unlock(&sh->mu);
	return err;
}

void
turn_sh_port_release(struct turn_shared *sh, int family, uint16_t port)
{
	pthread_mutex_lock(&sh->mu);
	portpool_release(sh->ports[turn_family_index(family)], port);
	pthread_mutex_unlock(&sh->mu);
}

bool
turn_sh_port_in_use(struct turn_shared *sh, int family, uint16_t port)
{
	bool yes;

	pthread_mutex_lock(&sh->mu);
	yes = portpool_in_use(sh->ports[turn_family_index(family)], port);
	pthread_mutex_unlock(&sh->mu);
	return yes;
}

int
turn_sh_token_redeem(struct turn_shared *sh, uint64_t token, uint64_t now_ms,
		     int *family, uint16_t *port)
{
	int err = ENOENT;

	pthread_mutex_lock(&sh->mu);
	for (int i = 0; token != 0 && i < TURN_MAX_TOKENS; i++) {
		struct turn_token *t = &sh->tokens[i];
		if (t->token != token || t->expires_ms <= now_ms)
			continue;
		*family = t->family;
		*port = t->port;          /* held since the reservation */
		t->token = 0;
		err = 0;
		break;
	}
	pthread_mutex_unlock(&sh->mu);
	return err;
}

uint64_t
turn_sh_token_make(struct turn_shared *sh, int family, uint16_t port,
		   uint64_t expires_ms)
{
	uint64_t v = 0;

	pthread_mutex_lock(&sh->mu);
	for (int i = 0; i < TURN_MAX_TOKENS; i++) {
		struct turn_token *t = &sh->tokens[i];
		if (t->token != 0)
			continue;
		t->token = v = turn_xorshift(&sh->rng) | 1;
		t->family = family;
		t->port = port;
		t->expires_ms = expires_ms;
		break;
	}
	pthread_mutex_unlock(&sh->mu);
	return v;
}

/* Expired reservations give their port back. */
void
turn_sh_tick(struct turn_shared *sh, uint64_t now_ms)
{
	pthread_mutex_lock(&sh->mu);
	for (int i = 0; i < TURN_MAX_TOKENS; i++) {
		struct turn_token *t = &sh->tokens[i];
		if (t->token != 0 && t->expires_ms <= now_ms) {
			portpool_release(sh->ports[turn_family_index(t->family)],
					 t->port);
			t->token = 0;
		}
	}
	pthread_mutex_unlock(&sh->mu);
}

/* ---- bound relayed addresses: relay-to-relay across workers ---- */

void
turn_sh_bound_set(struct turn_shared *sh, const struct sockaddr *a, bool on)
{
	relayset_set(sh->relays, a, on);
}

bool
turn_sh_bound(struct turn_shared *sh, const struct sockaddr *a)
{
	return relayset_has(sh->relays, a);
}

void
turn_shared_set_host(struct turn_shared *sh, const struct cidr *host,
		      size_t n)
{
	sh->nhost = n < TURN_MAX_HOST_ADDRS ? n : TURN_MAX_HOST_ADDRS;
	memcpy(sh->host, host, sh->nhost * sizeof(*host));
}

const struct cidr *
turn_sh_host(const struct turn_shared *sh, size_t *n)
{
	*n = sh->nhost;
	return sh->host;
}

bool
turn_sh_relay_ip(struct turn_shared *sh, const struct sockaddr *a)
{
	return relayset_has_ip(sh->relays, a);
}

bool
turn_sh_bound_at(struct turn_shared *sh, int family, uint16_t port,
		 sockaddr_u *out)
{
	return relayset_at(sh->relays, family, port, out);
}

uint64_t
turn_sh_next_id(struct turn_shared *sh)
{
	uint64_t id;

	pthread_mutex_lock(&sh->mu);
	id = ++sh->seq;
	pthread_mutex_unlock(&sh->mu);
	return id;
}

/* ---- per-source limits ---- */

bool
turn_sh_rl_take(struct turn_shared *sh, enum rl_kind k,
		const struct sockaddr *src, uint64_t now_ms)
{
	bool ok;

	pthread_mutex_lock(&sh->mu);
	ok = sh->rl == NULL || rl_take(sh->rl, k, src, now_ms);
	pthread_mutex_unlock(&sh->mu);
	return ok;
}

bool
turn_sh_rl_over(struct turn_shared *sh, enum rl_kind k,
		const struct sockaddr *src, uint64_t now_ms)
{
	bool over;

	pthread_mutex_lock(&sh->mu);
	over = sh->rl != NULL && rl_over(sh->rl, k, src, now_ms);
	pthread_mutex_unlock(&sh->mu);
	return over;
}

/* ---- quotas (RFC 8656 §7.2: 486 per user; 508 in all) ---- */

int
turn_sh_quota_take(struct turn_shared *sh, const char *user,
		   const struct sockaddr *src)
{
	char key[QUOTA_SRC_MAX];
	int err;

	if (src != NULL)
		quota_src_key(src, key, sizeof(key));
	pthread_mutex_lock(&sh->mu);
	err = quota_take(sh->quota, user);
	if (err == 0 && src != NULL && (err = quota_take(sh->anon, key)) != 0)
		quota_put(sh->quota, user);
	pthread_mutex_unlock(&sh->mu);
	return err;
}

void
turn_sh_quota_put(struct turn_shared *sh, const char *user,
		  const struct sockaddr *src)
{
	char key[QUOTA_SRC_MAX];

	if (src != NULL)
		quota_src_key(src, key, sizeof(key));
	pthread_mutex_lock(&sh->mu);
	quota_put(sh->quota, user);
	if (src != NULL)
		quota_put(sh->anon, key);
	pthread_mutex_unlock(&sh->mu);
}

unsigned
turn_sh_quota_user(struct turn_shared *sh, const char *user)
{
	unsigned n;

	pthread_mutex_lock(&sh->mu);
	n = quota_user(sh->quota, user);
	pthread_mutex_unlock(&sh->mu);
	return n;
}
