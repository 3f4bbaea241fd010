/*
 * memstore: see memstore.h. Entry points: memstore_create, _free, _check,
 * _reset, _count. A chained hash table under one mutex per shard; a check
 * is a hash, a lock, a little arithmetic. Keys come from the network
 * (logins, addresses) through the canonical forms the caller makes; the
 * hash is seeded per process so nobody can aim at one chain.
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

	while (*pp != NULL && strcmp((*pp)->key, key) != 0)
		pp = &(*pp)->next;
	return pp;
}

void memstore_check(struct memstore *m, const char *key, const struct gcra_rule *rule,
                    uint64_t now, uint64_t cost, struct gcra_result *r)
{
	uint32_t h = hash(m, key);
	struct shard *s = &m->shards[(h >> 24) % N_SHARDS];
	struct mkey **pp, *k;

	pthread_mutex_lock(&s->lock);
	if (now < s->last_now)
		now = s->last_now;
	s->last_now = now;
	pp = find(s, key, h);
	gcra_check(rule, *pp != NULL ? (*pp)->tat : 0, now, cost, r);
	if (r->allowed && *pp != NULL) {
		(*pp)->tat = r->tat;
	} else if (r->allowed) {
		if (s->count >= m->max_per_shard)
			sweep(s, now, m->max_per_shard - 1);
		pp = find(s, key, h);
		k = xmalloc(sizeof *k + strlen(key) + 1);
		k->next = NULL;
		k->tat = r->tat;
		strcpy(k->key, key);
		*pp = k;
		s->count++;
	}
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
