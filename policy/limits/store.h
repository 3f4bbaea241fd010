/*
 * store: what a rate-limit store is asked (SPEC §9). One check is a list
 * of operations decided together and atomically: every operation is one
 * rule on one key; when an operation that blocks is refused, nothing of the
 * check is taken; otherwise every allowed operation that commits takes its
 * cost. A suspension key is read first: a suspended login takes nothing.
 * The memory store (memstore.h) and the Redis store (redisstore.h) answer
 * the same list the same way (lib/gcra.c's arithmetic).
 */
#ifndef RM_LIMIT_STORE_H
#define RM_LIMIT_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/gcra.h"

/* Longest key a store is handed, prefix excluded. */
#define LIMIT_KEY_MAX 400

struct limit_op {
	/* in */
	char key[LIMIT_KEY_MAX]; /* "v1:{u:alice@example.org}:login-rcpt-hour" */
	struct gcra_rule rule;
	uint64_t cost;       /* >= 1 */
	bool commit;         /* take COST when allowed (false: only ask) */
	bool blocking;       /* refused: nothing of the check is taken */
	uint64_t suspend_us; /* refused, blocking and > 0: suspend for this long */
	/* out */
	struct gcra_result r;
	uint32_t scratch; /* the store's own use during a check */
};

struct limit_check {
	struct limit_op *ops;
	size_t n_ops;
	const char *suspend_key; /* NULL: no login in this check */
	/* out */
	bool refused;             /* a blocking op was refused: nothing taken */
	uint64_t suspended_until; /* µs since the epoch; 0: not suspended */
	bool suspended_now;       /* this check wrote the suspension */
	uint64_t now;             /* the store's clock at the check, µs */
};

#endif
