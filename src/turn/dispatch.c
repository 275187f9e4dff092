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

static void
on_request(struct turn_server *s, const struct turn_pkt *p,
	   const struct stun_msg *m)
{
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
