/**
 * @file args.c  The command line: defaults, then the -c file, then the
 * other flags, then conf_validate().
 *
 * Two getopt_long passes over argv: the first finds -c/--config, --help,
 * --version and any malformed option; the file is loaded; the second pass
 * applies the flags through the same key setters the file uses. Flags are
 * one table: option, the key it sets, and whether it sets, appends or
 * replaces-then-appends. Error text never quotes an unknown option's
 * "=VALUE" part or a positional argument: either may be a secret.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf_int.h"
#include "version.h"

enum flag_mode {
	FM_NONE,     /* handled by the option loop itself */
	FM_SET,      /* a single value: the last flag wins */
	FM_APPEND,   /* adds to the list from the file */
	FM_REPLACE,  /* the first flag replaces the file's list, later append */
};

enum { OPT_CHECK = 256, OPT_RELOAD, OPT_KEY };

struct flag {
	struct option opt;
	const char *key;
	enum flag_mode mode;
	const char *arg;    /* for the usage text */
	const char *help;
};

#define KEYFLAG(name, key, mode, arg, help) \
	{ { name, required_argument, NULL, 0 }, key, mode, arg, help }

static const struct flag flags[] = {
	{ { "config", required_argument, NULL, 'c' }, NULL, FM_NONE, "FILE",
	  "load the libconfig file FILE" },
	KEYFLAG("listen", "listen", FM_REPLACE, "ADDR:PORT",
		"UDP+TCP listener (repeat; replaces the file's list)"),
	KEYFLAG("log-level", "log-level", FM_SET, "L",
		"error, warn, info or debug"),
	KEYFLAG("log-target", "log-target", FM_SET, "T",
		"stderr, syslog or file"),
	KEYFLAG("log-file", "log-file", FM_SET, "PATH",
		"file for log-target file"),
	KEYFLAG("log-format", "log-format", FM_SET, "F",
		"text or json (one object per line)"),
	KEYFLAG("realm", "realm", FM_SET, "R", "long-term credential realm"),
	KEYFLAG("user", "users", FM_APPEND, "NAME:PASSWORD",
		"add a static user (repeat; visible in ps: prefer the file)"),
	KEYFLAG("users-file", "users-file", FM_SET, "PATH",
		"file of NAME:PASSWORD lines"),
	KEYFLAG("auth-secret", "auth-secrets", FM_APPEND, "S",
		"add a TURN REST shared secret (repeat)"),
	KEYFLAG("allow-peer", "allow-peer", FM_APPEND, "CIDR",
		"allow relaying to peers in CIDR (repeat)"),
	KEYFLAG("deny-peer", "deny-peer", FM_APPEND, "CIDR",
		"deny relaying to peers in CIDR (repeat)"),
	KEYFLAG("relay-ip", "relay-ips", FM_REPLACE, "IP",
		"address for relayed sockets (repeat)"),
	KEYFLAG("relay-ports", "relay-ports", FM_SET, "LO-HI",
		"port range for relayed sockets"),
	KEYFLAG("external-ip", "external-ip", FM_REPLACE, "IP[/PRIVATE]",
		"public address advertised for relays (repeat)"),
	KEYFLAG("tls-listen", "tls-listen", FM_REPLACE, "ADDR:PORT",
		"TLS+DTLS listener (repeat; default port 5349)"),
	KEYFLAG("cert", "cert", FM_SET, "FILE",
		"PEM certificate (and chain) for TLS/DTLS"),
	KEYFLAG("key", "key", FM_SET, "FILE", "PEM private key for --cert"),
	KEYFLAG("software", "software", FM_SET, "S",
		"SOFTWARE attribute value (\"\" = not sent)"),
	KEYFLAG("pidfile", "pidfile", FM_SET, "PATH",
		"write the process id to PATH"),
	KEYFLAG("proc-user", "proc-user", FM_SET, "USER",
		"drop root to USER once the ports are bound"),
	KEYFLAG("http-listen", "http-listen", FM_REPLACE, "ADDR:PORT",
		"HTTP/WebSocket listener (repeat; \"off\" = none)"),
	KEYFLAG("www-dir", "www-dir", FM_SET, "DIR",
		"directory of the static files (the demo page)"),
	KEYFLAG("anonymous-relay", "anonymous-relay", FM_SET, "MODE",
		"ticketless signaling credentials: relay, any or off"),
	KEYFLAG("public-host", "public-host", FM_SET, "HOST",
		"host name or IP in the stun:/turn: URLs handed out"),
	KEYFLAG("admin-listen", "admin-listen", FM_REPLACE, "ADDR:PORT",
		"admin listener, /metrics and /api/status (repeat; "
		"\"off\" = none)"),
	{ { "reload", no_argument, NULL, OPT_RELOAD }, NULL, FM_NONE, NULL,
	  "send SIGHUP to the server named by pidfile, and exit" },
	{ { "check-config", no_argument, NULL, OPT_CHECK }, NULL, FM_NONE,
	  NULL, "validate the configuration, print OK and exit" },
	{ { "help", no_argument, NULL, 'h' }, NULL, FM_NONE, NULL,
	  "print this help and exit" },
	{ { "version", no_argument, NULL, 'V' }, NULL, FM_NONE, NULL,
	  "print the version and exit" },
};

#define NFLAGS (sizeof(flags) / sizeof(*flags))
#define SHORTOPTS ":c:hV"

/* getopt_long's table; key flags get val OPT_KEY + their index. */
static void
build_options(struct option *opts)
{
	for (size_t i = 0; i < NFLAGS; i++) {
		opts[i] = flags[i].opt;
		if (flags[i].key != NULL)
			opts[i].val = OPT_KEY + (int)i;
	}
	memset(&opts[NFLAGS], 0, sizeof(*opts));
}

/* Descriptions start at column USAGE_COL (or on the next line when the
 * flag is too long to leave two spaces) and wrap before USAGE_WIDTH. */
#define USAGE_COL   32
#define USAGE_WIDTH 79

/* help from column USAGE_COL, cut at spaces into lines of USAGE_WIDTH. */
static void
usage_help(FILE *out, const char *help)
{
	const size_t room = USAGE_WIDTH - USAGE_COL;
	size_t len = strlen(help), cut;

	while (len > room) {
		for (cut = room; cut > 0 && help[cut] != ' '; cut--)
			;
		if (cut == 0)
			break;                     /* one long word: as is */
		fprintf(out, "%.*s\n%*s", (int)cut, help, USAGE_COL, "");
		help += cut + 1;
		len -= cut + 1;
	}
	fprintf(out, "%s\n", help);
}

static void
usage_flag(FILE *out, const struct flag *f)
{
	const struct option *o = &f->opt;
	int n = fprintf(out, "  %s--%s%s%s",
			o->val == 'c' ? "-c, " : o->val == 'h' ? "-h, " :
			o->val == 'V' ? "-V, " : "    ", o->name,
			f->arg ? " " : "", f->arg ? f->arg : "");

	if (n < 0)
		return;
	if (n > USAGE_COL - 2) {
		fputc('\n', out);
		n = 0;
	}
	fprintf(out, "%*s", USAGE_COL - n, "");
	usage_help(out, f->help);
}

void
conf_usage(FILE *out, const char *prog)
{
	const char *slash = prog ? strrchr(prog, '/') : NULL;

	out = out ? out : stdout;
	prog = slash ? slash + 1 : prog ? prog : "turnpike";
	fprintf(out, "usage: %s [-c FILE] [options]\n\n", prog);
	for (size_t i = 0; i < NFLAGS; i++)
		usage_flag(out, &flags[i]);
	fprintf(out, "\nPrecedence: defaults < file (-c) < environment "
		"(TURNPIKE_REALM, ...) < flags.\nSee docs/config.md.\n");
}

/* The failing option for a message, without any "=VALUE" part. */
static void
bad_option(char **argv, const char *what, char *err, size_t errlen)
{
	const char *arg = optind > 0 ? argv[optind - 1] : "";

	if (arg != NULL && strncmp(arg, "--", 2) == 0) {
		int len = (int)strcspn(arg, "=");

		conf_errf(err, errlen, "%s option '%.*s'", what,
			  len > 64 ? 64 : len, arg);
	} else if (optopt > 0x20 && optopt < 0x7f) {
		conf_errf(err, errlen, "%s option '-%c'", what, optopt);
	} else {
		conf_errf(err, errlen, "%s option", what);
	}
}

/* What the first pass found. */
struct scan {
	const char *config;
	enum conf_action act;
};

static int
scan_one(int ch, char **argv, struct scan *s, FILE *out, char *err,
	 size_t errlen)
{
	switch (ch) {
	case 'c':
		if (s->config != NULL) {
			conf_errf(err, errlen, "--config: given twice");
			return EINVAL;
		}
		s->config = optarg;
		return 0;
	case 'h':
		conf_usage(out, argv[0]);
		s->act = CONF_EXIT;
		return 0;
	case 'V':
		fprintf(out, "turnpike %s\n", TURNPIKE_VERSION);
		s->act = CONF_EXIT;
		return 0;
	case ':':
		bad_option(argv, "missing value for", err, errlen);
		return EINVAL;
	case '?':
		bad_option(argv, "unknown or ambiguous", err, errlen);
		return EINVAL;
	case OPT_CHECK:
		s->act = CONF_CHECK;
		return 0;
	case OPT_RELOAD:
		s->act = CONF_RELOAD;
		return 0;
	default:
		return 0;
	}
}

/* Pass 1: -c, --help, --version, --check-config; reject bad options. */
static int
scan_args(int argc, char **argv, const struct option *opts, struct scan *s,
	  FILE *out, char *err, size_t errlen)
{
	int ch, rc;

	optind = 0;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, SHORTOPTS, opts, NULL)) != -1) {
		rc = scan_one(ch, argv, s, out, err, errlen);
		if (rc != 0 || s->act == CONF_EXIT)
			return rc;
	}
	if (optind < argc) {
		conf_errf(err, errlen, "unexpected argument: turnpike takes "
			  "no positional arguments (a value goes right after "
			  "its flag)");
		return EINVAL;
	}
	return 0;
}

/* Apply one key flag through its key's setter. */
static int
apply_flag(struct conf *c, const struct flag *f, const char *v, bool first,
	   char *err, size_t errlen)
{
	const struct conf_key *k = conf_key_find(f->key);
	char why[CONF_WHY_MAX];

	if (k == NULL || k->set == NULL)
		return EINVAL;
	if (f->mode == FM_REPLACE && first)
		k->reset(c);
	if (k->set(c, k, v, why, sizeof(why)) != 0) {
		conf_errf(err, errlen, "--%s: %s", f->opt.name, why);
		return EINVAL;
	}
	return 0;
}

/* Pass 2: every key flag, in order, over the file's values. */
static int
apply_args(struct conf *c, int argc, char **argv, const struct option *opts,
	   char *err, size_t errlen)
{
	bool seen[NFLAGS] = { false };
	int ch;

	optind = 0;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, SHORTOPTS, opts, NULL)) != -1) {
		size_t i = (size_t)(ch - OPT_KEY);

		if (ch < OPT_KEY || i >= NFLAGS)
			continue;
		if (apply_flag(c, &flags[i], optarg, !seen[i], err,
			       errlen) != 0)
			return EINVAL;
		seen[i] = true;
	}
	return 0;
}

static const char *
env_get(const char *name)
{
	return getenv(name);
}

int
conf_parse_args(struct conf *c, int argc, char **argv,
		enum conf_action *act, FILE *out, char *err, size_t errlen)
{
	struct option opts[NFLAGS + 1];
	struct scan s = { NULL, CONF_RUN };
	bool usage = false;
	int rc;

	if (c == NULL || argv == NULL || argc < 1 || act == NULL) {
		conf_errf(err, errlen, "no arguments");
		return EINVAL;
	}
	conf_defaults(c);
	build_options(opts);
	*act = CONF_RUN;
	rc = scan_args(argc, argv, opts, &s, out ? out : stdout, err, errlen);
	usage = rc != 0;
	if (rc != 0 || s.act == CONF_EXIT)
		goto out;
	if (s.config != NULL &&
	    (rc = conf_load_file(c, s.config, err, errlen)) != 0) {
		rc = EINVAL;
		goto out;
	}
	rc = conf_load_env(c, env_get, err, errlen);
	if (rc == 0)
		usage = (rc = apply_args(c, argc, argv, opts, err, errlen)) != 0;
	if (rc == 0)
		rc = conf_validate(c, err, errlen);
out:
	if (rc == 0)
		*act = s.act;
	else if (usage)
		*act = CONF_USAGE;
	optind = 1;
	return rc;
}
