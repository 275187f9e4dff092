/**
 * @file conf_int.h  Private to src/conf: the declarative key table shared
 * by the file loader (conf.c) and the command line (args.c).
 *
 * Every key is one row: its name, its kind and either a field offset with
 * a range (integers) or a setter that parses one string value. The file
 * loader and the flags both go through the same setters, so a value means
 * the same thing wherever it comes from.
 */
#ifndef TURNPIKE_CONF_INT_H
#define TURNPIKE_CONF_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "conf.h"

#define CONF_DEFAULT_PORT 3478
#define CONF_WHY_MAX      160   /* room for the "what is wrong" part */

enum conf_kind {
	CK_INT,    /* integer stored as unsigned at off, in [min, max] */
	CK_STR,    /* one string, passed to set */
	CK_LIST,   /* a string or a list of strings: reset, then set each */
};

struct conf_key;

/*
 * Parse one string value into c. For CK_LIST keys the value is appended.
 * On error returns EINVAL (ENOMEM) and writes why, which never quotes a
 * secret key's value.
 */
typedef int (*conf_set_fn)(struct conf *c, const struct conf_key *k,
			   const char *v, char *why, size_t whylen);
/* Empty a CK_LIST key before a file or the first flag sets it. */
typedef void (*conf_reset_fn)(struct conf *c);

struct conf_key {
	const char *name;
	enum conf_kind kind;
	size_t off;             /* CK_INT field; string fields for set_path */
	long long min, max;     /* CK_INT bounds */
	conf_set_fn set;
	conf_reset_fn reset;
};

/* The setters of the table (set_text.c, set_addr.c). */
int set_listen(struct conf *, const struct conf_key *, const char *,
	       char *, size_t);
void reset_listen(struct conf *);
int set_log_level(struct conf *, const struct conf_key *, const char *,
		  char *, size_t);
int set_log_target(struct conf *, const struct conf_key *, const char *,
		   char *, size_t);
int set_log_format(struct conf *, const struct conf_key *, const char *,
		   char *, size_t);
int set_path(struct conf *, const struct conf_key *, const char *,
	     char *, size_t);
int set_software(struct conf *, const struct conf_key *, const char *,
		 char *, size_t);
int set_realm(struct conf *, const struct conf_key *, const char *,
	      char *, size_t);
int set_user(struct conf *, const struct conf_key *, const char *,
	     char *, size_t);
void reset_users(struct conf *);
int set_secret(struct conf *, const struct conf_key *, const char *,
	       char *, size_t);
void reset_secrets(struct conf *);
int set_allow_peer(struct conf *, const struct conf_key *, const char *,
		   char *, size_t);
void reset_allow_peer(struct conf *);
int set_deny_peer(struct conf *, const struct conf_key *, const char *,
		  char *, size_t);
void reset_deny_peer(struct conf *);
int set_relay_ip(struct conf *, const struct conf_key *, const char *,
		 char *, size_t);
void reset_relay_ip(struct conf *);
int set_relay_ports(struct conf *, const struct conf_key *, const char *,
		    char *, size_t);
int set_external_ip(struct conf *, const struct conf_key *, const char *,
		    char *, size_t);
void reset_external_ip(struct conf *);
/* set_tls.c */
int set_tls_listen(struct conf *, const struct conf_key *, const char *,
		   char *, size_t);
void reset_tls_listen(struct conf *);
int set_cert_file(struct conf *, const struct conf_key *, const char *,
		  char *, size_t);
void reset_certs(struct conf *);
int set_tls_ciphers(struct conf *, const struct conf_key *, const char *,
		    char *, size_t);
int set_tls_min_version(struct conf *, const struct conf_key *,
			const char *, char *, size_t);
/** Free the TLS strings (conf_free). */
void conf_free_tls(struct conf *c);
/** Cross-field TLS checks for conf_validate (a conf_rule). */
int conf_rule_tls(const struct conf *c, const char **key, char *why,
		  size_t whylen);

/* set_http.c: the HTTP listener and signaling keys */
int set_http_listen(struct conf *, const struct conf_key *, const char *,
		    char *, size_t);
void reset_http_listen(struct conf *);
int set_origin(struct conf *, const struct conf_key *, const char *,
	       char *, size_t);
void reset_origins(struct conf *);
int set_public_host(struct conf *, const struct conf_key *, const char *,
		    char *, size_t);
int set_anonymous_relay(struct conf *, const struct conf_key *,
			const char *, char *, size_t);
int set_secret_text(struct conf *, const struct conf_key *, const char *,
		    char *, size_t);
void http_conf_defaults(struct conf *c);
void http_conf_free(struct conf *c);

/* set_admin.c: the admin listener (admin-listen; admin-token uses
 * set_secret_text) */
int set_admin_listen(struct conf *, const struct conf_key *, const char *,
		     char *, size_t);
void reset_admin_listen(struct conf *);
void admin_conf_defaults(struct conf *c);
void admin_conf_free(struct conf *c);
/** SHA-256 of the file at path, in hex, into c->file_sha256 ("" when it
 *  cannot be read). */
void conf_hash_file(struct conf *c, const char *path);

/** The row for name, or NULL. */
const struct conf_key *conf_key_find(const char *name);
/** The i-th key of the table, NULL past the end (env.c walks them). */
const struct conf_key *conf_key_at(size_t i);

/** Set a CK_INT key from a number; range errors go to why. */
int conf_key_set_int(struct conf *c, const struct conf_key *k, long long v,
		     char *why, size_t whylen);

/** Replace the string field at off with a copy of v; with empty_null an
 *  empty v stores NULL. ENOMEM reported in why. */
int conf_store_string(struct conf *c, size_t off, const char *v,
		      bool empty_null, char *why, size_t whylen);
/** Write "out of memory" to why; returns ENOMEM. */
int conf_oom(char *why, size_t whylen);

/** Parse "LO-HI" (relay-ports) into lo and hi. 0 or EINVAL. */
int conf_parse_port_range(const char *s, uint16_t *lo, uint16_t *hi);

/** Free a string field (never the built-in default realm). */
void conf_str_free(char *s);

/** Whether the realm text is acceptable (non-empty, <128, printable). */
int conf_check_realm(const char *realm, char *why, size_t whylen);

/** snprintf into err when err is usable. */
void conf_errf(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
