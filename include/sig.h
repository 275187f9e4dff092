/**
 * @file sig.h  The signaling core: rooms, sessions and the JSON protocol
 * of docs/signaling.md, as pure state.
 *
 * The core never touches a socket or a clock: a transport (the WebSocket
 * server in src/http) hands it each text message of a connection and the
 * core answers through a small port of callbacks. Time, wall time and
 * randomness come through the port too, so tests drive it with a fake
 * clock and a recording port.
 *
 * Lifecycle of a connection: sig_open() when the WebSocket is up (NULL
 * when the connection cap is reached), sig_input() for every text
 * message, sig_closed() when the transport loses it. When the core itself
 * ends a connection (idle, abuse, replaced by a reconnect) it calls
 * port->close(); from then on that sig_conn is gone and the transport must
 * not pass it again (nor call sig_closed for it).
 */
#ifndef TURNPIKE_SIG_H
#define TURNPIKE_SIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#define SIG_ID_LEN      12     /* hex characters of a peer id */
#define SIG_TOKEN_LEN   32     /* hex characters of a random session token */
#define SIG_TOKEN_MAX   52     /* ... of a signed one (resume.c) */
#define SIG_RESUME_SLACK_S 60  /* a signed token outlives grace by this */
#define SIG_ROOM_MAX    64     /* bytes of a room name */
#define SIG_NAME_MAX    64     /* bytes of a display name */
#define SIG_PASS_MAX    128    /* bytes of a room password */
#define SIG_CHAT_MAX    2000   /* bytes of a chat text */
#define SIG_SDP_MAX     60000  /* bytes of an offer's or answer's SDP */
#define SIG_HOST_MAX    256    /* a host as written in URLs */
#define SIG_IP_MAX      64

/* WebSocket close codes the core asks for. */
enum sig_close {
	SIG_CLOSE_IDLE = 1001,      /* going away: idle timeout */
	SIG_CLOSE_POLICY = 1008,    /* abuse, or replaced by a reconnect */
};

/** How the core reaches its transport. */
struct sig_port {
	void *arg;
	/** Queue one text message to conn. 0, or -1 when the transport
	 *  cannot take it (it then drops conn later, on its own). */
	int (*send)(void *arg, void *conn, const char *text, size_t len);
	/** End conn with a WebSocket close code. The core has forgotten it. */
	void (*close)(void *arg, void *conn, int code);
	uint64_t (*now_ms)(void *arg);          /* monotonic milliseconds */
	int64_t (*wall_ms)(void *arg);          /* Unix milliseconds */
	void (*random)(void *arg, uint8_t *buf, size_t len);
};

/* The TURN credential handed out: unscoped (the app vouched for the
 * user: a join ticket, the api-key), relay-to-relay only (the zero
 * value: the safe one), or none. */
enum sig_cred { SIG_CRED_RELAY, SIG_CRED_FULL, SIG_CRED_NONE };

/** The STUN/TURN servers announced in welcome and /api/ice-servers. */
struct sig_ice {
	uint16_t port;          /* STUN/TURN port (UDP and TCP); 0 = none */
	uint16_t tls_port;      /* turns: port; 0 = none */
	const char *secret;     /* TURN REST secret; NULL = stun: URLs only */
	unsigned ttl;           /* seconds a credential lives */
	enum sig_cred anon;     /* for a join without a ticket
				 * (anonymous-relay) */
};

struct sig_limits {
	unsigned capacity;      /* peers per room */
	unsigned max_rooms;
	unsigned max_conns;
	unsigned history;       /* chat messages kept per room */
	unsigned max_msg;       /* bytes of one message */
	unsigned rate;          /* messages per second per connection */
	unsigned idle_s;        /* seconds without a message before closing */
	unsigned grace_s;       /* seconds a dropped session can be resumed */
	unsigned join_rate;     /* joins per minute per source IP */
	const char *join_secret;/* non-NULL: joins need a signed ticket */
	const char *resume_key; /* non-NULL: signed session tokens, which
				 * resume across a restart (resume.c) */
};

struct sig;
struct sig_conn;

/** A core with these limits and servers (both copied, secrets by
 *  pointer: they must outlive the core). 0 or ENOMEM. */
int sig_new(struct sig **out, const struct sig_limits *lim,
	    const struct sig_ice *ice, const struct sig_port *port);
/** Free everything; no port call is made. NULL is fine. */
void sig_free(struct sig *s);
/** New limits and servers (config reload): they apply to what comes
 *  next; rooms and sessions stay (a smaller capacity admits no one new
 *  until a room shrinks below it). */
void sig_reconfigure(struct sig *s, const struct sig_limits *lim,
		     const struct sig_ice *ice);

/**
 * A new connection from ip (text, for the per-IP join limit) whose URLs
 * use host (as in a URL: an IPv6 address in brackets).
 * @return its state, or NULL when max_conns are open (or no memory).
 */
struct sig_conn *sig_open(struct sig *s, void *conn, const char *ip,
			  const char *host);
/** One text message of c (any bytes; at most max_msg are accepted). */
void sig_input(struct sig *s, struct sig_conn *c, const char *text,
	       size_t len);
/** The transport lost c: its session leaves its room (grace starts). */
void sig_closed(struct sig *s, struct sig_conn *c);
/** Idle timeouts and the end of grace periods: call about every second. */
void sig_tick(struct sig *s);

/** Whether ip may get one more credential now (join-rate per minute,
 *  shared by joins and /api/ice-servers); takes one if so. */
bool sig_issue_allowed(struct sig *s, const char *ip);

size_t sig_nconns(const struct sig *s);
size_t sig_nrooms(const struct sig *s);
size_t sig_nsessions(const struct sig *s);
/** Text messages received from (out false) or sent to (true) clients. */
uint64_t sig_nmessages(const struct sig *s, bool out);

/**
 * The iceServers array for a session id: one entry with stun:, turn: (UDP,
 * TCP) and turns: URLs on host and, with a secret and a cred other than
 * SIG_CRED_NONE, a TURN REST credential (username "EXPIRY:ID", or
 * "EXPIRY:relay:ID" for SIG_CRED_RELAY; EXPIRY = wall_s + ttl). NULL
 * without memory.
 */
json_t *sig_ice_servers(const struct sig_ice *ice, const char *host,
			const char *id, int64_t wall_s, enum sig_cred cred);

/**
 * Check a join ticket "EXPIRY:HEX" where HEX is the lowercase hex
 * HMAC-SHA256(secret, "ROOM\nNAME\nEXPIRY") and EXPIRY (Unix seconds) is
 * not past. @return 0, or EACCES.
 */
int sig_ticket_check(const char *secret, const char *room, const char *name,
		     const char *ticket, int64_t wall_s);
/** Make such a ticket (for tests and docs) into out (≥ 96 bytes). */
void sig_ticket_make(const char *secret, const char *room, const char *name,
		     int64_t expiry, char *out, size_t cap);

#endif
