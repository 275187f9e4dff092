/**
 * @file proc.h  The daemon's process duties: dropping privileges after
 * the ports are bound, the pid file, and systemd's readiness protocol.
 */
#ifndef TURNPIKE_PROC_H
#define TURNPIKE_PROC_H

#include <stddef.h>

/**
 * Become user (and group, else the user's primary group): setgroups,
 * then setgid, then setuid, in that order, and check that root cannot be
 * regained. NULL user: nothing to do. Not root and already that user:
 * fine. 0, or an errno with err filled (the caller must not go on).
 */
int proc_drop_privileges(const char *user, const char *group, char *err,
			 size_t errlen);

/** Write our pid to path (created 0644, replaced atomically). 0 or errno. */
int proc_write_pidfile(const char *path);

/**
 * sd_notify(3)'s protocol without libsystemd: send state ("READY=1",
 * "RELOADING=1", "STOPPING=1", ...) as one datagram to $NOTIFY_SOCKET
 * (a path, or '@' for the abstract namespace). No variable: nothing
 * sent, 0. 0 or errno.
 */
int proc_notify(const char *state);

#endif
