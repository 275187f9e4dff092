/**
 * @file reload.c  SIGHUP: read the configuration again (the same file
 * and flags, and the environment) and apply it without dropping anything
 * that lives: allocations, permissions, channels, TCP/TLS connections and
 * signaling sessions stay; users, the users file, REST secrets, realm,
 * peer policy, quotas, rate limits (counted afresh), lifetimes, log level
 * and format, signaling limits and TLS certificates apply to what comes
 * next.
 *
 * A new configuration that fails to parse or validate, or whose users
 * file cannot be read, is refused as a whole: the old one stays and the
 * reason is logged. What only a restart can change (listeners, relay
 * ports and addresses, log target, process user, pid file, workers)
 * keeps its
 * running value, with a warning naming the key.
 *
 * Replaced configurations are kept until exit: parts of the server hold
 * pointers into them (strings, lists), and a reload is rare.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "httpd.h"
#include "log.h"
#include "net.h"
#include "proc.h"

struct conf_retired {
	struct conf conf;
	struct auth *old_auth;            /* replaced by this reload... */
	uint64_t gen;                     /* ...freed once every worker has it */
	struct conf_retired *next;
};

static bool
str_eq(const char *a, const char *b)
{
	return (a == NULL && b == NULL) ||
	       (a != NULL && b != NULL && strcmp(a, b) == 0);
}

static void
needs_restart(const char *key)
{
	log_warn("reload: '%s' changed: it takes effect at the next restart",
		 key);
}

/* Listeners and relay sockets are what they are: n keeps old's values. */
static void
keep_fixed(const struct conf *old, struct conf *n)
{
	if (n->nlisten != old->nlisten ||
	    memcmp(n->listen, old->listen, sizeof(old->listen)) != 0)
		needs_restart("listen");
	memcpy(n->listen, old->listen, sizeof(old->listen));
	n->nlisten = old->nlisten;
	if (n->ntls_listen != old->ntls_listen ||
	    memcmp(n->tls_listen, old->tls_listen, sizeof(old->tls_listen)) != 0)
		needs_restart("tls-listen");
	memcpy(n->tls_listen, old->tls_listen, sizeof(old->tls_listen));
	n->ntls_listen = old->ntls_listen;
	if (n->nhttp_listen != old->nhttp_listen ||
	    memcmp(n->http_listen, old->http_listen,
		   sizeof(old->http_listen)) != 0)
		needs_restart("http-listen");
	memcpy(n->http_listen, old->http_listen, sizeof(old->http_listen));
	n->nhttp_listen = old->nhttp_listen;
	if (n->nadmin_listen != old->nadmin_listen ||
	    memcmp(n->admin_listen, old->admin_listen,
		   sizeof(old->admin_listen)) != 0)
		needs_restart("admin-listen");
	memcpy(n->admin_listen, old->admin_listen, sizeof(old->admin_listen));
	n->nadmin_listen = old->nadmin_listen;
	if (n->relay_port_min != old->relay_port_min ||
	    n->relay_port_max != old->relay_port_max)
		needs_restart("relay-ports");
	n->relay_port_min = old->relay_port_min;
	n->relay_port_max = old->relay_port_max;
	if (n->nrelay_ip != old->nrelay_ip ||
	    memcmp(n->relay_ip, old->relay_ip, sizeof(old->relay_ip)) != 0)
		needs_restart("relay-ips");
	memcpy(n->relay_ip, old->relay_ip, sizeof(old->relay_ip));
	n->nrelay_ip = old->nrelay_ip;
	if (n->log_target != old->log_target ||
	    !str_eq(n->log_file, old->log_file))
		needs_restart("log-target/log-file");
	if (!str_eq(n->proc_user, old->proc_user) ||
	    !str_eq(n->proc_group, old->proc_group))
		needs_restart("proc-user/proc-group");
	if (!str_eq(n->pidfile, old->pidfile))
		needs_restart("pidfile");
	if (n->workers != old->workers)
		needs_restart("workers");
	n->workers = old->workers;
}

/* No auth-secrets, signaling on: the secret generated at startup stays,
 * or every credential handed out so far would die. */
static int
keep_generated_secret(const struct conf *old, struct conf *n)
{
	if (!old->generated_secret || n->nsecrets > 0 || n->nhttp_listen == 0)
		return 0;
	if ((n->auth_secrets[0] = strdup(old->auth_secrets[0])) == NULL)
		return ENOMEM;
	n->nsecrets = 1;
	n->generated_secret = true;
	return 0;
}

/* Parse and check everything before touching the running server. */
static int
prepare(struct server *s, struct conf_retired *node, struct auth **auth)
{
	enum conf_action act;
	char err[512] = "";

	if (s->argv == NULL) {
		log_error("reload: no command line to read again");
		return -1;
	}
	if (conf_parse_args(&node->conf, s->argc, s->argv, &act, NULL, err,
			    sizeof(err)) != 0) {
		log_error("reload refused, the running configuration stays: "
			  "%s", err);
		return -1;
	}
	keep_fixed(s->conf, &node->conf);
	if (keep_generated_secret(s->conf, &node->conf) != 0) {
		log_error("reload refused: out of memory");
		return -1;
	}
	if (auth_new(auth, &node->conf, s->nonce_key, err, sizeof(err)) != 0) {
		log_error("reload refused, the running configuration stays: "
			  "auth: %s", err);
		return -1;
	}
	return 0;
}

void
server_reload(struct server *s)
{
	struct conf_retired *node = calloc(1, sizeof(*node));
	struct auth *auth = NULL;

	proc_notify("RELOADING=1");
	if (node == NULL || prepare(s, node, &auth) != 0) {
		if (node != NULL)
			conf_free(&node->conf);
		free(node);
		proc_notify("READY=1");
		return;
	}
	s->conf = &node->conf;
	node->gen = ++s->gen;
	turn_server_reconfigure(&s->core, s->conf, auth);
	for (unsigned i = 1; i < s->nworkers; i++)
		worker_post_reload(s->w[i], s->conf, auth, s->gen);
	node->old_auth = s->auth;         /* other workers may be in it */
	s->auth = auth;
	httpd_reconfigure(s->http, s->conf);
	tls_reload(s);                    /* certificates: new connections */
	httpd_reconfigure(s->admin, s->conf);
	log_set_level(s->conf->log_level);
	log_set_format(s->conf->log_format);
	node->next = s->retired;
	s->retired = node;
	server_reload_reap(s);
	if (!auth_enabled(auth))
		log_warn("reload: no users and no auth-secrets: new TURN "
			 "allocations are refused");
	log_event(LOG_LVL_INFO, "reloaded", "config", s->conf->path, NULL);
	proc_notify("READY=1");
}

void
server_reload_reap(struct server *s)
{
	uint64_t seen = UINT64_MAX;

	for (unsigned i = 1; i < s->nworkers; i++) {
		uint64_t g = worker_gen(s->w[i]);
		seen = g < seen ? g : seen;
	}
	for (struct conf_retired *n = s->retired; n != NULL; n = n->next)
		if (n->old_auth != NULL && n->gen <= seen) {
			auth_free(n->old_auth);
			n->old_auth = NULL;
		}
}

void
server_reload_free(struct server *s)
{
	struct conf_retired *n;

	while ((n = s->retired) != NULL) {
		s->retired = n->next;
		auth_free(n->old_auth);
		conf_free(&n->conf);
		free(n);
	}
}
