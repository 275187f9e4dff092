/**
 * @file server.h  The daemon: event loop, listeners, signals.
 */
#ifndef TURNPIKE_SERVER_H
#define TURNPIKE_SERVER_H

#include "conf.h"

struct server;

/** Bind every listener of conf (which must outlive the server). 0 or errno;
 *  a message has been logged on failure. */
int server_new(struct server **out, const struct conf *conf);
/** Run until SIGTERM or SIGINT. 0 or errno. */
/** The command line, parsed again (with the file) on SIGHUP. */
void server_set_args(struct server *s, int argc, char **argv);
int server_run(struct server *s);
/** Close listeners and connections, free everything. NULL is fine. */
void server_free(struct server *s);

#endif
