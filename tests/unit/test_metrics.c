/*
 * The metrics renderer (src/util/metrics.c): exact lines of the
 * Prometheus text format 0.0.4, its rules (one HELP and one TYPE per
 * family before its samples, counters end in _total, every sample
 * "name{labels} value"), label escaping, /api/status JSON; the per-method
 * response counting of the core; and the admin keys of the config.
 */
#include <ctype.h>
#include <errno.h>
#include <unistd.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <jansson.h>

#include "conf.h"
#include "metrics.h"
#include "stun.h"

static struct turn_stats st;
static const uint64_t w_allocs[2] = { 3, 2 }, w_pkts[2] = { 150, 49 };

static void
fill(struct metrics_src *m)
{
	memset(&st, 0, sizeof(st));
	memset(m, 0, sizeof(*m));
	st.allocs_created = 7;
	st.allocs_expired = 2;
	st.relay_pkts_out = 100;
	st.relay_bytes_out = 12345;
	st.relay_pkts_in = 99;
	st.chandata_out = 60;
	st.ind_out = 40;
	st.peer_denied = 3;
	st.auth_fail[1] = 10;      /* 401 answers by auth: 4 of them signed */
	st.auth_failures = 4;
	st.auth_fail[2] = 1;
	st.rl_answers_dropped = 5;
	turn_stats_count_resp(&st, STUN_ALLOCATE, 401);
	turn_stats_count_resp(&st, STUN_ALLOCATE, 401);
	turn_stats_count_resp(&st, STUN_ALLOCATE, 200);
	turn_stats_count_resp(&st, STUN_CREATE_PERMISSION, 403);
	turn_stats_count_resp(&st, STUN_BINDING, 599);     /* "other" code */
	turn_stats_count_resp(&st, 0x0ff, 400);            /* "other" method */
	m->version = "1.2.3-\"x\"";
	m->turn = &st;
	m->allocs[0][0] = 4;       /* udp ipv4 */
	m->allocs[1][2] = 1;       /* tcp dual */
	m->tcp_conns = 2;
	m->nworkers = 2;
	m->worker_allocs = w_allocs;
	m->worker_pkts = w_pkts;
	m->sig = true;
	m->sig_rooms = 1;
	m->sig_participants = 2;
	m->sig_conns = 2;
	m->sig_msgs_in = 11;
	m->sig_msgs_out = 13;
	m->start_time_s = 1700000000;
	m->uptime_s = 42;
	m->rss_bytes = 4096;
	m->open_fds = -1;
	m->config_path = "/etc/turnpike.conf";
	m->config_sha256 = "0123456789abcdef0123456789abcdef0123456789abcdef"
			   "0123456789abcdef";
}

static bool
has_line(const char *text, const char *line)
{
	size_t n = strlen(line);

	for (const char *p = text; (p = strstr(p, line)) != NULL; p++)
		if ((p == text || p[-1] == '\n') && p[n] == '\n')
			return true;
	return false;
}

static void
test_exact_lines(void **state)
{
	struct metrics_src m;
	size_t len = 0;
	char *t;

	(void)state;
	fill(&m);
	t = metrics_render(&m, &len);
	assert_non_null(t);
	assert_int_equal(strlen(t), len);
	assert_true(has_line(t, "turnpike_build_info{version=\"1.2.3-\\\"x\\\"\"} 1"));
	assert_true(has_line(t, "# TYPE turnpike_build_info gauge"));
	assert_true(has_line(t, "process_start_time_seconds 1700000000"));
	assert_true(has_line(t, "process_resident_memory_bytes 4096"));
	assert_null(strstr(t, "process_open_fds"));   /* unknown: absent */
	assert_true(has_line(t, "# TYPE turnpike_allocations_created_total counter"));
	assert_true(has_line(t, "turnpike_allocations_created_total 7"));
	assert_true(has_line(t, "turnpike_allocations_expired_total 2"));
	assert_true(has_line(t, "turnpike_allocations_active{transport=\"udp\",family=\"ipv4\"} 4"));
	assert_true(has_line(t, "turnpike_allocations_active{transport=\"tcp\",family=\"dual\"} 1"));
	assert_true(has_line(t, "turnpike_allocations_active{transport=\"tls\",family=\"ipv6\"} 0"));
	assert_true(has_line(t, "turnpike_stun_responses_total{method=\"Allocate\",code=\"401\"} 2"));
	assert_true(has_line(t, "turnpike_stun_responses_total{method=\"Allocate\",code=\"200\"} 1"));
	assert_true(has_line(t, "turnpike_stun_responses_total{method=\"CreatePermission\",code=\"403\"} 1"));
	assert_true(has_line(t, "turnpike_stun_responses_total{method=\"Binding\",code=\"other\"} 1"));
	assert_true(has_line(t, "turnpike_stun_responses_total{method=\"other\",code=\"400\"} 1"));
	assert_null(strstr(t, "method=\"Refresh\""));  /* never seen */
	assert_true(has_line(t, "turnpike_relay_packets_total{direction=\"client_to_peer\"} 100"));
	assert_true(has_line(t, "turnpike_relay_packets_total{direction=\"peer_to_client\"} 99"));
	assert_true(has_line(t, "turnpike_relay_bytes_total{direction=\"client_to_peer\"} 12345"));
	assert_true(has_line(t, "turnpike_relay_messages_total{direction=\"client_to_peer\",kind=\"channeldata\"} 60"));
	assert_true(has_line(t, "turnpike_relay_messages_total{direction=\"client_to_peer\",kind=\"indication\"} 40"));
	assert_true(has_line(t, "turnpike_peer_denied_total 3"));
	assert_true(has_line(t, "turnpike_auth_failures_total{reason=\"missing_credentials\"} 6"));
	assert_true(has_line(t, "turnpike_auth_failures_total{reason=\"wrong_credentials\"} 4"));
	assert_true(has_line(t, "turnpike_auth_failures_total{reason=\"stale_nonce\"} 1"));
	assert_true(has_line(t, "turnpike_rate_limited_total{kind=\"error_answer\"} 5"));
	assert_true(has_line(t, "turnpike_tcp_connections 2"));
	assert_true(has_line(t, "turnpike_workers 2"));
	assert_true(has_line(t, "turnpike_worker_allocations{worker=\"0\"} 3"));
	assert_true(has_line(t, "turnpike_worker_allocations{worker=\"1\"} 2"));
	assert_true(has_line(t, "turnpike_worker_relay_packets_total{worker=\"1\"} 49"));
	assert_true(has_line(t, "turnpike_signaling_rooms 1"));
	assert_true(has_line(t, "turnpike_signaling_participants 2"));
	assert_true(has_line(t, "turnpike_signaling_messages_total{direction=\"in\"} 11"));
	assert_true(has_line(t, "turnpike_signaling_messages_total{direction=\"out\"} 13"));
	free(t);
}

/* Every family: HELP then TYPE, once, before its samples; samples of a
 * family together; counters end in _total; every sample line is
 * NAME{LABELS} VALUE with a valid name and an unsigned integer value. */
static void
test_format_rules(void **state)
{
	struct metrics_src m;
	char *t, *save = NULL, fam[128] = "", type[16] = "";
	char seen[64][128];
	size_t nseen = 0;
	int expect = 0;            /* 0: anything, 1: a TYPE next */

	(void)state;
	fill(&m);
	t = metrics_render(&m, NULL);
	assert_non_null(t);
	assert_int_equal(t[strlen(t) - 1], '\n');
	for (char *l = strtok_r(t, "\n", &save); l != NULL;
	     l = strtok_r(NULL, "\n", &save)) {
		if (strncmp(l, "# HELP ", 7) == 0) {
			assert_int_equal(expect, 0);
			assert_int_equal(sscanf(l + 7, "%127s", fam), 1);
			for (size_t i = 0; i < nseen; i++)
				assert_string_not_equal(seen[i], fam);
			assert_true(nseen < 64);
			strcpy(seen[nseen++], fam);
			expect = 1;
			continue;
		}
		if (strncmp(l, "# TYPE ", 7) == 0) {
			char name[128];

			assert_int_equal(expect, 1);
			assert_int_equal(sscanf(l + 7, "%127s %15s", name,
						type), 2);
			assert_string_equal(name, fam);
			assert_true(strcmp(type, "counter") == 0 ||
				    strcmp(type, "gauge") == 0);
			if (strcmp(type, "counter") == 0)
				assert_non_null(strstr(fam, "_total"));
			assert_string_equal(fam + strlen(fam) -
					    (strcmp(type, "counter") == 0 ?
					     6 : 0), strcmp(type, "counter")
					    == 0 ? "_total" : "");
			expect = 0;
			continue;
		}
		assert_int_not_equal(l[0], '#');
		assert_int_equal(expect, 0);
		size_t n = strspn(l, "abcdefghijklmnopqrstuvwxyz_:"
				  "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789");
		assert_true(n > 0 && !isdigit((unsigned char)l[0]));
		assert_int_equal(n, strlen(fam));
		assert_memory_equal(l, fam, n);
		const char *v = l + n;
		if (*v == '{') {
			const char *end = strstr(v, "} ");
			assert_non_null(end);
			v = end + 1;
		}
		assert_int_equal(*v, ' ');
		v++;
		assert_true(*v != '\0' && strspn(v, "0123456789") ==
			    strlen(v));
	}
	free(t);
}

static void
test_escape(void **state)
{
	char out[64];

	(void)state;
	assert_int_equal(metrics_escape("a\\b\"c\nd", out, sizeof(out)), 10);
	assert_string_equal(out, "a\\\\b\\\"c\\nd");
	assert_int_equal(metrics_escape("plain", out, sizeof(out)), 5);
	assert_string_equal(out, "plain");
	assert_int_equal(metrics_escape("\"\"\"", out, 4), 6);   /* truncated */
	assert_int_equal(strlen(out), 3);
}

static void
test_no_sig_no_turn(void **state)
{
	struct metrics_src m;
	char *t;

	(void)state;
	memset(&m, 0, sizeof(m));
	m.version = "v";
	m.rss_bytes = -1;
	m.open_fds = 5;
	t = metrics_render(&m, NULL);
	assert_non_null(t);
	assert_null(strstr(t, "signaling"));
	assert_null(strstr(t, "turnpike_allocations"));
	assert_true(has_line(t, "process_open_fds 5"));
	assert_true(has_line(t, "turnpike_tcp_connections 0"));
	free(t);
}

static void
test_status_json(void **state)
{
	struct metrics_src m;
	json_error_t jerr;
	json_t *o;
	char *t;

	(void)state;
	fill(&m);
	t = metrics_status_json(&m);
	assert_non_null(t);
	o = json_loads(t, 0, &jerr);
	assert_non_null(o);
	assert_string_equal(json_string_value(json_object_get(o, "version")),
			    "1.2.3-\"x\"");
	assert_int_equal(json_integer_value(json_object_get(o, "uptime_s")),
			 42);
	json_t *cf = json_object_get(o, "config");
	assert_string_equal(json_string_value(json_object_get(cf, "sha256")),
			    "0123456789abcdef");
	assert_string_equal(json_string_value(json_object_get(cf, "path")),
			    "/etc/turnpike.conf");
	json_t *n = json_object_get(o, "counts");
	assert_int_equal(json_integer_value(json_object_get(n, "allocations")),
			 5);
	assert_int_equal(json_integer_value(json_object_get(n, "connections")),
			 2);
	assert_int_equal(json_integer_value(json_object_get(n, "rooms")), 1);
	assert_int_equal(json_integer_value(json_object_get(n,
			 "participants")), 2);
	json_decref(o);
	free(t);
	/* No config file: path and sha256 are null. */
	m.config_path = NULL;
	m.config_sha256 = "";
	t = metrics_status_json(&m);
	o = json_loads(t, 0, &jerr);
	assert_true(json_is_null(json_object_get(json_object_get(o, "config"),
						 "sha256")));
	json_decref(o);
	free(t);
}

static void
test_count_resp(void **state)
{
	(void)state;
	memset(&st, 0, sizeof(st));
	turn_stats_count_resp(&st, STUN_REFRESH, 437);
	turn_stats_count_resp(&st, STUN_REFRESH, 100);     /* not a code */
	turn_stats_count_resp(&st, STUN_REFRESH, 700);
	assert_int_equal(st.resp[437], 1);
	uint64_t sum = 0;
	for (int mi = 0; mi < TURN_STATS_METHODS; mi++)
		for (int ci = 0; ci < TURN_STATS_CODES; ci++)
			sum += st.resp_by[mi][ci];
	assert_int_equal(sum, 1);
	for (int ci = 0; ci < TURN_STATS_CODES; ci++)
		if (turn_stats_codes[ci] == 437)
			assert_int_equal(st.resp_by[STUN_REFRESH][ci], 1);
}

static void
test_conf_admin(void **state)
{
	struct conf c;
	char err[256];
	char *argv[] = { "turnpike", "--admin-listen", "127.0.0.1:9999",
			 "--admin-listen", "[::1]:9998", NULL };
	char *off[] = { "turnpike", "--admin-listen", "off", NULL };
	char *bad[] = { "turnpike", "--admin-listen", "nope:x", NULL };
	enum conf_action act;

	(void)state;
	conf_defaults(&c);
	assert_int_equal(c.nadmin_listen, 1);
	assert_true(c.admin_listen_default);
	assert_int_equal(addr_port((struct sockaddr *)&c.admin_listen[0]),
			 9641);
	assert_null(c.admin_token);
	conf_free(&c);

	assert_int_equal(conf_parse_args(&c, 5, argv, &act, NULL, err,
					 sizeof(err)), 0);
	assert_int_equal(c.nadmin_listen, 2);
	assert_false(c.admin_listen_default);
	conf_free(&c);
	assert_int_equal(conf_parse_args(&c, 3, off, &act, NULL, err,
					 sizeof(err)), 0);
	assert_int_equal(c.nadmin_listen, 0);
	conf_free(&c);
	assert_int_equal(conf_parse_args(&c, 3, bad, &act, NULL, err,
					 sizeof(err)), EINVAL);
	assert_non_null(strstr(err, "--admin-listen"));
	conf_free(&c);

	conf_defaults(&c);
	assert_int_equal(conf_load_string(&c, "admin-listen = ();\n"
					  "admin-token = \"s3cret\";\n", "t",
					  err, sizeof(err)), 0);
	assert_int_equal(c.nadmin_listen, 0);
	assert_string_equal(c.admin_token, "s3cret");
	assert_int_equal(conf_load_string(&c, "admin-token = \"a b\";\n", "t",
					  err, sizeof(err)), EINVAL);
	assert_null(strstr(err, "a b"));     /* a secret is never quoted */
	conf_free(&c);
}

/* /api/status's fingerprint: SHA-256 of the bytes of the file loaded. */
static void
test_conf_hash(void **state)
{
	char path[] = "/tmp/turnpike-metrics-XXXXXX", err[256];
	struct conf c;
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "realm = \"x\";\n", 13), 13);
	close(fd);
	conf_defaults(&c);
	assert_string_equal(c.file_sha256, "");
	assert_int_equal(conf_load_file(&c, path, err, sizeof(err)), 0);
	assert_string_equal(c.file_sha256, "70e7a75be0410f8bcb4babea4a3b1a20"
			    "cc17d89114edb5e8b439eb640b2d2d48");
	conf_free(&c);
	unlink(path);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exact_lines),
		cmocka_unit_test(test_format_rules),
		cmocka_unit_test(test_escape),
		cmocka_unit_test(test_no_sig_no_turn),
		cmocka_unit_test(test_status_json),
		cmocka_unit_test(test_count_resp),
		cmocka_unit_test(test_conf_admin),
		cmocka_unit_test(test_conf_hash),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
