/*
 * error: per-thread error messages (see error.h). Each thread has a ring of
 * ERROR_KEEP heap strings; a new message replaces the oldest. The ring is
 * freed when its thread ends (a pthread key destructor). Allocation failure
 * exits, as everywhere (xalloc).
 */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "lib/error.h"
#include "lib/strbuf.h"
#include "lib/xalloc.h"

struct error_ring {
	char *msg[ERROR_KEEP];
	unsigned next;
};

static pthread_key_t ring_key;
static pthread_once_t ring_once = PTHREAD_ONCE_INIT;

static void ring_free(void *p)
{
	struct error_ring *ring = p;

	for (unsigned i = 0; i < ERROR_KEEP; i++)
		free(ring->msg[i]);
	free(ring);
}

static void ring_key_create(void)
{
	if (pthread_key_create(&ring_key, ring_free) != 0)
		msg_fatal("error: cannot create the thread key");
}

/* Keep MSG (taken over) as the calling thread's newest message. */
static const char *keep(char *msg)
{
	struct error_ring *ring;

	pthread_once(&ring_once, ring_key_create);
	if ((ring = pthread_getspecific(ring_key)) == NULL) {
		ring = xcalloc(1, sizeof *ring);
		if (pthread_setspecific(ring_key, ring) != 0)
			msg_fatal("error: cannot set the thread key");
	}
	free(ring->msg[ring->next]);
	ring->msg[ring->next] = msg;
	ring->next = (ring->next + 1) % ERROR_KEEP;
	return msg;
}

const char *error_vprintf(const char *fmt, va_list ap)
{
	struct strbuf sb;

	strbuf_init(&sb);
	strbuf_vappendf(&sb, fmt, ap);
	return keep(strbuf_detach(&sb));
}

const char *error_printf(const char *fmt, ...)
{
	const char *msg;
	va_list ap;

	va_start(ap, fmt);
	msg = error_vprintf(fmt, ap);
	va_end(ap);
	return msg;
}

const char *error_copy(const char *msg)
{
	return keep(xstrdup(msg));
}
