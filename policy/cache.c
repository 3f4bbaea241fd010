/*
 * cache: sharded LRU cache of directory answers with coalesced misses.
 *
 * Entry points: cache_create, cache_lookup, cache_expire, cache_import,
 * cache_get_stats, cache_free. The cache owns copies of its keys. Allocation failure ends
 * the process (xalloc); nothing else fails.
 *
 * A key hashes to one of up to 64 shards (fewer for small caches, so that
 * max_entries is an exact bound); each shard has its own mutex,
 * condition variable, hash chains and LRU list, so a hit takes one shard
 * lock for a few hundred nanoseconds and no global lock at all. An entry
 * being fetched is "pending": later askers wait on the shard's condvar for
 * the fetch to complete (its generation to change), and pending or awaited
 * entries are never evicted or freed. The backend is always called with no
 * lock held.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "lib/counter.h"
#include "lib/xalloc.h"
#include "policy/cache.h"
#include "lib/monotime.h"

#define MAX_SHARDS 64
#define MIN_PER_SHARD 16
#define MIN_BUCKETS 16
#define MAX_BUCKETS 65536
/* Removed entries a shard keeps for reuse. A full cache evicts one entry
 * per insertion, so the churn of a busy cache reuses the same memory
 * instead of freeing and allocating: the heap does not fragment between
 * long-lived entries and the short-lived allocations of decisions. */
#define MAX_SPARE 32
#define KEY_ROUND 32 /* key capacity granularity: near lengths share entries */

struct centry {
	struct centry *hnext;       /* hash chain */
	struct centry *prev, *next; /* LRU list, most recent first */
	uint32_t hash;
	bool has_value;   /* STATUS, STORED, EXPIRES are meaningful */
	bool pending;     /* a thread is fetching this key */
	unsigned waiters; /* threads waiting for the fetch */
	unsigned gen;     /* bumped when a fetch completes */
	int status;       /* CACHE_FOUND or CACHE_NOTFOUND */
	int last_status;  /* the last completed fetch's answer, maybe ERROR */
	char *data;       /* the stored answer's payload (accounts), or NULL */
	double stored;
	double expires;
	size_t cap; /* bytes allocated for KEY */
	char key[];
};

struct shard {
	pthread_mutex_t lock;
	pthread_cond_t done; /* some fetch in this shard completed */
	struct centry **buckets;
	size_t n_buckets; /* a power of two */
	struct centry *head, *tail;
	long count;
	long max;
	struct centry *spare; /* removed entries kept for reuse, via hnext */
	unsigned n_spare;
};

struct cache {
	struct cache_params p;
	struct shard *shards;
	unsigned n_shards; /* a power of two */
	unsigned long hits, misses, coalesced, stale, errors, evictions;
	uint32_t seed; /* cache_hash_seed() */
};

static double default_clock(void *ctx)
{
	(void)ctx;
	return monotime_now();
}

/* The per-process hash seed: who can choose many keys of one shard or
 * chain (a flood of made-up recipient domains) cannot know which ones. */
static uint32_t process_seed;
static pthread_once_t seed_once = PTHREAD_ONCE_INIT;

static void seed_init(void)
{
	if (getrandom(&process_seed, sizeof process_seed, 0) != sizeof process_seed) {
		struct timespec ts;

		clock_gettime(CLOCK_MONOTONIC, &ts); /* no entropy: still varies */
		process_seed = (uint32_t)ts.tv_nsec ^ (uint32_t)getpid() << 16;
	}
}

uint32_t cache_hash_seed(void)
{
	pthread_once(&seed_once, seed_init);
	return process_seed;
}

static uint32_t hash_key(const struct cache *c, const char *key)
{
	uint32_t h = 2166136261u ^ c->seed; /* FNV-1a, seeded */

	for (; *key != '\0'; key++) {
		h ^= (unsigned char)*key;
		h *= 16777619u;
	}
	return h;
}

struct cache *cache_create(const struct cache_params *params)
{
	struct cache *c = xcalloc(1, sizeof *c);
	long per_shard;
	size_t nb;
	int i;

	c->p = *params;
	c->seed = cache_hash_seed();
	if (c->p.clock == NULL)
		c->p.clock = default_clock;
	if (c->p.max_entries < 0)
		c->p.max_entries = 0;
	/* Small caches get fewer shards, so the bound stays exact. */
	for (c->n_shards = 1; c->n_shards < MAX_SHARDS &&
	                      c->p.max_entries / (c->n_shards * 2) >= MIN_PER_SHARD;
	     c->n_shards *= 2)
		;
	c->shards = xcalloc(c->n_shards, sizeof *c->shards);
	per_shard = (c->p.max_entries + c->n_shards - 1) / c->n_shards;
	for (nb = MIN_BUCKETS; nb < (size_t)per_shard && nb < MAX_BUCKETS; nb *= 2)
		;
	for (i = 0; i < (int)c->n_shards; i++) {
		struct shard *s = &c->shards[i];

		pthread_mutex_init(&s->lock, NULL);
		monotime_cond_init(&s->done);
		s->n_buckets = nb;
		s->buckets = xcalloc(nb, sizeof *s->buckets);
		/* Spread the remainder so the shards add up to max_entries. */
		s->max = c->p.max_entries / c->n_shards +
		         (i < c->p.max_entries % c->n_shards ? 1 : 0);
	}
	return c;
}

static void lru_unlink(struct shard *s, struct centry *e)
{
	if (e->prev != NULL)
		e->prev->next = e->next;
	else
		s->head = e->next;
	if (e->next != NULL)
		e->next->prev = e->prev;
	else
		s->tail = e->prev;
	e->prev = e->next = NULL;
}

static void lru_push_front(struct shard *s, struct centry *e)
{
	e->prev = NULL;
	e->next = s->head;
	if (s->head != NULL)
		s->head->prev = e;
	s->head = e;
	if (s->tail == NULL)
		s->tail = e;
}

static struct centry *shard_find(struct shard *s, const char *key, uint32_t hash)
{
	struct centry *e;

	for (e = s->buckets[(hash >> 6) & (s->n_buckets - 1)]; e != NULL; e = e->hnext)
		if (e->hash == hash && strcmp(e->key, key) == 0)
			return e;
	return NULL;
}

/* Unlink E from its chain and the LRU list and free it. */
static void shard_remove(struct shard *s, struct centry *e)
{
	struct centry **pp = &s->buckets[(e->hash >> 6) & (s->n_buckets - 1)];

	while (*pp != e)
		pp = &(*pp)->hnext;
	*pp = e->hnext;
	lru_unlink(s, e);
	s->count--;
	free(e->data);
	e->data = NULL;
	if (s->n_spare < MAX_SPARE) {
		e->hnext = s->spare;
		s->spare = e;
		s->n_spare++;
	} else {
		free(e);
	}
}

/* A zeroed entry for a key of LEN bytes: a spare one if one fits. */
static struct centry *entry_alloc(struct shard *s, size_t len)
{
	struct centry **pp, *e;
	size_t cap;

	for (pp = &s->spare; *pp != NULL; pp = &(*pp)->hnext) {
		if ((*pp)->cap > len) {
			e = *pp;
			*pp = e->hnext;
			s->n_spare--;
			cap = e->cap;
			memset(e, 0, sizeof *e);
			e->cap = cap;
			return e;
		}
	}
	cap = (len + KEY_ROUND) / KEY_ROUND * KEY_ROUND; /* > len */
	e = xcalloc(1, sizeof *e + cap);
	e->cap = cap;
	return e;
}

static void free_spares(struct shard *s)
{
	while (s->spare != NULL) {
		struct centry *e = s->spare;

		s->spare = e->hnext;
		free(e);
	}
	s->n_spare = 0;
}

/* Is E referenced by a thread (fetching or waiting)? Then it must stay. */
static bool entry_busy(const struct centry *e)
{
	return e->pending || e->waiters > 0;
}

/* Evict least recently used idle entries until the shard holds at most
 * LIMIT. */
static void shard_evict_to(struct cache *c, struct shard *s, long limit)
{
	struct centry *e = s->tail;

	while (s->count > limit && e != NULL) {
		struct centry *prev = e->prev;

		if (!entry_busy(e)) {
			shard_remove(s, e);
			counter_inc(&c->evictions);
		}
		e = prev;
	}
}

static struct centry *shard_insert(struct cache *c, struct shard *s, const char *key,
                                   uint32_t hash)
{
	size_t len = strlen(key);
	struct centry *e;
	size_t b = (hash >> 6) & (s->n_buckets - 1);

	/* Make room first, so the entry evicted now is the one reused. */
	if (s->count >= s->max)
		shard_evict_to(c, s, s->max - 1);
	e = entry_alloc(s, len);
	memcpy(e->key, key, len + 1);
	e->hash = hash;
	e->pending = true; /* never evicted by the line below */
	e->hnext = s->buckets[b];
	s->buckets[b] = e;
	lru_push_front(s, e);
	s->count++;
	shard_evict_to(c, s, s->max); /* when every older entry was busy */
	return e;
}

/* A copy of E's payload for the caller, when the answer is E's. */
static void give_data(const struct centry *e, struct cache_result *res_r)
{
	res_r->data = e->data != NULL ? xstrdup(e->data) : NULL;
}

/* The backend failed for E (or the wait timed out): a stale answer if the
 * entry is young enough, else an error. Frees a value-less idle entry. */
static void answer_failed(struct cache *c, struct shard *s, struct centry *e, double now,
                          struct cache_result *res_r)
{
	if (e->has_value && c->p.stale_ttl > 0 && now - e->stored < c->p.stale_ttl) {
		res_r->status = e->status;
		res_r->origin = CACHE_STALE;
		res_r->age = now - e->stored;
		give_data(e, res_r);
		counter_inc(&c->stale);
	} else {
		res_r->status = CACHE_ERROR;
		res_r->origin = CACHE_NONE;
		counter_inc(&c->errors);
	}
	if (!e->has_value && !entry_busy(e))
		shard_remove(s, e);
}

/* Wait for the fetch in flight on E; caller holds S's lock. */
static void wait_for_fetch(struct cache *c, struct shard *s, struct centry *e,
                           double deadline, struct cache_result *res_r)
{
	unsigned gen = e->gen;
	struct timespec ts = monotime_timespec(deadline);
	int rc = 0;

	counter_inc(&c->coalesced);
	e->waiters++;
	while (e->pending && e->gen == gen && rc != ETIMEDOUT)
		rc = pthread_cond_timedwait(&s->done, &s->lock, &ts);
	e->waiters--;
	if (e->gen != gen && e->last_status != CACHE_ERROR) {
		res_r->status = e->last_status;
		res_r->origin = CACHE_SHARED;
		res_r->age = 0;
		give_data(e, res_r);
		return;
	}
	answer_failed(c, s, e, c->p.clock(c->p.clock_ctx), res_r);
}

/* Store the fetch's answer in E and wake the waiters; caller holds lock. */
static void complete_fetch(struct cache *c, struct shard *s, struct centry *e, int status,
                           struct strbuf *data)
{
	e->pending = false;
	e->gen++;
	e->last_status = status;
	if (status != CACHE_ERROR) {
		free(e->data);
		e->data = data->len > 0 ? xstrdup(data->data) : NULL;
		e->has_value = true;
		e->status = status;
		e->stored = c->p.clock(c->p.clock_ctx);
		e->expires = e->stored + (status == CACHE_FOUND ? c->p.positive_ttl
		                                                : c->p.negative_ttl);
	}
	pthread_cond_broadcast(&s->done);
}

static void lookup_uncached(struct cache *c, const char *key, cache_fetch_fn fetch,
                            void *ctx, char *detail, size_t size,
                            struct cache_result *res_r)
{
	struct strbuf data;

	strbuf_init(&data);
	counter_inc(&c->misses);
	res_r->status = fetch(ctx, key, detail, size, &data);
	res_r->origin = res_r->status == CACHE_ERROR ? CACHE_NONE : CACHE_FETCHED;
	res_r->age = 0;
	if (res_r->status != CACHE_ERROR && data.len > 0)
		res_r->data = xstrdup(data.data);
	if (res_r->status == CACHE_ERROR)
		counter_inc(&c->errors);
	strbuf_free(&data);
}

void cache_lookup(struct cache *c, const char *key, double deadline, cache_fetch_fn fetch,
                  void *ctx, char *detail, size_t size, struct cache_result *res_r)
{
	uint32_t hash = hash_key(c, key);
	struct shard *s = &c->shards[hash & (c->n_shards - 1)];
	struct centry *e;
	struct strbuf data;
	double now;
	int status;

	res_r->data = NULL;
	if (c->p.max_entries == 0) {
		lookup_uncached(c, key, fetch, ctx, detail, size, res_r);
		return;
	}
	pthread_mutex_lock(&s->lock);
	now = c->p.clock(c->p.clock_ctx);
	e = shard_find(s, key, hash);
	if (e != NULL && e->has_value && now < e->expires) {
		lru_unlink(s, e);
		lru_push_front(s, e);
		res_r->status = e->status;
		res_r->origin = CACHE_HIT;
		res_r->age = now - e->stored;
		give_data(e, res_r);
		counter_inc(&c->hits);
		goto out;
	}
	if (e != NULL && e->pending) {
		wait_for_fetch(c, s, e, deadline, res_r);
		goto out;
	}
	if (e == NULL)
		e = shard_insert(c, s, key, hash);
	e->pending = true; /* an expired entry is refreshed in place */
	counter_inc(&c->misses);
	pthread_mutex_unlock(&s->lock);

	strbuf_init(&data);
	status = fetch(ctx, key, detail, size, &data);

	pthread_mutex_lock(&s->lock);
	complete_fetch(c, s, e, status, &data);
	strbuf_free(&data);
	if (status != CACHE_ERROR) {
		res_r->status = status;
		res_r->origin = CACHE_FETCHED;
		res_r->age = 0;
		give_data(e, res_r);
	} else {
		answer_failed(c, s, e, c->p.clock(c->p.clock_ctx), res_r);
	}
out:
	pthread_mutex_unlock(&s->lock);
}

void cache_expire(struct cache *c)
{
	double now = c->p.clock(c->p.clock_ctx);

	for (unsigned i = 0; i < c->n_shards; i++) {
		struct shard *s = &c->shards[i];

		pthread_mutex_lock(&s->lock);
		for (struct centry *e = s->head; e != NULL; e = e->next)
			if (e->has_value && e->expires > now)
				e->expires =
				    now; /* STORED stays: stale_ttl still counts */
		pthread_mutex_unlock(&s->lock);
	}
}

/* One answer carried from one cache to another. */
struct carried {
	char *key;
	int status;
	double stored;
	char *data;
};

/* Copy S's answers, oldest first, into a new array of *N_R. */
static struct carried *shard_carry(struct shard *s, size_t *n_r)
{
	struct carried *out;
	size_t n = 0;

	pthread_mutex_lock(&s->lock);
	out = xcalloc((size_t)s->count + 1, sizeof *out);
	for (struct centry *e = s->tail; e != NULL; e = e->prev)
		if (e->has_value)
			out[n++] = (struct carried){xstrdup(e->key), e->status, e->stored,
			                            e->data ? xstrdup(e->data) : NULL};
	pthread_mutex_unlock(&s->lock);
	*n_r = n;
	return out;
}

/* Store one carried answer in C as expired, unless C knows the key. */
static void import_one(struct cache *c, const struct carried *a, double now)
{
	uint32_t hash = hash_key(c, a->key);
	struct shard *s = &c->shards[hash & (c->n_shards - 1)];
	struct centry *e;

	pthread_mutex_lock(&s->lock);
	if (shard_find(s, a->key, hash) == NULL) {
		e = shard_insert(c, s, a->key, hash);
		e->pending = false;
		e->has_value = true;
		e->status = e->last_status = a->status;
		e->stored = a->stored;
		e->data = a->data != NULL ? xstrdup(a->data) : NULL;
		e->expires = now;
	}
	pthread_mutex_unlock(&s->lock);
}

void cache_import(struct cache *dst, struct cache *src)
{
	double now = dst->p.clock(dst->p.clock_ctx);

	if (dst->p.max_entries == 0)
		return;
	for (unsigned i = 0; i < src->n_shards; i++) {
		size_t n;
		struct carried *a = shard_carry(&src->shards[i], &n);

		for (size_t j = 0; j < n; j++) {
			import_one(dst, &a[j], now);
			free(a[j].key);
			free(a[j].data);
		}
		free(a);
	}
}

void cache_get_stats(struct cache *c, struct cache_stats *st_r)
{
	int i;

	st_r->hits = counter_get(&c->hits);
	st_r->misses = counter_get(&c->misses);
	st_r->coalesced = counter_get(&c->coalesced);
	st_r->stale = counter_get(&c->stale);
	st_r->errors = counter_get(&c->errors);
	st_r->evictions = counter_get(&c->evictions);
	st_r->entries = 0;
	for (i = 0; i < (int)c->n_shards; i++) {
		pthread_mutex_lock(&c->shards[i].lock);
		st_r->entries += (unsigned long)c->shards[i].count;
		pthread_mutex_unlock(&c->shards[i].lock);
	}
}

void cache_free(struct cache *c)
{
	int i;

	if (c == NULL)
		return;
	for (i = 0; i < (int)c->n_shards; i++) {
		struct shard *s = &c->shards[i];

		while (s->head != NULL)
			shard_remove(s, s->head);
		free_spares(s);
		free(s->buckets);
		pthread_mutex_destroy(&s->lock);
		pthread_cond_destroy(&s->done);
	}
	free(c->shards);
	free(c);
}

const char *cache_origin_name(enum cache_origin origin)
{
	switch (origin) {
	case CACHE_HIT:
		return "hit";
	case CACHE_FETCHED:
		return "fetched";
	case CACHE_SHARED:
		return "shared";
	case CACHE_STALE:
		return "stale";
	case CACHE_NONE:
		break;
	}
	return "none";
}
