/*
 * ldap_networks: bulk load of allowlisted networks from LDAP.
 *
 * Entry points: ldap_networks_create, ldap_networks_match,
 * ldap_networks_refresh, ldap_networks_check, ldap_networks_get_stats,
 * ldap_networks_free. The object owns its netlists and its thread; the pool and the
 * strings of the params belong to the caller.
 *
 * A refresh builds a complete new netlist with no lock held, then swaps the
 * pointer under a write lock held for two assignments; a match holds the
 * read lock only for the in-memory lookup. A failed or partial load (size
 * limit) never replaces the current set. After a failure the next attempt
 * comes sooner than the refresh interval (backoff from 1 s to 30 s).
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "lib/counter.h"
#include "lib/error.h"
#include "lib/escape.h"
#include "lib/log.h"
#include "lib/xalloc.h"
#include "policy/ldap/ldap_networks.h"
#include "lib/monotime.h"

#define RETRY_MIN 1.0
#define RETRY_MAX 30.0
#define REPORT_SKIPPED_MAX 5 /* invalid values listed by -n -n */

struct ldap_networks {
	struct ldap_pool *pool;
	struct ldap_networks_params p;
	pthread_rwlock_t rw; /* guards SET, COUNT, LOADED_AT, URI */
	struct netlist *set; /* NULL until the first good load */
	size_t count;
	double loaded_at;
	const char *uri;
	pthread_mutex_t lock; /* guards STOP, FIRST_DONE, REFRESH_NOW */
	pthread_cond_t wake;
	bool stop;
	bool refresh_now; /* load again at once (a reload) */
	bool first_done;
	pthread_t thread;
	unsigned long loads, failures, skipped;
};

/* One bulk load in progress. */
struct collect {
	struct netlist *list;
	const char *attr;
	size_t valid;
	size_t skipped;
	struct strbuf *report; /* -n -n: invalid values listed here, or NULL */
};

/* Add one attribute value to C's list, or skip it with a warning. */
static void collect_value(struct collect *c, LDAP *ld, LDAPMessage *entry,
                          const struct berval *v)
{
	const char *why = NULL;
	char *text = xstrndup(v->bv_val, v->bv_len);
	struct strbuf shown;
	char *dn;

	if (strlen(text) != v->bv_len)
		why = "contains a NUL byte";
	else if (netlist_add(c->list, text, &why) == 0) {
		c->valid++;
		free(text);
		return;
	}
	c->skipped++;
	strbuf_init(&shown);
	escape_bytes(&shown, v->bv_val, v->bv_len);
	dn = ldap_get_dn(ld, entry);
	msg_warn("LDAP networks: skipping %s value \"%s\" of %s: %s", c->attr, shown.data,
	         dn != NULL ? dn : "?", why);
	if (c->report != NULL && c->skipped <= REPORT_SKIPPED_MAX)
		strbuf_appendf(c->report, "    skipped \"%s\" (%s): %s\n", shown.data,
		               dn != NULL ? dn : "?", why);
	ldap_memfree(dn);
	strbuf_free(&shown);
	free(text);
}

static void collect_entry(void *ctx, LDAP *ld, LDAPMessage *entry)
{
	struct collect *c = ctx;
	struct berval **vals = ldap_get_values_len(ld, entry, c->attr);
	size_t i;

	for (i = 0; vals != NULL && vals[i] != NULL; i++)
		collect_value(c, ld, entry, vals[i]);
	ldap_value_free_len(vals);
}

/* Run the bulk search into C. Returns an LDAP code; a size limit is a
 * failure here (a partial allowlist would silently drop clients). */
static int load(struct ldap_networks *nets, struct collect *c, const char **uri_r,
                const char **error_r)
{
	char *attrs[2] = {(char *)nets->p.attribute, NULL};
	int n, rc;

	rc = ldap_pool_search(nets->pool, nets->p.base, nets->p.scope, nets->p.filter,
	                      attrs, 0, monotime_now() + nets->p.budget, collect_entry, c,
	                      &n, uri_r, error_r);
	if (rc == LDAP_SIZELIMIT_EXCEEDED)
		*error_r = error_printf("size limit exceeded after %d entries", n);
	return rc;
}

/* Swap in a freshly loaded set; log when it changed. */
static void install(struct ldap_networks *nets, struct collect *c, const char *uri)
{
	struct netlist *old;
	size_t old_count;
	bool first;

	pthread_rwlock_wrlock(&nets->rw);
	old = nets->set;
	old_count = nets->count;
	first = old == NULL;
	nets->set = c->list;
	nets->count = c->valid;
	nets->loaded_at = monotime_now();
	nets->uri = uri;
	pthread_rwlock_unlock(&nets->rw);
	netlist_free(old);
	counter_inc(&nets->loads);
	counter_set(&nets->skipped, c->skipped);
	if (first || old_count != c->valid)
		msg_info("LDAP networks: %zu loaded from %s (%zu invalid skipped)",
		         c->valid, uri, c->skipped);
}

static bool refresh_once(struct ldap_networks *nets)
{
	struct collect c = {netlist_create(), nets->p.attribute, 0, 0, NULL};
	const char *error = NULL;
	const char *uri = NULL;
	size_t count;
	double at;

	if (load(nets, &c, &uri, &error) == LDAP_SUCCESS) {
		install(nets, &c, uri);
		return true;
	}
	netlist_free(c.list);
	counter_inc(&nets->failures);
	pthread_rwlock_rdlock(&nets->rw);
	count = nets->count;
	at = nets->loaded_at;
	pthread_rwlock_unlock(&nets->rw);
	if (at > 0)
		msg_warn("LDAP networks: refresh failed (%s); keeping the %zu networks "
		         "loaded %.0fs ago",
		         error, count, monotime_now() - at);
	else
		msg_warn("LDAP networks: load failed (%s); none loaded yet, retrying",
		         error);
	return false;
}

static void *refresh_main(void *arg)
{
	struct ldap_networks *nets = arg;
	double retry = RETRY_MIN;

	pthread_mutex_lock(&nets->lock);
	while (!nets->stop) {
		struct timespec ts;
		bool ok;

		pthread_mutex_unlock(&nets->lock);
		ok = refresh_once(nets);
		pthread_mutex_lock(&nets->lock);
		nets->first_done = true;
		pthread_cond_broadcast(&nets->wake);
		if (ok) {
			retry = RETRY_MIN;
			ts = monotime_timespec(monotime_now() + nets->p.refresh);
		} else {
			ts = monotime_timespec(monotime_now() + (retry < nets->p.refresh
			                                             ? retry
			                                             : nets->p.refresh));
			retry = retry * 2 > RETRY_MAX ? RETRY_MAX : retry * 2;
		}
		while (!nets->stop && !nets->refresh_now &&
		       pthread_cond_timedwait(&nets->wake, &nets->lock, &ts) != ETIMEDOUT)
			;
		nets->refresh_now = false;
	}
	pthread_mutex_unlock(&nets->lock);
	return NULL;
}

struct netlist *ldap_networks_copy(struct ldap_networks *nets)
{
	struct netlist *copy = NULL;

	if (nets == NULL)
		return NULL;
	pthread_rwlock_rdlock(&nets->rw);
	if (nets->set != NULL)
		copy = netlist_copy(nets->set);
	pthread_rwlock_unlock(&nets->rw);
	return copy;
}

/* Start NETS with a copy of SEED's current set (a reload's predecessor). */
static void take_seed(struct ldap_networks *nets, struct ldap_networks *seed)
{
	pthread_rwlock_rdlock(&seed->rw);
	if (seed->set != NULL) {
		nets->set = netlist_copy(seed->set);
		nets->count = seed->count;
		nets->loaded_at = seed->loaded_at;
		nets->uri = "the previous configuration";
	}
	pthread_rwlock_unlock(&seed->rw);
}

struct ldap_networks *ldap_networks_create(struct ldap_pool *pool,
                                           const struct ldap_networks_params *params,
                                           struct ldap_networks *seed,
                                           const char **error_r)
{
	struct ldap_networks *nets = xcalloc(1, sizeof *nets);
	struct timespec ts;
	bool seeded;
	int rc;

	nets->pool = pool;
	nets->p = *params;
	pthread_rwlock_init(&nets->rw, NULL);
	pthread_mutex_init(&nets->lock, NULL);
	monotime_cond_init(&nets->wake);
	if (seed != NULL)
		take_seed(nets, seed);
	seeded = nets->set != NULL; /* read now: the thread swaps SET under RW */
	rc = pthread_create(&nets->thread, NULL, refresh_main, nets);
	if (rc != 0) {
		*error_r = error_printf("cannot start the LDAP networks thread: %s",
		                        strerror(rc));
		netlist_free(nets->set);
		pthread_rwlock_destroy(&nets->rw);
		pthread_cond_destroy(&nets->wake);
		pthread_mutex_destroy(&nets->lock);
		free(nets);
		return NULL;
	}
	if (seeded)
		return nets; /* the seed answers until the first load replaces it */
	/* Wait for the first attempt, so a client is matched against the
	 * directory's networks from the first connection on; bounded. */
	ts = monotime_timespec(monotime_now() + nets->p.budget + 1);
	pthread_mutex_lock(&nets->lock);
	while (!nets->first_done &&
	       pthread_cond_timedwait(&nets->wake, &nets->lock, &ts) != ETIMEDOUT)
		;
	pthread_mutex_unlock(&nets->lock);
	return nets;
}

void ldap_networks_refresh(struct ldap_networks *nets)
{
	pthread_mutex_lock(&nets->lock);
	nets->refresh_now = true;
	pthread_cond_broadcast(&nets->wake);
	pthread_mutex_unlock(&nets->lock);
}

void ldap_networks_free(struct ldap_networks *nets)
{
	if (nets == NULL)
		return;
	pthread_mutex_lock(&nets->lock);
	nets->stop = true;
	pthread_cond_broadcast(&nets->wake);
	pthread_mutex_unlock(&nets->lock);
	pthread_join(nets->thread, NULL);
	netlist_free(nets->set);
	pthread_rwlock_destroy(&nets->rw);
	pthread_cond_destroy(&nets->wake);
	pthread_mutex_destroy(&nets->lock);
	free(nets);
}

void ldap_networks_match(struct ldap_networks *nets, const struct netaddr *addr,
                         struct dir_answer *ans_r)
{
	char matched[NETADDR_STRLEN] = "";
	bool found = false, loaded;
	size_t count;
	double age = 0;

	pthread_rwlock_rdlock(&nets->rw);
	if (nets->set != NULL)
		found = netlist_match(nets->set, addr, matched, sizeof matched);
	count = nets->count;
	loaded = nets->set != NULL;
	if (loaded)
		age = monotime_now() - nets->loaded_at;
	pthread_rwlock_unlock(&nets->rw);
	/* Never loaded: we cannot say the client is not allowlisted. */
	ans_r->status = found ? DIR_FOUND : loaded ? DIR_NOTFOUND : DIR_ERROR;
	ans_r->source = SRC_LDAP;
	/* Fixed texts and numbers: these always fit in the detail. */
	if (!ans_r->want_detail)
		return;
	if (found)
		snprintf(ans_r->detail, sizeof ans_r->detail,
		         "in LDAP network %s (one of %zu in memory, loaded %.0fs ago)",
		         matched, count, age);
	else if (loaded)
		snprintf(ans_r->detail, sizeof ans_r->detail,
		         "not in the %zu LDAP networks in memory (loaded %.0fs ago)",
		         count, age);
	else
		snprintf(ans_r->detail, sizeof ans_r->detail,
		         "no LDAP networks loaded yet (directory unreachable)");
}

int ldap_networks_check(struct ldap_networks *nets, struct strbuf *report)
{
	struct strbuf skipped;
	const char *error = NULL;
	struct collect c = {netlist_create(), nets->p.attribute, 0, 0, NULL};
	const char *uri = NULL;
	int rc;

	strbuf_init(&skipped);
	c.report = &skipped;
	rc = load(nets, &c, &uri, &error);
	if (rc == LDAP_SUCCESS) {
		strbuf_appendf(report,
		               "  networks: %zu valid, %zu invalid skipped (%s, %s"
		               " under %s)\n%s",
		               c.valid, c.skipped, nets->p.attribute, nets->p.filter,
		               nets->p.base, skipped.data);
	} else {
		strbuf_appendf(report, "  networks: FAILED: %s\n", error);
	}
	netlist_free(c.list);
	strbuf_free(&skipped);
	return rc == LDAP_SUCCESS ? 0 : -1;
}

void ldap_networks_get_stats(struct ldap_networks *nets, struct ldap_networks_stats *st_r)
{
	pthread_rwlock_rdlock(&nets->rw);
	st_r->networks = nets->count;
	st_r->age = nets->set != NULL ? monotime_now() - nets->loaded_at : -1;
	pthread_rwlock_unlock(&nets->rw);
	st_r->skipped = counter_get(&nets->skipped);
	st_r->loads = counter_get(&nets->loads);
	st_r->failures = counter_get(&nets->failures);
}
