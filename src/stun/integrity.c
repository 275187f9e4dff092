/**
 * @file integrity.c  MESSAGE-INTEGRITY, MESSAGE-INTEGRITY-SHA256 and
 *                    FINGERPRINT (RFC 8489 §14.5, §14.6, §14.7).
 *
 * What each check covers, for a message ... | MI | MI-SHA256 | FP |:
 *
 *   MI         HMAC-SHA1 of header + attributes before MI, with the
 *              header length patched to end just after MI.
 *   MI-SHA256  HMAC-SHA256 of header + attributes before MI-SHA256
 *              (MI included), length patched to end just after it.
 *   FP         CRC-32 of everything before FP, XOR 0x5354554e; the
 *              header length already covers FP, which is last.
 */
#include <errno.h>
#include <string.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <zlib.h>
#include "stun.h"
#include "stun_int.h"

int
stun_hmac(const char *digest, const uint8_t *key, size_t keylen,
	  const uint8_t hdr[20], const uint8_t *body, size_t bodylen,
	  uint8_t out[32])
{
	static const uint8_t nokey[1]; /* EVP_MAC_init wants a non-NULL key */
	OSSL_PARAM params[2];
	EVP_MAC *mac = NULL;
	EVP_MAC_CTX *ctx = NULL;
	size_t outlen = 0;
	int err = ENOMEM;

	mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	if (!mac)
		goto out;
	ctx = EVP_MAC_CTX_new(mac);
	if (!ctx)
		goto out;

	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
						     (char *)digest, 0);
	params[1] = OSSL_PARAM_construct_end();

	err = EINVAL;
	if (!EVP_MAC_init(ctx, key && keylen ? key : nokey, keylen, params))
		goto out;
	if (!EVP_MAC_update(ctx, hdr, STUN_HDR_LEN))
		goto out;
	if (bodylen && !EVP_MAC_update(ctx, body, bodylen))
		goto out;
	if (!EVP_MAC_final(ctx, out, &outlen, 32))
		goto out;
	err = 0;
 out:
	EVP_MAC_CTX_free(ctx);
	EVP_MAC_free(mac);
	return err;
}

uint32_t
stun_crc(const uint8_t *buf, size_t len)
{
	/* A STUN message is at most 20 + 65535 bytes: fits in uInt. */
	return (uint32_t)crc32(0L, buf, (uInt)len) ^ STUN_FP_XOR;
}

int
stun_check_fingerprint(const struct stun_msg *m)
{
	const struct stun_attr *a;

	if (!m || m->fp < 0)
		return ENOENT;

	a = &m->attrs[m->fp];
	if (a->len != 4)
		return EBADMSG;

	/* §14.7: CRC over all bytes before the FINGERPRINT attribute. */
	if (stun_crc(m->raw, a->off - STUN_ATTR_HDR) != stun_rd32(m->raw + a->off))
		return EBADMSG;

	return 0;
}

int
stun_check_integrity(const struct stun_msg *m, bool sha256,
		     const uint8_t *key, size_t keylen)
{
	const struct stun_attr *a;
	uint8_t hdr[STUN_HDR_LEN];
	uint8_t mac[32];
	size_t start;
	int idx;

	if (!m)
		return ENOENT;
	idx = sha256 ? m->mi256 : m->mi;
	if (idx < 0)
		return ENOENT;

	a = &m->attrs[idx];
	if (a->len < 16 || a->len > sizeof(mac))
		return EACCES;

	/*
	 * §14.5/§14.6: the length field must count up to the end of this
	 * attribute, as the sender saw it when computing the HMAC; anything
	 * the sender (or an attacker) appended afterwards is not covered.
	 */
	start = a->off - STUN_ATTR_HDR;
	memcpy(hdr, m->raw, sizeof(hdr));
	stun_wr16(hdr + 2, (uint16_t)(a->off + a->len - STUN_HDR_LEN));

	if (stun_hmac(sha256 ? "SHA256" : "SHA1", key, keylen, hdr,
		      m->raw + STUN_HDR_LEN, start - STUN_HDR_LEN, mac))
		return EACCES; /* fail closed */

	/* A truncated MI-SHA256 is compared over its received length. */
	if (CRYPTO_memcmp(mac, m->raw + a->off, a->len) != 0)
		return EACCES;

	return 0;
}
