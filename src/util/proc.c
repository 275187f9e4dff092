/**
 * @file proc.c  Privilege drop, pid file and systemd notification.
 *
 * Order matters when dropping root (CERT POS36-C): supplementary groups
 * first, then the group id, then the user id; afterwards setuid(0) must
 * fail, or the drop did not happen and we refuse to run.
 */
#include <errno.h>
#include <stddef.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "proc.h"

static int
lookup(const char *user, const char *group, uid_t *uid, gid_t *gid,
       char *err, size_t errlen)
{
	struct passwd *pw;
	struct group *gr;

	errno = 0;
	if ((pw = getpwnam(user)) == NULL) {
		snprintf(err, errlen, "proc-user '%s': no such user", user);
		return ENOENT;
	}
	*uid = pw->pw_uid;
	*gid = pw->pw_gid;
	if (group == NULL)
		return 0;
	if ((gr = getgrnam(group)) == NULL) {
		snprintf(err, errlen, "proc-group '%s': no such group", group);
		return ENOENT;
	}
	*gid = gr->gr_gid;
	return 0;
}

int
proc_drop_privileges(const char *user, const char *group, char *err,
		     size_t errlen)
{
	uid_t uid;
	gid_t gid;
	int rc;

	if (user == NULL)
		return 0;
	if ((rc = lookup(user, group, &uid, &gid, err, errlen)) != 0)
		return rc;
	if (geteuid() != 0) {
		if (geteuid() == uid)
			return 0;
		snprintf(err, errlen, "proc-user '%s': not root, cannot "
			 "change user", user);
		return EPERM;
	}
	if (setgroups(1, &gid) != 0 || setgid(gid) != 0 || setuid(uid) != 0) {
		rc = errno;
		snprintf(err, errlen, "dropping privileges to '%s': %s", user,
			 strerror(rc));
		return rc;
	}
	if (uid != 0 && (setuid(0) == 0 || seteuid(0) == 0)) {
		snprintf(err, errlen, "root could be regained after the drop");
		return EPERM;
	}
	return 0;
}

int
proc_write_pidfile(const char *path)
{
	char tmp[4096 + 8];
	FILE *f;
	int rc = 0;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
		return ENAMETOOLONG;
	if ((f = fopen(tmp, "we")) == NULL)
		return errno;
	if (fprintf(f, "%ld\n", (long)getpid()) < 0)
		rc = EIO;
	if (fclose(f) != 0 && rc == 0)
		rc = errno;
	if (rc == 0 && rename(tmp, path) != 0)
		rc = errno;
	if (rc != 0)
		unlink(tmp);
	return rc;
}

int
proc_notify(const char *state)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	size_t n;
	socklen_t len;
	int fd, rc = 0;

	if (path == NULL || path[0] == '\0')
		return 0;
	n = strlen(path);
	if ((path[0] != '/' && path[0] != '@') || n >= sizeof(sun.sun_path))
		return EINVAL;
	memcpy(sun.sun_path, path, n);
	if (path[0] == '@')
		sun.sun_path[0] = '\0';   /* abstract namespace */
	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return errno;
	if (sendto(fd, state, strlen(state), MSG_NOSIGNAL,
		   (struct sockaddr *)&sun, len) < 0)
		rc = errno;
	close(fd);
	return rc;
}
