/**
 * @file admit.c  Who may open a TCP/TLS connection: a cap on all
 * connections and one per source IP, so that one host (or a botnet of
 * idle sockets from one NAT) cannot use up the descriptors that other
 * clients need. Refused connections are closed at once and counted.
 */
#include <string.h>

#include "addr.h"
#include "log.h"
#include "net.h"

static bool
same_ip(const struct sockaddr_storage *a, const struct sockaddr *b)
{
	if (a->ss_family != b->sa_family)
		return false;
	if (b->sa_family == AF_INET)
		return ((const struct sockaddr_in *)a)->sin_addr.s_addr ==
		       ((const struct sockaddr_in *)b)->sin_addr.s_addr;
	return memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr,
		      &((const struct sockaddr_in6 *)b)->sin6_addr, 16) == 0;
}

/* O(connections) per accept: at most max-conns comparisons, and no
 * per-source table to keep or to flood. */
static unsigned
conns_from(const struct server *srv, const struct sockaddr *client)
{
	const struct tcp_conn *c;
	unsigned n = 0;

	TAILQ_FOREACH(c, &srv->conns, link)
		n += same_ip(&c->client, client);
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
