/**
 * @file core.c  The signaling core's life and its connections: creation,
 * sig_open/sig_input/sig_closed/sig_tick, the size and rate limits of a
 * connection, and the output helpers (every message is built with jansson
 * and dumped compact, '/' escaped, so no client text reaches another
 * client unescaped).
 */
#include <errno.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "sig_int.h"

#define RATE_BURST_FACTOR 2   /* a connection may burst 2 s of messages */

uint64_t
sig_now(struct sig *s)
{
	return s->port.now_ms(s->port.arg);
}

int64_t
sig_wall_ms(struct sig *s)
{
	return s->port.wall_ms(s->port.arg);
}

void
sig_reconfigure(struct sig *s, const struct sig_limits *lim,
		const struct sig_ice *ice)
{
	s->lim = *lim;
	if (s->lim.capacity > SIG_CAP_MAX)
		s->lim.capacity = SIG_CAP_MAX;
	if (s->lim.capacity < 1)
		s->lim.capacity = 1;
	s->ice = *ice;
}

int
sig_new(struct sig **out, const struct sig_limits *lim,
	const struct sig_ice *ice, const struct sig_port *port)
{
	struct sig *s = calloc(1, sizeof(*s));

	if (s == NULL || (s->ips = calloc(SIG_IP_SLOTS,
					  sizeof(*s->ips))) == NULL) {
		free(s);
		return ENOMEM;
	}
	sig_reconfigure(s, lim, ice);
	s->port = *port;
	TAILQ_INIT(&s->conns);
	TAILQ_INIT(&s->sessions);
	TAILQ_INIT(&s->rooms);
	*out = s;
	return 0;
}

void
sig_free(struct sig *s)
{
	struct sig_session *p;
	struct sig_conn *c;

	if (s == NULL)
		return;
	while ((p = TAILQ_FIRST(&s->sessions)) != NULL)
		session_free(s, p);     /* no peer-left: nobody is told */
	while ((c = TAILQ_FIRST(&s->conns)) != NULL) {
		TAILQ_REMOVE(&s->conns, c, link);
		free(c);
	}
	room_free_all(s);
	free(s->ips);
	free(s);
}

char *
sig_dump(json_t *msg, size_t *len)
{
	char *text = json_dumps(msg, JSON_COMPACT | JSON_ESCAPE_SLASH);

	*len = text ? strlen(text) : 0;
	return text;
}

/* Send and release msg (NULL, from a failed build, is ignored). */
void
sig_send_json(struct sig *s, struct sig_conn *c, json_t *msg)
{
	size_t len;
	char *text;

	if (msg == NULL)
		return;
	text = sig_dump(msg, &len);
	if (text != NULL &&
	    s->port.send(s->port.arg, c->conn, text, len) == 0)
		s->msgs_out++;
	free(text);
	json_decref(msg);
}

void
sig_error(struct sig *s, struct sig_conn *c, const char *code,
	  const char *re, const char *message)
{
	json_t *m = json_pack("{s:s, s:s, s:s}", "type", "error", "code", code,
			      "message", message);

	if (m != NULL && re != NULL)
		json_object_set_new(m, "re", json_string(re));
	sig_send_json(s, c, m);
}

struct sig_conn *
sig_open(struct sig *s, void *conn, const char *ip, const char *host)
{
	struct sig_conn *c;

	if (s->nconns >= s->lim.max_conns ||
	    (c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	c->conn = conn;
	snprintf(c->ip, sizeof(c->ip), "%s", ip ? ip : "");
	snprintf(c->host, sizeof(c->host), "%s", host ? host : "localhost");
	c->last_ms = sig_now(s);
	bucket_init(&c->rate, c->last_ms,
		    (uint64_t)s->lim.rate * RATE_BURST_FACTOR);
	TAILQ_INSERT_TAIL(&s->conns, c, link);
	s->nconns++;
	return c;
}

/* Forget c: its session goes to grace; c is freed. */
static void
conn_forget(struct sig *s, struct sig_conn *c)
{
	if (c->sess != NULL)
		session_detach(s, c->sess);
	TAILQ_REMOVE(&s->conns, c, link);
	s->nconns--;
	free(c);
}

void
sig_closed(struct sig *s, struct sig_conn *c)
{
	if (s != NULL && c != NULL)
		conn_forget(s, c);
}

void
sig_drop(struct sig *s, struct sig_conn *c, int code)
{
	void *conn = c->conn;

	conn_forget(s, c);
	s->port.close(s->port.arg, conn, code);
}

/* Size and rate. @return false when the message is refused (answered,
 * or c was dropped for abuse). */
static bool
admit(struct sig *s, struct sig_conn *c, size_t len)
{
	uint64_t now = sig_now(s);

	c->last_ms = now;
	if (!bucket_take(&c->rate, now, s->lim.rate, 1000,
			 (uint64_t)s->lim.rate * RATE_BURST_FACTOR)) {
		if (++c->strikes >= SIG_STRIKES)
			sig_drop(s, c, SIG_CLOSE_POLICY);
		else
			sig_error(s, c, "rate-limited", NULL,
				  "too many messages: slow down");
		return false;
	}
	c->strikes = 0;
	if (len > s->lim.max_msg) {
		sig_error(s, c, "too-large", NULL, "message too large");
		return false;
	}
	return true;
}

void
sig_input(struct sig *s, struct sig_conn *c, const char *text, size_t len)
{
	json_error_t jerr;
	json_t *msg;

	s->msgs_in++;
	if (!admit(s, c, len))
		return;
	msg = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!json_is_object(msg) ||
	    !json_is_string(json_object_get(msg, "type"))) {
		json_decref(msg);
		sig_error(s, c, "malformed", NULL,
			  "want a JSON object with a string \"type\"");
		return;
	}
	sig_dispatch(s, c, msg);
	json_decref(msg);
}

static void
expire_sessions(struct sig *s, uint64_t now)
{
	struct sig_session *p, *next;

	for (p = TAILQ_FIRST(&s->sessions); p != NULL; p = next) {
		next = TAILQ_NEXT(p, link);
		if (p->conn == NULL && now >= p->expires_ms)
			session_free(s, p);
	}
}

void
sig_tick(struct sig *s)
{
	uint64_t now = sig_now(s), idle = (uint64_t)s->lim.idle_s * 1000;
	struct sig_conn *c, *next;

	for (c = TAILQ_FIRST(&s->conns); c != NULL; c = next) {
		next = TAILQ_NEXT(c, link);
		if (now - c->last_ms >= idle)
			sig_drop(s, c, SIG_CLOSE_IDLE);
	}
	expire_sessions(s, now);
}

size_t
sig_nconns(const struct sig *s)
{
	return s->nconns;
}

size_t
sig_nrooms(const struct sig *s)
{
	return s->nrooms;
}

size_t
sig_nsessions(const struct sig *s)
{
	return s->nsessions;
}

uint64_t
sig_nmessages(const struct sig *s, bool out)
{
	return out ? s->msgs_out : s->msgs_in;
}
