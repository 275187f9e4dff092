/**
 * @file tcp_relay.c  RFC 6062 TCP relays: Connect (§4.3), ConnectionBind
 * (§4.4), ConnectionAttempt for peers connecting in (§5.3), and the
 * timeouts of §5: 30 s to connect, 30 s for the client to bind.
 *
 * The transport makes the TCP connections and pipes bytes; this file
 * only keeps track of which connection belongs to which allocation.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "turn_int.h"

#define TCP_CONNECT_MS (30 * 1000)
#define TCP_BIND_MS    (30 * 1000)
#define TCP_MAX_PEERS_PER_ALLOC 64

static struct tcp_peer *
find_id(struct turn_server *s, uint32_t id, struct tcp_peer ***pp_out)
{
	struct tcp_peer **pp = &s->tcp_peers;

	for (; *pp != NULL; pp = &(*pp)->next)
		if ((*pp)->id == id) {
			if (pp_out != NULL)
				*pp_out = pp;
			return *pp;
		}
	return NULL;
}

static unsigned
count_alloc(struct turn_server *s, const struct alloc *a,
	    const sockaddr_u *peer, bool *dup)
{
	unsigned n = 0;

	*dup = false;
	for (struct tcp_peer *t = s->tcp_peers; t != NULL; t = t->next) {
		if (t->a != a)
			continue;
		n++;
		if (peer != NULL && sau_eq(&t->peer, peer))
			*dup = true;
	}
	return n;
}

static struct tcp_peer *
tcp_peer_new(struct turn_server *s, struct alloc *a,
	     const struct sockaddr *peer, enum tcp_peer_state st,
	     uint64_t deadline)
{
	struct tcp_peer *t = calloc(1, sizeof(*t));

	if (t == NULL)
		return NULL;
	do {
		t->id = (uint32_t)turn_rand(s);
	} while (t->id == 0 || find_id(s, t->id, NULL) != NULL);
	t->state = st;
	t->a = a;
	sau_set(&t->peer, peer);
	t->expires_ms = deadline;
	t->next = s->tcp_peers;
	s->tcp_peers = t;
	return t;
}

/* Unlink and free; close the transport's connection unless told not to. */
static void
tcp_peer_drop(struct turn_server *s, struct tcp_peer **pp, bool close)
{
	struct tcp_peer *t = *pp;

	*pp = t->next;
	if (close && t->peer_conn != NULL && s->io->peer_close != NULL)
		s->io->peer_close(s->io->arg, t->peer_conn);
	free(t);
}

void
turn_tcp_drop_alloc(struct turn_server *s, const struct alloc *a)
{
	struct tcp_peer **pp = &s->tcp_peers;

	while (*pp != NULL) {
		if ((*pp)->a == a)
			tcp_peer_drop(s, pp, true);
		else
			pp = &(*pp)->next;
	}
}

/* The answer to a Connect, sent when the connection is made or failed. */
static void
answer_connect(struct turn_server *s, const struct tcp_peer *t, int code)
{
	uint8_t buf[256];
	struct stun_enc e;
	size_t len;

	stun_enc_begin(&e, buf, sizeof(buf), STUN_CONNECT,
		       code == 200 ? STUN_SUCCESS : STUN_ERROR, t->tid);
	if (code == 200)
		stun_enc_u32(&e, STUN_A_CONNECTION_ID, t->id);
	else
		stun_enc_error(&e, code, NULL);
	if (t->sha256)
		stun_enc_integrity_sha256(&e, t->key.key, t->key.len);
	else
		stun_enc_integrity(&e, t->key.key, t->key.len);
	if (t->fingerprint)
		stun_enc_fingerprint(&e);
	if (stun_enc_finish(&e, &len) == 0 &&
	    s->io->send(s->io->arg, t->ctl_conn, &t->a->ft.client.sa,
			&t->a->ft.server.sa, buf,
			len) == 0)
		turn_stats_count_resp(&s->stats, STUN_CONNECT, code);
}

static int
connect_checks(struct turn_server *s, struct alloc *a,
	       const struct stun_msg *m, struct sockaddr_storage *peer)
{
	const struct stun_attr *pa = stun_find(m, STUN_A_XOR_PEER_ADDRESS);
	sockaddr_u k;
	bool dup;
	int code;

	if (!a->tcp)
		return 400;
	if (pa == NULL)
		return 400;
	if ((code = turn_peer_addr(s, a, m, pa, false, peer)) != 0)
		return code;
	sau_set(&k, (struct sockaddr *)peer);
	if (count_alloc(s, a, &k, &dup) >= TCP_MAX_PEERS_PER_ALLOC)
		return 508;
	return dup ? 446 : 0;
}

void
turn_connect(struct turn_server *s, const struct turn_pkt *p,
	     const struct stun_msg *m)
{
	struct sockaddr_storage peer;
	struct auth_result ar;
	struct alloc *a;
	struct tcp_peer *t;
	int code;

	if (!turn_authenticate(s, p, m, &ar) ||
	    (a = turn_alloc_of(s, p, m, &ar)) == NULL)
		return;
	if ((code = connect_checks(s, a, m, &peer)) != 0) {
		turn_reply_error(s, p, m, code, &ar);
		return;
	}
	t = tcp_peer_new(s, a, (struct sockaddr *)&peer, TCPP_CONNECTING,
			 p->now_ms + TCP_CONNECT_MS);
	if (t == NULL) {
		turn_reply_error(s, p, m, 508, &ar);
		return;
	}
	memcpy(t->tid, m->tid, 16);
	t->ctl_conn = p->conn;
	t->key = ar.key;
	t->sha256 = ar.sha256;
	t->fingerprint = m->fp >= 0;
	perm_install(s->allocs, a, (struct sockaddr *)&peer, p->now_ms);
	if (s->io->peer_connect(s->io->arg, a->relay_handle[0],
				(struct sockaddr *)&peer, t->id) != 0) {
		answer_connect(s, t, 447);
		tcp_peer_drop(s, &s->tcp_peers, false);
	}
}

bool
turn_on_peer_connect(struct turn_server *s, uint32_t id, void *peer_conn,
		     uint64_t now_ms)
{
	struct tcp_peer **pp, *t = find_id(s, id, &pp);

	if (t == NULL || t->state != TCPP_CONNECTING)
		return false;
	if (peer_conn == NULL) {
		answer_connect(s, t, 447);
		tcp_peer_drop(s, pp, false);
		return false;
	}
	t->peer_conn = peer_conn;
	t->state = TCPP_PENDING;
	t->expires_ms = now_ms + TCP_BIND_MS;
	answer_connect(s, t, 200);
	return true;
}

uint32_t
turn_on_peer_accept(struct turn_server *s, struct alloc *a,
		    const struct sockaddr *peer, void *peer_conn,
		    uint64_t now_ms)
{
	uint8_t buf[128], tid[16] = { 0x21, 0x12, 0xA4, 0x42 };
	uint64_t r = turn_rand(s);
	struct stun_enc e;
	struct tcp_peer *t;
	bool dup;
	size_t len;

	/* §5.3: only peers the client gave a permission may connect in. */
	if (!perm_allows(a, peer, now_ms) ||
	    count_alloc(s, a, NULL, &dup) >= TCP_MAX_PEERS_PER_ALLOC)
		return 0;
	t = tcp_peer_new(s, a, peer, TCPP_PENDING, now_ms + TCP_BIND_MS);
	if (t == NULL)
		return 0;
	t->peer_conn = peer_conn;
	memcpy(tid + 4, &r, 8);
	stun_enc_begin(&e, buf, sizeof(buf), STUN_CONNECTION_ATTEMPT,
		       STUN_INDICATION, tid);
	stun_enc_addr(&e, STUN_A_XOR_PEER_ADDRESS, peer, true);
	stun_enc_u32(&e, STUN_A_CONNECTION_ID, t->id);
	if (stun_enc_finish(&e, &len) == 0)
		s->io->send(s->io->arg, a->conn, &a->ft.client.sa,
			    &a->ft.server.sa, buf, len);
	return t->id;
}

static int
bind_checks(struct turn_server *s, const struct turn_pkt *p,
	    const struct stun_msg *m, const struct auth_result *ar,
	    struct tcp_peer ***pp)
{
	const struct stun_attr *ca = stun_find(m, STUN_A_CONNECTION_ID);
	struct tcp_peer *t;
	uint32_t id;

	/* §5.4: only on a new TCP/TLS connection, not a control one. */
	if ((p->tp != TP_TCP && p->tp != TP_TLS) || turn_conn_has_alloc(s, p))
		return 400;
	if (ca == NULL || stun_attr_u32(m, ca, &id) != 0)
		return 400;
	t = find_id(s, id, pp);
	/* §5.2: an id not bound in 30 s is gone, even before the sweep. */
	if (t == NULL || t->state != TCPP_PENDING || t->expires_ms <= p->now_ms)
		return 400;
	if (strcmp(t->a->user, ar->user) != 0)
		return 441;
	return 0;
}

void
turn_connection_bind(struct turn_server *s, const struct turn_pkt *p,
		     const struct stun_msg *m)
{
	struct auth_result ar;
	struct turn_reply r;
	struct tcp_peer **pp;
	int code;

	if (!turn_authenticate(s, p, m, &ar))
		return;
	if ((code = bind_checks(s, p, m, &ar, &pp)) != 0) {
		turn_reply_error(s, p, m, code, &ar);
		return;
	}
	turn_reply_begin(&r, m, 200);
	r.auth = &ar;
	turn_reply_send(s, p, m, &r);
	/* From here the data connection carries raw bytes (§4.4). */
	if (s->io->pipe(s->io->arg, p->conn, (*pp)->peer_conn, (*pp)->id) != 0) {
		tcp_peer_drop(s, pp, true);
		return;
	}
	(*pp)->state = TCPP_PIPED;
}

void
turn_on_pipe_closed(struct turn_server *s, uint32_t id)
{
	struct tcp_peer **pp;

	if (find_id(s, id, &pp) != NULL)
		tcp_peer_drop(s, pp, false);
}

/* Deadlines of §5: connects that never finish, connections never bound. */
void
turn_tcp_tick(struct turn_server *s, uint64_t now_ms)
{
	struct tcp_peer **pp = &s->tcp_peers;

	while (*pp != NULL) {
		struct tcp_peer *t = *pp;
		if (t->state == TCPP_PIPED || t->expires_ms > now_ms) {
			pp = &t->next;
			continue;
		}
		if (t->state == TCPP_CONNECTING)
			answer_connect(s, t, 447);
		tcp_peer_drop(s, pp, true);
	}
}
