/* The signaling core through a recording port and a fake clock: rooms,
 * joins, broadcasts, routing to "to", room isolation, every error code,
 * rate and size limits, idle timeout, grace reconnect, join tickets and
 * the REST credential in welcome. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "auth.h"
#include "sig.h"

#define NCONN 8
#define NMSG  256
#define WALL0 1700000000000LL

struct fake {
	int id;
	char *msgs[NMSG];
	size_t n;
	int closed;             /* close code, 0 while open */
};

static struct fake conns[NCONN];
static struct sig_conn *sc[NCONN];
static uint64_t now_ms = 1000;
static uint64_t step_ms = 100;  /* time before each input */
static uint8_t rnd = 1;
static struct sig *s;
static struct sig_limits lim;
static struct sig_ice ice;

static int
p_send(void *arg, void *conn, const char *text, size_t len)
{
	struct fake *f = conn;

	(void)arg;
	assert_int_equal(f->closed, 0);
	assert_true(f->n < NMSG);
	f->msgs[f->n++] = strndup(text, len);
	return 0;
}

static void
p_close(void *arg, void *conn, int code)
{
	struct fake *f = conn;

	(void)arg;
	f->closed = code;
	sc[f->id] = NULL;
}

static uint64_t
p_now(void *arg)
{
	(void)arg;
	return now_ms;
}

static int64_t
p_wall(void *arg)
{
	(void)arg;
	return WALL0 + (int64_t)now_ms;
}

static void
p_random(void *arg, uint8_t *buf, size_t len)
{
	(void)arg;
	for (size_t i = 0; i < len; i++)
		buf[i] = rnd++;
}

static const struct sig_port port = { NULL, p_send, p_close, p_now, p_wall,
				       p_random };

static void
reset_conns(void)
{
	for (int i = 0; i < NCONN; i++) {
		for (size_t j = 0; j < conns[i].n; j++)
			free(conns[i].msgs[j]);
		memset(&conns[i], 0, sizeof(conns[i]));
		conns[i].id = i;
		sc[i] = NULL;
	}
}

static int
setup(void **state)
{
	(void)state;
	reset_conns();
	now_ms = 1000;
	step_ms = 100;
	lim = (struct sig_limits){ .capacity = 3, .max_rooms = 4,
		.max_conns = NCONN - 1, .history = 2, .max_msg = 4096,
		.rate = 10, .idle_s = 60, .grace_s = 30, .join_rate = 100 };
	ice = (struct sig_ice){ .port = 3478, .tls_port = 5349,
		.secret = "s3cret", .ttl = 600 };
	return sig_new(&s, &lim, &ice, &port);
}

static int
teardown(void **state)
{
	(void)state;
	sig_free(s);
	s = NULL;
	reset_conns();
	return 0;
}

static void
conn_open(int i, const char *ip)
{
	sc[i] = sig_open(s, &conns[i], ip ? ip : "192.0.2.1", "turn.example");
	assert_non_null(sc[i]);
}

static void
in(int i, const char *text)
{
	now_ms += step_ms;
	sig_input(s, sc[i], text, strlen(text));
}

/* The last message conn i got, parsed (the caller frees). */
static json_t *
last(int i)
{
	json_error_t e;

	assert_true(conns[i].n > 0);
	return json_loads(conns[i].msgs[conns[i].n - 1], 0, &e);
}

static const char *
type_of(json_t *m)
{
	return json_string_value(json_object_get(m, "type"));
}

/* The last message is an error with this code. */
static void
assert_error(int i, const char *code)
{
	json_t *m = last(i);

	assert_string_equal(type_of(m), "error");
	assert_string_equal(json_string_value(json_object_get(m, "code")),
			    code);
	json_decref(m);
}

static void
assert_last_type(int i, const char *type)
{
	json_t *m = last(i);

	assert_non_null(m);
	assert_string_equal(type_of(m), type);
	json_decref(m);
}

/* Join conn i to room as name; returns the welcome (caller frees). */
static json_t *
join(int i, const char *room, const char *name)
{
	char buf[256];

	if (sc[i] == NULL)
		conn_open(i, NULL);
	snprintf(buf, sizeof(buf), "{\"type\":\"join\",\"room\":\"%s\","
		 "\"name\":\"%s\"}", room, name);
	in(i, buf);
	return last(i);
}

static char *
id_of(json_t *welcome)
{
	return strdup(json_string_value(json_object_get(welcome, "id")));
}

static void
test_join_and_welcome(void **state)
{
	json_t *w = join(0, "r1", "Alice"), *srv, *urls;
	const char *user, *cred;
	char expect[64], pass[64];

	(void)state;
	assert_string_equal(type_of(w), "welcome");
	assert_int_equal(strlen(json_string_value(json_object_get(w, "id"))),
			 SIG_ID_LEN);
	assert_int_equal(strlen(json_string_value(json_object_get(w,
							"token"))),
			 SIG_TOKEN_LEN);
	assert_string_equal(json_string_value(json_object_get(w, "room")),
			    "r1");
	assert_int_equal(json_array_size(json_object_get(w, "peers")), 0);
	assert_int_equal(json_integer_value(json_object_get(w, "ttl")), 600);
	assert_false(json_is_true(json_object_get(w, "resumed")));
	srv = json_array_get(json_object_get(w, "iceServers"), 0);
	urls = json_object_get(srv, "urls");
	assert_int_equal(json_array_size(urls), 4);
	assert_string_equal(json_string_value(json_array_get(urls, 0)),
			    "stun:turn.example:3478");
	assert_string_equal(json_string_value(json_array_get(urls, 1)),
			    "turn:turn.example:3478?transport=udp");
	assert_string_equal(json_string_value(json_array_get(urls, 2)),
			    "turn:turn.example:3478?transport=tcp");
	assert_string_equal(json_string_value(json_array_get(urls, 3)),
			    "turns:turn.example:5349?transport=tcp");
	/* No ticket (anonymous-relay "relay"): username EXPIRY:relay:ID,
	 * credential = REST password of it: the HMAC covers the scope. */
	user = json_string_value(json_object_get(srv, "username"));
	cred = json_string_value(json_object_get(srv, "credential"));
	snprintf(expect, sizeof(expect), "%lld:relay:%s",
		 (long long)((WALL0 + 1000) / 1000 + 600),
		 json_string_value(json_object_get(w, "id")));
	assert_string_equal(user, expect);
	assert_int_equal(auth_rest_password("s3cret", user, pass,
					    sizeof(pass)), 28);
	assert_string_equal(cred, pass);
	assert_true(auth_rest_relay_only(user));
	assert_int_equal(sig_nrooms(s), 1);
	json_decref(w);
}

/* The welcome's TURN credential of a join without a ticket, by
 * anonymous-relay; with a join-secret every join has a valid ticket and
 * gets an unscoped one. */
static const char *
welcome_user(json_t *w)
{
	json_t *srv = json_array_get(json_object_get(w, "iceServers"), 0);

	return json_string_value(json_object_get(srv, "username"));
}

static void
test_welcome_credential_scope(void **state)
{
	char t[128], buf[320];
	int64_t wall_s = (WALL0 + 1000) / 1000;
	json_t *w;

	(void)state;
	sig_free(s);
	ice.anon = SIG_CRED_FULL;               /* anonymous-relay "any" */
	assert_int_equal(sig_new(&s, &lim, &ice, &port), 0);
	w = join(0, "r1", "Alice");
	assert_non_null(welcome_user(w));
	assert_false(auth_rest_relay_only(welcome_user(w)));
	json_decref(w);

	sig_free(s);
	ice.anon = SIG_CRED_NONE;               /* anonymous-relay "off" */
	assert_int_equal(sig_new(&s, &lim, &ice, &port), 0);
	w = join(1, "r1", "Bob");
	assert_null(welcome_user(w));
	assert_int_equal(json_array_size(json_object_get(
		json_array_get(json_object_get(w, "iceServers"), 0), "urls")), 1);
	json_decref(w);

	sig_free(s);
	lim.join_secret = "app-key";            /* a ticket: unscoped */
	assert_int_equal(sig_new(&s, &lim, &ice, &port), 0);
	conn_open(2, NULL);
	sig_ticket_make("app-key", "r", "n", wall_s + 60, t, sizeof(t));
	snprintf(buf, sizeof(buf), "{\"type\":\"join\",\"room\":\"r\","
		 "\"name\":\"n\",\"ticket\":\"%s\"}", t);
	in(2, buf);
	w = last(2);
	assert_string_equal(type_of(w), "welcome");
	assert_non_null(welcome_user(w));
	assert_false(auth_rest_relay_only(welcome_user(w)));
	json_decref(w);
	lim.join_secret = NULL;
	ice.anon = SIG_CRED_RELAY;
}

static void
test_second_peer_and_broadcasts(void **state)
{
	json_t *wa = join(0, "r1", "Alice"), *wb, *m, *peer;
	char *a, *b;

	(void)state;
	wb = join(1, "r1", "Bob");
	a = id_of(wa);
	b = id_of(wb);
	peer = json_array_get(json_object_get(wb, "peers"), 0);
	assert_string_equal(json_string_value(json_object_get(peer, "id")), a);
	assert_string_equal(json_string_value(json_object_get(peer, "name")),
			    "Alice");
	assert_non_null(json_object_get(json_object_get(peer, "state"),
					"audio"));
	m = last(0);
	assert_string_equal(type_of(m), "peer-joined");
	assert_string_equal(json_string_value(json_object_get(
		json_object_get(m, "peer"), "id")), b);
	json_decref(m);

	/* peer-state goes to the others only */
	in(1, "{\"type\":\"peer-state\",\"audio\":true,\"video\":false}");
	m = last(0);
	assert_string_equal(type_of(m), "peer-state");
	assert_string_equal(json_string_value(json_object_get(m, "id")), b);
	assert_true(json_is_true(json_object_get(m, "audio")));
	assert_string_equal(json_string_value(json_object_get(m, "name")),
			    "Bob");
	json_decref(m);
	assert_last_type(1, "welcome");
	in(1, "{\"type\":\"peer-state\",\"name\":\"\\u0007\"}");
	assert_error(1, "bad-name");

	/* leave: the other is told; the room goes with its last peer */
	in(1, "{\"type\":\"leave\"}");
	m = last(0);
	assert_string_equal(type_of(m), "peer-left");
	assert_string_equal(json_string_value(json_object_get(m, "id")), b);
	json_decref(m);
	in(1, "{\"type\":\"chat\",\"text\":\"x\"}");
	assert_error(1, "not-joined");
	in(0, "{\"type\":\"leave\"}");
	assert_int_equal(sig_nrooms(s), 0);
	assert_int_equal(sig_nsessions(s), 0);
	free(a);
	free(b);
	json_decref(wa);
	json_decref(wb);
}

static void
test_relay_routing_and_isolation(void **state)
{
	json_t *wa = join(0, "r1", "A"), *wb = join(1, "r1", "B");
	json_t *wc = join(2, "r2", "C"), *m, *cand;
	char *a = id_of(wa), *b = id_of(wb), *c = id_of(wc), buf[512];
	size_t n2 = conns[2].n;

	(void)state;
	snprintf(buf, sizeof(buf), "{\"type\":\"offer\",\"to\":\"%s\","
		 "\"sdp\":\"v=0\\r\\n\",\"evil\":\"<x>\"}", b);
	in(0, buf);
	m = last(1);
	assert_string_equal(type_of(m), "offer");
	assert_string_equal(json_string_value(json_object_get(m, "from")), a);
	assert_string_equal(json_string_value(json_object_get(m, "sdp")),
			    "v=0\r\n");
	assert_null(json_object_get(m, "evil"));
	assert_null(json_object_get(m, "to"));
	json_decref(m);

	snprintf(buf, sizeof(buf), "{\"type\":\"candidate\",\"to\":\"%s\","
		 "\"candidate\":{\"candidate\":\"candidate:1 1 udp 1 1.2.3.4 "
		 "5 typ host\",\"sdpMid\":\"0\",\"sdpMLineIndex\":0,"
		 "\"x\":1}}", a);
	in(1, buf);
	m = last(0);
	assert_string_equal(type_of(m), "candidate");
	assert_string_equal(json_string_value(json_object_get(m, "from")), b);
	cand = json_object_get(m, "candidate");
	assert_int_equal(json_object_size(cand), 3);
	json_decref(m);
	snprintf(buf, sizeof(buf), "{\"type\":\"candidate\",\"to\":\"%s\","
		 "\"candidate\":null}", a);
	in(1, buf);
	assert_last_type(0, "candidate");

	/* a peer of another room is unknown; nothing reaches room r2 */
	snprintf(buf, sizeof(buf), "{\"type\":\"answer\",\"to\":\"%s\","
		 "\"sdp\":\"x\"}", c);
	in(0, buf);
	assert_error(0, "unknown-peer");
	in(0, "{\"type\":\"chat\",\"text\":\"hello r1\"}");
	assert_int_equal(conns[2].n, n2);
	/* to oneself, bad fields */
	snprintf(buf, sizeof(buf), "{\"type\":\"offer\",\"to\":\"%s\","
		 "\"sdp\":\"x\"}", a);
	in(0, buf);
	assert_error(0, "unknown-peer");
	snprintf(buf, sizeof(buf), "{\"type\":\"offer\",\"to\":\"%s\","
		 "\"sdp\":5}", b);
	in(0, buf);
	assert_error(0, "malformed");
	in(0, "{\"type\":\"offer\",\"to\":7,\"sdp\":\"x\"}");
	assert_error(0, "malformed");
	snprintf(buf, sizeof(buf), "{\"type\":\"candidate\",\"to\":\"%s\","
		 "\"candidate\":{\"sdpMLineIndex\":-1}}", b);
	in(0, buf);
	assert_error(0, "malformed");
	free(a); free(b); free(c);
	json_decref(wa); json_decref(wb); json_decref(wc);
}

static void
test_chat_and_history(void **state)
{
	json_t *wa = join(0, "r1", "A"), *m, *h;

	(void)state;
	in(0, "{\"type\":\"chat\",\"text\":\"one\"}");
	m = last(0);
	assert_string_equal(type_of(m), "chat");    /* the sender too */
	assert_string_equal(json_string_value(json_object_get(m, "name")),
			    "A");
	assert_int_equal(json_integer_value(json_object_get(m, "ts")),
			 WALL0 + 1200);
	json_decref(m);
	in(0, "{\"type\":\"chat\",\"text\":\"two\"}");
	in(0, "{\"type\":\"chat\",\"text\":\"</script><b>three</b>\"}");
	/* escaped on the wire: no raw "</" */
	assert_null(strstr(conns[0].msgs[conns[0].n - 1], "</"));
	m = join(1, "r1", "B");
	h = json_object_get(m, "history");
	assert_int_equal(json_array_size(h), 2);   /* the last 2 kept */
	assert_string_equal(json_string_value(json_object_get(
		json_array_get(h, 1), "text")), "</script><b>three</b>");
	json_decref(m);
	in(0, "{\"type\":\"chat\",\"text\":\"\"}");
	assert_error(0, "malformed");
	{
		char big[SIG_CHAT_MAX + 64];

		snprintf(big, sizeof(big), "{\"type\":\"chat\",\"text\":\"%0*d\"}",
			 SIG_CHAT_MAX + 1, 0);
		in(0, big);
		assert_error(0, "too-large");
	}
	json_decref(wa);
}

static void
test_join_errors(void **state)
{
	json_t *w;
	char big[160];

	(void)state;
	conn_open(0, NULL);
	in(0, "not json");
	assert_error(0, "malformed");
	in(0, "[1,2]");
	assert_error(0, "malformed");
	in(0, "{\"type\":3}");
	assert_error(0, "malformed");
	in(0, "{\"type\":\"join\",\"type\":\"join\"}");
	assert_error(0, "malformed");
	in(0, "{\"type\":\"fly\"}");
	assert_error(0, "unknown-type");
	in(0, "{\"type\":\"offer\",\"to\":\"x\",\"sdp\":\"\"}");
	assert_error(0, "not-joined");
	in(0, "{\"type\":\"ping\"}");
	assert_last_type(0, "pong");
	in(0, "{\"type\":\"join\",\"room\":\"a b\",\"name\":\"x\"}");
	assert_error(0, "bad-room");
	in(0, "{\"type\":\"join\",\"room\":\"ok\",\"name\":\"  \"}");
	assert_error(0, "bad-name");
	in(0, "{\"type\":\"join\",\"room\":\"ok\",\"name\":\"a\\u0001b\"}");
	assert_error(0, "bad-name");
	in(0, "{\"type\":\"join\",\"room\":\"ok\",\"name\":\"a\\u0000b\"}");
	assert_error(0, "malformed");     /* jansson refuses NUL */
	in(0, "{\"type\":\"join\",\"room\":\"ok\",\"name\":\"\\u202e\"}");
	assert_error(0, "bad-name");
	snprintf(big, sizeof(big), "{\"type\":\"join\",\"room\":\"ok\","
		 "\"name\":\"%065d\"}", 0);
	in(0, big);
	assert_error(0, "bad-name");
	in(0, "{\"type\":\"join\",\"room\":\"ok\",\"name\":5}");
	assert_error(0, "malformed");
	in(0, "{\"type\":\"join\",\"room\":\"pw\",\"name\":\"x\","
	   "\"password\":\"open sesame\"}");
	assert_last_type(0, "welcome");
	in(0, "{\"type\":\"join\",\"room\":\"pw\",\"name\":\"x\"}");
	assert_error(0, "already-joined");
	conn_open(1, NULL);
	in(1, "{\"type\":\"join\",\"room\":\"pw\",\"name\":\"y\"}");
	assert_error(1, "bad-password");
	in(1, "{\"type\":\"join\",\"room\":\"pw\",\"name\":\"y\","
	   "\"password\":\"wrong\"}");
	assert_error(1, "bad-password");
	in(1, "{\"type\":\"join\",\"room\":\"pw\",\"name\":\"y\","
	   "\"password\":\"open sesame\"}");
	assert_last_type(1, "welcome");
	conn_open(2, NULL);             /* capacity 3: still fits */
	in(2, "{\"type\":\"join\",\"room\":\"pw\",\"name\":\"z\","
	   "\"password\":\"open sesame\"}");
	assert_last_type(2, "welcome");
	w = join(3, "pw", "w");
	assert_error(3, "room-full");
	json_decref(w);
	/* max 4 rooms: pw + 3 more */
	for (int i = 0; i < 3; i++) {
		char room[16];

		snprintf(room, sizeof(room), "x%d", i);
		json_decref(join(4 + i, room, "n"));
		assert_last_type(4 + i, "welcome");
	}
	in(3, "{\"type\":\"join\",\"room\":\"x9\",\"name\":\"n\"}");
	assert_error(3, "too-many-rooms");
	/* too large and the connection cap */
	{
		char *huge = malloc(lim.max_msg + 2);

		memset(huge, ' ', lim.max_msg + 1);
		huge[lim.max_msg + 1] = '\0';
		in(3, huge);
		assert_error(3, "too-large");
		free(huge);
	}
	assert_null(sig_open(s, &conns[7], "192.0.2.9", "h"));
}

static void
test_rate_limit(void **state)
{
	int i;

	(void)state;
	step_ms = 0;
	conn_open(0, NULL);
	/* a burst of 2 s worth (20), then refused */
	for (i = 0; i < 20; i++) {
		in(0, "{\"type\":\"ping\"}");
		assert_last_type(0, "pong");
	}
	in(0, "{\"type\":\"ping\"}");
	assert_error(0, "rate-limited");
	now_ms += 100;                  /* one more token */
	in(0, "{\"type\":\"ping\"}");
	assert_last_type(0, "pong");
	/* a flood is closed with 1008 */
	for (i = 0; i < 100 && sc[0] != NULL; i++)
		in(0, "{\"type\":\"ping\"}");
	assert_null(sc[0]);
	assert_int_equal(conns[0].closed, 1008);
	assert_int_equal(sig_nconns(s), 0);
}

static void
test_disconnect_and_resume(void **state)
{
	json_t *wa = join(0, "r1", "A"), *wb = join(1, "r1", "B"), *m;
	char *b = id_of(wb), buf[256];
	const char *tok = json_string_value(json_object_get(wb, "token"));

	(void)state;
	sig_closed(s, sc[1]);
	sc[1] = NULL;
	m = last(0);
	assert_string_equal(type_of(m), "peer-left");
	assert_string_equal(json_string_value(json_object_get(m, "id")), b);
	json_decref(m);
	assert_int_equal(sig_nsessions(s), 2);    /* B in grace */
	/* back within the grace period: the same id */
	now_ms += 20000;
	conn_open(2, NULL);
	snprintf(buf, sizeof(buf), "{\"type\":\"join\",\"room\":\"r1\","
		 "\"name\":\"B2\",\"token\":\"%s\"}", tok);
	in(2, buf);
	m = last(2);
	assert_string_equal(type_of(m), "welcome");
	assert_string_equal(json_string_value(json_object_get(m, "id")), b);
	assert_true(json_is_true(json_object_get(m, "resumed")));
	json_decref(m);
	assert_last_type(0, "peer-joined");
	/* the same token from yet another connection takes over */
	conn_open(3, NULL);
	in(3, buf);
	assert_int_equal(conns[2].closed, 1008);
	m = last(3);
	assert_string_equal(json_string_value(json_object_get(m, "id")), b);
	json_decref(m);
	/* dropped again, and too late: a new identity */
	sig_closed(s, sc[3]);
	sc[3] = NULL;
	now_ms += 31000;
	sig_tick(s);                   /* A idles 51 s: still open */
	assert_int_equal(sig_nsessions(s), 1);
	conn_open(4, NULL);
	in(4, buf);
	m = last(4);
	assert_string_equal(type_of(m), "welcome");
	assert_string_not_equal(json_string_value(json_object_get(m, "id")), b);
	assert_false(json_is_true(json_object_get(m, "resumed")));
	json_decref(m);
	free(b);
	json_decref(wa);
	json_decref(wb);
}

static void
test_idle_timeout(void **state)
{
	json_t *wa = join(0, "r1", "A"), *wb = join(1, "r1", "B");

	(void)state;
	now_ms += 59000;
	in(1, "{\"type\":\"ping\"}");
	now_ms += 1000;
	sig_tick(s);
	assert_int_equal(conns[0].closed, 1001);
	assert_int_equal(conns[1].closed, 0);
	assert_last_type(1, "peer-left");
	json_decref(wa);
	json_decref(wb);
}

static void
test_join_ticket_and_ip_limit(void **state)
{
	char t[128], buf[320];
	int64_t wall_s = (WALL0 + 1000) / 1000;

	(void)state;
	sig_free(s);
	lim.join_secret = "app-key";
	lim.join_rate = 2;
	ice.secret = NULL;
	assert_int_equal(sig_new(&s, &lim, &ice, &port), 0);
	conn_open(0, "198.51.100.7");
	in(0, "{\"type\":\"join\",\"room\":\"r\",\"name\":\"n\"}");
	assert_error(0, "bad-ticket");
	sig_ticket_make("app-key", "r", "other", wall_s + 60, t, sizeof(t));
	snprintf(buf, sizeof(buf), "{\"type\":\"join\",\"room\":\"r\","
		 "\"name\":\"n\",\"ticket\":\"%s\"}", t);
	in(0, buf);
	assert_error(0, "bad-ticket");
	sig_ticket_make("app-key", "r", "n", wall_s + 60, t, sizeof(t));
	snprintf(buf, sizeof(buf), "{\"type\":\"join\",\"room\":\"r\","
		 "\"name\":\"n\",\"ticket\":\"%s\"}", t);
	in(0, buf);
	assert_error(0, "too-many-joins");     /* 2 per minute per IP */
	conn_open(1, "198.51.100.8");
	in(1, buf);
	{
		json_t *m = last(1), *srv;

		assert_string_equal(type_of(m), "welcome");
		/* no REST secret: stun: only, no credential */
		srv = json_array_get(json_object_get(m, "iceServers"), 0);
		assert_int_equal(json_array_size(json_object_get(srv, "urls")),
				 1);
		assert_null(json_object_get(srv, "username"));
		json_decref(m);
	}
	assert_int_equal(sig_ticket_check("app-key", "r", "n", t, wall_s + 61),
			 EACCES);
	assert_int_equal(sig_ticket_check("app-key", "r", "n", "1:zz", 0),
			 EACCES);
	now_ms += 30000;                        /* one more join allowed */
	in(0, buf);
	assert_last_type(0, "welcome");
}

/* The join limit counts an IPv6 source by its /64 (a host holds a whole
 * /64: per address it could join without limit), IPv4 by its address. */
static void
test_join_rate_ipv6_prefix(void **state)
{
	static const char *const ips[] = {
		"2001:db8:1:2::1", "2001:db8:1:2:ffff::9",  /* one /64 */
		"2001:db8:1:3::1",                           /* the next /64 */
		"192.0.2.10", "192.0.2.11",                  /* two IPv4 */
	};
	static const char *const rooms[] = { "a", "b", "c", "d" };
	json_t *m;

	(void)state;
	sig_free(s);
	lim.join_rate = 2;
	assert_int_equal(sig_new(&s, &lim, &ice, &port), 0);
	for (int i = 0; i < 5; i++)
		conn_open(i, ips[i]);
	m = join(0, "a", "n0");                 /* /64 budget: 1 of 2 */
	json_decref(m);
	m = join(1, "b", "n1");                 /* 2 of 2, another address */
	json_decref(m);
	assert_last_type(1, "welcome");
	in(1, "{\"type\":\"leave\"}");
	in(1, "{\"type\":\"join\",\"room\":\"c\",\"name\":\"n1\"}");
	assert_error(1, "too-many-joins");      /* the /64's budget is spent */
	for (int i = 2; i < 5; i++) {           /* other /64, other IPv4s */
		m = join(i, rooms[i - 1], "n");
		json_decref(m);
		assert_last_type(i, "welcome");
	}
	assert_true(sig_issue_allowed(s, "192.0.2.10"));
	assert_false(sig_issue_allowed(s, "192.0.2.10")); /* 2 of 2 */
	assert_true(sig_issue_allowed(s, "192.0.2.12"));
	assert_false(sig_issue_allowed(s, "2001:db8:1:2:abcd::1"));
	assert_true(sig_issue_allowed(s, "2001:db8:1:3:abcd::1"));
}

/* A new core with lim (after sig_free): a restart of the process. */
static void
restart_core(void)
{
	sig_free(s);
	reset_conns();
	assert_int_equal(sig_new(&s, &lim, &ice, &port), 0);
}

/* Join room as name with token on connection i: the welcome. */
static json_t *
join_token(int i, const char *room, const char *name, const char *token)
{
	char buf[512];

	conn_open(i, NULL);
	snprintf(buf, sizeof(buf), "{\"type\":\"join\",\"room\":\"%s\","
		 "\"name\":\"%s\",\"token\":\"%s\"}", room, name, token);
	in(i, buf);
	return last(i);
}

static bool
resumed_as(json_t *w, const char *id)
{
	bool same = strcmp(json_string_value(json_object_get(w, "id")),
			   id) == 0 &&
		    json_is_true(json_object_get(w, "resumed"));

	json_decref(w);
	return same;
}

/* With a resume key, tokens are signed: they resume a session across a
 * restart (a new core), for their room only, until grace + slack; a
 * tampered one or another key's is a new identity; pong refreshes. */
static void
test_signed_resume(void **state)
{
	json_t *w, *m;
	char *b, tok[SIG_TOKEN_MAX + 1], bad[SIG_TOKEN_MAX + 1];

	(void)state;
	lim.resume_key = "resume-key";
	restart_core();
	json_decref(join(0, "r1", "A"));
	w = join(1, "r1", "B");
	b = id_of(w);
	snprintf(tok, sizeof(tok), "%s",
		 json_string_value(json_object_get(w, "token")));
	json_decref(w);
	assert_int_equal(strlen(tok), SIG_TOKEN_MAX);
	assert_memory_equal(tok, b, SIG_ID_LEN);
	/* a pong in the room carries a fresh token, valid too */
	now_ms += 5000;
	in(1, "{\"type\":\"ping\"}");
	m = last(1);
	assert_string_equal(type_of(m), "pong");
	assert_string_not_equal(json_string_value(json_object_get(m, "token")), tok);
	json_decref(m);

	restart_core();                 /* sessions are gone; the key is not */
	snprintf(bad, sizeof(bad), "%s", tok);
	bad[SIG_TOKEN_MAX - 1] = bad[SIG_TOKEN_MAX - 1] == '0' ? '1' : '0';
	assert_false(resumed_as(join_token(0, "r1", "B", bad), b));
	assert_false(resumed_as(join_token(1, "r2", "B", tok), b));
	assert_true(resumed_as(join_token(2, "r1", "B", tok), b));
	/* the id is taken now: the token resumes that session (take-over) */
	assert_true(resumed_as(join_token(3, "r1", "B", tok), b));
	assert_int_equal(conns[2].closed, 1008);

	restart_core();                 /* too late: grace 30 s + 60 s slack */
	now_ms += 91000;
	assert_false(resumed_as(join_token(0, "r1", "B", tok), b));
	now_ms -= 91000;
	lim.resume_key = "another-key";
	restart_core();
	assert_false(resumed_as(join_token(0, "r1", "B", tok), b));
	lim.resume_key = NULL;          /* no key: random tokens, in memory */
	restart_core();
	w = join(0, "r1", "C");
	assert_int_equal(strlen(json_string_value(json_object_get(w, "token"))),
			 SIG_TOKEN_LEN);
	json_decref(w);
	assert_false(resumed_as(join_token(1, "r1", "B", tok), b));
	free(b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_join_and_welcome, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_welcome_credential_scope,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_second_peer_and_broadcasts,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_relay_routing_and_isolation,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_chat_and_history, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_join_errors, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_rate_limit, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_disconnect_and_resume,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_signed_resume, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_idle_timeout, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_join_ticket_and_ip_limit,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_join_rate_ipv6_prefix,
						setup, teardown),
	};

	return cmocka_run_group_tests_name("sig", tests, NULL, NULL);
}
