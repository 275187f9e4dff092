/**
 * @file admin.c  What the admin listener serves (admin-listen, default
 * 127.0.0.1:9641), on the same small HTTP server as the public listener:
 *
 *   GET /metrics       Prometheus text exposition 0.0.4 (metrics.c)
 *   GET /api/status    JSON: version, uptime, config fingerprint, counts
 *   GET /healthz       200 "ok"
 *   anything else      404
 *
 * With admin-token every path needs "Authorization: Bearer TOKEN" (401
 * otherwise); without it anyone who can reach the address may read.
 * The token is compared through SHA-256 digests with CRYPTO_memcmp: the
 * time taken tells nothing about its content or its length.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <openssl/crypto.h>
#include <openssl/sha.h>

#include "httpd_int.h"
#include "metrics.h"
#include "version.h"

static bool
token_ok(const struct httpd *h, const struct http_req *r)
{
	const char *want = h->conf->admin_token;
	const char *auth = http_header(r, "Authorization");
	unsigned char a[SHA256_DIGEST_LENGTH], b[SHA256_DIGEST_LENGTH];

	if (want == NULL)
		return true;
	if (auth == NULL || strncasecmp(auth, "Bearer ", 7) != 0 ||
	    http_header_count(r, "Authorization") != 1)
		return false;
	auth += 7;
	while (*auth == ' ')
		auth++;
	SHA256((const unsigned char *)want, strlen(want), a);
	SHA256((const unsigned char *)auth, strlen(auth), b);
	return CRYPTO_memcmp(a, b, sizeof(a)) == 0;
}

/* Resident memory from /proc/self/statm (pages), or -1. */
static int64_t
rss_bytes(void)
{
	FILE *f = fopen("/proc/self/statm", "re");
	unsigned long long size, rss;
	long page = sysconf(_SC_PAGESIZE);
	int n;

	if (f == NULL)
		return -1;
	n = fscanf(f, "%llu %llu", &size, &rss);
	fclose(f);
	return n == 2 && page > 0 ? (int64_t)(rss * (unsigned long long)page)
				  : -1;
}

/* Entries of /proc/self/fd (less the one reading it), or -1. */
static int64_t
open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int64_t n = 0;

	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL)
		n += e->d_name[0] != '.';
	closedir(d);
	return n > 0 ? n - 1 : 0;
}

static void
snapshot(struct httpd *h, struct metrics_src *m)
{
	struct timespec now;

	memset(m, 0, sizeof(*m));
	m->version = TURNPIKE_VERSION;
	m->start_time_s = h->start_s;
	clock_gettime(CLOCK_MONOTONIC, &now);
	m->uptime_s = (int64_t)(now.tv_sec - h->start_mono.tv_sec);
	m->rss_bytes = rss_bytes();
	m->open_fds = open_fds();
	m->config_path = h->conf->path;
	m->config_sha256 = h->conf->file_sha256;
	if (h->collect != NULL)
		h->collect(h->collect_arg, m);
}

static void
text(struct hconn *c, const struct http_req *r, int status, const char *t,
     const char *extra)
{
	hconn_respond(c, r, status, "text/plain; charset=utf-8", t, strlen(t),
		      extra);
}

void
admin_route(struct hconn *c, struct http_req *r)
{
	struct metrics_src m;
	char *body = NULL;
	size_t len = 0;

	if (!token_ok(c->h, r)) {
		text(c, r, 401, "401 Unauthorized\n",
		     "WWW-Authenticate: Bearer\r\n");
		return;
	}
	if (strcmp(r->path, "/healthz") == 0) {
		text(c, r, 200, "ok\n", NULL);
		return;
	}
	if (strcmp(r->path, "/metrics") != 0 &&
	    strcmp(r->path, "/api/status") != 0) {
		text(c, r, 404, "404 Not Found\n", NULL);
		return;
	}
	snapshot(c->h, &m);
	if (strcmp(r->path, "/metrics") == 0)
		body = metrics_render(&m, &len);
	else if ((body = metrics_status_json(&m)) != NULL)
		len = strlen(body);
	if (body == NULL)
		text(c, r, 500, "500 Internal Server Error\n", NULL);
	else if (strcmp(r->path, "/metrics") == 0)
		hconn_respond(c, r, 200, "text/plain; version=0.0.4; "
			      "charset=utf-8", body, len, NULL);
	else
		hconn_respond(c, r, 200, "application/json", body, len, NULL);
	free(body);
}

void
httpd_metrics(const struct httpd *h, struct metrics_src *m)
{
	if (h == NULL || h->sig == NULL)
		return;
	m->sig = true;
	m->sig_conns = sig_nconns(h->sig);
	m->sig_rooms = sig_nrooms(h->sig);
	m->sig_participants = sig_nsessions(h->sig);
	m->sig_msgs_in = sig_nmessages(h->sig, false);
	m->sig_msgs_out = sig_nmessages(h->sig, true);
}
