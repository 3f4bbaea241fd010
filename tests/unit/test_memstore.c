/*
 * test_memstore: the memory rate-limit store (policy/limits/memstore.c):
 * exactly MAX allowed then refused, keys independent, a clock that went
 * backwards giving nothing back, reset, the key bound, 60000 keys (the
 * buckets growing under them), and four threads
 * racing on one key never getting more than MAX together.
 */
#include "config.h"

#include <check.h>
#include <pthread.h>
#include <stdio.h>

#include "policy/limits/memstore.h"
#include "tests/unit/tap.h"

#define S 1000000ULL

START_TEST(t_exact)
{
	struct memstore *m = memstore_create(1000);
	struct gcra_rule rule = {5, 3600 * S};
	struct gcra_result r;
	int allowed = 0;

	for (int i = 0; i < 20; i++) {
		memstore_check(m, "u:alice@example.org", &rule, 10000 * S, 1, &r);
		allowed += r.allowed;
	}
	ck_assert_int_eq(allowed, 5);
	memstore_check(m, "u:bob@example.org", &rule, 10000 * S, 1, &r);
	ck_assert_msg(r.allowed, "another key has its own allowance");
	/* the clock steps back an hour: no allowance comes back */
	memstore_check(m, "u:alice@example.org", &rule, 10000 * S - 3600 * S + 1, 1, &r);
	ck_assert(!r.allowed);
	/* 720 s later (one T) one more */
	memstore_check(m, "u:alice@example.org", &rule, 10720 * S, 1, &r);
	ck_assert(r.allowed);
	memstore_check(m, "u:alice@example.org", &rule, 10720 * S, 1, &r);
	ck_assert(!r.allowed);
	memstore_reset(m, "u:alice@example.org");
	memstore_check(m, "u:alice@example.org", &rule, 10720 * S, 5, &r);
	ck_assert_msg(r.allowed, "after a reset a full burst");
	memstore_free(m);
}
END_TEST

START_TEST(t_bound)
{
	struct memstore *m = memstore_create(160);
	struct gcra_rule rule = {2, 10 * S};
	struct gcra_result r;
	char key[32];

	for (int i = 0; i < 5000; i++) {
		snprintf(key, sizeof key, "ip:192.0.2.%d/%d", i % 256, i);
		memstore_check(m, key, &rule, (uint64_t)i * S / 10, 1, &r);
		ck_assert(r.allowed);
	}
	ck_assert_uint_le(memstore_count(m), 160 + 16);
	memstore_free(m);
}
END_TEST

START_TEST(t_many_keys)
{
	/* 60000 keys: the buckets grow under them; every key keeps its own
	 * count across the growth. */
	struct memstore *m = memstore_create(100000);
	struct gcra_rule rule = {1, 3600 * S};
	struct gcra_result r;
	char key[40];
	int first = 0, again = 0;

	for (int i = 0; i < 60000; i++) {
		snprintf(key, sizeof key, "v1:{u:u%d@example.org}:a", i);
		memstore_check(m, key, &rule, 100 * S, 1, &r);
		first += r.allowed;
	}
	for (int i = 0; i < 60000; i++) {
		snprintf(key, sizeof key, "v1:{u:u%d@example.org}:a", i);
		memstore_check(m, key, &rule, 100 * S, 1, &r);
		again += r.allowed;
	}
	ck_assert_int_eq(first, 60000);
	ck_assert_int_eq(again, 0);
	ck_assert_uint_eq(memstore_count(m), 60000);
	memstore_free(m);
}
END_TEST

struct racer {
	struct memstore *m;
	int allowed;
};

static void *race(void *arg)
{
	struct racer *rc = arg;
	struct gcra_rule rule = {50, 3600 * S};
	struct gcra_result r;

	for (int i = 0; i < 2000; i++) {
		memstore_check(rc->m, "u:shared@example.org", &rule, 5 * S, 1, &r);
		rc->allowed += r.allowed;
	}
	return NULL;
}

START_TEST(t_race)
{
	struct racer rc[4];
	pthread_t th[4];
	struct memstore *m = memstore_create(1000);
	int total = 0;

	for (int i = 0; i < 4; i++) {
		rc[i].m = m;
		rc[i].allowed = 0;
		pthread_create(&th[i], NULL, race, &rc[i]);
	}
	for (int i = 0; i < 4; i++) {
		pthread_join(th[i], NULL);
		total += rc[i].allowed;
	}
	ck_assert_int_eq(total, 50);
	memstore_free(m);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("memstore");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, t_exact);
	tcase_add_test(tc, t_bound);
	tcase_add_test(tc, t_many_keys);
	tcase_add_test(tc, t_race);
	suite_add_tcase(s, tc);
	return tap_run(s);
}
