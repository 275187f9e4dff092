/**
 * @file proto.c  The messages of docs/signaling.md: join (and resume),
 * leave, peer-state, offer/answer/candidate relayed to one peer of the
 * same room, chat, ping. Every refusal is an error message with a code;
 * nothing a client sends is forwarded as is: relayed messages are rebuilt
 * from the known, type-checked, size-bounded fields.
 */
#include <stdio.h>
#include <string.h>

#include "sig_int.h"

typedef void (*handler_fn)(struct sig *s, struct sig_conn *c, json_t *m);

static const char *
opt_str(json_t *m, const char *key, bool *bad)
{
	json_t *v = json_object_get(m, key);

	if (v == NULL || json_is_null(v))
		return NULL;
	if (!json_is_string(v))
		*bad = true;
	return json_string_value(v);
}

static void
opt_bool(json_t *m, const char *key, bool *out, bool *bad)
{
	json_t *v = json_object_get(m, key);

	if (v == NULL)
		return;
	if (!json_is_boolean(v))
		*bad = true;
	else
		*out = json_is_true(v);
}

bool
sig_room_name_ok(const char *room)
{
	size_t n = room ? strlen(room) : 0;

	return n > 0 && n <= SIG_ROOM_MAX &&
	       strspn(room, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUV"
		      "WXYZ0123456789_.-") == n;
}

/* UTF-8 (jansson checked it) without C0/C1 controls, DEL, or bidi
 * overrides and isolates; not blank; at most SIG_NAME_MAX bytes. */
bool
sig_name_ok(const char *name)
{
	const unsigned char *p = (const unsigned char *)name;
	size_t n = name ? strlen(name) : 0;

	if (n == 0 || n > SIG_NAME_MAX || strspn(name, " ") == n)
		return false;
	for (; *p != '\0'; p++) {
		if (*p < 0x20 || *p == 0x7f)
			return false;
		if (p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f)
			return false;
		if (p[0] == 0xe2 && ((p[1] == 0x80 && p[2] >= 0xaa &&
				      p[2] <= 0xae) ||
				     (p[1] == 0x81 && p[2] >= 0xa6 &&
				      p[2] <= 0xa9)))
			return false;
	}
	return true;
}

static void
welcome(struct sig *s, struct sig_conn *c, struct sig_session *p,
	bool resumed)
{
	/* A join that passed join_check with a join-secret carried a valid
	 * ticket: the app vouched for the user (docs/security.md). */
	enum sig_cred cred = s->lim.join_secret != NULL ? SIG_CRED_FULL
							: s->ice.anon;
	json_t *peers = json_array(), *m;
	int64_t wall_s = sig_wall_ms(s) / 1000;

	resume_sign(s, p);      /* a fresh signed token, if signing */
	for (size_t i = 0; peers && i < p->r->npeers; i++)
		if (p->r->peers[i] != p)
			json_array_append_new(peers, peer_json(p->r->peers[i]));
	m = json_pack("{s:s, s:s, s:s, s:s, s:b, s:o, s:o, s:i, s:O}",
		      "type", "welcome", "id", p->id, "token", p->token,
		      "room", p->r->name, "resumed", resumed, "peers", peers,
		      "iceServers", sig_ice_servers(&s->ice, c->host, p->id,
						    wall_s, cred),
		      "ttl", (json_int_t)s->ice.ttl, "history", p->r->history);
	sig_send_json(s, c, m);
}

/* A live session resumed from another connection: that one is closed. */
static void
take_over(struct sig *s, struct sig_session *p)
{
	struct sig_conn *old = p->conn;

	if (old == NULL)
		return;
	room_remove(s, p);
	old->sess = NULL;
	p->conn = NULL;
	p->expires_ms = sig_now(s) + (uint64_t)s->lim.grace_s * 1000;
	sig_drop(s, old, SIG_CLOSE_POLICY);
}

struct join_req {
	const char *room, *name, *password, *token, *ticket;
	bool audio, video, bad;
};

/* Checks that need no room. @return the error code or NULL. */
static const char *
join_check(struct sig *s, struct sig_conn *c, struct join_req *j,
	   json_t *m)
{
	j->room = opt_str(m, "room", &j->bad);
	j->name = opt_str(m, "name", &j->bad);
	j->password = opt_str(m, "password", &j->bad);
	j->token = opt_str(m, "token", &j->bad);
	j->ticket = opt_str(m, "ticket", &j->bad);
	opt_bool(m, "audio", &j->audio, &j->bad);
	opt_bool(m, "video", &j->video, &j->bad);
	if (c->sess != NULL)
		return "already-joined";
	if (j->bad)
		return "malformed";
	if (!sig_join_allowed(s, c->ip))
		return "too-many-joins";
	if (!sig_room_name_ok(j->room))
		return "bad-room";
	if (!sig_name_ok(j->name))
		return "bad-name";
	if (j->password != NULL && strlen(j->password) > SIG_PASS_MAX)
		return "bad-password";
	if (s->lim.join_secret != NULL &&
	    sig_ticket_check(s->lim.join_secret, j->room, j->name, j->ticket,
			     sig_wall_ms(s) / 1000) != 0)
		return "bad-ticket";
	return NULL;
}

/* The room to enter, created if need be. @return the error or NULL. */
static const char *
join_room(struct sig *s, const struct join_req *j, bool resume,
	  struct sig_room **out)
{
	struct sig_room *r = room_find(s, j->room);

	if (r == NULL) {
		*out = room_create(s, j->room, j->password);
		return *out ? NULL : "too-many-rooms";
	}
	if (r->npeers >= s->lim.capacity)
		return "room-full";
	if (!resume && !room_password_ok(r, j->password))
		return "bad-password";
	*out = r;
	return NULL;
}

/* The session a join's token resumes: one of this process with that
 * random token or, with a resume key, the signed token's id (its session
 * here or, after a restart, a new one with that id: *restored). NULL: a
 * new identity (no token, an unknown or expired one, another room). */
static struct sig_session *
join_resume(struct sig *s, const struct join_req *j, bool *restored)
{
	char id[SIG_ID_LEN + 1];
	struct sig_session *p;

	*restored = false;
	if (j->token == NULL)
		return NULL;
	if (!resume_check(s, j->token, j->room, id))
		p = session_by_token(s, j->token);
	else if ((p = session_by_id(s, id)) == NULL) {
		p = session_new_id(s, id);
		*restored = p != NULL;
		return p;
	}
	return p != NULL && strcmp(p->room, j->room) == 0 ? p : NULL;
}

static void
on_join(struct sig *s, struct sig_conn *c, json_t *m)
{
	struct join_req j = { 0 };
	struct sig_session *p = NULL, *fresh = NULL;
	struct sig_room *r = NULL;
	const char *err = join_check(s, c, &j, m);
	bool restored = false;

	if (err == NULL)
		p = join_resume(s, &j, &restored);
	if (p != NULL && !restored)
		take_over(s, p);
	if (restored)
		fresh = p;      /* freed if refused, but a resume */
	if (err == NULL && p == NULL && (p = fresh = session_new(s)) == NULL)
		err = "server-error";
	if (err == NULL)
		err = join_room(s, &j, fresh == NULL || restored, &r);
	if (err != NULL) {
		if (fresh != NULL)
			session_free(s, fresh);
		sig_error(s, c, err, "join", "join refused");
		return;
	}
	snprintf(p->name, sizeof(p->name), "%s", j.name);
	p->audio = j.audio;
	p->video = j.video;
	p->conn = c;
	c->sess = p;
	room_add(s, r, p);
	welcome(s, c, p, fresh == NULL || restored);
}

static void
on_leave(struct sig *s, struct sig_conn *c, json_t *m)
{
	struct sig_session *p = c->sess;

	(void)m;
	room_remove(s, p);
	c->sess = NULL;
	p->conn = NULL;
	session_free(s, p);
}

static void
on_state(struct sig *s, struct sig_conn *c, json_t *m)
{
	struct sig_session *p = c->sess;
	bool bad = false, audio = p->audio, video = p->video;
	const char *name = opt_str(m, "name", &bad);
	json_t *out;

	opt_bool(m, "audio", &audio, &bad);
	opt_bool(m, "video", &video, &bad);
	if (bad || (name != NULL && !sig_name_ok(name))) {
		sig_error(s, c, bad ? "malformed" : "bad-name", "peer-state",
			  "bad peer-state");
		return;
	}
	if (name != NULL)
		snprintf(p->name, sizeof(p->name), "%s", name);
	p->audio = audio;
	p->video = video;
	out = json_pack("{s:s, s:s, s:s, s:b, s:b}", "type", "peer-state",
			"id", p->id, "name", p->name, "audio", audio,
			"video", video);
	room_broadcast(s, p->r, out, p);
	json_decref(out);
}

/* A string field of at most max bytes, or JSON null, copied to out. */
static bool
copy_field(json_t *out, json_t *in, const char *key, size_t max,
	   bool integer)
{
	json_t *v = json_object_get(in, key);

	if (v == NULL)
		return true;
	if (json_is_null(v) ||
	    (integer && json_is_integer(v) && json_integer_value(v) >= 0 &&
	     json_integer_value(v) < 1024) ||
	    (!integer && json_is_string(v) && json_string_length(v) <= max))
		return json_object_set(out, key, v) == 0;
	return false;
}

/* RTCIceCandidateInit's fields, or null (end of candidates). */
static json_t *
candidate_copy(json_t *in)
{
	json_t *out;

	if (json_is_null(in))
		return json_null();
	if (!json_is_object(in) || (out = json_object()) == NULL)
		return NULL;
	if (copy_field(out, in, "candidate", 1024, false) &&
	    copy_field(out, in, "sdpMid", 64, false) &&
	    copy_field(out, in, "sdpMLineIndex", 0, true) &&
	    copy_field(out, in, "usernameFragment", 256, false))
		return out;
	json_decref(out);
	return NULL;
}

static void
on_relay(struct sig *s, struct sig_conn *c, json_t *m)
{
	const char *type = json_string_value(json_object_get(m, "type"));
	json_t *to = json_object_get(m, "to"), *sdp, *out, *payload;
	struct sig_session *dst;
	bool cand = strcmp(type, "candidate") == 0;

	if (!json_is_string(to)) {
		sig_error(s, c, "malformed", type, "\"to\" must be a peer id");
		return;
	}
	dst = room_peer(c->sess->r, json_string_value(to));
	if (dst == NULL || dst == c->sess) {
		sig_error(s, c, "unknown-peer", type, "no such peer here");
		return;
	}
	sdp = json_object_get(m, "sdp");
	if (!cand && json_is_string(sdp) &&
	    json_string_length(sdp) > SIG_SDP_MAX) {
		sig_error(s, c, "too-large", type, "SDP too large");
		return;
	}
	payload = cand ? candidate_copy(json_object_get(m, "candidate")) :
		  json_is_string(sdp) ? json_incref(sdp) : NULL;
	if (payload == NULL) {
		sig_error(s, c, "malformed", type, cand ?
			  "bad \"candidate\"" : "\"sdp\" must be a string");
		return;
	}
	out = json_pack("{s:s, s:s, s:o}", "type", type, "from", c->sess->id,
			cand ? "candidate" : "sdp", payload);
	sig_send_json(s, dst->conn, out);
}

static void
on_chat(struct sig *s, struct sig_conn *c, json_t *m)
{
	json_t *text = json_object_get(m, "text"), *out;
	struct sig_session *p = c->sess;

	if (!json_is_string(text) || json_string_length(text) == 0) {
		sig_error(s, c, "malformed", "chat", "\"text\" must be a "
			  "non-empty string");
		return;
	}
	if (json_string_length(text) > SIG_CHAT_MAX) {
		sig_error(s, c, "too-large", "chat", "chat text too long");
		return;
	}
	out = json_pack("{s:s, s:s, s:s, s:O, s:I}", "type", "chat",
			"from", p->id, "name", p->name, "text", text,
			"ts", (json_int_t)sig_wall_ms(s));
	room_broadcast(s, p->r, out, NULL);
	if (out != NULL)
		room_chat_keep(s, p->r, out);
	json_decref(out);
}

/* pong; in a room with signed tokens, with a fresh token (resume.c). */
static void
on_ping(struct sig *s, struct sig_conn *c, json_t *m)
{
	json_t *out = json_pack("{s:s, s:I}", "type", "pong", "ts",
				(json_int_t)sig_wall_ms(s));

	(void)m;
	if (out != NULL && c->sess != NULL && resume_signing(s)) {
		resume_sign(s, c->sess);
		json_object_set_new(out, "token", json_string(c->sess->token));
	}
	sig_send_json(s, c, out);
}

static const struct {
	const char *type;
	handler_fn fn;
	bool joined;            /* only inside a room */
} handlers[] = {
	{ "join", on_join, false },
	{ "leave", on_leave, true },
	{ "peer-state", on_state, true },
	{ "offer", on_relay, true },
	{ "answer", on_relay, true },
	{ "candidate", on_relay, true },
	{ "chat", on_chat, true },
	{ "ping", on_ping, false },
};

void
sig_dispatch(struct sig *s, struct sig_conn *c, json_t *m)
{
	const char *type = json_string_value(json_object_get(m, "type"));

	for (size_t i = 0; i < sizeof(handlers) / sizeof(*handlers); i++) {
		if (strcmp(handlers[i].type, type) != 0)
			continue;
		if (handlers[i].joined && c->sess == NULL)
			sig_error(s, c, "not-joined", handlers[i].type,
				  "join a room first");
		else
			handlers[i].fn(s, c, m);
		return;
	}
	sig_error(s, c, "unknown-type", NULL, "unknown message type");
}
