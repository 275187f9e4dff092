/**
 * @file policy.h  Which peer addresses a relay may send to (RFC 8656 §9's
 * "permission" is the client's; this is the admin's).
 *
 * Secure by default: loopback, private, link-local, multicast,
 * documentation, benchmarking and other special-purpose ranges are denied
 * unless the admin allows them, and so are the server's own listening
 * ports. IPv4-mapped (::ffff:a.b.c.d) and IPv4-compatible (::a.b.c.d)
 * IPv6 addresses are judged as the IPv4 address they carry, so no
 * spelling slips through. Pure: no I/O.
 */
#ifndef TURNPIKE_POLICY_H
#define TURNPIKE_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <netinet/in.h>

#include "addr.h"
#include "conf.h"

enum policy_verdict {
	POLICY_ALLOW = 0,
	POLICY_DENY_NEVER,      /* 0.0.0.0/8, ::, port 0: never allowed */
	POLICY_DENY_LISTENER,   /* one of the server's own listening ports
				 * (TURN, TLS/DTLS, HTTP, admin) */
	POLICY_DENY_HOST,       /* one of the host's own addresses, not
				 * named exactly by allow-peer */
	POLICY_DENY_CONFIG,     /* matched deny-peer */
	POLICY_DENY_DEFAULT,    /* matched the built-in deny list */
	POLICY_DENY_SCOPE,      /* not a relayed address, for a relay-only
				 * (scoped) credential */
};

#define POLICY_LISTEN_LISTS 4          /* listen, tls, http, admin */

struct policy {
	const struct cidr *allow;  size_t nallow;   /* from conf */
	const struct cidr *deny;   size_t ndeny;
	const struct sockaddr_storage *listen[POLICY_LISTEN_LISTS];
	size_t nlisten[POLICY_LISTEN_LISTS];
	const struct cidr *host;   size_t nhost;    /* the host's addresses */
};

/** Point the policy at the config's lists and the host's addresses
 *  (both outlive it; host may be NULL). */
void policy_init(struct policy *p, const struct conf *c,
		 const struct cidr *host, size_t nhost);

/**
 * Judge a peer transport address. Order: never-allowed, the server's
 * listeners, the host's own addresses (unless allow-peer names the
 * address itself: a /32 or /128), allow-peer (wins), deny-peer, the
 * built-in list, allow.
 */
enum policy_verdict policy_check(const struct policy *p,
				 const struct sockaddr *peer);

/**
 * Judge a peer IP address whatever its port, for an IP-only permission
 * with no port given (CreatePermission's port 0, RFC 8656 §10.1): the
 * same rules without the port ones (port 0, the server's listeners).
 * Datagrams must still pass policy_check() with their real port.
 */
enum policy_verdict policy_check_ip(const struct policy *p,
				    const struct sockaddr *peer);

/** Normalise: an IPv4-mapped or IPv4-compatible IPv6 address becomes the
 *  sockaddr_in it carries (port kept); anything else is copied. */
void policy_normalise(const struct sockaddr *in, struct sockaddr_storage *out);

/** Short name of a verdict, for logs and metrics ("default-deny"). */
const char *policy_verdict_name(enum policy_verdict v);

#endif
