/**
 * @file keys.c  The table of configuration keys (the redis
 * static_configs[] idea): one row per key with its kind, its bounds or its
 * setter. conf.c walks a libconfig tree through this table and args.c maps
 * flags onto the same rows, so a value means the same in both places.
 * The setters live in set_text.c, set_addr.c and set_http.c.
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
	STR_KEY("log-format", log_format, set_log_format),
	STR_KEY("proc-user", proc_user, set_path),
	STR_KEY("proc-group", proc_group, set_path),
	STR_KEY("pidfile", pidfile, set_path),
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
	INT_KEY("anonymous-quota", anon_quota, 0, QUOTA_MAX),
	INT_KEY("anonymous-quota-per-ip", anon_quota_per_ip, 1, QUOTA_MAX),
	INT_KEY("max-permissions", max_permissions, 1, QUOTA_MAX),
	INT_KEY("max-bps", max_bps, 0, 1000000000),
	INT_KEY("tcp-idle-timeout", tcp_idle_timeout, 1, DAY),
	INT_KEY("max-conns", max_conns, 1, QUOTA_MAX),
	INT_KEY("max-conns-per-ip", max_conns_per_ip, 0, QUOTA_MAX),
	INT_KEY("udp-rcvbuf", udp_rcvbuf, 0, 1 << 30),
	INT_KEY("udp-sndbuf", udp_sndbuf, 0, 1 << 30),
	INT_KEY("workers", workers, 0, CONF_MAX_WORKERS),
	LIST_KEY("http-listen", set_http_listen, reset_http_listen),
	STR_KEY("www-dir", www_dir, set_path),
	INT_KEY("http-head-timeout", http_head_timeout, 1, 10),
	INT_KEY("http-max-conns-per-ip", http_max_conns_per_ip, 0, QUOTA_MAX),
	STR_KEY("api-key", api_key, set_secret_text),
	LIST_KEY("allowed-origins", set_origin, reset_origins),
	STR_KEY("public-host", public_host, set_public_host),
	STR_KEY("join-secret", join_secret, set_secret_text),
	STR_KEY("anonymous-relay", anonymous_relay, set_anonymous_relay),
	INT_KEY("room-capacity", room_capacity, 2, 64),
	INT_KEY("max-rooms", max_rooms, 1, QUOTA_MAX),
	INT_KEY("max-sig-conns", max_sig_conns, 1, QUOTA_MAX),
	INT_KEY("chat-history", chat_history, 0, 1000),
	INT_KEY("sig-max-message", sig_max_message, 1024, 1048576),
	INT_KEY("sig-rate", sig_rate, 1, 10000),
	INT_KEY("sig-idle", sig_idle, 5, DAY),
	INT_KEY("sig-grace", sig_grace, 0, 3600),
	INT_KEY("ice-ttl", ice_ttl, 60, DAY),
	INT_KEY("join-rate", join_rate, 1, 100000),
	INT_KEY("rate-limit", rate_limit, 0, QUOTA_MAX),
	INT_KEY("rate-limit-burst", rate_limit_burst, 1, QUOTA_MAX),
	INT_KEY("auth-fail-limit", auth_fail_limit, 0, QUOTA_MAX),
	LIST_KEY("tls-listen", set_tls_listen, reset_tls_listen),
	STR_KEY("cert", cert, set_path),
	STR_KEY("key", key, set_path),
	LIST_KEY("certs", set_cert_file, reset_certs),
	STR_KEY("tls-ciphers", tls_ciphers, set_tls_ciphers),
	STR_KEY("tls-min-version", tls_min_version, set_tls_min_version),
	LIST_KEY("admin-listen", set_admin_listen, reset_admin_listen),
	STR_KEY("admin-token", admin_token, set_secret_text),
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

const struct conf_key *
conf_key_at(size_t i)
{
	return i < sizeof(keys) / sizeof(*keys) ? &keys[i] : NULL;
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
