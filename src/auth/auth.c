/**
 * @file auth.c  Long-term credential check of TURN requests (RFC 8489
 * §9.2.4, RFC 8656 §5) against static users, the users file and TURN
 * REST secrets; the 401/438 challenge.
 *
 * The server always offers SHA-256 and MD5 (PASSWORD-ALGORITHMS, in that
 * order) and username anonymity (USERHASH, static users only), and says
 * so with the nonce cookie's feature bits.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/crypto.h>

#include "auth_int.h"

/* PASSWORD-ALGORITHMS as sent in every challenge: SHA-256, then MD5. */
static const uint8_t algs_offer[8] = { 0, 2, 0, 0, 0, 1, 0, 0 };

/* The credential attributes of a request. */
struct creds {
	const struct stun_attr *user, *uhash, *realm, *nonce;
};

/* Who the request claims to be. */
struct ident {
	const struct auth_user *u;   /* a static user, or NULL for REST */
	char name[AUTH_USER_MAX];
};

static int
copy_secrets(struct auth *a, const struct conf *c)
{
	for (size_t i = 0; i < c->nsecrets && i < CONF_MAX_SECRETS; i++) {
		a->secrets[i] = strdup(c->auth_secrets[i]);
		if (a->secrets[i] == NULL)
			return ENOMEM;
		a->nsecrets++;
	}
	return 0;
}

static int
add_conf_users(struct auth *a, const struct conf *c, char *err,
	       size_t errlen)
{
	char why[96];
	int rc;

	for (size_t i = 0; i < c->nusers; i++) {
		rc = users_add(&a->users, c->users[i].name, a->realm,
			       c->users[i].password, 0, why, sizeof(why));
		if (rc != 0) {
			snprintf(err, errlen, "%s: users[%zu]: %s",
				 c->path ? c->path : "config", i, why);
			return rc;
		}
	}
	return 0;
}

static int
auth_fill(struct auth *a, const struct conf *c, char *err, size_t errlen)
{
	int rc;

	a->realm = strdup(c->realm);
	if (a->realm == NULL || copy_secrets(a, c) != 0) {
		snprintf(err, errlen, "out of memory");
		return ENOMEM;
	}
	rc = add_conf_users(a, c, err, errlen);
	if (rc == 0 && c->users_file != NULL)
		rc = users_load_file(&a->users, c->users_file, a->realm, err,
				     errlen);
	if (rc == 0)
		rc = users_index(&a->users, c->users_file, err, errlen);
	return rc;
}

int
auth_new(struct auth **out, const struct conf *c,
	 const uint8_t nonce_key[32], char *err, size_t errlen)
{
	char dummy[1];
	struct auth *a;
	int rc;

	if (err == NULL || errlen == 0)
		err = dummy, errlen = sizeof(dummy);
	err[0] = '\0';
	if (out == NULL || c == NULL || c->realm == NULL || nonce_key == NULL) {
		snprintf(err, errlen, "auth: bad arguments");
		return EINVAL;
	}
	*out = NULL;
	a = calloc(1, sizeof(*a));
	if (a == NULL) {
		snprintf(err, errlen, "out of memory");
		return ENOMEM;
	}
	memcpy(a->nonce_key, nonce_key, sizeof(a->nonce_key));
	a->nonce_lifetime = c->nonce_lifetime;
	nonce_prefix(a->nonce_prefix,
		     AUTH_FEAT_PASSWORD_ALGS | AUTH_FEAT_USER_ANON);
	rc = auth_fill(a, c, err, errlen);
	if (rc != 0) {
		auth_free(a);
		return rc;
	}
	*out = a;
	return 0;
}

void
auth_free(struct auth *a)
{
	if (a == NULL)
		return;
	for (size_t i = 0; i < a->nsecrets; i++) {
		OPENSSL_cleanse(a->secrets[i], strlen(a->secrets[i]));
		free(a->secrets[i]);
	}
	users_free(&a->users);
	free(a->realm);
	OPENSSL_cleanse(a, sizeof(*a));
	free(a);
}

bool
auth_enabled(const struct auth *a)
{
	return a != NULL && (a->users.n > 0 || a->nsecrets > 0);
}

const char *
auth_realm(const struct auth *a)
{
	return a ? a->realm : NULL;
}

void
auth_challenge(const struct auth *a, struct stun_enc *e,
	       const struct sockaddr *client, int64_t wall_s)
{
	char nonce[AUTH_NONCE_MAX];

	if (a == NULL || e == NULL)
		return;
	if (auth_nonce_make(a, client, wall_s, nonce, sizeof(nonce)) == 0) {
		e->err = e->err ? e->err : ENOMEM;
		return;
	}
	stun_enc_str(e, STUN_A_REALM, a->realm);
	stun_enc_str(e, STUN_A_NONCE, nonce);
	stun_enc_attr(e, STUN_A_PASSWORD_ALGORITHMS, algs_offer,
		      sizeof(algs_offer));
}

/* §9.2.4: 401 without integrity, 400 without the other attributes. */
static int
check_attrs(const struct stun_msg *m, struct creds *q)
{
	if (m->mi < 0 && m->mi256 < 0)
		return 401;
	q->user = stun_find(m, STUN_A_USERNAME);
	q->uhash = stun_find(m, STUN_A_USERHASH);
	q->realm = stun_find(m, STUN_A_REALM);
	q->nonce = stun_find(m, STUN_A_NONCE);
	if ((q->user == NULL && q->uhash == NULL) || q->realm == NULL ||
	    q->nonce == NULL)
		return 400;
	return 0;
}

/*
 * The nonce, then the realm: ours or nothing. A nonce this server did
 * not issue to this client's IP, or issued too long ago, is 438 with a
 * fresh one (RFC 8489 §9.2.4: "If the NONCE is no longer valid"): never
 * a 401, so that a forged UDP source with a made-up nonce is not an
 * authentication failure charged to the address it spoofs.
 */
static int
check_nonce(const struct auth *a, const struct stun_msg *m,
	    const struct creds *q, const struct sockaddr *client,
	    int64_t wall_s)
{
	int rc = auth_nonce_check(a, client, wall_s,
				  stun_attr_val(m, q->nonce), q->nonce->len);

	if (rc != 0)
		return 438;
	if (q->realm->len != strlen(a->realm) ||
	    memcmp(stun_attr_val(m, q->realm), a->realm, q->realm->len) != 0)
		return 401;
	return 0;
}

/* USERNAME: a static user first, else a live TURN REST name. */
static int
find_by_name(const struct auth *a, const struct stun_msg *m,
	     const struct stun_attr *at, int64_t wall_s, struct ident *id)
{
	const uint8_t *v = stun_attr_val(m, at);
	int64_t expiry;

	if (!auth_name_ok(v, at->len))
		return 400;
	memcpy(id->name, v, at->len);
	id->name[at->len] = '\0';
	id->u = users_find(&a->users, id->name);
	if (id->u != NULL)
		return 0;
	if (a->nsecrets == 0 || rest_expiry(id->name, &expiry) != 0)
		return 401;
	return expiry < wall_s ? 401 : 0;
}

/* USERHASH (§14.4): static users only; REST names are not known ahead. */
static int
find_by_hash(const struct auth *a, const struct stun_msg *m,
	     const struct stun_attr *at, struct ident *id)
{
	if (at->len != AUTH_HASH_LEN)
		return 400;
	id->u = users_find_hash(&a->users, stun_attr_val(m, at));
	if (id->u == NULL)
		return 401;
	snprintf(id->name, sizeof(id->name), "%s", id->u->name);
	return 0;
}

/*
 * §9.2.4 bid-down checks. Neither PASSWORD-ALGORITHM nor -ALGORITHMS:
 * MD5 (an RFC 5389 client). Otherwise both, PASSWORD-ALGORITHMS exactly
 * as offered, and PASSWORD-ALGORITHM one of its entries; else 400.
 */
static int
pick_alg(const struct stun_msg *m, enum auth_alg *alg)
{
	const struct stun_attr *pa = stun_find(m, STUN_A_PASSWORD_ALGORITHM);
	const struct stun_attr *pas = stun_find(m, STUN_A_PASSWORD_ALGORITHMS);
	const uint8_t *v;

	*alg = AUTH_ALG_MD5;
	if (pa == NULL && pas == NULL)
		return 0;
	if (pa == NULL || pas == NULL || pa->len != 4 ||
	    pas->len != sizeof(algs_offer) ||
	    memcmp(stun_attr_val(m, pas), algs_offer, sizeof(algs_offer)) != 0)
		return 400;
	v = stun_attr_val(m, pa);
	if (v[2] != 0 || v[3] != 0 || v[0] != 0 ||
	    (v[1] != AUTH_ALG_MD5 && v[1] != AUTH_ALG_SHA256))
		return 400;
	*alg = (enum auth_alg)v[1];
	return 0;
}

/* MI-SHA256 if present, else MI, keyed with the user's alg key. */
static int
verify(const struct auth *a, const struct stun_msg *m,
       const struct ident *id, enum auth_alg alg, struct auth_key *key)
{
	const struct auth_user *u = id->u;

	if (u == NULL)
		return rest_verify(a, m, id->name, alg, key) == 0 ? 0 : 401;
	memset(key, 0, sizeof(*key));
	key->alg = alg;
	if (alg == AUTH_ALG_MD5 && u->has_md5) {
		memcpy(key->key, u->md5, AUTH_MD5_LEN);
		key->len = AUTH_MD5_LEN;
	} else if (alg == AUTH_ALG_SHA256 && u->has_sha256) {
		memcpy(key->key, u->sha256, AUTH_HASH_LEN);
		key->len = AUTH_HASH_LEN;
	} else {
		return 401;     /* a pre-hashed user without this key */
	}
	if (stun_check_integrity(m, m->mi256 >= 0, key->key, key->len) != 0)
		return 401;
	return 0;
}

static int
check(const struct auth *a, const struct stun_msg *m,
      const struct sockaddr *client, int64_t wall_s, struct ident *id,
      struct auth_result *r)
{
	struct creds q;
	enum auth_alg alg;
	int code;

	if ((code = check_attrs(m, &q)) != 0 ||
	    (code = check_nonce(a, m, &q, client, wall_s)) != 0)
		return code;
	if (q.user != NULL)
		code = find_by_name(a, m, q.user, wall_s, id);
	else
		code = find_by_hash(a, m, q.uhash, id);
	if (code != 0 || (code = pick_alg(m, &alg)) != 0)
		return code;
	return verify(a, m, id, alg, &r->key);
}

void
auth_check(const struct auth *a, const struct stun_msg *m,
	   const struct sockaddr *client, int64_t wall_s,
	   struct auth_result *r)
{
	struct ident id;
	int code;

	memset(r, 0, sizeof(*r));
	memset(&id, 0, sizeof(id));
	code = a && m ? check(a, m, client, wall_s, &id, r) : 401;
	if (code != 0) {
		OPENSSL_cleanse(r, sizeof(*r));
		r->code = code;
		return;
	}
	memcpy(r->user, id.name, sizeof(r->user));
	r->rest = id.u == NULL;
	r->relay_only = r->rest && auth_rest_relay_only(r->user);
	r->sha256 = m->mi256 >= 0;
}
