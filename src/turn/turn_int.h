/* Private to src/turn: helpers shared by the request handlers. */
#ifndef TURNPIKE_TURN_INT_H
#define TURNPIKE_TURN_INT_H

#include "stun.h"
#include "turn.h"

#define TURN_REPLY_MAX 1500   /* largest reply the core builds */

/* A reply under construction for request m. */
struct turn_reply {
	struct stun_enc enc;
	uint8_t buf[TURN_REPLY_MAX];
	int code;                     /* 200 for success, else the error */
};

void turn_reply_begin(struct turn_reply *r, const struct stun_msg *m,
		      int code);
/* Finish (SOFTWARE, FINGERPRINT if the request had one) and send it. */
void turn_reply_send(struct turn_server *s, const struct turn_pkt *p,
		     const struct stun_msg *m, struct turn_reply *r);
/* An error reply with no attributes but ERROR-CODE (and UNKNOWN-ATTRIBUTES
 * for 420). */
void turn_reply_error(struct turn_server *s, const struct turn_pkt *p,
		      const struct stun_msg *m, int code);

void turn_binding(struct turn_server *s, const struct turn_pkt *p,
		  const struct stun_msg *m);

#endif
