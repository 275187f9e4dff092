/**
 * @file fuzz_http.c  libFuzzer target for the HTTP request-head parser and
 * the pure helpers behind it (paths, queries, WebSocket handshake, Origin).
 *
 * Invariants: the head finder never claims more than it was given, a
 * parsed request satisfies the documented limits, a cleaned path never
 * escapes its directory (no "..", no leading '/', no hidden segment).
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct http_req req;

static void
check_clean_path(const char *path)
{
	char out[HTTP_PATH_MAX];

	if (http_path_clean(path, out, sizeof(out)) != 0)
		return;
	if (out[0] == '/' || out[0] == '.' || strstr(out, "/.") != NULL ||
	    strstr(out, "//") != NULL || strchr(out, '\\') != NULL)
		abort();
	(void)http_content_type(out);
}

static void
touch_request(void)
{
	char val[256], acc[WS_ACCEPT_LEN + 1];
	const char *key;
	char *allow[] = { "http://a.example", "*" };

	if (req.nhdrs > HTTP_MAX_HEADERS || req.minor < 0 || req.minor > 1 ||
	    req.path[0] != '/')
		abort();
	check_clean_path(req.path);
	(void)http_query_get(req.query, "key", val, sizeof(val));
	(void)http_has_token(http_header(&req, "Connection") ?
			     http_header(&req, "Connection") : "", "upgrade");
	if (ws_check_handshake(&req) == 0) {
		key = http_header(&req, "Sec-WebSocket-Key");
		ws_accept(key, acc);
		if (strlen(acc) != WS_ACCEPT_LEN)
			abort();
	}
	(void)http_origin_ok(http_header(&req, "Origin"),
			     http_header(&req, "Host"), allow, 1);
	(void)http_origin_ok(http_header(&req, "Origin"),
			     http_header(&req, "Host"), NULL, 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t hl = 0;
	int st, rc;

	rc = http_head_len(data, size, &hl);
	if (rc == 0 && (hl > size || hl > HTTP_HEAD_MAX))
		abort();
	if (rc == EMSGSIZE && size < HTTP_HEAD_MAX)
		abort();
	st = http_parse(&req, data, rc == 0 ? hl : size);
	if (st == 0)
		touch_request();
	else if (st != 400 && st != 405 && st != 413 && st != 431 &&
		 st != 505)
		abort();
	(void)http_reason(st);
	return 0;
}
