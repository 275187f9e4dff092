/**
 * @file dtls_int.h  Private to dtls.c and dtls_sess.c: the DTLS listener
 * and its sessions (one SSL with memory BIOs per client address).
 */
#ifndef TURNPIKE_NET_DTLS_INT_H
#define TURNPIKE_NET_DTLS_INT_H

#include "tls.h"

#define DTLS_MAX_SESS  4096     /* sessions per listener */
#define DTLS_BUCKETS   1024
#define DTLS_MTU       1200     /* handshake fragments, without headers */
#define DTLS_DGRAM_MAX 1400     /* records packed per datagram */
#define DTLS_IDLE_MS   (300 * 1000)
#define DTLS_HS_MS     (30 * 1000)   /* a handshake must finish by then */
/* Handshakes in progress from one source (an IPv4 address, an IPv6 /64):
 * a real client runs one per socket, a browser a few at once. Sessions
 * per source are capped by max-conns-per-ip. */
#define DTLS_HS_PER_SRC 16

struct dtls_sess {
	struct net_conn hdr;              /* NET_DTLS: the core's handle */
	SSL *ssl;
	struct sockaddr_storage client, local;
	struct dtls_listener *l;
	uint64_t start_ms, last_ms;       /* created, last datagram in */
	bool up;                          /* handshake done */
	struct dtls_sess *next;           /* hash chain */
	TAILQ_ENTRY(dtls_sess) link;
};
TAILQ_HEAD(dtls_sess_list, dtls_sess);

struct dtls_listener {
	int fd;
	struct event *ev, *sweep;
	struct sockaddr_storage local;
	struct server *srv;
	struct dtls_sess *bucket[DTLS_BUCKETS];
	struct dtls_sess_list all;
	size_t nsess;
	uint64_t cookie_sent;             /* HelloVerifyRequests, no state */
	uint64_t refused;                 /* over a per-source cap */
};

struct dtls_sess *dtls_sess_find(struct dtls_listener *l,
				 const struct sockaddr *from);
/** false: the table is full. */
bool dtls_sess_add(struct dtls_listener *l, struct dtls_sess *s);
/** Why a new session from `from` is refused (a per-source cap reached),
 *  or NULL: it may have one. */
const char *dtls_sess_admit(const struct dtls_listener *l,
			    const struct sockaddr *from);
void dtls_sess_remove(struct dtls_listener *l, struct dtls_sess *s);
/** Send what ssl wrote to its memory BIO to `to`. 0 or errno. */
int dtls_flush(int fd, SSL *ssl, const struct sockaddr *to);

#endif
