/**
 * @file admit.c  Who may open a TCP/TLS connection: a cap on all
 * connections and one per source (an IPv4 address, an IPv6 /64:
 * addr_src_key), so that one host (or a botnet of idle sockets from one
 * NAT) cannot use up the descriptors that other clients need. Refused
 * connections are closed at once and counted.
 */
#include "addr.h"
#include "log.h"
#include "net.h"

/* O(connections) per accept: at most max-conns comparisons, and no
 * per-source table to keep or to flood. */
static unsigned
conns_from(const struct server *srv, const struct sockaddr *client)
{
	const struct tcp_conn *c;
	unsigned n = 0;

	TAILQ_FOREACH(c, &srv->conns, link)
		n += addr_same_source((const struct sockaddr *)&c->client,
				      client);
	return n;
}

bool
net_admit(struct server *srv, const struct sockaddr *client)
{
	const struct conf *cf = srv->conf;
	char a[ADDR_STRLEN];
	const char *why = NULL;

	if (srv->nconns >= cf->max_conns)
		why = "max-conns";
	else if (cf->max_conns_per_ip != 0 &&
		 conns_from(srv, client) >= cf->max_conns_per_ip)
		why = "max-conns-per-ip";
	if (why == NULL)
		return true;
	srv->core.stats.conns_refused++;
	log_debug("tcp %s: refused (%s reached)",
		  addr_str(client, a, sizeof(a)), why);
	return false;
}
