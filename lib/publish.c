/*
 * publish: epoch-based swap of one immutable value (lib/publish.h).
 *
 * Why it is safe: a reader increments readers[e] for the epoch e it read,
 * then checks that the epoch is still e (if not, it retries), and only then
 * loads the value. A writer stores the new value first, flips the epoch,
 * and waits until readers[old epoch] is 0. A reader that got past its check
 * before the flip counted itself in the old epoch, so the writer waits for
 * it; one that checks after the flip sees the new epoch and retries, and
 * then loads the new value (sequentially consistent atomics order the
 * value's store before the flip). Writers are serialised by WLOCK, so a
 * second swap waits on the other counter while the first epoch's
 * latecomers are already gone.
 */
#include "config.h"

#include <sched.h>
#include <time.h>

#include "lib/publish.h"

void publish_init(struct publish *p, void *initial, void (*free_fn)(void *))
{
	p->cur = initial;
	p->epoch = 0;
	p->readers[0] = p->readers[1] = 0;
	p->free_fn = free_fn;
	pthread_mutex_init(&p->wlock, NULL);
}

void publish_destroy(struct publish *p)
{
	if (p->cur != NULL && p->free_fn != NULL)
		p->free_fn(p->cur);
	p->cur = NULL;
	pthread_mutex_destroy(&p->wlock);
}

void *publish_enter(struct publish *p, struct publish_ref *ref_r)
{
	unsigned e;

	for (;;) {
		e = __atomic_load_n(&p->epoch, __ATOMIC_SEQ_CST);
		__atomic_fetch_add(&p->readers[e], 1, __ATOMIC_SEQ_CST);
		if (__atomic_load_n(&p->epoch, __ATOMIC_SEQ_CST) == e)
			break;
		__atomic_fetch_sub(&p->readers[e], 1, __ATOMIC_SEQ_CST);
	}
	ref_r->epoch = e;
	return __atomic_load_n(&p->cur, __ATOMIC_SEQ_CST);
}

void publish_leave(struct publish *p, const struct publish_ref *ref)
{
	__atomic_fetch_sub(&p->readers[ref->epoch], 1, __ATOMIC_SEQ_CST);
}

void publish_swap(struct publish *p, void *value)
{
	void *old;
	unsigned e;
	unsigned spins = 0;

	pthread_mutex_lock(&p->wlock);
	old = __atomic_exchange_n(&p->cur, value, __ATOMIC_SEQ_CST);
	e = __atomic_load_n(&p->epoch, __ATOMIC_SEQ_CST);
	__atomic_store_n(&p->epoch, e ^ 1u, __ATOMIC_SEQ_CST);
	/* Readers hold a value for one lookup: microseconds. Yield, then nap. */
	while (__atomic_load_n(&p->readers[e], __ATOMIC_SEQ_CST) != 0) {
		if (++spins < 64) {
			sched_yield();
		} else {
			struct timespec ts = {0, 100 * 1000};

			nanosleep(&ts, NULL);
		}
	}
	pthread_mutex_unlock(&p->wlock);
	if (old != NULL && old != value && p->free_fn != NULL)
		p->free_fn(old);
}

void *publish_peek(struct publish *p)
{
	return __atomic_load_n(&p->cur, __ATOMIC_SEQ_CST);
}
