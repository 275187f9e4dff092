/**
 * @file loadgen.c  The load generator of `make bench`: raw STUN and
 * ChannelData over UDP on loopback, several threads, nonblocking sockets,
 * epoll, recvmmsg/sendmmsg. It speaks to any TURN server (turnpike,
 * coturn) with long-term credentials.
 *
 *   loadgen alloc-rate -s IP:PORT -u USER -p PASS [-c CONC] [-d SECS]
 *       CONC clients, each looping Allocate -> 401 -> Allocate (signed)
 *       -> Refresh(0) on a fresh socket; prints allocations/s (each one
 *       includes the 401 round trip: three round trips in all).
 *   loadgen relay -s ... [-n SESSIONS] [-l BYTES] [-W WIN] [-k STEPS]
 *                 [-r RATE] [-d STEP_SECS] [-P SERVER_PID]
 *       SESSIONS pairs of allocations relaying to each other's relayed
 *       address (relay to relay: A -> server -> relay A -> relay B ->
 *       server -> B, and B to A the same way); ChannelData both ways.
 *       Without -r: a closed-loop probe with WIN packets in flight per
 *       sender, then a bisection on the offered (paced, open-loop) rate
 *       for the highest rate with loss <= 0.1%. With -r: one step at
 *       RATE. A relayed packet is one datagram delivered end to end
 *       (the server handled it twice: client->peer and peer->client).
 *       -P reads the server's utime+stime around every step.
 *       -x: each session is one allocation and a plain UDP peer in the
 *       generator (A -> server -> relay A -> peer, and back): a relayed
 *       packet then crosses the server once, as a real peer's does.
 *   loadgen latency -s ... [-n SESSIONS] [-r RATE] [-d SECS]
 *       A sends timestamped packets at RATE/s in all; B echoes them back
 *       through the relay; RTT percentiles, first for a direct loopback
 *       echo (same code, no server), then through the relay.
 *   loadgen hold -s ... -n N [-c CONC]
 *       N allocations held open; prints "held ..." and waits for a line
 *       (or EOF) on stdin, then deletes them (Refresh 0) and exits.
 *
 * Every client socket binds its own loopback source address
 * (127.x.y.z, x >= 1) so no 5-tuple is reused within a run.
 * Output: one line per result, "tag key=value ...". Every loop is bounded
 * by a deadline.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <linux/sock_diag.h>

#include "addr.h"
#include "auth.h"
#include "stun.h"

#define MAX_THREADS   16
#define MAX_STEPS     64
#define BATCH         64
#define PKT_MAX       2048
#define PAYLOAD_MIN   24
#define LG_MAGIC      0x54504c47u   /* "TPLG" */
#define RTO_NS        300000000ull  /* retransmit a request after 300 ms */
#define MAX_TRIES     4
#define CHAN          0x4000
#define NS            1000000000ull
#define STALL_NS      20000000ull   /* window sender: 20 ms = lost */

enum mode { M_ALLOC, M_RELAY, M_LATENCY, M_HOLD };

enum cst {
	C_IDLE, C_ALLOC0, C_ALLOC1, C_PERM, C_CHBIND, C_REFRESH0,
	C_ALLOCATED, C_READY, C_DONE, C_FAILED,
};

struct opts {
	enum mode mode;
	struct sockaddr_in srv;
	const char *user;
	char pass[256];
	int threads, conc, sessions, hold_n, len, window, steps;
	double secs, rate, drain;
	int pid;
	int hold_wait;
	bool quiet;
	bool ext_peer;           /* -x: the odd end of a session is a peer */
};
static struct opts O = {
	.threads = 2, .conc = 16, .sessions = 100, .hold_n = 1000,
	.len = 64, .window = 16, .steps = 6, .secs = 2.0, .rate = 0,
	.drain = 0.1, .pid = 0, .hold_wait = 300,
};

struct worker;

struct client {
	int fd;
	enum cst st;
	int tries;
	uint64_t deadline;
	uint8_t tid[16];
	uint8_t req[640];
	size_t reqlen;
	char realm[128], nonce[256];
	struct auth_key key;
	struct sockaddr_in relayed;
	struct client *peer;     /* the other end of a relay session */
	struct worker *w;
	bool sender;             /* originates traffic */
	bool echo;               /* latency: sends back what arrives */
	int hdr;                 /* 4: ChannelData; 0: no server (direct, -x peer) */
	bool plain;              /* speaks no STUN: direct, or a -x peer */
	uint64_t tx, rx, lost, seen_rx, progress_ns;
};

struct worker {
	pthread_t th;
	int id, ep;
	uint64_t rng;
	struct client *cl;
	int ncl;
	struct client **snd;     /* senders */
	int nsnd, rr;
	bool direct;
	/* alloc-rate / hold */
	int started, target, active;
	uint64_t done, fails, n401, timeouts;
	int last_err;
	/* traffic, per step */
	uint64_t sent[MAX_STEPS], recv[MAX_STEPS];
	uint64_t step_sent;
	uint32_t *samples;
	size_t nsamples, capsamples;
	uint8_t txbuf[PKT_MAX];
	uint8_t rxbuf[BATCH][PKT_MAX];
};

/* What the controller tells the workers, between two barriers. */
static struct {
	pthread_barrier_t bar;
	int step;                /* index into sent[]/recv[] */
	bool quit;
	double rate;             /* packets/s offered in all; 0: window */
	int window;
	bool sample;
	uint64_t t0, t_send_end, t_end;
	uint64_t end_all;        /* alloc-rate: stop time */
} G;

static atomic_uint src_ctr;
static long clk_tck;

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NS + (uint64_t)ts.tv_nsec;
}

static uint64_t
xrand(struct worker *w)
{
	w->rng ^= w->rng << 13;
	w->rng ^= w->rng >> 7;
	w->rng ^= w->rng << 17;
	return w->rng;
}

static void
die(const char *what)
{
	fprintf(stderr, "loadgen: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* utime + stime of a process, in seconds; -1 if unreadable. */
static double
proc_cpu(int pid)
{
	char path[64], buf[1024], *p;
	unsigned long ut, st;
	FILE *f;
	size_t n;

	if (pid <= 0)
		return -1;
	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* Skip "pid (comm) ": comm may hold spaces; fields 14, 15 follow. */
	if ((p = strrchr(buf, ')')) == NULL)
		return -1;
	if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu",
		   &ut, &st) != 2)
		return -1;
	return (double)(ut + st) / (double)clk_tck;
}

static double
self_cpu(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

/* A fresh loopback source address: 127.x.y.z, x in 1..254, z in 1..254. */
static void
next_src(struct sockaddr_in *sa)
{
	uint32_t i = atomic_fetch_add(&src_ctr, 1) % (254u * 256u * 254u);
	uint32_t x = 1 + i / (254u * 256u), y = (i / 254u) % 256u;
	uint32_t z = 1 + i % 254u;

	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	sa->sin_addr.s_addr = htonl(0x7F000000u | x << 16 | y << 8 | z);
}

static void
set_bufs(int fd, int bytes)
{
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &bytes,
		       sizeof(bytes)) != 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bytes, sizeof(bytes));
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &bytes,
		       sizeof(bytes)) != 0)
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &bytes, sizeof(bytes));
}

/* A nonblocking UDP socket on a fresh source address, registered with
 * the worker's epoll. dst NULL: not connected. -1 on error. */
static int
client_open(struct worker *w, struct client *c,
	    const struct sockaddr_in *dst, int bufs)
{
	struct sockaddr_in src;
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = c };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	next_src(&src);
	if (bufs > 0)
		set_bufs(fd, bufs);
	if (bind(fd, (struct sockaddr *)&src, sizeof(src)) != 0 ||
	    (dst != NULL && connect(fd, (const struct sockaddr *)dst,
				    sizeof(*dst)) != 0) ||
	    epoll_ctl(w->ep, EPOLL_CTL_ADD, fd, &ev) != 0) {
		close(fd);
		return -1;
	}
	c->fd = fd;
	c->w = w;
	return 0;
}

static void
client_close(struct client *c)
{
	if (c->fd >= 0) {
		epoll_ctl(c->w->ep, EPOLL_CTL_DEL, c->fd, NULL);
		close(c->fd);
	}
	c->fd = -1;
}

/* ---- STUN transactions ---------------------------------------------- */

static void
build_req(struct client *c)
{
	static const uint8_t rt[4] = { 17, 0, 0, 0 };
	struct stun_enc e;
	uint16_t method = STUN_ALLOCATE;
	uint64_t r1 = xrand(c->w), r2 = xrand(c->w);

	c->tid[0] = 0x21; c->tid[1] = 0x12; c->tid[2] = 0xA4; c->tid[3] = 0x42;
	memcpy(c->tid + 4, &r1, 8);
	memcpy(c->tid + 12, &r2, 4);
	if (c->st == C_PERM)
		method = STUN_CREATE_PERMISSION;
	else if (c->st == C_CHBIND)
		method = STUN_CHANNEL_BIND;
	else if (c->st == C_REFRESH0)
		method = STUN_REFRESH;
	stun_enc_begin(&e, c->req, sizeof(c->req), method, STUN_REQUEST,
		       c->tid);
	switch (c->st) {
	case C_ALLOC0:
	case C_ALLOC1:
		stun_enc_attr(&e, STUN_A_REQUESTED_TRANSPORT, rt, sizeof(rt));
		break;
	case C_PERM:
		stun_enc_addr(&e, STUN_A_XOR_PEER_ADDRESS,
			      (struct sockaddr *)&c->peer->relayed, true);
		break;
	case C_CHBIND:
		stun_enc_u32(&e, STUN_A_CHANNEL_NUMBER, (uint32_t)CHAN << 16);
		stun_enc_addr(&e, STUN_A_XOR_PEER_ADDRESS,
			      (struct sockaddr *)&c->peer->relayed, true);
		break;
	case C_REFRESH0:
		stun_enc_u32(&e, STUN_A_LIFETIME, 0);
		break;
	default:
		break;
	}
	if (c->st != C_ALLOC0) {
		stun_enc_str(&e, STUN_A_USERNAME, O.user);
		stun_enc_str(&e, STUN_A_REALM, c->realm);
		stun_enc_str(&e, STUN_A_NONCE, c->nonce);
		stun_enc_integrity(&e, c->key.key, c->key.len);
	}
	stun_enc_fingerprint(&e);
	if (stun_enc_finish(&e, &c->reqlen) != 0)
		c->reqlen = 0;
}

static void
xmit(struct client *c, uint64_t now)
{
	if (c->reqlen > 0)
		(void)send(c->fd, c->req, c->reqlen, MSG_DONTWAIT);
	c->deadline = now + RTO_NS;
}

/* Enter a transaction state and send its request. */
static void
start(struct client *c, enum cst st, uint64_t now)
{
	c->st = st;
	c->tries = 1;
	build_req(c);
	xmit(c, now);
}

static void
fail(struct client *c, int code)
{
	c->st = C_FAILED;
	c->w->fails++;
	if (code != 0)
		c->w->last_err = code;
}

static void on_allocated(struct client *c, uint64_t now);
static void on_done(struct client *c, uint64_t now);

static void
copy_str(const struct stun_msg *m, uint16_t type, char *out, size_t cap)
{
	const struct stun_attr *a = stun_find(m, type);

	if (a != NULL)
		snprintf(out, cap, "%.*s", (int)a->len,
			 (const char *)stun_attr_val(m, a));
}

static void
on_stun(struct client *c, const uint8_t *buf, size_t n, uint64_t now)
{
	struct stun_msg m;
	const struct stun_attr *a;
	struct sockaddr_storage ss;
	const char *reason;
	size_t rlen;
	int code = 0;

	if (c->st < C_ALLOC0 || c->st > C_REFRESH0 ||
	    stun_decode(&m, buf, n) != 0 || memcmp(m.tid, c->tid, 16) != 0)
		return;                       /* stray or late: ignore */
	if (m.cls == STUN_ERROR) {
		if ((a = stun_find(&m, STUN_A_ERROR_CODE)) != NULL)
			stun_attr_error(&m, a, &code, &reason, &rlen);
		if ((code == 401 && c->st == C_ALLOC0) || code == 438) {
			copy_str(&m, STUN_A_REALM, c->realm, sizeof(c->realm));
			copy_str(&m, STUN_A_NONCE, c->nonce, sizeof(c->nonce));
			auth_ltc_key(AUTH_ALG_MD5, O.user, c->realm, O.pass,
				     &c->key);
			if (code == 401)
				c->w->n401++;
			start(c, c->st == C_ALLOC0 ? C_ALLOC1 : c->st, now);
		} else if (c->st == C_REFRESH0 && code == 437) {
			c->st = C_DONE;       /* a retransmission: gone already */
			on_done(c, now);
		} else {
			fail(c, code ? code : 1);
		}
		return;
	}
	if (m.cls != STUN_SUCCESS)
		return;
	switch (c->st) {
	case C_ALLOC0:
	case C_ALLOC1:
		a = stun_find(&m, STUN_A_XOR_RELAYED_ADDRESS);
		if (a == NULL || stun_attr_addr(&m, a, true, &ss) != 0 ||
		    ss.ss_family != AF_INET) {
			fail(c, 2);
			return;
		}
		memcpy(&c->relayed, &ss, sizeof(c->relayed));
		c->st = C_ALLOCATED;
		on_allocated(c, now);
		break;
	case C_PERM:
		start(c, C_CHBIND, now);
		break;
	case C_CHBIND:
		c->st = C_READY;
		break;
	case C_REFRESH0:
		c->st = C_DONE;
		on_done(c, now);
		break;
	default:
		break;
	}
}

/* Retransmit or give up on requests past their deadline. */
static void
check_timeouts(struct worker *w, uint64_t now)
{
	for (int i = 0; i < w->ncl; i++) {
		struct client *c = &w->cl[i];
		if (c->st < C_ALLOC0 || c->st > C_REFRESH0 ||
		    now < c->deadline)
			continue;
		if (c->tries >= MAX_TRIES) {
			w->timeouts++;
			fail(c, 0);
			if (O.mode == M_ALLOC || O.mode == M_HOLD)
				on_done(c, now);
			continue;
		}
		c->tries++;
		xmit(c, now);
	}
}

/* ---- mode callbacks ------------------------------------------------- */

static void
alloc_next(struct client *c, uint64_t now)
{
	struct worker *w = c->w;

	client_close(c);
	if (now >= G.end_all)
		return;
	if (client_open(w, c, &O.srv, 0) != 0) {
		w->fails++;
		return;
	}
	start(c, C_ALLOC0, now);
}

static void
hold_next(struct worker *w, uint64_t now)
{
	while (w->active < (O.conc + O.threads - 1) / O.threads &&
	       w->started < w->target) {
		struct client *c = &w->cl[w->started++];
		if (client_open(w, c, &O.srv, 0) != 0) {
			w->fails++;
			continue;
		}
		w->active++;
		start(c, C_ALLOC0, now);
	}
}

static void
on_allocated(struct client *c, uint64_t now)
{
	struct worker *w = c->w;

	if (O.mode == M_ALLOC) {
		start(c, C_REFRESH0, now);
	} else if (O.mode == M_HOLD) {
		w->done++;
		w->active--;
		hold_next(w, now);
	}
}

static void
on_done(struct client *c, uint64_t now)
{
	struct worker *w = c->w;

	if (O.mode == M_ALLOC) {
		if (c->st == C_DONE && now < G.end_all)
			w->done++;
		alloc_next(c, now);
	} else if (O.mode == M_HOLD && c->st == C_FAILED) {
		client_close(c);
		w->active--;
		hold_next(w, now);
	}
}

/* ---- traffic -------------------------------------------------------- */

struct pay {
	uint32_t magic, step;
	uint64_t ts;
};

static int
send_burst(struct worker *w, struct client *c, int k, uint64_t now)
{
	struct mmsghdr mm[BATCH];
	struct iovec iov;
	struct pay p = { LG_MAGIC, (uint32_t)G.step, now };
	int n;

	if (k > BATCH)
		k = BATCH;
	if (c->hdr)
		chandata_hdr(w->txbuf, CHAN, (uint16_t)O.len);
	memcpy(w->txbuf + c->hdr, &p, sizeof(p));
	iov.iov_base = w->txbuf;
	iov.iov_len = (size_t)c->hdr + (size_t)O.len;
	memset(mm, 0, sizeof(mm[0]) * (size_t)k);
	for (int i = 0; i < k; i++) {
		mm[i].msg_hdr.msg_iov = &iov;
		mm[i].msg_hdr.msg_iovlen = 1;
	}
	n = sendmmsg(c->fd, mm, (unsigned)k, MSG_DONTWAIT);
	if (n <= 0)
		return 0;
	c->tx += (uint64_t)n;
	w->step_sent += (uint64_t)n;
	if (G.step >= 0 && G.step < MAX_STEPS)
		w->sent[G.step] += (uint64_t)n;
	return n;
}

/* One data packet arrived on c (ChannelData or, direct, a bare payload). */
static void
on_data(struct worker *w, struct client *c, uint8_t *buf, size_t n,
	uint64_t now, struct mmsghdr *echo, int *necho)
{
	struct pay p;
	struct chandata cd;
	const uint8_t *d = buf;
	size_t dl = n;

	if (c->hdr) {
		if (chandata_decode(&cd, buf, n) != 0)
			return;
		d = cd.data;
		dl = cd.len;
	}
	if (dl < sizeof(p))
		return;
	memcpy(&p, d, sizeof(p));
	if (p.magic != LG_MAGIC)
		return;
	c->rx++;
	if (p.step < MAX_STEPS)
		w->recv[p.step]++;
	if (c->echo) {
		struct iovec *iov = echo[*necho].msg_hdr.msg_iov;
		iov->iov_base = buf;
		iov->iov_len = n;
		(*necho)++;
	} else if (G.sample && (int)p.step == G.step && now > p.ts &&
		   w->nsamples < w->capsamples) {
		uint64_t rtt = now - p.ts;
		w->samples[w->nsamples++] =
			rtt > UINT32_MAX ? UINT32_MAX : (uint32_t)rtt;
	}
}

/* Read what is queued on c (bounded), handling STUN and data. */
static void
drain_socket(struct worker *w, struct client *c)
{
	struct mmsghdr mm[BATCH], echo[BATCH];
	struct iovec iov[BATCH], eiov[BATCH];

	for (int round = 0; round < 8 && c->fd >= 0; round++) {
		uint64_t now;
		int n, necho = 0;

		memset(mm, 0, sizeof(mm));
		for (int i = 0; i < BATCH; i++) {
			iov[i].iov_base = w->rxbuf[i];
			iov[i].iov_len = PKT_MAX;
			mm[i].msg_hdr.msg_iov = &iov[i];
			mm[i].msg_hdr.msg_iovlen = 1;
		}
		n = recvmmsg(c->fd, mm, BATCH, MSG_DONTWAIT, NULL);
		if (n <= 0)
			return;
		now = now_ns();
		memset(echo, 0, sizeof(echo));
		for (int i = 0; i < BATCH; i++) {
			echo[i].msg_hdr.msg_iov = &eiov[i];
			echo[i].msg_hdr.msg_iovlen = 1;
		}
		for (int i = 0; i < n; i++) {
			uint8_t *b = w->rxbuf[i];
			size_t len = mm[i].msg_len;
			if (c->plain || (len >= 4 && b[0] >= 0x40 &&
					 b[0] <= 0x7F))
				on_data(w, c, b, len, now, echo, &necho);
			else
				on_stun(c, b, len, now);
			if (c->fd < 0)
				return;  /* alloc-rate closed it */
		}
		if (necho > 0)
			(void)sendmmsg(c->fd, echo, (unsigned)necho,
				       MSG_DONTWAIT);
		if (n < BATCH)
			return;
	}
}

static void
poll_once(struct worker *w, int timeout_ms)
{
	struct epoll_event ev[256];
	int n = epoll_wait(w->ep, ev, 256, timeout_ms);

	for (int i = 0; i < n; i++)
		drain_socket(w, ev[i].data.ptr);
}

/* Pump events until pred(w) or the deadline. */
static void
pump(struct worker *w, uint64_t until, bool (*pred)(const struct worker *))
{
	uint64_t last = 0;

	for (;;) {
		uint64_t now = now_ns();
		if (now >= until || (pred != NULL && pred(w)))
			return;
		if (now - last > 10000000ull) {
			check_timeouts(w, now);
			last = now;
		}
		poll_once(w, 5);
	}
}

static void
window_refill(struct worker *w, uint64_t now)
{
	for (int i = 0; i < w->nsnd; i++) {
		struct client *c = w->snd[i];
		uint64_t acked = c->peer->rx, inflight;

		if (acked != c->seen_rx) {
			c->seen_rx = acked;
			c->progress_ns = now;
		}
		inflight = c->tx - acked - c->lost;
		if (inflight >= (uint64_t)G.window) {
			if (now - c->progress_ns > STALL_NS) {
				c->lost += inflight;   /* give the window back */
				c->progress_ns = now;
			}
			continue;
		}
		send_burst(w, c, G.window - (int)inflight, now);
	}
}

static void
paced_send(struct worker *w, uint64_t now)
{
	double rate_w = G.rate / O.threads;
	uint64_t due, cap = (uint64_t)(rate_w * 0.005) + 1;  /* <= 5 ms behind */
	int64_t owed;

	if (now < G.t0)
		return;
	due = (uint64_t)((double)(now - G.t0) / 1e9 * rate_w);
	if (due > w->step_sent + cap)
		w->step_sent = due - cap;   /* cannot keep up: do not burst */
	owed = (int64_t)(due - w->step_sent);
	for (int it = 0; owed > 0 && it < 2 * w->nsnd + 1; it++) {
		struct client *c = w->snd[w->rr++ % w->nsnd];
		int64_t k = owed / w->nsnd + 1;
		if (k > owed)
			k = owed;
		owed -= send_burst(w, c, (int)k, now);
	}
}

static void
run_step(struct worker *w)
{
	w->step_sent = 0;
	for (;;) {
		uint64_t now = now_ns();
		int tmo;
		if (now >= G.t_end)
			return;
		if (now < G.t_send_end && w->nsnd > 0) {
			if (G.rate > 0)
				paced_send(w, now);
			else
				window_refill(w, now);
			tmo = 1;
		} else {
			tmo = (int)((G.t_end - now) / 1000000ull) + 1;
		}
		poll_once(w, tmo);
	}
}

/* ---- relay / latency sessions ----------------------------------------- */

static bool
all_allocated(const struct worker *w)
{
	for (int i = 0; i < w->ncl; i++)
		if (w->cl[i].st != C_ALLOCATED && w->cl[i].st != C_FAILED &&
		    w->cl[i].st != C_READY)
			return false;
	return true;
}

static bool
all_ready(const struct worker *w)
{
	for (int i = 0; i < w->ncl; i++)
		if (w->cl[i].st != C_READY && w->cl[i].st != C_FAILED &&
		    w->cl[i].st != C_IDLE)
			return false;
	return true;
}

static bool
all_done(const struct worker *w)
{
	for (int i = 0; i < w->ncl; i++)
		if (w->cl[i].st == C_REFRESH0)
			return false;
	return true;
}

/* -x: connect each peer socket to its allocation's relayed address. */
static void
peers_connect(struct worker *w)
{
	for (int i = 1; i < w->ncl; i += 2) {
		struct client *c = &w->cl[i];
		if (c->st != C_READY)
			continue;
		if (c->peer->st != C_READY ||
		    connect(c->fd, (struct sockaddr *)&c->peer->relayed,
			    sizeof(struct sockaddr_in)) != 0)
			fail(c, 4);
	}
}

/* Sessions are pairs cl[2i], cl[2i+1]. Direct: plain sockets connected
 * to each other; -x: an allocation and a plain peer socket; otherwise
 * two allocations, permissions and channels. */
static void
sessions_setup(struct worker *w)
{
	uint64_t now = now_ns();
	int bufs = 1 << 20;

	for (int i = 0; i < w->ncl; i++) {
		struct client *c = &w->cl[i];
		bool plain = w->direct || (O.ext_peer && (i & 1));
		c->peer = &w->cl[i ^ 1];
		c->hdr = plain ? 0 : 4;
		c->plain = plain;
		c->sender = O.mode == M_RELAY || (i & 1) == 0;
		c->echo = O.mode == M_LATENCY && (i & 1) == 1;
		if (client_open(w, c, plain ? NULL : &O.srv, bufs) != 0) {
			fail(c, 3);
			continue;
		}
		if (plain) {
			socklen_t sl = sizeof(c->relayed);
			getsockname(c->fd, (struct sockaddr *)&c->relayed, &sl);
			c->st = C_READY;
		} else {
			start(c, C_ALLOC0, now);
		}
	}
	if (w->direct) {
		for (int i = 0; i < w->ncl; i++)
			if (connect(w->cl[i].fd,
				    (struct sockaddr *)&w->cl[i].peer->relayed,
				    sizeof(struct sockaddr_in)) != 0)
				fail(&w->cl[i], 4);
	} else {
		pump(w, now + 10 * NS, all_allocated);
		now = now_ns();
		for (int i = 0; i < w->ncl; i++) {
			struct client *c = &w->cl[i];
			if (c->st != C_ALLOCATED)
				continue;
			if (c->peer->st == C_FAILED || c->peer->st == C_IDLE)
				c->st = C_IDLE;    /* half a session: unused */
			else
				start(c, C_PERM, now);
		}
		pump(w, now + 10 * NS, all_ready);
		if (O.ext_peer)
			peers_connect(w);
	}
	for (int i = 0; i < w->ncl; i += 2)
		if (w->cl[i].st == C_READY && w->cl[i + 1].st == C_READY) {
			if (w->cl[i].sender)
				w->snd[w->nsnd++] = &w->cl[i];
			if (w->cl[i + 1].sender)
				w->snd[w->nsnd++] = &w->cl[i + 1];
		}
}

static void
sessions_release(struct worker *w)
{
	uint64_t now = now_ns();

	if (!w->direct) {
		for (int i = 0; i < w->ncl; i++)
			if (w->cl[i].st == C_READY ||
			    w->cl[i].st == C_ALLOCATED ||
			    w->cl[i].st == C_IDLE)
				if (w->cl[i].fd >= 0 && w->cl[i].nonce[0])
					start(&w->cl[i], C_REFRESH0, now);
		pump(w, now + NS, all_done);
	}
	for (int i = 0; i < w->ncl; i++)
		client_close(&w->cl[i]);
}

static void *
traffic_main(void *arg)
{
	struct worker *w = arg;

	sessions_setup(w);
	pthread_barrier_wait(&G.bar);          /* setup done */
	for (;;) {
		pthread_barrier_wait(&G.bar);  /* step start */
		if (G.quit)
			break;
		run_step(w);
		pthread_barrier_wait(&G.bar);  /* step end */
	}
	sessions_release(w);
	return NULL;
}

/* ---- alloc-rate / hold ----------------------------------------------- */

static void *
alloc_main(void *arg)
{
	struct worker *w = arg;
	uint64_t now = now_ns();

	for (int i = 0; i < w->ncl; i++)
		alloc_next(&w->cl[i], now);
	pump(w, G.end_all, NULL);
	for (int i = 0; i < w->ncl; i++)
		client_close(&w->cl[i]);
	return NULL;
}

static bool
hold_complete(const struct worker *w)
{
	return w->started >= w->target && w->active == 0;
}

static void *
hold_main(void *arg)
{
	struct worker *w = arg;
	uint64_t now = now_ns();

	hold_next(w, now);
	pump(w, now + 120 * NS, hold_complete);
	pthread_barrier_wait(&G.bar);          /* held */
	pthread_barrier_wait(&G.bar);          /* release */
	now = now_ns();
	for (int i = 0, sent = 0; i < w->ncl; i++)
		if (w->cl[i].st == C_ALLOCATED) {
			start(&w->cl[i], C_REFRESH0, now);
			client_close(&w->cl[i]);   /* no need to wait */
			if (++sent % 128 == 0) {   /* do not flood the server */
				struct timespec ts = { 0, 1000000 };
				nanosleep(&ts, NULL);
			}
		}
	for (int i = 0; i < w->ncl; i++)
		client_close(&w->cl[i]);
	return NULL;
}

/* ---- controller ------------------------------------------------------ */

static struct worker W[MAX_THREADS];

static void
workers_init(int per_worker_fixed, int total)
{
	for (int t = 0; t < O.threads; t++) {
		struct worker *w = &W[t];
		int n = per_worker_fixed ? per_worker_fixed
			: total / O.threads + (t < total % O.threads);
		memset(w->sent, 0, sizeof(w->sent));
		memset(w->recv, 0, sizeof(w->recv));
		w->id = t;
		w->rng = (now_ns() ^ ((uint64_t)getpid() << 20)) * 2654435761u +
			 (uint64_t)t * 0x9E3779B97F4A7C15ull + 1;
		w->ep = epoll_create1(EPOLL_CLOEXEC);
		if (w->ep < 0)
			die("epoll_create1");
		w->ncl = n;
		w->cl = calloc((size_t)n + 1, sizeof(*w->cl));
		w->snd = calloc((size_t)n + 1, sizeof(*w->snd));
		if (w->cl == NULL || w->snd == NULL)
			die("calloc");
		for (int i = 0; i < n; i++) {
			w->cl[i].fd = -1;
			w->cl[i].w = w;
		}
		w->nsnd = w->rr = 0;
		w->started = w->active = 0;
		w->target = n;
		w->done = w->fails = w->n401 = w->timeouts = 0;
		w->last_err = 0;
		w->nsamples = 0;
	}
}

static void
workers_free(void)
{
	for (int t = 0; t < O.threads; t++) {
		close(W[t].ep);
		free(W[t].cl);
		free(W[t].snd);
		free(W[t].samples);
		W[t].cl = NULL;
		W[t].snd = NULL;
		W[t].samples = NULL;
	}
}

static void
workers_start(void *(*fn)(void *))
{
	for (int t = 0; t < O.threads; t++)
		if (pthread_create(&W[t].th, NULL, fn, &W[t]) != 0)
			die("pthread_create");
}

static void
workers_join(void)
{
	for (int t = 0; t < O.threads; t++)
		pthread_join(W[t].th, NULL);
}

static uint64_t
sum_done(void)
{
	uint64_t s = 0;

	for (int t = 0; t < O.threads; t++)
		s += W[t].done;
	return s;
}

static void
print_errs(void)
{
	uint64_t fails = 0, tmo = 0, n401 = 0;
	int err = 0;

	for (int t = 0; t < O.threads; t++) {
		fails += W[t].fails;
		tmo += W[t].timeouts;
		n401 += W[t].n401;
		if (W[t].last_err)
			err = W[t].last_err;
	}
	printf(" fails=%llu timeouts=%llu n401=%llu last_err=%d\n",
	       (unsigned long long)fails, (unsigned long long)tmo,
	       (unsigned long long)n401, err);
}

static int
cmd_alloc_rate(void)
{
	uint64_t t0;
	double secs;

	workers_init(0, O.conc);
	t0 = now_ns();
	G.end_all = t0 + (uint64_t)(O.secs * 1e9);
	workers_start(alloc_main);
	workers_join();
	secs = (double)(G.end_all - t0) / 1e9;
	printf("alloc conc=%d secs=%.2f allocs=%llu rate=%.0f",
	       O.conc, secs, (unsigned long long)sum_done(),
	       (double)sum_done() / secs);
	print_errs();
	workers_free();
	return sum_done() > 0 ? 0 : 1;
}

static int
cmd_hold(void)
{
	struct pollfd pfd = { .fd = 0, .events = POLLIN };
	char line[64];
	uint64_t t0 = now_ns();

	workers_init(0, O.hold_n);
	if (pthread_barrier_init(&G.bar, NULL, (unsigned)O.threads + 1) != 0)
		die("barrier");
	workers_start(hold_main);
	pthread_barrier_wait(&G.bar);
	printf("held n=%llu secs=%.2f", (unsigned long long)sum_done(),
	       (double)(now_ns() - t0) / 1e9);
	print_errs();
	fflush(stdout);
	if (poll(&pfd, 1, O.hold_wait * 1000) == 1 &&
	    fgets(line, sizeof(line), stdin) == NULL) {
		/* EOF: release all the same */
	}
	pthread_barrier_wait(&G.bar);
	workers_join();
	pthread_barrier_destroy(&G.bar);
	workers_free();
	printf("released\n");
	return 0;
}

/* Datagrams dropped on the generator's own sockets (their receive
 * buffers were full): loss that is not the server's. */
static uint64_t
gen_drops(void)
{
	uint64_t n = 0;

	for (int t = 0; t < O.threads; t++)
		for (int i = 0; i < W[t].ncl; i++) {
			uint32_t mem[SK_MEMINFO_VARS];
			socklen_t sl = sizeof(mem);
			if (W[t].cl[i].fd >= 0 &&
			    getsockopt(W[t].cl[i].fd, SOL_SOCKET, SO_MEMINFO,
				       mem, &sl) == 0)
				n += mem[SK_MEMINFO_DROPS];
		}
	return n;
}

struct step_res {
	double offered, delivered, loss, cpu, gen_cpu;
	uint64_t sent, recv;
};

/* Run one step on workers waiting at the "step start" barrier. */
static void
do_step(int step, double rate, int window, double secs, bool sample,
	struct step_res *r)
{
	double c0, c1, g0, g1;
	uint64_t s = 0, n = 0, exp, d0, d1;

	G.step = step;
	G.rate = rate;
	G.window = window;
	G.sample = sample;
	G.quit = false;
	G.t0 = now_ns() + 2000000ull;
	G.t_send_end = G.t0 + (uint64_t)(secs * 1e9);
	G.t_end = G.t_send_end + (uint64_t)(O.drain * 1e9);
	c0 = proc_cpu(O.pid);
	g0 = self_cpu();
	d0 = gen_drops();
	pthread_barrier_wait(&G.bar);
	pthread_barrier_wait(&G.bar);
	c1 = proc_cpu(O.pid);
	g1 = self_cpu();
	d1 = gen_drops();
	for (int t = 0; t < O.threads; t++) {
		s += W[t].sent[step];
		n += W[t].recv[step];
	}
	r->sent = s;
	r->recv = n;
	r->offered = (double)s / secs;
	r->delivered = (double)n / secs;
	/* latency: every packet is received twice (at B, then back at A) */
	exp = O.mode == M_LATENCY ? 2 * s : s;
	r->loss = exp ? 1.0 - (double)n / (double)exp : 1.0;
	if (r->loss < 0)
		r->loss = 0;
	r->cpu = c0 >= 0 && c1 >= 0 ? c1 - c0 : -1;
	r->gen_cpu = g1 - g0;
	printf("step n=%d mode=%s target=%.0f offered=%.0f delivered=%.0f "
	       "loss=%.5f sent=%llu recv=%llu server_cpu_s=%.3f "
	       "cpu_s_per_mpkt=%.3f gen_cpu_s=%.3f gen_drops=%llu\n", step,
	       rate > 0 ? "rate" : "window", rate > 0 ? rate : (double)window,
	       r->offered, r->delivered, r->loss, (unsigned long long)s,
	       (unsigned long long)n, r->cpu,
	       r->cpu >= 0 && n ? r->cpu / ((double)n / 1e6) : -1.0,
	       r->gen_cpu, (unsigned long long)(d1 - d0));
	fflush(stdout);
}

/* Spawn workers, set up sessions; returns the number of ready ones. */
static int
sessions_begin(bool direct)
{
	int ready = 0, want = 0;

	workers_init(0, 0);
	for (int t = 0; t < O.threads; t++) {
		struct worker *w = &W[t];
		int s = O.sessions / O.threads + (t < O.sessions % O.threads);
		free(w->cl);
		free(w->snd);
		w->ncl = 2 * s;
		w->cl = calloc((size_t)w->ncl + 1, sizeof(*w->cl));
		w->snd = calloc((size_t)w->ncl + 1, sizeof(*w->snd));
		if (w->cl == NULL || w->snd == NULL)
			die("calloc");
		for (int i = 0; i < w->ncl; i++) {
			w->cl[i].fd = -1;
			w->cl[i].w = w;
		}
		w->direct = direct;
		want += s;
	}
	if (pthread_barrier_init(&G.bar, NULL, (unsigned)O.threads + 1) != 0)
		die("barrier");
	workers_start(traffic_main);
	pthread_barrier_wait(&G.bar);
	for (int t = 0; t < O.threads; t++)
		for (int i = 0; i < W[t].ncl; i += 2)
			ready += W[t].cl[i].st == C_READY &&
				 W[t].cl[i + 1].st == C_READY;
	printf("sessions %s want=%d ready=%d",
	       direct ? "direct" : O.ext_peer ? "peer" : "relay",
	       want, ready);
	print_errs();
	fflush(stdout);
	return ready;
}

static void
sessions_end(void)
{
	G.quit = true;
	pthread_barrier_wait(&G.bar);
	workers_join();
	pthread_barrier_destroy(&G.bar);
	workers_free();
}

static int
cmd_relay(void)
{
	struct step_res r;
	double lo = 0, hi = 0, best = 0, maxd = 0, best_cpu = -1, rate;
	int step = 0;

	if (sessions_begin(false) == 0) {
		sessions_end();
		printf("result zero_loss_pps=0 max_pps=0 error=no-sessions\n");
		return 1;
	}
	if (O.rate > 0) {
		do_step(step, O.rate, 0, O.secs, false, &r);
		sessions_end();
		printf("result fixed_pps=%.0f delivered_pps=%.0f loss=%.5f "
		       "cpu_s_per_mpkt=%.3f\n", O.rate, r.delivered, r.loss,
		       r.cpu >= 0 && r.recv ? r.cpu / ((double)r.recv / 1e6)
					    : -1.0);
		return 0;
	}
	/* Closed-loop probe: what the server delivers flat out. */
	do_step(step++, 0, O.window, O.secs, false, &r);
	maxd = r.delivered;
	rate = r.delivered * 0.6;
	for (int i = 0; i < O.steps && step < MAX_STEPS && rate > 100; i++) {
		do_step(step++, rate, 0, O.secs, false, &r);
		if (r.delivered > maxd)
			maxd = r.delivered;
		if (r.loss <= 0.001) {
			lo = rate;
			if (r.delivered > best) {
				best = r.delivered;
				best_cpu = r.cpu >= 0 && r.recv
					   ? r.cpu / ((double)r.recv / 1e6) : -1;
			}
		} else {
			hi = rate;
		}
		if (hi == 0)
			rate = rate * 1.3;
		else
			rate = (lo + hi) / 2;
	}
	sessions_end();
	printf("result zero_loss_pps=%.0f max_pps=%.0f "
	       "cpu_s_per_mpkt_at_zero_loss=%.3f\n", best, maxd, best_cpu);
	return 0;
}

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* Latency of one phase; p50/p99/p999 in microseconds. */
static int
latency_phase(bool direct, double pct[3], size_t *count)
{
	struct step_res r;
	uint32_t *all;
	size_t n = 0, cap;

	if (sessions_begin(direct) == 0) {
		sessions_end();
		return -1;
	}
	cap = (size_t)(O.rate * O.secs * 1.2) / (size_t)O.threads + 1024;
	for (int t = 0; t < O.threads; t++) {
		W[t].samples = calloc(cap, sizeof(uint32_t));
		W[t].capsamples = W[t].samples ? cap : 0;
	}
	do_step(0, O.rate, 0, O.secs, true, &r);
	all = malloc(cap * (size_t)O.threads * sizeof(uint32_t));
	if (all == NULL)
		die("malloc");
	for (int t = 0; t < O.threads; t++) {
		memcpy(all + n, W[t].samples, W[t].nsamples * sizeof(uint32_t));
		n += W[t].nsamples;
	}
	sessions_end();
	qsort(all, n, sizeof(uint32_t), cmp_u32);
	for (int i = 0; i < 3 && n > 0; i++) {
		static const double q[3] = { 0.50, 0.99, 0.999 };
		pct[i] = all[(size_t)(q[i] * (double)(n - 1))] / 1000.0;
	}
	*count = n;
	free(all);
	return n > 0 ? 0 : -1;
}

static int
cmd_latency(void)
{
	double d[3] = { 0 }, rl[3] = { 0 };
	size_t nd = 0, nr = 0;

	if (O.rate <= 0)
		O.rate = 10000;
	if (latency_phase(true, d, &nd) != 0 ||
	    latency_phase(false, rl, &nr) != 0) {
		printf("result error=latency\n");
		return 1;
	}
	printf("latency direct_p50_us=%.1f direct_p99_us=%.1f samples=%zu\n",
	       d[0], d[1], nd);
	printf("latency relay_p50_us=%.1f relay_p99_us=%.1f "
	       "relay_p999_us=%.1f samples=%zu\n", rl[0], rl[1], rl[2], nr);
	/* Added by the relay: its percentiles less the direct echo's p50
	 * (the loopback RTT itself), so noise in the direct run's tail is
	 * not subtracted from the server's. */
	printf("result added_p50_us=%.1f added_p99_us=%.1f\n",
	       rl[0] - d[0], rl[1] - d[0]);
	return 0;
}

static void
usage(void)
{
	fprintf(stderr,
		"usage: loadgen alloc-rate|relay|latency|hold -s IP:PORT "
		"-u USER -p PASS|rest:SECRET\n"
		"  [-T threads] [-c concurrency] [-n sessions|allocations]\n"
		"  [-d seconds] [-l payload] [-W window] [-k steps] [-r rate]\n"
		"  [-D drain_s] [-P server_pid] [-w hold_wait_s] [-x]\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	struct sockaddr_storage ss;
	const char *pass = NULL;
	int opt;

	setvbuf(stdout, NULL, _IOLBF, 0);
	clk_tck = sysconf(_SC_CLK_TCK);
	if (argc < 2)
		usage();
	if (strcmp(argv[1], "alloc-rate") == 0)
		O.mode = M_ALLOC;
	else if (strcmp(argv[1], "relay") == 0)
		O.mode = M_RELAY;
	else if (strcmp(argv[1], "latency") == 0)
		O.mode = M_LATENCY;
	else if (strcmp(argv[1], "hold") == 0)
		O.mode = M_HOLD;
	else
		usage();
	optind = 2;
	while ((opt = getopt(argc, argv, "s:u:p:T:c:n:d:l:W:k:r:D:P:w:qx"))
	       != -1) {
		switch (opt) {
		case 's':
			if (addr_parse(optarg, 3478, &ss) != 0 ||
			    ss.ss_family != AF_INET)
				usage();
			memcpy(&O.srv, &ss, sizeof(O.srv));
			break;
		case 'u': O.user = optarg; break;
		case 'p': pass = optarg; break;
		case 'T': O.threads = atoi(optarg); break;
		case 'c': O.conc = atoi(optarg); break;
		case 'n': O.sessions = O.hold_n = atoi(optarg); break;
		case 'd': O.secs = atof(optarg); break;
		case 'l': O.len = atoi(optarg); break;
		case 'W': O.window = atoi(optarg); break;
		case 'k': O.steps = atoi(optarg); break;
		case 'r': O.rate = atof(optarg); break;
		case 'D': O.drain = atof(optarg); break;
		case 'P': O.pid = atoi(optarg); break;
		case 'w': O.hold_wait = atoi(optarg); break;
		case 'q': O.quiet = true; break;
		case 'x': O.ext_peer = true; break;
		default: usage();
		}
	}
	if (O.srv.sin_family != AF_INET || O.user == NULL || pass == NULL ||
	    O.threads < 1 || O.threads > MAX_THREADS || O.conc < 1 ||
	    O.sessions < 1 || O.secs <= 0 || O.secs > 600 ||
	    O.len < PAYLOAD_MIN || O.len > PKT_MAX - 4 || O.window < 1 ||
	    O.window > 4096 || O.steps < 0 || O.drain < 0 || O.drain > 10)
		usage();
	if (strncmp(pass, "rest:", 5) == 0)
		auth_rest_password(pass + 5, O.user, O.pass, sizeof(O.pass));
	else
		snprintf(O.pass, sizeof(O.pass), "%s", pass);
	if (O.threads > O.conc && (O.mode == M_ALLOC || O.mode == M_HOLD))
		O.threads = O.conc;
	if (O.threads > O.sessions &&
	    (O.mode == M_RELAY || O.mode == M_LATENCY))
		O.threads = O.sessions;
	srand((unsigned)now_ns() ^ (unsigned)getpid());
	atomic_store(&src_ctr, (unsigned)rand());
	switch (O.mode) {
	case M_ALLOC: return cmd_alloc_rate();
	case M_RELAY: return cmd_relay();
	case M_LATENCY: return cmd_latency();
	case M_HOLD: return cmd_hold();
	}
	return 2;
}
