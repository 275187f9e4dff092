/**
 * @file room.c  Rooms: created on the first join, deleted when the last
 * peer leaves; an optional password set by the first joiner (kept as its
 * SHA-256, compared in constant time); the members; broadcasts, which
 * only ever reach the members of one room; the chat history.
 */
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "sig_int.h"

struct sig_room *
room_find(struct sig *s, const char *name)
{
	struct sig_room *r;

	TAILQ_FOREACH(r, &s->rooms, link)
		if (strcmp(r->name, name) == 0)
			return r;
	return NULL;
}

static void
pw_hash(const char *password, uint8_t out[32])
{
	unsigned len = 0;

	EVP_Digest(password, strlen(password), out, &len, EVP_sha256(), NULL);
}

/* NULL when max_rooms exist or without memory. */
struct sig_room *
room_create(struct sig *s, const char *name, const char *password)
{
	struct sig_room *r;

	if (s->nrooms >= s->lim.max_rooms || (r = calloc(1, sizeof(*r))) == NULL)
		return NULL;
	if ((r->history = json_array()) == NULL) {
		free(r);
		return NULL;
	}
	snprintf(r->name, sizeof(r->name), "%s", name);
	if (password != NULL && password[0] != '\0') {
		r->has_pw = true;
		pw_hash(password, r->pw);
	}
	TAILQ_INSERT_TAIL(&s->rooms, r, link);
	s->nrooms++;
	return r;
}

bool
room_password_ok(const struct sig_room *r, const char *password)
{
	uint8_t h[32];

	if (!r->has_pw)
		return true;
	if (password == NULL)
		return false;
	pw_hash(password, h);
	return CRYPTO_memcmp(h, r->pw, sizeof(h)) == 0;
}

static void
room_delete(struct sig *s, struct sig_room *r)
{
	TAILQ_REMOVE(&s->rooms, r, link);
	s->nrooms--;
	json_decref(r->history);
	OPENSSL_cleanse(r->pw, sizeof(r->pw));
	free(r);
}

void
room_free_all(struct sig *s)
{
	struct sig_room *r;

	while ((r = TAILQ_FIRST(&s->rooms)) != NULL)
		room_delete(s, r);
}

json_t *
peer_json(const struct sig_session *p)
{
	return json_pack("{s:s, s:s, s:{s:b, s:b}}", "id", p->id,
			 "name", p->name, "state", "audio", p->audio,
			 "video", p->video);
}

/* The caller checked the capacity. Others get peer-joined. */
void
room_add(struct sig *s, struct sig_room *r, struct sig_session *p)
{
	json_t *m = json_pack("{s:s, s:o}", "type", "peer-joined",
			      "peer", peer_json(p));

	room_broadcast(s, r, m, NULL);
	json_decref(m);
	r->peers[r->npeers++] = p;
	p->r = r;
	snprintf(p->room, sizeof(p->room), "%s", r->name);
}

/* p leaves its room; the others get peer-left; an empty room goes. */
void
room_remove(struct sig *s, struct sig_session *p)
{
	struct sig_room *r = p->r;
	json_t *m;

	if (r == NULL)
		return;
	for (size_t i = 0; i < r->npeers; i++) {
		if (r->peers[i] != p)
			continue;
		memmove(&r->peers[i], &r->peers[i + 1],
			(r->npeers - i - 1) * sizeof(*r->peers));
		r->npeers--;
		break;
	}
	p->r = NULL;
	if (r->npeers == 0) {
		room_delete(s, r);
		return;
	}
	m = json_pack("{s:s, s:s}", "type", "peer-left", "id", p->id);
	room_broadcast(s, r, m, NULL);
	json_decref(m);
}

struct sig_session *
room_peer(const struct sig_room *r, const char *id)
{
	for (size_t i = 0; i < r->npeers; i++)
		if (strcmp(r->peers[i]->id, id) == 0)
			return r->peers[i];
	return NULL;
}

/* msg (not released) to every member but except. */
void
room_broadcast(struct sig *s, struct sig_room *r, json_t *msg,
	       const struct sig_session *except)
{
	size_t len;
	char *text;

	if (msg == NULL || (text = sig_dump(msg, &len)) == NULL)
		return;
	for (size_t i = 0; i < r->npeers; i++) {
		struct sig_session *p = r->peers[i];

		if (p != except && p->conn != NULL &&
		    s->port.send(s->port.arg, p->conn->conn, text, len) == 0)
			s->msgs_out++;
	}
	free(text);
}

/* Keep chat (a reference is taken) among the last lim.history. */
void
room_chat_keep(struct sig *s, struct sig_room *r, json_t *chat)
{
	if (s->lim.history == 0)
		return;
	json_array_append(r->history, chat);
	while (json_array_size(r->history) > s->lim.history)
		json_array_remove(r->history, 0);
}
