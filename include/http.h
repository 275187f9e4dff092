/**
 * @file http.h  A strict, bounded HTTP/1.1 request-head parser and the
 * small pure helpers of the HTTP listener (paths, queries, content types,
 * the WebSocket handshake, Origin checks).
 *
 * Pure: no sockets, no clock, no libevent. The transport (src/http/
 * server.c) finds the end of the head with http_head_len(), copies the
 * head into a struct http_req and calls http_parse(); every refusal is an
 * HTTP status code to answer, after which the connection is closed.
 *
 * Limits: the head (request line, headers and the blank line) is at most
 * HTTP_HEAD_MAX bytes (431 beyond), at most HTTP_MAX_HEADERS header lines
 * (431 beyond). Only GET and HEAD are served (405 for any other method);
 * requests never have a body (Content-Length > 0: 413, Transfer-Encoding:
 * 400 because its length cannot be bounded up front). HTTP/1.0 and
 * HTTP/1.1 only (505 for another version); anything else malformed: 400.
 */
#ifndef TURNPIKE_HTTP_H
#define TURNPIKE_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HTTP_HEAD_MAX    8192
#define HTTP_MAX_HEADERS 64
#define HTTP_PATH_MAX    1024   /* a decoded path, NUL included */

enum http_method { HTTP_GET, HTTP_HEAD };

struct http_header {
	const char *name;        /* NUL-terminated, inside http_req.buf */
	const char *value;       /* trimmed of surrounding spaces and tabs */
};

struct http_req {
	char buf[HTTP_HEAD_MAX + 1];     /* the head, split in place */
	enum http_method method;
	int minor;                       /* HTTP/1.minor: 0 or 1 */
	const char *target;              /* as sent: "/path?query" */
	char path[HTTP_PATH_MAX];        /* the raw path part (no query) */
	const char *query;               /* after '?', or "" */
	struct http_header hdrs[HTTP_MAX_HEADERS];
	size_t nhdrs;
};

/**
 * Where the head ends in buf[0..len): *head_len is set to the length of
 * the head including its final CRLF CRLF. @return 0 found, EAGAIN not
 * yet (and len is still within HTTP_HEAD_MAX), EMSGSIZE the head cannot
 * fit in HTTP_HEAD_MAX (answer 431).
 */
int http_head_len(const uint8_t *buf, size_t len, size_t *head_len);

/**
 * Parse head[0..len) (a complete head as found by http_head_len(), or any
 * bytes: the parser never reads beyond len) into r.
 * @return 0, or the HTTP status to answer: 400, 405, 413, 431, 505.
 */
int http_parse(struct http_req *r, const uint8_t *head, size_t len);

/** The value of the first header called name (case-insensitive) or NULL. */
const char *http_header(const struct http_req *r, const char *name);
/** How many headers called name there are. */
size_t http_header_count(const struct http_req *r, const char *name);

/** Whether a comma-separated header value lists token (case-insensitive),
 *  e.g. Connection: keep-alive, Upgrade. */
bool http_has_token(const char *value, const char *token);

/**
 * Value of the query parameter name in query ("a=1&b=2"), percent- and
 * '+'-decoded into out (NUL-terminated). @return 0, ENOENT absent,
 * EINVAL bad escape or a NUL byte, ENOSPC longer than cap - 1.
 */
int http_query_get(const char *query, const char *name, char *out,
		   size_t cap);

/**
 * A request path made safe to open below a directory: percent-decoded,
 * relative (the leading '/' removed), "index.html" added after a final
 * '/', no empty, "." or ".." segment, no NUL, backslash or control
 * character, no segment starting with '.' (hidden files).
 * @return 0, or EINVAL (answer 404: there is no such file to serve).
 */
int http_path_clean(const char *path, char *out, size_t cap);

/** Content-Type for a file name, by extension ("application/octet-stream"
 *  when unknown). */
const char *http_content_type(const char *name);

/** The reason phrase of a status code ("Unknown" if not ours). */
const char *http_reason(int status);

/* RFC 6455 §4.2.1 handshake checks on a parsed GET. */

#define WS_ACCEPT_LEN 28   /* base64 of a SHA-1 digest */

/**
 * Whether r is a valid WebSocket opening handshake: GET, HTTP/1.1, a Host,
 * "Upgrade: websocket", "Connection: ... Upgrade ...", Sec-WebSocket-
 * Version 13 and a Sec-WebSocket-Key that is the base64 of 16 bytes.
 * @return 0, 400 (malformed), or 426 (another version: answer with
 * "Sec-WebSocket-Version: 13").
 */
int ws_check_handshake(const struct http_req *r);

/** Sec-WebSocket-Accept for key into out (WS_ACCEPT_LEN + 1 bytes). */
void ws_accept(const char *key, char out[WS_ACCEPT_LEN + 1]);

/**
 * Origin policy for the WebSocket endpoint. With an allow-list, the Origin
 * must be one of its entries (compared case-insensitively, a trailing '/'
 * ignored) or the list holds "*". Without one (n == 0), an Origin must be
 * same-host: its host[:port] equals the Host header. A request without an
 * Origin header (not a browser) is allowed either way.
 */
bool http_origin_ok(const char *origin, const char *host,
		    char *const *allowed, size_t n);

#endif
