/**
 * @file test_auth.c  TURN authentication: key derivation (RFC 5769 §2.4,
 * RFC 8489 B.1), stateless nonces, static users, the users file, TURN
 * REST secrets, PASSWORD-ALGORITHM(S) and USERHASH, the challenge size.
 *
 * Requests are built with the codec's builder the way a client would:
 * first a 401 challenge is taken apart for its REALM and NONCE.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <setjmp.h>
#include <arpa/inet.h>
#include <cmocka.h>

#include "auth.h"
#include "stun.h"
#include "../../src/auth/auth_int.h"
#include "../vectors/stun_vectors.h"

#define REALM    "example.org"
#define T0       1700000000       /* "now" in most tests */
#define LIFETIME 600
#define SECRET1  "s3cret-one"
#define SECRET2  "s3cret-two"
/* printf %s "1700003600:alice" | openssl dgst -sha1 -hmac s3cret-one
 *   -binary | base64 */
#define REST_USER "1700003600:alice"
#define REST_PASS "yRyGgO6yAIFU0lTFBhvQGlbE1GY="
/* printf %s "1700003600" | openssl dgst -sha1 -hmac s3cret-one ... */
#define REST_USER_BARE "1700003600"
#define REST_PASS_BARE "TzPDXfA+r2jM/i7wg6GrVnrnhVk="

static const uint8_t nonce_key[32] = { 1, 2, 3, 4, 5, 6, 7, 8, 9 };
static const uint8_t tid[16] = {
	0x21, 0x12, 0xa4, 0x42, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12,
};
static const uint8_t algs_both[8] = { 0, 2, 0, 0, 0, 1, 0, 0 };

/* ---- helpers ---------------------------------------------------------- */

struct fx {
	struct conf conf;
	struct auth *auth;
	struct sockaddr_storage client;   /* 192.0.2.1:5000 */
	char err[256];
	char path[64];                    /* users file, if any */
};

static void
sa_set(struct sockaddr_storage *ss, const char *ip, uint16_t port)
{
	memset(ss, 0, sizeof(*ss));
	if (strchr(ip, ':') != NULL) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		assert_int_equal(inet_pton(AF_INET6, ip, &s6->sin6_addr), 1);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)ss;

		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		assert_int_equal(inet_pton(AF_INET, ip, &s4->sin_addr), 1);
	}
}

static const struct sockaddr *
sa(const struct sockaddr_storage *ss)
{
	return (const struct sockaddr *)ss;
}

static void
conf_base(struct conf *c)
{
	memset(c, 0, sizeof(*c));
	c->realm = (char *)REALM;
	c->nonce_lifetime = LIFETIME;
	c->users[0].name = (char *)"alice";
	c->users[0].password = (char *)"wonderland";
	c->users[1].name = (char *)RFC5769_USER_UTF8;
	c->users[1].password = (char *)"TheMatrIX";
	c->users[2].name = (char *)"12345";      /* looks like REST */
	c->users[2].password = (char *)"static-pw";
	c->nusers = 3;
	c->auth_secrets[0] = (char *)SECRET1;
	c->nsecrets = 1;
}

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	conf_base(&f->conf);
	sa_set(&f->client, "192.0.2.1", 5000);
	assert_int_equal(auth_new(&f->auth, &f->conf, nonce_key, f->err,
				  sizeof(f->err)), 0);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	auth_free(f->auth);
	if (f->path[0] != '\0')
		unlink(f->path);
	free(f);
	return 0;
}

static void
write_file(struct fx *f, const char *text)
{
	FILE *fp;
	int fd;

	snprintf(f->path, sizeof(f->path), "/tmp/test_auth_XXXXXX");
	fd = mkstemp(f->path);
	assert_true(fd >= 0);
	fp = fdopen(fd, "w");
	assert_non_null(fp);
	assert_int_equal(fputs(text, fp) >= 0, 1);
	assert_int_equal(fclose(fp), 0);
}

/* Rebuild f->auth from f->conf (after changing it). */
static int
reload(struct fx *f)
{
	auth_free(f->auth);
	f->auth = NULL;
	return auth_new(&f->auth, &f->conf, nonce_key, f->err,
			sizeof(f->err));
}

static struct auth_key
key_of(enum auth_alg alg, const char *user, const char *pass)
{
	struct auth_key k;

	assert_int_equal(auth_ltc_key(alg, user, REALM, pass, &k), 0);
	return k;
}

/* A client's request. NULL / 0 fields are left out. */
struct req {
	const char *user;
	const uint8_t *uhash;
	const char *realm;
	const char *nonce;
	uint16_t pa;                 /* PASSWORD-ALGORITHM */
	const uint8_t *pas;          /* PASSWORD-ALGORITHMS value */
	size_t pas_len;
	const struct auth_key *key;  /* integrity key; NULL: no MI */
	bool sha256;                 /* MI-SHA256 instead of MI */
};

static size_t
build(uint8_t *buf, size_t cap, const struct req *q)
{
	struct stun_enc e;
	size_t len = 0;

	stun_enc_begin(&e, buf, cap, STUN_ALLOCATE, STUN_REQUEST, tid);
	stun_enc_u32(&e, STUN_A_REQUESTED_TRANSPORT, 17u << 24);
	if (q->user)
		stun_enc_str(&e, STUN_A_USERNAME, q->user);
	if (q->uhash)
		stun_enc_attr(&e, STUN_A_USERHASH, q->uhash, 32);
	if (q->realm)
		stun_enc_str(&e, STUN_A_REALM, q->realm);
	if (q->nonce)
		stun_enc_str(&e, STUN_A_NONCE, q->nonce);
	if (q->pa) {
		uint8_t v[4] = { (uint8_t)(q->pa >> 8), (uint8_t)q->pa, 0, 0 };

		stun_enc_attr(&e, STUN_A_PASSWORD_ALGORITHM, v, sizeof(v));
	}
	if (q->pas)
		stun_enc_attr(&e, STUN_A_PASSWORD_ALGORITHMS, q->pas,
			      q->pas_len);
	if (q->key && q->sha256)
		stun_enc_integrity_sha256(&e, q->key->key, q->key->len);
	else if (q->key)
		stun_enc_integrity(&e, q->key->key, q->key->len);
	stun_enc_fingerprint(&e);
	assert_int_equal(stun_enc_finish(&e, &len), 0);
	return len;
}

static int
check_at(struct fx *f, const struct req *q, const struct sockaddr *client,
	 int64_t wall_s, struct auth_result *r)
{
	uint8_t buf[1024];
	struct stun_msg m;
	size_t len = build(buf, sizeof(buf), q);

	assert_int_equal(stun_decode(&m, buf, len), 0);
	auth_check(f->auth, &m, client, wall_s, r);
	return r->code;
}

static int
check(struct fx *f, const struct req *q)
{
	struct auth_result r;

	return check_at(f, q, sa(&f->client), T0, &r);
}

/* Take a 401 challenge apart: its NONCE goes into nonce (cap 64). */
static size_t
challenge(struct fx *f, const struct sockaddr *client, int64_t wall_s,
	  char nonce[64])
{
	uint8_t buf[256];
	struct stun_enc e;
	struct stun_msg m;
	const struct stun_attr *a;
	size_t len = 0;

	stun_enc_begin(&e, buf, sizeof(buf), STUN_ALLOCATE, STUN_ERROR, tid);
	stun_enc_error(&e, 401, NULL);
	auth_challenge(f->auth, &e, client, wall_s);
	assert_int_equal(stun_enc_finish(&e, &len), 0);
	assert_int_equal(stun_decode(&m, buf, len), 0);

	a = stun_find(&m, STUN_A_REALM);
	assert_non_null(a);
	assert_int_equal(a->len, strlen(auth_realm(f->auth)));
	assert_memory_equal(stun_attr_val(&m, a), auth_realm(f->auth), a->len);
	a = stun_find(&m, STUN_A_PASSWORD_ALGORITHMS);
	assert_non_null(a);
	assert_int_equal(a->len, sizeof(algs_both));
	assert_memory_equal(stun_attr_val(&m, a), algs_both, a->len);
	a = stun_find(&m, STUN_A_NONCE);
	assert_non_null(a);
	assert_true(a->len < 64);
	memcpy(nonce, stun_attr_val(&m, a), a->len);
	nonce[a->len] = '\0';
	return len;
}

/* A well-formed MD5 request from f->client at T0 for user/pass. */
static struct req
md5_req(struct fx *f, char nonce[64], struct auth_key *k, const char *user,
	const char *pass)
{
	struct req q = { .user = user, .realm = REALM, .nonce = nonce,
			 .key = k };

	challenge(f, sa(&f->client), T0, nonce);
	*k = key_of(AUTH_ALG_MD5, user, pass);
	return q;
}

static size_t
unhex(uint8_t *out, size_t cap, const char *hex)
{
	size_t n = 0;
	unsigned v;

	for (; hex[0] && hex[1]; hex += 2) {
		assert_true(n < cap);
		assert_int_equal(sscanf(hex, "%2x", &v), 1);
		out[n++] = (uint8_t)v;
	}
	return n;
}

/* ---- key derivation ----------------------------------------------------- */

static void
test_ltc_key_rfc5769(void **state)
{
	/* printf %s 'マトリックス:example.org:TheMatrIX' | openssl dgst -md5 */
	static const uint8_t md5[16] = {
		0xe8, 0xca, 0x7a, 0xd5, 0x9d, 0x5e, 0xb0, 0x51,
		0x8e, 0x31, 0x29, 0x11, 0xd2, 0xda, 0xb2, 0xa9,
	};
	uint8_t buf[256];
	struct stun_msg m;
	struct auth_key k = key_of(AUTH_ALG_MD5, RFC5769_USER_UTF8, "TheMatrIX");
	size_t len = unhex(buf, sizeof(buf), RFC5769_LONG_TERM);

	(void)state;
	assert_int_equal(k.alg, AUTH_ALG_MD5);
	assert_int_equal(k.len, 16);
	assert_memory_equal(k.key, md5, 16);
	assert_int_equal(stun_decode(&m, buf, len), 0);
	assert_int_equal(stun_check_integrity(&m, false, k.key, k.len), 0);
	k.key[0] ^= 1;
	assert_int_equal(stun_check_integrity(&m, false, k.key, k.len), EACCES);
}

static void
test_ltc_key_rfc8489_b1(void **state)
{
	uint8_t buf[256], uh[32];
	struct stun_msg m;
	const struct stun_attr *a;
	struct auth_key k = key_of(AUTH_ALG_SHA256, RFC5769_USER_UTF8,
				   "TheMatrIX");
	size_t len = unhex(buf, sizeof(buf), RFC8489_B1);

	(void)state;
	assert_int_equal(k.len, 32);
	assert_int_equal(stun_decode(&m, buf, len), 0);
	assert_int_equal(stun_check_integrity(&m, true, k.key, k.len), 0);
	/* USERHASH = SHA-256("マトリックス:example.org") (§14.4) */
	assert_int_equal(auth_userhash(RFC5769_USER_UTF8, REALM, uh), 0);
	a = stun_find(&m, STUN_A_USERHASH);
	assert_non_null(a);
	assert_memory_equal(stun_attr_val(&m, a), uh, 32);
}

static void
test_ltc_key_bad_args(void **state)
{
	struct auth_key k;

	(void)state;
	assert_int_equal(auth_ltc_key(3, "a", "r", "p", &k), EINVAL);
	assert_int_equal(auth_ltc_key(AUTH_ALG_MD5, NULL, "r", "p", &k),
			 EINVAL);
}

static void
test_rest_password_known(void **state)
{
	char out[29];

	(void)state;
	assert_int_equal(auth_rest_password(SECRET1, REST_USER, out,
					    sizeof(out)), 28);
	assert_string_equal(out, REST_PASS);
	assert_int_equal(auth_rest_password(SECRET1, REST_USER_BARE, out,
					    sizeof(out)), 28);
	assert_string_equal(out, REST_PASS_BARE);
	assert_int_equal(auth_rest_password(SECRET1, REST_USER, out, 28), 0);
}

static void
test_rest_expiry_parse(void **state)
{
	int64_t e = -1;

	(void)state;
	assert_int_equal(rest_expiry("1700003600:alice", &e), 0);
	assert_int_equal(e, 1700003600);
	assert_int_equal(rest_expiry("42", &e), 0);
	assert_int_equal(e, 42);
	assert_int_equal(rest_expiry("9223372036854775807", &e), 0);
	assert_int_equal(rest_expiry("9223372036854775808:x", &e), EINVAL);
	assert_int_equal(rest_expiry("", &e), EINVAL);
	assert_int_equal(rest_expiry(":bob", &e), EINVAL);
	assert_int_equal(rest_expiry("+17:bob", &e), EINVAL);
	assert_int_equal(rest_expiry("17x:bob", &e), EINVAL);
	assert_int_equal(rest_expiry(" 17:bob", &e), EINVAL);
	assert_int_equal(rest_expiry("alice", &e), EINVAL);
}

/* ---- nonces --------------------------------------------------------------- */

static void
test_nonce_format(void **state)
{
	struct fx *f = *state;
	struct sockaddr_storage port2, other, mapped, v6;
	char n1[64], n2[64];

	sa_set(&port2, "192.0.2.1", 6000);
	sa_set(&other, "198.51.100.7", 5000);
	sa_set(&mapped, "::ffff:192.0.2.1", 5000);
	sa_set(&v6, "2001:db8::1", 5000);

	assert_int_equal(auth_nonce_make(f->auth, sa(&f->client), T0, n1,
					 sizeof(n1)), 24);
	assert_int_equal(strlen(n1), 24);
	/* cookie + base64 of 0xC00000: password algorithms, anonymity */
	assert_memory_equal(n1, "obMatJos2wAAA", 13);
	assert_int_equal(strspn(n1 + 13, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				"abcdefghijklmnopqrstuvwxyz0123456789-_"), 11);
	/* the IP counts, the port does not; IPv4-mapped is IPv4 */
	auth_nonce_make(f->auth, sa(&port2), T0, n2, sizeof(n2));
	assert_string_equal(n1, n2);
	auth_nonce_make(f->auth, sa(&mapped), T0, n2, sizeof(n2));
	assert_string_equal(n1, n2);
	auth_nonce_make(f->auth, sa(&other), T0, n2, sizeof(n2));
	assert_string_not_equal(n1, n2);
	assert_int_equal(auth_nonce_make(f->auth, sa(&v6), T0, n2,
					 sizeof(n2)), 24);
	assert_int_equal(auth_nonce_check(f->auth, sa(&v6), T0,
					  (uint8_t *)n2, 24), 0);
	assert_int_equal(auth_nonce_make(f->auth, sa(&v6), T0, n2, 24), 0);
}

static void
test_nonce_check(void **state)
{
	struct fx *f = *state;
	struct sockaddr_storage other;
	char n[64], g[64];
	const uint8_t *u = (const uint8_t *)n;

	sa_set(&other, "198.51.100.7", 5000);
	auth_nonce_make(f->auth, sa(&f->client), T0, n, sizeof(n));

	assert_int_equal(auth_nonce_check(f->auth, sa(&f->client), T0, u, 24), 0);
	assert_int_equal(auth_nonce_check(f->auth, sa(&f->client),
					  T0 + LIFETIME, u, 24), 0);
	assert_int_equal(auth_nonce_check(f->auth, sa(&f->client),
					  T0 + LIFETIME + 1, u, 24), ESTALE);
	assert_int_equal(auth_nonce_check(f->auth, sa(&other), T0, u, 24),
			 EACCES);
	assert_int_equal(auth_nonce_check(f->auth, sa(&f->client), T0, u, 23),
			 EACCES);
	/* issued well after "now": the clock stepped back; stale */
	auth_nonce_make(f->auth, sa(&f->client), T0 + 3600, g, sizeof(g));
	assert_int_equal(auth_nonce_check(f->auth, sa(&f->client), T0,
					  (uint8_t *)g, 24), ESTALE);
	/* any changed character, the feature bits included, is forged */
	for (size_t i = 0; i < 24; i++) {
		memcpy(g, n, 25);
		g[i] = g[i] == 'A' ? 'B' : 'A';
		assert_int_equal(auth_nonce_check(f->auth, sa(&f->client), T0,
						  (uint8_t *)g, 24), EACCES);
	}
}

static void
test_nonce_other_key(void **state)
{
	struct fx *f = *state;
	uint8_t key2[32] = { 9 };
	struct auth *b;
	char n[64];

	assert_int_equal(auth_new(&b, &f->conf, key2, f->err, sizeof(f->err)),
			 0);
	auth_nonce_make(b, sa(&f->client), T0, n, sizeof(n));
	assert_int_equal(auth_nonce_check(f->auth, sa(&f->client), T0,
					  (uint8_t *)n, 24), EACCES);
	auth_free(b);
}

/* ---- static users ----------------------------------------------------------- */

static void
test_static_ok(void **state)
{
	struct fx *f = *state;
	char nonce[64];
	struct auth_key k;
	struct auth_result r;
	struct req q = md5_req(f, nonce, &k, "alice", "wonderland");

	assert_int_equal(check_at(f, &q, sa(&f->client), T0 + 10, &r), 0);
	assert_string_equal(r.user, "alice");
	assert_false(r.rest);
	assert_false(r.sha256);
	assert_int_equal(r.key.alg, AUTH_ALG_MD5);
	assert_int_equal(r.key.len, 16);
	assert_memory_equal(r.key.key, k.key, 16);
}

static void
test_static_utf8_user(void **state)
{
	struct fx *f = *state;
	char nonce[64];
	struct auth_key k;
	struct auth_result r;
	struct req q = md5_req(f, nonce, &k, RFC5769_USER_UTF8, "TheMatrIX");

	assert_int_equal(check_at(f, &q, sa(&f->client), T0, &r), 0);
	assert_string_equal(r.user, RFC5769_USER_UTF8);
}

static void
test_wrong_password(void **state)
{
	struct fx *f = *state;
	char nonce[64];
	struct auth_key k;
	struct auth_result r;
	struct req q = md5_req(f, nonce, &k, "alice", "Wonderland");

	assert_int_equal(check_at(f, &q, sa(&f->client), T0, &r), 401);
	assert_string_equal(r.user, "");      /* nothing leaks out */
	assert_int_equal(r.key.len, 0);
}

static void
test_unknown_user(void **state)
{
	struct fx *f = *state;
	char nonce[64];
	struct auth_key k;
	struct req q = md5_req(f, nonce, &k, "mallory", "wonderland");

	assert_int_equal(check(f, &q), 401);
}

static void
test_no_integrity(void **state)
{
	struct fx *f = *state;
	char nonce[64];
	struct auth_key k;
	struct req q = md5_req(f, nonce, &k, "alice", "wonderland");

	q.key = NULL;
	assert_int_equal(check(f, &q), 401);
	q.user = q.realm = q.nonce = NULL;  /* the first request of all */
	assert_int_equal(check(f, &q), 401);
}

static void
test_missing_attrs(void **state)
{
	struct fx *f = *state;
	char nonce[64];
	struct auth_key k;
	struct req q = md5_req(f, nonce, &k, "alice", "wonderland"), t;

	t = q, t.user = NULL;
	assert_int_equal(check(f, &t), 400);
	t = q, t.realm = NULL;
	assert_int_equal(check(f, &t), 400);
	t = q, t.nonce = NULL;
	assert_int_equal(check(f, &t), 400);
	t = q, t.sha256 = true;             /* MI-SHA256 counts as integrity */
	t.user = NULL;
	assert_int_equal(check(f, &t), 400);
}

static void
test_bad_username(void **state)
{
	struct fx *f = *state;
	char nonce[64], longname[520];
	struct auth_key k;
	struct req q = md5_req(f, nonce, &k, "alice", "wonderland");

	memset(longname, 'a', 509);
	longname[509] = '\0';
	q.user = longname;
	assert_int_equal(check(f, &q), 400);
	longname[508] = '\0';                 /* 508 bytes: fine, unknown */
	assert_int_equal(check(f, &q), 401);
	q.user = "al\xc0\xafice";             /* overlong '/' */
	assert_int_equal(check(f, &q), 400);
	q.user = "al\nice";
	assert_int_equal(check(f, &q), 400);
	q.user = "\xed\xa0\x80";              /* a surrogate */
	assert_int_equal(check(f, &q), 400);
}

static void
test_stale_nonce(void **state)
{
	struct fx *f = *state;
	char nonce[64];
	struct auth_key k;
	struct auth_result r;
	struct req q = md5_req(f, nonce, &k, "alice", "wonderland");

	assert_int_equal(check_at(f, &q, sa(&f->client), T0 + LIFETIME, &r), 0);
	assert_int_equal(check_at(f, &q, sa(&f->client), T0 + LIFETIME + 1,
				  &r), 438);
	/* stale wins over a wrong password: the nonce is checked first */
	k = key_of(AUTH_ALG_MD5, "alice", "nope");
	assert_int_equal(check_at(f, &q, sa(&f->client), T0 + 9999, &r), 438);
}

static void
test_nonce_other_client(void **state)
{
	struct fx *f = *state;
	struct sockaddr_storage other, port2;
	char nonce[64];
	struct auth_key k;
	struct auth_result r;
	struct req q = md5_req(f, nonce, &k, "alice", "wonderland");

	sa_set(&other, "198.51.100.7", 5000);
	sa_set(&port2, "192.0.2.1", 40000);
	/* Not issued to this IP: 438 and a fresh nonce, not a failed
	 * authentication (RFC 8489 §9.2.4). */
	assert_int_equal(check_at(f, &q, sa(&other), T0, &r), 438);
	assert_int_equal(check_at(f, &q, sa(&port2), T0, &r), 0);
}

static void
test_forged_nonce(void **state)
{
	struct fx *f = *state;
	char nonce[64];
	struct auth_key k;
	struct req q = md5_req(f, nonce, &k, "alice", "wonderland");

	nonce[20] = nonce[20] == 'x' ? 'y' : 'x';
	assert_int_equal(check(f, &q), 438);
	q.nonce = "obMatJos2wAAAAAAAAAAAAAA";
	assert_int_equal(check(f, &q), 438);
	q.nonce = "f//499k954d6OL34oL9FSTvy64sA";  /* RFC 5769's */
	assert_int_equal(check(f, &q), 438);
}

static void
test_wrong_realm(void **state)
{
	struct fx *f = *state;
	char nonce[64];
	struct auth_key k;
	struct req q = md5_req(f, nonce, &k, "alice", "wonderland");

	q.realm = "example.org.evil";
	assert_int_equal(check(f, &q), 401);
}

/* ---- TURN REST -------------------------------------------------------------- */

static void
test_rest_valid(void **state)
{
	struct fx *f = *state;
	char nonce[64];
	struct auth_key k;
	struct auth_result r;
	struct req q = md5_req(f, nonce, &k, REST_USER, REST_PASS);

	assert_int_equal(check_at(f, &q, sa(&f->client), T0, &r), 0);
	assert_true(r.rest);
	assert_string_equal(r.user, REST_USER);
	assert_memory_equal(r.key.key, k.key, 16);
	/* the bare "EXPIRY" form */
	k = key_of(AUTH_ALG_MD5, REST_USER_BARE, REST_PASS_BARE);
	q.user = REST_USER_BARE;
	assert_int_equal(check_at(f, &q, sa(&f->client), T0, &r), 0);
	assert_true(r.rest);
	/* a wrong password */
	k = key_of(AUTH_ALG_MD5, REST_USER, "yRyGgO6yAIFU0lTFBhvQGlbE1GX=");
	q.user = REST_USER;
	assert_int_equal(check(f, &q), 401);
}

static void
test_rest_expired(void **state)
{
	struct fx *f = *state;
	char nonce[64];
	struct auth_key k;
	struct auth_result r;
	struct req q;
	int64_t now = 1700003600;

	challenge(f, sa(&f->client), now, nonce);
	k = key_of(AUTH_ALG_MD5, REST_USER, REST_PASS);
	q = (struct req){ .user = REST_USER, .realm = REALM, .nonce = nonce,
			  .key = &k };
	assert_int_equal(check_at(f, &q, sa(&f->client), now, &r), 0);
	assert_int_equal(check_at(f, &q, sa(&f->client), now + 1, &r), 401);
}

static void
test_rest_rotated_secret(void **state)
{
	struct fx *f = *state;
	char nonce[64], pass[32];
	struct auth_key k;
	struct req q;

	f->conf.auth_secrets[0] = (char *)SECRET2;     /* the new one first */
	f->conf.auth_secrets[1] = (char *)SECRET1;     /* the old one */
	f->conf.nsecrets = 2;
	assert_int_equal(reload(f), 0);
	q = md5_req(f, nonce, &k, REST_USER, REST_PASS);
	assert_int_equal(check(f, &q), 0);
	auth_rest_password(SECRET2, REST_USER, pass, sizeof(pass));
	k = key_of(AUTH_ALG_MD5, REST_USER, pass);
	assert_int_equal(check(f, &q), 0);
	auth_rest_password("retired", REST_USER, pass, sizeof(pass));
	k = key_of(AUTH_ALG_MD5, REST_USER, pass);
	assert_int_equal(check(f, &q), 401);
}

static void
test_rest_malformed(void **state)
{
	struct fx *f = *state;
	static const char *const names[] = {
		"17000036OO:alice", ":alice", "99999999999999999999:alice",
		"-1:alice", "0x65a:alice",
	};
	char nonce[64], pass[32];
	struct auth_key k;
	struct req q = md5_req(f, nonce, &k, REST_USER, REST_PASS);

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		auth_rest_password(SECRET1, names[i], pass, sizeof(pass));
		k = key_of(AUTH_ALG_MD5, names[i], pass);
		q.user = names[i];
		assert_int_equal(check(f, &q), 401);
	}
}

static void
test_static_and_rest(void **state)
{
	struct fx *f = *state;
	char nonce[64], pass[32];
	struct auth_key k;
	struct auth_result r;
	struct req q = md5_req(f, nonce, &k, "alice", "wonderland");

	assert_int_equal(check_at(f, &q, sa(&f->client), T0, &r), 0);
	assert_false(r.rest);
	k = key_of(AUTH_ALG_MD5, REST_USER, REST_PASS);
	q.user = REST_USER;
	assert_int_equal(check_at(f, &q, sa(&f->client), T0, &r), 0);
	assert_true(r.rest);
	/* "12345" is a static user: its static password works, also
	 * while the same name would be a live REST name (wall 12000) ... */
	k = key_of(AUTH_ALG_MD5, "12345", "static-pw");
	q.user = "12345";
	assert_int_equal(check_at(f, &q, sa(&f->client), T0, &r), 0);
	challenge(f, sa(&f->client), 12000, nonce);
	assert_int_equal(check_at(f, &q, sa(&f->client), 12000, &r), 0);
	assert_false(r.rest);
	/* ... and a REST password for the same name does not */
	auth_rest_password(SECRET1, "12345", pass, sizeof(pass));
	k = key_of(AUTH_ALG_MD5, "12345", pass);
	assert_int_equal(check_at(f, &q, sa(&f->client), 12000, &r), 401);
}

static void
test_rest_only_and_enabled(void **state)
{
	struct fx *f = *state;
	char nonce[64];
	struct auth_key k;
	struct req q;

	assert_true(auth_enabled(f->auth));
	f->conf.nusers = 0;
	assert_int_equal(reload(f), 0);
	assert_true(auth_enabled(f->auth));
	q = md5_req(f, nonce, &k, REST_USER, REST_PASS);
	assert_int_equal(check(f, &q), 0);
	q = md5_req(f, nonce, &k, "alice", "wonderland");
	assert_int_equal(check(f, &q), 401);
	f->conf.nsecrets = 0;
	assert_int_equal(reload(f), 0);
	assert_false(auth_enabled(f->auth));
	assert_false(auth_enabled(NULL));
	q = md5_req(f, nonce, &k, REST_USER, REST_PASS);
	assert_int_equal(check(f, &q), 401);
	write_file(f, "# nobody yet\nbob:pw\n");
	f->conf.users_file = f->path;
	assert_int_equal(reload(f), 0);
	assert_true(auth_enabled(f->auth));
}

/* ---- users file --------------------------------------------------------------- */

static void
test_users_file(void **state)
{
	struct fx *f = *state;
	char nonce[64];
	struct auth_key k;
	struct auth_result r;
	struct req q;

	/* bob: plaintext; carol: sha256 key of "carol:example.org:pa:ss";
	 * dave: md5 key of "dave:example.org:hunter2"; erin: "md5:x" */
	write_file(f,
		   "# users\n"
		   "\n"
		   "   # indented comment\n"
		   "bob:pass word:with:colons\r\n"
		   "carol:sha256:9971FDCA33B6E6C739B3448F0F7A7F30"
		   "F932FEC1E6DCC9389262BB37E64E49EA\n"
		   "dave:md5:5e2b5b5f2fdb5d0e7c7bd2dd4d1d7a0d\n"
		   "erin:plain:md5:x\n"
		   "frank:0x1234");
	f->conf.users_file = f->path;
	assert_int_equal(reload(f), 0);

	q = md5_req(f, nonce, &k, "bob", "pass word:with:colons");
	assert_int_equal(check_at(f, &q, sa(&f->client), T0, &r), 0);
	assert_string_equal(r.user, "bob");
	q = md5_req(f, nonce, &k, "erin", "md5:x");
	assert_int_equal(check(f, &q), 0);
	q = md5_req(f, nonce, &k, "frank", "0x1234");
	assert_int_equal(check(f, &q), 0);
	q = md5_req(f, nonce, &k, "alice", "wonderland");   /* config too */
	assert_int_equal(check(f, &q), 0);

	/* carol has only a SHA-256 key */
	q = md5_req(f, nonce, &k, "carol", "pa:ss");
	assert_int_equal(check(f, &q), 401);
	k = key_of(AUTH_ALG_SHA256, "carol", "pa:ss");
	q.pa = AUTH_ALG_SHA256, q.pas = algs_both, q.pas_len = 8;
	q.sha256 = true;
	assert_int_equal(check(f, &q), 0);
}

static void
test_users_file_md5(void **state)
{
	struct fx *f = *state;
	char nonce[64];
	struct auth_key k;
	struct req q;

	/* printf %s "dave:example.org:hunter2" | openssl dgst -md5 */
	write_file(f, "dave:md5:ef57bc8d8c15ddbbe601ea638397ef72\n");
	f->conf.users_file = f->path;
	assert_int_equal(reload(f), 0);
	q = md5_req(f, nonce, &k, "dave", "hunter2");
	assert_int_equal(check(f, &q), 401);   /* the key is for "bob" */

	unlink(f->path);
	write_file(f, "bob:md5:ef57bc8d8c15ddbbe601ea638397ef72\n");
	assert_int_equal(reload(f), 0);
	q = md5_req(f, nonce, &k, "bob", "hunter2");
	assert_int_equal(check(f, &q), 0);
	q.sha256 = true;                       /* MI-SHA256, MD5 key: fine */
	q.pa = AUTH_ALG_MD5, q.pas = algs_both, q.pas_len = 8;
	assert_int_equal(check(f, &q), 0);
	q.pa = AUTH_ALG_SHA256;                /* no SHA-256 key for bob */
	k = key_of(AUTH_ALG_SHA256, "bob", "hunter2");
	assert_int_equal(check(f, &q), 401);
}

/* The error must name file:line and never quote the secret part. */
static void
expect_file_error(struct fx *f, const char *text, unsigned line,
		  const char *what, const char *secret)
{
	char want[128];
	int rc;

	if (f->path[0] != '\0')
		unlink(f->path);
	write_file(f, text);
	f->conf.users_file = f->path;
	rc = reload(f);
	assert_int_equal(rc, EINVAL);
	assert_null(f->auth);
	snprintf(want, sizeof(want), "%s:%u: ", f->path, line);
	assert_memory_equal(f->err, want, strlen(want));
	assert_non_null(strstr(f->err, what));
	if (secret != NULL)
		assert_null(strstr(f->err, secret));
}

static void
test_users_file_errors(void **state)
{
	struct fx *f = *state;

	expect_file_error(f, "bob:pw\n\nnocolonTopSecret\n", 3,
			  "expected NAME:PASSWORD", "TopSecret");
	expect_file_error(f, "bob:md5:abcTopSecret\n", 1, "md5 key: want 32",
			  "TopSecret");
	expect_file_error(f, "bob:sha256:00ff\n", 1, "sha256 key: want 64",
			  "00ff");
	expect_file_error(f, "# x\nbob:0x0123456789abcdef0123456789abcdef\n",
			  2, "coturn-style", "0123456789");
	expect_file_error(f, "bob:\n", 1, "empty password", NULL);
	expect_file_error(f, ":TopSecret\n", 1, "empty user name", "TopSecret");
	expect_file_error(f, "b\x01ob:TopSecret\n", 1, "not printable UTF-8",
			  "TopSecret");
	expect_file_error(f, "bob:a\nx:y\nbob:TopSecret\n", 3,
			  "duplicate user 'bob' (first on line 1)", "TopSecret");
	expect_file_error(f, "x:y\nalice:TopSecret\n", 2,
			  "user 'alice' is also in the config", "TopSecret");
}

static void
test_users_file_missing(void **state)
{
	struct fx *f = *state;

	f->conf.users_file = (char *)"/nonexistent/turnpike-users";
	assert_int_equal(reload(f), ENOENT);
	assert_null(f->auth);
	assert_non_null(strstr(f->err, "/nonexistent/turnpike-users: "));
}

static void
test_users_file_nul_byte(void **state)
{
	struct fx *f = *state;
	FILE *fp;

	write_file(f, "");
	fp = fopen(f->path, "w");
	assert_non_null(fp);
	assert_int_equal(fwrite("bob:p\0w\nx:y\n", 1, 12, fp), 12);
	assert_int_equal(fclose(fp), 0);
	f->conf.users_file = f->path;
	assert_int_equal(reload(f), EINVAL);
	assert_non_null(strstr(f->err, ":1: NUL byte"));
}

/* 100 000 users: loaded, then found by name and by USERHASH. */
static void
test_users_file_large(void **state)
{
	struct fx *f = *state;
	enum { N = 100000 };
	char name[32], nonce[64];
	struct auth_key k;
	struct req q;
	FILE *fp;

	write_file(f, "");
	fp = fopen(f->path, "w");
	assert_non_null(fp);
	for (unsigned i = 0; i < N; i++)
		fprintf(fp, "user%u:md5:%032x\n", i * 7919u % N, i);
	assert_int_equal(fclose(fp), 0);
	f->conf.users_file = f->path;
	assert_int_equal(reload(f), 0);
	for (unsigned i = 0; i < N; i += 997) {
		uint8_t uh[32];

		snprintf(name, sizeof(name), "user%u", i);
		assert_non_null(users_find(&f->auth->users, name));
		assert_int_equal(auth_userhash(name, REALM, uh), 0);
		assert_string_equal(users_find_hash(&f->auth->users, uh)->name,
				    name);
	}
	assert_null(users_find(&f->auth->users, "user100000"));
	/* user0 is line 1: key = 16 zero bytes */
	challenge(f, sa(&f->client), T0, nonce);
	memset(&k, 0, sizeof(k));
	k.len = 16;
	q = (struct req){ .user = "user0", .realm = REALM, .nonce = nonce,
			  .key = &k };
	assert_int_equal(check(f, &q), 0);
}

/* ---- PASSWORD-ALGORITHM(S), MI-SHA256, USERHASH --------------------------- */

static void
test_sha256_ok(void **state)
{
	struct fx *f = *state;
	char nonce[64];
	struct auth_key k;
	struct auth_result r;
	struct req q = md5_req(f, nonce, &k, "alice", "wonderland");

	k = key_of(AUTH_ALG_SHA256, "alice", "wonderland");
	q.pa = AUTH_ALG_SHA256, q.pas = algs_both, q.pas_len = 8;
	q.sha256 = true;
	assert_int_equal(check_at(f, &q, sa(&f->client), T0, &r), 0);
	assert_true(r.sha256);
	assert_int_equal(r.key.alg, AUTH_ALG_SHA256);
	assert_int_equal(r.key.len, 32);
	assert_memory_equal(r.key.key, k.key, 32);
	/* SHA-256 key with classic MI (HMAC-SHA1): also valid */
	q.sha256 = false;
	assert_int_equal(check_at(f, &q, sa(&f->client), T0, &r), 0);
	assert_false(r.sha256);
	/* PASSWORD-ALGORITHM says SHA-256 but the key is MD5 */
	k = key_of(AUTH_ALG_MD5, "alice", "wonderland");
	q.sha256 = true;
	assert_int_equal(check(f, &q), 401);
	/* REST users may use SHA-256 too */
	k = key_of(AUTH_ALG_SHA256, REST_USER, REST_PASS);
	q.user = REST_USER;
	assert_int_equal(check_at(f, &q, sa(&f->client), T0, &r), 0);
	assert_true(r.rest && r.sha256);
}

static void
test_downgrade(void **state)
{
	static const uint8_t md5_only[4] = { 0, 1, 0, 0 };
	static const uint8_t swapped[8] = { 0, 1, 0, 0, 0, 2, 0, 0 };
	static const uint8_t three[12] = { 0, 2, 0, 0, 0, 1, 0, 0, 0, 3, 0, 0 };
	struct fx *f = *state;
	char nonce[64];
	struct auth_key k;
	struct req q = md5_req(f, nonce, &k, "alice", "wonderland"), t;

	k = key_of(AUTH_ALG_SHA256, "alice", "wonderland");
	q.sha256 = true;
	t = q, t.pa = AUTH_ALG_SHA256;                       /* no -ALGORITHMS */
	assert_int_equal(check(f, &t), 400);
	t = q, t.pas = algs_both, t.pas_len = 8;            /* no -ALGORITHM */
	assert_int_equal(check(f, &t), 400);
	t = q, t.pa = AUTH_ALG_MD5, t.pas = md5_only, t.pas_len = 4;
	assert_int_equal(check(f, &t), 400);                /* stripped offer */
	t = q, t.pa = AUTH_ALG_SHA256, t.pas = swapped, t.pas_len = 8;
	assert_int_equal(check(f, &t), 400);
	t = q, t.pa = AUTH_ALG_SHA256, t.pas = three, t.pas_len = 12;
	assert_int_equal(check(f, &t), 400);
	t = q, t.pa = 3, t.pas = algs_both, t.pas_len = 8;  /* not offered */
	assert_int_equal(check(f, &t), 400);
	t = q, t.pa = AUTH_ALG_SHA256, t.pas = algs_both, t.pas_len = 8;
	assert_int_equal(check(f, &t), 0);
}

static void
test_userhash(void **state)
{
	struct fx *f = *state;
	uint8_t uh[32];
	char nonce[64];
	struct auth_key k;
	struct auth_result r;
	struct req q = md5_req(f, nonce, &k, "alice", "wonderland");

	assert_int_equal(auth_userhash("alice", REALM, uh), 0);
	q.user = NULL, q.uhash = uh;
	k = key_of(AUTH_ALG_SHA256, "alice", "wonderland");
	q.pa = AUTH_ALG_SHA256, q.pas = algs_both, q.pas_len = 8;
	q.sha256 = true;
	assert_int_equal(check_at(f, &q, sa(&f->client), T0, &r), 0);
	assert_string_equal(r.user, "alice");
	assert_false(r.rest);
	/* RFC 8489 B.1's user, by USERHASH */
	assert_int_equal(auth_userhash(RFC5769_USER_UTF8, REALM, uh), 0);
	k = key_of(AUTH_ALG_SHA256, RFC5769_USER_UTF8, "TheMatrIX");
	assert_int_equal(check_at(f, &q, sa(&f->client), T0, &r), 0);
	assert_string_equal(r.user, RFC5769_USER_UTF8);
	/* unknown hash; a REST name cannot be found by hash */
	assert_int_equal(auth_userhash(REST_USER, REALM, uh), 0);
	k = key_of(AUTH_ALG_SHA256, REST_USER, REST_PASS);
	assert_int_equal(check(f, &q), 401);
}

static void
test_userhash_bad_length(void **state)
{
	struct fx *f = *state;
	uint8_t buf[512];
	char nonce[64];
	struct stun_enc e;
	struct stun_msg m;
	struct auth_key k = key_of(AUTH_ALG_MD5, "alice", "wonderland");
	struct auth_result r;
	size_t len;

	challenge(f, sa(&f->client), T0, nonce);
	stun_enc_begin(&e, buf, sizeof(buf), STUN_ALLOCATE, STUN_REQUEST, tid);
	stun_enc_attr(&e, STUN_A_USERHASH, "0123456789abcdef", 16);
	stun_enc_str(&e, STUN_A_REALM, REALM);
	stun_enc_str(&e, STUN_A_NONCE, nonce);
	stun_enc_integrity(&e, k.key, k.len);
	assert_int_equal(stun_enc_finish(&e, &len), 0);
	assert_int_equal(stun_decode(&m, buf, len), 0);
	auth_check(f->auth, &m, sa(&f->client), T0, &r);
	assert_int_equal(r.code, 400);
}

/* ---- the challenge ------------------------------------------------------------ */

/* A 401 to a stranger: header, ERROR-CODE "Unauthorized", REALM (12
 * characters), NONCE, PASSWORD-ALGORITHMS. Must stay <= 98 bytes. */
static void
test_challenge_size(void **state)
{
	struct fx *f = *state;
	char nonce[64];
	size_t len;

	f->conf.realm = (char *)"turn.example";
	assert_int_equal(strlen(f->conf.realm), 12);
	assert_int_equal(reload(f), 0);
	len = challenge(f, sa(&f->client), T0, nonce);
	/* 20 + (4+4+12) + (4+12) + (4+24) + (4+8) */
	assert_int_equal(len, 96);
	assert_true(len <= 98);
	assert_int_equal(strlen(nonce), 24);
}

static void
test_challenge_no_space(void **state)
{
	struct fx *f = *state;
	uint8_t buf[60];
	struct stun_enc e;
	size_t len;

	stun_enc_begin(&e, buf, sizeof(buf), STUN_ALLOCATE, STUN_ERROR, tid);
	stun_enc_error(&e, 401, NULL);
	auth_challenge(f->auth, &e, sa(&f->client), T0);
	assert_int_equal(stun_enc_finish(&e, &len), ENOSPC);
}

static void
test_new_bad_conf_user(void **state)
{
	struct fx *f = *state;
	char longname[520];

	memset(longname, 'x', 509);
	longname[509] = '\0';
	f->conf.users[0].name = longname;
	assert_int_equal(reload(f), EINVAL);
	assert_non_null(strstr(f->err, "users[0]: user name longer than 508"));
	assert_null(strstr(f->err, "wonderland"));
	assert_int_equal(auth_new(NULL, &f->conf, nonce_key, NULL, 0), EINVAL);
}

int
main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_ltc_key_rfc5769),
		T(test_ltc_key_rfc8489_b1),
		T(test_ltc_key_bad_args),
		T(test_rest_password_known),
		T(test_rest_expiry_parse),
		T(test_nonce_format),
		T(test_nonce_check),
		T(test_nonce_other_key),
		T(test_static_ok),
		T(test_static_utf8_user),
		T(test_wrong_password),
		T(test_unknown_user),
		T(test_no_integrity),
		T(test_missing_attrs),
		T(test_bad_username),
		T(test_stale_nonce),
		T(test_nonce_other_client),
		T(test_forged_nonce),
		T(test_wrong_realm),
		T(test_rest_valid),
		T(test_rest_expired),
		T(test_rest_rotated_secret),
		T(test_rest_malformed),
		T(test_static_and_rest),
		T(test_rest_only_and_enabled),
		T(test_users_file),
		T(test_users_file_md5),
		T(test_users_file_errors),
		T(test_users_file_missing),
		T(test_users_file_nul_byte),
		T(test_users_file_large),
		T(test_sha256_ok),
		T(test_downgrade),
		T(test_userhash),
		T(test_userhash_bad_length),
		T(test_challenge_size),
		T(test_challenge_no_space),
		T(test_new_bad_conf_user),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}
