/*
 * textfile: the counters of milter/stats.c exported as a Prometheus text
 * file for node_exporter's textfile collector (config: stats.textfile,
 * stats.interval). Written by the signal thread between signals: no extra
 * thread, no listener, no dependency. The file is written to PATH.tmp and
 * renamed, so a scrape never reads half a file.
 */
#ifndef RM_TEXTFILE_H
#define RM_TEXTFILE_H

#include <signal.h>
#include <stdbool.h>
#include <time.h>

#include "lib/strbuf.h"

/* The signal thread's timer state. Zero it before the first wait. */
struct textfile_timer {
	struct timespec due;   /* CLOCK_MONOTONIC time of the next write */
	unsigned generation;   /* config generation last written for */
	time_t last_complaint; /* rate limit of write errors */
	time_t started;        /* process start (wall clock), exported */
};

/* Wait for one of the signals in SET and return its number, writing the
 * textfile of the running config every stats.interval seconds meanwhile
 * (and at once after a reload). Without stats.textfile it only waits. */
int textfile_wait(struct textfile_timer *t, const sigset_t *set);
/* Write the counters to PATH (via PATH.tmp, mode 0644). Returns 0, or -1
 * with *ERROR_R set to the reason. */
int textfile_write(const char *path, time_t started, const char **error_r);

#endif
