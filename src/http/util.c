/**
 * @file util.c  Pure helpers of the HTTP listener: percent-decoding of
 * queries and paths, the static-file path check, content types, reasons.
 */
#include <errno.h>
#include <string.h>
#include <strings.h>

#include "http.h"

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)(c | 0x20);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Decode s[0..len) into out; plus: '+' is a space. */
static int
pct_decode(const char *s, size_t len, bool plus, char *out, size_t cap)
{
	size_t o = 0;

	for (size_t i = 0; i < len; i++) {
		char c = s[i];

		if (c == '%') {
			int hi, lo;

			if (i + 2 >= len)
				return EINVAL;
			hi = hexval(s[i + 1]);
			lo = hexval(s[i + 2]);
			if (hi < 0 || lo < 0)
				return EINVAL;
			c = (char)(hi * 16 + lo);
			i += 2;
		} else if (plus && c == '+') {
			c = ' ';
		}
		if (c == '\0')
			return EINVAL;
		if (o + 1 >= cap)
			return ENOSPC;
		out[o++] = c;
	}
	out[o] = '\0';
	return 0;
}

int
http_query_get(const char *query, const char *name, char *out, size_t cap)
{
	size_t nlen = strlen(name);
	const char *p = query;

	if (cap == 0)
		return ENOSPC;
	while (p != NULL && *p != '\0') {
		size_t n = strcspn(p, "&");

		if (n > nlen && strncmp(p, name, nlen) == 0 && p[nlen] == '=')
			return pct_decode(p + nlen + 1, n - nlen - 1, true,
					  out, cap);
		if (n == nlen && strncmp(p, name, nlen) == 0) {
			out[0] = '\0';
			return 0;
		}
		p = p[n] ? p + n + 1 : NULL;
	}
	return ENOENT;
}

/* Whether one decoded segment s[0..n) may be served. */
static bool
segment_ok(const char *s, size_t n)
{
	if (n == 0 || s[0] == '.')
		return false;   /* empty, ".", "..", hidden files */
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f ||
		    s[i] == '\\')
			return false;
	return true;
}

int
http_path_clean(const char *path, char *out, size_t cap)
{
	static const char index[] = "index.html";
	char dec[HTTP_PATH_MAX];
	size_t len;

	if (path[0] != '/' ||
	    pct_decode(path + 1, strlen(path + 1), false, dec, sizeof(dec)))
		return EINVAL;
	len = strlen(dec);
	if (len == 0 || dec[len - 1] == '/') {
		if (len + sizeof(index) > sizeof(dec))
			return EINVAL;
		memcpy(dec + len, index, sizeof(index));
		len += sizeof(index) - 1;
	}
	for (const char *p = dec; *p != '\0';) {
		size_t n = strcspn(p, "/");

		if (!segment_ok(p, n))
			return EINVAL;
		p += n + (p[n] == '/');
	}
	if (len + 1 > cap)
		return EINVAL;
	memcpy(out, dec, len + 1);
	return 0;
}

const char *
http_content_type(const char *name)
{
	static const struct { const char *ext, *type; } types[] = {
		{ "html", "text/html; charset=utf-8" },
		{ "htm", "text/html; charset=utf-8" },
		{ "css", "text/css; charset=utf-8" },
		{ "js", "text/javascript; charset=utf-8" },
		{ "mjs", "text/javascript; charset=utf-8" },
		{ "json", "application/json" },
		{ "map", "application/json" },
		{ "txt", "text/plain; charset=utf-8" },
		{ "svg", "image/svg+xml" },
		{ "png", "image/png" },
		{ "jpg", "image/jpeg" },
		{ "jpeg", "image/jpeg" },
		{ "gif", "image/gif" },
		{ "webp", "image/webp" },
		{ "ico", "image/x-icon" },
		{ "wasm", "application/wasm" },
		{ "woff2", "font/woff2" },
	};
	const char *dot = strrchr(name, '.');
	const char *slash = strrchr(name, '/');

	if (dot != NULL && (slash == NULL || dot > slash)) {
		for (size_t i = 0; i < sizeof(types) / sizeof(*types); i++)
			if (strcasecmp(dot + 1, types[i].ext) == 0)
				return types[i].type;
	}
	return "application/octet-stream";
}

const char *
http_reason(int status)
{
	switch (status) {
	case 101: return "Switching Protocols";
	case 200: return "OK";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 408: return "Request Timeout";
	case 413: return "Content Too Large";
	case 426: return "Upgrade Required";
	case 429: return "Too Many Requests";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 503: return "Service Unavailable";
	case 505: return "HTTP Version Not Supported";
	default:  return "Unknown";
	}
}
