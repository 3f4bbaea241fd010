/*
 * dir_ldap: the LDAP directory backend.
 *
 * Entry point: dir_ldap_create; everything else through the ops table
 * (lookups, check, stats, expire, start, handover). The directory owns a
 * copy of its parameters, its pool, cache, networks and threads, all
 * stopped when its last reference goes: a reload that changes nothing the
 * backend uses keeps the running directory (handover), so the old
 * configuration may go away before it.
 *
 * A domain lookup has one deadline, now + ldap.budget, for everything it
 * may do: wait for a pooled handle, wait for a concurrent lookup of the same
 * key, fail over between servers. It answers from the cache (SRC_CACHE),
 * from LDAP (SRC_LDAP), from an expired entry within stale_ttl when LDAP
 * cannot answer (SRC_STALE_CACHE), or DIR_ERROR. Never "not found" because
 * something failed.
 *
 * In sync mode (ldap.mode = "sync") the domains and networks are held in
 * memory (policy/ldap/ldap_syncsets.h) and answered from there
 * (SRC_SYNC) without any I/O; until a set's first complete refresh, its
 * questions take the query-mode path above.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/error.h"
#include "lib/log.h"
#include "lib/xalloc.h"
#include "policy/cache.h"
#include "policy/dir_set.h"
#include "policy/ldap/dir_ldap.h"
#include "policy/ldap/ldap_accounts.h"
#include "policy/ldap/ldap_conn.h"
#include "policy/ldap/ldap_filter.h"
#include "policy/ldap/ldap_networks.h"
#include "policy/ldap/ldap_pool.h"
#include "policy/ldap/ldap_syncsets.h"
#include "lib/monotime.h"

#define DEFAULT_TIMEOUT 2.0
#define DEFAULT_POOL 4
#define DEFAULT_REFRESH 300.0
#define DOMAIN_SIZELIMIT 10 /* we only ask whether there is an entry */

struct dir_ldap {
	struct directory dir;     /* first: the directory.h contract */
	struct dir_ldap_params p; /* our own copy */
	struct ldap_conn_params conn;
	struct ldap_pool *pool;
	struct cache *cache;
	struct ldap_networks *nets; /* query mode's networks; NULL: none or sync mode */
	/* Sync mode: the sets kept live by content sync, and the in-memory
	 * backend answering from them (NULL in query mode). */
	struct policy_sets *sets;
	struct directory *mem;
	struct ldap_syncsets *syncs;
	int domain_scope;
	double timeout;
	double budget;
	bool match_subdomains;
	struct dir_stats base; /* counted by the directories this one replaced */
	struct dir_ldap *seed; /* a reload's predecessor, until started */
};

/* One domain lookup's state, handed to the cache's fetch callback. */
struct fetch_ctx {
	struct dir_ldap *dl;
	double deadline;
};

/* Copy SRC into DST (SIZE bytes), marking a cut with "..." rather than
 * truncating silently. */
static void copy_detail(char *dst, size_t size, const char *src)
{
	size_t len = strlen(src);

	if (len < size) {
		memcpy(dst, src, len + 1);
		return;
	}
	memcpy(dst, src, size - 4);
	memcpy(dst + size - 4, "...", 4);
}

static int scope_of(enum ldap_scope scope)
{
	switch (scope) {
	case SCOPE_BASE:
		return LDAP_SCOPE_BASE;
	case SCOPE_ONE:
		return LDAP_SCOPE_ONELEVEL;
	case SCOPE_SUB:
		break;
	}
	return LDAP_SCOPE_SUBTREE;
}

/* Ask LDAP whether DOMAIN (or, with match_subdomains, a parent) has an entry. */
static int fetch_domain(void *ctx, const char *domain, char *detail, size_t size,
                        struct strbuf *data)
{
	struct fetch_ctx *fc = ctx;
	struct dir_ldap *dl = fc->dl;
	const struct ldap_search_params *dc = &dl->p.domains;
	char *attrs[2] = {(char *)LDAP_NO_ATTRS, NULL};
	struct strbuf filter, out;
	const char *uri = NULL, *error = NULL;
	int n = 0, rc, status;

	strbuf_init(&filter);
	strbuf_init(&out);
	if (dl->match_subdomains)
		ldap_filter_expand_parents(&filter, dc->filter, domain);
	else
		ldap_filter_expand(&filter, dc->filter, domain, strlen(domain));
	rc = ldap_pool_search(dl->pool, dc->base, dl->domain_scope, filter.data, attrs,
	                      DOMAIN_SIZELIMIT, fc->deadline, NULL, NULL, &n, &uri,
	                      &error);
	if (rc == LDAP_SUCCESS || rc == LDAP_SIZELIMIT_EXCEEDED) {
		status = n > 0 ? CACHE_FOUND : CACHE_NOTFOUND;
		strbuf_appendf(&out, "%s %s -> %d entr%s%s", uri, filter.data, n,
		               n == 1 ? "y" : "ies",
		               rc == LDAP_SIZELIMIT_EXCEEDED ? " (size limit)" : "");
	} else {
		status = CACHE_ERROR;
		strbuf_appendf(&out, "%s %s: %s", uri != NULL ? uri : "ldap", filter.data,
		               error);
	}
	copy_detail(detail, size, out.data);
	strbuf_free(&filter);
	strbuf_free(&out);
	return status;
}

static const char *found_text(int status)
{
	return status == CACHE_FOUND ? "found" : "not found";
}

/* Turn a cache result into the directory answer and its trace line. */
static void make_answer(struct dir_ldap *dl, const char *domain,
                        const struct cache_result *res, const char *fetched,
                        struct dir_answer *ans_r)
{
	struct strbuf out, key;

	ans_r->status = res->status == CACHE_ERROR   ? DIR_ERROR
	                : res->status == CACHE_FOUND ? DIR_FOUND
	                                             : DIR_NOTFOUND;
	ans_r->source = res->origin == CACHE_HIT     ? SRC_CACHE
	                : res->origin == CACHE_STALE ? SRC_STALE_CACHE
	                                             : SRC_LDAP;
	if (!ans_r->want_detail)
		return;
	strbuf_init(&out);
	strbuf_init(&key);
	ldap_filter_escape(&key, domain, strlen(domain)); /* printable */
	switch (res->origin) {
	case CACHE_HIT:
		ans_r->source = SRC_CACHE;
		strbuf_appendf(&out, "cache: %s %s (LDAP answer %.0fs old)", key.data,
		               found_text(res->status), res->age);
		break;
	case CACHE_FETCHED:
		ans_r->source = SRC_LDAP;
		strbuf_puts(&out, fetched);
		break;
	case CACHE_SHARED:
		ans_r->source = SRC_LDAP;
		strbuf_appendf(&out, "ldap: %s %s (shared with a concurrent lookup)",
		               key.data, found_text(res->status));
		break;
	case CACHE_STALE:
		ans_r->source = SRC_STALE_CACHE;
		strbuf_appendf(&out,
		               "stale cache: %s %s (LDAP answer %.0fs old, "
		               "stale_ttl %ds) because %s",
		               key.data, found_text(res->status), res->age,
		               dl->p.cache.stale_ttl,
		               *fetched ? fetched : "a concurrent lookup failed");
		break;
	case CACHE_NONE:
		ans_r->source = SRC_LDAP;
		strbuf_puts(&out, *fetched
		                      ? fetched
		                      : "ldap: a concurrent lookup failed or timed out");
		break;
	}
	copy_detail(ans_r->detail, sizeof ans_r->detail, out.data);
	strbuf_free(&out);
	strbuf_free(&key);
}

static void dir_ldap_lookup_domain(struct directory *dir, const char *domain,
                                   struct dir_answer *ans_r)
{
	struct dir_ldap *dl = (struct dir_ldap *)dir;
	struct fetch_ctx fc;
	struct cache_result res;
	char fetched[sizeof ans_r->detail] = "";

	if (dl->mem != NULL) {
		dir_lookup_domain(dl->mem, domain, ans_r);
		if (ans_r->status != DIR_ERROR)
			return; /* else: not synced yet, ask as in query mode */
	}
	fc.dl = dl;
	fc.deadline = monotime_now() + dl->budget;
	cache_lookup(dl->cache, domain, fc.deadline, fetch_domain, &fc, fetched,
	             sizeof fetched, &res);
	make_answer(dl, domain, &res, fetched, ans_r);
}

#define ACCOUNT_KEY "account:" /* cache keys of accounts; no domain has a ':' */

static int fetch_account(void *ctx, const char *key, char *detail, size_t size,
                         struct strbuf *data)
{
	struct fetch_ctx *fc = ctx;
	struct dir_ldap *dl = fc->dl;

	return ldap_accounts_fetch(
	    dl->pool, &dl->p.accounts, scope_of(dl->p.accounts.scope),
	    key + strlen(ACCOUNT_KEY), fc->deadline, detail, size, data);
}

static void dir_ldap_lookup_account(struct directory *dir, const char *login,
                                    struct dir_account_answer *ans_r)
{
	struct dir_ldap *dl = (struct dir_ldap *)dir;
	struct fetch_ctx fc;
	struct cache_result res;
	struct strbuf key;
	char fetched[sizeof ans_r->detail] = "";

	if (dl->p.accounts.base == NULL) {
		ans_r->status = DIR_NOTFOUND;
		ans_r->source = SRC_NONE;
		if (ans_r->want_detail)
			copy_detail(ans_r->detail, sizeof ans_r->detail,
			            "no accounts in LDAP (ldap.accounts not configured)");
		return;
	}
	if (dl->mem != NULL) {
		dir_lookup_account(dl->mem, login, ans_r);
		if (ans_r->status != DIR_ERROR)
			return; /* else: not synced yet, ask as in query mode */
	}
	fc.dl = dl;
	fc.deadline = monotime_now() + dl->budget;
	strbuf_init(&key);
	strbuf_puts(&key, ACCOUNT_KEY);
	strbuf_puts(&key, login);
	cache_lookup(dl->cache, key.data, fc.deadline, fetch_account, &fc, fetched,
	             sizeof fetched, &res);
	strbuf_free(&key);
	ans_r->status = res.status == CACHE_ERROR   ? DIR_ERROR
	                : res.status == CACHE_FOUND ? DIR_FOUND
	                                            : DIR_NOTFOUND;
	ans_r->source = res.origin == CACHE_HIT     ? SRC_CACHE
	                : res.origin == CACHE_STALE ? SRC_STALE_CACHE
	                                            : SRC_LDAP;
	ans_r->account =
	    res.status == CACHE_FOUND ? ldap_accounts_parse(login, res.data) : NULL;
	free(res.data);
	if (ans_r->want_detail) {
		struct strbuf out;

		strbuf_init(&out);
		strbuf_appendf(&out, "%s: %s%s%s", cache_origin_name(res.origin),
		               ans_r->status == DIR_FOUND      ? "found"
		               : ans_r->status == DIR_NOTFOUND ? "not found"
		                                               : "error",
		               *fetched ? "; " : "", fetched);
		if (ans_r->account != NULL && ans_r->account->suspended)
			strbuf_puts(&out, "; suspended");
		copy_detail(ans_r->detail, sizeof ans_r->detail, out.data);
		strbuf_free(&out);
	}
}

static void dir_ldap_match_client(struct directory *dir, const struct netaddr *addr,
                                  struct dir_answer *ans_r)
{
	struct dir_ldap *dl = (struct dir_ldap *)dir;

	if (dl->mem != NULL && dl->p.networks.base != NULL) {
		dir_match_client(dl->mem, addr, ans_r);
		return;
	}
	if (dl->nets == NULL) {
		ans_r->status = DIR_NOTFOUND;
		ans_r->source = SRC_NONE;
		if (ans_r->want_detail)
			copy_detail(ans_r->detail, sizeof ans_r->detail,
			            "no networks in LDAP (ldap.networks not configured)");
		return;
	}
	ldap_networks_match(dl->nets, addr, ans_r);
}

/* --- parameters: our own copy ------------------------------------------ */

static char *dup_or_null(const char *s)
{
	return s != NULL ? xstrdup(s) : NULL;
}

static void search_copy(struct ldap_search_params *dst,
                        const struct ldap_search_params *src)
{
	*dst = *src;
	dst->base = dup_or_null(src->base);
	dst->filter = dup_or_null(src->filter);
	dst->attribute = dup_or_null(src->attribute);
}

static void params_copy(struct dir_ldap_params *dst, const struct dir_ldap_params *src)
{
	*dst = *src;
	dst->uris = xcalloc(src->n_uris + 1, sizeof *dst->uris);
	for (size_t i = 0; i < src->n_uris; i++)
		dst->uris[i] = xstrdup(src->uris[i]);
	dst->bind_dn = dup_or_null(src->bind_dn);
	dst->bind_password_file = dup_or_null(src->bind_password_file);
	dst->bind_password = dup_or_null(src->bind_password);
	dst->tls_ca_file = dup_or_null(src->tls_ca_file);
	search_copy(&dst->domains, &src->domains);
	search_copy(&dst->networks, &src->networks);
	dst->accounts.base = dup_or_null(src->accounts.base);
	dst->accounts.filter = dup_or_null(src->accounts.filter);
	dst->accounts.suspended = dup_or_null(src->accounts.suspended);
	dst->accounts.limits = dup_or_null(src->accounts.limits);
	dst->accounts.senders = xcalloc(src->accounts.n_senders + 1, sizeof(char *));
	for (size_t i = 0; i < src->accounts.n_senders; i++)
		dst->accounts.senders[i] = xstrdup(src->accounts.senders[i]);
}

static void search_free(struct ldap_search_params *sp)
{
	free(sp->base);
	free(sp->filter);
	free(sp->attribute);
}

static void params_free(struct dir_ldap_params *p)
{
	for (size_t i = 0; i < p->n_uris; i++)
		free(p->uris[i]);
	free(p->uris);
	free(p->bind_dn);
	free(p->bind_password_file);
	if (p->bind_password != NULL) {
		explicit_bzero(p->bind_password, strlen(p->bind_password));
		free(p->bind_password);
	}
	free(p->tls_ca_file);
	search_free(&p->domains);
	search_free(&p->networks);
	free(p->accounts.base);
	free(p->accounts.filter);
	free(p->accounts.suspended);
	free(p->accounts.limits);
	for (size_t i = 0; i < p->accounts.n_senders; i++)
		free(p->accounts.senders[i]);
	free(p->accounts.senders);
}

static bool same_str(const char *a, const char *b)
{
	return (a == NULL || b == NULL) ? a == b : strcmp(a, b) == 0;
}

static bool same_search(const struct ldap_search_params *a,
                        const struct ldap_search_params *b)
{
	return same_str(a->base, b->base) && same_str(a->filter, b->filter) &&
	       a->scope == b->scope && same_str(a->attribute, b->attribute) &&
	       a->refresh == b->refresh;
}

static bool same_accounts(const struct ldap_accounts_params *a,
                          const struct ldap_accounts_params *b)
{
	if (a->n_senders != b->n_senders)
		return false;
	for (size_t i = 0; i < a->n_senders; i++)
		if (strcmp(a->senders[i], b->senders[i]) != 0)
			return false;
	return same_str(a->base, b->base) && same_str(a->filter, b->filter) &&
	       a->scope == b->scope && same_str(a->suspended, b->suspended) &&
	       same_str(a->limits, b->limits);
}

/* Would a directory for B behave exactly as one for A? (The password
 * counts: the file may have been rewritten under the same name.) */
static bool same_params(const struct dir_ldap_params *a, const struct dir_ldap_params *b)
{
	if (a->n_uris != b->n_uris)
		return false;
	for (size_t i = 0; i < a->n_uris; i++)
		if (strcmp(a->uris[i], b->uris[i]) != 0)
			return false;
	return a->mode == b->mode && a->sync_poll == b->sync_poll &&
	       same_str(a->bind_dn, b->bind_dn) &&
	       same_str(a->bind_password, b->bind_password) &&
	       a->starttls == b->starttls && same_str(a->tls_ca_file, b->tls_ca_file) &&
	       a->timeout == b->timeout && a->budget == b->budget &&
	       a->pool_size == b->pool_size && same_search(&a->domains, &b->domains) &&
	       same_search(&a->networks, &b->networks) &&
	       same_accounts(&a->accounts, &b->accounts) &&
	       a->cache.max_entries == b->cache.max_entries &&
	       a->cache.positive_ttl == b->cache.positive_ttl &&
	       a->cache.negative_ttl == b->cache.negative_ttl &&
	       a->cache.stale_ttl == b->cache.stale_ttl &&
	       a->match_subdomains == b->match_subdomains;
}

/* Refuse what the config loader may not have caught; 0 or -1. */
static int validate(const struct dir_ldap_params *lc, const char **error_r)
{
	const char *why = NULL;

	if (!lc->enabled)
		*error_r = "ldap: not configured";
	else if (lc->n_uris == 0)
		*error_r = "ldap.uri: no server given";
	else if (lc->domains.base == NULL || lc->domains.filter == NULL)
		*error_r = "ldap.domains: base and filter are required";
	else if (lc->mode == LDAP_MODE_SYNC && lc->domains.attribute == NULL)
		*error_r = "ldap.domains.attribute is required in sync mode";
	else if (ldap_filter_check(lc->domains.filter, LDAP_FILTER_LOOKUP, &why) != 0)
		*error_r = error_printf("ldap.domains.filter: %s", why);
	else if (lc->accounts.base != NULL &&
	         ldap_filter_check(lc->accounts.filter, LDAP_FILTER_ACCOUNT, &why) != 0)
		*error_r = error_printf("ldap.accounts.filter: %s", why);
	else if (lc->networks.base != NULL && lc->networks.attribute == NULL)
		*error_r = "ldap.networks.attribute is required";
	else if (lc->networks.base != NULL &&
	         ldap_filter_check(lc->networks.filter ? lc->networks.filter
	                                               : "(objectClass=*)",
	                           LDAP_FILTER_BULK, &why) != 0)
		*error_r = error_printf("ldap.networks.filter: %s", why);
	else
		return 0;
	return -1;
}

/* --- the parts ------------------------------------------------------- */

static struct ldap_pool *make_pool(struct dir_ldap *dl, const char **error_r)
{
	const struct dir_ldap_params *lc = &dl->p;
	struct ldap_pool_params pp;

	pp.uris = lc->uris;
	pp.n_uris = lc->n_uris;
	pp.conn = dl->conn;
	pp.size = lc->pool_size > 0 ? lc->pool_size : DEFAULT_POOL;
	return ldap_pool_create(&pp, error_r);
}

static struct cache *make_cache(const struct cache_params *cc)
{
	struct cache_params cp = *cc;

	cp.clock = NULL; /* the monotonic clock: imported answers keep their age */
	cp.clock_ctx = NULL;
	return cache_create(&cp);
}

/* DL's network loader (none when no networks are configured); 0, or -1
 * with *ERROR_R set. */
static int make_networks(struct dir_ldap *dl, struct ldap_networks *seed,
                         const char **error_r)
{
	const struct ldap_search_params *nc = &dl->p.networks;
	struct ldap_networks_params np;

	if (nc->base == NULL || *nc->base == '\0')
		return 0;
	np.base = nc->base;
	np.scope = scope_of(nc->scope);
	np.filter = nc->filter != NULL ? nc->filter : "(objectClass=*)";
	np.attribute = nc->attribute;
	np.refresh = nc->refresh > 0 ? nc->refresh : DEFAULT_REFRESH;
	/* A bulk load may take longer than one decision's budget. */
	np.budget = dl->budget > 2 * dl->timeout ? dl->budget : 2 * dl->timeout;
	dl->nets = ldap_networks_create(dl->pool, &np, seed, error_r);
	return dl->nets != NULL ? 0 : -1;
}

/* --- the table ------------------------------------------------------- */

static void dir_ldap_free(struct directory *dir)
{
	struct dir_ldap *dl = (struct dir_ldap *)dir;

	ldap_syncsets_free(dl->syncs); /* first: their threads publish into SETS */
	dir_free(dl->mem);
	if (dl->sets != NULL)
		policy_sets_unref(dl->sets);
	ldap_networks_free(dl->nets); /* before the pool: it searches through it */
	ldap_pool_free(dl->pool);
	cache_free(dl->cache);
	params_free(&dl->p);
	free(dl);
}

static bool same_domain_search(const struct dir_ldap_params *a,
                               const struct dir_ldap_params *b)
{
	return same_search(&a->domains, &b->domains) &&
	       a->match_subdomains == b->match_subdomains;
}

/* Sync mode: start the syncs, seeded with what PREV (a reload's
 * predecessor, or NULL) last knew: its networks, and its synced domains
 * when they come from the same search. A seed answers until the first
 * complete refresh replaces it, so a reload while the directory is down
 * loses nothing. 0, or -1 with *ERROR_R set. */
static int start_sync(struct dir_ldap *dl, struct dir_ldap *prev, const char **error_r)
{
	if (prev != NULL && dl->p.networks.base != NULL) {
		struct netlist *nets = prev->sets != NULL
		                           ? policy_sets_copy_networks(prev->sets)
		                           : ldap_networks_copy(prev->nets);

		if (nets != NULL)
			policy_sets_publish_networks(dl->sets, nets);
	}
	if (prev != NULL && prev->sets != NULL && same_domain_search(&prev->p, &dl->p)) {
		struct domainset *doms = policy_sets_copy_domains(prev->sets);

		if (doms != NULL)
			policy_sets_publish_domains(dl->sets, doms);
	}
	dl->syncs = ldap_syncsets_start(&dl->p, &dl->conn, dl->sets, error_r);
	if (dl->syncs == NULL)
		return -1;
	/* Like query mode's first network load: give the first refresh up to
	 * one decision's budget before serving; a large or unreachable
	 * directory is answered as in query mode meanwhile. */
	if (!ldap_syncsets_wait(dl->syncs, monotime_now() + dl->budget))
		msg_info("ldap: sync mode: first refresh not complete after %.1f s; "
		         "answering as in query mode until it is",
		         dl->budget);
	return 0;
}

static int dir_ldap_start(struct directory *dir, const char **error_r)
{
	struct dir_ldap *dl = (struct dir_ldap *)dir;
	struct dir_ldap *prev = dl->seed;

	dl->seed = NULL;
	if ((dl->pool = make_pool(dl, error_r)) == NULL)
		return -1;
	/* On failure dir_free cleans up. */
	if (dl->mem != NULL)
		return start_sync(dl, prev, error_r);
	return make_networks(dl, prev != NULL ? prev->nets : NULL, error_r);
}

static void dir_ldap_expire(struct directory *dir)
{
	struct dir_ldap *dl = (struct dir_ldap *)dir;

	cache_expire(dl->cache);
	if (dl->nets != NULL)
		ldap_networks_refresh(dl->nets);
}

static bool dir_ldap_stats(struct directory *dir, struct dir_stats *st_r);

static struct directory *dir_ldap_handover(struct directory *dir, struct directory *next,
                                           const char **error_r)
{
	struct dir_ldap *old = (struct dir_ldap *)dir;
	struct dir_ldap *dl = (struct dir_ldap *)next;

	if (same_params(&old->p, &dl->p)) {
		dir_free(next);
		dir_ldap_expire(dir);
		msg_info("reload: LDAP directory kept (ldap and cache unchanged); cached "
		         "answers expired, networks reloading");
		return dir_ref(dir);
	}
	dir_ldap_stats(dir, &dl->base);
	dl->base.cache_entries = 0; /* gauges are the new directory's own */
	dl->base.ldap_servers_up = 0;
	dl->base.networks = 0;
	dl->base.networks_age = 0;
	cache_import(dl->cache, old->cache);
	dl->seed = old;
	if (dir_start(next, error_r) != 0) {
		dir_free(next);
		return NULL;
	}
	msg_info("reload: new LDAP directory (ldap or cache changed), starting from the "
	         "previous one's networks and cached answers");
	return next;
}

/* -n -n: open one handle to each URI and say how it went; the count of
 * servers that answered. */
static size_t check_servers(struct dir_ldap *dl, struct strbuf *report)
{
	const struct dir_ldap_params *lc = &dl->p;
	size_t ok = 0;

	for (size_t i = 0; i < lc->n_uris; i++) {
		struct ldap_conn_info info;
		const char *error = NULL;
		LDAP *ld;

		ld = ldap_conn_open(lc->uris[i], &dl->conn, monotime_now() + dl->timeout,
		                    &info, &error);
		if (ld != NULL)
			strbuf_appendf(report, "  %s: OK in %.0f ms; TLS %s; bind %s\n",
			               lc->uris[i], info.ms,
			               !info.tls ? "off"
			               : lc->starttls
			                   ? "OK (StartTLS, certificate verified)"
			                   : "OK (ldaps, certificate verified)",
			               info.bound ? lc->bind_dn : "anonymous");
		else
			strbuf_appendf(report, "  warning: %s: FAILED: %s\n", lc->uris[i],
			               error);
		ok += ld != NULL;
		ldap_conn_close(ld);
	}
	return ok;
}

/* -n -n: count the entries FILTER (placeholders as "*") matches under BASE. */
static int check_count(struct dir_ldap *dl, const char *what, const char *base, int scope,
                       const char *tmpl, struct strbuf *report)
{
	char *attrs[2] = {(char *)LDAP_NO_ATTRS, NULL};
	struct strbuf filter;
	const char *uri, *error = NULL;
	int n, rc;

	strbuf_init(&filter);
	ldap_filter_expand_any(&filter, tmpl);
	rc = ldap_pool_search(dl->pool, base, scope, filter.data, attrs, 0,
	                      monotime_now() + 2 * dl->budget, NULL, NULL, &n, &uri,
	                      &error);
	if (rc == LDAP_SUCCESS || rc == LDAP_SIZELIMIT_EXCEEDED)
		strbuf_appendf(report, "  %s: %d%s entries (%s under %s)\n", what, n,
		               rc == LDAP_SIZELIMIT_EXCEEDED ? "+ (server size limit)"
		                                             : "",
		               filter.data, base);
	else
		strbuf_appendf(report, "  %s: FAILED: %s\n", what, error);
	strbuf_free(&filter);
	return rc == LDAP_SUCCESS || rc == LDAP_SIZELIMIT_EXCEEDED ? 0 : -1;
}

static int check_domains(struct dir_ldap *dl, struct strbuf *report)
{
	return check_count(dl, "domains", dl->p.domains.base, dl->domain_scope,
	                   dl->p.domains.filter, report);
}

/* -n -n: count the accounts the filter can match (with "*"). */
static int check_accounts(struct dir_ldap *dl, struct strbuf *report)
{
	if (dl->p.accounts.base == NULL)
		return 0;
	return check_count(dl, "accounts", dl->p.accounts.base,
	                   scope_of(dl->p.accounts.scope), dl->p.accounts.filter, report);
}

/* OK when every server answered and both searches worked; DEGRADED when a
 * server failed but the searches worked through another; FAILED when no
 * search could be done (no server, or the searches themselves fail). */
static enum dir_check dir_ldap_check(struct directory *dir, struct strbuf *report)
{
	struct dir_ldap *dl = (struct dir_ldap *)dir;
	size_t up;
	bool searched = true, synced = true;

	strbuf_appendf(
	    report, "LDAP directory (%zu server%s, timeout %.1fs, budget %.1fs):\n",
	    dl->p.n_uris, dl->p.n_uris == 1 ? "" : "s", dl->timeout, dl->budget);
	up = check_servers(dl, report);
	if (up == 0)
		return DIR_CHECK_FAILED;
	if (check_domains(dl, report) != 0 || check_accounts(dl, report) != 0)
		searched = false;
	if (dl->syncs != NULL)
		synced = ldap_syncsets_report(dl->syncs, report);
	else if (dl->nets != NULL && ldap_networks_check(dl->nets, report) != 0)
		searched = false;
	else if (dl->nets == NULL)
		strbuf_puts(report, "  networks: not configured\n");
	if (!searched)
		return DIR_CHECK_FAILED;
	return up == dl->p.n_uris && synced ? DIR_CHECK_OK : DIR_CHECK_DEGRADED;
}

static bool dir_ldap_stats(struct directory *dir, struct dir_stats *st_r)
{
	struct dir_ldap *dl = (struct dir_ldap *)dir;
	const struct dir_stats *b = &dl->base;
	struct cache_stats cs;
	struct ldap_pool_stats ps = {0};
	struct ldap_networks_stats ns = {0, 0, 0, 0, -1};

	cache_get_stats(dl->cache, &cs);
	if (dl->pool != NULL)
		ldap_pool_get_stats(dl->pool, &ps);
	if (dl->nets != NULL)
		ldap_networks_get_stats(dl->nets, &ns);
	st_r->cache_hits = b->cache_hits + cs.hits;
	st_r->cache_misses = b->cache_misses + cs.misses;
	st_r->cache_coalesced = b->cache_coalesced + cs.coalesced;
	st_r->cache_stale = b->cache_stale + cs.stale;
	st_r->cache_errors = b->cache_errors + cs.errors;
	st_r->cache_evictions = b->cache_evictions + cs.evictions;
	st_r->cache_entries = cs.entries;
	st_r->ldap_queries = b->ldap_queries + ps.queries;
	st_r->ldap_errors = b->ldap_errors + ps.errors;
	st_r->ldap_timeouts = b->ldap_timeouts + ps.timeouts;
	st_r->ldap_connects = b->ldap_connects + ps.connects;
	st_r->ldap_connect_failures = b->ldap_connect_failures + ps.connect_failures;
	st_r->ldap_fast_failures = b->ldap_fast_failures + ps.fast_failures;
	st_r->ldap_servers_up = ps.servers_up;
	st_r->networks = ns.networks;
	st_r->network_loads = b->network_loads + ns.loads;
	st_r->network_failures = b->network_failures + ns.failures;
	st_r->networks_age = ns.age;
	if (dl->syncs != NULL)
		ldap_syncsets_stats(dl->syncs, st_r);
	return true;
}

static const struct directory_ops dir_ldap_ops = {
    .name = "ldap",
    .lookup_domain = dir_ldap_lookup_domain,
    .match_client = dir_ldap_match_client,
    .lookup_account = dir_ldap_lookup_account,
    .free = dir_ldap_free,
    .check = dir_ldap_check,
    .stats = dir_ldap_stats,
    .expire = dir_ldap_expire,
    .start = dir_ldap_start,
    .handover = dir_ldap_handover,
};

void dir_ldap_process_init(void)
{
	ldap_conn_global_init();
}

struct directory *dir_ldap_create(const struct dir_ldap_params *p, const char **error_r)
{
	struct dir_ldap *dl;

	if (validate(p, error_r) != 0)
		return NULL;
	ldap_conn_global_init();
	dl = xcalloc(1, sizeof *dl);
	dir_init(&dl->dir, &dir_ldap_ops);
	params_copy(&dl->p, p);
	dl->timeout = p->timeout > 0 ? p->timeout : DEFAULT_TIMEOUT;
	dl->budget = p->budget > 0 ? p->budget : 2 * dl->timeout;
	dl->domain_scope = scope_of(p->domains.scope);
	dl->match_subdomains = p->match_subdomains;
	dl->conn.bind_dn = dl->p.bind_dn;
	dl->conn.bind_password = dl->p.bind_password;
	dl->conn.starttls = dl->p.starttls;
	dl->conn.tls_ca_file = dl->p.tls_ca_file != NULL && *dl->p.tls_ca_file != '\0'
	                           ? dl->p.tls_ca_file
	                           : NULL;
	dl->conn.timeout = dl->timeout;
	dl->cache = make_cache(&dl->p.cache);
	if (p->mode == LDAP_MODE_SYNC) {
		static const struct dir_set_params mem = {
		    .name = "ldap",
		    .source = SRC_SYNC,
		    .domains_label = "sync domains",
		    .networks_label = "sync networks",
		    .accounts_label = "sync accounts",
		    .account_keys = ldap_accounts_lookup_keys,
		};
		struct dir_set_params mp = mem;

		mp.match_subdomains = p->match_subdomains;
		dl->sets = policy_sets_create(NULL, NULL);
		dl->mem = dir_set_create(&mp, dl->sets);
	}
	return &dl->dir;
}
