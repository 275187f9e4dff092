/**
 * @file test_conf_tls.c  The TLS/DTLS keys: tls-listen, cert, key, certs,
 * tls-ciphers, tls-min-version; their errors with "FILE:LINE:", the
 * cross-field checks (tls-listen needs cert and key, files readable) and
 * the --tls-listen, --cert and --key flags.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "conf.h"

static char dir[] = "/tmp/turnpike-conf-tls.XXXXXX";
static char cert_path[128], key_path[128], conf_path[128];

static void
write_file(const char *path, const char *text)
{
	FILE *fp = fopen(path, "w");

	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
}

static int
setup(void **state)
{
	(void)state;
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(cert_path, sizeof(cert_path), "%s/cert.pem", dir);
	snprintf(key_path, sizeof(key_path), "%s/key.pem", dir);
	snprintf(conf_path, sizeof(conf_path), "%s/t.conf", dir);
	write_file(cert_path, "not checked here\n");
	write_file(key_path, "not checked here\n");
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	unlink(cert_path);
	unlink(key_path);
	unlink(conf_path);
	rmdir(dir);
	return 0;
}

static int
load(struct conf *c, const char *text, char *err, size_t errlen)
{
	conf_defaults(c);
	return conf_load_string(c, text, "t.conf", err, errlen);
}

static void
test_defaults(void **state)
{
	struct conf c;

	(void)state;
	conf_defaults(&c);
	assert_int_equal(c.ntls_listen, 0);
	assert_null(c.cert);
	assert_null(c.key);
	assert_int_equal(c.ncerts, 0);
	assert_null(c.tls_ciphers);
	assert_int_equal(c.tls_min_version, 12);
	assert_int_equal(conf_validate(&c, NULL, 0), 0);
}

static void
test_all_keys(void **state)
{
	char text[1024], err[256] = "", buf[ADDR_STRLEN];
	struct conf c;

	(void)state;
	snprintf(text, sizeof(text),
		 "tls-listen = ( \"127.0.0.1\", \"[::1]:443\" );\n"
		 "cert = \"%s\";\nkey = \"%s\";\n"
		 "certs = ( \"%s\", \"%s\" );\n"
		 "tls-ciphers = \"ECDHE+AESGCM\";\n"
		 "tls-min-version = \"1.3\";\n",
		 cert_path, key_path, cert_path, key_path);
	assert_int_equal(load(&c, text, err, sizeof(err)), 0);
	assert_int_equal(c.ntls_listen, 2);
	assert_string_equal(addr_str((struct sockaddr *)&c.tls_listen[0], buf,
				     sizeof(buf)), "127.0.0.1:5349");
	assert_string_equal(addr_str((struct sockaddr *)&c.tls_listen[1], buf,
				     sizeof(buf)), "[::1]:443");
	assert_int_equal(c.tls_listen_line, 1);
	assert_string_equal(c.cert, cert_path);
	assert_string_equal(c.key, key_path);
	assert_int_equal(c.ncerts, 2);
	assert_string_equal(c.certs[1], key_path);
	assert_string_equal(c.tls_ciphers, "ECDHE+AESGCM");
	assert_int_equal(c.tls_min_version, 13);
	assert_int_equal(conf_validate(&c, err, sizeof(err)), 0);
	conf_free(&c);
	assert_null(c.cert);
	assert_int_equal(c.ncerts, 0);
}

static void
expect_error(const char *text, const char *want)
{
	char err[256] = "";
	struct conf c;

	assert_int_equal(load(&c, text, err, sizeof(err)), EINVAL);
	if (strstr(err, want) == NULL)
		fail_msg("want '%s' in '%s'", want, err);
	conf_free(&c);
}

static void
test_bad_values(void **state)
{
	(void)state;
	expect_error("\ntls-listen = ( \"127.0.0.1:1\", \"nope\" );\n",
		     "t.conf:2: key 'tls-listen': entry 2: bad address 'nope'");
	expect_error("tls-listen = ( \"127.0.0.1\", \"127.0.0.1:5349\" );",
		     "t.conf:1: key 'tls-listen': entry 2: duplicate address "
		     "127.0.0.1:5349");
	expect_error("\n\ntls-min-version = \"1.1\";",
		     "t.conf:3: key 'tls-min-version': '1.1' is not one of "
		     "1.2, 1.3");
	expect_error("cert = \"\";", "t.conf:1: key 'cert': path must not be "
		     "empty");
	expect_error("key = 5;", "t.conf:1: key 'key': expected a string");
	expect_error("tls-ciphers = \"\";", "t.conf:1: key 'tls-ciphers': "
		     "want a non-empty");
	expect_error("certs = ( \"a\", \"\" );", "t.conf:1: key 'certs': "
		     "entry 2: path must not be empty");
	expect_error("tls_listen = \"127.0.0.1\";", "unknown key "
		     "'tls_listen' (did you mean 'tls-listen'?)");
}

/* A file on disk, loaded and validated: the error names file and line. */
static int
load_validate(const char *text, char *err, size_t errlen)
{
	struct conf c;
	int rc;

	write_file(conf_path, text);
	conf_defaults(&c);
	rc = conf_load_file(&c, conf_path, err, errlen);
	if (rc == 0)
		rc = conf_validate(&c, err, errlen);
	conf_free(&c);
	return rc;
}

static void
test_validate(void **state)
{
	char text[512], want[256], err[256] = "";

	(void)state;
	assert_int_equal(load_validate("realm = \"x\";\n\ntls-listen = "
				       "\"127.0.0.1\";\n", err, sizeof(err)),
			 EINVAL);
	snprintf(want, sizeof(want), "%s:3: key 'tls-listen': needs both "
		 "'cert' and 'key'", conf_path);
	assert_string_equal(err, want);

	snprintf(text, sizeof(text), "cert = \"%s\";\n", cert_path);
	assert_int_equal(load_validate(text, err, sizeof(err)), EINVAL);
	assert_non_null(strstr(err, "key 'key': 'cert' and 'key' go together"));

	snprintf(text, sizeof(text), "tls-listen = \"127.0.0.1\";\n"
		 "cert = \"%s/missing.pem\";\nkey = \"%s\";\n", dir, key_path);
	assert_int_equal(load_validate(text, err, sizeof(err)), EINVAL);
	assert_non_null(strstr(err, "key 'cert': cannot read '"));
	assert_non_null(strstr(err, "missing.pem': No such file or directory"));

	snprintf(text, sizeof(text), "cert = \"%s\";\nkey = \"%s\";\n"
		 "certs = ( \"%s/gone.pem\" );\n", cert_path, key_path, dir);
	assert_int_equal(load_validate(text, err, sizeof(err)), EINVAL);
	assert_non_null(strstr(err, "key 'certs': cannot read '"));
}

static int
parse(char **argv, int argc, char *err, size_t errlen, struct conf *c)
{
	enum conf_action act;

	return conf_parse_args(c, argc, argv, &act, NULL, err, errlen);
}

static void
test_cli(void **state)
{
	char a1[] = "turnpike", a2[] = "--tls-listen", a3[] = "127.0.0.1:443",
	     a4[] = "--tls-listen", a5[] = "[::1]", a6[] = "--cert",
	     a8[] = "--key";
	char *argv[] = { a1, a2, a3, a4, a5, a6, cert_path, a8, key_path };
	char err[256] = "", buf[ADDR_STRLEN];
	struct conf c;

	(void)state;
	assert_int_equal(parse(argv, 9, err, sizeof(err), &c), 0);
	assert_int_equal(c.ntls_listen, 2);
	assert_string_equal(addr_str((struct sockaddr *)&c.tls_listen[0], buf,
				     sizeof(buf)), "127.0.0.1:443");
	assert_string_equal(addr_str((struct sockaddr *)&c.tls_listen[1], buf,
				     sizeof(buf)), "[::1]:5349");
	assert_string_equal(c.cert, cert_path);
	assert_string_equal(c.key, key_path);
	conf_free(&c);

	/* --tls-listen without --cert and --key */
	assert_int_equal(parse(argv, 5, err, sizeof(err), &c), EINVAL);
	assert_string_equal(err, "key 'tls-listen': needs both 'cert' and "
			    "'key'");
	conf_free(&c);
	a3[0] = 'x';
	assert_int_equal(parse(argv, 3, err, sizeof(err), &c), EINVAL);
	assert_non_null(strstr(err, "--tls-listen: bad address"));
	conf_free(&c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_all_keys),
		cmocka_unit_test(test_bad_values),
		cmocka_unit_test(test_validate),
		cmocka_unit_test(test_cli),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
