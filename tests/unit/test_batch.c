/**
 * @file test_batch.c  src/net/batch.c on loopback sockets: a burst read
 * in bounded batches and echoed in order, complete, once; a message the
 * kernel refuses counted and skipped; queues that fill part way; a
 * source address per message; the relay queue following its socket.
 */
#include <errno.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <cmocka.h>

#include "../../src/net/net.h"

#define BURST 200

struct fx {
	struct worker *srv;              /* a worker: the batch owner */
	int a, b;                         /* "listener" and "client" */
	struct sockaddr_in aa, ba;
	struct net_txq *q;                /* a's queue */
	unsigned errors, seen, calls_max;
	int last_err;
};

static int
udp_sock(const char *ip, struct sockaddr_in *out)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	int big = 4 << 20;
	socklen_t l = sizeof(*out);

	assert_true(fd >= 0);
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof(big)) != 0)
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
	*out = (struct sockaddr_in){ .sin_family = AF_INET };
	inet_pton(AF_INET, ip, &out->sin_addr);
	assert_int_equal(bind(fd, (struct sockaddr *)out, sizeof(*out)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)out, &l), 0);
	return fd;
}

static void
on_err(void *arg, int err)
{
	struct fx *f = arg;

	f->errors++;
	f->last_err = err;
}

static int
setup_with(void **state, bool base)
{
	struct fx *f = calloc(1, sizeof(*f));

	f->srv = calloc(1, sizeof(*f->srv));
	if (base)
		assert_non_null(f->srv->base = event_base_new());
	assert_int_equal(net_batch_ref(f->srv), 0);
	f->a = udp_sock("127.0.0.1", &f->aa);
	f->b = udp_sock("127.0.0.1", &f->ba);
	f->q = net_txq_new(f->srv, f->a, on_err, f);
	assert_non_null(f->q);
	*state = f;
	return 0;
}

/* No event base: the queues leave when each read batch ends. */
static int
setup(void **state)
{
	return setup_with(state, false);
}

/* With one: they leave at the end of the loop's pass. */
static int
setup_base(void **state)
{
	return setup_with(state, true);
}

static int
teardown(void **state)
{
	struct fx *f = *state;
	struct event_base *base = f->srv->base;

	net_txq_free(f->q);
	net_batch_unref(f->srv);
	if (base != NULL)
		event_base_free(base);
	assert_null(f->srv->batch);
	close(f->a);
	close(f->b);
	free(f->srv);
	free(f);
	return 0;
}

/* One datagram, waiting a bounded while for it; -1 if none came. */
static ssize_t
recv_one(int fd, uint8_t *buf, size_t cap, struct sockaddr_in *from)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	socklen_t l = sizeof(*from);

	if (poll(&p, 1, 2000) != 1)
		return -1;
	return recvfrom(fd, buf, cap, 0, (struct sockaddr *)from, &l);
}

/* Mostly small, every tenth larger than a compact receive slot (1536
 * bytes of data), one near the largest. */
static size_t
burst_len(uint32_t i)
{
	static const size_t big[4] = { 1536, 1537, 4000, 9000 };

	if (i == 99)
		return 65000;
	return i % 10 == 9 ? big[(i / 10) % 4] : 16 + i % 300;
}

static void
send_seq(int fd, const struct sockaddr_in *to, uint32_t seq, size_t len)
{
	static uint8_t buf[65536];

	memcpy(buf, &seq, 4);
	memset(buf + 4, (int)(seq & 0xFF), len - 4);
	assert_int_equal(sendto(fd, buf, len, 0, (const struct sockaddr *)to,
				sizeof(*to)), (ssize_t)len);
}

/* The echo: a 4-byte header built in place in the headroom (queued by
 * pointer, as ChannelData is), and for every third datagram a copy from
 * the stack after it (queued through the arena). */
static void
echo(void *arg, const struct net_dgram *d, uint64_t now_ms, int64_t wall_s)
{
	struct fx *f = arg;
	uint8_t copy[8] = { 'c', 'o', 'p', 'y' };

	(void)now_ms; (void)wall_s;
	assert_true(net_batch_open(f->srv));
	f->seen++;
	memcpy(d->data - 4, "ECHO", 4);
	assert_int_equal(net_txq_add(f->q, d->from, NULL, d->data - 4,
				     d->len + 4), 0);
	if (d->data[0] % 3 == 0) {
		memcpy(copy + 4, d->data, 4);
		assert_int_equal(net_txq_add(f->q, d->from, NULL, copy,
					     sizeof(copy)), 0);
	}
}

/* The echoes of datagrams 0..count-1 arrive at b, in order, intact,
 * each third followed by its copy; then nothing more, and no error. */
static void
expect_echoes(struct fx *f, uint32_t count)
{
	static uint8_t buf[65536];
	struct sockaddr_in from;

	for (uint32_t i = 0; i < count; i++) {
		uint32_t seq;
		ssize_t n = recv_one(f->b, buf, sizeof(buf), &from);

		assert_int_equal(n, 4 + burst_len(i));
		assert_memory_equal(buf, "ECHO", 4);
		memcpy(&seq, buf + 4, 4);
		assert_int_equal(seq, i);
		assert_int_equal(buf[n - 1], i & 0xFF);
		if (i % 3 != 0)
			continue;
		n = recv_one(f->b, buf, sizeof(buf), &from);
		assert_int_equal(n, 8);
		assert_memory_equal(buf, "copy", 4);
		memcpy(&seq, buf + 4, 4);
		assert_int_equal(seq, i);
	}
	assert_int_equal(recv(f->b, buf, sizeof(buf), MSG_DONTWAIT), -1);
	assert_int_equal(f->errors, 0);
}

static void
test_burst_in_order(void **state)
{
	struct fx *f = *state;
	unsigned reads = 0;

	for (uint32_t i = 0; i < BURST; i++)
		send_seq(f->b, &f->aa, i, burst_len(i));
	assert_false(net_batch_open(f->srv));
	/* One call: two recvmmsg of NET_BATCH at most. */
	net_batch_read(f->srv, f->a, 2, false, echo, f);
	assert_int_equal(f->seen, 2 * NET_BATCH);
	assert_false(net_batch_open(f->srv));
	while (f->seen < BURST && reads++ < 10)
		net_batch_read(f->srv, f->a, 2, false, echo, f);
	assert_int_equal(f->seen, BURST);
	expect_echoes(f, BURST);
}

/* Two reads (the second overwrites the datagrams of the first) before
 * the loop's pass ends: nothing has left yet; then everything leaves, in
 * order and intact (what pointed into the first batch was copied out). */
static void
test_deferred_to_end_of_pass(void **state)
{
	struct fx *f = *state;
	uint8_t buf[64];

	/* 2 x 8 echoes and 6 copies: 22 messages, the queue holds 32. */
	for (uint32_t i = 0; i < 8; i++)
		send_seq(f->b, &f->aa, i, burst_len(i));
	net_batch_read(f->srv, f->a, 1, false, echo, f);
	assert_int_equal(f->seen, 8);
	for (uint32_t i = 8; i < 16; i++)
		send_seq(f->b, &f->aa, i, burst_len(i));
	net_batch_read(f->srv, f->a, 1, false, echo, f);
	assert_int_equal(f->seen, 16);
	assert_int_equal(recv(f->b, buf, sizeof(buf), MSG_DONTWAIT), -1);
	assert_int_equal(event_base_loop(f->srv->base,
					 EVLOOP_ONCE | EVLOOP_NONBLOCK), 0);
	expect_echoes(f, 16);
}

static void
queue_seq(struct fx *f, const struct sockaddr *to, const struct sockaddr *src,
	  uint32_t seq, size_t len)
{
	static uint8_t buf[16384];

	memcpy(buf, &seq, 4);
	assert_int_equal(net_txq_add(f->q, to, src, buf, len), 0);
}

static uint32_t
recv_seq(struct fx *f, size_t len, struct sockaddr_in *from)
{
	static uint8_t buf[16384];
	uint32_t seq;

	assert_int_equal(recv_one(f->b, buf, sizeof(buf), from), (ssize_t)len);
	memcpy(&seq, buf, 4);
	return seq;
}

/* sendmmsg stops at a message it cannot send: that one is counted and
 * skipped, the others leave once each, in order. */
static void
test_refused_counted_skipped(void **state)
{
	struct fx *f = *state;
	struct sockaddr_in zero = f->ba, from;
	struct sockaddr_in6 v6 = { .sin6_family = AF_INET6,
				   .sin6_port = htons(9) };

	zero.sin_port = 0;                /* EINVAL */
	v6.sin6_addr = in6addr_loopback;  /* wrong family for the socket */
	for (uint32_t i = 0; i < 10; i++) {
		const struct sockaddr *to = (struct sockaddr *)&f->ba;

		if (i == 0 || i == 4)
			to = (struct sockaddr *)&zero;
		else if (i == 7 || i == 9)
			to = (struct sockaddr *)&v6;
		queue_seq(f, to, NULL, i, 32);
	}
	net_txq_flush(f->q);
	assert_int_equal(f->errors, 4);
	for (uint32_t i = 0; i < 10; i++)
		if (i != 0 && i != 4 && i != 7 && i != 9)
			assert_int_equal(recv_seq(f, 32, &from), i);
	assert_int_equal(recv(f->b, &from, sizeof(from), MSG_DONTWAIT), -1);
}

/* Copies fill the arena (128 KiB) before NET_BATCH messages are queued,
 * and NET_BATCH small ones fill the queue: it leaves part way, and the
 * order holds across the early flushes. */
#define FILL_LEN(i) ((i) < 4 * NET_BATCH && (i) % 2 ? 9000 : 100)
static void
test_queue_fills(void **state)
{
	struct fx *f = *state;
	struct sockaddr_in from;
	uint32_t next = 0, first = 0;

	for (uint32_t i = 0; i < 8 * NET_BATCH; i++) {
		queue_seq(f, (struct sockaddr *)&f->ba, NULL, i, FILL_LEN(i));
		/* Read what an early flush sent: B's buffer stays small. */
		while (recv(f->b, &from, 0, MSG_DONTWAIT | MSG_PEEK) == 0) {
			if (next == 0)
				first = i;
			assert_int_equal(recv_seq(f, FILL_LEN(next), &from),
					 next);
			next++;
		}
	}
	assert_true(next > 0 && first < NET_BATCH);  /* the arena filled */
	net_txq_flush(f->q);
	for (; next < 8 * NET_BATCH; next++)
		assert_int_equal(recv_seq(f, FILL_LEN(next), &from), next);
	assert_int_equal(f->errors, 0);
}

/* A wildcard listener's replies each carry their own source (IP_PKTINFO):
 * 127.0.0.0/8 is all local, so 127.0.0.2 and .3 are addresses of ours. */
static void
test_source_per_message(void **state)
{
	struct fx *f = *state;
	static const char *const ips[3] = { "127.0.0.1", "127.0.0.2",
					    "127.0.0.3" };
	struct sockaddr_in src[3], from;
	char got[INET_ADDRSTRLEN];

	for (int i = 0; i < 3; i++) {
		src[i] = (struct sockaddr_in){ .sin_family = AF_INET };
		inet_pton(AF_INET, ips[i], &src[i].sin_addr);
	}
	for (uint32_t i = 0; i < 9; i++)
		queue_seq(f, (struct sockaddr *)&f->ba,
			  (struct sockaddr *)&src[i % 3], i, 20);
	net_txq_flush(f->q);
	for (uint32_t i = 0; i < 9; i++) {
		assert_int_equal(recv_seq(f, 20, &from), i);
		inet_ntop(AF_INET, &from.sin_addr, got, sizeof(got));
		assert_string_equal(got, ips[i % 3]);
	}
	assert_int_equal(f->errors, 0);
}

/* The relay queue holds one socket's datagrams: binding it to another
 * sends what it holds first. */
static void
test_relay_queue_follows_socket(void **state)
{
	struct fx *f = *state;
	struct net_txq *rq = net_batch_relay_txq(f->srv);
	struct sockaddr_in r1a, r2a, from;
	int r1 = udp_sock("127.0.0.1", &r1a), r2 = udp_sock("127.0.0.1", &r2a);
	uint8_t buf[8] = { 0 };
	int o1, o2;

	net_txq_bind(rq, r1, on_err, &o1);
	assert_true(net_txq_bound(rq, &o1));
	for (uint8_t i = 0; i < 3; i++) {
		buf[0] = i;
		net_txq_add(rq, (struct sockaddr *)&f->ba, NULL, buf, 8);
	}
	assert_int_equal(recv(f->b, buf, 8, MSG_DONTWAIT), -1);
	net_txq_bind(rq, r2, on_err, &o2);
	for (uint8_t i = 3; i < 5; i++) {
		buf[0] = i;
		net_txq_add(rq, (struct sockaddr *)&f->ba, NULL, buf, 8);
	}
	net_txq_bind(rq, -1, NULL, NULL);
	for (uint8_t i = 0; i < 5; i++) {
		assert_int_equal(recv_one(f->b, buf, 8, &from), 8);
		assert_int_equal(buf[0], i);
		assert_int_equal(from.sin_port, i < 3 ? r1a.sin_port
						      : r2a.sin_port);
	}
	close(r1);
	close(r2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_deferred_to_end_of_pass,
						setup_base, teardown),
		cmocka_unit_test_setup_teardown(test_burst_in_order, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_refused_counted_skipped,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_queue_fills, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_source_per_message, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_relay_queue_follows_socket,
						setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
