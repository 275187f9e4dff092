/**
 * @file auth_int.h  Private parts of the auth module: the authenticator,
 * the users table, the nonce and TURN REST helpers.
 */
#ifndef TURNPIKE_AUTH_INT_H
#define TURNPIKE_AUTH_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "auth.h"

#define AUTH_NAME_MAX   508   /* RFC 8489 §14.3: fewer than 509 bytes */
#define AUTH_HASH_LEN   32    /* USERHASH, SHA-256 key */
#define AUTH_MD5_LEN    16

/*
 * Nonce (RFC 8489 §9.2): "obMatJos2" + 4 base64 characters of the 24-bit
 * security feature set, then 11 base64url characters of 8 bytes:
 * issue time (32-bit big-endian Unix seconds) and the first 4 bytes of
 * HMAC-SHA256(nonce_key, time || family || IP). 24 characters in all.
 */
#define NONCE_COOKIE     "obMatJos2"
#define NONCE_COOKIE_LEN 9
#define NONCE_PREFIX_LEN 13   /* cookie + 4 feature characters */
#define NONCE_TAG_LEN    4
#define NONCE_BODY_LEN   11   /* base64 of 4 + NONCE_TAG_LEN bytes */
#define NONCE_LEN        (NONCE_PREFIX_LEN + NONCE_BODY_LEN)
#define NONCE_SKEW_S     60   /* issued "in the future" by this much: ok */

/* RFC 8489 §18.1 security features; bit 0 is the first (top) bit. */
#define AUTH_FEAT_PASSWORD_ALGS 0x800000u
#define AUTH_FEAT_USER_ANON     0x400000u

/* A static user: from the config or the users file. Keys only. */
struct auth_user {
	char *name;
	unsigned line;               /* users file line; 0 = config */
	bool has_md5, has_sha256;
	uint8_t md5[AUTH_MD5_LEN];
	uint8_t sha256[AUTH_HASH_LEN];
	uint8_t userhash[AUTH_HASH_LEN]; /* SHA-256(name ":" realm) */
};

/* Sorted by name (bsearch); by_hash indexes the same users by USERHASH. */
struct auth_users {
	struct auth_user *v;
	size_t n, cap;
	struct auth_user **by_hash;
};

struct auth {
	char *realm;
	uint8_t nonce_key[32];
	unsigned nonce_lifetime;
	char nonce_prefix[NONCE_PREFIX_LEN + 1];
	struct auth_users users;
	char *secrets[CONF_MAX_SECRETS];
	size_t nsecrets;
};

/* users.c */
int users_push(struct auth_users *u, const char *name, const char *realm,
	       unsigned line, struct auth_user **out, char *why,
	       size_t whylen);
int users_add(struct auth_users *u, const char *name, const char *realm,
	      const char *pass, unsigned line, char *why, size_t whylen);
int users_index(struct auth_users *u, const char *file, char *err,
		size_t errlen);
const struct auth_user *users_find(const struct auth_users *u,
				   const char *name);
const struct auth_user *users_find_hash(const struct auth_users *u,
					const uint8_t hash[AUTH_HASH_LEN]);
void users_free(struct auth_users *u);
bool auth_name_ok(const uint8_t *s, size_t len);
int auth_userhash(const char *name, const char *realm,
		  uint8_t out[AUTH_HASH_LEN]);

/* users_file.c */
int users_load_file(struct auth_users *u, const char *path,
		    const char *realm, char *err, size_t errlen);

/* rest.c */
int rest_expiry(const char *user, int64_t *expiry);
int rest_verify(const struct auth *a, const struct stun_msg *m,
		const char *user, enum auth_alg alg, struct auth_key *key);

/* nonce.c */
void nonce_prefix(char out[NONCE_PREFIX_LEN + 1], uint32_t features);

#endif
