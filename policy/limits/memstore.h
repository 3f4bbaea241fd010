/*
 * memstore: the rate-limit store of one host (limits.store = "memory", and
 * the fallback while a shared store is unreachable): key -> TAT, checked
 * and updated atomically per key with lib/gcra.c. Its clock never goes
 * backwards (a step back is taken as no time passing), and a key whose TAT
 * has passed is dropped: it would allow a full burst anyway.
 */
#ifndef RM_MEMSTORE_H
#define RM_MEMSTORE_H

#include <stddef.h>
#include <stdint.h>

#include "lib/gcra.h"
#include "policy/limits/store.h"

struct memstore;

/* A store of at most MAX_KEYS live keys (beyond: the stalest go first). */
struct memstore *memstore_create(size_t max_keys);
void memstore_free(struct memstore *m);

/* Check and (when allowed) take COST for KEY under RULE at NOW (µs). */
void memstore_check(struct memstore *m, const char *key, const struct gcra_rule *rule,
                    uint64_t now, uint64_t cost, struct gcra_result *r);
/* Run check C atomically at NOW (µs since the epoch; see store.h). */
void memstore_run(struct memstore *m, struct limit_check *c, uint64_t now);
/* KEY's value when it is still in the future at NOW, else 0 (a suspension's
 * end), and setting it (it is dropped once NOW passes VALUE). */
uint64_t memstore_get(struct memstore *m, const char *key, uint64_t now);
void memstore_put(struct memstore *m, const char *key, uint64_t value, uint64_t now);
/* Forget KEY (relaymilter-query --reset). */
void memstore_reset(struct memstore *m, const char *key);
/* Keys held now. */
size_t memstore_count(struct memstore *m);

#endif
