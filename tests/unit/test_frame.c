/**
 * @file test_frame.c  Stream framing and ChannelData.
 */
#include <errno.h>
#include <string.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include "stun.h"

static int
frame(const char *hdr, size_t len, size_t *out)
{
	return stun_frame_len((const uint8_t *)hdr, len, out);
}

static void
test_frame_need_more(void **state)
{
	size_t fl = 99;
	(void)state;

	assert_int_equal(frame("", 0, &fl), EAGAIN);
	assert_int_equal(frame("\x00\x01\x00", 3, &fl), EAGAIN);
	assert_int_equal(frame("\x40\x00\x00", 3, &fl), EAGAIN);
	assert_int_equal(stun_frame_len(NULL, 0, &fl), EAGAIN);
	assert_int_equal(fl, 99);
}

static void
test_frame_stun(void **state)
{
	size_t fl = 0;
	(void)state;

	assert_int_equal(frame("\x00\x01\x00\x58", 4, &fl), 0);
	assert_int_equal(fl, 20 + 0x58);
	assert_int_equal(frame("\x01\x01\x00\x00", 4, &fl), 0);
	assert_int_equal(fl, 20);
	assert_int_equal(frame("\x3f\xff\xff\xfc", 4, &fl), 0);
	assert_int_equal(fl, 20 + 0xfffc);
	/* length not a multiple of 4 */
	assert_int_equal(frame("\x00\x01\x00\x05", 4, &fl), EBADMSG);
	assert_int_equal(frame("\x00\x01\xff\xff", 4, &fl), EBADMSG);
}

static void
test_frame_chandata(void **state)
{
	size_t fl = 0;
	(void)state;

	/* RFC 8656 §12.5: padded to a multiple of 4 over streams */
	assert_int_equal(frame("\x40\x00\x00\x00", 4, &fl), 0);
	assert_int_equal(fl, 4);
	assert_int_equal(frame("\x40\x00\x00\x01", 4, &fl), 0);
	assert_int_equal(fl, 8);
	assert_int_equal(frame("\x4f\xff\x00\x04", 4, &fl), 0);
	assert_int_equal(fl, 8);
	assert_int_equal(frame("\x7f\xff\x00\x05", 4, &fl), 0);
	assert_int_equal(fl, 12);
	assert_int_equal(frame("\x40\x01\xff\xff", 4, &fl), 0);
	assert_int_equal(fl, 4 + 0x10000);
}

static void
test_frame_neither(void **state)
{
	size_t fl = 0;
	(void)state;

	assert_int_equal(frame("\x80\x00\x00\x00", 4, &fl), EBADMSG);
	assert_int_equal(frame("\xbf\x00\x00\x00", 4, &fl), EBADMSG);
	assert_int_equal(frame("\xc0\x00\x00\x00", 4, &fl), EBADMSG);
	assert_int_equal(frame("\xff\xff\xff\xff", 4, &fl), EBADMSG);
	/* 'G' is 0x47: HTTP on a TURN stream frames as ChannelData (channel
	 * 0x4745); only the caller's channel lookup can reject it. */
	assert_int_equal(frame("GET ", 4, &fl), 0);
	assert_int_equal(fl, 4 + 0x5420);
}

static void
test_chandata_decode(void **state)
{
	static const uint8_t pkt[] = {0x40, 0x01, 0x00, 0x03, 'a', 'b', 'c',
				      0x00};
	struct chandata cd;
	(void)state;

	assert_int_equal(chandata_decode(&cd, pkt, 7), 0);
	assert_int_equal(cd.chan, 0x4001);
	assert_int_equal(cd.len, 3);
	assert_ptr_equal(cd.data, pkt + 4);
	assert_memory_equal(cd.data, "abc", 3);

	/* padding after the data (streams, or UDP senders that pad) */
	assert_int_equal(chandata_decode(&cd, pkt, 8), 0);
	assert_int_equal(cd.len, 3);

	/* length beyond the buffer */
	assert_int_equal(chandata_decode(&cd, pkt, 6), EBADMSG);
	assert_int_equal(chandata_decode(&cd, pkt, 4), EBADMSG);
	/* too short for a header */
	assert_int_equal(chandata_decode(&cd, pkt, 3), EBADMSG);
	assert_int_equal(chandata_decode(&cd, pkt, 0), EBADMSG);
}

static void
test_chandata_range(void **state)
{
	uint8_t pkt[4] = {0, 0, 0, 0};
	struct chandata cd;
	(void)state;

	chandata_hdr(pkt, 0x4000, 0);
	assert_int_equal(chandata_decode(&cd, pkt, 4), 0);
	assert_int_equal(cd.len, 0);
	chandata_hdr(pkt, STUN_CHAN_MAX, 0);
	assert_int_equal(chandata_decode(&cd, pkt, 4), 0);
	chandata_hdr(pkt, STUN_CHAN_MAX_OLD, 0);
	assert_int_equal(chandata_decode(&cd, pkt, 4), 0);
	assert_int_equal(cd.chan, 0x7fff);

	chandata_hdr(pkt, 0x3fff, 0);
	assert_int_equal(chandata_decode(&cd, pkt, 4), EBADMSG);
	chandata_hdr(pkt, 0x8000, 0);
	assert_int_equal(chandata_decode(&cd, pkt, 4), EBADMSG);
	chandata_hdr(pkt, 0x0001, 0); /* a STUN Binding request */
	assert_int_equal(chandata_decode(&cd, pkt, 4), EBADMSG);
}

static void
test_chandata_hdr(void **state)
{
	uint8_t buf[4];
	(void)state;

	chandata_hdr(buf, 0x4abc, 0x1234);
	assert_memory_equal(buf, "\x4a\xbc\x12\x34", 4);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_frame_need_more),
		cmocka_unit_test(test_frame_stun),
		cmocka_unit_test(test_frame_chandata),
		cmocka_unit_test(test_frame_neither),
		cmocka_unit_test(test_chandata_decode),
		cmocka_unit_test(test_chandata_range),
		cmocka_unit_test(test_chandata_hdr),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
