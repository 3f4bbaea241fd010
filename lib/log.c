/*
 * log: severity ladder to syslog and stderr. Entry points: log_setup,
 * msg_info ... msg_panic. State is a few settings set once at start (and on
 * reload, under a lock); formatting happens in a local buffer so lines from
 * concurrent threads never interleave on stderr.
 */
#include "config.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "lib/log.h"

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static bool log_syslog;
static bool log_stderr = true;
static bool log_debug;
static char log_ident[64] = "relaymilter";

static const struct {
	const char *name;
	int value;
} facilities[] = {
	{"mail", LOG_MAIL},     {"daemon", LOG_DAEMON}, {"user", LOG_USER},
	{"local0", LOG_LOCAL0}, {"local1", LOG_LOCAL1}, {"local2", LOG_LOCAL2},
	{"local3", LOG_LOCAL3}, {"local4", LOG_LOCAL4}, {"local5", LOG_LOCAL5},
	{"local6", LOG_LOCAL6}, {"local7", LOG_LOCAL7},
};

int log_facility_by_name(const char *name)
{
	for (size_t i = 0; i < sizeof facilities / sizeof facilities[0]; i++)
		if (strcmp(facilities[i].name, name) == 0)
			return facilities[i].value;
	return -1;
}

void log_setup(const char *ident, int facility, bool to_syslog, bool to_stderr)
{
	snprintf(log_ident, sizeof log_ident, "%s", ident);
	log_set_sinks(facility, to_syslog, to_stderr);
}

void log_set_sinks(int facility, bool to_syslog, bool to_stderr)
{
	pthread_mutex_lock(&log_lock);
	if (log_syslog)
		closelog();
	log_syslog = to_syslog;
	log_stderr = to_stderr;
	if (to_syslog)
		openlog(log_ident, LOG_PID | LOG_NDELAY, facility);
	pthread_mutex_unlock(&log_lock);
}

void log_set_syslog(int facility, bool to_syslog)
{
	log_set_sinks(facility, to_syslog, log_stderr);
}

void log_set_debug(bool on)
{
	log_debug = on;
}

static void log_emit(int prio, const char *label, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));

static void log_emit(int prio, const char *label, const char *fmt, va_list ap)
{
	char buf[4096];
	int n = vsnprintf(buf, sizeof buf, fmt, ap);

	/* A longer message is cut, and says so: never silently. */
	if (n >= (int)sizeof buf)
		memcpy(buf + sizeof buf - 5, "...]", 5);
	pthread_mutex_lock(&log_lock);
	if (log_syslog) {
		if (label[0])
			syslog(prio, "%s: %s", label, buf);
		else
			syslog(prio, "%s", buf);
	}
	if (log_stderr) {
		if (label[0])
			fprintf(stderr, "%s: %s: %s\n", log_ident, label, buf);
		else
			fprintf(stderr, "%s: %s\n", log_ident, buf);
	}
	pthread_mutex_unlock(&log_lock);
}

#define LOG_FN(name, prio, label)                                                        \
	void name(const char *fmt, ...)                                                  \
	{                                                                                \
		va_list ap;                                                              \
		va_start(ap, fmt);                                                       \
		log_emit(prio, label, fmt, ap);                                          \
		va_end(ap);                                                              \
	}

LOG_FN(msg_info, LOG_INFO, "")
LOG_FN(msg_warn, LOG_WARNING, "warning")
LOG_FN(msg_error, LOG_ERR, "error")

void msg_debug(const char *fmt, ...)
{
	va_list ap;

	if (!log_debug)
		return;
	va_start(ap, fmt);
	log_emit(LOG_DEBUG, "debug", fmt, ap);
	va_end(ap);
}

void msg_fatal(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_emit(LOG_CRIT, "fatal", fmt, ap);
	va_end(ap);
	exit(1);
}

void msg_fatal_status(int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_emit(LOG_CRIT, "fatal", fmt, ap);
	va_end(ap);
	exit(status);
}

void msg_panic(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_emit(LOG_CRIT, "panic", fmt, ap);
	va_end(ap);
	abort();
}

void log_raw_info(const char *line)
{
	pthread_mutex_lock(&log_lock);
	if (log_syslog)
		syslog(LOG_INFO, "%s", line);
	if (log_stderr)
		fprintf(stderr, "%s: %s\n", log_ident, line);
	pthread_mutex_unlock(&log_lock);
}
