/**
 * @file routes.c  What the HTTP listener serves:
 *
 *   GET /healthz            200 "ok"
 *   GET /api/ice-servers    iceServers + ttl (TURN REST API shape), with
 *                           "Authorization: Bearer KEY" or ?key=KEY equal
 *                           to api-key (the app asks: an unscoped
 *                           credential); 401 otherwise, 404 without api-key
 *                           (never a credential to an anonymous caller),
 *                           429 over join-rate for the source IP
 *   GET /ws                 the signaling WebSocket (ws.c)
 *   GET /anything-else      a regular file below www-dir, or 404
 *
 * HEAD is answered like GET without the body.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "addr.h"
#include "httpd_int.h"

/* The host of the URLs handed out: public-host, else the first
 * external-ip, else the first specific listen address; "" when only the
 * request's Host header can tell. IPv6 goes in brackets. */
void
httpd_ice_setup(struct httpd *h)
{
	const struct conf *cf = h->conf;
	const struct sockaddr *sa = NULL;
	char ip[ADDR_STRLEN];

	h->ice.port = cf->nlisten ? addr_port((const struct sockaddr *)
					      &cf->listen[0]) : 0;
	h->ice.tls_port = cf->ntls_listen ? addr_port((const struct sockaddr *)
						     &cf->tls_listen[0]) : 0;
	h->ice.secret = cf->nsecrets ? cf->auth_secrets[0] : NULL;
	h->ice.ttl = cf->ice_ttl;
	h->ice.anon = cf->anonymous_relay == CONF_ANON_ANY ? SIG_CRED_FULL :
		      cf->anonymous_relay == CONF_ANON_OFF ? SIG_CRED_NONE :
		      SIG_CRED_RELAY;
	if (cf->public_host != NULL) {
		snprintf(h->host, sizeof(h->host), strchr(cf->public_host, ':')
			 ? "[%s]" : "%s", cf->public_host);
		return;
	}
	if (cf->nexternal_ip > 0)
		sa = (const struct sockaddr *)&cf->external_ip[0].public_ip;
	for (size_t i = 0; sa == NULL && i < cf->nlisten; i++)
		if (!addr_is_any((const struct sockaddr *)&cf->listen[i]))
			sa = (const struct sockaddr *)&cf->listen[i];
	if (sa == NULL)
		return;
	addr_ip_str(sa, ip, sizeof(ip));
	snprintf(h->host, sizeof(h->host),
		 sa->sa_family == AF_INET6 ? "[%s]" : "%s", ip);
}

/* The configured host, else the Host header without its port. */
void
httpd_url_host(const struct httpd *h, const struct http_req *r, char *out,
	       size_t cap)
{
	const char *host = r ? http_header(r, "Host") : NULL;
	size_t n;

	if (h->host[0] != '\0' || host == NULL) {
		snprintf(out, cap, "%s", h->host[0] ? h->host : "localhost");
		return;
	}
	if (host[0] == '[')
		n = strcspn(host, "]") + (strchr(host, ']') != NULL);
	else
		n = strcspn(host, ":");
	if (n == 0 || n >= cap ||
	    strspn(host, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		   "0123456789.-[]:") < n) {
		snprintf(out, cap, "localhost");
		return;
	}
	memcpy(out, host, n);
	out[n] = '\0';
}

static bool
key_matches(const char *want, const char *got)
{
	size_t n = strlen(want);

	return got != NULL && strlen(got) == n &&
	       CRYPTO_memcmp(want, got, n) == 0;
}

static bool
api_authorized(const struct httpd *h, const struct http_req *r)
{
	const char *auth = http_header(r, "Authorization");
	char key[1100];

	if (auth != NULL && strncasecmp(auth, "Bearer ", 7) == 0 &&
	    key_matches(h->conf->api_key, auth + 7))
		return true;
	return http_query_get(r->query, "key", key, sizeof(key)) == 0 &&
	       key_matches(h->conf->api_key, key);
}

static void
serve_ice(struct hconn *c, struct http_req *r)
{
	struct httpd *h = c->h;
	char host[SIG_HOST_MAX], id[20] = "api-";
	uint8_t rnd[6];
	json_t *body;
	char *text;

	if (h->conf->api_key == NULL) {
		hconn_respond(c, r, 404, "text/plain", "404 Not Found\n", 14,
			      NULL);
		return;
	}
	if (!api_authorized(h, r)) {
		hconn_respond(c, r, 401, "text/plain", "401 Unauthorized\n",
			      17, "WWW-Authenticate: Bearer\r\n");
		return;
	}
	if (!sig_issue_allowed(h->sig, c->ip)) {
		hconn_respond(c, r, 429, "text/plain",
			      "429 Too Many Requests\n", 22, NULL);
		return;
	}
	RAND_bytes(rnd, sizeof(rnd));
	for (int i = 0; i < 6; i++)
		snprintf(id + 4 + 2 * i, 3, "%02x", rnd[i]);
	httpd_url_host(h, r, host, sizeof(host));
	body = json_pack("{s:o, s:i}", "iceServers",
			 sig_ice_servers(&h->ice, host, id, time(NULL),
					 SIG_CRED_FULL),
			 "ttl", (json_int_t)h->ice.ttl);
	text = body ? json_dumps(body, JSON_COMPACT) : NULL;
	if (text == NULL)
		hconn_respond(c, r, 500, "text/plain", "500\n", 4, NULL);
	else
		hconn_respond(c, r, 200, "application/json", text,
			      strlen(text), NULL);
	free(text);
	json_decref(body);
}

static void
serve_file(struct hconn *c, struct http_req *r)
{
	const char *dir = c->h->conf->www_dir ? c->h->conf->www_dir : "www";
	char rel[HTTP_PATH_MAX], path[HTTP_PATH_MAX + 512];
	struct evbuffer *out = bufferevent_get_output(c->bev);
	struct stat st;
	int fd = -1;

	if (http_path_clean(r->path, rel, sizeof(rel)) == 0 &&
	    (size_t)snprintf(path, sizeof(path), "%s/%s", dir, rel) <
	    sizeof(path))
		fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		if (fd >= 0)
			close(fd);
		hconn_respond(c, r, 404, "text/plain; charset=utf-8",
			      "404 Not Found\n", 14, NULL);
		return;
	}
	evbuffer_add_printf(out, "HTTP/1.1 200 OK\r\nContent-Type: %s\r\n"
			    "Content-Length: %lld\r\nConnection: close\r\n"
			    "X-Content-Type-Options: nosniff\r\n"
			    "Cache-Control: no-cache\r\n\r\n",
			    http_content_type(rel), (long long)st.st_size);
	if (r->method == HTTP_GET && st.st_size > 0)
		evbuffer_add_file(out, fd, 0, st.st_size);  /* owns fd */
	else
		close(fd);
	hconn_closing(c);
}

void
route_request(struct hconn *c, struct http_req *r)
{
	if (c->h->admin) {
		admin_route(c, r);
		return;
	}
	if (strcmp(r->path, "/healthz") == 0)
		hconn_respond(c, r, 200, "text/plain; charset=utf-8", "ok\n",
			      3, NULL);
	else if (strcmp(r->path, "/api/ice-servers") == 0)
		serve_ice(c, r);
	else if (strcmp(r->path, "/ws") == 0)
		ws_upgrade(c, r);
	else
		serve_file(c, r);
}
