/* Unit tests for policy/cache.c: TTLs, stale answers, the LRU bound, flush,
 * and coalescing of concurrent misses. The TTL clock is injected: nothing
 * sleeps to let time pass and nothing asserts on timing. */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <time.h>

#include "policy/cache.h"
#include "lib/monotime.h"
#include "tests/unit/tap.h"

#define F CACHE_FOUND
#define N CACHE_NOTFOUND
#define E CACHE_ERROR

struct fake {
	double now; /* the injected clock */
	int answer; /* what the backend says */
	int calls;  /* backend calls */
	pthread_mutex_t lock;
	pthread_cond_t release; /* threaded tests: fetch waits for it */
	int released;
	struct cache *cache;
	unsigned long wait_coalesced; /* threaded: fetch waits for this many */
	bool payload;                 /* fetch stores "vCALLS:KEY" with its answer */
	unsigned long wait_errors;    /* ... and this many errors */
};

static double fake_clock(void *ctx)
{
	return ((struct fake *)ctx)->now;
}

static int fake_fetch(void *ctx, const char *key, char *detail, size_t size,
                      struct strbuf *data)
{
	struct fake *f = ctx;

	f->calls++;
	snprintf(detail, size, "asked for %s", key);
	if (f->payload && f->answer == CACHE_FOUND)
		strbuf_appendf(data, "v%d:%s", f->calls, key);
	return f->answer;
}

static struct cache *new_cache(struct fake *f, long max)
{
	struct cache_params p = {.max_entries = max,
	                         .positive_ttl = 300,
	                         .negative_ttl = 60,
	                         .stale_ttl = 3600,
	                         .clock = fake_clock,
	                         .clock_ctx = f};

	memset(f, 0, sizeof *f);
	f->now = 1000;
	return cache_create(&p);
}

static int lookup(struct cache *c, struct fake *f, const char *key,
                  struct cache_result *res)
{
	char detail[128] = "";

	cache_lookup(c, key, monotime_now() + 5, fake_fetch, f, detail, sizeof detail,
	             res);
	return res->status;
}

/* First lookup with backend FIRST, clock advances ADVANCE seconds, second
 * lookup with backend SECOND: expected status, origin and backend calls. */
static const struct {
	int first;
	double advance;
	int second;
	int want;
	enum cache_origin origin;
	int calls;
} ttl_rows[] = {
    {F, 10, N, F, CACHE_HIT, 1},
    {F, 299, E, F, CACHE_HIT, 1},
    {F, 300, N, N, CACHE_FETCHED, 2},
    {N, 59, F, N, CACHE_HIT, 1},
    {N, 60, F, F, CACHE_FETCHED, 2},
    {F, 301, E, F, CACHE_STALE, 2},
    {F, 3599, E, F, CACHE_STALE, 2},
    {F, 3600, E, E, CACHE_NONE, 2},
    {N, 100, E, N, CACHE_STALE, 2},
    {E, 0, F, F, CACHE_FETCHED, 2}, /* errors are never cached */
    {E, 0, E, E, CACHE_NONE, 2},
};

START_TEST(test_ttl)
{
	struct fake f;
	struct cache *c = new_cache(&f, 100);
	struct cache_result res;

	f.answer = ttl_rows[_i].first;
	ck_assert_int_eq(lookup(c, &f, "example.org", &res), ttl_rows[_i].first);
	f.now += ttl_rows[_i].advance;
	f.answer = ttl_rows[_i].second;
	ck_assert_int_eq(lookup(c, &f, "example.org", &res), ttl_rows[_i].want);
	ck_assert_str_eq(cache_origin_name(res.origin),
	                 cache_origin_name(ttl_rows[_i].origin));
	ck_assert_int_eq(f.calls, ttl_rows[_i].calls);
	cache_free(c);
}
END_TEST

START_TEST(test_disabled)
{
	struct fake f;
	struct cache *c = new_cache(&f, 0);
	struct cache_result res;
	struct cache_stats st;

	f.answer = F;
	lookup(c, &f, "a", &res);
	lookup(c, &f, "a", &res);
	ck_assert_int_eq(f.calls, 2);
	ck_assert_int_eq(res.origin, CACHE_FETCHED);
	f.answer = E;
	ck_assert_int_eq(lookup(c, &f, "a", &res), E); /* no stale without a cache */
	cache_get_stats(c, &st);
	ck_assert_uint_eq(st.entries, 0);
	cache_free(c);
}
END_TEST

START_TEST(test_lru_bound)
{
	struct fake f;
	struct cache *c = new_cache(&f, 3);
	struct cache_result res;
	struct cache_stats st;

	f.answer = F;
	lookup(c, &f, "a", &res);
	lookup(c, &f, "b", &res);
	lookup(c, &f, "c", &res);
	lookup(c, &f, "a", &res); /* a is now the most recent */
	ck_assert_int_eq(res.origin, CACHE_HIT);
	lookup(c, &f, "d", &res); /* evicts b, the least recent */
	cache_get_stats(c, &st);
	ck_assert_uint_eq(st.entries, 3);
	ck_assert_uint_eq(st.evictions, 1);
	lookup(c, &f, "a", &res);
	ck_assert_int_eq(res.origin, CACHE_HIT);
	lookup(c, &f, "b", &res);
	ck_assert_int_eq(res.origin, CACHE_FETCHED);
	cache_free(c);
}
END_TEST

START_TEST(test_many_keys_bounded)
{
	struct fake f;
	struct cache *c = new_cache(&f, 1000);
	struct cache_result res;
	struct cache_stats st;
	char key[32];
	int i;

	f.answer = N;
	for (i = 0; i < 5000; i++) {
		snprintf(key, sizeof key, "d%d.example", i);
		lookup(c, &f, key, &res);
	}
	cache_get_stats(c, &st);
	ck_assert_uint_le(st.entries, 1000);
	ck_assert_uint_eq(st.misses, 5000);
	cache_free(c);
}
END_TEST

/* A full cache reuses evicted entries for new keys: keys of every length
 * from 1 to 253 bytes cycle through a 16-entry cache; each new key must be
 * fetched (nothing of the entry's previous key survives), keep its own
 * answer, and the most recent 16 must be hits with that answer. */
static void make_key(char *key, int len, int salt)
{
	int i;

	for (i = 0; i < len; i++)
		key[i] = (char)('a' + (i + salt) % 26);
	key[len] = '\0';
}

START_TEST(test_reuse_varied_lengths)
{
	struct fake f;
	struct cache *c = new_cache(&f, 16);
	struct cache_result res;
	struct cache_stats st;
	char key[256];
	int round, len;

	for (round = 0; round < 3; round++) {
		for (len = 1; len <= 253; len++) {
			make_key(key, len, round);
			f.answer = (len + round) % 2 ? F : N;
			ck_assert_int_eq(lookup(c, &f, key, &res), f.answer);
			ck_assert_int_eq(res.origin, CACHE_FETCHED);
		}
	}
	for (len = 253 - 15; len <= 253; len++) {
		make_key(key, len, 2);
		f.answer = E; /* a hit must not ask the backend */
		ck_assert_int_eq(lookup(c, &f, key, &res), (len + 2) % 2 ? F : N);
		ck_assert_int_eq(res.origin, CACHE_HIT);
	}
	cache_get_stats(c, &st);
	ck_assert_uint_eq(st.entries, 16);
	ck_assert_uint_eq(st.evictions, 3 * 253 - 16);
	ck_assert_int_eq(f.calls, 3 * 253);
	cache_free(c);
}
END_TEST

/* A reload expires, never forgets: the next lookup asks the backend, and a
 * backend that cannot answer is covered by the expired entry as stale. */
START_TEST(test_expire)
{
	struct fake f;
	struct cache *c = new_cache(&f, 10);
	struct cache_result res;

	f.answer = F;
	lookup(c, &f, "a", &res);
	f.answer = N;
	lookup(c, &f, "b", &res);
	cache_expire(c);
	f.now += 1;
	f.answer = N; /* an edit in the directory is seen at once */
	ck_assert_int_eq(lookup(c, &f, "a", &res), N);
	ck_assert_int_eq(res.origin, CACHE_FETCHED);
	f.answer = E; /* the directory is down: the old answer serves, stale */
	ck_assert_int_eq(lookup(c, &f, "b", &res), N);
	ck_assert_int_eq(res.origin, CACHE_STALE);
	ck_assert_int_eq(f.calls, 4);
	f.now += 3600; /* stale_ttl counts from when the answer was stored */
	ck_assert_int_eq(lookup(c, &f, "b", &res), E);
	cache_free(c);
}
END_TEST

/* A reload that replaces the cache carries the old answers over as expired
 * ones, within the new cache's bound. */
START_TEST(test_import)
{
	struct fake f, g;
	struct cache *old = new_cache(&f, 10); /* one shard: oldest first */
	struct cache *c = new_cache(&g, 3);
	struct cache_result res;
	struct cache_stats st;
	char key[8];

	g.now = f.now = 1000;
	for (int i = 0; i < 5; i++) {
		snprintf(key, sizeof key, "k%d", i);
		f.answer = i % 2 ? N : F;
		lookup(old, &f, key, &res);
	}
	cache_import(c, old);
	g.answer = E;
	cache_get_stats(c, &st);
	ck_assert_uint_eq(st.entries, 3);
	ck_assert_int_eq(lookup(c, &g, "k4", &res), F); /* the newest survive */
	ck_assert_int_eq(res.origin, CACHE_STALE);
	ck_assert_int_eq(lookup(c, &g, "k3", &res), N);
	ck_assert_int_eq(res.origin, CACHE_STALE);
	ck_assert_int_eq(lookup(c, &g, "k2", &res), F);
	ck_assert_int_eq(res.origin, CACHE_STALE);
	ck_assert_int_eq(lookup(c, &g, "k0", &res), E); /* evicted by the bound */
	g.answer = N; /* imported answers are expired: the backend is asked */
	ck_assert_int_eq(lookup(c, &g, "k2", &res), N);
	ck_assert_int_eq(res.origin, CACHE_FETCHED);
	cache_free(old);
	cache_free(c);
}
END_TEST

/* The hash seed differs between processes (it is drawn in each, here in
 * two children forked before either drew it) and is stable within one. */
START_TEST(test_seed_per_process)
{
	uint32_t seed[2];

	for (int k = 0; k < 2; k++) {
		int fds[2];
		pid_t pid;

		ck_assert_int_eq(pipe(fds), 0);
		if ((pid = fork()) == 0) {
			uint32_t s = cache_hash_seed();

			_exit(s == cache_hash_seed() &&
			              write(fds[1], &s, sizeof s) == sizeof s
			          ? 0
			          : 1);
		}
		ck_assert_int_gt(pid, 0);
		close(fds[1]);
		ck_assert_int_eq(read(fds[0], &seed[k], sizeof seed[k]), sizeof seed[k]);
		close(fds[0]);
		waitpid(pid, NULL, 0);
	}
	ck_assert_msg(seed[0] != seed[1], "two processes drew the same seed %u", seed[0]);
}
END_TEST

/* Threaded coalescing: the fetch holds until every other thread waits. */
#define N_THREADS 16

struct worker {
	struct fake *f;
	struct cache_result res;
	double deadline_in;
};

static int blocking_fetch(void *ctx, const char *key, char *detail, size_t size,
                          struct strbuf *data)
{
	struct fake *f = ctx;
	struct cache_stats st;
	int i;

	__atomic_fetch_add(&f->calls, 1, __ATOMIC_SEQ_CST);
	/* Wait (bounded) until the others have queued behind this fetch. */
	for (i = 0; i < 20000; i++) {
		cache_get_stats(f->cache, &st);
		if (st.coalesced >= f->wait_coalesced && st.errors >= f->wait_errors)
			break;
		nanosleep(&(struct timespec){0, 500000}, NULL);
	}
	snprintf(detail, size, "%s", key);
	return f->answer;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	char detail[64];

	cache_lookup(w->f->cache, "hot.example", monotime_now() + w->deadline_in,
	             blocking_fetch, w->f, detail, sizeof detail, &w->res);
	return NULL;
}

static void run_workers(struct fake *f, struct worker *w, int n, double deadline_in)
{
	pthread_t tid[N_THREADS];
	int i;

	for (i = 0; i < n; i++) {
		w[i].f = f;
		w[i].deadline_in = deadline_in;
		pthread_create(&tid[i], NULL, worker_main, &w[i]);
	}
	for (i = 0; i < n; i++)
		pthread_join(tid[i], NULL);
}

static const struct {
	int answer;
	int want;
	int stale_first; /* store an answer, expire it, then stampede */
	enum cache_origin waiter_origin;
} coalesce_rows[] = {
    {F, F, 0, CACHE_SHARED},
    {N, N, 0, CACHE_SHARED},
    {E, E, 0, CACHE_NONE},
    {E, F, 1, CACHE_STALE},
};

START_TEST(test_coalesce)
{
	struct fake f;
	struct worker w[N_THREADS];
	struct cache *c = new_cache(&f, 100);
	int i, as_waiter = 0;

	memset(w, 0, sizeof w);
	f.cache = c;
	if (coalesce_rows[_i].stale_first) {
		struct cache_result res;

		f.answer = F;
		lookup(c, &f, "hot.example", &res);
		f.now += 1000; /* expired, still within stale_ttl */
		f.calls = 0;
	}
	f.answer = coalesce_rows[_i].answer;
	f.wait_coalesced = N_THREADS - 1;
	run_workers(&f, w, N_THREADS, 30);
	ck_assert_int_eq(f.calls, 1); /* exactly one backend call */
	for (i = 0; i < N_THREADS; i++) {
		ck_assert_int_eq(w[i].res.status, coalesce_rows[_i].want);
		if (w[i].res.origin == coalesce_rows[_i].waiter_origin)
			as_waiter++;
	}
	ck_assert_int_ge(as_waiter, N_THREADS - 1);
	cache_free(c);
}
END_TEST

START_TEST(test_wait_bounded)
{
	struct fake f;
	struct worker w[2];
	struct cache *c = new_cache(&f, 100);

	memset(w, 0, sizeof w);
	f.cache = c;
	f.answer = F;
	/* The fetch holds until the waiter has given up: a waiter with a
	 * 0.05 s budget must not wait for the fetch to end. */
	f.wait_coalesced = 1;
	f.wait_errors = 1;
	run_workers(&f, w, 2, 0.05);
	ck_assert_int_eq(f.calls, 1);
	ck_assert(w[0].res.status == E || w[1].res.status == E);
	ck_assert(w[0].res.status == F || w[1].res.status == F);
	cache_free(c);
}
END_TEST

/* An answer's payload comes back with it: fetched, hit, stale, and after
 * an import into another cache; a refetch replaces it. */
START_TEST(test_payload)
{
	struct fake f;
	struct cache *c = new_cache(&f, 100), *c2;
	struct cache_result r;
	char detail[128];

	f.payload = true;
	f.answer = CACHE_FOUND;
	cache_lookup(c, "k", 1e18, fake_fetch, &f, detail, sizeof detail, &r);
	ck_assert_int_eq(r.origin, CACHE_FETCHED);
	ck_assert_str_eq(r.data, "v1:k");
	free(r.data);
	cache_lookup(c, "k", 1e18, fake_fetch, &f, detail, sizeof detail, &r);
	ck_assert_int_eq(r.origin, CACHE_HIT);
	ck_assert_str_eq(r.data, "v1:k");
	free(r.data);
	f.now += 400; /* expired */
	f.answer = CACHE_ERROR;
	cache_lookup(c, "k", 1e18, fake_fetch, &f, detail, sizeof detail, &r);
	ck_assert_int_eq(r.origin, CACHE_STALE);
	ck_assert_str_eq(r.data, "v1:k");
	free(r.data);
	c2 = cache_create(&(struct cache_params){.max_entries = 100,
	                                         .positive_ttl = 300,
	                                         .negative_ttl = 60,
	                                         .stale_ttl = 3600,
	                                         .clock = fake_clock,
	                                         .clock_ctx = &f});
	cache_import(c2, c);
	cache_lookup(c2, "k", 1e18, fake_fetch, &f, detail, sizeof detail, &r);
	ck_assert_int_eq(r.origin, CACHE_STALE);
	ck_assert_str_eq(r.data, "v1:k");
	free(r.data);
	f.answer = CACHE_FOUND;
	cache_lookup(c, "k", 1e18, fake_fetch, &f, detail, sizeof detail, &r);
	ck_assert_int_eq(r.origin, CACHE_FETCHED);
	ck_assert_str_eq(r.data, "v4:k");
	free(r.data);
	f.answer = CACHE_NOTFOUND; /* no payload with a negative answer here */
	cache_lookup(c, "n", 1e18, fake_fetch, &f, detail, sizeof detail, &r);
	ck_assert_ptr_null(r.data);
	cache_free(c2);
	cache_free(c);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("cache");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_ttl, 0, N_ROWS(ttl_rows));
	tcase_add_test(tc, test_disabled);
	tcase_add_test(tc, test_payload);
	tcase_add_test(tc, test_lru_bound);
	tcase_add_test(tc, test_many_keys_bounded);
	tcase_add_test(tc, test_reuse_varied_lengths);
	tcase_add_test(tc, test_expire);
	tcase_add_test(tc, test_import);
	tcase_add_test(tc, test_seed_per_process);
	tcase_add_loop_test(tc, test_coalesce, 0, N_ROWS(coalesce_rows));
	tcase_add_test(tc, test_wait_bounded);
	suite_add_tcase(s, tc);
	return tap_run(s);
}
