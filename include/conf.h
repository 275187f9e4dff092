/**
 * @file conf.h  The configuration: one libconfig file plus command-line
 * overrides, parsed once into a validated, typed struct.
 *
 * Order of precedence: built-in defaults < file (-c) < command line.
 * After startup the config is only ever read through a const pointer; no
 * lookup by string happens at run time.
 */
#ifndef TURNPIKE_CONF_H
#define TURNPIKE_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <netinet/in.h>

#include "addr.h"
#include "log.h"

#define CONF_MAX_LISTEN   16
#define CONF_MAX_USERS    256   /* inline users; the users file has none */
#define CONF_MAX_SECRETS  8
#define CONF_MAX_CIDRS    64
#define CONF_MAX_RELAY_IP 8
#define CONF_MAX_ORIGINS  16
#define CONF_MAX_CERTS    16   /* extra SNI certificates */
#define CONF_MAX_WORKERS  256  /* worker threads */
#define CONF_TLS_PORT     5349

/* A static long-term credential user (RFC 8489 §9.2). */
struct conf_user {
	char *name;
	char *password;  /* secret: never logged */
};

/* external-ip = "PUBLIC" or "PUBLIC/PRIVATE" (coturn's syntax). */
struct conf_external_ip {
	struct sockaddr_storage public_ip;
	struct sockaddr_storage private_ip; /* AF_UNSPEC: applies to any */
};

/* anonymous-relay: the TURN credentials signaling hands to a join that
 * carried no ticket (docs/security.md). */
enum conf_anon {
	CONF_ANON_RELAY = 0,    /* relay-to-relay only (scoped credential) */
	CONF_ANON_ANY,          /* unscoped, like an app-minted one */
	CONF_ANON_OFF,          /* no TURN credential: stun: only */
};

struct conf {
	char *path;                       /* the file loaded, or NULL */

	/* listeners: each address gets UDP and TCP */
	struct sockaddr_storage listen[CONF_MAX_LISTEN];
	size_t nlisten;

	/* logging */
	enum log_level log_level;         /* default info */
	enum log_target log_target;       /* default stderr */
	char *log_file;                   /* for LOG_TO_FILE */
	enum log_format log_format;       /* default text */

	bool generated_secret;            /* auth_secrets[0] made at startup
					     (demo mode: nothing configured) */

	/* process */
	char *proc_user;                  /* drop root to this user; NULL = stay */
	char *proc_group;                 /* and group (default: the user's) */
	char *pidfile;                    /* NULL = none */

	char *software;                   /* SOFTWARE value; NULL = off (default) */

	/* TURN auth */
	char *realm;                      /* default "turnpike" (may point at a
					     built-in constant: only conf_free
					     releases it) */
	struct conf_user users[CONF_MAX_USERS];
	size_t nusers;
	char *users_file;                 /* NULL = none */
	char *auth_secrets[CONF_MAX_SECRETS]; /* TURN REST secrets */
	size_t nsecrets;
	unsigned nonce_lifetime;          /* seconds, default 600 */

	/* peer policy */
	struct cidr allow_peer[CONF_MAX_CIDRS];
	size_t nallow_peer;
	struct cidr deny_peer[CONF_MAX_CIDRS];
	size_t ndeny_peer;

	/* relay */
	struct sockaddr_storage relay_ip[CONF_MAX_RELAY_IP]; /* none: by listen */
	size_t nrelay_ip;
	uint16_t relay_port_min;          /* default 61000 */
	uint16_t relay_port_max;          /* default 65535 */
	struct conf_external_ip external_ip[CONF_MAX_RELAY_IP];
	size_t nexternal_ip;

	/* lifetimes and quotas */
	unsigned default_lifetime;        /* default 600 */
	unsigned max_lifetime;            /* default 3600 */
	unsigned user_quota;              /* allocations per user; 0 = none
					     (default) */
	unsigned total_quota;             /* allocations in all; 0 = the relay
					     port count (default) */
	unsigned anon_quota;              /* of scoped credentials in all; 0 =
					     half the total (default) */
	unsigned anon_quota_per_ip;       /* of scoped credentials per source
					     (IPv6 /64), default 32, never
					     over half the relay ports */
	unsigned max_permissions;         /* per allocation, default 64; >= 1 */
	unsigned max_bps;                 /* bytes/s per allocation, each way; 0 = none */

	/* connection hygiene (TCP/TLS) */
	unsigned tcp_idle_timeout;        /* s without input, for a connection
					     without an allocation; default 30 */
	unsigned max_conns;               /* all TCP/TLS connections, default 4096 */
	unsigned max_conns_per_ip;        /* per source IP, default 64; 0 = none */
	unsigned udp_rcvbuf, udp_sndbuf;  /* UDP listener buffers, bytes; 0 = kernel's */
	unsigned workers;                 /* threads; 0 = one per online CPU */
	/* HTTP listener and signaling (docs/signaling.md) */
	struct sockaddr_storage http_listen[CONF_MAX_LISTEN]; /* none: off */
	size_t nhttp_listen;
	bool http_listen_default;         /* still the built-in 0.0.0.0:8080:
					     a failed bind only warns */
	char *www_dir;                    /* static files; NULL = "www" */
	unsigned http_head_timeout;       /* s from accept to a whole request
					     head (HTTP and admin), 10 */
	unsigned http_max_conns_per_ip;   /* HTTP (and admin) connections per
					     IPv4 address or IPv6 /64, 64;
					     0 = none */
	char *api_key;                    /* /api/ice-servers; NULL = 404 */
	char *allowed_origins[CONF_MAX_ORIGINS]; /* none: same host only */
	size_t norigins;
	char *public_host;                /* host of stun:/turn: URLs; NULL =
					     external-ip, else listen, else
					     the HTTP Host */
	char *join_secret;                /* NULL: anyone may join (demo) */
	enum conf_anon anonymous_relay;   /* credentials of ticketless joins:
					     default CONF_ANON_RELAY */
	unsigned room_capacity;           /* peers per room, default 6 */
	unsigned max_rooms;               /* default 1000 */
	unsigned max_sig_conns;           /* WebSocket connections, 1000 */
	unsigned chat_history;            /* messages kept per room, 50 */
	unsigned sig_max_message;         /* bytes, default 65536 */
	unsigned sig_rate;                /* messages/s per connection, 20 */
	unsigned sig_idle;                /* seconds without a message, 60 */
	unsigned sig_grace;               /* seconds a session survives, 30 */
	unsigned ice_ttl;                 /* REST credential lifetime, 3600 */
	unsigned join_rate;               /* joins per minute per IP, 30 */

	/* admin listener: GET /metrics, GET /api/status (docs/admin.md) */
	struct sockaddr_storage admin_listen[CONF_MAX_LISTEN]; /* none: off */
	size_t nadmin_listen;
	bool admin_listen_default;        /* still the built-in
					     127.0.0.1:9641: a failed bind
					     only warns */
	char *admin_token;                /* Bearer token; NULL = none */
	char file_sha256[65];             /* of the file loaded, hex; "" = none */

	/* abuse resistance, per source IP (IPv6: per /64) */
	unsigned rate_limit;              /* unauthenticated error answers/s
					     over UDP, default 20; 0 = off */
	unsigned rate_limit_burst;        /* ... in bursts of, default 100 */
	unsigned auth_fail_limit;         /* failed authentications/minute
					     (and burst), default 60; 0 = off */
	/* TLS (TCP) and DTLS (UDP) listeners, RFC 8656 §3.1 */
	struct sockaddr_storage tls_listen[CONF_MAX_LISTEN];
	size_t ntls_listen;
	unsigned tls_listen_line;         /* line of tls-listen in the file */
	char *cert;                       /* PEM certificate (+ chain) */
	char *key;                        /* PEM private key */
	char *certs[CONF_MAX_CERTS];      /* extra PEM files (chain + key) for SNI */
	size_t ncerts;
	char *tls_ciphers;                /* OpenSSL cipher list (TLS <= 1.2) */
	unsigned tls_min_version;         /* 12 (default) or 13 */
};

/** What the caller should do after conf_parse_args(). */
enum conf_action {
	CONF_RUN,        /* start the server */
	CONF_CHECK,      /* --check-config: validated; print OK and exit 0 */
	CONF_RELOAD,     /* --reload: SIGHUP to the pid in pidfile, exit */
	CONF_EXIT,       /* --help / --version printed; exit 0 */
	CONF_USAGE,      /* on error only: a bad flag, flag value or
			  * argument (the caller points to --help) */
};

/** Fill c with built-in defaults (listen 0.0.0.0:3478 and [::]:3478). */
void conf_defaults(struct conf *c);

/**
 * Load a libconfig file over c: keys present replace the current values
 * (a list key replaces the whole list), absent keys keep them. Unknown
 * keys, wrong types and bad values are errors. On error, err holds
 * "FILE:LINE: key 'K': what" (or "FILE:LINE: syntax error: TEXT", or
 * "FILE: cannot read: REASON"). The return is EINVAL, or the errno of
 * opening the file (ENOENT, EACCES, EISDIR) or EIO if it cannot be read;
 * c may then be partly updated but is always safe to conf_free().
 */
int conf_load_file(struct conf *c, const char *path, char *err, size_t errlen);
/** The same from a string (tests); name is used in messages. */
int conf_load_string(struct conf *c, const char *text, const char *name,
		     char *err, size_t errlen);

/**
 * Cross-field checks (port range order, lifetimes, realm non-empty,
 * log file given for LOG_TO_FILE, ...). 0 or EINVAL with err filled.
 */
int conf_validate(const struct conf *c, char *err, size_t errlen);

/**
 * Parse argv: defaults, then the file named by -c/--config (if any),
 * then the other flags on top, then conf_validate(). c must own nothing
 * on entry (fresh, or after conf_free). --help and --version print to out
 * (stdout if NULL). On error err is filled and the return is EINVAL (the
 * caller exits 2), with *act CONF_USAGE when the command line itself is
 * wrong, else CONF_RUN; in every case the caller ends with conf_free(c).
 * Uses getopt_long, so it resets optind.
 */
int conf_parse_args(struct conf *c, int argc, char **argv,
		    enum conf_action *act, FILE *out, char *err, size_t errlen);

/**
 * Apply TURNPIKE_* environment variables over c (after the file, before
 * the flags): key "relay-ports" is TURNPIKE_RELAY_PORTS; a list key takes
 * comma-separated values and replaces the list. get is getenv, or a fake
 * in tests. 0, or EINVAL with err naming the variable (never its value).
 */
int conf_load_env(struct conf *c, const char *(*get)(const char *name),
		  char *err, size_t errlen);

/** Print the usage text. */
void conf_usage(FILE *out, const char *prog);

/** Free every owned string; c is left as after conf_defaults(). */
void conf_free(struct conf *c);

#endif
