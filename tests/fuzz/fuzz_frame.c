/**
 * @file fuzz_frame.c  libFuzzer target for TCP/TLS stream framing
 * (RFC 8489 §6.2.2, RFC 8656 §12.5): stun_frame_len() and the loop that
 * cuts frames off a stream buffer, as src/net/tcp.c runs it.
 *
 * Input: | seed (8) | stream bytes ... |. The stream is fed twice: in
 * one piece, and in chunks of 1..64 bytes (sizes drawn from the seed) as
 * segments would arrive. Both feeds must cut the same frames, each frame
 * must lie inside the stream and be at least 4 bytes, and each STUN
 * frame that decodes must be exactly as long as its frame.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "stun.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_FRAMES 512
#define IN_CAP     (2 * (STUN_HDR_LEN + 65535))  /* tcp.c's watermark */

struct cutter {
	uint8_t buf[IN_CAP];
	size_t have;             /* bytes buffered */
	size_t consumed;         /* stream offset of buf[0] */
	bool closed;             /* not STUN: the connection would close */
	size_t off[MAX_FRAMES], len[MAX_FRAMES];
	unsigned n;
};

static struct cutter whole, chunked;

static void
check_frame(const uint8_t *f, size_t len)
{
	struct stun_msg m;
	struct chandata cd;

	if (len < 4)
		abort();
	if ((f[0] & 0xC0) == 0) {
		if (stun_decode(&m, f, len) == 0 && m.len != len)
			abort();
	} else if (chandata_decode(&cd, f, len) != 0 ||
		   (size_t)cd.len + 4 > len || len - cd.len - 4 > 3) {
		abort();         /* ChannelData pads to 4 and no more */
	}
}

/* tcp.c's drain_frames(): every complete frame, in order. */
static void
drain(struct cutter *c)
{
	size_t flen;

	while (!c->closed && c->have >= 4) {
		if (stun_frame_len(c->buf, 4, &flen) != 0) {
			c->closed = true;
			return;
		}
		if (c->have < flen)
			return;
		check_frame(c->buf, flen);
		if (c->n < MAX_FRAMES) {
			c->off[c->n] = c->consumed;
			c->len[c->n] = flen;
		}
		c->n++;
		memmove(c->buf, c->buf + flen, c->have - flen);
		c->have -= flen;
		c->consumed += flen;
	}
}

static void
feed(struct cutter *c, const uint8_t *p, size_t len)
{
	if (c->closed)
		return;
	if (len > IN_CAP - c->have)
		abort();         /* inputs are far below the watermark */
	memcpy(c->buf + c->have, p, len);
	c->have += len;
	drain(c);
}

static void
reset(struct cutter *c)
{
	c->have = c->consumed = 0;
	c->closed = false;
	c->n = 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint64_t seed = 0x9E3779B97F4A7C15ull;
	size_t off = 0;

	if (size < 8 || size - 8 > IN_CAP / 2)
		return 0;
	for (int i = 0; i < 8; i++)
		seed = seed << 8 ^ data[i] ^ seed >> 56;
	data += 8;
	size -= 8;
	reset(&whole);
	reset(&chunked);
	feed(&whole, data, size);
	while (off < size) {
		size_t n;

		seed ^= seed << 13;
		seed ^= seed >> 7;
		seed ^= seed << 17;
		n = 1 + (size_t)(seed % 64);
		if (n > size - off)
			n = size - off;
		feed(&chunked, data + off, n);
		off += n;
	}
	if (whole.n != chunked.n || whole.closed != chunked.closed ||
	    whole.consumed != chunked.consumed || whole.consumed > size ||
	    whole.have + whole.consumed != size)
		abort();
	for (unsigned i = 0; i < whole.n && i < MAX_FRAMES; i++)
		if (whole.off[i] != chunked.off[i] ||
		    whole.len[i] != chunked.len[i])
			abort();
	return 0;
}
