/*
 * notify: service manager notifications (see notify.h). With libsystemd,
 * sd_notify; without it, no-ops. Failures to notify are ignored on purpose:
 * a daemon started by hand or by another init has no one to tell.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#ifdef HAVE_SYSTEMD
#include <systemd/sd-daemon.h>
#endif

#include "milter/notify.h"

#ifdef HAVE_SYSTEMD
void notify_ready(const char *status)
{
	sd_notifyf(0, "READY=1\nSTATUS=%s", status ? status : "serving");
}

void notify_reloading(void)
{
	sd_notify(0, "RELOADING=1\nSTATUS=reloading the configuration");
}

void notify_stopping(void)
{
	sd_notify(0, "STOPPING=1\nSTATUS=stopping");
}
#else
void notify_ready(const char *status)
{
}

void notify_reloading(void)
{
}

void notify_stopping(void)
{
}
#endif

bool notify_stderr_is_journal(void)
{
	const char *env = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	/* systemd sets JOURNAL_STREAM=DEV:INODE of the stream it connected. */
	if (env == NULL || sscanf(env, "%llu:%llu", &dev, &ino) != 2 || fstat(2, &st) < 0)
		return false;
	return (unsigned long long)st.st_dev == dev &&
	       (unsigned long long)st.st_ino == ino;
}
