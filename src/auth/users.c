/**
 * @file users.c  Static long-term credential users: key derivation, name
 * checks, and the table (sorted by name for bsearch, with a second index
 * sorted by USERHASH). Users come from the config and the users file
 * (users_file.c); only their keys are kept, never a password.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "auth_int.h"

/* Hash the NUL-terminated parts one after the other. */
static int
digest_parts(const EVP_MD *md, const char *const *parts, size_t n,
	     uint8_t *out)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int err = EINVAL;

	if (ctx == NULL)
		return ENOMEM;
	if (!EVP_DigestInit_ex(ctx, md, NULL))
		goto out;
	for (size_t i = 0; i < n; i++) {
		if (!EVP_DigestUpdate(ctx, parts[i], strlen(parts[i])))
			goto out;
	}
	if (!EVP_DigestFinal_ex(ctx, out, NULL))
		goto out;
	err = 0;
 out:
	EVP_MD_CTX_free(ctx);
	return err;
}

int
auth_ltc_key(enum auth_alg alg, const char *user, const char *realm,
	     const char *pass, struct auth_key *out)
{
	const char *parts[] = { user, ":", realm, ":", pass };
	const EVP_MD *md;
	int err;

	if (user == NULL || realm == NULL || pass == NULL || out == NULL)
		return EINVAL;
	memset(out, 0, sizeof(*out));
	if (alg == AUTH_ALG_MD5)
		md = EVP_md5();
	else if (alg == AUTH_ALG_SHA256)
		md = EVP_sha256();
	else
		return EINVAL;

	err = digest_parts(md, parts, 5, out->key);
	if (err)
		return err;
	out->alg = alg;
	out->len = alg == AUTH_ALG_MD5 ? AUTH_MD5_LEN : AUTH_HASH_LEN;
	return 0;
}

/* RFC 8489 §14.4: USERHASH = SHA-256(username ":" realm). */
int
auth_userhash(const char *name, const char *realm, uint8_t out[AUTH_HASH_LEN])
{
	const char *parts[] = { name, ":", realm };

	return digest_parts(EVP_sha256(), parts, 3, out);
}

/* Length of the UTF-8 sequence at s (1..4), or 0 if malformed. */
static size_t
utf8_seq(const uint8_t *s, size_t len)
{
	uint32_t cp;
	size_t n;

	if (s[0] < 0x80)
		return s[0] >= 0x20 && s[0] != 0x7f ? 1 : 0; /* no controls */
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2, cp = s[0] & 0x1fu;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3, cp = s[0] & 0x0fu;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4, cp = s[0] & 0x07u;
	else
		return 0;
	if (n > len)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3fu);
	}
	/* overlong forms, surrogates, beyond U+10FFFF */
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return n;
}

/* A user name: 1..508 bytes of UTF-8 text without control characters. */
bool
auth_name_ok(const uint8_t *s, size_t len)
{
	size_t n;

	if (len == 0 || len > AUTH_NAME_MAX)
		return false;
	for (size_t i = 0; i < len; i += n) {
		n = utf8_seq(s + i, len - i);
		if (n == 0)
			return false;
	}
	return true;
}

static const char *
name_problem(const char *name)
{
	size_t len = strlen(name);

	if (len == 0)
		return "empty user name";
	if (len > AUTH_NAME_MAX)
		return "user name longer than 508 bytes";
	if (!auth_name_ok((const uint8_t *)name, len))
		return "user name is not printable UTF-8";
	return NULL;
}

/* Append a user with no keys yet; *out points at it. */
int
users_push(struct auth_users *u, const char *name, const char *realm,
	   unsigned line, struct auth_user **out, char *why, size_t whylen)
{
	const char *what = name_problem(name);
	struct auth_user *e;

	if (what != NULL) {
		snprintf(why, whylen, "%s", what);
		return EINVAL;
	}
	if (u->n == u->cap) {
		size_t cap = u->cap ? u->cap * 2 : 64;
		struct auth_user *v = realloc(u->v, cap * sizeof(*v));

		if (v == NULL)
			goto oom;
		u->v = v;
		u->cap = cap;
	}
	e = &u->v[u->n];
	memset(e, 0, sizeof(*e));
	e->line = line;
	e->name = strdup(name);
	if (e->name == NULL)
		goto oom;
	u->n++;
	if (auth_userhash(name, realm, e->userhash) != 0)
		goto oom;
	*out = e;
	return 0;
 oom:
	snprintf(why, whylen, "out of memory");
	return ENOMEM;
}

int
users_add(struct auth_users *u, const char *name, const char *realm,
	  const char *pass, unsigned line, char *why, size_t whylen)
{
	struct auth_key k;
	struct auth_user *e;
	int err;

	if (pass[0] == '\0') {
		snprintf(why, whylen, "empty password");
		return EINVAL;
	}
	err = users_push(u, name, realm, line, &e, why, whylen);
	if (err)
		return err;
	if (auth_ltc_key(AUTH_ALG_MD5, name, realm, pass, &k) == 0) {
		memcpy(e->md5, k.key, AUTH_MD5_LEN);
		e->has_md5 = true;
	}
	if (auth_ltc_key(AUTH_ALG_SHA256, name, realm, pass, &k) == 0) {
		memcpy(e->sha256, k.key, AUTH_HASH_LEN);
		e->has_sha256 = true;
	}
	OPENSSL_cleanse(&k, sizeof(k));
	if (!e->has_md5 || !e->has_sha256) {
		snprintf(why, whylen, "cannot derive the keys");
		return ENOMEM;
	}
	return 0;
}

static int
cmp_name(const void *x, const void *y)
{
	const struct auth_user *a = x, *b = y;

	return strcmp(a->name, b->name);
}

static int
cmp_hash(const void *x, const void *y)
{
	const struct auth_user *const *a = x, *const *b = y;

	return memcmp((*a)->userhash, (*b)->userhash, AUTH_HASH_LEN);
}

/* Names must be unique: report the later of two equal ones. */
static int
check_dups(const struct auth_users *u, const char *file, char *err,
	   size_t errlen)
{
	for (size_t i = 1; i < u->n; i++) {
		const struct auth_user *a = &u->v[i - 1], *b = &u->v[i];
		unsigned lo = a->line < b->line ? a->line : b->line;
		unsigned hi = a->line < b->line ? b->line : a->line;

		if (strcmp(a->name, b->name) != 0)
			continue;
		if (hi == 0)
			snprintf(err, errlen, "config: duplicate user '%.64s'",
				 a->name);
		else if (lo == 0)
			snprintf(err, errlen, "%s:%u: user '%.64s' is also in "
				 "the config", file, hi, a->name);
		else
			snprintf(err, errlen, "%s:%u: duplicate user '%.64s' "
				 "(first on line %u)", file, hi, a->name, lo);
		return EINVAL;
	}
	return 0;
}

int
users_index(struct auth_users *u, const char *file, char *err,
	    size_t errlen)
{
	if (u->n == 0)
		return 0;
	qsort(u->v, u->n, sizeof(*u->v), cmp_name);
	if (check_dups(u, file ? file : "config", err, errlen) != 0)
		return EINVAL;
	u->by_hash = malloc(u->n * sizeof(*u->by_hash));
	if (u->by_hash == NULL) {
		snprintf(err, errlen, "out of memory");
		return ENOMEM;
	}
	for (size_t i = 0; i < u->n; i++)
		u->by_hash[i] = &u->v[i];
	qsort(u->by_hash, u->n, sizeof(*u->by_hash), cmp_hash);
	return 0;
}

const struct auth_user *
users_find(const struct auth_users *u, const char *name)
{
	struct auth_user key = { .name = (char *)name };

	if (u->n == 0)
		return NULL;
	return bsearch(&key, u->v, u->n, sizeof(*u->v), cmp_name);
}

const struct auth_user *
users_find_hash(const struct auth_users *u, const uint8_t hash[AUTH_HASH_LEN])
{
	struct auth_user key, *kp = &key;
	struct auth_user **hit;

	if (u->by_hash == NULL)
		return NULL;
	memcpy(key.userhash, hash, AUTH_HASH_LEN);
	hit = bsearch(&kp, u->by_hash, u->n, sizeof(*u->by_hash), cmp_hash);
	return hit ? *hit : NULL;
}

void
users_free(struct auth_users *u)
{
	for (size_t i = 0; i < u->n; i++)
		free(u->v[i].name);
	if (u->v != NULL)
		OPENSSL_cleanse(u->v, u->cap * sizeof(*u->v));
	free(u->v);
	free(u->by_hash);
	memset(u, 0, sizeof(*u));
}
