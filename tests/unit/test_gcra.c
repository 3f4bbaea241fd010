/*
 * test_gcra: the rate-limit arithmetic (lib/gcra.c): a full burst of MAX
 * and then refusals, even refill, the exact boundary, refused attempts
 * using no allowance, a clock that went backwards, and saturation where
 * PER, MAX or COST are huge. Each step is (now in ms, cost, allowed?).
 */
#include "config.h"

#include <check.h>
#include <stdint.h>

#include "lib/gcra.h"
#include "tests/unit/tap.h"

#define MS 1000ULL
#define S (1000 * MS)

struct step {
	uint64_t now_ms;
	uint64_t cost;
	int allowed;       /* 1 or 0 */
	int64_t remaining; /* -1: not checked */
	int64_t retry_ms;  /* -1: not checked */
};

static const struct {
	const char *name;
	uint64_t max, per_s;
	struct step steps[12];
	int n;
} rows[] = {
    {"a burst of max, then refused",
     3,
     3,
     {{0, 1, 1, 2, 0},
      {0, 1, 1, 1, 0},
      {0, 1, 1, 0, 0},
      {0, 1, 0, 0, 1000},
      {0, 1, 0, 0, 1000}},
     5},
    {"even refill: one more per T, exactly at the boundary",
     3,
     3,
     {{0, 3, 1, 0, 0},
      {999, 1, 0, 0, 1},
      {1000, 1, 1, 0, 0},
      {1000, 1, 0, 0, 1000},
      {3000, 1, 1, 1, 0}},
     5},
    {"refused attempts use no allowance",
     2,
     10,
     {{0, 2, 1, 0, 0},
      {1, 1, 0, -1, -1},
      {2, 1, 0, -1, -1},
      {3, 1, 0, -1, -1},
      {5000, 1, 1, 0, 0}},
     5},
    {"a full refill after a long pause, not more",
     2,
     2,
     {{0, 2, 1, 0, 0},
      {100000, 1, 1, 1, 0},
      {100000, 1, 1, 0, 0},
      {100000, 1, 0, 0, 1000}},
     4},
    {"a clock that went backwards never gives more",
     2,
     2,
     {{10000, 2, 1, 0, 0}, {5000, 1, 0, -1, -1}, {11000, 1, 1, 0, 0}},
     3},
    {"cost above max: never", 5, 60, {{0, 6, 0, 5, -1}, {0, 5, 1, 0, 0}}, 2},
    {"max 0: nothing", 0, 60, {{0, 1, 0, 0, -1}}, 1},
    {"a period of years and a huge max: no wrap",
     4000000000ULL,
     1000000000ULL,
     {{0, 1, 1, -1, 0}, {0, 3999999999ULL, 1, 0, 0}, {0, 1, 0, 0, -1}},
     3},
};

START_TEST(t_rows)
{
	struct gcra_rule rule = {rows[_i].max, rows[_i].per_s * S};
	uint64_t tat = 0;

	for (int i = 0; i < rows[_i].n; i++) {
		const struct step *st = &rows[_i].steps[i];
		struct gcra_result r;

		gcra_check(&rule, tat, st->now_ms * MS, st->cost, &r);
		ck_assert_msg(r.allowed == (st->allowed != 0), "%s, step %d: allowed %d",
		              rows[_i].name, i, r.allowed);
		if (st->remaining >= 0)
			ck_assert_msg(r.remaining == (uint64_t)st->remaining,
			              "%s, step %d: remaining %llu", rows[_i].name, i,
			              (unsigned long long)r.remaining);
		if (st->retry_ms >= 0)
			ck_assert_msg(r.retry_after == (uint64_t)st->retry_ms * MS,
			              "%s, step %d: retry after %llu us", rows[_i].name,
			              i, (unsigned long long)r.retry_after);
		if (!r.allowed)
			ck_assert_msg(r.tat == tat,
			              "%s, step %d: a refusal moved the TAT",
			              rows[_i].name, i);
		tat = r.tat;
	}
}
END_TEST

/* The GCRA bound, swept: in any window of length W at most MAX + W / T
 * (a full burst, then the even refill), and over a long run the rate. */
START_TEST(t_window)
{
	struct gcra_rule rule = {7, 10 * S};
	uint64_t tat = 0, times[2000];
	size_t n = 0;

	for (uint64_t now = 0; now < 60 * S; now += 37 * MS) {
		struct gcra_result r;

		gcra_check(&rule, tat, now, 1, &r);
		if (r.allowed) {
			tat = r.tat;
			times[n++] = now;
		}
	}
	ck_assert_uint_gt(n, 7);
	for (size_t i = 0; i < n; i++) {
		size_t in = 0;

		for (size_t j = i; j < n && times[j] < times[i] + 10 * S; j++)
			in++;
		/* a burst of 7, then one per T = 10/7 s: at most 7 + 7 in 10 s */
		ck_assert_msg(in <= 14, "%zu allowed in the window from %llu us", in,
		              (unsigned long long)times[i]);
	}
	/* the long-run rate: 60 s at 7 per 10 s is 42, plus the burst */
	ck_assert_msg(n <= 7 + 42 + 1, "%zu allowed in 60 s", n);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("gcra");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, t_rows, 0, N_ROWS(rows));
	tcase_add_test(tc, t_window);
	suite_add_tcase(s, tc);
	return tap_run(s);
}
