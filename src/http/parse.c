/**
 * @file parse.c  The HTTP/1.x request head (RFC 9112 §2-5), strictly:
 *
 *   request-line = method SP request-target SP HTTP-version CRLF
 *   field-line   = field-name ":" OWS field-value OWS CRLF
 *
 * One space between the parts, CRLF line ends only, no obs-fold, no
 * control characters, origin-form targets only, a Host header in 1.1.
 * The head is copied into the request and split in place with NULs, so
 * names and values are plain C strings that live as long as the request.
 */
#include <errno.h>
#include <string.h>
#include <strings.h>

#include "http.h"

/* RFC 9110 §5.6.2 tchar. */
static bool
is_tchar(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return true;
	if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z')
		return true;
	return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

int
http_head_len(const uint8_t *buf, size_t len, size_t *head_len)
{
	size_t lim = len < HTTP_HEAD_MAX ? len : HTTP_HEAD_MAX;

	for (size_t i = 3; i < lim; i++) {
		if (buf[i] == '\n' && buf[i - 1] == '\r' &&
		    buf[i - 2] == '\n' && buf[i - 3] == '\r') {
			*head_len = i + 1;
			return 0;
		}
	}
	return len >= HTTP_HEAD_MAX ? EMSGSIZE : EAGAIN;
}

/* Cut the line starting at *pos at its CRLF; NULL if none or a bare CR
 * or LF inside. Advances *pos past the CRLF. */
static char *
next_line(char *buf, size_t len, size_t *pos)
{
	char *line = buf + *pos;

	for (size_t i = *pos; i < len; i++) {
		if (buf[i] == '\n')
			return NULL;
		if (buf[i] != '\r')
			continue;
		if (i + 1 >= len || buf[i + 1] != '\n')
			return NULL;
		buf[i] = '\0';
		*pos = i + 2;
		return line;
	}
	return NULL;
}

static int
parse_method(struct http_req *r, const char *m)
{
	if (m[0] == '\0')
		return 400;
	for (const char *p = m; *p != '\0'; p++)
		if (!is_tchar((unsigned char)*p))
			return 400;
	if (strcmp(m, "GET") == 0)
		r->method = HTTP_GET;
	else if (strcmp(m, "HEAD") == 0)
		r->method = HTTP_HEAD;
	else
		return 405;
	return 0;
}

static int
parse_version(struct http_req *r, const char *v)
{
	if (strncmp(v, "HTTP/", 5) != 0 || v[5] < '0' || v[5] > '9' ||
	    v[6] != '.' || v[7] < '0' || v[7] > '9' || v[8] != '\0')
		return 400;
	if (v[5] != '1' || (v[7] != '0' && v[7] != '1'))
		return 505;
	r->minor = v[7] - '0';
	return 0;
}

/* origin-form: "/" then visible ASCII; split off the query. */
static int
parse_target(struct http_req *r, char *t)
{
	char *q;
	size_t plen;

	if (t[0] != '/')
		return 400;
	for (const char *p = t; *p != '\0'; p++)
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f ||
		    *p == '#')
			return 400;
	r->target = t;
	q = strchr(t, '?');
	plen = q ? (size_t)(q - t) : strlen(t);
	if (plen >= sizeof(r->path))
		return 400;
	memcpy(r->path, t, plen);
	r->path[plen] = '\0';
	r->query = q ? q + 1 : "";
	return 0;
}

static int
parse_request_line(struct http_req *r, char *line)
{
	char *sp1 = strchr(line, ' '), *sp2;
	int st, vst;

	if (sp1 == NULL || (sp2 = strchr(sp1 + 1, ' ')) == NULL ||
	    strchr(sp2 + 1, ' ') != NULL)
		return 400;
	*sp1 = *sp2 = '\0';
	/* a bad version outranks the method: 505 tells the client why */
	vst = parse_version(r, sp2 + 1);
	if (vst == 400)
		return 400;
	if ((st = parse_method(r, line)) != 0)
		return st;
	if ((st = parse_target(r, sp1 + 1)) != 0)
		return st;
	return vst;
}

static char *
trim(char *s)
{
	size_t n;

	while (*s == ' ' || *s == '\t')
		s++;
	n = strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		s[--n] = '\0';
	return s;
}

static int
parse_header(struct http_req *r, char *line)
{
	char *colon = strchr(line, ':');

	if (line[0] == ' ' || line[0] == '\t')
		return 400;     /* obs-fold */
	if (colon == NULL || colon == line)
		return 400;
	*colon = '\0';
	for (const char *p = line; *p != '\0'; p++)
		if (!is_tchar((unsigned char)*p))
			return 400;
	for (const char *p = colon + 1; *p != '\0'; p++)
		if (((unsigned char)*p < 0x20 && *p != '\t') || *p == 0x7f)
			return 400;
	if (r->nhdrs >= HTTP_MAX_HEADERS)
		return 431;
	r->hdrs[r->nhdrs].name = line;
	r->hdrs[r->nhdrs].value = trim(colon + 1);
	r->nhdrs++;
	return 0;
}

/* No body: Content-Length must be absent or 0, no Transfer-Encoding. */
static int
check_body(const struct http_req *r)
{
	const char *cl = http_header(r, "Content-Length");

	if (http_header(r, "Transfer-Encoding") != NULL)
		return 400;
	if (cl == NULL)
		return 0;
	if (http_header_count(r, "Content-Length") > 1 || cl[0] == '\0' ||
	    strspn(cl, "0123456789") != strlen(cl))
		return 400;
	return strspn(cl, "0") == strlen(cl) ? 0 : 413;
}

static int
check_host(const struct http_req *r)
{
	size_t n = http_header_count(r, "Host");

	if (n > 1 || (n == 0 && r->minor == 1))
		return 400;
	return 0;
}

int
http_parse(struct http_req *r, const uint8_t *head, size_t len)
{
	size_t pos = 0;
	char *line;
	int st;

	r->nhdrs = 0;
	r->target = r->query = "";
	r->path[0] = '\0';
	if (len > HTTP_HEAD_MAX)
		return 431;
	memcpy(r->buf, head, len);
	r->buf[len] = '\0';
	if (memchr(r->buf, '\0', len) != NULL)
		return 400;
	if ((line = next_line(r->buf, len, &pos)) == NULL)
		return 400;
	if ((st = parse_request_line(r, line)) != 0)
		return st;
	for (;;) {
		if ((line = next_line(r->buf, len, &pos)) == NULL)
			return 400;
		if (line[0] == '\0')
			break;
		if ((st = parse_header(r, line)) != 0)
			return st;
	}
	if (pos != len)
		return 400;     /* bytes after the blank line are not ours */
	if ((st = check_host(r)) != 0)
		return st;
	return check_body(r);
}

const char *
http_header(const struct http_req *r, const char *name)
{
	for (size_t i = 0; i < r->nhdrs; i++)
		if (strcasecmp(r->hdrs[i].name, name) == 0)
			return r->hdrs[i].value;
	return NULL;
}

size_t
http_header_count(const struct http_req *r, const char *name)
{
	size_t n = 0;

	for (size_t i = 0; i < r->nhdrs; i++)
		n += strcasecmp(r->hdrs[i].name, name) == 0;
	return n;
}

bool
http_has_token(const char *value, const char *token)
{
	size_t tlen = strlen(token);
	const char *p = value;

	while (p != NULL && *p != '\0') {
		size_t n;

		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		n = strcspn(p, ",");
		while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
			n--;
		if (n == tlen && strncasecmp(p, token, tlen) == 0)
			return true;
		p = strchr(p, ',');
	}
	return false;
}
