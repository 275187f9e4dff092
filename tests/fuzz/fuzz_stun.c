/**
 * @file fuzz_stun.c  libFuzzer target for the STUN codec.
 *
 * Decodes the input, runs every check and accessor on it, then rebuilds
 * the message with the builder (MI, MI-SHA256, FINGERPRINT added) and
 * requires that the result decodes and verifies. Also exercises stream
 * framing and ChannelData on the same bytes.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "stun.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t key[] = "fuzz-key";
#define KEYLEN (sizeof(key) - 1)
#define MAX_COPY (STUN_MAX_ATTRS - 4) /* room for UNKNOWN, MI, MI256, FP */

static bool
is_xor(uint16_t type)
{
	return type == STUN_A_XOR_MAPPED_ADDRESS ||
	       type == STUN_A_XOR_PEER_ADDRESS ||
	       type == STUN_A_XOR_RELAYED_ADDRESS;
}

static bool
is_trailer(uint16_t type)
{
	return type == STUN_A_MESSAGE_INTEGRITY ||
	       type == STUN_A_MESSAGE_INTEGRITY_SHA256 ||
	       type == STUN_A_FINGERPRINT;
}

static void
touch_attrs(const struct stun_msg *m)
{
	struct sockaddr_storage ss;
	const char *reason;
	size_t rlen;
	uint32_t v;
	unsigned i;
	int code;

	for (i = 0; i < m->nattrs; i++) {
		const struct stun_attr *a = &m->attrs[i];

		(void)stun_attr_val(m, a);
		(void)stun_attr_addr(m, a, true, &ss);
		(void)stun_attr_addr(m, a, false, &ss);
		(void)stun_attr_u32(m, a, &v);
		if (stun_attr_error(m, a, &code, &reason, &rlen) == 0 &&
		    (code < 300 || code > 699))
			abort();
		(void)stun_attr_name(a->type);
		(void)stun_attr_known(a->type);
		if (stun_find(m, a->type) == NULL)
			abort();
	}
	(void)stun_method_name(m->method);
}

/* Re-add one attribute through the typed builder calls where they apply. */
static void
copy_attr(struct stun_enc *e, const struct stun_msg *m,
	  const struct stun_attr *a)
{
	struct sockaddr_storage ss;
	char reason[800];
	const char *r;
	size_t rlen;
	uint32_t v;
	int code;

	if (stun_attr_addr(m, a, is_xor(a->type), &ss) == 0) {
		stun_enc_addr(e, a->type, (const struct sockaddr *)&ss,
			      is_xor(a->type));
		return;
	}
	if (a->type == STUN_A_ERROR_CODE &&
	    stun_attr_error(m, a, &code, &r, &rlen) == 0 &&
	    rlen < sizeof(reason)) {
		memcpy(reason, r, rlen);
		reason[rlen] = '\0';
		stun_enc_error(e, code, reason[0] ? reason : NULL);
		return;
	}
	if (a->type == STUN_A_LIFETIME && stun_attr_u32(m, a, &v) == 0) {
		stun_enc_u32(e, a->type, v);
		return;
	}
	stun_enc_attr(e, a->type, stun_attr_val(m, a), a->len);
}

static void
reencode(const struct stun_msg *m)
{
	uint8_t buf[4096];
	struct stun_enc e;
	struct stun_msg m2;
	unsigned i, n = 0;
	size_t len;

	stun_enc_begin(&e, buf, sizeof(buf), m->method, m->cls, m->tid);
	for (i = 0; i < m->nattrs && n < MAX_COPY; i++) {
		if (is_trailer(m->attrs[i].type))
			continue;
		copy_attr(&e, m, &m->attrs[i]);
		n++;
	}
	if (m->nunknown) {
		stun_enc_unknown(&e, m->unknown, m->nunknown);
		n++;
	}
	stun_enc_integrity(&e, key, KEYLEN);
	stun_enc_integrity_sha256(&e, key, KEYLEN);
	stun_enc_fingerprint(&e);
	if (stun_enc_finish(&e, &len) != 0)
		return;

	/* what the builder makes, the decoder must take and verify */
	if (stun_decode(&m2, buf, len) != 0 || m2.nattrs != n + 3 ||
	    m2.method != m->method || m2.cls != m->cls ||
	    stun_check_integrity(&m2, false, key, KEYLEN) != 0 ||
	    stun_check_integrity(&m2, true, key, KEYLEN) != 0 ||
	    stun_check_fingerprint(&m2) != 0)
		abort();
}

static void
fuzz_frame(const uint8_t *data, size_t size)
{
	struct chandata cd;
	size_t flen;

	if (stun_frame_len(data, size, &flen) == 0 && flen < 4)
		abort();
	if (chandata_decode(&cd, data, size) == 0 &&
	    (size_t)cd.len + 4 > size)
		abort();
	(void)stun_is_stun(data, size);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct stun_msg m;

	fuzz_frame(data, size);

	if (stun_decode(&m, data, size) != 0)
		return 0;

	(void)stun_check_fingerprint(&m);
	(void)stun_check_integrity(&m, false, key, KEYLEN);
	(void)stun_check_integrity(&m, true, key, KEYLEN);
	touch_attrs(&m);
	reencode(&m);

	return 0;
}
