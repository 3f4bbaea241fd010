/*
 * dir_ldap: the LDAP directory backend.
 *
 * Entry points: dir_ldap_create (and the ops table behind it),
 * dir_ldap_check, dir_ldap_get_stats, dir_ldap_flush_cache. The directory
 * borrows the strings of the config it was made from; it owns its pool,
 * cache, networks and threads, all stopped by dir_free.
 *
 * A domain lookup has one deadline, now + ldap.budget, for everything it
 * may do: wait for a pooled handle, wait for a concurrent lookup of the same
 * key, fail over between servers. It answers from the cache (SRC_CACHE),
 * from LDAP (SRC_LDAP), from an expired entry within stale_ttl when LDAP
 * cannot answer (SRC_STALE_CACHE), or DIR_ERROR. Never "not found" because
 * something failed.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/xalloc.h"
#include "policy/cache.h"
#include "policy/ldap/dir_ldap.h"
#include "policy/ldap/ldap_conn.h"
#include "policy/ldap/ldap_filter.h"
#include "policy/ldap/ldap_networks.h"
#include "policy/ldap/ldap_pool.h"
#include "lib/monotime.h"

#define DEFAULT_TIMEOUT 2.0
#define DEFAULT_POOL 4
#define DEFAULT_REFRESH 300.0
#define DOMAIN_SIZELIMIT 10 /* we only ask whether there is an entry */

struct dir_ldap {
	struct directory dir; /* first: the directory.h contract */
	const struct config *cf;
	struct ldap_conn_params conn;
	struct ldap_pool *pool;
	struct cache *cache;
	struct ldap_networks *nets; /* NULL: no networks in LDAP */
	int domain_scope;
	double timeout;
	double budget;
	bool match_subdomains;
};

/* One domain lookup's state, handed to the cache's fetch callback. */
struct fetch_ctx {
	struct dir_ldap *dl;
	double deadline;
};

static const struct directory_ops dir_ldap_ops;

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

static int scope_of(enum ldap_scope_conf scope)
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
static int fetch_domain(void *ctx, const char *domain, char *detail, size_t size)
{
	struct fetch_ctx *fc = ctx;
	struct dir_ldap *dl = fc->dl;
	const struct ldap_search_conf *dc = &dl->cf->ldap.domains;
	char *attrs[2] = {(char *)LDAP_NO_ATTRS, NULL};
	struct strbuf filter, err, out;
	const char *uri = NULL;
	int n = 0, rc, status;

	strbuf_init(&filter);
	strbuf_init(&err);
	strbuf_init(&out);
	if (dl->match_subdomains)
		ldap_filter_expand_parents(&filter, dc->filter, domain);
	else
		ldap_filter_expand(&filter, dc->filter, domain, strlen(domain));
	rc = ldap_pool_search(dl->pool, dc->base, dl->domain_scope, filter.data, attrs,
			      DOMAIN_SIZELIMIT, fc->deadline, NULL, NULL, &n, &uri, &err);
	if (rc == LDAP_SUCCESS || rc == LDAP_SIZELIMIT_EXCEEDED) {
		status = n > 0 ? CACHE_FOUND : CACHE_NOTFOUND;
		strbuf_appendf(&out, "%s %s -> %d entr%s%s", uri, filter.data, n,
			       n == 1 ? "y" : "ies",
			       rc == LDAP_SIZELIMIT_EXCEEDED ? " (size limit)" : "");
	} else {
		status = CACHE_ERROR;
		strbuf_appendf(&out, "%s %s: %s", uri != NULL ? uri : "ldap", filter.data,
			       err.data);
	}
	copy_detail(detail, size, out.data);
	strbuf_free(&filter);
	strbuf_free(&err);
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

	ans_r->status = res->status == CACHE_ERROR ? DIR_ERROR
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
		strbuf_appendf(&out, "stale cache: %s %s (LDAP answer %.0fs old, "
				     "stale_ttl %ds) because %s",
			       key.data, found_text(res->status), res->age,
			       dl->cf->cache.stale_ttl,
			       *fetched ? fetched : "a concurrent lookup failed");
		break;
	case CACHE_NONE:
		ans_r->source = SRC_LDAP;
		strbuf_puts(&out, *fetched ? fetched
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
	struct fetch_ctx fc = {dl, monotime_now() + dl->budget};
	struct cache_result res;
	char fetched[sizeof ans_r->detail] = "";

	cache_lookup(dl->cache, domain, fc.deadline, fetch_domain, &fc, fetched,
		     sizeof fetched, &res);
	make_answer(dl, domain, &res, fetched, ans_r);
}

static void dir_ldap_match_client(struct directory *dir, const struct netaddr *addr,
				  struct dir_answer *ans_r)
{
	struct dir_ldap *dl = (struct dir_ldap *)dir;

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

static void dir_ldap_free(struct directory *dir)
{
	struct dir_ldap *dl = (struct dir_ldap *)dir;

	ldap_networks_free(dl->nets); /* first: it searches through the pool */
	ldap_pool_free(dl->pool);
	cache_free(dl->cache);
	free(dl);
}

static const struct directory_ops dir_ldap_ops = {
	.name = "ldap",
	.lookup_domain = dir_ldap_lookup_domain,
	.match_client = dir_ldap_match_client,
	.free = dir_ldap_free,
};

/* Check what the config loader may not have; 0 or -1 with ERRBUF set. */
static int validate(const struct ldap_conf *lc, char *errbuf, size_t size)
{
	const char *why = NULL;

	if (lc->n_uris == 0)
		snprintf(errbuf, size, "ldap.uri: no server given");
	else if (lc->domains.base == NULL || lc->domains.filter == NULL)
		snprintf(errbuf, size, "ldap.domains: base and filter are required");
	else if (ldap_filter_check(lc->domains.filter, LDAP_FILTER_LOOKUP, &why) != 0)
		snprintf(errbuf, size, "ldap.domains.filter: %s", why);
	else if (lc->networks.base != NULL && lc->networks.attribute == NULL)
		snprintf(errbuf, size, "ldap.networks.attribute is required");
	else if (lc->networks.base != NULL &&
		 ldap_filter_check(lc->networks.filter ? lc->networks.filter
						       : "(objectClass=*)",
				   LDAP_FILTER_BULK, &why) != 0)
		snprintf(errbuf, size, "ldap.networks.filter: %s", why);
	else
		return 0;
	return -1;
}

static struct ldap_pool *make_pool(struct dir_ldap *dl, const struct ldap_conf *lc)
{
	struct ldap_pool_params pp;

	dl->conn.bind_dn = lc->bind_dn;
	dl->conn.bind_password = lc->bind_password;
	dl->conn.starttls = lc->starttls;
	dl->conn.tls_ca_file =
		lc->tls_ca_file != NULL && *lc->tls_ca_file != '\0' ? lc->tls_ca_file : NULL;
	dl->conn.timeout = dl->timeout;
	pp.uris = lc->uris;
	pp.n_uris = lc->n_uris;
	pp.conn = dl->conn;
	pp.size = lc->pool_size > 0 ? lc->pool_size : DEFAULT_POOL;
	return ldap_pool_create(&pp);
}

static struct cache *make_cache(const struct cache_conf *cc)
{
	struct cache_params cp = {.max_entries = cc->max_entries,
				  .positive_ttl = cc->positive_ttl,
				  .negative_ttl = cc->negative_ttl,
				  .stale_ttl = cc->stale_ttl};

	return cache_create(&cp);
}

static struct ldap_networks *make_networks(struct dir_ldap *dl,
					   const struct ldap_search_conf *nc)
{
	struct ldap_networks_params np;

	if (nc->base == NULL || *nc->base == '\0')
		return NULL;
	np.base = nc->base;
	np.scope = scope_of(nc->scope);
	np.filter = nc->filter != NULL ? nc->filter : "(objectClass=*)";
	np.attribute = nc->attribute;
	np.refresh = nc->refresh > 0 ? nc->refresh : DEFAULT_REFRESH;
	/* A bulk load may take longer than one decision's budget. */
	np.budget = dl->budget > 2 * dl->timeout ? dl->budget : 2 * dl->timeout;
	return ldap_networks_create(dl->pool, &np);
}

struct directory *dir_ldap_create(const struct config *cf, char *errbuf, size_t size)
{
	const struct ldap_conf *lc = &cf->ldap;
	struct dir_ldap *dl;

	if (!lc->enabled) {
		snprintf(errbuf, size, "ldap: not configured");
		return NULL;
	}
	if (validate(lc, errbuf, size) != 0)
		return NULL;
	ldap_conn_global_init();
	dl = xcalloc(1, sizeof *dl);
	dl->dir.ops = &dir_ldap_ops;
	dl->cf = cf;
	dl->timeout = lc->timeout > 0 ? lc->timeout : DEFAULT_TIMEOUT;
	dl->budget = lc->budget > 0 ? lc->budget : 2 * dl->timeout;
	dl->domain_scope = scope_of(lc->domains.scope);
	dl->match_subdomains = cf->policy.match_subdomains;
	dl->pool = make_pool(dl, lc);
	dl->cache = make_cache(&cf->cache);
	dl->nets = make_networks(dl, &lc->networks);
	return &dl->dir;
}

static struct dir_ldap *as_ldap(struct directory *dir)
{
	if (dir == NULL || dir->ops != &dir_ldap_ops)
		msg_panic("dir_ldap: not an LDAP directory");
	return (struct dir_ldap *)dir;
}

/* -n -n: open one handle to each URI and say how it went. */
static int check_servers(struct dir_ldap *dl, struct strbuf *report)
{
	const struct ldap_conf *lc = &dl->cf->ldap;
	int failed = 0;
	size_t i;

	for (i = 0; i < lc->n_uris; i++) {
		struct ldap_conn_info info;
		struct strbuf err;
		LDAP *ld;

		strbuf_init(&err);
		ld = ldap_conn_open(lc->uris[i], &dl->conn, monotime_now() + dl->timeout,
				    &info, &err);
		if (ld != NULL)
			strbuf_appendf(report, "  %s: OK in %.0f ms; TLS %s; bind %s\n",
				       lc->uris[i], info.ms,
				       !info.tls ? "off"
				       : lc->starttls ? "OK (StartTLS, certificate verified)"
						      : "OK (ldaps, certificate verified)",
				       info.bound ? lc->bind_dn : "anonymous");
		else
			strbuf_appendf(report, "  %s: FAILED: %s\n", lc->uris[i], err.data);
		failed += ld == NULL;
		ldap_conn_close(ld);
		strbuf_free(&err);
	}
	return failed ? -1 : 0;
}

/* -n -n: count the entries the domain filter can match. */
static int check_domains(struct dir_ldap *dl, struct strbuf *report)
{
	const struct ldap_search_conf *dc = &dl->cf->ldap.domains;
	char *attrs[2] = {(char *)LDAP_NO_ATTRS, NULL};
	struct strbuf filter, err;
	const char *uri;
	int n, rc;

	strbuf_init(&filter);
	strbuf_init(&err);
	ldap_filter_expand_any(&filter, dc->filter);
	rc = ldap_pool_search(dl->pool, dc->base, dl->domain_scope, filter.data, attrs, 0,
			      monotime_now() + 2 * dl->budget, NULL, NULL, &n, &uri, &err);
	if (rc == LDAP_SUCCESS || rc == LDAP_SIZELIMIT_EXCEEDED)
		strbuf_appendf(report, "  domains: %d%s entries (%s under %s)\n", n,
			       rc == LDAP_SIZELIMIT_EXCEEDED ? "+ (server size limit)" : "",
			       filter.data, dc->base);
	else
		strbuf_appendf(report, "  domains: FAILED: %s\n", err.data);
	strbuf_free(&filter);
	strbuf_free(&err);
	return rc == LDAP_SUCCESS || rc == LDAP_SIZELIMIT_EXCEEDED ? 0 : -1;
}

int dir_ldap_check(struct directory *dir, struct strbuf *report)
{
	struct dir_ldap *dl = as_ldap(dir);
	int rc = 0;

	strbuf_appendf(report, "LDAP directory (%zu server%s, timeout %.1fs, budget %.1fs):\n",
		       dl->cf->ldap.n_uris, dl->cf->ldap.n_uris == 1 ? "" : "s",
		       dl->timeout, dl->budget);
	if (check_servers(dl, report) != 0)
		rc = -1;
	if (check_domains(dl, report) != 0)
		rc = -1;
	if (dl->nets != NULL && ldap_networks_check(dl->nets, report) != 0)
		rc = -1;
	else if (dl->nets == NULL)
		strbuf_puts(report, "  networks: not configured\n");
	return rc;
}

void dir_ldap_get_stats(struct directory *dir, struct dir_ldap_stats *st_r)
{
	struct dir_ldap *dl = as_ldap(dir);
	struct cache_stats cs;
	struct ldap_pool_stats ps;
	struct ldap_networks_stats ns = {0, 0, 0, 0, -1};

	cache_get_stats(dl->cache, &cs);
	ldap_pool_get_stats(dl->pool, &ps);
	if (dl->nets != NULL)
		ldap_networks_get_stats(dl->nets, &ns);
	st_r->cache_hits = cs.hits;
	st_r->cache_misses = cs.misses;
	st_r->cache_coalesced = cs.coalesced;
	st_r->cache_stale = cs.stale;
	st_r->cache_errors = cs.errors;
	st_r->cache_evictions = cs.evictions;
	st_r->cache_entries = cs.entries;
	st_r->ldap_queries = ps.queries;
	st_r->ldap_errors = ps.errors;
	st_r->ldap_timeouts = ps.timeouts;
	st_r->ldap_connects = ps.connects;
	st_r->ldap_connect_failures = ps.connect_failures;
	st_r->ldap_fast_failures = ps.fast_failures;
	st_r->ldap_servers_up = ps.servers_up;
	st_r->networks = ns.networks;
	st_r->network_loads = ns.loads;
	st_r->network_failures = ns.failures;
	st_r->networks_age = ns.age;
}

void dir_ldap_flush_cache(struct directory *dir)
{
	cache_flush(as_ldap(dir)->cache);
}
