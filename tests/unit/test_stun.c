/**
 * @file test_stun.c  STUN codec: RFC 5769 and RFC 8489 B.1 vectors,
 *                    builder round trips and malformed input.
 */
#include <errno.h>
#include <string.h>
#include <arpa/inet.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include "stun.h"
#include "../vectors/stun_vectors.h"

#define ST_KEY     "VOkJxbRl1RmTxUk/WvJxBt"
#define LT_REALM   "example.org"
#define LT_PASS    "TheMatrIX"
#define LT_NONCE   "f//499k954d6OL34oL9FSTvy64sA"
#define B1_NONCE   "obMatJos2AAACf//499k954d6OL34oL9FSTvy64sA"

static const uint8_t tid_resp[16] = {
	0x21, 0x12, 0xa4, 0x42, 0xb7, 0xe7, 0xa7, 0x01,
	0xbc, 0x34, 0xd6, 0x86, 0xfa, 0x87, 0xdf, 0xae,
};
static const uint8_t tid_lt[16] = {
	0x21, 0x12, 0xa4, 0x42, 0x78, 0xad, 0x34, 0x33,
	0xc6, 0xad, 0x72, 0xc0, 0x29, 0xda, 0x41, 0x2e,
};

/* ---- helpers ---------------------------------------------------------- */

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

static size_t
unhex(uint8_t *out, size_t cap, const char *hex)
{
	size_t n = 0;

	for (; hex[0] && hex[1]; hex += 2) {
		assert_true(n < cap);
		assert_true(hexval(hex[0]) >= 0 && hexval(hex[1]) >= 0);
		out[n++] = (uint8_t)(hexval(hex[0]) << 4 | hexval(hex[1]));
	}
	assert_int_equal(hex[0], '\0');

	return n;
}

static size_t
vec(uint8_t *buf, size_t cap, struct stun_msg *m, const char *hex)
{
	size_t len = unhex(buf, cap, hex);

	assert_int_equal(stun_decode(m, buf, len), 0);
	return len;
}

static void
assert_attr_bytes(const struct stun_msg *m, uint16_t type, const void *v,
		  size_t len)
{
	const struct stun_attr *a = stun_find(m, type);

	assert_non_null(a);
	assert_int_equal(a->len, len);
	assert_memory_equal(stun_attr_val(m, a), v, len);
}

static void
assert_attr_str(const struct stun_msg *m, uint16_t type, const char *s)
{
	assert_attr_bytes(m, type, s, strlen(s));
}

static void
assert_xaddr(const struct stun_msg *m, int af, const char *ip, uint16_t port)
{
	const struct stun_attr *a = stun_find(m, STUN_A_XOR_MAPPED_ADDRESS);
	struct sockaddr_storage ss;
	char str[INET6_ADDRSTRLEN];
	const void *addr;

	assert_int_equal(stun_attr_addr(m, a, true, &ss), 0);
	assert_int_equal(ss.ss_family, af);
	if (af == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)&ss;
		assert_int_equal(ntohs(sin->sin_port), port);
		addr = &sin->sin_addr;
	} else {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)&ss;
		assert_int_equal(ntohs(s6->sin6_port), port);
		addr = &s6->sin6_addr;
	}
	assert_non_null(inet_ntop(af, addr, str, sizeof(str)));
	assert_string_equal(str, ip);
}

static void
sa_make(struct sockaddr_storage *ss, int af, const char *ip, uint16_t port)
{
	memset(ss, 0, sizeof(*ss));
	if (af == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		assert_int_equal(inet_pton(AF_INET, ip, &sin->sin_addr), 1);
	} else {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		assert_int_equal(inet_pton(AF_INET6, ip, &s6->sin6_addr), 1);
	}
}

static void
digest(const EVP_MD *md, const char *s, uint8_t *out)
{
	unsigned n = 0;

	assert_int_equal(EVP_Digest(s, strlen(s), out, &n, md, NULL), 1);
}

/* RFC 5769 §2.4 / RFC 8489 §9.2.2: long-term key */
static void
lt_key(const EVP_MD *md, uint8_t *out)
{
	digest(md, RFC5769_USER_UTF8 ":" LT_REALM ":" LT_PASS, out);
}

/* Append like stun_enc_attr, then overwrite the zero padding with 0x20
 * as the RFC 5769 samples have it, so MI/FP can match the RFC exactly. */
static void
enc_rfcpad(struct stun_enc *e, uint16_t type, const char *s)
{
	size_t len = strlen(s), pad = (4 - len % 4) % 4;

	stun_enc_attr(e, type, s, len);
	assert_int_equal(e->err, 0);
	memset(e->buf + e->len - pad, 0x20, pad);
}

static void
enc_xaddr(struct stun_enc *e, int af, const char *ip, uint16_t port)
{
	struct sockaddr_storage ss;

	sa_make(&ss, af, ip, port);
	stun_enc_addr(e, STUN_A_XOR_MAPPED_ADDRESS, (struct sockaddr *)&ss,
		      true);
}

static size_t
finish(struct stun_enc *e)
{
	size_t len = 0;

	assert_int_equal(stun_enc_finish(e, &len), 0);
	return len;
}

/* ---- RFC 5769 vectors ------------------------------------------------- */

static void
test_rfc5769_request(void **state)
{
	static const uint8_t prio[] = {0x6e, 0x00, 0x01, 0xff};
	static const uint8_t tie[] = {0x93, 0x2f, 0xf9, 0xb1,
				      0x51, 0x26, 0x3b, 0x36};
	struct stun_msg m;
	uint8_t buf[256];
	uint32_t v;
	(void)state;

	assert_int_equal(vec(buf, sizeof(buf), &m, RFC5769_REQUEST), 108);
	assert_int_equal(m.method, STUN_BINDING);
	assert_int_equal(m.cls, STUN_REQUEST);
	assert_false(m.classic);
	assert_memory_equal(m.tid, tid_resp, 16);
	assert_int_equal(m.nattrs, 6);
	assert_int_equal(m.nunknown, 0);
	assert_attr_str(&m, STUN_A_SOFTWARE, "STUN test client");
	assert_attr_str(&m, STUN_A_USERNAME, "evtj:h6vY");
	assert_attr_bytes(&m, STUN_A_PRIORITY, prio, sizeof(prio));
	assert_attr_bytes(&m, STUN_A_ICE_CONTROLLED, tie, sizeof(tie));
	assert_int_equal(stun_attr_u32(&m, stun_find(&m, STUN_A_PRIORITY), &v),
			 0);
	assert_int_equal(v, 0x6e0001ff);

	assert_int_equal(stun_check_fingerprint(&m), 0);
	assert_int_equal(stun_check_integrity(&m, false, (const uint8_t *)ST_KEY,
					      strlen(ST_KEY)), 0);
	assert_int_equal(stun_check_integrity(&m, false, (const uint8_t *)"x",
					      1), EACCES);
	assert_int_equal(stun_check_integrity(&m, true, (const uint8_t *)ST_KEY,
					      strlen(ST_KEY)), ENOENT);
}

static void
test_rfc5769_response_v4(void **state)
{
	struct stun_msg m;
	uint8_t buf[256];
	(void)state;

	vec(buf, sizeof(buf), &m, RFC5769_RESPONSE_V4);
	assert_int_equal(m.method, STUN_BINDING);
	assert_int_equal(m.cls, STUN_SUCCESS);
	assert_attr_str(&m, STUN_A_SOFTWARE, "test vector");
	assert_xaddr(&m, AF_INET, "192.0.2.1", 32853);
	assert_int_equal(stun_check_fingerprint(&m), 0);
	assert_int_equal(stun_check_integrity(&m, false, (const uint8_t *)ST_KEY,
					      strlen(ST_KEY)), 0);
}

static void
test_rfc5769_response_v6(void **state)
{
	struct stun_msg m;
	uint8_t buf[256];
	(void)state;

	vec(buf, sizeof(buf), &m, RFC5769_RESPONSE_V6);
	assert_int_equal(m.cls, STUN_SUCCESS);
	assert_attr_str(&m, STUN_A_SOFTWARE, "test vector");
	assert_xaddr(&m, AF_INET6, "2001:db8:1234:5678:11:2233:4455:6677",
		     32853);
	assert_int_equal(stun_check_fingerprint(&m), 0);
	assert_int_equal(stun_check_integrity(&m, false, (const uint8_t *)ST_KEY,
					      strlen(ST_KEY)), 0);
}

static void
test_rfc5769_long_term(void **state)
{
	struct stun_msg m;
	uint8_t buf[256], key[16];
	(void)state;

	vec(buf, sizeof(buf), &m, RFC5769_LONG_TERM);
	assert_int_equal(m.method, STUN_BINDING);
	assert_int_equal(m.cls, STUN_REQUEST);
	assert_memory_equal(m.tid, tid_lt, 16);
	assert_attr_str(&m, STUN_A_USERNAME, RFC5769_USER_UTF8);
	assert_attr_str(&m, STUN_A_NONCE, LT_NONCE);
	assert_attr_str(&m, STUN_A_REALM, LT_REALM);
	assert_int_equal(stun_check_fingerprint(&m), ENOENT);

	lt_key(EVP_md5(), key);
	assert_int_equal(stun_check_integrity(&m, false, key, sizeof(key)), 0);
	key[0] ^= 1;
	assert_int_equal(stun_check_integrity(&m, false, key, sizeof(key)),
			 EACCES);
}

/* RFC 8489 Appendix B.1 as corrected by erratum 6268. */
static void
test_rfc8489_b1(void **state)
{
	static const uint8_t alg[] = {0x00, 0x02, 0x00, 0x00};
	uint8_t buf[256], key[32], uh[32];
	struct stun_msg m;
	(void)state;

	vec(buf, sizeof(buf), &m, RFC8489_B1);
	assert_int_equal(m.mi, -1);
	assert_true(m.mi256 >= 0);
	digest(EVP_sha256(), RFC5769_USER_UTF8 ":" LT_REALM, uh);
	assert_attr_bytes(&m, STUN_A_USERHASH, uh, sizeof(uh));
	assert_attr_str(&m, STUN_A_NONCE, B1_NONCE);
	assert_attr_str(&m, STUN_A_REALM, LT_REALM);
	assert_attr_bytes(&m, STUN_A_PASSWORD_ALGORITHM, alg, sizeof(alg));

	lt_key(EVP_sha256(), key); /* PASSWORD-ALGORITHM SHA-256 */
	assert_int_equal(stun_check_integrity(&m, true, key, sizeof(key)), 0);
	assert_int_equal(stun_check_integrity(&m, false, key, sizeof(key)),
			 ENOENT);
	key[31] ^= 1;
	assert_int_equal(stun_check_integrity(&m, true, key, sizeof(key)),
			 EACCES);
}

/* ---- the builder reproduces the vectors ------------------------------- */

/* §2.2 byte for byte, with the SOFTWARE pad byte set to 0x20 as in the
 * RFC; MI and FINGERPRINT are then computed by the builder. */
static void
test_reencode_v4_exact(void **state)
{
	uint8_t want[256], buf[256];
	struct stun_enc e;
	size_t n = unhex(want, sizeof(want), RFC5769_RESPONSE_V4);
	(void)state;

	stun_enc_begin(&e, buf, sizeof(buf), STUN_BINDING, STUN_SUCCESS,
		       tid_resp);
	enc_rfcpad(&e, STUN_A_SOFTWARE, "test vector");
	enc_xaddr(&e, AF_INET, "192.0.2.1", 32853);
	stun_enc_integrity(&e, (const uint8_t *)ST_KEY, strlen(ST_KEY));
	stun_enc_fingerprint(&e);
	assert_int_equal(finish(&e), n);
	assert_memory_equal(buf, want, n);
}

/* §2.2 with the builder alone: zero padding. Everything but the pad byte
 * and the MI/FP values (which cover it) equals the RFC; ours verify. */
static void
test_reencode_v4_zero_pad(void **state)
{
	uint8_t want[256], buf[256];
	struct stun_enc e;
	struct stun_msg m;
	size_t n = unhex(want, sizeof(want), RFC5769_RESPONSE_V4);
	(void)state;

	stun_enc_begin(&e, buf, sizeof(buf), STUN_BINDING, STUN_SUCCESS,
		       tid_resp);
	stun_enc_str(&e, STUN_A_SOFTWARE, "test vector");
	enc_xaddr(&e, AF_INET, "192.0.2.1", 32853);
	stun_enc_integrity(&e, (const uint8_t *)ST_KEY, strlen(ST_KEY));
	stun_enc_fingerprint(&e);
	assert_int_equal(finish(&e), n);

	assert_memory_equal(buf, want, 35);          /* header .. "test vector" */
	assert_int_equal(buf[35], 0x00);             /* RFC: 0x20 */
	assert_memory_equal(buf + 36, want + 36, 16); /* XOR-MAPPED, MI hdr */
	assert_memory_not_equal(buf + 52, want + 52, 20);
	assert_memory_equal(buf + 72, want + 72, 4); /* FINGERPRINT hdr */

	assert_int_equal(stun_decode(&m, buf, n), 0);
	assert_int_equal(stun_check_fingerprint(&m), 0);
	assert_int_equal(stun_check_integrity(&m, false, (const uint8_t *)ST_KEY,
					      strlen(ST_KEY)), 0);
	assert_xaddr(&m, AF_INET, "192.0.2.1", 32853);
}

static void
test_reencode_v6_exact(void **state)
{
	uint8_t want[256], buf[256];
	struct stun_enc e;
	size_t n = unhex(want, sizeof(want), RFC5769_RESPONSE_V6);
	(void)state;

	stun_enc_begin(&e, buf, sizeof(buf), STUN_BINDING, STUN_SUCCESS,
		       tid_resp);
	enc_rfcpad(&e, STUN_A_SOFTWARE, "test vector");
	enc_xaddr(&e, AF_INET6, "2001:db8:1234:5678:11:2233:4455:6677", 32853);
	stun_enc_integrity(&e, (const uint8_t *)ST_KEY, strlen(ST_KEY));
	stun_enc_fingerprint(&e);
	assert_int_equal(finish(&e), n);
	assert_memory_equal(buf, want, n);
}

/* §2.1; USERNAME's three pad bytes are 0x20 in the RFC. */
static void
test_reencode_request_exact(void **state)
{
	static const uint8_t tie[] = {0x93, 0x2f, 0xf9, 0xb1,
				      0x51, 0x26, 0x3b, 0x36};
	uint8_t want[256], buf[256];
	struct stun_enc e;
	size_t n = unhex(want, sizeof(want), RFC5769_REQUEST);
	(void)state;

	stun_enc_begin(&e, buf, sizeof(buf), STUN_BINDING, STUN_REQUEST,
		       tid_resp);
	stun_enc_str(&e, STUN_A_SOFTWARE, "STUN test client");
	stun_enc_u32(&e, STUN_A_PRIORITY, 0x6e0001ff);
	stun_enc_attr(&e, STUN_A_ICE_CONTROLLED, tie, sizeof(tie));
	enc_rfcpad(&e, STUN_A_USERNAME, "evtj:h6vY");
	stun_enc_integrity(&e, (const uint8_t *)ST_KEY, strlen(ST_KEY));
	stun_enc_fingerprint(&e);
	assert_int_equal(finish(&e), n);
	assert_memory_equal(buf, want, n);
}

/* §2.4 pads with zeros: the plain builder output is the vector. */
static void
test_reencode_long_term(void **state)
{
	uint8_t want[256], buf[256], key[16];
	struct stun_enc e;
	size_t n = unhex(want, sizeof(want), RFC5769_LONG_TERM);
	(void)state;

	lt_key(EVP_md5(), key);
	stun_enc_begin(&e, buf, sizeof(buf), STUN_BINDING, STUN_REQUEST,
		       tid_lt);
	stun_enc_str(&e, STUN_A_USERNAME, RFC5769_USER_UTF8);
	stun_enc_str(&e, STUN_A_NONCE, LT_NONCE);
	stun_enc_str(&e, STUN_A_REALM, LT_REALM);
	stun_enc_integrity(&e, key, sizeof(key));
	assert_int_equal(finish(&e), n);
	assert_memory_equal(buf, want, n);
}

/* B.1 (erratum 6268) pads with zeros too. */
static void
test_reencode_b1(void **state)
{
	uint8_t want[256], buf[256], key[32], uh[32];
	struct stun_enc e;
	size_t n = unhex(want, sizeof(want), RFC8489_B1);
	(void)state;

	digest(EVP_sha256(), RFC5769_USER_UTF8 ":" LT_REALM, uh);
	lt_key(EVP_sha256(), key);
	stun_enc_begin(&e, buf, sizeof(buf), STUN_BINDING, STUN_REQUEST,
		       tid_lt);
	stun_enc_attr(&e, STUN_A_USERHASH, uh, sizeof(uh));
	stun_enc_str(&e, STUN_A_NONCE, B1_NONCE);
	stun_enc_str(&e, STUN_A_REALM, LT_REALM);
	stun_enc_u32(&e, STUN_A_PASSWORD_ALGORITHM, 0x00020000);
	stun_enc_integrity_sha256(&e, key, sizeof(key));
	assert_int_equal(finish(&e), n);
	assert_memory_equal(buf, want, n);
}

/* ---- malformed messages ----------------------------------------------- */

static void
test_decode_truncated(void **state)
{
	uint8_t buf[256];
	struct stun_msg m;
	size_t n = unhex(buf, sizeof(buf), RFC5769_RESPONSE_V4), i;
	(void)state;

	assert_int_equal(stun_decode(&m, buf, 0), EBADMSG);
	assert_int_equal(stun_decode(&m, NULL, 20), EBADMSG);
	/* every proper prefix is bad: short header or length mismatch */
	for (i = 0; i < n; i++)
		assert_int_equal(stun_decode(&m, buf, i), EBADMSG);
}

static void
test_decode_header(void **state)
{
	uint8_t buf[64] = {0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xa4, 0x42};
	struct stun_msg m;
	(void)state;

	assert_int_equal(stun_decode(&m, buf, 20), 0);
	assert_int_equal(m.nattrs, 0);

	buf[0] = 0x80; /* top bits */
	assert_int_equal(stun_decode(&m, buf, 20), EBADMSG);
	buf[0] = 0x40;
	assert_int_equal(stun_decode(&m, buf, 20), EBADMSG);
	buf[0] = 0x00;

	buf[3] = 2; /* not a multiple of 4 */
	assert_int_equal(stun_decode(&m, buf, 22), EBADMSG);
	buf[3] = 4; /* says 4, datagram has 0 or 8 */
	assert_int_equal(stun_decode(&m, buf, 20), EBADMSG);
	assert_int_equal(stun_decode(&m, buf, 28), EBADMSG);
}

static void
test_decode_tlv(void **state)
{
	uint8_t buf[64] = {0x00, 0x01, 0x00, 0x08, 0x21, 0x12, 0xa4, 0x42};
	struct stun_msg m;
	(void)state;

	/* a LIFETIME of 4 fills the body exactly */
	memcpy(buf + 20, "\x00\x0d\x00\x04\x00\x00\x02\x58", 8);
	assert_int_equal(stun_decode(&m, buf, 28), 0);
	assert_int_equal(m.nattrs, 1);

	buf[23] = 8; /* value runs past the body */
	assert_int_equal(stun_decode(&m, buf, 28), EBADMSG);
	buf[23] = 5; /* value fits, its padding does not */
	assert_int_equal(stun_decode(&m, buf, 28), EBADMSG);
	buf[23] = 0xff;
	buf[22] = 0xff;
	assert_int_equal(stun_decode(&m, buf, 28), EBADMSG);
}

static void
test_decode_after_fingerprint(void **state)
{
	uint8_t buf[128];
	struct stun_enc e;
	struct stun_msg m;
	(void)state;

	stun_enc_begin(&e, buf, sizeof(buf), STUN_BINDING, STUN_REQUEST,
		       tid_resp);
	stun_enc_fingerprint(&e);
	stun_enc_u32(&e, STUN_A_LIFETIME, 600);
	assert_int_equal(stun_decode(&m, buf, finish(&e)), EBADMSG);

	/* two FINGERPRINTs: the second follows the first */
	stun_enc_begin(&e, buf, sizeof(buf), STUN_BINDING, STUN_REQUEST,
		       tid_resp);
	stun_enc_fingerprint(&e);
	stun_enc_fingerprint(&e);
	assert_int_equal(stun_decode(&m, buf, finish(&e)), EBADMSG);
}

static int
decode_one(uint16_t type, size_t len)
{
	static const uint8_t zero[64];
	uint8_t buf[128];
	struct stun_enc e;
	struct stun_msg m;

	stun_enc_begin(&e, buf, sizeof(buf), STUN_BINDING, STUN_REQUEST,
		       tid_resp);
	stun_enc_attr(&e, type, zero, len);
	return stun_decode(&m, buf, finish(&e));
}

static void
test_decode_trailer_lengths(void **state)
{
	(void)state;

	assert_int_equal(decode_one(STUN_A_MESSAGE_INTEGRITY, 20), 0);
	assert_int_equal(decode_one(STUN_A_MESSAGE_INTEGRITY, 16), EBADMSG);
	assert_int_equal(decode_one(STUN_A_MESSAGE_INTEGRITY, 32), EBADMSG);
	assert_int_equal(decode_one(STUN_A_MESSAGE_INTEGRITY, 0), EBADMSG);
	assert_int_equal(decode_one(STUN_A_MESSAGE_INTEGRITY_SHA256, 16), 0);
	assert_int_equal(decode_one(STUN_A_MESSAGE_INTEGRITY_SHA256, 24), 0);
	assert_int_equal(decode_one(STUN_A_MESSAGE_INTEGRITY_SHA256, 32), 0);
	assert_int_equal(decode_one(STUN_A_MESSAGE_INTEGRITY_SHA256, 12),
			 EBADMSG);
	assert_int_equal(decode_one(STUN_A_MESSAGE_INTEGRITY_SHA256, 18),
			 EBADMSG);
	assert_int_equal(decode_one(STUN_A_MESSAGE_INTEGRITY_SHA256, 36),
			 EBADMSG);
	assert_int_equal(decode_one(STUN_A_FINGERPRINT, 4), 0);
	assert_int_equal(decode_one(STUN_A_FINGERPRINT, 8), EBADMSG);
	assert_int_equal(decode_one(STUN_A_FINGERPRINT, 0), EBADMSG);
}

static void
test_too_many_attrs(void **state)
{
	uint8_t buf[512];
	struct stun_enc e;
	struct stun_msg m;
	unsigned i;
	(void)state;

	stun_enc_begin(&e, buf, sizeof(buf), STUN_BINDING, STUN_REQUEST,
		       tid_resp);
	for (i = 0; i < STUN_MAX_ATTRS; i++)
		stun_enc_u32(&e, STUN_A_PRIORITY, i);
	assert_int_equal(stun_decode(&m, buf, finish(&e)), 0);
	assert_int_equal(m.nattrs, STUN_MAX_ATTRS);

	stun_enc_u32(&e, STUN_A_PRIORITY, i);
	assert_int_equal(stun_decode(&m, buf, finish(&e)), EBADMSG);
}

static void
test_duplicates(void **state)
{
	uint8_t buf[128];
	struct stun_enc e;
	struct stun_msg m;
	uint32_t v = 0;
	(void)state;

	stun_enc_begin(&e, buf, sizeof(buf), STUN_ALLOCATE, STUN_REQUEST,
		       tid_resp);
	stun_enc_u32(&e, STUN_A_LIFETIME, 600);
	stun_enc_u32(&e, STUN_A_LIFETIME, 0);
	assert_int_equal(stun_decode(&m, buf, finish(&e)), 0);
	assert_int_equal(m.nattrs, 2);
	assert_int_equal(stun_attr_u32(&m, stun_find(&m, STUN_A_LIFETIME), &v),
			 0);
	assert_int_equal(v, 600);
	assert_null(stun_find(&m, STUN_A_DATA));
}

static void
test_bad_fingerprint(void **state)
{
	uint8_t buf[256];
	struct stun_msg m;
	size_t n;
	(void)state;

	n = unhex(buf, sizeof(buf), RFC5769_REQUEST);
	buf[n - 1] ^= 0x01; /* the CRC itself */
	assert_int_equal(stun_decode(&m, buf, n), 0);
	assert_int_equal(stun_check_fingerprint(&m), EBADMSG);

	n = unhex(buf, sizeof(buf), RFC5769_REQUEST);
	buf[30] ^= 0x01; /* a SOFTWARE byte */
	assert_int_equal(stun_decode(&m, buf, n), 0);
	assert_int_equal(stun_check_fingerprint(&m), EBADMSG);
	assert_int_equal(stun_check_integrity(&m, false, (const uint8_t *)ST_KEY,
					      strlen(ST_KEY)), EACCES);
}

static void
test_bad_address(void **state)
{
	uint8_t buf[128];
	struct stun_enc e;
	struct stun_msg m;
	struct sockaddr_storage ss;
	uint8_t v[20] = {0, 0x01, 0x12, 0x34, 1, 2, 3, 4};
	(void)state;

	stun_enc_begin(&e, buf, sizeof(buf), STUN_BINDING, STUN_SUCCESS,
		       tid_resp);
	stun_enc_attr(&e, STUN_A_MAPPED_ADDRESS, v, 8);   /* ok */
	stun_enc_attr(&e, STUN_A_XOR_PEER_ADDRESS, v, 20); /* v4, len 20 */
	v[1] = 0x02;
	stun_enc_attr(&e, STUN_A_XOR_RELAYED_ADDRESS, v, 8); /* v6, len 8 */
	v[1] = 0x03;
	stun_enc_attr(&e, STUN_A_ALTERNATE_SERVER, v, 8); /* family 3 */
	stun_enc_attr(&e, STUN_A_OTHER_ADDRESS, v, 12); /* odd length */
	assert_int_equal(stun_decode(&m, buf, finish(&e)), 0);
	assert_int_equal(m.nattrs, 5);

	assert_int_equal(stun_attr_addr(&m, &m.attrs[0], false, &ss), 0);
	assert_int_equal(ntohs(((struct sockaddr_in *)&ss)->sin_port), 0x1234);
	assert_int_equal(stun_attr_addr(&m, &m.attrs[1], true, &ss), EBADMSG);
	assert_int_equal(stun_attr_addr(&m, &m.attrs[2], true, &ss), EBADMSG);
	assert_int_equal(stun_attr_addr(&m, &m.attrs[3], false, &ss), EBADMSG);
	assert_int_equal(stun_attr_addr(&m, &m.attrs[4], false, &ss), EBADMSG);
	assert_int_equal(stun_attr_addr(&m, NULL, false, &ss), EINVAL);
}

/* ---- semantics -------------------------------------------------------- */

static void
test_unknown_attrs(void **state)
{
	uint8_t buf[256];
	struct stun_enc e;
	struct stun_msg m;
	unsigned i;
	(void)state;

	stun_enc_begin(&e, buf, sizeof(buf), STUN_ALLOCATE, STUN_REQUEST,
		       tid_resp);
	stun_enc_u32(&e, 0x7777, 1);  /* comprehension-required, unknown */
	stun_enc_u32(&e, 0x8777, 1);  /* comprehension-optional */
	stun_enc_u32(&e, 0x7777, 2);  /* duplicate */
	stun_enc_u32(&e, 0x0002, 3);  /* RESPONSE-ADDRESS: not known here */
	assert_int_equal(stun_decode(&m, buf, finish(&e)), 0);
	assert_int_equal(m.nattrs, 4);
	assert_int_equal(m.nunknown, 2);
	assert_int_equal(m.unknown[0], 0x7777);
	assert_int_equal(m.unknown[1], 0x0002);

	/* no more than STUN_MAX_UNKNOWN are kept, and that is no error */
	for (i = 0; i < STUN_MAX_UNKNOWN + 2; i++)
		stun_enc_u32(&e, (uint16_t)(0x7000 + i), i);
	assert_int_equal(stun_decode(&m, buf, finish(&e)), 0);
	assert_int_equal(m.nunknown, STUN_MAX_UNKNOWN);
}

/*
 * RFC 8489 §14.5: attributes after MESSAGE-INTEGRITY (but FINGERPRINT and
 * MI-SHA256) are ignored. A LIFETIME appended by anyone after MI must not
 * reach the TURN code, and MI still verifies.
 */
static void
test_after_mi_ignored(void **state)
{
	uint8_t buf[256];
	struct stun_enc e;
	struct stun_msg m;
	(void)state;

	stun_enc_begin(&e, buf, sizeof(buf), STUN_REFRESH, STUN_REQUEST,
		       tid_resp);
	stun_enc_str(&e, STUN_A_USERNAME, "alice");
	stun_enc_integrity(&e, (const uint8_t *)"k", 1);
	stun_enc_u32(&e, STUN_A_LIFETIME, 0);
	stun_enc_u32(&e, 0x7777, 0);               /* unknown: not 420 */
	stun_enc_attr(&e, STUN_A_MESSAGE_INTEGRITY, buf + 40, 4); /* bad len */
	assert_int_equal(stun_decode(&m, buf, finish(&e)), 0);
	assert_int_equal(m.nattrs, 2);
	assert_null(stun_find(&m, STUN_A_LIFETIME));
	assert_int_equal(m.nunknown, 0);
	assert_int_equal(stun_check_integrity(&m, false, (const uint8_t *)"k",
					      1), 0);

	stun_enc_fingerprint(&e);
	assert_int_equal(stun_decode(&m, buf, finish(&e)), 0);
	assert_int_equal(m.nattrs, 3);
	assert_null(stun_find(&m, STUN_A_LIFETIME));
	assert_int_equal(stun_check_fingerprint(&m), 0);
	assert_int_equal(stun_check_integrity(&m, false, (const uint8_t *)"k",
					      1), 0);
}

/* §14.6: MI-SHA256 after MI covers MI; after MI-SHA256 only FP counts. */
static void
test_mi_and_mi256(void **state)
{
	static const uint8_t key[] = "secret";
	uint8_t buf[256];
	struct stun_enc e;
	struct stun_msg m;
	size_t n;
	(void)state;

	stun_enc_begin(&e, buf, sizeof(buf), STUN_ALLOCATE, STUN_REQUEST,
		       tid_resp);
	stun_enc_u32(&e, STUN_A_REQUESTED_TRANSPORT, 17u << 24);
	stun_enc_integrity(&e, key, 6);
	stun_enc_integrity_sha256(&e, key, 6);
	stun_enc_u32(&e, STUN_A_LIFETIME, 0);          /* ignored */
	stun_enc_integrity_sha256(&e, key, 6);         /* ignored */
	stun_enc_fingerprint(&e);
	n = finish(&e);
	assert_int_equal(stun_decode(&m, buf, n), 0);
	assert_int_equal(m.nattrs, 4);
	assert_int_equal(m.mi, 1);
	assert_int_equal(m.mi256, 2);
	assert_int_equal(m.fp, 3);
	assert_null(stun_find(&m, STUN_A_LIFETIME));
	assert_int_equal(stun_check_integrity(&m, false, key, 6), 0);
	assert_int_equal(stun_check_integrity(&m, true, key, 6), 0);
	assert_int_equal(stun_check_fingerprint(&m), 0);

	buf[m.attrs[m.mi].off] ^= 1; /* MI-SHA256 covers the MI value */
	assert_int_equal(stun_check_integrity(&m, false, key, 6), EACCES);
	assert_int_equal(stun_check_integrity(&m, true, key, 6), EACCES);
}

/* §14.6: a truncated MI-SHA256 is the leading bytes of the HMAC. */
static void
test_mi256_truncated(void **state)
{
	static const uint8_t key[] = "secret";
	uint8_t buf[256], mac[32];
	unsigned maclen = 0;
	struct stun_enc e;
	struct stun_msg m;
	size_t n;
	(void)state;

	stun_enc_begin(&e, buf, sizeof(buf), STUN_BINDING, STUN_REQUEST,
		       tid_resp);
	stun_enc_str(&e, STUN_A_USERNAME, "bob");
	stun_enc_attr(&e, STUN_A_MESSAGE_INTEGRITY_SHA256, mac, 16);
	n = finish(&e);
	assert_non_null(HMAC(EVP_sha256(), key, 6, buf, n - 20, mac, &maclen));
	memcpy(buf + n - 16, mac, 16);

	assert_int_equal(stun_decode(&m, buf, n), 0);
	assert_int_equal(stun_check_integrity(&m, true, key, 6), 0);
	assert_int_equal(stun_check_integrity(&m, true, key, 5), EACCES);
}

static void
test_classic_3489(void **state)
{
	/* RFC 3489 Binding response: no cookie, MAPPED-ADDRESS 10.1.2.3:4660 */
	uint8_t buf[64] = {
		0x01, 0x01, 0x00, 0x0c, 0xde, 0xad, 0xbe, 0xef,
		1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12,
		0x00, 0x01, 0x00, 0x08, 0x00, 0x01, 0x12, 0x34,
		10, 1, 2, 3,
	};
	struct sockaddr_storage ss;
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
	struct stun_msg m;
	(void)state;

	assert_int_equal(stun_decode(&m, buf, 32), 0);
	assert_true(m.classic);
	assert_memory_equal(m.tid, buf + 4, 16);
	assert_int_equal(m.cls, STUN_SUCCESS);
	assert_int_equal(stun_attr_addr(&m, stun_find(&m, STUN_A_MAPPED_ADDRESS),
					false, &ss), 0);
	assert_int_equal(sin->sin_family, AF_INET);
	assert_int_equal(ntohs(sin->sin_port), 0x1234);
	assert_int_equal(ntohl(sin->sin_addr.s_addr), 0x0a010203);
	assert_false(stun_is_stun(buf, 32)); /* demux wants the cookie */
}

static void
test_is_stun(void **state)
{
	uint8_t buf[256];
	size_t n = unhex(buf, sizeof(buf), RFC5769_REQUEST);
	(void)state;

	assert_true(stun_is_stun(buf, n));
	assert_true(stun_is_stun(buf, 4));
	assert_false(stun_is_stun(buf, 0));
	buf[0] = 0x40;
	assert_false(stun_is_stun(buf, n));
	buf[0] = 0x00;
	buf[4] = 0x22;
	assert_false(stun_is_stun(buf, n));
}

static void
test_u32(void **state)
{
	uint8_t buf[128];
	struct stun_enc e;
	struct stun_msg m;
	uint32_t v;
	(void)state;

	stun_enc_begin(&e, buf, sizeof(buf), STUN_ALLOCATE, STUN_REQUEST,
		       tid_resp);
	stun_enc_u32(&e, STUN_A_LIFETIME, 0xdeadbeef);
	stun_enc_attr(&e, STUN_A_PRIORITY, "abc", 3);
	assert_int_equal(stun_decode(&m, buf, finish(&e)), 0);
	assert_int_equal(stun_attr_u32(&m, &m.attrs[0], &v), 0);
	assert_int_equal(v, 0xdeadbeef);
	assert_int_equal(stun_attr_u32(&m, &m.attrs[1], &v), EBADMSG);
	assert_int_equal(stun_attr_u32(&m, NULL, &v), EINVAL);
}

static void
test_error_code(void **state)
{
	static const uint8_t bad[] = {0, 0, 2, 1};
	uint8_t buf[256];
	struct stun_enc e;
	struct stun_msg m;
	const char *r;
	size_t rlen;
	int code;
	(void)state;

	stun_enc_begin(&e, buf, sizeof(buf), STUN_ALLOCATE, STUN_ERROR,
		       tid_resp);
	stun_enc_error(&e, 401, NULL);
	stun_enc_error(&e, 438, "Nonce!");
	stun_enc_attr(&e, STUN_A_ERROR_CODE, bad, sizeof(bad));
	assert_int_equal(stun_decode(&m, buf, finish(&e)), 0);
	assert_int_equal(m.cls, STUN_ERROR);
	assert_int_equal(m.attrs[0].len, 4 + strlen("Unauthorized"));
	assert_memory_equal(buf + 24, "\x00\x00\x04\x01", 4);

	assert_int_equal(stun_attr_error(&m, &m.attrs[0], &code, &r, &rlen), 0);
	assert_int_equal(code, 401);
	assert_int_equal(rlen, 12);
	assert_memory_equal(r, "Unauthorized", 12);
	assert_int_equal(stun_attr_error(&m, &m.attrs[1], &code, &r, &rlen), 0);
	assert_int_equal(code, 438);
	assert_int_equal(rlen, 6);
	assert_int_equal(stun_attr_error(&m, &m.attrs[2], &code, &r, &rlen),
			 EBADMSG);

	stun_enc_error(&e, 200, NULL);
	assert_int_equal(stun_enc_finish(&e, NULL), EINVAL);
}

static void
test_enc_unknown(void **state)
{
	static const uint16_t types[] = {0x7777, 0x0002, 0x0031};
	uint8_t buf[128];
	struct stun_enc e;
	struct stun_msg m;
	(void)state;

	stun_enc_begin(&e, buf, sizeof(buf), STUN_ALLOCATE, STUN_ERROR,
		       tid_resp);
	stun_enc_error(&e, 420, NULL);
	stun_enc_unknown(&e, types, 3);
	assert_int_equal(stun_decode(&m, buf, finish(&e)), 0);
	assert_attr_bytes(&m, STUN_A_UNKNOWN_ATTRIBUTES,
			  "\x77\x77\x00\x02\x00\x31", 6);
	assert_memory_equal(stun_attr_val(&m, &m.attrs[1]) + 6, "\0\0", 2);
}

/* §5: every method and class survives the bit interleaving. */
static void
test_type_bits(void **state)
{
	static const uint16_t methods[] = {0x001, 0x003, 0x00b, 0x0ff, 0xabc,
					   0xfff};
	uint8_t buf[32];
	struct stun_enc e;
	struct stun_msg m;
	unsigned i, c;
	(void)state;

	for (i = 0; i < sizeof(methods) / sizeof(methods[0]); i++) {
		for (c = 0; c < 4; c++) {
			stun_enc_begin(&e, buf, sizeof(buf), methods[i],
				       (uint8_t)c, tid_resp);
			assert_int_equal(stun_decode(&m, buf, finish(&e)), 0);
			assert_int_equal(m.method, methods[i]);
			assert_int_equal(m.cls, c);
		}
	}
	/* RFC 5769 types: 0x0001 Binding request, 0x0101 success */
	stun_enc_begin(&e, buf, sizeof(buf), STUN_BINDING, STUN_SUCCESS,
		       tid_resp);
	assert_memory_equal(buf, "\x01\x01", 2);
	stun_enc_begin(&e, buf, sizeof(buf), STUN_ALLOCATE, STUN_ERROR,
		       tid_resp);
	assert_memory_equal(buf, "\x01\x13", 2);
	stun_enc_begin(&e, buf, sizeof(buf), STUN_DATA, STUN_INDICATION,
		       tid_resp);
	assert_memory_equal(buf, "\x00\x17", 2);
}

static void
test_enc_nospc(void **state)
{
	uint8_t buf[40];
	struct stun_enc e;
	size_t len = 7;
	(void)state;

	stun_enc_begin(&e, buf, 19, STUN_BINDING, STUN_REQUEST, tid_resp);
	assert_int_equal(stun_enc_finish(&e, &len), ENOSPC);

	stun_enc_begin(&e, buf, sizeof(buf), STUN_BINDING, STUN_REQUEST,
		       tid_resp);
	stun_enc_u32(&e, STUN_A_LIFETIME, 1);         /* 28 */
	stun_enc_str(&e, STUN_A_SOFTWARE, "abcde");   /* 40: fits exactly */
	assert_int_equal(e.len, 40);
	stun_enc_fingerprint(&e);                     /* no room */
	assert_int_equal(e.err, ENOSPC);
	stun_enc_str(&e, STUN_A_SOFTWARE, "");        /* sticky */
	assert_int_equal(e.len, 40);
	assert_int_equal(stun_enc_finish(&e, &len), ENOSPC);
	assert_int_equal(len, 7);

	stun_enc_begin(&e, buf, sizeof(buf), STUN_BINDING, STUN_REQUEST,
		       tid_resp);
	stun_enc_integrity(&e, (const uint8_t *)"k", 1); /* 44 > 40 */
	assert_int_equal(stun_enc_finish(&e, &len), ENOSPC);
}

static void
test_enc_einval(void **state)
{
	static uint8_t big[70000];
	uint8_t buf[128];
	struct sockaddr_storage ss;
	struct stun_enc e;
	(void)state;

	memset(&ss, 0, sizeof(ss));
	ss.ss_family = AF_UNIX;
	stun_enc_begin(&e, buf, sizeof(buf), STUN_BINDING, STUN_SUCCESS,
		       tid_resp);
	stun_enc_addr(&e, STUN_A_XOR_MAPPED_ADDRESS, (struct sockaddr *)&ss,
		      true);
	assert_int_equal(stun_enc_finish(&e, NULL), EINVAL);
	stun_enc_begin(&e, buf, sizeof(buf), STUN_BINDING, STUN_SUCCESS,
		       tid_resp);
	stun_enc_addr(&e, STUN_A_XOR_MAPPED_ADDRESS, NULL, true);
	assert_int_equal(stun_enc_finish(&e, NULL), EINVAL);

	stun_enc_begin(&e, big, sizeof(big), STUN_SEND, STUN_INDICATION,
		       tid_resp);
	stun_enc_attr(&e, STUN_A_DATA, big, 65536);
	assert_int_equal(stun_enc_finish(&e, NULL), EINVAL);

	/* a body over the 16-bit length field is no room either */
	stun_enc_begin(&e, big, sizeof(big), STUN_SEND, STUN_INDICATION,
		       tid_resp);
	stun_enc_attr(&e, STUN_A_DATA, big + 1000, 65535);
	assert_int_equal(stun_enc_finish(&e, NULL), ENOSPC);
}

static void
test_enc_addr_roundtrip(void **state)
{
	static const char *ips[] = {"0.0.0.0", "255.255.255.255", "::",
				    "fe80::1", "2001:db8::ffff"};
	struct sockaddr_storage ss, out;
	uint8_t buf[128];
	struct stun_enc e;
	struct stun_msg m;
	unsigned i;
	int xr;
	(void)state;

	for (i = 0; i < 5; i++) {
		for (xr = 0; xr < 2; xr++) {
			int af = strchr(ips[i], ':') ? AF_INET6 : AF_INET;

			sa_make(&ss, af, ips[i], (uint16_t)(i * 9999));
			stun_enc_begin(&e, buf, sizeof(buf), STUN_BINDING,
				       STUN_SUCCESS, tid_lt);
			stun_enc_addr(&e, STUN_A_XOR_PEER_ADDRESS,
				      (struct sockaddr *)&ss, xr);
			assert_int_equal(stun_decode(&m, buf, finish(&e)), 0);
			assert_int_equal(stun_attr_addr(&m, &m.attrs[0], xr,
							&out), 0);
			assert_memory_equal(&out, &ss, sizeof(ss));
		}
	}
}

static void
test_names(void **state)
{
	(void)state;

	assert_string_equal(stun_attr_name(STUN_A_XOR_MAPPED_ADDRESS),
			    "XOR-MAPPED-ADDRESS");
	assert_string_equal(stun_attr_name(STUN_A_FINGERPRINT), "FINGERPRINT");
	assert_null(stun_attr_name(0x7777));
	assert_true(stun_attr_known(STUN_A_MESSAGE_INTEGRITY_SHA256));
	assert_true(stun_attr_known(STUN_A_CONNECTION_ID));
	assert_false(stun_attr_known(0x0002));
	assert_string_equal(stun_method_name(STUN_ALLOCATE), "Allocate");
	assert_string_equal(stun_method_name(STUN_CHANNEL_BIND), "ChannelBind");
	assert_string_equal(stun_method_name(0x0fff), "unknown");
	assert_string_equal(stun_reason(401), "Unauthorized");
	assert_string_equal(stun_reason(438), "Stale Nonce");
	assert_string_equal(stun_reason(508), "Insufficient Capacity");
	assert_string_equal(stun_reason(440), "Address Family not Supported");
	assert_non_null(stun_reason(499));
	assert_non_null(stun_reason(-1));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc5769_request),
		cmocka_unit_test(test_rfc5769_response_v4),
		cmocka_unit_test(test_rfc5769_response_v6),
		cmocka_unit_test(test_rfc5769_long_term),
		cmocka_unit_test(test_rfc8489_b1),
		cmocka_unit_test(test_reencode_v4_exact),
		cmocka_unit_test(test_reencode_v4_zero_pad),
		cmocka_unit_test(test_reencode_v6_exact),
		cmocka_unit_test(test_reencode_request_exact),
		cmocka_unit_test(test_reencode_long_term),
		cmocka_unit_test(test_reencode_b1),
		cmocka_unit_test(test_decode_truncated),
		cmocka_unit_test(test_decode_header),
		cmocka_unit_test(test_decode_tlv),
		cmocka_unit_test(test_decode_after_fingerprint),
		cmocka_unit_test(test_decode_trailer_lengths),
		cmocka_unit_test(test_too_many_attrs),
		cmocka_unit_test(test_duplicates),
		cmocka_unit_test(test_bad_fingerprint),
		cmocka_unit_test(test_bad_address),
		cmocka_unit_test(test_unknown_attrs),
		cmocka_unit_test(test_after_mi_ignored),
		cmocka_unit_test(test_mi_and_mi256),
		cmocka_unit_test(test_mi256_truncated),
		cmocka_unit_test(test_classic_3489),
		cmocka_unit_test(test_is_stun),
		cmocka_unit_test(test_u32),
		cmocka_unit_test(test_error_code),
		cmocka_unit_test(test_enc_unknown),
		cmocka_unit_test(test_type_bits),
		cmocka_unit_test(test_enc_nospc),
		cmocka_unit_test(test_enc_einval),
		cmocka_unit_test(test_enc_addr_roundtrip),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
