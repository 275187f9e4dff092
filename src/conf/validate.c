/**
 * @file validate.c  Cross-field checks run after the file and the flags:
 * each rule is one small function; the first failure is reported as
 * "FILE: key 'K': what" (just "key 'K': what" when no file was loaded).
 */
#include <errno.h>
#include <string.h>

#include "conf_int.h"

#define DAY 86400

typedef int (*conf_rule)(const struct conf *c, const char **key, char *why,
			 size_t whylen);

static int
rule_listen(const struct conf *c, const char **key, char *why, size_t whylen)
{
	*key = "listen";
	if (c->nlisten == 0 || c->nlisten > CONF_MAX_LISTEN) {
		conf_errf(why, whylen, "need 1 to %d addresses",
			  CONF_MAX_LISTEN);
		return EINVAL;
	}
	return 0;
}

static int
rule_relay_ports(const struct conf *c, const char **key, char *why,
		 size_t whylen)
{
	*key = "relay-ports";
	if (c->relay_port_min == 0 || c->relay_port_min > c->relay_port_max) {
		conf_errf(why, whylen, "bad range %u-%u (want 1 <= LO <= HI)",
			  (unsigned)c->relay_port_min,
			  (unsigned)c->relay_port_max);
		return EINVAL;
	}
	return 0;
}

static int
rule_lifetimes(const struct conf *c, const char **key, char *why,
	       size_t whylen)
{
	*key = "max-lifetime";
	if (c->max_lifetime == 0 || c->max_lifetime > DAY) {
		conf_errf(why, whylen, "%u is out of range (1..%d)",
			  c->max_lifetime, DAY);
		return EINVAL;
	}
	*key = "default-lifetime";
	if (c->default_lifetime == 0 ||
	    c->default_lifetime > c->max_lifetime) {
		conf_errf(why, whylen, "%u must be 1..max-lifetime (%u)",
			  c->default_lifetime, c->max_lifetime);
		return EINVAL;
	}
	*key = "nonce-lifetime";
	if (c->nonce_lifetime == 0 || c->nonce_lifetime > DAY) {
		conf_errf(why, whylen, "%u is out of range (1..%d)",
			  c->nonce_lifetime, DAY);
		return EINVAL;
	}
	return 0;
}

static int
rule_limits(const struct conf *c, const char **key, char *why, size_t whylen)
{
	*key = "max-permissions";
	if (c->max_permissions == 0) {
		conf_errf(why, whylen, "must be at least 1");
		return EINVAL;
	}
	return 0;
}

static int
rule_realm(const struct conf *c, const char **key, char *why, size_t whylen)
{
	*key = "realm";
	return conf_check_realm(c->realm, why, whylen);
}

static int
rule_log_file(const struct conf *c, const char **key, char *why,
	      size_t whylen)
{
	*key = "log-file";
	if (c->log_target == LOG_TO_FILE &&
	    (c->log_file == NULL || c->log_file[0] == '\0')) {
		conf_errf(why, whylen, "required when log-target is \"file\"");
		return EINVAL;
	}
	return 0;
}

static const conf_rule rules[] = {
	rule_listen, rule_relay_ports, rule_lifetimes, rule_limits,
	rule_realm, rule_log_file, conf_rule_tls,
};

int
conf_validate(const struct conf *c, char *err, size_t errlen)
{
	char why[CONF_WHY_MAX];
	const char *key = "";

	if (c == NULL)
		return EINVAL;
	for (size_t i = 0; i < sizeof(rules) / sizeof(*rules); i++) {
		if (rules[i](c, &key, why, sizeof(why)) == 0)
			continue;
		if (c->path != NULL && strcmp(key, "tls-listen") == 0 &&
		    c->tls_listen_line != 0)
			conf_errf(err, errlen, "%s:%u: key '%s': %s", c->path,
				  c->tls_listen_line, key, why);
		else if (c->path != NULL)
			conf_errf(err, errlen, "%s: key '%s': %s", c->path,
				  key, why);
		else
			conf_errf(err, errlen, "key '%s': %s", key, why);
		return EINVAL;
	}
	return 0;
}
