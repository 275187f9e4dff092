/**
 * @file log.c  Leveled logging to stderr (default), syslog or a file.
 *
 * A line looks like "2026-11-25T10:00:00.123 info: message" (local time,
 * milliseconds). Each line is formatted into one buffer and written with
 * one call, so lines from several processes sharing a file do not mix.
 * Control characters in the message are replaced by '?' so that text a
 * peer sent (a username, a SOFTWARE value) cannot forge log lines.
 * Not thread-safe: the server logs from its one event-loop thread.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "log.h"

#define LOG_LINE_MAX 1024

struct log_sink {
	enum log_target target;
	enum log_level min;
	FILE *fp;          /* LOG_TO_FILE: the open file */
};

/*
 * The process's log sink: one of the two permitted globals (with the
 * config). Written only by log_open()/log_close() at startup and exit.
 */
static struct log_sink sink = { LOG_TO_STDERR, LOG_LVL_INFO, NULL };

static const char *const level_names[] = {
	[LOG_LVL_ERROR] = "error",
	[LOG_LVL_WARN] = "warn",
	[LOG_LVL_INFO] = "info",
	[LOG_LVL_DEBUG] = "debug",
};

static const char *const target_names[] = {
	[LOG_TO_STDERR] = "stderr",
	[LOG_TO_SYSLOG] = "syslog",
	[LOG_TO_FILE] = "file",
};

int
log_level_parse(const char *s, enum log_level *out)
{
	if (s == NULL || out == NULL)
		return EINVAL;
	for (size_t i = 0; i < sizeof(level_names) / sizeof(*level_names); i++) {
		if (strcmp(s, level_names[i]) == 0) {
			*out = (enum log_level)i;
			return 0;
		}
	}
	return EINVAL;
}

const char *
log_level_name(enum log_level l)
{
	if ((unsigned)l >= sizeof(level_names) / sizeof(*level_names))
		return "?";
	return level_names[l];
}

int
log_target_parse(const char *s, enum log_target *out)
{
	if (s == NULL || out == NULL)
		return EINVAL;
	for (size_t i = 0; i < sizeof(target_names) / sizeof(*target_names); i++) {
		if (strcmp(s, target_names[i]) == 0) {
			*out = (enum log_target)i;
			return 0;
		}
	}
	return EINVAL;
}

const char *
log_target_name(enum log_target t)
{
	if ((unsigned)t >= sizeof(target_names) / sizeof(*target_names))
		return "?";
	return target_names[t];
}

static int
open_file(const char *path, FILE **fpp)
{
	FILE *fp;

	if (path == NULL || path[0] == '\0')
		return EINVAL;
	fp = fopen(path, "ae");  /* append, close-on-exec */
	if (fp == NULL)
		return errno ? errno : EIO;
	if (setvbuf(fp, NULL, _IOLBF, 0) != 0) {
		fclose(fp);
		return EIO;
	}
	*fpp = fp;
	return 0;
}

int
log_open(enum log_target t, enum log_level min, const char *path)
{
	FILE *fp = NULL;
	int err;

	if ((unsigned)t > LOG_TO_FILE || (unsigned)min > LOG_LVL_DEBUG)
		return EINVAL;
	if (t == LOG_TO_FILE && (err = open_file(path, &fp)) != 0)
		return err;
	log_close();
	if (t == LOG_TO_SYSLOG)
		openlog("turnpike", LOG_PID | LOG_NDELAY, LOG_DAEMON);
	sink.target = t;
	sink.min = min;
	sink.fp = fp;
	return 0;
}

void
log_close(void)
{
	if (sink.target == LOG_TO_FILE && sink.fp != NULL)
		fclose(sink.fp);
	else if (sink.target == LOG_TO_SYSLOG)
		closelog();
	sink.target = LOG_TO_STDERR;
	sink.min = LOG_LVL_INFO;
	sink.fp = NULL;
}

bool
log_enabled(enum log_level l)
{
	return l <= sink.min;
}

/* "2026-11-25T10:00:00.123" into buf; "" if the clock fails. */
static void
timestamp(char *buf, size_t len)
{
	struct timespec ts;
	struct tm tm;
	char sec[32];

	buf[0] = '\0';
	if (clock_gettime(CLOCK_REALTIME, &ts) != 0 ||
	    localtime_r(&ts.tv_sec, &tm) == NULL ||
	    strftime(sec, sizeof(sec), "%Y-%m-%dT%H:%M:%S", &tm) == 0)
		return;
	snprintf(buf, len, "%s.%03ld", sec, ts.tv_nsec / 1000000L);
}

static void
sanitize(char *s)
{
	for (; *s != '\0'; s++) {
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = '?';
	}
}

static int
syslog_prio(enum log_level l)
{
	switch (l) {
	case LOG_LVL_ERROR: return LOG_ERR;
	case LOG_LVL_WARN:  return LOG_WARNING;
	case LOG_LVL_INFO:  return LOG_INFO;
	default:            return LOG_DEBUG;
	}
}

void
log_msg(enum log_level l, const char *fmt, ...)
{
	char msg[LOG_LINE_MAX], ts[48], line[LOG_LINE_MAX + 64];
	va_list ap;
	FILE *fp;
	int n;

	if (!log_enabled(l) || fmt == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	sanitize(msg);
	if (sink.target == LOG_TO_SYSLOG) {
		syslog(syslog_prio(l), "%s", msg);
		return;
	}
	fp = (sink.target == LOG_TO_FILE && sink.fp) ? sink.fp : stderr;
	timestamp(ts, sizeof(ts));
	n = snprintf(line, sizeof(line), "%s %s: %s\n", ts, log_level_name(l),
		     msg);
	if (n > 0)
		fwrite(line, 1, strlen(line), fp);
	fflush(fp);
}
