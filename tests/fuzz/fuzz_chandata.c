/**
 * @file fuzz_chandata.c  libFuzzer target for ChannelData decoding
 * (RFC 8656 §12.4) and its header builder.
 *
 * Whatever chandata_decode() accepts must lie inside the input, carry a
 * channel number in 0x4000..0x7FFF (RFC 5766's range, kept for old
 * clients), rebuild to the same 4 header bytes with chandata_hdr(), and
 * agree with stun_frame_len() on where the message ends once padded
 * (RFC 8656 §12.5: ChannelData over a stream is padded to 4).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "stun.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_decoded(const struct chandata *cd, const uint8_t *data, size_t size)
{
	uint8_t hdr[4];
	size_t flen;
	volatile uint8_t sink = 0;

	if (cd->chan < STUN_CHAN_MIN || cd->chan > STUN_CHAN_MAX_OLD ||
	    cd->data != data + 4 || (size_t)cd->len + 4 > size)
		abort();
	/* every byte of the payload is readable (ASan checks the bounds) */
	for (size_t i = 0; i < cd->len; i++)
		sink ^= cd->data[i];
	(void)sink;
	chandata_hdr(hdr, cd->chan, cd->len);
	if (memcmp(hdr, data, 4) != 0)
		abort();
	if (stun_frame_len(data, size, &flen) != 0 ||
	    flen != (((size_t)cd->len + 4 + 3) & ~(size_t)3))
		abort();
	/* ChannelData is never STUN: the first two bits are 01 */
	if (stun_is_stun(data, size))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct chandata cd;

	if (chandata_decode(&cd, data, size) == 0) {
		check_decoded(&cd, data, size);
		/* a truncated copy decodes only while the payload fits */
		if (size > 4 &&
		    (chandata_decode(&cd, data, size - 1) == 0) !=
		    ((size_t)cd.len + 4 <= size - 1))
			abort();
	} else if (size >= 4 && data[0] >= 0x40 && data[0] <= 0x7F &&
		   (size_t)(data[2] << 8 | data[3]) + 4 <= size) {
		abort();        /* well-formed, yet refused */
	}
	return 0;
}
