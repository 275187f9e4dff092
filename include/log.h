/**
 * @file log.h  Leveled logging to stderr (default), syslog or a file.
 *
 * The log sink is one of the two process globals (with the config).
 * Messages never carry passwords, keys or secrets: callers pass names,
 * never credential values.
 */
#ifndef TURNPIKE_LOG_H
#define TURNPIKE_LOG_H

#include <stdbool.h>

enum log_level { LOG_LVL_ERROR, LOG_LVL_WARN, LOG_LVL_INFO, LOG_LVL_DEBUG };
enum log_target { LOG_TO_STDERR, LOG_TO_SYSLOG, LOG_TO_FILE };

/** Parse "error", "warn", "info", "debug". 0 or EINVAL. */
int log_level_parse(const char *s, enum log_level *out);
const char *log_level_name(enum log_level l);
/** Parse "stderr", "syslog", "file". 0 or EINVAL. */
int log_target_parse(const char *s, enum log_target *out);
const char *log_target_name(enum log_target t);

/** Open the sink (closing the previous one). path is used for LOG_TO_FILE,
 *  opened for appending, line-buffered. 0 or errno; on error the previous
 *  sink stays. Before any log_open(): stderr, level info. */
int log_open(enum log_target t, enum log_level min, const char *path);
/** Close the sink; logging goes back to stderr at level info. */
void log_close(void);
bool log_enabled(enum log_level l);

void log_msg(enum log_level l, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define log_error(...) log_msg(LOG_LVL_ERROR, __VA_ARGS__)
#define log_warn(...)  log_msg(LOG_LVL_WARN, __VA_ARGS__)
#define log_info(...)  log_msg(LOG_LVL_INFO, __VA_ARGS__)
#define log_debug(...) \
	do { if (log_enabled(LOG_LVL_DEBUG)) log_msg(LOG_LVL_DEBUG, __VA_ARGS__); } while (0)

#endif
