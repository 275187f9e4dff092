/* The protocol core's Binding path, through a recording I/O port. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <arpa/inet.h>
#include <cmocka.h>

#include "conf.h"
#include "stun.h"
#include "turn.h"

struct rec {
	int sends;
	uint8_t buf[2048];
	size_t len;
};

static int
rec_send(void *arg, void *conn, const struct sockaddr *to,
	 const struct sockaddr *from, const uint8_t *buf, size_t len)
{
	struct rec *r = arg;

	(void)conn; (void)to;
	assert_non_null(from);
	r->sends++;
	memcpy(r->buf, buf, len);
	r->len = len;
	return 0;
}

struct fixture {
	struct conf conf;
	struct rec rec;
	struct turn_io io;
	struct turn_server srv;
	struct sockaddr_in client;
	struct turn_pkt pkt;
};

static int
setup(void **state)
{
	static struct fixture f;

	memset(&f, 0, sizeof(f));
	conf_defaults(&f.conf);
	f.io.arg = &f.rec;
	f.io.send = rec_send;
	assert_int_equal(turn_server_init(&f.srv, &f.conf, &f.io, NULL, 1), 0);
	f.client.sin_family = AF_INET;
	f.client.sin_port = htons(40000);
	inet_pton(AF_INET, "192.0.2.7", &f.client.sin_addr);
	f.pkt.client = (struct sockaddr *)&f.client;
	f.pkt.local = (struct sockaddr *)&f.client;
	f.pkt.tp = TP_UDP;
	*state = &f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	turn_server_fini(&f->srv);
	conf_free(&f->conf);
	return 0;
}

static size_t
request(uint8_t *buf, size_t cap, bool cookie, uint16_t extra, bool fp)
{
	uint8_t tid[16] = { 0x21, 0x12, 0xA4, 0x42, 1, 2, 3, 4, 5, 6, 7, 8,
			    9, 10, 11, 12 };
	struct stun_enc e;
	size_t len = 0;

	if (!cookie)
		tid[0] = 0x55;
	stun_enc_begin(&e, buf, cap, STUN_BINDING, STUN_REQUEST, tid);
	if (extra != 0)
		stun_enc_u32(&e, extra, 0);
	if (fp)
		stun_enc_fingerprint(&e);
	assert_int_equal(stun_enc_finish(&e, &len), 0);
	return len;
}

static void
decode_reply(struct fixture *f, struct stun_msg *m)
{
	assert_int_equal(f->rec.sends, 1);
	assert_int_equal(stun_decode(m, f->rec.buf, f->rec.len), 0);
	assert_memory_equal(m->tid + 4, "\x01\x02\x03\x04\x05\x06\x07\x08"
			    "\x09\x0a\x0b\x0c", 12);
}

static void
test_binding_xor_mapped(void **state)
{
	struct fixture *f = *state;
	uint8_t buf[128];
	struct stun_msg m;
	struct sockaddr_storage ss;
	size_t len = request(buf, sizeof(buf), true, 0, false);

	turn_on_client(&f->srv, &f->pkt, buf, len);
	decode_reply(f, &m);
	assert_int_equal(m.cls, STUN_SUCCESS);
	assert_int_equal(m.method, STUN_BINDING);
	assert_non_null(stun_find(&m, STUN_A_XOR_MAPPED_ADDRESS));
	assert_null(stun_find(&m, STUN_A_MAPPED_ADDRESS));
	assert_null(stun_find(&m, STUN_A_SOFTWARE));
	assert_int_equal(m.fp, -1);
	assert_int_equal(stun_attr_addr(&m,
		stun_find(&m, STUN_A_XOR_MAPPED_ADDRESS), true, &ss), 0);
	assert_memory_equal(&((struct sockaddr_in *)&ss)->sin_addr,
			    &f->client.sin_addr, 4);
	assert_int_equal(((struct sockaddr_in *)&ss)->sin_port,
			 f->client.sin_port);
	assert_int_equal(f->srv.stats.resp[200], 1);
	/* Amplification: the answer to a 20-byte request stays small. */
	assert_true(f->rec.len <= 2 * len + 12);
}

static void
test_binding_fingerprint_and_software(void **state)
{
	struct fixture *f = *state;
	uint8_t buf[128];
	struct stun_msg m;
	size_t len = request(buf, sizeof(buf), true, 0, true);

	f->conf.software = "tp";
	turn_on_client(&f->srv, &f->pkt, buf, len);
	f->conf.software = NULL;
	decode_reply(f, &m);
	assert_true(m.fp >= 0);
	assert_int_equal(stun_check_fingerprint(&m), 0);
	assert_non_null(stun_find(&m, STUN_A_SOFTWARE));
}

static void
test_binding_classic(void **state)
{
	struct fixture *f = *state;
	uint8_t buf[128];
	struct stun_msg m;
	size_t len = request(buf, sizeof(buf), false, 0, false);

	turn_on_client(&f->srv, &f->pkt, buf, len);
	decode_reply(f, &m);
	assert_true(m.classic);
	assert_int_equal(m.tid[0], 0x55);
	assert_non_null(stun_find(&m, STUN_A_MAPPED_ADDRESS));
	assert_null(stun_find(&m, STUN_A_XOR_MAPPED_ADDRESS));
}

static void
test_unknown_attribute_420(void **state)
{
	struct fixture *f = *state;
	uint8_t buf[128];
	struct stun_msg m;
	int code;
	const char *reason;
	size_t rlen, len = request(buf, sizeof(buf), true, 0x7abc, false);
	const struct stun_attr *ua;

	turn_on_client(&f->srv, &f->pkt, buf, len);
	decode_reply(f, &m);
	assert_int_equal(m.cls, STUN_ERROR);
	assert_int_equal(stun_attr_error(&m, stun_find(&m, STUN_A_ERROR_CODE),
					 &code, &reason, &rlen), 0);
	assert_int_equal(code, 420);
	ua = stun_find(&m, STUN_A_UNKNOWN_ATTRIBUTES);
	assert_non_null(ua);
	assert_int_equal(ua->len, 2);
	assert_memory_equal(stun_attr_val(&m, ua), "\x7a\xbc", 2);
}

static void
test_optional_unknown_is_ignored(void **state)
{
	struct fixture *f = *state;
	uint8_t buf[128];
	struct stun_msg m;
	size_t len = request(buf, sizeof(buf), true, 0xC0DE, false);

	turn_on_client(&f->srv, &f->pkt, buf, len);
	decode_reply(f, &m);
	assert_int_equal(m.cls, STUN_SUCCESS);
}

static void
test_bad_fingerprint_dropped(void **state)
{
	struct fixture *f = *state;
	uint8_t buf[128];
	size_t len = request(buf, sizeof(buf), true, 0, true);

	buf[len - 1] ^= 1;
	turn_on_client(&f->srv, &f->pkt, buf, len);
	assert_int_equal(f->rec.sends, 0);
	assert_int_equal(f->srv.stats.bad_fingerprint, 1);
}

static void
test_garbage_dropped(void **state)
{
	struct fixture *f = *state;
	uint8_t buf[128];
	size_t len = request(buf, sizeof(buf), true, 0, false);

	turn_on_client(&f->srv, &f->pkt, buf, 3);           /* too short */
	turn_on_client(&f->srv, &f->pkt, buf, len - 4);     /* truncated */
	buf[0] = 0xFF;
	turn_on_client(&f->srv, &f->pkt, buf, len);         /* not STUN */
	buf[0] = 0x01;                                      /* a response */
	buf[1] = 0x01;
	turn_on_client(&f->srv, &f->pkt, buf, len);
	assert_int_equal(f->rec.sends, 0);
	assert_int_equal(f->srv.stats.malformed, 3);
	assert_int_equal(f->srv.stats.ignored, 1);
}

static void
test_indication_not_answered(void **state)
{
	struct fixture *f = *state;
	uint8_t buf[128];
	size_t len = request(buf, sizeof(buf), true, 0, false);

	buf[1] = 0x11;          /* Binding indication: keepalive */
	turn_on_client(&f->srv, &f->pkt, buf, len);
	assert_int_equal(f->rec.sends, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_binding_xor_mapped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_binding_fingerprint_and_software, setup, teardown),
		cmocka_unit_test_setup_teardown(test_binding_classic, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unknown_attribute_420, setup, teardown),
		cmocka_unit_test_setup_teardown(test_optional_unknown_is_ignored, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_fingerprint_dropped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_garbage_dropped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_indication_not_answered, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
