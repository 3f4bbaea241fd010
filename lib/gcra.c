/*
 * gcra: see lib/gcra.h. Entry point: gcra_check. Pure integer arithmetic,
 * saturating at UINT64_MAX, so that no configuration (a PER of years, a
 * MAX of billions, a COST larger than MAX) can wrap a comparison into an
 * allow.
 */
#include "config.h"

#include "lib/gcra.h"

static uint64_t sat_add(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

static uint64_t sat_mul(uint64_t a, uint64_t b)
{
	return b != 0 && a > UINT64_MAX / b ? UINT64_MAX : a * b;
}

void gcra_check(const struct gcra_rule *rule, uint64_t tat, uint64_t now, uint64_t cost,
                struct gcra_result *r)
{
	/* T, the emission interval: at least 1 µs, so a MAX above PER in
	 * microseconds still counts (as one per microsecond). */
	uint64_t t = rule->max > 0 ? rule->per_us / rule->max : 0;
	uint64_t base, next, burst;

	if (t == 0)
		t = 1;
	r->tat = tat;
	r->expires = tat;
	base = tat > now ? tat : now;
	burst = sat_mul(rule->max, t);
	if (rule->max == 0 || cost == 0 || cost > rule->max) {
		r->allowed = cost == 0 && rule->max > 0;
		r->remaining = rule->max == 0 ? 0
		               : sat_add(now, burst) > base
		                   ? (sat_add(now, burst) - base) / t
		                   : 0;
		r->retry_after = r->allowed ? 0 : UINT64_MAX;
		return;
	}
	next = sat_add(base, sat_mul(cost, t));
	/* next - now <= burst, without a subtraction that could wrap */
	if (next <= sat_add(now, burst)) {
		r->allowed = true;
		r->tat = next;
		r->expires = next;
		/* what is left of the burst after this request */
		r->remaining = (sat_add(now, burst) - next) / t;
		r->retry_after = 0;
		return;
	}
	r->allowed = false;
	r->remaining = (sat_add(now, burst) > base ? sat_add(now, burst) - base : 0) / t;
	/* COST passes once now' + burst >= base + cost * t */
	r->retry_after = next - sat_add(now, burst);
}
