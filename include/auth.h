/**
 * @file auth.h  TURN authentication: RFC 8489 §9.2 long-term credentials,
 * stateless nonces, static users, a users file, TURN REST API secrets.
 *
 * Pure: no I/O except reading the users file in auth_new(); time is
 * passed in (wall_s, Unix seconds). A failed check changes no state.
 * Secrets never reach the log.
 */
#ifndef TURNPIKE_AUTH_H
#define TURNPIKE_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

#include "conf.h"
#include "stun.h"

/* PASSWORD-ALGORITHM values (RFC 8489 §18.5). */
enum auth_alg { AUTH_ALG_MD5 = 0x0001, AUTH_ALG_SHA256 = 0x0002 };

#define AUTH_USER_MAX  513     /* RFC 8489 §14.3: < 509 bytes, + NUL */
#define AUTH_NONCE_MAX 64

/* A long-term key: MD5 or SHA-256 of "user:realm:password". */
struct auth_key {
	enum auth_alg alg;
	uint8_t key[32];
	size_t len;              /* 16 (MD5) or 32 (SHA-256) */
};

/* Outcome of auth_check(). */
struct auth_result {
	int code;                /* 0 ok; else 400, 401, 438 to answer */
	char user[AUTH_USER_MAX];/* the authenticated name (USERNAME, or the
				  * user found by USERHASH) */
	bool rest;               /* authenticated by a TURN REST secret */
	bool relay_only;         /* a scoped REST name ("EXPIRY:relay:ID"):
				  * may relay to this server's allocations
				  * only (docs/security.md) */
	bool sha256;             /* the request used MESSAGE-INTEGRITY-SHA256:
				  * answer with it too */
	struct auth_key key;     /* for the response's integrity */
};

struct auth;

/**
 * Build the authenticator from the config: realm, static users, the users
 * file (read here), REST secrets, nonce lifetime. nonce_key is a random
 * per-process secret for the nonce HMAC. On error err holds
 * "FILE:LINE: what" and the return is EINVAL (or ENOENT/ENOMEM).
 */
int auth_new(struct auth **out, const struct conf *c,
	     const uint8_t nonce_key[32], char *err, size_t errlen);
void auth_free(struct auth *a);

/** True if at least one user or REST secret exists (TURN is never open). */
bool auth_enabled(const struct auth *a);

/**
 * Check a TURN request's credentials (RFC 8489 §9.2.4), in this order:
 * no MI/MI-SHA256 → 401; missing USERNAME/USERHASH, REALM or NONCE → 400;
 * nonce forged, for another client or expired → 438; unknown user,
 * expired REST username or wrong integrity → 401. PASSWORD-ALGORITHM(S)
 * downgrade checks → 400. Comparisons are constant-time.
 */
void auth_check(const struct auth *a, const struct stun_msg *m,
		const struct sockaddr *client, int64_t wall_s,
		struct auth_result *r);

/**
 * Add the challenge attributes of a 401/438 answer: REALM, NONCE, and
 * PASSWORD-ALGORITHMS when SHA-256 is offered. Small on purpose: these go
 * to unauthenticated sources (amplification).
 */
void auth_challenge(const struct auth *a, struct stun_enc *e,
		    const struct sockaddr *client, int64_t wall_s);

/** The realm, for REALM attributes of authenticated answers. */
const char *auth_realm(const struct auth *a);

/* Building blocks, exposed for tests and the signaling endpoint. */

/** A stateless nonce for client at wall_s into out (NUL-terminated).
 *  @return its length. */
size_t auth_nonce_make(const struct auth *a, const struct sockaddr *client,
		       int64_t wall_s, char *out, size_t cap);
/** 0 valid, ESTALE expired, EACCES forged or for another client. */
int auth_nonce_check(const struct auth *a, const struct sockaddr *client,
		     int64_t wall_s, const uint8_t *nonce, size_t len);
/** Long-term key of user:realm:password with alg. 0 or EINVAL. */
int auth_ltc_key(enum auth_alg alg, const char *user, const char *realm,
		 const char *pass, struct auth_key *out);
/** A TURN REST username: "EXPIRY:ID", or "EXPIRY:relay:ID" when
 *  relay_only (the scope is in the name, so the HMAC covers it).
 *  @return its length, 0 if it does not fit. */
size_t auth_rest_username(char *out, size_t cap, int64_t expiry,
			  bool relay_only, const char *id);
/** Whether a REST username carries the relay-only scope. */
bool auth_rest_relay_only(const char *user);
/** TURN REST password: base64(HMAC-SHA1(secret, username)) into out
 *  (≥ 29 bytes). @return its length. */
size_t auth_rest_password(const char *secret, const char *username,
			  char *out, size_t cap);

#endif
