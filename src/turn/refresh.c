/**
 * @file refresh.c  Refresh (RFC 8656 §7.3), CreatePermission (§9.2) and
 * ChannelBind (§12.2): the authenticated methods on an existing
 * allocation.
 */
#include <errno.h>
#include <string.h>

#include "log.h"
#include "turn_int.h"

void
turn_refresh(struct turn_server *s, const struct turn_pkt *p,
	     const struct stun_msg *m)
{
	struct auth_result ar;
	struct turn_reply r;
	const struct stun_attr *la;
	struct alloc *a;
	uint32_t want = s->conf->default_lifetime;

	if (!turn_authenticate(s, p, m, &ar) ||
	    (a = turn_alloc_of(s, p, m, &ar)) == NULL)
		return;
	la = stun_find(m, STUN_A_LIFETIME);
	if (la != NULL && stun_attr_u32(m, la, &want) != 0) {
		turn_reply_error(s, p, m, 400, &ar);
		return;
	}
	if (want > s->conf->max_lifetime)
		want = s->conf->max_lifetime;
	if (want == 0) {
		/* Deleted at once, whatever its state (§7.3). */
		turn_log_alloc(a, "alloc.deleted", 0, "reason", "refresh 0");
		turn_alloc_release(s, a);
		s->stats.allocs_deleted++;
	} else {
		alloc_refresh(a, want, p->now_ms);
		turn_log_alloc(a, "alloc.refreshed", want, NULL, NULL);
	}
	turn_reply_begin(&r, m, 200);
	r.auth = &ar;
	stun_enc_u32(&r.enc, STUN_A_LIFETIME, want);
	turn_reply_send(s, p, m, &r);
}

static void
reply_ok(struct turn_server *s, const struct turn_pkt *p,
	 const struct stun_msg *m, const struct auth_result *ar)
{
	struct turn_reply r;

	turn_reply_begin(&r, m, 200);
	r.auth = ar;
	turn_reply_send(s, p, m, &r);
}

#define MAX_PEERS_PER_REQUEST 16

/* How many of peers[0..n) need a new permission slot: IPs neither
 * installed (live or not yet swept) nor earlier in the request. */
static unsigned
new_perm_ips(const struct alloc *a, const struct sockaddr_storage *peers,
	     unsigned n)
{
	sockaddr_u k, o;
	unsigned want = 0;
	bool seen;

	for (unsigned i = 0; i < n; i++) {
		sau_set(&k, (const struct sockaddr *)&peers[i]);
		seen = false;
		for (unsigned j = 0; j < a->nperms && !seen; j++)
			seen = sau_ip_eq(&a->perms[j].peer, &k);
		for (unsigned j = 0; j < i && !seen; j++) {
			sau_set(&o, (const struct sockaddr *)&peers[j]);
			seen = sau_ip_eq(&o, &k);
		}
		want += !seen;
	}
	return want;
}

/* Every XOR-PEER-ADDRESS is checked before any permission is installed:
 * a refused request changes no state. */
void
turn_create_permission(struct turn_server *s, const struct turn_pkt *p,
		       const struct stun_msg *m)
{
	struct sockaddr_storage peers[MAX_PEERS_PER_REQUEST];
	struct auth_result ar;
	struct alloc *a;
	unsigned n = 0;
	int code = 0;

	if (!turn_authenticate(s, p, m, &ar) ||
	    (a = turn_alloc_of(s, p, m, &ar)) == NULL)
		return;
	for (unsigned i = 0; i < m->nattrs && code == 0; i++) {
		if (m->attrs[i].type != STUN_A_XOR_PEER_ADDRESS)
			continue;
		if (n == MAX_PEERS_PER_REQUEST)
			code = 508;
		else
			code = turn_peer_addr(s, a, m, &m->attrs[i], true,
					      &peers[n++]);
	}
	if (code == 0 && n == 0)
		code = 400;
	/* RFC 8656 §10.2: room for all, or a 508 that installs none. */
	if (code == 0 && a->nperms + new_perm_ips(a, peers, n) >
			 s->conf->max_permissions)
		code = 508;
	for (unsigned i = 0; code == 0 && i < n; i++)
		if (perm_install(s->allocs, a, (struct sockaddr *)&peers[i],
				 p->now_ms) != 0)
			code = 508;
	if (code != 0)
		turn_reply_error(s, p, m, code, &ar);
	else
		reply_ok(s, p, m, &ar);
}

/* §12: 0x4000-0x4FFF; RFC 5766's 0x5000-0x7FFF is still sent by real
 * clients (coturn's turnutils), so it is accepted too. */
static int
parse_channel(const struct stun_msg *m, uint16_t *num)
{
	const struct stun_attr *a = stun_find(m, STUN_A_CHANNEL_NUMBER);
	const uint8_t *v;

	if (a == NULL || a->len != 4)
		return 400;
	v = stun_attr_val(m, a);
	*num = (uint16_t)(v[0] << 8 | v[1]);
	if (*num < STUN_CHAN_MIN || *num > STUN_CHAN_MAX_OLD)
		return 400;
	return 0;
}

void
turn_channel_bind(struct turn_server *s, const struct turn_pkt *p,
		  const struct stun_msg *m)
{
	struct sockaddr_storage peer;
	struct auth_result ar;
	const struct stun_attr *pa;
	struct alloc *a;
	uint16_t num = 0;
	int code, err;

	if (!turn_authenticate(s, p, m, &ar) ||
	    (a = turn_alloc_of(s, p, m, &ar)) == NULL)
		return;
	pa = stun_find(m, STUN_A_XOR_PEER_ADDRESS);
	code = parse_channel(m, &num);
	if (code == 0)
		code = pa == NULL ? 400
				  : turn_peer_addr(s, a, m, pa, false, &peer);
	if (code == 0) {
		err = chan_bind(s->allocs, a, num, (struct sockaddr *)&peer,
				p->now_ms);
		code = err == 0 ? 0 : err == EBUSY ? 400 : 508;
	}
	if (code != 0)
		turn_reply_error(s, p, m, code, &ar);
	else
		reply_ok(s, p, m, &ar);
}
