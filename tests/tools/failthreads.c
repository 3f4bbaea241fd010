/*
 * failthreads.so: an LD_PRELOAD shim for the tests. While the file named by
 * $FAILTHREADS_FILE exists, pthread_create fails with EAGAIN (as it does
 * when a process hits its thread limit); otherwise it is the real one. Lets
 * a test make a reload unable to start its threads, on demand.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

typedef int (*create_fn)(pthread_t *, const pthread_attr_t *, void *(*)(void *), void *);

int pthread_create(pthread_t *thread, const pthread_attr_t *attr, void *(*fn)(void *),
                   void *arg)
{
	static create_fn real;
	const char *flag = getenv("FAILTHREADS_FILE");

	if (real == NULL)
		real = (create_fn)dlsym(RTLD_NEXT, "pthread_create");
	if (real == NULL || (flag != NULL && access(flag, F_OK) == 0))
		return EAGAIN;
	return real(thread, attr, fn, arg);
}
