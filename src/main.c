/**
 * @file main.c  turnpike: command line, logging, run the server.
 *
 * Exit codes: 0 clean stop (or --help, --version, --check-config OK),
 * 1 runtime failure (a listener could not bind), 2 bad config or flags.
 */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/rand.h>

#include "conf.h"
#include "log.h"
#include "proc.h"
#include "server.h"
#include "version.h"

/* The one process-wide config (with the log sink, the only globals). */
static struct conf g_conf;

/* --reload: the same as systemctl reload, for setups without systemd. */
static int
signal_running(const struct conf *c)
{
	FILE *f;
	long pid = 0;

	if (c->pidfile == NULL) {
		fprintf(stderr, "turnpike: --reload needs pidfile (or --pidfile)\n");
		return 2;
	}
	f = fopen(c->pidfile, "r");
	if (f == NULL || fscanf(f, "%ld", &pid) != 1 || pid <= 1) {
		fprintf(stderr, "turnpike: %s: no pid to signal\n", c->pidfile);
		if (f != NULL)
			fclose(f);
		return 1;
	}
	fclose(f);
	if (kill((pid_t)pid, SIGHUP) != 0) {
		fprintf(stderr, "turnpike: pid %ld: %s\n", pid, strerror(errno));
		return 1;
	}
	printf("reload requested from pid %ld\n", pid);
	return 0;
}

/* Ports bound and keys read: the pid file, then give up root. */
static int
start_process(const struct conf *c)
{
	char why[256] = "";
	int err;

	if (c->pidfile != NULL && (err = proc_write_pidfile(c->pidfile)) != 0) {
		log_error("pidfile %s: %s", c->pidfile, strerror(err));
		return err;
	}
	err = proc_drop_privileges(c->proc_user, c->proc_group, why,
				   sizeof(why));
	if (err != 0) {
		log_error("%s: refusing to run", why);
		return err;
	}
	if (c->proc_user != NULL)
		log_event(LOG_LVL_INFO, "privileges-dropped", "user",
			  c->proc_user, "group", c->proc_group, NULL);
	return 0;
}

/* The signaling endpoint hands out TURN REST credentials: with no
 * auth-secrets configured, make a random secret for this run (static
 * users or not: adding a user must not take TURN away from the page). It
 * lives in memory only and is never logged, so only credentials handed
 * out by this process's signaling are made with it. */
static int
ensure_rest_secret(struct conf *c)
{
	uint8_t raw[32];
	char hex[2 * sizeof(raw) + 1];

	if (c->nhttp_listen == 0 || c->nsecrets > 0)
		return 0;
	if (RAND_bytes(raw, sizeof(raw)) != 1)
		return EIO;
	for (size_t i = 0; i < sizeof(raw); i++)
		snprintf(hex + 2 * i, 3, "%02x", raw[i]);
	c->auth_secrets[0] = strdup(hex);
	explicit_bzero(raw, sizeof(raw));
	explicit_bzero(hex, sizeof(hex));
	if (c->auth_secrets[0] == NULL)
		return ENOMEM;
	c->nsecrets = 1;
	c->generated_secret = true;
	log_info("no auth-secrets: generated a random TURN REST secret for "
		 "this run (kept in memory, not logged) for the signaling "
		 "endpoint's TURN credentials%s",
		 c->nusers > 0 || c->users_file != NULL
		 ? "; static users work as well" : "");
	return 0;
}

/* One line at start: what a page that joins without a ticket gets. */
static void
log_cred_mode(const struct conf *c)
{
	static const char *const anon[] = {
		[CONF_ANON_RELAY] = "anonymous-relay=relay: joins without a "
			"ticket get TURN credentials that relay only between "
			"allocations of this server (browsers in a room "
			"connect; no relaying to other addresses)",
		[CONF_ANON_ANY] = "anonymous-relay=any: joins without a ticket "
			"get unscoped TURN credentials: whoever opens the page "
			"may relay to any peer the peer policy allows",
		[CONF_ANON_OFF] = "anonymous-relay=off: joins without a ticket "
			"get no TURN credential (stun: only)",
	};

	if (c->nhttp_listen == 0)
		return;
	if (c->nsecrets == 0)
		log_warn("signaling: no auth-secrets, so no TURN credentials "
			 "in welcome (stun: only); add auth-secrets for "
			 "relay candidates");
	else if (c->join_secret != NULL)
		log_info("signaling: joins need a ticket signed with "
			 "join-secret; each gets an unscoped TURN credential");
	else
		log_info("signaling: %s", anon[c->anonymous_relay]);
}

static int
run(struct conf *c, int argc, char **argv)
{
	struct server *srv = NULL;
	int err;

	err = log_open(c->log_target, c->log_level, c->log_file);
	if (err != 0) {
		fprintf(stderr, "turnpike: log: %s\n", strerror(err));
		return 2;
	}
	log_set_format(c->log_format);
	log_event(LOG_LVL_INFO, "start", "version", TURNPIKE_VERSION,
		  "config", c->path, NULL);
	err = ensure_rest_secret(c);
	if (err == 0) {
		log_cred_mode(c);
		err = server_new(&srv, c);
	}
	if (err == 0) {
		server_set_args(srv, argc, argv);
		err = start_process(c);
	}
	if (err == 0) {
		proc_notify("READY=1");
		err = server_run(srv);
		proc_notify("STOPPING=1");
	}
	server_free(srv);
	if (c->pidfile != NULL)
		unlink(c->pidfile);       /* may fail once we are not root */
	log_event(LOG_LVL_INFO, "stop", NULL);
	log_close();
	return err == 0 ? 0 : 1;
}

int
main(int argc, char **argv)
{
	enum conf_action act = CONF_RUN;
	char err[512] = "";
	int rc;

	if (conf_parse_args(&g_conf, argc, argv, &act, stdout, err,
			    sizeof(err)) != 0) {
		fprintf(stderr, "turnpike: %s\n", err);
		if (act == CONF_USAGE)
			fprintf(stderr, "try 'turnpike --help'\n");
		conf_free(&g_conf);
		return 2;
	}
	if (act == CONF_EXIT) {
		rc = 0;
	} else if (act == CONF_RELOAD) {
		rc = signal_running(&g_conf);
	} else if (act == CONF_CHECK) {
		printf("configuration OK\n");
		rc = 0;
	} else {
		rc = run(&g_conf, argc, argv);
	}
	conf_free(&g_conf);
	return rc;
}
