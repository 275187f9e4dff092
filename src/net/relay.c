/**
 * @file relay.c  Relay sockets: one UDP socket per relayed transport
 * address, bound where the core asks, read into a buffer with headroom
 * so the core builds ChannelData or a Data indication in place.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "addr.h"
#include "net.h"

/* recvmmsg calls per wakeup (NET_BATCH datagrams each, 64 in all):
 * there are thousands of relay sockets. */
#define RELAY_CALLS 2

struct relay_sock {
	enum net_kind kind;               /* NET_UDP_RELAY */
	int fd;
	struct event *ev;
	struct alloc *owner;
	struct worker *w;                 /* whose core and loop */
};

/* One peer datagram of a read batch: the core wraps it in place, and
 * what it sends the client waits in the listener's queue. */
static void
relay_on_dgram(void *arg, const struct net_dgram *d, uint64_t now_ms,
	       int64_t wall_s)
{
	struct relay_sock *r = arg;

	(void)wall_s;
	turn_on_peer(r->w->core, r->owner, d->from, d->data, d->len,
		     now_ms);
}

static void
relay_read_cb(evutil_socket_t fd, short what, void *arg)
{
	struct relay_sock *r = arg;

	(void)what;
	net_batch_read(r->w, fd, RELAY_CALLS, false, relay_on_dgram, r);
}

/* A datagram sendmmsg refused, counted as a refused sendto was. */
static void
relay_tx_error(void *arg, int err)
{
	struct relay_sock *r = arg;

	(void)err;
	r->owner->send_errors++;
	r->w->core->stats.relay_send_errors++;
}

int
relay_open(void *arg, const struct sockaddr *addr, struct alloc *owner,
	   void **handle)
{
	struct worker *w = arg;
	struct sockaddr_storage ss = { 0 };
	struct relay_sock *r;
	int err;

	r = calloc(1, sizeof(*r));
	if (r == NULL)
		return ENOMEM;
	if (net_batch_ref(w) != 0) {
		free(r);
		return ENOMEM;
	}
	memcpy(&ss, addr, addr_len(addr));
	err = sock_bind(&ss, SOCK_DGRAM, &r->fd);
	if (err != 0) {
		net_batch_unref(w);
		free(r);
		return err;
	}
	r->kind = NET_UDP_RELAY;
	r->owner = owner;
	r->w = w;
	r->ev = event_new(w->base, r->fd, EV_READ | EV_PERSIST,
			  relay_read_cb, r);
	if (r->ev == NULL || event_add(r->ev, NULL) != 0) {
		relay_close(w, r);
		return ENOMEM;
	}
	*handle = r;
	return 0;
}

int
relay_send(void *arg, void *handle, const struct sockaddr *peer,
	   const uint8_t *buf, size_t len)
{
	struct relay_sock *r = handle;
	struct net_txq *q;

	(void)arg;
	if (!net_batch_open(r->w))
		return sendto(r->fd, buf, len, 0, peer, addr_len(peer)) ==
		       (ssize_t)len ? 0 : errno;
	/* During a read batch: consecutive datagrams through one relay
	 * socket leave together (sendmmsg is per socket); a failure then is
	 * counted by relay_tx_error. */
	q = net_batch_relay_txq(r->w);
	net_txq_bind(q, r->fd, relay_tx_error, r);
	return net_txq_add(q, peer, NULL, buf, len);
}

void
relay_close(void *arg, void *handle)
{
	struct relay_sock *r = handle;
	struct net_txq *q;

	(void)arg;
	if (r == NULL)
		return;
	if (r->kind == NET_TCP_RELAY) {
		tcp_relay_close(handle);
		return;
	}
	q = net_batch_relay_txq(r->w);
	if (net_txq_bound(q, r))          /* what it queued leaves first */
		net_txq_bind(q, -1, NULL, NULL);
	if (r->ev != NULL)
		event_free(r->ev);
	close(r->fd);
	net_batch_unref(r->w);
	free(r);
}
