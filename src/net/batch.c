/**
 * @file batch.c  The UDP data path in batches: recvmmsg into per-worker
 * scratch, sendmmsg from per-socket queues.
 *
 * A read batch (net_batch_read) is one recvmmsg of up to NET_BATCH (32)
 * datagrams, each handed to the caller's function; max_calls of them per
 * wakeup at most, so one busy socket cannot starve the others. While a
 * batch runs, udp_send and relay_send queue what they are asked to send
 * (net_txq_add). When the batch ends, what waits is kept for the end of
 * the event loop's pass (the flush event, made active behind the events
 * already active): the ChannelData that many relay sockets produce for
 * one listener then leave it in one sendmmsg, each queue in the order it
 * was queued. A queue also leaves when it is full, the relay queue when
 * the next datagram is for another relay socket or its relay closes.
 *
 * Memory: the datagrams read stay where recvmmsg put them until the
 * queues are flushed, so a message built in place inside one of them (the
 * ChannelData or Data indication around a peer datagram, the payload of
 * a client's ChannelData) is queued by pointer, and copied into the
 * queue's arena only if it is still waiting when the batch ends. Anything
 * else (a reply the core built on its stack, a relay-to-relay datagram)
 * is copied into the arena at once. No malloc per packet; the scratch and
 * queues belong to the struct worker (one per worker thread, never
 * process-global). Without an event base (unit tests of the queues
 * alone), the queues leave when each batch ends.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "net.h"

/* Receive slots: the first HEAD_DATA bytes of a datagram land in a
 * compact slot (a full batch of small datagrams touches 13 pages, not
 * 32); the rest of a larger one in a slot of its own, where its head is
 * then copied to make it whole. Both with the core's headroom and
 * tailroom around the data. */
#define DGRAM_MAX   65536             /* a UDP datagram, whatever its size */
#define HEAD_DATA   1536              /* an MTU-sized datagram */
#define ROUND64(x)  (((x) + 63) & ~(size_t)63)
#define HEAD_SLOT   ROUND64(TURN_PEER_HEADROOM + HEAD_DATA + TURN_PEER_TAILROOM)
#define BIG_SLOT    ROUND64(TURN_PEER_HEADROOM + DGRAM_MAX + TURN_PEER_TAILROOM)
#define RX_BYTES    (NET_BATCH * (HEAD_SLOT + BIG_SLOT))
#define ARENA       (2 * DGRAM_MAX)   /* copies: any one message fits */

union net_ctl {                       /* IP_PKTINFO / IPV6_PKTINFO */
	struct cmsghdr h;
	uint8_t b[64];
};

struct net_txq {
	struct net_batch *b;
	int fd;
	net_txq_err_fn *err;              /* a message sendmmsg refused */
	void *arg;
	unsigned n;                       /* messages queued */
	size_t used;                      /* bytes of arena in use */
	bool pending;                     /* on b->pending */
	TAILQ_ENTRY(net_txq) link;
	struct mmsghdr mm[NET_BATCH];
	struct iovec iov[NET_BATCH];
	struct sockaddr_storage to[NET_BATCH];
	union net_ctl ctl[NET_BATCH];
	uint8_t arena[ARENA];
};

struct net_batch {
	unsigned refs;                    /* listeners and relay sockets */
	bool open;                        /* a read batch is being handled */
	bool armed;                       /* flush_ev is active */
	struct event *flush_ev;           /* the queues leave: end of pass */
	TAILQ_HEAD(, net_txq) pending;    /* queues holding messages */
	struct net_txq *relay;            /* client → peer, one relay at a time */
	struct mmsghdr mm[NET_BATCH];
	struct iovec iov[2 * NET_BATCH];  /* head slot, then big slot */
	struct sockaddr_storage from[NET_BATCH];
	union { struct cmsghdr h; uint8_t b[128]; } ctl[NET_BATCH];
	uint8_t *rx;                      /* head slots, then big slots */
};

static uint8_t *
head_slot(const struct net_batch *b, unsigned i)
{
	return b->rx + i * HEAD_SLOT + TURN_PEER_HEADROOM;
}

static uint8_t *
big_slot(const struct net_batch *b, unsigned i)
{
	return b->rx + NET_BATCH * HEAD_SLOT + i * BIG_SLOT +
	       TURN_PEER_HEADROOM;
}

static void flush_all(struct net_batch *b);

static void
flush_cb(evutil_socket_t fd, short what, void *arg)
{
	struct net_batch *b = arg;

	(void)fd; (void)what;
	b->armed = false;
	flush_all(b);
}

int
net_batch_ref(struct worker *w)
{
	struct net_batch *b = w->batch;

	if (b != NULL) {
		b->refs++;
		return 0;
	}
	b = calloc(1, sizeof(*b));
	if (b == NULL)
		return ENOMEM;
	TAILQ_INIT(&b->pending);
	if (w->base != NULL &&
	    (b->flush_ev = event_new(w->base, -1, 0, flush_cb, b)) == NULL) {
		free(b);
		return ENOMEM;
	}
	/* Virtual: only the pages datagrams land in become resident. */
	b->rx = malloc(RX_BYTES);
	w->batch = b;
	b->refs = 1;
	if (b->rx == NULL ||
	    (b->relay = net_txq_new(w, -1, NULL, NULL)) == NULL) {
		net_batch_unref(w);
		return ENOMEM;
	}
	for (unsigned i = 0; i < NET_BATCH; i++) {
		b->iov[2 * i] = (struct iovec){ head_slot(b, i), HEAD_DATA };
		b->iov[2 * i + 1] = (struct iovec){
			big_slot(b, i) + HEAD_DATA, DGRAM_MAX - HEAD_DATA };
	}
	return 0;
}

void
net_batch_unref(struct worker *w)
{
	struct net_batch *b = w->batch;

	if (b == NULL || --b->refs > 0)
		return;
	net_txq_free(b->relay);
	flush_all(b);
	if (b->flush_ev != NULL)
		event_free(b->flush_ev);
	free(b->rx);
	free(b);
	w->batch = NULL;
}

bool
net_batch_open(const struct worker *w)
{
	return w->batch != NULL && w->batch->open;
}

struct net_txq *
net_batch_relay_txq(struct worker *w)
{
	return w->batch->relay;
}

/* Every queue out, before the datagrams read are overwritten. */
static void
flush_all(struct net_batch *b)
{
	struct net_txq *q;

	while ((q = TAILQ_FIRST(&b->pending)) != NULL)
		net_txq_flush(q);
}

static void
rx_prepare(struct net_batch *b, bool ctl)
{
	for (unsigned i = 0; i < NET_BATCH; i++) {
		struct msghdr *mh = &b->mm[i].msg_hdr;

		*mh = (struct msghdr){
			.msg_name = &b->from[i], .msg_namelen = sizeof(b->from[i]),
			.msg_iov = &b->iov[2 * i], .msg_iovlen = 2,
			.msg_control = ctl ? &b->ctl[i] : NULL,
			.msg_controllen = ctl ? sizeof(b->ctl[i]) : 0,
		};
	}
}

/* Datagram i of the batch, whole: a large one is joined in its big slot
 * (its head copied in front of the rest). */
static uint8_t *
rx_data(const struct net_batch *b, unsigned i, size_t len)
{
	if (len <= HEAD_DATA)
		return head_slot(b, i);
	memcpy(big_slot(b, i), head_slot(b, i), HEAD_DATA);
	return big_slot(b, i);
}

static bool in_rx(const struct net_batch *b, const uint8_t *p, size_t len);

/* What q holds inside the datagrams read moves into its arena; false
 * (nothing moved) when the arena has no room for it all. */
static bool
txq_retain(struct net_txq *q)
{
	size_t need = 0;

	for (unsigned i = 0; i < q->n; i++)
		if (in_rx(q->b, q->iov[i].iov_base, q->iov[i].iov_len))
			need += q->iov[i].iov_len;
	if (q->used + need > ARENA)
		return false;
	for (unsigned i = 0; i < q->n; i++) {
		struct iovec *v = &q->iov[i];

		if (!in_rx(q->b, v->iov_base, v->iov_len))
			continue;
		memcpy(q->arena + q->used, v->iov_base, v->iov_len);
		v->iov_base = q->arena + q->used;
		q->used += v->iov_len;
	}
	return true;
}

/* A read batch ended: the next recvmmsg overwrites the datagrams read,
 * so what waits is copied out of them (or leaves now), and the rest
 * leaves at the end of this pass of the event loop. */
static void
batch_end(struct net_batch *b)
{
	struct net_txq *q, *next;

	if (b->flush_ev == NULL) {
		flush_all(b);
		return;
	}
	for (q = TAILQ_FIRST(&b->pending); q != NULL; q = next) {
		next = TAILQ_NEXT(q, link);
		if (!txq_retain(q))
			net_txq_flush(q);
	}
	if (!TAILQ_EMPTY(&b->pending) && !b->armed) {
		b->armed = true;
		event_active(b->flush_ev, EV_TIMEOUT, 0);
	}
}

/* Callbacks do not nest (one event loop per server), so one scratch
 * serves every socket of the server. */
void
net_batch_read(struct worker *w, int fd, unsigned max_calls, bool ctl,
	       net_dgram_fn *fn, void *arg)
{
	struct net_batch *b = w->batch;
	uint64_t now_ms;
	int64_t wall_s;
	int n = NET_BATCH;

	for (unsigned c = 0; c < max_calls && n == NET_BATCH; c++) {
		rx_prepare(b, ctl);
		n = recvmmsg(fd, b->mm, NET_BATCH, MSG_DONTWAIT, NULL);
		if (n <= 0)
			break;            /* EAGAIN, or an ICMP error: move on */
		net_clock(&now_ms, &wall_s);
		b->open = true;
		for (int i = 0; i < n; i++) {
			struct net_dgram d = {
				.data = rx_data(b, (unsigned)i, b->mm[i].msg_len),
				.len = b->mm[i].msg_len,
				.from = (struct sockaddr *)&b->from[i],
				.mh = &b->mm[i].msg_hdr,
			};
			fn(arg, &d, now_ms, wall_s);
		}
		b->open = false;
		batch_end(b);
	}
}

struct net_txq *
net_txq_new(struct worker *w, int fd, net_txq_err_fn *err, void *arg)
{
	struct net_txq *q = malloc(sizeof(*q));   /* the arena stays virtual */

	if (q == NULL)
		return NULL;
	q->b = w->batch;
	q->fd = fd;
	q->err = err;
	q->arg = arg;
	q->n = 0;
	q->used = 0;
	q->pending = false;
	return q;
}

void
net_txq_free(struct net_txq *q)
{
	if (q == NULL)
		return;
	net_txq_flush(q);
	free(q);
}

/* The relay queue follows the relay socket being written to: what it
 * holds for the previous one leaves first. */
void
net_txq_bind(struct net_txq *q, int fd, net_txq_err_fn *err, void *arg)
{
	if (q->fd == fd && q->arg == arg)
		return;
	net_txq_flush(q);
	q->fd = fd;
	q->err = err;
	q->arg = arg;
}

bool
net_txq_bound(const struct net_txq *q, const void *arg)
{
	return q->arg == arg;
}

/* Inside the datagrams of the current read batch: alive until the flush. */
static bool
in_rx(const struct net_batch *b, const uint8_t *p, size_t len)
{
	uintptr_t s = (uintptr_t)b->rx, x = (uintptr_t)p;

	return x >= s && x + len <= s + RX_BYTES;
}

int
net_txq_add(struct net_txq *q, const struct sockaddr *to,
	    const struct sockaddr *src, const uint8_t *buf, size_t len)
{
	bool copy = !in_rx(q->b, buf, len);
	struct msghdr *mh;

	if (len > DGRAM_MAX)
		return EMSGSIZE;
	if (q->n == NET_BATCH || (copy && q->used + len > ARENA))
		net_txq_flush(q);
	if (copy) {
		memcpy(q->arena + q->used, buf, len);
		buf = q->arena + q->used;
		q->used += len;
	}
	memcpy(&q->to[q->n], to, addr_len(to));
	q->iov[q->n] = (struct iovec){ (void *)buf, len };
	mh = &q->mm[q->n].msg_hdr;
	*mh = (struct msghdr){ .msg_name = &q->to[q->n],
			       .msg_namelen = addr_len(to),
			       .msg_iov = &q->iov[q->n], .msg_iovlen = 1 };
	if (src != NULL)
		udp_src_cmsg(mh, &q->ctl[q->n], sizeof(q->ctl[q->n]), src);
	q->n++;
	if (!q->pending) {
		TAILQ_INSERT_TAIL(&q->b->pending, q, link);
		q->pending = true;
	}
	return 0;
}

/* sendmmsg stops at the first message it cannot send: that one is
 * counted and skipped, the rest go on in order, none twice. */
void
net_txq_flush(struct net_txq *q)
{
	unsigned i = 0;

	while (i < q->n) {
		int k = sendmmsg(q->fd, q->mm + i, q->n - i, MSG_DONTWAIT);

		if (k > 0) {
			i += (unsigned)k;
			continue;
		}
		if (k < 0 && errno == EINTR)
			continue;
		if (q->err != NULL)
			q->err(q->arg, k < 0 ? errno : EIO);
		i++;
	}
	q->n = 0;
	q->used = 0;
	if (q->pending) {
		TAILQ_REMOVE(&q->b->pending, q, link);
		q->pending = false;
	}
}
