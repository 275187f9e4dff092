/**
 * @file peer.c  The data path: Send indications and ChannelData from the
 * client (RFC 8656 §11.2, §12.6), datagrams from peers back to it
 * (§11.3, §12.5), relay-to-relay delivery inside the server, and the
 * peer address checks every method shares.
 *
 * No malloc and no logging per packet: counters only.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "turn_int.h"

#define MAX_DGRAM 65536

/* The bound relayed addresses peer may name, one per call: peer itself
 * (*it 0), then, where peer's IP is an external-ip public address, the
 * private address behind it (for a PUBLIC without one, the relay bound
 * on peer's port). False when there are no more. */
static bool
relay_candidate(const struct turn_server *s, const struct sockaddr *peer,
		size_t *it, sockaddr_u *k)
{
	const struct conf *c = s->conf;
	size_t n = (*it)++;
	sockaddr_u pub;

	if (n == 0) {
		sau_set(k, peer);
		return true;
	}
	for (size_t i = n - 1; i < c->nexternal_ip; i++) {
		sau_set(&pub, (const struct sockaddr *)&c->external_ip[i].public_ip);
		sau_set(k, peer);
		if (!sau_ip_eq(&pub, k))
			continue;
		sau_set(k, (const struct sockaddr *)&c->external_ip[i].private_ip);
		if (k->sa.sa_family == AF_UNSPEC) {
			/* PUBLIC alone stands for every relay IP of its
			 * family; a port is one relay's in a family, on
			 * whichever local IP it is bound (no lock). */
			if (!turn_sh_bound_at(s->sh, peer->sa_family,
					      addr_port(peer), k))
				continue;
			*it = i + 2;
			return true;
		}
		if (k->sa.sa_family != peer->sa_family)
			continue;
		if (k->sa.sa_family == AF_INET)
			k->v4.sin_port = ((const struct sockaddr_in *)peer)->sin_port;
		else
			k->v6.sin6_port = ((const struct sockaddr_in6 *)peer)->sin6_port;
		*it = i + 2;
		return true;
	}
	*it = c->nexternal_ip + 1;
	return false;
}

/* This worker's allocation whose relayed address (bound or advertised
 * through external-ip) is peer, or NULL. */
static struct alloc *
own_relay(const struct turn_server *s, const struct sockaddr *peer)
{
	struct alloc *a = NULL;
	sockaddr_u k;
	size_t it = 0;

	while (a == NULL && relay_candidate(s, peer, &it, &k))
		a = alloc_by_relay(s->allocs, &k.sa);
	return a;
}

/* Whether peer names a relayed address bound by any worker (from it:
 * 0 all spellings, 1 external-ip ones only); *k is the bound address. */
static bool
any_relay(const struct turn_server *s, const struct sockaddr *peer,
	  size_t it, sockaddr_u *k)
{
	while (relay_candidate(s, peer, &it, k))
		if (turn_sh_bound(s->sh, &k->sa))
			return true;
	return false;
}

/* Whether peer's IP is one this server relays on: a relayed address's
 * IP (any worker) or an external-ip public address. */
static bool
relay_ip(const struct turn_server *s, const struct sockaddr *peer)
{
	const struct conf *c = s->conf;
	sockaddr_u k, pub;

	if (turn_sh_relay_ip(s->sh, peer))
		return true;
	sau_set(&k, peer);
	for (size_t i = 0; i < c->nexternal_ip; i++) {
		sau_set(&pub, (const struct sockaddr *)&c->external_ip[i].public_ip);
		if (pub.sa.sa_family == k.sa.sa_family && sau_ip_eq(&pub, &k))
			return true;
	}
	return false;
}

/* The peer policy, with relay-to-relay between two allocations always
 * allowed (on any worker: the shared set is asked only when the policy
 * says no). A relay-only allocation (a scoped credential) may reach
 * nothing else: its IP-only permissions name a relay IP, its datagrams
 * a bound relayed address. */
static bool
peer_allowed(const struct turn_server *s, const struct alloc *al,
	     const struct sockaddr *peer, bool ip_only,
	     enum policy_verdict *v)
{
	sockaddr_u k;

	if (al->relay_only) {
		*v = POLICY_DENY_SCOPE;
		if (ip_only)
			return relay_ip(s, peer);
	} else {
		*v = ip_only ? policy_check_ip(&s->policy, peer)
			     : policy_check(&s->policy, peer);
		if (*v == POLICY_ALLOW)
			return true;
	}
	return own_relay(s, peer) != NULL || any_relay(s, peer, 0, &k);
}

static bool
has_family(const struct alloc *a, int family)
{
	for (unsigned i = 0; i < a->nrelay; i++)
		if (a->relay[i].sa.sa_family == family)
			return true;
	return false;
}

int
turn_peer_addr(struct turn_server *s, struct alloc *al,
	       const struct stun_msg *m, const struct stun_attr *a,
	       bool any_port, struct sockaddr_storage *peer)
{
	enum policy_verdict v;
	char buf[ADDR_STRLEN];
	bool no_port;

	if (stun_attr_addr(m, a, true, peer) != 0)
		return 400;
	no_port = addr_port((struct sockaddr *)peer) == 0;
	if (no_port && !any_port)
		return 400;
	if (!has_family(al, peer->ss_family))
		return 443;
	if (peer_allowed(s, al, (struct sockaddr *)peer, no_port, &v))
		return 0;
	s->stats.peer_denied++;
	if (!al->denied_logged) {
		al->denied_logged = true;
		char why[ADDR_STRLEN + 48];

		snprintf(why, sizeof(why), "%s (%s)",
			 addr_str((struct sockaddr *)peer, buf, sizeof(buf)),
			 policy_verdict_name(v));
		turn_log_alloc(al, "alloc.denied", 0, "peer", why);
	}
	return 403;
}

static void *
relay_handle_for(const struct alloc *a, int family, sockaddr_u **bound)
{
	for (unsigned i = 0; i < a->nrelay; i++)
		if (a->relay[i].sa.sa_family == family) {
			*bound = (sockaddr_u *)&a->relay[i];
			return a->relay_handle[i];
		}
	return NULL;
}

/* Deliver inside the server: the target sees the datagram coming from
 * our relayed address as its client knows it (the advertised one). */
static void
deliver_inside(struct turn_server *s, struct alloc *to,
	       const sockaddr_u *from_bound, const uint8_t *data, size_t len,
	       uint64_t now_ms)
{
	static _Thread_local uint8_t buf[TURN_PEER_HEADROOM + MAX_DGRAM +
					 TURN_PEER_TAILROOM];
	struct sockaddr_storage from;

	turn_advertised(s, from_bound, &from);
	memcpy(buf + TURN_PEER_HEADROOM, data, len);
	s->stats.relay_internal++;
	turn_on_peer(s, to, (struct sockaddr *)&from,
		     buf + TURN_PEER_HEADROOM, len, now_ms);
}

void
turn_relay_out(struct turn_server *s, struct alloc *a,
	       const struct sockaddr *peer, const uint8_t *data, size_t len,
	       uint64_t now_ms)
{
	sockaddr_u *bound = NULL, k;
	void *h = relay_handle_for(a, peer->sa_family, &bound);
	struct alloc *to;

	if (h == NULL || a->tcp)      /* TCP relays carry no datagrams */
		return;
	if (!alloc_bw_take(a, 0, len, s->conf->max_bps, now_ms)) {
		s->stats.bw_drops++;
		return;
	}
	a->pkts_out++;
	a->bytes_out += len;
	s->stats.relay_pkts_out++;
	s->stats.relay_bytes_out += len;
	to = own_relay(s, peer);
	if (to != NULL) {
		deliver_inside(s, to, bound, data, len, now_ms);
		return;
	}
	/* Another worker's relay behind an external-ip public address: the
	 * kernel delivers to the private address it is bound on. */
	if (s->conf->nexternal_ip > 0 && any_relay(s, peer, 1, &k))
		peer = &k.sa;
	/* A failed send (ENETUNREACH, ICMP errors) is counted, never fatal:
	 * browsers probe unreachable addresses during ICE. */
	if (s->io->relay_send(s->io->arg, h, peer, data, len) != 0) {
		a->send_errors++;
		s->stats.relay_send_errors++;
	}
}

void
turn_send_indication(struct turn_server *s, const struct turn_pkt *p,
		     const struct stun_msg *m)
{
	const struct stun_attr *pa = stun_find(m, STUN_A_XOR_PEER_ADDRESS);
	const struct stun_attr *da = stun_find(m, STUN_A_DATA);
	struct sockaddr_storage peer;
	struct five_tuple ft;
	struct alloc *a;
	enum policy_verdict v;

	turn_ft_of(p, &ft);
	a = alloc_find(s->allocs, &ft);
	if (a == NULL || pa == NULL || da == NULL ||
	    stun_attr_addr(m, pa, true, &peer) != 0) {
		s->stats.ignored++;
		return;
	}
	if (!perm_allows(a, (struct sockaddr *)&peer, p->now_ms) ||
	    !peer_allowed(s, a, (struct sockaddr *)&peer, false, &v)) {
		/* The permission is per IP: the port must pass the policy
		 * too (no sending to the server's own ports). */
		s->stats.no_perm_drops++;
		return;
	}
	s->stats.ind_out++;
	turn_relay_out(s, a, (struct sockaddr *)&peer, stun_attr_val(m, da),
		       da->len, p->now_ms);
}

void
turn_on_chandata(struct turn_server *s, const struct turn_pkt *p,
		 const uint8_t *buf, size_t len)
{
	struct chandata cd;
	struct five_tuple ft;
	struct alloc *a;
	const struct chan *c;
	enum policy_verdict v;

	if (chandata_decode(&cd, buf, len) != 0) {
		s->stats.malformed++;
		return;
	}
	turn_ft_of(p, &ft);
	a = alloc_find(s->allocs, &ft);
	c = a != NULL ? chan_by_num(a, cd.chan, p->now_ms) : NULL;
	/* The policy again, as for Send: a channel bound to another
	 * allocation's relayed address outlives that allocation. */
	if (c == NULL || !perm_allows(a, &c->peer.sa, p->now_ms) ||
	    !peer_allowed(s, a, &c->peer.sa, false, &v)) {
		s->stats.no_perm_drops++;
		return;
	}
	s->stats.chandata_out++;
	turn_relay_out(s, a, &c->peer.sa, cd.data, cd.len, p->now_ms);
}

/* Data indication built in place in the headroom before data. */
static size_t
build_data_ind(struct turn_server *s, const struct sockaddr *peer,
	       uint8_t *data, size_t len, uint8_t **start)
{
	uint8_t tid[16] = { 0x21, 0x12, 0xA4, 0x42 };
	size_t alen = peer->sa_family == AF_INET ? 12 : 24;
	size_t hlen = STUN_HDR_LEN + alen + 4, pad = (4 - (len & 3)) & 3;
	struct stun_enc e;
	uint64_t r = turn_rand(s);
	size_t l1;
	uint8_t *h = data - hlen;

	memcpy(tid + 4, &r, 8);
	memcpy(tid + 12, &s->rng, 4);
	stun_enc_begin(&e, h, hlen - 4, STUN_DATA, STUN_INDICATION, tid);
	stun_enc_addr(&e, STUN_A_XOR_PEER_ADDRESS, peer, true);
	if (stun_enc_finish(&e, &l1) != 0)
		return 0;
	h[l1] = STUN_A_DATA >> 8;
	h[l1 + 1] = STUN_A_DATA & 0xFF;
	h[l1 + 2] = (uint8_t)(len >> 8);
	h[l1 + 3] = (uint8_t)len;
	memset(data + len, 0, pad);
	h[2] = (uint8_t)((l1 - STUN_HDR_LEN + 4 + len + pad) >> 8);
	h[3] = (uint8_t)(l1 - STUN_HDR_LEN + 4 + len + pad);
	*start = h;
	return hlen + len + pad;
}

void
turn_on_peer(struct turn_server *s, struct alloc *a,
	     const struct sockaddr *peer, uint8_t *buf, size_t len,
	     uint64_t now_ms)
{
	const struct chan *c;
	uint8_t *start = buf - 4;
	size_t out;
	struct sockaddr_storage adv;

	if (len <= 65535 - 48 && !perm_allows(a, peer, now_ms) &&
	    s->conf->nexternal_ip > 0 && turn_sh_bound(s->sh, peer)) {
		/* Another worker's relay sent it from its bound address; its
		 * client knows it, and permits it, by the advertised one. */
		sockaddr_u b;
		sau_set(&b, peer);
		turn_advertised(s, &b, &adv);
		peer = (struct sockaddr *)&adv;
	}
	if (len > 65535 - 48 || !perm_allows(a, peer, now_ms)) {
		s->stats.no_perm_drops++;
		return;
	}
	if (!alloc_bw_take(a, 1, len, s->conf->max_bps, now_ms)) {
		s->stats.bw_drops++;
		return;
	}
	c = chan_by_peer(a, peer, now_ms);
	if (c != NULL) {
		chandata_hdr(start, c->num, (uint16_t)len);
		out = 4 + len;
		if (a->ft.proto == TP_TCP || a->ft.proto == TP_TLS) {
			/* §12.5: padded on streams, not over UDP or DTLS */
			memset(buf + len, 0, (4 - (len & 3)) & 3);
			out = (out + 3) & ~(size_t)3;
		}
		s->stats.chandata_in++;
	} else if ((out = build_data_ind(s, peer, buf, len, &start)) != 0) {
		s->stats.ind_in++;
	} else {
		return;
	}
	a->pkts_in++;
	a->bytes_in += len;
	s->stats.relay_pkts_in++;
	s->stats.relay_bytes_in += len;
	if (s->io->send(s->io->arg, a->conn, &a->ft.client.sa,
			&a->ft.server.sa, start, out) != 0)
		s->stats.send_errors++;
}
