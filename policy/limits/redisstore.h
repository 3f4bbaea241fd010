/*
 * redisstore: the shared rate-limit store (limits.store = "redis", SPEC §9)
 * through hiredis. A check (store.h) is one server-side Lua script, run
 * with EVALSHA (SCRIPT LOAD again on NOSCRIPT: Redis forgets scripts when
 * it restarts), taking every key it touches in KEYS and its clock from
 * Redis's own TIME, so that every host sharing the store agrees on time.
 * Connections come from a small pool (a context is never shared by two
 * threads). No call waits longer than the timeout. After a failure the
 * circuit breaker opens: calls return REDISSTORE_SKIPPED at once while a
 * background thread probes the server and closes the breaker when it
 * answers again.
 */
#ifndef RM_REDISSTORE_H
#define RM_REDISSTORE_H

#include <stdbool.h>
#include <stdint.h>

#include "policy/limits/store.h"

struct redisstore_params {
	const char *server;   /* "unix:/path" or "tcp:HOST:PORT" (HOST may be [v6]) */
	const char *password; /* NULL: no AUTH */
	double timeout;       /* seconds, per call, connecting included */
	const char *prefix;   /* prepended to every key */
};

enum redisstore_status {
	REDISSTORE_OK,
	REDISSTORE_ERROR,   /* the call failed or timed out (the breaker opened) */
	REDISSTORE_SKIPPED, /* the breaker is open: not tried */
};

/* A store for P (copied). Connects lazily: creation fails only on
 * parameters it cannot use (a malformed server), with *ERROR_R set. */
struct redisstore *redisstore_create(const struct redisstore_params *p,
                                     const char **error_r);
void redisstore_free(struct redisstore *rs);

/* Run check C (store.h) in the store. On ERROR, *ERROR_R says why. */
enum redisstore_status redisstore_run(struct redisstore *rs, struct limit_check *c,
                                      const char **error_r);
/* Only read: every op of C as if cost 1 and not committing (their results,
 * C->suspended_until, C->now), nothing written (relaymilter-query --limits). */
enum redisstore_status redisstore_peek(struct redisstore *rs, struct limit_check *c,
                                       const char **error_r);
/* Delete the N keys (relaymilter-query --reset). */
enum redisstore_status redisstore_reset(struct redisstore *rs, const char *const *keys,
                                        size_t n, const char **error_r);
/* Is the breaker closed (the store answering, as far as is known)? */
bool redisstore_up(struct redisstore *rs);
/* Failures since creation (each failed call), for the counters. */
uint64_t redisstore_errors(struct redisstore *rs);

#endif
