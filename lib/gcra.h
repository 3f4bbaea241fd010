/*
 * gcra: the Generic Cell Rate Algorithm, the arithmetic of every rate
 * limit (SPEC §9): at most MAX per PER seconds, a full burst of MAX,
 * refilled evenly. One integer per key, the theoretical arrival time
 * (TAT). A request of COST is allowed when
 *     max(TAT, now) + COST * T - now <= MAX * T      (T = PER / MAX)
 * and then TAT becomes max(TAT, now) + COST * T; a refused request leaves
 * TAT alone (refused attempts use no allowance). Times are microseconds.
 * The memory store and the Redis script do the same arithmetic.
 */
#ifndef RM_GCRA_H
#define RM_GCRA_H

#include <stdbool.h>
#include <stdint.h>

struct gcra_rule {
	uint64_t max;    /* 0: nothing is ever allowed */
	uint64_t per_us; /* the period, microseconds (> 0) */
};

struct gcra_result {
	bool allowed;
	uint64_t tat;         /* the TAT to store (unchanged when refused) */
	uint64_t remaining;   /* requests of cost 1 still allowed now */
	uint64_t retry_after; /* refused: microseconds until COST would pass */
	uint64_t expires;     /* when the stored TAT no longer matters (= TAT) */
};

/* Decide one request of COST (>= 1) at NOW against TAT (0: never seen).
 * Saturating arithmetic: a huge PER or MAX never wraps around. */
void gcra_check(const struct gcra_rule *rule, uint64_t tat, uint64_t now, uint64_t cost,
                struct gcra_result *r);

#endif
