/**
 * @file log.h  Leveled logging to stderr (default), syslog or a file,
 * as text or JSON lines.
 *
 * The log sink is one of the two process globals (with the config).
 * Messages never carry passwords, keys or secrets: callers pass names,
 * never credential values.
 */
#ifndef TURNPIKE_LOG_H
#define TURNPIKE_LOG_H

#include <stdbool.h>
#include <stddef.h>

enum log_level { LOG_LVL_ERROR, LOG_LVL_WARN, LOG_LVL_INFO, LOG_LVL_DEBUG };
enum log_target { LOG_TO_STDERR, LOG_TO_SYSLOG, LOG_TO_FILE };
enum log_format { LOG_FMT_TEXT, LOG_FMT_JSON };

/** Parse "error", "warn", "info", "debug". 0 or EINVAL. */
int log_level_parse(const char *s, enum log_level *out);
const char *log_level_name(enum log_level l);
/** Parse "stderr", "syslog", "file". 0 or EINVAL. */
int log_target_parse(const char *s, enum log_target *out);
const char *log_target_name(enum log_target t);
/** Parse "text", "json". 0 or EINVAL. */
int log_format_parse(const char *s, enum log_format *out);

/** Open the sink (closing the previous one). path is used for LOG_TO_FILE,
 *  opened for appending, line-buffered. 0 or errno; on error the previous
 *  sink stays. Before any log_open(): stderr, level info. */
int log_open(enum log_target t, enum log_level min, const char *path);
/** Close the sink; logging goes back to stderr at level info, text. */
void log_close(void);
/** Reopen the log file at its path (SIGUSR1, for logrotate). 0 or errno;
 *  on error the old file stays. No-op for other targets. */
int log_reopen(void);
void log_set_format(enum log_format f);
void log_set_level(enum log_level l);
bool log_enabled(enum log_level l);

/**
 * A free-text line. Text format: "TIME LEVEL: MESSAGE"; JSON: one object
 * {"time","level","event":"message","msg"}.
 */
void log_msg(enum log_level l, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/**
 * An event with fields: string key/value pairs ending with NULL, e.g.
 * log_event(LOG_LVL_INFO, "alloc.created", "client", a, "user", u, NULL).
 * Text: "TIME LEVEL: EVENT key=value ..." (values with spaces quoted);
 * JSON: {"time","level","event",key: value...}. A NULL value is skipped.
 * Never pass a secret.
 */
void log_event(enum log_level l, const char *event, ...)
	__attribute__((sentinel));

/* For log_fmt.c: the sink's format, and one finished line to write. */
enum log_format log_sink_format(void);
bool log_sink_is_syslog(void);
void log_sink_write(enum log_level l, const char *line, size_t len);

#define log_error(...) log_msg(LOG_LVL_ERROR, __VA_ARGS__)
#define log_warn(...)  log_msg(LOG_LVL_WARN, __VA_ARGS__)
#define log_info(...)  log_msg(LOG_LVL_INFO, __VA_ARGS__)
#define log_debug(...) \
	do { if (log_enabled(LOG_LVL_DEBUG)) log_msg(LOG_LVL_DEBUG, __VA_ARGS__); } while (0)

#endif
