/**
 * @file log_fmt.c  Formatting log lines, as text or as JSON (one object
 * per line). Each line is built in one buffer and written with one call,
 * so lines from several processes sharing a file do not mix. Control
 * characters in text lines become '?', and JSON strings are escaped, so
 * that text a peer sent (a username, a SOFTWARE value) cannot forge a
 * line. Lines longer than LOG_LINE_MAX are cut (JSON stays valid).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "log.h"

#define LOG_LINE_MAX 1152   /* a line; a message is cut at 1024 */
#define LOG_MSG_MAX  1024

struct line {
	char buf[LOG_LINE_MAX];
	size_t len;
};

static void
put(struct line *ln, const char *s, size_t n)
{
	if (n > sizeof(ln->buf) - 1 - ln->len)
		n = sizeof(ln->buf) - 1 - ln->len;
	memcpy(ln->buf + ln->len, s, n);
	ln->len += n;
}

static void
puts_(struct line *ln, const char *s)
{
	put(ln, s, strlen(s));
}

/* Text: control characters become '?'. */
static void
put_text(struct line *ln, const char *s)
{
	for (; *s != '\0' && ln->len < sizeof(ln->buf) - 1; s++)
		ln->buf[ln->len++] = ((unsigned char)*s < 0x20 || *s == 0x7f)
				     ? '?' : *s;
}

/* A quoted text value (logfmt): '"' and '\\' escaped with a backslash,
 * so a value a peer chose (a username) cannot close the quotes and
 * forge a field after them; control characters become '?'. */
static void
put_quoted(struct line *ln, const char *s)
{
	char one[2] = { 0, 0 };

	for (; *s != '\0' && ln->len < sizeof(ln->buf) - 2; s++) {
		if (*s == '"' || *s == '\\')
			put(ln, "\\", 1);
		one[0] = *s;
		put_text(ln, one);
	}
}

/* A JSON string, quoted; room for the closing "}" is kept. */
static void
put_json(struct line *ln, const char *s)
{
	char esc[8];

	put(ln, "\"", 1);
	for (; *s != '\0' && ln->len < sizeof(ln->buf) - 16; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\') {
			esc[0] = '\\';
			esc[1] = (char)c;
			put(ln, esc, 2);
		} else if (c < 0x20 || c == 0x7f) {
			snprintf(esc, sizeof(esc), "\\u%04x", c);
			put(ln, esc, 6);
		} else {
			put(ln, (const char *)&c, 1);
		}
	}
	put(ln, "\"", 1);
}

/* Local time for text ("2026-11-25T10:00:00.123"), UTC for JSON
 * ("2026-11-25T09:00:00.123Z"); "" if the clock fails. */
static void
timestamp(char *buf, size_t len, bool utc)
{
	struct timespec ts;
	struct tm tm;
	char sec[32];

	buf[0] = '\0';
	if (clock_gettime(CLOCK_REALTIME, &ts) != 0 ||
	    (utc ? gmtime_r(&ts.tv_sec, &tm) : localtime_r(&ts.tv_sec, &tm)) == NULL ||
	    strftime(sec, sizeof(sec), "%Y-%m-%dT%H:%M:%S", &tm) == 0)
		return;
	snprintf(buf, len, "%s.%03ld%s", sec, ts.tv_nsec / 1000000L,
		 utc ? "Z" : "");
}

static void
begin(struct line *ln, enum log_level l, const char *event)
{
	char ts[48];

	ln->len = 0;
	if (log_sink_format() == LOG_FMT_JSON) {
		timestamp(ts, sizeof(ts), true);
		puts_(ln, "{\"time\":\"");
		puts_(ln, ts);
		puts_(ln, "\",\"level\":\"");
		puts_(ln, log_level_name(l));
		puts_(ln, "\",\"event\":");
		put_json(ln, event);
		return;
	}
	if (!log_sink_is_syslog()) {
		timestamp(ts, sizeof(ts), false);
		puts_(ln, ts);
		puts_(ln, " ");
		puts_(ln, log_level_name(l));
		puts_(ln, ": ");
	}
	if (event != NULL)
		put_text(ln, event);
}

static void
field(struct line *ln, const char *k, const char *v)
{
	if (log_sink_format() == LOG_FMT_JSON) {
		puts_(ln, ",");
		put_json(ln, k);
		puts_(ln, ":");
		put_json(ln, v);
		return;
	}
	puts_(ln, " ");
	put_text(ln, k);
	puts_(ln, "=");
	if (v[0] != '\0' && strpbrk(v, " \"=") == NULL) {
		put_text(ln, v);
		return;
	}
	puts_(ln, "\"");
	put_quoted(ln, v);
	puts_(ln, "\"");
}

static void
finish(struct line *ln, enum log_level l)
{
	if (log_sink_format() == LOG_FMT_JSON)
		puts_(ln, "}");
	log_sink_write(l, ln->buf, ln->len);
}

void
log_msg(enum log_level l, const char *fmt, ...)
{
	char msg[LOG_MSG_MAX];
	struct line ln;
	va_list ap;

	if (!log_enabled(l) || fmt == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (log_sink_format() == LOG_FMT_JSON) {
		begin(&ln, l, "message");
		field(&ln, "msg", msg);
	} else {
		begin(&ln, l, NULL);
		put_text(&ln, msg);
	}
	finish(&ln, l);
}

void
log_event(enum log_level l, const char *event, ...)
{
	struct line ln;
	const char *k, *v;
	va_list ap;

	if (!log_enabled(l) || event == NULL)
		return;
	begin(&ln, l, event);
	va_start(ap, event);
	while ((k = va_arg(ap, const char *)) != NULL) {
		v = va_arg(ap, const char *);
		if (v != NULL)
			field(&ln, k, v);
	}
	va_end(ap);
	finish(&ln, l);
}
