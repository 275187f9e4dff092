/**
 * @file stun_int.h  Private helpers shared by the STUN codec files.
 */
#ifndef TURNPIKE_STUN_INT_H
#define TURNPIKE_STUN_INT_H

#include <stddef.h>
#include <stdint.h>

#define STUN_ATTR_HDR 4
#define STUN_PAD4(n)  (((n) + 3u) & ~(size_t)3u)

static inline uint16_t
stun_rd16(const uint8_t *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}

static inline uint32_t
stun_rd32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) |
	       ((uint32_t)p[2] << 8) | p[3];
}

static inline void
stun_wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void
stun_wr32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/*
 * HMAC (digest "SHA1" or "SHA256") over hdr[0..20) followed by
 * body[0..bodylen). The header is passed apart so callers can patch its
 * length field without copying the message (RFC 8489 §14.5, §14.6).
 * out must hold 32 bytes. Returns 0 or ENOMEM/EINVAL.
 */
int stun_hmac(const char *digest, const uint8_t *key, size_t keylen,
	      const uint8_t hdr[20], const uint8_t *body, size_t bodylen,
	      uint8_t out[32]);

/* CRC-32 of buf[0..len) XOR 0x5354554e (RFC 8489 §14.7). */
uint32_t stun_crc(const uint8_t *buf, size_t len);

#endif
