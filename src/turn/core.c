/**
 * @file core.c  The TURN core's state: setup, teardown, the periodic
 * sweep, and helpers every handler shares (authentication, looking up
 * the caller's allocation, releasing one).
 */
#include <errno.h>
#include <string.h>

#include "addr.h"
#include "log.h"
#include "turn_int.h"

int
turn_family_index(int family)
{
	return family == AF_INET6 ? 1 : 0;
}

static void
first_of_family(sockaddr_u slots[2], const struct sockaddr_storage *list,
		size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct sockaddr *sa = (const struct sockaddr *)&list[i];
		sockaddr_u *slot = &slots[turn_family_index(sa->sa_family)];
		if (slot->sa.sa_family == AF_UNSPEC && !addr_is_any(sa))
			sau_set(slot, sa);
	}
}

/* Relay IPs per family: relay-ips; and, for a family the request did not
 * arrive in, a concrete listen address (so an IPv4 client can get an
 * IPv6 relay and back). */
static void
relay_ips_from_conf(struct turn_server *s)
{
	first_of_family(s->relay_ip, s->conf->relay_ip, s->conf->nrelay_ip);
	first_of_family(s->listen_ip, s->conf->listen, s->conf->nlisten);
}

static bool
is_loopback(const struct sockaddr *sa)
{
	static const uint8_t lo6[16] = { [15] = 1 };

	if (sa->sa_family == AF_INET)
		return ((const uint8_t *)&((const struct sockaddr_in *)sa)->sin_addr)[0] == 127;
	return sa->sa_family == AF_INET6 &&
	       memcmp(&((const struct sockaddr_in6 *)sa)->sin6_addr, lo6, 16) == 0;
}

static bool
wildcard_listener(const struct conf *c, int family)
{
	for (size_t i = 0; i < c->nlisten; i++) {
		const struct sockaddr *l = (const struct sockaddr *)&c->listen[i];

		if (l->sa_family == family && addr_is_any(l))
			return true;
	}
	return false;
}

/* A host address (a full-length block) as a sockaddr. */
static void
host_addr(const struct cidr *c, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	ss->ss_family = (sa_family_t)c->family;
	if (c->family == AF_INET)
		memcpy(&((struct sockaddr_in *)ss)->sin_addr, c->ip, 4);
	else
		memcpy(&((struct sockaddr_in6 *)ss)->sin6_addr, c->ip, 16);
}

/* Neither loopback nor IPv6 link-local: a relay address others reach. */
static bool
usable_host_addr(const struct cidr *c, int family)
{
	struct sockaddr_storage ss;

	if (c->family != family)
		return false;
	host_addr(c, &ss);
	return !is_loopback((const struct sockaddr *)&ss) &&
	       !(family == AF_INET6 && c->ip[0] == 0xfe &&
		 (c->ip[1] & 0xc0) == 0x80);
}

bool
turn_host_ip(const struct turn_server *s, int family,
	     const struct sockaddr *client, sockaddr_u *out)
{
	struct sockaddr_storage ss;
	size_t n;
	const struct cidr *h = turn_sh_host(s->sh, &n);

	if (!wildcard_listener(s->conf, family))
		return false;
	if (is_loopback(client)) {
		addr_parse_ip(family == AF_INET ? "127.0.0.1" : "::1", &ss);
		sau_set(out, (const struct sockaddr *)&ss);
		return true;
	}
	for (size_t i = 0; i < n; i++)
		if (usable_host_addr(&h[i], family)) {
			host_addr(&h[i], &ss);
			sau_set(out, (const struct sockaddr *)&ss);
			return true;
		}
	return false;
}

static void
limits_of(const struct conf *conf, struct alloc_limits *lim)
{
	*lim = (struct alloc_limits){
		.max_perms = conf->max_permissions,
		.max_chans = conf->max_permissions,
		/* quotas are counted across workers, in s->sh */
	};
}

static void
policy_of(struct turn_server *s, const struct conf *conf)
{
	size_t nhost;
	const struct cidr *host = turn_sh_host(s->sh, &nhost);

	policy_init(&s->policy, conf, host, nhost);
}

/* Reload: quotas, the peer policy, credentials, lifetimes apply to the
 * next request; allocations, permissions and channels stay. The relay
 * port range and relay addresses are fixed at start (the caller keeps
 * them equal). */
void
turn_server_reconfigure(struct turn_server *s, const struct conf *conf,
			struct auth *auth)
{
	struct alloc_limits lim;

	limits_of(conf, &lim);
	alloc_table_set_limits(s->allocs, &lim);
	s->conf = conf;
	s->auth = auth;
	policy_of(s, conf);
	turn_shared_reconfigure(s->sh, conf);
}

int
turn_server_init_shared(struct turn_server *s, const struct conf *conf,
			const struct turn_io *io, struct auth *auth,
			uint64_t seed, struct turn_shared *sh)
{
	struct alloc_limits lim;
	int err;

	limits_of(conf, &lim);
	memset(s, 0, sizeof(*s));
	s->conf = conf;
	s->io = io;
	s->auth = auth;
	s->sh = sh;
	s->rng = seed ? seed : 0x9E3779B97F4A7C15ull;
	policy_of(s, conf);
	relay_ips_from_conf(s);
	err = alloc_table_new(&s->allocs, &lim);
	if (err != 0)
		turn_server_fini(s);
	return err;
}

/* A single core (tests, fuzzing) with its own shared state, keyed from
 * seed. */
int
turn_server_init(struct turn_server *s, const struct conf *conf,
		 const struct turn_io *io, struct auth *auth, uint64_t seed)
{
	struct turn_shared *sh;
	uint8_t key[16];
	uint64_t x = seed;
	int err;

	for (int i = 0; i < 16; i++) {
		x = x * 6364136223846793005ull + 1442695040888963407ull;
		key[i] = (uint8_t)(x >> 56);
	}
	if ((err = turn_shared_new(&sh, conf, key)) != 0)
		return err;
	err = turn_server_init_shared(s, conf, io, auth, seed, sh);
	if (err != 0) {
		turn_shared_free(sh);
		return err;
	}
	s->own_sh = true;
	return 0;
}

static uint16_t
sau_port(const sockaddr_u *a)
{
	return ntohs(a->sa.sa_family == AF_INET6 ? a->v6.sin6_port
						 : a->v4.sin_port);
}

/* Close an allocation's relay sockets, give their ports back, and its
 * place in the quota. */
static void
close_relays(struct turn_server *s, struct alloc *a)
{
	turn_tcp_drop_alloc(s, a);    /* RFC 6062 §5: its connections too */
	for (unsigned i = 0; i < a->nrelay; i++) {
		if (a->relay_handle[i] != NULL && s->io->relay_close != NULL)
			s->io->relay_close(s->io->arg, a->relay_handle[i]);
		a->relay_handle[i] = NULL;
		turn_sh_bound_set(s->sh, &a->relay[i].sa, false);
		turn_sh_port_release(s->sh, a->relay[i].sa.sa_family,
				     sau_port(&a->relay[i]));
	}
	turn_sh_quota_put(s->sh, a->user, a->relay_only ? &a->ft.client.sa
							: NULL);
}

void
turn_alloc_release(struct turn_server *s, struct alloc *a)
{
	close_relays(s, a);
	alloc_free(s->allocs, a);
}

void
turn_server_fini(struct turn_server *s)
{
	struct alloc *a;

	if (s->allocs != NULL) {
		while ((a = alloc_first(s->allocs)) != NULL)
			turn_alloc_release(s, a);
		alloc_table_free(s->allocs);
		s->allocs = NULL;
	}
	if (s->own_sh)
		turn_shared_free(s->sh);
	s->sh = NULL;
}

static void
on_expired(struct alloc *a, void *arg)
{
	struct turn_server *s = arg;

	s->stats.allocs_expired++;
	turn_log_alloc(a, "alloc.expired", 0, NULL, NULL);
	close_relays(s, a);
}

void
turn_server_tick(struct turn_server *s, uint64_t now_ms)
{
	alloc_expire(s->allocs, now_ms, on_expired, s);
	turn_tcp_tick(s, now_ms);
	turn_sh_tick(s->sh, now_ms);
	if (log_enabled(LOG_LVL_INFO))
		turn_log_auth_flush(s, now_ms);
}

uint64_t
turn_rand(struct turn_server *s)
{
	return turn_xorshift(&s->rng);
}

void
turn_ft_of(const struct turn_pkt *p, struct five_tuple *ft)
{
	memset(ft, 0, sizeof(*ft));
	sau_set(&ft->client, p->client);
	sau_set(&ft->server, p->local);
	ft->proto = (uint8_t)p->tp;
}

/* The live allocation on p's 5-tuple, or NULL. */
static struct alloc *
alloc_here(struct turn_server *s, const struct turn_pkt *p)
{
	struct five_tuple ft;
	struct alloc *a;

	turn_ft_of(p, &ft);
	a = alloc_find(s->allocs, &ft);
	return a != NULL && a->expires_ms > p->now_ms ? a : NULL;
}

static void
auth_dropped(struct turn_server *s, const struct turn_pkt *p,
	     const struct stun_msg *m)
{
	char a[ADDR_STRLEN];

	s->stats.rl_auth_dropped++;
	log_debug("%s from %s: dropped (auth-fail-limit)",
		  stun_method_name(m->method), addr_str(p->client, a, sizeof(a)));
}

/*
 * auth-fail-limit: a source that failed too often is not heard, right
 * password or not, until it falls back under the limit; no answer (an
 * answer would tell a guesser when to resume). Only 401s after a valid
 * nonce count (a nonce is bound to the client's IP, so a forged UDP
 * source cannot present one), and the signed requests of a live
 * allocation's own user on its 5-tuple are still answered: a client
 * behind a NAT shared with a guesser keeps its allocation. Anything
 * else from that 5-tuple is dropped unanswered too.
 */
bool
turn_authenticate(struct turn_server *s, const struct turn_pkt *p,
		  const struct stun_msg *m, struct auth_result *ar)
{
	bool signed_req = m->mi >= 0 || m->mi256 >= 0;
	bool over = signed_req &&
		    turn_sh_rl_over(s->sh, RL_AUTH_FAIL, p->client, p->now_ms);
	struct alloc *own = over ? alloc_here(s, p) : NULL;

	memset(ar, 0, sizeof(*ar));
	if (over && own == NULL) {
		auth_dropped(s, p, m);
		return false;
	}
	if (s->auth == NULL) {
		ar->code = 401;
	} else {
		auth_check(s->auth, m, p->client, p->wall_s, ar);
	}
	if (over && (ar->code != 0 || strcmp(own->user, ar->user) != 0)) {
		auth_dropped(s, p, m);
		return false;
	}
	if (ar->code == 0)
		return true;
	/* RFC 8489 §9.2.4: a signed request with a valid nonce answered
	 * 401 failed: wrong key or unknown user. 438 and 400 are not
	 * guesses. */
	if (signed_req && ar->code == 401) {
		s->stats.auth_failures++;
		(void)turn_sh_rl_take(s->sh, RL_AUTH_FAIL, p->client, p->now_ms);
		turn_log_auth_failed(s, p, m);
	}
	s->stats.auth_fail[ar->code == 400 ? 0 : ar->code == 401 ? 1 : 2]++;
	turn_reply_error(s, p, m, ar->code, NULL);
	return false;
}

struct alloc *
turn_alloc_of(struct turn_server *s, const struct turn_pkt *p,
	      const struct stun_msg *m, const struct auth_result *ar)
{
	struct five_tuple ft;
	struct alloc *a;

	turn_ft_of(p, &ft);
	a = alloc_find(s->allocs, &ft);
	if (a == NULL || a->expires_ms <= p->now_ms) {
		turn_reply_error(s, p, m, 437, ar);
		return NULL;
	}
	/* RFC 8656 §5: later requests must use the Allocate's username. */
	if (strcmp(a->user, ar->user) != 0) {
		turn_reply_error(s, p, m, 441, ar);
		return NULL;
	}
	return a;
}

void
turn_advertised(const struct turn_server *s, const sockaddr_u *bound,
		struct sockaddr_storage *out)
{
	const struct conf *c = s->conf;

	memset(out, 0, sizeof(*out));
	memcpy(out, bound, sizeof(*bound));
	for (size_t i = 0; i < c->nexternal_ip; i++) {
		const struct conf_external_ip *x = &c->external_ip[i];
		const struct sockaddr *pub = (const struct sockaddr *)&x->public_ip;
		sockaddr_u priv;

		if (pub->sa_family != bound->sa.sa_family)
			continue;
		sau_set(&priv, (const struct sockaddr *)&x->private_ip);
		if (priv.sa.sa_family != AF_UNSPEC && !sau_ip_eq(&priv, bound))
			continue;
		if (bound->sa.sa_family == AF_INET)
			((struct sockaddr_in *)out)->sin_addr =
				((const struct sockaddr_in *)pub)->sin_addr;
		else
			((struct sockaddr_in6 *)out)->sin6_addr =
				((const struct sockaddr_in6 *)pub)->sin6_addr;
		return;
	}
}

bool
turn_conn_has_alloc(struct turn_server *s, const struct turn_pkt *p)
{
	struct five_tuple ft;
	struct alloc *a;

	turn_ft_of(p, &ft);
	a = alloc_find(s->allocs, &ft);
	return a != NULL && a->conn == p->conn;
}

void
turn_conn_closed(struct turn_server *s, const struct turn_pkt *p)
{
	struct five_tuple ft;
	struct alloc *a;

	turn_ft_of(p, &ft);
	a = alloc_find(s->allocs, &ft);
	if (a != NULL && a->conn == p->conn) {
		s->stats.allocs_deleted++;
		turn_log_alloc(a, "alloc.deleted", 0, "reason",
			       "connection closed");
		turn_alloc_release(s, a);
	}
}

void
turn_alloc_counts(struct turn_server *s, uint64_t out[4][3])
{
	memset(out, 0, 4 * sizeof(*out));
	for (struct alloc *a = alloc_first(s->allocs); a != NULL; a = a->next) {
		unsigned tp = a->ft.proto < 4 ? a->ft.proto : TP_UDP;
		unsigned fam = a->nrelay > 1 ? 2 :
			       a->nrelay == 1 ? (unsigned)turn_family_index(
				       a->relay[0].sa.sa_family) : 0;

		out[tp][fam]++;
	}
}
