/*
 * privs: process setup around privileges: the pidfile (created O_EXCL, never
 * through a link) and the switch to the unprivileged user after the socket
 * is open. relaymilter refuses to keep running as root.
 */
#ifndef RM_PRIVS_H
#define RM_PRIVS_H

#include <stdbool.h>
#include <sys/types.h>

struct privs_target {
	uid_t uid;
	gid_t gid;
	bool change; /* false: stay who we are (only allowed when not root) */
};

/* Resolve "USER" or "USER:GROUP" (GROUP overrides DEFAULT_GROUP) into
 * TARGET_R. Returns 0, or -1 with *ERROR_R set. */
int privs_resolve(const char *user, const char *default_group,
                  struct privs_target *target_r, const char **error_r);
/* Become TARGET (setgroups, setgid, setuid, verified). Returns 0, or -1
 * with *ERROR_R set (also when we would stay root). */
int privs_drop(const struct privs_target *target, const char **error_r);
/* Write our pid to PATH, created O_EXCL|O_NOFOLLOW; a stale file whose
 * process is gone is replaced. Owned by TARGET when we are root. */
int privs_write_pidfile(const char *path, const struct privs_target *target,
                        const char **error_r);

#endif
