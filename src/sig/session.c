/**
 * @file session.c  Sessions: a random peer id and a random resume token
 * per identity. A session lives while its connection does, then for the
 * grace period (resumable with its token), then it is gone.
 */
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <openssl/crypto.h>

#include "sig_int.h"

/* len random bytes as 2 * len lowercase hex characters into out. */
static void
random_hex(struct sig *s, char *out, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	uint8_t buf[32];

	s->port.random(s->port.arg, buf, len);
	for (size_t i = 0; i < len; i++) {
		out[2 * i] = hex[buf[i] >> 4];
		out[2 * i + 1] = hex[buf[i] & 15];
	}
	out[2 * len] = '\0';
}

struct sig_session *
session_by_id(struct sig *s, const char *id)
{
	struct sig_session *p;

	TAILQ_FOREACH(p, &s->sessions, link)
		if (strcmp(p->id, id) == 0)
			return p;
	return NULL;
}

/* A session with id (NULL: a random one not taken) and a random token,
 * added to s. NULL without memory, or if no free id is found. */
static struct sig_session *
session_add(struct sig *s, const char *id)
{
	struct sig_session *p = calloc(1, sizeof(*p));
	int tries = 0;

	if (p == NULL)
		return NULL;
	if (id != NULL)
		snprintf(p->id, sizeof(p->id), "%s", id);
	else
		do {
			random_hex(s, p->id, SIG_ID_LEN / 2);
		} while (session_by_id(s, p->id) != NULL && ++tries < 8);
	random_hex(s, p->token, SIG_TOKEN_LEN / 2);
	if (tries >= 8) {
		free(p);
		return NULL;
	}
	TAILQ_INSERT_TAIL(&s->sessions, p, link);
	s->nsessions++;
	return p;
}

struct sig_session *
session_new(struct sig *s)
{
	return session_add(s, NULL);
}

/* A session with the id of a signed token (resume.c), after a restart:
 * NULL if that id is taken (or no memory). */
struct sig_session *
session_new_id(struct sig *s, const char *id)
{
	return session_by_id(s, id) != NULL ? NULL : session_add(s, id);
}

/* Every session is compared, in constant time per token. */
struct sig_session *
session_by_token(struct sig *s, const char *token)
{
	struct sig_session *p, *found = NULL;

	if (strlen(token) != SIG_TOKEN_LEN)
		return NULL;
	TAILQ_FOREACH(p, &s->sessions, link)
		if (strlen(p->token) == SIG_TOKEN_LEN &&
		    CRYPTO_memcmp(p->token, token, SIG_TOKEN_LEN) == 0)
			found = p;
	return found;
}

/* The session must be out of its room and its connection. */
void
session_free(struct sig *s, struct sig_session *p)
{
	TAILQ_REMOVE(&s->sessions, p, link);
	s->nsessions--;
	OPENSSL_cleanse(p->token, sizeof(p->token));
	free(p);
}

/* Its connection is gone: leave the room, start the grace period (or
 * end now without one). */
void
session_detach(struct sig *s, struct sig_session *p)
{
	room_remove(s, p);
	if (p->conn != NULL)
		p->conn->sess = NULL;
	p->conn = NULL;
	if (s->lim.grace_s == 0) {
		session_free(s, p);
		return;
	}
	p->expires_ms = sig_now(s) + (uint64_t)s->lim.grace_s * 1000;
}
