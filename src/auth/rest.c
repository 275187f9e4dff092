/**
 * @file rest.c  TURN REST API credentials (draft-uberti-behave-turn-rest-00).
 *
 *   username = "EXPIRY:NAME" or "EXPIRY"  (EXPIRY: Unix seconds, digits);
 *              "EXPIRY:relay:NAME" is scoped to relay-to-relay
 *   password = base64(HMAC-SHA1(secret, username))
 *   key      = MD5 or SHA-256 of "username:realm:password"
 *
 * Every configured secret is tried, so a secret can be rotated by adding
 * the new one before removing the old. The expiry is checked against the
 * wall clock passed in; nothing is remembered.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "auth_int.h"

#define REST_PASS_LEN 28   /* base64 of a 20-byte HMAC-SHA1 */

size_t
auth_rest_password(const char *secret, const char *username, char *out,
		   size_t cap)
{
	uint8_t mac[EVP_MAX_MD_SIZE];
	unsigned maclen = 0;
	int n;

	if (secret == NULL || username == NULL || out == NULL ||
	    cap < REST_PASS_LEN + 1)
		return 0;
	if (HMAC(EVP_sha1(), secret, (int)strlen(secret),
		 (const uint8_t *)username, strlen(username), mac,
		 &maclen) == NULL) {
		out[0] = '\0';
		return 0;
	}
	n = EVP_EncodeBlock((uint8_t *)out, mac, (int)maclen);
	OPENSSL_cleanse(mac, sizeof(mac));
	return n == REST_PASS_LEN ? (size_t)n : 0;
}

#define SCOPE_RELAY "relay"

size_t
auth_rest_username(char *out, size_t cap, int64_t expiry, bool relay_only,
		   const char *id)
{
	int n = snprintf(out, cap, "%lld:%s%s", (long long)expiry,
			 relay_only ? SCOPE_RELAY ":" : "", id);

	return n > 0 && (size_t)n < cap ? (size_t)n : 0;
}

/* The field after the expiry is exactly "relay" (then ':' or the end).
 * Anyone holding the secret can mint such a name: it only narrows. */
bool
auth_rest_relay_only(const char *user)
{
	const char *f = strchr(user, ':');
	size_t n = strlen(SCOPE_RELAY);

	return f != NULL && strncmp(f + 1, SCOPE_RELAY, n) == 0 &&
	       (f[1 + n] == ':' || f[1 + n] == '\0');
}

/*
 * The expiry of a REST username: the digits before the first ':' (or
 * the whole name). Strict: one digit at least, digits only, no overflow.
 * @return 0, or EINVAL if user is not of that form.
 */
int
rest_expiry(const char *user, int64_t *expiry)
{
	int64_t v = 0;
	const char *p = user;

	for (; *p >= '0' && *p <= '9'; p++) {
		int d = *p - '0';

		if (v > (INT64_MAX - d) / 10)
			return EINVAL;
		v = v * 10 + d;
	}
	if (p == user || (*p != '\0' && *p != ':'))
		return EINVAL;
	*expiry = v;
	return 0;
}

/* Key of user under one secret. */
static int
rest_key(const char *secret, const char *user, const char *realm,
	 enum auth_alg alg, struct auth_key *key)
{
	char pass[REST_PASS_LEN + 1];
	int err = EINVAL;

	if (auth_rest_password(secret, user, pass, sizeof(pass)) != 0)
		err = auth_ltc_key(alg, user, realm, pass, key);
	OPENSSL_cleanse(pass, sizeof(pass));
	return err;
}

/*
 * Verify m's integrity with each secret's key for user. On success *key
 * is the one that matched. @return 0 or EACCES.
 */
int
rest_verify(const struct auth *a, const struct stun_msg *m,
	    const char *user, enum auth_alg alg, struct auth_key *key)
{
	bool sha256 = m->mi256 >= 0;
	struct auth_key k;

	for (size_t i = 0; i < a->nsecrets; i++) {
		if (rest_key(a->secrets[i], user, a->realm, alg, &k) != 0)
			continue;
		if (stun_check_integrity(m, sha256, k.key, k.len) == 0) {
			*key = k;
			OPENSSL_cleanse(&k, sizeof(k));
			return 0;
		}
	}
	OPENSSL_cleanse(&k, sizeof(k));
	return EACCES;
}
