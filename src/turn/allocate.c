/**
 * @file allocate.c  The Allocate method (RFC 8656 §7.2), in stages:
 * authenticate → parse and validate → quota (create) → open relays →
 * answer. Each stage is short so this method cannot grow into the
 * 250-500 line functions other servers have.
 */
#include <errno.h>
#include <string.h>

#include "log.h"
#include "turn_int.h"

#define RELAY_OPEN_TRIES  32
#define TOKEN_LIFETIME_MS (30 * 1000)   /* RFC 8656 §7.2: ~30 s */
#define PROTO_UDP 17
#define PROTO_TCP 6

struct alloc_req {
	int family[2];
	unsigned nfamily;
	bool dual;                    /* ADDITIONAL-ADDRESS-FAMILY given */
	uint32_t lifetime;
	bool even, reserve;           /* EVEN-PORT and its R bit */
	uint16_t token_port;          /* RESERVATION-TOKEN redeemed: its port */
	bool dont_fragment;
	bool tcp;                     /* RFC 6062 TCP relay */
};

/* UDP relays for everyone; TCP relays (RFC 6062 §5.1) only for clients
 * on a TCP or TLS control connection, and without the UDP-only extras. */
static int
parse_transport(const struct turn_server *s, const struct stun_msg *m,
		const struct turn_pkt *p, struct alloc_req *r)
{
	const struct stun_attr *a = stun_find(m, STUN_A_REQUESTED_TRANSPORT);
	uint8_t proto;

	if (a == NULL || a->len != 4)
		return 400;
	proto = stun_attr_val(m, a)[0];
	if (proto == PROTO_UDP)
		return 0;
	if (proto != PROTO_TCP || s->io->tcp_relay_open == NULL)
		return 442;
	if ((p->tp != TP_TCP && p->tp != TP_TLS) ||
	    stun_find(m, STUN_A_EVEN_PORT) != NULL ||
	    stun_find(m, STUN_A_RESERVATION_TOKEN) != NULL ||
	    stun_find(m, STUN_A_DONT_FRAGMENT) != NULL ||
	    stun_find(m, STUN_A_ADDITIONAL_ADDRESS_FAMILY) != NULL)
		return 400;
	r->tcp = true;
	return 0;
}

static int
parse_family(const struct stun_msg *m, struct alloc_req *r)
{
	const struct stun_attr *raf = stun_find(m, STUN_A_REQUESTED_ADDRESS_FAMILY);
	const struct stun_attr *aaf = stun_find(m, STUN_A_ADDITIONAL_ADDRESS_FAMILY);
	uint8_t v;

	r->family[0] = AF_INET;       /* §7.2: IPv4 unless asked otherwise */
	r->nfamily = 1;
	if (raf != NULL && aaf != NULL)
		return 400;
	if (raf != NULL) {
		if (raf->len != 4)
			return 400;
		v = stun_attr_val(m, raf)[0];
		if (v != 0x01 && v != 0x02)
			return 440;
		r->family[0] = v == 0x02 ? AF_INET6 : AF_INET;
	}
	if (aaf != NULL) {
		/* Only IPv6 may be the additional family (§7.2). */
		if (aaf->len != 4 || stun_attr_val(m, aaf)[0] != 0x02)
			return 400;
		r->family[1] = AF_INET6;
		r->nfamily = 2;
		r->dual = true;
	}
	return 0;
}

/* RFC 8656 §7.2: a RESERVATION-TOKEN names the port+1 an earlier
 * EVEN-PORT R allocation held back. Redeemed here, once; from now on the
 * port is this request's to bind or to give back. */
static int
redeem_token(struct turn_server *s, const uint8_t *v, uint64_t now_ms,
	     struct alloc_req *r)
{
	uint64_t t = 0;

	for (int i = 0; i < 8; i++)
		t = t << 8 | v[i];
	return turn_sh_token_redeem(s->sh, t, now_ms, &r->family[0],
				    &r->token_port);
}

static int
parse_ports(struct turn_server *s, const struct stun_msg *m,
	    const struct turn_pkt *p, struct alloc_req *r)
{
	const struct stun_attr *ep = stun_find(m, STUN_A_EVEN_PORT);
	const struct stun_attr *rt = stun_find(m, STUN_A_RESERVATION_TOKEN);

	if (ep != NULL) {
		if (ep->len != 1 || rt != NULL)
			return 400;
		r->even = true;
		r->reserve = (stun_attr_val(m, ep)[0] & 0x80) != 0;
		/* §7.2 step 8: a reserved port+1 has no meaning for a second
		 * family (and would leak an IPv6 port). */
		if (r->reserve && r->dual)
			return 400;
	}
	if (rt != NULL) {
		if (rt->len != 8 || r->dual ||
		    stun_find(m, STUN_A_REQUESTED_ADDRESS_FAMILY) != NULL)
			return 400;
		if (redeem_token(s, stun_attr_val(m, rt), p->now_ms, r) != 0)
			return 508;
	}
	return 0;
}

static int
parse_request(struct turn_server *s, const struct stun_msg *m,
	      const struct turn_pkt *p, struct alloc_req *r)
{
	const struct stun_attr *a;
	uint32_t want = s->conf->default_lifetime;
	int code;

	memset(r, 0, sizeof(*r));
	if ((code = parse_transport(s, m, p, r)) != 0 ||
	    (code = parse_family(m, r)) != 0 ||
	    (code = parse_ports(s, m, p, r)) != 0)
		return code;
	a = stun_find(m, STUN_A_DONT_FRAGMENT);
	if (a != NULL && a->len != 0)
		return 400;
	r->dont_fragment = a != NULL;
	a = stun_find(m, STUN_A_LIFETIME);
	if (a != NULL && stun_attr_u32(m, a, &want) != 0)
		return 400;
	/* §7.2: at least the default, at most the configured maximum. */
	if (want < s->conf->default_lifetime)
		want = s->conf->default_lifetime;
	if (want > s->conf->max_lifetime)
		want = s->conf->max_lifetime;
	r->lifetime = want;
	return 0;
}

/* The IP to bind a relay of this family on: relay-ips, else the address
 * the request arrived on, else a concrete listen address, else (behind a
 * wildcard listener of that family) one of the host's addresses: an IPv6
 * client of [::] asking no family gets an IPv4 relay (RFC 8656 §7.2: the
 * family is the request's, not the client's). */
static bool
relay_ip_for(const struct turn_server *s, const struct turn_pkt *p,
	     int family, sockaddr_u *out)
{
	int fi = turn_family_index(family);

	if (s->relay_ip[fi].sa.sa_family == family) {
		*out = s->relay_ip[fi];
		return true;
	}
	if (p->local->sa_family == family && !addr_is_any(p->local)) {
		sau_set(out, p->local);
		return true;
	}
	*out = s->listen_ip[fi];
	if (out->sa.sa_family == family)
		return true;
	return turn_host_ip(s, family, p->client, out);
}

static void
set_port(sockaddr_u *a, uint16_t port)
{
	if (a->sa.sa_family == AF_INET)
		a->v4.sin_port = htons(port);
	else
		a->v6.sin6_port = htons(port);
}

static int
open_relay(struct turn_server *s, const struct turn_pkt *p,
	   struct alloc *a, struct alloc_req *r, int family)
{
	sockaddr_u addr;
	void *h;
	uint16_t port;
	int err = ENOSPC;

	if (!relay_ip_for(s, p, family, &addr))
		return EAFNOSUPPORT;
	for (int i = 0; i < RELAY_OPEN_TRIES; i++) {
		if (r->token_port != 0)
			port = r->token_port;     /* held since the reservation */
		else if (turn_sh_port_take(s->sh, family, (uint32_t)turn_rand(s),
					   r->even, r->reserve, &port) != 0)
			return ENOSPC;
		set_port(&addr, port);
		err = r->tcp ? s->io->tcp_relay_open(s->io->arg, &addr.sa, a, &h)
			     : s->io->relay_open(s->io->arg, &addr.sa, a, &h);
		if (err == 0) {
			r->token_port = 0;        /* bound: ours now */
			turn_sh_bound_set(s->sh, &addr.sa, true);
			return alloc_add_relay(s->allocs, a, &addr.sa, h);
		}
		turn_sh_port_release(s->sh, family, port);
		if (r->reserve)
			turn_sh_port_release(s->sh, family, port + 1);
		if (r->token_port != 0) {
			/* The token is spent and its port free again: one
			 * address can never go to two allocations. */
			r->token_port = 0;
			break;
		}
		if (err != EADDRINUSE)
			break;
	}
	return err;
}

static uint16_t
relay_port(const struct alloc *a)
{
	return ntohs(a->relay[0].sa.sa_family == AF_INET ?
		     a->relay[0].v4.sin_port : a->relay[0].v6.sin6_port);
}

/* EVEN-PORT R: port+1 is held under a token; without a free token slot
 * it goes back. */
static uint64_t
make_token(struct turn_server *s, const struct alloc *a, uint64_t now_ms)
{
	int family = a->relay[0].sa.sa_family;
	uint16_t port = (uint16_t)(relay_port(a) + 1);
	uint64_t t;

	t = turn_sh_token_make(s->sh, family, port, now_ms + TOKEN_LIFETIME_MS);
	if (t == 0)
		turn_sh_port_release(s->sh, family, port);
	return t;
}

static void
reply_success(struct turn_server *s, const struct turn_pkt *p,
	      const struct stun_msg *m, const struct auth_result *ar,
	      const struct alloc *a, uint64_t token, const int failed[2])
{
	struct turn_reply r;
	struct sockaddr_storage adv;
	uint8_t aec[4] = { 0x02, 0, 4, 40 };   /* family, 0, class, number */

	turn_reply_begin(&r, m, 200);
	r.auth = ar;
	for (unsigned i = 0; i < a->nrelay; i++) {
		turn_advertised(s, &a->relay[i], &adv);
		stun_enc_addr(&r.enc, STUN_A_XOR_RELAYED_ADDRESS,
			      (struct sockaddr *)&adv, true);
	}
	if (failed != NULL && failed[0] != 0) {
		aec[0] = failed[0] == AF_INET6 ? 0x02 : 0x01;
		aec[2] = (uint8_t)(failed[1] / 100);
		aec[3] = (uint8_t)(failed[1] % 100);
		stun_enc_attr(&r.enc, STUN_A_ADDRESS_ERROR_CODE, aec, 4);
	}
	stun_enc_u32(&r.enc, STUN_A_LIFETIME,
		     (uint32_t)((a->expires_ms - p->now_ms + 999) / 1000));
	if (token != 0) {
		uint8_t tv[8];
		for (int i = 0; i < 8; i++)
			tv[i] = (uint8_t)(token >> (56 - 8 * i));
		stun_enc_attr(&r.enc, STUN_A_RESERVATION_TOKEN, tv, 8);
	}
	stun_enc_addr(&r.enc, STUN_A_XOR_MAPPED_ADDRESS, p->client, true);
	turn_reply_send(s, p, m, &r);
}

static int
create_error(int err)
{
	switch (err) {
	case EEXIST: return 437;
	case EDQUOT: return 486;
	default:     return 508;
	}
}

/* Open every requested family; a dual allocation may lose its second
 * (answered with ADDRESS-ERROR-CODE: 440 when the family is not served,
 * 508 when it is but no port could be had, §7.2), a single one may not. */
static int
open_relays(struct turn_server *s, const struct turn_pkt *p,
	    struct alloc *a, struct alloc_req *r, int failed[2])
{
	int err, code;

	for (unsigned i = 0; i < r->nfamily; i++) {
		err = open_relay(s, p, a, r, r->family[i]);
		if (err == 0)
			continue;
		code = err == EAFNOSUPPORT ? 440 : 508;
		if (i == 0)
			return code;
		failed[0] = r->family[i];
		failed[1] = code;
	}
	return 0;
}

/* A redeemed token whose request failed before binding: spent, and its
 * port free again. */
static void
drop_token(struct turn_server *s, struct alloc_req *r)
{
	if (r->token_port != 0)
		turn_sh_port_release(s->sh, r->family[0], r->token_port);
	r->token_port = 0;
}

void
turn_allocate(struct turn_server *s, const struct turn_pkt *p,
	      const struct stun_msg *m)
{
	struct auth_result ar;
	struct alloc_req r;
	struct five_tuple ft;
	struct alloc *a;
	int code, err, failed[2] = { 0, 0 };
	uint64_t token = 0;
	const struct sockaddr *src;

	if (!turn_authenticate(s, p, m, &ar))
		return;
	turn_ft_of(p, &ft);
	a = alloc_find(s->allocs, &ft);
	if (a != NULL) {
		/* §7.2: a retransmitted Allocate gets the same answer. */
		if (memcmp(a->tid, m->tid + 4, 12) == 0 &&
		    strcmp(a->user, ar.user) == 0)
			reply_success(s, p, m, &ar, a, 0, NULL);
		else
			turn_reply_error(s, p, m, 437, &ar);
		return;
	}
	if ((code = parse_request(s, m, p, &r)) != 0) {
		drop_token(s, &r);
		turn_reply_error(s, p, m, code, &ar);
		return;
	}
	src = ar.relay_only ? p->client : NULL;
	if ((err = turn_sh_quota_take(s->sh, ar.user, src)) == 0 &&
	    (err = alloc_create(s->allocs, &ft, ar.user, r.lifetime,
				p->now_ms, &a)) != 0)
		turn_sh_quota_put(s->sh, ar.user, src);
	if (err != 0) {
		drop_token(s, &r);
		turn_reply_error(s, p, m, create_error(err), &ar);
		return;
	}
	a->conn = p->conn;
	a->dont_fragment = r.dont_fragment;
	a->tcp = r.tcp;
	a->relay_only = ar.relay_only;
	a->id = turn_sh_next_id(s->sh);
	memcpy(a->tid, m->tid + 4, 12);
	if ((code = open_relays(s, p, a, &r, failed)) != 0) {
		turn_alloc_release(s, a);
		turn_reply_error(s, p, m, code, &ar);
		return;
	}
	if (r.reserve)
		token = make_token(s, a, p->now_ms);
	s->stats.allocs_created++;
	turn_log_alloc(a, "alloc.created", r.lifetime, NULL, NULL);
	reply_success(s, p, m, &ar, a, token, failed);
}
