/*
 * snapshot: reference-counted running configuration. Entry points in
 * snapshot.h. The registry is one pointer behind a mutex taken only for the
 * pointer swap and the refcount increment, never across I/O. A failed reload
 * leaves the running snapshot untouched.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/log.h"
#include "lib/xalloc.h"
#include "milter/snapshot.h"
#include "policy/limits/limiter.h"
#include "conf/build.h"
#include "lib/error.h"
#include "milter/stats.h"

static pthread_mutex_t current_lock = PTHREAD_MUTEX_INITIALIZER;
static struct snapshot *current;
static unsigned generations;

int snapshot_open_json(const struct config *cf, const char **error_r)
{
	int fd;

	if (cf->log.json == NULL)
		return -1;
	fd = open(cf->log.json, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW,
	          0640);
	if (fd < 0) {
		*error_r = error_printf("%s: cannot open JSON log: %s", cf->log.json,
		                        strerror(errno));
		return -2;
	}
	return fd;
}

struct snapshot *snapshot_create(struct config *cf, int json_fd,
                                 const struct snapshot *prev, const char **error_r)
{
	struct snapshot *snap = xcalloc(1, sizeof *snap);
	const char *error = NULL;

	snap->cf = cf;
	snap->json_fd = json_fd;
	snap->refcnt = 1;
	snap->pol = conf_policy_create(cf, prev != NULL ? prev->pol : NULL, &error);
	if (snap->pol == NULL) {
		*error_r = error_printf("%s: %s", cf->path, error);
		snapshot_release(snap);
		return NULL;
	}
	return snap;
}

struct snapshot *snapshot_load(const char *path, const struct snapshot *prev,
                               const char **error_r)
{
	struct config *cf = config_load(path, error_r);
	int fd;

	if (cf == NULL)
		return NULL;
	if ((fd = snapshot_open_json(cf, error_r)) == -2) {
		config_free(cf);
		return NULL;
	}
	return snapshot_create(cf, fd, prev, error_r);
}

void snapshot_install(struct snapshot *snap)
{
	struct snapshot *old;

	pthread_mutex_lock(&current_lock);
	snap->generation = ++generations;
	old = current;
	current = snap;
	pthread_mutex_unlock(&current_lock);
	snapshot_release(old);
}

struct snapshot *snapshot_acquire(void)
{
	struct snapshot *snap;

	pthread_mutex_lock(&current_lock);
	snap = current;
	if (snap != NULL)
		__atomic_add_fetch(&snap->refcnt, 1, __ATOMIC_ACQ_REL);
	pthread_mutex_unlock(&current_lock);
	return snap;
}

void snapshot_release(struct snapshot *snap)
{
	if (snap == NULL || __atomic_sub_fetch(&snap->refcnt, 1, __ATOMIC_ACQ_REL) > 0)
		return;
	policy_free(snap->pol);
	if (snap->json_fd >= 0)
		close(snap->json_fd);
	config_free(snap->cf);
	free(snap);
}

static bool same_str(const char *a, const char *b)
{
	return (a == NULL || b == NULL) ? a == b : strcmp(a, b) == 0;
}

/* Settings taken once at start: say so when a reload changes them. */
static void warn_restart_only(const struct config *old, const struct config *cf)
{
	if (!same_str(old->socket, cf->socket) || old->socket_mode != cf->socket_mode)
		msg_warn(
		    "reload: socket settings changed; they apply at the next restart");
	if (!same_str(old->user, cf->user) || !same_str(old->group, cf->group))
		msg_warn("reload: user/group changed; they apply at the next restart");
	if (!same_str(old->pidfile, cf->pidfile))
		msg_warn("reload: pidfile changed; it applies at the next restart");
}

int snapshot_reload(const char *path)
{
	struct snapshot *old = snapshot_acquire();
	struct snapshot *snap;
	const char *error = NULL;

	/* Only this (signal) thread reloads: OLD stays current meanwhile. */
	snap = snapshot_load(path, old, &error);
	if (snap == NULL) {
		/* One log line per problem, and say plainly nothing changed. */
		char *copy = xstrdup(error), *save = NULL;

		for (char *line = strtok_r(copy, "\n", &save); line;
		     line = strtok_r(NULL, "\n", &save))
			msg_error("reload: %s", line);
		free(copy);
		msg_error("reload failed: still running the previous configuration");
		snapshot_release(old);
		return -1;
	}
	if (old != NULL)
		warn_restart_only(old->cf, snap->cf);
	snapshot_release(old);
	log_set_syslog(snap->cf->log.facility, snap->cf->log.syslog);
	snapshot_install(snap);
	msg_info("reload: configuration %s loaded (generation %u)", path,
	         snap->generation);
	return 0;
}

void snapshot_shutdown(void)
{
	struct snapshot *old;

	pthread_mutex_lock(&current_lock);
	old = current;
	current = NULL;
	pthread_mutex_unlock(&current_lock);
	snapshot_release(old);
}

void snapshot_format_stats(struct strbuf *out, bool prometheus)
{
	struct snapshot *snap = snapshot_acquire();
	struct directory *const *dirs = NULL;
	size_t n = 0;

	if (prometheus)
		stats_format_prometheus(out);
	else
		stats_format_line(out);
	if (snap != NULL)
		dirs = policy_directories(snap->pol, &n);
	for (size_t i = 0; i < n; i++) {
		struct dir_stats st = {0};

		if (!dir_stats(dirs[i], &st))
			continue;
		if (prometheus)
			stats_format_dir_prometheus(out, &st);
		else
			stats_format_dir_line(out, &st);
	}
	if (snap != NULL && limiter_active(policy_limiter(snap->pol))) {
		struct limiter_stats ls;

		limiter_stats(policy_limiter(snap->pol), &ls);
		if (prometheus)
			stats_format_limits_prometheus(out, &ls);
		else
			stats_format_limits_line(out, &ls);
		limiter_stats_clear(&ls);
	}
	snapshot_release(snap);
}
