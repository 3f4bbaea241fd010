/*
 * ldap_pool: pooled LDAP handles with failover and a per-server breaker.
 *
 * Entry points: ldap_pool_create, ldap_pool_search, ldap_pool_get_stats,
 * ldap_pool_free. The pool owns its handles; the caller owns the strings in
 * the params. Failures come back as LDAP result codes with a reason.
 *
 * Each slot holds at most one handle and is owned by one thread between
 * acquire and release; the pool mutex guards only the slot and server
 * tables and is never held across network I/O. A server that cannot be
 * reached (connect, TLS or bind failure, or an operation that used its whole
 * timeout) is marked down: lookups skip it at once instead of paying the
 * timeout again, and the keeper thread probes it with exponential backoff
 * until it answers, then hands the fresh handle to an idle slot. A handle
 * that merely broke (server restarted) is dropped and reopened at once.
 * Handles on a lower-priority URI are closed when released while a better
 * URI is up again, so service fails back by itself.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "lib/error.h"
#include "lib/log.h"
#include "lib/counter.h"
#include "lib/xalloc.h"
#include "policy/ldap/ldap_pool.h"
#include "lib/monotime.h"

#define BACKOFF_INITIAL 0.25 /* seconds before the first probe */
#define BACKOFF_MAX 5.0      /* cap: recovery is noticed within this */

struct slot {
	LDAP *ld;
	size_t server;
	unsigned gen; /* the server's generation when opened */
	bool busy;
};

struct server {
	const char *uri;
	bool down;
	unsigned gen; /* bumped when marked down: its handles are stale */
	double down_since;
	double next_probe;
	double backoff;
	char *error; /* why it is down */
};

struct ldap_pool {
	pthread_mutex_t lock;
	pthread_cond_t slot_freed;
	pthread_cond_t keeper_wake;
	struct slot *slots;
	int n_slots;
	struct server *servers;
	size_t n_servers;
	struct ldap_conn_params conn;
	pthread_t keeper;
	bool stop;
	unsigned long queries, errors, timeouts, connects, connect_failures,
	    fast_failures;
};

/* Mark server IDX down (if its generation is still GEN); caller holds lock. */
static void mark_down_locked(struct ldap_pool *pool, size_t idx, unsigned gen,
                             const char *why)
{
	struct server *sv = &pool->servers[idx];
	double now = monotime_now();

	if (sv->gen != gen)
		return; /* someone else already did, or it was revived since */
	free(sv->error);
	sv->error = xstrdup(why);
	if (sv->down)
		return;
	sv->down = true;
	sv->gen++;
	sv->down_since = now;
	sv->backoff = BACKOFF_INITIAL;
	sv->next_probe = now + BACKOFF_INITIAL;
	msg_warn("LDAP server %s unusable: %s; retrying in the background", sv->uri, why);
	pthread_cond_signal(&pool->keeper_wake);
}

static void mark_down(struct ldap_pool *pool, size_t idx, unsigned gen, const char *why)
{
	pthread_mutex_lock(&pool->lock);
	mark_down_locked(pool, idx, gen, why);
	pthread_mutex_unlock(&pool->lock);
}

/* Index of the first server not marked down at or after FROM, or n_servers. */
static size_t first_up_locked(const struct ldap_pool *pool, size_t from)
{
	while (from < pool->n_servers && pool->servers[from].down)
		from++;
	return from;
}

/* Take a slot, preferring one with an open handle; -1 at DEADLINE. */
static int acquire(struct ldap_pool *pool, double deadline)
{
	struct timespec ts = monotime_timespec(deadline);
	int i, pick = -1;

	pthread_mutex_lock(&pool->lock);
	for (;;) {
		for (i = 0; i < pool->n_slots; i++) {
			if (pool->slots[i].busy)
				continue;
			if (pick < 0 || pool->slots[i].ld != NULL)
				pick = i;
			if (pool->slots[i].ld != NULL)
				break;
		}
		if (pick >= 0 || pthread_cond_timedwait(&pool->slot_freed, &pool->lock,
		                                        &ts) == ETIMEDOUT)
			break;
	}
	if (pick >= 0)
		pool->slots[pick].busy = true;
	pthread_mutex_unlock(&pool->lock);
	return pick;
}

/* Give slot I back; drop its handle when stale, when DROP, or when a
 * better URI is up again (fail back). */
static void release(struct ldap_pool *pool, int i, bool drop)
{
	struct slot *s = &pool->slots[i];
	LDAP *old = NULL;

	pthread_mutex_lock(&pool->lock);
	if (s->ld != NULL && (drop || pool->servers[s->server].gen != s->gen ||
	                      first_up_locked(pool, 0) < s->server)) {
		old = s->ld;
		s->ld = NULL;
	}
	s->busy = false;
	pthread_cond_signal(&pool->slot_freed);
	pthread_mutex_unlock(&pool->lock);
	ldap_conn_close(old);
}

/* Separate a new reason from one already in ERR (a retry after a broken
 * handle appends to the search's error). */
static void err_separate(struct strbuf *err)
{
	if (err->len > 0)
		strbuf_puts(err, "; ");
}

/* Describe why nothing can be tried now (every server down). */
static void explain_all_down(struct ldap_pool *pool, struct strbuf *err)
{
	double now = monotime_now();
	size_t i;

	err_separate(err);
	strbuf_puts(err, "no LDAP server available");
	pthread_mutex_lock(&pool->lock);
	for (i = 0; i < pool->n_servers; i++) {
		const struct server *sv = &pool->servers[i];

		strbuf_appendf(err, "%s %s down %.1fs (%s)", i == 0 ? ":" : ";", sv->uri,
		               now - sv->down_since, sv->error ? sv->error : "?");
	}
	pthread_mutex_unlock(&pool->lock);
}

/* Make sure slot I holds an open handle, trying up servers in order. */
static int ensure_connected(struct ldap_pool *pool, int i, double deadline,
                            struct strbuf *err)
{
	struct slot *s = &pool->slots[i];
	struct ldap_conn_info info;
	const char *why = NULL;
	LDAP *stale = NULL;
	size_t idx = 0;
	int tried = 0;
	int rc = LDAP_SERVER_DOWN;

	pthread_mutex_lock(&pool->lock);
	if (s->ld != NULL && pool->servers[s->server].gen != s->gen) {
		stale = s->ld; /* its server was marked down since */
		s->ld = NULL;
	}
	pthread_mutex_unlock(&pool->lock);
	ldap_conn_close(stale);
	if (s->ld != NULL)
		return LDAP_SUCCESS;
	while (monotime_now() < deadline) {
		unsigned gen;
		LDAP *ld;

		pthread_mutex_lock(&pool->lock);
		idx = first_up_locked(pool, idx);
		gen = idx < pool->n_servers ? pool->servers[idx].gen : 0;
		pthread_mutex_unlock(&pool->lock);
		if (idx >= pool->n_servers)
			break;
		tried++;
		ld = ldap_conn_open(pool->servers[idx].uri, &pool->conn, deadline, &info,
		                    &why);
		if (ld != NULL) {
			counter_inc(&pool->connects);
			s->ld = ld; /* the slot is ours: no lock needed for it */
			s->server = idx;
			s->gen = gen;
			rc = LDAP_SUCCESS;
			goto out;
		}
		counter_inc(&pool->connect_failures);
		mark_down(pool, idx, gen, why);
		err_separate(err);
		strbuf_appendf(err, "%s: %s", pool->servers[idx].uri, why);
		idx++;
	}
	if (tried == 0) {
		counter_inc(&pool->fast_failures);
		explain_all_down(pool, err);
	}
out:
	return rc;
}

/* One search on slot I's handle; marks the server down when it timed out
 * with its whole timeout available. Returns the LDAP code, *DROP_R set
 * when the handle must not be reused. */
static int search_on_slot(struct ldap_pool *pool, int i, const char *base, int scope,
                          const char *filter, char **attrs, int sizelimit,
                          double deadline, ldap_entry_fn fn, void *ctx, int *n_r,
                          struct strbuf *err, bool *drop_r)
{
	struct slot *s = &pool->slots[i];
	double now = monotime_now();
	double op_deadline = now + pool->conn.timeout;
	bool full = op_deadline <= deadline;
	const char *why = NULL;
	int rc;

	if (!full)
		op_deadline = deadline;
	counter_inc(&pool->queries);
	rc = ldap_conn_search(s->ld, base, scope, filter, attrs, sizelimit, op_deadline,
	                      fn, ctx, n_r, &why);
	if (why != NULL)
		strbuf_puts(err, why);
	*drop_r = false;
	if (rc == LDAP_SUCCESS || rc == LDAP_SIZELIMIT_EXCEEDED)
		return rc;
	counter_inc(&pool->errors);
	if (rc == LDAP_TIMEOUT)
		counter_inc(&pool->timeouts);
	if (!ldap_conn_broken(rc))
		return rc;
	/* A timeout cut short by the caller's budget says little about the
	 * server; keep the handle (the operation was abandoned). */
	if (rc == LDAP_TIMEOUT && !full)
		return rc;
	*drop_r = true;
	if (rc == LDAP_TIMEOUT)
		mark_down(pool, s->server, s->gen,
		          error_printf("no answer within %.1fs", pool->conn.timeout));
	return rc;
}

static int pool_search(struct ldap_pool *pool, const char *base, int scope,
                       const char *filter, char **attrs, int sizelimit, double deadline,
                       ldap_entry_fn fn, void *ctx, int *n_entries_r, const char **uri_r,
                       struct strbuf *err)
{
	size_t attempt;
	int rc = LDAP_SERVER_DOWN;

	*uri_r = NULL;
	*n_entries_r = 0;
	for (attempt = 0; attempt <= pool->n_servers; attempt++) {
		bool drop = false;
		int i = acquire(pool, deadline);

		if (i < 0) {
			strbuf_appendf(err, "all %d LDAP connections busy",
			               pool->n_slots);
			rc = LDAP_TIMEOUT;
			break;
		}
		rc = ensure_connected(pool, i, deadline, err);
		if (rc != LDAP_SUCCESS) {
			release(pool, i, false);
			break;
		}
		*uri_r = pool->servers[pool->slots[i].server].uri;
		strbuf_reset(err);
		rc = search_on_slot(pool, i, base, scope, filter, attrs, sizelimit,
		                    deadline, fn, ctx, n_entries_r, err, &drop);
		release(pool, i, drop);
		/* Retry on another handle only when the handle broke and no
		 * entry reached the caller yet (no duplicates). */
		if (!drop || *n_entries_r > 0 || monotime_now() >= deadline)
			break;
	}
	return rc;
}

/* Probe server IDX once (keeper thread, lock held on entry and exit). */
static void probe_locked(struct ldap_pool *pool, size_t idx)
{
	struct server *sv = &pool->servers[idx];
	struct ldap_conn_info info;
	const char *why = NULL;
	LDAP *ld;
	int i;

	pthread_mutex_unlock(&pool->lock);
	ld = ldap_conn_open(sv->uri, &pool->conn, monotime_now() + pool->conn.timeout,
	                    &info, &why);
	pthread_mutex_lock(&pool->lock);
	if (ld == NULL) {
		counter_inc(&pool->connect_failures);
		if (sv->error == NULL || strcmp(sv->error, why) != 0)
			msg_warn("LDAP server %s still unusable: %s", sv->uri, why);
		free(sv->error);
		sv->error = xstrdup(why);
		sv->backoff =
		    sv->backoff * 2 > BACKOFF_MAX ? BACKOFF_MAX : sv->backoff * 2;
		sv->next_probe = monotime_now() + sv->backoff;
		return;
	}
	counter_inc(&pool->connects);
	msg_info("LDAP server %s reachable again after %.1fs", sv->uri,
	         monotime_now() - sv->down_since);
	sv->down = false;
	for (i = 0; i < pool->n_slots && ld != NULL; i++) {
		if (!pool->slots[i].busy && pool->slots[i].ld == NULL) {
			pool->slots[i].ld = ld;
			pool->slots[i].server = idx;
			pool->slots[i].gen = sv->gen;
			ld = NULL;
		}
	}
	pthread_cond_signal(&pool->slot_freed);
	if (ld != NULL) {
		pthread_mutex_unlock(&pool->lock);
		ldap_conn_close(ld);
		pthread_mutex_lock(&pool->lock);
	}
}

static void *keeper_main(void *arg)
{
	struct ldap_pool *pool = arg;

	pthread_mutex_lock(&pool->lock);
	while (!pool->stop) {
		double now = monotime_now(), next = 0;
		size_t i, due = pool->n_servers;

		for (i = 0; i < pool->n_servers; i++) {
			const struct server *sv = &pool->servers[i];

			if (!sv->down)
				continue;
			if (sv->next_probe <= now && due == pool->n_servers)
				due = i;
			if (next == 0 || sv->next_probe < next)
				next = sv->next_probe;
		}
		if (due < pool->n_servers) {
			probe_locked(pool, due);
		} else if (next == 0) {
			pthread_cond_wait(&pool->keeper_wake, &pool->lock);
		} else {
			struct timespec ts = monotime_timespec(next);

			pthread_cond_timedwait(&pool->keeper_wake, &pool->lock, &ts);
		}
	}
	pthread_mutex_unlock(&pool->lock);
	return NULL;
}

/* Free what ldap_pool_create made, the keeper thread aside. */
static void pool_destroy(struct ldap_pool *pool)
{
	for (int s = 0; s < pool->n_slots; s++)
		ldap_conn_close(pool->slots[s].ld);
	for (size_t i = 0; i < pool->n_servers; i++)
		free(pool->servers[i].error);
	free(pool->slots);
	free(pool->servers);
	pthread_cond_destroy(&pool->slot_freed);
	pthread_cond_destroy(&pool->keeper_wake);
	pthread_mutex_destroy(&pool->lock);
	free(pool);
}

struct ldap_pool *ldap_pool_create(const struct ldap_pool_params *params,
                                   const char **error_r)
{
	struct ldap_pool *pool = xcalloc(1, sizeof *pool);
	size_t i;
	int rc;

	ldap_conn_global_init();
	pthread_mutex_init(&pool->lock, NULL);
	monotime_cond_init(&pool->slot_freed);
	monotime_cond_init(&pool->keeper_wake);
	pool->conn = params->conn;
	pool->n_slots = params->size > 0 ? params->size : 1;
	pool->slots = xcalloc((size_t)pool->n_slots, sizeof *pool->slots);
	pool->n_servers = params->n_uris;
	pool->servers = xcalloc(params->n_uris, sizeof *pool->servers);
	for (i = 0; i < params->n_uris; i++)
		pool->servers[i].uri = params->uris[i];
	rc = pthread_create(&pool->keeper, NULL, keeper_main, pool);
	if (rc != 0) {
		*error_r = error_printf("cannot start the LDAP reconnect thread: %s",
		                        strerror(rc));
		pool_destroy(pool);
		return NULL;
	}
	return pool;
}

void ldap_pool_free(struct ldap_pool *pool)
{
	if (pool == NULL)
		return;
	pthread_mutex_lock(&pool->lock);
	pool->stop = true;
	pthread_cond_signal(&pool->keeper_wake);
	pthread_mutex_unlock(&pool->lock);
	pthread_join(pool->keeper, NULL);
	pool_destroy(pool);
}

void ldap_pool_get_stats(struct ldap_pool *pool, struct ldap_pool_stats *st_r)
{
	size_t i;

	st_r->queries = counter_get(&pool->queries);
	st_r->errors = counter_get(&pool->errors);
	st_r->timeouts = counter_get(&pool->timeouts);
	st_r->connects = counter_get(&pool->connects);
	st_r->connect_failures = counter_get(&pool->connect_failures);
	st_r->fast_failures = counter_get(&pool->fast_failures);
	st_r->servers_up = 0;
	pthread_mutex_lock(&pool->lock);
	for (i = 0; i < pool->n_servers; i++)
		if (!pool->servers[i].down)
			st_r->servers_up++;
	pthread_mutex_unlock(&pool->lock);
}

int ldap_pool_search(struct ldap_pool *pool, const char *base, int scope,
                     const char *filter, char **attrs, int sizelimit, double deadline,
                     ldap_entry_fn fn, void *ctx, int *n_entries_r, const char **uri_r,
                     const char **error_r)
{
	struct strbuf err;
	int rc;

	strbuf_init(&err);
	rc = pool_search(pool, base, scope, filter, attrs, sizelimit, deadline, fn, ctx,
	                 n_entries_r, uri_r, &err);
	if (err.len > 0)
		*error_r = error_copy(err.data);
	else if (rc != LDAP_SUCCESS && rc != LDAP_SIZELIMIT_EXCEEDED)
		*error_r = ldap_err2string(rc);
	strbuf_free(&err);
	return rc;
}
