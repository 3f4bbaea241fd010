/*
 * cache: a bounded, sharded key -> FOUND/NOTFOUND cache for directory
 * answers, with positive and negative TTLs, LRU eviction per shard,
 * coalescing of concurrent misses for one key (one thread asks the backend,
 * the others wait for its answer) and stale answers when the backend cannot
 * answer (OpenDKIM's pending cache entries, Postfix's proxymap spirit).
 */
#ifndef RM_CACHE_H
#define RM_CACHE_H

#include <stddef.h>
#include <stdint.h>

#include "lib/strbuf.h"

enum cache_status {
	CACHE_NOTFOUND = 0,
	CACHE_FOUND = 1,
	CACHE_ERROR = -1, /* the backend could not answer */
};

/* Where an answer came from. */
enum cache_origin {
	CACHE_NONE,    /* error: nothing usable */
	CACHE_HIT,     /* a fresh entry */
	CACHE_FETCHED, /* this thread asked the backend */
	CACHE_SHARED,  /* another thread's concurrent fetch for the same key */
	CACHE_STALE,   /* backend failed; an expired entry within stale_ttl */
};

struct cache_params {
	long max_entries; /* 0: no caching at all (every lookup fetches) */
	int positive_ttl; /* seconds a FOUND answer is fresh */
	int negative_ttl; /* seconds a NOTFOUND answer is fresh */
	int stale_ttl;    /* seconds after storing that an entry may still
	                     decide when the backend fails; 0: never */
	/* Clock for TTLs (seconds); NULL: the monotonic clock. Tests inject
	 * their own. Waits for a concurrent fetch always use real time. */
	double (*clock)(void *ctx);
	void *clock_ctx;
};

/* Ask the backend for KEY: return a cache_status; DETAIL (SIZE bytes) gets a
 * human trace line; DATA may get a payload stored with the answer (an
 * account's details; one NUL-free string). Called without any cache lock
 * held. */
typedef int (*cache_fetch_fn)(void *ctx, const char *key, char *detail, size_t size,
                              struct strbuf *data);

struct cache_result {
	int status; /* enum cache_status */
	enum cache_origin origin;
	double age; /* seconds since the answer was stored (HIT, STALE) */
	char *data; /* the answer's payload (malloc'd, the caller frees), or NULL */
};

struct cache_stats {
	unsigned long hits;
	unsigned long misses;    /* fetches this cache started */
	unsigned long coalesced; /* lookups that waited on another's fetch */
	unsigned long stale;     /* stale answers given */
	unsigned long errors;    /* lookups answered CACHE_ERROR */
	unsigned long evictions;
	unsigned long entries;
};

struct cache;

/* A new cache with PARAMS (copied). */
struct cache *cache_create(const struct cache_params *params);
/* Free C; no thread may be inside cache_lookup. */
void cache_free(struct cache *c);

/*
 * Answer KEY from the cache or, on a miss, through FETCH(CTX, ...). While one
 * thread fetches a key, others asking for it wait (until DEADLINE, absolute
 * CLOCK_MONOTONIC seconds, see monotime.h) and share its answer. When the
 * fetch fails (or the wait times out) an entry stored less than stale_ttl
 * ago answers with origin CACHE_STALE; otherwise the status is CACHE_ERROR.
 * DETAIL gets FETCH's trace line when this thread fetched, else is left as
 * is.
 */
void cache_lookup(struct cache *c, const char *key, double deadline, cache_fetch_fn fetch,
                  void *ctx, char *detail, size_t size, struct cache_result *res_r);

/* Expire every entry (reload): the next lookup of each key asks the
 * backend, and while the backend cannot answer the expired entry still
 * serves as a stale one within stale_ttl of when it was stored. Nothing is
 * forgotten; fetches in flight complete normally. */
void cache_expire(struct cache *c);
/* Copy SRC's answers into DST as expired entries (a reload that replaces a
 * cache): DST then serves them as stale ones while its backend cannot
 * answer. Keys DST already holds are kept; DST's bound holds. Both caches
 * must use the same clock. */
void cache_import(struct cache *dst, struct cache *src);

/* A snapshot of the counters. */
void cache_get_stats(struct cache *c, struct cache_stats *st_r);

/* The key hash's seed, random per process (the same for every cache of it). */
uint32_t cache_hash_seed(void);
/* The text form of ORIGIN, for traces: "hit", "fetched", ... */
const char *cache_origin_name(enum cache_origin origin);

#endif
