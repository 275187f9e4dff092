/**
 * @file nonce.c  Stateless nonces (RFC 8489 §9.2), restund's shape with
 * an HMAC and a constant-time compare.
 *
 *   obMatJos2 wAAA  TTTTTTTTTTT
 *   \_cookie_/ \__/ \_________/
 *              |    base64url (no padding) of 8 bytes:
 *              |      issue time, 32-bit big-endian Unix seconds
 *              |      HMAC-SHA256(nonce_key, time || family || IP)[0..4)
 *              base64 of the 24-bit security feature set (§18.1):
 *              bit 0 (top) password algorithms, bit 1 username anonymity
 *
 * 24 characters. The client's IP (not its port: NATs rebind ports) and
 * family are bound in; an IPv4-mapped IPv6 address counts as IPv4. The
 * issue time, not an expiry, is carried, so the lifetime in force when
 * the nonce comes back applies. Nothing is stored.
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "auth_int.h"

#define NONCE_RAW_LEN (4 + NONCE_TAG_LEN)

static const char b64_std[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char b64_url[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* Base64 of in[0..n) without padding; out gets ceil(8n/6) chars + NUL. */
static void
b64_encode(char *out, const uint8_t *in, size_t n, const char *alpha)
{
	uint32_t acc = 0;
	unsigned bits = 0;

	for (size_t i = 0; i < n; i++) {
		acc = acc << 8 | in[i];
		bits += 8;
		while (bits >= 6) {
			bits -= 6;
			*out++ = alpha[(acc >> bits) & 63];
		}
	}
	if (bits > 0)
		*out++ = alpha[(acc << (6 - bits)) & 63];
	*out = '\0';
}

static int
b64_url_val(char c)
{
	const char *p = c ? strchr(b64_url, c) : NULL;

	return p ? (int)(p - b64_url) : -1;
}

void
nonce_prefix(char out[NONCE_PREFIX_LEN + 1], uint32_t features)
{
	uint8_t f[3] = {
		(uint8_t)(features >> 16), (uint8_t)(features >> 8),
		(uint8_t)features,
	};

	memcpy(out, NONCE_COOKIE, NONCE_COOKIE_LEN);
	b64_encode(out + NONCE_COOKIE_LEN, f, sizeof(f), b64_std);
}

/* family byte + IP bytes of the client into buf[0..17); returns length. */
static size_t
client_id(const struct sockaddr *sa, uint8_t buf[17])
{
	static const uint8_t mapped[12] = {
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff,
	};
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;

	if (sa != NULL && sa->sa_family == AF_INET) {
		memcpy(&sin, sa, sizeof(sin));
		buf[0] = 4;
		memcpy(buf + 1, &sin.sin_addr, 4);
		return 5;
	}
	if (sa != NULL && sa->sa_family == AF_INET6) {
		memcpy(&sin6, sa, sizeof(sin6));
		if (memcmp(&sin6.sin6_addr, mapped, sizeof(mapped)) == 0) {
			buf[0] = 4;
			memcpy(buf + 1, (uint8_t *)&sin6.sin6_addr + 12, 4);
			return 5;
		}
		buf[0] = 6;
		memcpy(buf + 1, &sin6.sin6_addr, 16);
		return 17;
	}
	buf[0] = 0;
	return 1;
}

/* The nonce issued at time t to client, NUL-terminated. */
static int
nonce_build(const struct auth *a, const struct sockaddr *client,
	    uint32_t t, char out[NONCE_LEN + 1])
{
	uint8_t in[4 + 17], raw[NONCE_RAW_LEN], mac[EVP_MAX_MD_SIZE];
	unsigned maclen = 0;
	size_t n;

	in[0] = (uint8_t)(t >> 24);
	in[1] = (uint8_t)(t >> 16);
	in[2] = (uint8_t)(t >> 8);
	in[3] = (uint8_t)t;
	n = 4 + client_id(client, in + 4);
	if (HMAC(EVP_sha256(), a->nonce_key, sizeof(a->nonce_key), in, n,
		 mac, &maclen) == NULL || maclen < NONCE_TAG_LEN)
		return ENOMEM;

	memcpy(raw, in, 4);
	memcpy(raw + 4, mac, NONCE_TAG_LEN);
	memcpy(out, a->nonce_prefix, NONCE_PREFIX_LEN);
	b64_encode(out + NONCE_PREFIX_LEN, raw, sizeof(raw), b64_url);
	return 0;
}

size_t
auth_nonce_make(const struct auth *a, const struct sockaddr *client,
		int64_t wall_s, char *out, size_t cap)
{
	char n[NONCE_LEN + 1];

	if (a == NULL || out == NULL || cap < sizeof(n))
		return 0;
	if (nonce_build(a, client, (uint32_t)wall_s, n) != 0) {
		out[0] = '\0';
		return 0;
	}
	memcpy(out, n, sizeof(n));
	return NONCE_LEN;
}

/* The issue time: the top 32 of the first 36 bits of the body. */
static int
nonce_time(const uint8_t *body, uint32_t *t)
{
	uint64_t acc = 0;

	for (size_t i = 0; i < 6; i++) {
		int v = b64_url_val((char)body[i]);

		if (v < 0)
			return EACCES;
		acc = acc << 6 | (uint64_t)v;
	}
	*t = (uint32_t)(acc >> 4);
	return 0;
}

int
auth_nonce_check(const struct auth *a, const struct sockaddr *client,
		 int64_t wall_s, const uint8_t *nonce, size_t len)
{
	char want[NONCE_LEN + 1];
	uint32_t t;

	if (a == NULL || nonce == NULL || len != NONCE_LEN)
		return EACCES;
	if (nonce_time(nonce + NONCE_PREFIX_LEN, &t) != 0)
		return EACCES;
	if (nonce_build(a, client, t, want) != 0)
		return EACCES;
	/* the whole text, cookie included: a feature bit stripped = forged */
	if (CRYPTO_memcmp(want, nonce, NONCE_LEN) != 0)
		return EACCES;
	if ((int64_t)t + a->nonce_lifetime < wall_s ||
	    (int64_t)t > wall_s + NONCE_SKEW_S)
		return ESTALE;
	return 0;
}
