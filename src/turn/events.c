/**
 * @file events.c  The allocation lifecycle in the log, one event each
 * (issue: operations §4): alloc.created, alloc.refreshed, alloc.deleted,
 * alloc.expired, alloc.denied; with a session id ("a" and a number, one
 * per allocation, so its lines can be followed), the client's address, the user, the
 * transport and the relayed address(es). Never per packet; never a
 * credential (the user name is not one). And auth.failed: a wrong
 * password or unknown user, capped per second.
 */
#include <stdio.h>
#include <string.h>

#include "addr.h"
#include "log.h"
#include "turn_int.h"

static const char *
transport_name(uint8_t tp)
{
	switch (tp) {
	case TP_UDP: return "udp";
	case TP_TCP: return "tcp";
	case TP_TLS: return "tls";
	default:     return "dtls";
	}
}

void
turn_log_alloc(const struct alloc *a, const char *event, uint32_t lifetime_s,
	       const char *key, const char *val)
{
	char client[ADDR_STRLEN], r0[ADDR_STRLEN], r1[ADDR_STRLEN];
	char life[16], sid[24];

	if (!log_enabled(LOG_LVL_INFO))
		return;
	addr_str(&a->ft.client.sa, client, sizeof(client));
	r0[0] = r1[0] = '\0';
	if (a->nrelay > 0)
		addr_str(&a->relay[0].sa, r0, sizeof(r0));
	if (a->nrelay > 1)
		addr_str(&a->relay[1].sa, r1, sizeof(r1));
	snprintf(life, sizeof(life), "%u", lifetime_s);
	snprintf(sid, sizeof(sid), "a%llu", (unsigned long long)a->id);
	log_event(LOG_LVL_INFO, event, "session", sid, "client", client, "user", a->user,
		  "transport", transport_name(a->ft.proto),
		  "relay", r0[0] ? r0 : NULL, "relay2", r1[0] ? r1 : NULL,
		  "lifetime", lifetime_s ? life : NULL, key, val, NULL);
}

/* The name a failed request claimed: USERNAME, cut to fit, printable
 * ASCII only ('?' for the rest, '"' and '\\' included: the client chose
 * it); "(userhash)" for USERHASH. */
static void
claimed_user(const struct stun_msg *m, char *out, size_t cap)
{
	const struct stun_attr *at = stun_find(m, STUN_A_USERNAME);
	const uint8_t *v;
	size_t n;

	if (at == NULL) {
		snprintf(out, cap, "%s", stun_find(m, STUN_A_USERHASH) ?
			 "(userhash)" : "-");
		return;
	}
	v = stun_attr_val(m, at);
	n = at->len < cap - 1 ? at->len : cap - 1;
	for (size_t i = 0; i < n; i++)
		out[i] = v[i] > 0x20 && v[i] < 0x7f && v[i] != '"' &&
			 v[i] != '\\' ? (char)v[i] : '?';
	out[n] = '\0';
}

void
turn_log_auth_flush(struct turn_server *s, uint64_t now_ms)
{
	char n[24];

	if (now_ms / 1000 == s->authlog.sec)
		return;
	if (s->authlog.dropped > 0) {
		snprintf(n, sizeof(n), "%llu",
			 (unsigned long long)s->authlog.dropped);
		log_event(LOG_LVL_INFO, "auth.failed.dropped", "count", n,
			  NULL);
	}
	s->authlog.sec = now_ms / 1000;
	s->authlog.n = 0;
	s->authlog.dropped = 0;
}

void
turn_log_auth_failed(struct turn_server *s, const struct turn_pkt *p,
		     const struct stun_msg *m)
{
	char user[129], client[ADDR_STRLEN];

	if (!log_enabled(LOG_LVL_INFO))
		return;
	turn_log_auth_flush(s, p->now_ms);
	if (s->authlog.n >= TURN_AUTH_LOG_PER_S) {
		s->authlog.dropped++;
		return;
	}
	s->authlog.n++;
	claimed_user(m, user, sizeof(user));
	addr_str(p->client, client, sizeof(client));
	log_event(LOG_LVL_INFO, "auth.failed", "user", user, "client", client,
		  "method", stun_method_name(m->method), NULL);
}
