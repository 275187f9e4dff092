/**
 * @file alloc.h  TURN allocation state (RFC 8656 §5, §9, §12): pure.
 *
 * No sockets, no clock: every call that depends on time takes now_ms
 * (monotonic milliseconds). Relay sockets are opaque handles owned by
 * the transport; the table only stores them and hands them back when an
 * allocation dies (alloc_expire's callback, alloc_free's caller).
 *
 * Lookups are O(1): 5-tuple → allocation and relayed address →
 * allocation through two hash tables; permissions and channels of one
 * allocation are small arrays bounded by the config (max-permissions).
 */
#ifndef TURNPIKE_ALLOC_H
#define TURNPIKE_ALLOC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

/* A socket address small enough to keep per permission and channel. */
typedef union {
	struct sockaddr sa;
	struct sockaddr_in v4;
	struct sockaddr_in6 v6;
} sockaddr_u;

void sau_set(sockaddr_u *dst, const struct sockaddr *src);
/** Same family, IP and port. */
bool sau_eq(const sockaddr_u *a, const sockaddr_u *b);
/** Same family and IP. */
bool sau_ip_eq(const sockaddr_u *a, const sockaddr_u *b);

/* RFC 8656 §3: the 5-tuple that names an allocation. */
struct five_tuple {
	sockaddr_u client;
	sockaddr_u server;
	uint8_t proto;                    /* enum turn_transport */
};

#define ALLOC_PERM_LIFETIME_MS  (300 * 1000)   /* RFC 8656 §9 */
#define ALLOC_CHAN_LIFETIME_MS  (600 * 1000)   /* RFC 8656 §12 */
#define ALLOC_MAX_RELAYS        2              /* IPv4 + IPv6 (dual) */

struct perm {
	sockaddr_u peer;                  /* IP only; port ignored */
	uint64_t expires_ms;
};

struct chan {
	uint16_t num;
	sockaddr_u peer;                  /* IP and port */
	uint64_t expires_ms;
};

struct alloc {
	struct five_tuple ft;
	void *conn;                       /* transport handle to the client */
	char *user;                       /* the username of the Allocate */
	sockaddr_u relay[ALLOC_MAX_RELAYS];   /* bound relayed addresses */
	void *relay_handle[ALLOC_MAX_RELAYS]; /* transport's sockets */
	unsigned nrelay;
	uint64_t expires_ms;
	uint8_t tid[12];                  /* of the Allocate, for retransmits */
	bool dont_fragment;
	bool tcp;                         /* RFC 6062 TCP relay */
	bool relay_only;                  /* scoped credential: peers are
					     relayed addresses only */
	uint64_t id;                      /* session id in logs (turn core) */
	struct perm *perms;
	unsigned nperms, capperms;
	struct chan *chans;
	unsigned nchans, capchans;
	uint64_t pkts_in, pkts_out, bytes_in, bytes_out, send_errors;
	bool denied_logged;               /* first policy denial logged */
	uint64_t bw_ms[2];                /* token buckets: [0] out, [1] in */
	uint64_t bw_tokens[2];
	struct alloc *next_ft;                /* hash chains: 5-tuple, */
	struct alloc *next_relay[ALLOC_MAX_RELAYS]; /* each relayed address */
	struct alloc *prev, *next;            /* list of all, for sweeps */
};

struct alloc_limits {
	unsigned max_perms;               /* per allocation (≥ 1) */
	unsigned max_chans;               /* per allocation */
};

struct alloc_table;

int alloc_table_new(struct alloc_table **out, const struct alloc_limits *l);
/** New limits (config reload); live allocations over them stay. */
void alloc_table_set_limits(struct alloc_table *t, const struct alloc_limits *l);
/** Free the table. Allocations still in it are freed too; their relay
 *  handles must have been closed by the caller (see alloc_first). */
void alloc_table_free(struct alloc_table *t);
size_t alloc_count(const struct alloc_table *t);
struct alloc *alloc_first(struct alloc_table *t);

/**
 * Create an allocation for ft owned by user, living lifetime_s from now.
 * Relayed addresses are added after by alloc_add_relay().
 * Quotas are the caller's (src/turn/quota.c counts them across workers).
 * @return 0, EEXIST (5-tuple taken: 437), ENOMEM.
 */
int alloc_create(struct alloc_table *t, const struct five_tuple *ft,
		 const char *user, uint32_t lifetime_s, uint64_t now_ms,
		 struct alloc **out);
/** Register a bound relayed address and its socket handle. */
int alloc_add_relay(struct alloc_table *t, struct alloc *a,
		    const struct sockaddr *relay, void *handle);
/** Unlink and free. Relay handles are the caller's to close first. */
void alloc_free(struct alloc_table *t, struct alloc *a);

struct alloc *alloc_find(const struct alloc_table *t,
			 const struct five_tuple *ft);
/** The allocation whose relayed transport address is addr, or NULL. */
struct alloc *alloc_by_relay(const struct alloc_table *t,
			     const struct sockaddr *addr);

/** Set the lifetime (Refresh). */
void alloc_refresh(struct alloc *a, uint32_t lifetime_s, uint64_t now_ms);

/**
 * Install or refresh a permission for peer's IP (RFC 8656 §9).
 * @return 0, or ENOSPC past max_perms (508).
 */
int perm_install(const struct alloc_table *t, struct alloc *a,
		 const struct sockaddr *peer, uint64_t now_ms);
/** Whether a live permission covers peer's IP. */
bool perm_allows(const struct alloc *a, const struct sockaddr *peer,
		 uint64_t now_ms);

/**
 * Bind or refresh channel num to peer (RFC 8656 §12.1): a number bound to
 * another peer, or a peer bound to another number, is refused (EBUSY,
 * answered 400) while that binding lives. Also installs the permission.
 * @return 0, EBUSY, ENOSPC.
 */
int chan_bind(const struct alloc_table *t, struct alloc *a, uint16_t num,
	      const struct sockaddr *peer, uint64_t now_ms);
const struct chan *chan_by_num(const struct alloc *a, uint16_t num,
			       uint64_t now_ms);
const struct chan *chan_by_peer(const struct alloc *a,
				const struct sockaddr *peer, uint64_t now_ms);

/**
 * Sweep: prune expired permissions and channels; for each expired
 * allocation call on_expired (which closes its relay handles) and free
 * it. @return the number of allocations freed.
 */
typedef void (*alloc_expired_h)(struct alloc *a, void *arg);
size_t alloc_expire(struct alloc_table *t, uint64_t now_ms,
		    alloc_expired_h on_expired, void *arg);

/**
 * Bandwidth cap (token bucket, one second of burst): take len bytes from
 * direction dir (0 client→peer, 1 peer→client) at bps bytes/s. False:
 * over the cap, drop the packet. bps 0 always allows.
 */
bool alloc_bw_take(struct alloc *a, int dir, size_t len, unsigned bps,
		   uint64_t now_ms);

/*
 * Relay port pool: which ports of [lo, hi] are handed out, per relay IP
 * family. The transport may still find a port taken by another program
 * (bind fails): it releases nothing and asks for the next.
 */
struct portpool;
int portpool_new(struct portpool **out, uint16_t lo, uint16_t hi);
void portpool_free(struct portpool *p);
/** Take a free port, starting the search at hint. even: an even port.
 *  @return 0 and *port, or ENOSPC. */
int portpool_take(struct portpool *p, uint32_t hint, bool even,
		  uint16_t *port);
/** Take a specific port (RESERVATION-TOKEN). 0 or EBUSY/EINVAL. */
int portpool_take_exact(struct portpool *p, uint16_t port);
void portpool_release(struct portpool *p, uint16_t port);
bool portpool_in_use(const struct portpool *p, uint16_t port);
unsigned portpool_used(const struct portpool *p);

#endif
