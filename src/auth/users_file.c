/**
 * @file users_file.c  The users file (conf users-file; docs/auth.md).
 *
 * One entry a line:
 *
 *   NAME:PASSWORD          plaintext password
 *   NAME:plain:PASSWORD    plaintext, for a password that starts with
 *                          "plain:", "md5:", "sha256:" or is "0x" + 32 hex
 *   NAME:md5:HEX32         MD5("NAME:REALM:PASSWORD"); no SHA-256 then
 *   NAME:sha256:HEX64      SHA-256("NAME:REALM:PASSWORD"); no MD5 then
 *   # comment (first non-blank character), and blank lines
 *
 * The name ends at the first ':', so a name here cannot hold one; the
 * password is the rest of the line, spaces and ':' included (a CR before
 * the LF is dropped). Errors read "FILE:LINE: what" and never quote the
 * password or key.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/crypto.h>

#include "auth_int.h"

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Exactly 2 * n hex digits into out[0..n). */
static bool
unhex(uint8_t *out, size_t n, const char *hex)
{
	if (strlen(hex) != 2 * n)
		return false;
	for (size_t i = 0; i < n; i++) {
		int hi = hexval(hex[2 * i]), lo = hexval(hex[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return false;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return true;
}

/* "NAME:md5:HEX32" or "NAME:sha256:HEX64": a precomputed key. */
static int
add_hashed(struct auth_users *u, const char *name, const char *realm,
	   bool sha256, const char *hex, unsigned line, char *why,
	   size_t whylen)
{
	uint8_t key[AUTH_HASH_LEN];
	size_t n = sha256 ? AUTH_HASH_LEN : AUTH_MD5_LEN;
	struct auth_user *e;
	int err;

	if (!unhex(key, n, hex)) {
		snprintf(why, whylen, "%s key: want %zu hex digits",
			 sha256 ? "sha256" : "md5", 2 * n);
		return EINVAL;
	}
	err = users_push(u, name, realm, line, &e, why, whylen);
	if (err == 0) {
		memcpy(sha256 ? e->sha256 : e->md5, key, n);
		e->has_sha256 = sha256;
		e->has_md5 = !sha256;
	}
	OPENSSL_cleanse(key, sizeof(key));
	return err;
}

/* coturn's "0x" + 32 hex digits: refused, as it would read as a password. */
static bool
coturn_key(const char *s)
{
	if (strncmp(s, "0x", 2) != 0 || strlen(s) != 2 + 2 * AUTH_MD5_LEN)
		return false;
	for (s += 2; *s != '\0'; s++) {
		if (hexval(*s) < 0)
			return false;
	}
	return true;
}

static bool
blank_or_comment(const char *s)
{
	s += strspn(s, " \t");
	return *s == '\0' || *s == '#';
}

/* One line of the users file, already stripped of its line end. */
static int
parse_line(struct auth_users *u, char *s, const char *realm,
	   unsigned line, char *why, size_t whylen)
{
	char *colon = strchr(s, ':');
	const char *secret;

	if (blank_or_comment(s))
		return 0;
	if (colon == NULL) {
		snprintf(why, whylen, "expected NAME:PASSWORD");
		return EINVAL;
	}
	*colon = '\0';
	secret = colon + 1;
	if (strncmp(secret, "plain:", 6) == 0)
		return users_add(u, s, realm, secret + 6, line, why, whylen);
	if (strncmp(secret, "md5:", 4) == 0)
		return add_hashed(u, s, realm, false, secret + 4, line, why,
				  whylen);
	if (strncmp(secret, "sha256:", 7) == 0)
		return add_hashed(u, s, realm, true, secret + 7, line, why,
				  whylen);
	if (coturn_key(secret)) {
		snprintf(why, whylen, "coturn-style 0x key: write md5:HEX "
			 "(or plain:0x... if it is a password)");
		return EINVAL;
	}
	return users_add(u, s, realm, secret, line, why, whylen);
}

/* Drop the line end; EINVAL if the line holds a NUL byte. */
static int
chomp(char *s, ssize_t len)
{
	if ((size_t)len != strlen(s))
		return EINVAL;
	if (len > 0 && s[len - 1] == '\n')
		s[--len] = '\0';
	if (len > 0 && s[len - 1] == '\r')
		s[--len] = '\0';
	return 0;
}

int
users_load_file(struct auth_users *u, const char *path, const char *realm,
		char *err, size_t errlen)
{
	char why[128] = "";
	char *s = NULL;
	size_t cap = 0;
	unsigned line = 0;
	ssize_t len;
	int rc = 0;
	FILE *f = fopen(path, "re");

	if (f == NULL) {
		rc = errno;
		snprintf(err, errlen, "%s: cannot read: %s", path, strerror(rc));
		return rc;
	}
	while (rc == 0 && (len = getline(&s, &cap, f)) >= 0) {
		line++;
		if (chomp(s, len) != 0) {
			snprintf(why, sizeof(why), "NUL byte in line");
			rc = EINVAL;
		} else {
			rc = parse_line(u, s, realm, line, why, sizeof(why));
		}
	}
	if (rc == 0 && ferror(f)) {
		rc = EIO;
		snprintf(err, errlen, "%s: read error", path);
	} else if (rc != 0) {
		snprintf(err, errlen, "%s:%u: %s", path, line, why);
	}
	if (s != NULL)
		OPENSSL_cleanse(s, cap);
	free(s);
	fclose(f);
	return rc;
}
