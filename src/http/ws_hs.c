/**
 * @file ws_hs.c  The WebSocket opening handshake (RFC 6455 §4.2.1-4.2.2)
 * and the Origin policy: pure checks on a parsed request.
 */
#include <string.h>
#include <strings.h>
#include <openssl/evp.h>

#include "http.h"

static const char ws_guid[] = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

/* base64 of exactly 16 bytes: 22 characters then "==". */
static bool
key_ok(const char *key)
{
	uint8_t raw[32];

	if (key == NULL || strlen(key) != 24 || key[22] != '=' ||
	    key[23] != '=')
		return false;
	for (int i = 0; i < 22; i++) {
		char c = key[i];

		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		      (c >= '0' && c <= '9') || c == '+' || c == '/'))
			return false;
	}
	/* 18 bytes decoded including 2 of padding: 16 are the key */
	return EVP_DecodeBlock(raw, (const uint8_t *)key, 24) == 18;
}

int
ws_check_handshake(const struct http_req *r)
{
	const char *up = http_header(r, "Upgrade");
	const char *conn = http_header(r, "Connection");
	const char *ver = http_header(r, "Sec-WebSocket-Version");

	if (r->method != HTTP_GET || r->minor != 1 ||
	    http_header(r, "Host") == NULL)
		return 400;
	if (up == NULL || !http_has_token(up, "websocket") ||
	    conn == NULL || !http_has_token(conn, "upgrade"))
		return 400;
	if (http_header_count(r, "Sec-WebSocket-Key") != 1 ||
	    !key_ok(http_header(r, "Sec-WebSocket-Key")))
		return 400;
	if (ver == NULL)
		return 400;
	if (strcmp(ver, "13") != 0)
		return 426;
	return 0;
}

void
ws_accept(const char *key, char out[WS_ACCEPT_LEN + 1])
{
	char buf[64 + sizeof(ws_guid)];
	uint8_t md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;
	size_t klen = strnlen(key, 64);

	memcpy(buf, key, klen);
	memcpy(buf + klen, ws_guid, sizeof(ws_guid) - 1);
	out[0] = '\0';
	if (EVP_Digest(buf, klen + sizeof(ws_guid) - 1, md, &mdlen,
		       EVP_sha1(), NULL) != 1 || mdlen != 20)
		return;
	EVP_EncodeBlock((uint8_t *)out, md, (int)mdlen);
	out[WS_ACCEPT_LEN] = '\0';
}

/* "scheme://" removed; the rest up to a '/' (host[:port]). */
static bool
origin_host(const char *origin, const char **host, size_t *len)
{
	const char *p = strstr(origin, "://");

	if (p == NULL)
		return false;
	p += 3;
	*host = p;
	*len = strcspn(p, "/");
	return *len > 0 && (p[*len] == '\0' || strcmp(p + *len, "/") == 0);
}

static bool
same_origin(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);

	if (la > 0 && a[la - 1] == '/')
		la--;
	if (lb > 0 && b[lb - 1] == '/')
		lb--;
	return la == lb && strncasecmp(a, b, la) == 0;
}

bool
http_origin_ok(const char *origin, const char *host, char *const *allowed,
	       size_t n)
{
	const char *oh;
	size_t olen;

	if (origin == NULL)
		return true;
	if (n > 0) {
		for (size_t i = 0; i < n; i++)
			if (strcmp(allowed[i], "*") == 0 ||
			    same_origin(origin, allowed[i]))
				return true;
		return false;
	}
	if (host == NULL || !origin_host(origin, &oh, &olen))
		return false;
	return strlen(host) == olen && strncasecmp(oh, host, olen) == 0;
}
