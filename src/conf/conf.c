/**
 * @file conf.c  Defaults, loading a libconfig file or string over a
 * struct conf, cross-field validation and freeing.
 *
 * The root group is walked setting by setting: each name is looked up in
 * the key table (keys.c), so unknown keys (and nested groups, which no key
 * accepts) are errors with their line. Every string is copied: libconfig's
 * die at config_destroy(). Errors read "FILE:LINE: key 'K': what".
 *
 * libconfig 1.5 limits, documented in docs/config.md: integers beyond 32
 * bits wrap silently, and a relative @include is relative to the working
 * directory.
 */
#include <errno.h>
#include <libconfig.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "conf_int.h"

/* Built-in realm: c->realm points here until a file or flag sets one. */
static const char default_realm[] = "turnpike";

/* Where a value came from, for "FILE:LINE:". */
struct where {
	const char *file;
	unsigned line;
};

void
conf_str_free(char *s)
{
	if (s != default_realm)
		free(s);
}

void
conf_defaults(struct conf *c)
{
	memset(c, 0, sizeof(*c));
	addr_parse("0.0.0.0", CONF_DEFAULT_PORT, &c->listen[0]);
	addr_parse("::", CONF_DEFAULT_PORT, &c->listen[1]);
	c->nlisten = 2;
	c->log_level = LOG_LVL_INFO;
	c->log_target = LOG_TO_STDERR;
	c->realm = (char *)default_realm;
	c->nonce_lifetime = 600;
	c->relay_port_min = 61000;     /* above Linux's ephemeral 32768-60999 */
	c->relay_port_max = 65535;
	c->default_lifetime = 600;
	c->max_lifetime = 3600;
	c->user_quota = 0;
	c->total_quota = 0;
	c->anon_quota = 0;
	c->anon_quota_per_ip = 256;
	c->max_permissions = 64;
	c->tcp_idle_timeout = 30;
	c->max_conns = 4096;
	c->max_conns_per_ip = 64;
	c->udp_rcvbuf = 4u << 20;
	c->udp_sndbuf = 4u << 20;
	http_conf_defaults(c);
	admin_conf_defaults(c);
	c->rate_limit = 20;
	c->rate_limit_burst = 100;
	c->auth_fail_limit = 60;
	c->tls_min_version = 12;
}

void
conf_free(struct conf *c)
{
	if (c == NULL)
		return;
	free(c->path);
	free(c->log_file);
	conf_str_free(c->software);
	conf_str_free(c->realm);
	free(c->users_file);
	free(c->proc_user);
	free(c->proc_group);
	free(c->pidfile);
	reset_users(c);
	reset_secrets(c);
	http_conf_free(c);
	conf_free_tls(c);
	admin_conf_free(c);
	conf_defaults(c);
}

static int
apply_int(struct conf *c, const struct conf_key *k, const config_setting_t *s,
	  char *why, size_t whylen)
{
	int t = config_setting_type(s);

	if (t != CONFIG_TYPE_INT && t != CONFIG_TYPE_INT64) {
		conf_errf(why, whylen, "expected an integer");
		return EINVAL;
	}
	return conf_key_set_int(c, k, config_setting_get_int64(s), why, whylen);
}

static int
apply_str(struct conf *c, const struct conf_key *k, const config_setting_t *s,
	  char *why, size_t whylen)
{
	if (config_setting_type(s) != CONFIG_TYPE_STRING) {
		conf_errf(why, whylen, "expected a string");
		return EINVAL;
	}
	return k->set(c, k, config_setting_get_string(s), why, whylen);
}

/* One element of a list key; on error why names the entry (1-based). */
static int
apply_elem(struct conf *c, const struct conf_key *k,
	   const config_setting_t *e, int i, char *why, size_t whylen)
{
	char what[CONF_WHY_MAX];
	int err;

	if (config_setting_type(e) != CONFIG_TYPE_STRING) {
		conf_errf(why, whylen, "entry %d: expected a string", i + 1);
		return EINVAL;
	}
	err = k->set(c, k, config_setting_get_string(e), what, sizeof(what));
	if (err != 0)
		conf_errf(why, whylen, "entry %d: %s", i + 1, what);
	return err;
}

/* A string, or a list/array of strings: replaces the current list. */
static int
apply_list(struct conf *c, const struct conf_key *k,
	   const config_setting_t *s, struct where *w, char *why,
	   size_t whylen)
{
	int t = config_setting_type(s), n;

	k->reset(c);
	if (t == CONFIG_TYPE_STRING)
		return k->set(c, k, config_setting_get_string(s), why, whylen);
	if (t != CONFIG_TYPE_LIST && t != CONFIG_TYPE_ARRAY) {
		conf_errf(why, whylen, "expected a string or a list of strings");
		return EINVAL;
	}
	n = config_setting_length(s);
	for (int i = 0; i < n; i++) {
		const config_setting_t *e = config_setting_get_elem(s, (unsigned)i);
		int err = apply_elem(c, k, e, i, why, whylen);

		if (err != 0) {
			w->line = config_setting_source_line(e);
			return err;
		}
	}
	return 0;
}

/* "unknown key 'log_level' (did you mean 'log-level'?)" */
static void
unknown_key(const char *name, const struct where *w, char *err, size_t errlen)
{
	char alt[64];
	size_t len = strnlen(name, sizeof(alt));

	if (len < sizeof(alt)) {
		memcpy(alt, name, len + 1);
		for (char *p = alt; *p != '\0'; p++)
			*p = *p == '_' ? '-' : *p;
		if (conf_key_find(alt) != NULL) {
			conf_errf(err, errlen, "%s:%u: unknown key '%s' (did "
				  "you mean '%s'?)", w->file, w->line, name, alt);
			return;
		}
	}
	conf_errf(err, errlen, "%s:%u: unknown key '%.64s'", w->file, w->line,
		  name);
}

static int
apply_setting(struct conf *c, const config_setting_t *s, const char *name,
	      char *err, size_t errlen)
{
	const char *sname = config_setting_name(s);
	const struct conf_key *k = conf_key_find(sname ? sname : "");
	struct where w = { config_setting_source_file(s),
			   config_setting_source_line(s) };
	char why[CONF_WHY_MAX];
	int rc;

	w.file = w.file ? w.file : name;
	if (k == NULL) {
		unknown_key(sname ? sname : "", &w, err, errlen);
		return EINVAL;
	}
	if (k->kind == CK_INT)
		rc = apply_int(c, k, s, why, sizeof(why));
	else if (k->kind == CK_STR)
		rc = apply_str(c, k, s, why, sizeof(why));
	else
		rc = apply_list(c, k, s, &w, why, sizeof(why));
	if (rc != 0)
		conf_errf(err, errlen, "%s:%u: key '%s': %s", w.file, w.line,
			  k->name, why);
	else if (k->set == set_tls_listen)
		c->tls_listen_line = w.line;   /* for conf_validate */
	return rc;
}

/* Apply a parsed tree, or report its syntax error: libconfig's own text
 * ("syntax error", "duplicate setting name", ...) once, after FILE:LINE. */
static int
apply_config(struct conf *c, const config_t *cf, bool ok, const char *name,
	     char *err, size_t errlen)
{
	const config_setting_t *root;
	const char *file;
	int n;

	if (!ok) {
		file = config_error_file(cf) ? config_error_file(cf) : name;
		conf_errf(err, errlen, "%s:%d: %s", file,
			  config_error_line(cf), config_error_text(cf));
		return EINVAL;
	}
	root = config_root_setting(cf);
	n = config_setting_length(root);
	for (int i = 0; i < n; i++) {
		int rc = apply_setting(c, config_setting_get_elem(root,
				       (unsigned)i), name, err, errlen);

		if (rc != 0)
			return rc;
	}
	return 0;
}

int
conf_load_string(struct conf *c, const char *text, const char *name,
		 char *err, size_t errlen)
{
	config_t cf;
	int rc;

	if (c == NULL || text == NULL)
		return EINVAL;
	name = name ? name : "<string>";
	config_init(&cf);
	rc = apply_config(c, &cf, config_read_string(&cf, text) == CONFIG_TRUE,
			  name, err, errlen);
	config_destroy(&cf);
	return rc;
}

/* Whether path names a readable regular file; errno-style result. */
static int
check_readable(const char *path)
{
	struct stat st;
	FILE *fp = fopen(path, "re");
	int rc = 0;

	if (fp == NULL)
		return errno ? errno : EIO;
	if (fstat(fileno(fp), &st) != 0)
		rc = errno ? errno : EIO;
	else if (S_ISDIR(st.st_mode))
		rc = EISDIR;
	fclose(fp);
	return rc;
}

int
conf_load_file(struct conf *c, const char *path, char *err, size_t errlen)
{
	config_t cf;
	char *copy = NULL;
	bool ok;
	int rc;

	if (c == NULL || path == NULL)
		return EINVAL;
	if ((rc = check_readable(path)) != 0) {
		conf_errf(err, errlen, "%s: cannot read: %s", path,
			  strerror(rc));
		return rc;
	}
	config_init(&cf);
	ok = config_read_file(&cf, path) == CONFIG_TRUE;
	if (!ok && config_error_type(&cf) == CONFIG_ERR_FILE_IO) {
		conf_errf(err, errlen, "%s: cannot read", path);
		rc = EIO;
		goto out;
	}
	rc = apply_config(c, &cf, ok, path, err, errlen);
	if (rc == 0 && (copy = strdup(path)) == NULL)
		rc = conf_oom(err, errlen);
	if (rc == 0) {
		free(c->path);
		c->path = copy;
		conf_hash_file(c, path);
	}
out:
	config_destroy(&cf);
	return rc;
}
