/**
 * @file turn.h  The protocol core: STUN/TURN request handling behind a
 * small I/O port.
 *
 * Pure: no sockets, no libevent, no clock reads. Transports (src/net)
 * read bytes, fill a struct turn_pkt (who sent it, on which connection,
 * the time read once per event) and call turn_on_client(). Replies leave
 * through turn_io.send. Tests pass a recording turn_io.
 */
#ifndef TURNPIKE_TURN_H
#define TURNPIKE_TURN_H

#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

#include "conf.h"

enum turn_transport { TP_UDP, TP_TCP, TP_TLS, TP_DTLS };

/* The I/O port: what the core needs from the outside world. */
struct turn_io {
	void *arg;
	/** Send one message to a client over the connection it came on. */
	int (*send)(void *arg, void *conn, const struct sockaddr *to,
		    const uint8_t *buf, size_t len);
};

/* One received message and where it came from. */
struct turn_pkt {
	void *conn;                       /* transport's handle, opaque */
	enum turn_transport tp;
	const struct sockaddr *client;    /* source address */
	const struct sockaddr *local;     /* address it arrived on */
	uint64_t now_ms;                  /* monotonic */
	int64_t wall_s;                   /* Unix time */
};

/* Counters, summed by the metrics endpoint later. */
struct turn_stats {
	uint64_t rx_msgs;                 /* messages handed to the core */
	uint64_t malformed;               /* dropped: not STUN, bad TLVs, ... */
	uint64_t bad_fingerprint;         /* dropped: FINGERPRINT mismatch */
	uint64_t ignored;                 /* dropped: responses, unknown inds */
	uint64_t send_errors;             /* io->send failed */
	uint64_t bytes_in, bytes_out;
	uint64_t resp[700];               /* responses by code; [200] = success */
};

struct turn_server {
	const struct conf *conf;
	const struct turn_io *io;
	struct turn_stats stats;
};

/** Set up a core over a config and an I/O port (both outlive it). */
void turn_server_init(struct turn_server *s, const struct conf *conf,
		      const struct turn_io *io);

/**
 * Handle one message from a client: a datagram (UDP) or one frame cut
 * from a stream by stun_frame_len(). Never fails: bad input is counted
 * and dropped, or answered with the right STUN error.
 */
void turn_on_client(struct turn_server *s, const struct turn_pkt *p,
		    const uint8_t *buf, size_t len);

#endif
