/* The HTTP request-head parser and the pure helpers of the HTTP listener:
 * limits, status codes, paths, queries, WebSocket handshake, Origin. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "http.h"

static struct http_req req;

static int
parse(const char *s)
{
	return http_parse(&req, (const uint8_t *)s, strlen(s));
}

static void
test_simple_get(void **state)
{
	(void)state;
	assert_int_equal(parse("GET /a/b?x=1&y=%41 HTTP/1.1\r\n"
			       "Host: example.org:8080\r\n"
			       "X-Thing:   spaced value \t\r\n\r\n"), 0);
	assert_int_equal(req.method, HTTP_GET);
	assert_int_equal(req.minor, 1);
	assert_string_equal(req.path, "/a/b");
	assert_string_equal(req.query, "x=1&y=%41");
	assert_string_equal(http_header(&req, "host"), "example.org:8080");
	assert_string_equal(http_header(&req, "X-THING"), "spaced value");
	assert_null(http_header(&req, "Nope"));
	assert_int_equal(parse("HEAD / HTTP/1.0\r\n\r\n"), 0);
	assert_int_equal(req.method, HTTP_HEAD);
	assert_int_equal(req.minor, 0);
}

static void
test_status_codes(void **state)
{
	(void)state;
	assert_int_equal(parse("POST / HTTP/1.1\r\nHost: a\r\n\r\n"), 405);
	assert_int_equal(parse("DELETE /x HTTP/1.1\r\nHost: a\r\n\r\n"), 405);
	assert_int_equal(parse("GET / HTTP/2.0\r\nHost: a\r\n\r\n"), 505);
	assert_int_equal(parse("GET / HTTP/1.2\r\nHost: a\r\n\r\n"), 505);
	assert_int_equal(parse("GET / HTTP/1.1\r\n\r\n"), 400); /* no Host */
	assert_int_equal(parse("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"),
			 400);
	assert_int_equal(parse("GET / HTTP/1.1\r\nHost: a\r\n"
			       "Content-Length: 5\r\n\r\n"), 413);
	assert_int_equal(parse("GET / HTTP/1.1\r\nHost: a\r\n"
			       "Content-Length: 0\r\n\r\n"), 0);
	assert_int_equal(parse("GET / HTTP/1.1\r\nHost: a\r\n"
			       "Content-Length: -1\r\n\r\n"), 400);
	assert_int_equal(parse("GET / HTTP/1.1\r\nHost: a\r\n"
			       "Transfer-Encoding: chunked\r\n\r\n"), 400);
}

static void
test_malformed(void **state)
{
	static const char *bad[] = {
		"",
		"\r\n\r\n",
		"GET\r\n\r\n",
		"GET / HTTP/1.1\n\n",                    /* bare LF */
		"GET  / HTTP/1.1\r\nHost: a\r\n\r\n",     /* two spaces */
		"GET / HTTP/1.1 \r\nHost: a\r\n\r\n",
		"GET http://x/ HTTP/1.1\r\nHost: a\r\n\r\n", /* absolute */
		"GET * HTTP/1.1\r\nHost: a\r\n\r\n",
		"GET /\x01 HTTP/1.1\r\nHost: a\r\n\r\n",
		"GET /#frag HTTP/1.1\r\nHost: a\r\n\r\n",
		"G(T / HTTP/1.1\r\nHost: a\r\n\r\n",
		"GET / HTTX/1.1\r\nHost: a\r\n\r\n",
		"GET / HTTP/1.1\r\nHost a\r\n\r\n",       /* no colon */
		"GET / HTTP/1.1\r\n: a\r\n\r\n",          /* empty name */
		"GET / HTTP/1.1\r\nHo st: a\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: a\r\n b\r\n\r\n",  /* obs-fold */
		"GET / HTTP/1.1\r\nHost: a\x01\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: a\r\rX: y\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: a\r\n\r\nextra",
		"GET / HTTP/1.1\r\nHost: a\r\n",          /* unterminated */
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		int st = parse(bad[i]);

		if (st != 400)
			fail_msg("case %zu: %d", i, st);
	}
	/* an embedded NUL */
	assert_int_equal(http_parse(&req, (const uint8_t *)"GET /\0 HTTP/1.1"
				    "\r\nHost: a\r\n\r\n", 29), 400);
}

static void
test_limits(void **state)
{
	char *buf = malloc(HTTP_HEAD_MAX * 2);
	size_t n, hl = 0;

	(void)state;
	/* 64 headers fit, 65 do not */
	n = (size_t)sprintf(buf, "GET / HTTP/1.1\r\n");
	for (int i = 0; i < HTTP_MAX_HEADERS; i++)
		n += (size_t)sprintf(buf + n, "H%d: v\r\n", i);
	strcpy(buf + n, "\r\n");
	assert_int_equal(parse(buf), 400);          /* no Host among them */
	n = (size_t)sprintf(buf, "GET / HTTP/1.1\r\nHost: a\r\n");
	for (int i = 1; i < HTTP_MAX_HEADERS; i++)
		n += (size_t)sprintf(buf + n, "H%d: v\r\n", i);
	strcpy(buf + n, "\r\n");
	assert_int_equal(parse(buf), 0);
	assert_int_equal(req.nhdrs, HTTP_MAX_HEADERS);
	strcpy(buf + n, "Z: z\r\n\r\n");
	assert_int_equal(parse(buf), 431);

	/* head length: found, not yet, too large */
	assert_int_equal(http_head_len((const uint8_t *)"GET / HTTP/1.0\r\n"
				       "\r\nrest", 22, &hl), 0);
	assert_int_equal(hl, 18);
	assert_int_equal(http_head_len((const uint8_t *)"GET / HTTP/1.0\r\n",
				       16, &hl), EAGAIN);
	memset(buf, 'a', HTTP_HEAD_MAX * 2);
	assert_int_equal(http_head_len((uint8_t *)buf, HTTP_HEAD_MAX - 1, &hl),
			 EAGAIN);
	assert_int_equal(http_head_len((uint8_t *)buf, HTTP_HEAD_MAX, &hl),
			 EMSGSIZE);
	assert_int_equal(http_parse(&req, (uint8_t *)buf, HTTP_HEAD_MAX + 1),
			 431);
	/* a long target: 400 when the path part exceeds HTTP_PATH_MAX */
	n = (size_t)sprintf(buf, "GET /");
	memset(buf + n, 'p', HTTP_PATH_MAX);
	n += HTTP_PATH_MAX;
	strcpy(buf + n, " HTTP/1.1\r\nHost: a\r\n\r\n");
	assert_int_equal(parse(buf), 400);
	free(buf);
}

static void
test_tokens_and_query(void **state)
{
	char out[16];

	(void)state;
	assert_true(http_has_token("keep-alive, Upgrade", "upgrade"));
	assert_true(http_has_token("Upgrade", "upgrade"));
	assert_false(http_has_token("upgrades", "upgrade"));
	assert_false(http_has_token("", "upgrade"));
	assert_int_equal(http_query_get("a=1&key=b%20c+d&z", "key", out,
					sizeof(out)), 0);
	assert_string_equal(out, "b c d");
	assert_int_equal(http_query_get("a=1&z", "z", out, sizeof(out)), 0);
	assert_string_equal(out, "");
	assert_int_equal(http_query_get("akey=1", "key", out, sizeof(out)),
			 ENOENT);
	assert_int_equal(http_query_get("key=%4", "key", out, sizeof(out)),
			 EINVAL);
	assert_int_equal(http_query_get("key=%00", "key", out, sizeof(out)),
			 EINVAL);
	assert_int_equal(http_query_get("key=0123456789abcdefg", "key", out,
					sizeof(out)), ENOSPC);
}

static void
test_paths(void **state)
{
	char out[HTTP_PATH_MAX];

	(void)state;
	assert_int_equal(http_path_clean("/", out, sizeof(out)), 0);
	assert_string_equal(out, "index.html");
	assert_int_equal(http_path_clean("/js/app.js", out, sizeof(out)), 0);
	assert_string_equal(out, "js/app.js");
	assert_int_equal(http_path_clean("/sub/", out, sizeof(out)), 0);
	assert_string_equal(out, "sub/index.html");
	assert_int_equal(http_path_clean("/a%20b.txt", out, sizeof(out)), 0);
	assert_string_equal(out, "a b.txt");
	assert_int_equal(http_path_clean("/../etc/passwd", out, 64), EINVAL);
	assert_int_equal(http_path_clean("/a/../../x", out, 64), EINVAL);
	assert_int_equal(http_path_clean("/%2e%2e/x", out, 64), EINVAL);
	assert_int_equal(http_path_clean("/a/%2E%2E/x", out, 64), EINVAL);
	assert_int_equal(http_path_clean("//etc/passwd", out, 64), EINVAL);
	assert_int_equal(http_path_clean("/a//b", out, 64), EINVAL);
	assert_int_equal(http_path_clean("/.git/config", out, 64), EINVAL);
	assert_int_equal(http_path_clean("/a/./b", out, 64), EINVAL);
	assert_int_equal(http_path_clean("/a%5c..%5cb", out, 64), EINVAL);
	assert_int_equal(http_path_clean("/a%00b", out, 64), EINVAL);
	assert_int_equal(http_path_clean("/a%2fb", out, 64), 0);
	assert_string_equal(out, "a/b");
	assert_int_equal(http_path_clean("/%2f", out, 64), EINVAL);
	assert_int_equal(http_path_clean("relative", out, 64), EINVAL);
	assert_int_equal(http_path_clean("/abc", out, 3), EINVAL);
	assert_string_equal(http_content_type("a/b.HTML"),
			    "text/html; charset=utf-8");
	assert_string_equal(http_content_type("x.js"),
			    "text/javascript; charset=utf-8");
	assert_string_equal(http_content_type("x.d/noext"),
			    "application/octet-stream");
	assert_string_equal(http_reason(431), "Request Header Fields Too Large");
}

#define WS_REQ(ver, key) \
	"GET /ws HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\n" \
	"Connection: keep-alive, Upgrade\r\nSec-WebSocket-Version: " ver \
	"\r\nSec-WebSocket-Key: " key "\r\n\r\n"

static void
test_ws_handshake(void **state)
{
	char acc[WS_ACCEPT_LEN + 1];

	(void)state;
	/* RFC 6455 §1.3 example */
	ws_accept("dGhlIHNhbXBsZSBub25jZQ==", acc);
	assert_string_equal(acc, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
	assert_int_equal(parse(WS_REQ("13", "dGhlIHNhbXBsZSBub25jZQ==")), 0);
	assert_int_equal(ws_check_handshake(&req), 0);
	assert_int_equal(parse(WS_REQ("8", "dGhlIHNhbXBsZSBub25jZQ==")), 0);
	assert_int_equal(ws_check_handshake(&req), 426);
	assert_int_equal(parse(WS_REQ("13", "dGhlIHNhbXBsZQ==")), 0);
	assert_int_equal(ws_check_handshake(&req), 400);  /* 10 bytes */
	assert_int_equal(parse(WS_REQ("13", "dGhlIHNhbXBsZSBub25jZQ=!")), 0);
	assert_int_equal(ws_check_handshake(&req), 400);
	assert_int_equal(parse("GET /ws HTTP/1.1\r\nHost: h\r\n"
			       "Connection: Upgrade\r\n"
			       "Sec-WebSocket-Version: 13\r\n"
			       "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
			       "\r\n"), 0);
	assert_int_equal(ws_check_handshake(&req), 400);  /* no Upgrade */
	assert_int_equal(parse("GET /ws HTTP/1.0\r\nUpgrade: websocket\r\n"
			       "Connection: Upgrade\r\n\r\n"), 0);
	assert_int_equal(ws_check_handshake(&req), 400);
}

static void
test_origin(void **state)
{
	char *list[] = { "https://app.example", "http://localhost:8080/" };
	char *any[] = { "*" };

	(void)state;
	assert_true(http_origin_ok(NULL, "h:1", NULL, 0));
	assert_true(http_origin_ok("http://h:1", "h:1", NULL, 0));
	assert_true(http_origin_ok("https://H:1/", "h:1", NULL, 0));
	assert_false(http_origin_ok("http://evil:1", "h:1", NULL, 0));
	assert_false(http_origin_ok("http://h:1.evil", "h:1", NULL, 0));
	assert_false(http_origin_ok("null", "h:1", NULL, 0));
	assert_false(http_origin_ok("http://h:1", NULL, NULL, 0));
	assert_true(http_origin_ok("https://APP.example", "x", list, 2));
	assert_true(http_origin_ok("http://localhost:8080", "x", list, 2));
	assert_false(http_origin_ok("https://app.example.evil", "x", list, 2));
	assert_false(http_origin_ok("http://x", "x", list, 2));
	assert_true(http_origin_ok("http://evil", "x", any, 1));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_simple_get),
		cmocka_unit_test(test_status_codes),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_tokens_and_query),
		cmocka_unit_test(test_paths),
		cmocka_unit_test(test_ws_handshake),
		cmocka_unit_test(test_origin),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
