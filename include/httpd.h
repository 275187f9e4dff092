/**
 * @file httpd.h  The HTTP listener of the daemon, in its event loop: the
 * static files of www-dir (the demo page), GET /healthz, GET
 * /api/ice-servers and the signaling WebSocket GET /ws (docs/signaling.md).
 *
 * With cert and key configured it speaks HTTPS (https.c wraps each
 * accepted socket in an OpenSSL bufferevent); everything above the
 * bufferevent stays the same.
 */
#ifndef TURNPIKE_HTTPD_H
#define TURNPIKE_HTTPD_H

#include <event2/event.h>

#include "conf.h"

struct httpd;

/**
 * Bind every http-listen address of conf (which must outlive it) on base.
 * With no address the listener is off (*out is still a valid, idle
 * httpd). A failed bind is fatal, except for the built-in default
 * address, which only warns (so a busy port 8080 does not stop TURN).
 * @return 0 or an errno; a message has been logged.
 */
int httpd_new(struct httpd **out, struct event_base *base,
	      const struct conf *conf);
/** Use conf (which must outlive h) from now on: signaling limits, the
 *  secret and URLs of handed-out credentials, api-key, origins, www-dir.
 *  Listeners stay as they are (a change needs a restart). */
void httpd_reconfigure(struct httpd *h, const struct conf *conf);
/* The admin listener (src/http/admin.c): GET /metrics, GET /api/status
 * and GET /healthz on the admin-listen addresses, behind admin-token. */
struct metrics_src;
/** Fill what only the daemon knows: the TURN core's counters, the
 *  allocations and connections (the signaling part: httpd_metrics). */
typedef void (*httpd_collect_fn)(void *arg, struct metrics_src *m);

/**
 * Bind every admin-listen address of conf (which must outlive it) on
 * base; collect(arg, ...) is called for each scrape. No address: off.
 * A failed bind is fatal, except for the built-in default, which warns.
 * @return 0 or an errno; a message has been logged.
 */
int httpd_admin_new(struct httpd **out, struct event_base *base,
		    const struct conf *conf, httpd_collect_fn collect,
		    void *arg);
/** The signaling gauges and counters of h (an HTTP listener) into m;
 *  nothing when signaling is off or h is NULL. */
void httpd_metrics(const struct httpd *h, struct metrics_src *m);

/** Shutting down: accept no more, send every WebSocket a close frame
 *  1001 (going away) and let each close once that is written; requests
 *  not yet read are dropped. NULL is fine.
 *  @return the connections still open (httpd_nconns): the caller runs
 *  the loop, boundedly, until they are gone, then calls httpd_free. */
size_t httpd_going_away(struct httpd *h);
/** Connections open now (0 for NULL). */
size_t httpd_nconns(const struct httpd *h);
/** Close listeners and connections. NULL is fine. */
void httpd_free(struct httpd *h);

#endif
