/**
 * @file env.c  Configuration from the environment, for containers: every
 * key K of the table can be set as TURNPIKE_K, upper-cased, '-' → '_'
 * (TURNPIKE_REALM, TURNPIKE_AUTH_SECRETS, TURNPIKE_RELAY_PORTS, ...).
 * Values go through the same setters as the file and the flags. A list
 * key takes comma-separated items and replaces the file's list. Error
 * messages name the variable, never its value (it may be a secret).
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "conf_int.h"

#define ENV_NAME_MAX 64
#define ENV_ITEM_MAX 1024

static void
env_name(const char *key, char *out, size_t cap)
{
	size_t n = (size_t)snprintf(out, cap, "TURNPIKE_");

	for (; *key != '\0' && n + 1 < cap; key++)
		out[n++] = *key == '-' ? '_' : (char)toupper((unsigned char)*key);
	out[n] = '\0';
}

static int
env_int(struct conf *c, const struct conf_key *k, const char *v, char *why,
	size_t whylen)
{
	char *end;
	long long n;

	errno = 0;
	n = strtoll(v, &end, 10);
	if (*v == '\0' || *end != '\0' || errno != 0) {
		conf_errf(why, whylen, "expected an integer");
		return EINVAL;
	}
	return conf_key_set_int(c, k, n, why, whylen);
}

/* "a, b,c": each item trimmed of spaces; empty items are errors. */
static int
env_list(struct conf *c, const struct conf_key *k, const char *v, char *why,
	 size_t whylen)
{
	char item[ENV_ITEM_MAX];
	size_t n, i = 1;
	int rc;

	k->reset(c);
	while (*v != '\0') {
		while (*v == ' ')
			v++;
		n = strcspn(v, ",");
		while (n > 0 && v[n - 1] == ' ')
			n--;
		if (n == 0 || n >= sizeof(item)) {
			conf_errf(why, whylen, "item %zu is %s", i,
				  n == 0 ? "empty" : "too long");
			return EINVAL;
		}
		memcpy(item, v, n);
		item[n] = '\0';
		if ((rc = k->set(c, k, item, why, whylen)) != 0)
			return rc;
		v += strcspn(v, ",");
		v += *v == ',';
		i++;
	}
	return 0;
}

int
conf_load_env(struct conf *c, const char *(*get)(const char *name),
	      char *err, size_t errlen)
{
	const struct conf_key *k;
	char name[ENV_NAME_MAX], why[CONF_WHY_MAX];
	const char *v;
	int rc;

	for (size_t i = 0; (k = conf_key_at(i)) != NULL; i++) {
		env_name(k->name, name, sizeof(name));
		if ((v = get(name)) == NULL)
			continue;
		if (k->kind == CK_INT)
			rc = env_int(c, k, v, why, sizeof(why));
		else if (k->kind == CK_LIST)
			rc = env_list(c, k, v, why, sizeof(why));
		else
			rc = k->set(c, k, v, why, sizeof(why));
		if (rc != 0) {
			conf_errf(err, errlen, "environment %s: %s", name, why);
			return EINVAL;
		}
	}
	return 0;
}
