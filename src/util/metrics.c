/**
 * @file metrics.c  Prometheus text exposition (format 0.0.4) and the
 * /api/status JSON from a struct metrics_src. Pure: text in memory only.
 *
 * Names follow the Prometheus conventions: a turnpike_ prefix (process_
 * for the standard process facts), counters end in _total, units in the
 * name (_bytes, _seconds). Label values are escaped (\\, \", \n).
 * Responses by method and code appear once seen (a zero series for every
 * method and code pair would be hundreds of lines of nothing).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "metrics.h"
#include "stun.h"

static const char *const transports[4] = { "udp", "tcp", "tls", "dtls" };
static const char *const families[3] = { "ipv4", "ipv6", "dual" };

size_t
metrics_escape(const char *v, char *out, size_t cap)
{
	size_t n = 0;

	for (; *v != '\0'; v++) {
		char e = *v == '\\' ? '\\' : *v == '"' ? '"' :
			 *v == '\n' ? 'n' : 0;

		if (e != 0 && n + 1 < cap)
			out[n] = '\\';
		n += e != 0;
		if (n + 1 < cap)
			out[n] = e != 0 ? e : *v;
		n++;
	}
	if (cap > 0)
		out[n < cap ? n : cap - 1] = '\0';
	return n;
}

uint64_t
metrics_allocs_total(const struct metrics_src *m)
{
	uint64_t n = 0;

	for (int t = 0; t < 4; t++)
		for (int f = 0; f < 3; f++)
			n += m->allocs[t][f];
	return n;
}

static void
head(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* One sample; labels is "" or 'k="v",k2="v2"'. */
static void
sample(FILE *f, const char *name, const char *labels, uint64_t v)
{
	if (labels[0] != '\0')
		fprintf(f, "%s{%s} %llu\n", name, labels,
			(unsigned long long)v);
	else
		fprintf(f, "%s %llu\n", name, (unsigned long long)v);
}

static void
one(FILE *f, const char *name, const char *type, const char *help,
    uint64_t v)
{
	head(f, name, type, help);
	sample(f, name, "", v);
}

/* A family with one label taking n values. */
static void
by_label(FILE *f, const char *name, const char *type, const char *help,
	 const char *label, const char *const *values, const uint64_t *v,
	 size_t n)
{
	char lab[96];

	head(f, name, type, help);
	for (size_t i = 0; i < n; i++) {
		snprintf(lab, sizeof(lab), "%s=\"%s\"", label, values[i]);
		sample(f, name, lab, v[i]);
	}
}

static void
process(FILE *f, const struct metrics_src *m)
{
	char ver[128], lab[160];

	metrics_escape(m->version ? m->version : "", ver, sizeof(ver));
	snprintf(lab, sizeof(lab), "version=\"%s\"", ver);
	head(f, "turnpike_build_info", "gauge",
	     "Always 1; the version of the running binary as a label.");
	sample(f, "turnpike_build_info", lab, 1);
	one(f, "process_start_time_seconds", "gauge",
	    "Start time of the process since the Unix epoch in seconds.",
	    (uint64_t)(m->start_time_s > 0 ? m->start_time_s : 0));
	if (m->rss_bytes >= 0)
		one(f, "process_resident_memory_bytes", "gauge",
		    "Resident memory size in bytes.", (uint64_t)m->rss_bytes);
	if (m->open_fds >= 0)
		one(f, "process_open_fds", "gauge",
		    "Number of open file descriptors.", (uint64_t)m->open_fds);
}

static void
responses(FILE *f, const struct turn_stats *st)
{
	const char *name = "turnpike_stun_responses_total";
	char lab[96], code[8];

	head(f, name, "counter",
	     "STUN responses sent, by request method and response code "
	     "(200: success).");
	for (unsigned mi = 0; mi < TURN_STATS_METHODS; mi++) {
		const char *method = mi == 0 ? "other" : stun_method_name(
			(uint16_t)mi);

		for (unsigned ci = 0; ci < TURN_STATS_CODES; ci++) {
			if (st->resp_by[mi][ci] == 0)
				continue;
			if (turn_stats_codes[ci] == 0)
				snprintf(code, sizeof(code), "other");
			else
				snprintf(code, sizeof(code), "%u",
					 turn_stats_codes[ci]);
			snprintf(lab, sizeof(lab), "method=\"%s\",code=\"%s\"",
				 method, code);
			sample(f, name, lab, st->resp_by[mi][ci]);
		}
	}
}

static void
allocations(FILE *f, const struct metrics_src *m)
{
	const struct turn_stats *st = m->turn;
	const char *name = "turnpike_allocations_active";
	char lab[96];

	head(f, name, "gauge",
	     "Live allocations by client transport and relayed address "
	     "family (dual: an IPv4 and an IPv6 relay).");
	for (int t = 0; t < 4; t++)
		for (int fa = 0; fa < 3; fa++) {
			snprintf(lab, sizeof(lab),
				 "transport=\"%s\",family=\"%s\"",
				 transports[t], families[fa]);
			sample(f, name, lab, m->allocs[t][fa]);
		}
	one(f, "turnpike_allocations_created_total", "counter",
	    "Allocations created.", st->allocs_created);
	one(f, "turnpike_allocations_expired_total", "counter",
	    "Allocations that reached the end of their lifetime.",
	    st->allocs_expired);
	one(f, "turnpike_allocations_deleted_total", "counter",
	    "Allocations deleted by a Refresh with lifetime 0 or by the "
	    "end of their TCP/TLS connection.", st->allocs_deleted);
}

static void
relay(FILE *f, const struct turn_stats *st)
{
	static const char *const dirs[2] = { "client_to_peer",
					     "peer_to_client" };
	const char *name = "turnpike_relay_messages_total";
	uint64_t pkts[2] = { st->relay_pkts_out, st->relay_pkts_in };
	uint64_t bytes[2] = { st->relay_bytes_out, st->relay_bytes_in };
	uint64_t kinds[2][2] = { { st->chandata_out, st->ind_out },
				 { st->chandata_in, st->ind_in } };
	uint64_t drops[3] = { st->no_perm_drops, st->bw_drops,
			      st->relay_send_errors };
	static const char *const why[3] = { "no_permission", "bandwidth",
					    "send_error" };
	char lab[96];

	by_label(f, "turnpike_relay_packets_total", "counter",
		 "Datagrams relayed, each way.", "direction", dirs, pkts, 2);
	by_label(f, "turnpike_relay_bytes_total", "counter",
		 "Payload bytes relayed, each way.", "direction", dirs, bytes,
		 2);
	head(f, name, "counter",
	     "Relayed data by framing: ChannelData or Send/Data "
	     "indications, each way.");
	for (int d = 0; d < 2; d++)
		for (int k = 0; k < 2; k++) {
			snprintf(lab, sizeof(lab),
				 "direction=\"%s\",kind=\"%s\"", dirs[d],
				 k == 0 ? "channeldata" : "indication");
			sample(f, name, lab, kinds[d][k]);
		}
	one(f, "turnpike_relay_internal_total", "counter",
	    "Datagrams from one relay to another, delivered inside.",
	    st->relay_internal);
	by_label(f, "turnpike_relay_dropped_total", "counter",
		 "Relayed datagrams dropped: no permission, over max-bps, "
		 "or a send error.", "reason", why, drops, 3);
}

static void
turn_section(FILE *f, const struct metrics_src *m)
{
	const struct turn_stats *st = m->turn;
	static const char *const auth_why[4] = {
		"missing_credentials", "wrong_credentials", "stale_nonce",
		"bad_request" };
	uint64_t challenge = st->auth_fail[1] > st->auth_failures ?
			     st->auth_fail[1] - st->auth_failures : 0;
	uint64_t auth[4] = { challenge, st->auth_failures, st->auth_fail[2],
			     st->auth_fail[0] };
	static const char *const rl_why[2] = { "error_answer", "auth_fail" };
	uint64_t rl[2] = { st->rl_answers_dropped, st->rl_auth_dropped };
	static const char *const drop_why[3] = { "malformed",
						 "bad_fingerprint", "ignored" };
	uint64_t drops[3] = { st->malformed, st->bad_fingerprint,
			      st->ignored };

	one(f, "turnpike_stun_messages_received_total", "counter",
	    "STUN messages and ChannelData from clients handed to the core.",
	    st->rx_msgs);
	one(f, "turnpike_stun_received_bytes_total", "counter",
	    "Bytes of those messages.", st->bytes_in);
	one(f, "turnpike_stun_sent_bytes_total", "counter",
	    "Bytes of STUN responses sent.", st->bytes_out);
	by_label(f, "turnpike_stun_dropped_total", "counter",
		 "Client messages dropped: not STUN or bad attributes, a "
		 "FINGERPRINT mismatch, or nothing to answer.", "reason",
		 drop_why, drops, 3);
	one(f, "turnpike_stun_send_errors_total", "counter",
	    "Answers the transport failed to send.", st->send_errors);
	responses(f, st);
	by_label(f, "turnpike_auth_failures_total", "counter",
		 "Requests refused by authentication: missing_credentials "
		 "(the normal first 401), wrong_credentials (a signed "
		 "request answered 401), stale_nonce (438), bad_request "
		 "(400).", "reason", auth_why, auth, 4);
	allocations(f, m);
	relay(f, st);
	one(f, "turnpike_peer_denied_total", "counter",
	    "Permissions and channels refused (403) by the peer policy.",
	    st->peer_denied);
	by_label(f, "turnpike_rate_limited_total", "counter",
		 "Requests not answered because their source went over "
		 "rate-limit (error_answer) or auth-fail-limit (auth_fail).",
		 "kind", rl_why, rl, 2);
}

static void
conns(FILE *f, const struct metrics_src *m)
{
	one(f, "turnpike_tcp_connections", "gauge",
	    "Open TCP and TLS client connections.", m->tcp_conns);
	if (m->turn != NULL) {
		one(f, "turnpike_tcp_connections_refused_total", "counter",
		    "TCP/TLS connections refused over max-conns or "
		    "max-conns-per-ip.", m->turn->conns_refused);
		one(f, "turnpike_tcp_connections_idle_closed_total",
		    "counter", "TCP/TLS connections closed idle without an "
		    "allocation.", m->turn->conns_idle_closed);
	}
}

static void
signaling(FILE *f, const struct metrics_src *m)
{
	static const char *const dirs[2] = { "in", "out" };
	uint64_t msgs[2] = { m->sig_msgs_in, m->sig_msgs_out };

	if (!m->sig)
		return;
	one(f, "turnpike_signaling_connections", "gauge",
	    "Open signaling WebSocket connections.", m->sig_conns);
	one(f, "turnpike_signaling_rooms", "gauge",
	    "Signaling rooms with at least one participant.", m->sig_rooms);
	one(f, "turnpike_signaling_participants", "gauge",
	    "Signaling sessions (in a room, or within their grace period).",
	    m->sig_participants);
	by_label(f, "turnpike_signaling_messages_total", "counter",
		 "Signaling text messages received (in) and sent (out).",
		 "direction", dirs, msgs, 2);
}

/* How the kernel spread the UDP clients over the workers. */
static void
workers(FILE *f, const struct metrics_src *m)
{
	char lab[32];

	if (m->nworkers == 0)
		return;
	one(f, "turnpike_workers", "gauge",
	    "Worker threads (each with its own SO_REUSEPORT UDP sockets).",
	    m->nworkers);
	head(f, "turnpike_worker_allocations", "gauge",
	     "Live allocations per worker (workers after the first: as of "
	     "their last one-second publish).");
	for (unsigned i = 0; i < m->nworkers; i++) {
		snprintf(lab, sizeof(lab), "worker=\"%u\"", i);
		sample(f, "turnpike_worker_allocations", lab,
		       m->worker_allocs[i]);
	}
	head(f, "turnpike_worker_relay_packets_total", "counter",
	     "Datagrams relayed per worker, both ways.");
	for (unsigned i = 0; i < m->nworkers; i++) {
		snprintf(lab, sizeof(lab), "worker=\"%u\"", i);
		sample(f, "turnpike_worker_relay_packets_total", lab,
		       m->worker_pkts[i]);
	}
}

char *
metrics_render(const struct metrics_src *m, size_t *len)
{
	char *buf = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&buf, &n);

	if (f == NULL)
		return NULL;
	process(f, m);
	if (m->turn != NULL)
		turn_section(f, m);
	workers(f, m);
	conns(f, m);
	signaling(f, m);
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	if (len != NULL)
		*len = n;
	return buf;
}

char *
metrics_status_json(const struct metrics_src *m)
{
	char sha[17] = "";
	json_t *o;
	char *text;

	if (m->config_sha256 != NULL)
		snprintf(sha, sizeof(sha), "%s", m->config_sha256);
	o = json_pack("{s:s, s:I, s:I, s:{s:s?, s:s?}, "
		      "s:{s:I, s:I, s:I, s:I, s:I}}",
		      "version", m->version ? m->version : "",
		      "uptime_s", (json_int_t)m->uptime_s,
		      "start_time_s", (json_int_t)m->start_time_s,
		      "config", "path", m->config_path,
		      "sha256", sha[0] ? sha : NULL,
		      "counts",
		      "allocations", (json_int_t)metrics_allocs_total(m),
		      "connections", (json_int_t)m->tcp_conns,
		      "rooms", (json_int_t)m->sig_rooms,
		      "participants", (json_int_t)m->sig_participants,
		      "signaling_connections", (json_int_t)m->sig_conns);
	if (o == NULL)
		return NULL;
	text = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	return text;
}
