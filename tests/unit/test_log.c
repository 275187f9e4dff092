/**
 * @file test_log.c  log.h: level names, level filtering, the line format
 * and sanitizing, the file sink (append, errors), syslog smoke test.
 */
#include <errno.h>
#include <regex.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "log.h"

#define LINE_RE "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}" \
		"\\.[0-9]{3} "

struct tmp {
	char path[64];
};

static int
setup_tmp(void **state)
{
	struct tmp *t = calloc(1, sizeof(*t));
	int fd;

	if (t == NULL)
		return -1;
	snprintf(t->path, sizeof(t->path), "/tmp/test_log.XXXXXX");
	fd = mkstemp(t->path);
	if (fd < 0) {
		free(t);
		return -1;
	}
	close(fd);
	*state = t;
	return 0;
}

static int
teardown_tmp(void **state)
{
	struct tmp *t = *state;

	log_close();
	unlink(t->path);
	free(t);
	return 0;
}

/* The whole file, NUL-terminated; caller frees. */
static char *
slurp(const char *path)
{
	FILE *fp = fopen(path, "r");
	char *buf = calloc(1, 65536);
	size_t n;

	assert_non_null(fp);
	assert_non_null(buf);
	n = fread(buf, 1, 65535, fp);
	buf[n] = '\0';
	fclose(fp);
	return buf;
}

static size_t
count_lines(const char *s)
{
	size_t n = 0;

	for (; *s != '\0'; s++)
		n += *s == '\n';
	return n;
}

/* Line i (0-based) of s matches LINE_RE followed by rest exactly. */
static void
assert_line(const char *s, size_t i, const char *rest)
{
	char pattern[256], line[2048];
	regex_t re;
	size_t len;

	while (i-- > 0) {
		s = strchr(s, '\n');
		assert_non_null(s);
		s++;
	}
	len = strcspn(s, "\n");
	assert_true(len < sizeof(line));
	memcpy(line, s, len);
	line[len] = '\0';
	snprintf(pattern, sizeof(pattern), "%s%s$", LINE_RE, rest);
	assert_int_equal(regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB), 0);
	if (regexec(&re, line, 0, NULL, 0) != 0)
		fail_msg("line '%s' does not match '%s'", line, pattern);
	regfree(&re);
}

static void
test_level_names(void **state)
{
	enum log_level l;
	enum log_target t;

	(void)state;
	assert_int_equal(log_level_parse("error", &l), 0);
	assert_int_equal(l, LOG_LVL_ERROR);
	assert_int_equal(log_level_parse("debug", &l), 0);
	assert_int_equal(l, LOG_LVL_DEBUG);
	assert_int_equal(log_level_parse("warning", &l), EINVAL);
	assert_int_equal(log_level_parse("INFO", &l), EINVAL);
	assert_int_equal(log_level_parse("", &l), EINVAL);
	assert_int_equal(log_level_parse(NULL, &l), EINVAL);
	assert_string_equal(log_level_name(LOG_LVL_WARN), "warn");
	assert_string_equal(log_level_name(LOG_LVL_INFO), "info");
	assert_string_equal(log_level_name((enum log_level)42), "?");
	assert_int_equal(log_target_parse("syslog", &t), 0);
	assert_int_equal(t, LOG_TO_SYSLOG);
	assert_int_equal(log_target_parse("file", &t), 0);
	assert_int_equal(t, LOG_TO_FILE);
	assert_int_equal(log_target_parse("stdout", &t), EINVAL);
	assert_string_equal(log_target_name(LOG_TO_STDERR), "stderr");
}

static void
test_file_levels_and_format(void **state)
{
	struct tmp *t = *state;
	char *out;

	assert_int_equal(log_open(LOG_TO_FILE, LOG_LVL_WARN, t->path), 0);
	assert_true(log_enabled(LOG_LVL_ERROR));
	assert_true(log_enabled(LOG_LVL_WARN));
	assert_false(log_enabled(LOG_LVL_INFO));
	log_error("disk %s", "full");
	log_warn("slow %d", 42);
	log_info("hidden");
	log_debug("hidden %d", 1);
	log_close();
	out = slurp(t->path);
	assert_int_equal(count_lines(out), 2);
	assert_line(out, 0, "error: disk full");
	assert_line(out, 1, "warn: slow 42");
	assert_null(strstr(out, "hidden"));
	free(out);
}

static void
test_file_debug_and_append(void **state)
{
	struct tmp *t = *state;
	char *out;

	assert_int_equal(log_open(LOG_TO_FILE, LOG_LVL_INFO, t->path), 0);
	log_info("first");
	log_close();
	assert_int_equal(log_open(LOG_TO_FILE, LOG_LVL_DEBUG, t->path), 0);
	log_debug("second %s", "x");
	log_info("third");
	/* line-buffered: visible before close */
	out = slurp(t->path);
	assert_int_equal(count_lines(out), 3);
	assert_line(out, 0, "info: first");
	assert_line(out, 1, "debug: second x");
	assert_line(out, 2, "info: third");
	free(out);
}

static void
test_sanitize_and_truncate(void **state)
{
	struct tmp *t = *state;
	char big[3000], *out;

	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(log_open(LOG_TO_FILE, LOG_LVL_INFO, t->path), 0);
	log_info("user %s", "evil\n2026-01-01T00:00:00.000 error: forged\r\x1b");
	log_info("%s", big);
	log_close();
	out = slurp(t->path);
	assert_int_equal(count_lines(out), 2);
	assert_line(out, 0, "info: user evil\\?2026-01-01T00:00:00\\.000 "
		    "error: forged\\?\\?");
	assert_line(out, 1, "info: a+");
	assert_true(strlen(out) < 1200);
	free(out);
}

static void
test_open_errors(void **state)
{
	struct tmp *t = *state;
	char *out;

	assert_int_equal(log_open(LOG_TO_FILE, LOG_LVL_INFO, t->path), 0);
	assert_int_equal(log_open(LOG_TO_FILE, LOG_LVL_DEBUG,
				  "/nonexistent-dir/x.log"), ENOENT);
	assert_int_equal(log_open(LOG_TO_FILE, LOG_LVL_DEBUG, NULL), EINVAL);
	assert_int_equal(log_open(LOG_TO_FILE, LOG_LVL_DEBUG, ""), EINVAL);
	assert_int_equal(log_open((enum log_target)9, LOG_LVL_INFO, NULL),
			 EINVAL);
	/* the previous sink stays */
	assert_false(log_enabled(LOG_LVL_DEBUG));
	log_info("still here");
	log_close();
	out = slurp(t->path);
	assert_line(out, 0, "info: still here");
	free(out);
}

static void
test_close_resets(void **state)
{
	(void)state;
	assert_int_equal(log_open(LOG_TO_STDERR, LOG_LVL_DEBUG, NULL), 0);
	assert_true(log_enabled(LOG_LVL_DEBUG));
	log_close();
	assert_false(log_enabled(LOG_LVL_DEBUG));
	assert_true(log_enabled(LOG_LVL_INFO));
	log_close();  /* twice is harmless */
}

static void
test_syslog_smoke(void **state)
{
	(void)state;
	assert_int_equal(log_open(LOG_TO_SYSLOG, LOG_LVL_ERROR, NULL), 0);
	assert_false(log_enabled(LOG_LVL_WARN));
	log_error("test_log: syslog smoke test");
	log_close();
}

static void
test_events_text(void **state)
{
	struct tmp *t = *state;
	char *out;

	assert_int_equal(log_open(LOG_TO_FILE, LOG_LVL_INFO, t->path), 0);
	log_event(LOG_LVL_INFO, "alloc.created", "client", "192.0.2.1:5000",
		  "user", "al ice", "skipped", NULL, "empty", "", NULL);
	log_event(LOG_LVL_DEBUG, "not.shown", "k", "v", NULL);
	log_close();
	out = slurp(t->path);
	assert_int_equal(count_lines(out), 1);
	assert_line(out, 0, "info: alloc\\.created client=192\\.0\\.2\\.1:5000 "
		    "user=\"al ice\" empty=\"\"");
	free(out);
}

/* A value that holds quotes cannot end its field early and forge another
 * (log injection): '"' and '\\' are escaped inside the quotes. */
static void
test_text_quotes_escaped(void **state)
{
	struct tmp *t = *state;
	char *out;

	assert_int_equal(log_open(LOG_TO_FILE, LOG_LVL_INFO, t->path), 0);
	log_event(LOG_LVL_INFO, "auth.failed", "user", "eve\" admin=\"yes",
		  "client", "a\\b c", NULL);
	log_close();
	out = slurp(t->path);
	assert_line(out, 0, "info: auth\\.failed user=\"eve\\\\\" admin=\\\\\"yes\" "
		    "client=\"a\\\\\\\\b c\"");
	free(out);
}

/* JSON lines: one object each, escaped, UTC time with Z. */
static void
test_json(void **state)
{
	struct tmp *t = *state;
	char *out;
	regex_t re;

	assert_int_equal(log_open(LOG_TO_FILE, LOG_LVL_INFO, t->path), 0);
	log_set_format(LOG_FMT_JSON);
	log_info("plain \"quoted\" %s", "x\n\\y");
	log_event(LOG_LVL_WARN, "peer.denied", "user", "a\"b\x01", NULL);
	log_close();
	out = slurp(t->path);
	assert_int_equal(count_lines(out), 2);
	assert_int_equal(regcomp(&re, "^\\{\"time\":\"[0-9]{4}-[0-9]{2}-[0-9]{2}T"
				 "[0-9:]{8}\\.[0-9]{3}Z\",\"level\":\"info\","
				 "\"event\":\"message\",\"msg\":\"plain "
				 "\\\\\"quoted\\\\\" x\\\\u000a\\\\\\\\y\"\\}\n"
				 "\\{\"time\":\"[^\"]+\",\"level\":\"warn\","
				 "\"event\":\"peer.denied\",\"user\":"
				 "\"a\\\\\"b\\\\u0001\"\\}\n$",
				 REG_EXTENDED | REG_NOSUB), 0);
	if (regexec(&re, out, 0, NULL, 0) != 0)
		fail_msg("not the JSON expected: %s", out);
	regfree(&re);
	free(out);
}

/* logrotate: the file is renamed, SIGUSR1 → log_reopen() → new file. */
static void
test_reopen(void **state)
{
	struct tmp *t = *state;
	char moved[80], *out;

	snprintf(moved, sizeof(moved), "%s.1", t->path);
	assert_int_equal(log_open(LOG_TO_FILE, LOG_LVL_INFO, t->path), 0);
	log_info("before");
	assert_int_equal(rename(t->path, moved), 0);
	log_info("still old");
	assert_int_equal(log_reopen(), 0);
	log_info("after");
	log_close();
	out = slurp(moved);
	assert_int_equal(count_lines(out), 2);
	assert_line(out, 1, "info: still old");
	free(out);
	out = slurp(t->path);
	assert_int_equal(count_lines(out), 1);
	assert_line(out, 0, "info: after");
	free(out);
	unlink(moved);
	assert_int_equal(log_reopen(), 0);   /* stderr: nothing to do */
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_level_names),
		cmocka_unit_test_setup_teardown(test_file_levels_and_format,
						setup_tmp, teardown_tmp),
		cmocka_unit_test_setup_teardown(test_file_debug_and_append,
						setup_tmp, teardown_tmp),
		cmocka_unit_test_setup_teardown(test_sanitize_and_truncate,
						setup_tmp, teardown_tmp),
		cmocka_unit_test_setup_teardown(test_open_errors,
						setup_tmp, teardown_tmp),
		cmocka_unit_test_setup_teardown(test_text_quotes_escaped,
						setup_tmp, teardown_tmp),
		cmocka_unit_test_setup_teardown(test_events_text,
						setup_tmp, teardown_tmp),
		cmocka_unit_test_setup_teardown(test_json,
						setup_tmp, teardown_tmp),
		cmocka_unit_test_setup_teardown(test_reopen,
						setup_tmp, teardown_tmp),
		cmocka_unit_test(test_close_resets),
		cmocka_unit_test(test_syslog_smoke),
	};

	return cmocka_run_group_tests_name("log", tests, NULL, NULL);
}
