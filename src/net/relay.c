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

#define RELAY_BATCH 64

struct relay_sock {
	enum net_kind kind;               /* NET_UDP_RELAY */
	int fd;
	struct event *ev;
	struct alloc *owner;
	struct worker *w;                 /* whose core and loop */
};

static void
relay_read_cb(evutil_socket_t fd, short what, void *arg)
{
	static _Thread_local uint8_t buf[TURN_PEER_HEADROOM + 65536 +
					 TURN_PEER_TAILROOM];
	struct relay_sock *r = arg;
	struct sockaddr_storage from;
	uint64_t now_ms;
	int64_t wall_s;

	(void)what;
	net_clock(&now_ms, &wall_s);
	for (int i = 0; i < RELAY_BATCH; i++) {
		socklen_t fl = sizeof(from);
		ssize_t n = recvfrom(fd, buf + TURN_PEER_HEADROOM, 65536, 0,
				     (struct sockaddr *)&from, &fl);
		if (n < 0)
			break;
		turn_on_peer(r->w->core, r->owner, (struct sockaddr *)&from,
			     buf + TURN_PEER_HEADROOM, (size_t)n, now_ms);
	}
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
	memcpy(&ss, addr, addr_len(addr));
	err = sock_bind(&ss, SOCK_DGRAM, &r->fd);
	if (err != 0) {
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

	(void)arg;
	return sendto(r->fd, buf, len, 0, peer, addr_len(peer)) ==
	       (ssize_t)len ? 0 : errno;
}

void
relay_close(void *arg, void *handle)
{
	struct relay_sock *r = handle;

	(void)arg;
	if (r == NULL)
		return;
	if (r->kind == NET_TCP_RELAY) {
		tcp_relay_close(handle);
		return;
	}
	if (r->ev != NULL)
		event_free(r->ev);
	close(r->fd);
	free(r);
}
