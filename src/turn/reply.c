/**
 * @file reply.c  Building and sending STUN replies.
 */
#include "addr.h"
#include "log.h"
#include "turn_int.h"

const uint16_t turn_stats_codes[TURN_STATS_CODES] = {
	200, 300, 400, 401, 403, 405, 420, 437, 438, 440, 441, 442, 443,
	446, 447, 486, 487, 500, 508, 0,
};

void
turn_stats_count_resp(struct turn_stats *st, uint16_t method, int code)
{
	unsigned mi = method < TURN_STATS_METHODS ? method : 0;
	unsigned ci = TURN_STATS_CODES - 1;

	if (code < 200 || code >= 700)
		return;
	st->resp[code]++;
	for (unsigned i = 0; i + 1 < TURN_STATS_CODES; i++)
		if (turn_stats_codes[i] == code)
			ci = i;
	st->resp_by[mi][ci]++;
}

void
turn_reply_begin(struct turn_reply *r, const struct stun_msg *m, int code)
{
	uint8_t cls = code == 200 ? STUN_SUCCESS : STUN_ERROR;

	r->code = code;
	r->auth = NULL;
	stun_enc_begin(&r->enc, r->buf, sizeof(r->buf), m->method, cls,
		       m->tid);
	if (code != 200)
		stun_enc_error(&r->enc, code, NULL);
}

void
turn_reply_send(struct turn_server *s, const struct turn_pkt *p,
		const struct stun_msg *m, struct turn_reply *r)
{
	const char *sw = s->conf->software;
	size_t len;

	if (sw != NULL && *sw != '\0')
		stun_enc_str(&r->enc, STUN_A_SOFTWARE, sw);
	/* RFC 8489 §9.2.4: answers to authenticated requests carry the
	 * same kind of integrity the request used. */
	if (r->auth != NULL && r->auth->sha256)
		stun_enc_integrity_sha256(&r->enc, r->auth->key.key,
					  r->auth->key.len);
	else if (r->auth != NULL)
		stun_enc_integrity(&r->enc, r->auth->key.key,
				   r->auth->key.len);
	/* RFC 8489 §7.3.1: a FINGERPRINT in the request earns one in the
	 * response, so multiplexing clients can tell it apart. */
	if (m->fp >= 0 && !m->classic)
		stun_enc_fingerprint(&r->enc);
	if (stun_enc_finish(&r->enc, &len) != 0) {
		s->stats.send_errors++;
		return;
	}
	if (s->io->send(s->io->arg, p->conn, p->client, p->local, r->buf, len) != 0) {
		s->stats.send_errors++;
		return;
	}
	s->stats.bytes_out += len;
	turn_stats_count_resp(&s->stats, m->method, r->code);
}

void
turn_reply_error(struct turn_server *s, const struct turn_pkt *p,
		 const struct stun_msg *m, int code,
		 const struct auth_result *ar)
{
	struct turn_reply r;
	char a[ADDR_STRLEN];

	/* rate-limit: unsigned error answers go to a source nobody has
	 * verified; over UDP it may be spoofed, and each answer a
	 * reflection (RFC 8489 §16.1.1 style amplification). Over the
	 * limit, drop: a real client retransmits. */
	if (ar == NULL && (p->tp == TP_UDP || p->tp == TP_DTLS) &&
	    !turn_sh_rl_take(s->sh, RL_ERROR, p->client, p->now_ms)) {
		s->stats.rl_answers_dropped++;
		log_debug("%s from %s: %d not sent (rate-limit)",
			  stun_method_name(m->method),
			  addr_str(p->client, a, sizeof(a)), code);
		return;
	}
	/* 401 is the normal first round trip: not worth a line. */
	if (code != 401)
		log_debug("%s from %s: %d", stun_method_name(m->method),
			  addr_str(p->client, a, sizeof(a)), code);
	turn_reply_begin(&r, m, code);
	r.auth = ar;
	if (code == 420)
		stun_enc_unknown(&r.enc, m->unknown, m->nunknown);
	if ((code == 401 || code == 438) && s->auth != NULL)
		auth_challenge(s->auth, &r.enc, p->client, p->wall_s);
	turn_reply_send(s, p, m, &r);
}
