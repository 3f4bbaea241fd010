/*
 * counter: statistics counters shared by threads. A counter is a plain
 * unsigned long read and bumped atomically with relaxed ordering: each one
 * is exact on its own, and no counter orders any other memory (a snapshot
 * of several is not taken at one instant, which counters never need).
 */
#ifndef RM_COUNTER_H
#define RM_COUNTER_H

/* Add N to *C. */
#define counter_add(c, n) ((void)__atomic_fetch_add((c), (n), __ATOMIC_RELAXED))
/* Add one to *C. */
#define counter_inc(c) counter_add((c), 1)
/* The value of *C. */
#define counter_get(c) __atomic_load_n((c), __ATOMIC_RELAXED)
/* Set *C to V (a gauge). */
#define counter_set(c, v) __atomic_store_n((c), (v), __ATOMIC_RELAXED)

#endif
