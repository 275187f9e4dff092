/**
 * @file test_conf.c  conf.h: defaults, a full file, one bad value per key
 * (exact "FILE:LINE: key 'K':" prefix), unknown keys, syntax errors,
 * validation, files on disk, the command line and its precedence, and
 * that no password or secret reaches an error message.
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
#include "version.h"

#define N(a) (sizeof(a) / sizeof(*(a)))

static const char full_conf[] =
	"# every key\n"
	"listen = ( \"192.0.2.1:3478\", \"[2001:db8::1]:3479\", \"10.0.0.1\" );\n"
	"log-level = \"debug\";\n"
	"log-target = \"file\";\n"
	"log-file = \"/var/log/turnpike.log\";\n"
	"software = \"turnpike test\";\n"
	"realm = \"example.org\";\n"
	"users = ( \"alice:password1\", \"bob:pass:word2\" );\n"
	"users-file = \"/etc/turnpike/users\";\n"
	"auth-secrets = [ \"secret1\", \"secret2\" ];\n"
	"nonce-lifetime = 300;\n"
	"allow-peer = ( \"127.0.0.1/32\" );\n"
	"deny-peer = ( \"203.0.113.7/24\", \"fe80::/10\" );\n"
	"relay-ips = ( \"192.0.2.10\", \"2001:db8::10\" );\n"
	"relay-ports = \"40000-40100\";\n"
	"external-ip = ( \"203.0.113.5/10.0.0.5\", \"2001:db8::5\" );\n"
	"default-lifetime = 900;\n"
	"max-lifetime = 7200;\n"
	"user-quota = 5;\n"
	"total-quota = 1000L;\n"
	"max-permissions = 1;\n"
	"tcp-idle-timeout = 5;\n"
	"max-conns = 100;\n"
	"max-conns-per-ip = 0;\n";

static const char *
str_of(const struct sockaddr_storage *ss, char *buf)
{
	return addr_str((const struct sockaddr *)ss, buf, ADDR_STRLEN);
}

static int
load(struct conf *c, const char *text, char *err, size_t errlen)
{
	conf_defaults(c);
	return conf_load_string(c, text, "t.conf", err, errlen);
}

static void
assert_defaults(const struct conf *c)
{
	char buf[ADDR_STRLEN];

	assert_null(c->path);
	assert_int_equal(c->nlisten, 2);
	assert_string_equal(str_of(&c->listen[0], buf), "0.0.0.0:3478");
	assert_string_equal(str_of(&c->listen[1], buf), "[::]:3478");
	assert_int_equal(c->log_level, LOG_LVL_INFO);
	assert_int_equal(c->log_target, LOG_TO_STDERR);
	assert_null(c->log_file);
	assert_null(c->software);
	assert_string_equal(c->realm, "turnpike");
	assert_int_equal(c->nusers + c->nsecrets + c->nallow_peer +
			 c->ndeny_peer + c->nrelay_ip + c->nexternal_ip, 0);
	assert_null(c->users_file);
	assert_int_equal(c->nonce_lifetime, 600);
	assert_int_equal(c->relay_port_min, 61000);
	assert_int_equal(c->relay_port_max, 65535);
	assert_int_equal(c->default_lifetime, 600);
	assert_int_equal(c->max_lifetime, 3600);
	assert_int_equal(c->user_quota, 0);
	assert_int_equal(c->anon_quota, 0);
	assert_int_equal(c->anon_quota_per_ip, 256);
	assert_int_equal(c->total_quota, 0);
	assert_int_equal(c->max_permissions, 64);
	assert_int_equal(c->tcp_idle_timeout, 30);
	assert_int_equal(c->max_conns, 4096);
	assert_int_equal(c->max_conns_per_ip, 64);
}

static void
test_defaults(void **state)
{
	struct conf c;
	char err[256];

	(void)state;
	conf_defaults(&c);
	assert_defaults(&c);
	assert_int_equal(conf_validate(&c, err, sizeof(err)), 0);
	conf_free(&c);
	assert_defaults(&c);
	assert_int_equal(load(&c, "", err, sizeof(err)), 0);
	assert_defaults(&c);
	conf_free(&c);
}

static void
test_full_file(void **state)
{
	struct conf c;
	char err[256], buf[ADDR_STRLEN + 4];

	(void)state;
	assert_int_equal(load(&c, full_conf, err, sizeof(err)), 0);
	assert_int_equal(conf_validate(&c, err, sizeof(err)), 0);
	assert_int_equal(c.nlisten, 3);
	assert_string_equal(str_of(&c.listen[0], buf), "192.0.2.1:3478");
	assert_string_equal(str_of(&c.listen[1], buf), "[2001:db8::1]:3479");
	assert_string_equal(str_of(&c.listen[2], buf), "10.0.0.1:3478");
	assert_int_equal(c.log_level, LOG_LVL_DEBUG);
	assert_int_equal(c.log_target, LOG_TO_FILE);
	assert_string_equal(c.log_file, "/var/log/turnpike.log");
	assert_string_equal(c.software, "turnpike test");
	assert_string_equal(c.realm, "example.org");
	assert_int_equal(c.nusers, 2);
	assert_string_equal(c.users[0].name, "alice");
	assert_string_equal(c.users[0].password, "password1");
	assert_string_equal(c.users[1].name, "bob");
	assert_string_equal(c.users[1].password, "pass:word2");
	assert_string_equal(c.users_file, "/etc/turnpike/users");
	assert_int_equal(c.nsecrets, 2);
	assert_string_equal(c.auth_secrets[1], "secret2");
	assert_int_equal(c.nonce_lifetime, 300);
	assert_int_equal(c.nallow_peer, 1);
	assert_int_equal(c.ndeny_peer, 2);
	assert_string_equal(cidr_str(&c.deny_peer[0], buf, sizeof(buf)),
			    "203.0.113.0/24");
	assert_int_equal(c.nrelay_ip, 2);
	assert_int_equal(c.relay_port_min, 40000);
	assert_int_equal(c.relay_port_max, 40100);
	assert_int_equal(c.nexternal_ip, 2);
	assert_string_equal(str_of(&c.external_ip[0].private_ip, buf),
			    "10.0.0.5:0");
	assert_int_equal(c.external_ip[1].private_ip.ss_family, AF_UNSPEC);
	assert_int_equal(c.default_lifetime, 900);
	assert_int_equal(c.max_lifetime, 7200);
	assert_int_equal(c.user_quota, 5);
	assert_int_equal(c.total_quota, 1000);
	assert_int_equal(c.max_permissions, 1);
	assert_int_equal(c.tcp_idle_timeout, 5);
	assert_int_equal(c.max_conns, 100);
	assert_int_equal(c.max_conns_per_ip, 0);
	conf_free(&c);
	assert_defaults(&c);
}

static void
test_single_values(void **state)
{
	struct conf c;
	char err[256], buf[ADDR_STRLEN];

	(void)state;
	assert_int_equal(load(&c, "listen = \"127.0.0.1\";\nusers = \"a:b\";\n"
			      "external-ip = \"198.51.100.1\";\nsoftware = "
			      "\"\";\n", err, sizeof(err)), 0);
	assert_int_equal(c.nlisten, 1);
	assert_string_equal(str_of(&c.listen[0], buf), "127.0.0.1:3478");
	assert_int_equal(c.nusers, 1);
	assert_int_equal(c.nexternal_ip, 1);
	assert_null(c.software);
	/* a second load over the first keeps what it does not name */
	assert_int_equal(conf_load_string(&c, "realm = \"x\";\nlisten = ();\n",
					  "u.conf", err, sizeof(err)), 0);
	assert_int_equal(c.nusers, 1);
	assert_int_equal(c.nlisten, 0);
	assert_int_equal(conf_validate(&c, err, sizeof(err)), EINVAL);
	assert_string_equal(err, "key 'listen': need 1 to 16 addresses");
	conf_free(&c);
}

struct bad_case {
	const char *text;
	const char *prefix;   /* the exact start of the message */
	const char *what;     /* also in the message, or NULL */
};

#define R32 "rrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrr"

static const struct bad_case bad_cases[] = {
	{ "listen = \"1.2.3.4:99999\";", "t.conf:1: key 'listen': ", "bad address" },
	{ "realm = \"x\";\nlisten = (\n\"1.2.3.4:1\",\n\"bogus\");", "t.conf:4: key 'listen': ", "entry 2: bad address 'bogus'" },
	{ "listen = ( 1 );", "t.conf:1: key 'listen': ", "entry 1: expected a string" },
	{ "listen = 5;", "t.conf:1: key 'listen': ", "expected a string or a list" },
	{ "listen = ( \"1.2.3.4\", \"1.2.3.4:3478\" );", "t.conf:1: key 'listen': ", "duplicate address 1.2.3.4:3478" },
	{ "listen = \"localhost:3478\";", "t.conf:1: key 'listen': ", NULL },
	{ "log-level = \"loud\";", "t.conf:1: key 'log-level': ", "'loud' is not one of" },
	{ "\n\nlog-level = 3;", "t.conf:3: key 'log-level': ", "expected a string" },
	{ "log-target = \"cloud\";", "t.conf:1: key 'log-target': ", NULL },
	{ "log-file = \"\";", "t.conf:1: key 'log-file': ", "must not be empty" },
	{ "software = \"a\\tb\";", "t.conf:1: key 'software': ", "control character" },
	{ "realm = \"\";", "t.conf:1: key 'realm': ", "must not be empty" },
	{ "realm = \"" R32 R32 R32 R32 "\";", "t.conf:1: key 'realm': ", "longer than 127 bytes" },
	{ "realm = ( \"a\" );", "t.conf:1: key 'realm': ", "expected a string" },
	{ "realm = \"caf\xc3\xa9\";", "t.conf:1: key 'realm': ", "printable ASCII" },
	{ "realm = \"a\\\"b\";", "t.conf:1: key 'realm': ", "printable ASCII" },
	{ "users = ( \"alice\" );", "t.conf:1: key 'users': ", "entry 1: missing ':'" },
	{ "users = ( \"a:b\",\n \":pw\" );", "t.conf:2: key 'users': ", "entry 2: empty user name" },
	{ "users = \"bob:\";", "t.conf:1: key 'users': ", "empty password" },
	{ "users = ( \"a:1\", \"a:2\" );", "t.conf:1: key 'users': ", "entry 2: duplicate user name" },
	{ "users-file = \"\";", "t.conf:1: key 'users-file': ", NULL },
	{ "auth-secrets = ( \"s\", \"\" );", "t.conf:1: key 'auth-secrets': ", "entry 2: empty secret" },
	{ "auth-secrets = ( \"1\",\"2\",\"3\",\"4\",\"5\",\"6\",\"7\",\"8\",\"9\" );", "t.conf:1: key 'auth-secrets': ", "entry 9: too many secrets (max 8)" },
	{ "nonce-lifetime = 0;", "t.conf:1: key 'nonce-lifetime': ", "0 is out of range (1..86400)" },
	{ "nonce-lifetime = \"600\";", "t.conf:1: key 'nonce-lifetime': ", "expected an integer" },
	{ "nonce-lifetime = 1.5;", "t.conf:1: key 'nonce-lifetime': ", "expected an integer" },
	{ "allow-peer = ( \"10.0.0.0/33\" );", "t.conf:1: key 'allow-peer': ", "entry 1: bad CIDR '10.0.0.0/33'" },
	{ "deny-peer = \"junk\";", "t.conf:1: key 'deny-peer': ", "bad CIDR" },
	{ "relay-ips = ( \"1.2.3.4:80\" );", "t.conf:1: key 'relay-ips': ", "bad IP address" },
	{ "relay-ports = \"10-5\";", "t.conf:1: key 'relay-ports': ", "bad range '10-5'" },
	{ "relay-ports = \"0-10\";", "t.conf:1: key 'relay-ports': ", NULL },
	{ "relay-ports = \"1-65536\";", "t.conf:1: key 'relay-ports': ", NULL },
	{ "relay-ports = \"100\";", "t.conf:1: key 'relay-ports': ", NULL },
	{ "relay-ports = 100;", "t.conf:1: key 'relay-ports': ", "expected a string" },
	{ "external-ip = \"0.0.0.0\";", "t.conf:1: key 'external-ip': ", NULL },
	{ "external-ip = \"1.2.3.4/::1\";", "t.conf:1: key 'external-ip': ", NULL },
	{ "external-ip = ( \"1.2.3.4/\" );", "t.conf:1: key 'external-ip': ", "entry 1" },
	{ "default-lifetime = 0;", "t.conf:1: key 'default-lifetime': ", "out of range" },
	{ "max-lifetime = 86401;", "t.conf:1: key 'max-lifetime': ", "86401 is out of range" },
	{ "user-quota = -1;", "t.conf:1: key 'user-quota': ", "-1 is out of range" },
	{ "total-quota = 5000000000L;", "t.conf:1: key 'total-quota': ", "out of range" },
	{ "max-permissions = 0;", "t.conf:1: key 'max-permissions': ", "0 is out of range (1..1000000)" },
	{ "max-permissions = true;", "t.conf:1: key 'max-permissions': ", "expected an integer" },
	{ "tcp-idle-timeout = 0;", "t.conf:1: key 'tcp-idle-timeout': ", "0 is out of range (1..86400)" },
	{ "max-conns = 0;", "t.conf:1: key 'max-conns': ", "out of range" },
	{ "max-conns-per-ip = -1;", "t.conf:1: key 'max-conns-per-ip': ", "out of range" },
	{ "realm = \"x\";\nfoo = 1;", "t.conf:2: unknown key 'foo'", NULL },
	{ "server = { listen = \"1.2.3.4\"; };", "t.conf:1: unknown key 'server'", NULL },
	{ "log_level = \"info\";", "t.conf:1: unknown key 'log_level'", "did you mean 'log-level'" },
	{ "realm = \"x\";\nrealm = \"y\";", "t.conf:2: ", "duplicate" },
};

static void
test_bad_values(void **state)
{
	(void)state;
	for (size_t i = 0; i < N(bad_cases); i++) {
		const struct bad_case *t = &bad_cases[i];
		struct conf c;
		char err[512] = "";

		if (load(&c, t->text, err, sizeof(err)) != EINVAL)
			fail_msg("accepted: %s", t->text);
		if (strncmp(err, t->prefix, strlen(t->prefix)) != 0)
			fail_msg("'%s': got '%s', want prefix '%s'", t->text,
				 err, t->prefix);
		if (t->what && strstr(err, t->what) == NULL)
			fail_msg("'%s': got '%s', want '%s'", t->text, err,
				 t->what);
		conf_free(&c);
	}
}

/* A syntax error reads "FILE:LINE: " and libconfig's text, once. */
static void
test_syntax_error_said_once(void **state)
{
	struct conf c;
	char err[512] = "";

	(void)state;
	assert_int_equal(load(&c, "realm = \"x\";\nlisten = (\n", err,
			      sizeof(err)), EINVAL);
	assert_string_equal(err, "t.conf:3: syntax error");
	conf_free(&c);
}

/* A list of n generated entries for key; caller frees. */
static char *
many(const char *key, const char *fmt, int n)
{
	size_t cap = 64 + (size_t)n * 48;
	char *s = malloc(cap);
	size_t len;

	assert_non_null(s);
	len = (size_t)snprintf(s, cap, "%s = (", key);
	for (int i = 0; i < n; i++) {
		len += (size_t)snprintf(s + len, cap - len, i ? ",\n\"" : "\"");
		len += (size_t)snprintf(s + len, cap - len, fmt, i / 250,
					i % 250 + 1);
		len += (size_t)snprintf(s + len, cap - len, "\"");
	}
	snprintf(s + len, cap - len, ");\n");
	return s;
}

static void
test_too_many(void **state)
{
	static const struct {
		const char *key, *fmt;
		int max;
	} lim[] = {
		{ "listen", "10.0.%d.%d:1", CONF_MAX_LISTEN },
		{ "users", "u%d-%d:pw", CONF_MAX_USERS },
		{ "allow-peer", "10.0.%d.%d", CONF_MAX_CIDRS },
		{ "deny-peer", "10.0.%d.%d/32", CONF_MAX_CIDRS },
		{ "relay-ips", "10.0.%d.%d", CONF_MAX_RELAY_IP },
		{ "external-ip", "10.0.%d.%d", CONF_MAX_RELAY_IP },
	};

	(void)state;
	for (size_t i = 0; i < N(lim); i++) {
		struct conf c;
		char err[256], want[64], *ok = many(lim[i].key, lim[i].fmt,
						      lim[i].max);
		char *bad = many(lim[i].key, lim[i].fmt, lim[i].max + 1);

		assert_int_equal(load(&c, ok, err, sizeof(err)), 0);
		conf_free(&c);
		assert_int_equal(load(&c, bad, err, sizeof(err)), EINVAL);
		snprintf(want, sizeof(want), "t.conf:%d: key '%s': entry %d:",
			 lim[i].max + 1, lim[i].key, lim[i].max + 1);
		if (strncmp(err, want, strlen(want)) != 0)
			fail_msg("got '%s', want '%s'", err, want);
		conf_free(&c);
		free(ok);
		free(bad);
	}
}

static void
test_validate(void **state)
{
	static const struct {
		const char *text, *err;
	} cases[] = {
		{ "default-lifetime = 3000;\nmax-lifetime = 2000;",
		  "key 'default-lifetime': 3000 must be 1..max-lifetime (2000)" },
		{ "log-target = \"file\";",
		  "key 'log-file': required when log-target is \"file\"" },
		{ "listen = [];", "key 'listen': need 1 to 16 addresses" },
	};
	struct conf c;
	char err[256];

	(void)state;
	for (size_t i = 0; i < N(cases); i++) {
		assert_int_equal(load(&c, cases[i].text, err, sizeof(err)), 0);
		assert_int_equal(conf_validate(&c, err, sizeof(err)), EINVAL);
		assert_string_equal(err, cases[i].err);
		conf_free(&c);
	}
	conf_defaults(&c);
	c.relay_port_min = 600;
	c.relay_port_max = 500;
	assert_int_equal(conf_validate(&c, err, sizeof(err)), EINVAL);
	assert_non_null(strstr(err, "key 'relay-ports'"));
	conf_defaults(&c);
	c.max_permissions = 0;
	assert_int_equal(conf_validate(&c, err, sizeof(err)), EINVAL);
	assert_string_equal(err, "key 'max-permissions': must be at least 1");
	conf_defaults(&c);
	c.realm = NULL;
	assert_int_equal(conf_validate(&c, err, sizeof(err)), EINVAL);
	assert_string_equal(err, "key 'realm': must not be empty");
	conf_defaults(&c);
	conf_free(&c);
}

static void
test_no_secret_in_errors(void **state)
{
	static const char *const cases[] = {
		"users = ( \"hunter2secret\" );",
		"users = ( \"a:b\", \":hunter2secret\" );",
		"users = ( \"bob:x\", \"bob:hunter2secret\" );",
		"auth-secrets = ( \"a\", 7, \"hunter2secret\" );",
	};
	struct conf c;
	char err[512];
	char *argv[] = { "turnpike", "--user", "hunter2secret", NULL };
	char *argv2[] = { "turnpike", "--usr=alice:hunter2secret", NULL };
	enum conf_action act;

	(void)state;
	for (size_t i = 0; i < N(cases); i++) {
		assert_int_equal(load(&c, cases[i], err, sizeof(err)), EINVAL);
		assert_non_null(strstr(err, "t.conf:1: key '"));
		assert_non_null(strstr(err, "entry "));
		assert_null(strstr(err, "hunter2"));
		conf_free(&c);
	}
	assert_int_equal(conf_parse_args(&c, 3, argv, &act, NULL, err,
					 sizeof(err)), EINVAL);
	assert_string_equal(err, "--user: missing ':' between name and "
			    "password");
	conf_free(&c);
	assert_int_equal(conf_parse_args(&c, 2, argv2, &act, NULL, err,
					 sizeof(err)), EINVAL);
	assert_string_equal(err, "unknown or ambiguous option '--usr'");
	conf_free(&c);
}

/* mkstemp file holding text; path into buf. */
static void
write_tmp(char *path, const char *text)
{
	int fd;

	strcpy(path, "/tmp/test_conf.XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

static void
test_load_file(void **state)
{
	struct conf c;
	char path[64], err[512], want[128];

	(void)state;
	write_tmp(path, full_conf);
	conf_defaults(&c);
	assert_int_equal(conf_load_file(&c, path, err, sizeof(err)), 0);
	assert_string_equal(c.path, path);
	assert_string_equal(c.realm, "example.org");
	conf_free(&c);
	assert_null(c.path);
	unlink(path);
	write_tmp(path, "realm = \"ok\";\nmax-lifetime = 60;\n");
	assert_int_equal(conf_load_file(&c, path, err, sizeof(err)), 0);
	assert_int_equal(conf_validate(&c, err, sizeof(err)), EINVAL);
	snprintf(want, sizeof(want), "%s: key 'default-lifetime': ", path);
	assert_memory_equal(err, want, strlen(want));
	conf_free(&c);
	unlink(path);
	write_tmp(path, "realm = \"ok\";\nbogus = 1;\n");
	assert_int_equal(conf_load_file(&c, path, err, sizeof(err)), EINVAL);
	snprintf(want, sizeof(want), "%s:2: unknown key 'bogus'", path);
	assert_string_equal(err, want);
	conf_free(&c);
	unlink(path);
	assert_int_equal(conf_load_file(&c, path, err, sizeof(err)), ENOENT);
	snprintf(want, sizeof(want), "%s: cannot read: ", path);
	assert_memory_equal(err, want, strlen(want));
	assert_int_equal(conf_load_file(&c, "/tmp", err, sizeof(err)), EISDIR);
	conf_free(&c);
}

/* conf_parse_args with argv from a NULL-terminated list. */
static int
parse(struct conf *c, enum conf_action *act, char *out, size_t outlen,
      char *err, size_t errlen, ...)
{
	char *argv[32];
	int argc = 0;
	va_list ap;
	FILE *fp = fmemopen(out, outlen, "w");
	int rc;

	assert_non_null(fp);
	argv[argc++] = "turnpike";
	va_start(ap, errlen);
	while (argc < 31 && (argv[argc] = va_arg(ap, char *)) != NULL)
		argc++;
	va_end(ap);
	argv[argc] = NULL;
	err[0] = '\0';
	rc = conf_parse_args(c, argc, argv, act, fp, err, errlen);
	fclose(fp);
	return rc;
}

static void
test_cli_precedence(void **state)
{
	struct conf c;
	enum conf_action act;
	char path[64], out[64], err[256], buf[ADDR_STRLEN];

	(void)state;
	write_tmp(path, "listen = ( \"192.0.2.1:1\", \"192.0.2.1:2\" );\n"
		  "realm = \"file\";\nlog-level = \"debug\";\n"
		  "users = \"a:1\";\nexternal-ip = \"192.0.2.9\";\n");
	assert_int_equal(parse(&c, &act, out, sizeof(out), err, sizeof(err),
			       "--realm", "flag", "-c", path, "--listen",
			       "[::1]:7", "--user", "b:2", "--listen",
			       "127.0.0.1", "--auth-secret", "s", NULL), 0);
	assert_int_equal(act, CONF_RUN);
	assert_string_equal(c.realm, "flag");
	assert_int_equal(c.log_level, LOG_LVL_DEBUG);
	assert_int_equal(c.nlisten, 2);
	assert_string_equal(str_of(&c.listen[0], buf), "[::1]:7");
	assert_string_equal(str_of(&c.listen[1], buf), "127.0.0.1:3478");
	assert_int_equal(c.nusers, 2);
	assert_string_equal(c.users[1].name, "b");
	assert_int_equal(c.nsecrets, 1);
	assert_int_equal(c.nexternal_ip, 1);
	assert_string_equal(c.path, path);
	conf_free(&c);
	assert_int_equal(parse(&c, &act, out, sizeof(out), err, sizeof(err),
			       "--config", path, "--external-ip",
			       "203.0.113.5/10.0.0.5", "--log-level", "warn",
			       "--relay-ports", "5000-5001", "--software", "x",
			       "--allow-peer", "10.0.0.0/8", "--deny-peer",
			       "::1", NULL), 0);
	assert_int_equal(c.nlisten, 2);
	assert_string_equal(str_of(&c.listen[1], buf), "192.0.2.1:2");
	assert_int_equal(c.nexternal_ip, 1);
	assert_int_equal(c.external_ip[0].private_ip.ss_family, AF_INET);
	assert_int_equal(c.log_level, LOG_LVL_WARN);
	assert_int_equal(c.relay_port_max, 5001);
	assert_string_equal(c.software, "x");
	assert_int_equal(c.nallow_peer + c.ndeny_peer, 2);
	conf_free(&c);
	unlink(path);
}

static void
test_cli_actions(void **state)
{
	static const struct {
		const char *a1, *a2, *a3;
		enum conf_action act;
		const char *out;
	} cases[] = {
		{ NULL, NULL, NULL, CONF_RUN, "" },
		{ "--version", NULL, NULL, CONF_EXIT,
		  "turnpike " TURNPIKE_VERSION "\n" },
		{ "-V", NULL, NULL, CONF_EXIT, "turnpike " TURNPIKE_VERSION "\n" },
		{ "-c", "/nonexistent.conf", "-h", CONF_EXIT, "usage: turnpike" },
		{ "--help", NULL, NULL, CONF_EXIT, "--check-config" },
		{ "--check-config", "--realm", "r", CONF_CHECK, "" },
	};
	struct conf c;
	enum conf_action act;
	char out[4096], err[256];

	(void)state;
	for (size_t i = 0; i < N(cases); i++) {
		memset(out, 0, sizeof(out));
		assert_int_equal(parse(&c, &act, out, sizeof(out), err,
				       sizeof(err), cases[i].a1, cases[i].a2,
				       cases[i].a3, NULL), 0);
		assert_int_equal(act, cases[i].act);
		assert_non_null(strstr(out, cases[i].out));
		if (cases[i].act == CONF_RUN)
			assert_defaults(&c);
		conf_free(&c);
	}
}

static void
test_cli_errors(void **state)
{
	static const struct {
		const char *a1, *a2, *err;
		bool usage;       /* the command line itself is wrong */
	} cases[] = {
		{ "--bogus", NULL, "unknown or ambiguous option '--bogus'",
		  true },
		{ "-x", NULL, "unknown or ambiguous option '-x'", true },
		{ "--re", "x", "unknown or ambiguous option '--re'", true },
		{ "--realm", NULL, "missing value for option '--realm'", true },
		{ "-c", NULL, "missing value for option '-c'", true },
		{ "--help=x", NULL, "unknown or ambiguous option '--help'",
		  true },
		{ "stray", NULL, "unexpected argument", true },
		{ "--listen", "nowhere", "--listen: bad address 'nowhere'",
		  true },
		{ "--relay-ports", "9-8", "--relay-ports: bad range '9-8'",
		  true },
		{ "--log-level", "loud", "--log-level: 'loud' is not one of",
		  true },
		{ "--realm", "", "--realm: must not be empty", true },
		{ "--log-target", "file", "key 'log-file': required", false },
		{ "-c", "/nonexistent.conf", "/nonexistent.conf: cannot read",
		  false },
	};
	struct conf c;
	enum conf_action act = CONF_CHECK;
	char out[2048], err[256];

	(void)state;
	for (size_t i = 0; i < N(cases); i++) {
		int rc = parse(&c, &act, out, sizeof(out), err, sizeof(err),
			       cases[i].a1, cases[i].a2, NULL);

		if (rc != EINVAL || strncmp(err, cases[i].err,
					    strlen(cases[i].err)) != 0)
			fail_msg("%s: rc %d, err '%s'", cases[i].a1, rc, err);
		assert_int_equal(act, cases[i].usage ? CONF_USAGE : CONF_RUN);
		conf_free(&c);
	}
	assert_int_equal(parse(&c, &act, out, sizeof(out), err, sizeof(err),
			       "-c", "a", "-c", "b", NULL), EINVAL);
	assert_string_equal(err, "--config: given twice");
	assert_int_equal(act, CONF_USAGE);
	conf_free(&c);
}

/* The HTTP listener and signaling keys (set_http.c). */
static void
test_http_keys(void **state)
{
	struct conf c;
	enum conf_action act;
	char out[2048], err[256], buf[ADDR_STRLEN];

	(void)state;
	conf_defaults(&c);
	assert_int_equal(c.nhttp_listen, 1);
	assert_true(c.http_listen_default);
	assert_string_equal(str_of(&c.http_listen[0], buf), "0.0.0.0:8080");
	assert_int_equal(c.room_capacity, 6);
	assert_null(c.api_key);
	conf_free(&c);
	assert_int_equal(load(&c, "http-listen = ( \"127.0.0.1:9000\", "
			      "\"::1\" );\nwww-dir = \"/srv/www\";\n"
			      "api-key = \"k3y\";\njoin-secret = \"js\";\n"
			      "allowed-origins = ( \"https://a.example\", "
			      "\"*\" );\npublic-host = \"turn.example\";\n"
			      "room-capacity = 3;\nsig-grace = 0;\n",
			      err, sizeof(err)), 0);
	assert_int_equal(c.nhttp_listen, 2);
	assert_false(c.http_listen_default);
	assert_string_equal(str_of(&c.http_listen[1], buf), "[::1]:8080");
	assert_string_equal(c.www_dir, "/srv/www");
	assert_string_equal(c.api_key, "k3y");
	assert_string_equal(c.join_secret, "js");
	assert_int_equal(c.norigins, 2);
	assert_string_equal(c.public_host, "turn.example");
	assert_int_equal(c.room_capacity, 3);
	assert_int_equal(c.sig_grace, 0);
	conf_free(&c);
	assert_int_equal(load(&c, "http-listen = ();", err, sizeof(err)), 0);
	assert_int_equal(c.nhttp_listen, 0);
	conf_free(&c);
	assert_int_equal(load(&c, "allowed-origins = \"evil\";", err,
			      sizeof(err)), EINVAL);
	conf_free(&c);
	assert_int_equal(load(&c, "api-key = \"has space\";", err,
			      sizeof(err)), EINVAL);
	assert_null(strstr(err, "has space"));
	conf_free(&c);
	assert_int_equal(load(&c, "room-capacity = 1;", err, sizeof(err)),
			 EINVAL);
	conf_free(&c);
	assert_int_equal(load(&c, "public-host = \"a/b\";", err,
			      sizeof(err)), EINVAL);
	conf_free(&c);
	assert_int_equal(parse(&c, &act, out, sizeof(out), err, sizeof(err),
			       "--http-listen", "127.0.0.1:8081",
			       "--http-listen", "127.0.0.1:8082",
			       "--www-dir", "w", NULL), 0);
	assert_int_equal(c.nhttp_listen, 2);
	assert_string_equal(c.www_dir, "w");
	conf_free(&c);
	assert_int_equal(parse(&c, &act, out, sizeof(out), err, sizeof(err),
			       "--http-listen", "off", NULL), 0);
	assert_int_equal(c.nhttp_listen, 0);
	conf_free(&c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_full_file),
		cmocka_unit_test(test_single_values),
		cmocka_unit_test(test_bad_values),
		cmocka_unit_test(test_syntax_error_said_once),
		cmocka_unit_test(test_too_many),
		cmocka_unit_test(test_validate),
		cmocka_unit_test(test_no_secret_in_errors),
		cmocka_unit_test(test_load_file),
		cmocka_unit_test(test_cli_precedence),
		cmocka_unit_test(test_cli_actions),
		cmocka_unit_test(test_cli_errors),
		cmocka_unit_test(test_http_keys),
	};

	return cmocka_run_group_tests_name("conf", tests, NULL, NULL);
}
