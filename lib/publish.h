/*
 * publish: one immutable value, swapped by pointer, read lock-free by any
 * number of threads (the MTA's session threads), replaced by one writer at
 * a time (a loader or sync thread). A reader brackets its use with
 * publish_enter/publish_leave: two atomic increments on a counter of the
 * current epoch, no lock, no wait. publish_swap installs the new value,
 * flips the epoch and waits only for the readers that may still hold the
 * old value (those of the old epoch) before it frees it: a small
 * epoch-based reclamation, since libmilter's threads are not ours to
 * register with an RCU library.
 */
#ifndef RM_PUBLISH_H
#define RM_PUBLISH_H

#include <pthread.h>

struct publish {
	void *cur;                /* the value readers see */
	unsigned epoch;           /* 0 or 1: which counter new readers use */
	unsigned long readers[2]; /* readers inside, per epoch */
	pthread_mutex_t wlock;    /* one writer at a time */
	void (*free_fn)(void *);  /* frees a value no reader can see */
};

/* What publish_enter gave one reader, to hand back to publish_leave. */
struct publish_ref {
	unsigned epoch;
};

/* Start with INITIAL (may be NULL); FREE_FN frees replaced values. */
void publish_init(struct publish *p, void *initial, void (*free_fn)(void *));
/* Free the current value; no reader or writer may be active. */
void publish_destroy(struct publish *p);

/* The current value (may be NULL), valid until publish_leave(P, REF). */
void *publish_enter(struct publish *p, struct publish_ref *ref_r);
void publish_leave(struct publish *p, const struct publish_ref *ref);

/* Install VALUE; when no reader can see the old value any more, free it.
 * Never call it between publish_enter and publish_leave on one thread. */
void publish_swap(struct publish *p, void *value);

/* The current value for a writer (or a single-threaded caller) that needs
 * no reader protection: the thread that swaps values in, or setup code. */
void *publish_peek(struct publish *p);

#endif
