/**
 * @file fuzz_turn.c  Stateful libFuzzer target for the TURN core: one
 * server per input (turn_harness.h), fed a sequence of events.
 *
 * The input is a list of records:
 *
 *   | ctl (8) | length (16, big-endian) | message (length bytes) |
 *
 * ctl bit 7 clear: the message comes from a client.
 *   bits 0-1  which client (two ports of one IPv4 address, another IPv4
 *             address, an IPv6 address)
 *   bit 2     over its TCP connection (else UDP)
 *   bit 3     re-sign it with valid credentials (th_sign)
 *   bit 4     as the TURN REST user (else the static user)
 *   bits 5-6  advance the clock first: 0, 20 ms, 1 s, 61 s
 * ctl bit 7 set: an event from the outside, bits 4-6 choose it:
 *   0 a peer datagram to a UDP relay     1 a peer connects to a TCP relay
 *   2 a Connect succeeds                 3 a Connect fails
 *   4 a pipe closes                      5 the client's connection closes
 *   6 the periodic tick                  7 700 s pass, then the tick
 * For peer events the message is | relay index | v6 flag | IP | port |
 * payload |; a short one means the peer 127.0.0.1:60000 (allowed).
 */
#include "log.h"
#include "turn_harness.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REC_HDR 3

static struct th h;
static uint8_t signbuf[8192];
static uint8_t peerbuf[TURN_PEER_HEADROOM + 65536 + TURN_PEER_TAILROOM];

static void
advance(struct th *t, uint64_t ms)
{
	t->now_ms += ms;
	t->wall_s = 1700000000 + (int64_t)((t->now_ms - 1000000) / 1000);
}

/* The n-th open relay of the wanted kind, or NULL. */
static struct th_relay *
relay_pick(struct th *t, unsigned n, bool tcp)
{
	unsigned live = 0, i;

	for (i = 0; i < t->nrelays; i++)
		live += t->relays[i].open && t->relays[i].tcp == tcp;
	for (i = 0; live > 0 && i < t->nrelays; i++) {
		struct th_relay *r = &t->relays[i];
		if (r->open && r->tcp == tcp && n-- % live == 0)
			return r;
	}
	return NULL;
}

/* The peer address of a peer event; *used: bytes it took. */
static void
peer_of(const uint8_t *m, size_t len, struct sockaddr_storage *ss,
	size_t *used)
{
	size_t iplen = len > 1 && (m[1] & 1) ? 16 : 4;

	memset(ss, 0, sizeof(*ss));
	if (len < 2 + iplen + 2) {
		addr_parse("127.0.0.1:60000", 0, ss);
		*used = len;
		return;
	}
	if (iplen == 16) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
		s6->sin6_family = AF_INET6;
		memcpy(&s6->sin6_addr, m + 2, 16);
		memcpy(&s6->sin6_port, m + 18, 2);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
		s4->sin_family = AF_INET;
		memcpy(&s4->sin_addr, m + 2, 4);
		memcpy(&s4->sin_port, m + 6, 2);
	}
	*used = 2 + iplen + 2;
}

static void
peer_datagram(struct th *t, const uint8_t *m, size_t len)
{
	struct sockaddr_storage peer;
	struct th_relay *r = relay_pick(t, len ? m[0] : 0, false);
	size_t used;

	if (r == NULL)
		return;
	peer_of(m, len, &peer, &used);
	memcpy(peerbuf + TURN_PEER_HEADROOM, m + used, len - used);
	turn_on_peer(&t->srv, r->owner, (struct sockaddr *)&peer,
		     peerbuf + TURN_PEER_HEADROOM, len - used, t->now_ms);
}

static void
peer_accept(struct th *t, const uint8_t *m, size_t len)
{
	struct sockaddr_storage peer;
	struct th_relay *r = relay_pick(t, len ? m[0] : 0, true);
	size_t used;

	if (r == NULL)
		return;
	peer_of(m, len, &peer, &used);
	(void)turn_on_peer_accept(&t->srv, r->owner, (struct sockaddr *)&peer,
				  &t->peer_conn, t->now_ms);
}

static void
event(struct th *t, uint8_t ctl, const uint8_t *m, size_t len)
{
	unsigned n = len ? m[0] : 0;
	struct turn_pkt p = th_pkt(t, ctl & 3, (ctl & 4) != 0);
	uint32_t id;

	switch ((ctl >> 4) & 7) {
	case 0:
		peer_datagram(t, m, len);
		break;
	case 1:
		peer_accept(t, m, len);
		break;
	case 2:
	case 3:
		id = th_id_take(t->connecting, n);
		if (id != 0)
			(void)turn_on_peer_connect(&t->srv, id,
				((ctl >> 4) & 7) == 2 ? &t->peer_conn : NULL,
				t->now_ms);
		break;
	case 4:
		id = th_id_take(t->piped, n);
		if (id != 0)
			turn_on_pipe_closed(&t->srv, id);
		break;
	case 5:
		turn_conn_closed(&t->srv, &p);
		break;
	case 7:
		advance(t, 700 * 1000);
		/* fall through */
	case 6:
		turn_server_tick(&t->srv, t->now_ms);
		break;
	}
}

static void
from_client(struct th *t, uint8_t ctl, const uint8_t *m, size_t len)
{
	static const uint64_t steps[4] = { 0, 20, 1000, 61000 };
	unsigned i = ctl & 3;
	struct turn_pkt p;

	advance(t, steps[(ctl >> 5) & 3]);
	p = th_pkt(t, i, (ctl & 4) != 0);
	if (ctl & 8) {
		size_t n = th_sign(t, i, (ctl & 16) != 0, m, len, signbuf,
				   sizeof(signbuf));
		if (n > 0) {
			turn_on_client(&t->srv, &p, signbuf, n);
			return;
		}
	}
	turn_on_client(&t->srv, &p, m, len);
}

/* FUZZ_TURN_DEBUG=1: what an input reached (to check seeds by hand). */
static void
report(const struct th *t)
{
	const struct turn_stats *st = &t->srv.stats;

	fprintf(stderr, "allocs %llu ok %llu 401 %llu 438 %llu 403 %llu "
		"relayed out %llu in %llu relays %u\n",
		(unsigned long long)st->allocs_created,
		(unsigned long long)st->resp[200],
		(unsigned long long)st->resp[401],
		(unsigned long long)st->resp[438],
		(unsigned long long)st->resp[403],
		(unsigned long long)st->relay_pkts_out,
		(unsigned long long)st->relay_pkts_in, t->nrelays);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t off = 0;

	/* one warning per input would drown the fuzzer's output */
	if (!log_enabled(LOG_LVL_ERROR) || log_enabled(LOG_LVL_WARN))
		log_open(LOG_TO_STDERR, LOG_LVL_ERROR, NULL);
	th_init(&h);
	while (size - off >= REC_HDR) {
		uint8_t ctl = data[off];
		size_t len = (size_t)data[off + 1] << 8 | data[off + 2];

		off += REC_HDR;
		if (len > size - off)
			len = size - off;
		if (ctl & 0x80)
			event(&h, ctl, data + off, len);
		else
			from_client(&h, ctl, data + off, len);
		off += len;
	}
	if (getenv("FUZZ_TURN_DEBUG") != NULL)
		report(&h);
	th_fini(&h);
	return 0;
}
