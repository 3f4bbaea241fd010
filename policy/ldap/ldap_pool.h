/*
 * ldap_pool: a fixed pool of LDAP handles shared by the milter's threads,
 * with failover across the configured URIs (in order), a circuit breaker per
 * URI (a server that failed is skipped at once until a background thread has
 * reached it again, with backoff), and searches bounded by the caller's
 * deadline. No lock is ever held across network I/O.
 */
#ifndef RM_LDAP_POOL_H
#define RM_LDAP_POOL_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/strbuf.h"
#include "policy/ldap/ldap_conn.h"

struct ldap_pool_params {
	char **uris; /* tried in this order */
	size_t n_uris;
	struct ldap_conn_params conn; /* strings must outlive the pool */
	int size;                     /* handles */
};

struct ldap_pool_stats {
	unsigned long queries;  /* searches sent */
	unsigned long errors;   /* searches that failed (any reason) */
	unsigned long timeouts; /* ... of which timed out and were abandoned */
	unsigned long connects; /* handles opened (first connect or reconnect) */
	unsigned long connect_failures;
	unsigned long fast_failures; /* answered at once: every server down */
	int servers_up;              /* URIs not marked down */
};

struct ldap_pool;

/* A pool for PARAMS (copied; strings are not). Connects lazily and in its
 * background thread: never fails because a server is down; NULL with
 * *ERROR_R set only when its thread cannot be started. */
struct ldap_pool *ldap_pool_create(const struct ldap_pool_params *params,
                                   const char **error_r);
/* Stop the background thread and close every handle; no search in flight. */
void ldap_pool_free(struct ldap_pool *pool);

/*
 * Run one search (see ldap_conn_search) on a pooled handle, failing over to
 * the next URI when a server is unreachable, all before DEADLINE (monotonic
 * seconds). *URI_R is set to the URI that answered or was last tried (NULL
 * when none could be). Returns an LDAP result code; on failure *ERROR_R says why.
 */
int ldap_pool_search(struct ldap_pool *pool, const char *base, int scope,
                     const char *filter, char **attrs, int sizelimit, double deadline,
                     ldap_entry_fn fn, void *ctx, int *n_entries_r, const char **uri_r,
                     const char **error_r);

/* A snapshot of the counters. */
void ldap_pool_get_stats(struct ldap_pool *pool, struct ldap_pool_stats *st_r);

#endif
