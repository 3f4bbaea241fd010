/*
 * privs: pidfile and privilege drop. Entry points in privs.h; each returns
 * -1 with a message and leaves the decision to exit to the caller.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/error.h"
#include "milter/privs.h"

int privs_resolve(const char *user, const char *default_group,
                  struct privs_target *target_r, const char **error_r)
{
	char name[256];
	const char *group = default_group;
	char *colon;
	struct passwd *pw;
	struct group *gr;

	memset(target_r, 0, sizeof *target_r);
	if (user == NULL || user[0] == '\0')
		return 0;
	snprintf(name, sizeof name, "%s", user);
	if ((colon = strchr(name, ':')) != NULL) {
		*colon = '\0';
		group = colon + 1;
	}
	if ((pw = getpwnam(name)) == NULL) {
		*error_r = error_printf("unknown user \"%s\"", name);
		return -1;
	}
	target_r->uid = pw->pw_uid;
	target_r->gid = pw->pw_gid;
	target_r->change = true;
	if (group != NULL && group[0] != '\0') {
		if ((gr = getgrnam(group)) == NULL) {
			*error_r = error_printf("unknown group \"%s\"", group);
			return -1;
		}
		target_r->gid = gr->gr_gid;
	}
	return 0;
}

int privs_drop(const struct privs_target *t, const char **error_r)
{
	if (!t->change) {
		if (geteuid() == 0) {
			*error_r =
			    error_printf("refusing to run as root: set `user` in the "
			                 "config or use -u USER");
			return -1;
		}
		return 0;
	}
	if (t->uid == 0) {
		*error_r =
		    error_printf("refusing to run as root: `user` is a root account");
		return -1;
	}
	/* Started as the service user already (systemd's User=): nothing to
	 * switch, and nothing a non-root process could switch to anyway. */
	if (geteuid() != 0) {
		if (geteuid() == t->uid && getegid() == t->gid)
			return 0;
		*error_r = error_printf(
		    "running as uid %u gid %u, not root: cannot become uid %u gid %u "
		    "(start as that user, or set `user = \"\"`)",
		    (unsigned)geteuid(), (unsigned)getegid(), (unsigned)t->uid,
		    (unsigned)t->gid);
		return -1;
	}
	if (setgroups(1, &t->gid) < 0) {
		*error_r = error_printf("setgroups: %s", strerror(errno));
		return -1;
	}
	if (setgid(t->gid) < 0 || setuid(t->uid) < 0) {
		*error_r =
		    error_printf("cannot switch to uid %u gid %u: %s", (unsigned)t->uid,
		                 (unsigned)t->gid, strerror(errno));
		return -1;
	}
	/* Verify: a setuid that silently left a saved root uid is no drop. */
	if (setuid(0) == 0 || geteuid() == 0 || getegid() != t->gid) {
		*error_r = error_printf("privilege drop did not take");
		return -1;
	}
	return 0;
}

/* True if PATH holds the pid of a process that still exists. */
static bool pidfile_is_live(const char *path)
{
	char buf[32] = "";
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	ssize_t n;
	long pid;

	if (fd < 0)
		return true; /* cannot tell (e.g. a link): do not touch it */
	n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	pid = strtol(buf, NULL, 10);
	return pid > 0 && (kill((pid_t)pid, 0) == 0 || errno == EPERM);
}

int privs_write_pidfile(const char *path, const struct privs_target *t,
                        const char **error_r)
{
	char buf[32];
	int fd, len;

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0 && errno == EEXIST && !pidfile_is_live(path)) {
		struct stat st;

		if (lstat(path, &st) == 0 && S_ISREG(st.st_mode) && unlink(path) == 0)
			fd = open(path,
			          O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
			          0644);
	}
	if (fd < 0) {
		*error_r =
		    error_printf("pidfile %s: %s", path,
		                 errno == EEXIST ? "exists and its process is running"
		                                 : strerror(errno));
		return -1;
	}
	len = snprintf(buf, sizeof buf, "%ld\n", (long)getpid());
	if (write(fd, buf, (size_t)len) != len) {
		*error_r = error_printf("pidfile %s: write failed", path);
		close(fd);
		return -1;
	}
	if (t->change && geteuid() == 0 && fchown(fd, t->uid, t->gid) < 0) {
		*error_r = error_printf("pidfile %s: chown: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}
