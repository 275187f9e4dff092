/**
 * @file fuzz_conf.c  libFuzzer target for the configuration loader.
 *
 * Loads the input (a NUL-terminated copy) over the defaults with
 * conf_load_string(), validates, formats every parsed address, frees.
 * Inputs naming "@include" are skipped: libconfig would open files.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
const char *__lsan_default_suppressions(void);

/*
 * libconfig 1.5 leaks on some syntax errors (the scanner's string buffer
 * at EOF inside a string, a string token the parser discards); the server
 * exits on those. The leaks are inside libconfig, whatever the caller
 * does, so tell LeakSanitizer, in this program only. Our own allocations
 * have no libconfig frame on their stack and stay checked.
 */
const char *
__lsan_default_suppressions(void)
{
	return "leak:libconfig.so\n";
}

#define MAX_INPUT 65536

/* Touch every parsed address so that bad values would be noticed. */
static void
format_all(const struct conf *c)
{
	char buf[ADDR_STRLEN + 8];

	for (size_t i = 0; i < c->nlisten; i++)
		addr_str((const struct sockaddr *)&c->listen[i], buf,
			 sizeof(buf));
	for (size_t i = 0; i < c->nallow_peer; i++)
		cidr_str(&c->allow_peer[i], buf, sizeof(buf));
	for (size_t i = 0; i < c->ndeny_peer; i++)
		cidr_str(&c->deny_peer[i], buf, sizeof(buf));
	for (size_t i = 0; i < c->nexternal_ip; i++)
		addr_str((const struct sockaddr *)&c->external_ip[i].private_ip,
			 buf, sizeof(buf));
	for (size_t i = 0; i < c->nusers; i++) {
		if (c->users[i].name[0] == '\0' ||
		    strchr(c->users[i].name, ':') != NULL)
			abort();  /* a user name is never empty nor has ':' */
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct conf c;
	char err[256];
	char *text;

	if (size > MAX_INPUT || memmem(data, size, "@include", 8) != NULL)
		return 0;
	text = malloc(size + 1);
	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	conf_defaults(&c);
	if (conf_load_string(&c, text, "fuzz.conf", err, sizeof(err)) == 0)
		format_all(&c);
	conf_validate(&c, err, sizeof(err));
	conf_free(&c);
	free(text);
	return 0;
}
