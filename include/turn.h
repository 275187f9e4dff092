/**
 * @file turn.h  The protocol core: STUN/TURN request handling behind a
 * small I/O port.
 *
 * Pure: no sockets, no libevent, no clock reads. Transports (src/net)
 * read bytes, fill a struct turn_pkt (who sent it, on which connection,
 * the time read once per event) and call turn_on_client(). Replies leave
 * through turn_io.send. Tests pass a recording turn_io.
 */
#ifndef TURNPIKE_TURN_H
#define TURNPIKE_TURN_H

#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

#include "alloc.h"
#include "auth.h"
#include "conf.h"
#include "policy.h"
#include "ratelimit.h"

enum turn_transport { TP_UDP, TP_TCP, TP_TLS, TP_DTLS };

/* The I/O port: what the core needs from the outside world. */
struct turn_io {
	void *arg;
	/** Send one message to a client over the connection it came on,
	 *  from the server address the client uses (on a wildcard UDP
	 *  listener the source must be the address it sent to). */
	int (*send)(void *arg, void *conn, const struct sockaddr *to,
		    const struct sockaddr *from, const uint8_t *buf, size_t len);
	/** Open a relay socket bound to addr for owner. 0 and *handle;
	 *  EADDRINUSE: the core tries another port; else an errno. */
	int (*relay_open)(void *arg, const struct sockaddr *addr,
			  struct alloc *owner, void **handle);
	/** Send one datagram from a relay socket to a peer. */
	int (*relay_send)(void *arg, void *handle, const struct sockaddr *peer,
			  const uint8_t *buf, size_t len);
	void (*relay_close)(void *arg, void *handle);

	/* RFC 6062 TCP relays; NULL where the transport has none. */
	/** Open a listening TCP relay socket bound to addr (relay_close
	 *  closes it). Peers connecting to it reach turn_on_peer_accept(). */
	int (*tcp_relay_open)(void *arg, const struct sockaddr *addr,
			      struct alloc *owner, void **handle);
	/** Start a TCP connection from relay socket handle to peer. The
	 *  transport reports the outcome with turn_on_peer_connect(id). */
	int (*peer_connect)(void *arg, void *handle,
			    const struct sockaddr *peer, uint32_t id);
	/** Join a client data connection and a peer data connection into a
	 *  byte pipe; the transport owns both from now on and reports the
	 *  end with turn_on_pipe_closed(id). */
	int (*pipe)(void *arg, void *data_conn, void *peer_conn, uint32_t id);
	/** Close a peer data connection (pending, or piped when its
	 *  allocation goes: RFC 6062 §5 ties it to the allocation). */
	void (*peer_close)(void *arg, void *peer_conn);
};

/* Bytes the transport leaves free before and after a peer datagram
 * handed to turn_on_peer(), so ChannelData or a Data indication is built
 * in place around it (one copy in all: the kernel's). */
#define TURN_PEER_HEADROOM 64
#define TURN_PEER_TAILROOM 4

/* One received message and where it came from. */
struct turn_pkt {
	void *conn;                       /* transport's handle, opaque */
	enum turn_transport tp;
	const struct sockaddr *client;    /* source address */
	const struct sockaddr *local;     /* address it arrived on */
	uint64_t now_ms;                  /* monotonic */
	int64_t wall_s;                   /* Unix time */
};

/* Responses by method and code (restund style): methods 1..12 by their
 * number, [0] any other; codes by their index in turn_stats_codes[],
 * the last slot any other code. */
#define TURN_STATS_METHODS 13
#define TURN_STATS_CODES   20
extern const uint16_t turn_stats_codes[TURN_STATS_CODES]; /* 0: other */

/* Counters, read by the metrics endpoint (src/util/metrics.c). */
struct turn_stats {
	uint64_t rx_msgs;                 /* messages handed to the core */
	uint64_t malformed;               /* dropped: not STUN, bad TLVs, ... */
	uint64_t bad_fingerprint;         /* dropped: FINGERPRINT mismatch */
	uint64_t ignored;                 /* dropped: responses, unknown inds */
	uint64_t send_errors;             /* io->send failed */
	uint64_t bytes_in, bytes_out;
	uint64_t resp[700];               /* responses by code; [200] = success */
	uint64_t auth_fail[3];            /* 400, 401, 438 answers by auth */
	uint64_t allocs_created, allocs_expired, allocs_deleted;
	uint64_t peer_denied;             /* 403: policy refused a peer */
	uint64_t relay_pkts_out, relay_bytes_out;  /* client → peer */
	uint64_t relay_pkts_in, relay_bytes_in;    /* peer → client */
	uint64_t chandata_out, chandata_in, ind_out, ind_in;
	uint64_t relay_internal;          /* relay-to-relay, delivered inside */
	uint64_t relay_send_errors;       /* ENETUNREACH & co: counted, kept */
	uint64_t no_perm_drops;           /* data without a permission */
	uint64_t bw_drops;                /* over max-bps */
	uint64_t conns_refused;           /* over max-conns / max-conns-per-ip */
	uint64_t conns_idle_closed;       /* idle without an allocation */
	uint64_t rl_answers_dropped;      /* error answers over rate-limit */
	uint64_t auth_failures;           /* signed requests answered 401 */
	uint64_t rl_auth_dropped;         /* signed requests over auth-fail-limit */
	uint64_t resp_by[TURN_STATS_METHODS][TURN_STATS_CODES];
};

/** Count one response sent: resp[code] and resp_by[method][code]. */
void turn_stats_count_resp(struct turn_stats *st, uint16_t method, int code);

#define TURN_MAX_TOKENS 64

/* An RFC 6062 peer data connection, from Connect or from a peer's
 * connection to a TCP relay, until the client binds it. */
enum tcp_peer_state { TCPP_CONNECTING, TCPP_PENDING, TCPP_PIPED };
struct tcp_peer {
	uint32_t id;                      /* CONNECTION-ID */
	enum tcp_peer_state state;
	struct alloc *a;
	sockaddr_u peer;
	void *peer_conn;                  /* transport's, once connected */
	uint64_t expires_ms;              /* connect or bind deadline */
	/* The Connect request to answer when the connection is made. */
	uint8_t tid[16];
	void *ctl_conn;
	struct auth_key key;
	bool sha256, fingerprint;
	struct tcp_peer *next;
};

/* An EVEN-PORT R-bit reservation (RFC 8656 §7.2): port+1 held ~30 s. */
struct turn_token {
	uint64_t token;
	uint16_t port;
	int family;
	uint64_t expires_ms;
};

/*
 * What the cores of all worker threads share (src/turn/shared.c, one
 * mutex): relay ports, reservation tokens, quotas, per-source limits,
 * session ids, and which relayed addresses are bound (relay-to-relay
 * across workers). Not on the per-packet path.
 */
struct turn_shared;

/** key: 16 random bytes (the per-source limits' hash key, token values). */
int turn_shared_new(struct turn_shared **out, const struct conf *conf,
		    const uint8_t key[16]);
void turn_shared_free(struct turn_shared *sh);
/** Quotas of a reloaded config. */
void turn_shared_reconfigure(struct turn_shared *sh, const struct conf *conf);
/** The per-source limits (read-only view for tests), or NULL. */
const struct ratelimit *turn_shared_rl(const struct turn_shared *sh);
#define TURN_MAX_HOST_ADDRS 64
/** The host's own addresses (addr_host_cidrs), for the peer policy of
 *  every core made after this call. */
void turn_shared_set_host(struct turn_shared *sh, const struct cidr *host,
			  size_t n);
/** Relay ports of a family taken (bound, being bound, or reserved). */
unsigned turn_shared_ports_used(struct turn_shared *sh, int family);

/*
 * One core per worker thread: its own allocations, relay sockets,
 * RFC 6062 connections and counters; everything else in sh.
 */
/* auth.failed log lines per second and core, at most (the rest are
 * counted in one auth.failed.dropped line). */
#define TURN_AUTH_LOG_PER_S 10

struct turn_server {
	const struct conf *conf;
	const struct turn_io *io;
	struct auth *auth;                /* NULL: TURN refused (401) */
	struct policy policy;
	struct alloc_table *allocs;
	struct turn_shared *sh;
	bool own_sh;                      /* made by turn_server_init */
	sockaddr_u relay_ip[2];           /* relay-ips by family, or AF_UNSPEC */
	sockaddr_u listen_ip[2];          /* a concrete listen IP by family */
	uint64_t rng;                     /* xorshift: port hints, tids */
	struct tcp_peer *tcp_peers;       /* RFC 6062 connections */
	struct turn_stats stats;
	struct {                          /* auth.failed lines (events.c) */
		uint64_t sec;             /* the second they count in */
		unsigned n;               /* logged in it */
		uint64_t dropped;         /* over the cap, not logged */
	} authlog;
};

/**
 * Set up a core over a config, an I/O port and an authenticator (all
 * outlive it; auth may be NULL). seed feeds the non-cryptographic
 * generator for port hints and indication transaction ids.
 * @return 0 or ENOMEM/EINVAL.
 */
int turn_server_init(struct turn_server *s, const struct conf *conf,
		     const struct turn_io *io, struct auth *auth,
		     uint64_t seed);
/** The same for one of several workers: sh (outliving s) is shared. */
int turn_server_init_shared(struct turn_server *s, const struct conf *conf,
			    const struct turn_io *io, struct auth *auth,
			    uint64_t seed, struct turn_shared *sh);
/** Close every allocation (through io->relay_close) and free state. */
void turn_server_fini(struct turn_server *s);
/** Periodic sweep (about once a second): expire allocations,
 *  permissions, channels and reservations. */
void turn_server_tick(struct turn_server *s, uint64_t now_ms);

/** Live allocations by client transport (enum turn_transport) and relay
 *  family: [0] IPv4, [1] IPv6, [2] both (dual). Walks the table. */
void turn_alloc_counts(struct turn_server *s, uint64_t out[4][3]);

/** A stream connection closed: its allocation (RFC 8656 §5: one per
 *  TCP/TLS connection) goes with it. */
void turn_conn_closed(struct turn_server *s, const struct turn_pkt *p);
/** Config reload: conf and auth (both outliving s) apply from the next
 *  request on; live allocations are kept. relay-ports and relay-ips must
 *  be unchanged. */
void turn_server_reconfigure(struct turn_server *s, const struct conf *conf,
			     struct auth *auth);
/** Whether the connection of p holds a live allocation (idle checks). */
bool turn_conn_has_alloc(struct turn_server *s, const struct turn_pkt *p);

/* RFC 6062: outcomes the transport reports. */
/** The connection for a Connect (id) is made (peer_conn) or failed
 *  (NULL). @return false: nobody wants it any more, close peer_conn. */
bool turn_on_peer_connect(struct turn_server *s, uint32_t id,
			  void *peer_conn, uint64_t now_ms);
/** A peer connected to allocation a's TCP relay. @return its
 *  CONNECTION-ID, or 0: no permission, the transport closes it. */
uint32_t turn_on_peer_accept(struct turn_server *s, struct alloc *a,
			 const struct sockaddr *peer, void *peer_conn,
			 uint64_t now_ms);
/** A pipe (or an unpiped peer connection) closed. */
void turn_on_pipe_closed(struct turn_server *s, uint32_t id);

/**
 * A datagram from a peer arrived on relay socket of allocation a (the
 * owner given to relay_open). buf has TURN_PEER_HEADROOM bytes writable
 * before it and TURN_PEER_TAILROOM after len.
 */
void turn_on_peer(struct turn_server *s, struct alloc *a,
		  const struct sockaddr *peer, uint8_t *buf, size_t len,
		  uint64_t now_ms);

/**
 * Handle one message from a client: a datagram (UDP) or one frame cut
 * from a stream by stun_frame_len(). Never fails: bad input is counted
 * and dropped, or answered with the right STUN error.
 */
void turn_on_client(struct turn_server *s, const struct turn_pkt *p,
		    const uint8_t *buf, size_t len);

#endif
