/**
 * @file udp.c  UDP listener: datagrams in, replies out on the same socket.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "addr.h"
#include "log.h"
#include "net.h"

/* recvmmsg calls per wakeup (NET_BATCH datagrams each, 128 in all):
 * one socket takes every client, but the relay sockets get a turn. */
#define UDP_CALLS 4

/* On a wildcard listener, the address a datagram was sent to (from
 * IP_PKTINFO / IPV6_PKTINFO): the server half of the 5-tuple, and the IP
 * a relay is bound on. */
void
udp_dest_addr(const struct sockaddr_storage *bound, struct msghdr *mh,
	      struct sockaddr_storage *local)
{
	*local = *bound;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c != NULL;
	     c = CMSG_NXTHDR(mh, c)) {
		if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
			struct in_pktinfo pi;
			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			((struct sockaddr_in *)local)->sin_addr = pi.ipi_addr;
		} else if (c->cmsg_level == IPPROTO_IPV6 &&
			   c->cmsg_type == IPV6_PKTINFO) {
			struct in6_pktinfo pi;
			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			((struct sockaddr_in6 *)local)->sin6_addr = pi.ipi6_addr;
		}
	}
}

/* The source address of a reply, as ancillary data. */
void
udp_src_cmsg(struct msghdr *mh, void *buf, size_t cap,
	     const struct sockaddr *from)
{
	struct cmsghdr *c;

	memset(buf, 0, cap);
	mh->msg_control = buf;
	if (from->sa_family == AF_INET) {
		struct in_pktinfo pi = { .ipi_spec_dst =
			((const struct sockaddr_in *)from)->sin_addr };
		mh->msg_controllen = CMSG_SPACE(sizeof(pi));
		c = CMSG_FIRSTHDR(mh);
		c->cmsg_level = IPPROTO_IP;
		c->cmsg_type = IP_PKTINFO;
		c->cmsg_len = CMSG_LEN(sizeof(pi));
		memcpy(CMSG_DATA(c), &pi, sizeof(pi));
	} else {
		struct in6_pktinfo pi = { .ipi6_addr =
			((const struct sockaddr_in6 *)from)->sin6_addr };
		mh->msg_controllen = CMSG_SPACE(sizeof(pi));
		c = CMSG_FIRSTHDR(mh);
		c->cmsg_level = IPPROTO_IPV6;
		c->cmsg_type = IPV6_PKTINFO;
		c->cmsg_len = CMSG_LEN(sizeof(pi));
		memcpy(CMSG_DATA(c), &pi, sizeof(pi));
	}
}

/* One datagram of a read batch, to the core. */
static void
udp_on_dgram(void *arg, const struct net_dgram *d, uint64_t now_ms,
	     int64_t wall_s)
{
	struct udp_listener *l = arg;
	struct sockaddr_storage local;
	struct turn_pkt p = {
		.conn = l, .tp = TP_UDP, .client = d->from,
		.local = (struct sockaddr *)&local,
		.now_ms = now_ms, .wall_s = wall_s,
	};

	udp_dest_addr(&l->local, d->mh, &local);
	turn_on_client(l->w->core, &p, d->data, d->len);
}

static void
udp_read_cb(evutil_socket_t fd, short what, void *arg)
{
	struct udp_listener *l = arg;

	(void)what;
	net_batch_read(l->w, fd, UDP_CALLS, l->wildcard, udp_on_dgram, l);
}

/* A reply sendmmsg refused, counted as a refused sendmsg was. */
static void
udp_tx_error(void *arg, int err)
{
	struct udp_listener *l = arg;

	(void)err;
	l->w->core->stats.send_errors++;
}

int
udp_want_pktinfo(int fd, const struct sockaddr_storage *addr)
{
	int one = 1;

	if (!addr_is_any((const struct sockaddr *)addr))
		return 0;
	if (addr->ss_family == AF_INET)
		return setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one));
	return setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one,
			  sizeof(one));
}

/* fd (bound by workers_listen_udp) is the listener's from here on,
 * failure included. */
int
udp_listener_new(struct worker *w, const struct sockaddr_storage *addr,
		 int fd, struct udp_listener **out)
{
	struct udp_listener *l;
	int err;

	if (udp_want_pktinfo(fd, addr) != 0) {
		err = errno;
		close(fd);
		return err;
	}
	if ((l = calloc(1, sizeof(*l))) == NULL) {
		close(fd);
		return ENOMEM;
	}
	l->hdr.kind = NET_UDP;
	l->w = w;
	l->srv = w->srv;
	l->local = *addr;
	l->wildcard = addr_is_any((const struct sockaddr *)addr);
	l->fd = fd;
	if (net_batch_ref(w) != 0) {
		close(fd);
		free(l);
		return ENOMEM;
	}
	/* One socket takes this worker's clients' datagrams: a burst must
	 * not overflow it while the loop is busy elsewhere. */
	sock_set_buffers(fd, l->srv->conf->udp_rcvbuf, l->srv->conf->udp_sndbuf);
	l->txq = net_txq_new(w, fd, udp_tx_error, l);
	l->ev = event_new(w->base, fd, EV_READ | EV_PERSIST, udp_read_cb, l);
	if (l->txq == NULL || l->ev == NULL || event_add(l->ev, NULL) != 0) {
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
	net_txq_free(l->txq);             /* what it holds leaves first */
	close(l->fd);
	net_batch_unref(l->w);
	free(l);
}

int
udp_send(struct udp_listener *l, const struct sockaddr *to,
	 const struct sockaddr *from, const uint8_t *buf, size_t len)
{
	union { struct cmsghdr h; uint8_t b[64]; } cbuf;
	struct iovec iov = { (void *)buf, len };
	struct msghdr mh = { .msg_name = (void *)to, .msg_namelen = addr_len(to),
			     .msg_iov = &iov, .msg_iovlen = 1 };
	ssize_t n;

	/* A wildcard listener answers from the address the client sent to
	 * (IP_PKTINFO): on a host with several addresses the kernel would
	 * otherwise pick one by route, and the client would drop it. */
	if (from == NULL || !l->wildcard || from->sa_family != to->sa_family)
		from = NULL;
	/* During a read batch: queued, out by sendmmsg when it ends (a
	 * failure then is counted in send_errors by udp_tx_error). */
	if (net_batch_open(l->w))
		return net_txq_add(l->txq, to, from, buf, len);
	if (from != NULL)
		udp_src_cmsg(&mh, &cbuf, sizeof(cbuf), from);
	n = sendmsg(l->fd, &mh, 0);
	return n == (ssize_t)len ? 0 : errno;
}
