/*
 * monotime: seconds on the monotonic clock as a double, and the conversion
 * to the struct timespec that pthread_cond_timedwait (with a condvar set to
 * CLOCK_MONOTONIC) and friends want. Deadlines in the LDAP code are
 * absolute monotonic seconds.
 */
#ifndef RM_MONOTIME_H
#define RM_MONOTIME_H

#include <pthread.h>
#include <sys/time.h>
#include <time.h>

/* Now, in seconds on CLOCK_MONOTONIC. */
static inline double monotime_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The absolute monotonic time T as a timespec. */
static inline struct timespec monotime_timespec(double t)
{
	struct timespec ts;

	if (t < 0)
		t = 0;
	ts.tv_sec = (time_t)t;
	ts.tv_nsec = (long)((t - (double)ts.tv_sec) * 1e9);
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	return ts;
}

/* The relative duration D (seconds, clamped at 0) as a timeval. */
static inline struct timeval monotime_timeval(double d)
{
	struct timeval tv;

	if (d < 0)
		d = 0;
	tv.tv_sec = (time_t)d;
	tv.tv_usec = (suseconds_t)((d - (double)tv.tv_sec) * 1e6);
	return tv;
}

/* Initialise COND to measure timeouts on CLOCK_MONOTONIC. */
static inline void monotime_cond_init(pthread_cond_t *cond)
{
	pthread_condattr_t attr;

	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(cond, &attr);
	pthread_condattr_destroy(&attr);
}

#endif
