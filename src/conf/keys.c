/**
 * @file keys.c  The table of configuration keys (the redis
 * static_configs[] idea): one row per key with its kind, its bounds or its
 * setter. conf.c walks a libconfig tree through this table and args.c maps
 * flags onto the same rows, so a value means the same in both places.
 * The setters live in set_text.c and set_addr.c.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf_int.h"

#define OFF(f) offsetof(struct conf, f)
#define INT_KEY(n, f, lo, hi) { n, CK_INT, OFF(f), lo, hi, NULL, NULL }
#define STR_KEY(n, f, set) { n, CK_STR, OFF(f), 0, 0, set, NULL }
#define LIST_KEY(n, set, reset) { n, CK_LIST, 0, 0, 0, set, reset }

#define DAY       86400
#define QUOTA_MAX 1000000

static const struct conf_key keys[] = {
	LIST_KEY("listen", set_listen, reset_listen),
	STR_KEY("log-level", log_level, set_log_level),
	STR_KEY("log-target", log_target, set_log_target),
	STR_KEY("log-file", log_file, set_path),
	STR_KEY("software", software, set_software),
	STR_KEY("realm", realm, set_realm),
	LIST_KEY("users", set_user, reset_users),
	STR_KEY("users-file", users_file, set_path),
	LIST_KEY("auth-secrets", set_secret, reset_secrets),
	INT_KEY("nonce-lifetime", nonce_lifetime, 1, DAY),
	LIST_KEY("allow-peer", set_allow_peer, reset_allow_peer),
	LIST_KEY("deny-peer", set_deny_peer, reset_deny_peer),
	LIST_KEY("relay-ips", set_relay_ip, reset_relay_ip),
	STR_KEY("relay-ports", relay_port_min, set_relay_ports),
	LIST_KEY("external-ip", set_external_ip, reset_external_ip),
	INT_KEY("default-lifetime", default_lifetime, 1, DAY),
	INT_KEY("max-lifetime", max_lifetime, 1, DAY),
	INT_KEY("user-quota", user_quota, 0, QUOTA_MAX),
	INT_KEY("total-quota", total_quota, 0, QUOTA_MAX),
	INT_KEY("max-permissions", max_permissions, 1, QUOTA_MAX),
	INT_KEY("max-bps", max_bps, 0, 1000000000),
	LIST_KEY("tls-listen", set_tls_listen, reset_tls_listen),
	STR_KEY("cert", cert, set_path),
	STR_KEY("key", key, set_path),
	LIST_KEY("certs", set_cert_file, reset_certs),
	STR_KEY("tls-ciphers", tls_ciphers, set_tls_ciphers),
	STR_KEY("tls-min-version", tls_min_version, set_tls_min_version),
};

const struct conf_key *
conf_key_find(const char *name)
{
	for (size_t i = 0; i < sizeof(keys) / sizeof(*keys); i++) {
		if (strcmp(keys[i].name, name) == 0)
			return &keys[i];
	}
	return NULL;
}

void
conf_errf(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

int
conf_oom(char *why, size_t whylen)
{
	conf_errf(why, whylen, "out of memory");
	return ENOMEM;
}

int
conf_store_string(struct conf *c, size_t off, const char *v, bool empty_null,
		  char *why, size_t whylen)
{
	char **field = (char **)((char *)c + off);
	char *copy = NULL;

	if (!(empty_null && v[0] == '\0') && (copy = strdup(v)) == NULL)
		return conf_oom(why, whylen);
	conf_str_free(*field);
	*field = copy;
	return 0;
}

int
conf_key_set_int(struct conf *c, const struct conf_key *k, long long v,
		 char *why, size_t whylen)
{
	if (v < k->min || v > k->max) {
		conf_errf(why, whylen, "%lld is out of range (%lld..%lld)",
			  v, k->min, k->max);
		return EINVAL;
	}
	*(unsigned *)((char *)c + k->off) = (unsigned)v;
	return 0;
}
