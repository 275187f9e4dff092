/**
 * @file frame.c  Stream framing (RFC 8489 §6.2.2, RFC 8656 §12.5) and
 *                ChannelData (RFC 8656 §12.4).
 *
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |         Channel Number        |            Length             |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * /                       Application Data                        /
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 */
#include <errno.h>
#include "stun.h"
#include "stun_int.h"

#define CHAN_HDR_LEN 4

int
stun_frame_len(const uint8_t *buf, size_t len, size_t *frame_len)
{
	uint16_t flen;

	if (!buf || len < 4)
		return EAGAIN;

	flen = stun_rd16(buf + 2);

	switch (buf[0] >> 6) {

	case 0: /* STUN: the length never counts the 20-byte header */
		if (flen % 4)
			return EBADMSG;
		*frame_len = STUN_HDR_LEN + (size_t)flen;
		return 0;

	case 1: /* ChannelData: padded to 4 on streams (RFC 8656 §12.5) */
		*frame_len = CHAN_HDR_LEN + STUN_PAD4((size_t)flen);
		return 0;

	default:
		return EBADMSG;
	}
}

int
chandata_decode(struct chandata *cd, const uint8_t *buf, size_t len)
{
	uint16_t chan, dlen;

	if (!cd || !buf || len < CHAN_HDR_LEN)
		return EBADMSG;

	/* Accept the RFC 5766 range: RFC 8656 clients use 0x4000-0x4FFF. */
	chan = stun_rd16(buf);
	if (chan < STUN_CHAN_MIN || chan > STUN_CHAN_MAX_OLD)
		return EBADMSG;

	dlen = stun_rd16(buf + 2);
	if ((size_t)dlen > len - CHAN_HDR_LEN)
		return EBADMSG;

	cd->chan = chan;
	cd->len = dlen;
	cd->data = buf + CHAN_HDR_LEN;

	return 0;
}

void
chandata_hdr(uint8_t buf[4], uint16_t chan, uint16_t len)
{
	stun_wr16(buf, chan);
	stun_wr16(buf + 2, len);
}
