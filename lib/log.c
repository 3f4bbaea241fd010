/*
 * log: severity ladder to syslog and stderr. Entry points: log_setup,
 * msg_info ... msg_panic. State is a few settings set once at start (and on
 * reload, under the write side of a lock). A line is formatted in a local
 * buffer with no lock held and goes to stderr in one writev(2): a write of
 * at most PIPE_BUF bytes is never interleaved with another (pipes, sockets,
 * ttys, and regular files, whose offset the kernel serialises), so only a
 * longer line takes a mutex, and only for the system call. The syslog side
 * takes the read side of the settings lock (glibc's syslog() serialises
 * itself); a reload's closelog/openlog waits for it.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <syslog.h>
#include <unistd.h>

#include "lib/log.h"

static pthread_rwlock_t log_lock = PTHREAD_RWLOCK_INITIALIZER; /* the sinks */
static pthread_mutex_t long_line_lock = PTHREAD_MUTEX_INITIALIZER;
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
	pthread_rwlock_wrlock(&log_lock);
	if (log_syslog)
		closelog();
	__atomic_store_n(&log_syslog, to_syslog, __ATOMIC_RELAXED);
	__atomic_store_n(&log_stderr, to_stderr, __ATOMIC_RELAXED);
	if (to_syslog)
		openlog(log_ident, LOG_PID | LOG_NDELAY, facility);
	pthread_rwlock_unlock(&log_lock);
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

/* Write "IDENT: [LABEL: ]TEXT\n" to stderr with one system call. */
static void write_stderr(const char *label, const char *text)
{
	struct iovec iov[6];
	size_t total = 0;
	int n = 0, i = 0;
	bool locked;

	iov[n++] = (struct iovec){log_ident, strlen(log_ident)};
	iov[n++] = (struct iovec){": ", 2};
	if (label[0]) {
		iov[n++] = (struct iovec){(char *)label, strlen(label)};
		iov[n++] = (struct iovec){": ", 2};
	}
	iov[n++] = (struct iovec){(char *)text, strlen(text)};
	iov[n++] = (struct iovec){"\n", 1};
	for (i = 0; i < n; i++)
		total += iov[i].iov_len;
	/* Only a line too long to be written atomically needs the mutex. */
	locked = total > PIPE_BUF;
	if (locked)
		pthread_mutex_lock(&long_line_lock);
	for (i = 0; i < n;) {
		ssize_t w = writev(STDERR_FILENO, iov + i, n - i);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			break; /* nowhere to report a broken stderr */
		for (; i < n && (size_t)w >= iov[i].iov_len; i++)
			w -= (ssize_t)iov[i].iov_len;
		if (i < n) {
			iov[i].iov_base = (char *)iov[i].iov_base + w;
			iov[i].iov_len -= (size_t)w;
		}
	}
	if (locked)
		pthread_mutex_unlock(&long_line_lock);
}

static void write_syslog(int prio, const char *label, const char *text)
{
	pthread_rwlock_rdlock(&log_lock);
	if (log_syslog) {
		if (label[0])
			syslog(prio, "%s: %s", label, text);
		else
			syslog(prio, "%s", text);
	}
	pthread_rwlock_unlock(&log_lock);
}

static void log_line(int prio, const char *label, const char *text)
{
	if (__atomic_load_n(&log_syslog, __ATOMIC_RELAXED))
		write_syslog(prio, label, text);
	if (__atomic_load_n(&log_stderr, __ATOMIC_RELAXED))
		write_stderr(label, text);
}

static void log_emit(int prio, const char *label, const char *fmt, va_list ap)
{
	char buf[4096];
	int n = vsnprintf(buf, sizeof buf, fmt, ap);

	/* A longer message is cut, and says so: never silently. */
	if (n >= (int)sizeof buf)
		memcpy(buf + sizeof buf - 5, "...]", 5);
	log_line(prio, label, buf);
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
	log_line(LOG_INFO, "", line);
}
