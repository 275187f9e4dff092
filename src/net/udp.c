/**
 * @file udp.c  UDP listener: datagrams in, replies out on the same socket.
 */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "addr.h"
#include "log.h"
#include "net.h"

#define UDP_BATCH 64          /* datagrams per wakeup: others get a turn */
#define UDP_MAX   65536

static void
udp_read_cb(evutil_socket_t fd, short what, void *arg)
{
	struct udp_listener *l = arg;
	static _Thread_local uint8_t buf[UDP_MAX]; /* scratch, not state */
	struct sockaddr_storage from;
	struct turn_pkt p = {
		.conn = l, .tp = TP_UDP,
		.client = (struct sockaddr *)&from,
		.local = (struct sockaddr *)&l->local,
	};

	(void)what;
	net_clock(&p.now_ms, &p.wall_s);
	for (int i = 0; i < UDP_BATCH; i++) {
		socklen_t fl = sizeof(from);
		ssize_t n = recvfrom(fd, buf, sizeof(buf), 0,
				     (struct sockaddr *)&from, &fl);
		if (n < 0)
			break;          /* EAGAIN, or an ICMP error: move on */
		turn_on_client(&l->srv->core, &p, buf, (size_t)n);
	}
}

int
udp_listener_new(struct server *srv, const struct sockaddr_storage *addr,
		 struct udp_listener **out)
{
	struct udp_listener *l;
	int err;

	l = calloc(1, sizeof(*l));
	if (l == NULL)
		return ENOMEM;
	l->hdr.kind = NET_UDP;
	l->srv = srv;
	l->local = *addr;
	err = sock_bind(addr, SOCK_DGRAM, &l->fd);
	if (err != 0) {
		free(l);
		return err;
	}
	l->ev = event_new(srv->base, l->fd, EV_READ | EV_PERSIST,
			  udp_read_cb, l);
	if (l->ev == NULL || event_add(l->ev, NULL) != 0) {
		udp_listener_free(l);
		return ENOMEM;
	}
	*out = l;
	return 0;
}

void
udp_listener_free(struct udp_listener *l)
{
	if (l == NULL)
		return;
	if (l->ev != NULL)
		event_free(l->ev);
	close(l->fd);
	free(l);
}

int
udp_send(struct udp_listener *l, const struct sockaddr *to,
	 const uint8_t *buf, size_t len)
{
	ssize_t n = sendto(l->fd, buf, len, 0, to, addr_len(to));

	return n == (ssize_t)len ? 0 : errno;
}
