/**
 * @file msg.c  STUN message decoding and attribute accessors (RFC 8489).
 *
 * Decoding is zero-copy: struct stun_attr holds offsets into the
 * caller's buffer. Validation is structural only; FINGERPRINT and
 * MESSAGE-INTEGRITY are verified by integrity.c on request.
 */
#include <errno.h>
#include <string.h>
#include "stun.h"
#include "stun_int.h"

/* Where the attribute walk is, relative to the trailing attributes. */
enum phase {
	PH_BODY,   /* before MESSAGE-INTEGRITY: attributes are stored */
	PH_MI,     /* after MI: only MI-SHA256 and FINGERPRINT count */
	PH_MI256,  /* after MI-SHA256: only FINGERPRINT counts */
	PH_FP,     /* after FINGERPRINT: nothing may follow */
};

/*
 * §5: the 14-bit message type interleaves class bits C1 (bit 8) and
 * C0 (bit 4) with the 12 method bits M11..M0.
 */
static void
msg_type(struct stun_msg *m, uint16_t t)
{
	m->method = (uint16_t)((t & 0x000F) | ((t & 0x00E0) >> 1) |
			       ((t & 0x3E00) >> 2));
	m->cls = (uint8_t)(((t >> 4) & 0x1) | ((t >> 7) & 0x2));
}

static int
attr_store(struct stun_msg *m, const struct stun_attr *a, int *idx)
{
	if (m->nattrs >= STUN_MAX_ATTRS)
		return EBADMSG;

	if (idx)
		*idx = (int)m->nattrs;
	m->attrs[m->nattrs++] = *a;

	return 0;
}

/* Unknown comprehension-required types, kept for a 420 reply (§6.3.1). */
static void
unknown_note(struct stun_msg *m, uint16_t type)
{
	unsigned i;

	if (type >= 0x8000 || stun_attr_known(type))
		return;

	for (i = 0; i < m->nunknown; i++) {
		if (m->unknown[i] == type)
			return;
	}

	if (m->nunknown < STUN_MAX_UNKNOWN)
		m->unknown[m->nunknown++] = type;
}

static bool
mi256_len_ok(uint16_t len)
{
	/* §14.6: 16 to 32 bytes, a multiple of 4 */
	return len >= 16 && len <= STUN_MI256_LEN && len % 4 == 0;
}

/*
 * Take one attribute. §14.5: attributes after MESSAGE-INTEGRITY, other
 * than MI-SHA256 and FINGERPRINT, are ignored; §14.6 likewise after
 * MI-SHA256 for all but FINGERPRINT. They are not stored, so nothing
 * downstream can act on bytes no HMAC covers.
 */
static int
attr_take(struct stun_msg *m, enum phase *ph, const struct stun_attr *a)
{
	switch (a->type) {

	case STUN_A_FINGERPRINT:
		if (a->len != 4)
			return EBADMSG;
		*ph = PH_FP;
		return attr_store(m, a, &m->fp);

	case STUN_A_MESSAGE_INTEGRITY:
		if (*ph != PH_BODY)
			return 0;
		if (a->len != STUN_MI_LEN)
			return EBADMSG;
		*ph = PH_MI;
		return attr_store(m, a, &m->mi);

	case STUN_A_MESSAGE_INTEGRITY_SHA256:
		if (*ph >= PH_MI256)
			return 0;
		if (!mi256_len_ok(a->len))
			return EBADMSG;
		*ph = PH_MI256;
		return attr_store(m, a, &m->mi256);

	default:
		if (*ph != PH_BODY)
			return 0;
		unknown_note(m, a->type);
		return attr_store(m, a, NULL);
	}
}

static int
attrs_decode(struct stun_msg *m)
{
	enum phase ph = PH_BODY;
	size_t pos = STUN_HDR_LEN;
	struct stun_attr a;
	int err;

	while (pos < m->len) {

		/* §14.7: FINGERPRINT must be the last attribute */
		if (ph == PH_FP || m->len - pos < STUN_ATTR_HDR)
			return EBADMSG;

		a.type = stun_rd16(m->raw + pos);
		a.len = stun_rd16(m->raw + pos + 2);
		a.off = (uint32_t)(pos + STUN_ATTR_HDR);

		/* §14: the value is padded to a multiple of 4 bytes */
		if (STUN_PAD4((size_t)a.len) > m->len - a.off)
			return EBADMSG;

		err = attr_take(m, &ph, &a);
		if (err)
			return err;

		pos = a.off + STUN_PAD4((size_t)a.len);
	}

	return 0;
}

int
stun_decode(struct stun_msg *m, const uint8_t *buf, size_t len)
{
	uint16_t blen;

	if (!m || !buf || len < STUN_HDR_LEN)
		return EBADMSG;

	m->nattrs = 0;
	m->nunknown = 0;
	m->mi = m->mi256 = m->fp = -1;

	/* §6: the top two bits are zero; the length excludes the header
	 * and is a multiple of 4, since every attribute is padded. */
	if (buf[0] & 0xC0)
		return EBADMSG;
	blen = stun_rd16(buf + 2);
	if (blen % 4 || (size_t)blen != len - STUN_HDR_LEN)
		return EBADMSG;

	m->raw = buf;
	m->len = len;
	msg_type(m, stun_rd16(buf));
	memcpy(m->tid, buf + 4, sizeof(m->tid));
	/* §6: no magic cookie means an RFC 3489 client (§11) */
	m->classic = stun_rd32(buf + 4) != STUN_MAGIC;

	return attrs_decode(m);
}

bool
stun_is_stun(const uint8_t *buf, size_t len)
{
	if (!buf || len < 1 || (buf[0] & 0xC0))
		return false;

	return len < 8 || stun_rd32(buf + 4) == STUN_MAGIC;
}

const struct stun_attr *
stun_find(const struct stun_msg *m, uint16_t type)
{
	unsigned i;

	if (!m)
		return NULL;

	for (i = 0; i < m->nattrs; i++) {
		if (m->attrs[i].type == type)
			return &m->attrs[i];
	}

	return NULL;
}

const uint8_t *
stun_attr_val(const struct stun_msg *m, const struct stun_attr *a)
{
	if (!m || !a)
		return NULL;

	return m->raw + a->off;
}

int
stun_attr_u32(const struct stun_msg *m, const struct stun_attr *a,
	      uint32_t *out)
{
	if (!m || !a || !out)
		return EINVAL;
	if (a->len != 4)
		return EBADMSG;

	*out = stun_rd32(m->raw + a->off);

	return 0;
}

/*
 *  0                   1                   2                   3
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |0 0 0 0 0 0 0 0|    Family     |         (X-)Port              |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                (X-)Address (32 bits or 128 bits)              |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * §14.2: X-Port is XORed with the top 16 bits of the cookie, an IPv4
 * address with the cookie, an IPv6 one with cookie || transaction id.
 * mask holds those 16 header bytes, or zeros for the plain encoding.
 */
static void
addr_in(struct sockaddr_storage *out, const uint8_t *v, const uint8_t *mask)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)out;
	uint8_t ip[4];
	unsigned i;

	for (i = 0; i < sizeof(ip); i++)
		ip[i] = v[4 + i] ^ mask[i];

	sin->sin_family = AF_INET;
	sin->sin_port = htons(stun_rd16(v + 2) ^ stun_rd16(mask));
	memcpy(&sin->sin_addr, ip, sizeof(ip));
}

static void
addr_in6(struct sockaddr_storage *out, const uint8_t *v, const uint8_t *mask)
{
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)out;
	uint8_t ip[16];
	unsigned i;

	for (i = 0; i < sizeof(ip); i++)
		ip[i] = v[4 + i] ^ mask[i];

	sin6->sin6_family = AF_INET6;
	sin6->sin6_port = htons(stun_rd16(v + 2) ^ stun_rd16(mask));
	memcpy(&sin6->sin6_addr, ip, sizeof(ip));
}

int
stun_attr_addr(const struct stun_msg *m, const struct stun_attr *a,
	       bool xor, struct sockaddr_storage *out)
{
	static const uint8_t zero[16];
	const uint8_t *mask, *v;

	if (!m || !a || !out)
		return EINVAL;
	if (a->len != 8 && a->len != 20)
		return EBADMSG;

	mask = xor ? m->tid : zero;
	v = m->raw + a->off;
	memset(out, 0, sizeof(*out));

	if (v[1] == 0x01 && a->len == 8)
		addr_in(out, v, mask);
	else if (v[1] == 0x02 && a->len == 20)
		addr_in6(out, v, mask);
	else
		return EBADMSG;

	return 0;
}

/*
 * §14.8: | reserved (21) | class (3) | number (8) | reason (UTF-8) |
 * with class 3..6 and number 0..99.
 */
int
stun_attr_error(const struct stun_msg *m, const struct stun_attr *a,
		int *code, const char **reason, size_t *reason_len)
{
	const uint8_t *v;
	unsigned cls, num;

	if (!m || !a || !code)
		return EINVAL;
	if (a->len < 4)
		return EBADMSG;

	v = m->raw + a->off;
	cls = v[2] & 0x07;
	num = v[3];
	if (cls < 3 || cls > 6 || num > 99)
		return EBADMSG;

	*code = (int)(cls * 100 + num);
	if (reason)
		*reason = (const char *)v + 4;
	if (reason_len)
		*reason_len = a->len - 4u;

	return 0;
}
