/*
 * textfile: Prometheus textfile export of the counters (see textfile.h).
 * Entry points: textfile_wait (the signal thread's wait loop) and
 * textfile_write. Whatever stats_format_prometheus prints lands in the file,
 * so counters added there (cache, LDAP) need no change here. A failed write
 * is logged at most once a minute and never stops the daemon.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/error.h"
#include "lib/log.h"
#include "milter/snapshot.h"
#include "milter/stats.h"
#include "milter/textfile.h"

#define COMPLAINT_INTERVAL 60 /* seconds between two logged write failures */

int textfile_write(const char *path, time_t started, const char **error_r)
{
	struct strbuf body = STRBUF_INIT, tmp = STRBUF_INIT;
	ssize_t n = 0;
	size_t off = 0;
	int fd, rc = -1;

	strbuf_init(&body);
	strbuf_init(&tmp);
	strbuf_appendf(
	    &body,
	    "# HELP relaymilter_build_info relaymilter version.\n"
	    "# TYPE relaymilter_build_info gauge\n"
	    "relaymilter_build_info{version=\"%s\"} 1\n"
	    "# HELP relaymilter_start_time_seconds Start of the daemon, Unix time.\n"
	    "# TYPE relaymilter_start_time_seconds gauge\n"
	    "relaymilter_start_time_seconds %lld\n",
	    PACKAGE_VERSION, (long long)started);
	snapshot_format_stats(&body, true);
	strbuf_appendf(&tmp, "%s.tmp", path);
	fd = open(tmp.data, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0) {
		*error_r = error_printf("%s: %s", tmp.data, strerror(errno));
		goto out;
	}
	while (off < body.len && (n = write(fd, body.data + off, body.len - off)) > 0)
		off += (size_t)n;
	/* node_exporter runs as another user: readable by all, whatever the
	 * umask (the unit's UMask=0007 would make it 0640). */
	if (off < body.len || fchmod(fd, 0644) < 0) {
		*error_r = error_printf("%s: %s", tmp.data,
		                        n < 0 || off == body.len ? strerror(errno)
		                                                 : "short write");
		close(fd);
		unlink(tmp.data);
		goto out;
	}
	if (close(fd) < 0 || rename(tmp.data, path) < 0) {
		*error_r = error_printf("%s: %s", path, strerror(errno));
		unlink(tmp.data);
		goto out;
	}
	rc = 0;
out:
	strbuf_free(&tmp);
	strbuf_free(&body);
	return rc;
}

static double ts_diff(const struct timespec *a, const struct timespec *b)
{
	return (double)(a->tv_sec - b->tv_sec) + (a->tv_nsec - b->tv_nsec) / 1e9;
}

static void ts_add(struct timespec *ts, double seconds)
{
	long long ns = (long long)(seconds * 1e9) + ts->tv_nsec;

	ts->tv_sec += (time_t)(ns / 1000000000LL);
	ts->tv_nsec = (long)(ns % 1000000000LL);
}

/* Write if due; return the seconds until the next write, or -1 if none. */
static double textfile_tick(struct textfile_timer *t)
{
	struct snapshot *snap = snapshot_acquire();
	const char *error = NULL;
	struct timespec now;
	double left = -1;

	if (snap == NULL || snap->cf->stats.textfile == NULL)
		goto out;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (t->generation != snap->generation || ts_diff(&t->due, &now) <= 0) {
		if (textfile_write(snap->cf->stats.textfile, t->started, &error) < 0 &&
		    time(NULL) - t->last_complaint >= COMPLAINT_INTERVAL) {
			t->last_complaint = time(NULL);
			msg_error("stats textfile: %s", error);
		}
		t->generation = snap->generation;
		t->due = now;
		ts_add(&t->due, snap->cf->stats.interval);
	}
	left = ts_diff(&t->due, &now);
out:
	snapshot_release(snap);
	return left;
}

int textfile_wait(struct textfile_timer *t, const sigset_t *set)
{
	struct timespec wait;
	double left;
	int sig;

	if (t->started == 0)
		t->started = time(NULL);
	for (;;) {
		if ((left = textfile_tick(t)) < 0) {
			sig = sigwaitinfo(set, NULL);
		} else {
			wait.tv_sec = (time_t)left;
			wait.tv_nsec = (long)((left - (double)wait.tv_sec) * 1e9);
			sig = sigtimedwait(set, NULL, &wait);
		}
		if (sig > 0)
			return sig;
		/* EAGAIN: the timer is due; EINTR: wait again. */
	}
}
