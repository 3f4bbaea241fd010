/*
 * memstore: see memstore.h. Entry points: memstore_create, _free, _check,
 * _run, _get, _put, _reset, _count. A chained hash table under one mutex per shard; a
 * check is a hash, a lock, a little arithmetic. Keys come from the network (logins,
 * addresses) through the canonical forms the caller makes; the hash is seeded per process
 * so nobody can aim at one chain.
 */
#include "config.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "lib/xalloc.h"
#include "policy/cache.h"
#include "policy/limits/memstore.h"

#define N_SHARDS 16

struct mkey {
	struct mkey *next;
	uint64_t tat;
	uint32_t hash;
	char key[];
};

struct shard {
	pthread_mutex_t lock;
	struct mkey **buckets;
	size_t n_buckets;
	size_t count;
	uint64_t last_now; /* the shard's clock never goes back */
};

struct memstore {
	struct shard shards[N_SHARDS];
	size_t max_per_shard;
	uint32_t seed;
};

static uint32_t hash(const struct memstore *m, const char *s)
{
	uint32_t h = 2166136261u ^ m->seed;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h ^ (h >> 15);
}

struct memstore *memstore_create(size_t max_keys)
{
	struct memstore *m = xcalloc(1, sizeof *m);

	m->seed = cache_hash_seed();
	m->max_per_shard = max_keys / N_SHARDS + 1;
	for (int i = 0; i < N_SHARDS; i++) {
		pthread_mutex_init(&m->shards[i].lock, NULL);
		m->shards[i].n_buckets = 256;
		m->shards[i].buckets = xcalloc(256, sizeof *m->shards[i].buckets);
	}
	return m;
}

void memstore_free(struct memstore *m)
{
	if (m == NULL)
		return;
	for (int i = 0; i < N_SHARDS; i++) {
		struct shard *s = &m->shards[i];

		for (size_t b = 0; b < s->n_buckets; b++)
			while (s->buckets[b] != NULL) {
				struct mkey *k = s->buckets[b];

				s->buckets[b] = k->next;
				free(k);
			}
		free(s->buckets);
		pthread_mutex_destroy(&s->lock);
	}
	free(m);
}

/* Drop the keys whose TAT has passed (they allow a full burst anyway);
 * when that is not enough, the ones closest to passing. */
static void sweep(struct shard *s, uint64_t now, size_t keep)
{
	uint64_t limit = now;

	while (s->count > keep) {
		uint64_t next_limit = UINT64_MAX;

		for (size_t b = 0; b < s->n_buckets; b++)
			for (struct mkey **pp = &s->buckets[b]; *pp != NULL;) {
				struct mkey *k = *pp;

				if (k->tat <= limit) {
					*pp = k->next;
					free(k);
					s->count--;
					continue;
				}
				if (k->tat < next_limit)
					next_limit = k->tat;
				pp = &k->next;
			}
		limit = next_limit;
	}
}

static struct mkey **find(struct shard *s, const char *key, uint32_t h)
{
	struct mkey **pp = &s->buckets[h & (s->n_buckets - 1)];

	while (*pp != NULL && ((*pp)->hash != h || strcmp((*pp)->key, key) != 0))
		pp = &(*pp)->next;
	return pp;
}

/* Double S's buckets (chains stay short however many keys it holds). */
static void grow(struct shard *s)
{
	size_t n = s->n_buckets * 2;
	struct mkey **b = xcalloc(n, sizeof *b);

	for (size_t i = 0; i < s->n_buckets; i++)
		while (s->buckets[i] != NULL) {
			struct mkey *k = s->buckets[i];

			s->buckets[i] = k->next;
			k->next = b[k->hash & (n - 1)];
			b[k->hash & (n - 1)] = k;
		}
	free(s->buckets);
	s->buckets = b;
	s->n_buckets = n;
}

/* Set KEY to VALUE in shard S (locked), making room when it is full. */
static void put_locked(struct memstore *m, struct shard *s, const char *key, uint32_t h,
                       uint64_t value, uint64_t now)
{
	struct mkey **pp = find(s, key, h), *k;

	if (*pp != NULL) {
		(*pp)->tat = value;
		return;
	}
	if (s->count >= m->max_per_shard) {
		sweep(s, now, m->max_per_shard - 1);
		pp = find(s, key, h);
	}
	k = xmalloc(sizeof *k + strlen(key) + 1);
	k->next = NULL;
	k->tat = value;
	k->hash = h;
	strcpy(k->key, key);
	*pp = k;
	if (++s->count > 2 * s->n_buckets)
		grow(s);
}

static uint64_t get_locked(struct shard *s, const char *key, uint32_t h)
{
	struct mkey **pp = find(s, key, h);

	return *pp != NULL ? (*pp)->tat : 0;
}

static struct shard *shard_of(struct memstore *m, const char *key, uint32_t *h_r)
{
	*h_r = hash(m, key);
	return &m->shards[(*h_r >> 24) % N_SHARDS];
}

void memstore_check(struct memstore *m, const char *key, const struct gcra_rule *rule,
                    uint64_t now, uint64_t cost, struct gcra_result *r)
{
	uint32_t h;
	struct shard *s = shard_of(m, key, &h);

	pthread_mutex_lock(&s->lock);
	if (now < s->last_now)
		now = s->last_now;
	s->last_now = now;
	gcra_check(rule, get_locked(s, key, h), now, cost, r);
	if (r->allowed)
		put_locked(m, s, key, h, r->tat, now);
	pthread_mutex_unlock(&s->lock);
}

void memstore_run(struct memstore *m, struct limit_check *c, uint64_t now)
{
	bool used[N_SHARDS] = {false};
	uint32_t h = 0;
	struct shard *s;

	/* Every shard the check touches, locked in index order (no deadlock
	 * between two checks), makes the check atomic. */
	for (size_t i = 0; i < c->n_ops; i++) {
		c->ops[i].scratch = hash(m, c->ops[i].key); /* hashed once */
		used[(c->ops[i].scratch >> 24) % N_SHARDS] = true;
	}
	if (c->suspend_key != NULL)
		used[shard_of(m, c->suspend_key, &h) - m->shards] = true;
	for (int i = 0; i < N_SHARDS; i++)
		if (used[i]) {
			pthread_mutex_lock(&m->shards[i].lock);
			if (now < m->shards[i].last_now)
				now = m->shards[i].last_now;
		}
	for (int i = 0; i < N_SHARDS; i++)
		if (used[i])
			m->shards[i].last_now = now;
	c->now = now;
	c->refused = false;
	c->suspended_now = false;
	c->suspended_until = 0;
	if (c->suspend_key != NULL) {
		uint64_t until;

		s = shard_of(m, c->suspend_key, &h);
		until = get_locked(s, c->suspend_key, h);
		if (until > now) {
			c->suspended_until = until;
			c->refused = true;
		}
	}
	for (size_t i = 0; i < c->n_ops; i++) {
		struct limit_op *op = &c->ops[i];

		s = &m->shards[(op->scratch >> 24) % N_SHARDS];
		gcra_check(&op->rule, get_locked(s, op->key, op->scratch), now, op->cost,
		           &op->r);
		if (!op->r.allowed && op->blocking)
			c->refused = true;
	}
	for (size_t i = 0; i < c->n_ops && !c->refused; i++) {
		struct limit_op *op = &c->ops[i];

		if (op->commit && op->r.allowed) {
			s = &m->shards[(op->scratch >> 24) % N_SHARDS];
			put_locked(m, s, op->key, op->scratch, op->r.tat, now);
		}
	}
	for (size_t i = 0; i < c->n_ops && c->suspended_until == 0; i++) {
		struct limit_op *op = &c->ops[i];

		if (!op->r.allowed && op->blocking && op->suspend_us > 0 &&
		    c->suspend_key != NULL) {
			c->suspended_until = now + op->suspend_us;
			c->suspended_now = true;
			s = shard_of(m, c->suspend_key, &h);
			put_locked(m, s, c->suspend_key, h, c->suspended_until, now);
		}
	}
	for (int i = N_SHARDS - 1; i >= 0; i--)
		if (used[i])
			pthread_mutex_unlock(&m->shards[i].lock);
}

uint64_t memstore_get(struct memstore *m, const char *key, uint64_t now)
{
	uint32_t h;
	struct shard *s = shard_of(m, key, &h);
	uint64_t v;

	pthread_mutex_lock(&s->lock);
	v = get_locked(s, key, h);
	if (now < s->last_now)
		now = s->last_now;
	pthread_mutex_unlock(&s->lock);
	return v > now ? v : 0;
}

void memstore_put(struct memstore *m, const char *key, uint64_t value, uint64_t now)
{
	uint32_t h;
	struct shard *s = shard_of(m, key, &h);

	pthread_mutex_lock(&s->lock);
	put_locked(m, s, key, h, value, now);
	pthread_mutex_unlock(&s->lock);
}

void memstore_reset(struct memstore *m, const char *key)
{
	uint32_t h = hash(m, key);
	struct shard *s = &m->shards[(h >> 24) % N_SHARDS];
	struct mkey **pp, *k;

	pthread_mutex_lock(&s->lock);
	pp = find(s, key, h);
	if ((k = *pp) != NULL) {
		*pp = k->next;
		free(k);
		s->count--;
	}
	pthread_mutex_unlock(&s->lock);
}

size_t memstore_count(struct memstore *m)
{
	size_t n = 0;

	for (int i = 0; i < N_SHARDS; i++) {
		pthread_mutex_lock(&m->shards[i].lock);
		n += m->shards[i].count;
		pthread_mutex_unlock(&m->shards[i].lock);
	}
	return n;
}
