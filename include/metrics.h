/**
 * @file metrics.h  The admin listener's data: Prometheus text exposition
 * (format 0.0.4) of GET /metrics and the JSON of GET /api/status.
 *
 * Pure: the renderers read a struct metrics_src filled by the daemon
 * (counters of the TURN core, gauges counted at scrape time, process
 * facts read from /proc) and write text; no sockets, no clock. Tests
 * fill a metrics_src by hand and check the exact text.
 */
#ifndef TURNPIKE_METRICS_H
#define TURNPIKE_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "turn.h"

/* A snapshot of everything exported, taken at scrape time. */
struct metrics_src {
	const char *version;              /* turnpike_build_info */
	const struct turn_stats *turn;    /* NULL: no TURN core */
	uint64_t allocs[4][3];            /* live: [enum turn_transport]
					     [IPv4, IPv6, dual] */
	uint64_t tcp_conns;               /* open TCP/TLS client connections */
	unsigned nworkers;                /* 0: not exported */
	const uint64_t *worker_allocs;    /* [nworkers]: live allocations */
	const uint64_t *worker_pkts;      /* [nworkers]: datagrams relayed */
	bool sig;                         /* signaling runs (http-listen) */
	uint64_t sig_conns, sig_rooms, sig_participants;
	uint64_t sig_msgs_in, sig_msgs_out;
	int64_t start_time_s;             /* Unix time the process started */
	int64_t uptime_s;
	int64_t rss_bytes;                /* < 0: unknown, not exported */
	int64_t open_fds;                 /* < 0: unknown, not exported */
	const char *config_path;          /* NULL: no file */
	const char *config_sha256;        /* hex, "" or NULL: no file */
};

/**
 * Render m in the Prometheus text format 0.0.4: for each family one
 * "# HELP" and one "# TYPE" line, then its samples; counters end in
 * _total. @return a malloc'd NUL-terminated text (*len its length), or
 * NULL without memory.
 */
char *metrics_render(const struct metrics_src *m, size_t *len);

/**
 * GET /api/status: {"version", "uptime_s", "start_time_s", "config":
 * {"path", "sha256"} (the first 16 hex digits), "counts": {"allocations",
 * "connections", "rooms", "participants", "signaling_connections"}}.
 * @return a malloc'd JSON text, or NULL without memory.
 */
char *metrics_status_json(const struct metrics_src *m);

/**
 * A label value escaped for the text format (backslash, double quote and
 * newline as \\, \" and \n) into out. @return the length it needs (as
 * snprintf: out holds a truncated text when that is >= cap).
 */
size_t metrics_escape(const char *v, char *out, size_t cap);

/** Allocations in all, summed over m->allocs. */
uint64_t metrics_allocs_total(const struct metrics_src *m);

#endif
