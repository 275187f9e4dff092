/**
 * @file enc.c  STUN message builder (RFC 8489 §5, §14).
 *
 * Writes into a caller-owned buffer. The header's length field is kept
 * current after every attribute, so MESSAGE-INTEGRITY and FINGERPRINT
 * are computed over exactly the bytes written so far, with the length
 * already counting the attribute being added (§14.5, §14.7). The first
 * error sticks; later calls do nothing.
 */
#include <errno.h>
#include <string.h>
#include "stun.h"
#include "stun_int.h"

#define STUN_MAX_BODY 0xFFFC  /* largest length field, a multiple of 4 */

static void
enc_fail(struct stun_enc *e, int err)
{
	if (!e->err)
		e->err = err;
}

/* §5: M11..M7 C1 M6..M4 C0 M3..M0 in the low 14 bits. */
static uint16_t
msg_type(uint16_t method, uint8_t cls)
{
	return (uint16_t)((method & 0x000F) | ((method & 0x0070) << 1) |
			  ((method & 0x0F80) << 2) | ((cls & 0x1) << 4) |
			  ((cls & 0x2) << 7));
}

void
stun_enc_begin(struct stun_enc *e, uint8_t *buf, size_t cap,
	       uint16_t method, uint8_t cls, const uint8_t tid16[16])
{
	e->buf = buf;
	e->cap = cap;
	e->len = 0;
	e->err = 0;

	if (method > 0x0FFF || cls > STUN_ERROR || !tid16) {
		enc_fail(e, EINVAL);
		return;
	}
	if (!buf || cap < STUN_HDR_LEN) {
		enc_fail(e, ENOSPC);
		return;
	}

	stun_wr16(buf, msg_type(method, cls));
	stun_wr16(buf + 2, 0);
	memcpy(buf + 4, tid16, 16);
	e->len = STUN_HDR_LEN;
}

/*
 * Append a TLV header and a zeroed, padded value of len bytes; update
 * the header length. Returns the value's address, or NULL on error.
 */
static uint8_t *
enc_reserve(struct stun_enc *e, uint16_t type, size_t len)
{
	size_t need;
	uint8_t *p;

	if (e->err)
		return NULL;
	if (len > 0xFFFF) {
		enc_fail(e, EINVAL);
		return NULL;
	}

	need = STUN_ATTR_HDR + STUN_PAD4(len);
	if (need > e->cap - e->len ||
	    e->len - STUN_HDR_LEN + need > STUN_MAX_BODY) {
		enc_fail(e, ENOSPC);
		return NULL;
	}

	p = e->buf + e->len;
	stun_wr16(p, type);
	stun_wr16(p + 2, (uint16_t)len);
	memset(p + STUN_ATTR_HDR, 0, STUN_PAD4(len));

	e->len += need;
	stun_wr16(e->buf + 2, (uint16_t)(e->len - STUN_HDR_LEN));

	return p + STUN_ATTR_HDR;
}

void
stun_enc_attr(struct stun_enc *e, uint16_t type, const void *val,
	      size_t len)
{
	uint8_t *p;

	if (!val && len) {
		enc_fail(e, EINVAL);
		return;
	}

	p = enc_reserve(e, type, len);
	if (p && len)
		memcpy(p, val, len);
}

void
stun_enc_u32(struct stun_enc *e, uint16_t type, uint32_t v)
{
	uint8_t b[4];

	stun_wr32(b, v);
	stun_enc_attr(e, type, b, sizeof(b));
}

void
stun_enc_str(struct stun_enc *e, uint16_t type, const char *s)
{
	if (!s)
		s = "";

	stun_enc_attr(e, type, s, strlen(s));
}

/* Fill an address value (§14.1, §14.2); returns its length or 0. */
static size_t
addr_val(uint8_t v[20], const struct sockaddr *sa, const uint8_t mask[16])
{
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;
	const uint8_t *ip;
	size_t i, iplen;
	uint16_t port;

	if (sa && sa->sa_family == AF_INET) {
		memcpy(&sin, sa, sizeof(sin));
		ip = (const uint8_t *)&sin.sin_addr;
		iplen = 4;
		port = ntohs(sin.sin_port);
		v[1] = 0x01;
	} else if (sa && sa->sa_family == AF_INET6) {
		memcpy(&sin6, sa, sizeof(sin6));
		ip = (const uint8_t *)&sin6.sin6_addr;
		iplen = 16;
		port = ntohs(sin6.sin6_port);
		v[1] = 0x02;
	} else {
		return 0;
	}

	v[0] = 0;
	stun_wr16(v + 2, port ^ stun_rd16(mask));
	for (i = 0; i < iplen; i++)
		v[4 + i] = ip[i] ^ mask[i];

	return 4 + iplen;
}

void
stun_enc_addr(struct stun_enc *e, uint16_t type, const struct sockaddr *sa,
	      bool xor)
{
	uint8_t mask[16] = {0};
	uint8_t v[20];
	size_t len;

	if (e->err)
		return;

	/* §14.2: the XOR key is the header's cookie + transaction id */
	if (xor)
		memcpy(mask, e->buf + 4, sizeof(mask));

	len = addr_val(v, sa, mask);
	if (!len) {
		enc_fail(e, EINVAL);
		return;
	}

	stun_enc_attr(e, type, v, len);
}

/* §14.8: | 0 (21 bits) | class (3) | number (8) | reason phrase | */
void
stun_enc_error(struct stun_enc *e, int code, const char *reason)
{
	size_t rlen;
	uint8_t *p;

	if (code < 300 || code > 699) {
		enc_fail(e, EINVAL);
		return;
	}
	if (!reason)
		reason = stun_reason(code);

	rlen = strlen(reason);
	p = enc_reserve(e, STUN_A_ERROR_CODE, 4 + rlen);
	if (!p)
		return;

	p[2] = (uint8_t)(code / 100);
	p[3] = (uint8_t)(code % 100);
	memcpy(p + 4, reason, rlen);
}

/* §14.9: a list of 16-bit types, padded (not repeated) to 4 bytes. */
void
stun_enc_unknown(struct stun_enc *e, const uint16_t *types, unsigned n)
{
	unsigned i;
	uint8_t *p;

	if (!types && n) {
		enc_fail(e, EINVAL);
		return;
	}

	p = enc_reserve(e, STUN_A_UNKNOWN_ATTRIBUTES, (size_t)n * 2);
	if (!p)
		return;

	for (i = 0; i < n; i++)
		stun_wr16(p + 2 * i, types[i]);
}

static void
enc_mac(struct stun_enc *e, uint16_t type, const char *digest,
	size_t maclen, const uint8_t *key, size_t keylen)
{
	uint8_t mac[32];
	size_t before = e->len;
	uint8_t *p;
	int err;

	/* reserve first: the length field then ends after this attribute */
	p = enc_reserve(e, type, maclen);
	if (!p)
		return;

	err = stun_hmac(digest, key, keylen, e->buf, e->buf + STUN_HDR_LEN,
			before - STUN_HDR_LEN, mac);
	if (err) {
		enc_fail(e, err);
		return;
	}

	memcpy(p, mac, maclen);
}

void
stun_enc_integrity(struct stun_enc *e, const uint8_t *key, size_t keylen)
{
	enc_mac(e, STUN_A_MESSAGE_INTEGRITY, "SHA1", STUN_MI_LEN, key, keylen);
}

void
stun_enc_integrity_sha256(struct stun_enc *e, const uint8_t *key,
			  size_t keylen)
{
	enc_mac(e, STUN_A_MESSAGE_INTEGRITY_SHA256, "SHA256", STUN_MI256_LEN,
		key, keylen);
}

void
stun_enc_fingerprint(struct stun_enc *e)
{
	size_t before = e->len;
	uint8_t *p;

	p = enc_reserve(e, STUN_A_FINGERPRINT, 4);
	if (!p)
		return;

	/* §14.7: CRC over the message before FINGERPRINT, length included */
	stun_wr32(p, stun_crc(e->buf, before));
}

int
stun_enc_finish(struct stun_enc *e, size_t *out_len)
{
	if (e->err)
		return e->err;

	if (out_len)
		*out_len = e->len;

	return 0;
}
