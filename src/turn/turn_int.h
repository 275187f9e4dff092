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
	const struct auth_result *auth; /* sign with this key, if set */
};

void turn_reply_begin(struct turn_reply *r, const struct stun_msg *m,
		      int code);
/* Finish (SOFTWARE, MESSAGE-INTEGRITY if authenticated, FINGERPRINT if
 * the request had one) and send it. */
void turn_reply_send(struct turn_server *s, const struct turn_pkt *p,
		     const struct stun_msg *m, struct turn_reply *r);
/* An error reply: ERROR-CODE (and UNKNOWN-ATTRIBUTES for 420; REALM and
 * NONCE for 401/438), signed when ar is set. */
void turn_reply_error(struct turn_server *s, const struct turn_pkt *p,
		      const struct stun_msg *m, int code,
		      const struct auth_result *ar);

void turn_binding(struct turn_server *s, const struct turn_pkt *p,
		  const struct stun_msg *m);
void turn_allocate(struct turn_server *s, const struct turn_pkt *p,
		   const struct stun_msg *m);
void turn_refresh(struct turn_server *s, const struct turn_pkt *p,
		  const struct stun_msg *m);
void turn_create_permission(struct turn_server *s, const struct turn_pkt *p,
			    const struct stun_msg *m);
void turn_channel_bind(struct turn_server *s, const struct turn_pkt *p,
		       const struct stun_msg *m);
void turn_send_indication(struct turn_server *s, const struct turn_pkt *p,
			  const struct stun_msg *m);
void turn_on_chandata(struct turn_server *s, const struct turn_pkt *p,
		      const uint8_t *buf, size_t len);

/* tcp_relay.c: RFC 6062 */
void turn_connect(struct turn_server *s, const struct turn_pkt *p,
		  const struct stun_msg *m);
void turn_connection_bind(struct turn_server *s, const struct turn_pkt *p,
			  const struct stun_msg *m);
void turn_tcp_drop_alloc(struct turn_server *s, const struct alloc *a);
void turn_tcp_tick(struct turn_server *s, uint64_t now_ms);

/* core.c */
void turn_ft_of(const struct turn_pkt *p, struct five_tuple *ft);
/* Authenticate m; on failure answer it (401/438/400) and return false. */
bool turn_authenticate(struct turn_server *s, const struct turn_pkt *p,
		       const struct stun_msg *m, struct auth_result *ar);
/* The allocation of p's 5-tuple owned by ar's user; answers 437/441 and
 * returns NULL otherwise. */
struct alloc *turn_alloc_of(struct turn_server *s, const struct turn_pkt *p,
			    const struct stun_msg *m,
			    const struct auth_result *ar);
/* Close the relays, release the ports, free the allocation. */
void turn_alloc_release(struct turn_server *s, struct alloc *a);
/* events.c: one lifecycle line (lifetime 0: not shown; key may be NULL) */
void turn_log_alloc(const struct alloc *a, const char *event,
		    uint32_t lifetime_s, const char *key, const char *val);
/* events.c: a failed authentication (401 after a valid nonce), at info:
 * the claimed user and the source; at most TURN_AUTH_LOG_PER_S lines a
 * second per core, the rest counted in auth.failed.dropped. */
void turn_log_auth_failed(struct turn_server *s, const struct turn_pkt *p,
			  const struct stun_msg *m);
/* The auth.failed.dropped line of a past second, if any (from tick). */
void turn_log_auth_flush(struct turn_server *s, uint64_t now_ms);
uint64_t turn_rand(struct turn_server *s);
/* xorshift64: the generator behind turn_rand and the token values. */
static inline uint64_t
turn_xorshift(uint64_t *state)
{
	uint64_t x = *state;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *state = x;
}
int turn_family_index(int family);
/* A host address of family to relay on behind a wildcard listener of
 * that family: loopback for a loopback client, else the first other
 * interface address. false: no such listener or address. */
bool turn_host_ip(const struct turn_server *s, int family,
		  const struct sockaddr *client, sockaddr_u *out);
/* The address to advertise for a bound relay address (external-ip). */
void turn_advertised(const struct turn_server *s, const sockaddr_u *bound,
		     struct sockaddr_storage *out);

/* peer.c */
/* Decode and judge XOR-PEER-ADDRESS a of m for allocation al: 0 and
 * *peer, or the STUN error code (400 malformed, 443 family, 403).
 * any_port: an IP-only permission (CreatePermission, RFC 8656 §10.1:
 * the port "can be any arbitrary value"), port 0 included. */
int turn_peer_addr(struct turn_server *s, struct alloc *al,
		   const struct stun_msg *m, const struct stun_attr *a,
		   bool any_port, struct sockaddr_storage *peer);
/* Send data from allocation a's relay to peer: inside the server when
 * peer is another allocation's relayed address, else by relay_send. */
void turn_relay_out(struct turn_server *s, struct alloc *a,
		    const struct sockaddr *peer, const uint8_t *data,
		    size_t len, uint64_t now_ms);

/* shared.c: each call takes the shared mutex. */
int turn_sh_port_take(struct turn_shared *sh, int family, uint32_t hint,
		      bool even, bool reserve, uint16_t *port);
void turn_sh_port_release(struct turn_shared *sh, int family, uint16_t port);
bool turn_sh_port_in_use(struct turn_shared *sh, int family, uint16_t port);
/* A live token: 0, its family and port (still held, now the caller's),
 * and the token is gone; else ENOENT. */
int turn_sh_token_redeem(struct turn_shared *sh, uint64_t token,
			 uint64_t now_ms, int *family, uint16_t *port);
/* Hold port (already taken) under a new token; 0 when the table is full. */
uint64_t turn_sh_token_make(struct turn_shared *sh, int family, uint16_t port,
			    uint64_t expires_ms);
void turn_sh_tick(struct turn_shared *sh, uint64_t now_ms);
void turn_sh_bound_set(struct turn_shared *sh, const struct sockaddr *a,
		       bool on);
/* Whether a is a relayed address bound by any worker (no lock). */
bool turn_sh_bound(struct turn_shared *sh, const struct sockaddr *a);
/* The host's own addresses (the policy points into sh). */
const struct cidr *turn_sh_host(const struct turn_shared *sh, size_t *n);
/* Whether a relay was ever bound on a's IP (relay-only IP permissions). */
bool turn_sh_relay_ip(struct turn_shared *sh, const struct sockaddr *a);
/* The relayed address bound on port by any worker (no lock). */
bool turn_sh_bound_at(struct turn_shared *sh, int family, uint16_t port,
		      sockaddr_u *out);
uint64_t turn_sh_next_id(struct turn_shared *sh);
bool turn_sh_rl_take(struct turn_shared *sh, enum rl_kind k,
		     const struct sockaddr *src, uint64_t now_ms);
bool turn_sh_rl_over(struct turn_shared *sh, enum rl_kind k,
		     const struct sockaddr *src, uint64_t now_ms);
/* 0, EDQUOT (486), ENOSPC (508) or ENOMEM; counted until _put. */
/* A new allocation of user; src non-NULL for a scoped (relay-only)
 * credential, counted by source too. 0, EDQUOT (486) or ENOSPC (508). */
int turn_sh_quota_take(struct turn_shared *sh, const char *user,
		       const struct sockaddr *src);
void turn_sh_quota_put(struct turn_shared *sh, const char *user,
		       const struct sockaddr *src);
unsigned turn_sh_quota_user(struct turn_shared *sh, const char *user);

/* quota.c: the counts behind turn_sh_quota_* (no lock of its own). */
struct quota;
int quota_new(struct quota **out);
void quota_free(struct quota *q);
void quota_set_limits(struct quota *q, unsigned user_max, unsigned total_max);
int quota_take(struct quota *q, const char *user);
void quota_put(struct quota *q, const char *user);
unsigned quota_user(const struct quota *q, const char *user);
void quota_limits_of(const struct conf *c, unsigned out[4]);
#define QUOTA_SRC_MAX 64
void quota_src_key(const struct sockaddr *sa, char *out, size_t cap);

#endif
