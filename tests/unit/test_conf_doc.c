/*
 * The config reference (docs/config.md) against the code: every key the
 * loader accepts is documented in a table row "| `key` |", every
 * documented key is accepted, and the same for the flags of --help.
 * Runs from the repository root (tests/run.sh does).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "conf.h"
#include "../../src/conf/conf_int.h"

#define DOC "docs/config.md"
#define MAXN 256

struct names {
	char *v[MAXN];
	size_t n;
};

static void
add(struct names *s, const char *p, size_t len)
{
	assert_true(s->n < MAXN);
	s->v[s->n++] = strndup(p, len);
}

static bool
has(const struct names *s, const char *name)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->v[i], name) == 0)
			return true;
	return false;
}

static void
free_names(struct names *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	s->n = 0;
}

/* Rows "| `name` |" (keys) and "| `--flag ARG` |" or "| `-c`, `--flag" */
static void
read_doc(struct names *keys, struct names *flags)
{
	FILE *f = fopen(DOC, "r");
	char line[4096];

	assert_non_null(f);
	while (fgets(line, sizeof(line), f) != NULL) {
		const char *p = line, *q;

		if (strncmp(p, "| `", 3) != 0)
			continue;
		p += 3;
		if (strncmp(p, "-c`, `", 6) == 0 || strncmp(p, "-h`, `", 6) == 0 ||
		    strncmp(p, "-V`, `", 6) == 0)
			p += 6;
		if (strncmp(p, "--", 2) == 0) {
			p += 2;
			q = p + strcspn(p, " `");
			add(flags, p, (size_t)(q - p));
		} else {
			q = p + strcspn(p, "`");
			if (strncmp(q, "` |", 3) == 0)
				add(keys, p, (size_t)(q - p));
		}
	}
	fclose(f);
}

static void
test_every_key_documented_and_every_documented_key_accepted(void **state)
{
	struct names keys = { 0 }, flags = { 0 };
	const struct conf_key *k;
	size_t n = 0;

	(void)state;
	read_doc(&keys, &flags);
	for (size_t i = 0; (k = conf_key_at(i)) != NULL; i++, n++)
		if (!has(&keys, k->name))
			fail_msg("key '%s' is accepted but not in " DOC, k->name);
	for (size_t i = 0; i < keys.n; i++)
		if (conf_key_find(keys.v[i]) == NULL)
			fail_msg(DOC " documents key '%s' that the code rejects",
				 keys.v[i]);
	assert_int_equal(keys.n, n);
	free_names(&keys);
	free_names(&flags);
}

static void
test_every_flag_documented_and_every_documented_flag_accepted(void **state)
{
	struct names keys = { 0 }, flags = { 0 }, help = { 0 };
	char *text = NULL, *p;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	(void)state;
	assert_non_null(out);
	conf_usage(out, "turnpike");
	fclose(out);
	for (p = strstr(text, "--"); p != NULL; p = strstr(p, "--")) {
		p += 2;
		if (p[-3] != ' ')
			continue;
		add(&help, p, strcspn(p, " \n"));
	}
	read_doc(&keys, &flags);
	for (size_t i = 0; i < help.n; i++)
		if (!has(&flags, help.v[i]))
			fail_msg("flag --%s is in --help but not in " DOC,
				 help.v[i]);
	for (size_t i = 0; i < flags.n; i++)
		if (!has(&help, flags.v[i]))
			fail_msg(DOC " documents flag --%s that --help lacks",
				 flags.v[i]);
	free(text);
	free_names(&keys);
	free_names(&flags);
	free_names(&help);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_key_documented_and_every_documented_key_accepted),
		cmocka_unit_test(test_every_flag_documented_and_every_documented_flag_accepted),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
