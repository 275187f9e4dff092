/**
 * @file dispatch.c  Entry point of the protocol core: demultiplex,
 * decode, apply the generic STUN checks, route to a method handler.
 */
#include <errno.h>
#include <string.h>

#include "turn_int.h"

/* RFC 8489 §6.3: checks every request and indication must pass. Returns
 * false if the message was dropped or already answered. */
static bool
generic_checks(struct turn_server *s, const struct turn_pkt *p,
	       const struct stun_msg *m)
{
	if (m->fp >= 0 && stun_check_fingerprint(m) != 0) {
		s->stats.bad_fingerprint++;
		return false;
	}
	if (m->cls == STUN_SUCCESS || m->cls == STUN_ERROR) {
		s->stats.ignored++;     /* a server sends no requests */
		return false;
	}
	if (m->nunknown > 0) {
		/* §6.3.1: 420 for requests; indications are just dropped. */
		if (m->cls == STUN_REQUEST)
			turn_reply_error(s, p, m, 420, NULL);
		else
			s->stats.ignored++;
		return false;
	}
	return true;
}

/*
 * Requests without credentials that can never succeed get the short
 * answer they would get after authenticating, not a 401 challenge
 * (96 bytes with a 12-character realm: 4.8x a 20-byte request, a
 * reflection factor for spoofed sources). Nothing is looked up but the
 * 5-tuple; nothing is stored. Signed requests take the RFC 8489 §9.2.4
 * order (authenticate first), so an answer to a signed request is
 * always signed.
 *  - Allocate without a well-formed REQUESTED-TRANSPORT: 400
 *    (RFC 8656 §7.2 step 3);
 *  - requests that need an allocation, on a 5-tuple without one: 437
 *    (RFC 8656 §7.3, §9.2, §11.2; RFC 6062 §5.2);
 *  - ConnectionBind over UDP or DTLS: 400, it is only meaningful on a
 *    new TCP/TLS data connection (RFC 6062 §5.4).
 * Returns false if m was answered.
 */
static bool
unsigned_checks(struct turn_server *s, const struct turn_pkt *p,
		const struct stun_msg *m)
{
	const struct stun_attr *rt;
	struct five_tuple ft;
	struct alloc *a;

	if (m->mi >= 0 || m->mi256 >= 0)
		return true;
	switch (m->method) {
	case STUN_ALLOCATE:
		rt = stun_find(m, STUN_A_REQUESTED_TRANSPORT);
		if (rt != NULL && rt->len == 4)
			return true;
		turn_reply_error(s, p, m, 400, NULL);
		return false;
	case STUN_REFRESH:
	case STUN_CREATE_PERMISSION:
	case STUN_CHANNEL_BIND:
	case STUN_CONNECT:
		turn_ft_of(p, &ft);
		a = alloc_find(s->allocs, &ft);
		if (a != NULL && a->expires_ms > p->now_ms)
			return true;
		turn_reply_error(s, p, m, 437, NULL);
		return false;
	case STUN_CONNECTION_BIND:
		if (p->tp == TP_TCP || p->tp == TP_TLS)
			return true;
		turn_reply_error(s, p, m, 400, NULL);
		return false;
	default:
		return true;
	}
}

static void
on_request(struct turn_server *s, const struct turn_pkt *p,
	   const struct stun_msg *m)
{
	if (!unsigned_checks(s, p, m))
		return;
	switch (m->method) {
	case STUN_BINDING:
		turn_binding(s, p, m);
		break;
	case STUN_ALLOCATE:
		turn_allocate(s, p, m);
		break;
	case STUN_REFRESH:
		turn_refresh(s, p, m);
		break;
	case STUN_CREATE_PERMISSION:
		turn_create_permission(s, p, m);
		break;
	case STUN_CHANNEL_BIND:
		turn_channel_bind(s, p, m);
		break;
	case STUN_CONNECT:
		turn_connect(s, p, m);
		break;
	case STUN_CONNECTION_BIND:
		turn_connection_bind(s, p, m);
		break;
	default:
		turn_reply_error(s, p, m, 400, NULL);
		break;
	}
}

static void
on_stun(struct turn_server *s, const struct turn_pkt *p,
	const uint8_t *buf, size_t len)
{
	struct stun_msg m;

	if (stun_decode(&m, buf, len) != 0) {
		s->stats.malformed++;
		return;
	}
	if (!generic_checks(s, p, &m))
		return;
	/* RFC 3489 clients only ever spoke Binding. */
	if (m.classic && m.method != STUN_BINDING) {
		s->stats.malformed++;
		return;
	}
	if (m.cls == STUN_REQUEST)
		on_request(s, p, &m);
	else if (m.method == STUN_SEND)
		turn_send_indication(s, p, &m);
	else
		s->stats.ignored++;     /* Binding indication: keepalive */
}

void
turn_on_client(struct turn_server *s, const struct turn_pkt *p,
	       const uint8_t *buf, size_t len)
{
	s->stats.rx_msgs++;
	s->stats.bytes_in += len;
	if (len >= 4 && (buf[0] & 0xC0) == 0x40) {
		turn_on_chandata(s, p, buf, len);
		return;
	}
	if (len < 4 || (buf[0] & 0xC0) != 0) {
		s->stats.malformed++;
		return;
	}
	on_stun(s, p, buf, len);
}
