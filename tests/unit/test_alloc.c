/*
 * The allocation manager (src/alloc) as pure state: the table and its
 * hashes, lifetimes and the expiry sweep, permissions, channels
 * and the relay port pool. No turn core, no sockets: time is a number.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "addr.h"
#include "alloc.h"

#define T0   1000000u               /* the fake clock's start, ms */
#define SA(x) ((struct sockaddr *)(x))

static struct sockaddr_storage
ipp(const char *ip, uint16_t port)
{
	struct sockaddr_storage ss;

	assert_int_equal(addr_parse_ip(ip, &ss), 0);
	addr_set_port(SA(&ss), port);
	return ss;
}

/* A UDP 5-tuple from ip:port to the server's 192.0.2.1:3478. */
static struct five_tuple
ft_of(const char *ip, uint16_t port)
{
	struct five_tuple ft;
	struct sockaddr_storage c = ipp(ip, port), s = ipp("192.0.2.1", 3478);

	memset(&ft, 0, sizeof(ft));
	sau_set(&ft.client, SA(&c));
	sau_set(&ft.server, SA(&s));
	ft.proto = 0;
	return ft;
}

static struct alloc_table *
table(unsigned perms, unsigned chans)
{
	struct alloc_limits l = { .max_perms = perms, .max_chans = chans };
	struct alloc_table *t = NULL;

	assert_int_equal(alloc_table_new(&t, &l), 0);
	assert_non_null(t);
	return t;
}

static struct alloc *
mk(struct alloc_table *t, const char *ip, uint16_t port, const char *user,
   uint32_t lifetime_s, uint64_t now)
{
	struct five_tuple ft = ft_of(ip, port);
	struct alloc *a = NULL;

	assert_int_equal(alloc_create(t, &ft, user, lifetime_s, now, &a), 0);
	assert_non_null(a);
	return a;
}

/* ---- the table ---- */

static void
test_create_find(void **state)
{
	struct alloc_table *t = table(8, 8);
	struct five_tuple ft = ft_of("198.51.100.7", 40000), o;
	struct alloc *a = NULL;

	(void)state;
	assert_int_equal(alloc_count(t), 0);
	assert_null(alloc_first(t));
	assert_null(alloc_find(t, &ft));
	assert_int_equal(alloc_create(t, &ft, "alice", 600, T0, &a), 0);
	assert_ptr_equal(alloc_find(t, &ft), a);
	assert_ptr_equal(alloc_first(t), a);
	assert_string_equal(a->user, "alice");
	assert_int_equal(a->expires_ms, T0 + 600000);
	assert_int_equal(alloc_count(t), 1);
	/* Each part of the 5-tuple matters. */
	o = ft_of("198.51.100.7", 40001);
	assert_null(alloc_find(t, &o));
	o = ft_of("198.51.100.8", 40000);
	assert_null(alloc_find(t, &o));
	o = ft;
	o.proto = 1;
	assert_null(alloc_find(t, &o));
	o = ft;
	o.server.v4.sin_port = htons(3479);
	assert_null(alloc_find(t, &o));
	alloc_free(t, a);
	assert_null(alloc_find(t, &ft));
	assert_int_equal(alloc_count(t), 0);
	alloc_table_free(t);
}

/* RFC 8656 §7.2: a second Allocate on a 5-tuple in use is a 437. */
static void
test_eexist_duplicate(void **state)
{
	struct alloc_table *t = table(8, 8);
	struct five_tuple ft = ft_of("198.51.100.7", 40000);
	struct alloc *a = mk(t, "198.51.100.7", 40000, "alice", 600, T0);
	struct alloc *b = NULL;

	(void)state;
	assert_int_equal(alloc_create(t, &ft, "bob", 600, T0, &b), EEXIST);
	assert_null(b);
	assert_int_equal(alloc_count(t), 1);
	assert_ptr_equal(alloc_find(t, &ft), a);
	alloc_table_free(t);
}

static void
test_find_by_relay(void **state)
{
	struct alloc_table *t = table(8, 8);
	struct alloc *a = mk(t, "198.51.100.7", 40000, "alice", 600, T0);
	struct alloc *b = mk(t, "198.51.100.7", 40001, "alice", 600, T0);
	struct sockaddr_storage r4 = ipp("192.0.2.1", 50000);
	struct sockaddr_storage r6 = ipp("2001:db8::1", 50002);
	struct sockaddr_storage rb = ipp("192.0.2.1", 50001);
	struct sockaddr_storage other = ipp("192.0.2.1", 50003);
	int h1, h2, h3;

	(void)state;
	assert_null(alloc_by_relay(t, SA(&r4)));
	assert_int_equal(alloc_add_relay(t, a, SA(&r4), &h1), 0);
	assert_int_equal(alloc_add_relay(t, a, SA(&r6), &h2), 0);
	assert_int_equal(alloc_add_relay(t, b, SA(&rb), &h3), 0);
	assert_int_equal(a->nrelay, 2);
	assert_ptr_equal(a->relay_handle[0], &h1);
	assert_ptr_equal(a->relay_handle[1], &h2);
	assert_ptr_equal(alloc_by_relay(t, SA(&r4)), a);
	assert_ptr_equal(alloc_by_relay(t, SA(&r6)), a);   /* the second */
	assert_ptr_equal(alloc_by_relay(t, SA(&rb)), b);
	assert_null(alloc_by_relay(t, SA(&other)));
	/* At most ALLOC_MAX_RELAYS (IPv4 and IPv6). */
	assert_int_equal(alloc_add_relay(t, a, SA(&other), &h3), ENOSPC);
	assert_int_equal(a->nrelay, 2);
	alloc_free(t, a);
	assert_null(alloc_by_relay(t, SA(&r4)));
	assert_null(alloc_by_relay(t, SA(&r6)));
	assert_ptr_equal(alloc_by_relay(t, SA(&rb)), b);
	alloc_table_free(t);
}

/* Dual allocations through several doublings of the buckets: both
 * relayed addresses of every one are found by hash (the second as the
 * first), and forgotten when it goes. */
static void
test_by_relay_dual_growth(void **state)
{
	enum { N = 2000 };
	struct alloc_table *t = table(8, 8);
	static struct alloc *a[N];
	static int h[N];
	char v6[64];

	(void)state;
	for (int i = 0; i < N; i++) {
		struct sockaddr_storage r4 = ipp("192.0.2.1", (uint16_t)(10000 + i));
		struct sockaddr_storage r6;

		snprintf(v6, sizeof(v6), "2001:db8::%x", i + 1);
		r6 = ipp(v6, (uint16_t)(10000 + i));
		a[i] = mk(t, "198.51.100.7", (uint16_t)(20000 + i), "alice", 600, T0);
		assert_int_equal(alloc_add_relay(t, a[i], SA(&r4), &h[i]), 0);
		assert_int_equal(alloc_add_relay(t, a[i], SA(&r6), &h[i]), 0);
	}
	for (int i = 0; i < N; i += 2)
		alloc_free(t, a[i]);
	for (int i = 0; i < N; i++) {
		struct sockaddr_storage r4 = ipp("192.0.2.1", (uint16_t)(10000 + i));
		struct sockaddr_storage r6;
		struct alloc *want = i % 2 ? a[i] : NULL;

		snprintf(v6, sizeof(v6), "2001:db8::%x", i + 1);
		r6 = ipp(v6, (uint16_t)(10000 + i));
		assert_ptr_equal(alloc_by_relay(t, SA(&r4)), want);
		assert_ptr_equal(alloc_by_relay(t, SA(&r6)), want);
	}
	assert_int_equal(alloc_count(t), N / 2);
	alloc_table_free(t);
}

struct expired {
	unsigned n;
	struct alloc *last;
	void *handle;
};

static void
on_expired(struct alloc *a, void *arg)
{
	struct expired *e = arg;

	e->n++;
	e->last = a;
	e->handle = a->nrelay > 0 ? a->relay_handle[0] : NULL;
}

/* RFC 8656 §7: an allocation lives exactly its lifetime: alive at
 * expires_ms - 1, gone at expires_ms. */
static void
test_expire_exactly_on_time(void **state)
{
	struct alloc_table *t = table(8, 8);
	struct five_tuple ft = ft_of("198.51.100.7", 40000);
	struct sockaddr_storage r = ipp("192.0.2.1", 50000);
	struct expired e = { 0 };
	struct alloc *a = mk(t, "198.51.100.7", 40000, "alice", 600, T0);
	struct alloc *b = mk(t, "198.51.100.7", 40001, "alice", 900, T0);
	int h;

	(void)state;
	assert_int_equal(alloc_add_relay(t, a, SA(&r), &h), 0);
	assert_int_equal(alloc_expire(t, T0, on_expired, &e), 0);
	assert_int_equal(alloc_expire(t, T0 + 599999, on_expired, &e), 0);
	assert_int_equal(e.n, 0);
	assert_ptr_equal(alloc_find(t, &ft), a);
	assert_int_equal(alloc_expire(t, T0 + 600000, on_expired, &e), 1);
	assert_int_equal(e.n, 1);
	assert_ptr_equal(e.last, a);
	assert_ptr_equal(e.handle, &h);         /* handed back to close */
	assert_null(alloc_find(t, &ft));
	assert_null(alloc_by_relay(t, SA(&r)));
	assert_int_equal(alloc_count(t), 1);
	assert_ptr_equal(alloc_first(t), b);
	/* A NULL callback is allowed. */
	assert_int_equal(alloc_expire(t, T0 + 900000, NULL, NULL), 1);
	assert_int_equal(alloc_count(t), 0);
	alloc_table_free(t);
}

/* RFC 8656 §7.3: a Refresh sets a new lifetime counted from now. */
static void
test_refresh(void **state)
{
	struct alloc_table *t = table(8, 8);
	struct alloc *a = mk(t, "198.51.100.7", 40000, "alice", 600, T0);
	struct expired e = { 0 };

	(void)state;
	alloc_refresh(a, 60, T0 + 590000);
	assert_int_equal(a->expires_ms, T0 + 650000);
	assert_int_equal(alloc_expire(t, T0 + 600000, on_expired, &e), 0);
	assert_int_equal(alloc_expire(t, T0 + 649999, on_expired, &e), 0);
	/* Shorter than what was left is allowed too. */
	alloc_refresh(a, 1, T0 + 640000);
	assert_int_equal(alloc_expire(t, T0 + 640999, on_expired, &e), 0);
	assert_int_equal(alloc_expire(t, T0 + 641000, on_expired, &e), 1);
	assert_int_equal(e.n, 1);
	/* Lifetime 0 expires at the next sweep. */
	a = mk(t, "198.51.100.7", 40000, "alice", 600, T0 + 700000);
	alloc_refresh(a, 0, T0 + 700000);
	assert_int_equal(alloc_expire(t, T0 + 700000, on_expired, &e), 1);
	alloc_table_free(t);
}

/* ---- permissions (RFC 8656 §9) ---- */

/* §9: a permission is for an IP address; the port is not compared. */
static void
test_perm_per_ip(void **state)
{
	struct alloc_table *t = table(8, 8);
	struct alloc *a = mk(t, "198.51.100.7", 40000, "alice", 3600, T0);
	struct sockaddr_storage p = ipp("203.0.113.5", 1000);
	struct sockaddr_storage p2 = ipp("203.0.113.5", 2000);
	struct sockaddr_storage q = ipp("203.0.113.6", 1000);
	struct sockaddr_storage p6 = ipp("2001:db8::5", 1000);

	(void)state;
	assert_false(perm_allows(a, SA(&p), T0));
	assert_int_equal(perm_install(t, a, SA(&p), T0), 0);
	assert_true(perm_allows(a, SA(&p), T0));
	assert_true(perm_allows(a, SA(&p2), T0));
	assert_false(perm_allows(a, SA(&q), T0));
	assert_false(perm_allows(a, SA(&p6), T0));
	assert_int_equal(perm_install(t, a, SA(&p2), T0), 0);
	assert_int_equal(a->nperms, 1);          /* the same permission */
	assert_int_equal(perm_install(t, a, SA(&p6), T0), 0);
	assert_int_equal(a->nperms, 2);
	alloc_table_free(t);
}

/* §9: 300 s, not refreshed by data; a new install refreshes it. */
static void
test_perm_lifetime(void **state)
{
	struct alloc_table *t = table(8, 8);
	struct alloc *a = mk(t, "198.51.100.7", 40000, "alice", 3600, T0);
	struct sockaddr_storage p = ipp("203.0.113.5", 1000);
	struct sockaddr_storage q = ipp("203.0.113.6", 1000);

	(void)state;
	assert_int_equal(perm_install(t, a, SA(&p), T0), 0);
	assert_int_equal(perm_install(t, a, SA(&q), T0), 0);
	assert_true(perm_allows(a, SA(&p), T0 + 299999));
	assert_false(perm_allows(a, SA(&p), T0 + 300000));
	/* Refresh p before its end; q lapses. */
	assert_int_equal(perm_install(t, a, SA(&p), T0 + 200000), 0);
	assert_true(perm_allows(a, SA(&p), T0 + 499999));
	assert_false(perm_allows(a, SA(&q), T0 + 300000));
	assert_false(perm_allows(a, SA(&p), T0 + 500000));
	/* The sweep prunes lapsed permissions of live allocations. */
	assert_int_equal(alloc_expire(t, T0 + 300000, NULL, NULL), 0);
	assert_int_equal(a->nperms, 1);
	assert_int_equal(alloc_expire(t, T0 + 500000, NULL, NULL), 0);
	assert_int_equal(a->nperms, 0);
	/* A lapsed permission can be installed again. */
	assert_int_equal(perm_install(t, a, SA(&q), T0 + 600000), 0);
	assert_true(perm_allows(a, SA(&q), T0 + 600000));
	alloc_table_free(t);
}

/* max-permissions: the next new IP is ENOSPC (508); refreshing one
 * already there still works; a swept one frees its slot. */
static void
test_perm_cap(void **state)
{
	struct alloc_table *t = table(3, 3);
	struct alloc *a = mk(t, "198.51.100.7", 40000, "alice", 3600, T0);
	struct sockaddr_storage p[4];
	char ip[32];

	(void)state;
	for (int i = 0; i < 4; i++) {
		snprintf(ip, sizeof(ip), "203.0.113.%d", 10 + i);
		p[i] = ipp(ip, 1000);
	}
	for (int i = 0; i < 3; i++)
		assert_int_equal(perm_install(t, a, SA(&p[i]), T0), 0);
	assert_int_equal(perm_install(t, a, SA(&p[3]), T0), ENOSPC);
	assert_false(perm_allows(a, SA(&p[3]), T0));
	assert_int_equal(a->nperms, 3);
	assert_int_equal(perm_install(t, a, SA(&p[0]), T0 + 100000), 0);
	/* p[1], p[2] lapse at T0 + 300 s; p[0] lives on. */
	assert_int_equal(perm_install(t, a, SA(&p[3]), T0 + 300000), ENOSPC);
	assert_int_equal(alloc_expire(t, T0 + 300000, NULL, NULL), 0);
	assert_int_equal(a->nperms, 1);
	assert_int_equal(perm_install(t, a, SA(&p[3]), T0 + 300000), 0);
	assert_true(perm_allows(a, SA(&p[0]), T0 + 300000));
	assert_true(perm_allows(a, SA(&p[3]), T0 + 300000));
	alloc_table_free(t);
}

/* ---- channels (RFC 8656 §12) ---- */

static void
test_chan_bind(void **state)
{
	struct alloc_table *t = table(8, 8);
	struct alloc *a = mk(t, "198.51.100.7", 40000, "alice", 3600, T0);
	struct sockaddr_storage p = ipp("203.0.113.5", 1000);
	struct sockaddr_storage p2 = ipp("203.0.113.5", 2000);
	const struct chan *c;

	(void)state;
	assert_null(chan_by_num(a, 0x4000, T0));
	assert_int_equal(chan_bind(t, a, 0x4000, SA(&p), T0), 0);
	c = chan_by_num(a, 0x4000, T0);
	assert_non_null(c);
	assert_true(addr_eq(&c->peer.sa, SA(&p)));
	assert_ptr_equal(chan_by_peer(a, SA(&p), T0), c);
	assert_null(chan_by_peer(a, SA(&p2), T0));        /* IP and port */
	assert_int_equal(c->expires_ms, T0 + 600000);
	/* §12: the bind installs the permission too. */
	assert_true(perm_allows(a, SA(&p), T0));
	assert_true(perm_allows(a, SA(&p2), T0));
	/* Another transport address on the same IP: its own channel. */
	assert_int_equal(chan_bind(t, a, 0x4001, SA(&p2), T0), 0);
	assert_int_equal(a->nchans, 2);
	assert_int_equal(a->nperms, 1);
	alloc_table_free(t);
}

/* RFC 8656 §12.2: rebinding a channel to its own peer refreshes it; the
 * number bound to another peer, or the peer to another number, is 400. */
static void
test_chan_rebind_rules(void **state)
{
	struct alloc_table *t = table(8, 8);
	struct alloc *a = mk(t, "198.51.100.7", 40000, "alice", 3600, T0);
	struct sockaddr_storage p = ipp("203.0.113.5", 1000);
	struct sockaddr_storage q = ipp("203.0.113.6", 1000);

	(void)state;
	assert_int_equal(chan_bind(t, a, 0x4000, SA(&p), T0), 0);
	assert_int_equal(chan_bind(t, a, 0x4000, SA(&p), T0 + 500000), 0);
	assert_int_equal(a->nchans, 1);
	assert_int_equal(chan_by_num(a, 0x4000, T0)->expires_ms,
			 T0 + 1100000);
	/* Refreshes the permission as well. */
	assert_true(perm_allows(a, SA(&p), T0 + 799999));
	assert_int_equal(chan_bind(t, a, 0x4000, SA(&q), T0 + 500000), EBUSY);
	assert_int_equal(chan_bind(t, a, 0x4001, SA(&p), T0 + 500000), EBUSY);
	/* A refused bind installs nothing. */
	assert_false(perm_allows(a, SA(&q), T0 + 500000));
	assert_null(chan_by_num(a, 0x4001, T0 + 500000));
	assert_int_equal(a->nchans, 1);
	assert_int_equal(a->nperms, 1);
	alloc_table_free(t);
}

/* RFC 8656 §12: a channel lives 600 s; after it lapses the number and
 * the peer stay reserved 5 more minutes (§12.2) unless rebound to each
 * other, which the code keeps until the sweep removes them. */
static void
test_chan_expiry(void **state)
{
	struct alloc_table *t = table(8, 8);
	struct alloc *a = mk(t, "198.51.100.7", 40000, "alice", 3600, T0);
	struct sockaddr_storage p = ipp("203.0.113.5", 1000);
	struct sockaddr_storage q = ipp("203.0.113.6", 1000);
	uint64_t end = T0 + 600000;

	(void)state;
	assert_int_equal(chan_bind(t, a, 0x4000, SA(&p), T0), 0);
	assert_non_null(chan_by_num(a, 0x4000, end - 1));
	assert_non_null(chan_by_peer(a, SA(&p), end - 1));
	assert_null(chan_by_num(a, 0x4000, end));
	assert_null(chan_by_peer(a, SA(&p), end));
	/* Swept, but still reserved for 300 s. */
	assert_int_equal(alloc_expire(t, end, NULL, NULL), 0);
	assert_int_equal(a->nchans, 1);
	assert_int_equal(chan_bind(t, a, 0x4000, SA(&q), end), EBUSY);
	assert_int_equal(chan_bind(t, a, 0x4001, SA(&p), end + 299999), EBUSY);
	assert_int_equal(alloc_expire(t, end + 299999, NULL, NULL), 0);
	assert_int_equal(a->nchans, 1);
	assert_int_equal(alloc_expire(t, end + 300000, NULL, NULL), 0);
	assert_int_equal(a->nchans, 0);
	assert_int_equal(chan_bind(t, a, 0x4000, SA(&q), end + 300000), 0);
	assert_true(addr_eq(&chan_by_num(a, 0x4000, end + 300000)->peer.sa,
			    SA(&q)));
	alloc_table_free(t);
}

/* A lapsed channel rebound to the same peer comes back to life. */
static void
test_chan_rebind_after_expiry(void **state)
{
	struct alloc_table *t = table(8, 8);
	struct alloc *a = mk(t, "198.51.100.7", 40000, "alice", 3600, T0);
	struct sockaddr_storage p = ipp("203.0.113.5", 1000);

	(void)state;
	assert_int_equal(chan_bind(t, a, 0x7FFF, SA(&p), T0), 0);
	assert_null(chan_by_num(a, 0x7FFF, T0 + 700000));
	assert_int_equal(chan_bind(t, a, 0x7FFF, SA(&p), T0 + 700000), 0);
	assert_non_null(chan_by_num(a, 0x7FFF, T0 + 700000));
	assert_int_equal(a->nchans, 1);
	alloc_table_free(t);
}

/* max-channels: ENOSPC (508). A bind refused for want of a channel slot
 * must not leave a permission behind (it used to: chan_bind installed
 * the permission before it looked for room). */
static void
test_chan_cap(void **state)
{
	struct alloc_table *t = table(8, 2);
	struct alloc *a = mk(t, "198.51.100.7", 40000, "alice", 3600, T0);
	struct sockaddr_storage p = ipp("203.0.113.5", 1000);
	struct sockaddr_storage p2 = ipp("203.0.113.5", 1001);
	struct sockaddr_storage q = ipp("203.0.113.6", 1000);

	(void)state;
	assert_int_equal(chan_bind(t, a, 0x4000, SA(&p), T0), 0);
	assert_int_equal(chan_bind(t, a, 0x4001, SA(&p2), T0), 0);
	assert_int_equal(chan_bind(t, a, 0x4002, SA(&q), T0), ENOSPC);
	assert_null(chan_by_num(a, 0x4002, T0));
	assert_false(perm_allows(a, SA(&q), T0));
	assert_int_equal(a->nperms, 1);
	/* Refreshing a bound channel at the cap works. */
	assert_int_equal(chan_bind(t, a, 0x4001, SA(&p2), T0 + 1000), 0);
	alloc_table_free(t);
}

/* A channel needs a permission: none left is ENOSPC, no channel made. */
static void
test_chan_perm_cap(void **state)
{
	struct alloc_table *t = table(1, 8);
	struct alloc *a = mk(t, "198.51.100.7", 40000, "alice", 3600, T0);
	struct sockaddr_storage p = ipp("203.0.113.5", 1000);
	struct sockaddr_storage q = ipp("203.0.113.6", 1000);

	(void)state;
	assert_int_equal(perm_install(t, a, SA(&p), T0), 0);
	assert_int_equal(chan_bind(t, a, 0x4000, SA(&q), T0), ENOSPC);
	assert_int_equal(a->nchans, 0);
	assert_int_equal(chan_bind(t, a, 0x4000, SA(&p), T0), 0);
	alloc_table_free(t);
}

/* ---- the port pool ---- */

static void
test_portpool_bounds(void **state)
{
	struct portpool *p = NULL;

	(void)state;
	assert_int_equal(portpool_new(&p, 0, 10), EINVAL);
	assert_int_equal(portpool_new(&p, 20, 10), EINVAL);
	assert_null(p);
	assert_int_equal(portpool_new(&p, 65535, 65535), 0);
	assert_int_equal(portpool_take_exact(p, 65534), EINVAL);
	assert_int_equal(portpool_take_exact(p, 65535), 0);
	assert_true(portpool_in_use(p, 65535));
	assert_int_equal(portpool_used(p), 1);
	portpool_free(p);
}

static void
test_portpool_take_release(void **state)
{
	struct portpool *p = NULL;
	uint16_t port, got[4];
	bool seen[4] = { false };

	(void)state;
	assert_int_equal(portpool_new(&p, 50000, 50003), 0);
	assert_int_equal(portpool_used(p), 0);
	for (int i = 0; i < 4; i++) {
		assert_int_equal(portpool_take(p, 2, false, &got[i]), 0);
		assert_in_range(got[i], 50000, 50003);
		assert_false(seen[got[i] - 50000]);
		seen[got[i] - 50000] = true;
		assert_true(portpool_in_use(p, got[i]));
	}
	assert_int_equal(got[0], 50002);        /* the search starts at hint */
	assert_int_equal(got[2], 50000);        /* and wraps */
	assert_int_equal(portpool_used(p), 4);
	assert_int_equal(portpool_take(p, 0, false, &port), ENOSPC);
	/* Released once: a second release and an outsider change nothing. */
	portpool_release(p, 50001);
	assert_false(portpool_in_use(p, 50001));
	assert_int_equal(portpool_used(p), 3);
	portpool_release(p, 50001);
	portpool_release(p, 49999);
	portpool_release(p, 50004);
	assert_int_equal(portpool_used(p), 3);
	assert_int_equal(portpool_take(p, 12345, false, &port), 0);
	assert_int_equal(port, 50001);
	for (int i = 0; i < 4; i++)
		portpool_release(p, (uint16_t)(50000 + i));
	assert_int_equal(portpool_used(p), 0);
	portpool_free(p);
}

/* RFC 8656 §7.2: EVEN-PORT asks for an even port. */
static void
test_portpool_even(void **state)
{
	struct portpool *p = NULL;
	uint16_t port;

	(void)state;
	assert_int_equal(portpool_new(&p, 50001, 50005), 0);
	assert_int_equal(portpool_take(p, 0, true, &port), 0);
	assert_int_equal(port, 50002);
	assert_int_equal(portpool_take(p, 0, true, &port), 0);
	assert_int_equal(port, 50004);
	assert_int_equal(portpool_take(p, 0, true, &port), ENOSPC);
	assert_int_equal(portpool_used(p), 2);
	assert_int_equal(portpool_take(p, 0, false, &port), 0);
	assert_int_equal(port % 2, 1);
	portpool_free(p);
}

static void
test_portpool_take_exact(void **state)
{
	struct portpool *p = NULL;
	uint16_t port;

	(void)state;
	assert_int_equal(portpool_new(&p, 50000, 50001), 0);
	assert_int_equal(portpool_take_exact(p, 49999), EINVAL);
	assert_int_equal(portpool_take_exact(p, 50002), EINVAL);
	assert_int_equal(portpool_take_exact(p, 50001), 0);
	assert_int_equal(portpool_take_exact(p, 50001), EBUSY);
	assert_int_equal(portpool_used(p), 1);
	assert_int_equal(portpool_take(p, 1, false, &port), 0);
	assert_int_equal(port, 50000);          /* 50001 is skipped */
	assert_int_equal(portpool_take(p, 1, false, &port), ENOSPC);
	portpool_release(p, 50001);
	assert_int_equal(portpool_take_exact(p, 50001), 0);
	assert_int_equal(portpool_used(p), 2);
	portpool_free(p);
}

/* ---- many allocations: growth, lookups after it, freeing all ---- */

static void
test_many_then_free_all(void **state)
{
	struct alloc_table *t = table(4, 4);
	enum { N = 1500 };                /* past two doublings of 256 */
	static int handle[N];
	struct sockaddr_storage r, peer = ipp("203.0.113.5", 1000);
	struct five_tuple ft;
	struct alloc *a;
	char user[16];

	(void)state;
	for (int i = 0; i < N; i++) {
		snprintf(user, sizeof(user), "u%d", i % 7);
		a = mk(t, i % 2 ? "198.51.100.7" : "2001:db8::7",
		       (uint16_t)(10000 + i), user, 600, T0);
		r = ipp("192.0.2.1", (uint16_t)(20000 + i));
		assert_int_equal(alloc_add_relay(t, a, SA(&r), &handle[i]), 0);
		assert_int_equal(perm_install(t, a, SA(&peer), T0), 0);
		assert_int_equal(chan_bind(t, a, 0x4000, SA(&peer), T0), 0);
	}
	assert_int_equal(alloc_count(t), N);
	for (int i = 0; i < N; i++) {
		ft = ft_of(i % 2 ? "198.51.100.7" : "2001:db8::7",
			   (uint16_t)(10000 + i));
		a = alloc_find(t, &ft);
		assert_non_null(a);
		r = ipp("192.0.2.1", (uint16_t)(20000 + i));
		assert_ptr_equal(alloc_by_relay(t, SA(&r)), a);
		assert_ptr_equal(a->relay_handle[0], &handle[i]);
		if (i % 3 == 0)
			alloc_free(t, a);
	}
	assert_int_equal(alloc_count(t), N - N / 3);
	/* Half expire by a sweep, the rest go with the table. */
	a = alloc_first(t);
	for (int i = 0; a != NULL; a = a->next, i++)
		if (i % 2)
			alloc_refresh(a, 1200, T0);
	assert_int_equal(alloc_expire(t, T0 + 600000, NULL, NULL),
			 (N - N / 3 + 1) / 2);
	alloc_table_free(t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create_find),
		cmocka_unit_test(test_eexist_duplicate),
		cmocka_unit_test(test_find_by_relay),
		cmocka_unit_test(test_by_relay_dual_growth),
		cmocka_unit_test(test_expire_exactly_on_time),
		cmocka_unit_test(test_refresh),
		cmocka_unit_test(test_perm_per_ip),
		cmocka_unit_test(test_perm_lifetime),
		cmocka_unit_test(test_perm_cap),
		cmocka_unit_test(test_chan_bind),
		cmocka_unit_test(test_chan_rebind_rules),
		cmocka_unit_test(test_chan_expiry),
		cmocka_unit_test(test_chan_rebind_after_expiry),
		cmocka_unit_test(test_chan_cap),
		cmocka_unit_test(test_chan_perm_cap),
		cmocka_unit_test(test_portpool_bounds),
		cmocka_unit_test(test_portpool_take_release),
		cmocka_unit_test(test_portpool_even),
		cmocka_unit_test(test_portpool_take_exact),
		cmocka_unit_test(test_many_then_free_all),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
