/**
 * @file log.c  Leveled logging to stderr (default), syslog or a file.
 *
 * This file holds the sink (where lines go, which levels, which format);
 * log_fmt.c formats the lines. Worker threads log too: a line is written
 * whole under the sink's mutex (which log_reopen also takes); the level
 * and format are read and set atomically.
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "log.h"

#define LOG_LINE_MAX 1024

struct log_sink {
	enum log_target target;
	enum log_level min;
	enum log_format format;
	FILE *fp;          /* LOG_TO_FILE: the open file */
	char *path;        /* LOG_TO_FILE: its path, for log_reopen() */
};

/*
 * The process's log sink: one of the two permitted globals (with the
 * config). Written only by log_open()/log_close() at startup and exit.
 */
static struct log_sink sink = { LOG_TO_STDERR, LOG_LVL_INFO, LOG_FMT_TEXT,
				NULL, NULL };
static pthread_mutex_t sink_mu = PTHREAD_MUTEX_INITIALIZER;

static const char *const level_names[] = {
	[LOG_LVL_ERROR] = "error",
	[LOG_LVL_WARN] = "warn",
	[LOG_LVL_INFO] = "info",
	[LOG_LVL_DEBUG] = "debug",
};

static const char *const format_names[] = {
	[LOG_FMT_TEXT] = "text",
	[LOG_FMT_JSON] = "json",
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

int
log_format_parse(const char *s, enum log_format *out)
{
	for (size_t i = 0; s != NULL && i < 2; i++) {
		if (strcmp(s, format_names[i]) == 0) {
			*out = (enum log_format)i;
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
	char *dup = NULL;

	if (t == LOG_TO_FILE && (err = open_file(path, &fp)) != 0)
		return err;
	if (t == LOG_TO_FILE && (dup = strdup(path)) == NULL) {
		fclose(fp);
		return ENOMEM;
	}
	log_close();
	if (t == LOG_TO_SYSLOG)
		openlog("turnpike", LOG_PID | LOG_NDELAY, LOG_DAEMON);
	sink.target = t;
	sink.min = min;
	sink.fp = fp;
	sink.path = dup;
	return 0;
}

/* SIGUSR1 (logrotate): the file was moved away; open the path anew. */
int
log_reopen(void)
{
	FILE *fp;
	int err;

	if (sink.target != LOG_TO_FILE || sink.path == NULL)
		return 0;
	if ((err = open_file(sink.path, &fp)) != 0)
		return err;
	pthread_mutex_lock(&sink_mu);
	fclose(sink.fp);
	sink.fp = fp;
	pthread_mutex_unlock(&sink_mu);
	return 0;
}

void
log_set_format(enum log_format f)
{
	__atomic_store_n(&sink.format, f, __ATOMIC_RELAXED);
}

void
log_set_level(enum log_level l)
{
	__atomic_store_n(&sink.min, l, __ATOMIC_RELAXED);
}

void
log_close(void)
{
	if (sink.target == LOG_TO_FILE && sink.fp != NULL)
		fclose(sink.fp);
	else if (sink.target == LOG_TO_SYSLOG)
		closelog();
	free(sink.path);
	sink.target = LOG_TO_STDERR;
	sink.min = LOG_LVL_INFO;
	sink.format = LOG_FMT_TEXT;
	sink.fp = NULL;
	sink.path = NULL;
}

bool
log_enabled(enum log_level l)
{
	return l <= __atomic_load_n(&sink.min, __ATOMIC_RELAXED);
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

/* The formatter's view of the sink (log_fmt.c). */
enum log_format
log_sink_format(void)
{
	return __atomic_load_n(&sink.format, __ATOMIC_RELAXED);
}

bool
log_sink_is_syslog(void)
{
	return sink.target == LOG_TO_SYSLOG;
}

void
log_sink_write(enum log_level l, const char *line, size_t len)
{
	FILE *fp;

	if (sink.target == LOG_TO_SYSLOG) {
		syslog(syslog_prio(l), "%.*s", (int)len, line);
		return;
	}
	pthread_mutex_lock(&sink_mu);
	fp = (sink.target == LOG_TO_FILE && sink.fp) ? sink.fp : stderr;
	fwrite(line, 1, len, fp);
	fputc('\n', fp);
	fflush(fp);
	pthread_mutex_unlock(&sink_mu);
}
