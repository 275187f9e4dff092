/* TURNPIKE_* environment variables over the file, under the flags. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "conf.h"

static const char *const *fake_env;  /* NAME, VALUE, NAME, VALUE, NULL */

static const char *
fake_get(const char *name)
{
	for (size_t i = 0; fake_env[i] != NULL; i += 2)
		if (strcmp(fake_env[i], name) == 0)
			return fake_env[i + 1];
	return NULL;
}

static int
load_env(struct conf *c, const char *const *env, char *err, size_t errlen)
{
	fake_env = env;
	return conf_load_env(c, fake_get, err, errlen);
}

static void
test_values(void **state)
{
	static const char *const env[] = {
		"TURNPIKE_REALM", "example.org",
		"TURNPIKE_AUTH_SECRETS", " s1 ,s2,s3",
		"TURNPIKE_RELAY_PORTS", "40000-40100",
		"TURNPIKE_EXTERNAL_IP", "203.0.113.5/10.0.0.5",
		"TURNPIKE_USER_QUOTA", "7",
		"TURNPIKE_SOFTWARE", "",
		"turnpike_realm", "ignored: names are upper case",
		NULL,
	};
	struct conf c;
	char err[256];

	(void)state;
	conf_defaults(&c);
	assert_int_equal(conf_load_string(&c, "auth-secrets = [\"file\"];",
					  "t.conf", err, sizeof(err)), 0);
	assert_int_equal(load_env(&c, env, err, sizeof(err)), 0);
	assert_string_equal(c.realm, "example.org");
	assert_int_equal(c.nsecrets, 3);      /* the file's list replaced */
	assert_string_equal(c.auth_secrets[0], "s1");
	assert_string_equal(c.auth_secrets[2], "s3");
	assert_int_equal(c.relay_port_min, 40000);
	assert_int_equal(c.relay_port_max, 40100);
	assert_int_equal(c.nexternal_ip, 1);
	assert_int_equal(c.user_quota, 7);
	assert_null(c.software);
	conf_free(&c);
}

static void
test_errors_name_the_variable_not_the_value(void **state)
{
	static const char *const bad_int[] = {
		"TURNPIKE_USER_QUOTA", "12x", NULL };
	static const char *const bad_item[] = {
		"TURNPIKE_AUTH_SECRETS", "hunter2,,x", NULL };
	static const char *const bad_value[] = {
		"TURNPIKE_USERS", "nocolon-hunter2", NULL };
	struct conf c;
	char err[256];

	(void)state;
	conf_defaults(&c);
	assert_int_equal(load_env(&c, bad_int, err, sizeof(err)), EINVAL);
	assert_string_equal(err, "environment TURNPIKE_USER_QUOTA: "
			    "expected an integer");
	assert_int_equal(load_env(&c, bad_item, err, sizeof(err)), EINVAL);
	assert_non_null(strstr(err, "TURNPIKE_AUTH_SECRETS: item 2 is empty"));
	assert_null(strstr(err, "hunter2"));
	assert_int_equal(load_env(&c, bad_value, err, sizeof(err)), EINVAL);
	assert_non_null(strstr(err, "environment TURNPIKE_USERS"));
	assert_null(strstr(err, "hunter2"));
	conf_free(&c);
}

/* defaults < file < environment < flags */
static void
test_precedence(void **state)
{
	char *argv[] = { "turnpike", "--realm", "from-flag", NULL };
	enum conf_action act;
	struct conf c;
	char err[256];

	(void)state;
	setenv("TURNPIKE_REALM", "from-env", 1);
	setenv("TURNPIKE_NONCE_LIFETIME", "77", 1);
	assert_int_equal(conf_parse_args(&c, 3, argv, &act, NULL, err,
					 sizeof(err)), 0);
	assert_string_equal(c.realm, "from-flag");
	assert_int_equal(c.nonce_lifetime, 77);
	conf_free(&c);
	setenv("TURNPIKE_NONCE_LIFETIME", "0", 1);
	assert_int_equal(conf_parse_args(&c, 3, argv, &act, NULL, err,
					 sizeof(err)), EINVAL);
	assert_non_null(strstr(err, "TURNPIKE_NONCE_LIFETIME"));
	conf_free(&c);
	unsetenv("TURNPIKE_REALM");
	unsetenv("TURNPIKE_NONCE_LIFETIME");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_errors_name_the_variable_not_the_value),
		cmocka_unit_test(test_precedence),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
