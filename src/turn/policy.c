/**
 * @file policy.c  The admin's peer policy: which transport addresses a
 * relay may send to. Pure: no I/O, no globals but the constant tables.
 *
 * Every address, the peer's and the config's, is first normalised so
 * that an IPv4 address is judged the same in whatever IPv6 spelling it
 * comes: ::ffff:a.b.c.d (mapped) and ::a.b.c.d (compatible) are a.b.c.d.
 */
#include <string.h>

#include "policy.h"

#define V4(a, b, c, d, p) { AF_INET, { a, b, c, d }, p }
#define V6(a, b, c, d, p) { AF_INET6, { a, b, c, d }, p }  /* 4 bytes */

/* Special-purpose ranges (IANA registries, RFC 6890 and successors). */
static const struct cidr default_deny[] = {
	V4(0, 0, 0, 0, 8),          /* "this network" */
	V4(10, 0, 0, 0, 8),         /* private */
	V4(100, 64, 0, 0, 10),      /* shared address space (CGN) */
	V4(127, 0, 0, 0, 8),        /* loopback */
	V4(169, 254, 0, 0, 16),     /* link-local, cloud metadata */
	V4(172, 16, 0, 0, 12),      /* private */
	V4(192, 0, 0, 0, 24),       /* IETF protocol assignments */
	V4(192, 0, 2, 0, 24),       /* documentation */
	V4(192, 88, 99, 0, 24),     /* 6to4 relay anycast */
	V4(192, 168, 0, 0, 16),     /* private */
	V4(198, 18, 0, 0, 15),      /* benchmarking */
	V4(198, 51, 100, 0, 24),    /* documentation */
	V4(203, 0, 113, 0, 24),     /* documentation */
	V4(224, 0, 0, 0, 4),        /* multicast */
	V4(240, 0, 0, 0, 4),        /* reserved */
	V4(255, 255, 255, 255, 32), /* limited broadcast */
	V6(0, 0, 0, 0, 128),        /* :: unspecified */
	{ AF_INET6, { [15] = 1 }, 128 },             /* ::1 loopback */
	{ AF_INET6, { 0, 0x64, 0xff, 0x9b }, 96 },   /* NAT64 well-known */
	{ AF_INET6, { 0, 0x64, 0xff, 0x9b, 0, 1 }, 48 }, /* NAT64 local use */
	V6(0x01, 0x00, 0, 0, 64),   /* 100::/64 discard-only */
	V6(0x20, 0x01, 0, 0, 32),   /* 2001::/32 Teredo */
	{ AF_INET6, { 0x20, 0x01, 0, 0x02, 0, 0 }, 48 }, /* benchmarking */
	V6(0x20, 0x01, 0x00, 0x10, 28), /* ORCHID (deprecated) */
	V6(0x20, 0x01, 0x00, 0x20, 28), /* ORCHIDv2 */
	V6(0x20, 0x01, 0x0d, 0xb8, 32), /* documentation */
	V6(0x20, 0x02, 0, 0, 16),   /* 6to4 */
	V6(0x3f, 0xff, 0, 0, 20),   /* documentation (RFC 9637) */
	V6(0x5f, 0x00, 0, 0, 16),   /* SRv6 SIDs */
	V6(0xfc, 0x00, 0, 0, 7),    /* unique local */
	V6(0xfe, 0x80, 0, 0, 10),   /* link-local */
	V6(0xfe, 0xc0, 0, 0, 10),   /* site-local (deprecated) */
	V6(0xff, 0x00, 0, 0, 8),    /* multicast */
};

static const uint8_t mapped_pfx[12] = { [10] = 0xff, [11] = 0xff };
static const uint8_t zero_pfx[12];
static const uint8_t nat64_pfx[12] = { 0, 0x64, 0xff, 0x9b };

#define N(a) (sizeof(a) / sizeof(*(a)))

/* Whether ip (16 bytes) is an IPv4-mapped or IPv4-compatible address;
 * :: and ::1 are IPv6's own and stay IPv6. */
static bool
carries_v4(const uint8_t *ip)
{
	if (memcmp(ip, mapped_pfx, 12) == 0)
		return true;
	if (memcmp(ip, zero_pfx, 12) != 0)
		return false;
	return ip[12] != 0 || ip[13] != 0 || ip[14] != 0 || ip[15] > 1;
}

/* The sockaddr_in for the IPv4 address in the last 4 bytes of ip. */
static void
v4_from(const uint8_t *ip, uint16_t port_n, struct sockaddr_storage *out)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)out;

	memset(out, 0, sizeof(*out));
	sin->sin_family = AF_INET;
	sin->sin_port = port_n;
	memcpy(&sin->sin_addr, ip + 12, 4);
}

void
policy_normalise(const struct sockaddr *in, struct sockaddr_storage *out)
{
	const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)in;

	memset(out, 0, sizeof(*out));
	if (in == NULL)
		return;
	if (in->sa_family == AF_INET6 && carries_v4(sin6->sin6_addr.s6_addr))
		v4_from(sin6->sin6_addr.s6_addr, sin6->sin6_port, out);
	else if (in->sa_family == AF_INET || in->sa_family == AF_INET6)
		memcpy(out, in, addr_len(in));
	else
		out->ss_family = in->sa_family;
}

/*
 * The same for a config CIDR: ::ffff:a.b.c.d/P (P >= 96) is a.b.c.d/P-96,
 * and so is ::a.b.c.d/P unless it contains :: or ::1 (network 0.0.0.0 or
 * 0.0.0.1), which are IPv6's own.
 */
static void
cidr_normalise(const struct cidr *in, struct cidr *out)
{
	const uint8_t *v4 = in->ip + 12;
	bool mapped = memcmp(in->ip, mapped_pfx, 12) == 0;
	bool compat = memcmp(in->ip, zero_pfx, 12) == 0 &&
		      ((v4[0] | v4[1] | v4[2]) != 0 || v4[3] > 1);

	*out = *in;
	if (in->family != AF_INET6 || in->prefix < 96 || !(mapped || compat))
		return;
	memset(out, 0, sizeof(*out));
	out->family = AF_INET;
	memcpy(out->ip, v4, 4);
	out->prefix = (uint8_t)(in->prefix - 96);
}

/* Whether the (normalised) peer lies in one of the n (config) CIDRs. */
static bool
in_list(const struct cidr *list, size_t n, const struct sockaddr *peer)
{
	struct cidr c;

	for (size_t i = 0; list != NULL && i < n; i++) {
		cidr_normalise(&list[i], &c);
		if (cidr_match(&c, peer))
			return true;
	}
	return false;
}

/* Unspecified address ("this network" for IPv4), port 0, other families. */
static bool
is_never(const struct sockaddr *peer)
{
	const struct sockaddr_in *sin = (const struct sockaddr_in *)peer;

	if (peer->sa_family == AF_INET)
		return sin->sin_port == 0 ||
		       ((const uint8_t *)&sin->sin_addr)[0] == 0;
	if (peer->sa_family == AF_INET6)
		return addr_port(peer) == 0 || addr_is_any(peer);
	return true;
}

/* Whether l, a listener, takes datagrams or connections for peer: the
 * same port, family and IP, or a wildcard of peer's family (every
 * listener socket is IPV6_V6ONLY: [::] takes no IPv4). */
static bool
listener_is(const struct sockaddr_storage *lst, const struct sockaddr *peer)
{
	struct sockaddr_storage l;
	const struct sockaddr *ls = (const struct sockaddr *)&l;

	policy_normalise((const struct sockaddr *)lst, &l);
	return l.ss_family == peer->sa_family &&
	       addr_port(ls) == addr_port(peer) &&
	       (addr_is_any(ls) || addr_ip_eq(ls, peer));
}

/* Whether the (normalised) peer is one of the server's listeners: TURN,
 * TLS/DTLS, HTTP or admin. */
static bool
is_listener(const struct policy *p, const struct sockaddr *peer)
{
	for (size_t k = 0; k < POLICY_LISTEN_LISTS; k++)
		for (size_t i = 0; p->listen[k] != NULL && i < p->nlisten[k]; i++)
			if (listener_is(&p->listen[k][i], peer))
				return true;
	return false;
}

/* The host's own address, unless an allow-peer block names exactly it:
 * allowing a surrounding range (10.0.0.0/8, 127.0.0.0/8) does not open
 * the machine itself. */
static bool
is_host(const struct policy *p, const struct sockaddr *peer)
{
	struct cidr c;

	if (!in_list(p->host, p->nhost, peer))
		return false;
	for (size_t i = 0; i < p->nallow; i++) {
		cidr_normalise(&p->allow[i], &c);
		if (c.prefix == (c.family == AF_INET ? 32 : 128) &&
		    cidr_match(&c, peer))
			return false;
	}
	return true;
}

static enum policy_verdict
judge(const struct policy *p, const struct sockaddr *peer, bool ip_only)
{
	if (is_never(peer))
		return POLICY_DENY_NEVER;
	if (!ip_only && is_listener(p, peer))
		return POLICY_DENY_LISTENER;
	if (is_host(p, peer))
		return POLICY_DENY_HOST;
	if (in_list(p->allow, p->nallow, peer))
		return POLICY_ALLOW;
	if (in_list(p->deny, p->ndeny, peer))
		return POLICY_DENY_CONFIG;
	if (in_list(default_deny, N(default_deny), peer))
		return POLICY_DENY_DEFAULT;
	return POLICY_ALLOW;
}

void
policy_init(struct policy *p, const struct conf *c, const struct cidr *host,
	    size_t nhost)
{
	memset(p, 0, sizeof(*p));
	p->host = host;
	p->nhost = host != NULL ? nhost : 0;
	if (c == NULL)
		return;
	p->allow = c->allow_peer;
	p->nallow = c->nallow_peer;
	p->deny = c->deny_peer;
	p->ndeny = c->ndeny_peer;
	p->listen[0] = c->listen;
	p->nlisten[0] = c->nlisten;
	p->listen[1] = c->tls_listen;
	p->nlisten[1] = c->ntls_listen;
	p->listen[2] = c->http_listen;
	p->nlisten[2] = c->nhttp_listen;
	p->listen[3] = c->admin_listen;
	p->nlisten[3] = c->nadmin_listen;
}

/*
 * A NAT64 address (64:ff9b::a.b.c.d) reaches a.b.c.d: once allowed as
 * itself, it must pass as that IPv4 address too, so that allowing
 * 64:ff9b::/96 does not open the private IPv4 ranges behind a gateway.
 */
static enum policy_verdict
check(const struct policy *p, const struct sockaddr *peer, bool ip_only)
{
	struct sockaddr_storage n, v4;
	const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)&n;
	enum policy_verdict v;

	if (p == NULL || peer == NULL)
		return POLICY_DENY_NEVER;
	policy_normalise(peer, &n);
	v = judge(p, (const struct sockaddr *)&n, ip_only);
	if (v != POLICY_ALLOW || n.ss_family != AF_INET6 ||
	    memcmp(sin6->sin6_addr.s6_addr, nat64_pfx, 12) != 0)
		return v;
	v4_from(sin6->sin6_addr.s6_addr, sin6->sin6_port, &v4);
	return judge(p, (const struct sockaddr *)&v4, ip_only);
}

enum policy_verdict
policy_check(const struct policy *p, const struct sockaddr *peer)
{
	return check(p, peer, false);
}

/* The port rules (port 0, listeners) left out: judged with port 1, which
 * is_never accepts and no listener rule then looks at. */
enum policy_verdict
policy_check_ip(const struct policy *p, const struct sockaddr *peer)
{
	struct sockaddr_storage ip;

	if (p == NULL || peer == NULL ||
	    (peer->sa_family != AF_INET && peer->sa_family != AF_INET6))
		return POLICY_DENY_NEVER;
	memcpy(&ip, peer, addr_len(peer));
	addr_set_port((struct sockaddr *)&ip, 1);
	return check(p, (const struct sockaddr *)&ip, true);
}

const char *
policy_verdict_name(enum policy_verdict v)
{
	switch (v) {
	case POLICY_ALLOW:
		return "allow";
	case POLICY_DENY_NEVER:
		return "never";
	case POLICY_DENY_LISTENER:
		return "listener";
	case POLICY_DENY_HOST:
		return "host";
	case POLICY_DENY_CONFIG:
		return "deny-peer";
	case POLICY_DENY_DEFAULT:
		return "default-deny";
	case POLICY_DENY_SCOPE:
		return "relay-only";
	}
	return "unknown";
}
