/**
 * @file binding.c  The Binding method (RFC 8489 §3, §7.3).
 *
 * Unauthenticated by design. The answer is kept small (amplification):
 * XOR-MAPPED-ADDRESS only for RFC 5389+ clients, MAPPED-ADDRESS only for
 * RFC 3489 clients (no magic cookie, RFC 8489 §12), SOFTWARE only when
 * the admin configured one, FINGERPRINT only when the request had one.
 */
#include "turn_int.h"

void
turn_binding(struct turn_server *s, const struct turn_pkt *p,
	     const struct stun_msg *m)
{
	struct turn_reply r;

	turn_reply_begin(&r, m, 200);
	if (m->classic)
		stun_enc_addr(&r.enc, STUN_A_MAPPED_ADDRESS, p->client, false);
	else
		stun_enc_addr(&r.enc, STUN_A_XOR_MAPPED_ADDRESS, p->client,
			      true);
	turn_reply_send(s, p, m, &r);
}
