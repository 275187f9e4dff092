/* Private to src/sig: the structures of the signaling core.
 *
 * Invariants: a session is in a room iff it has a connection; a session
 * without one is in its grace period (expires_ms) and can be resumed with
 * its token. A connection has at most one session. */
#ifndef TURNPIKE_SIG_INT_H
#define TURNPIKE_SIG_INT_H

#include <sys/queue.h>

#include "addr.h"
#include "sig.h"

#define SIG_IP_SLOTS  1024   /* source IPs tracked for the join limit */
#define SIG_STRIKES   50     /* rate-limited messages in a row: closed */
#define SIG_CAP_MAX   64     /* room-capacity upper bound */

/* A token bucket in thousandths of a token. */
struct bucket {
	uint64_t milli;
	uint64_t at_ms;
};

struct sig_room;

struct sig_session {
	char id[SIG_ID_LEN + 1];
	char token[SIG_TOKEN_MAX + 1];
	char name[SIG_NAME_MAX + 1];
	char room[SIG_ROOM_MAX + 1];
	bool audio, video;
	struct sig_conn *conn;        /* NULL: in grace */
	struct sig_room *r;           /* set iff conn is */
	uint64_t expires_ms;          /* end of grace */
	TAILQ_ENTRY(sig_session) link;
};
TAILQ_HEAD(sig_session_list, sig_session);

struct sig_conn {
	void *conn;                   /* the transport's handle */
	char ip[SIG_IP_MAX];
	char host[SIG_HOST_MAX];
	struct sig_session *sess;
	uint64_t last_ms;             /* last message */
	struct bucket rate;
	unsigned strikes;
	TAILQ_ENTRY(sig_conn) link;
};
TAILQ_HEAD(sig_conn_list, sig_conn);

struct sig_room {
	char name[SIG_ROOM_MAX + 1];
	bool has_pw;
	uint8_t pw[32];               /* SHA-256 of the password */
	struct sig_session *peers[SIG_CAP_MAX];
	size_t npeers;
	json_t *history;              /* array of chat messages */
	TAILQ_ENTRY(sig_room) link;
};
TAILQ_HEAD(sig_room_list, sig_room);

struct ip_slot {
	uint8_t key[ADDR_KEY_LEN];    /* addr_src_key: IPv6 by its /64 */
	bool used;
	struct bucket b;
	uint64_t used_ms;
};

struct sig {
	struct sig_limits lim;
	struct sig_ice ice;
	struct sig_port port;
	struct sig_conn_list conns;
	struct sig_session_list sessions;
	struct sig_room_list rooms;
	size_t nconns, nrooms, nsessions;
	uint64_t msgs_in, msgs_out;   /* text messages, for the metrics */
	struct ip_slot *ips;          /* SIG_IP_SLOTS */
};

/* core.c: output */
void sig_send_json(struct sig *s, struct sig_conn *c, json_t *msg);
void sig_error(struct sig *s, struct sig_conn *c, const char *code,
	       const char *re, const char *message);
char *sig_dump(json_t *msg, size_t *len);
void sig_drop(struct sig *s, struct sig_conn *c, int code);
uint64_t sig_now(struct sig *s);
int64_t sig_wall_ms(struct sig *s);

/* room.c */
struct sig_room *room_find(struct sig *s, const char *name);
struct sig_room *room_create(struct sig *s, const char *name,
			     const char *password);
bool room_password_ok(const struct sig_room *r, const char *password);
void room_free_all(struct sig *s);
void room_add(struct sig *s, struct sig_room *r, struct sig_session *p);
void room_remove(struct sig *s, struct sig_session *p);
struct sig_session *room_peer(const struct sig_room *r, const char *id);
void room_broadcast(struct sig *s, struct sig_room *r, json_t *msg,
		    const struct sig_session *except);
void room_chat_keep(struct sig *s, struct sig_room *r, json_t *chat);
json_t *peer_json(const struct sig_session *p);

/* session.c */
struct sig_session *session_new(struct sig *s);
struct sig_session *session_by_token(struct sig *s, const char *token);
struct sig_session *session_by_id(struct sig *s, const char *id);
struct sig_session *session_new_id(struct sig *s, const char *id);
/* resume.c */
bool resume_signing(const struct sig *s);
void resume_sign(struct sig *s, struct sig_session *p);
bool resume_check(struct sig *s, const char *token, const char *room,
		  char id[SIG_ID_LEN + 1]);
void session_free(struct sig *s, struct sig_session *p);
void session_detach(struct sig *s, struct sig_session *p);

/* limit.c */
void bucket_init(struct bucket *b, uint64_t now_ms, uint64_t burst);
bool bucket_take(struct bucket *b, uint64_t now_ms, uint64_t n,
		 uint64_t period_ms, uint64_t burst);
bool sig_join_allowed(struct sig *s, const char *ip);

/* proto.c */
void sig_dispatch(struct sig *s, struct sig_conn *c, json_t *msg);
bool sig_name_ok(const char *name);
bool sig_room_name_ok(const char *room);

#endif
