/**
 * @file events.c  The allocation lifecycle in the log, one event each
 * (issue: operations §4): alloc.created, alloc.refreshed, alloc.deleted,
 * alloc.expired, alloc.denied; with a session id ("a" and a number, one
 * per allocation, so its lines can be followed), the client's address, the user, the
 * transport and the relayed address(es). Never per packet; never a
 * credential (the user name is not one).
 */
#include <stdio.h>

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
